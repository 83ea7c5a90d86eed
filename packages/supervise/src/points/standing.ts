/**
 * Standings (docs/supervision.md §14.12): a cycle's counts as of a
 * position, recorded by the writer so that the live totals need not read
 * every violation of the cycle. A standing holds, per subject and per month
 * of the violations' `at`, the points of the violations that count, their
 * seqs and the seqs of the revoked ones. The audit recomputes each from the
 * book (`tallyOf`); the writer and the read commands continue the latest one
 * with the entries after it (`Tally.violation`, `Tally.revocation`); and a
 * period's lines come from a tally by `linesOfTally`, which gives what
 * `countPeriod` gives over the same entries.
 */
import { measureReached, remainingPoints, type PointsModel } from './model.js';
import { cycleOf, parsePeriod, periodBounds, periodFinder, periodLabel, type Period } from './periods.js';
import type { Standing, Violation } from './entries.js';
import type { ViolationRecord } from './totals.js';
import type { UnitResolver } from './units.js';

interface MonthTally {
  points: number;
  violations: number[];
  revoked: number[];
}

/** A subject's line of a period, counted from a tally (the shape of the read commands' lines). */
export interface TallyLine {
  readonly subject: string;
  readonly unit: string | null;
  readonly deducted: number;
  readonly total: number;
  readonly remaining: number;
  readonly measure: ReturnType<typeof measureReached>;
  readonly violations: readonly number[];
  readonly revoked: readonly number[];
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The counts of one cycle: subject → month label → points, violations, revoked. */
export class Tally {
  private readonly subjects = new Map<string, Map<string, MonthTally>>();
  private readonly monthOf: (t: number) => Period;
  readonly start: number;
  readonly end: number;

  constructor(
    /** the cycle, e.g. `2026` */
    readonly cycle: Period,
    readonly zone: string,
  ) {
    this.monthOf = periodFinder('month', zone);
    ({ start: this.start, end: this.end } = periodBounds(cycle, zone));
  }

  /** A tally holding a recorded standing's counts (its cycle must be `cycle`). */
  static of(s: Standing, cycle: Period, zone: string): Tally {
    const t = new Tally(cycle, zone);
    for (const line of s.subjects) {
      const months = new Map<string, MonthTally>();
      for (const m of line.months) months.set(m.month, { points: m.points, violations: [...m.violations], revoked: [...m.revoked] });
      t.subjects.set(line.subject, months);
    }
    return t;
  }

  /** Whether the tally lists violation `seq` as revoked. */
  revoked(seq: number): boolean {
    for (const months of this.subjects.values()) for (const m of months.values()) if (m.revoked.includes(seq)) return true;
    return false;
  }

  /** The seqs the tally lists (counted and revoked). */
  seqCount(): number {
    let n = 0;
    for (const months of this.subjects.values()) for (const m of months.values()) n += m.violations.length + m.revoked.length;
    return n;
  }

  /** Whether a violation's `at` lies in the cycle. */
  holds(at: number): boolean {
    return at >= this.start && at < this.end;
  }

  private month(subject: string, at: number): MonthTally {
    let months = this.subjects.get(subject);
    if (months === undefined) this.subjects.set(subject, (months = new Map()));
    const label = periodLabel(this.monthOf(at));
    let m = months.get(label);
    if (m === undefined) months.set(label, (m = { points: 0, violations: [], revoked: [] }));
    return m;
  }

  /** A violation that counts (its seq after every seq taken in so far); one outside the cycle is ignored. */
  violation(seq: number, v: Pick<Violation, 'at' | 'points' | 'subject'>): void {
    if (!this.holds(v.at)) return;
    const m = this.month(v.subject, v.at);
    m.points += v.points;
    m.violations.push(seq);
  }

  /**
   * The revocation of a violation this tally counts: it moves to `revoked`
   * and its points no longer count. A violation it does not count (outside
   * the cycle, or never counted) is left alone.
   */
  revocation(seq: number, v: Pick<Violation, 'at' | 'points' | 'subject'>): void {
    if (!this.holds(v.at)) return;
    const m = this.subjects.get(v.subject)?.get(periodLabel(this.monthOf(v.at)));
    const i = m === undefined ? -1 : m.violations.indexOf(seq);
    if (m === undefined || i < 0) return;
    m.violations.splice(i, 1);
    m.points -= v.points;
    m.revoked.push(seq);
    m.revoked.sort((a, b) => a - b);
  }

  /** The standing payload of this tally (§14.12): months with nothing left out, subjects in code-unit order. */
  standing(pack: string): Standing {
    const subjects: Standing['subjects'][number][] = [];
    for (const subject of [...this.subjects.keys()].sort(byCodeUnits)) {
      const months = [...this.subjects.get(subject)!]
        .filter(([, m]) => m.violations.length > 0 || m.revoked.length > 0)
        .sort(([a], [b]) => byCodeUnits(a, b))
        .map(([month, m]) => ({ month, points: m.points, revoked: [...m.revoked], violations: [...m.violations] }));
      if (months.length > 0) subjects.push({ months, subject });
    }
    return { cycle: periodLabel(this.cycle), pack, subjects };
  }

  /**
   * The lines of `period` (a period of this cycle): per subject the points
   * of the months in the period (`deducted`), of the months from the
   * cycle's start to the period's end (`total`), what remains, the measure,
   * and the seqs — as `countPeriod` counts them (§14.6).
   */
  lines(model: PointsModel, period: Period, units: UnitResolver, beforeSeq: number): TallyLine[] {
    const { start, end } = periodBounds(period, this.zone);
    const where = new Map<string, 'in' | 'before' | 'after'>();
    const place = (label: string): 'in' | 'before' | 'after' => {
      let p = where.get(label);
      if (p === undefined) {
        const s = periodBounds(parsePeriod(label)!, this.zone).start;
        where.set(label, (p = s >= end ? 'after' : s >= start ? 'in' : 'before'));
      }
      return p;
    };
    const out: TallyLine[] = [];
    for (const subject of [...this.subjects.keys()].sort(byCodeUnits)) {
      let deducted = 0;
      let total = 0;
      const violations: number[] = [];
      const revoked: number[] = [];
      for (const [label, m] of this.subjects.get(subject)!) {
        const p = place(label);
        if (p === 'after') continue;
        total += m.points;
        if (p === 'before') continue;
        deducted += m.points;
        violations.push(...m.violations);
        revoked.push(...m.revoked);
      }
      if (total === 0 && violations.length === 0 && revoked.length === 0) continue;
      out.push({
        subject,
        unit: units.unitOf(subject, beforeSeq),
        deducted,
        total,
        remaining: remainingPoints(model, total),
        measure: measureReached(model, total),
        violations: violations.sort((a, b) => a - b),
        revoked: revoked.sort((a, b) => a - b),
      });
    }
    return out;
  }
}

/**
 * The tally of `cycle` over a book's records (every violation recorded
 * before a position, with the revocations recorded before it): what a
 * standing recorded at that position must hold. A violation that failed its
 * check (`valid: false`) never counts.
 */
export function tallyOf(records: Iterable<ViolationRecord>, cycle: Period, zone: string): Tally {
  const t = new Tally(cycle, zone);
  const revoked: ViolationRecord[] = [];
  for (const r of records) {
    if (r.valid === false) continue;
    t.violation(r.seq, r.v);
    if (r.revokedBy !== null) revoked.push(r);
  }
  for (const r of revoked) t.revocation(r.seq, r.v);
  return t;
}

/** The cycle of a points model a standing's `cycle` must be, or undefined when its label is none. */
export function standingCycle(label: string, model: PointsModel): Period | undefined {
  const p = parsePeriod(label);
  if (p === undefined || p.kind !== model.period) return undefined;
  return cycleOf(p, model.period);
}
