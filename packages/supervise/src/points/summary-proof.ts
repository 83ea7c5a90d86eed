/**
 * Proving one counted entry in a summary (docs/supervision.md §14.6): a
 * summary's `root` is an RFC 9162 Merkle tree over the leaf hashes of its
 * `entries`, so the audit path of leaf `index` (RFC 9162 §2.1.3.1, PATH(m,
 * D[n])) proves that entry in it; `verifyInclusion(leaf, index, size,
 * path, root)` of @casetrail/verify checks it. Pure: no Node import.
 */
import { rootFromLeaves } from '@casetrail/core/pure';

/**
 * The RFC 9162 audit path of leaf `index` among `leaves` (the largest power
 * of two below n splits each level, as in the ledger's own tree).
 * @throws RangeError when index is not a leaf of the list
 * @example summaryInclusionPath([a, b, c], 2) // [rootFromLeaves([a, b])]
 */
export function summaryInclusionPath(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`index must be a leaf of the ${leaves.length}`);
  const path: Uint8Array[] = [];
  let lo = 0;
  let hi = leaves.length;
  let m = index;
  // Walk down from the root, collecting the sibling subtree's hash at each split; the path lists them leaf first.
  const siblings: Uint8Array[] = [];
  while (hi - lo > 1) {
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    if (m < k) {
      siblings.push(rootFromLeaves(leaves.slice(lo + k, hi)));
      hi = lo + k;
    } else {
      siblings.push(rootFromLeaves(leaves.slice(lo, lo + k)));
      lo += k;
      m -= k;
    }
  }
  for (let i = siblings.length - 1; i >= 0; i--) path.push(siblings[i]!);
  return path;
}
