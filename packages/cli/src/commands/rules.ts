/**
 * `casetrail rules check|adopt|show|try`: rule packs (docs/supervision.md §2)
 * checked before adoption, adopted into a ledger, listed, and replayed over
 * a ledger's history in shadow mode. Each subcommand is in commands/rules/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { rulesAdoptCli } from './rules/adopt.js';
import { rulesCheckCli } from './rules/check.js';
import { rulesShowCli } from './rules/show.js';
import { rulesTryCli } from './rules/try.js';

export const rulesCli = defineGroup({
  name: 'rules',
  description: 'supervision rule packs: check one, adopt it into a ledger, show those adopted, try one on the history',
  subcommands: [rulesCheckCli, rulesAdoptCli, rulesShowCli, rulesTryCli],
  help: example(
    'casetrail rules check examples/rules/approval-supervision.yaml',
    'casetrail rules try cases.ledger approval-supervision.yaml    # shadow replay, nothing written',
    'casetrail rules adopt cases.ledger approval-supervision.yaml',
    'casetrail rules show cases.ledger',
  ),
});
