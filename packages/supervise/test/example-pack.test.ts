/**
 * The example pack (examples/rules/approval-supervision.yaml) on a ledger of
 * realistic cases, through the public API only: exactly the expected alerts
 * at exactly the expected positions. The working days are counted by hand in
 * the comments (国庆/中秋 2025: 1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked).
 */
import { describe, expect, it } from 'vitest';
import { audit } from '../src/index.js';
import { buildExampleLedger } from './helpers/scenarios.js';
import { SimLedger, cnCalendar, examplePack, sh, type Written } from './helpers/sim-ledger.js';

const rl = (w: Written) => w.alerts.map((a) => [a.alert.caseId, a.alert.rule, a.alert.level]);

const { sim, log } = buildExampleLedger();

describe('approval-supervision on realistic cases', () => {
  it('a complete, timely case with a fee on the schedule raises nothing', () => {
    for (const k of ['A.received', 'A.fee', 'A.review', 'A.decided']) expect(rl(log[k]!)).toEqual([]);
  });

  it('a decision without review: red order.review-before-decision, right after the decision', () => {
    const w = log['B.decided']!;
    expect(rl(w)).toEqual([['XK-B', 'order.review-before-decision', 'red']]);
    expect(w.alerts[0]!.seq).toBe(w.seq + 1);
    expect(w.alerts[0]!.alert.triggeredBy).toEqual([w.seq]);
    expect(w.alerts[0]!.alert.facts).toEqual({ missing: ['review.completed'], present: [] });
    expect(w.alerts[0]!.alert.reason.en).toBe('Decision without an earlier review (missing: review.completed)');
  });

  it('fees: over the standard, free item charged, item not in the schedule, amount not whole fen → red each', () => {
    expect(rl(log['D1.fee']!)).toEqual([['XK-D1', 'fee.over-standard', 'red']]);
    expect(log['D1.fee']!.alerts[0]!.alert.facts).toEqual({ amount: 100, item: 'XK-001', schedule: 'approval-fees', standard: 0 });
    expect(log['D2.fee']!.alerts[0]!.alert.facts).toEqual({ amount: 500, item: 'XK-009', schedule: 'approval-fees', standard: null });
    expect(log['D3.fee']!.alerts[0]!.alert.reason.zh).toBe('收费超标：事项 XK-002 收取 20001 分，标准 20000 分');
    expect(rl(log['D4.fee']!)).toEqual([['XK-D4', 'fee.over-standard', 'red']]);
  });

  it('missing basis → yellow content.decision-basis; same reviewer and decider → yellow separation', () => {
    expect(rl(log['E.decided']!)).toEqual([['XK-E', 'content.decision-basis', 'yellow']]);
    expect(log['E.decided']!.alerts[0]!.alert.facts).toEqual({ missing: ['basis'] });
    expect(rl(log['F.decided']!)).toEqual([['XK-F', 'separation.review-decide', 'yellow']]);
    expect(log['F.decided']!.alerts[0]!.alert.facts).toEqual({ actor: 'officer:he', earlierSeq: log['F.review']!.seq, earlierType: 'review.completed' });
  });

  it('supplement pause across 国庆: G counts Sep 23–26, then from 10 Oct (the make-up Sat 11 Oct counts): notice after 24 Oct, yellow after 30 Oct, red after 6 Nov', () => {
    expect(rl(log['tick 24 Oct 23:00']!)).toEqual([]);
    const n = log['tick 25 Oct 00:00']!;
    expect(rl(n)).toEqual([['XK-G', 'deadline.approval', 'notice']]);
    expect(n.alerts[0]!.alert.facts).toMatchObject({ days: 16, dueDate: '2025-10-24', startDate: '2025-09-22', stop: null });
    expect(n.alerts[0]!.alert.triggeredBy).toEqual([log['G.received']!.seq, n.seq]);
    expect(rl(log['tick 31 Oct']!)).toEqual([['XK-G', 'deadline.approval', 'yellow']]);
    expect(log['tick 31 Oct']!.alerts[0]!.alert.facts['dueDate']).toBe('2025-10-30');
  });

  it('a late decision: notice at the 30 Oct tick (day 16 = 29 Oct), yellow at the decision on 5 Nov (day 20 = 4 Nov), no red', () => {
    expect(rl(log['tick 30 Oct']!)).toEqual([['XK-C', 'deadline.approval', 'notice']]);
    const d = log['C.decided']!;
    expect(rl(d)).toEqual([['XK-C', 'deadline.approval', 'yellow']]);
    expect(d.alerts[0]!.alert.triggeredBy).toEqual([log['C.received']!.seq, d.seq]);
    expect(d.alerts[0]!.alert.facts).toMatchObject({ days: 20, dueDate: '2025-11-04', stopDate: '2025-11-05' });
  });

  it('the 7 Nov tick: G red (day 25 = 6 Nov), then the fee cases’ notices (day 16 = 5 Nov), cases in order of their first entry', () => {
    expect(rl(log['tick 7 Nov']!)).toEqual([
      ['XK-G', 'deadline.approval', 'red'],
      ['XK-D1', 'deadline.approval', 'notice'],
      ['XK-D2', 'deadline.approval', 'notice'],
      ['XK-D3', 'deadline.approval', 'notice'],
      ['XK-D4', 'deadline.approval', 'notice'],
    ]);
    const seqs = log['tick 7 Nov']!.alerts.map((a) => a.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5].map((i) => log['tick 7 Nov']!.seq + i));
  });

  it('a decision after a red tick raises no second red', () => {
    expect(rl(log['G.decided']!)).toEqual([]);
  });

  it('the audit of this ledger is clean', () => {
    const r = audit(sim.entries);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.expected).toBe(r.recorded);
    expect(r.recorded).toBe(sim.alerts().length);
  });

  it('a violating step appended through the core alone is caught: ALERT_SUPPRESSED naming case, rule and seq', () => {
    const bad = { ...sim.entries[sim.entries.length - 1]!, seq: sim.entries.length, caseId: 'XK-H', step: 1, type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 } };
    const r = audit([...sim.entries, bad]);
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([expect.objectContaining({ code: 'ALERT_SUPPRESSED', caseId: 'XK-H', rule: 'fee.over-standard', level: 'red', seq: bad.seq })]);
  });
});

describe('approval-supervision on clues received from another unit (docs/oversight.md §10.7)', () => {
  // Mon 13 Oct 2025: working days 14–17 Oct (4), 20–24 (9), 27–31 (14), Mon 3 Nov (15).
  const clues = new SimLedger();
  clues.adoptCalendar(cnCalendar(), sh('2025-09-01T08:00'));
  clues.adoptPack(examplePack(), sh('2025-09-01T08:00'));
  const from = (c: string) => ({ from: { case: c, origin: 'city-a.example.gov/cases' } });
  clues.append('XL-1', 'clue.received', 'province:clerk', from('CITY-A-1'), sh('2025-10-13T10:00'));
  clues.append('XL-2', 'clue.received', 'province:clerk', from('CITY-A-2'), sh('2025-10-13T10:30'));
  clues.append('XL-3', 'clue.received', 'province:clerk', from('CITY-A-3'), sh('2025-10-13T11:00'));
  const refused = clues.tryAppend('XL-1', 'clue.disposed', 'province:chief', { disposition: '转办' }, sh('2025-10-20T15:00'));
  const none = clues.tryAppend('XL-3', 'clue.disposed', 'province:chief', {}, sh('2025-10-20T15:10'));
  const disposed = clues.tryAppend('XL-1', 'clue.disposed', 'province:chief', { disposition: '初步核实' }, sh('2025-10-20T16:00'));
  const before = clues.tick(sh('2025-11-03T23:59'));
  const due = clues.tick(sh('2025-11-04T00:00'));
  const late = clues.tryAppend('XL-3', 'clue.disposed', 'province:chief', { disposition: '暂存待查' }, sh('2025-11-05T09:00'));

  it('a disposition other than the four, or none, is refused (a casetrail.refused entry), and stops no clock', () => {
    for (const w of [refused, none]) {
      expect(clues.entries[w!.seq]!.type).toBe('casetrail.refused');
      expect((clues.entries[w!.seq]!.data as { rules: { id: string; level: string }[] }).rules.map((r) => [r.id, r.level])).toEqual([['content.clue-disposition', 'yellow']]);
    }
    expect(clues.entries[disposed!.seq]!.type).toBe('clue.disposed');
    expect(rl(disposed!)).toEqual([]);
  });

  it('15 working days without a valid disposition: yellow deadline.clue-disposition at the tick after day 15, for the clues still open', () => {
    expect(rl(before)).toEqual([]);
    expect(rl(due)).toEqual([
      ['XL-2', 'deadline.clue-disposition', 'yellow'],
      ['XL-3', 'deadline.clue-disposition', 'yellow'],
    ]);
    expect(due.alerts[0]!.alert.reason.zh).toBe('线索于 2025-10-13 收到，15 个工作日已满（2025-11-03）仍未处置');
    expect(rl(late!)).toEqual([]);
  });

  it('the audit of this ledger is clean, refusals included', () => {
    const r = audit(clues.entries);
    expect(r.findings).toEqual([]);
    expect(r.recorded).toBe(2);
  });
});
