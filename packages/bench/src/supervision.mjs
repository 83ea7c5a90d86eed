/**
 * The supervision scenarios' data: the 20-rule pack of every kind over the 8
 * step types of an administrative approval (packages/supervise/bench/bench-pack.mjs),
 * the calendar it counts with and their adoption on a supervised ledger,
 * and a deterministic history of approval cases. Entry i depends only on (i, total), so the plain and the
 * supervised ledger get exactly the same steps.
 *
 * Shape: W = min(2000, total / 16) cases run at once; case c's 8 steps are
 * spread over 8 × W entries (about 11 days at one entry per TIME_STEP_MS, at
 * the full size), so most
 * cases meet their deadlines; one in 31 is never decided (its clock runs
 * into notices, yellow and red cards, and escalations). A few charge off the
 * schedule, decide without a basis, let the reviewer or the handler decide,
 * or note a violation: about 3% of the entries of a screened ledger are
 * alerts.
 */

import { readFileSync } from 'node:fs';
import * as sv from '@casetrail/supervise';
import { PACK_YAML } from '../../supervise/bench/bench-pack.mjs';

export const START = Date.parse('2025-01-06T09:00:00+08:00');
/** 1M entries ≈ 694 days: inside the shipped 2020–2026 calendar. */
export const TIME_STEP_MS = 60_000;
const STEPS = 8;

export { PACK_YAML };

/** The shipped mainland calendar table every supervision scenario adopts. */
export const CALENDAR = JSON.parse(readFileSync(new URL('../../supervise/calendars/cn-mainland.json', import.meta.url), 'utf8'));

/** The 20-rule pack, loaded. */
export const loadBenchPack = () => sv.loadPack(PACK_YAML, 'bench-20.yaml');

/** Adopts the calendar and the pack on a supervised ledger, a minute before the first step. */
export async function adoptBenchPack(sup) {
  await sup.adoptCalendar(CALENDAR, { actor: 'operator:bench', time: START - 60_000 });
  await sup.adoptPack(loadBenchPack(), { actor: 'operator:bench', time: START - 60_000 });
}

/** Cases running at once in a history of `total` entries. */
const windowOf = (total) => Math.max(1, Math.min(2000, Math.floor(total / 16)));

/** Step i of a history of `total` entries: { caseId, type, actor, data, time }. */
export function approvalAt(i, total) {
  const WINDOW = windowOf(total);
  const block = Math.floor(i / (WINDOW * STEPS));
  const c = block * WINDOW + (i % WINDOW);
  const s = Math.floor((i % (WINDOW * STEPS)) / WINDOW);
  const caseId = `XK-${String(c).padStart(8, '0')}`;
  const item = ['XK-001', 'XK-002', 'XK-003'][c % 3];
  const pause = c % 7 === 0;
  const time = START + i * TIME_STEP_MS;
  const steps = [
    ['application.received', 'clerk:wang', { item, applicant: '某某有限公司', handler: c % 67 === 0 ? 'director:chen' : 'clerk:wang' }],
    ['fee.charged', 'cashier:zhao', { item: c % 101 === 0 ? 'XK-009' : item, amountFen: c % 37 === 0 ? 90000 : item === 'XK-001' ? 0 : 5000 }],
    ['note.added', 'clerk:wang', { text: c % 53 === 0 ? '发现违规收费线索' : '材料齐全，予以受理' }],
    pause ? ['supplement.requested', 'clerk:wang', {}] : ['note.added', 'clerk:wang', { text: '已通知申请人' }],
    pause ? ['supplement.received', 'applicant:a', {}] : ['note.added', 'clerk:wang', { text: '现场核查无异常' }],
    ['review.completed', c % 43 === 0 ? 'director:chen' : 'reviewer:liu', { reviewer: c % 59 === 0 ? 'reviewer:he' : c % 43 === 0 ? 'director:chen' : 'reviewer:liu' }],
    c % 31 === 0
      ? ['note.added', 'clerk:wang', { text: '待领导批示' }]
      : ['approval.decided', 'director:chen', c % 41 === 0 ? { decision: 'granted' } : { decision: c % 5 === 0 ? 'refused' : 'granted', basis: '《行政许可法》第三十八条' }],
    ['case.archived', 'clerk:wang', { box: `B-${c % 100}` }],
  ];
  const [type, actor, data] = steps[s];
  return { caseId, type, actor, data, time };
}

export function approvalsRange(from, to, total) {
  const out = [];
  for (let i = from; i < to; i++) out.push(approvalAt(i, total));
  return out;
}

/** The day (Asia/Shanghai) of an instant: a tick is written at each new one. */
export function dayOf(t) {
  return Math.floor((t + 8 * 3_600_000) / 86_400_000);
}
