/**
 * Stored rows as the ledger hands them out: decoded from their bytes, and,
 * where a caller must decide on them (trace, the extension read view,
 * followers), checked first with verification's own single-row checks and
 * redaction rule (checks/ of @casetrail/verify), so that the index columns
 * are never believed over the bytes.
 */
import {
  checkEntryRow,
  decodeEntry,
  decodePayload,
  isReserved,
  redactionProblem,
  type CheckedRow,
  type Entry,
  type Finding,
} from '@casetrail/verify';
import type { EntryRow, ReadView } from '../store/store.js';
import type { LedgerEntry } from './types.js';

/** A step as committed, decoded from the bytes written (what extensions and subscribers see). */
export interface CommittedStep {
  seq: number;
  time: number;
  caseId: string;
  step: number;
  type: string;
  actor: string;
  /** The parsed payload; undefined when it was erased by a redaction. */
  data: unknown;
  /** SHA-256(0x00 ‖ entry bytes), recomputed. */
  leafHash: Uint8Array;
  /** Written by the library or a layer (a reserved `casetrail.` type). */
  system: boolean;
}

export function committedStep(entry: Entry, leafHash: Uint8Array, data: unknown): CommittedStep {
  return {
    seq: entry.seq,
    time: entry.time,
    caseId: entry.caseId,
    step: entry.step,
    type: entry.type,
    actor: entry.actor,
    data,
    leafHash,
    system: isReserved(entry.type),
  };
}

/** A row as read back by get/query/stream (decoded; MALFORMED_ENTRY if its bytes are corrupt). */
export function toLedgerEntry(row: EntryRow): LedgerEntry {
  const bytes = Uint8Array.from(row.bytes);
  const entry = decodeEntry(bytes);
  const redacted = row.data === null;
  return {
    seq: row.seq,
    leafHash: Uint8Array.from(row.leaf),
    bytes,
    entry,
    payload: redacted ? null : Uint8Array.from(row.data!),
    salt: row.salt === null ? null : Uint8Array.from(row.salt),
    data: redacted ? undefined : decodePayload(row.data!),
    redacted,
  };
}

/**
 * Why the missing payload of entry `seq` (decoded as `entry`, leaf hash
 * `leaf`) is not proven erased, or undefined if a redaction entry proves it
 * (format.md §4.5, the rule of checks/redaction.ts): the `redactions` table
 * only says where to look.
 */
export function unprovenErasure(view: ReadView, seq: number, leaf: Uint8Array, entry: Pick<Entry, 'caseId' | 'type'>): string | undefined {
  const by = view.redactionOf(seq)?.by_seq;
  if (typeof by !== 'number') return `no redaction entry erased entry ${seq}`;
  const row = by > seq ? view.entry(by) : undefined;
  if (row === undefined) return `redaction entry ${by} is not a later entry`;
  let record: Entry;
  try {
    record = decodeEntry(row.bytes);
  } catch (e) {
    return `redaction entry ${by} does not decode: ${(e as Error).message}`;
  }
  if (record.seq !== by) return `entry ${by} says it is entry ${record.seq}`;
  return redactionProblem({ seq, leaf, entry }, { seq: by, entry: record, payload: row.data, salt: row.salt });
}

/**
 * Every check one stored row allows: the single-row checks of verification,
 * and for a missing payload the redaction that must prove its erasure.
 * @returns the row's facts, and what is wrong with it (empty when nothing is)
 */
export function checkStoredRow(view: ReadView, row: EntryRow): { checked: CheckedRow; findings: Finding[] } {
  const checked = checkEntryRow(row);
  const findings = [...checked.issues];
  if (checked.payload === 'missing' && checked.leaf !== undefined && checked.decoded !== undefined) {
    const why = unprovenErasure(view, row.seq, checked.leaf, checked.decoded);
    if (why !== undefined) {
      findings.push({ code: 'PAYLOAD_MISSING', seq: row.seq, message: `payload of entry ${row.seq} is missing and no valid redaction entry erased it (${why})` });
    }
  }
  return { checked, findings };
}
