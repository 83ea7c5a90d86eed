/**
 * Reading the ledger back: one entry, pages and streams of entries by
 * filter, a case's trace, and RFC 9162 proofs. Each read runs on one
 * consistent view of the store.
 */
import {
  caseLinkFinding,
  caseOrderFinding,
  checkIntIn,
  checkNat,
  checkString,
  checkTime,
  consistencyProof,
  fail,
  inclusionProof,
  IssueList,
  rootAt,
  rootFromInclusionProof,
  validateText,
  type CaseTail,
  type NodeReader,
} from '@casetrail/verify';
import type { LedgerStore, NodeCache, QueryFilter, ReadView } from '../store/store.js';
import { checkStoredRow, toLedgerEntry } from './rows.js';
import type { ConsistencyProof, InclusionProof, LedgerEntry, Page, QueryOptions, Trace } from './types.js';

const MAX_PAGE = 10_000;

/**
 * The entry at seq, decoded, with its payload.
 * @throws NOT_FOUND, MALFORMED_ENTRY (stored bytes are corrupt)
 */
export async function readEntry(store: LedgerStore, seq: number): Promise<LedgerEntry> {
  checkNat(seq, 'seq');
  const row = await store.read((v) => v.entry(seq));
  if (row === undefined) fail('NOT_FOUND', `no entry ${seq} in ${store.location}`, { seq });
  return toLedgerEntry(row);
}

/** The store filter of query options; time bounds become seq bounds (times never decrease). */
function filterOf(v: ReadView, options: QueryOptions): QueryFilter {
  if (options.after !== undefined) checkNat(options.after, 'after');
  let fromSeq = options.after === undefined ? 0 : options.after + 1;
  let toSeq: number | undefined;
  if (options.since !== undefined) {
    checkTime(options.since, 'since');
    fromSeq = Math.max(fromSeq, v.firstSeqAtOrAfter(options.since));
  }
  if (options.until !== undefined) {
    checkTime(options.until, 'until');
    toSeq = v.firstSeqAtOrAfter(options.until);
  }
  for (const k of ['caseId', 'actor', 'type'] as const) if (options[k] !== undefined) checkString(options[k], k);
  return {
    ...(options.caseId === undefined ? {} : { caseId: options.caseId }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.type === undefined ? {} : { type: options.type }),
    fromSeq,
    ...(toSeq === undefined ? {} : { toSeq }),
  };
}

/** One page of entries matching the filter, in seq order. */
export async function queryPage(store: LedgerStore, options: QueryOptions): Promise<Page> {
  const limit = options.limit ?? 100;
  checkIntIn(limit, 'limit', 1, MAX_PAGE);
  const rows = await store.read((v) => v.query({ ...filterOf(v, options), limit: limit + 1 }));
  const more = rows.length > limit;
  const entries = rows.slice(0, limit).map(toLedgerEntry);
  const page: Page = { entries };
  if (more) page.next = entries[entries.length - 1]!.seq;
  return page;
}

/** Every entry matching the filter, in seq order, read 1,000 at a time. */
export async function* streamEntries(store: LedgerStore, options: Omit<QueryOptions, 'limit'>): AsyncGenerator<LedgerEntry> {
  let after = options.after;
  for (;;) {
    const page = await queryPage(store, { ...options, ...(after === undefined ? {} : { after }), limit: 1000 });
    for (const e of page.entries) yield e;
    if (page.next === undefined) return;
    after = page.next;
  }
}

/**
 * A case's steps in order, each row given verification's single-row checks
 * (and a missing payload its redaction check), and the per-case chain
 * checked between them: the rules of checks/ in @casetrail/verify.
 */
export async function traceCase(store: LedgerStore, caseId: string): Promise<Trace> {
  validateText('case', caseId);
  return store.read((view) => {
    const steps: LedgerEntry[] = [];
    const issues = new IssueList(Number.MAX_SAFE_INTEGER);
    const where = { table: 'entries' as const };
    let prior: CaseTail | undefined;
    for (const row of view.caseEntries(caseId)) {
      const { checked, findings } = checkStoredRow(view, row);
      issues.addAll(findings, where);
      const e = checked.decoded;
      if (checked.leaf === undefined || e === undefined) continue;
      try {
        steps.push(toLedgerEntry(row));
      } catch (err) {
        issues.add({ ...where, code: 'ENTRY_DECODE', seq: row.seq, message: (err as Error).message });
        continue;
      }
      const link = caseLinkFinding(e.seq, e, prior);
      if (link !== undefined) issues.add({ ...where, ...link });
      const order = caseOrderFinding(e.seq, prior);
      if (order !== undefined) issues.add({ ...where, ...order });
      prior = { step: e.step, leaf: checked.leaf, seq: e.seq };
    }
    return { caseId, steps, ok: issues.count === 0, issues: issues.list };
  });
}

/**
 * RFC 9162 inclusion proof of entry seq in the tree of treeSize entries
 * (default: the latest checkpoint's size, else the current size).
 */
export async function proveInclusion(store: LedgerStore, cache: NodeCache, seq: number, treeSize?: number): Promise<InclusionProof> {
  checkNat(seq, 'seq');
  return store.read((v) => {
    const size = treeSize ?? v.latestCheckpoint()?.size ?? v.size();
    checkNat(size, 'treeSize');
    const current = v.size();
    if (size > current) fail('INVALID_ARGUMENT', `treeSize ${size} is beyond the ledger's ${current} entries`);
    if (seq >= size) fail('NOT_FOUND', `entry ${seq} is not in a tree of ${size} entries`, { seq, treeSize: size });
    const reader = v.prefetch((r) => {
      r.node(0, seq);
      inclusionProof(r, seq, size);
    }, cache);
    const leaf = Uint8Array.from(reader.node(0, seq));
    const proof = inclusionProof(reader, seq, size);
    // The path already determines the root: no second walk of the tree.
    return { seq, treeSize: size, leafHash: leaf, root: rootFromInclusionProof(leaf, seq, size, proof), proof };
  });
}

/** RFC 9162 consistency proof from oldSize to newSize (default: the current size). */
export async function proveConsistency(store: LedgerStore, cache: NodeCache, oldSize: number, newSize?: number): Promise<ConsistencyProof> {
  checkNat(oldSize, 'oldSize');
  return store.read((v) => {
    const size = newSize ?? v.size();
    checkNat(size, 'newSize');
    const current = v.size();
    if (size > current) fail('INVALID_ARGUMENT', `newSize ${size} is beyond the ledger's ${current} entries`);
    if (oldSize < 1 || oldSize > size) fail('INVALID_ARGUMENT', `oldSize must be from 1 to ${size}`);
    const plan = (r: NodeReader) => ({
      oldSize,
      newSize: size,
      oldRoot: rootAt(r, oldSize),
      newRoot: rootAt(r, size),
      proof: consistencyProof(r, oldSize, size),
    });
    return plan(v.prefetch(plan, cache));
  });
}
