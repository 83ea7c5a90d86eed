/**
 * Checkpoints (c2sp.org/tlog-checkpoint) as signed notes; format.md §6.2.
 *
 * Tree sizes are JavaScript numbers: a size above 2^53 − 1
 * (Number.MAX_SAFE_INTEGER) is refused as MALFORMED_CHECKPOINT, although
 * tlog-checkpoint allows any uint64. No casetrail ledger gets near it.
 */
import { fromBase64, fromUtf8, toBase64 } from '../bytes.js';
import { LedgerError } from '../errors.js';
import type { NoteSigner, NoteVerifier } from './note-keys.js';
import { MAX_NOTE_BYTES, openNote, signNote } from './note.js';

/** A tree head: the body of a checkpoint note. */
export interface Checkpoint {
  /** The log identity (first line); in casetrail, equal to the checkpoint key name. */
  origin: string;
  /** Number of leaves, 0 ≤ size ≤ 2^53 − 1. */
  size: number;
  /** RFC 9162 Merkle tree hash of the first `size` leaves (32 bytes). */
  root: Uint8Array;
  /** Extension lines (tlog-checkpoint item 4); casetrail v1 writes none. */
  extensions: string[];
}

/** Options for reading checkpoints. */
export interface CheckpointOptions {
  /** Accept extension lines after the root (default false: format.md §6.2 rejects them). */
  allowExtensions?: boolean;
}

const ROOT_LENGTH = 32;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;
// Any Unicode control character, and lone surrogates (not encodable as UTF-8).
const CONTROL = /\p{Cc}|\p{Cs}/u;
// What a note text may not hold (signed-note): C0 controls, lone surrogates.
const NOTE_FORBIDDEN = /[\x00-\x1f]|\p{Cs}/u;
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

function malformed(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_CHECKPOINT', message, {}, cause === undefined ? undefined : { cause });
}

/** format.md §6.2: non-empty, no control character, no white space at either end. */
function originProblem(origin: string): string | undefined {
  if (origin.length === 0) return 'origin is empty';
  if (CONTROL.test(origin)) return 'origin contains a control character';
  if (EDGE_SPACE.test(origin)) return 'origin starts or ends with white space';
  return undefined;
}

/** tlog-checkpoint: extension lines are opaque but non-empty, and must fit in a note. */
function extensionProblem(line: string): string | undefined {
  if (line.length === 0) return 'extension line is empty';
  if (NOTE_FORBIDDEN.test(line)) return 'extension line contains a control character';
  return undefined;
}

/** INVALID_ARGUMENT naming the field, as docs/errors.md says (`details.field`). */
function argument(field: string, message: string): LedgerError {
  return new LedgerError('INVALID_ARGUMENT', message, { field });
}

/**
 * Formats a checkpoint body (format.md §6.2):
 * origin "\n" decimal size "\n" base64(root) "\n", then any extension lines.
 * @param cp - the checkpoint
 * @returns the note text to sign
 * @throws LedgerError INVALID_ARGUMENT naming the bad field
 * @example
 * formatCheckpoint({ origin: 'example.com/log', size: 0, root, extensions: [] });
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp === null || typeof cp !== 'object') throw argument('checkpoint', 'checkpoint: expected an object');
  const { origin, size, root, extensions } = cp;
  if (typeof origin !== 'string') throw argument('origin', 'origin: expected a string');
  const bad = originProblem(origin);
  if (bad !== undefined) throw argument('origin', `origin: ${bad}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw argument('size', 'size: expected an integer from 0 to 2^53 - 1');
  }
  if (!(root instanceof Uint8Array) || root.length !== ROOT_LENGTH) {
    throw argument('root', `root: expected ${ROOT_LENGTH} bytes`);
  }
  if (!Array.isArray(extensions)) throw argument('extensions', 'extensions: expected an array of strings');
  for (const line of extensions as unknown[]) {
    const problem = typeof line === 'string' ? extensionProblem(line) : 'expected a string';
    if (problem !== undefined) throw argument('extensions', `extensions: ${problem}`);
  }
  let body = `${origin}\n${size}\n${toBase64(root)}\n`;
  for (const line of extensions) body += `${line}\n`;
  return body;
}

/**
 * Parses a checkpoint body (the text of an opened note).
 * @param body - the note text, ending in a newline
 * @param opts - `allowExtensions` (default false)
 * @returns the checkpoint
 * @throws LedgerError MALFORMED_CHECKPOINT if the body breaks §6.2 (fewer
 *   than three lines, bad origin, size not canonical decimal or above
 *   2^53 − 1, root not strict base64 of 32 bytes, extension lines when not
 *   allowed or empty); INPUT_TOO_LARGE above the note size limit;
 *   INVALID_ARGUMENT if `body` is not a string
 */
export function parseCheckpoint(body: string, opts: CheckpointOptions = {}): Checkpoint {
  if (typeof body !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'body: expected a string');
  if (body.length > MAX_NOTE_BYTES) {
    throw new LedgerError('INPUT_TOO_LARGE', `checkpoint is larger than ${MAX_NOTE_BYTES} bytes`, { limit: MAX_NOTE_BYTES });
  }
  if (!body.endsWith('\n')) throw malformed('checkpoint does not end in a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('checkpoint has fewer than three lines');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  const problem = originProblem(origin);
  if (problem !== undefined) throw malformed(problem);
  if (!SIZE.test(sizeText)) throw malformed('tree size is not a decimal number without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw malformed('tree size is above 2^53 - 1');
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch (e) {
    throw malformed('root hash is not strict base64', e);
  }
  if (root.length !== ROOT_LENGTH) throw malformed(`root hash is ${root.length} bytes, not ${ROOT_LENGTH}`);
  const extensions = lines.slice(3);
  if (extensions.length > 0 && opts.allowExtensions !== true) throw malformed('checkpoint has extension lines');
  for (const line of extensions) {
    const bad = extensionProblem(line);
    if (bad !== undefined) throw malformed(bad);
  }
  return { origin, size, root, extensions };
}

/**
 * Opens a signed checkpoint: verifies the note (format.md §6.1), then parses
 * its text (§6.2). The text is not looked at before a known key's signature
 * verified, as signed-note requires.
 * @param note - the signed note, as a string or UTF-8 bytes
 * @param verifiers - the known keys
 * @param opts - `allowExtensions` (default false)
 * @returns the checkpoint, the note as a string, and the verifiers that signed
 * @throws LedgerError as openNote (MALFORMED_NOTE, INPUT_TOO_LARGE,
 *   INVALID_SIGNATURE, UNKNOWN_KEY) and as parseCheckpoint (MALFORMED_CHECKPOINT)
 * @example
 * const cp = openCheckpoint(note, [parseVerifierKey(vkey)]);
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  opts: CheckpointOptions = {},
): Checkpoint & { note: string; verified: NoteVerifier[] } {
  const opened = openNote(note, verifiers);
  const cp = parseCheckpoint(opened.text, opts);
  const text = typeof note === 'string' ? note : fromUtf8(note, 'MALFORMED_NOTE');
  return { ...cp, note: text, verified: opened.verified };
}

/**
 * Formats and signs a checkpoint.
 * @param cp - the checkpoint
 * @param signers - the signers (in casetrail, one key named like the origin)
 * @returns the signed note
 * @throws LedgerError as formatCheckpoint and signNote
 */
export async function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(formatCheckpoint(cp), signers);
}
