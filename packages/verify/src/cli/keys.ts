/**
 * The public keys the user points a command at (docs/cli.md "Keys"): the
 * ledger's verifier key and witnesses' cosignature keys, each given as the
 * key itself or as a file holding it, and never taken from the artifact
 * under check. A private key given in their place is refused and never
 * printed, not even in an error message.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseCosignatureVerifierKey, type CosignatureVerifier } from '../tlog/cosignature.js';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note-keys.js';
import { witnessPolicy, type WitnessPolicy } from '../tlog/witness-policy.js';
import { CliError, EXIT, operational, usage } from './exit.js';
import { readTextFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';

/** A public key's shape: name, 8 hex digits of key ID, base64 (signed-note, tlog-cosignature). */
const KEY_SHAPE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
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
 * The text of a public key given as the key itself (`name+keyid+key`) or as
 * the path of a file holding it (at most 4 KiB).
 * @param option - the option that gave it, for messages (`--vkey`, `--witness`)
 * @param what - what the key is, for messages
 * @param printedBy - what prints such a key, for messages
 * @throws CliError USAGE (empty), PRIVATE_KEY_AS_VKEY (exit 2), FILE_NOT_FOUND (3)
 */
export function readKeyText(io: Io, arg: string, option: string, what = 'verifier key', printedBy = '`casetrail init`'): string {
  const v = arg.trim();
  if (v === '') throw usage(`${option} is empty: pass the ${what} (name+keyid+key, printed by ${printedBy}) or a file holding it`);
  if (v.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven(`${option} is`);
  if (KEY_SHAPE.test(v)) return v;
  const path = resolvePath(io, v);
  if (!existsSync(path)) {
    throw operational('FILE_NOT_FOUND', `${option} ${JSON.stringify(arg)} is neither a ${what} (name+keyid+key) nor an existing file; pass the key printed by ${printedBy} or the file you saved it in`);
  }
  const text = readTextFile(path, MAX_KEY_FILE, `${what} file`).trim();
  if (text.startsWith(SIGNER_KEY_PREFIX)) throw privateKeyGiven(`${option} ${basename(path)} holds`);
  return text;
}

/**
 * The ledger's verifier key, given as the key itself or as a file holding it.
 * @throws as {@link readKeyText}; LedgerError MALFORMED_KEY
 */
export function readVerifierKey(io: Io, arg: string, option = '--vkey'): NoteVerifier {
  return parseVerifierKey(readKeyText(io, arg, option));
}

/**
 * A witness's cosignature verifier key (`name+keyid+base64(0x04 ‖ key)`,
 * c2sp.org/tlog-cosignature), given as the key itself or as a file holding it.
 * @throws as {@link readKeyText}; LedgerError MALFORMED_KEY
 */
export function readWitnessKey(io: Io, arg: string, option = '--witness'): CosignatureVerifier {
  return parseCosignatureVerifierKey(readKeyText(io, arg, option, 'witness key', 'the witness'));
}

/**
 * The verifier's witness policy from `--witness <key|file>` (repeatable) and
 * `--witness-quorum <k>` (default: every witness given), or undefined when
 * no witness is given (format.md §6.4).
 * @throws CliError USAGE (a quorum without witnesses, or out of range), as
 *   {@link readWitnessKey} for each key
 */
export function readWitnessPolicy(io: Io, witness: readonly string[] | undefined, quorum: number | undefined): WitnessPolicy | undefined {
  if (witness === undefined || witness.length === 0) {
    if (quorum !== undefined) throw usage('--witness-quorum needs --witness <key|file>: the witnesses whose cosignatures count');
    return undefined;
  }
  const keys = witness.map((w) => readWitnessKey(io, w));
  const distinct = new Set(keys.map((k) => `${k.name}+${k.keyId}`)).size;
  if (quorum !== undefined && (!Number.isSafeInteger(quorum) || quorum < 1 || quorum > distinct)) {
    throw usage(`--witness-quorum must be from 1 to the number of witnesses given (${distinct}); got ${quorum}`);
  }
  return witnessPolicy(keys, quorum);
}
