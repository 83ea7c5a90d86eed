/**
 * Inclusion proof files in the c2sp.org/tlog-proof@v1 format; format.md §9.1.
 *
 * casetrail puts the entry bytes in the `extra` line, so that any RFC 9162
 * verifier computes the leaf hash as SHA-256(0x00 ‖ extra) and checks it
 * against the checkpoint embedded in the file; nothing but the verifier key
 * is needed.
 *
 * Limits, enforced before parsing:
 * - a file is at most {@link MAX_TLOG_PROOF_BYTES} of UTF-8 (`INPUT_TOO_LARGE`);
 * - at most {@link MAX_TLOG_PROOF_HASHES} proof lines, the length of an audit
 *   path in a tree of 2^64 leaves (`MALFORMED_PROOF`);
 * - the index is at most 2^53 − 1, as for tree sizes in checkpoint.ts
 *   (tlog-proof allows any uint64; no casetrail ledger gets near it).
 */
import { checkBytes, checkBytesArray, checkHash, checkNat, checkObject } from '../args.js';
import { fromBase64, toBase64, utf8Length } from '../bytes.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeEntry, MAX_ENTRY_BYTES, type Entry } from '../entry/entry.js';
import { LedgerError } from '../errors.js';
import { leafHash as computeLeafHash } from './merkle-hash.js';
import { verifyInclusion } from './merkle-proof.js';
import { parseVerifierKey, type NoteVerifier } from './note-keys.js';
import { MAX_NOTE_BYTES } from './note.js';
import { ProofLines, malformedProof, parseProofDecimal, proofText } from './proof-text.js';

/** The first line of every tlog-proof file. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** Most proof lines a file may hold. */
export const MAX_TLOG_PROOF_HASHES = 64;
/** Largest `extra` accepted, in bytes (decoded). */
export const MAX_TLOG_PROOF_EXTRA_BYTES = 65_536;
/** Largest file accepted or produced, in UTF-8 bytes: a full note, the largest extra and proof. */
export const MAX_TLOG_PROOF_BYTES = MAX_NOTE_BYTES + 131_072;

const HASH_LENGTH = 32;

/** The parts of a tlog-proof file. */
export interface TlogProof {
  /** Zero-based index of the entry in the log. */
  index: number;
  /** The RFC 9162 audit path, from the leaf's sibling up to the root's child. */
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim (it ends in a newline). */
  checkpoint: string;
  /** Opaque extra data; in casetrail, the entry bytes. Omitted when absent. */
  extra?: Uint8Array;
}

/** What {@link verifyTlogProof} established. */
export interface VerifiedTlogProof {
  index: number;
  /** The leaf hash that was proven. */
  leafHash: Uint8Array;
  proof: Uint8Array[];
  extra?: Uint8Array;
  /** The checkpoint, opened under the caller's keys. */
  checkpoint: Checkpoint & { note: string; verified: NoteVerifier[] };
}

/** What {@link verifyEntryProof} established: a casetrail entry at its position. */
export interface VerifiedEntryProof extends VerifiedTlogProof {
  /** The entry bytes (the `extra` line). */
  entryBytes: Uint8Array;
  entry: Entry;
}

const malformed = malformedProof;

function tooLarge(size: number): LedgerError {
  return new LedgerError('INPUT_TOO_LARGE', `proof file is larger than ${MAX_TLOG_PROOF_BYTES} bytes`, {
    limit: MAX_TLOG_PROOF_BYTES,
    size,
  });
}

/**
 * Formats a tlog-proof file (c2sp.org/tlog-proof@v1 "Format"): the header
 * line, an `extra` line when extra data is given and non-empty, the `index`
 * line, one base64 line per proof hash, an empty line, then the checkpoint.
 * @param p - the proof; `checkpoint` must be a signed note ending in `\n`
 * @returns the file text
 * @throws LedgerError INVALID_ARGUMENT naming the bad field; INPUT_TOO_LARGE
 *   if the file would exceed {@link MAX_TLOG_PROOF_BYTES}
 * @example
 * formatTlogProof({ index: 3, proof, checkpoint: note, extra: entryBytes });
 */
export function formatTlogProof(p: TlogProof): string {
  checkObject(p, 'proof');
  checkNat(p.index, 'index');
  checkBytesArray(p.proof, 'proof', HASH_LENGTH, MAX_TLOG_PROOF_HASHES);
  if (typeof p.checkpoint !== 'string' || !p.checkpoint.endsWith('\n') || p.checkpoint.length === 1) {
    throw new LedgerError('INVALID_ARGUMENT', 'checkpoint: expected a signed note ending in a newline');
  }
  if (p.extra !== undefined) {
    checkBytes(p.extra, 'extra');
    if (p.extra.length > MAX_TLOG_PROOF_EXTRA_BYTES) {
      throw new LedgerError('INVALID_ARGUMENT', `extra: at most ${MAX_TLOG_PROOF_EXTRA_BYTES} bytes`);
    }
  }
  let out = `${TLOG_PROOF_HEADER}\n`;
  if (p.extra !== undefined && p.extra.length > 0) out += `extra ${toBase64(p.extra)}\n`;
  out += `index ${p.index}\n`;
  for (const h of p.proof) out += `${toBase64(h)}\n`;
  out += `\n${p.checkpoint}`;
  // The limit is in UTF-8 bytes, as the file is read (a checkpoint's origin or key names may be non-ASCII).
  const size = utf8Length(out);
  if (size > MAX_TLOG_PROOF_BYTES) throw tooLarge(size);
  return out;
}

/**
 * Parses a tlog-proof file strictly. The checkpoint is returned verbatim and
 * not yet verified: use {@link verifyTlogProof}.
 *
 * Strict rules beyond the spec's MUSTs: an `extra` line with no data is
 * refused (a writer omits the line), base64 is strict (format.md §6.1), every
 * proof hash is 32 bytes, and no line holds a carriage return.
 * @param input - the file, as a string or UTF-8 bytes (attacker-controlled)
 * @returns the parsed proof
 * @throws LedgerError MALFORMED_PROOF naming the broken line; INPUT_TOO_LARGE
 *   above {@link MAX_TLOG_PROOF_BYTES}; INVALID_ARGUMENT for a non-string
 */
export function parseTlogProof(input: string | Uint8Array): TlogProof {
  const lines = new ProofLines(proofText(input, MAX_TLOG_PROOF_BYTES, 'proof file'), 'proof file');
  if (lines.next('header line') !== TLOG_PROOF_HEADER) throw malformed(`the first line is not ${TLOG_PROOF_HEADER}`);
  let line = lines.next('index line');
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    const b64 = line.slice(6);
    if (b64.length === 0) throw malformed('the extra line holds no data');
    if (b64.length > Math.ceil(MAX_TLOG_PROOF_EXTRA_BYTES / 3) * 4) throw malformed(`extra data is longer than ${MAX_TLOG_PROOF_EXTRA_BYTES} bytes`);
    try {
      extra = fromBase64(b64);
    } catch (e) {
      throw malformed('the extra line is not strict base64', e);
    }
    // The length check above bounds the work; up to 2 bytes more than the limit encode to as many characters.
    if (extra.length > MAX_TLOG_PROOF_EXTRA_BYTES) throw malformed(`extra data is longer than ${MAX_TLOG_PROOF_EXTRA_BYTES} bytes`);
    line = lines.next('index line');
  }
  if (!line.startsWith('index ')) throw malformed('expected the index line "index <n>"');
  const index = parseProofDecimal(line.slice(6), 'index');
  const proof = lines.hashes(MAX_TLOG_PROOF_HASHES);
  const checkpoint = lines.rest();
  if (checkpoint.length === 0) throw malformed('the checkpoint is missing');
  return extra === undefined ? { index, proof, checkpoint } : { index, proof, checkpoint, extra };
}

/**
 * Verifies a tlog-proof file offline: the checkpoint is a note signed by one
 * of `verifiers` (format.md §6.1) with a valid body (§6.2), and the audit
 * path proves the leaf at `index` in that tree (RFC 9162 §2.1.3.2).
 *
 * The leaf hash is `opts.leafHash` if given, otherwise SHA-256(0x00 ‖ extra).
 * The checkpoint origin must be `opts.origin` if given, otherwise the name of
 * a key that signed it (casetrail's rule, format.md §6.2).
 * @param input - the file (string or UTF-8 bytes) or an already parsed proof
 * @param verifiers - the trusted keys
 * @param opts - `leafHash`, `origin`
 * @returns the proven index, leaf hash and opened checkpoint
 * @throws LedgerError MALFORMED_PROOF / INPUT_TOO_LARGE (as parseTlogProof,
 *   or no extra line and no leaf hash); MALFORMED_NOTE, INVALID_SIGNATURE,
 *   UNKNOWN_KEY, MALFORMED_CHECKPOINT (the checkpoint, or an origin that is
 *   not the expected one); PROOF_INVALID (index outside the tree, or the path
 *   does not lead to the root)
 * @example
 * const { index, checkpoint } = verifyTlogProof(text, [parseVerifierKey(vkey)]);
 */
export function verifyTlogProof(
  input: string | Uint8Array | TlogProof,
  verifiers: readonly NoteVerifier[],
  opts: { leafHash?: Uint8Array; origin?: string } = {},
): VerifiedTlogProof {
  const p = typeof input === 'string' || input instanceof Uint8Array ? parseTlogProof(input) : input;
  if (p === null || typeof p !== 'object') throw new LedgerError('INVALID_ARGUMENT', 'input: expected a proof file or a TlogProof');
  if (opts.leafHash !== undefined) checkHash(opts.leafHash, 'opts.leafHash');
  const cp = openCheckpoint(p.checkpoint, verifiers);
  const origin = opts.origin;
  if (origin !== undefined ? cp.origin !== origin : !cp.verified.some((v) => v.name === cp.origin)) {
    throw new LedgerError('MALFORMED_CHECKPOINT', `the checkpoint is for origin ${JSON.stringify(cp.origin)}, not ${JSON.stringify(origin ?? cp.verified[0]?.name)}`, {
      origin: cp.origin,
    });
  }
  let leaf: Uint8Array;
  if (opts.leafHash !== undefined) leaf = opts.leafHash;
  else if (p.extra !== undefined) leaf = computeLeafHash(p.extra);
  else throw malformed('the proof has no extra line to hash and no leaf hash was given');
  if (p.index >= cp.size) {
    throw new LedgerError('PROOF_INVALID', `index ${p.index} is outside the checkpoint's tree of ${cp.size} entries`, { index: p.index, size: cp.size });
  }
  if (!verifyInclusion(leaf, p.index, cp.size, p.proof, cp.root)) {
    throw new LedgerError('PROOF_INVALID', `the inclusion proof does not lead from leaf ${p.index} to the root of the checkpoint of size ${cp.size}`, {
      index: p.index,
      size: cp.size,
    });
  }
  const out: VerifiedTlogProof = { index: p.index, leafHash: leaf, proof: p.proof, checkpoint: cp };
  if (p.extra !== undefined) out.extra = p.extra;
  return out;
}

/**
 * Verifies a casetrail entry proof: {@link verifyTlogProof} with the leaf
 * hash taken from the `extra` line, then decodes that line as the entry
 * (format.md §4.1) and checks that the entry's `seq` is the proven index.
 * The bytes are decoded only after the proof authenticated them.
 * @param input - the file (string or UTF-8 bytes) or an already parsed proof
 * @param vkey - the ledger's verifier key (string or parsed)
 * @returns the proven entry, its bytes, and the opened checkpoint
 * @throws LedgerError as verifyTlogProof; MALFORMED_KEY for a bad vkey;
 *   MALFORMED_PROOF if there is no extra line or it is longer than an entry;
 *   MALFORMED_ENTRY / NON_CANONICAL_CBOR / MALFORMED_CBOR /
 *   UNSUPPORTED_VERSION if the extra data is not an entry; PROOF_INVALID if
 *   the entry's seq is not the index
 */
export function verifyEntryProof(input: string | Uint8Array | TlogProof, vkey: string | NoteVerifier): VerifiedEntryProof {
  const verifier = typeof vkey === 'string' ? parseVerifierKey(vkey.trim()) : vkey;
  const p = typeof input === 'string' || input instanceof Uint8Array ? parseTlogProof(input) : input;
  if (p?.extra === undefined) throw malformed('the proof has no extra line: a casetrail proof carries the entry bytes there');
  if (p.extra.length > MAX_ENTRY_BYTES) throw malformed(`the extra data is ${p.extra.length} bytes, longer than an entry (${MAX_ENTRY_BYTES})`);
  const verified = verifyTlogProof(p, [verifier], { origin: verifier.name });
  const entry = decodeEntry(p.extra);
  if (entry.seq !== p.index) {
    throw new LedgerError('PROOF_INVALID', `the entry says it is entry ${entry.seq} but the proof places it at index ${p.index}`, {
      index: p.index,
      seq: entry.seq,
    });
  }
  return { ...verified, entryBytes: p.extra, entry };
}
