/**
 * Entries, statements, payload commitments and redaction payloads
 * (docs/format.md §4). No Node-only imports: this file also runs in a browser.
 */
import { fail, LedgerError } from './errors.js';
import { compareBytes, concatBytes, equalBytes, fromHex, fromUtf8, toHex, utf8, utf8Length } from './bytes.js';
import { sha256 } from './hash.js';
import { decodeCbor, encodeCbor, isWellFormedText, type CborValue } from './cbor.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';

/** Longest encoded entry (format.md §4.1); longer input is rejected before decoding. */
export const MAX_ENTRY_BYTES = 8192;
/** Default payload size limit (format.md §4.2): 1 MiB. */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
/** Largest payload size limit a host may configure (format.md §4.2): 16 MiB. */
export const HARD_MAX_PAYLOAD = 16 << 20;
/** The `type` of redaction entries (format.md §4.5). */
export const REDACTION_TYPE = 'casetrail.redaction';
/** Most actor signatures one entry may carry (format.md §4.1). */
export const MAX_ACTOR_SIGNATURES = 16;

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

/** A decoded entry (format.md §4.1). `sigs` is empty when the encoding has no key 10. */
export interface Entry {
  v: 1;
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
}

/** The part of an entry an actor signs before the ledger places it (format.md §4.4). */
export interface Statement {
  time: number;
  caseId: string;
  type: string;
  actor: string;
  commit: Uint8Array;
}

/** A parsed redaction payload (format.md §4.5). */
export interface RedactionPayload {
  /** `seq` of the entry whose payload is erased. */
  redacts: number;
  /** Leaf hash of that entry. */
  leaf: Uint8Array;
  reason: string;
}

// CBOR map keys of format.md §4.1.
const K_V = 0;
const K_SEQ = 1;
const K_PREV = 2;
const K_TIME = 3;
const K_CASE = 4;
const K_STEP = 5;
const K_CASE_PREV = 6;
const K_TYPE = 7;
const K_ACTOR = 8;
const K_COMMIT = 9;
const K_SIGS = 10;

const TEXT_MAX = { case: 256, type: 128, actor: 256 } as const;

const PAYLOAD_TAG = utf8('casetrail-v1-payload\0');
const GENESIS_TAG = utf8('casetrail-v1-genesis\0');
const STATEMENT_TAG = utf8('casetrail-v1-statement\0');
const ACTOR_SIG_TAG = utf8('casetrail-v1-actor-sig\0');

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

function argUint(name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    return fail('INVALID_ARGUMENT', `${name} must be an integer in ${min}..2^53-1`, { field: name });
  }
  return v;
}

function argBytes(name: string, v: unknown, length: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) {
    return fail('INVALID_ARGUMENT', `${name} must be a Uint8Array of ${length} bytes`, { field: name });
  }
  return v;
}

function argText(field: 'case' | 'type' | 'actor', v: unknown): string {
  validateText(field, v as string);
  return v as string;
}

function isZero(b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < b.length; i++) d |= b[i]!;
  return d === 0;
}

function statementMap(s: Statement): Map<number, CborValue> {
  if (typeof s !== 'object' || s === null) fail('INVALID_ARGUMENT', 'statement must be an object');
  return new Map<number, CborValue>([
    [K_TIME, argUint('time', s.time)],
    [K_CASE, argText('case', s.caseId)],
    [K_TYPE, argText('type', s.type)],
    [K_ACTOR, argText('actor', s.actor)],
    [K_COMMIT, argBytes('commit', s.commit, 32)],
  ]);
}

// ---------------------------------------------------------------------------
// Entries

/**
 * Encodes an entry as the deterministic CBOR map of format.md §4.1. `sigs`
 * may be given in any order; it is written sorted by public key, and key 10
 * is left out when it is empty.
 *
 * @param entry every field of {@link Entry}
 * @returns the encoded entry (at most {@link MAX_ENTRY_BYTES} bytes)
 * @throws LedgerError `INVALID_ARGUMENT` naming the first field that breaks
 *   its rule (including `casePrev` not zero at step 1, more than 16 or
 *   repeated signature keys)
 * @example const bytes = encodeEntry({ v: 1, seq: 0, prev: genesisLink('example.org/log'), … })
 */
export function encodeEntry(entry: Entry): Uint8Array {
  if (typeof entry !== 'object' || entry === null) fail('INVALID_ARGUMENT', 'entry must be an object');
  if (entry.v !== 1) fail('INVALID_ARGUMENT', 'v must be 1', { field: 'v' });
  const m = new Map<number, CborValue>([
    [K_V, 1],
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
 * then deterministic CBOR, then the version, then the exact key set and every
 * field's type and rule. The caller hashes the input bytes, never a
 * re-encoding (format.md §3).
 *
 * @param bytes the stored entry
 * @returns the entry; its byte fields are copies, not views of `bytes`
 * @throws LedgerError `MALFORMED_ENTRY` (too long, not a map, missing, extra
 *   or mistyped field, a field outside its rule), `UNSUPPORTED_VERSION`
 *   (`v` is an integer other than 1), `NON_CANONICAL_CBOR` or `MALFORMED_CBOR`
 *   (see cbor.ts); `INVALID_ARGUMENT` if `bytes` is not a Uint8Array
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
  if (v !== 1) throw new LedgerError('UNSUPPORTED_VERSION', `entry format version ${v} is not supported`, { version: v });
  for (const key of m.keys()) {
    if (key > K_SIGS) bad(`entry has unknown key ${key}`, { key });
  }
  if (m.size !== (m.has(K_SIGS) ? K_SIGS + 1 : K_SIGS)) {
    for (let key = 0; key < K_SIGS; key++) if (!m.has(key)) bad(`entry lacks key ${key}`, { key });
  }
  const step = entryUint(m, K_STEP, 'step');
  if (step < 1) bad('entry step must be at least 1', { field: 'step' });
  const casePrev = entryHash(m, K_CASE_PREV, 'casePrev');
  if (step === 1 && !isZero(casePrev)) bad('entry casePrev must be 32 zero bytes at step 1', { field: 'casePrev' });
  return {
    v: 1,
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
}

// ---------------------------------------------------------------------------
// Statements and actor signatures (format.md §4.4)

/**
 * The statement of an entry: its `time`, `case`, `type`, `actor` and `commit`.
 *
 * @param entry a decoded or about-to-be-encoded entry
 * @returns a new Statement sharing the entry's `commit` bytes
 */
export function entryStatement(entry: Entry): Statement {
  return { time: entry.time, caseId: entry.caseId, type: entry.type, actor: entry.actor, commit: entry.commit };
}

/**
 * Encodes a statement: the deterministic CBOR map with keys 3, 4, 7, 8, 9 of
 * format.md §4.4, each value encoded as in the entry.
 *
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function encodeStatement(s: Statement): Uint8Array {
  return encodeCbor(statementMap(s));
}

/**
 * `H("casetrail-v1-statement" ‖ 0x00 ‖ statement)` (format.md §4.4).
 *
 * @returns 32 bytes
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function statementDigest(s: Statement): Uint8Array {
  return sha256(concatBytes(STATEMENT_TAG, encodeStatement(s)));
}

/**
 * The bytes an actor signs: `"casetrail-v1-actor-sig" ‖ 0x00 ‖ statementDigest`
 * (format.md §4.4).
 *
 * @returns 55 bytes
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function actorSignatureMessage(s: Statement): Uint8Array {
  return concatBytes(ACTOR_SIG_TAG, statementDigest(s));
}

/**
 * Signs a statement with an actor's Ed25519 key (format.md §4.4).
 *
 * @param s the statement
 * @param seed the actor's 32-byte Ed25519 private seed
 * @returns the public key and the signature, ready for an entry's `sigs`
 * @throws LedgerError `INVALID_ARGUMENT` for an invalid statement or seed
 * @example const sig = signStatement({ time, caseId, type, actor, commit }, seed)
 */
export function signStatement(s: Statement, seed: Uint8Array): ActorSignature {
  const message = actorSignatureMessage(s);
  argBytes('seed', seed, 32);
  return { publicKey: ed25519PublicKey(seed), signature: ed25519Sign(seed, message) };
}

/**
 * Checks an actor signature over a statement under the verification policy
 * of format.md §4.4.
 *
 * @param s the statement (usually {@link entryStatement} of a decoded entry)
 * @param sig the public key and signature; wrong lengths verify as false
 * @returns true only if the signature is valid
 * @throws LedgerError `INVALID_ARGUMENT` if the statement breaks a field rule
 *   or `sig` is not an object of two Uint8Arrays
 */
export function verifyActorSignature(s: Statement, sig: ActorSignature): boolean {
  const message = actorSignatureMessage(s);
  if (typeof sig !== 'object' || sig === null || !(sig.publicKey instanceof Uint8Array) || !(sig.signature instanceof Uint8Array)) {
    return fail('INVALID_ARGUMENT', 'sig must be { publicKey: Uint8Array, signature: Uint8Array }');
  }
  if (sig.publicKey.length !== 32 || sig.signature.length !== 64) return false;
  return ed25519Verify(sig.publicKey, message, sig.signature);
}

// ---------------------------------------------------------------------------
// Payloads (format.md §4.2), genesis link (§4.3)

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
  argBytes('salt', salt, 32);
  if (!(payload instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'payload must be a Uint8Array', { field: 'payload' });
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
  if (saltPoolOffset >= SALT_POOL_BYTES) {
    // One CSPRNG call per 2,048 salts: a call per salt cost more than hashing the entry.
    crypto.getRandomValues(saltPool);
    saltPoolOffset = 0;
  }
  const salt = saltPool.slice(saltPoolOffset, saltPoolOffset + 32);
  // Each salt is handed out once: the pool bytes are wiped as they are taken.
  saltPool.fill(0, saltPoolOffset, saltPoolOffset + 32);
  saltPoolOffset += 32;
  return salt;
}

// 64 KiB, the most crypto.getRandomValues fills in one call.
const SALT_POOL_BYTES = 65_536;
const saltPool = new Uint8Array(SALT_POOL_BYTES);
let saltPoolOffset = SALT_POOL_BYTES;

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
 *   instances without `toJSON`), cycles or too deep nesting
 * @example encodePayload({ decision: 'approved', amount: 120 })
 */
export function encodePayload(data: unknown): Uint8Array {
  let text: string;
  try {
    text = JSON.stringify(data, payloadReplacer);
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    throw new LedgerError('INVALID_ARGUMENT', `payload cannot be serialized as JSON: ${(e as Error).message}`, { field: 'payload' }, { cause: e });
  }
  return utf8(text);
}

/**
 * Parses payload bytes as UTF-8 JSON (RFC 8259). A byte order mark is not
 * accepted.
 *
 * @param bytes stored payload bytes
 * @returns the parsed value
 * @throws LedgerError `MALFORMED_ENTRY` for invalid UTF-8 or invalid JSON
 */
export function decodePayload(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'bytes must be a Uint8Array');
  const text = fromUtf8(bytes, 'MALFORMED_ENTRY');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new LedgerError('MALFORMED_ENTRY', 'payload is not valid JSON', {}, { cause: e });
  }
}

// ---------------------------------------------------------------------------
// Redaction payloads (format.md §4.5)

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
  argUint('seq', seq);
  argBytes('leafHash', leafHash, 32);
  if (typeof reason !== 'string') fail('INVALID_ARGUMENT', 'reason must be a string', { field: 'reason' });
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
