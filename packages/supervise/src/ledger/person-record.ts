/**
 * A person's record (廉政档案, docs/supervision.md §14.10), read in one
 * snapshot of a ledger file, every row checked from its bytes: the
 * subject's violations with their revocations, the totals per cycle, the
 * alerts their steps raised or that were confirmed against them, and the
 * case steps concerning them (the actor index, the steps whose payload names
 * them in a field a pack charges, and the evidence). Memory is bounded by
 * `maxSteps`: the indexes are read a page at a time, and only what concerns
 * the subject is kept.
 */
import { SYSTEM_CASE, TYPES, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Message } from '../pack-model.js';
import { PointsBook } from '../points/book.js';
import { chargingFields, namingField } from '../points/checks.js';
import { remainingPoints, type Measure } from '../points/model.js';
import { parsePeriod, periodBounds, periodFinder } from '../points/periods.js';
import { parseSystemPayload, type AlertPayload } from '../system-entries.js';
import { inSnapshot } from './reports.js';
import { adoptedIn, bookOf, clockOf, linesOf, packsIn, pointsPackIn, rowOf, sizeOf, stepsIn, type PointsPack, type StepRef, type ViolationRow } from './points-report.js';
import { checkStoredViolations, viewUnits, type ViolationProblem } from './points-writer.js';
import { eachOfType, storedEntry } from './stored.js';

/** An alert of a person's record. */
export interface RecordAlert extends StepRef {
  readonly rule: string;
  readonly level: string;
  readonly reason: Message;
  readonly triggeredBy: readonly number[];
}

/** A case step of a person's record, and how it concerns them. */
export type RecordStep = StepRef & ({ readonly role: 'actor' | 'evidence' } | { readonly role: 'named'; readonly field: string });

/** A person's record (廉政档案, `record`). */
export interface SubjectRecord {
  readonly subject: string;
  readonly unit: string | null;
  readonly size: number;
  readonly clock: number | null;
  readonly pack: PointsPack;
  /** every violation of the subject, revoked ones included, in seq order */
  readonly violations: readonly ViolationRow[];
  /** per cycle of the points model with a violation of the subject (revoked or not): the totals */
  readonly periods: readonly { readonly period: string; readonly ended: boolean; readonly deducted: number; readonly remaining: number; readonly measure: Measure | null; readonly violations: readonly number[]; readonly revoked: readonly number[] }[];
  /** alerts triggered by the subject's steps or cited against them, in seq order */
  readonly alerts: readonly RecordAlert[];
  /**
   * the case steps concerning the subject, in seq order: those it took (the
   * actor index), those whose payload names it in a field a pack charges
   * (`named`, with the field), and those cited as evidence against it
   */
  readonly steps: readonly RecordStep[];
  /** steps beyond `maxSteps` not listed */
  readonly moreSteps: number;
  /** the subject's violations that do not check at their position (§14.4): listed, never counted */
  readonly invalid: readonly ViolationProblem[];
  readonly malformed: readonly number[];
}

/**
 * A person's record: every violation of the subject with its revocation,
 * each checked at its position as the audit checks it (one that does not
 * check is listed in `invalid` and not counted),
 * the points by period and the measures reached, the alerts their steps
 * raised or that were confirmed against them, and the case steps concerning them.
 * @param opts.maxSteps steps listed at most (default 10,000; the rest counted in moreSteps)
 * @throws SupervisionError POINTS_MODEL_MISSING, STORED_ENTRY_INVALID
 */
export async function ledgerRecord(location: string, subject: string, opts: { maxSteps?: number; size?: number } = {}): Promise<SubjectRecord> {
  const maxSteps = opts.maxSteps ?? 10_000;
  return inSnapshot(location, (view, origin) => {
    const size = sizeOf(view, opts.size);
    const pack = pointsPackIn(view, origin, size);
    const clock = clockOf(view, origin, size);
    const book = bookOf(view, origin, size);
    const units = viewUnits(view, origin, size);
    const mine = [...book.records.values()].filter((r) => r.v.subject === subject).sort((a, b) => a.seq - b.seq);
    // A person's record is read before an appointment: each violation is checked at its position (they are few), and one that does not check is shown as such and never counted.
    const invalid = checkStoredViolations(view, origin, mine, packsIn(view, origin, size), units);
    const cycleAt = periodFinder(pack.model.period, pack.zone);
    const violations = mine.map((r) => rowOf(r, cycleAt));
    const cycles = [...new Set(violations.map((v) => v.period))].sort();
    const own = new PointsBook();
    for (const r of mine) own.records.set(r.seq, r);
    const periods = cycles.map((label) => {
      const period = parsePeriod(label)!;
      const line = linesOf(pack, period, own, units, size)[0];
      const ended = clock !== null && clock >= periodBounds(period, pack.zone).end;
      return line === undefined
        ? { period: label, ended, deducted: 0, remaining: remainingPoints(pack.model, 0), measure: null, violations: [], revoked: [] }
        : { period: label, ended, deducted: line.total, remaining: line.remaining, measure: line.measure, violations: line.violations, revoked: line.revoked };
    });
    // The subject's own steps, by the actor index (each checked from its bytes).
    const acted: LedgerEntry[] = [];
    let moreSteps = 0;
    for (let from = 0; ; ) {
      const rows = view.query({ actor: subject, fromSeq: from, toSeq: size, limit: 1000 });
      for (const row of rows) {
        const e = storedEntry(view, row, origin).entry;
        if (e.actor !== subject) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${e.seq} is not by ${subject}: its index column was changed (run \`casetrail verify\`)`, { seq: e.seq });
        if (e.caseId.startsWith('casetrail.') || e.type.startsWith('casetrail.')) continue;
        if (acted.length < maxSteps) acted.push(e);
        else moreSteps++;
      }
      if (rows.length < 1000) break;
      from = rows[rows.length - 1]!.seq + 1;
    }
    // The steps naming the subject in a field a pack adopted in the ledger charges (a handler who took no step), by the type index: a page at a time, the matches kept.
    const named: RecordStep[] = [];
    for (const [type, fields] of chargingFields(adoptedIn(view, origin, size).map((a) => a.pack))) {
      for (const e of eachOfType(view, origin, type, size)) {
        const field = e.actor === subject ? undefined : namingField(e, fields, subject);
        if (field === undefined) continue;
        if (acted.length + named.length < maxSteps) named.push({ seq: e.seq, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, time: e.time, role: 'named', field });
        else moreSteps++;
      }
    }
    const evidence = new Set(violations.flatMap((v) => v.evidence));
    const steps = new Map<number, RecordStep>();
    for (const e of acted) steps.set(e.seq, { seq: e.seq, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, time: e.time, role: 'actor' });
    for (const s of named) if (!steps.has(s.seq)) steps.set(s.seq, s);
    for (const s of stepsIn(view, origin, evidence).values()) if (!steps.has(s.seq) && !s.type.startsWith('casetrail.')) steps.set(s.seq, { ...s, role: 'evidence' });
    const mySteps = new Set([...acted, ...named].map((e) => e.seq));
    const alerts: RecordAlert[] = [];
    for (const e of eachOfType(view, origin, TYPES.alert, size)) {
      if (e.caseId === SYSTEM_CASE) continue;
      let a: AlertPayload;
      try {
        a = parseSystemPayload(TYPES.alert, e.payload ?? '', e);
      } catch (err) {
        if (err instanceof SupervisionError) continue;
        throw err;
      }
      if (!evidence.has(e.seq) && !a.triggeredBy.some((s) => mySteps.has(s))) continue;
      alerts.push({ seq: e.seq, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, time: e.time, rule: a.rule, level: a.level, reason: a.reason, triggeredBy: a.triggeredBy });
    }
    return {
      subject,
      unit: units.unitOf(subject, size),
      size,
      clock,
      pack,
      violations,
      periods,
      alerts,
      steps: [...steps.values()].sort((a, b) => a.seq - b.seq),
      moreSteps,
      malformed: book.malformed,
      invalid,
    };
  });
}
