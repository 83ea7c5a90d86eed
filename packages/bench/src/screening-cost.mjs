#!/usr/bin/env node
/**
 * Where the time of screened bulk append goes (issue 11's "≤ 25% over plain
 * bulk append"): the same approval steps and 20-rule pack as the
 * supervised-bulk scenario (supervision.mjs), appended in 1,000-step
 * transactions by four processes that take turns, round after round:
 *
 *   plain      Ledger.appendMany, no extension
 *   noop       the same with an extension whose onStep does nothing: the
 *              cost of the core's extension seam (each step decoded for it,
 *              the call, its statistics)
 *   screened   SupervisedLedger.appendMany, alerts written in the
 *              transaction; a tick after each batch that reached a new day,
 *              outside the timing (as supervised-bulk does). The supervise
 *              extension's own time comes from ledger.extensionStats()
 *              (its onBatch and onStep calls: the engine over the batch, the
 *              checks of each step written, the alert entries it adds)
 *   engine     the bounded engine alone (createSupervisor), driven over the
 *              same entries as the writer drives it (begin, step, the alerts
 *              stepped as their entries, commit), ticks untimed: what
 *              screening costs with no ledger around it
 *
 *   node packages/bench/src/screening-cost.mjs [--entries 300000] [--rounds 3] [--dir .bench/screening-cost]
 *
 * Prints µs per step of each process and round, and the medians; the
 * overhead over plain is split into the seam, the extension's calls, and
 * the rest (what the core's own work costs more beside screening: the
 * collector, caches), with each run's collector pauses (PerformanceObserver
 * 'gc' entries, the whole run, a screened run's ticks included). A script
 * that prints figures, not a test.
 */
import { spawnSync } from 'node:child_process';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@casetrail/core';
import * as sv from '@casetrail/supervise';
import * as svLedger from '@casetrail/supervise/ledger';
import * as approvals from './supervision.mjs';

const ORIGIN = 'bench.casetrail.example/ledger';
const BATCH = 1000;
const MODES = ['plain', 'noop', 'screened', 'engine'];

function args(argv) {
  const o = { entries: 300_000, rounds: 3, dir: '.bench/screening-cost', child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--entries') o.entries = Number(value());
    else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--dir') o.dir = value();
    else if (a === '--child') o.child = value();
    else throw new Error(`unknown option ${a} (--entries N, --rounds N, --dir D)`);
  }
  if (!Number.isSafeInteger(o.entries) || o.entries < BATCH) throw new Error(`--entries must be an integer ≥ ${BATCH}`);
  if (!Number.isSafeInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds must be an integer ≥ 1');
  if (o.child !== null && !MODES.includes(o.child)) throw new Error(`--child must be one of ${MODES.join(', ')}`);
  return o;
}

// ---------------------------------------------------------------------------
// one process: one mode, timed

/** Collector pauses (ms) of the whole run (the screened run's include its ticks'): the observer's entries come later, read after a pause. */
let gcPaused = 0;
const gcMs = async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return gcPaused;
};
function observeGc() {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind !== perf.NODE_PERFORMANCE_GC_WEAKCB) gcPaused += e.duration;
  }).observe({ entryTypes: ['gc'] });
}

async function appendRun(mode, n, dir) {
  const path = join(dir, `${mode}.ledger`);
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  const { skey, vkey } = core.generateKeyPair(ORIGIN);
  const ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: skey });
  let sup = null;
  if (mode === 'noop') ledger.use({ name: 'noop', onStep: () => undefined });
  if (mode === 'screened') {
    sup = await svLedger.supervise(ledger, { vkey });
    await approvals.adoptBenchPack(sup);
  }
  const extTime = () => ledger.extensionStats().find((x) => x.name === svLedger.EXTENSION_NAME)?.totalMs ?? 0;
  let ms = 0;
  let extMs = 0;
  let alerts = 0;
  let lastDay = approvals.dayOf(approvals.START);
  for (let from = 0; from < n; from += BATCH) {
    const steps = approvals.approvalsRange(from, Math.min(n, from + BATCH), n);
    const e0 = extTime();
    const t0 = performance.now();
    if (sup === null) await ledger.appendMany(steps);
    else for (const r of await sup.appendMany(steps)) alerts += r.alerts.length;
    ms += performance.now() - t0;
    extMs += extTime() - e0;
    const last = steps[steps.length - 1].time;
    if (sup !== null && approvals.dayOf(last) !== lastDay) {
      lastDay = approvals.dayOf(last);
      await sup.tick({ now: last });
    }
  }
  await sup?.close();
  await ledger.close();
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  return { usPerStep: (ms * 1000) / n, extUsPerStep: sup === null ? null : (extMs * 1000) / n, gcUsPerStep: ((await gcMs()) * 1000) / n, alerts };
}

async function engineRun(n) {
  const pack = approvals.loadBenchPack();
  const sup = sv.createSupervisor({ cache: { maxCases: 10_000, history: () => [] } });
  let seq = 0;
  const stepOf = new Map();
  const next = (caseId) => {
    const k = (stepOf.get(caseId) ?? 0) + 1;
    stepOf.set(caseId, k);
    return k;
  };
  const system = (type, payload, time) => ({ seq: seq++, time, caseId: sv.SYSTEM_CASE, step: next(sv.SYSTEM_CASE), type, actor: 'operator:bench', data: JSON.parse(payload), payload });
  const alertEntries = (alerts, time) => alerts.map((a) => [{ seq: seq++, time, caseId: a.caseId, step: next(a.caseId), type: sv.TYPES.alert, actor: 'casetrail:supervise', data: JSON.parse(a.payload), payload: a.payload }, a]);
  const t00 = approvals.START - 60_000;
  sup.begin();
  sup.step(system(sv.TYPES.calendarAdopted, sv.encodeCalendarAdopted(approvals.CALENDAR), t00));
  sup.commit();
  sup.retrack(pack);
  sup.begin();
  sup.step(system(sv.TYPES.rulesAdopted, sv.encodeRulesAdopted(pack), t00));
  sup.commit();
  let ms = 0;
  let alerts = 0;
  let lastDay = approvals.dayOf(approvals.START);
  for (let from = 0; from < n; from += BATCH) {
    // The entries as the writer gets them: the payload parsed from its JSON text (outside the timing).
    const entries = approvals.approvalsRange(from, Math.min(n, from + BATCH), n).map((s) => ({ seq: 0, time: s.time, caseId: s.caseId, step: 0, type: s.type, actor: s.actor, data: JSON.parse(JSON.stringify(s.data)) }));
    sup.begin();
    for (const e of entries) {
      e.seq = seq++;
      e.step = next(e.caseId);
      const t0 = performance.now();
      const out = sup.step(e);
      ms += performance.now() - t0;
      if (out.alerts.length === 0) continue;
      // The alert entries as the writer steps them (made outside the timing).
      const own = alertEntries(out.alerts, e.time);
      const t1 = performance.now();
      for (const [entry, a] of own) sup.stepOwnAlert(entry, a);
      ms += performance.now() - t1;
      alerts += own.length;
    }
    sup.commit();
    const last = entries[entries.length - 1].time;
    if (approvals.dayOf(last) !== lastDay) {
      lastDay = approvals.dayOf(last);
      sup.begin();
      const out = sup.step(system(sv.TYPES.tick, sv.encodeTick(last), last));
      for (const [entry, a] of alertEntries(out.alerts, last)) sup.stepOwnAlert(entry, a);
      sup.commit();
    }
  }
  return { usPerStep: (ms * 1000) / n, extUsPerStep: null, gcUsPerStep: ((await gcMs()) * 1000) / n, alerts };
}

async function child(o) {
  mkdirSync(o.dir, { recursive: true });
  observeGc();
  const r = o.child === 'engine' ? await engineRun(o.entries) : await appendRun(o.child, o.entries, o.dir);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

// ---------------------------------------------------------------------------
// the parent: rounds of the four processes, then the medians

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f2 = (x) => (x === null ? '—' : x.toFixed(2));
const pct = (x, base) => `${x >= 0 ? '+' : ''}${((x / base) * 100).toFixed(1)}%`;

function parent(o) {
  const self = fileURLToPath(import.meta.url);
  const runs = Object.fromEntries(MODES.map((m) => [m, []]));
  console.log(`screening cost: ${o.entries} steps in ${BATCH}-step transactions, ${o.rounds} round(s), node ${process.version}`);
  for (let round = 1; round <= o.rounds; round++) {
    // Rotated each round, so that drift of the machine hits every mode alike.
    const order = MODES.map((_m, i) => MODES[(i + round - 1) % MODES.length]);
    for (const mode of order) {
      const p = spawnSync(process.execPath, [self, '--child', mode, '--entries', String(o.entries), '--dir', o.dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`${mode} failed (${p.status}): ${p.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      const r = JSON.parse(p.stdout.trim().split('\n').pop());
      runs[mode].push(r);
      console.log(`round ${round} ${mode.padEnd(8)} ${f2(r.usPerStep).padStart(7)} µs/step, collector ${f2(r.gcUsPerStep)}${r.extUsPerStep === null ? '' : `, in the extension ${f2(r.extUsPerStep)}`}${mode === 'screened' || mode === 'engine' ? `, alerts ${r.alerts}` : ''}`);
    }
  }
  const m = Object.fromEntries(MODES.map((k) => [k, median(runs[k].map((r) => r.usPerStep))]));
  const ext = median(runs.screened.map((r) => r.extUsPerStep));
  const gc = Object.fromEntries(MODES.map((k) => [k, median(runs[k].map((r) => r.gcUsPerStep))]));
  const over = m.screened - m.plain;
  const seam = m.noop - m.plain;
  console.log('');
  console.log('medians, µs per step (share of plain):');
  console.log(`  plain bulk append                      ${f2(m.plain)}`);
  console.log(`  screened bulk append                   ${f2(m.screened)}  overhead ${f2(over)} (${pct(over, m.plain)})`);
  console.log(`    the seam (no-op extension − plain)     ${f2(seam)} (${pct(seam, m.plain)})`);
  console.log(`    in the supervise extension's calls     ${f2(ext)} (${pct(ext, m.plain)}): engine and alert entries`);
  console.log(`    the rest (overhead − seam − calls)     ${f2(over - seam - ext)} (${pct(over - seam - ext, m.plain)})`);
  console.log(`  the engine alone, same entries         ${f2(m.engine)} (${pct(m.engine, m.plain)})`);
  console.log(`  collector pauses, whole run            plain ${f2(gc.plain)}, no-op ${f2(gc.noop)}, screened ${f2(gc.screened)} (${pct(gc.screened - gc.plain, m.plain)} of plain more); engine alone ${f2(gc.engine)}`);
}

let o;
try {
  o = args(process.argv.slice(2));
} catch (e) {
  console.error(`screening-cost: ${e.message}`);
  process.exit(2);
}
if (o.child !== null) await child(o);
else parent(o);
