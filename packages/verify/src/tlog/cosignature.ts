/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1):
 * Ed25519 signatures of signature type 0x04 over a timestamped message
 * that holds the checkpoint text, carried as signature lines of the
 * checkpoint's signed note (format.md §6.3).
 *
 *     key ID     = first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x04 ‖ publicKey)
 *     message    = "cosignature/v1\n" ‖ "time " ‖ decimal(timestamp) ‖ "\n" ‖ checkpoint text
 *     line       = "— " ‖ name ‖ " " ‖ base64(keyID ‖ uint64be(timestamp) ‖ signature) ‖ "\n"
 *     vkey       = name "+" hex8(keyID) "+" base64(0x04 ‖ publicKey)
 *
 * The timestamp is seconds since the epoch, a uint64 (a bigint here). Which
 * witnesses to trust, and how many, is the caller's policy.
 */
import { checkBytes, checkObject, checkU64 } from '../args.js';
import { concatBytes, toBase64, utf8 } from '../bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, isValidEd25519PublicKey } from '../ed25519.js';
import { LedgerError } from '../errors.js';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkKeyName, decodeKeyParts, hex8, readUint32, typedKeyId, uint32Bytes } from './note-keys.js';
import { parseNote, parseSignatureLine, SIGNATURE_LINE_PREFIX } from './note.js';

/** The signed-note signature type of cosignature/v1 (Ed25519). */
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;
/** The first line of every cosignature/v1 message. */
export const COSIGNATURE_V1_HEADER = 'cosignature/v1\n';
/** Bytes after base64 decoding a cosignature/v1 line: key ID, timestamp, signature. */
const COSIGNATURE_LENGTH = 4 + 8 + 64;

/** A witness's cosignature key; {@link parseCosignatureVerifierKey} makes one. */
export interface CosignatureVerifier {
  readonly name: string;
  readonly keyId: number;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** One parsed cosignature line (not yet verified). */
export interface Cosignature {
  readonly name: string;
  readonly keyId: number;
  /** Seconds since the epoch when the witness cosigned. */
  readonly timestamp: bigint;
  readonly signature: Uint8Array;
  /** The line as stored and returned: "— name base64\n". */
  readonly line: string;
}

function malformed(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_NOTE', message, {}, cause === undefined ? undefined : { cause });
}

/** The key ID of a cosignature/v1 key: SHA-256(name ‖ "\n" ‖ 0x04 ‖ publicKey), first 4 bytes. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  return typedKeyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey);
}

/**
 * Parses a cosignature verifier key `name+hex8(keyID)+base64(0x04 ‖ publicKey)`.
 * @throws LedgerError MALFORMED_KEY (form, type other than 0x04, key ID,
 *   or a public key the Ed25519 policy of format.md §4.4 refuses)
 */
export function parseCosignatureVerifierKey(vkey: string): CosignatureVerifier {
  if (typeof vkey !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'vkey must be a string', { field: 'vkey' });
  const { name, id, raw: publicKey } = decodeKeyParts(vkey, 'cosignature verifier', SIGNATURE_TYPE_COSIGNATURE_V1);
  if (cosignatureKeyId(name, publicKey) !== id) throw new LedgerError('MALFORMED_KEY', 'cosignature verifier key: key ID does not match the key');
  if (!isValidEd25519PublicKey(publicKey)) {
    throw new LedgerError('MALFORMED_KEY', 'cosignature verifier key: not an acceptable Ed25519 public key (non-canonical or small order)');
  }
  return Object.freeze({ name, keyId: id, publicKey });
}

/** Formats a cosignature verifier key. */
export function formatCosignatureVerifierKey(name: string, publicKey: Uint8Array): string {
  const id = cosignatureKeyId(name, publicKey);
  return `${name}+${hex8(id)}+${toBase64(concatBytes(Uint8Array.of(SIGNATURE_TYPE_COSIGNATURE_V1), publicKey))}`;
}

/**
 * The text a cosignature covers: the text of a signed note, or a
 * checkpoint body given as a string (a body has no blank line, a signed
 * note always has one) or as a Checkpoint.
 */
function checkpointText(checkpoint: string | Checkpoint): string {
  if (typeof checkpoint !== 'string') {
    checkObject(checkpoint, 'checkpoint');
    return formatCheckpoint(checkpoint);
  }
  if (checkpoint.includes('\n\n')) return parseNote(checkpoint).text;
  parseCheckpoint(checkpoint, { allowExtensions: true });
  return checkpoint;
}

/** The cosignature/v1 signed message for a checkpoint text and a timestamp. */
export function cosignatureMessage(checkpoint: string | Checkpoint, timestamp: bigint | number): Uint8Array {
  const t = checkU64(timestamp, 'timestamp');
  return utf8(`${COSIGNATURE_V1_HEADER}time ${t}\n${checkpointText(checkpoint)}`);
}

/**
 * Parses one cosignature line strictly: the signed-note line form, strict
 * base64 of exactly 76 bytes. The final newline may be left out; the
 * returned `line` has it.
 * @throws LedgerError MALFORMED_NOTE (including a line of another signature
 *   type, such as a 68-byte Ed25519 note signature)
 */
export function parseCosignatureLine(line: string): Cosignature {
  if (typeof line !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'line must be a string', { field: 'line' });
  const body = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (body.length > 1024 || body.includes('\n')) throw malformed('a cosignature is one signature line');
  const { name, blob } = parseSignatureLine(body);
  if (blob.length !== COSIGNATURE_LENGTH) {
    throw malformed(`a cosignature/v1 signature is ${COSIGNATURE_LENGTH} bytes, this one is ${blob.length}: a signature of another type`);
  }
  let timestamp = 0n;
  for (let i = 4; i < 12; i++) timestamp = (timestamp << 8n) | BigInt(blob[i]!);
  return { name, keyId: readUint32(blob), timestamp, signature: blob.slice(12), line: `${body}\n` };
}

/**
 * Cosigns a checkpoint as a witness does: the cosignature line by the key
 * `seed` named `name`, at `timestamp` (seconds since the epoch).
 */
export function signCosignature(checkpoint: string | Checkpoint, name: string, seed: Uint8Array, timestamp: bigint | number): string {
  checkKeyName(name, 'name');
  checkBytes(seed, 'seed', 32);
  const t = checkU64(timestamp, 'timestamp');
  const sig = ed25519Sign(seed, cosignatureMessage(checkpoint, t));
  const ts = new Uint8Array(8);
  for (let i = 7, v = t; i >= 0; i--, v >>= 8n) ts[i] = Number(v & 0xffn);
  const id = cosignatureKeyId(name, ed25519PublicKey(seed));
  return `${SIGNATURE_LINE_PREFIX}${name} ${toBase64(concatBytes(uint32Bytes(id), ts, sig))}\n`;
}

/**
 * Opens a cosignature: the line must be by one of `witnesses` (name and key
 * ID) and verify over the checkpoint text under the Ed25519 policy of
 * format.md §4.4.
 * @param checkpoint - the signed note (or the checkpoint body) it cosigns
 * @returns the cosignature and the witness whose key verified it
 * @throws MALFORMED_NOTE (the line or the note), UNKNOWN_KEY (by no given
 *   witness), INVALID_SIGNATURE (by a given witness, but it does not verify)
 */
export function openCosignature(
  checkpoint: string | Checkpoint,
  line: string,
  witnesses: readonly CosignatureVerifier[],
): Cosignature & { witness: CosignatureVerifier } {
  const c = parseCosignatureLine(line);
  if (!Array.isArray(witnesses)) throw new LedgerError('INVALID_ARGUMENT', 'witnesses must be an array of CosignatureVerifier', { field: 'witnesses' });
  const w = witnesses.find((k) => k.name === c.name && k.keyId === c.keyId);
  if (w === undefined) {
    throw new LedgerError('UNKNOWN_KEY', `the cosignature is by ${c.name}+${hex8(c.keyId)}, which is not a given witness key`, { signer: `${c.name}+${hex8(c.keyId)}` });
  }
  if (!ed25519Verify(w.publicKey, cosignatureMessage(checkpoint, c.timestamp), c.signature)) {
    throw new LedgerError('INVALID_SIGNATURE', `the cosignature by ${c.name}+${hex8(c.keyId)} does not verify over this checkpoint`, { name: c.name, keyId: hex8(c.keyId) });
  }
  return { ...c, witness: w };
}

/**
 * Whether `line` is a valid cosignature of the checkpoint by `witness`.
 * @returns false for a line by another key or a signature that does not verify
 * @throws MALFORMED_NOTE / MALFORMED_KEY for a line, note or key that does not parse
 */
export function verifyCosignature(checkpoint: string | Checkpoint, line: string, witness: string | CosignatureVerifier): boolean {
  const w = typeof witness === 'string' ? parseCosignatureVerifierKey(witness.trim()) : witness;
  try {
    openCosignature(checkpoint, line, [w]);
    return true;
  } catch (e) {
    if (e instanceof LedgerError && (e.code === 'UNKNOWN_KEY' || e.code === 'INVALID_SIGNATURE')) return false;
    throw e;
  }
}
