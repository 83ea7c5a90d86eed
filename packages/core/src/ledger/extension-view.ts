/**
 * The read view an extension gets inside the append transaction: a case's
 * earlier steps, entries by type, the tail — each row decoded from its
 * stored bytes and checked with verification's own rules (its leaf hash,
 * index columns and payload against its bytes, and the per-case chain
 * between the steps it returns), so that a layer never decides on a
 * tampered index column. Reads are counted against the extension's limit.
 */
import { LedgerError, caseLinkFinding, caseOrderFinding, checkIntIn, checkNat, decodePayload, type CaseTail, type Finding } from '@casetrail/verify';
import type { EntryRow, WriteTx } from '../store/store.js';
import type { ExtensionView as View, Registered } from './extensions.js';
import { checkStoredRow, committedStep, tamperedRow, type CommittedStep } from './rows.js';

/** Most rows one view call returns. */
const MAX_ROWS_PER_CALL = 1_000;

function tampered(f: Finding): never {
  throw tamperedRow(f, 'nothing was written');
}

export class ExtensionView implements View {
  private reads = 0;

  constructor(
    private readonly tx: WriteTx,
    private readonly origin: string,
    private readonly r: Registered,
    private readonly tailNow: () => { size: number; time: number; leaf: Uint8Array },
  ) {}

  private count(rows: number): void {
    this.reads += rows;
    if (this.reads > this.r.maxReadsPerTransaction) {
      throw new LedgerError('EXTENSION_FAILED', `extension ${this.r.ext.name} read more than ${this.r.maxReadsPerTransaction} rows in one transaction; nothing was written`, {
        extension: this.r.ext.name,
        limit: 'maxReadsPerTransaction',
      });
    }
  }

  /** One row, every check one row allows, as a CommittedStep. */
  private checked(row: EntryRow): { step: CommittedStep; tail: CaseTail; casePrev: Uint8Array } {
    const { checked, findings } = checkStoredRow(this.tx, row, this.origin);
    if (findings.length > 0) tampered(findings[0]!);
    const e = checked.decoded!;
    const data = checked.payload === 'ok' ? decodePayload(row.data!) : undefined;
    return { step: committedStep(e, checked.leaf!, data), tail: { step: e.step, leaf: checked.leaf!, seq: e.seq }, casePrev: e.casePrev };
  }

  size(): number {
    return this.tailNow().size;
  }

  tail(): { seq: number; time: number; leafHash: Uint8Array } | undefined {
    const t = this.tailNow();
    return t.size === 0 ? undefined : { seq: t.size - 1, time: t.time, leafHash: Uint8Array.from(t.leaf) };
  }

  caseSteps(caseId: string, options: { fromStep?: number; limit?: number } = {}): CommittedStep[] {
    const fromStep = options.fromStep ?? 1;
    const limit = options.limit ?? MAX_ROWS_PER_CALL;
    checkNat(fromStep, 'fromStep', 1);
    checkIntIn(limit, 'limit', 1, MAX_ROWS_PER_CALL);
    // The step before the first one returned is read too: the first link is checked against it.
    const rows = this.tx.caseEntries(caseId, fromStep === 1 ? 1 : fromStep - 1, fromStep === 1 ? limit : limit + 1);
    this.count(rows.length);
    const out: CommittedStep[] = [];
    let prior: CaseTail | undefined;
    for (const [i, row] of rows.entries()) {
      const c = this.checked(row);
      if (i === 0 && fromStep > 1 && c.step.step !== fromStep - 1) {
        tampered({ code: 'CASE_STEP_MISMATCH', seq: c.step.seq, message: `the case index gives entry ${c.step.seq} (step ${c.step.step}) where step ${fromStep - 1} of case ${JSON.stringify(caseId)} belongs` });
      }
      const link = caseLinkFinding(c.step.seq, { caseId: c.step.caseId, step: c.step.step, casePrev: c.casePrev }, prior) ?? caseOrderFinding(c.step.seq, prior);
      if (c.step.caseId !== caseId) tampered({ code: 'INDEX_MISMATCH', seq: c.step.seq, message: `entry ${c.step.seq} is not of case ${JSON.stringify(caseId)}` });
      // The step before `fromStep` has no predecessor read: its own link is not judged here.
      if (link !== undefined && (prior !== undefined || fromStep === 1)) tampered(link);
      if (c.step.step >= fromStep) out.push(c.step);
      prior = c.tail;
    }
    return out;
  }

  caseTail(caseId: string): CommittedStep | undefined {
    const t = this.tx.caseTail(caseId);
    this.count(1);
    if (t === undefined) return undefined;
    if (!Number.isSafeInteger(t.step) || t.step < 1) tampered({ code: 'INDEX_MISMATCH', seq: t.seq, message: `the case index gives step ${String(t.step)}` });
    return this.caseSteps(caseId, { fromStep: t.step, limit: 1 })[0];
  }

  entriesOfType(type: string, options: { after?: number; limit?: number } = {}): CommittedStep[] {
    const limit = options.limit ?? MAX_ROWS_PER_CALL;
    checkIntIn(limit, 'limit', 1, MAX_ROWS_PER_CALL);
    if (options.after !== undefined) checkNat(options.after, 'after');
    const rows = this.tx.query({ type, fromSeq: options.after === undefined ? 0 : options.after + 1, limit });
    this.count(rows.length);
    return rows.map((row) => {
      const c = this.checked(row).step;
      if (c.type !== type) tampered({ code: 'INDEX_MISMATCH', seq: c.seq, message: `entry ${c.seq} is not of type ${JSON.stringify(type)}` });
      return c;
    });
  }

  entry(seq: number): CommittedStep | undefined {
    checkNat(seq, 'seq');
    const row = this.tx.entry(seq);
    this.count(1);
    return row === undefined ? undefined : this.checked(row).step;
  }
}
