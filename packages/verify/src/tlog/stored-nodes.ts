/**
 * Where the Merkle nodes are stored (format.md §7), known here only: the
 * `nodes` column of row `n` holds the hashes of the nodes leaf `n`
 * completes, level 1 first, 32 bytes each; node `(level, index)` with
 * `level ≥ 1` is in row `(index+1)·2^level − 1` at byte offset
 * `32·(level − 1)`, and level 0 is the row's leaf.
 */
import { fail } from '../errors.js';
import type { PerfectNode } from './merkle-range.js';

const EMPTY = new Uint8Array(0);

/** The row (`seq`) that stores node `(level, index)`. */
export function nodeRow(level: number, index: number): number {
  return level === 0 ? index : (index + 1) * 2 ** level - 1;
}

/** The hash of the level-`level` node (≥ 1) inside a row's `nodes` blob, if present (a view, not a copy). */
export function nodeInBlob(blob: unknown, level: number): Uint8Array | undefined {
  if (!(blob instanceof Uint8Array) || blob.length < level * 32) return undefined;
  return blob.subarray((level - 1) * 32, level * 32);
}

/**
 * The `nodes` blob of a leaf from the nodes it completes, as
 * `MerkleAccumulator.push` returns them (lowest level first).
 */
export function nodesBlob(completed: readonly Pick<PerfectNode, 'level' | 'hash'>[]): Uint8Array {
  if (completed.length === 0) return EMPTY;
  const out = new Uint8Array(completed.length * 32);
  for (const [i, n] of completed.entries()) {
    if (n.level !== i + 1) fail('STORAGE_ERROR', 'Merkle nodes completed out of level order');
    out.set(n.hash, i * 32);
  }
  return out;
}
