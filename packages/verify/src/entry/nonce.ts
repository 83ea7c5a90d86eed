/**
 * Nonces of version 2 entries (docs/format.md §4.6): fresh random ones, and
 * the one derived from a client's idempotency key, scoped to its case.
 */
import { concatBytes, utf8 } from '../bytes.js';
import { fail } from '../errors.js';
import { sha256 } from '../hash.js';
import { randomBytes } from '../random.js';
import { NONCE_BYTES, validateText } from './entry.js';

const IDEMPOTENCY_TAG = utf8('casetrail-v2-idempotency\0');
const SEPARATOR = Uint8Array.of(0);

/** Longest idempotency key, in UTF-8 bytes (format.md §4.6). */
export const MAX_IDEMPOTENCY_KEY_BYTES = 256;

/** A fresh 16-byte nonce from the platform's secure random generator (format.md §4.6). */
export function newNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

/**
 * Checks an idempotency key: 1–256 bytes of UTF-8, no C0 control character
 * and no U+007F (format.md §4.6).
 * @throws LedgerError `INVALID_ARGUMENT` (field `idempotencyKey`)
 */
export function checkIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') fail('INVALID_ARGUMENT', 'idempotencyKey must be a string', { field: 'idempotencyKey' });
  try {
    // The rule of an actor id: the same length and the same characters.
    validateText('actor', key);
  } catch (e) {
    fail('INVALID_ARGUMENT', `idempotencyKey${(e as Error).message.slice('actor'.length)}`, { field: 'idempotencyKey' });
  }
}

/**
 * The nonce of a step given with an idempotency key (format.md §4.6): the
 * first 16 bytes of `H("casetrail-v2-idempotency" ‖ 0x00 ‖ case ‖ 0x00 ‖ key)`.
 * The same key in the same case always gives the same nonce, so a ledger
 * accepts the step once.
 *
 * @param caseId the step's case id (holds no 0x00, so the input is unambiguous)
 * @param key the client's idempotency key
 * @returns 16 bytes
 * @throws LedgerError `INVALID_ARGUMENT` for a bad case id or key
 * @example idempotencyNonce('JJ-2026-0042', 'import-2026-11-28:line-17')
 */
export function idempotencyNonce(caseId: string, key: string): Uint8Array {
  validateText('case', caseId);
  checkIdempotencyKey(key);
  return sha256(concatBytes(IDEMPOTENCY_TAG, utf8(caseId), SEPARATOR, utf8(key))).slice(0, NONCE_BYTES);
}
