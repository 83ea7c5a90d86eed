/**
 * A batch judged ahead (docs/supervision.md §13.3): the writer judges a
 * whole batch before its first step is written and then only checks, step
 * by step, that each was written as judged. Whatever the batch, the ledger
 * must hold exactly the entries of the same steps appended one by one —
 * also when the plan cannot hold: a step sent again and skipped, another
 * extension adding entries, a case whose summary must be refolded while its
 * earlier steps are still in the batch, a step without a time, a blocked
 * step.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Ledger, LedgerExtension, StepInput } from '@casetrail/core';
import { REDACTED, TYPES, type Pack } from '../../src/index.js';
import { auditLedger, supervise, type SupervisedLedger } from '../../src/ledger/index.js';
import { KEYS, cleanupTempDirs, newAdopted, newSupervised, replayScenario, shape, storedStream } from '../helpers/real-ledger.js';
import { buildExampleLedger } from '../helpers/scenarios.js';
import { examplePack, sh, type SimLedger } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

/** The scenario's steps appended in batches of up to `size` consecutive steps; system entries as replayScenario writes them. */
async function replayBatched(sim: SimLedger, sup: SupervisedLedger, packs: readonly Pack[], size: number): Promise<void> {
  let batch: StepInput[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await sup.appendMany(batch);
    batch = [];
  };
  for (const e of sim.entries) {
    if (e.type === TYPES.alert) continue;
    if (!e.type.startsWith('casetrail.')) {
      if (e.data === REDACTED) throw new Error('replayBatched: a redacted step');
      batch.push({ caseId: e.caseId, type: e.type, actor: e.actor, data: e.data, time: e.time });
      if (batch.length === size) await flush();
      continue;
    }
    await flush();
    // A system entry (adoption, tick, disposition) as replayScenario writes it.
    await replayScenario({ entries: [e] } as unknown as SimLedger, sup, packs);
  }
  await flush();
}


/** The same steps appended one by one, in a ledger of their own: the entries a batch must give. */
async function oneByOne(steps: readonly StepInput[]): Promise<string[]> {
  const { path, ledger, sup } = await newAdopted();
  for (const s of steps) await sup.append(s);
  await sup.close();
  await ledger.close();
  return shape(await storedStream(path));
}

async function closedShape(path: string, ledger: Ledger, sup: SupervisedLedger): Promise<string[]> {
  await sup.close();
  await ledger.close();
  const r = await auditLedger(path, { vkey: KEYS.vkey });
  expect(r.verification.ok).toBe(true);
  expect(r.audit?.findings).toEqual([]);
  return shape(await storedStream(path));
}

const fee = (caseId: string, amountFen: number, time: string, more: Partial<StepInput> = {}): StepInput => ({
  caseId,
  type: 'fee.charged',
  actor: 'cashier:zhao',
  data: { item: 'XK-002', amountFen },
  time: sh(time),
  ...more,
});
const decided = (caseId: string, time: string, actor = 'director:chen'): StepInput => ({ caseId, type: 'approval.decided', actor, data: { decision: 'granted' }, time: sh(time) });
const received = (caseId: string, time: string): StepInput => ({ caseId, type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-002', applicant: 'A', handler: 'clerk:wang' }, time: sh(time) });
const reviewed = (caseId: string, time: string): StepInput => ({ caseId, type: 'review.completed', actor: 'director:chen', data: { reviewer: 'director:chen' }, time: sh(time) });

/** Steps over a few cases, interleaved, raising alerts of several rules (order, basis, fee, separation). */
function mixedSteps(): StepInput[] {
  const out: StepInput[] = [];
  for (let i = 0; i < 12; i++) {
    const c = `XK-${i % 4}`;
    const t = `2025-09-02T${String(9 + Math.floor(i / 4)).padStart(2, '0')}:${String(i * 3).padStart(2, '0')}`;
    out.push([received, reviewed, (id: string, time: string) => fee(id, i % 2 === 0 ? 90000 : 100, time), decided][Math.floor(i / 4) % 4]!(c, t));
  }
  out.push(decided('XK-9', '2025-09-02T12:00'), fee('XK-9', 20001, '2025-09-02T12:01'), decided('XK-0', '2025-09-02T12:02'));
  return out;
}

describe('a batch judged ahead writes what one-by-one appends write', () => {
  it.each([
    [10_000, 50],
    [10_000, 7],
    [1, 50],
    [3, 5],
  ])('the golden scenario, at most %i case summaries, batches of %i: the same entries byte for byte, audit clean', async (maxCases, size) => {
    const { sim } = buildExampleLedger();
    const { path, ledger, sup } = await newSupervised({ maxCases });
    await replayBatched(sim, sup, [examplePack()], size);
    expect(await closedShape(path, ledger, sup)).toEqual(shape(sim.entries));
  });

  it('a batch of interleaved cases: each alert right after its step, as one by one', async () => {
    const steps = mixedSteps();
    const { path, ledger, sup } = await newAdopted();
    const receipts = await sup.appendMany(steps);
    expect(receipts.flatMap((r) => r.alerts.map((a) => a.seq - r.seq))).toEqual(receipts.flatMap((r) => r.alerts.map((_, i) => i + 1)));
    expect(receipts.some((r) => r.alerts.length > 0)).toBe(true);
    expect(await closedShape(path, ledger, sup)).toEqual(await oneByOne(steps));
  });

  it('a batch whose steps carry no time is judged as it is written, with the same alerts', async () => {
    const steps = mixedSteps().map(({ time: _t, ...s }) => s);
    const { path, ledger, sup } = await newAdopted();
    const receipts = await sup.appendMany(steps);
    expect(receipts.reduce((n, r) => n + r.alerts.length, 0)).toBeGreaterThan(0);
    const got = await closedShape(path, ledger, sup);
    expect(got.filter((l) => l.includes(TYPES.alert)).length).toBe(receipts.reduce((n, r) => n + r.alerts.length, 0));
  });
});

describe('when the plan does not hold', () => {
  it('a step sent again is skipped: the steps after it are judged as written, the alerts those of one by one', async () => {
    const steps = mixedSteps().map((s, i) => ({ ...s, idempotencyKey: `k-${i}` }));
    const { path, ledger, sup } = await newAdopted();
    await sup.appendMany(steps.slice(0, 5));
    // Lines 1–5 again (skipped), then new ones: the plan judged line 1 at the next seq.
    const again = await sup.appendMany(steps);
    expect(again.slice(0, 5).every((r) => r.duplicate === true && r.alerts.length === 0)).toBe(true);
    expect(await closedShape(path, ledger, sup)).toEqual(await oneByOne(steps));
  });

  it('another extension adds an entry after each step, before supervision or after it: the entries of one by one', async () => {
    const notes: LedgerExtension = {
      name: 'notes',
      systemTypes: { 'casetrail.test.note': () => undefined },
      onStep: (s, ctx) => {
        if (!s.system) ctx.add({ caseId: s.caseId, type: 'casetrail.test.note', actor: 'notes', data: null });
      },
    };
    /** The steps appended with `notes` in use, registered before supervision (its entry first after each step: the alerts' seqs are not those judged) or after it. */
    async function withNotes(notesFirst: boolean, batched: boolean): Promise<{ path: string; alerts: number; shape: string[] }> {
      const { path, ledger, sup: adopting } = await newAdopted();
      await adopting.close();
      let off = notesFirst ? ledger.use(notes) : undefined;
      const sup = await supervise(ledger, { vkey: KEYS.vkey });
      off ??= ledger.use(notes);
      // The first step raises alerts: with notes first, its first alert is not at the seq judged.
      const steps = [decided('XK-8', '2025-09-02T08:59'), ...mixedSteps()];
      const receipts = batched ? await sup.appendMany(steps) : await Promise.all(steps.map((s) => sup.append(s)));
      off();
      await sup.close();
      await ledger.close();
      return { path, alerts: receipts.reduce((n, r) => n + r.alerts.length, 0), shape: shape(await storedStream(path)) };
    }
    for (const notesFirst of [true, false]) {
      const batched = await withNotes(notesFirst, true);
      const single = await withNotes(notesFirst, false);
      expect(batched.alerts).toBeGreaterThan(0);
      expect(batched.shape).toEqual(single.shape);
    }
    // Supervision first: each step's alerts follow it directly, and the audit finds nothing.
    const { path, alerts } = await withNotes(false, true);
    const report = await auditLedger(path, { vkey: KEYS.vkey, systemTypes: { 'casetrail.test.note': () => undefined } });
    expect(report.audit?.findings).toEqual([]);
    expect(report.audit?.recorded).toBe(alerts);
  });
});
