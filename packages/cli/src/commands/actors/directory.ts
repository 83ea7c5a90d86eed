/**
 * `casetrail actors enrol <ledger> <actor> --unit <u> --roles r1,r2 [--key
 * <vkey|file>]`, `actors rotate <ledger> <actor> --key <vkey|file>`,
 * `actors revoke <ledger> <actor>`: the entries of docs/oversight.md §8.1.
 * An actor's signatures are checked against the key enrolled for it at the
 * time of each step: a rotated key stays valid for the entries before the
 * rotation, a revoked enrolment ends its rights and its key.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { usage } from '../../exit.js';
import type { Io } from '../../io.js';
import { actorKeyHex, writeDirectory, type DirectoryWriteOptions } from '../../levels.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../../options.js';
import { printable } from '../../output.js';
import { checkId } from '../../text.js';

export interface ActorsOptions extends DirectoryWriteOptions {
  /** the actor id, as its steps name it */
  id: string;
  unit?: string;
  /** comma-separated roles */
  roles?: string;
  /** its signature key: a verifier key or a file holding one */
  key?: string;
}

function common(cmd: Command): Command {
  return cmd
    .option('--actor <id>', 'who writes the entry (default: your login name)')
    .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
    .addOption(keyFileOption())
    .addOption(tzOption())
    .addOption(jsonOption());
}

function values([ledger, id]: string[], o: Record<string, unknown>): ActorsOptions {
  return {
    ledger: req(ledger, '<ledger>'),
    id: req(id, '<actor>'),
    ...defined({ unit: str(o, 'unit'), roles: str(o, 'roles'), key: str(o, 'key'), actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  };
}

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

/** @returns 0; DIRECTORY_INVALID (exit 2) for an actor not enrolled or a key it had */
export async function actorsRotate(opts: ActorsOptions, io: Io): Promise<number> {
  checkId('<actor>', opts.id);
  if (opts.key === undefined) throw usage('actors rotate needs --key <vkey or file>: the new key');
  if (opts.unit !== undefined || opts.roles !== undefined) throw usage('actors rotate replaces the key only: to change a unit or roles, revoke and enrol again');
  const key = actorKeyHex(io, opts.key);
  return writeDirectory(io, opts, 'rotating a key', () => `rotated the key of ${printable(opts.id)} to ${key.slice(0, 16)}… (the old one stays valid for the entries before this one)`, (g, by) => g.rotate(opts.id, key, by), { actor: opts.id, key });
}

/** @returns 0; DIRECTORY_INVALID (exit 2) for an actor not enrolled */
export async function actorsRevoke(opts: ActorsOptions, io: Io): Promise<number> {
  checkId('<actor>', opts.id);
  if (opts.unit !== undefined || opts.roles !== undefined || opts.key !== undefined) throw usage('actors revoke takes no --unit, --roles or --key');
  return writeDirectory(io, opts, 'revoking an actor', () => `revoked ${printable(opts.id)}: from this entry on it has no rights and its key verifies nothing`, (g, by) => g.revoke(opts.id, by), { actor: opts.id });
}

export const actorsEnrolCli = defineCommand<ActorsOptions>({
  name: 'enrol',
  define: (cmd: Command) =>
    common(
      cmd
        .description('enrol an actor: its unit, its roles and, optionally, the key of its signatures')
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id its steps name')
        .option('--unit <unit>', 'its unit (added with `units add`)')
        .option('--roles <r1,r2>', 'its roles, comma-separated')
        .option('--key <vkey|file>', 'the verifier key of its signatures (`casetrail keygen`), or a file holding it'),
    ).addHelpText('after', example('casetrail actors enrol county-x.ledger director:chen --unit county-x --roles decider --key chen.vkey')),
  options: values,
  run: actorsEnrol,
});

export const actorsRotateCli = defineCommand<ActorsOptions>({
  name: 'rotate',
  define: (cmd: Command) =>
    common(
      cmd
        .description("replace an actor's key from this entry on (its old key stays valid for the entries before)")
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id')
        .option('--key <vkey|file>', 'the new verifier key, or a file holding it')
        .option('--unit <unit>', '(not taken: revoke and enrol again)')
        .option('--roles <r1,r2>', '(not taken: revoke and enrol again)'),
    ).addHelpText('after', example('casetrail actors rotate county-x.ledger director:chen --key chen-2027.vkey')),
  options: values,
  run: actorsRotate,
});

export const actorsRevokeCli = defineCommand<ActorsOptions>({
  name: 'revoke',
  define: (cmd: Command) =>
    common(
      cmd
        .description("end an actor's enrolment: from this entry on it has no rights and its key verifies nothing")
        .argument('<ledger>', 'ledger file')
        .argument('<actor>', 'the actor id')
        .option('--unit <unit>', '(not taken)')
        .option('--roles <r1,r2>', '(not taken)')
        .option('--key <vkey|file>', '(not taken)'),
    ).addHelpText('after', example('casetrail actors revoke county-x.ledger director:chen')),
  options: values,
  run: actorsRevoke,
});
