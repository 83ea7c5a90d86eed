/**
 * Entries as reads hand them out (get, query, stream, trace): every field
 * decoded from the stored bytes and every hash recomputed, checked with
 * verification's own single-row checks and redaction rule (checks/ of
 * @casetrail/verify, through rows.ts), and marked with what does not hold.
 * Index columns only say where to look; nothing shown comes from them.
 */
import {
  REDACTION_TYPE,
  decodeEntry,
  decodePayload,
  equalBytes,
  isBytes,
  readRedactionRecord,
  type Entry,
  type Issue,
} from '@casetrail/verify';
import type { EntryRow, ReadView } from '../store/store.js';
import { checkStoredRow, restoredPayload } from './rows.js';
import type { LedgerEntry, PayloadState } from './types.js';

/** Valid redaction records of one case, by the seq of the entry each erased. */
export type CaseRecords = Map<number, { by: number; leaf: Uint8Array }>;

/**
 * Adds to `records` the redaction record `row` holds, if it is a valid one
 * (format.md §4.5: a `casetrail.redaction` entry of `caseId` whose payload
 * matches its commitment and is in the exact form, naming an earlier entry).
 */
export function noteRecord(records: CaseRecords, caseId: string, row: EntryRow, e: Entry | undefined): void {
  if (e === undefined || e.type !== REDACTION_TYPE || e.caseId !== caseId || e.seq !== row.seq) return;
  const read = readRedactionRecord({ seq: row.seq, entry: e, payload: isBytes(row.data) ? row.data : null, salt: isBytes(row.salt) ? row.salt : null });
  if ('named' in read && !records.has(read.named.redacts)) records.set(read.named.redacts, { by: row.seq, leaf: read.named.leaf });
}

/**
 * The valid redaction records of `caseId` after `afterSeq`, found through the
 * case and type columns and then judged on their bytes. (A record whose
 * columns were edited is not found here; verification finds it.)
 */
export function caseRecordsAfter(view: ReadView, caseId: string, afterSeq: number): CaseRecords {
  const records: CaseRecords = new Map();
  for (const row of view.query({ caseId, type: REDACTION_TYPE, fromSeq: afterSeq + 1 })) {
    let e: Entry | undefined;
    try {
      e = isBytes(row.bytes) ? decodeEntry(row.bytes) : undefined;
    } catch {
      e = undefined;
    }
    noteRecord(records, caseId, row, e);
  }
  return records;
}

function issue(f: Omit<Issue, 'severity' | 'table'>, severity: Issue['severity'] = 'error'): Issue {
  return { severity, table: 'entries', ...f };
}

/**
 * One row as a read hands it out, checked and marked.
 * @param origin - the origin actor signatures of version 2 entries are
 *   checked with (the ledger's)
 * @param records - redaction records of the row's case found by reading
 *   the case itself (trace, get): they also prove an erasure, or show a
 *   payload written back, when the `redactions` table lost its row
 */
export function readEntryRow(view: ReadView, row: EntryRow, origin: string, records?: CaseRecords): LedgerEntry {
  const { checked, findings, restored } = checkStoredRow(view, row, origin);
  const seq = row.seq;
  const e = checked.decoded;
  const leaf = checked.leaf ?? new Uint8Array(0);
  const record = records?.get(seq);
  const namesThis = record !== undefined && checked.leaf !== undefined && equalBytes(record.leaf, checked.leaf);
  let state: PayloadState;
  let list = findings;
  if (e === undefined) state = 'unchecked';
  else if (checked.payload === 'bad') state = 'mismatch';
  else if (checked.payload === 'missing') {
    state = list.some((f) => f.code === 'PAYLOAD_MISSING') ? 'missing' : 'erased';
    if (state === 'missing' && namesThis) {
      // The case's own record proves the erasure; only the redactions table lost its row (verification reports that).
      list = list.filter((f) => f.code !== 'PAYLOAD_MISSING');
      state = 'erased';
    }
  } else if (restored) state = 'restored';
  else if (namesThis) {
    list = [...list, restoredPayload(seq, record!.by)];
    state = 'restored';
  } else state = 'present';
  const issues = list.map((f) => issue(f));
  let data: unknown;
  if (state === 'present') {
    try {
      data = decodePayload(row.data!);
    } catch (err) {
      issues.push(issue({ code: 'PAYLOAD_MALFORMED', seq, message: `the payload of entry ${seq} matches its commitment but cannot be shown: ${(err as Error).message}` }, 'warning'));
    }
  }
  const out: LedgerEntry = {
    seq,
    leafHash: Uint8Array.from(leaf),
    bytes: isBytes(row.bytes) ? Uint8Array.from(row.bytes) : new Uint8Array(0),
    payload: state === 'present' ? Uint8Array.from(row.data!) : null,
    salt: state === 'present' ? Uint8Array.from(row.salt!) : null,
    data,
    redacted: state === 'erased',
    payloadState: state,
    ok: !issues.some((i) => i.severity === 'error'),
    issues,
  };
  if (e !== undefined) out.entry = e;
  return out;
}
