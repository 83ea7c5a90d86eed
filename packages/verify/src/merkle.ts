/**
 * RFC 9162 §2.1 Merkle tree: hashing, roots, inclusion and consistency
 * proofs (generation and verification), and an append-only accumulator.
 * Format: docs/format.md §5; node storage: §7 (`nodes` table).
 *
 * Pure module: no Node-only imports, so it also runs in a browser.
 *
 * Tree addressing used throughout: `(level, index)` names the perfect subtree
 * of height `level` covering leaves `index·2^level … (index+1)·2^level − 1`;
 * level 0 is a leaf hash. Proof generation reads only such perfect nodes,
 * never the leaves under them, so every root or proof costs O(log n) reads.
 */
import { equalBytes, fromHex } from './bytes.js';
import { fail } from './errors.js';
import type { ErrorCode } from './errors.js';
import { sha256 } from './hash.js';

/** Length in bytes of every hash in the tree (SHA-256). */
const HASH_LEN = 32;

/**
 * Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
 * Shared constant: do not mutate it; functions of this module return copies.
 */
export const EMPTY_ROOT: Uint8Array = fromHex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

/**
 * Leaf hash `H(0x00 ‖ entry)` (RFC 9162 §2.1.1; format §5).
 *
 * @param entry - the stored entry bytes, hashed as they are.
 * @returns the 32-byte leaf hash.
 * @throws LedgerError INVALID_ARGUMENT if `entry` is not a Uint8Array.
 * @example leafHash(utf8('hello world')) // 4eccf346…
 */
export function leafHash(entry: Uint8Array): Uint8Array {
  bytesArg('entry', entry);
  const input = new Uint8Array(entry.length + 1);
  input.set(entry, 1);
  return sha256(input);
}

/** Reused input buffer for the common case of two 32-byte children. */
const nodeInput = new Uint8Array(1 + 2 * HASH_LEN);
nodeInput[0] = 0x01;

/**
 * Interior node hash `H(0x01 ‖ left ‖ right)` (RFC 9162 §2.1.1; format §5).
 * The children are concatenated as given, whatever their length.
 *
 * @returns the 32-byte node hash.
 * @throws LedgerError INVALID_ARGUMENT if a child is not a Uint8Array.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  bytesArg('left', left);
  bytesArg('right', right);
  return hashChildren(left, right);
}

function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_LEN && right.length === HASH_LEN) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_LEN);
    return sha256(nodeInput);
  }
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
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
  for (let i = 0; i < leafHashes.length; i++) appendLeaf(peaks, i, hashArg(`leafHashes[${i}]`, leafHashes[i]), undefined);
  return foldPeaks(peaks);
}

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
  safeCount('size', size);
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
  readerArg(reader);
  safeCount('size', size);
  if (size === 0) return copyBytes(EMPTY_ROOT);
  return rangeRoot(reader, 0, size);
}

/**
 * Inclusion proof (audit path) `PATH(index, D[size])` of RFC 9162 §2.1.3.1,
 * ordered from the leaf's sibling up to the root's child.
 *
 * Reads at most 2·⌈log2 size⌉ + 1 nodes: one per level of the path, plus the
 * perfect pieces of the single non-perfect sibling on the right edge.
 *
 * @throws LedgerError INVALID_ARGUMENT for a bad `reader`, `size` or `index`
 *   (`index` must be below `size`); STORAGE_ERROR if the reader returns
 *   something other than 32 bytes; whatever the reader throws.
 */
export function inclusionProof(reader: NodeReader, index: number, size: number): Uint8Array[] {
  readerArg(reader);
  safeCount('index', index);
  safeCount('size', size);
  if (index >= size) fail('INVALID_ARGUMENT', `index ${index} must be below size ${size}`);
  const topDown: Uint8Array[] = [];
  // Invariant: the leaf lies in the subtree over leaves [lo, lo + n) at offset m.
  let lo = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const level = bitLength(n - 1) - 1;
    const k = 2 ** level;
    if (m < k) {
      topDown.push(rangeRoot(reader, lo + k, n - k));
      n = k;
    } else {
      topDown.push(readNode(reader, level, lo / k));
      lo += k;
      m -= k;
      n -= k;
    }
  }
  return topDown.reverse();
}

/**
 * Consistency proof `PROOF(oldSize, D[newSize])` of RFC 9162 §2.1.4.1.
 * Empty when the sizes are equal.
 *
 * Reads at most 2·⌈log2 newSize⌉ + 2 nodes.
 *
 * @throws LedgerError INVALID_ARGUMENT for a bad `reader` or size, for
 *   `oldSize` 0 (undefined, format §5) or `oldSize > newSize`; STORAGE_ERROR
 *   if the reader returns something other than 32 bytes; whatever the reader
 *   throws.
 */
export function consistencyProof(reader: NodeReader, oldSize: number, newSize: number): Uint8Array[] {
  readerArg(reader);
  safeCount('oldSize', oldSize);
  safeCount('newSize', newSize);
  if (oldSize === 0) fail('INVALID_ARGUMENT', 'oldSize must be at least 1: a consistency proof from size 0 is not defined (format §5)');
  if (oldSize > newSize) fail('INVALID_ARGUMENT', `oldSize ${oldSize} must not exceed newSize ${newSize}`);
  const topDown: Uint8Array[] = [];
  // SUBPROOF(m, D[lo : lo + n], whole) unrolled; `whole` stays true while
  // the old tree is the left part of the current subtree.
  let lo = 0;
  let n = newSize;
  let m = oldSize;
  let whole = true;
  while (m !== n) {
    const level = bitLength(n - 1) - 1;
    const k = 2 ** level;
    if (m <= k) {
      topDown.push(rangeRoot(reader, lo + k, n - k));
      n = k;
    } else {
      topDown.push(readNode(reader, level, lo / k));
      lo += k;
      m -= k;
      n -= k;
      whole = false;
    }
  }
  // Reached only after a step to the left, so [lo, lo + m) is perfect.
  if (!whole) topDown.push(rangeRoot(reader, lo, m));
  return topDown.reverse();
}

/**
 * Root implied by an inclusion proof: RFC 9162 §2.1.3.2 without the final
 * comparison. Sizes and indices are uint64 (a bigint up to 2^64 − 1, or a
 * safe-integer number).
 *
 * @param leaf - the 32-byte leaf hash.
 * @returns the 32-byte root the proof leads to.
 * @throws LedgerError PROOF_INVALID if `index ≥ size`; MALFORMED_PROOF if
 *   `leaf` or a proof item is not 32 bytes or the proof has the wrong number
 *   of items for `(index, size)`; INVALID_ARGUMENT for arguments of the wrong
 *   type or range.
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number | bigint,
  size: number | bigint,
  proof: readonly Uint8Array[],
): Uint8Array {
  const r = inclusionRoot(bytesArg('leaf', leaf), u64('index', index), u64('size', size), proofArg(proof));
  if (r instanceof Uint8Array) return r;
  return fail(r.code, r.message);
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2). Never throws on the
 * proof's contents: a bad proof, a hash of the wrong length or `index ≥ size`
 * all yield false.
 *
 * @param leaf - the leaf hash.
 * @param root - the root of the tree of `size` leaves.
 * @returns true iff `proof` proves `leaf` at `index` in that tree.
 * @throws LedgerError INVALID_ARGUMENT for arguments of the wrong type or
 *   range (sizes and indices are uint64: bigint up to 2^64 − 1 or a
 *   safe-integer number).
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number | bigint,
  size: number | bigint,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const i = u64('index', index);
  const n = u64('size', size);
  bytesArg('leaf', leaf);
  proofArg(proof);
  bytesArg('root', root);
  if (root.length !== HASH_LEN) return false;
  const r = inclusionRoot(leaf, i, n, proof);
  return r instanceof Uint8Array && equalBytes(r, root);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2). Never throws on the
 * proof's contents. Edge rules, as transparency-dev/merkle (and the public
 * probes) apply them: `oldSize` 0 always fails (format §5); `oldSize >
 * newSize` fails; equal sizes need an empty proof and equal roots.
 *
 * @returns true iff `proof` shows that the tree of `newSize` leaves with root
 *   `newRoot` extends the tree of `oldSize` leaves with root `oldRoot`.
 * @throws LedgerError INVALID_ARGUMENT for arguments of the wrong type or
 *   range (sizes are uint64: bigint up to 2^64 − 1 or a safe-integer number).
 */
export function verifyConsistency(
  oldSize: number | bigint,
  newSize: number | bigint,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const m = u64('oldSize', oldSize);
  const n = u64('newSize', newSize);
  bytesArg('oldRoot', oldRoot);
  bytesArg('newRoot', newRoot);
  proofArg(proof);
  if (m === 0n || m > n) return false;
  if (m === n) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldRoot.length !== HASH_LEN || newRoot.length !== HASH_LEN || proof.length === 0) return false;
  for (const p of proof) if (p.length !== HASH_LEN) return false;

  let fn = m - 1n;
  let sn = n - 1n;
  // §2.1.4.2: a power-of-two old tree is itself a node of the new tree, so
  // its root is the implicit first item of the path.
  const oldIsPerfect = (m & fn) === 0n;
  let i = oldIsPerfect ? 0 : 1;
  let fr = oldIsPerfect ? oldRoot : proof[0]!;
  let sr = fr;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  for (; i < proof.length; i++) {
    const c = proof[i]!;
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
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
    safeCount('size', size);
    if (!Array.isArray(peaks)) fail('INVALID_ARGUMENT', 'peaks must be an array of 32-byte Uint8Array');
    const expected = popcount(size);
    if (peaks.length !== expected) {
      fail('INVALID_ARGUMENT', `peaks must hold ${expected} hashes for size ${size}, got ${peaks.length}`);
    }
    this.#size = size;
    this.#peaks = peaks.map((p, i) => copyBytes(hashArg(`peaks[${i}]`, p)));
  }

  /**
   * Loads the compact range of the first `size` stored leaves
   * (popcount(size) reads).
   *
   * @throws as `rootAt`.
   */
  static fromReader(reader: NodeReader, size: number): MerkleAccumulator {
    readerArg(reader);
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
    hashArg('leaf', leaf);
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
// Internals

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
function rangeRoot(reader: NodeReader, lo: number, n: number): Uint8Array {
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
function readNode(reader: NodeReader, level: number, index: number): Uint8Array {
  const h = reader.node(level, index);
  if (!(h instanceof Uint8Array) || h.length !== HASH_LEN) {
    fail('STORAGE_ERROR', `stored node (${level}, ${index}) is not a 32-byte hash`, { level, index });
  }
  return h.constructor === Uint8Array ? h : copyBytes(h);
}

/**
 * A plain Uint8Array copy. `Buffer#slice` returns a view, not a copy, so
 * `.slice()` is not used on arrays that may be Buffers.
 */
function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

type Failure = { code: ErrorCode; message: string };

/** RFC 9162 §2.1.3.2 steps 1–4 plus the `sn = 0` check of step 5. */
function inclusionRoot(
  leaf: Uint8Array,
  index: bigint,
  size: bigint,
  proof: readonly Uint8Array[],
): Uint8Array | Failure {
  if (index >= size) return { code: 'PROOF_INVALID', message: `index ${index} is not below size ${size}` };
  if (leaf.length !== HASH_LEN) return { code: 'MALFORMED_PROOF', message: 'leaf hash is not 32 bytes' };
  for (let i = 0; i < proof.length; i++) {
    if (proof[i]!.length !== HASH_LEN) return { code: 'MALFORMED_PROOF', message: `proof[${i}] is not 32 bytes` };
  }
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return { code: 'MALFORMED_PROOF', message: `proof has more than the ${proofLength(index, size)} items (index, size) needs` };
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return { code: 'MALFORMED_PROOF', message: `proof has fewer than the ${proofLength(index, size)} items (index, size) needs` };
  return r === leaf ? copyBytes(leaf) : r;
}

/** Number of items in PATH(index, D[size]), for error messages only. */
function proofLength(index: bigint, size: bigint): number {
  let inner = 0;
  for (let x = index ^ (size - 1n); x > 0n; x >>= 1n) inner++;
  let border = 0;
  for (let x = index >> BigInt(inner); x > 0n; x >>= 1n) border += Number(x & 1n);
  return inner + border;
}

/** Bits needed to write x (0 ≤ x ≤ 2^53); 0 for 0. */
function bitLength(x: number): number {
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

// ---------------------------------------------------------------------------
// Argument checks (API misuse → INVALID_ARGUMENT naming the argument)

const U64_MAX = (1n << 64n) - 1n;

function safeCount(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail('INVALID_ARGUMENT', `${name} must be a non-negative safe integer, got ${describe(v)}`);
  }
}

function u64(name: string, v: unknown): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) fail('INVALID_ARGUMENT', `${name} must be a uint64 (0 to 2^64 - 1), got ${v}`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail('INVALID_ARGUMENT', `${name} must be a non-negative safe integer or a uint64 bigint, got ${describe(v)}`);
  }
  return BigInt(v);
}

function bytesArg(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${name} must be a Uint8Array, got ${describe(v)}`);
  return v;
}

function hashArg(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== HASH_LEN) {
    fail('INVALID_ARGUMENT', `${name} must be a 32-byte Uint8Array, got ${describe(v)}`);
  }
  return v;
}

function proofArg(v: unknown): readonly Uint8Array[] {
  if (!Array.isArray(v)) fail('INVALID_ARGUMENT', `proof must be an array of Uint8Array, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++) bytesArg(`proof[${i}]`, v[i]);
  return v as readonly Uint8Array[];
}

function readerArg(v: unknown): asserts v is NodeReader {
  if (typeof v !== 'object' || v === null || typeof (v as { node?: unknown }).node !== 'function') {
    fail('INVALID_ARGUMENT', 'reader must be an object with a node(level, index) method');
  }
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  return typeof v;
}
