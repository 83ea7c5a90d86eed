/**
 * The engine's input read from a ledger, decoded from the stored bytes and
 * checked first with verification's own rules (the single-row checks of
 * @casetrail/verify, the global and per-case chain links, and for an erased
 * payload the redaction that must prove it): the engine never judges an
 * index column or a payload the bytes do not hold. A row that does not hold
 * is a SupervisionError STORED_ENTRY_INVALID (run `casetrail verify`).
 *
 * Two sources: rows of a store's synchronous read view (the audit, the
 * writer's replays), and the steps an extension's read view hands out inside
 * an append transaction (already checked by the core).
 *
 * The audit reads rows that the ledger's full verification has just checked
 * (hashes, chains, index columns against the bytes, redactions,
 * signatures): it asks for `trust: 'verified'` and reads the index columns
 * and the payload, not hashing or decoding the entry again — the replay then
 * runs at the speed of the store and the engine. The writer always checks.
 */
import {
  caseLinkFinding,
  caseOrderFinding,
  checkStoredRow,
  decodePayload,
  genesisLink,
  globalLinkFindings,
  isReserved,
  type CaseTail,
  type CommittedStep,
  type EntryColumns,
  type EntryRow,
  type ExtensionView,
  type Finding,
  type ReadView,
} from '@casetrail/core';
import { REDACTED, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';

// The WHATWG decoder, present in Node and browsers; this package compiles without DOM or Node types.
declare const TextDecoder: new (label: 'utf-8', options: { fatal: true }) => { decode(bytes: Uint8Array): string };
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A stored payload's text (the core has checked it is UTF-8 JSON). */
export function payloadText(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

function invalid(f: Finding): never {
  throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${f.seq ?? '?'} does not match its stored bytes or its chain (${f.code}: ${f.message}); run \`casetrail verify\``, {
    seq: f.seq,
    issue: f.code,
  });
}

/** How much of a row is checked: all a row allows, or (rows a verification just checked) only its decoding. */
export type RowTrust = 'check' | 'verified';

/**
 * A row that verification checked: its index columns, which verification
 * compared with the entry bytes (INDEX_MISMATCH), and its payload; nothing
 * hashed or decoded again. The columns are still type-checked.
 */
function verifiedEntry(row: EntryColumns): LedgerEntry {
  const { seq, time, case_id: caseId, step, type, actor } = row;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(time) || !Number.isSafeInteger(step) || typeof caseId !== 'string' || typeof type !== 'string' || typeof actor !== 'string') {
    invalid({ code: 'ROW_INVALID', seq, message: `entry ${seq} has a wrong column type` });
  }
  const erased = row.data === null;
  const entry: LedgerEntry = { seq, time, caseId, step, type, actor, data: erased ? REDACTED : decodePayload(row.data!) };
  // The text is read only where it is judged byte for byte: supervision's own entries (docs/supervision.md §5),
  // with the leaf hash verification compared with the bytes (a summary's root is over them, §14.6).
  return erased || !isReserved(type) ? entry : { ...entry, payload: payloadText(row.data!), leaf: row.leaf };
}

/**
 * A stored row as the engine's input, with its leaf hash, after every check
 * one row allows (the core's checkStoredRow: verification's single-row
 * checks, a missing payload's erasure proven by its redaction entry, an
 * erased payload written back refused).
 */
export function storedEntry(view: ReadView, row: EntryRow, origin: string): { entry: LedgerEntry; leaf: Uint8Array; prev: Uint8Array; casePrev: Uint8Array } {
  const { checked: c, findings } = checkStoredRow(view, row, origin);
  if (findings.length > 0) invalid(findings[0]!);
  const e = c.decoded!;
  let data: unknown;
  let payload: string | undefined;
  if (c.payload === 'missing') {
    data = REDACTED;
  } else {
    if (isReserved(e.type)) payload = payloadText(row.data!);
    data = decodePayload(row.data!);
  }
  const entry: LedgerEntry = { seq: e.seq, time: e.time, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, data, leaf: c.leaf!, ...(payload === undefined ? {} : { payload }) };
  return { entry, leaf: c.leaf!, prev: e.prev, casePrev: e.casePrev };
}

/** Entries [from, to) that verification just checked, in seq order without a gap: their columns, nothing hashed. */
export function* verifiedEntries(view: ReadView, from: number, to: number): Generator<LedgerEntry> {
  let expected = from;
  // Only the columns the entry is made of: the entry bytes were checked by the verification.
  for (const row of view.entryColumns(from, to)) {
    if (row.seq !== expected) invalid({ code: 'SEQ_GAP', seq: expected, message: `entry ${expected} is missing` });
    expected++;
    yield verifiedEntry(row);
  }
  if (expected !== to) invalid({ code: 'SEQ_GAP', seq: expected, message: `entry ${expected} is missing` });
}

/**
 * Entries [from, to) in seq order, each linked to the one before it
 * (`prev`, and times never decreasing).
 */
export function* storedEntries(view: ReadView, origin: string, from: number, to: number): Generator<{ entry: LedgerEntry; leaf: Uint8Array }> {
  let prevLeaf: Uint8Array | undefined = from === 0 ? genesisLink(origin) : undefined;
  let lastTime = 0;
  let expected = from;
  for (const row of view.entries(from, to)) {
    if (row.seq !== expected) invalid({ code: 'SEQ_GAP', seq: expected, message: `entry ${expected} is missing` });
    const s = storedEntry(view, row, origin);
    const link = globalLinkFindings(row.seq, { prev: s.prev, time: s.entry.time }, prevLeaf, lastTime);
    if (link.length > 0) invalid(link[0]!);
    prevLeaf = s.leaf;
    lastTime = s.entry.time;
    expected++;
    yield s;
  }
  if (expected !== to) invalid({ code: 'SEQ_GAP', seq: expected, message: `entry ${expected} is missing` });
}

/** A case's entries before `beforeSeq` by the case index, each linked to the step before it (or, verified, only decoded). */
export function storedCaseHistory(view: ReadView, origin: string, caseId: string, beforeSeq: number, trust: RowTrust = 'check'): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  if (trust === 'verified') {
    for (const row of view.caseEntries(caseId)) {
      const e = verifiedEntry(row);
      if (e.seq >= beforeSeq) break;
      if (e.caseId !== caseId) invalid({ code: 'INDEX_MISMATCH', seq: e.seq, message: `entry ${e.seq} is not of case ${JSON.stringify(caseId)}` });
      out.push(e);
    }
    return out;
  }
  let prior: CaseTail | undefined;
  for (const row of view.caseEntries(caseId)) {
    const s = storedEntry(view, row, origin);
    if (s.entry.seq >= beforeSeq) break;
    if (s.entry.caseId !== caseId) invalid({ code: 'INDEX_MISMATCH', seq: s.entry.seq, message: `entry ${s.entry.seq} is not of case ${JSON.stringify(caseId)}` });
    const link = caseLinkFinding(s.entry.seq, { caseId, step: s.entry.step, casePrev: s.casePrev }, prior) ?? caseOrderFinding(s.entry.seq, prior);
    if (link !== undefined) invalid(link);
    prior = { step: s.entry.step, leaf: s.leaf, seq: s.entry.seq };
    out.push(s.entry);
  }
  return out;
}

/**
 * A step from an extension's read view (checked by the core) as the engine's
 * input: the step itself when its payload is there (its other fields are
 * ignored), else a copy with REDACTED.
 */
export function committedEntry(s: CommittedStep, payload?: string): LedgerEntry {
  if (s.data !== undefined && payload === undefined) return s;
  return {
    seq: s.seq,
    time: s.time,
    caseId: s.caseId,
    step: s.step,
    type: s.type,
    actor: s.actor,
    data: s.data === undefined ? REDACTED : s.data,
    ...(payload === undefined ? {} : { payload }),
  };
}

/** A case's entries before `beforeSeq` through an extension's read view (checked, per-case chain included). */
export function viewCaseHistory(view: ExtensionView, caseId: string, beforeSeq: number): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (let from = 1; ; ) {
    const page = view.caseSteps(caseId, { fromStep: from, limit: 1000 });
    for (const s of page) {
      if (s.seq >= beforeSeq) return out;
      out.push(committedEntry(s));
    }
    if (page.length < 1000) return out;
    from = page[page.length - 1]!.step + 1;
  }
}

/**
 * Entries of one type from seq `start` and before `before`, checked, in seq order, read a page
 * of the type index at a time (an index column that lies is
 * STORED_ENTRY_INVALID): a reader that keeps only what it needs holds one
 * page.
 */
export function* eachOfType(view: ReadView, origin: string, type: string, before = Infinity, start = 0): Generator<LedgerEntry> {
  for (let from = start; ; ) {
    const rows = view.query({ type, fromSeq: from, limit: 1000 });
    for (const row of rows) {
      const e = storedEntry(view, row, origin).entry;
      if (e.type !== type) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${e.seq} is not of type ${type}: its index column was changed (run \`casetrail verify\`)`, { seq: e.seq });
      if (e.seq >= before) return;
      yield e;
    }
    if (rows.length < 1000) return;
    from = rows[rows.length - 1]!.seq + 1;
  }
}

/** Entries of one type before `before`, checked, in seq order (eachOfType, collected). */
export function storedOfType(view: ReadView, origin: string, type: string, before = Infinity): LedgerEntry[] {
  return [...eachOfType(view, origin, type, before)];
}
