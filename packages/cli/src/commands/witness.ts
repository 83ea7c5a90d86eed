/**
 * `casetrail witness …`: a superior office's witness for its subordinates'
 * ledgers (c2sp.org/tlog-witness; docs/oversight.md "Witnesses").
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { witnessAddCheckpointCli } from './witness/add-checkpoint.js';
import { witnessAddLogCli } from './witness/add-log.js';
import { witnessEvidenceCli } from './witness/evidence.js';
import { witnessInitCli } from './witness/init.js';
import { witnessShowCli } from './witness/show.js';

export const witnessCli = defineGroup({
  name: 'witness',
  description: "a superior's witness: cosign subordinates' checkpoints that extend what it cosigned, refuse and keep split views",
  subcommands: [witnessInitCli, witnessAddLogCli, witnessAddCheckpointCli, witnessEvidenceCli, witnessShowCli],
  help: example(
    'casetrail witness init --name province.example.gov/witness --state province-witness > province.witness.vkey',
    'casetrail witness add-log --state province-witness --log-vkey city-a.vkey',
    'casetrail consistency city-a.ledger --from 0 --out city-a.body',
    'casetrail witness add-checkpoint --state province-witness city-a.body --out city-a.cosignature',
  ),
});
