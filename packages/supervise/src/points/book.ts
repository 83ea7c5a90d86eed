/**
 * The book of the violations ledger: every violation entry with the
 * revocation that revoked it, and the summaries recorded per period — built
 * from the entries in ledger order (docs/supervision.md §14). The audit,
 * the writer's summary and the read commands keep one; it holds one record
 * per violation (about 300 bytes), nothing per step.
 */
import type { LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Pack } from '../pack-model.js';
import { POINTS_TYPES, encodeSummary, parsePointsPayload, type Revocation, type Summary, type Violation } from './entries.js';
import { parsePeriod, periodBounds } from './periods.js';
import { countPeriod, periodProblem, summaryOf, type ViolationRecord } from './totals.js';
import type { UnitResolver } from './units.js';

/** Looks a violation up by seq: its case and whether it was revoked, or undefined when seq is no violation entry. */
export type ViolationLookup = (seq: number) => { readonly caseId: string; readonly revoked: boolean } | undefined;

/**
 * The rule of a revocation (§14.5), whoever looks the target up: it revokes
 * a violation entry of its own case that no earlier revocation revoked.
 */
export function revocationProblem(r: Revocation, caseId: string, lookup: ViolationLookup): string | null {
  const target = lookup(r.violation);
  if (target === undefined || target.caseId !== caseId) return `${r.violation} is not a violation of case ${caseId}`;
  if (target.revoked) return `violation ${r.violation} was already revoked`;
  return null;
}

export class PointsBook {
  readonly records = new Map<number, ViolationRecord>();
  /** period label → the seq of its latest summary */
  readonly summaries = new Map<string, number>();
  /** every summary taken in, in ledger order (a standing one is the latest of its period) */
  readonly summaryLog: { readonly seq: number; readonly period: string }[] = [];
  /** entries of the violations ledger whose payload does not parse (§14.3), by seq */
  readonly malformed: number[] = [];

  /**
   * A book of the violations ledger entries among `entries` (ledger order),
   * unchecked (`valid: null`): what the read commands show. Malformed ones
   * are listed in `malformed`; an invalid revocation is ignored.
   */
  static from(entries: Iterable<LedgerEntry>): PointsBook {
    const book = new PointsBook();
    for (const e of entries) book.add(e);
    return book;
  }

  /** Takes an entry of the violations ledger into the book, unchecked (other entries are ignored). */
  add(e: LedgerEntry): void {
    try {
      if (e.type === POINTS_TYPES.violation) this.addViolation(e, parsePointsPayload(POINTS_TYPES.violation, e.payload ?? { value: e.data }, e), null);
      else if (e.type === POINTS_TYPES.revoked) this.addRevocation(e, parsePointsPayload(POINTS_TYPES.revoked, e.payload ?? { value: e.data }, e));
      else if (e.type === POINTS_TYPES.summary) this.addSummary(e, parsePointsPayload(POINTS_TYPES.summary, e.payload ?? { value: e.data }, e));
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      this.malformed.push(e.seq);
    }
  }

  /** Adds a violation entry (valid: its check's verdict, or null when not checked). */
  addViolation(e: LedgerEntry, v: Violation, valid: boolean | null): ViolationRecord {
    const r: ViolationRecord = { seq: e.seq, caseId: e.caseId, time: e.time, actor: e.actor, leaf: e.leaf ?? null, v, valid, revokedBy: null };
    this.records.set(e.seq, r);
    return r;
  }

  readonly lookup: ViolationLookup = (seq) => {
    const r = this.records.get(seq);
    return r === undefined ? undefined : { caseId: r.caseId, revoked: r.revokedBy !== null };
  };

  /** Applies a revocation entry if it is valid; returns its problem otherwise (it is then ignored). */
  addRevocation(e: LedgerEntry, r: Revocation): string | null {
    const p = revocationProblem(r, e.caseId, this.lookup);
    if (p !== null) return p;
    const target = this.records.get(r.violation) as ViolationRecord;
    target.revokedBy = { seq: e.seq, time: e.time, actor: e.actor, reason: r.reason, leaf: e.leaf ?? null };
    return null;
  }

  /**
   * Why a summary cannot stand at its position, before its totals are
   * compared (§14.6): the pack it names must be in force with a points
   * model, its period no longer than a cycle and ended by the summary's
   * time, and a second summary of a period must amend the latest one.
   */
  summaryProblem(s: Summary, e: LedgerEntry, pack: Pack | null): string | null {
    if (pack?.points == null) return 'no pack with a points model is in force';
    if (s.pack !== pack.hash) return `it names pack ${s.pack.slice(0, 12)}…, not the pack in force (${pack.hash.slice(0, 12)}…)`;
    const period = parsePeriod(s.period);
    if (period === undefined) return `${s.period} is not a period`;
    const p = periodProblem(pack.points, period);
    if (p !== null) return p;
    const { end } = periodBounds(period, pack.zone);
    if (e.time < end) return `period ${s.period} has not ended by the summary's time (it ends at ${new Date(end).toISOString()})`;
    const latest = this.summaries.get(s.period);
    if (s.amends === null && latest !== undefined) return `period ${s.period} was summarized in entry ${latest}: a second summary amends it (cites it and says why)`;
    if (s.amends !== null && s.amends.summary !== latest) {
      return latest === undefined ? `period ${s.period} has no summary to amend` : `an amendment of ${s.period} cites its latest summary, ${latest}, not ${s.amends.summary}`;
    }
    return null;
  }

  /** Records a summary that stands (the latest of its period). */
  addSummary(e: LedgerEntry, s: Summary): void {
    this.summaries.set(s.period, e.seq);
    this.summaryLog.push({ seq: e.seq, period: s.period });
  }

  /**
   * The summary that must be recorded at position `seq` for `period`: its
   * canonical payload text, counted from the book.
   */
  expectedSummary(pack: Pack, periodText: string, units: UnitResolver, seq: number, amends: Summary['amends']): string {
    const period = parsePeriod(periodText);
    if (pack.points === null || period === undefined) throw new SupervisionError('SUMMARY_INVALID', `cannot count ${periodText} under pack ${pack.id}`);
    return encodeSummary(summaryOf(countPeriod(pack, pack.points, period, this.records.values(), units, seq), pack, amends));
  }
}

/** The subjects whose lines differ between two summaries (by subject id), for the audit's findings. */
export function differingSubjects(recorded: Summary, expected: Summary): string[] {
  const key = (s: Summary['subjects'][number]) => JSON.stringify(s);
  const a = new Map(recorded.subjects.map((s) => [s.subject, key(s)]));
  const b = new Map(expected.subjects.map((s) => [s.subject, key(s)]));
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const [k, v] of b) if (a.get(k) !== v) out.add(k);
  return [...out].sort();
}
