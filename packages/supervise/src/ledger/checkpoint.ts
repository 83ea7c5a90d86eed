/**
 * Entries read as a checkpoint's history (docs/supervision.md §13.3): a
 * caller that checked a checkpoint's signature names its size and root, and
 * what the reports read is then proven to be that tree's — every entry of a
 * replay by recomputing the root from the leaves (RFC 9162 §2.1.1), a single
 * entry read through an index by its inclusion proof from the stored nodes
 * (RFC 9162 §2.1.3). A file changed after it was verified, or rows that were
 * never the signed history, then fail with STORED_ENTRY_INVALID instead of
 * being reported on.
 */
import { MerkleAccumulator, equalBytes, inclusionProof, verifyInclusion, type ReadView } from '@casetrail/core';
import type { LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import { storedEntries } from './stored.js';

/** A checkpoint whose signature the caller checked: the size and root of its tree. */
export interface CheckpointRef {
  readonly size: number;
  readonly root: Uint8Array;
}

function notOfCheckpoint(cp: CheckpointRef, what: string, details: Record<string, unknown> = {}): never {
  throw new SupervisionError('STORED_ENTRY_INVALID', `${what} not the checkpoint of size ${cp.size}'s: the ledger changed after it was verified, or never held that history (run \`casetrail verify\`)`, { size: cp.size, ...details });
}

/** Proves that the entry `seq` whose leaf hash is `leaf` is in the checkpoint's tree, by its inclusion proof from the view's stored nodes. */
export function provenIn(view: ReadView, cp: CheckpointRef, seq: number, leaf: Uint8Array): void {
  let ok = false;
  try {
    ok = seq < cp.size && verifyInclusion(leaf, seq, cp.size, inclusionProof(view, seq, cp.size), cp.root);
  } catch {
    // stored nodes that cannot be read are a proof that fails
  }
  if (!ok) notOfCheckpoint(cp, `entry ${seq} is`, { seq });
}

/**
 * Entries 0 … size−1, each row checked (stored.ts: its bytes, its columns,
 * its chain), their root recomputed and compared with the checkpoint's once
 * the last is read — so a consumer must read to the end, as the audit does.
 */
export function* checkpointEntries(view: ReadView, origin: string, cp: CheckpointRef): Generator<LedgerEntry> {
  const acc = new MerkleAccumulator();
  for (const s of storedEntries(view, origin, 0, cp.size)) {
    acc.push(s.leaf);
    yield s.entry;
  }
  if (!equalBytes(acc.root(), cp.root)) notOfCheckpoint(cp, 'the entries read are');
}
