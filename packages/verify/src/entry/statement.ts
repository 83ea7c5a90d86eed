/**
 * Statements and actor signatures (docs/format.md §4.4): the part of an
 * entry an actor signs before the ledger places it, and the checks of those
 * signatures.
 */
import { checkObject } from '../args.js';
import { concatBytes, utf8 } from '../bytes.js';
import { encodeCbor, type CborValue } from '../cbor.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../ed25519.js';
import { fail } from '../errors.js';
import { sha256 } from '../hash.js';
import { argBytes, argText, argUint, K_ACTOR, K_CASE, K_COMMIT, K_TIME, K_TYPE, type ActorSignature, type Entry } from './entry.js';

const STATEMENT_TAG = utf8('casetrail-v1-statement\0');
const ACTOR_SIG_TAG = utf8('casetrail-v1-actor-sig\0');

/** The part of an entry an actor signs before the ledger places it (format.md §4.4). */
export interface Statement {
  time: number;
  caseId: string;
  type: string;
  actor: string;
  commit: Uint8Array;
}

function statementMap(s: Statement): Map<number, CborValue> {
  checkObject(s, 'statement');
  return new Map<number, CborValue>([
    [K_TIME, argUint('time', s.time)],
    [K_CASE, argText('case', s.caseId)],
    [K_TYPE, argText('type', s.type)],
    [K_ACTOR, argText('actor', s.actor)],
    [K_COMMIT, argBytes('commit', s.commit, 32)],
  ]);
}

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
