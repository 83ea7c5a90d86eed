/**
 * The realistic example-pack ledger the tests, the fold check and the golden
 * vectors share: nine applications over 国庆 2025 (see example-pack.test.ts
 * for the expected alerts, counted by hand).
 */
import { SimLedger, cnCalendar, examplePack, sh, type Written } from './sim-ledger.js';

export function buildExampleLedger(): { sim: SimLedger; log: Record<string, Written> } {
  const rec = (item: string, handler = 'clerk:wang') => ({ item, applicant: '某某有限公司', handler });
  const basis = '《中华人民共和国行政许可法》第三十八条';
  const sim = new SimLedger();
  const log: Record<string, Written> = {};

  sim.adoptCalendar(cnCalendar(), sh('2025-09-01T08:00'));
  sim.adoptPack(examplePack(), sh('2025-09-01T08:00'));
  const a = (name: string, c: string, type: string, actor: string, data: unknown, t: string) => (log[name] = sim.append(c, type, actor, data, sh(t)));
  a('G.received', 'XK-G', 'application.received', 'clerk:zhou', rec('XK-002', 'clerk:zhou'), '2025-09-22T09:00');
  a('G.supplement', 'XK-G', 'supplement.requested', 'clerk:zhou', {}, '2025-09-26T15:00');
  a('A.received', 'XK-A', 'application.received', 'clerk:wang', rec('XK-002'), '2025-09-30T10:00');
  a('A.fee', 'XK-A', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 20000 }, '2025-09-30T10:05');
  a('B.received', 'XK-B', 'application.received', 'clerk:wang', rec('XK-001'), '2025-09-30T11:00');
  a('C.received', 'XK-C', 'application.received', 'clerk:wang', rec('XK-001'), '2025-09-30T12:00');
  a('A.review', 'XK-A', 'review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }, '2025-10-09T10:00');
  a('G.resumed', 'XK-G', 'supplement.received', 'applicant:某某', {}, '2025-10-09T16:00');
  a('A.decided', 'XK-A', 'approval.decided', 'director:chen', { decision: 'granted', basis }, '2025-10-10T10:00');
  a('B.decided', 'XK-B', 'approval.decided', 'director:chen', { decision: 'refused', basis }, '2025-10-10T11:00');
  a('C.review', 'XK-C', 'review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }, '2025-10-13T09:00');
  const fees: [string, string, unknown][] = [
    ['D1', 'XK-001', 100],
    ['D2', 'XK-009', 500],
    ['D3', 'XK-002', 20001],
    ['D4', 'XK-002', 19999.5],
  ];
  fees.forEach(([c, item, amount], i) => {
    a(`${c}.received`, `XK-${c}`, 'application.received', 'clerk:wang', rec(item), `2025-10-14T09:${i}0`);
    a(`${c}.fee`, `XK-${c}`, 'fee.charged', 'cashier:zhao', { item, amountFen: amount }, `2025-10-14T09:${i}5`);
  });
  a('E.received', 'XK-E', 'application.received', 'clerk:wang', rec('XK-001'), '2025-10-15T09:00');
  a('F.received', 'XK-F', 'application.received', 'clerk:wang', rec('XK-001'), '2025-10-15T09:30');
  a('E.review', 'XK-E', 'review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }, '2025-10-16T09:00');
  a('F.review', 'XK-F', 'review.completed', 'officer:he', { reviewer: 'officer:he' }, '2025-10-16T09:30');
  a('E.decided', 'XK-E', 'approval.decided', 'director:chen', { decision: 'granted' }, '2025-10-17T09:00');
  a('F.decided', 'XK-F', 'approval.decided', 'officer:he', { decision: 'granted', basis }, '2025-10-17T09:30');
  log['tick 24 Oct 23:00'] = sim.tick(sh('2025-10-24T23:00'));
  log['tick 25 Oct 00:00'] = sim.tick(sh('2025-10-25T00:00'));
  log['tick 30 Oct'] = sim.tick(sh('2025-10-30T08:00'));
  log['tick 31 Oct'] = sim.tick(sh('2025-10-31T08:00'));
  a('C.decided', 'XK-C', 'approval.decided', 'director:chen', { decision: 'granted', basis }, '2025-11-05T09:00');
  log['tick 7 Nov'] = sim.tick(sh('2025-11-07T09:00'));
  a('G.review', 'XK-G', 'review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }, '2025-11-08T09:00');
  a('G.decided', 'XK-G', 'approval.decided', 'director:chen', { decision: 'granted', basis }, '2025-11-10T09:00');
  return { sim, log };
}
