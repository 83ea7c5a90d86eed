/**
 * Counting from a standing (docs/supervision.md §14.12) against counting
 * every entry (§14.6), over random books: violations of 40 subjects spread
 * over two years (many at the first and last instants of a month in
 * Asia/Shanghai), revocations valid and not, violations that failed their
 * check; the standing taken at every tenth position, encoded, parsed back and
 * continued with the entries after it. For every year, quarter and month of
 * each cycle the lines must be those `countPeriod` gives.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeStanding, parsePointsPayload, POINTS_TYPES, standingCase, type Violation } from '../src/index.js';
import { PointsBook } from '../src/points/book.js';
import { periodBounds, periodLabel, type Period } from '../src/points/periods.js';
import { Tally, tallyOf } from '../src/points/standing.js';
import { countPeriod, type ViolationRecord } from '../src/points/totals.js';
import { NO_UNITS } from '../src/points/units.js';
import type { Pack, PointsModel } from '../src/index.js';
import { examplePack } from './helpers/sim-ledger.js';
import { rng } from '../../core/test/helpers/reliability-config.js';

// Loaded before each test, not while the file loads: mutation testing (docs/mutation.md, "No work
// while test files load") only activates a mutant of the points model's zone check in code a test runs.
let pack: Pack;
let model: PointsModel;
let zone: string;
beforeEach(() => {
  pack = examplePack();
  model = pack.points!;
  zone = pack.zone;
});

type Op = { seq: number; kind: 'violation'; caseId: string; v: Violation; valid: boolean } | { seq: number; kind: 'revocation'; caseId: string; target: number };

function randomOps(seed: number, n: number): Op[] {
  const r = rng(seed);
  const ops: Op[] = [];
  const edges: number[] = [];
  for (const year of [2025, 2026]) {
    for (let m = 1; m <= 12; m++) {
      const { start, end } = periodBounds({ kind: 'month', year, index: m }, zone);
      edges.push(start, end - 1);
    }
  }
  const violations: { seq: number; caseId: string }[] = [];
  for (let seq = 100; ops.length < n; seq += 1 + Math.floor(r() * 3)) {
    if (violations.length > 0 && r() < 0.2) {
      // Mostly a violation of its own case; sometimes another case's, or one revoked already (both revoke nothing).
      const t = violations[Math.floor(r() * violations.length)]!;
      const caseId = r() < 0.85 ? t.caseId : 'XK-other';
      ops.push({ seq, kind: 'revocation', caseId, target: t.seq });
      continue;
    }
    const at = r() < 0.3 ? edges[Math.floor(r() * edges.length)]! : edges[0]! + Math.floor(r() * (edges[edges.length - 1]! - edges[0]!));
    const caseId = `XK-${Math.floor(r() * 30)}`;
    const v: Violation = { alert: null, at, code: 'fee.over-standard', evidence: [seq - 1], points: 1 + Math.floor(r() * 4), reason: 'x', subject: `clerk:${Math.floor(r() * 40)}` };
    ops.push({ seq, kind: 'violation', caseId, v, valid: r() > 0.1 });
    violations.push({ seq, caseId });
  }
  return ops;
}

/** The book after `ops`, each violation's check verdict as drawn. */
function bookOf(ops: readonly Op[]): PointsBook {
  const book = new PointsBook();
  for (const o of ops) {
    const e = { seq: o.seq, time: 0, caseId: o.caseId, step: 1, type: '', actor: 'a', data: null };
    if (o.kind === 'violation') book.addViolation(e, o.v, o.valid);
    else book.addRevocation(e, { reason: 'r', violation: o.target });
  }
  return book;
}

/** The tally at `k` (through a standing's bytes) continued with ops[k..], as the reader does. */
function continued(ops: readonly Op[], k: number, cycle: Period): Tally {
  const before = bookOf(ops.slice(0, k));
  const seq = (ops[k]?.seq ?? 1e9) - 0.5;
  const bytes = encodeStanding(tallyOf(before.records.values(), cycle, zone).standing(pack.hash));
  const label = periodLabel(cycle);
  const standing = parsePointsPayload(POINTS_TYPES.standing, bytes, { seq: Math.ceil(seq), time: 0, caseId: standingCase(label) });
  const t = Tally.of(standing, cycle, zone);
  const all = bookOf(ops);
  const counted = new Set(standing.subjects.flatMap((s) => s.months.flatMap((m) => m.violations)));
  const revokedHere = new Set<number>();
  for (const o of ops.slice(k)) {
    if (o.kind === 'violation') {
      if (o.valid) t.violation(o.seq, o.v);
      if (o.valid) counted.add(o.seq);
      continue;
    }
    const target = all.records.get(o.target);
    // The book's rule: a violation of the revocation's own case, not revoked before.
    if (target === undefined || target.caseId !== o.caseId || revokedHere.has(o.target) || before.records.get(o.target)?.revokedBy != null) continue;
    revokedHere.add(o.target);
    if (counted.has(o.target)) t.revocation(o.target, target.v);
  }
  return t;
}

function periodsOf(year: number): Period[] {
  return [
    { kind: 'year', year, index: 1 },
    ...[1, 2, 3, 4].map((index) => ({ kind: 'quarter' as const, year, index })),
    ...Array.from({ length: 12 }, (_, i) => ({ kind: 'month' as const, year, index: i + 1 })),
  ];
}

describe('counting from a standing gives what counting every entry gives', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 300 random entries, a standing at every tenth position, every period of 2025 and 2026`, () => {
      const ops = randomOps(seed, 300);
      const all = bookOf(ops);
      for (const year of [2025, 2026]) {
        const cycle: Period = { kind: 'year', year, index: 1 };
        for (let k = 0; k <= ops.length; k += 10) {
          const t = continued(ops, k, cycle);
          for (const period of periodsOf(year)) {
            const want = countPeriod(pack, model, period, all.records.values() as Iterable<ViolationRecord>, NO_UNITS, 1e9).subjects.map((s) => [s.subject, s.deducted, s.total, s.remaining, s.measure, s.violations, s.revoked]);
            const got = t.lines(model, period, NO_UNITS, 1e9).map((s) => [s.subject, s.deducted, s.total, s.remaining, s.measure?.measure ?? null, s.violations, s.revoked]);
            expect(got, `${periodLabel(period)}, standing at ${k}`).toEqual(want);
          }
        }
      }
    });
  }

  it('the random books are not trivial: revocations, invalid violations and month edges all occur', () => {
    const ops = randomOps(1, 300);
    const all = bookOf(ops);
    const recs = [...all.records.values()];
    expect(recs.filter((r) => r.revokedBy !== null).length).toBeGreaterThan(10);
    expect(recs.filter((r) => r.valid === false).length).toBeGreaterThan(5);
    expect(ops.filter((o) => o.kind === 'revocation').length).toBeGreaterThan(recs.filter((r) => r.revokedBy !== null).length);
  });
});
