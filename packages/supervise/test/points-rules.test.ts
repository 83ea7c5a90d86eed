/**
 * The counting rules of the violations ledger (docs/supervision.md §14.2,
 * §14.5, §14.6, §14.12), each with exact values worked out by hand: period
 * edges at midnight in Asia/Shanghai (+08:00, so 00:00 on 1 April is 16:00
 * UTC on 31 March), the cumulative deduction of a cycle, violations that
 * failed their check or were revoked left out, revocations that revoke
 * nothing, a standing's months, and why a summary cannot stand. Nothing is
 * computed while the file loads (docs/mutation.md).
 */
import { rootFromLeaves, sha256, toHex, utf8 } from '@casetrail/core/pure';
import { describe, expect, it, vi } from 'vitest';
import { isSupervisionError, type SupervisionErrorCode } from '../src/errors.js';
import type { LedgerEntry } from '../src/entry-model.js';
import type { Pack } from '../src/pack-model.js';
import { PointsBook, differingSubjects, revocationProblem } from '../src/points/book.js';
import { encodeRevocation, encodeSummary, encodeViolation, POINTS_TYPES, type Standing, type Summary, type Violation } from '../src/points/entries.js';
import type { PointsModel } from '../src/points/model.js';
import { cycleOf, knownZone, parsePeriod, periodAt, periodBounds, periodFinder, periodLabel, type Period } from '../src/points/periods.js';
import { Tally, standingCycle, tallyOf } from '../src/points/standing.js';
import { countPeriod, countedRoot, periodProblem, summaryOf, type ViolationRecord } from '../src/points/totals.js';
import { NO_UNITS, type UnitResolver } from '../src/points/units.js';

const ZONE = 'Asia/Shanghai';
/** Wall-clock time in Asia/Shanghai → ms UTC. */
const sh = (local: string): number => Date.parse(`${local}+08:00`);
const year = (y: number): Period => ({ kind: 'year', year: y, index: 1 });
const quarter = (y: number, index: number): Period => ({ kind: 'quarter', year: y, index });
const month = (y: number, index: number): Period => ({ kind: 'month', year: y, index });
const leaf = (seq: number): Uint8Array => sha256(utf8(`leaf ${seq}`));

function model(period: PointsModel['period'] = 'year'): PointsModel {
  return {
    period,
    base: 12,
    floor: 0,
    measures: [
      { at: 3, measure: 'talk', title: { zh: '谈话', en: 'talk' } },
      { at: 6, measure: 'admonish', title: { zh: '诫勉', en: 'admonish' } },
    ],
    subjects: null,
    codes: new Map([['c', { code: 'c', title: { zh: 'c', en: 'c' }, min: 1, max: 5 }]]),
  };
}

function pack(points: PointsModel | null = model()): Pack {
  return { id: 'p', version: 1, zone: ZONE, hash: 'ab'.repeat(32), points } as unknown as Pack;
}

function violation(seq: number, subject: string, at: number, points: number, more: Partial<ViolationRecord> = {}): ViolationRecord {
  const v: Violation = { alert: null, at, code: 'c', evidence: [seq - 1], points, reason: 'r', subject };
  return { seq, caseId: 'XK-1', time: at, actor: 'a', leaf: leaf(seq), v, valid: true, revokedBy: null, ...more };
}
const revokedBy = (seq: number) => ({ seq, time: 0, actor: 'a', reason: 'r', leaf: leaf(seq) });

function thrown(f: () => unknown): { code: SupervisionErrorCode; details: unknown } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (isSupervisionError(e)) return { code: e.code, details: e.details };
    throw e;
  }
}

describe('periods (§14.2)', () => {
  it('reads a year, a quarter and a month from 1970 on, and nothing else', () => {
    expect([parsePeriod('1970'), parsePeriod('2026-Q1'), parsePeriod('2026-Q4'), parsePeriod('2026-01'), parsePeriod('2026-12'), parsePeriod('9999-10')]).toEqual([
      year(1970),
      quarter(2026, 1),
      quarter(2026, 4),
      month(2026, 1),
      month(2026, 12),
      month(9999, 10),
    ]);
    for (const s of ['1969', '1969-12', '1969-Q4', '2026-Q0', '2026-Q5', '2026-q1', '2026-00', '2026-13', '2026-1', '202', '20260', ' 2026', '2026 ', '2026-01 ', 'x2026-Q1', '2026-Q1x', '2026-011', 'x2026-01', '12026-01', '12026', '12026-Q1', '']) {
      expect(parsePeriod(s), s).toBeUndefined();
    }
    expect(parsePeriod(2026 as unknown as string)).toBeUndefined();
  });
  it('the forms of a period, on a fresh load of the module (its patterns are built while it loads)', async () => {
    // A mutant of a module constant is reached while the module loads, which mutation testing does
    // not reliably activate (docs/mutation.md, "Static, not activated"): loaded again here, the
    // module builds its patterns while the test runs.
    vi.resetModules();
    const fresh = await import('../src/points/periods.js');
    expect(['2026', '2026-Q3', '2026-11'].map(fresh.parsePeriod)).toEqual([year(2026), quarter(2026, 3), month(2026, 11)]);
    for (const s of ['12026', 'x2026', '2026x', '12026-Q1', '2026-Q1x', '12026-01', 'x2026-01', '2026-011']) expect(fresh.parsePeriod(s), s).toBeUndefined();
  });
  it('names a period as it is read', () => {
    expect([year(2026), quarter(2026, 3), month(2026, 3), month(2026, 11)].map(periodLabel)).toEqual(['2026', '2026-Q3', '2026-03', '2026-11']);
  });
  it('the cycle of a period: itself, its quarter or its year; none when the period is longer', () => {
    const q = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => cycleOf(month(2026, m), 'quarter'));
    expect(q).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4].map((i) => quarter(2026, i)));
    expect([cycleOf(month(2026, 5), 'year'), cycleOf(quarter(2026, 2), 'year'), cycleOf(year(2026), 'year')]).toEqual([year(2026), year(2026), year(2026)]);
    expect([cycleOf(month(2026, 5), 'month'), cycleOf(quarter(2026, 2), 'quarter')]).toEqual([month(2026, 5), quarter(2026, 2)]);
    expect([cycleOf(year(2026), 'quarter'), cycleOf(year(2026), 'month'), cycleOf(quarter(2026, 2), 'month')]).toEqual([undefined, undefined, undefined]);
    expect(periodProblem(model('quarter'), year(2026))).toMatch(/^2026 /);
    expect([periodProblem(model('quarter'), quarter(2026, 1)), periodProblem(model('quarter'), month(2026, 1)), periodProblem(model(), year(2026))]).toEqual([null, null, null]);
  });
  it('bounds in Asia/Shanghai: from 00:00 of the first day to 00:00 of the next period, +08:00', () => {
    expect(periodBounds(year(2025), ZONE)).toEqual({ start: sh('2025-01-01T00:00'), end: sh('2026-01-01T00:00') });
    expect(periodBounds(quarter(2025, 4), ZONE)).toEqual({ start: sh('2025-10-01T00:00'), end: sh('2026-01-01T00:00') });
    expect(periodBounds(quarter(2025, 2), ZONE)).toEqual({ start: sh('2025-04-01T00:00'), end: sh('2025-07-01T00:00') });
    expect(periodBounds(month(2025, 12), ZONE)).toEqual({ start: sh('2025-12-01T00:00'), end: sh('2026-01-01T00:00') });
    expect(periodBounds(month(2024, 2), ZONE)).toEqual({ start: sh('2024-02-01T00:00'), end: sh('2024-03-01T00:00') });
    expect(periodBounds(month(2025, 11), ZONE)).toEqual({ start: sh('2025-11-01T00:00'), end: sh('2025-12-01T00:00') });
    expect(periodBounds(quarter(2025, 3), ZONE)).toEqual({ start: sh('2025-07-01T00:00'), end: sh('2025-10-01T00:00') });
    expect(sh('2025-04-01T00:00')).toBe(Date.parse('2025-03-31T16:00:00Z'));
  });
  it('bounds in a zone with daylight saving: each month from its own local midnight', () => {
    // New York: EST (−05:00) in January, EDT (−04:00) from 9 March 2025
    expect(periodBounds(month(2025, 3), 'America/New_York')).toEqual({ start: Date.parse('2025-03-01T05:00:00Z'), end: Date.parse('2025-04-01T04:00:00Z') });
    expect(periodBounds(quarter(2025, 4), 'America/New_York')).toEqual({ start: Date.parse('2025-10-01T04:00:00Z'), end: Date.parse('2026-01-01T05:00:00Z') });
    // EDT ended on Sunday 31 October 2004, the day before November: its 00:00 is at EST
    expect(periodBounds(month(2004, 11), 'America/New_York').start).toBe(Date.parse('2004-11-01T05:00:00Z'));
  });
  it('where the clocks skip midnight, a month starts when they jump: America/Asuncion went from 23:59:59 on 30 September 2023 to 01:00 on 1 October', () => {
    const z = 'America/Asuncion';
    const jump = Date.parse('2023-10-01T04:00:00Z');
    expect(periodBounds(month(2023, 10), z).start).toBe(jump);
    expect(periodBounds(month(2023, 9), z).end).toBe(jump);
    expect(periodBounds(quarter(2023, 4), z).start).toBe(jump);
    for (const [t, m] of [
      [jump - 1000, 9],
      [jump - 1800_000, 9],
      [jump, 10],
    ] as const) {
      expect(periodAt('month', t, z), new Date(t).toISOString()).toEqual(month(2023, m));
      expect(periodFinder('month', z)(t), new Date(t).toISOString()).toEqual(month(2023, m));
    }
    // a violation at 23:30 on 30 September counts in September
    const p = { ...pack(model('month')), zone: z } as Pack;
    const t = countPeriod(p, model('month'), month(2023, 9), [violation(1, 'a', jump - 1800_000, 2)], NO_UNITS, 10);
    expect(t.subjects.map((s) => [s.subject, s.deducted])).toEqual([['a', 2]]);
    expect(countPeriod(p, model('month'), month(2023, 10), [violation(1, 'a', jump - 1800_000, 2)], NO_UNITS, 10).subjects).toEqual([]);
  });
  it('where they show midnight twice, a month starts at the first: Africa/Tunis on 1 October 1978 (+02:00, then +01:00)', () => {
    expect(periodBounds(month(1978, 10), 'Africa/Tunis').start).toBe(Date.parse('1978-09-30T22:00:00Z'));
  });
  it('the period of an instant: 23:59:59.999 on the last day is in it, 00:00 on the next first day is not', () => {
    const find = { year: periodFinder('year', ZONE), quarter: periodFinder('quarter', ZONE), month: periodFinder('month', ZONE) };
    const cases: [number, Period, Period, Period][] = [
      [sh('2025-12-31T23:59:59.999'), year(2025), quarter(2025, 4), month(2025, 12)],
      [sh('2026-01-01T00:00'), year(2026), quarter(2026, 1), month(2026, 1)],
      [sh('2025-03-31T23:59:59.999'), year(2025), quarter(2025, 1), month(2025, 3)],
      [sh('2025-04-01T00:00'), year(2025), quarter(2025, 2), month(2025, 4)],
      [sh('2025-06-30T23:59:59.999'), year(2025), quarter(2025, 2), month(2025, 6)],
      [sh('2025-07-01T00:00'), year(2025), quarter(2025, 3), month(2025, 7)],
      [sh('2025-09-30T23:59:59.999'), year(2025), quarter(2025, 3), month(2025, 9)],
      [sh('2025-10-01T00:00'), year(2025), quarter(2025, 4), month(2025, 10)],
      [sh('2025-02-15T12:00'), year(2025), quarter(2025, 1), month(2025, 2)],
    ];
    for (const [t, y, q, m] of cases) {
      const at = new Date(t).toISOString();
      expect([periodAt('year', t, ZONE), periodAt('quarter', t, ZONE), periodAt('month', t, ZONE)], at).toEqual([y, q, m]);
      expect([find.year(t), find.quarter(t), find.month(t)], at).toEqual([y, q, m]);
    }
  });
  it('periodFinder before 1970 (no month starts kept) gives periodAt’s answer', () => {
    const t = sh('1969-12-31T23:00');
    expect(periodFinder('month', ZONE)(t)).toEqual(periodAt('month', t, ZONE));
    expect(periodFinder('year', ZONE)(sh('1970-01-01T00:00'))).toEqual(year(1970));
    expect(periodFinder('month', ZONE)(sh('1970-01-01T00:00'))).toEqual(month(1970, 1));
  });
  it('an unknown zone is PACK_SCHEMA naming it; a known one is known', () => {
    expect(knownZone(ZONE)).toBe(true);
    expect(knownZone('Mars/Olympus_Mons')).toBe(false);
    expect(thrown(() => periodBounds(year(2025), 'Mars/Olympus_Mons'))).toEqual({ code: 'PACK_SCHEMA', details: { zone: 'Mars/Olympus_Mons' } });
  });
});

describe('counting a period (§14.6)', () => {
  /** A yearly model; the period asked is 2025-Q2. */
  function records(): ViolationRecord[] {
    return [
      violation(1, 'a', sh('2024-12-31T23:59:59.999'), 5), // the cycle before: not counted at all
      violation(2, 'a', sh('2025-01-01T00:00'), 2), // the cycle's first instant: total only
      violation(3, 'a', sh('2025-04-01T00:00'), 3), // the period's first instant
      violation(11, 'a', sh('2025-06-30T23:59:59.999'), 1), // its last instant
      violation(4, 'a', sh('2025-07-01T00:00'), 4), // the next period: not counted
      violation(5, 'b', sh('2025-05-01T00:00'), 5, { valid: false }), // failed its check: never counted
      violation(6, 'b', sh('2025-05-02T00:00'), 2, { revokedBy: revokedBy(9) }), // revoked in the period
      violation(7, 'c', sh('2025-02-01T00:00'), 1, { revokedBy: revokedBy(8) }), // revoked before the period
      violation(10, 'B', sh('2025-05-03T00:00'), 1, { valid: null }), // not checked by this reader: counts
      violation(12, 'd', sh('2025-03-01T00:00'), 3), // earlier in the cycle: total only
    ];
  }
  it('per subject: the deduction in the period, the cycle’s total to its end, what remains, the measure, the seqs', () => {
    const t = countPeriod(pack(), model(), quarter(2025, 2), records(), NO_UNITS, 100);
    expect([t.start, t.end, t.cycleStart]).toEqual([sh('2025-04-01T00:00'), sh('2025-07-01T00:00'), sh('2025-01-01T00:00')]);
    expect([t.period, t.cycle]).toEqual([quarter(2025, 2), year(2025)]);
    expect(t.subjects).toEqual([
      { deducted: 1, measure: null, remaining: 11, revoked: [], subject: 'B', total: 1, unit: null, violations: [10] },
      { deducted: 4, measure: 'admonish', remaining: 6, revoked: [], subject: 'a', total: 6, unit: null, violations: [3, 11] },
      { deducted: 0, measure: null, remaining: 12, revoked: [6], subject: 'b', total: 0, unit: null, violations: [] },
      { deducted: 0, measure: 'talk', remaining: 9, revoked: [], subject: 'd', total: 3, unit: null, violations: [] },
    ]);
    // counted: the violations from the cycle's start to the period's end that did not fail, and the revocations
    expect(t.entries).toEqual([2, 3, 6, 7, 8, 9, 10, 11, 12]);
    expect(t.leaves.get(9)).toEqual(leaf(9));
    expect(t.leaves.get(8)).toEqual(leaf(8));
  });
  it('the seqs of a subject are in ascending order whatever order the records come in', () => {
    const rs = [violation(10, 'a', sh('2025-05-01T00:00'), 1), violation(9, 'a', sh('2025-05-02T00:00'), 1), violation(100, 'a', sh('2025-05-03T00:00'), 1, { revokedBy: revokedBy(101) }), violation(20, 'a', sh('2025-05-04T00:00'), 1, { revokedBy: revokedBy(21) })];
    const t = countPeriod(pack(), model(), month(2025, 5), rs, NO_UNITS, 1000);
    expect(t.subjects.map((s) => [s.violations, s.revoked])).toEqual([[[9, 10], [20, 100]]]);
    expect(t.entries).toEqual([9, 10, 20, 21, 100, 101]);
  });
  it('a period that is a whole cycle: deducted = total; the unit as of the position', () => {
    const units: UnitResolver = { unitOf: (s, before) => (s === 'a' && before === 77 ? 'unit:x' : null) };
    const t = countPeriod(pack(), model(), year(2025), records(), units, 77);
    expect(t.subjects.find((s) => s.subject === 'a')).toEqual({ deducted: 10, measure: 'admonish', remaining: 2, revoked: [], subject: 'a', total: 10, unit: 'unit:x', violations: [2, 3, 4, 11] });
    expect(t.subjects.map((s) => [s.subject, s.revoked])).toEqual([['B', []], ['a', []], ['b', [6]], ['c', [7]], ['d', []]]);
  });
  it('a monthly model counts a month from its own start: earlier months of the year are not in its total', () => {
    const t = countPeriod(pack(model('month')), model('month'), month(2025, 4), records(), NO_UNITS, 100);
    expect(t.cycleStart).toBe(sh('2025-04-01T00:00'));
    expect(t.subjects).toEqual([{ deducted: 3, measure: 'talk', remaining: 9, revoked: [], subject: 'a', total: 3, unit: null, violations: [3] }]);
    expect(t.entries).toEqual([3]);
  });
  it('a violation of 0 points that was not checked still lists its subject (a reader’s book counts unchecked entries)', () => {
    const rs = [violation(3, 'a', sh('2025-05-01T00:00'), 0, { valid: null })];
    expect(countPeriod(pack(), model(), month(2025, 5), rs, NO_UNITS, 10).subjects).toEqual([{ deducted: 0, measure: null, remaining: 12, revoked: [], subject: 'a', total: 0, unit: null, violations: [3] }]);
    const t = tallyOf(rs, year(2025), ZONE);
    expect(t.lines(model(), month(2025, 5), NO_UNITS, 10).map((l) => [l.subject, l.total, l.violations])).toEqual([['a', 0, [3]]]);
  });
  it('a period longer than the cycle is SUMMARY_INVALID naming it', () => {
    expect(thrown(() => countPeriod(pack(model('quarter')), model('quarter'), year(2025), [], NO_UNITS, 1))).toEqual({ code: 'SUMMARY_INVALID', details: { period: '2025' } });
  });
  it('the summary: the root over the counted entries’ leaf hashes in ledger order; an unknown leaf is INVALID_INPUT', () => {
    const t = countPeriod(pack(), model(), quarter(2025, 2), records(), NO_UNITS, 100);
    expect(countedRoot(t)).toBe(toHex(rootFromLeaves([2, 3, 6, 7, 8, 9, 10, 11, 12].map(leaf))));
    const s = summaryOf(t, pack(), null);
    expect(s).toEqual({ amends: null, entries: t.entries, pack: 'ab'.repeat(32), period: '2025-Q2', root: countedRoot(t), subjects: t.subjects });
    const noLeaf = countPeriod(pack(), model(), quarter(2025, 2), records().map((r) => (r.seq === 11 ? { ...r, leaf: null } : r)), NO_UNITS, 100);
    expect(thrown(() => countedRoot(noLeaf))).toEqual({ code: 'INVALID_INPUT', details: { seq: 11 } });
    const noRevocationLeaf = countPeriod(pack(), model(), quarter(2025, 2), records().map((r) => (r.seq === 7 ? { ...r, revokedBy: { ...revokedBy(8), leaf: null } } : r)), NO_UNITS, 100);
    expect(thrown(() => countedRoot(noRevocationLeaf))).toEqual({ code: 'INVALID_INPUT', details: { seq: 8 } });
  });
});

describe('a cycle’s tally and standing (§14.12)', () => {
  it('takes in the violations of its cycle by month and moves a revoked one to revoked', () => {
    const t = new Tally(year(2025), ZONE);
    expect([t.start, t.end]).toEqual([sh('2025-01-01T00:00'), sh('2026-01-01T00:00')]);
    expect([t.holds(sh('2024-12-31T23:59:59.999')), t.holds(sh('2025-01-01T00:00')), t.holds(sh('2025-12-31T23:59:59.999')), t.holds(sh('2026-01-01T00:00'))]).toEqual([false, true, true, false]);
    t.violation(1, { at: sh('2024-12-31T23:59:59.999'), points: 9, subject: 'a' });
    t.violation(2, { at: sh('2025-01-01T00:00'), points: 2, subject: 'a' });
    t.violation(3, { at: sh('2025-01-31T23:59:59.999'), points: 3, subject: 'a' });
    t.violation(4, { at: sh('2025-02-01T00:00'), points: 4, subject: 'a' });
    t.violation(5, { at: sh('2025-12-31T23:59:59.999'), points: 1, subject: 'b' });
    t.violation(6, { at: sh('2026-01-01T00:00'), points: 9, subject: 'b' });
    t.violation(7, { at: sh('2025-01-15T00:00'), points: 1, subject: 'B' });
    expect(t.seqCount()).toBe(5);
    t.revocation(3, { at: sh('2025-01-31T23:59:59.999'), points: 3, subject: 'a' });
    // revocations of what the tally does not count change nothing
    t.revocation(1, { at: sh('2024-12-31T23:59:59.999'), points: 9, subject: 'a' });
    t.revocation(99, { at: sh('2025-01-01T00:00'), points: 2, subject: 'a' });
    t.revocation(2, { at: sh('2025-01-01T00:00'), points: 2, subject: 'zz' });
    t.revocation(6, { at: sh('2026-01-01T00:00'), points: 9, subject: 'b' });
    expect([t.revoked(3), t.revoked(2), t.revoked(1), t.seqCount()]).toEqual([true, false, false, 5]);
    const s: Standing = t.standing('h');
    expect(s).toEqual({
      cycle: '2025',
      pack: 'h',
      subjects: [
        { subject: 'B', months: [{ month: '2025-01', points: 1, revoked: [], violations: [7] }] },
        {
          subject: 'a',
          months: [
            { month: '2025-01', points: 2, revoked: [3], violations: [2] },
            { month: '2025-02', points: 4, revoked: [], violations: [4] },
          ],
        },
        { subject: 'b', months: [{ month: '2025-12', points: 1, revoked: [], violations: [5] }] },
      ],
    });
    // a standing read back gives the same tally
    const again = Tally.of(s, year(2025), ZONE);
    expect(again.standing('h')).toEqual(s);
    expect([again.revoked(3), again.seqCount()]).toEqual([true, 5]);
  });
  it('a standing leaves out months that list nothing, and subjects left without months', () => {
    const s: Standing = {
      cycle: '2025',
      pack: 'h',
      subjects: [
        { subject: 'a', months: [{ month: '2025-01', points: 0, revoked: [], violations: [] }] },
        { subject: 'b', months: [] },
        {
          subject: 'c',
          months: [
            { month: '2025-02', points: 0, revoked: [], violations: [] },
            { month: '2025-03', points: 0, revoked: [7], violations: [] },
          ],
        },
      ],
    };
    expect(Tally.of(s, year(2025), ZONE).standing('h').subjects).toEqual([{ subject: 'c', months: [{ month: '2025-03', points: 0, revoked: [7], violations: [] }] }]);
  });
  it('revoked seqs are kept ascending', () => {
    const t = new Tally(year(2025), ZONE);
    for (const seq of [30, 4, 200]) t.violation(seq, { at: sh('2025-03-01T00:00'), points: 1, subject: 'a' });
    for (const seq of [200, 4, 30]) t.revocation(seq, { at: sh('2025-03-01T00:00'), points: 1, subject: 'a' });
    expect(t.standing('h').subjects).toEqual([{ subject: 'a', months: [{ month: '2025-03', points: 0, revoked: [4, 30, 200], violations: [] }] }]);
  });
  it('the lines of a period: months in it deducted, months before it in the total only, months after it left out', () => {
    const t = new Tally(year(2025), ZONE);
    t.violation(1, { at: sh('2025-03-31T23:59:59.999'), points: 2, subject: 'a' });
    t.violation(2, { at: sh('2025-04-01T00:00'), points: 3, subject: 'a' });
    t.violation(3, { at: sh('2025-06-30T23:59:59.999'), points: 1, subject: 'a' });
    t.violation(4, { at: sh('2025-07-01T00:00'), points: 5, subject: 'a' });
    t.violation(5, { at: sh('2025-05-01T00:00'), points: 1, subject: 'b' });
    t.violation(6, { at: sh('2025-01-10T00:00'), points: 1, subject: 'c' });
    t.violation(7, { at: sh('2025-08-10T00:00'), points: 1, subject: 'e' });
    t.violation(9, { at: sh('2025-05-01T00:00'), points: 2, subject: 'b' });
    t.revocation(5, { at: sh('2025-05-01T00:00'), points: 1, subject: 'b' });
    const units: UnitResolver = { unitOf: (s, before) => (s === 'b' && before === 50 ? 'unit:b' : null) };
    expect(t.lines(model(), quarter(2025, 2), units, 50)).toEqual([
      { subject: 'a', unit: null, deducted: 4, total: 6, remaining: 6, measure: model().measures[1], violations: [2, 3], revoked: [] },
      { subject: 'b', unit: 'unit:b', deducted: 2, total: 2, remaining: 10, measure: null, violations: [9], revoked: [5] },
      { subject: 'c', unit: null, deducted: 0, total: 1, remaining: 11, measure: null, violations: [], revoked: [] },
    ]);
    expect(t.lines(model(), month(2025, 7), NO_UNITS, 50).map((l) => [l.subject, l.deducted, l.total, l.violations])).toEqual([
      ['a', 5, 11, [4]],
      ['b', 0, 2, []],
      ['c', 0, 1, []],
    ]);
  });
  it('tallyOf: the violations that did not fail their check, then their revocations', () => {
    const rs = [
      violation(1, 'a', sh('2025-02-01T00:00'), 2, { revokedBy: revokedBy(5) }),
      violation(2, 'a', sh('2025-02-02T00:00'), 3, { valid: false }),
      violation(3, 'a', sh('2025-02-03T00:00'), 1, { valid: null }),
      violation(4, 'a', sh('2024-02-03T00:00'), 1),
    ];
    expect(tallyOf(rs, year(2025), ZONE).standing('h').subjects).toEqual([{ subject: 'a', months: [{ month: '2025-02', points: 1, revoked: [1], violations: [3] }] }]);
  });
  it('a standing’s cycle is a period of the model’s kind', () => {
    expect([standingCycle('2025', model()), standingCycle('2025-Q1', model('quarter')), standingCycle('2025-03', model('month'))]).toEqual([year(2025), quarter(2025, 1), month(2025, 3)]);
    expect([standingCycle('2025-Q1', model()), standingCycle('2025', model('quarter')), standingCycle('2025-03', model()), standingCycle('x', model())]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('the book (§14.5, §14.6)', () => {
  const entry = (seq: number, type: string, data: unknown, caseId = 'XK-1', time = sh('2026-02-01T00:00')): LedgerEntry => ({ seq, time, caseId, step: seq, type, actor: 'a', data, leaf: leaf(seq) });
  const v = (subject: string, at: number): Violation => ({ alert: null, at, code: 'c', evidence: [1], points: 2, reason: 'r', subject });
  const asEntry = (e: LedgerEntry, payload: string): LedgerEntry => ({ ...e, payload, data: JSON.parse(payload) });

  it('a revocation revokes a violation of its own case that no earlier revocation revoked', () => {
    const lookup = (s: number) => (s === 1 ? { caseId: 'XK-1', revoked: false } : s === 2 ? { caseId: 'XK-1', revoked: true } : undefined);
    expect(revocationProblem({ reason: 'r', violation: 1 }, 'XK-1', lookup)).toBeNull();
    expect(revocationProblem({ reason: 'r', violation: 1 }, 'XK-2', lookup)).toEqual(expect.any(String));
    expect(revocationProblem({ reason: 'r', violation: 2 }, 'XK-1', lookup)).toEqual(expect.any(String));
    expect(revocationProblem({ reason: 'r', violation: 3 }, 'XK-1', lookup)).toEqual(expect.any(String));
  });
  it('takes in violations, revocations and summaries; a revocation that revokes nothing is ignored; a malformed entry is listed', () => {
    const at = sh('2025-03-01T00:00');
    const entries = [
      asEntry(entry(1, 'app.step', null), '{"x":1}'),
      asEntry(entry(2, POINTS_TYPES.violation, null), encodeViolation(v('a', at))),
      asEntry(entry(3, POINTS_TYPES.violation, null, 'XK-2'), encodeViolation(v('b', at))),
      asEntry(entry(4, POINTS_TYPES.revoked, null, 'XK-2'), encodeRevocation({ reason: 'other case', violation: 2 })),
      asEntry(entry(5, POINTS_TYPES.revoked, null), encodeRevocation({ reason: 'not a violation', violation: 1 })),
      asEntry(entry(6, POINTS_TYPES.revoked, null), encodeRevocation({ reason: 'stands', violation: 2 })),
      asEntry(entry(7, POINTS_TYPES.revoked, null), encodeRevocation({ reason: 'twice', violation: 2 })),
      asEntry(entry(8, POINTS_TYPES.violation, null), '{"not":"a violation"}'),
      asEntry(entry(9, POINTS_TYPES.summary, null), '{}'),
    ];
    const book = PointsBook.from(entries);
    expect([...book.records.keys()]).toEqual([2, 3]);
    const r = book.records.get(2)!;
    expect([r.caseId, r.time, r.actor, r.valid, r.v]).toEqual(['XK-1', entries[1]!.time, 'a', null, v('a', at)]);
    expect(r.leaf).toEqual(leaf(2));
    expect(r.revokedBy).toEqual({ seq: 6, time: entries[5]!.time, actor: 'a', reason: 'stands', leaf: leaf(6) });
    expect(book.records.get(3)!.revokedBy).toBeNull();
    expect(book.malformed).toEqual([8, 9]);
    expect([book.lookup(2), book.lookup(3), book.lookup(1)]).toEqual([{ caseId: 'XK-1', revoked: true }, { caseId: 'XK-2', revoked: false }, undefined]);
    // only a malformed payload (a SupervisionError) is listed; any other error is not swallowed
    const broken = { ...entries[1]!, get payload(): string { throw new TypeError('storage failed'); } } as LedgerEntry;
    expect(() => new PointsBook().add(broken)).toThrow(TypeError);
    // an entry without a leaf hash gives a record without one
    const bare = new PointsBook();
    expect(bare.addViolation({ ...entry(1, POINTS_TYPES.violation, null), leaf: undefined } as unknown as LedgerEntry, v('a', at), false)).toEqual({ seq: 1, caseId: 'XK-1', time: entries[0]!.time, actor: 'a', leaf: null, v: v('a', at), valid: false, revokedBy: null });
  });
  it('a summary stands only for an ended period no longer than a cycle, of the pack in force, amending its latest summary', () => {
    const book = new PointsBook();
    const s = (period: string, amends: Summary['amends'] = null, packHash = 'ab'.repeat(32)): Summary => ({ amends, entries: [], pack: packHash, period, root: '', subjects: [] });
    const at = (time: number) => entry(20, POINTS_TYPES.summary, null, 'casetrail.points', time);
    const ended = at(sh('2026-01-01T00:00'));
    expect(book.summaryProblem(s('2025'), ended, pack())).toBeNull();
    expect(book.summaryProblem(s('2025'), at(sh('2025-12-31T23:59:59.999')), pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025-Q4'), ended, pack())).toBeNull();
    expect(book.summaryProblem(s('2025'), ended, null)).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025'), ended, pack(null))).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025', null, 'cd'.repeat(32)), ended, pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025-13'), ended, pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025'), ended, pack(model('quarter')))).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025-Q4'), ended, pack(model('quarter')))).toBeNull();
    expect(book.summaryProblem(s('2025', { reason: 'r', summary: 10 }), ended, pack())).toEqual(expect.any(String));
    book.addSummary(entry(10, POINTS_TYPES.summary, null), s('2025'));
    expect([...book.summaries]).toEqual([['2025', 10]]);
    expect(book.summaryLog).toEqual([{ seq: 10, period: '2025' }]);
    expect(book.summaryProblem(s('2025'), ended, pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025', { reason: 'r', summary: 10 }), ended, pack())).toBeNull();
    expect(book.summaryProblem(s('2025', { reason: 'r', summary: 9 }), ended, pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025-Q4'), ended, pack())).toBeNull();
    book.addSummary(entry(12, POINTS_TYPES.summary, null), s('2025', { reason: 'r', summary: 10 }));
    expect(book.summaryProblem(s('2025', { reason: 'r', summary: 10 }), ended, pack())).toEqual(expect.any(String));
    expect(book.summaryProblem(s('2025', { reason: 'r', summary: 12 }), ended, pack())).toBeNull();
    expect(book.summaryLog).toEqual([
      { seq: 10, period: '2025' },
      { seq: 12, period: '2025' },
    ]);
  });
  it('the expected summary is the canonical text of the period counted from the book', () => {
    const book = new PointsBook();
    book.addViolation(entry(2, POINTS_TYPES.violation, null), v('a', sh('2025-03-01T00:00')), true);
    book.addViolation(entry(3, POINTS_TYPES.violation, null), v('a', sh('2025-04-01T00:00')), true);
    const text = book.expectedSummary(pack(), '2025-Q1', NO_UNITS, 10, null);
    expect(text).toBe(
      encodeSummary({
        amends: null,
        entries: [2],
        pack: 'ab'.repeat(32),
        period: '2025-Q1',
        root: toHex(rootFromLeaves([leaf(2)])),
        subjects: [{ deducted: 2, measure: null, remaining: 10, revoked: [], subject: 'a', total: 2, unit: null, violations: [2] }],
      }),
    );
    expect(thrown(() => book.expectedSummary(pack(null), '2025-Q1', NO_UNITS, 10, null))?.code).toBe('SUMMARY_INVALID');
    expect(thrown(() => book.expectedSummary(pack(), '2025-Q5', NO_UNITS, 10, null))?.code).toBe('SUMMARY_INVALID');
  });
  it('differing subjects: those whose lines differ or that only one summary lists, sorted', () => {
    const line = (subject: string, deducted: number) => ({ deducted, measure: null, remaining: 12 - deducted, revoked: [], subject, total: deducted, unit: null, violations: [] });
    const sum = (...subjects: ReturnType<typeof line>[]): Summary => ({ amends: null, entries: [], pack: '', period: '2025', root: '', subjects });
    expect(differingSubjects(sum(line('a', 1), line('c', 2), line('d', 1)), sum(line('a', 1), line('b', 1), line('d', 2)))).toEqual(['b', 'c', 'd']);
    expect(differingSubjects(sum(line('a', 1)), sum(line('a', 1)))).toEqual([]);
  });
});
