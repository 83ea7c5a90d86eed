/**
 * The verifier key the user points a command at (docs/cli.md "Keys"): the
 * ledger's public key, given as the key itself or as a file holding it, and
 * never taken from the artifact under check. A private key given in its
 * place is refused and never printed, not even in an error message.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note-keys.js';
import { CliError, EXIT, operational, usage } from './exit.js';
import { readTextFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';

const VKEY_SHAPE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
/** How every signer key (a secret) starts. */
export const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
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
 * @param option - the option that gave it, for messages (default `--vkey`)
 * @throws CliError USAGE (empty), PRIVATE_KEY_AS_VKEY (exit 2), FILE_NOT_FOUND (3); LedgerError MALFORMED_KEY
 */
export function readVerifierKey(io: Io, arg: string, option = '--vkey'): NoteVerifier {
  const v = arg.trim();
  if (v === '') throw usage(`${option} is empty: pass the verifier key (name+keyid+key, printed by \`casetrail init\`) or a file holding it`);
  if (v.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven(`${option} is`);
  if (VKEY_SHAPE.test(v)) return parseVerifierKey(v);
  const path = resolvePath(io, v);
  if (!existsSync(path)) {
    throw operational('FILE_NOT_FOUND', `${option} ${JSON.stringify(arg)} is neither a verifier key (name+keyid+key) nor an existing file; pass the key printed by \`casetrail init\` or the file you saved it in`);
  }
  const text = readTextFile(path, MAX_KEY_FILE, 'verifier key file').trim();
  if (text.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven(`${option} ${basename(path)} holds`);
  return parseVerifierKey(text);
}
