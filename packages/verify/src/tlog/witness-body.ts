/**
 * The request body of the c2sp.org/tlog-witness `add-checkpoint` call, which
 * carries a consistency proof to a new signed checkpoint; format.md §9.2.
 *
 *     "old " decimal old size "\n"
 *     base64(hash) "\n"            (0 to 63 lines: the RFC 9162 consistency proof)
 *     "\n"
 *     the signed checkpoint note
 *
 * Limits, enforced before parsing: at most {@link MAX_WITNESS_BODY_BYTES}
 * (`INPUT_TOO_LARGE`) and {@link MAX_WITNESS_PROOF_LINES} proof lines
 * (tlog-witness: "The client MUST NOT send more than 63"). Sizes above
 * 2^53 − 1 are refused as in checkpoint.ts.
 */
import { checkBytesArray, checkHash, checkNat, checkObject } from '../args.js';
import { equalBytes, toBase64, utf8Length } from '../bytes.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { LedgerError } from '../errors.js';
import { verifyConsistency } from './merkle-proof.js';
import type { NoteVerifier } from './note-keys.js';
import { MAX_NOTE_BYTES } from './note.js';
import { ProofLines, malformedProof, parseProofDecimal, proofText } from './proof-text.js';

/** Most consistency proof lines a body may hold (c2sp.org/tlog-witness). */
export const MAX_WITNESS_PROOF_LINES = 63;
/** Largest body accepted or produced, in UTF-8 bytes. */
export const MAX_WITNESS_BODY_BYTES = MAX_NOTE_BYTES + 4096;

const HASH_LENGTH = 32;

/** The parts of an add-checkpoint request body. */
export interface WitnessBody {
  /** Size of the checkpoint the proof starts from (0: none). */
  oldSize: number;
  /** RFC 9162 consistency proof from oldSize to the checkpoint's size. */
  proof: Uint8Array[];
  /** The new signed checkpoint note, verbatim. */
  checkpoint: string;
}

/** A parsed body, with the origin it claims (its checkpoint's first line, not yet authenticated). */
export interface ParsedWitnessBody extends WitnessBody {
  /** Unauthenticated: a witness uses it only to pick the keys to verify with. */
  claimedOrigin: string;
}

/** The checkpoint a verified body carries, and what it was proven consistent with. */
export type VerifiedWitnessBody = Checkpoint & {
  note: string;
  verified: NoteVerifier[];
  oldSize: number;
  proof: Uint8Array[];
};

const malformed = malformedProof;

/**
 * Formats an add-checkpoint request body.
 * @param body - old size, proof hashes, and the new signed checkpoint note
 * @returns the body text
 * @throws LedgerError INVALID_ARGUMENT naming the bad field; INPUT_TOO_LARGE
 *   above {@link MAX_WITNESS_BODY_BYTES}
 * @example
 * formatWitnessBody({ oldSize: 5, proof, checkpoint: note });
 */
export function formatWitnessBody(body: WitnessBody): string {
  checkObject(body, 'body');
  const { oldSize, proof, checkpoint } = body;
  checkNat(oldSize, 'oldSize');
  checkBytesArray(proof, 'proof', HASH_LENGTH, MAX_WITNESS_PROOF_LINES);
  if (oldSize === 0 && proof.length > 0) throw new LedgerError('INVALID_ARGUMENT', 'proof: must be empty when oldSize is 0');
  if (typeof checkpoint !== 'string' || !checkpoint.endsWith('\n') || checkpoint.length === 1) {
    throw new LedgerError('INVALID_ARGUMENT', 'checkpoint: expected a signed note ending in a newline');
  }
  let out = `old ${oldSize}\n`;
  for (const h of proof) out += `${toBase64(h)}\n`;
  out += `\n${checkpoint}`;
  // The limit is in UTF-8 bytes, as the file is read (a checkpoint's origin or key names may be non-ASCII).
  if (utf8Length(out) > MAX_WITNESS_BODY_BYTES) {
    throw new LedgerError('INPUT_TOO_LARGE', `body is larger than ${MAX_WITNESS_BODY_BYTES} bytes`, { limit: MAX_WITNESS_BODY_BYTES });
  }
  return out;
}

/**
 * Parses an add-checkpoint request body strictly; nothing is verified.
 * @param input - the body, as a string or UTF-8 bytes (attacker-controlled)
 * @returns old size, proof hashes, the checkpoint note verbatim, and the
 *   origin its first line claims
 * @throws LedgerError MALFORMED_PROOF naming the broken line (including more
 *   than {@link MAX_WITNESS_PROOF_LINES} proof lines or a hash that is not 32
 *   bytes of strict base64); INPUT_TOO_LARGE; INVALID_ARGUMENT for a
 *   non-string
 */
export function parseWitnessBody(input: string | Uint8Array): ParsedWitnessBody {
  const lines = new ProofLines(proofText(input, MAX_WITNESS_BODY_BYTES, 'body'), 'body');
  const first = lines.next('old size line');
  if (!first.startsWith('old ')) throw malformed('expected the old size line "old <size>"');
  const oldSize = parseProofDecimal(first.slice(4), 'old size');
  const proof = lines.hashes(MAX_WITNESS_PROOF_LINES);
  const checkpoint = lines.rest();
  const originEnd = checkpoint.indexOf('\n');
  if (originEnd <= 0) throw malformed('the checkpoint is missing or has no origin line');
  return { oldSize, proof, checkpoint, claimedOrigin: checkpoint.slice(0, originEnd) };
}

/**
 * Verifies an add-checkpoint body as a witness does (c2sp.org/tlog-witness),
 * in the witness's order, each failure with its own code:
 *
 * 1. the checkpoint is signed by a trusted key (format.md §6.1) and parses
 *    (§6.2) — note codes; a witness answers 403;
 * 2. the old size is at most the checkpoint size — MALFORMED_PROOF (400);
 * 3. given `old`, the old size equals `old.size` — INCONSISTENT (409,
 *    `details.expectedOldSize`);
 * 4. old size 0: the proof is empty — PROOF_INVALID (422), and the root is
 *    not compared with anything;
 * 5. old size equal to the new size: the proof is empty (PROOF_INVALID) and
 *    the roots are equal — INCONSISTENT (409);
 * 6. otherwise the RFC 9162 §2.1.4.2 check from `old.root` — PROOF_INVALID (422).
 *
 * @param input - the body (string, UTF-8 bytes, or parsed)
 * @param verifiers - keys trusted for the checkpoint's origin
 * @param old - the latest checkpoint the caller trusts for this log (size
 *   and root); required when the body's old size is not 0
 * @returns the new checkpoint, now proven to extend `old`
 * @throws LedgerError as listed; MALFORMED_PROOF / INPUT_TOO_LARGE as
 *   parseWitnessBody; INVALID_ARGUMENT if `old` is missing but needed, or
 *   malformed
 */
export function verifyWitnessBody(
  input: string | Uint8Array | WitnessBody,
  verifiers: readonly NoteVerifier[],
  old?: { size: number; root: Uint8Array },
): VerifiedWitnessBody {
  const body = typeof input === 'string' || input instanceof Uint8Array ? parseWitnessBody(input) : input;
  if (body === null || typeof body !== 'object') throw new LedgerError('INVALID_ARGUMENT', 'input: expected a body or a WitnessBody');
  if (old !== undefined) {
    checkObject(old, 'old');
    checkNat(old.size, 'old.size');
    checkHash(old.root, 'old.root');
  }
  const cp = openCheckpoint(body.checkpoint, verifiers);
  const { oldSize, proof } = body;
  const result: VerifiedWitnessBody = { ...cp, oldSize, proof };
  if (oldSize > cp.size) {
    throw malformed(`the old size ${oldSize} is larger than the checkpoint size ${cp.size}`);
  }
  if (old !== undefined && old.size !== oldSize) {
    throw new LedgerError('INCONSISTENT', `the proof starts at size ${oldSize} but the trusted checkpoint has size ${old.size}`, {
      expectedOldSize: old.size,
    });
  }
  if (oldSize === 0) {
    if (proof.length > 0) throw new LedgerError('PROOF_INVALID', 'a consistency proof from size 0 must be empty');
    return result;
  }
  if (old === undefined) {
    throw new LedgerError('INVALID_ARGUMENT', `old: the root of the checkpoint of size ${oldSize} is needed to check the proof`);
  }
  if (oldSize === cp.size) {
    if (proof.length > 0) throw new LedgerError('PROOF_INVALID', 'a consistency proof between equal sizes must be empty');
    if (!equalBytes(old.root, cp.root)) {
      throw new LedgerError('INCONSISTENT', `two different roots for size ${oldSize}: the log forked`, { size: oldSize });
    }
    return result;
  }
  if (!verifyConsistency(oldSize, cp.size, old.root, cp.root, proof)) {
    throw new LedgerError('PROOF_INVALID', `the consistency proof from size ${oldSize} to ${cp.size} does not verify`, {
      oldSize,
      newSize: cp.size,
    });
  }
  return result;
}
