/**
 * Payloads and their salted commitments (docs/format.md §4.2), and the
 * genesis link (§4.3).
 */
import { checkBytes } from '../args.js';
import { concatBytes, fromUtf8, utf8 } from '../bytes.js';
import { isWellFormedText } from '../cbor.js';
import { fail, LedgerError } from '../errors.js';
import { sha256 } from '../hash.js';
import { jsonNestsDeeperThan, MAX_PAYLOAD_DEPTH } from '../json-depth.js';
import { randomBytes } from '../random.js';

/** Default payload size limit (format.md §4.2): 1 MiB. */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
/** Largest payload size limit a host may configure (format.md §4.2): 16 MiB. */
export const HARD_MAX_PAYLOAD = 16 << 20;

const PAYLOAD_TAG = utf8('casetrail-v1-payload\0');
const GENESIS_TAG = utf8('casetrail-v1-genesis\0');

/**
 * `H("casetrail-v1-payload" ‖ 0x00 ‖ salt ‖ payload)` (format.md §4.2).
 *
 * @param salt 32 random bytes ({@link newSalt})
 * @param payload the payload bytes as stored
 * @returns 32 bytes
 * @throws LedgerError `INVALID_ARGUMENT` if `salt` is not 32 bytes or
 *   `payload` is not a Uint8Array
 */
export function payloadCommitment(salt: Uint8Array, payload: Uint8Array): Uint8Array {
  checkBytes(salt, 'salt', 32);
  checkBytes(payload, 'payload');
  return sha256(concatBytes(PAYLOAD_TAG, salt, payload));
}

/**
 * `H("casetrail-v1-genesis" ‖ 0x00 ‖ origin)`, the `prev` of entry 0
 * (format.md §4.3). The origin's line rules (§6.2) are checked where
 * checkpoints are made; here it need only be non-empty text with a UTF-8
 * encoding.
 *
 * @param origin the ledger's checkpoint origin line, without the newline
 * @returns 32 bytes
 * @throws LedgerError `INVALID_ARGUMENT` for an empty or ill-formed origin
 */
export function genesisLink(origin: string): Uint8Array {
  if (typeof origin !== 'string' || origin.length === 0 || !isWellFormedText(origin)) {
    fail('INVALID_ARGUMENT', 'origin must be a non-empty well-formed string', { field: 'origin' });
  }
  return sha256(concatBytes(GENESIS_TAG, utf8(origin)));
}

/**
 * A fresh 32-byte salt from the platform's cryptographically secure random
 * generator (format.md §4.2).
 */
export function newSalt(): Uint8Array {
  return randomBytes(32);
}

function payloadReplacer(this: unknown, key: string, value: unknown): unknown {
  const where = key === '' ? 'payload' : `payload value at key ${JSON.stringify(key)}`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail('INVALID_ARGUMENT', `${where} is not a finite number`, { field: 'payload' });
      return value;
    case 'object': {
      if (value === null || Array.isArray(value)) return value;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto === Object.prototype || proto === null) return value;
      return fail('INVALID_ARGUMENT', `${where} is a ${describeObject(value)}, not a plain object`, { field: 'payload' });
    }
    default:
      return fail('INVALID_ARGUMENT', `${where} is ${typeof value}, which JSON cannot hold`, { field: 'payload' });
  }
}

function describeObject(v: object): string {
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
}

/**
 * Serializes payload data as JSON (`JSON.stringify`, after `toJSON`) in
 * UTF-8. Policy: only values that survive a JSON round trip are accepted, so
 * nothing is silently dropped or turned into `null` or `{}`.
 *
 * @param data plain objects, arrays, strings, booleans, null and finite
 *   numbers (values with a `toJSON` method are converted first)
 * @returns the payload bytes
 * @throws LedgerError `INVALID_ARGUMENT` for undefined, functions, symbols,
 *   BigInt, non-finite numbers, other objects (Map, Uint8Array, class
 *   instances without `toJSON`), cycles, or nesting deeper than
 *   {@link MAX_PAYLOAD_DEPTH} (format.md §4.2)
 * @example encodePayload({ decision: 'approved', amount: 120 })
 */
export function encodePayload(data: unknown): Uint8Array {
  return utf8(encodePayloadText(data));
}

/**
 * The JSON text that {@link encodePayload} encodes in UTF-8, with the same
 * checks: for a writer that parses the payload it just encoded (the append
 * path's committed steps), without decoding the bytes and checking their
 * depth again. `JSON.parse` of it equals `decodePayload(encodePayload(data))`.
 * @throws LedgerError `INVALID_ARGUMENT`, as encodePayload
 */
export function encodePayloadText(data: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(data, payloadReplacer);
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    throw new LedgerError('INVALID_ARGUMENT', `payload cannot be serialized as JSON: ${(e as Error).message}`, { field: 'payload' }, { cause: e });
  }
  if (jsonNestsDeeperThan(text, MAX_PAYLOAD_DEPTH)) {
    fail('INVALID_ARGUMENT', `payload nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} deep (format.md §4.2)`, { field: 'payload', limit: MAX_PAYLOAD_DEPTH });
  }
  return text;
}

/**
 * Parses payload bytes as UTF-8 JSON (RFC 8259), after checking on the text
 * that it nests no more than {@link MAX_PAYLOAD_DEPTH} deep (format.md
 * §4.2): hostile bytes never reach the parser. A byte order mark is not
 * accepted.
 *
 * @param bytes stored payload bytes
 * @returns the parsed value
 * @throws LedgerError `MALFORMED_ENTRY` for invalid UTF-8, nesting deeper
 *   than the limit (`details.limit`), or invalid JSON
 */
export function decodePayload(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'bytes must be a Uint8Array');
  const text = fromUtf8(bytes, 'MALFORMED_ENTRY');
  if (jsonNestsDeeperThan(text, MAX_PAYLOAD_DEPTH)) {
    fail('MALFORMED_ENTRY', `payload nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} deep (format.md §4.2)`, { limit: MAX_PAYLOAD_DEPTH });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new LedgerError('MALFORMED_ENTRY', 'payload is not valid JSON', {}, { cause: e });
  }
}
