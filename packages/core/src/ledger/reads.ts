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
  decodeEntry,
  fail,
  inclusionProof,
  isBytes,
  nonceReplayFinding,
  rootAt,
  rootFromInclusionProof,
  toHex,
  validateText,
  type CaseTail,
  type Entry,
  type Finding,
  type NodeReader,
} from '@casetrail/verify';
import type { EntryRow, LedgerStore, NodeCache, QueryFilter, ReadView } from '../store/store.js';
import { caseRecordsAfter, noteRecord, readEntryRow, type CaseRecords } from './checked-entries.js';
import type { ConsistencyProof, InclusionProof, LedgerEntry, Page, QueryOptions, Trace } from './types.js';

const MAX_PAGE = 10_000;

function tryDecode(row: EntryRow): Entry | undefined {
  try {
    return isBytes(row.bytes) ? decodeEntry(row.bytes) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entry at seq, checked and marked (checked-entries.ts); the redaction
 * records of its case are read too, so that an erased payload written back
 * is an issue even when the `redactions` table lost its row.
 * @throws NOT_FOUND
 */
export async function readEntry(store: LedgerStore, seq: number, origin: string): Promise<LedgerEntry> {
  checkNat(seq, 'seq');
  return store.read((v) => {
    const row = v.entry(seq);
    if (row === undefined) fail('NOT_FOUND', `no entry ${seq} in ${store.location}`, { seq });
    const e = tryDecode(row);
    return readEntryRow(v, row, origin, e === undefined ? undefined : caseRecordsAfter(v, e.caseId, seq));
  });
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

/**
 * A row selected by the index columns must match the filter by its bytes
 * too: a row that does not is marked (INDEX_MISMATCH already says that a
 * column differs from the bytes; this says which selection it fails).
 */
function filterFinding(e: LedgerEntry, options: QueryOptions): Finding | undefined {
  const d = e.entry;
  if (d === undefined) return undefined;
  const outside =
    (options.caseId !== undefined && d.caseId !== options.caseId) ||
    (options.actor !== undefined && d.actor !== options.actor) ||
    (options.type !== undefined && d.type !== options.type) ||
    (options.since !== undefined && d.time < options.since) ||
    (options.until !== undefined && d.time >= options.until);
  return outside ? { code: 'INDEX_MISMATCH', seq: e.seq, message: `entry ${e.seq} was selected by its index columns, but its bytes do not match the filter` } : undefined;
}

/**
 * One page of entries matching the filter, in seq order, each checked and
 * marked. Which rows match is found through the index columns; what is
 * shown of them comes from their bytes.
 */
export async function queryPage(store: LedgerStore, options: QueryOptions, origin: string): Promise<Page> {
  const limit = options.limit ?? 100;
  checkIntIn(limit, 'limit', 1, MAX_PAGE);
  return store.read((v) => {
    const rows = v.query({ ...filterOf(v, options), limit: limit + 1 });
    const more = rows.length > limit;
    const entries = rows.slice(0, limit).map((row) => {
      const e = readEntryRow(v, row, origin);
      const f = filterFinding(e, options);
      if (f !== undefined && !e.issues.some((i) => i.code === 'INDEX_MISMATCH')) {
        e.issues.push({ severity: 'error', table: 'entries', ...f });
        e.ok = false;
      }
      return e;
    });
    const page: Page = { entries };
    if (more) page.next = rows[limit - 1]!.seq;
    return page;
  });
}

/** Every entry matching the filter, in seq order, read 1,000 at a time. */
export async function* streamEntries(store: LedgerStore, options: Omit<QueryOptions, 'limit'>, origin: string): AsyncGenerator<LedgerEntry> {
  let after = options.after;
  for (;;) {
    const page = await queryPage(store, { ...options, ...(after === undefined ? {} : { after }), limit: 1000 }, origin);
    for (const e of page.entries) yield e;
    if (page.next === undefined) return;
    after = page.next;
  }
}

/** Adds a chain finding to the step it concerns. */
function markStep(step: LedgerEntry, f: Finding | undefined): void {
  if (f === undefined) return;
  step.issues.push({ severity: 'error', table: 'entries', ...f });
  step.ok = false;
}

/**
 * A case's steps in ledger order, each checked and marked like any read,
 * and the per-case chain checked between them (the rules of checks/ in
 * @casetrail/verify): steps numbered 1, 2, … in ledger order, each linked to
 * the recomputed leaf hash of the step before, no nonce twice. The rows are
 * those the case index lists; a row whose bytes name another case is marked
 * and kept out of the chain. That no later step was moved out of the case
 * by an index edit is not provable here: full verification shows it.
 */
export async function traceCase(store: LedgerStore, caseId: string, origin: string): Promise<Trace> {
  validateText('case', caseId);
  return store.read((view) => {
    // Ledger order is the rows' own order: the step column is an index, not a source.
    const rows = view.caseEntries(caseId).sort((a, b) => a.seq - b.seq);
    const records: CaseRecords = new Map();
    for (const row of rows) noteRecord(records, caseId, row, tryDecode(row));
    const steps = rows.map((row) => readEntryRow(view, row, origin, records));
    let prior: CaseTail | undefined;
    const nonces = new Map<string, { seq: number; entry: Entry }>();
    for (const step of steps) {
      const e = step.entry;
      if (e === undefined || e.caseId !== caseId || step.leafHash.length === 0) continue;
      markStep(step, caseLinkFinding(step.seq, e, prior) ?? caseOrderFinding(step.seq, prior));
      if (e.nonce !== undefined) {
        const key = toHex(e.nonce);
        const first = nonces.get(key);
        if (first === undefined) nonces.set(key, { seq: step.seq, entry: e });
        else markStep(step, nonceReplayFinding(step.seq, e, first.seq, first.entry));
      }
      prior = { step: e.step, leaf: step.leafHash, seq: step.seq };
    }
    const issues = steps.flatMap((s) => s.issues);
    return { caseId, steps, ok: !issues.some((i) => i.severity === 'error'), issues };
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
