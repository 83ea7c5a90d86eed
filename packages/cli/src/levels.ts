/**
 * What the directory and policy commands share (docs/cli.md "Units, actors
 * and the policy"): a ledger opened with its signer and the levels guard
 * attached (the directory proven against the ledger's checkpoints), the
 * entry's writer and time, a policy file read as the user named it.
 */
import type { Command } from 'commander';
import { Ledger, formatVerifierKey, readSignerKeyFile, toHex, type Receipt } from '@casetrail/core';
import { loadPolicy, oversee, type LevelsGuard, type Policy, type WrittenBy } from '@casetrail/oversight';
import { readBytesFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';
import { readVerifierKey } from './keys.js';
import { FLAG_NAMES, inUserTerms } from './messages.js';
import { defined, flag, jsonOption, keyFileOption, req, str, tzOption } from './options.js';
import { printJson, printable, utcIso } from './output.js';
import { ledgerPath } from './ledgers.js';
import { requireKeyFile } from './keys.js';
import { loginName } from './supervision.js';
import { decodeUtf8, checkId } from './text.js';
import { formatTime, parseTime, zoneOf, type Zone } from './times.js';
import { write } from './io.js';

/** The options every directory-writing command takes. */
export interface DirectoryWriteOptions {
  ledger: string;
  /** Who writes the entry (default the login name). */
  actor?: string;
  /** Entry time (ISO 8601 or ms); default now; never before the latest entry. */
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/**
 * Writes one directory entry through the guard (checked against the
 * directory first: DIRECTORY_INVALID, exit 2, nothing written) and prints
 * its receipt.
 */
export async function writeDirectory(io: Io, opts: DirectoryWriteOptions, why: string, what: (zone: Zone) => string, fn: (guard: LevelsGuard, by: WrittenBy) => Promise<Receipt>, extra: Record<string, unknown> = {}): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const actor = opts.actor ?? loginName();
  checkId(opts.actor === undefined ? 'the login name (the default --actor)' : '--actor', actor);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let r: Receipt;
  try {
    r = await withLevelsLedger(io, opts.ledger, opts.keyFile, `${why} (it appends an entry and signs a checkpoint)`, (guard) => fn(guard, { actor, ...(time === undefined ? {} : { time }) }));
  } catch (e) {
    throw inUserTerms(e, zone, FLAG_NAMES);
  }
  if (opts.json) {
    await printJson(io, { seq: r.seq, time: r.time, timeIso: utcIso(r.time), leafHash: toHex(r.leafHash), treeSize: r.treeSize, ...extra });
  } else {
    await write(io.stdout, `${what(zone)} as entry ${r.seq} at ${formatTime(r.time, zone)}\n`);
  }
  return 0;
}

/**
 * Opens a ledger with its signer and the levels guard alone (a directory
 * entry is screened by the directory; supervision ignores it, and catches
 * up on it at its next write), runs `fn`, closes both.
 */
export async function withLevelsLedger<T>(io: Io, path: string, keyFile: string | undefined, why: string, fn: (guard: LevelsGuard) => Promise<T>): Promise<T> {
  const full = ledgerPath(io, path);
  const key = requireKeyFile(io, full, keyFile, why);
  const signer = readSignerKeyFile(key);
  // Through the key file: its signer state is the one beside it (format.md §10), shared with every command.
  const ledger = await Ledger.open(full, { signer: { keyFile: key } });
  try {
    const guard = await oversee(ledger, { vkey: formatVerifierKey(signer.name, signer.publicKey) });
    try {
      return await fn(guard);
    } finally {
      guard.close();
    }
  } finally {
    await ledger.close();
  }
}

/** An actor's key for `--key`: a verifier key or a file holding one (a private key is refused, never printed); the hex of its Ed25519 public key. */
export function actorKeyHex(io: Io, arg: string): string {
  return toHex(readVerifierKey(io, arg, '--key').publicKey);
}

/** Largest policy file read (the format's limit is 256 KiB: a larger one is POLICY_INVALID). */
const MAX_POLICY_FILE = 1024 * 1024;

/** Reads and checks a policy file; errors name the file as the user gave it, with the line. @throws LedgerError POLICY_INVALID (exit 2) */
export function readPolicy(io: Io, file: string): Policy {
  const text = decodeUtf8(readBytesFile(resolvePath(io, file), MAX_POLICY_FILE, 'policy'), `policy ${file}`, file);
  return loadPolicy(text, file);
}

/** A policy's rules, one line each, as `policy check` and `policy show` print them. */
export function policyLines(p: Policy): string {
  return p.rules
    .map((r) => {
      const parts = [`${r.effect} ${printable(r.id)}: ${r.actions.join(', ')}`];
      if (r.types !== null) parts.push(`types ${r.types.map(printable).join(', ')}`);
      if (r.roles !== null) parts.push(`roles ${r.roles.map(printable).join(', ')}`);
      if (r.units !== null) parts.push(`units ${r.units.map(printable).join(', ')}`);
      parts.push(`scope ${r.scope}`);
      if (r.when !== null) parts.push(`when ${r.when}`);
      if (r.unlessRoles !== null) parts.push(`unless roles ${r.unlessRoles.map(printable).join(', ')}`);
      return `  ${parts.join('; ')}\n`;
    })
    .join('') + (p.signatures.length > 0 ? `  signatures required for: ${p.signatures.map(printable).join(', ')}\n` : '');
}

/** The options of `actors enrol|rotate|revoke`. */
export interface ActorsOptions extends DirectoryWriteOptions {
  /** the actor id, as its steps name it */
  id: string;
  unit?: string;
  /** comma-separated roles */
  roles?: string;
  /** its signature key: a verifier key or a file holding one */
  key?: string;
}

export function actorOptions(cmd: Command): Command {
  return cmd
    .option('--actor <id>', 'who writes the entry (default: your login name)')
    .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
    .addOption(keyFileOption())
    .addOption(tzOption())
    .addOption(jsonOption());
}

export function actorValues([ledger, id]: string[], o: Record<string, unknown>): ActorsOptions {
  return {
    ledger: req(ledger, '<ledger>'),
    id: req(id, '<actor>'),
    ...defined({ unit: str(o, 'unit'), roles: str(o, 'roles'), key: str(o, 'key'), actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  };
}

