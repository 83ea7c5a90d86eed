/**
 * An entry proven in a summary (docs/supervision.md §14.6) on a ledger
 * file: the summary's root recomputed from the checked bytes of the
 * entries it lists, then the RFC 9162 audit path of one of them.
 */
import { rootFromLeaves, toHex } from '@casetrail/core';
import { SupervisionError } from '../errors.js';
import { POINTS_TYPES, parsePointsPayload } from '../points/entries.js';
import { summaryInclusionPath } from '../points/summary-proof.js';
import { inSnapshot } from './reports.js';
import { storedEntry } from './stored.js';

/** An entry proven in a summary: the RFC 9162 audit path of its leaf in the summary's tree. */
export interface SummaryProof {
  readonly summary: number;
  readonly period: string;
  readonly seq: number;
  /** its place among the summary's `entries`, and their number */
  readonly index: number;
  readonly size: number;
  /** hex: the entry's leaf hash (from its checked bytes) and the summary's root */
  readonly leaf: string;
  readonly root: string;
  /** hex, leaf first */
  readonly proof: readonly string[];
}

/**
 * Proves that entry `seq` is counted by summary `summarySeq` (§14.6): the
 * leaf hashes of every entry the summary counts, each from its checked
 * bytes, must give its root; then the audit path of `seq`'s leaf. Check it
 * with `verifyInclusion(leaf, index, size, proof, root)`.
 * @throws SupervisionError SUMMARY_INVALID (not a summary, seq not counted by it, or its root is not that of its entries: run `audit`), STORED_ENTRY_INVALID
 */
export async function proveInSummary(location: string, summarySeq: number, seq: number): Promise<SummaryProof> {
  return inSnapshot(location, (view, origin) => {
    const row = view.entry(summarySeq);
    const e = row === undefined ? undefined : storedEntry(view, row, origin).entry;
    if (e === undefined || e.type !== POINTS_TYPES.summary) throw new SupervisionError('SUMMARY_INVALID', `${summarySeq} is not a summary entry${e === undefined ? '' : ` (it is ${e.type})`}`, { seq: summarySeq });
    const s = parsePointsPayload(POINTS_TYPES.summary, e.payload ?? { value: e.data }, e);
    const index = s.entries.indexOf(seq);
    if (index < 0) throw new SupervisionError('SUMMARY_INVALID', `entry ${seq} is not counted by summary ${summarySeq} of ${s.period} (it counts ${s.entries.length} entries)`, { seq, summary: summarySeq });
    const leaves = s.entries.map((x) => {
      const r = view.entry(x);
      if (r === undefined) throw new SupervisionError('SUMMARY_INVALID', `summary ${summarySeq} counts entry ${x}, which is not in the ledger`, { seq: x });
      return storedEntry(view, r, origin).leaf;
    });
    const root = toHex(rootFromLeaves(leaves));
    if (root !== s.root) throw new SupervisionError('SUMMARY_INVALID', `summary ${summarySeq}'s root is not the root of the entries it lists: run \`casetrail audit\``, { seq: summarySeq });
    return { summary: summarySeq, period: s.period, seq, index, size: leaves.length, leaf: toHex(leaves[index]!), root, proof: summaryInclusionPath(leaves, index).map(toHex) };
  });
}
