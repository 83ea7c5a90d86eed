/**
 * The tree addressing of RFC 9162 §2.1 over stored perfect subtrees
 * (format.md §5, §7): `(level, index)` names the perfect subtree of height
 * `level` covering leaves `index·2^level … (index+1)·2^level − 1`; level 0
 * is a leaf hash. Compact ranges, roots from stored nodes, and the
 * append-only accumulator. Every root costs O(log n) reads.
 */
import { checkHash, checkNat } from '../args.js';
import { fail } from '../errors.js';
import { copyBytes, EMPTY_ROOT, HASH_LEN, hashChildren } from './merkle-hash.js';

/** A perfect subtree `(level, index)` and its hash: one row of the `nodes` table (format §7). */
export interface PerfectNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/**
 * Synchronous access to stored perfect-subtree hashes (format §7): level 0
 * is `entries.leaf`, levels ≥ 1 the `nodes` table.
 *
 * Every function of this module that takes a reader asks only for nodes that
 * are complete within the tree size it was given, asks for each node at most
 * once per call, and makes O(log n) calls.
 */
export interface NodeReader {
  /**
   * @returns the 32-byte hash of the perfect subtree `(level, index)`.
   * @throws whatever the store throws for a missing node (a LedgerError).
   */
  node(level: number, index: number): Uint8Array;
}

/**
 * The perfect subtrees whose hashes make up the first `size` leaves (the
 * "compact range" from leaf 0), largest first: one per 1-bit of `size`.
 * Incremental verification (format §8) reads exactly these nodes.
 *
 * @throws LedgerError INVALID_ARGUMENT if `size` is not a safe non-negative integer.
 * @example perfectNodesOf(6) // [{ level: 2, index: 0 }, { level: 1, index: 2 }]
 */
export function perfectNodesOf(size: number): Array<{ level: number; index: number }> {
  checkNat(size, 'size');
  const out: Array<{ level: number; index: number }> = [];
  let covered = 0;
  for (let level = bitLength(size) - 1; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      out.push({ level, index: covered / width });
      covered += width;
    }
  }
  return out;
}

/**
 * Root of the first `size` leaves of the stored tree, from popcount(size)
 * reads.
 *
 * @returns the root; a copy of EMPTY_ROOT for size 0.
 * @throws LedgerError INVALID_ARGUMENT for a bad `reader` or `size`;
 *   STORAGE_ERROR if the reader returns something other than 32 bytes;
 *   whatever the reader throws.
 */
export function rootAt(reader: NodeReader, size: number): Uint8Array {
  checkReader(reader);
  checkNat(size, 'size');
  if (size === 0) return copyBytes(EMPTY_ROOT);
  return rangeRoot(reader, 0, size);
}

/**
 * `MTH` (RFC 9162 §2.1.1) over a list of leaf hashes, in O(n) hashes and
 * O(log n) memory.
 *
 * @param leafHashes - 32-byte leaf hashes in leaf order.
 * @returns the root; a copy of EMPTY_ROOT for an empty list.
 * @throws LedgerError INVALID_ARGUMENT if an item is not a 32-byte Uint8Array.
 */
export function rootFromLeaves(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(leafHashes)) fail('INVALID_ARGUMENT', 'leafHashes must be an array of 32-byte Uint8Array');
  const peaks: Uint8Array[] = [];
  for (let i = 0; i < leafHashes.length; i++) appendLeaf(peaks, i, checkedHash(leafHashes[i], `leafHashes[${i}]`), undefined);
  return foldPeaks(peaks);
}

/**
 * Append-only Merkle accumulator: the compact range `[0, size)` held as its
 * perfect-subtree hashes ("peaks"), largest first. Appending costs one node
 * hash per completed node (fewer than one on average) and no reads.
 *
 * Hashes passed in or returned are shared with the accumulator only where
 * stated; `peaks()` and `root()` return fresh arrays.
 *
 * @example
 * const acc = MerkleAccumulator.fromReader(reader, size);
 * const completed = acc.push(leafHash(entryBytes)); // the store keeps these beside the leaf
 */
export class MerkleAccumulator {
  #size: number;
  readonly #peaks: Uint8Array[];

  /**
   * @param size - number of leaves already accumulated.
   * @param peaks - hashes of the nodes `perfectNodesOf(size)`, largest first.
   * @throws LedgerError INVALID_ARGUMENT if `size` is not a safe non-negative
   *   integer or `peaks` is not popcount(size) 32-byte Uint8Arrays.
   */
  constructor(size = 0, peaks: Uint8Array[] = []) {
    checkNat(size, 'size');
    if (!Array.isArray(peaks)) fail('INVALID_ARGUMENT', 'peaks must be an array of 32-byte Uint8Array');
    const expected = popcount(size);
    if (peaks.length !== expected) {
      fail('INVALID_ARGUMENT', `peaks must hold ${expected} hashes for size ${size}, got ${peaks.length}`);
    }
    this.#size = size;
    this.#peaks = peaks.map((p, i) => copyBytes(checkedHash(p, `peaks[${i}]`)));
  }

  /**
   * Loads the compact range of the first `size` stored leaves
   * (popcount(size) reads).
   *
   * @throws as `rootAt`.
   */
  static fromReader(reader: NodeReader, size: number): MerkleAccumulator {
    checkReader(reader);
    const peaks = perfectNodesOf(size).map(({ level, index }) => readNode(reader, level, index));
    return new MerkleAccumulator(size, peaks);
  }

  /** Number of leaves accumulated. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends one leaf hash (leaf number `size`).
   *
   * @param leaf - the 32-byte leaf hash; copied if kept.
   * @returns the perfect nodes of level ≥ 1 that this leaf completes, lowest
   *   first — one per trailing 1-bit of the old size (format §7). Their
   *   `hash` arrays may be kept by the accumulator: do not mutate them.
   * @throws LedgerError INVALID_ARGUMENT if `leaf` is not a 32-byte
   *   Uint8Array or the size would pass 2^53 − 1.
   */
  push(leaf: Uint8Array): PerfectNode[] {
    checkedHash(leaf, 'leaf');
    if (this.#size >= Number.MAX_SAFE_INTEGER) fail('INVALID_ARGUMENT', 'tree size would exceed 2^53 - 1');
    const completed: PerfectNode[] = [];
    appendLeaf(this.#peaks, this.#size, leaf, completed);
    this.#size++;
    return completed;
  }

  /**
   * @returns the root `MTH` of the accumulated leaves (popcount(size) − 1
   *   hashes); a copy of EMPTY_ROOT when empty.
   */
  root(): Uint8Array {
    return foldPeaks(this.#peaks);
  }

  /** @returns copies of the peak hashes, largest first (see `perfectNodesOf`). */
  peaks(): Uint8Array[] {
    return this.#peaks.map(copyBytes);
  }
}

// ---------------------------------------------------------------------------
// Internals shared with merkle-proof.ts

/**
 * Adds leaf number `position` to the compact range `peaks` (largest first):
 * each trailing 1-bit of `position` is a left sibling that is now complete
 * with the new right part, so it is merged and popped.
 */
function appendLeaf(peaks: Uint8Array[], position: number, leaf: Uint8Array, sink: PerfectNode[] | undefined): void {
  let hash = leaf;
  let index = position;
  let level = 0;
  while (index % 2 === 1) {
    hash = hashChildren(peaks.pop()!, hash);
    level++;
    index = (index - 1) / 2;
    if (sink !== undefined) sink.push({ level, index, hash });
  }
  peaks.push(level === 0 ? copyBytes(leaf) : hash);
}

/** MTH of a compact range from its peaks (largest first): right to left. */
function foldPeaks(peaks: readonly Uint8Array[]): Uint8Array {
  if (peaks.length === 0) return copyBytes(EMPTY_ROOT);
  let r = peaks[peaks.length - 1]!;
  if (peaks.length === 1) return copyBytes(r);
  for (let i = peaks.length - 2; i >= 0; i--) r = hashChildren(peaks[i]!, r);
  return r;
}

/**
 * MTH of leaves [lo, lo + n) for n ≥ 1, where lo is a multiple of the largest
 * power of two ≤ n (true for every subtree RFC 9162 splits off), so the
 * range is a run of stored perfect nodes.
 */
export function rangeRoot(reader: NodeReader, lo: number, n: number): Uint8Array {
  const peaks: Uint8Array[] = [];
  let offset = lo;
  for (let level = bitLength(n) - 1; level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(n / width) % 2 === 1) {
      peaks.push(readNode(reader, level, offset / width));
      offset += width;
    }
  }
  return foldPeaks(peaks);
}

/**
 * Reads one node. Stored bytes are attacker-controlled: anything but 32 bytes
 * is reported as STORAGE_ERROR rather than hashed into a root. A subclass such
 * as Node's Buffer is copied into a plain Uint8Array, so proofs hold only
 * plain arrays that share no memory with the store.
 */
export function readNode(reader: NodeReader, level: number, index: number): Uint8Array {
  const h = reader.node(level, index);
  if (!(h instanceof Uint8Array) || h.length !== HASH_LEN) {
    fail('STORAGE_ERROR', `stored node (${level}, ${index}) is not a 32-byte hash`, { level, index });
  }
  return h.constructor === Uint8Array ? h : copyBytes(h);
}

/** Bits needed to write x (0 ≤ x ≤ 2^53); 0 for 0. */
export function bitLength(x: number): number {
  if (x < 0x1_0000_0000) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / 0x1_0000_0000));
}

/** Number of 1-bits of x (0 ≤ x ≤ 2^53). */
function popcount(x: number): number {
  return popcount32(x % 0x1_0000_0000) + popcount32(Math.floor(x / 0x1_0000_0000));
}

function popcount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** A reader argument: an object with a node(level, index) method. */
export function checkReader(v: unknown): asserts v is NodeReader {
  if (typeof v !== 'object' || v === null || typeof (v as { node?: unknown }).node !== 'function') {
    fail('INVALID_ARGUMENT', 'reader must be an object with a node(level, index) method', { field: 'reader' });
  }
}

function checkedHash(v: unknown, name: string): Uint8Array {
  checkHash(v, name);
  return v;
}
