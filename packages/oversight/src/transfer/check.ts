/**
 * The auditor's check of a `clue.received` step (docs/oversight.md §10.5):
 * given the step's payload — read from the receiver's ledger, whose own
 * verification proves it is the receiver's — and the sender's verifier key
 * from outside both ledgers, is every citation true? The sender's checkpoint
 * note must open under the key with the cited size and root, every cited
 * entry's inclusion proof must lead from its leaf hash to that root, and the
 * transfer step must be one of them. Given the bundle file too, it must be
 * the one cited (its SHA-256) and hold exactly the cited entries.
 *
 * Outcomes are data: a report with coded problems, never thrown.
 */
import {
  LedgerError,
  equalBytes,
  evaluateWitnessPolicy,
  formatVerifierKey,
  openCheckpoint,
  parseVerifierKey,
  sha256,
  toHex,
  verifyInclusion,
  type ErrorCode,
  type WitnessPolicy,
} from '@casetrail/verify';
import { readTransferBundle } from './bundle.js';
import { parseClueReceipt, type ClueReceipt } from './payloads.js';

export interface ClueReceiptProblem {
  code: ErrorCode | 'COSIGNATURE_INVALID';
  message: string;
  /** The cited entry concerned, if any. */
  seq?: number;
}

export interface ClueReceiptCheck {
  ok: boolean;
  /** The citation as read (absent when the payload does not parse). */
  citation?: ClueReceipt;
  /** How many cited entries were proven in the sender's checkpoint. */
  proven: number;
  /** Whether a bundle was given and matched the citation. */
  bundleMatched?: boolean;
  problems: ClueReceiptProblem[];
}

export interface CheckClueReceiptOptions {
  /** The bundle file's bytes, to check that it is the one cited. */
  bundle?: Uint8Array;
  /** A witness policy the sender's cited checkpoint must meet. */
  witnessPolicy?: WitnessPolicy;
}

/**
 * Checks a `clue.received` payload against the sender's key.
 * @param payload - the step's payload bytes (verified against its entry by the receiver ledger's reads)
 * @param senderVkey - the sender's verifier key, from outside both ledgers
 * @throws LedgerError MALFORMED_KEY (a bad key); nothing the payload holds throws
 */
export async function checkClueReceipt(payload: Uint8Array, senderVkey: string, options: CheckClueReceiptOptions = {}): Promise<ClueReceiptCheck> {
  const key = parseVerifierKey(senderVkey);
  const problems: ClueReceiptProblem[] = [];
  let citation: ClueReceipt;
  try {
    citation = parseClueReceipt(payload);
  } catch (e) {
    return { ok: false, proven: 0, problems: [problem(e)] };
  }
  const report: ClueReceiptCheck = { ok: false, citation, proven: 0, problems };
  // 1. The sender named is the key given.
  if (citation.from.origin !== key.name || citation.from.vkey !== formatVerifierKey(key.name, key.publicKey)) {
    problems.push({ code: 'TRANSFER_WRONG_SENDER', message: `the receipt cites ${JSON.stringify(citation.from.origin)} with another key than the one given (${key.name})` });
    return report;
  }
  // 2. The cited checkpoint is the sender's, of the cited size and root.
  try {
    const cp = openCheckpoint(citation.checkpoint.note, [key]);
    if (cp.origin !== key.name || cp.size !== citation.checkpoint.size || !equalBytes(cp.root, citation.checkpoint.root)) {
      problems.push({ code: 'CHECKPOINT_INVALID', message: `the cited checkpoint note is of size ${cp.size}, root ${toHex(cp.root)}, not the cited size ${citation.checkpoint.size} and root ${toHex(citation.checkpoint.root)}` });
      return report;
    }
  } catch (e) {
    problems.push({ code: 'CHECKPOINT_INVALID', message: `the cited checkpoint does not open under the sender's key: ${(e as Error).message}` });
    return report;
  }
  if (options.witnessPolicy !== undefined) {
    const w = evaluateWitnessPolicy(citation.checkpoint.note, options.witnessPolicy);
    if (!w.ok) problems.push({ code: w.code ?? 'WITNESS_QUORUM_NOT_MET', message: `the cited checkpoint does not meet the witness policy: ${w.message ?? ''}` });
  }
  // 3. Every cited entry is in that tree, in ascending order.
  let last = -1;
  for (const e of citation.entries) {
    if (e.seq <= last) problems.push({ code: 'TRANSFER_INVALID', message: `the cited entries are not in ascending order at ${e.seq}`, seq: e.seq });
    last = Math.max(last, e.seq);
    if (e.seq >= citation.checkpoint.size || !verifyInclusion(e.leafHash, e.seq, citation.checkpoint.size, e.proof, citation.checkpoint.root)) {
      problems.push({ code: 'PROOF_INVALID', message: `entry ${e.seq} (leaf ${toHex(e.leafHash)}) is not proven in the sender's checkpoint of size ${citation.checkpoint.size}`, seq: e.seq });
    } else report.proven++;
  }
  // 4. The transfer step is one of them.
  const t = citation.transfer;
  if (!citation.entries.some((e) => e.seq === t.seq && equalBytes(e.leafHash, t.leafHash))) {
    problems.push({ code: 'TRANSFER_STEP_MISSING', message: `the cited transfer step (entry ${t.seq}) is not among the cited entries`, seq: t.seq });
  }
  // 5. Given the bundle: the one cited, holding exactly the cited entries, the case and the unit cited.
  if (options.bundle !== undefined) report.bundleMatched = await bundleMatches(options.bundle, senderVkey, citation, problems);
  report.ok = problems.length === 0;
  return report;
}

async function bundleMatches(bundle: Uint8Array, senderVkey: string, c: ClueReceipt, problems: ClueReceiptProblem[]): Promise<boolean> {
  if (!equalBytes(sha256(bundle), c.bundle)) {
    problems.push({ code: 'TRANSFER_INVALID', message: `the bundle given is not the one received (its SHA-256 is ${toHex(sha256(bundle))}, the receipt cites ${toHex(c.bundle)})` });
    return false;
  }
  try {
    const read = await readTransferBundle(bundle, senderVkey);
    const same =
      read.caseId === c.from.case &&
      read.checkpoint.size === c.checkpoint.size &&
      read.checkpoint.note === c.checkpoint.note &&
      read.transfer.seq === c.transfer.seq &&
      read.transfer.data.to === c.transfer.to &&
      read.entries.length === c.entries.length &&
      read.entries.every((e, i) => e.seq === c.entries[i]!.seq && equalBytes(e.leafHash, c.entries[i]!.leafHash));
    if (!same) problems.push({ code: 'TRANSFER_INVALID', message: 'the bundle verifies, but the receipt does not cite what it holds (case, checkpoint, entries or transfer step)' });
    return same;
  } catch (e) {
    problems.push(problem(e));
    return false;
  }
}

function problem(e: unknown): ClueReceiptProblem {
  if (e instanceof LedgerError) return { code: e.code, message: e.message };
  throw e;
}
