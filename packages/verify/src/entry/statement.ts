/**
 * Statements and actor signatures (docs/format.md §4.4): the part of an
 * entry an actor signs before the ledger places it, in the form of its
 * entry's version, and the checks of those signatures.
 */
import { checkObject } from '../args.js';
import { concatBytes, utf8 } from '../bytes.js';
import { encodeCbor, isWellFormedText, type CborValue } from '../cbor.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../ed25519.js';
import { fail } from '../errors.js';
import { sha256 } from '../hash.js';
import {
  argBytes,
  argText,
  argUint,
  K_ACTOR,
  K_CASE,
  K_COMMIT,
  K_NONCE,
  K_ORIGIN,
  K_TIME,
  K_TYPE,
  K_V,
  NONCE_BYTES,
  type ActorSignature,
  type Entry,
} from './entry.js';

const TAGS = {
  1: { statement: utf8('casetrail-v1-statement\0'), actorSig: utf8('casetrail-v1-actor-sig\0') },
  2: { statement: utf8('casetrail-v2-statement\0'), actorSig: utf8('casetrail-v2-actor-sig\0') },
} as const;

/**
 * The part of an entry an actor signs before the ledger places it
 * (format.md §4.4). A version 2 statement (`nonce` given) also names the
 * ledger (`origin`) and its nonce; a version 1 statement names neither.
 */
export interface Statement {
  /** 2 when `nonce` is given, else 1; when given, it must agree. */
  v?: 1 | 2;
  time: number;
  caseId: string;
  type: string;
  actor: string;
  commit: Uint8Array;
  /** Version 2: the 16-byte nonce of the entry (format.md §4.6). */
  nonce?: Uint8Array;
  /** Version 2: the origin line of the ledger the statement is for (format.md §6.2). */
  origin?: string;
}

/** The version of a statement: 2 when it carries a nonce (format.md §4.4). */
export function statementVersion(s: Statement): 1 | 2 {
  const v = s.v ?? (s.nonce === undefined ? 1 : 2);
  if (v !== 1 && v !== 2) fail('INVALID_ARGUMENT', 'v must be 1 or 2', { field: 'v' });
  return v;
}

function statementMap(s: Statement): { v: 1 | 2; map: Map<number, CborValue> } {
  checkObject(s, 'statement');
  const v = statementVersion(s);
  const map = new Map<number, CborValue>();
  if (v === 2) map.set(K_V, 2);
  map.set(K_TIME, argUint('time', s.time));
  map.set(K_CASE, argText('case', s.caseId));
  map.set(K_TYPE, argText('type', s.type));
  map.set(K_ACTOR, argText('actor', s.actor));
  map.set(K_COMMIT, argBytes('commit', s.commit, 32));
  if (v === 1) {
    if (s.nonce !== undefined || s.origin !== undefined) fail('INVALID_ARGUMENT', 'a version 1 statement has no nonce and no origin', { field: 'nonce' });
    return { v, map };
  }
  map.set(K_NONCE, argBytes('nonce', s.nonce, NONCE_BYTES));
  const origin = s.origin;
  if (typeof origin !== 'string' || origin.length === 0 || !isWellFormedText(origin)) {
    fail('INVALID_ARGUMENT', 'origin must be the ledger origin line (a non-empty well-formed string) in a version 2 statement', { field: 'origin' });
  }
  map.set(K_ORIGIN, origin);
  return { v, map };
}

/**
 * The statement of an entry, in the form of the entry's version (format.md
 * §4.4): `time`, `case`, `type`, `actor` and `commit`, and for version 2 its
 * `nonce` and the ledger's origin.
 *
 * @param entry a decoded or about-to-be-encoded entry
 * @param origin the origin of the ledger the entry is checked in: a
 *   verifier's key name, never one read from the file being checked
 *   (unused for a version 1 entry)
 * @returns a new Statement sharing the entry's `commit` and `nonce` bytes
 */
export function entryStatement(entry: Entry, origin: string): Statement {
  const s: Statement = { v: entry.v, time: entry.time, caseId: entry.caseId, type: entry.type, actor: entry.actor, commit: entry.commit };
  if (entry.v === 2) {
    if (entry.nonce !== undefined) s.nonce = entry.nonce;
    s.origin = origin;
  }
  return s;
}

/**
 * Encodes a statement: the deterministic CBOR map of format.md §4.4 —
 * keys 3, 4, 7, 8, 9 for version 1; keys 0 (= 2), 3, 4, 7, 8, 9, 11, 12 for
 * version 2 — each value encoded as in the entry.
 *
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function encodeStatement(s: Statement): Uint8Array {
  return encodeCbor(statementMap(s).map);
}

/**
 * `H("casetrail-vN-statement" ‖ 0x00 ‖ statement)` for a statement of
 * version N (format.md §4.4).
 *
 * @returns 32 bytes
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function statementDigest(s: Statement): Uint8Array {
  const { v, map } = statementMap(s);
  return sha256(concatBytes(TAGS[v].statement, encodeCbor(map)));
}

/**
 * The bytes an actor signs: `"casetrail-vN-actor-sig" ‖ 0x00 ‖ statementDigest`
 * (format.md §4.4).
 *
 * @returns 55 bytes
 * @throws LedgerError `INVALID_ARGUMENT` naming the field that breaks its rule
 */
export function actorSignatureMessage(s: Statement): Uint8Array {
  return concatBytes(TAGS[statementVersion(s)].actorSig, statementDigest(s));
}

/**
 * Signs a statement with an actor's Ed25519 key (format.md §4.4).
 *
 * @param s the statement (version 2 for a new entry: with its nonce and the ledger's origin)
 * @param seed the actor's 32-byte Ed25519 private seed
 * @returns the public key and the signature, ready for an entry's `sigs`
 * @throws LedgerError `INVALID_ARGUMENT` for an invalid statement or seed
 * @example const sig = signStatement({ time, caseId, type, actor, commit, nonce, origin }, seed)
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
