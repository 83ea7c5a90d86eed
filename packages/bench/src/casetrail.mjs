/**
 * casetrail's own scenarios: bulk and single append, full and incremental
 * verification, proofs, trace, query, and single appends on a large ledger.
 * Timing policy: see scenarios.mjs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ACTORS, BASE_TIME, TIME_STEP_MS, TRACE_CASES, TRACE_STEPS, entriesRange, entryAt, traceCaseId } from './entries.mjs';
import { KEYS, LEDGER, MODEL, N, ORIGIN, STATE, bulkStages, cfg, core, keys, latency, ledgerBytes, now, pick, singleStages } from './context.mjs';

export function casetrailBulk() {
  let ledger;
  return bulkStages({
    async setup() {
      for (const s of ['', '-wal', '-shm']) rmSync(LEDGER + s, { force: true });
      rmSync(KEYS, { force: true });
      rmSync(STATE, { force: true });
      ledger = await core.Ledger.create(LEDGER, { origin: ORIGIN, signer: keys().skey, signerState: { file: STATE } });
    },
    async append(from, to) {
      const steps = entriesRange(from, to, N, MODEL);
      const t0 = now();
      await ledger.appendMany(steps);
      return now() - t0;
    },
    async close() {
      const checkpoint = await ledger.latestCheckpoint();
      await ledger.close();
      return { checkpointSize: checkpoint?.size ?? 0 };
    },
    disk: () => ledgerBytes(LEDGER),
  });
}

/**
 * One append() per transaction with its signed checkpoint, on a fresh
 * ledger; the signer state in a file, fsynced, as for a key file.
 */
export function casetrailSingle(durability) {
  const path = join(cfg.dir, `single-${durability}.ledger`);
  const state = `${path}.key.state`;
  let ledger;
  let steps;
  return singleStages({
    async setup() {
      for (const s of ['', '-wal', '-shm', '.key.state']) rmSync(path + s, { force: true });
      ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey, signerState: { file: state }, durability });
      steps = entriesRange(0, cfg.single, N, MODEL);
    },
    append: (i) => ledger.append(steps[i]),
    close: () => ledger.close(),
    info: { durability },
  });
}

export async function casetrailVerifyFull() {
  const { vkey } = keys();
  const t0 = now();
  const report = await core.verifyLedger(LEDGER, { vkey, ...(cfg.verifyWorkers === undefined ? {} : { workers: cfg.verifyWorkers }) });
  const ms = now() - t0;
  return {
    workers: cfg.verifyWorkers ?? 'default',
    entries: report.size,
    ms,
    perSec: (report.size / ms) * 1000,
    ok: report.ok,
    issueCount: report.issueCount,
    firstIssue: report.issues[0]?.code,
    checked: report.checked,
  };
}

export async function casetrailVerifyIncremental() {
  const { vkey } = keys();
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const size = await ledger.size();
  const from = Math.max(1, size - 1000);
  const trusted = await ledger.checkpointAt(from);
  await ledger.close();
  if (trusted === undefined) throw new Error(`no stored checkpoint at size ${from}`);
  const runs = [];
  let report;
  for (let r = 0; r < 5; r++) {
    const t0 = now();
    report = await core.verifyLedger(LEDGER, { vkey, trusted: trusted.note, mode: 'incremental' });
    runs.push(now() - t0);
  }
  const l = latency(runs);
  return { entries: size, fromSize: from, checkedEntries: report.checked.entries, ms: l.p50, runs, ok: report.ok, firstIssue: report.issues[0]?.code };
}

export function casetrailProofs() {
  let ledger;
  let size;
  const inc = [];
  const con = [];
  const pair = [];
  const vInc = [];
  const vCon = [];
  let allValid = true;
  let items = 0;
  return {
    async setup() {
      ledger = await core.Ledger.open(LEDGER, { readonly: true });
      size = await ledger.size();
      for (let r = 0; r < 50; r++) {
        await ledger.proveInclusion(pick(r, 98, size), size);
        await ledger.proveConsistency(1 + pick(r, 97, size - 1), size);
      }
    },
    async round(from, to) {
      let d = 0;
      for (let r = from; r < to; r++) {
        const seq = pick(r, 1, size);
        const old = 1 + pick(r, 2, size - 1);
        const t0 = now();
        const ip = await ledger.proveInclusion(seq, size);
        const t1 = now();
        const cp = await ledger.proveConsistency(old, size);
        const t2 = now();
        inc.push(t1 - t0);
        con.push(t2 - t1);
        pair.push(t2 - t0);
        d += t2 - t0;
        items += ip.proof.length + cp.proof.length;
        const t3 = now();
        const okI = core.verifyInclusion(ip.leafHash, ip.seq, ip.treeSize, ip.proof, ip.root);
        const t4 = now();
        const okC = core.verifyConsistency(cp.oldSize, cp.newSize, cp.oldRoot, cp.newRoot, cp.proof);
        const t5 = now();
        vInc.push(t4 - t3);
        vCon.push(t5 - t4);
        allValid &&= okI && okC;
      }
      return { ms: d, perSec: ((to - from) / d) * 1000 };
    },
    async finish() {
      // Proof cost against tree size: O(log n) means a flat line per decade.
      const scaling = [];
      for (let s = 1000; s <= size; s *= 10) {
        const lat = [];
        let len = 0;
        for (let r = 0; r < 200; r++) {
          const t = now();
          const p = await ledger.proveInclusion(pick(r, 5, s), s);
          lat.push(now() - t);
          len += p.proof.length;
        }
        scaling.push({ treeSize: s, p50: latency(lat).p50, meanProofItems: len / 200 });
      }
      await ledger.close();
      const pl = latency(pair);
      return {
        treeSize: size,
        inclusion: latency(inc),
        consistency: latency(con),
        pair: { ...pl, perSec: 1000 / pl.mean },
        verifyInclusion: latency(vInc),
        verifyConsistency: latency(vCon),
        meanItemsPerPair: items / pair.length,
        allValid,
        scaling,
      };
    },
  };
}

export async function casetrailTrace() {
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const lat = [];
  let allOk = true;
  for (let r = 0; r < cfg.iterations; r++) {
    const id = traceCaseId(r % TRACE_CASES);
    const t = now();
    const tr = await ledger.trace(id);
    lat.push(now() - t);
    allOk &&= tr.ok && tr.steps.length === TRACE_STEPS;
  }
  await ledger.close();
  return { steps: TRACE_STEPS, latency: latency(lat), allOk };
}

export async function casetrailQuery() {
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const size = await ledger.size();
  const lat = [];
  let rows = 0;
  const WEEK = 7 * 24 * 3600 * 1000;
  for (let r = 0; r < cfg.iterations; r++) {
    const actor = ACTORS[pick(r, 1, ACTORS.length)];
    const since = BASE_TIME + pick(r, 2, size) * TIME_STEP_MS;
    const t = now();
    const page = await ledger.query({ actor, since, until: since + WEEK, limit: 100 });
    lat.push(now() - t);
    rows += page.entries.length;
  }
  await ledger.close();
  return { window: '7 days', limit: 100, latency: latency(lat), meanRows: rows / cfg.iterations };
}

/**
 * Single appends on the large ledger the bulk scenario made, through its
 * signer state: each "cold" one by a Ledger just opened (it proves the
 * extension: the compact range, the last entry and the case's latest step,
 * by inclusion proofs: O(log n) reads), then "warm" ones by one Ledger (its
 * cache holds), then the proof alone (checkpoint() of a Ledger just opened,
 * which writes nothing: no fsync in the figure). Run at two sizes, they
 * show the cost does not grow with n.
 */
export async function casetrailAppendLarge() {
  const { skey } = keys();
  const signing = { signer: skey, signerState: { file: STATE } };
  const cold = [];
  const warm = [];
  const opens = Math.min(50, cfg.iterations);
  let size = 0;
  for (let i = 0; i < opens; i++) {
    const l = await core.Ledger.open(LEDGER, signing);
    const e = entryAt(pick(i, 7, N), N, MODEL);
    const t = now();
    const r = await l.append({ caseId: e.caseId, type: 'bench.cold', actor: e.actor, data: { i } });
    cold.push(now() - t);
    size = r.treeSize;
    await l.close();
  }
  const l = await core.Ledger.open(LEDGER, signing);
  for (let i = 0; i < cfg.iterations; i++) {
    const e = entryAt(pick(i, 11, N), N, MODEL);
    const t = now();
    const r = await l.append({ caseId: e.caseId, type: 'bench.warm', actor: e.actor, data: { i } });
    warm.push(now() - t);
    size = r.treeSize;
  }
  await l.close();
  // The proof alone: a Ledger just opened asked for the checkpoint it already
  // stored proves the extension (compact range, last entry) and writes nothing.
  const proof = [];
  for (let i = 0; i < opens; i++) {
    const p = await core.Ledger.open(LEDGER, signing);
    const t = now();
    await p.checkpoint();
    proof.push(now() - t);
    await p.close();
  }
  return { treeSize: size, cold: latency(cold), warm: latency(warm), proof: latency(proof) };
}
