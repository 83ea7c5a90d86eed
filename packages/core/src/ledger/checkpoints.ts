/**
 * Checkpoints of the ledger: signing one (the one path for appends and
 * `checkpoint()`), reading them back with their cosignatures, and attaching
 * a witness's cosignature to a stored one (format.md §6, §7.1).
 *
 * SIGNER_FAILED has one meaning wherever a checkpoint is signed: the signer
 * threw, returned something other than signature bytes, or its checkpoint
 * could not be stored; entries written by the same call ARE committed (do
 * not append them again), and the checkpoint is signed by the next append
 * or `checkpoint()`.
 */
import {
  LedgerError,
  formatCheckpoint,
  formatSignatureLine,
  openCosignature,
  parseCosignatureLine,
  parseCosignatureVerifierKey,
  utf8,
  type CosignatureVerifier,
  type NoteSigner,
} from '@casetrail/verify';
import type { CheckpointRow, ReadView, WriteTx } from '../store/store.js';
import type { SignedCheckpoint } from './types.js';

/** Most cosignatures one checkpoint keeps: with the log's own line, a note holds at most 100 (format.md §6.1). */
export const MAX_COSIGNATURES = 99;

/** The body of the checkpoint of `size` with root `root` (format.md §6.2; v1 writes no extension lines). */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return formatCheckpoint({ origin, size, root, extensions: [] });
}

/** A failure of the signer (or of what must follow its signature) as SIGNER_FAILED. */
export function signerFailed(signer: NoteSigner, size: number, e: unknown): LedgerError {
  if (e instanceof LedgerError && e.code === 'SIGNER_FAILED') return e;
  return new LedgerError(
    'SIGNER_FAILED',
    `the checkpoint of size ${size} could not be signed by ${signer.name}: ${(e as Error)?.message ?? String(e)}`,
    { size, ...(e instanceof LedgerError ? { causeCode: e.code } : {}) },
    { cause: e },
  );
}

function checkSignature(signer: NoteSigner, size: number, sig: unknown): Uint8Array {
  if (!(sig instanceof Uint8Array) || sig.length === 0) throw signerFailed(signer, size, new Error('the signer returned no signature bytes'));
  return sig;
}

/**
 * Signs a checkpoint body: synchronously when the signer is synchronous
 * (so that the checkpoint is stored in the append transaction), else a
 * Promise. Every failure is SIGNER_FAILED, thrown or rejected.
 */
export function signBody(signer: NoteSigner, size: number, body: string): Uint8Array | Promise<Uint8Array> {
  let sig: unknown;
  try {
    sig = signer.sign(utf8(body));
  } catch (e) {
    throw signerFailed(signer, size, e);
  }
  if (sig instanceof Promise) {
    return sig.then(
      (s) => checkSignature(signer, size, s),
      (e) => {
        throw signerFailed(signer, size, e);
      },
    );
  }
  return checkSignature(signer, size, sig);
}

/** The checkpoint note: its body, a blank line, and the ledger key's signature line (format.md §6.1). */
export function noteWithSignature(body: string, signer: NoteSigner, signature: Uint8Array): string {
  return `${body}\n${formatSignatureLine(signer.name, signer.keyId, signature)}`;
}

/**
 * A stored checkpoint as the API returns it: the note as the log signed it,
 * byte for byte, with the cosignature lines attached since appended to its
 * signature block in the order they were stored.
 */
export function signedCheckpoint(view: ReadView, origin: string, row: CheckpointRow): SignedCheckpoint {
  const cosignatures = view.cosignatures(row.size);
  return { origin, size: row.size, root: Uint8Array.from(row.root), note: row.note + cosignatures.join(''), cosignatures };
}

/**
 * Checks a witness's cosignature line for the stored checkpoint of `size`
 * and stores it (format.md §7.1): it must be a c2sp.org/tlog-cosignature
 * line by `witness` over that checkpoint's text. Storing the same line
 * twice keeps one.
 * @returns the cosignature's timestamp (seconds since the epoch)
 * @throws NOT_FOUND (no checkpoint of that size), MALFORMED_NOTE (not a
 *   cosignature line), MALFORMED_KEY (witness), UNKNOWN_KEY (a line by
 *   another key), INVALID_SIGNATURE, INVALID_ARGUMENT (more than 99)
 */
export function attachCosignature(tx: WriteTx, size: number, line: string, witness: string | CosignatureVerifier): bigint {
  const w = typeof witness === 'string' ? parseCosignatureVerifierKey(witness.trim()) : witness;
  const row = tx.checkpointAt(size);
  if (row === undefined) throw new LedgerError('NOT_FOUND', `there is no stored checkpoint of size ${size}`, { size });
  const parsed = parseCosignatureLine(line);
  const { timestamp } = openCosignature(row.note, parsed.line, [w]);
  const stored = tx.cosignatures(size);
  if (!stored.includes(parsed.line) && stored.length >= MAX_COSIGNATURES) {
    throw new LedgerError('INVALID_ARGUMENT', `the checkpoint of size ${size} already holds ${MAX_COSIGNATURES} cosignatures`, { size });
  }
  tx.insertCosignature(size, parsed.line);
  return timestamp;
}
