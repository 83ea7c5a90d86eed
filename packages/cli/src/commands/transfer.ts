/**
 * `casetrail transfer …`: clue transfer between two ledgers, with proof on
 * both sides (docs/oversight.md §10) — the sender's `export`, the receiver's
 * `receive`, and an auditor's `check` of what a receiver recorded.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { transferCheckCli } from './transfer/check.js';
import { transferExportCli } from './transfer/export.js';
import { transferReceiveCli } from './transfer/receive.js';

export const transferCli = defineGroup({
  name: 'transfer',
  description: 'transfer a case clue to another unit with proof, receive one, check a receipt',
  subcommands: [transferExportCli, transferReceiveCli, transferCheckCli],
  help: example(
    'casetrail transfer export city-a.ledger --case CITY-A-2026-0001 --to province --out clue.bundle',
    'casetrail transfer receive province.ledger clue.bundle --from-vkey city-a.vkey',
    'casetrail transfer check province.ledger --from-vkey city-a.vkey',
  ),
});
