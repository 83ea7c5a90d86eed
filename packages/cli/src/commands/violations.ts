/**
 * `casetrail violations record|revoke`: the violations ledger's direct
 * entries (docs/supervision.md §14.4–§14.5): a violation recorded directly
 * (not from an alert) and the revocation of one (an appeal upheld). A
 * confirmed alert's violation is written by `alerts dispose --outcome
 * violation`; totals are read with `points`, a person's record with
 * `record`. Each subcommand is in commands/violations/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { violationsRecordCli } from './violations/record.js';
import { violationsRevokeCli } from './violations/revoke.js';

export const violationsCli = defineGroup({
  name: 'violations',
  description: 'the violations ledger: record a violation directly, or revoke one (an appeal upheld)',
  subcommands: [violationsRecordCli, violationsRevokeCli],
  help: example(
    'casetrail violations record cases.ledger --subject clerk:wang --code fee.over-standard --points 3 --evidence 14,15 --actor inspector:sun --reason "经办人未审核收费"',
    'casetrail violations revoke cases.ledger 57 --actor committee:li --reason "申诉成立"',
  ),
});
