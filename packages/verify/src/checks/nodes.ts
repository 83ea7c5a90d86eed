/**
 * The stored Merkle nodes of a row (format.md §7, §8 item 9): exactly the
 * nodes its leaf completes, recomputed from the leaves — none missing,
 * extra or different.
 */
import { equalBytes } from '../bytes.js';
import type { PerfectNode } from '../tlog/merkle-range.js';
import { nodeInBlob } from '../tlog/stored-nodes.js';
import type { Finding } from './issues.js';

const NO_FINDINGS: Finding[] = [];

/** Compares row `seq`'s stored `nodes` blob with the nodes its leaf completes. */
export function storedNodesFindings(seq: number, stored: Uint8Array | undefined, completed: readonly PerfectNode[]): readonly Finding[] {
  // The common case allocates nothing: a scan calls this for every entry.
  if (completed.length === 0 && stored !== undefined && stored.length === 0) return NO_FINDINGS;
  if (stored === undefined || stored.length !== completed.length * 32) {
    const have = stored === undefined ? 0 : Math.floor(stored.length / 32);
    return [
      {
        code: have < completed.length ? 'NODE_MISSING' : 'NODE_EXTRA',
        seq,
        level: Math.min(have, completed.length) + 1,
        message: `entry ${seq} should carry ${completed.length} Merkle node(s), its row holds ${stored === undefined ? 'no blob' : `${stored.length} bytes`}`,
      },
    ];
  }
  let out: Finding[] | undefined;
  for (const n of completed) {
    if (!equalBytes(nodeInBlob(stored, n.level)!, n.hash)) {
      (out ??= []).push({ code: 'NODE_MISMATCH', seq, level: n.level, index: n.index, message: `node (${n.level}, ${n.index}) stored with entry ${seq} is not the hash of its children` });
    }
  }
  return out ?? NO_FINDINGS;
}
