// Actor signatures that cannot be replayed, and appends that are idempotent
// (format.md §4.4, §4.6, §8 item 17; issue 8 item 8, issue 9 item 6). Each
// attack is prepared first — a statement captured, a file edited by whoever
// holds it, a second entry written by a dishonest key holder — then the
// honest command runs, and nothing false is accepted, displayed or verified.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  generateKeyPair,
  generateSeed,
  idempotencyNonce,
  prepareStatement,
  signStatement,
  toHex,
  utf8,
  verifyLedger,
  type StepInput,
} from '../src/index.js';
import { hostileAppend } from './helpers/hostile-writer.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, openSigned, rawOpen, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const SEED = Uint8Array.from({ length: 32 }, (_, i) => 50 + i);
/** Every ledger of these tests runs on one fixed clock: a signed statement's time is the ledger's time. */
const T = 1_800_000_000_000;
const fixedClock = { clock: () => T };


/** A statement the director signed on their device for `origin` and case `caseId`, as the case system receives it. */
function signedStep(origin: string, caseId: string, data: unknown = { approved: true }, nonce?: Uint8Array, time = T): StepInput {
  const prepared = prepareStatement({ origin, caseId, type: 'decision.approved', actor: 'director:gao', data, time, ...(nonce === undefined ? {} : { nonce }) });
  return {
    caseId,
    type: 'decision.approved',
    actor: 'director:gao',
    payload: prepared.payload,
    salt: prepared.salt,
    time: prepared.statement.time,
    nonce: prepared.statement.nonce!,
    signatures: [signStatement(prepared.statement, SEED)],
  };
}

const codes = (issues: ReadonlyArray<{ code: string }>) => issues.map((i) => i.code);

describe('a signed statement is bound to its ledger, its case and its nonce', () => {
  test('signed for one ledger, it is refused by another; written there by its key holder, verification reports it', async () => {
    const captured = signedStep('audit.example.gov/other-office', 'C-1');
    const l = await newLedger(fixedClock);
    await l.append({ caseId: 'C-1', type: 'opened', actor: 'clerk' });
    expect(await codeOf(l.append(captured))).toBe('INVALID_SIGNATURE');
    expect(await l.size()).toBe(1);
    await l.close();
    // The key holder of this ledger stores it anyway, with a valid checkpoint.
    const seq = hostileAppend(l.path, { ...captured, payload: captured.payload!, salt: captured.salt!, nonce: captured.nonce!, sigs: captured.signatures! });
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([expect.objectContaining({ code: 'ACTOR_SIGNATURE_INVALID', seq })]);
    // Worker threads check signatures with the verifier's origin too.
    expect((await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 2 })).issues).toEqual(report.issues);
    const read = await Ledger.open(l.path, { readonly: true });
    const shown = await read.get(seq);
    expect(shown.ok).toBe(false);
    expect(codes(shown.issues)).toEqual(['ACTOR_SIGNATURE_INVALID']);
    expect(codes((await read.trace('C-1')).issues)).toEqual(['ACTOR_SIGNATURE_INVALID']);
    await read.close();
  });

  test('signed for one case, it is refused in another case, and reported there', async () => {
    const captured = signedStep(ORIGIN, 'C-1');
    const l = await newLedger(fixedClock);
    await l.append({ caseId: 'C-2', type: 'opened', actor: 'clerk' });
    expect(await codeOf(l.append({ ...captured, caseId: 'C-2' }))).toBe('INVALID_SIGNATURE');
    await l.close();
    const seq = hostileAppend(l.path, { ...captured, caseId: 'C-2', payload: captured.payload!, salt: captured.salt!, nonce: captured.nonce!, sigs: captured.signatures! });
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.issues).toEqual([expect.objectContaining({ code: 'ACTOR_SIGNATURE_INVALID', seq })]);
  });

  test('appended again in its own case, it is one entry: the retry gets the first receipt', async () => {
    const l = await newLedger(fixedClock);
    const step = signedStep(ORIGIN, 'C-1');
    const first = await l.append(step);
    const again = await l.append(step);
    expect(again).toMatchObject({ seq: first.seq, step: first.step, duplicate: true });
    expect(toHex(again.leafHash)).toBe(toHex(first.leafHash));
    expect(first.duplicate).toBeUndefined();
    expect(await l.size()).toBe(1);
    // The same nonce with another statement is a conflict, not a second entry.
    expect(await codeOf(l.append(signedStep(ORIGIN, 'C-1', { approved: false }, step.nonce!)))).toBe('IDEMPOTENCY_CONFLICT');
    expect(await l.size()).toBe(1);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('written twice in its case by a dishonest key holder, verification, trace and reads report the replay', async () => {
    const l = await newLedger(fixedClock);
    await l.appendMany([
      { caseId: 'C-1', type: 'opened', actor: 'clerk' },
      { caseId: 'C-2', type: 'opened', actor: 'clerk' },
    ]);
    const step = signedStep(ORIGIN, 'C-1');
    const first = await l.append(step);
    const saved = (await l.latestCheckpoint())!.note;
    await l.append({ caseId: 'C-2', type: 'note', actor: 'clerk' });
    await l.close();
    const replay = hostileAppend(l.path, { ...step, payload: step.payload!, salt: step.salt!, nonce: step.nonce!, sigs: step.signatures! });
    // Full verification, with one tracked case so that per-case memory cannot be what finds it.
    const full = await verifyLedger(l.path, { vkey: KEYS.vkey, trackedCases: 1 });
    expect(full.ok).toBe(false);
    expect(full.issues).toEqual([expect.objectContaining({ code: 'NONCE_REPLAYED', seq: replay, table: 'entries' })]);
    expect(full.issues[0]!.message).toContain(`entry ${first.seq}`);
    const inc = await verifyLedger(l.path, { vkey: KEYS.vkey, trusted: saved, mode: 'incremental' });
    expect(codes(inc.issues)).toEqual(['NONCE_REPLAYED']);
    const read = await Ledger.open(l.path, { readonly: true });
    const t = await read.trace('C-1');
    expect(t.ok).toBe(false);
    expect(t.steps.map((s) => s.ok)).toEqual([true, true, false]);
    expect(codes(t.issues)).toEqual(['NONCE_REPLAYED']);
    await read.close();
  });

  test('a version 1 entry after version 2 ones (signatures bound to nothing) is reported', async () => {
    const l = await newLedger(fixedClock);
    await l.append({ caseId: 'C-1', type: 'opened', actor: 'clerk' });
    await l.close();
    const seq = hostileAppend(l.path, { caseId: 'C-1', type: 'note', actor: 'clerk', payload: utf8('null'), salt: new Uint8Array(32).fill(3) });
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.issues).toEqual([expect.objectContaining({ code: 'VERSION_DOWNGRADE', seq })]);
    expect((await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 2 })).issues).toEqual(report.issues);
  });
});

describe('idempotency keys (format.md §4.6)', () => {
  const step = (data: unknown, key = 'crm:ticket-8812', caseId = 'C-1'): StepInput => ({ caseId, type: 'fine.paid', actor: 'bank:import', data, idempotencyKey: key });

  test('the same step sent again is appended once; other content with the key is a conflict; nothing half-written', async () => {
    const l = await newLedger(fixedClock);
    const a = await l.append(step({ yuan: 200 }));
    expect(await l.append(step({ yuan: 200 }))).toMatchObject({ seq: a.seq, duplicate: true });
    expect(await codeOf(l.append(step({ yuan: 300 })))).toBe('IDEMPOTENCY_CONFLICT');
    expect(await codeOf(l.append({ ...step({ yuan: 200 }), type: 'fine.refunded' }))).toBe('IDEMPOTENCY_CONFLICT');
    // A batch whose second step conflicts writes none of it.
    expect(await codeOf(l.appendMany([step({ n: 1 }, 'k-1'), step({ yuan: 300 })]))).toBe('IDEMPOTENCY_CONFLICT');
    expect(await l.size()).toBe(1);
    // The key is scoped to its case.
    expect((await l.append(step({ yuan: 200 }, 'crm:ticket-8812', 'C-2'))).duplicate).toBeUndefined();
    // Twice in one batch: the second is the first's receipt.
    const [x, y] = await l.appendMany([step({ n: 2 }, 'k-2'), step({ n: 2 }, 'k-2')]);
    expect(y).toMatchObject({ seq: x!.seq, duplicate: true });
    expect(await l.size()).toBe(3);
    expect((await l.get(a.seq)).entry!.nonce).toEqual(idempotencyNonce('C-1', 'crm:ticket-8812'));
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('a batch of steps all appended before writes nothing and signs nothing', async () => {
    const l = await newLedger(fixedClock);
    await l.appendMany([step(1, 'a'), step(2, 'b')]);
    const cp = (await l.latestCheckpoint())!;
    const again = await l.appendMany([step(1, 'a'), step(2, 'b')]);
    expect(again.every((r) => r.duplicate === true && r.checkpoint === undefined)).toBe(true);
    expect((await l.latestCheckpoint())!.note).toBe(cp.note);
    await l.close();
  });

  test('after the payload was erased, the key still names the step (type and actor compared)', async () => {
    const l = await newLedger(fixedClock);
    const a = await l.append(step({ name: '刘某' }));
    await l.redact(a.seq, { reason: 'erasure request', actor: 'dpo' });
    expect(await l.append(step({ name: '刘某' }))).toMatchObject({ seq: a.seq, duplicate: true });
    expect(await codeOf(l.append({ ...step({ name: '刘某' }), actor: 'someone-else' }))).toBe('IDEMPOTENCY_CONFLICT');
    await l.close();
  });

  test('the holder’s nonce column edited away: the retry is written again, and verification names both the edit and the replay', async () => {
    const l = await newLedger(fixedClock);
    const a = await l.append(step({ yuan: 200 }));
    await l.close();
    const db = rawOpen(l.path);
    db.exec('DROP INDEX entries_nonce');
    db.prepare('UPDATE entries SET nonce = ? WHERE seq = ?').run(Buffer.alloc(16, 7), a.seq);
    db.close();
    const w = await openSigned(l.path);
    const retry = await w.append(step({ yuan: 200 }));
    await w.close();
    // The writer could not see the first entry through the index: it gave no false receipt, it wrote a step.
    expect(retry.duplicate).toBeUndefined();
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'INDEX_MISMATCH', seq: a.seq }), expect.objectContaining({ code: 'NONCE_REPLAYED', seq: retry.seq })]),
    );
  });

  test('another row given the key’s nonce column: the retry is refused (STORAGE_ERROR), never answered with that row', async () => {
    const l = await newLedger(fixedClock);
    const a = await l.append(step({ yuan: 200 }));
    const decoy = await l.append({ caseId: 'C-1', type: 'fine.cancelled', actor: 'mallory' });
    await l.close();
    const db = rawOpen(l.path);
    db.exec('DROP INDEX entries_nonce');
    db.prepare('UPDATE entries SET nonce = ? WHERE seq = ?').run(Buffer.alloc(16, 9), a.seq);
    db.prepare('UPDATE entries SET nonce = ? WHERE seq = ?').run(Buffer.from(idempotencyNonce('C-1', 'crm:ticket-8812')), decoy.seq);
    db.close();
    const before = copyOf(l.path);
    const w = await openSigned(l.path);
    const e = await w.append(step({ yuan: 200 })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'STORAGE_ERROR', details: { seq: decoy.seq, issue: 'INDEX_MISMATCH' } });
    expect(await w.size()).toBe(2);
    await w.close();
    expect((await verifyLedger(before, { vkey: KEYS.vkey })).ok).toBe(false);
  });
});

function copyOf(path: string): string {
  const to = join(tempDir(), 'copy.ledger');
  copyFileSync(path, to);
  return to;
}

describe('a ledger of another origin and the statements for it', () => {
  test('prepareStatement names the origin: the device signs for one ledger', async () => {
    const { skey, vkey } = generateKeyPair('audit.example.gov/b');
    const b = await Ledger.create(join(tempDir(), 'b.ledger'), { origin: 'audit.example.gov/b', signer: skey });
    const forB = signedStep('audit.example.gov/b', 'C-1');
    const seed = generateSeed();
    expect((await b.append(forB)).seq).toBe(0);
    expect(await codeOf(b.append({ ...signedStep(ORIGIN, 'C-1'), signWith: [seed] }))).toBe('INVALID_SIGNATURE');
    expect((await b.verify({ vkey })).checked.actorSignatures).toBe(1);
    await b.close();
  });
});
