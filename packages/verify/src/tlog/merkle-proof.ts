/**
 * RFC 9162 §2.1.3–§2.1.4 proofs (format.md §5): inclusion and consistency
 * proofs, generated from stored perfect subtrees and verified with the
 * algorithms of §2.1.3.2 and §2.1.4.2.
 */
import { checkBytes, checkBytesArray, checkNat, checkU64 } from '../args.js';
import { equalBytes } from '../bytes.js';
import { fail } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { copyBytes, HASH_LEN, hashChildren } from './merkle-hash.js';
import { bitLength, checkReader, rangeRoot, readNode, type NodeReader } from './merkle-range.js';

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
  checkReader(reader);
  checkNat(index, 'index');
  checkNat(size, 'size');
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
  checkReader(reader);
  checkNat(oldSize, 'oldSize');
  checkNat(newSize, 'newSize');
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
  checkBytes(leaf, 'leaf');
  const i = checkU64(index, 'index');
  const n = checkU64(size, 'size');
  checkBytesArray(proof, 'proof');
  const r = inclusionRoot(leaf, i, n, proof);
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
  const i = checkU64(index, 'index');
  const n = checkU64(size, 'size');
  checkBytes(leaf, 'leaf');
  checkBytesArray(proof, 'proof');
  checkBytes(root, 'root');
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
  const m = checkU64(oldSize, 'oldSize');
  const n = checkU64(newSize, 'newSize');
  checkBytes(oldRoot, 'oldRoot');
  checkBytes(newRoot, 'newRoot');
  checkBytesArray(proof, 'proof');
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

// ---------------------------------------------------------------------------
// Internals

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
