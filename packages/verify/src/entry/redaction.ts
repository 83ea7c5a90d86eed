/**
 * Redaction payloads (docs/format.md §4.5): the record a redaction entry
 * holds of the entry whose payload it erased.
 */
import { checkBytes, checkNat, checkString } from '../args.js';
import { equalBytes, fromHex, toHex, utf8 } from '../bytes.js';
import { LedgerError } from '../errors.js';
import { decodePayload } from './payload.js';

/** A parsed redaction payload (format.md §4.5). */
export interface RedactionPayload {
  /** `seq` of the entry whose payload is erased. */
  redacts: number;
  /** Leaf hash of that entry. */
  leaf: Uint8Array;
  reason: string;
}

function bad(message: string): never {
  throw new LedgerError('MALFORMED_ENTRY', message);
}

/**
 * The payload of a redaction entry:
 * `{"redacts":<seq>,"leaf":"<hex>","reason":"<text>"}` exactly as
 * `JSON.stringify` writes it (format.md §4.5).
 *
 * @param seq `seq` of the entry whose payload is erased
 * @param leafHash that entry's 32-byte leaf hash
 * @param reason free text (may be empty)
 * @returns the payload bytes
 * @throws LedgerError `INVALID_ARGUMENT` naming the bad argument
 */
export function redactionPayload(seq: number, leafHash: Uint8Array, reason: string): Uint8Array {
  checkNat(seq, 'seq');
  checkBytes(leafHash, 'leafHash', 32);
  checkString(reason, 'reason');
  return utf8(JSON.stringify({ redacts: seq, leaf: toHex(leafHash), reason }));
}

/**
 * Parses a redaction payload strictly: it must be byte for byte what
 * {@link redactionPayload} writes for the values it holds (key order, no
 * white space, lowercase hex, `JSON.stringify` escapes).
 *
 * @param bytes stored payload bytes of a `casetrail.redaction` entry
 * @returns the target `seq`, its leaf hash and the reason
 * @throws LedgerError `MALFORMED_ENTRY` for anything else
 */
export function parseRedactionPayload(bytes: Uint8Array): RedactionPayload {
  const data = decodePayload(bytes);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) bad('redaction payload is not a JSON object');
  const { redacts, leaf, reason } = data as Record<string, unknown>;
  if (typeof redacts !== 'number' || !Number.isSafeInteger(redacts) || redacts < 0) {
    bad('redaction payload "redacts" must be an integer in 0..2^53-1');
  }
  if (typeof leaf !== 'string' || !/^[0-9a-f]{64}$/.test(leaf)) bad('redaction payload "leaf" must be 64 lowercase hex digits');
  if (typeof reason !== 'string') bad('redaction payload "reason" must be a string');
  const leafHash = fromHex(leaf);
  if (!equalBytes(redactionPayload(redacts, leafHash, reason), bytes)) {
    bad('redaction payload is not in the exact form of format.md §4.5');
  }
  return { redacts, leaf: leafHash, reason };
}
