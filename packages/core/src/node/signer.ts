/**
 * Where the checkpoint signing key comes from. The key never lives in the
 * ledger database: the host passes a signer key string, a key file, or its
 * own signer (an HSM or a cloud KMS behind a callback).
 */
import { readFileSync, statSync } from 'node:fs';
import { LedgerError, fail } from '@casetrail/verify';
import { parseSignerKey, type NoteSigner } from '@casetrail/verify';
import { FileSignerState, stateFileOf } from './signer-state-file.js';
import { MemorySignerState, type SignerStateStore } from './signer-state.js';

/** A signer key string (`PRIVATE+KEY+…`), a key file holding one, or a host-provided signer. */
export type SignerInput = string | { keyFile: string } | NoteSigner;

/**
 * Reads a signer key file. The file must be readable by its owner only
 * (mode 0600 or stricter), like an SSH private key.
 * @returns the signer, with its public key and seed (for actor signatures)
 * @throws KEY_FILE (missing, unreadable), KEY_FILE_PERMISSIONS, MALFORMED_KEY
 */
export function readSignerKeyFile(path: string): ReturnType<typeof parseSignerKey> {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new LedgerError('KEY_FILE', `cannot read key file ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    fail('KEY_FILE_PERMISSIONS', `key file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`, {
      path,
      mode: mode & 0o777,
    });
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LedgerError('KEY_FILE', `cannot read key file ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  return parseSignerKey(text.trim());
}

/** Turns any SignerInput into a NoteSigner. */
export function resolveSigner(input: SignerInput): NoteSigner {
  if (typeof input === 'string') return parseSignerKey(input.trim());
  if (input === null || typeof input !== 'object') {
    return fail('INVALID_ARGUMENT', 'signer must be a signer key string, { keyFile }, or a NoteSigner');
  }
  if ('keyFile' in input) return readSignerKeyFile(input.keyFile);
  if (typeof input.sign !== 'function' || typeof input.name !== 'string' || typeof input.keyId !== 'number') {
    return fail('INVALID_ARGUMENT', 'signer must have name, keyId and sign(message)');
  }
  return input;
}

/** Where a signer keeps its state: a store, or a file (format.md §10). */
export type SignerStateInput = SignerStateStore | { file: string };

/**
 * The signer state of a signer: the one given; else, for a key file, the
 * file `<key file>.state` beside it; else (a key string or a host signer)
 * memory, for the life of one Ledger (docs/api.md "Signer state").
 */
export function resolveSignerState(given: SignerStateInput | undefined, signer: SignerInput): SignerStateStore {
  if (given !== undefined) {
    if (given === null || typeof given !== 'object') return fail('INVALID_ARGUMENT', 'signerState must be { file } or a SignerStateStore', { field: 'signerState' });
    if ('file' in given) {
      if (typeof given.file !== 'string' || given.file === '') return fail('INVALID_ARGUMENT', 'signerState.file must be a path', { field: 'signerState' });
      return new FileSignerState(given.file);
    }
    if (typeof given.read !== 'function' || typeof given.write !== 'function') {
      return fail('INVALID_ARGUMENT', 'signerState must have read(origin) and write(origin, state)', { field: 'signerState' });
    }
    return given;
  }
  if (typeof signer === 'object' && signer !== null && 'keyFile' in signer) return new FileSignerState(stateFileOf(signer.keyFile));
  return new MemorySignerState();
}
