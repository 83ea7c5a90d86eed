/**
 * supervision: the same approval steps appended plainly and screened by a
 * 20-rule pack (alerts written in the transaction), then the audit's replay.
 * The steps and the pack are supervision.mjs's. Timing policy: see scenarios.mjs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as sv from '@casetrail/supervise';
import * as svLedger from '@casetrail/supervise/ledger';
import * as approvals from './supervision.mjs';
import { BATCH, N, ORIGIN, SUPERVISED, bulkStages, cfg, core, keys, latency, ledgerBytes, now, singleStages } from './context.mjs';

async function supervisedLedger(path, durability) {
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  const { skey, vkey } = keys();
  const ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: skey, durability });
  const sup = await svLedger.supervise(ledger, { vkey });
  await approvals.adoptBenchPack(sup);
  return { ledger, sup };
}

/** The approval steps appended plainly, in BATCH-sized transactions (the baseline of supervised-bulk). */
export function approvalsBulk() {
  const path = join(cfg.dir, 'approvals.ledger');
  let ledger;
  return bulkStages({
    async setup() {
      for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
      ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey });
    },
    async append(from, to) {
      const steps = approvals.approvalsRange(from, to, N);
      const t0 = now();
      await ledger.appendMany(steps);
      return now() - t0;
    },
    close: () => ledger.close(),
    disk: () => ledgerBytes(path),
  });
}

/**
 * The same steps screened by the 20-rule pack: each transaction also writes
 * the alerts its steps raise. After a batch that reached a new day a tick is
 * written (outside the clock: ticks are not appends; their cost is reported
 * apart), so the ledger the audit scenarios read has deadlines and
 * escalations too.
 */
export function supervisedBulk() {
  let ledger;
  let sup;
  let lastDay = approvals.dayOf(approvals.START);
  let alerts = 0;
  let ticks = 0;
  let tickMs = 0;
  return bulkStages({
    async setup() {
      ({ ledger, sup } = await supervisedLedger(SUPERVISED, 'full'));
    },
    async append(from, to) {
      const steps = approvals.approvalsRange(from, to, N);
      const t0 = now();
      const receipts = await sup.appendMany(steps);
      const ms = now() - t0;
      for (const r of receipts) alerts += r.alerts.length;
      const last = steps[steps.length - 1].time;
      if (approvals.dayOf(last) !== lastDay) {
        lastDay = approvals.dayOf(last);
        const t1 = now();
        alerts += (await sup.tick({ now: last })).alerts.length;
        tickMs += now() - t1;
        ticks++;
      }
      return ms;
    },
    async close() {
      const size = await ledger.size();
      await sup.close();
      await ledger.close();
      return { alerts, ticks, tickMsPerTick: ticks === 0 ? 0 : tickMs / ticks, ledgerSize: size };
    },
    disk: () => ledgerBytes(SUPERVISED),
  });
}

/** One append per transaction, durability normal (fsync would hide what screening costs). */
export function approvalsSingle(supervised) {
  const path = join(cfg.dir, supervised ? 'supervised-single.ledger' : 'approvals-single.ledger');
  let ledger;
  let sup;
  let steps;
  return singleStages({
    async setup() {
      if (supervised) ({ ledger, sup } = await supervisedLedger(path, 'normal'));
      else {
        for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
        ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey, durability: 'normal' });
      }
      steps = approvals.approvalsRange(0, cfg.single, N);
    },
    append: (i) => (supervised ? sup.append(steps[i]) : ledger.append(steps[i])),
    async close() {
      await sup?.close();
      await ledger.close();
    },
    info: { durability: 'normal', supervised },
  });
}

/** What `casetrail audit` does: full verification, then the replay from one snapshot, bounded. */
export async function supervisedAudit(replayOnly) {
  const { vkey } = keys();
  let verifyMs = 0;
  let size;
  if (!replayOnly) {
    const t0 = now();
    const v = await core.verifyLedger(SUPERVISED, { vkey, systemTypes: svLedger.supervisionValidators() });
    verifyMs = now() - t0;
    if (!v.ok) throw new Error(`the supervised ledger does not verify: ${v.issues[0]?.code}`);
    size = v.size;
  }
  const store = await core.openStore(SUPERVISED, { readonly: true });
  const t1 = now();
  const report = await store.snapshot(async (view) => {
    const n = size ?? view.size();
    const adoptions = view.query({ type: sv.TYPES.rulesAdopted, limit: 1000 }).map((row) => svLedger.storedEntry(view, row, store.origin).entry);
    return sv.audit(
      function* () {
        yield* svLedger.verifiedEntries(view, 0, n);
      },
      { history: (caseId, beforeSeq) => svLedger.storedCaseHistory(view, store.origin, caseId, beforeSeq, 'verified'), adoptions },
    );
  });
  const replayMs = now() - t1;
  await store.close();
  return {
    entries: report.entries,
    ok: report.ok,
    findings: report.findings.length,
    expected: report.expected,
    recorded: report.recorded,
    maxCases: sv.DEFAULT_MAX_CASES,
    verifyMs,
    replayMs,
    replayPerSec: (report.entries / replayMs) * 1000,
    ms: verifyMs + replayMs,
    perSec: (report.entries / (verifyMs + replayMs)) * 1000,
  };
}

/** `points` on a ledger of N entries and violations (N/100 unless --violations): see points.mjs. */
export async function pointsScenario() {
  const { pointsQuery } = await import('./points.mjs');
  return pointsQuery({
    core,
    sv,
    svLedger,
    approvals,
    path: join(cfg.dir, 'points.ledger'),
    origin: ORIGIN,
    skey: keys().skey,
    entries: N,
    violations: cfg.violations ?? Math.max(1, Math.floor(N / 100)),
    batch: BATCH,
    iterations: Math.min(cfg.iterations, 200),
    now,
    latency,
  });
}
