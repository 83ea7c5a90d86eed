/**
 * `casetrail policy check|adopt|show`: permission policies (docs/oversight.md
 * §9) checked before adoption, adopted into a ledger, shown with the
 * directory they judge by. Each subcommand is in commands/policy/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { policyAdoptCli } from './policy/adopt.js';
import { policyCheckCli } from './policy/check.js';
import { policyShowCli } from './policy/show.js';

export const policyCli = defineGroup({
  name: 'policy',
  description: 'permission policies: check one, adopt it into a ledger, show the one in force',
  subcommands: [policyCheckCli, policyAdoptCli, policyShowCli],
  help: example('casetrail policy check examples/rules/approval-policy.yaml', 'casetrail policy adopt county-x.ledger approval-policy.yaml', 'casetrail policy show county-x.ledger --vkey county-x.vkey'),
});
