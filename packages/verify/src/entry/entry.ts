/**
 * The entry codec (docs/format.md §4.1): the deterministic CBOR map of an
 * entry in its two versions, its field rules, the writer's rule for the
 * text of new entries, and the reserved names (§4.5).
 */
import { checkBytes, checkNat } from '../args.js';
import { compareBytes, utf8Length } from '../bytes.js';
import { decodeCbor, encodeCbor, isWellFormedText, type CborValue } from '../cbor.js';
import { fail, LedgerError } from '../errors.js';
import { codePointName, invisibleCharacter } from '../text.js';

/** Longest encoded entry (format.md §4.1); longer input is rejected before decoding. */
export const MAX_ENTRY_BYTES = 8192;
/** The `type` of redaction entries (format.md §4.5). */
export const REDACTION_TYPE = 'casetrail.redaction';
/**
 * Types and case ids starting with this are reserved for entries the library
 * and the layers on it write themselves (format.md §4.1): the public append
 * refuses them; decoding accepts them.
 */
export const RESERVED_PREFIX = 'casetrail.';
/** Most actor signatures one entry may carry (format.md §4.1). */
export const MAX_ACTOR_SIGNATURES = 16;
/** The entry version a writer writes (format.md §4.1): 2, with a nonce. */
export const ENTRY_VERSION = 2;
/** Length of the nonce of a version 2 entry (format.md §4.1, §4.6). */
export const NONCE_BYTES = 16;

/**
 * 32 zero bytes: the `casePrev` of a case's first step (format.md §4.1).
 * Shared instance; do not mutate it.
 */
export const ZERO_HASH: Uint8Array = new Uint8Array(32);

/** One item of an entry's `sigs` (format.md §4.1, §4.4). */
export interface ActorSignature {
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** 64-byte Ed25519 signature over {@link actorSignatureMessage}. */
  signature: Uint8Array;
}

/**
 * A decoded entry (format.md §4.1). `sigs` is empty when the encoding has no
 * key 10. `nonce` is present exactly when `v` is 2.
 */
export interface Entry {
  v: 1 | 2;
  seq: number;
  prev: Uint8Array;
  time: number;
  caseId: string;
  step: number;
  casePrev: Uint8Array;
  type: string;
  actor: string;
  commit: Uint8Array;
  /** Sorted by `publicKey`, ascending bytewise, no key twice. */
  sigs: ActorSignature[];
  /** Version 2: the statement's 16-byte nonce (format.md §4.6). */
  nonce?: Uint8Array;
}

// CBOR map keys of format.md §4.1 (shared with statements, §4.4).
export const K_V = 0;
export const K_SEQ = 1;
export const K_PREV = 2;
export const K_TIME = 3;
export const K_CASE = 4;
export const K_STEP = 5;
export const K_CASE_PREV = 6;
export const K_TYPE = 7;
export const K_ACTOR = 8;
export const K_COMMIT = 9;
export const K_SIGS = 10;
export const K_NONCE = 11;
/** Statements of version 2 only (format.md §4.4): the ledger's origin. */
export const K_ORIGIN = 12;

const TEXT_MAX = { case: 256, type: 128, actor: 256 } as const;

// ---------------------------------------------------------------------------
// Field rules, shared by the encoders (INVALID_ARGUMENT) and the decoder
// (MALFORMED_ENTRY).


/**
 * Why `value` breaks the §4.1 text rule, or undefined if it does not.
 * `decoded` text came from valid UTF-8, so it cannot hold a lone surrogate.
 */
function textFault(value: unknown, max: number, decoded = false): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const len = value.length;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `contains control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
  }
  if (!decoded && !isWellFormedText(value)) return 'has an unpaired surrogate';
  // A UTF-16 code unit takes at most 3 bytes of UTF-8.
  const n = len * 3 <= max ? len : utf8Length(value);
  if (n < 1 || n > max) return `must be 1-${max} bytes of UTF-8, got ${n}`;
  return undefined;
}

/** Whether a case id or type is in the reserved `casetrail.` namespace (format.md §4.1). */
export function isReserved(text: string): boolean {
  return typeof text === 'string' && text.startsWith(RESERVED_PREFIX);
}

/**
 * Checks a case id, step type or actor against format.md §4.1: 1–256 bytes of
 * UTF-8 (1–128 for `type`), no C0 control character and no U+007F.
 * Reserved `casetrail.` type names are not refused here (the library writes
 * them itself); the append API refuses them from callers.
 *
 * @param field which rule: `'case'`, `'type'` or `'actor'`
 * @param value the text to check
 * @throws LedgerError `INVALID_ARGUMENT` naming the field
 * @example validateText('case', 'case-2024-001')
 */
export function validateText(field: 'case' | 'type' | 'actor', value: string): void {
  if (!Object.hasOwn(TEXT_MAX, field)) fail('INVALID_ARGUMENT', `validateText: unknown field ${String(field)}`);
  const fault = textFault(value, TEXT_MAX[field]);
  if (fault !== undefined) fail('INVALID_ARGUMENT', `${field} ${fault}`, { field });
}

/**
 * The writer's rule for the case id, type and actor of a new entry
 * (format.md §4.1): the rule of {@link validateText}, and no invisible or
 * bidirectional character. Decoding does not apply it, so that entries
 * written before it still decode.
 *
 * @throws LedgerError `INVALID_ARGUMENT` naming the field (and
 *   `details.codePoint` for an invisible character)
 * @example validateNewText('actor', 'clerk:li')
 */
export function validateNewText(field: 'case' | 'type' | 'actor', value: string): void {
  validateText(field, value);
  const bad = invisibleCharacter(value);
  if (bad !== undefined) {
    fail('INVALID_ARGUMENT', `${field} holds ${codePointName(bad.codePoint)} at index ${bad.index}, a character that is invisible or reorders text (format.md §4.1); remove it`, {
      field,
      codePoint: bad.codePoint,
    });
  }
}

/** An integer field value for encoding (INVALID_ARGUMENT naming the field). */
export function argUint(name: string, v: unknown, min = 0): number {
  checkNat(v, name, min);
  return v;
}

/** A fixed-length byte field value for encoding. */
export function argBytes(name: string, v: unknown, length: number): Uint8Array {
  checkBytes(v, name, length);
  return v;
}

/** A text field value for encoding, under the §4.1 text rule. */
export function argText(field: 'case' | 'type' | 'actor', v: unknown): string {
  validateText(field, v as string);
  return v as string;
}

function isZero(b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < b.length; i++) d |= b[i]!;
  return d === 0;
}

// ---------------------------------------------------------------------------
// Entries

/**
 * Encodes an entry as the deterministic CBOR map of format.md §4.1, in its
 * version (1, or 2 with its nonce). `sigs` may be given in any order; it is
 * written sorted by public key, and key 10 is left out when it is empty.
 *
 * @param entry every field of {@link Entry}
 * @returns the encoded entry (at most {@link MAX_ENTRY_BYTES} bytes)
 * @throws LedgerError `INVALID_ARGUMENT` naming the first field that breaks
 *   its rule (including `casePrev` not zero at step 1, more than 16 or
 *   repeated signature keys, a version 2 entry without a 16-byte nonce, a
 *   version 1 entry with one)
 * @example const bytes = encodeEntry({ v: 2, seq: 0, prev: genesisLink('example.org/log'), …, nonce })
 */
export function encodeEntry(entry: Entry): Uint8Array {
  if (typeof entry !== 'object' || entry === null) fail('INVALID_ARGUMENT', 'entry must be an object');
  if (entry.v !== 1 && entry.v !== 2) fail('INVALID_ARGUMENT', 'v must be 1 or 2', { field: 'v' });
  if (entry.v === 1 && entry.nonce !== undefined) fail('INVALID_ARGUMENT', 'nonce: a version 1 entry has no nonce', { field: 'nonce' });
  const m = new Map<number, CborValue>([
    [K_V, entry.v],
    [K_SEQ, argUint('seq', entry.seq)],
    [K_PREV, argBytes('prev', entry.prev, 32)],
    [K_TIME, argUint('time', entry.time)],
    [K_CASE, argText('case', entry.caseId)],
    [K_STEP, argUint('step', entry.step, 1)],
    [K_CASE_PREV, argBytes('casePrev', entry.casePrev, 32)],
    [K_TYPE, argText('type', entry.type)],
    [K_ACTOR, argText('actor', entry.actor)],
    [K_COMMIT, argBytes('commit', entry.commit, 32)],
  ]);
  if (entry.step === 1 && !isZero(entry.casePrev)) {
    fail('INVALID_ARGUMENT', 'casePrev must be 32 zero bytes at step 1', { field: 'casePrev' });
  }
  const sigs = entry.sigs;
  if (!Array.isArray(sigs)) fail('INVALID_ARGUMENT', 'sigs must be an array', { field: 'sigs' });
  if (sigs.length > MAX_ACTOR_SIGNATURES) {
    fail('INVALID_ARGUMENT', `sigs has more than ${MAX_ACTOR_SIGNATURES} items`, { field: 'sigs' });
  }
  if (sigs.length > 0) {
    const items = sigs.map((sig, i): [Uint8Array, Uint8Array] => {
      if (typeof sig !== 'object' || sig === null) fail('INVALID_ARGUMENT', `sigs[${i}] must be an object`, { field: 'sigs' });
      return [argBytes(`sigs[${i}].publicKey`, sig.publicKey, 32), argBytes(`sigs[${i}].signature`, sig.signature, 64)];
    });
    items.sort((a, b) => compareBytes(a[0], b[0]));
    for (let i = 1; i < items.length; i++) {
      if (compareBytes(items[i - 1]![0], items[i]![0]) === 0) {
        fail('INVALID_ARGUMENT', 'sigs has two signatures by the same public key', { field: 'sigs' });
      }
    }
    m.set(K_SIGS, items);
  }
  if (entry.v === 2) m.set(K_NONCE, argBytes('nonce', entry.nonce, NONCE_BYTES));
  const out = encodeCbor(m);
  // Unreachable while the field limits hold (format.md §4.1); kept as a guard.
  if (out.length > MAX_ENTRY_BYTES) fail('INVALID_ARGUMENT', `entry longer than ${MAX_ENTRY_BYTES} bytes`);
  return out;
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw new LedgerError('MALFORMED_ENTRY', message, details);
}

function entryUint(m: ReadonlyMap<number, CborValue>, key: number, name: string): number {
  const v = m.get(key);
  if (typeof v !== 'number') return bad(`entry ${name} (key ${key}) must be an unsigned integer`, { field: name });
  return v;
}

function entryHash(m: ReadonlyMap<number, CborValue>, key: number, name: string): Uint8Array {
  const v = m.get(key);
  if (!(v instanceof Uint8Array) || v.length !== 32) {
    return bad(`entry ${name} (key ${key}) must be a 32-byte string`, { field: name });
  }
  return v;
}

function entryText(m: ReadonlyMap<number, CborValue>, key: number, field: 'case' | 'type' | 'actor'): string {
  const v = m.get(key);
  if (typeof v !== 'string') return bad(`entry ${field} (key ${key}) must be a text string`, { field });
  const fault = textFault(v, TEXT_MAX[field], true);
  if (fault !== undefined) bad(`entry ${field} ${fault}`, { field });
  return v;
}

function entrySigs(v: CborValue | undefined): ActorSignature[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return bad('entry sigs (key 10) must be an array', { field: 'sigs' });
  const items = v as readonly CborValue[];
  if (items.length < 1 || items.length > MAX_ACTOR_SIGNATURES) {
    bad(`entry sigs must have 1-${MAX_ACTOR_SIGNATURES} items when present, got ${items.length}`, { field: 'sigs' });
  }
  const out = new Array<ActorSignature>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!Array.isArray(item) || item.length !== 2) bad(`entry sigs[${i}] must be an array of 2 items`, { field: 'sigs' });
    const [publicKey, signature] = item as readonly CborValue[];
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
      bad(`entry sigs[${i}] public key must be a 32-byte string`, { field: 'sigs' });
    }
    if (!(signature instanceof Uint8Array) || signature.length !== 64) {
      bad(`entry sigs[${i}] signature must be a 64-byte string`, { field: 'sigs' });
    }
    if (i > 0 && compareBytes(out[i - 1]!.publicKey, publicKey) >= 0) {
      bad('entry sigs must be sorted by public key with no key repeated', { field: 'sigs' });
    }
    out[i] = { publicKey, signature };
  }
  return out;
}

/**
 * Decodes an entry strictly (format.md §3, §4.1): the length limit first,
 * then deterministic CBOR, then the version, then the exact key set of that
 * version and every field's type and rule. The caller hashes the input
 * bytes, never a re-encoding (format.md §3).
 *
 * @param bytes the stored entry
 * @returns the entry; its byte fields are copies, not views of `bytes`
 * @throws LedgerError `MALFORMED_ENTRY` (too long, not a map, missing, extra
 *   or mistyped field, a field outside its rule), `UNSUPPORTED_VERSION`
 *   (`v` is an integer other than 1 and 2), `NON_CANONICAL_CBOR` or
 *   `MALFORMED_CBOR` (see cbor.ts); `INVALID_ARGUMENT` if `bytes` is not a
 *   Uint8Array
 * @example const entry = decodeEntry(row.bytes)
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (!(bytes instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'bytes must be a Uint8Array');
  if (bytes.length > MAX_ENTRY_BYTES) {
    bad(`entry is ${bytes.length} bytes, longer than ${MAX_ENTRY_BYTES}`, { length: bytes.length });
  }
  const m = decodeCbor(bytes);
  if (!(m instanceof Map)) return bad('entry is not a CBOR map');
  const v = m.get(K_V);
  if (typeof v !== 'number') bad('entry v (key 0) must be an unsigned integer', { field: 'v' });
  if (v !== 1 && v !== 2) throw new LedgerError('UNSUPPORTED_VERSION', `entry format version ${v} is not supported`, { version: v });
  const lastKey = v === 2 ? K_NONCE : K_SIGS;
  for (const key of m.keys()) {
    if (key > lastKey) bad(`entry has unknown key ${key}${key === K_NONCE ? ' (a version 1 entry has no nonce)' : ''}`, { key });
  }
  const required = v === 2 ? K_SIGS + 1 : K_SIGS;
  if (m.size !== (m.has(K_SIGS) ? required + 1 : required)) {
    for (let key = 0; key <= lastKey; key++) if (key !== K_SIGS && !m.has(key)) bad(`entry lacks key ${key}`, { key });
  }
  const step = entryUint(m, K_STEP, 'step');
  if (step < 1) bad('entry step must be at least 1', { field: 'step' });
  const casePrev = entryHash(m, K_CASE_PREV, 'casePrev');
  if (step === 1 && !isZero(casePrev)) bad('entry casePrev must be 32 zero bytes at step 1', { field: 'casePrev' });
  const entry: Entry = {
    v,
    seq: entryUint(m, K_SEQ, 'seq'),
    prev: entryHash(m, K_PREV, 'prev'),
    time: entryUint(m, K_TIME, 'time'),
    caseId: entryText(m, K_CASE, 'case'),
    step,
    casePrev,
    type: entryText(m, K_TYPE, 'type'),
    actor: entryText(m, K_ACTOR, 'actor'),
    commit: entryHash(m, K_COMMIT, 'commit'),
    sigs: entrySigs(m.get(K_SIGS)),
  };
  if (v === 2) {
    const nonce = m.get(K_NONCE);
    if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) bad(`entry nonce (key 11) must be a ${NONCE_BYTES}-byte string`, { field: 'nonce' });
    entry.nonce = nonce;
  }
  return entry;
}

