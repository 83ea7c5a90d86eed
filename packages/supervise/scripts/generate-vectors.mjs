#!/usr/bin/env node
// Generates the golden replay vectors in test/vectors/*.json from the fixed
// inputs below: pack + calendar + steps + ticks → the whole ledger with the
// alerts the engine wrote. test/vectors.test.ts replays them, so an upgrade of
// the CEL library, the calendar data or the engine that changes any verdict
// fails the suite. Regenerate only for a deliberate change of semantics (and
// bump ENGINE.supervise), or of the example pack or these inputs (the engine's
// version stays; check that the other vectors come out byte for byte the same):
// pnpm build && node packages/supervise/scripts/generate-vectors.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sv from '../dist/index.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const calendar = JSON.parse(readFileSync(here('../calendars/cn-mainland.json'), 'utf8'));
const examplePack = sv.loadPack(readFileSync(here('../../../examples/rules/approval-supervision.yaml'), 'utf8'));
const enginePack = sv.loadPack(readFileSync(here('../test/vectors/inputs/engine-test.yaml'), 'utf8'));
const sh = (local) => Date.parse(`${local}:00+08:00`);

/** A minimal writer: every entry goes through the engine and its alerts follow it. */
function write(ops) {
  const sup = sv.createSupervisor({ track: [examplePack, enginePack] });
  const entries = [];
  const steps = new Map();
  const push = (caseId, type, actor, payload, time) => {
    const step = (steps.get(caseId) ?? 0) + 1;
    steps.set(caseId, step);
    const e = { seq: entries.length, time, caseId, step, type, actor, data: JSON.parse(payload), payload };
    entries.push(e);
    return e;
  };
  const supervised = (e) => {
    for (const a of sup.step(e).alerts) sup.step(push(a.caseId, sv.TYPES.alert, 'casetrail:supervise', a.payload, e.time));
  };
  for (const op of ops) {
    const [kind, t] = op;
    const time = sh(t);
    if (kind === 'pack') supervised(push(sv.SYSTEM_CASE, sv.TYPES.rulesAdopted, 'operator:li', sv.encodeRulesAdopted(op[2]), time));
    else if (kind === 'calendar') supervised(push(sv.SYSTEM_CASE, sv.TYPES.calendarAdopted, 'operator:li', sv.encodeCalendarAdopted(op[2]), time));
    else if (kind === 'tick') supervised(push(sv.SYSTEM_CASE, sv.TYPES.tick, 'casetrail:clock', sv.encodeTick(time), time));
    else if (kind === 'dispose') supervised(push(entries[op[2]].caseId, sv.TYPES.alertDisposed, op[4], sv.encodeDisposition({ alert: op[2], outcome: op[3], reason: '已说明情况' }), time));
    else if (kind === 'redact') {
      const target = entries[op[2]];
      supervised(push(target.caseId, sv.TYPES.redaction, 'dpo:wu', JSON.stringify({ redacts: target.seq, leaf: '00'.repeat(32), reason: 'court order' }), time));
      entries[op[2]] = { ...target, data: sv.REDACTED, payload: null };
    } else supervised(push(op[2], op[3], op[4], JSON.stringify(op[5]), time));
  }
  return entries.map((e) => ({ seq: e.seq, time: e.time, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, payload: e.payload }));
}

const app = (item, handler = 'clerk:wang') => ({ item, applicant: '某某有限公司', handler });
const basis = '《中华人民共和国行政许可法》第三十八条';
const vectors = {
  'approval-example': {
    description: 'The example pack over 国庆 2025: order, fee, content, separation, a paused and a late deadline, ticks, clues received and disposed of',
    ops: [
      ['calendar', '2025-09-01T08:00', calendar],
      ['pack', '2025-09-01T08:00', examplePack],
      ['step', '2025-09-22T09:00', 'XK-G', 'application.received', 'clerk:zhou', app('XK-002', 'clerk:zhou')],
      ['step', '2025-09-26T15:00', 'XK-G', 'supplement.requested', 'clerk:zhou', {}],
      ['step', '2025-09-30T10:00', 'XK-A', 'application.received', 'clerk:wang', app('XK-002')],
      ['step', '2025-09-30T10:05', 'XK-A', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 20000 }],
      ['step', '2025-09-30T11:00', 'XK-B', 'application.received', 'clerk:wang', app('XK-001')],
      ['step', '2025-09-30T11:30', 'XK-B', 'fee.charged', 'cashier:zhao', { item: 'XK-001', amountFen: 100 }],
      ['step', '2025-10-09T16:00', 'XK-G', 'supplement.received', 'applicant:某某', {}],
      ['step', '2025-10-10T11:00', 'XK-B', 'approval.decided', 'director:chen', { decision: 'refused' }],
      ['step', '2025-10-13T09:00', 'XK-A', 'review.completed', 'officer:he', { reviewer: 'officer:he' }],
      // Clues received from another unit (docs/oversight.md §10): XL-1 disposed of in time, XL-2 not (day 15 = 3 Nov).
      ['step', '2025-10-13T10:00', 'XL-1', 'clue.received', 'province:clerk', { from: { case: 'CITY-A-2025-0007', origin: 'city-a.example.gov/cases' } }],
      ['step', '2025-10-13T10:30', 'XL-2', 'clue.received', 'province:clerk', { from: { case: 'CITY-B-2025-0011', origin: 'city-b.example.gov/cases' } }],
      ['step', '2025-10-20T15:00', 'XL-1', 'clue.disposed', 'province:chief', { disposition: '初步核实' }],
      ['tick', '2025-10-25T00:00'],
      ['tick', '2025-10-31T08:00'],
      ['step', '2025-11-05T09:00', 'XK-A', 'approval.decided', 'officer:he', { decision: 'granted', basis }],
      ['tick', '2025-11-07T09:00'],
      ['step', '2025-11-10T09:00', 'XK-G', 'approval.decided', 'director:chen', { decision: 'granted', basis }],
    ],
  },
  'engine-features': {
    description: 'CEL with aggregates and latest steps, fail-closed evaluation, escalation, a missing calendar adopted late, redaction',
    ops: [
      ['calendar', '2025-11-03T08:00', { ...calendar, from: '2025-01-01', to: '2025-12-31', holidays: calendar.holidays.filter((d) => d.startsWith('2025')), workdays: calendar.workdays.filter((d) => d.startsWith('2025')) }],
      ['pack', '2025-11-03T08:00', enginePack],
      ['step', '2025-11-03T09:00', 'K1', 'application.received', 'clerk:wang', { item: 'a', handler: 'clerk:wang' }],
      ['step', '2025-11-03T09:10', 'K1', 'fee.charged', 'cashier:zhao', { item: 'a', amountFen: 45000 }],
      ['step', '2025-11-03T09:20', 'K1', 'fee.charged', 'cashier:zhao', { item: 'a', amountFen: 45000 }],
      ['step', '2025-11-03T09:30', 'K2', 'fee.charged', 'cashier:zhao', { item: 'a', amountFen: '1' }],
      ['tick', '2025-11-06T08:00'],
      ['tick', '2025-11-12T00:00'],
      ['redact', '2025-11-12T09:00', 4],
      ['step', '2025-12-30T10:00', 'K3', 'application.received', 'clerk:wang', { item: 'b', handler: 'clerk:wang' }],
      ['step', '2026-01-05T09:00', 'K3', 'case.closed', 'clerk:wang', {}],
      ['calendar', '2026-01-06T08:00', calendar],
    ],
  },
};

for (const [name, v] of Object.entries(vectors)) {
  const entries = write(v.ops);
  const alerts = entries.filter((e) => e.type === sv.TYPES.alert).length;
  const out = { description: v.description, engine: sv.ENGINE, calendarSource: calendar.source, alerts, entries };
  const file = here(`../test/vectors/${name}.json`);
  writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  console.log(`${file}: ${entries.length} entries, ${alerts} alerts`);
}
