/**
 * `casetrail actors rotate <ledger> <actor> --key <vkey|file>`: records a
 * `casetrail.actor.rotated` entry (docs/oversight.md §8.1): the new key from
 * this entry on; the old one stays valid for the entries before it.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { usage } from '../../exit.js';
import type { Io } from '../../io.js';
import { actorKeyHex, actorOptions, actorValues, writeDirectory, type ActorsOptions } from '../../levels.js';
import { example } from '../../options.js';
import { printable } from '../../output.js';
import { checkId } from '../../text.js';

/** @returns 0; DIRECTORY_INVALID (exit 2) for an actor not enrolled or a key it had */
export async function actorsRotate(opts: ActorsOptions, io: Io): Promise<number> {
  checkId('<actor>', opts.id);
  if (opts.key === undefined) throw usage('actors rotate needs --key <vkey or file>: the new key');
  if (opts.unit !== undefined || opts.roles !== undefined) throw usage('actors rotate replaces the key only: to change a unit or roles, revoke and enrol again');
  const key = actorKeyHex(io, opts.key);
  return writeDirectory(io, opts, 'rotating a key', () => `rotated the key of ${printable(opts.id)} to ${key.slice(0, 16)}… (the old one stays valid for the entries before this one)`, (g, by) => g.rotate(opts.id, key, by), { actor: opts.id, key });
}

export const actorsRotateCli = defineCommand<ActorsOptions>({
  name: 'rotate',
  define: (cmd: Command) =>
    actorOptions(
      cmd
        .description("replace an actor's key from this entry on (its old key stays valid for the entries before)")
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id')
        .option('--key <vkey|file>', 'the new verifier key, or a file holding it')
        .option('--unit <unit>', '(not taken: revoke and enrol again)')
        .option('--roles <r1,r2>', '(not taken: revoke and enrol again)'),
    ).addHelpText('after', example('casetrail actors rotate county-x.ledger director:chen --key chen-2027.vkey')),
  options: actorValues,
  run: actorsRotate,
});
