/**
 * `casetrail actors revoke <ledger> <actor>`: records a
 * `casetrail.actor.revoked` entry (docs/oversight.md §8.1): from this entry
 * on the actor has no rights and its key verifies nothing.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { usage } from '../../exit.js';
import type { Io } from '../../io.js';
import { actorOptions, actorValues, writeDirectory, type ActorsOptions } from '../../levels.js';
import { example } from '../../options.js';
import { printable } from '../../output.js';
import { checkId } from '../../text.js';

/** @returns 0; DIRECTORY_INVALID (exit 2) for an actor not enrolled */
export async function actorsRevoke(opts: ActorsOptions, io: Io): Promise<number> {
  checkId('<actor>', opts.id);
  if (opts.unit !== undefined || opts.roles !== undefined || opts.key !== undefined) throw usage('actors revoke takes no --unit, --roles or --key');
  return writeDirectory(io, opts, 'revoking an actor', () => `revoked ${printable(opts.id)}: from this entry on it has no rights and its key verifies nothing`, (g, by) => g.revoke(opts.id, by), { actor: opts.id });
}

export const actorsRevokeCli = defineCommand<ActorsOptions>({
  name: 'revoke',
  define: (cmd: Command) =>
    actorOptions(
      cmd
        .description("end an actor's enrolment: from this entry on it has no rights and its key verifies nothing")
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id')
        .option('--unit <unit>', '(not taken)')
        .option('--roles <r1,r2>', '(not taken)')
        .option('--key <vkey|file>', '(not taken)'),
    ).addHelpText('after', example('casetrail actors revoke county-x.ledger director:chen')),
  options: actorValues,
  run: actorsRevoke,
});
