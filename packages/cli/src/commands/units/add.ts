/**
 * `casetrail units add <ledger> <unit> [--parent <unit>]`: records a
 * `casetrail.unit.added` entry (docs/oversight.md §8.1). A unit is added
 * once, under a parent that exists (so the tree has no cycle):
 * DIRECTORY_INVALID (exit 2), nothing written, otherwise.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import type { Io } from '../../io.js';
import { writeDirectory, type DirectoryWriteOptions } from '../../levels.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../../options.js';
import { printable } from '../../output.js';

export interface UnitsAddOptions extends DirectoryWriteOptions {
  unit: string;
  /** The parent unit (none: a root). */
  parent?: string;
}

/** @returns 0; DIRECTORY_INVALID (exit 2) for a unit that exists or an unknown parent */
export async function unitsAdd(opts: UnitsAddOptions, io: Io): Promise<number> {
  const parent = opts.parent ?? null;
  return writeDirectory(
    io,
    opts,
    'adding a unit',
    () => `added unit ${printable(opts.unit)}${parent === null ? ' (a root)' : ` under ${printable(parent)}`}`,
    (g, by) => g.addUnit(opts.unit, parent, by),
    { unit: opts.unit, parent },
  );
}

export const unitsAddCli = defineCommand<UnitsAddOptions>({
  name: 'add',
  define: (cmd: Command) =>
    cmd
      .description('add a unit to the ledger\'s tree of units, under its parent')
      .argument('<ledger>', 'ledger file')
      .argument('<unit>', 'the unit\'s name')
      .option('--parent <unit>', 'the unit above it (none: a root)')
      .option('--actor <id>', 'who adds it (default: your login name)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail units add county-x.ledger city-a --parent province')),
  options: ([ledger, unit], o) => ({
    ledger: req(ledger, '<ledger>'),
    unit: req(unit, '<unit>'),
    ...defined({ parent: str(o, 'parent'), actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: unitsAdd,
});
