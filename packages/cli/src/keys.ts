/**
 * Keys the user points the CLI at (docs/cli.md "Keys"): the verifier key of
 * a ledger (public, given as the key or a file holding it), the ledger's
 * checkpoint signing key file, and actor key files. A private key is never
 * printed, not even in an error message.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseVerifierKey, readSignerKeyFile, type NoteVerifier } from '@casetrail/core';
import { CliError, EXIT, operational, usage } from './exit.js';
import { readTextFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';

const VKEY_SHAPE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
const MAX_KEY_FILE = 4096;

function privateKeyGiven(where: string): CliError {
  return new CliError(
    EXIT.USAGE,
    'PRIVATE_KEY_AS_VKEY',
    `${where} a private signing key, not a verifier key (it was not printed; keep it secret): pass the public verifier key, e.g. from \`casetrail keygen --show-vkey <key file>\``,
  );
}

/**
 * The verifier key given as the key itself (`name+keyid+key`) or as a file
 * holding it.
 * @throws CliError USAGE (empty), PRIVATE_KEY_AS_VKEY (exit 2), FILE_NOT_FOUND (3); LedgerError MALFORMED_KEY
 */
export function readVerifierKey(io: Io, arg: string): NoteVerifier {
  const v = arg.trim();
  if (v === '') throw usage('--vkey is empty: pass the verifier key (name+keyid+key, printed by `casetrail init`) or a file holding it');
  if (v.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven('--vkey is');
  if (VKEY_SHAPE.test(v)) return parseVerifierKey(v);
  const path = resolvePath(io, v);
  if (!existsSync(path)) {
    throw operational('FILE_NOT_FOUND', `--vkey ${JSON.stringify(arg)} is neither a verifier key (name+keyid+key) nor an existing file; pass the key printed by \`casetrail init\` or the file you saved it in`);
  }
  const text = readTextFile(path, MAX_KEY_FILE, 'verifier key file').trim();
  if (text.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven(`--vkey ${basename(path)} holds`);
  return parseVerifierKey(text);
}

/**
 * The checkpoint signing key file for a command that writes to a ledger:
 * --key-file, else $CASETRAIL_KEY_FILE, else `<ledger>.key` if it exists.
 * @returns the path, or undefined when none is configured
 */
export function findKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined): string | undefined {
  if (keyFile !== undefined) return resolvePath(io, keyFile);
  const env = io.env['CASETRAIL_KEY_FILE'];
  if (env !== undefined && env !== '') return resolvePath(io, env);
  const beside = `${ledgerPath}.key`;
  return existsSync(beside) ? beside : undefined;
}

/** Like findKeyFile, but a missing key is a usage error that says how to give one. */
export function requireKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined, why: string): string {
  const found = findKeyFile(io, ledgerPath, keyFile);
  if (found === undefined) {
    throw usage(`${why} needs the ledger's signing key: pass --key-file <path>, set CASETRAIL_KEY_FILE, or keep it beside the ledger as ${basename(ledgerPath)}.key`);
  }
  if (existsSync(found) && statSync(found).isDirectory()) throw operational('IS_A_DIRECTORY', `the key file ${found} is a directory; give the key file`);
  return found;
}

/** The Ed25519 seeds of actor key files (--sign-with), each checked for mode 0600. */
export function readActorSeeds(io: Io, files: readonly string[]): Uint8Array[] {
  return files.map((f) => readSignerKeyFile(resolvePath(io, f)).seed);
}
