/**
 * The points model of a rule pack (docs/supervision.md §14.1) and its
 * calendar periods (§14.2): what the example pack declares, the defaults
 * filled in, packs written before the model keeping their bytes and hash,
 * bad models refused with a code and a position, and period boundaries in
 * Asia/Shanghai (23:30 on 31 December Beijing time is 15:30 UTC, and
 * belongs to that year).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SupervisionError, loadPack, type SupervisionErrorCode } from '../src/index.js';
import { measureReached, remainingPoints } from '../src/points/model.js';
import { cycleOf, parsePeriod, periodAt, periodBounds, periodFinder, periodLabel } from '../src/points/periods.js';
import { examplePack, sh } from './helpers/sim-ledger.js';
import { leafHash, rootFromLeaves, utf8, verifyInclusion } from '@casetrail/core/pure';
import { summaryInclusionPath } from '../src/points/summary-proof.js';

const ENGINE_TEST = readFileSync(new URL('./vectors/inputs/engine-test.yaml', import.meta.url), 'utf8');

/** A small pack with a points model; `extra` is appended at the pack level, `rule` inside its one rule. */
function pointsPack(extra = 'base: 12\n', rule = '    code: fee.over\n    charge: actor\n'): string {
  return `casetrail: supervise/1
pack: p
version: 1
steps:
  fee.charged: { fields: { item: string, amountFen: int } }
  application.received: { fields: { handler: string, count: int } }
rules:
  - id: fee.big
    version: 1
    point: fee
    kind: cel
    on: [fee.charged]
    when: step.data.amountFen > 100
    level: red
    message: { zh: x, en: x }
${rule}points:
  fee.over: { title: { zh: 超标收费, en: over }, points: 3 }
${extra}`;
}

function refusal(yaml: string): { code: SupervisionErrorCode; message: string; line?: number } {
  try {
    loadPack(yaml, 'p.yaml');
  } catch (e) {
    if (!(e instanceof SupervisionError)) throw e;
    const pos = e.details['position'] as { line: number } | undefined;
    return { code: e.code, message: e.message, ...(pos === undefined ? {} : { line: pos.line }) };
  }
  throw new Error('the pack was accepted');
}

describe('the points model of a pack', () => {
  it('the example pack: a yearly base of 12, floor 0, talk/admonish/accountability at 3/6/12, three 情形 and who each charges', () => {
    const p = examplePack();
    const m = p.points!;
    expect([m.period, m.base, m.floor, m.subjects]).toEqual(['year', 12, 0, null]);
    expect(m.measures.map((x) => [x.at, x.measure, x.title.zh])).toEqual([
      [3, 'talk', '谈话提醒'],
      [6, 'admonish', '诫勉'],
      [12, 'accountability', '问责'],
    ]);
    expect([...m.codes.values()].map((c) => [c.code, c.min, c.max])).toEqual([
      ['fee.over-standard', 3, 3],
      ['order.review-before-decision', 2, 2],
      ['deadline.approval', 2, 2],
    ]);
    const v = (id: string) => p.ruleById.get(id)!.violation;
    expect([...v('fee.over-standard')!.codes]).toEqual([['red', 'fee.over-standard']]);
    expect(v('fee.over-standard')!.charge).toEqual({ kind: 'actor' });
    expect([...v('order.review-before-decision')!.codes]).toEqual([['red', 'order.review-before-decision']]);
    // Only a red card of the deadline deducts points, and it charges the case's handler.
    expect([...v('deadline.approval')!.codes]).toEqual([['red', 'deadline.approval']]);
    expect(v('deadline.approval')!.charge).toEqual({ kind: 'field', field: 'handler', of: 'application.received' });
    expect(v('content.decision-basis')).toBeNull();
  });

  it('remaining = base − deducted, never below the floor; the measure is the highest threshold reached', () => {
    const m = examplePack().points!;
    expect([0, 2, 3, 5, 6, 11, 12, 15].map((d) => [remainingPoints(m, d), measureReached(m, d)?.measure ?? null])).toEqual([
      [12, null],
      [10, null],
      [9, 'talk'],
      [7, 'talk'],
      [6, 'admonish'],
      [1, 'admonish'],
      [0, 'accountability'],
      [0, 'accountability'],
    ]);
    const floored = loadPack(pointsPack('base: 12\nfloor: 4\n')).points!;
    expect(remainingPoints(floored, 11)).toBe(4);
  });

  it('the defaults (period year, floor 0, no measures) are part of the canonical form', () => {
    const p = loadPack(pointsPack());
    const json = p.json as Record<string, unknown>;
    expect([json['period'], json['floor'], json['measures'], json['base']]).toEqual(['year', 0, [], 12]);
    expect(loadPack(pointsPack('base: 12\nperiod: year\nfloor: 0\nmeasures: []\n')).hash).toBe(p.hash);
  });

  it('a pack written before the points model keeps its canonical bytes and hash', () => {
    // The hash the frozen supervise-1 vector recorded for this pack.
    expect(loadPack(ENGINE_TEST).hash).toBe('dd5240b35d1150132e8a8055d8b0971c2e7b3b84c32e388e357eb664f4d1747a');
    expect(loadPack(ENGINE_TEST).points).toBeNull();
  });

  it('a code map names the levels whose confirmation deducts points', () => {
    const yaml = pointsPack('base: 12\n', '    code: { red: fee.over }\n    charge: { field: handler, of: application.received }\n');
    expect([...loadPack(yaml).ruleById.get('fee.big')!.violation!.codes]).toEqual([['red', 'fee.over']]);
    const ranged = loadPack(pointsPack('base: 12\n').replace('points: 3 }', 'points: { min: 1, max: 4 } }'));
    expect(ranged.points!.codes.get('fee.over')).toMatchObject({ min: 1, max: 4 });
  });

  const bad: [string, string, SupervisionErrorCode, RegExp][] = [
    ['period without points', pointsPack('base: 12\n').replace(/points:\n.*\n/, '') + 'period: year\n', 'PACK_SCHEMA', /code fee.over|belongs to a points model/],
    ['points without base', pointsPack(''), 'PACK_SCHEMA', /needs base/],
    ['floor above base', pointsPack('base: 3\nfloor: 4\n'), 'PACK_SCHEMA', /floor 4 is above base 3/],
    ['measures not ascending', pointsPack('base: 12\nmeasures:\n  - { at: 6, measure: a, title: { zh: x, en: x } }\n  - { at: 3, measure: b, title: { zh: x, en: x } }\n'), 'PACK_SCHEMA', /ascending/],
    ['a measure twice', pointsPack('base: 12\nmeasures:\n  - { at: 3, measure: a, title: { zh: x, en: x } }\n  - { at: 6, measure: a, title: { zh: x, en: x } }\n'), 'PACK_SCHEMA', /twice/],
    ['a range with min above max', pointsPack('base: 12\n').replace('points: 3 }', 'points: { min: 4, max: 1 } }'), 'PACK_SCHEMA', /min 4 is above max 1/],
    ['a code not under points', pointsPack('base: 12\n', '    code: fee.under\n    charge: actor\n'), 'PACK_UNKNOWN_FIELD', /fee.under is not under points/],
    ['a code without charge', pointsPack('base: 12\n', '    code: fee.over\n'), 'PACK_SCHEMA', /code and charge go together/],
    ['a charge field that is not a string field', pointsPack('base: 12\n', '    code: fee.over\n    charge: { field: count, of: application.received }\n'), 'PACK_UNKNOWN_FIELD', /no string field count/],
    ['a charge of an undeclared type', pointsPack('base: 12\n', '    code: fee.over\n    charge: { field: handler, of: case.opened }\n'), 'PACK_UNKNOWN_FIELD', /case.opened/],
    ['a level the rule does not raise', pointsPack('base: 12\n', '    code: { yellow: fee.over }\n    charge: actor\n'), 'PACK_SCHEMA', /raises no yellow alert/],
    ['rule-level points (the 情形 holds them)', pointsPack('base: 12\n', '    code: fee.over\n    charge: actor\n    points: 3\n'), 'PACK_RESERVED', /given once, under the pack's points/],
    ['an unknown zone', pointsPack('base: 12\nzone: Mars/Olympus\n'), 'PACK_SCHEMA', /Mars\/Olympus/],
    ['a bad subject prefix', pointsPack('base: 12\nsubjects: [Clerk]\n'), 'PACK_SCHEMA', /subject prefix/],
  ];
  for (const [what, yaml, code, message] of bad) {
    it(`refuses ${what}: ${code}`, () => {
      const r = refusal(yaml);
      expect(r.code).toBe(code);
      expect(r.message).toMatch(message);
      expect(r.message).toMatch(/^p\.yaml:\d+:\d+: /);
    });
  }
});

describe('calendar periods in the pack’s zone', () => {
  it('reads 2026, 2026-Q3 and 2026-11, and nothing else', () => {
    expect(['2026', '2026-Q3', '2026-11'].map((t) => periodLabel(parsePeriod(t)!))).toEqual(['2026', '2026-Q3', '2026-11']);
    for (const t of ['26', '2026-Q5', '2026-13', '2026-1', '2026-00', '1969', '2026-q3', ' 2026', '2026-11-01']) expect(parsePeriod(t), t).toBeUndefined();
  });

  it('a year in Asia/Shanghai runs from 16:00 UTC on 31 December of the year before', () => {
    expect(periodBounds(parsePeriod('2025')!, 'Asia/Shanghai')).toEqual({ start: Date.parse('2024-12-31T16:00:00Z'), end: Date.parse('2025-12-31T16:00:00Z') });
    expect(periodBounds(parsePeriod('2025-Q4')!, 'Asia/Shanghai')).toEqual({ start: Date.parse('2025-09-30T16:00:00Z'), end: Date.parse('2025-12-31T16:00:00Z') });
    expect(periodBounds(parsePeriod('2026-02')!, 'Asia/Shanghai')).toEqual({ start: Date.parse('2026-01-31T16:00:00Z'), end: Date.parse('2026-02-28T16:00:00Z') });
  });

  it('23:30 on 31 December Beijing time (15:30 UTC) belongs to that year; 00:00 on 1 January to the next', () => {
    const late = sh('2025-12-31T23:30');
    expect(new Date(late).toISOString()).toBe('2025-12-31T15:30:00.000Z');
    expect(periodLabel(periodAt('year', late, 'Asia/Shanghai'))).toBe('2025');
    expect(periodLabel(periodAt('quarter', late, 'Asia/Shanghai'))).toBe('2025-Q4');
    expect(periodLabel(periodAt('year', sh('2026-01-01T00:00'), 'Asia/Shanghai'))).toBe('2026');
    // In UTC the same instant is still 2025, and 16:30 UTC is 2026 in Beijing.
    expect(periodLabel(periodAt('year', Date.parse('2025-12-31T16:30:00Z'), 'Asia/Shanghai'))).toBe('2026');
  });

  it('a zone with daylight saving: months start at local midnight', () => {
    expect(periodBounds(parsePeriod('2026-04')!, 'Europe/Berlin')).toEqual({ start: Date.parse('2026-03-31T22:00:00Z'), end: Date.parse('2026-04-30T22:00:00Z') });
  });

  it('periodFinder (the reports’ fast path) gives periodAt’s answer, also a second either side of each month’s start', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Pacific/Kiritimati', 'UTC']) {
      for (const kind of ['year', 'quarter', 'month'] as const) {
        const find = periodFinder(kind, zone);
        for (let m = 1; m <= 25; m++) {
          const start = periodBounds({ kind: 'month', year: 2025 + Math.floor((m - 1) / 12), index: ((m - 1) % 12) + 1 }, zone).start;
          for (const t of [start - 1000, start, start + 1000, start + 15 * 86_400_000]) expect(periodLabel(find(t)), `${zone} ${kind} ${new Date(t).toISOString()}`).toBe(periodLabel(periodAt(kind, t, zone)));
        }
      }
    }
  });

  it('the cycle of a period: a quarter lies in its year; a year spans four quarterly cycles', () => {
    expect(periodLabel(cycleOf(parsePeriod('2026-Q3')!, 'year')!)).toBe('2026');
    expect(periodLabel(cycleOf(parsePeriod('2026-11')!, 'quarter')!)).toBe('2026-Q4');
    expect(cycleOf(parsePeriod('2026')!, 'quarter')).toBeUndefined();
  });
});

describe('an entry proven in a summary', () => {
  it('the audit path of every leaf of 1 to 33 leaves verifies against rootFromLeaves, and not at another index or with a changed leaf', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(utf8(`entry ${i}`)));
      const root = rootFromLeaves(leaves);
      for (let i = 0; i < n; i++) {
        const path = summaryInclusionPath(leaves, i);
        expect(verifyInclusion(leaves[i]!, i, n, path, root), `${i} of ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, path, root)).toBe(false);
        expect(verifyInclusion(leafHash(utf8('another')), i, n, path, root)).toBe(false);
      }
    }
    expect(() => summaryInclusionPath([], 0)).toThrow(RangeError);
  });
});
