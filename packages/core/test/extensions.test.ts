// The seams for layers, each tested on its own: the in-transaction extension
// (ledger.use), system entries (appendSystem and the reserved names), the
// committed-entries subscription (onCommit) and the cross-process follower
// (followLedger).
import { afterAll, describe, expect, test } from 'vitest';
import {
  LedgerError,
  ed25519PublicKey,
  followLedger,
  generateSeed,
  verifyLedger,
  type BatchStep,
  type CommitEvent,
  type CommittedStep,
  type ExtensionLimits,
  type LedgerExtension,
  type SystemTypeValidator,
} from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger, openSigned, rawOpen, steps } from './helpers/ledgers.js';
import { codeOf } from './helpers/codes.js';

afterAll(cleanupTempDirs);

const isAlert: SystemTypeValidator = (data) =>
  typeof data === 'object' && data !== null && typeof (data as { about?: unknown }).about === 'number' ? undefined : 'an alert names the entry it is about';

/** An extension that writes an alert after every step of type `decision`. */
function alerts(extra: Partial<LedgerExtension> = {}): LedgerExtension & { seen: CommittedStep[] } {
  const seen: CommittedStep[] = [];
  return {
    name: 'alerts',
    systemTypes: { 'casetrail.alert': isAlert },
    seen,
    onStep(step, ctx) {
      seen.push(step);
      if (step.type === 'decision') ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: step.seq } });
    },
    ...extra,
  };
}

const batch = [
  { caseId: 'A', type: 'opened', actor: 'clerk', data: { n: 1 } },
  { caseId: 'A', type: 'decision', actor: 'judge', data: { n: 2 } },
  { caseId: 'B', type: 'decision', actor: 'judge', data: { n: 3 } },
  { caseId: 'B', type: 'closed', actor: 'clerk', data: { n: 4 } },
];

describe('in-transaction extensions (ledger.use)', () => {
  test('onStep sees each step decoded, in order; what it adds follows that step directly, in the same transaction', async () => {
    const l = await newLedger();
    const ext = alerts();
    l.use(ext);
    const receipts = await l.appendMany(batch);
    expect(ext.seen.map((s) => [s.seq, s.caseId, s.step, s.type, s.actor, s.data])).toEqual([
      [0, 'A', 1, 'opened', 'clerk', { n: 1 }],
      [1, 'A', 2, 'decision', 'judge', { n: 2 }],
      [3, 'B', 1, 'decision', 'judge', { n: 3 }],
      [5, 'B', 3, 'closed', 'clerk', { n: 4 }],
    ]);
    expect(receipts.map((r) => r.seq)).toEqual([0, 1, 3, 5]);
    expect(receipts.every((r) => r.treeSize === 6 && r.checkpoint !== undefined)).toBe(true);
    const alert = await l.get(2);
    expect(alert.entry).toMatchObject({ type: 'casetrail.alert', caseId: 'A', step: 3, time: (await l.get(1)).entry!.time });
    expect(alert.data).toEqual({ about: 1 });
    expect((await l.get(4)).data).toEqual({ about: 3 });
    expect((await l.latestCheckpoint())!.size).toBe(6);
    const report = await l.verify({ vkey: KEYS.vkey });
    expect(report.issues).toEqual([]);
    expect(report.checked.systemEntries).toBe(2);
    expect(l.extensionStats()).toEqual([expect.objectContaining({ name: 'alerts', calls: 4, added: 2, refusals: 0, failures: 0 })]);
    await l.close();
  });

  test('a step\'s signers: the public keys of its actor signatures, in onStep, in the view and in onCommit', async () => {
    const l = await newLedger();
    const seed = generateSeed();
    const seen: CommittedStep[][] = [];
    let viewed: CommittedStep | undefined;
    l.use({ name: 'signers', onStep: (s, ctx) => { seen.push([s]); viewed = ctx.view.entry(s.seq); } });
    let committed: CommittedStep[] = [];
    l.onCommit((e) => { committed = e.entries; });
    await l.append({ caseId: 'S', type: 'decision', actor: 'judge', data: { n: 1 }, signWith: [seed] });
    const key = ed25519PublicKey(seed);
    expect(seen[0]![0]!.signers).toEqual([key]);
    expect(viewed?.signers).toEqual([key]);
    expect(committed[0]!.signers).toEqual([key]);
    await l.append({ caseId: 'S', type: 'closed', actor: 'clerk' });
    expect(seen[1]![0]!.signers).toEqual([]);
    await l.close();
  });

  test('the view: a case\'s earlier steps, entries by type (including those added earlier in the transaction), the tail', async () => {
    const l = await newLedger();
    await l.appendMany(steps(6));
    const seen: unknown[] = [];
    l.use({
      name: 'reader',
      systemTypes: { 'casetrail.note': () => undefined },
      onStep(step, ctx) {
        seen.push({
          history: ctx.view.caseSteps(step.caseId).map((s) => s.step),
          last: ctx.view.caseTail(step.caseId)?.seq,
          notes: ctx.view.entriesOfType('casetrail.note').map((s) => s.seq),
          tail: ctx.view.tail()?.seq,
          size: ctx.view.size(),
        });
        ctx.add({ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'casetrail:reader', data: null });
      },
    });
    await l.appendMany([
      { caseId: 'CASE-1', type: 'x', actor: 'a' },
      { caseId: 'CASE-1', type: 'y', actor: 'a' },
    ]);
    expect(seen).toEqual([
      { history: [1, 2], last: 6, notes: [], tail: 6, size: 7 },
      { history: [1, 2, 3], last: 8, notes: [7], tail: 8, size: 9 },
    ]);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('a failure later in the transaction rolls back what the extension added with the rest', async () => {
    const l = await newLedger();
    l.use(alerts());
    await l.append({ caseId: 'A', type: 'opened', actor: 'x' });
    const latest = (await l.get(0)).entry!.time;
    expect(await codeOf(l.appendMany([{ caseId: 'A', type: 'decision', actor: 'j' }, { caseId: 'A', type: 'late', actor: 'j', time: latest - 1 }]))).toBe('TIME_ORDER');
    expect(await l.size()).toBe(1);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('a refusal rolls everything back and writes its record in a transaction of its own', async () => {
    const l = await newLedger();
    l.use(
      alerts({
        onStep(step, ctx) {
          if (step.type === 'decision') ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: step.seq } });
          if (step.type === 'forbidden') {
            ctx.refuse({ code: 'RULE_7', message: 'no forbidden steps', record: [{ caseId: 'casetrail.system', type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: -1, refused: step.type } }] });
          }
        },
      }),
    );
    await l.append({ caseId: 'A', type: 'opened', actor: 'x' });
    let err: LedgerError | undefined;
    try {
      await l.appendMany([{ caseId: 'A', type: 'decision', actor: 'j' }, { caseId: 'A', type: 'forbidden', actor: 'j' }]);
    } catch (e) {
      err = e as LedgerError;
    }
    expect(err?.code).toBe('REFUSED');
    // Entry 0 stays; the refused batch is gone; the record is entry 1.
    expect(err?.details).toMatchObject({ extension: 'alerts', reason: 'RULE_7', recorded: [1] });
    expect(await l.size()).toBe(2);
    expect((await l.get(1)).entry).toMatchObject({ type: 'casetrail.alert', caseId: 'casetrail.system' });
    expect((await l.get(1)).data).toEqual({ about: -1, refused: 'forbidden' });
    expect((await l.verify({ vkey: KEYS.vkey })).issues).toEqual([]);
    expect(l.extensionStats()[0]).toMatchObject({ refusals: 1 });
    await l.close();
  });

  test('a throwing extension leaves nothing written: EXTENSION_FAILED', async () => {
    const l = await newLedger();
    l.use(
      alerts({
        onStep(step, ctx) {
          ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: step.seq } });
          if (step.type === 'b') throw new Error('bug in the rules');
        },
      }),
    );
    let err: LedgerError | undefined;
    try {
      await l.appendMany([{ caseId: 'A', type: 'a', actor: 'x' }, { caseId: 'A', type: 'b', actor: 'x' }]);
    } catch (e) {
      err = e as LedgerError;
    }
    expect(err).toMatchObject({ code: 'EXTENSION_FAILED', details: { extension: 'alerts' } });
    expect(err!.message).toMatch(/bug in the rules/);
    expect(await l.size()).toBe(0);
    expect(l.extensionStats()[0]).toMatchObject({ failures: 1 });
    await l.close();
  });

  test('onEnd runs once after the transaction\'s last step written, also when the batch ends with a step appended before; its refusal writes nothing', async () => {
    const l = await newLedger();
    const ends: number[] = [];
    let refuse = false;
    const ext = alerts({
      onEnd(ctx) {
        ends.push(ctx.view.size());
        if (refuse) ctx.refuse({ code: 'DRY_RUN', message: 'a dry run writes nothing' });
      },
    });
    l.use(ext);
    await l.appendMany(batch);
    expect(ends).toEqual([6]);
    const keyed = { caseId: 'K', type: 'decision', actor: 'judge', idempotencyKey: 'req-1' };
    await l.append(keyed);
    const size = await l.size();
    // A batch of steps all appended before: onStep never ran, so neither does onEnd, and nothing is written.
    const again = await l.appendMany([keyed]);
    expect(again[0]).toMatchObject({ duplicate: true });
    expect(ends).toHaveLength(2);
    // The batch's last step was appended before and never reaches onStep: onEnd still refuses the transaction.
    refuse = true;
    const seen = ext.seen.length;
    expect(await codeOf(l.appendMany([{ caseId: 'K', type: 'decision', actor: 'judge', idempotencyKey: 'req-2' }, keyed]))).toBe('REFUSED');
    expect(ext.seen.length).toBe(seen + 1);
    expect(ends.at(-1)).toBe(size + 2);
    expect(await l.size()).toBe(size);
    refuse = false;
    l.use({ name: 'ends-badly', onStep: () => undefined, onEnd: () => { throw new Error('bug at the end'); } });
    const failed = (await l.append({ caseId: 'K', type: 'x', actor: 'judge' }).catch((e: unknown) => e)) as LedgerError;
    expect(failed).toMatchObject({ code: 'EXTENSION_FAILED', details: { extension: 'ends-badly' } });
    expect(await l.size()).toBe(size);
    expect(l.extensionStats()[1]).toMatchObject({ name: 'ends-badly', calls: 2, failures: 1 });
    await l.close();
  });

  test('what it adds must be a declared system type whose validator accepts it', async () => {
    const l = await newLedger();
    const adding = (data: unknown, type = 'casetrail.alert'): LedgerExtension => ({
      name: `add-${type}-${JSON.stringify(data)}`,
      onStep: (step, ctx) => void ctx.add({ caseId: step.caseId, type, actor: 'casetrail:x', data }),
    });
    // @ts-expect-error -- an extension from JavaScript may say onStep: undefined, which the ledger reads as no onStep
    const off = l.use(alerts({ onStep: undefined }));
    for (const [data, type] of [[{ about: 'x' }, 'casetrail.alert'], [{ about: 1 }, 'casetrail.undeclared'], [{ about: 1 }, 'public.type']] as const) {
      const remove = l.use(adding(data, type));
      const e = await l.append({ caseId: 'A', type: 'a', actor: 'x' }).catch((x: LedgerError) => x);
      expect(e).toMatchObject({ code: 'EXTENSION_FAILED', details: { causeCode: 'INVALID_ARGUMENT' } });
      remove();
    }
    off();
    expect(await l.size()).toBe(0);
    await l.close();
  });

  test('the context of onStep: its batch index per step, add passed on by destructuring, and add refused once the call returned', async () => {
    const l = await newLedger();
    const indexes: [number, number][] = [];
    let kept: ((e: { caseId: string; type: string; actor: string; data?: unknown }) => CommittedStep) | undefined;
    l.use({
      name: 'ctx',
      systemTypes: { 'casetrail.alert': isAlert },
      onStep(step, ctx) {
        indexes.push([ctx.batch.index, ctx.batch.size]);
        const { add } = ctx;
        if (step.type === 'decision') add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:ctx', data: { about: step.seq } });
        kept = add;
      },
      onEnd() {
        // The context of the last step, after its call: an entry added now would have no step to follow.
        kept!({ caseId: 'A', type: 'casetrail.alert', actor: 'casetrail:ctx', data: { about: 0 } });
      },
    });
    const err = await l.appendMany(batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('EXTENSION_FAILED');
    expect((err as LedgerError).message).toMatch(/ctx\.add was called after its onStep returned/);
    expect(await l.size()).toBe(0);
    expect(indexes).toEqual([[0, 4], [1, 4], [2, 4], [3, 4]]);
    await l.close();
  });

  test('limits: entries added per step and per transaction, rows read per transaction', async () => {
    const l = await newLedger();
    const greedy = (perStep: number, limits: ExtensionLimits, read = 0): LedgerExtension => ({
      name: 'greedy',
      systemTypes: { 'casetrail.alert': isAlert },
      limits,
      onStep(step, ctx) {
        for (let i = 0; i < read; i++) ctx.view.caseSteps(step.caseId);
        for (let i = 0; i < perStep; i++) ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:g', data: { about: step.seq } });
      },
    });
    const attempts: Array<[LedgerExtension, string]> = [
      [greedy(3, { maxAddedPerStep: 2 }), 'maxAddedPerStep'],
      [greedy(2, { maxAddedPerTransaction: 5 }), 'maxAddedPerTransaction'],
      [greedy(0, { maxReadsPerTransaction: 10 }, 4), 'maxReadsPerTransaction'],
    ];
    for (const [ext, limit] of attempts) {
      const off = l.use(ext);
      const e = await l.appendMany(steps(3).map((s) => ({ ...s, caseId: 'SAME' }))).catch((x: LedgerError) => x);
      expect(e).toMatchObject({ code: 'EXTENSION_FAILED', details: { limit } });
      expect(await l.size()).toBe(0);
      off();
    }
    expect(() => l.use(greedy(1, { maxAddedPerStep: 100_001 }))).toThrow(LedgerError);
    // One step may carry many entries (a tick raising the alerts of every case due), within the transaction's limit.
    const many = l.use(greedy(300, { maxAddedPerStep: 300, maxAddedPerTransaction: 300 }));
    await l.append({ caseId: 'T', type: 'tick', actor: 'clock' });
    expect(await l.size()).toBe(301);
    many();
    const ok = l.use(greedy(2, { maxAddedPerStep: 2, maxAddedPerTransaction: 6 }));
    await l.appendMany(steps(3));
    expect(await l.size()).toBe(310);
    ok();
    await l.close();
  });

  test('the view refuses rows whose index columns disagree with their bytes (tampered before the honest append)', async () => {
    const l = await newLedger();
    await l.appendMany(steps(10));
    await l.close();
    // The attacker changes the type column of an earlier step of CASE-1 (the
    // writer itself reads no type column; a relabelled case tail is refused
    // before any extension runs: attacks.test.ts).
    const db = rawOpen(l.path);
    db.prepare("UPDATE entries SET type = 'approval' WHERE seq = 1").run();
    db.close();
    const again = await openSigned(l.path);
    again.use({ name: 'history', onStep: (step, ctx) => void ctx.view.caseSteps(step.caseId) });
    const e = await again.append({ caseId: 'CASE-1', type: 'x', actor: 'a' }).catch((x: LedgerError) => x);
    expect(e).toMatchObject({ code: 'EXTENSION_FAILED', details: { causeCode: 'STORAGE_ERROR' } });
    expect(await again.size()).toBe(10);
    await again.close();
  });

  test('registration: one name once, system types reserved and declared once, removable', async () => {
    const l = await newLedger();
    const off = l.use(alerts());
    expect(() => l.use(alerts())).toThrow(LedgerError);
    expect(() => l.use({ name: 'x', systemTypes: { 'casetrail.alert': isAlert } })).toThrow(LedgerError);
    expect(() => l.use({ name: 'y', systemTypes: { 'my.alert': isAlert } })).toThrow(LedgerError);
    expect(() => l.use({ name: 'z', systemTypes: { 'casetrail.redaction': isAlert } })).toThrow(LedgerError);
    off();
    expect(() => l.use({ name: 'x', systemTypes: { 'casetrail.alert': isAlert } })).not.toThrow();
    await l.close();
  });
});

describe('the batch before it is written (onBatch)', () => {
  test('onBatch gets every step once, before any is written: its time as given, its predicted step, and the very data object onStep then gets', async () => {
    const l = await newLedger();
    await l.appendMany([{ caseId: 'A', type: 'opened', actor: 'clerk' }]);
    const later = Date.now() + 60_000;
    const calls: string[] = [];
    let before: readonly BatchStep[] = [];
    let sizeAtBatch = -1;
    const seen: CommittedStep[] = [];
    l.use({
      name: 'ahead',
      onBatch(steps, ctx) {
        calls.push('batch');
        before = steps;
        sizeAtBatch = ctx.view.size();
      },
      onStep(step) {
        calls.push('step');
        seen.push(step);
      },
    });
    await l.appendMany([
      { caseId: 'A', type: 'decision', actor: 'judge', data: { n: 2 }, time: later },
      { caseId: 'B', type: 'opened', actor: 'clerk', data: { n: 3 } },
      { caseId: 'A', type: 'closed', actor: 'clerk', data: [4] },
    ]);
    expect(calls).toEqual(['batch', 'step', 'step', 'step']);
    expect(sizeAtBatch).toBe(1);
    expect(before.map((b) => [b.caseId, b.type, b.actor, b.time, b.step, b.system, b.data])).toEqual([
      ['A', 'decision', 'judge', later, 2, false, { n: 2 }],
      ['B', 'opened', 'clerk', undefined, 1, false, { n: 3 }],
      ['A', 'closed', 'clerk', undefined, 3, false, [4]],
    ]);
    expect(seen.map((s) => s.step)).toEqual([2, 1, 3]);
    for (let i = 0; i < 3; i++) expect(seen[i]!.data).toBe(before[i]!.data);
    // A system entry is flagged as one.
    l.use({ name: 'types', systemTypes: { 'casetrail.note': () => undefined } });
    await l.appendSystem([{ caseId: 'A', type: 'casetrail.note', actor: 'sys', data: null }]);
    expect(before.map((b) => [b.type, b.step, b.system])).toEqual([['casetrail.note', 4, true]]);
    expect(l.extensionStats().find((x) => x.name === 'ahead')?.calls).toBe(6);
    await l.close();
  });

  test('what onBatch throws fails the transaction, its refusal refuses it: nothing written', async () => {
    const l = await newLedger();
    let mode: 'throw' | 'refuse' = 'throw';
    l.use({
      name: 'ahead',
      onBatch(_steps, ctx) {
        if (mode === 'throw') throw new Error('cannot judge');
        ctx.refuse({ code: 'NO', message: 'refused ahead' });
      },
      onStep: () => undefined,
    });
    expect(await l.appendMany(batch).catch((e: LedgerError) => [e.code, e.details['extension']])).toEqual(['EXTENSION_FAILED', 'ahead']);
    mode = 'refuse';
    expect(await codeOf(l.appendMany(batch))).toBe('REFUSED');
    expect(await l.size()).toBe(0);
    await l.close();
  });

  test('a batch whose every step was appended before: onBatch ran, no onStep, and so no onEnd', async () => {
    const l = await newLedger();
    const keyed = [{ caseId: 'K', type: 'decision', actor: 'judge', idempotencyKey: 'req-1' }];
    await l.appendMany(keyed);
    const calls: string[] = [];
    l.use({ name: 'ahead', onBatch: () => void calls.push('batch'), onStep: () => void calls.push('step'), onEnd: () => void calls.push('end') });
    const [r] = await l.appendMany(keyed);
    expect(r).toMatchObject({ seq: 0, duplicate: true });
    expect(calls).toEqual(['batch']);
    await l.close();
  });

  test("an extension's onCommit follows each committed transaction it was called in, never a failed or refused one", async () => {
    const l = await newLedger();
    const events: string[] = [];
    let refuse = false;
    l.use({
      name: 'keeper',
      onStep(step, ctx) {
        events.push(`step ${step.seq}`);
        if (refuse) ctx.refuse({ code: 'NO', message: 'no' });
      },
      onCommit(c) {
        events.push(`commit ${c.treeSize}`);
        throw new Error('ignored: the entries are committed');
      },
    });
    await l.appendMany(batch.slice(0, 2));
    refuse = true;
    expect(await codeOf(l.append({ caseId: 'A', type: 'x', actor: 'a' }))).toBe('REFUSED');
    refuse = false;
    await l.append({ caseId: 'A', type: 'y', actor: 'a' });
    expect(events).toEqual(['step 0', 'step 1', 'commit 2', 'step 2', 'step 2', 'commit 3']);
    expect(l.extensionStats()[0]).toMatchObject({ failures: 2, refusals: 1 });
    expect(() => l.use({ name: 'bad', onCommit: 1 as never })).toThrow(LedgerError);
    await l.close();
  });

  test('registration: onBatch must be a function, and comes with an onStep', async () => {
    const l = await newLedger();
    expect(() => l.use({ name: 'a', onBatch: 3 as never, onStep: () => undefined })).toThrow(LedgerError);
    expect(() => l.use({ name: 'b', onBatch: () => undefined })).toThrow(/needs an onStep/);
    await l.close();
  });
});

describe('system entries', () => {
  test('the public append refuses reserved types and case ids; appendSystem takes declared types, and extensions see them', async () => {
    const l = await newLedger();
    expect(await codeOf(l.append({ caseId: 'A', type: 'casetrail.alert', actor: 'x' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(l.append({ caseId: 'casetrail.system', type: 'tick', actor: 'x' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.tick', actor: 'casetrail:clock' }]))).toBe('INVALID_ARGUMENT');
    const seen: string[] = [];
    l.use({ name: 'clock', systemTypes: { 'casetrail.tick': (d) => (d === null ? undefined : 'a tick has no data') }, onStep: (s) => void seen.push(s.type) });
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.tick', actor: 'casetrail:clock', data: 1 }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.redaction', actor: 'casetrail:clock' }]))).toBe('INVALID_ARGUMENT');
    const [r] = await l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.tick', actor: 'casetrail:clock' }]);
    expect(r).toMatchObject({ seq: 0, caseId: 'casetrail.system', step: 1 });
    expect(seen).toEqual(['casetrail.tick']);
    expect((await l.trace('casetrail.system')).ok).toBe(true);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('a system entry may give its exact payload bytes and its time; an added entry takes its step\'s time', async () => {
    const l = await newLedger();
    const kinds: SystemTypeValidator = (d) => (typeof d === 'object' && d !== null ? undefined : 'an object');
    l.use({
      name: 'exact',
      systemTypes: { 'casetrail.note': kinds },
      onStep(step, ctx) {
        if (step.type === 'late') ctx.add({ caseId: step.caseId, type: 'casetrail.note', actor: 'x', data: {}, time: step.time + 1 });
        if (step.type === 'noted') ctx.add({ caseId: step.caseId, type: 'casetrail.note', actor: 'x', payload: new TextEncoder().encode('{"10":1,"9":2}') });
      },
    });
    // JSON.stringify of the parsed value would write {"9":2,"10":1}: the bytes given are kept as they are.
    const bytes = new TextEncoder().encode('{"10":1,"9":2}');
    const [r] = await l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'x', payload: bytes, time: 5_000 }]);
    const got = await l.get(r!.seq);
    expect(new TextDecoder().decode(got.payload!)).toBe('{"10":1,"9":2}');
    expect(got.entry!.time).toBe(5_000);
    await l.append({ caseId: 'A', type: 'noted', actor: 'x', time: 6_000 });
    expect(new TextDecoder().decode((await l.get(2)).payload!)).toBe('{"10":1,"9":2}');
    expect((await l.get(2)).entry!.time).toBe(6_000);
    expect(await codeOf(l.append({ caseId: 'A', type: 'late', actor: 'x' }))).toBe('EXTENSION_FAILED');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'x', data: {}, time: 1 }]))).toBe('TIME_ORDER');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'x', payload: bytes, data: {} }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'x', payload: new TextEncoder().encode('7') }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.note', actor: 'x', data: {}, time: -1 }]))).toBe('INVALID_ARGUMENT');
    expect(await l.size()).toBe(3);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('an extension keeps its system types unredactable: redact refuses them with NOT_REDACTABLE while it is in use', async () => {
    const l = await newLedger();
    expect(() => l.use({ name: 'bad', systemTypes: { 'casetrail.alert': isAlert }, unredactable: ['casetrail.other'] })).toThrow(LedgerError);
    const off = l.use({ ...alerts(), unredactable: ['casetrail.alert'] });
    await l.appendMany(batch);
    expect(await codeOf(l.redact(2, { reason: 'hide the alert', actor: 'dpo' }))).toBe('NOT_REDACTABLE');
    await l.redact(1, { reason: 'personal data', actor: 'dpo' });
    expect(await l.size()).toBe(7);
    off();
    // Without the extension the core cannot know; the layer's audit finds a redacted record.
    await l.redact(2, { reason: 'r', actor: 'dpo' });
    // Verification given the type's validator accepts the erasure; without it the type is unknown (SYSTEM_TYPE_UNKNOWN, format.md §8).
    expect((await l.verify({ vkey: KEYS.vkey, systemTypes: { 'casetrail.alert': isAlert } })).ok).toBe(true);
    expect((await l.verify({ vkey: KEYS.vkey })).issues.map((i) => i.code)).toContain('SYSTEM_TYPE_UNKNOWN');
    await l.close();
  });

  test('verification checks each system entry against its type\'s validator, where one is given', async () => {
    const l = await newLedger();
    l.use(alerts());
    await l.appendMany(batch);
    const path = l.path;
    await l.close();
    expect((await verifyLedger(path, { vkey: KEYS.vkey })).checked.systemEntries).toBe(0);
    const strict: SystemTypeValidator = (data) => ((data as { about: number }).about > 1 ? undefined : 'about an early entry');
    const r = await verifyLedger(path, { vkey: KEYS.vkey, systemTypes: { 'casetrail.alert': strict } });
    expect(r.checked.systemEntries).toBe(2);
    expect(r.issues).toEqual([expect.objectContaining({ code: 'SYSTEM_ENTRY_INVALID', seq: 2, table: 'entries' })]);
  });
});

describe('committed entries', () => {
  test('onCommit tells each listener after the commit, with every entry written; a throwing listener changes nothing', async () => {
    const l = await newLedger();
    l.use(alerts());
    const events: CommitEvent[] = [];
    const errors: unknown[] = [];
    l.onCommit(() => {
      throw new Error('listener bug');
    }, (e) => errors.push(e));
    const off = l.onCommit((e) => events.push(e));
    await l.appendMany(batch);
    await l.redact(0, { reason: 'r', actor: 'dpo' });
    off();
    await l.append({ caseId: 'C', type: 't', actor: 'x' });
    expect(events.map((e) => [e.treeSize, e.entries.map((s) => s.type), e.checkpoint !== undefined])).toEqual([
      [6, ['opened', 'decision', 'casetrail.alert', 'decision', 'casetrail.alert', 'closed'], true],
      [7, ['casetrail.redaction'], true],
    ]);
    expect(errors).toHaveLength(3);
    expect(await l.size()).toBe(8);
    await l.close();
  });

  test('followLedger yields committed entries, from another handle, as they come; abort ends it', async () => {
    const l = await newLedger();
    await l.appendMany(steps(3));
    const ac = new AbortController();
    const got: number[] = [];
    const following = (async () => {
      for await (const s of followLedger(l.path, { from: 1, intervalMs: 10, signal: ac.signal })) {
        got.push(s.seq);
        if (got.length === 4) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await l.appendMany(steps(2));
    await following;
    expect(got).toEqual([1, 2, 3, 4]);
    await l.close();
  });

  test('followLedger refuses a row that does not match its bytes', async () => {
    const l = await newLedger();
    await l.appendMany(steps(4));
    await l.close();
    const db = rawOpen(l.path);
    db.prepare("UPDATE entries SET type = 'forged' WHERE seq = 2").run();
    db.close();
    const seen: number[] = [];
    const e = await (async () => {
      for await (const s of followLedger(l.path, { intervalMs: 10 })) seen.push(s.seq);
    })().catch((x: LedgerError) => x);
    expect(seen).toEqual([]);
    expect(e).toMatchObject({ code: 'STORAGE_ERROR', details: { seq: 2, issue: 'INDEX_MISMATCH' } });
  });
});
