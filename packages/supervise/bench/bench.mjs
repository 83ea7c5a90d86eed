#!/usr/bin/env node
// Supervision engine figures (not a timed test): a 20-rule pack evaluated per
// step on the bulk path, the audit's replay rate, and the engine's memory on a
// long ledger. Run after a build:
//   node --expose-gc packages/supervise/bench/bench.mjs [--entries 300000]
//   node --expose-gc packages/supervise/bench/bench.mjs --memory --entries 1000000
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sv from '../dist/index.js';
import { PACK_YAML } from './bench-pack.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg('--entries', 300_000);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const calendar = JSON.parse(readFileSync(here('../calendars/cn-mainland.json'), 'utf8'));

// 20 rules over 8 step types: every kind, several rules per type.
const pack = sv.loadPack(PACK_YAML, 'bench-20.yaml');
if (pack.rules.length !== 20) throw new Error('the bench pack must have 20 rules');

/**
 * A deterministic ledger: cases of 5–6 steps spread over 2025–2026, a tick per
 * day, written through the engine (so alerts follow their causes).
 */
function* ledger(n) {
  const sup = sv.createSupervisor({ track: [pack] });
  const start = Date.parse('2025-01-06T09:00:00+08:00');
  const span = Date.parse('2026-12-01T00:00:00+08:00') - start;
  let seq = 0;
  const emit = function* (e) {
    const full = { ...e, seq: seq++, step: 0 };
    yield full;
    for (const a of sup.step(full).alerts) {
      const ae = { seq: seq++, time: full.time, caseId: a.caseId, step: 0, type: sv.TYPES.alert, actor: 'casetrail:supervise', data: JSON.parse(a.payload), payload: a.payload };
      sup.step(ae);
      yield ae;
    }
  };
  yield* emit({ time: start - 1, caseId: sv.SYSTEM_CASE, type: sv.TYPES.calendarAdopted, actor: 'op', data: JSON.parse(sv.encodeCalendarAdopted(calendar)) });
  yield* emit({ time: start - 1, caseId: sv.SYSTEM_CASE, type: sv.TYPES.rulesAdopted, actor: 'op', data: JSON.parse(sv.encodeRulesAdopted(pack)) });
  const steps = Math.floor(n / 6);
  let lastDay = -1;
  for (let i = 0; seq < n; i++) {
    const t = start + Math.floor((i / steps) * span);
    const day = Math.floor((t + 8 * 3600e3) / 86400e3);
    if (day !== lastDay) {
      lastDay = day;
      yield* emit({ time: t, caseId: sv.SYSTEM_CASE, type: sv.TYPES.tick, actor: 'clock', data: { now: t } });
    }
    // case i/6 in step i%6; a case runs over ~6 consecutive slots, many cases interleave
    const c = Math.floor(i / 6);
    const k = i % 6;
    const caseId = `XK-${c % 2 === 0 ? c : c - 1 + 10_000_000}`;
    const step = [
      ['application.received', 'clerk:wang', { item: 'XK-002', applicant: 'a', handler: 'clerk:wang' }],
      ['fee.charged', 'cashier:zhao', { item: c % 50 === 0 ? 'XK-009' : 'XK-002', amountFen: 20000 }],
      ['review.completed', 'reviewer:liu', { reviewer: 'reviewer:liu' }],
      ['note.added', 'clerk:wang', { text: '材料齐全' }],
      ['approval.decided', c % 40 === 0 ? 'reviewer:liu' : 'director:chen', { decision: 'granted', ...(c % 30 === 0 ? {} : { basis: '第三十八条' }) }],
      ['case.archived', 'clerk:wang', { box: 'B-1' }],
    ][k];
    yield* emit({ time: t, caseId, type: step[0], actor: step[1], data: step[2] });
  }
}

const fmt = (x, d = 1) => x.toFixed(d);
console.log(`node ${process.version}, ${N} entries, pack of ${pack.rules.length} rules`);

const memoryOnly = process.argv.includes('--memory');

// 1. Bulk path: the engine's work per ordinary step (the writer hands it every entry).
if (!memoryOnly) {
  const entries = [...ledger(N)];
  const ordinary = entries.filter((e) => sv.isOrdinaryType(e.type)).length;
  const alerts = entries.filter((e) => e.type === sv.TYPES.alert).length;
  const sup = sv.createSupervisor({ track: [pack] });
  for (let w = 0; w < 2; w++) {
    const s = sv.createSupervisor({ track: [pack] });
    for (const e of entries.slice(0, 50_000)) s.step(e);
  }
  const t0 = performance.now();
  for (const e of entries) sup.step(e);
  const ms = performance.now() - t0;
  console.log(`step():  ${fmt((ms * 1000) / entries.length, 2)} µs per entry on average over ${entries.length} entries (${ordinary} steps, ${alerts} alerts, ticks included), ${fmt(ms)} ms`);
  const t1 = performance.now();
  const r = sv.audit(entries);
  const ms1 = performance.now() - t1;
  console.log(`audit(): ${fmt(entries.length / (ms1 / 1000), 0)} entries/s (${fmt(ms1)} ms, ok=${r.ok}, ${r.expected} alerts expected, ${r.findings.length} findings)`);
}

// 2. Memory on a long stream: the generator's writer engine and an auditing
// engine run side by side over the same entries (no entry array is kept), so
// the heap holds two engines' case summaries. Run alone (--memory) for a clean baseline.
if (memoryOnly) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const auditor = sv.createSupervisor({ track: [pack] });
  const t0 = performance.now();
  let n = 0;
  for (const e of ledger(N)) {
    auditor.step(e);
    n++;
  }
  const ms = performance.now() - t0;
  globalThis.gc?.();
  const after = process.memoryUsage().heapUsed;
  const mib = (after - before) / 2 ** 20;
  console.log(
    `stream of ${n} entries, ${auditor.caseCount} cases, writer + auditor engines: ${fmt(ms)} ms; heap ${fmt(before / 2 ** 20)} → ${fmt(after / 2 ** 20)} MiB (+${fmt(mib)} MiB for both engines ≈ ${fmt((after - before) / 2 / auditor.caseCount, 0)} bytes per case summary)${globalThis.gc ? '' : ' (run with --expose-gc for exact figures)'}`,
  );
}
