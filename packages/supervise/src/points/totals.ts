/**
 * Counting points (docs/supervision.md §14.6): which violations a period
 * counts, each subject's deduction, remaining points and measure, and the
 * RFC 9162 root over the entries counted. One function for the live totals
 * (`points`), the summary the writer records and the summary the audit
 * recomputes, so the three cannot disagree.
 */
import { rootFromLeaves, toHex } from '@casetrail/core/pure';
import { SupervisionError } from '../errors.js';
import type { Pack } from '../pack-model.js';
import type { Summary, SummarySubject, Violation } from './entries.js';
import { measureReached, remainingPoints, type PointsModel } from './model.js';
import { cycleOf, periodBounds, periodLabel, type Period } from './periods.js';
import type { UnitResolver } from './units.js';

/** A violation entry as the book keeps it, with the revocation that revoked it, if any. */
export interface ViolationRecord {
  readonly seq: number;
  readonly caseId: string;
  readonly time: number;
  readonly actor: string;
  /** its leaf hash (what a summary's root is over), when known */
  readonly leaf: Uint8Array | null;
  readonly v: Violation;
  /** false: it does not check at its position (never counted); null: not checked by this reader */
  valid: boolean | null;
  revokedBy: { readonly seq: number; readonly time: number; readonly actor: string; readonly reason: string; readonly leaf: Uint8Array | null } | null;
}

export interface Totals {
  readonly period: Period;
  /** the counting cycle the period lies in */
  readonly cycle: Period;
  /** the period's instants [start, end) and its cycle's start */
  readonly start: number;
  readonly end: number;
  readonly cycleStart: number;
  /** by subject (code-unit order) */
  readonly subjects: readonly SummarySubject[];
  /** the violation and revocation entries counted, ascending (a summary's leaves) */
  readonly entries: readonly number[];
  /** leaf hash of each counted entry, when known */
  readonly leaves: ReadonlyMap<number, Uint8Array | null>;
}

/**
 * Why a period cannot be counted under a model (it is longer than a cycle), or null.
 */
export function periodProblem(model: PointsModel, period: Period): string | null {
  return cycleOf(period, model.period) === undefined ? `${periodLabel(period)} spans several ${model.period} cycles of the points model: ask for a ${model.period} or a shorter period` : null;
}

interface Tally {
  deducted: number;
  total: number;
  violations: number[];
  revoked: number[];
}

/**
 * Counts a period: the violations whose `at` lies in the period's cycle up
 * to the period's end and that did not fail their check, with their
 * revocations; per subject the points deducted in the period, in the cycle
 * up to its end (`total`), what remains, and the measure reached.
 * @param records every violation recorded before `beforeSeq`, with the revocations recorded before it
 * @throws SupervisionError SUMMARY_INVALID when the period is longer than a cycle
 */
export function countPeriod(pack: Pack, model: PointsModel, period: Period, records: Iterable<ViolationRecord>, units: UnitResolver, beforeSeq: number): Totals {
  const cycle = cycleOf(period, model.period);
  if (cycle === undefined) throw new SupervisionError('SUMMARY_INVALID', periodProblem(model, period) ?? '', { period: periodLabel(period) });
  const { start, end } = periodBounds(period, pack.zone);
  const cycleStart = periodBounds(cycle, pack.zone).start;
  const tallies = new Map<string, Tally>();
  const leaves = new Map<number, Uint8Array | null>();
  for (const r of records) {
    if (r.valid === false || r.v.at < cycleStart || r.v.at >= end) continue;
    leaves.set(r.seq, r.leaf);
    const inPeriod = r.v.at >= start;
    let t = tallies.get(r.v.subject);
    if (t === undefined) tallies.set(r.v.subject, (t = { deducted: 0, total: 0, violations: [], revoked: [] }));
    if (r.revokedBy !== null) {
      leaves.set(r.revokedBy.seq, r.revokedBy.leaf);
      if (inPeriod) t.revoked.push(r.seq);
      continue;
    }
    t.total += r.v.points;
    if (inPeriod) {
      t.deducted += r.v.points;
      t.violations.push(r.seq);
    }
  }
  const subjects: SummarySubject[] = [];
  for (const [subject, t] of [...tallies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (t.total === 0 && t.violations.length === 0 && t.revoked.length === 0) continue;
    subjects.push({
      deducted: t.deducted,
      measure: measureReached(model, t.total)?.measure ?? null,
      remaining: remainingPoints(model, t.total),
      revoked: t.revoked.sort((a, b) => a - b),
      subject,
      total: t.total,
      unit: units.unitOf(subject, beforeSeq),
      violations: t.violations.sort((a, b) => a - b),
    });
  }
  return { period, cycle, start, end, cycleStart, subjects, entries: [...leaves.keys()].sort((a, b) => a - b), leaves };
}

/**
 * The RFC 9162 root (lowercase hex) over the leaf hashes of the counted entries, in ledger order.
 * @throws SupervisionError INVALID_INPUT when a counted entry's leaf hash is unknown
 */
export function countedRoot(t: Totals): string {
  const leaves = t.entries.map((s) => {
    const l = t.leaves.get(s);
    if (l == null) throw new SupervisionError('INVALID_INPUT', `the leaf hash of entry ${s} is unknown: a summary's root is over the leaf hashes of the entries it counts`, { seq: s });
    return l;
  });
  return toHex(rootFromLeaves(leaves));
}

/** The summary payload of a counted period (§14.3). */
export function summaryOf(t: Totals, pack: Pack, amends: Summary['amends']): Summary {
  return { amends, entries: t.entries, pack: pack.hash, period: periodLabel(t.period), root: countedRoot(t), subjects: t.subjects };
}
