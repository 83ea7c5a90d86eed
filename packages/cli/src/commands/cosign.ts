/**
 * `casetrail cosign …`: a subordinate's side of witnessing — storing the
 * witnesses' cosignatures with its checkpoints (docs/oversight.md).
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { cosignAttachCli } from './cosign/attach.js';

export const cosignCli = defineGroup({
  name: 'cosign',
  description: "store witnesses' cosignatures with the ledger's checkpoints",
  subcommands: [cosignAttachCli],
  help: example('casetrail cosign attach city-a.ledger city-a.cosignature --witness province.witness.vkey --for city-a.body'),
});
