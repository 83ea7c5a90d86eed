/**
 * `casetrail units add`: the tree of units a ledger's actors belong to
 * (docs/oversight.md §8). Each subcommand is in commands/units/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { unitsAddCli } from './units/add.js';

export const unitsCli = defineGroup({
  name: 'units',
  description: "units of a ledger's directory: a tree, each unit under its parent",
  subcommands: [unitsAddCli],
  help: example('casetrail units add county-x.ledger province', 'casetrail units add county-x.ledger city-a --parent province', 'casetrail units add county-x.ledger county-x --parent city-a'),
});
