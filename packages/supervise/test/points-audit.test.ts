/**
 * The violations ledger on the engine's own input (docs/supervision.md
 * §14): violations from confirmed alerts and direct records, revocations,
 * totals per period with the floor and the measures, the Asia/Shanghai year
 * boundary, summaries the audit recomputes — and, in the attacker's order,
 * entries written through the core alone (a summary with a wrong total, a
 * violation charging someone else, a disposition whose points were never
 * deducted) that the audit names.
 */
import { describe, expect, it } from 'vitest';
import { DIRECTORY_CASE, MEMBERSHIP_TYPES, NO_UNITS, PointsBook, SYSTEM_CASE, audit, canonicalJson, countPeriod, ledgerUnits, parsePeriod, type Finding, type LedgerEntry, type Summary } from '../src/index.js';
import { buildExampleLedger } from './helpers/scenarios.js';
import { sh, type SimLedger } from './helpers/sim-ledger.js';

const errors = (entries: readonly LedgerEntry[]): [string, number, string | undefined][] =>
  audit(entries)
    .findings.filter((f: Finding) => f.severity === 'error')
    .map((f) => [f.code, f.seq, f.subject]);

function totals(sim: SimLedger, period: string) {
  const pack = sim.supervisor.pack!;
  const t = countPeriod(pack, pack.points!, parsePeriod(period)!, PointsBook.from(sim.entries).records.values(), NO_UNITS, sim.entries.length);
  return Object.fromEntries(t.subjects.map((s) => [s.subject, [s.deducted, s.total, s.remaining, s.measure, s.violations, s.revoked]]));
}

/** The example ledger with four alerts confirmed (order, two fees, the red deadline) and one fee violation revoked on appeal. */
function confirmed() {
  const { sim } = buildExampleLedger();
  const order = sim.confirm(12, 'chief:zhang', '未经审查作出决定属实', sh('2025-11-12T09:00'));
  const fee1 = sim.confirm(16, 'chief:zhang', '收费超标属实', sh('2025-11-12T09:10'));
  const fee2 = sim.confirm(19, 'chief:zhang', '收费超标属实', sh('2025-11-12T09:20'));
  const late = sim.confirm(44, 'chief:zhang', '超期属实', sh('2025-11-12T09:30'));
  const revoked = sim.revoke(fee2.violation.seq, '申诉成立：XK-009 已列入收费标准', 'committee:li', sh('2025-11-20T10:00'));
  return { sim, order, fee1, fee2, late, revoked };
}

describe('violations from confirmed alerts', () => {
  it('each confirmation records the rule’s 情形, the subject it charges, its evidence and the instant of its cause', () => {
    const { order, fee1, late } = confirmed();
    expect(order.violation.data).toEqual({ alert: 12, at: sh('2025-10-10T11:00'), code: 'order.review-before-decision', evidence: [11, 12], points: 2, reason: '未经审查作出决定属实', subject: 'director:chen' });
    expect(order.violation.seq).toBe(order.disposition.seq + 1);
    expect(fee1.violation.data).toMatchObject({ subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, evidence: [15, 16] });
    // The red card of a tick: the case's handler is charged, and it counts at the tick that raised it.
    expect(late.violation.data).toMatchObject({ subject: 'clerk:zhou', code: 'deadline.approval', points: 2, evidence: [2, 44], at: sh('2025-11-07T09:00') });
  });

  it('the audit accepts them, and the totals count them less the revoked one', () => {
    const { sim, fee1, fee2, order, late } = confirmed();
    expect(errors(sim.entries)).toEqual([]);
    expect(audit(sim.entries).points).toEqual({ violations: 4, revocations: 1, summaries: 0, standings: 0 });
    expect(totals(sim, '2025')).toEqual({
      'cashier:zhao': [3, 3, 9, 'talk', [fee1.violation.seq], [fee2.violation.seq]],
      'clerk:zhou': [2, 2, 10, null, [late.violation.seq], []],
      'director:chen': [2, 2, 10, null, [order.violation.seq], []],
    });
    expect(totals(sim, '2025-Q3')).toEqual({});
  });

  it('a confirmed notice deducts nothing: the deadline counts only its red card, so no violation is due', () => {
    const { sim } = buildExampleLedger();
    sim.dispose(45, 'violation', '提示属实', 'chief:zhang', sh('2025-11-12T09:00'));
    expect(() => sim.confirm(46)).toThrow(/deadline.approval at level notice has no 情形 code/);
    expect(errors(sim.entries)).toEqual([]);
  });

  it('attacker order: a disposition confirming a red card, with its violation never written, is VIOLATION_MISSING', () => {
    const { sim } = buildExampleLedger();
    const d = sim.dispose(16, 'violation', '收费超标属实', 'chief:zhang', sh('2025-11-12T09:00'));
    sim.append('XK-D1', 'review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }, sh('2025-11-12T10:00'));
    expect(errors(sim.entries)).toEqual([['VIOLATION_MISSING', d.seq, undefined]]);
    // At the end of the ledger too.
    const { sim: s2 } = buildExampleLedger();
    const d2 = s2.dispose(16, 'violation', '收费超标属实', 'chief:zhang', sh('2025-11-12T09:00'));
    expect(errors(s2.entries)).toEqual([['VIOLATION_MISSING', d2.seq, undefined]]);
  });
});

describe('violations that do not check, written through the core', () => {
  const direct = { subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, evidence: [15], reason: '直接登记' };
  const cases: [string, (sim: SimLedger) => void][] = [
    ['points other than the 情形’s', (sim) => void sim.violate('XK-D1', { ...direct, points: 5 })],
    ['a code the pack does not have', (sim) => void sim.violate('XK-D1', { ...direct, code: 'gift.accepted' })],
    ['evidence of another case', (sim) => void sim.violate('XK-D1', { ...direct, evidence: [15, 18] })],
    ['evidence outside any case (a tick)', (sim) => void sim.violate('XK-D1', { ...direct, evidence: [15, 34], at: sh('2025-10-25T00:00') })],
    ['a subject the evidence does not concern', (sim) => void sim.violate('XK-D1', { ...direct, subject: 'clerk:innocent' })],
    ['a direct record citing an alert', (sim) => void sim.violate('XK-D1', { ...direct, evidence: [15, 16] })],
    ['an `at` that is not its evidence’s time', (sim) => void sim.violate('XK-D1', { ...direct, at: sh('2026-01-02T00:00') })],
    ['a confirmation without its disposition', (sim) => void sim.violate('XK-D1', { ...direct, evidence: [15, 16], alert: 16 })],
    [
      'a confirmation charging someone else',
      (sim) => {
        sim.dispose(16, 'violation', '属实', 'chief:zhang');
        sim.violate('XK-D1', { ...direct, evidence: [15, 16], alert: 16, subject: 'clerk:wang' });
      },
    ],
  ];
  for (const [what, write] of cases) {
    it(`${what}: VIOLATION_INVALID naming the subject`, () => {
      const { sim } = buildExampleLedger();
      write(sim);
      const last = sim.entries[sim.entries.length - 1]!;
      expect(errors(sim.entries)).toEqual([['VIOLATION_INVALID', last.seq, (last.data as { subject: string }).subject]]);
    });
  }

  it('a direct record of a subject its evidence names (the handler of the application) checks', () => {
    const { sim } = buildExampleLedger();
    sim.violate('XK-D1', { ...direct, subject: 'clerk:wang', evidence: [14, 15] });
    sim.violate('XK-D1', { ...direct, evidence: [15] });
    expect(errors(sim.entries)).toEqual([]);
  });

  it('revocations: of a non-violation, twice, or from another case: REVOCATION_INVALID; the totals ignore them', () => {
    const { sim, fee1, fee2 } = confirmed();
    sim.revoke(15);
    sim.revoke(fee2.violation.seq);
    const payload = JSON.stringify({ reason: '跨案撤销', violation: fee1.violation.seq });
    sim.raw('XK-D2', 'casetrail.violation.revoked', 'committee:li', JSON.parse(payload), undefined, payload);
    const n = sim.entries.length;
    expect(errors(sim.entries)).toEqual([
      ['REVOCATION_INVALID', n - 3, undefined],
      ['REVOCATION_INVALID', n - 2, undefined],
      ['REVOCATION_INVALID', n - 1, undefined],
    ]);
    expect(totals(sim, '2025')['cashier:zhao']).toEqual([3, 3, 9, 'talk', [fee1.violation.seq], [fee2.violation.seq]]);
  });

  it('an alert dated later than its cause: ALERT_DIFFERS (a confirmation would count in the wrong period)', () => {
    const { sim } = buildExampleLedger();
    const alert = sim.entries[16]!;
    sim.entries[16] = { ...alert, time: alert.time + 1 };
    expect(errors(sim.entries.slice(0, 18))).toEqual([['ALERT_DIFFERS', 16, undefined]]);
  });
});

describe('periods, floor and measures', () => {
  it('a violation at 23:30 on 31 December Beijing time counts in that year, though confirmed in the next', () => {
    const { sim } = buildExampleLedger();
    sim.append('XK-Z', 'application.received', 'clerk:wang', { item: 'XK-002', applicant: '某某', handler: 'clerk:wang' }, sh('2025-12-31T23:20'));
    const fee = sim.append('XK-Z', 'fee.charged', 'cashier:qian', { item: 'XK-002', amountFen: 50000 }, sh('2025-12-31T23:30'));
    expect(new Date(sim.entries[fee.seq]!.time).toISOString()).toBe('2025-12-31T15:30:00.000Z');
    const c = sim.confirm(fee.alerts[0]!.seq, 'chief:zhang', '收费超标属实', sh('2026-01-05T09:00'));
    expect(totals(sim, '2025')['cashier:qian']).toEqual([3, 3, 9, 'talk', [c.violation.seq], []]);
    expect(totals(sim, '2025-12')['cashier:qian']).toEqual([3, 3, 9, 'talk', [c.violation.seq], []]);
    expect(totals(sim, '2026')).toEqual({});
    expect(errors(sim.entries)).toEqual([]);
  });

  it('deductions past the base stop at the floor; each threshold reached gives its measure; quarters show the year so far', () => {
    const { sim } = buildExampleLedger();
    for (const seq of [16, 19, 22, 25]) sim.confirm(seq, 'chief:zhang', '收费超标属实', sh('2025-11-12T09:00'));
    sim.append('XK-Y', 'application.received', 'clerk:wang', { item: 'XK-001', applicant: '某某', handler: 'clerk:wang' }, sh('2025-12-01T09:00'));
    const f = sim.append('XK-Y', 'fee.charged', 'cashier:zhao', { item: 'XK-001', amountFen: 1 }, sh('2025-12-01T09:05'));
    sim.confirm(f.alerts[0]!.seq, 'chief:zhang', '收费超标属实', sh('2025-12-02T09:00'));
    const z = totals(sim, '2025')['cashier:zhao']!;
    expect(z.slice(0, 4)).toEqual([15, 15, 0, 'accountability']);
    // December alone: 3 points deducted in it, 15 in the year up to its end.
    expect(totals(sim, '2025-12')['cashier:zhao']!.slice(0, 4)).toEqual([3, 15, 0, 'accountability']);
    expect(totals(sim, '2025-10')['cashier:zhao']!.slice(0, 4)).toEqual([12, 12, 0, 'accountability']);
    expect(errors(sim.entries)).toEqual([]);
  });
});

describe('summaries the audit recomputes', () => {
  it('a summary of an ended period, and an amendment citing it after a late revocation, check', () => {
    const { sim, fee1 } = confirmed();
    const s = sim.summarize('2025', sh('2026-01-02T09:00'));
    const d = s.data as { subjects: { subject: string; remaining: number }[]; entries: number[]; root: string };
    expect(d.subjects.map((x) => [x.subject, x.remaining])).toEqual([
      ['cashier:zhao', 9],
      ['clerk:zhou', 10],
      ['director:chen', 10],
    ]);
    expect(d.entries).toHaveLength(5); // four violations and one revocation
    sim.revoke(fee1.violation.seq, '申诉成立', 'committee:li', sh('2026-01-10T09:00'));
    sim.summarize('2025', sh('2026-01-10T10:00'), { reason: '复核后撤销一项', summary: s.seq });
    sim.summarize('2025-Q4', sh('2026-01-10T11:00'));
    expect(errors(sim.entries)).toEqual([]);
    expect(audit(sim.entries).points.summaries).toBe(3);
  });

  it('attacker order: a summary appended through the core with a wrong total is SUMMARY_DIFFERS, naming the subject', () => {
    const { sim } = confirmed();
    const s = sim.summarize('2025', sh('2026-01-02T09:00'), null, (x) => ({
      ...x,
      subjects: x.subjects.map((y) => (y.subject === 'cashier:zhao' ? { ...y, deducted: 0, total: 0, remaining: 12, measure: null } : y)),
    }));
    const f = audit(sim.entries).findings.filter((x) => x.severity === 'error');
    expect(f.map((x) => [x.code, x.seq, x.subject])).toEqual([['SUMMARY_DIFFERS', s.seq, 'cashier:zhao']]);
    expect(f[0]!.message).toMatch(/recorded deducted 0, total 0, remaining 12, measure none.*the ledger gives deducted 3, total 3, remaining 9, measure talk/);
  });

  it('a summary that leaves out a violation, or counts one that does not check, differs', () => {
    const { sim, late } = confirmed();
    const bad = sim.violate('XK-D1', { subject: 'clerk:innocent', code: 'fee.over-standard', points: 3, evidence: [15], reason: '栽赃' });
    const s = sim.summarize('2025', sh('2026-01-02T09:00'));
    expect((s.data as { entries: number[] }).entries).toContain(bad.seq); // counted by a writer that did not check
    const dropped = sim.summarize('2025', sh('2026-01-02T09:30'), { reason: '更正', summary: s.seq }, (x) => ({ ...x, subjects: x.subjects.filter((y) => y.subject !== 'clerk:zhou') }));
    const f = errors(sim.entries);
    expect(f).toContainEqual(['VIOLATION_INVALID', bad.seq, 'clerk:innocent']);
    expect(f).toContainEqual(['SUMMARY_DIFFERS', s.seq, 'clerk:innocent']);
    expect(f).toContainEqual(['SUMMARY_DIFFERS', dropped.seq, 'clerk:zhou']);
    expect(late.violation.seq).toBeLessThan(s.seq);
  });

  const refused: [string, (sim: SimLedger, first: LedgerEntry) => LedgerEntry, RegExp][] = [
    ['before its period has ended', (sim) => sim.summarize('2026', sh('2026-06-01T00:00')), /has not ended/],
    ['a second summary of a period, without an amendment', (sim) => sim.summarize('2025', sh('2026-01-03T00:00')), /was summarized in entry \d+: a second summary amends it/],
    ['an amendment citing another summary', (sim) => sim.summarize('2025', sh('2026-01-03T00:00'), { reason: '更正', summary: 1 }), /cites its latest summary/],
    ['an amendment of a period never summarized', (sim) => sim.summarize('2025-Q3', sh('2026-01-03T00:00'), { reason: '更正', summary: 1 }), /has no summary to amend/],
    ['another pack’s', (sim) => sim.summarize('2025-Q4', sh('2026-01-03T00:00'), null, (x) => ({ ...x, pack: '0'.repeat(64) })), /not the pack in force/],
  ];
  for (const [what, write, message] of refused) {
    it(`a summary ${what}: SUMMARY_INVALID`, () => {
      const { sim } = confirmed();
      const first = sim.summarize('2025', sh('2026-01-02T09:00'));
      const s = write(sim, first);
      const f = audit(sim.entries).findings.filter((x) => x.severity === 'error');
      expect(f.map((x) => [x.code, x.seq])).toEqual([['SUMMARY_INVALID', s.seq]]);
      expect(f[0]!.message).toMatch(message);
    });
  }
});

describe('units from the directory (§14.7)', () => {
  /** A directory entry as the oversight layer writes it (or, with `payload`, any text a hostile writer stores). */
  const dir = (sim: SimLedger, type: string, value: unknown, opts: { caseId?: string; payload?: string } = {}): LedgerEntry => {
    const payload = opts.payload ?? canonicalJson(value);
    return sim.raw(opts.caseId ?? DIRECTORY_CASE, type, 'admin:root', JSON.parse(payload), undefined, payload);
  };
  const enrol = (actor: string, unit: string) => ({ actor, key: null, roles: ['staff'], unit });
  const T = MEMBERSHIP_TYPES;

  /** The example ledger, four alerts confirmed, and a bureau with two units: cashier:zhao in finance, director:chen in the bureau. */
  function withUnits() {
    const c = confirmed();
    dir(c.sim, T.unitAdded, { parent: null, unit: 'bureau' });
    dir(c.sim, T.unitAdded, { parent: 'bureau', unit: 'finance' });
    dir(c.sim, T.unitAdded, { parent: 'bureau', unit: 'licensing' });
    const zhao = dir(c.sim, T.actorEnrolled, enrol('cashier:zhao', 'finance'));
    dir(c.sim, T.actorEnrolled, enrol('director:chen', 'bureau'));
    return { ...c, zhao };
  }

  it('the rule: enrolled → its unit; moved → the new unit from the new enrolment; revoked → the unit it last had; a unit → itself; never enrolled → null', () => {
    const { sim, zhao } = withUnits();
    const revoked = dir(sim, T.actorRevoked, { actor: 'cashier:zhao' });
    const moved = dir(sim, T.actorEnrolled, enrol('cashier:zhao', 'licensing'));
    const u = ledgerUnits(sim.entries);
    expect(u.ignored).toEqual([]);
    const at = (subject: string, seq: number) => u.unitOf(subject, seq);
    expect([at('cashier:zhao', zhao.seq), at('cashier:zhao', zhao.seq + 1)]).toEqual([null, 'finance']);
    expect([at('cashier:zhao', revoked.seq + 1), at('cashier:zhao', moved.seq), at('cashier:zhao', moved.seq + 1)]).toEqual(['finance', 'finance', 'licensing']);
    expect([at('finance', zhao.seq), at('bureau', 0), at('clerk:zhou', sim.entries.length)]).toEqual(['finance', null, null]);
    // Only entries before the position count: the same answers from a prefix of the ledger.
    expect(ledgerUnits(sim.entries.slice(0, moved.seq)).unitOf('cashier:zhao', moved.seq)).toBe('finance');
  });

  it('a summary records the units as of its position; the audit recomputes them; a later move changes only later summaries', () => {
    const { sim } = withUnits();
    const s = sim.summarize('2025', sh('2026-01-02T09:00'));
    expect((s.data as Summary).subjects.map((x) => [x.subject, x.unit])).toEqual([
      ['cashier:zhao', 'finance'],
      ['clerk:zhou', null],
      ['director:chen', 'bureau'],
    ]);
    dir(sim, T.actorRevoked, { actor: 'cashier:zhao' });
    dir(sim, T.actorEnrolled, enrol('cashier:zhao', 'licensing'));
    const a = sim.summarize('2025', sh('2026-01-03T09:00'), { reason: '调动后重算', summary: s.seq });
    expect((a.data as Summary).subjects[0]).toMatchObject({ subject: 'cashier:zhao', unit: 'licensing' });
    expect(errors(sim.entries)).toEqual([]);
  });

  it('attacker order: a summary with a wrong unit, appended through the core, fails the audit naming the subject', () => {
    const { sim } = withUnits();
    const s = sim.summarize('2025', sh('2026-01-02T09:00'), null, (x) => ({ ...x, subjects: x.subjects.map((l) => (l.subject === 'cashier:zhao' ? { ...l, unit: 'licensing' } : l)) }));
    expect(errors(sim.entries)).toEqual([['SUMMARY_DIFFERS', s.seq, 'cashier:zhao']]);
  });

  it('a unit charged for its member’s step: a direct record against finance for cashier:zhao’s fee checks once zhao is enrolled there', () => {
    const { sim } = withUnits();
    const v = sim.violate('XK-D1', { subject: 'finance', code: 'fee.over-standard', points: 3, evidence: [15], reason: '科室收费管理不到位' });
    expect(errors(sim.entries)).toEqual([]);
    const { sim: bare } = confirmed();
    const w = bare.violate('XK-D1', { subject: 'finance', code: 'fee.over-standard', points: 3, evidence: [15], reason: '科室收费管理不到位' });
    expect([v.seq > 0, errors(bare.entries)]).toEqual([true, [['VIOLATION_INVALID', w.seq, 'finance']]]);
  });

  it('attacker order: hostile directory entries — not canonical, malformed, breaking a rule, erased, in another case — are ignored, and reads do not fail', () => {
    const { sim } = withUnits();
    const hostile = [
      dir(sim, T.actorEnrolled, null, { payload: '{"unit":"licensing","actor":"clerk:zhou","key":null,"roles":["staff"]}' }),
      dir(sim, T.actorEnrolled, null, { payload: '"clerk:zhou"' }),
      dir(sim, T.actorEnrolled, enrol('clerk:zhou', 'nowhere')),
      dir(sim, T.actorEnrolled, enrol('cashier:zhao', 'licensing')),
      dir(sim, T.unitAdded, { parent: 'nowhere', unit: 'shadow' }),
      dir(sim, T.actorRevoked, { actor: 'clerk:wang' }),
    ];
    dir(sim, T.actorEnrolled, enrol('clerk:wang', 'licensing'), { caseId: SYSTEM_CASE });
    const erased = dir(sim, T.actorEnrolled, enrol('clerk:zhou', 'licensing'));
    sim.redact(erased.seq, '误登记');
    const u = ledgerUnits(sim.entries);
    expect(u.ignored.map((x) => x.seq)).toEqual([...hostile.map((e) => e.seq), erased.seq]);
    const end = sim.entries.length;
    expect(['clerk:zhou', 'cashier:zhao', 'clerk:wang', 'shadow'].map((x) => u.unitOf(x, end))).toEqual([null, 'finance', null, null]);
    const s = sim.summarize('2025', sh('2026-01-02T09:00'));
    expect((s.data as Summary).subjects.map((x) => x.unit)).toEqual(['finance', null, 'bureau']);
    expect(errors(sim.entries)).toEqual([]);
  });
});
