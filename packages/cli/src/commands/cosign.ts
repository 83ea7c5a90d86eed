/**
 * `casetrail cosign …`: a subordinate's side of witnessing — storing the
 * witnesses' cosignatures with its checkpoints (docs/oversight.md).
 */
import { defineGroup } from '../command.js';
import { cosignAttachCli } from './cosign/attach.js';

export const cosignCli = defineGroup('cosign', "store witnesses' cosignatures with the ledger's checkpoints", [cosignAttachCli]);
