/**
 * Signed notes (c2sp.org/signed-note), format.md §6.1: the text, a blank
 * line, and signature lines; opening a note under known keys, and signing
 * one. The keys themselves are in note-keys.ts.
 *
 * Limits, enforced before any parsing or signature work:
 * - a note is at most {@link MAX_NOTE_BYTES} (1 MiB) of UTF-8
 *   (`INPUT_TOO_LARGE`); a checkpoint note is about 200 bytes per signature;
 * - a note has at most {@link MAX_NOTE_SIGNATURES} (100) signature lines
 *   (`MALFORMED_NOTE`), the limit of golang.org/x/mod/sumdb/note `Open`;
 *   signed-note requires verifiers to accept at least 16.
 */
import { checkBytes } from '../args.js';
import { concatBytes, equalBytes, fromBase64, fromUtf8, toBase64, utf8, utf8Length } from '../bytes.js';
import { LedgerError, isLedgerError } from '../errors.js';
import { checkKeyId, checkKeyName, hex8, isValidKeyName, readUint32, uint32Bytes, type NoteSigner, type NoteVerifier } from './note-keys.js';

/** Largest note accepted or produced, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1_048_576;
/** Most signature lines a note may carry. */
export const MAX_NOTE_SIGNATURES = 100;

/** Every signature line starts with an em dash and a space (signed-note). */
export const SIGNATURE_LINE_PREFIX = '\u2014 ';

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

/**
 * One signature line `"— " name " " base64(keyID ‖ signature) "\n"`.
 * @param name - the key name
 * @param id - the key ID
 * @param signature - the signature bytes (without the key ID)
 * @returns the line, including its final newline
 * @throws LedgerError INVALID_ARGUMENT on an invalid name, key ID or signature
 */
export function formatSignatureLine(name: string, id: number, signature: Uint8Array): string {
  checkKeyName(name, 'name');
  checkKeyId(id, 'id');
  checkBytes(signature, 'signature');
  if (signature.length === 0) throw new LedgerError('INVALID_ARGUMENT', 'signature: expected at least 1 byte');
  return `${SIGNATURE_LINE_PREFIX}${name} ${toBase64(concatBytes(uint32Bytes(id), signature))}\n`;
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

/**
 * One signature line without its newline (signed-note "Signatures"):
 * "— ", a key name, a space, strict base64 of at least 5 bytes (key ID and
 * one signature byte).
 * @returns the key name, the decoded bytes, and the line after the "— "
 * @throws LedgerError MALFORMED_NOTE
 */
export function parseSignatureLine(raw: string): { name: string; blob: Uint8Array; line: string } {
  if (!raw.startsWith(SIGNATURE_LINE_PREFIX)) throw malformed('a line after the blank line is not a signature line');
  const line = raw.slice(SIGNATURE_LINE_PREFIX.length);
  const space = line.indexOf(' ');
  if (space < 0) throw malformed('signature line has no signature');
  const name = line.slice(0, space);
  if (!isValidKeyName(name)) throw malformed('signature line has an invalid key name');
  let blob: Uint8Array;
  try {
    blob = fromBase64(line.slice(space + 1));
  } catch (e) {
    throw malformed('signature is not strict base64', e);
  }
  if (blob.length < 5) throw malformed('signature is shorter than a key ID and one byte');
  return { name, blob, line };
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
    const { name, blob, line } = parseSignatureLine(raw);
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
    checkKeyName(cand.name, 'verifiers[].name');
    checkKeyId(cand.keyId, 'verifiers[].keyId');
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
    checkKeyName(cand.name, 'signers[].name');
    checkKeyId(cand.keyId, 'signers[].keyId');
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
