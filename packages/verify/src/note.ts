/**
 * Signed notes (c2sp.org/signed-note) with Ed25519 keys (signature type
 * 0x01) in the key forms of golang.org/x/mod/sumdb/note; format.md §6.1.
 *
 * Limits, enforced before any parsing or signature work:
 * - a note is at most {@link MAX_NOTE_BYTES} (1 MiB) of UTF-8
 *   (`INPUT_TOO_LARGE`); a checkpoint note is about 200 bytes per signature;
 * - a note has at most {@link MAX_NOTE_SIGNATURES} (100) signature lines
 *   (`MALFORMED_NOTE`), the limit of golang.org/x/mod/sumdb/note `Open`;
 *   signed-note requires verifiers to accept at least 16.
 *
 * No Node-only imports: this file also runs in a browser.
 */
import { concatBytes, equalBytes, fromBase64, fromUtf8, toBase64, utf8, utf8Length } from './bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, generateSeed, isValidEd25519PublicKey } from './ed25519.js';
import { LedgerError, isLedgerError } from './errors.js';
import { sha256 } from './hash.js';

/** Largest note accepted or produced, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1_048_576;
/** Most signature lines a note may carry. */
export const MAX_NOTE_SIGNATURES = 100;
/** The signed-note signature type byte of Ed25519. */
export const SIGNATURE_TYPE_ED25519 = 0x01;

const SIG_PREFIX = '\u2014 '; // em dash, space
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
  /** The signature (without the key ID) of the note text bytes `msg`. */
  sign(msg: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
}

/** A note split into its text and signature lines, nothing verified. */
export interface ParsedNote {
  /** The note text, ending in `\n`, without the separating blank line. */
  readonly text: string;
  readonly signatures: NoteSignature[];
}

/** A note whose signatures by known keys all verified. */
export interface OpenedNote {
  readonly text: string;
  /** The known keys that signed, each once, in the order of their lines. */
  readonly verified: NoteVerifier[];
  /** Signature lines by keys the caller does not know (ignored, kept for callers such as cosignature checks). */
  readonly unverified: NoteSignature[];
}

// C0 controls other than newline, and lone surrogates (not encodable as UTF-8).
const BAD_TEXT_CHAR = /[\x00-\x09\x0b-\x1f]|\p{Cs}/u;
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

function requireKeyName(name: unknown, what = 'name'): asserts name is string {
  if (!isValidKeyName(name as string)) {
    throw new LedgerError('INVALID_ARGUMENT', `${what}: expected a key name (non-empty, no spaces, no "+")`);
  }
}

function requireKeyId(keyId: unknown, what = 'keyId'): asserts keyId is number {
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) {
    throw new LedgerError('INVALID_ARGUMENT', `${what}: expected an unsigned 32-bit integer`);
  }
}

function requireBytes(value: unknown, what: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    throw new LedgerError('INVALID_ARGUMENT', `${what}: expected ${length === undefined ? 'a Uint8Array' : `${length} bytes`}`);
  }
}

/** The key ID as 8 lowercase hex digits, as in key strings. */
function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function readUint32(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function uint32Bytes(n: number): Uint8Array {
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
  requireKeyName(name);
  requireBytes(publicKey, 'publicKey', 32);
  return readUint32(sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, SIGNATURE_TYPE_ED25519), publicKey)));
}

/** Splits "name+hex8+base64" into its parts; null if a separator is missing. */
function splitKey(s: string): { name: string; id: string; key: string } | null {
  const i = s.indexOf('+');
  if (i < 0) return null;
  const j = s.indexOf('+', i + 1);
  if (j < 0) return null;
  return { name: s.slice(0, i), id: s.slice(i + 1, j), key: s.slice(j + 1) };
}

/** Decodes the "name+hex8+base64(0x01 ‖ 32 bytes)" tail shared by both key forms. */
function decodeKeyParts(s: string, kind: 'verifier' | 'signer'): { name: string; id: number; raw: Uint8Array } {
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
  if (key[0] !== SIGNATURE_TYPE_ED25519) {
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
  requireKeyName(name);
  requireBytes(seed, 'seed', 32);
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
  requireKeyName(name);
  const seed = generateSeed();
  const skey = formatSignerKey(name, seed);
  const vkey = formatVerifierKey(name, ed25519PublicKey(seed));
  seed.fill(0);
  return { skey, vkey };
}

/**
 * One signature line `"— " name " " base64(keyID ‖ signature) "\n"`.
 * @param name - the key name
 * @param id - the key ID
 * @param signature - the signature bytes (without the key ID)
 * @returns the line, including its final newline
 * @throws LedgerError INVALID_ARGUMENT on an invalid name, key ID or signature
 */
export function formatSignatureLine(name: string, id: number, signature: Uint8Array): string {
  requireKeyName(name);
  requireKeyId(id);
  requireBytes(signature, 'signature');
  if (signature.length === 0) throw new LedgerError('INVALID_ARGUMENT', 'signature: expected at least 1 byte');
  return `${SIG_PREFIX}${name} ${toBase64(concatBytes(uint32Bytes(id), signature))}\n`;
}


function malformed(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_NOTE', message, {}, cause === undefined ? undefined : { cause });
}

function tooLarge(bytes: number): LedgerError {
  return new LedgerError('INPUT_TOO_LARGE', `note is larger than ${MAX_NOTE_BYTES} bytes`, { limit: MAX_NOTE_BYTES, size: bytes });
}

/** The note as a checked string: size limit, UTF-8, no control characters. */
function noteString(note: string | Uint8Array): string {
  let s: string;
  if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_BYTES) throw tooLarge(note.length);
    s = fromUtf8(note, 'MALFORMED_NOTE');
  } else if (typeof note === 'string') {
    // Every UTF-16 unit is at least one UTF-8 byte: refuse huge strings unscanned.
    if (note.length > MAX_NOTE_BYTES) throw tooLarge(note.length);
    s = note;
  } else {
    throw new LedgerError('INVALID_ARGUMENT', 'note: expected a string or Uint8Array');
  }
  if (BAD_TEXT_CHAR.test(s)) throw malformed('note contains a control character or is not valid UTF-8');
  if (!(note instanceof Uint8Array)) {
    const n = utf8Length(s);
    if (n > MAX_NOTE_BYTES) throw tooLarge(n);
  }
  return s;
}

interface SplitNote {
  text: string;
  signatures: NoteSignature[];
  /** Each signature line after the "— " prefix, for spotting repeats. */
  lines: string[];
}

/** signed-note "Format": text, the last blank line, signature lines. */
function splitNote(note: string | Uint8Array): SplitNote {
  const s = noteString(note);
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0) throw malformed('note has no signature lines');
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end in a newline');
  const rawLines = block.slice(0, -1).split('\n');
  if (rawLines.length > MAX_NOTE_SIGNATURES) {
    throw new LedgerError('MALFORMED_NOTE', `note has more than ${MAX_NOTE_SIGNATURES} signature lines`, {
      limit: MAX_NOTE_SIGNATURES,
      lines: rawLines.length,
    });
  }
  const signatures: NoteSignature[] = [];
  const lines: string[] = [];
  for (const raw of rawLines) {
    if (!raw.startsWith(SIG_PREFIX)) throw malformed('a line after the blank line is not a signature line');
    const line = raw.slice(SIG_PREFIX.length);
    const space = line.indexOf(' ');
    if (space < 0) throw malformed('signature line has no signature');
    const name = line.slice(0, space);
    const b64 = line.slice(space + 1);
    if (!isValidKeyName(name)) throw malformed('signature line has an invalid key name');
    let blob: Uint8Array;
    try {
      blob = fromBase64(b64);
    } catch (e) {
      throw malformed('signature is not strict base64', e);
    }
    if (blob.length < 5) throw malformed('signature is shorter than a key ID and one byte');
    signatures.push(Object.freeze({ name, keyId: readUint32(blob), signature: blob.slice(4) }));
    lines.push(line);
  }
  return { text, signatures, lines };
}

/**
 * Splits a signed note into its text and signature lines without verifying
 * anything (signed-note "Format").
 * @param note - the note, as a string or UTF-8 bytes
 * @returns the text (with its final newline) and every signature line in order
 * @throws LedgerError MALFORMED_NOTE if the note breaks the format or has more
 *   than {@link MAX_NOTE_SIGNATURES} signature lines; INPUT_TOO_LARGE above
 *   {@link MAX_NOTE_BYTES}
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const { text, signatures } = splitNote(note);
  return { text, signatures };
}

function verifierIndex(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  if (!Array.isArray(verifiers)) throw new LedgerError('INVALID_ARGUMENT', 'verifiers: expected an array of NoteVerifier');
  const index = new Map<string, NoteVerifier>();
  for (const v of verifiers as readonly unknown[]) {
    const cand = v as NoteVerifier;
    if (cand === null || typeof cand !== 'object' || typeof cand.verify !== 'function' || !(cand.publicKey instanceof Uint8Array)) {
      throw new LedgerError('INVALID_ARGUMENT', 'verifiers: every item must be a NoteVerifier');
    }
    requireKeyName(cand.name, 'verifiers[].name');
    requireKeyId(cand.keyId, 'verifiers[].keyId');
    const id = `${cand.name}+${hex8(cand.keyId)}`;
    const seen = index.get(id);
    if (seen !== undefined && !equalBytes(seen.publicKey, cand.publicKey)) {
      // golang.org/x/mod/sumdb/note refuses this too: one line could name either key.
      throw new LedgerError('INVALID_ARGUMENT', `verifiers: two different keys named ${id}`);
    }
    if (seen === undefined) index.set(id, cand);
  }
  return index;
}

/**
 * Opens a signed note (signed-note "Signatures", format.md §6.1): every line
 * whose key name and key ID both match a known verifier must verify, lines by
 * unknown keys are ignored, and at least one known key must have signed.
 * A line repeated byte for byte is checked once.
 * @param note - the note, as a string or UTF-8 bytes (attacker-controlled)
 * @param verifiers - the known keys
 * @returns the text, the verifiers that signed, and the ignored lines
 * @throws LedgerError MALFORMED_NOTE / INPUT_TOO_LARGE as {@link parseNote};
 *   INVALID_SIGNATURE if a known key's signature fails (details: name, keyId);
 *   UNKNOWN_KEY if no known key signed (details: the signers seen);
 *   INVALID_ARGUMENT on a bad verifier list
 * @example
 * const { text } = openNote(note, [parseVerifierKey(vkey)]);
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = verifierIndex(verifiers);
  const { text, signatures, lines } = splitNote(note);
  const msg = utf8(text);
  const verified: NoteVerifier[] = [];
  const unverified: NoteSignature[] = [];
  const done = new Set<string>();
  signatures.forEach((sig, i) => {
    const line = lines[i]!;
    if (done.has(line)) return;
    done.add(line);
    const v = known.get(`${sig.name}+${hex8(sig.keyId)}`);
    if (v === undefined) {
      unverified.push(sig);
      return;
    }
    if (!v.verify(msg, sig.signature)) {
      throw new LedgerError('INVALID_SIGNATURE', `invalid signature by key ${sig.name}+${hex8(sig.keyId)}`, {
        name: sig.name,
        keyId: hex8(sig.keyId),
      });
    }
    if (!verified.includes(v)) verified.push(v);
  });
  if (verified.length === 0) {
    throw new LedgerError('UNKNOWN_KEY', 'the note is not signed by any known key', {
      signers: signatures.map((s) => `${s.name}+${hex8(s.keyId)}`),
    });
  }
  return { text, verified, unverified };
}

/**
 * Signs a note text with one or more signers (format.md §6.1).
 * @param text - the note text: ends in `\n`, no control character other than
 *   `\n`, well-formed Unicode
 * @param signers - 1 to {@link MAX_NOTE_SIGNATURES} signers, distinct by (name, key ID)
 * @returns the signed note: text, blank line, one signature line per signer
 * @throws LedgerError INVALID_ARGUMENT on a bad text or signer list;
 *   SIGNER_FAILED if a signer throws or returns no bytes; INPUT_TOO_LARGE if
 *   the note would exceed {@link MAX_NOTE_BYTES}
 * @example
 * const note = await signNote('hello\n', [parseSignerKey(skey)]);
 */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new LedgerError('INVALID_ARGUMENT', 'text: expected a string ending in a newline');
  }
  if (BAD_TEXT_CHAR.test(text)) {
    throw new LedgerError('INVALID_ARGUMENT', 'text: contains a control character other than newline, or a lone surrogate');
  }
  if (utf8Length(text) > MAX_NOTE_BYTES) throw tooLarge(utf8Length(text));
  if (!Array.isArray(signers) || signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) {
    throw new LedgerError('INVALID_ARGUMENT', `signers: expected 1 to ${MAX_NOTE_SIGNATURES} NoteSigners`);
  }
  const ids = new Set<string>();
  for (const s of signers as readonly unknown[]) {
    const cand = s as NoteSigner;
    if (cand === null || typeof cand !== 'object' || typeof cand.sign !== 'function') {
      throw new LedgerError('INVALID_ARGUMENT', 'signers: every item must be a NoteSigner');
    }
    requireKeyName(cand.name, 'signers[].name');
    requireKeyId(cand.keyId, 'signers[].keyId');
    const id = `${cand.name}+${hex8(cand.keyId)}`;
    if (ids.has(id)) throw new LedgerError('INVALID_ARGUMENT', `signers: ${id} appears twice`);
    ids.add(id);
  }
  const msg = utf8(text);
  const sigs = await Promise.all(
    signers.map(async (s) => {
      let sig: unknown;
      try {
        sig = await s.sign(msg.slice());
      } catch (e) {
        if (isLedgerError(e)) throw e;
        throw new LedgerError('SIGNER_FAILED', `signer ${s.name} failed: ${(e as Error)?.message ?? String(e)}`, { name: s.name }, { cause: e });
      }
      if (!(sig instanceof Uint8Array) || sig.length === 0) {
        throw new LedgerError('SIGNER_FAILED', `signer ${s.name} returned no signature bytes`, { name: s.name });
      }
      return formatSignatureLine(s.name, s.keyId, sig);
    }),
  );
  const out = `${text}\n${sigs.join('')}`;
  const n = utf8Length(out);
  if (n > MAX_NOTE_BYTES) throw tooLarge(n);
  return out;
}
