/**
 * `casetrail actors enrol <ledger> <actor> --unit <u> --roles r1,r2 [--key
 * <vkey|file>]`: records a `casetrail.actor.enrolled` entry (docs/oversight.md
 * §8.1): the actor's unit, roles and the key its signatures are checked
 * against from this entry on.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { usage } from '../../exit.js';
import type { Io } from '../../io.js';
import { actorKeyHex, actorOptions, actorValues, writeDirectory, type ActorsOptions } from '../../levels.js';
import { example } from '../../options.js';
import { printable } from '../../output.js';
import { checkId } from '../../text.js';

/** @returns 0; DIRECTORY_INVALID (exit 2) for an unknown unit or an actor enrolled already */
export async function actorsEnrol(opts: ActorsOptions, io: Io): Promise<number> {
  checkId('<actor>', opts.id);
  if (opts.unit === undefined || opts.roles === undefined) throw usage('actors enrol needs --unit <unit> and --roles <r1,r2>');
  const roles = opts.roles.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const key = opts.key === undefined ? null : actorKeyHex(io, opts.key);
  return writeDirectory(
    io,
    opts,
    'enrolling an actor',
    () => `enrolled ${printable(opts.id)} in ${printable(opts.unit!)} as ${roles.map(printable).join(', ')}${key === null ? ' (no signature key)' : ` with key ${key.slice(0, 16)}…`}`,
    (g, by) => g.enrol(opts.id, { unit: opts.unit!, roles, key }, by),
    { actor: opts.id, unit: opts.unit, roles: [...new Set(roles)].sort(), key },
  );
}

export const actorsEnrolCli = defineCommand<ActorsOptions>({
  name: 'enrol',
  define: (cmd: Command) =>
    actorOptions(
      cmd
        .description('enrol an actor: its unit, its roles and, optionally, the key of its signatures')
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id its steps name')
        .option('--unit <unit>', 'its unit (added with `units add`)')
        .option('--roles <r1,r2>', 'its roles, comma-separated')
        .option('--key <vkey|file>', 'the verifier key of its signatures (`casetrail keygen`), or a file holding it'),
    ).addHelpText('after', example('casetrail actors enrol county-x.ledger director:chen --unit county-x --roles decider --key chen.vkey')),
  options: actorValues,
  run: actorsEnrol,
});
