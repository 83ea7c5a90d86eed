/**
 * Stored rows as the ledger hands them out: decoded from their bytes, and,
 * where a caller must decide on them (trace, the extension read view,
 * followers), checked first with verification's own single-row checks and
 * redaction rule (checks/ of @casetrail/verify), so that the index columns
 * are never believed over the bytes.
 */
import {
  LedgerError,
  checkEntryRow,
  decodeEntry,
  equalBytes,
  isBytes,
  isReserved,
  payloadCommitment,
  redactionProblem,
  type CheckedRow,
  type Entry,
  type Finding,
} from '@casetrail/verify';
import type { EntryRow, ReadView } from '../store/store.js';
import type { PreparedStep } from './prepare.js';
import type { Receipt } from './types.js';

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
  /**
   * The raw 32-byte Ed25519 public keys of the entry's actor signatures, in
   * the entry's order (format.md §4.4): each signature verified over the
   * entry's statement before the step was written, or by the row's checks
   * when it was read back. Which actor owns which key is the layer's to say.
   */
  signers: Uint8Array[];
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
    signers: entry.sigs.map((s) => Uint8Array.from(s.publicKey)),
  };
}

/**
 * Why the payload of entry `seq` (decoded as `entry`, leaf hash `leaf`) is
 * not proven erased, or undefined if a redaction entry proves it (format.md
 * §4.5, the rule of checks/redaction.ts): the `redactions` table only says
 * where to look.
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
 * Every check one stored row allows: the single-row checks of verification;
 * for a missing payload, the redaction that must prove its erasure; for a
 * present one, that no redaction the `redactions` table names proved it
 * erased (an erased payload written back is not data, format.md §4.5).
 * @returns the row's facts, and what is wrong with it (empty when nothing is)
 */
export function checkStoredRow(view: ReadView, row: EntryRow, origin: string): { checked: CheckedRow; findings: Finding[]; restored: boolean } {
  const checked = checkEntryRow(row, origin);
  const findings = [...checked.issues];
  let restored = false;
  if (checked.leaf !== undefined && checked.decoded !== undefined) {
    if (checked.payload === 'missing') {
      const why = unprovenErasure(view, row.seq, checked.leaf, checked.decoded);
      if (why !== undefined) {
        findings.push({ code: 'PAYLOAD_MISSING', seq: row.seq, message: `payload of entry ${row.seq} is missing and no valid redaction entry erased it (${why})` });
      }
    } else if (checked.payload === 'ok' && view.redactionOf(row.seq) !== undefined && unprovenErasure(view, row.seq, checked.leaf, checked.decoded) === undefined) {
      findings.push(restoredPayload(row.seq, view.redactionOf(row.seq)!.by_seq));
      restored = true;
    }
  }
  return { checked, findings, restored };
}

/** An erased payload present again (format.md §4.5): an issue, never data. */
export function restoredPayload(seq: number, by: number): Finding {
  return { code: 'REDACTION_INVALID', seq, message: `the payload of entry ${seq}, erased by redaction entry ${by}, is present again: it is not shown` };
}

/** STORAGE_ERROR for a row that does not match its bytes or its chain: a writer never decides on it. */
export function tamperedRow(f: Finding, what: string): LedgerError {
  return new LedgerError('STORAGE_ERROR', `entry ${f.seq ?? '?'} does not match its stored bytes or its chain (${f.code}: ${f.message}); ${what}: run verify`, {
    seq: f.seq,
    issue: f.code,
  });
}

/**
 * The entry of `s`'s case that already holds `s`'s nonce, as the receipt
 * of a step appended before (format.md §4.6), or undefined when there is
 * none. The row the nonce index gives is checked first with every check one
 * row allows: an index column is never believed, and a false receipt is
 * never given.
 * @param index - the step's place in its batch (`details.index`)
 * @throws IDEMPOTENCY_CONFLICT when that entry is another step (type, actor,
 *   payload or statement differ); STORAGE_ERROR when the row does not hold
 */
export function earlierStepOfNonce(view: ReadView, s: PreparedStep, origin: string, index: number): Omit<Receipt, 'treeSize'> | undefined {
  // 16 fresh random bytes repeat with probability 2^-128 (and the unique index would refuse it): no lookup.
  if (s.nonceFrom === 'fresh') return undefined;
  const rows = view.caseNonce(s.caseId, s.nonce);
  const row = rows[0];
  if (row === undefined) return undefined;
  const { checked, findings } = checkStoredRow(view, row, origin);
  if (findings.length > 0) throw tamperedRow(findings[0]!, 'nothing was written');
  const e = checked.decoded!;
  if (e.caseId !== s.caseId || e.nonce === undefined || !equalBytes(e.nonce, s.nonce)) {
    throw tamperedRow({ code: 'INDEX_MISMATCH', seq: row.seq, message: `the nonce index gives entry ${row.seq}, whose bytes hold another case or nonce` }, 'nothing was written');
  }
  let same = e.type === s.type && e.actor === s.actor;
  if (same && s.nonceFrom === 'key') {
    // The payload is compared through the signed commitment; once erased, type and actor alone (format.md §4.6).
    same = !isBytes(row.salt, 32) || equalBytes(payloadCommitment(row.salt, s.payload), e.commit);
  } else if (same) {
    same = equalBytes(s.commit, e.commit) && (s.time === undefined || s.time === e.time);
  }
  if (!same) {
    throw new LedgerError(
      'IDEMPOTENCY_CONFLICT',
      `steps[${index}]: entry ${e.seq} of case ${JSON.stringify(e.caseId)} already has this ${s.nonceFrom === 'key' ? 'idempotency key' : 'nonce'} with another ${e.type !== s.type ? 'type' : e.actor !== s.actor ? 'actor' : 'payload'}; nothing was written: a key names one step`,
      { index, seq: e.seq },
    );
  }
  return { seq: e.seq, caseId: e.caseId, step: e.step, time: e.time, leafHash: checked.leaf! };
}
