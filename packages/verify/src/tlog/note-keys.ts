/**
 * Note keys in the forms of golang.org/x/mod/sumdb/note (format.md §6.1):
 * key names, key IDs, and the verifier and signer key strings of Ed25519
 * (signature type 0x01).
 */
import { checkBytes } from '../args.js';
import { concatBytes, fromBase64, toBase64, utf8 } from '../bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, generateSeed, isValidEd25519PublicKey } from '../ed25519.js';
import { LedgerError } from '../errors.js';
import { sha256 } from '../hash.js';

/** The signed-note signature type byte of Ed25519. */
export const SIGNATURE_TYPE_ED25519 = 0x01;

const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';

/** A key that can check signatures on notes; {@link parseVerifierKey} makes one. */
export interface NoteVerifier {
  /** The key name (signed-note: non-empty, no Unicode space, no `+`). */
  readonly name: string;
  /** The 32-bit key ID, an unsigned integer. */
  readonly keyId: number;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** true if `sig` (without the key ID) signs `msg`; never throws on bad bytes. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/**
 * A key that signs notes. {@link parseSignerKey} makes one from a signer key;
 * a host may implement `sign` with an HSM or KMS, hence the Promise.
 */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /**
   * The raw 32-byte Ed25519 public key, when the signer can tell it (a key
   * string does; give it for an HSM/KMS signer): the ledger then checks its
   * own stored checkpoints with it (adopting a signer state, KEY_MISMATCH).
   */
  readonly publicKey?: Uint8Array;
  /** The signature (without the key ID) of the note text bytes `msg`. */
  sign(msg: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

// signed-note: key names contain no Unicode space and no plus. C0 controls
// can never appear in a note, so a name holding one is refused as well.
const BAD_NAME_CHAR = /[\p{White_Space}+\x00-\x1f]|\p{Cs}/u;
const HEX8 = /^[0-9a-f]{8}$/;

/**
 * Whether `name` is a valid signed-note key name: non-empty, no Unicode
 * white space, no `+`, no control character below U+0020.
 * @param name - candidate key name
 * @returns true if valid
 */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !BAD_NAME_CHAR.test(name);
}

/** A key name argument (INVALID_ARGUMENT naming it otherwise). */
export function checkKeyName(value: unknown, name: string): asserts value is string {
  if (!isValidKeyName(value as string)) {
    throw new LedgerError('INVALID_ARGUMENT', `${name}: expected a key name (non-empty, no spaces, no "+")`, { field: name });
  }
}

/** A key ID argument: an unsigned 32-bit integer. */
export function checkKeyId(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new LedgerError('INVALID_ARGUMENT', `${name}: expected an unsigned 32-bit integer`, { field: name });
  }
}

/** The key ID as 8 lowercase hex digits, as in key strings. */
export function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** The big-endian unsigned 32-bit integer in the first 4 bytes. */
export function readUint32(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** The 4 big-endian bytes of an unsigned 32-bit integer. */
export function uint32Bytes(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/**
 * The key ID of an Ed25519 note key (signed-note, format.md §6.1):
 * the first 4 bytes, big-endian, of SHA-256(name ‖ "\n" ‖ 0x01 ‖ publicKey).
 * @param name - the key name
 * @param publicKey - the raw 32-byte public key
 * @returns the key ID as an unsigned 32-bit integer
 * @throws LedgerError INVALID_ARGUMENT on an invalid name or key length
 */
export function keyId(name: string, publicKey: Uint8Array): number {
  return typedKeyId(name, SIGNATURE_TYPE_ED25519, publicKey);
}

/**
 * The key ID of a note key of any signature type (signed-note):
 * the first 4 bytes, big-endian, of SHA-256(name ‖ "\n" ‖ type ‖ publicKey).
 * @throws LedgerError INVALID_ARGUMENT on an invalid name or key length
 */
export function typedKeyId(name: string, type: number, publicKey: Uint8Array): number {
  checkKeyName(name, 'name');
  checkBytes(publicKey, 'publicKey', 32);
  return readUint32(sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey)));
}

/** Splits "name+hex8+base64" into its parts; null if a separator is missing. */
function splitKey(s: string): { name: string; id: string; key: string } | null {
  const i = s.indexOf('+');
  if (i < 0) return null;
  const j = s.indexOf('+', i + 1);
  if (j < 0) return null;
  return { name: s.slice(0, i), id: s.slice(i + 1, j), key: s.slice(j + 1) };
}

/**
 * Decodes the "name+hex8+base64(type ‖ 32 bytes)" tail shared by every key
 * form (signer and verifier keys of type 0x01, cosignature keys of 0x04).
 */
export function decodeKeyParts(s: string, kind: 'verifier' | 'signer' | 'cosignature verifier', type = SIGNATURE_TYPE_ED25519): { name: string; id: number; raw: Uint8Array } {
  const parts = splitKey(s);
  if (parts === null) throw new LedgerError('MALFORMED_KEY', `${kind} key: expected name+keyid+key`);
  if (!isValidKeyName(parts.name)) throw new LedgerError('MALFORMED_KEY', `${kind} key: invalid key name`);
  if (!HEX8.test(parts.id)) throw new LedgerError('MALFORMED_KEY', `${kind} key: key ID is not 8 lowercase hex digits`);
  let key: Uint8Array;
  try {
    key = fromBase64(parts.key);
  } catch (e) {
    throw new LedgerError('MALFORMED_KEY', `${kind} key: key is not strict base64`, {}, { cause: e });
  }
  if (key.length === 0) throw new LedgerError('MALFORMED_KEY', `${kind} key: empty key`);
  if (key[0] !== type) {
    throw new LedgerError('MALFORMED_KEY', `${kind} key: unsupported signature type 0x${key[0]!.toString(16).padStart(2, '0')}`, {
      type: key[0],
    });
  }
  if (key.length !== 33) throw new LedgerError('MALFORMED_KEY', `${kind} key: an Ed25519 key is 32 bytes, got ${key.length - 1}`);
  return { name: parts.name, id: parseInt(parts.id, 16), raw: key.slice(1) };
}

/**
 * Parses a verifier key `name+hex8(keyID)+base64(0x01 ‖ publicKey)`
 * (format.md §6.1). The base64 part may itself contain `+`.
 * @param vkey - the verifier key string
 * @returns a verifier whose `verify` applies the Ed25519 policy of §4.4
 * @throws LedgerError MALFORMED_KEY if the string is malformed, the type is
 *   not Ed25519, the key ID does not match, or the key fails the §4.4 policy;
 *   INVALID_ARGUMENT if `vkey` is not a string
 * @example
 * const v = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'vkey: expected a string');
  const { name, id, raw: publicKey } = decodeKeyParts(vkey, 'verifier');
  if (keyId(name, publicKey) !== id) throw new LedgerError('MALFORMED_KEY', 'verifier key: key ID does not match the key');
  if (!isValidEd25519PublicKey(publicKey)) {
    throw new LedgerError('MALFORMED_KEY', 'verifier key: not an acceptable Ed25519 public key (non-canonical or small order)');
  }
  return Object.freeze({
    name,
    keyId: id,
    publicKey,
    verify: (msg: Uint8Array, sig: Uint8Array) => ed25519Verify(publicKey, msg, sig),
  });
}

/**
 * Parses a signer key `PRIVATE+KEY+name+hex8(keyID)+base64(0x01 ‖ seed)`
 * (format.md §6.1). Error messages never contain the key.
 * @param skey - the signer key string
 * @returns a signer, with its public key and seed
 * @throws LedgerError MALFORMED_KEY if the string is malformed, the type is
 *   not Ed25519 or the key ID does not match; INVALID_ARGUMENT if `skey` is
 *   not a string
 */
export function parseSignerKey(skey: string): NoteSigner & { readonly publicKey: Uint8Array; readonly seed: Uint8Array } {
  if (typeof skey !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'skey: expected a string');
  if (!skey.startsWith(SIGNER_KEY_PREFIX)) throw new LedgerError('MALFORMED_KEY', 'signer key: expected PRIVATE+KEY+name+keyid+key');
  const { name, id, raw: seed } = decodeKeyParts(skey.slice(SIGNER_KEY_PREFIX.length), 'signer');
  const publicKey = ed25519PublicKey(seed);
  if (keyId(name, publicKey) !== id) throw new LedgerError('MALFORMED_KEY', 'signer key: key ID does not match the key');
  return Object.freeze({
    name,
    keyId: id,
    publicKey,
    seed,
    sign: (msg: Uint8Array) => ed25519Sign(seed, msg),
  });
}

/**
 * Formats a verifier key `name+hex8(keyID)+base64(0x01 ‖ publicKey)`.
 * @param name - the key name
 * @param publicKey - the raw 32-byte public key
 * @returns the verifier key string
 * @throws LedgerError INVALID_ARGUMENT on an invalid name or key length
 */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  const id = keyId(name, publicKey);
  return `${name}+${hex8(id)}+${toBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE_ED25519), publicKey))}`;
}

/**
 * Formats a signer key `PRIVATE+KEY+name+hex8(keyID)+base64(0x01 ‖ seed)`.
 * @param name - the key name
 * @param seed - the 32-byte Ed25519 seed
 * @returns the signer key string (a secret)
 * @throws LedgerError INVALID_ARGUMENT on an invalid name or seed length
 */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  checkKeyName(name, 'name');
  checkBytes(seed, 'seed', 32);
  const id = keyId(name, ed25519PublicKey(seed));
  return `${SIGNER_KEY_PREFIX}${name}+${hex8(id)}+${toBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE_ED25519), seed))}`;
}

/**
 * Generates a fresh Ed25519 note key pair.
 * @param name - the key name (in casetrail, the ledger's origin)
 * @returns the signer key `skey` (secret) and the verifier key `vkey`
 * @throws LedgerError INVALID_ARGUMENT on an invalid name
 */
export function generateKeyPair(name: string): { skey: string; vkey: string } {
  checkKeyName(name, 'name');
  const seed = generateSeed();
  const skey = formatSignerKey(name, seed);
  const vkey = formatVerifierKey(name, ed25519PublicKey(seed));
  seed.fill(0);
  return { skey, vkey };
}
