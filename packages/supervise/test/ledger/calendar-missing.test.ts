/**
 * A deadline that runs past the adopted calendar (docs/supervision.md §4.3,
 * §6.5), end to end through the writer: an application received on
 * Thu 10 Dec 2026 with the example pack's 20 working days needs days of
 * 2027, which the shipped table (2020–2026) does not cover. Nothing is
 * guessed and nothing stops: a tick once the missing day has passed raises
 * the one system alert asking for a calendar, and adopting the next table
 * evaluates the deadline right after the adoption.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_CASE, TYPES, type CalendarTable } from '../../src/index.js';
import { auditLedger } from '../../src/ledger/index.js';
import { KEYS, cleanupTempDirs, newSupervised, storedStream } from '../helpers/real-ledger.js';
import { cnCalendar, examplePack, sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

/** The shipped table extended through 2027 with 元旦 only: test data standing in for the table published for 2027. */
function next(): CalendarTable {
  const t = cnCalendar();
  return { ...t, source: 'test data: the 2026 table and 2027-01-01 off', to: '2027-12-31', holidays: [...t.holidays, '2027-01-01'] };
}

describe('a deadline needing 2027 on the 2020–2026 table', () => {
  it('waits for the calendar, asks for it once, and is evaluated when it is adopted', async () => {
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2026-12-01T08:00') });
    await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2026-12-01T08:00') });
    const received = await sup.append({ caseId: 'XK-27', type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-001', applicant: 'a', handler: 'clerk:wang' }, time: sh('2026-12-10T10:00') });
    // Days 1–15 are 11–31 Dec; day 16 would be in 2027: on 31 Dec it is known not to have elapsed yet.
    expect((await sup.tick({ now: sh('2026-12-31T12:00') })).alerts).toEqual([]);
    // Once 1 Jan 2027 has ended, the count needs it: one system alert at the pack's highest level, in the system case.
    const t = await sup.tick({ now: sh('2027-01-05T09:00') });
    expect(t.alerts).toEqual([{ seq: t.seq + 1, caseId: SYSTEM_CASE, rule: 'casetrail.calendar-missing', level: 'red', reason: expect.anything() }]);
    expect((await ledger.get(t.seq + 1)).data).toMatchObject({ facts: { calendar: 'cn-mainland', case: 'XK-27', needsFrom: '2027-01-01', rule: 'deadline.approval' }, triggeredBy: [t.seq] });
    // Asked once: a later tick with the same calendar in force does not ask again.
    expect((await sup.tick({ now: sh('2027-01-05T18:00') })).alerts).toEqual([]);
    // The 2027 table adopted: right after it, the deadline as a tick at the adoption's time would see it (day 16 = Mon 4 Jan).
    const a = await sup.adoptCalendar(next(), { actor: 'operator:li', time: sh('2027-01-06T09:00') });
    expect(a.alerts).toEqual([{ seq: a.seq + 1, caseId: 'XK-27', rule: 'deadline.approval', level: 'notice', reason: expect.anything() }]);
    expect((await ledger.get(a.seq + 1)).data).toMatchObject({ facts: { days: 16, dueDate: '2027-01-04', startDate: '2026-12-10' }, triggeredBy: [received.seq, a.seq] });
    // Day 20 = Fri 8 Jan.
    expect((await sup.tick({ now: sh('2027-01-09T00:00') })).alerts.map((x) => [x.rule, x.level])).toEqual([['deadline.approval', 'yellow']]);
    await sup.close();
    await ledger.close();
    const r = await auditLedger(path, { vkey: KEYS.vkey });
    expect(r.ok).toBe(true);
    expect((await storedStream(path)).filter((e) => e.type === TYPES.alert).length).toBe(3);
  });

  it('a decision while the calendar is missing is evaluated as of its stop when the table comes', async () => {
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2026-12-01T08:00') });
    await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2026-12-01T08:00') });
    const received = await sup.append({ caseId: 'XK-28', type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-001', applicant: 'a', handler: 'clerk:wang' }, time: sh('2026-12-10T10:00') });
    await sup.append({ caseId: 'XK-28', type: 'review.completed', actor: 'reviewer:liu', data: { reviewer: 'reviewer:liu' }, time: sh('2027-01-07T10:00') });
    const d = await sup.append({ caseId: 'XK-28', type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted', basis: 'art. 38' }, time: sh('2027-01-07T11:00') });
    expect(d.alerts.map((x) => x.rule)).toEqual(['casetrail.calendar-missing']);
    const a = await sup.adoptCalendar(next(), { actor: 'operator:li', time: sh('2027-01-08T09:00') });
    // Decided on day 19 (7 Jan): the notice (day 16 = 4 Jan) was due by the stop, the yellow (day 20) was not.
    expect(a.alerts.map((x) => [x.caseId, x.rule, x.level])).toEqual([['XK-28', 'deadline.approval', 'notice']]);
    expect((await ledger.get(a.seq + 1)).data).toMatchObject({ triggeredBy: [received.seq, d.seq, a.seq], facts: { stopDate: '2027-01-07' } });
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).ok).toBe(true);
  });
});
