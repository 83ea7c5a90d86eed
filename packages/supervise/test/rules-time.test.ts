/**
 * The time rules at their edges (docs/supervision.md §2.3, §4.3, §6.4–§6.6),
 * through the engine's public seams only: deadlines with and without pauses,
 * thresholds an instant before and at the end of their day, an open pause,
 * escalation's level and rule filters, no calendar at all, and the earliest
 * of several missing days. The calendar is a small table (1 Nov – 31 Dec
 * 2025, Monday to Friday worked) so that every date below is counted by
 * hand. Every ledger is built inside its test (docs/mutation.md, "No work
 * while test files load").
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_CASE, audit, loadPack, type CalendarTable, type Pack } from '../src/index.js';
import { SimLedger, sh, type Written } from './helpers/sim-ledger.js';

const rl = (w: Written) => w.alerts.map((a) => [a.alert.caseId, a.alert.rule, a.alert.level]);
const MISSING = 'casetrail.calendar-missing';

/** Mon–Fri worked, no holidays; 2025-11-03 is a Monday. */
function table(zone = 'Asia/Shanghai', utcOffset = '+08:00'): CalendarTable {
  return { id: 'tc', zone, utcOffset, source: 'test', from: '2025-11-01', to: '2025-12-31', holidays: [], workdays: [] };
}

/** deadline.close: 2 working days → notice, 4 → yellow; `escalate` adds escalate.listed (notice alerts of two rules, after 3 days). */
function timePack(escalate: boolean): Pack {
  return loadPack(
    `casetrail: supervise/1
pack: time-edges
version: 1
calendar: tc
steps:
  apply: {}
  pause: {}
  resume: {}
  close: {}
  review: { fields: { basis: { type: string, optional: true } } }
rules:
  - id: deadline.close
    version: 1
    point: time-limit
    kind: deadline
    start: apply
    stop: [close]
    pause: [pause]
    resume: [resume]
    thresholds: [{ days: 2, level: notice }, { days: 4, level: yellow }]
    message: { zh: "{days} 日 {startDate} {dueDate} {stopDate}", en: "{days} days from {startDate}: {dueDate} ({stopDate})" }
${
  escalate
    ? `  - { id: escalate.listed, version: 1, point: other, kind: escalate, from: [notice], rules: [deadline.close, fields.review], after: 3, message: { zh: "{alertSeq}", en: "alert {alertSeq} ({alertRule} {alertLevel}) {after} days" } }
`
    : ''
}  - { id: fields.review, version: 1, point: content, kind: required-fields, on: [review], fields: [basis], level: notice, message: { zh: 缺依据, en: no basis } }
  - { id: order.review, version: 1, point: procedure, kind: order, on: [review], requires: [apply], level: notice, message: { zh: 未受理, en: not received } }
`,
    'time-edges.yaml',
  );
}

function ledger(escalate = false, calendar: CalendarTable | null = table()): { sim: SimLedger; hash: string } {
  const sim = new SimLedger();
  let hash = '';
  if (calendar !== null) {
    const w = sim.adoptCalendar(calendar, sh('2025-10-01T08:00'));
    hash = (sim.entries[w.seq]!.data as { hash: string }).hash;
  }
  sim.adoptPack(timePack(escalate), sh('2025-10-01T08:00'));
  return { sim, hash };
}

describe('deadline thresholds', () => {
  it('a threshold has not elapsed an instant before the end of its day, and has at 24:00; the facts name the days', () => {
    const { sim, hash } = ledger();
    const start = sim.append('K', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00')); // Mon; day 1 Tue 4, day 2 Wed 5
    expect(rl(sim.tick(sh('2025-11-05T23:59:59.999')))).toEqual([]);
    const t = sim.tick(sh('2025-11-06T00:00'));
    expect(rl(t)).toEqual([['K', 'deadline.close', 'notice']]);
    const a = t.alerts[0]!.alert;
    expect(a.triggeredBy).toEqual([start.seq, t.seq]);
    expect(a.facts).toEqual({ calendar: hash, days: 2, dueDate: '2025-11-05', pauses: [], start: sh('2025-11-03T10:00'), startDate: '2025-11-03', stop: null, stopDate: null });
    expect(a.reason.en).toBe('2 days from 2025-11-03: 2025-11-05 (null)');
    // day 4 is Fri 7: not at 23:59 that day, at 00:00 on Sat 8
    expect(rl(sim.tick(sh('2025-11-07T23:59')))).toEqual([]);
    const t2 = sim.tick(sh('2025-11-08T00:00'));
    expect(rl(t2)).toEqual([['K', 'deadline.close', 'yellow']]);
    expect(t2.alerts[0]!.alert.facts).toMatchObject({ days: 4, dueDate: '2025-11-07' });
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('a late stop raises every level due by its time, with the stop in the facts', () => {
    const { sim, hash } = ledger();
    const start = sim.append('L', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    const stop = sim.append('L', 'close', 'clerk:wang', {}, sh('2025-11-10T10:00'));
    expect(rl(stop)).toEqual([
      ['L', 'deadline.close', 'notice'],
      ['L', 'deadline.close', 'yellow'],
    ]);
    expect(stop.alerts[1]!.alert.triggeredBy).toEqual([start.seq, stop.seq]);
    expect(stop.alerts[1]!.alert.facts).toEqual({ calendar: hash, days: 4, dueDate: '2025-11-07', pauses: [], start: sh('2025-11-03T10:00'), startDate: '2025-11-03', stop: sh('2025-11-10T10:00'), stopDate: '2025-11-10' });
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('pauses: the days from the day after the pause through the day of the resume do not count', () => {
  it('a pause resumed two days later moves the due day by those two days', () => {
    const { sim } = ledger();
    sim.append('P', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    const p = sim.append('P', 'pause', 'clerk:wang', {}, sh('2025-11-04T10:00')).seq; // day 1 Tue 4
    const r = sim.append('P', 'resume', 'clerk:wang', {}, sh('2025-11-06T10:00')).seq; // Wed 5, Thu 6 do not count
    // without the pause day 2 would be Wed 5 (elapsed at Thu 6 00:00)
    expect(rl(sim.tick(sh('2025-11-06T23:00')))).toEqual([]);
    expect(rl(sim.tick(sh('2025-11-07T23:00')))).toEqual([]);
    const t = sim.tick(sh('2025-11-08T00:00')); // day 2 Fri 7
    expect(rl(t)).toEqual([['P', 'deadline.close', 'notice']]);
    expect(t.alerts[0]!.alert.facts).toMatchObject({ dueDate: '2025-11-07', pauses: [[sim.entries[p]!.time, sim.entries[r]!.time]] });
    expect(rl(sim.tick(sh('2025-11-12T00:00')))).toEqual([['P', 'deadline.close', 'yellow']]); // day 3 Mon 10, day 4 Tue 11
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('a pause resumed the next day excludes that day; one resumed the same day excludes none', () => {
    const { sim } = ledger();
    sim.append('N', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    sim.append('N', 'pause', 'clerk:wang', {}, sh('2025-11-04T10:00'));
    sim.append('N', 'resume', 'clerk:wang', {}, sh('2025-11-05T09:00')); // Wed 5 does not count
    sim.append('S', 'apply', 'clerk:wang', {}, sh('2025-11-05T10:00'));
    const p = sim.append('S', 'pause', 'clerk:wang', {}, sh('2025-11-06T10:00')).seq;
    const r = sim.append('S', 'resume', 'clerk:wang', {}, sh('2025-11-06T15:00')).seq; // nothing excluded
    // N: day 1 Tue 4, day 2 Thu 6 · S: day 1 Thu 6, day 2 Fri 7
    expect(rl(sim.tick(sh('2025-11-06T23:59')))).toEqual([]);
    expect(rl(sim.tick(sh('2025-11-07T00:00')))).toEqual([['N', 'deadline.close', 'notice']]);
    const t = sim.tick(sh('2025-11-08T00:00'));
    expect(rl(t)).toEqual([['S', 'deadline.close', 'notice']]);
    expect(t.alerts[0]!.alert.facts).toMatchObject({ dueDate: '2025-11-07', pauses: [[sim.entries[p]!.time, sim.entries[r]!.time]] });
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('an open pause stops the count from the day after it; a threshold reached before it is raised with the open pause in its facts', () => {
    const { sim } = ledger();
    sim.append('O', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    const p = sim.append('O', 'pause', 'clerk:wang', {}, sh('2025-11-06T10:00')); // day 2 was Wed 5; Fri 7 on do not count
    const t = sim.tick(sh('2025-11-12T00:00'));
    expect(rl(t)).toEqual([['O', 'deadline.close', 'notice']]);
    expect(t.alerts[0]!.alert.facts).toMatchObject({ dueDate: '2025-11-05', pauses: [[sim.entries[p.seq]!.time, null]], stop: null });
    expect(rl(sim.tick(sh('2025-12-20T00:00')))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('a pause opened the day after the start stops the count before day 2', () => {
    const { sim } = ledger();
    sim.append('Q', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    sim.append('Q', 'pause', 'clerk:wang', {}, sh('2025-11-04T10:00')); // day 1 Tue 4 counts, Wed 5 on do not
    expect(rl(sim.tick(sh('2025-12-01T00:00')))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('escalation filters', () => {
  it('only alerts of a `from` level and of a listed rule escalate, to the next level, after the working days', () => {
    const { sim, hash } = ledger(true);
    sim.append('E1', 'apply', 'clerk:wang', {}, sh('2025-11-03T09:00')); // deadline notice at Thu 6, yellow at Sat 8
    sim.append('E2', 'apply', 'clerk:wang', {}, sh('2025-11-03T09:00'));
    const listed = sim.append('E2', 'review', 'reviewer:qian', {}, sh('2025-11-03T09:10')); // fields.review notice (listed)
    sim.append('E2', 'close', 'clerk:wang', {}, sh('2025-11-03T09:20'));
    const unlisted = sim.append('E3', 'review', 'reviewer:qian', { basis: 'b' }, sh('2025-11-03T09:30')); // order.review notice (not listed)
    expect(rl(listed)).toEqual([['E2', 'fields.review', 'notice']]);
    expect(rl(unlisted)).toEqual([['E3', 'order.review', 'notice']]);
    const t1 = sim.tick(sh('2025-11-06T00:00'));
    expect(rl(t1)).toEqual([['E1', 'deadline.close', 'notice']]);
    // E2's alert of Mon 3: Tue 4, Wed 5, Thu 6 → due at Fri 7 00:00
    expect(rl(sim.tick(sh('2025-11-06T23:59')))).toEqual([]);
    const t2 = sim.tick(sh('2025-11-07T00:00'));
    expect(rl(t2)).toEqual([['E2', 'escalate.listed', 'yellow']]);
    expect(t2.alerts[0]!.alert.triggeredBy).toEqual([listed.alerts[0]!.seq, t2.seq]);
    expect(t2.alerts[0]!.alert.facts).toEqual({ after: 3, alertLevel: 'notice', alertRule: 'fields.review', alertSeq: listed.alerts[0]!.seq, calendar: hash, dueDate: '2025-11-06', since: sh('2025-11-03T09:10') });
    expect(rl(sim.tick(sh('2025-11-08T00:00')))).toEqual([['E1', 'deadline.close', 'yellow']]);
    // E1's notice of Thu 6: Fri 7, Mon 10, Tue 11 → due at Wed 12 00:00; its yellow (a level not in `from`) never escalates
    expect(rl(sim.tick(sh('2025-11-11T23:59')))).toEqual([]);
    const t3 = sim.tick(sh('2025-11-12T00:00'));
    expect(rl(t3)).toEqual([['E1', 'escalate.listed', 'yellow']]);
    expect(t3.alerts[0]!.alert.facts).toMatchObject({ alertLevel: 'notice', alertRule: 'deadline.close', alertSeq: t1.alerts[0]!.seq, dueDate: '2025-11-11' });
    expect(rl(sim.tick(sh('2025-12-31T00:00')))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('no usable calendar', () => {
  it('a deadline without a calendar asks for one, needing no particular day', () => {
    const { sim } = ledger(false, null);
    sim.append('M', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    const t = sim.tick(sh('2025-11-20T00:00'));
    expect(rl(t)).toEqual([[SYSTEM_CASE, MISSING, 'red']]);
    expect(t.alerts[0]!.alert.facts).toEqual({ calendar: 'tc', case: 'M', inForce: null, needsFrom: null, rule: 'deadline.close' });
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('an escalation without a calendar asks for one too', () => {
    const { sim } = ledger(true, null);
    sim.append('M2', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    sim.append('M2', 'review', 'reviewer:qian', {}, sh('2025-11-03T10:00'));
    sim.append('M2', 'close', 'clerk:wang', {}, sh('2025-11-03T11:00')); // the deadline asks at its stop
    const t = sim.tick(sh('2025-11-20T00:00'));
    expect(rl(t)).toEqual([]); // asked once per calendar id and calendar in force
    const only = new SimLedger();
    only.adoptPack(timePack(true), sh('2025-10-01T08:00'));
    only.append('M3', 'review', 'reviewer:qian', { basis: '' }, sh('2025-11-03T10:00'));
    const t2 = only.tick(sh('2025-11-20T00:00'));
    expect(rl(t2)).toEqual([[SYSTEM_CASE, MISSING, 'red']]);
    expect(t2.alerts[0]!.alert.facts).toEqual({ calendar: 'tc', case: 'M3', inForce: null, needsFrom: null, rule: 'escalate.listed' });
    expect(audit(only.entries).findings).toEqual([]);
  });
  it('a clock whose every threshold is raised asks for no calendar when the calendar leaves force', () => {
    const { sim } = ledger();
    sim.append('Z', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    expect(rl(sim.tick(sh('2025-11-08T00:00')))).toEqual([
      ['Z', 'deadline.close', 'notice'],
      ['Z', 'deadline.close', 'yellow'],
    ]);
    // the same id in another zone: not usable by the pack (§6.1)
    expect(rl(sim.adoptCalendar(table('Asia/Tokyo', '+09:00'), sh('2025-11-09T00:00')))).toEqual([]);
    expect(rl(sim.tick(sh('2025-11-20T00:00')))).toEqual([]);
    expect(rl(sim.append('Z', 'close', 'clerk:wang', {}, sh('2025-11-21T00:00')))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('several missing days', () => {
  /** Two alerts in one case, one before the table's first day and one near its end, each escalated by its own rule. */
  function missingPack(first: string, second: string): Pack {
    return loadPack(
      `casetrail: supervise/1
pack: missing-days
version: 1
calendar: tc
steps:
  early: { fields: { x: { type: string, optional: true } } }
  late: { fields: { x: { type: string, optional: true } } }
rules:
  - { id: escalate.a, version: 1, point: other, kind: escalate, from: [notice], rules: [${first}], after: 3, message: { zh: 升级, en: escalated } }
  - { id: escalate.b, version: 1, point: other, kind: escalate, from: [notice], rules: [${second}], after: 3, message: { zh: 升级, en: escalated } }
  - { id: fields.early, version: 1, point: content, kind: required-fields, on: [early], fields: [x], level: notice, message: { zh: 缺, en: missing } }
  - { id: fields.late, version: 1, point: content, kind: required-fields, on: [late], fields: [x], level: notice, message: { zh: 缺, en: missing } }
`,
    );
  }
  for (const [first, second] of [
    ['fields.late', 'fields.early'],
    ['fields.early', 'fields.late'],
  ] as const) {
    it(`the calendar-missing alert names the earliest (escalated first: ${first})`, () => {
      const sim = new SimLedger();
      const adopt = sim.adoptCalendar(table(), sh('2025-10-01T08:00'));
      const hash = (sim.entries[adopt.seq]!.data as { hash: string }).hash;
      sim.adoptPack(missingPack(first, second), sh('2025-10-01T08:00'));
      // Mon 20 Oct: counting starts on Tue 21 Oct, before the table · Mon 29 Dec: Tue 30, Wed 31, then 1 Jan 2026
      expect(rl(sim.append('C', 'early', 'clerk:wang', {}, sh('2025-10-20T10:00')))).toEqual([['C', 'fields.early', 'notice']]);
      expect(rl(sim.append('C', 'late', 'clerk:wang', {}, sh('2025-12-29T10:00')))).toEqual([['C', 'fields.late', 'notice']]);
      const t = sim.tick(sh('2026-01-10T00:00'));
      expect(rl(t)).toEqual([[SYSTEM_CASE, MISSING, 'red']]);
      expect(t.alerts[0]!.alert.facts).toEqual({ calendar: 'tc', case: 'C', inForce: hash, needsFrom: '2025-10-21', rule: 'escalate.a' });
      expect(audit(sim.entries).findings).toEqual([]);
    });
  }
});

describe('attacker order: a step appended through the core alone', () => {
  it('a stop appended without its alerts: the audit names the case, the rule and the seq', () => {
    const { sim } = ledger();
    sim.append('X', 'apply', 'clerk:wang', {}, sh('2025-11-03T10:00'));
    const stop = sim.raw('X', 'close', 'clerk:wang', {}, sh('2025-11-10T10:00'));
    expect(audit(sim.entries).findings.map((f) => [f.code, f.seq, f.caseId, f.rule, f.level])).toEqual([
      ['ALERT_SUPPRESSED', stop.seq, 'X', 'deadline.close', 'notice'],
      ['ALERT_SUPPRESSED', stop.seq, 'X', 'deadline.close', 'yellow'],
    ]);
  });
});
