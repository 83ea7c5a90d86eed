import Database from 'better-sqlite3';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  MemorySignerState,
  LedgerError,
  ZERO_HASH,
  decodeEntry,
  ed25519PublicKey,
  equalBytes,
  generateKeyPair,
  genesisLink,
  leafHash,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  prepareStatement,
  signStatement,
  verifyConsistency,
  verifyInclusion,
  verifyLedger,
  type ErrorCode,
} from '../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, rawOpen, steps, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const fill16 = (b: number): Uint8Array => new Uint8Array(16).fill(b);

async function expectCode(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<LedgerError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    expect((e as LedgerError).code).toBe(code);
    return e as LedgerError;
  }
  throw new Error(`expected LedgerError ${code}, nothing was thrown`);
}

describe('create and open', () => {
  test('creates, reopens, and refuses to overwrite', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.ledger');
    const signerState = new MemorySignerState();
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState });
    await l.append({ caseId: 'C-1', type: 'opened', actor: 'alice' });
    await l.close();
    await expectCode(Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey }), 'LEDGER_EXISTS');
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState });
    expect(await again.size()).toBe(1);
    await again.append({ caseId: 'C-1', type: 'closed', actor: 'alice' });
    await again.close();
  });

  test('a key string without a signer state: create starts it in memory; reopening needs the state, or an explicit adoption', async () => {
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey });
    await l.appendMany(steps(5));
    await l.close();
    const e = await expectCode(Ledger.open(path, { signer: KEYS.skey }), 'SIGNER_STATE_MISSING');
    expect(e.message).toMatch(/adoptState: true/);
    // Reading needs no signer, hence no state.
    await (await Ledger.open(path)).close();
    const adopted = await Ledger.open(path, { signer: KEYS.skey, adoptState: true });
    expect(adopted.adopted).toMatchObject({ adopted: true, size: 5, signed: { size: 5 } });
    expect(adopted.adopted!.report!.ok).toBe(true);
    expect((await adopted.append({ caseId: 'X', type: 'opened', actor: 'a' })).seq).toBe(5);
    expect(await adopted.adoptSignerState()).toMatchObject({ adopted: false, signed: { size: 6 } });
    await adopted.close();
  });

  test('missing file, missing directory, and a file that is not a ledger', async () => {
    const dir = tempDir();
    await expectCode(Ledger.open(join(dir, 'nope.ledger')), 'LEDGER_NOT_FOUND');
    await expectCode(Ledger.create(join(dir, 'no-such-dir', 'a.ledger'), { origin: ORIGIN }), 'LEDGER_NOT_FOUND');
    const junk = join(dir, 'junk.ledger');
    writeFileSync(junk, 'this is not sqlite at all, just some text that is long enough to look like a header');
    await expectCode(Ledger.open(junk), 'NOT_A_LEDGER');
    const other = join(dir, 'other.sqlite');
    new Database(other).exec('CREATE TABLE t (x)');
    await expectCode(Ledger.open(other), 'NOT_A_LEDGER');
  });

  test('the signer key must be the ledger key (name = origin)', async () => {
    const other = generateKeyPair('someone.else/log');
    await expectCode(Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: other.skey }), 'KEY_MISMATCH');
    const l = await newLedger();
    await l.close();
    await expectCode(Ledger.open(l.path, { signer: other.skey }), 'KEY_MISMATCH');
  });

  test('bad origins are refused', async () => {
    for (const origin of ['', ' lead', 'trail ', 'two\nlines', 'tab\there']) {
      await expectCode(Ledger.create(join(tempDir(), 'a.ledger'), { origin }), 'INVALID_ARGUMENT');
    }
  });

  test('a key file readable by others is refused', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'ledger.key');
    writeFileSync(keyFile, KEYS.skey + '\n', { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    const e = await expectCode(Ledger.create(join(dir, 'a.ledger'), { origin: ORIGIN, signer: { keyFile } }), 'KEY_FILE_PERMISSIONS');
    expect(e.message).toContain('chmod 600');
    chmodSync(keyFile, 0o600);
    const l = await Ledger.create(join(dir, 'a.ledger'), { origin: ORIGIN, signer: { keyFile } });
    await l.append({ caseId: 'C', type: 'opened', actor: 'a' });
    await l.close();
    await expectCode(Ledger.open(join(dir, 'a.ledger'), { signer: { keyFile: join(dir, 'missing.key') } }), 'KEY_FILE');
  });
});

describe('append', () => {
  test('links every entry globally and per case', async () => {
    const l = await newLedger();
    const receipts = await l.appendMany(steps(23));
    expect(receipts.map((r) => r.seq)).toEqual([...Array(23).keys()]);
    for (const r of receipts) expect(r.treeSize).toBe(23);
    let prev = genesisLink(ORIGIN);
    const caseTails = new Map<string, { step: number; leaf: Uint8Array }>();
    for (let seq = 0; seq < 23; seq++) {
      const got = await l.get(seq);
      expect(equalBytes(got.leafHash, leafHash(got.bytes))).toBe(true);
      expect(equalBytes(got.entry!.prev, prev)).toBe(true);
      const tail = caseTails.get(got.entry!.caseId);
      expect(got.entry!.step).toBe((tail?.step ?? 0) + 1);
      expect(equalBytes(got.entry!.casePrev, tail?.leaf ?? ZERO_HASH)).toBe(true);
      caseTails.set(got.entry!.caseId, { step: got.entry!.step, leaf: got.leafHash });
      prev = got.leafHash;
    }
    expect((await l.get(7)).data).toEqual({ i: 7, note: '第7步 审查记录', amount: 7000 });
    await l.close();
  });

  test('each append transaction stores a checkpoint that verifies', async () => {
    const l = await newLedger();
    const r1 = await l.append({ caseId: 'C', type: 'opened', actor: 'a' });
    const r2 = await l.appendMany(steps(4));
    const verifier = parseVerifierKey(KEYS.vkey);
    const cp1 = openCheckpoint(r1.checkpoint!, [verifier]);
    expect(cp1.size).toBe(1);
    const cp2 = openCheckpoint(r2[0]!.checkpoint!, [verifier]);
    expect(cp2.size).toBe(5);
    expect((await l.latestCheckpoint())!.note).toBe(r2[0]!.checkpoint);
    await l.close();
  });

  test('a bad step in a batch writes nothing', async () => {
    const l = await newLedger();
    await l.appendMany(steps(3));
    const bad = [...steps(2), { caseId: 'C', type: 'x', actor: '' }];
    await expectCode(l.appendMany(bad), 'INVALID_ARGUMENT');
    await expectCode(l.appendMany([...steps(2), { caseId: 'C', type: 'x', actor: 'a', data: 'x'.repeat(2_000_000) }]), 'PAYLOAD_TOO_LARGE');
    expect(await l.size()).toBe(3);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('time never goes back; an explicit earlier time is refused and nothing is written', async () => {
    let now = 1_800_000_000_000;
    const l = await newLedger({ clock: () => now });
    await l.append({ caseId: 'C', type: 'opened', actor: 'a' });
    now -= 5_000; // the host clock steps back
    const r = await l.append({ caseId: 'C', type: 'next', actor: 'a' });
    expect(r.time).toBe(1_800_000_000_000);
    await expectCode(l.append({ caseId: 'C', type: 'late', actor: 'a', time: 1_700_000_000_000 }), 'TIME_ORDER');
    expect(await l.size()).toBe(2);
    await l.close();
  });

  test('rejects wrong types with INVALID_ARGUMENT', async () => {
    const l = await newLedger();
    const bad: unknown[] = [
      null,
      { caseId: 1, type: 't', actor: 'a' },
      { caseId: 'c', type: 't' },
      { caseId: 'c', type: 't', actor: 'a', time: -1 },
      { caseId: 'c', type: 't', actor: 'a', time: 1.5 },
      { caseId: 'c', type: 't', actor: 'a', data: () => 1 },
      { caseId: 'c', type: 't', actor: 'a', data: 1n },
      { caseId: 'c\u0000x', type: 't', actor: 'a' },
      { caseId: 'c', type: 'casetrail.fake', actor: 'a' },
      { caseId: 'x'.repeat(300), type: 't', actor: 'a' },
      { caseId: 'c', type: 't', actor: 'a', salt: new Uint8Array(3) },
    ];
    for (const s of bad) await expectCode(l.append(s as never), 'INVALID_ARGUMENT');
    await expectCode(l.appendMany([]), 'INVALID_ARGUMENT');
    expect(await l.size()).toBe(0);
    await l.close();
  });

  test('actor signatures: made beforehand, or made at append, and a forged one is refused', async () => {
    const l = await newLedger();
    const seed = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
    const prepared = prepareStatement({ origin: ORIGIN, caseId: 'C-9', type: 'approval', actor: 'director', data: { approved: true } });
    const sig = signStatement(prepared.statement, seed);
    const r = await l.append({
      caseId: 'C-9',
      type: 'approval',
      actor: 'director',
      payload: prepared.payload,
      salt: prepared.salt,
      time: prepared.statement.time,
      nonce: prepared.statement.nonce!,
      signatures: [sig],
    });
    const got = await l.get(r.seq);
    expect(got.entry!.sigs).toHaveLength(1);
    expect(equalBytes(got.entry!.sigs[0]!.publicKey, ed25519PublicKey(seed))).toBe(true);
    await l.append({ caseId: 'C-9', type: 'closed', actor: 'director', signWith: [seed] });
    const forged = { ...sig, signature: sig.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    await expectCode(
      l.append({ caseId: 'C-9', type: 'approval', actor: 'director', payload: prepared.payload, salt: prepared.salt, time: prepared.statement.time, nonce: fill16(7), signatures: [forged] }),
      'INVALID_SIGNATURE',
    );
    const report = await l.verify({ vkey: KEYS.vkey });
    expect(report.ok).toBe(true);
    expect(report.checked.actorSignatures).toBe(2);
    await l.close();
  });

  test('an asynchronous signer (HSM/KMS callback) is supported', async () => {
    const key = parseSignerKey(KEYS.skey);
    let calls = 0;
    const l = await newLedger({
      signer: {
        name: key.name,
        keyId: key.keyId,
        sign: async (msg: Uint8Array) => {
          calls++;
          await new Promise((r) => setTimeout(r, 5));
          return key.sign(msg) as Uint8Array;
        },
      },
    });
    const rs = await Promise.all([l.append(steps(1)[0]!), l.appendMany(steps(5)), l.append(steps(1)[0]!)]);
    expect(calls).toBe(3);
    expect(rs[2].checkpoint).toContain('\n7\n');
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('a host signer that fails: SIGNER_FAILED means the same on every path — the entries are committed, the next append signs', async () => {
    const key = parseSignerKey(KEYS.skey);
    for (const failure of ['throws', 'returns no bytes', 'rejects'] as const) {
      let broken = true;
      const l = await newLedger({
        signer: {
          name: key.name,
          keyId: key.keyId,
          sign: (msg: Uint8Array) => {
            if (!broken) return key.sign(msg) as Uint8Array;
            if (failure === 'throws') throw new Error('HSM offline');
            if (failure === 'rejects') return Promise.reject(new Error('KMS timeout'));
            return new Uint8Array(0);
          },
        },
      });
      const e = await l.appendMany(steps(3)).catch((x: LedgerError) => x);
      expect(e, failure).toMatchObject({ code: 'SIGNER_FAILED', details: { size: 3 } });
      expect((e as LedgerError).message, failure).toMatch(/entries are stored/);
      expect(await l.size(), failure).toBe(3);
      expect(await l.latestCheckpoint(), failure).toBeUndefined();
      expect((await l.checkpoint().catch((x: LedgerError) => x)) as LedgerError, failure).toMatchObject({ code: 'SIGNER_FAILED' });
      broken = false;
      const r = await l.append(steps(1)[0]!);
      expect(r.checkpoint, failure).toContain('\n4\n');
      expect((await l.verify({ vkey: KEYS.vkey })).ok, failure).toBe(true);
      await l.close();
    }
  });

  test('checkpoint policies: manual and every N entries', async () => {
    const manual = await newLedger({ checkpointPolicy: 'manual' });
    const r = await manual.appendMany(steps(10));
    expect(r[0]!.checkpoint).toBeUndefined();
    expect(await manual.latestCheckpoint()).toBeUndefined();
    const unsigned = await manual.verify({ vkey: KEYS.vkey });
    expect(unsigned.ok).toBe(false);
    expect(unsigned.issues.map((i) => i.code)).toEqual(['UNSIGNED_TAIL']);
    expect((await manual.verify({ vkey: KEYS.vkey, allowUnsignedTail: true })).ok).toBe(true);
    const cp = await manual.checkpoint();
    expect(cp.size).toBe(10);
    expect((await manual.checkpoint()).note).toBe(cp.note);
    expect((await manual.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await manual.close();

    const every = await newLedger({ checkpointPolicy: { everyEntries: 4 } });
    const sizes: Array<number | undefined> = [];
    for (let i = 0; i < 9; i++) {
      const rr = await every.append(steps(1)[0]!);
      sizes.push(rr.checkpoint === undefined ? undefined : rr.treeSize);
    }
    expect(sizes).toEqual([undefined, undefined, undefined, 4, undefined, undefined, undefined, 8, undefined]);
    await every.close();
  });
});

describe('reads', () => {
  test('query filters by case, actor, type and time, pages, and streams', async () => {
    let now = 1_800_000_000_000;
    const l = await newLedger({ clock: () => (now += 1000) });
    await l.appendMany(steps(60));
    const byCase = await l.query({ caseId: 'CASE-2', limit: 100 });
    expect(byCase.entries.map((e) => e.entry!.step)).toEqual([...Array(12).keys()].map((i) => i + 1));
    const byActor = await l.query({ actor: 'officer-1', limit: 100 });
    expect(byActor.entries.every((e) => e.entry!.actor === 'officer-1')).toBe(true);
    expect(byActor.entries).toHaveLength(20);
    const byType = await l.query({ type: 'closed', limit: 100 });
    expect(byType.entries).toHaveLength(10);
    const t0 = (await l.get(10)).entry!.time;
    const t1 = (await l.get(20)).entry!.time;
    const byTime = await l.query({ since: t0, until: t1, limit: 100 });
    expect(byTime.entries.map((e) => e.seq)).toEqual([...Array(10).keys()].map((i) => i + 10));
    const seen: number[] = [];
    let page = await l.query({ actor: 'officer-0', limit: 7 });
    for (;;) {
      seen.push(...page.entries.map((e) => e.seq));
      if (page.next === undefined) break;
      page = await l.query({ actor: 'officer-0', limit: 7, after: page.next });
    }
    expect(seen).toEqual([...Array(20).keys()].map((i) => i * 3));
    const streamed: number[] = [];
    for await (const e of l.stream({ type: 'opened' })) streamed.push(e.seq);
    expect(streamed).toEqual([...Array(10).keys()].map((i) => i * 6));
    await expectCode(l.get(60), 'NOT_FOUND');
    await expectCode(l.query({ limit: 0 }), 'INVALID_ARGUMENT');
    await l.close();
  });

  test('trace walks one case and checks its chain', async () => {
    const l = await newLedger();
    await l.appendMany(steps(30));
    const t = await l.trace('CASE-3');
    expect(t.ok).toBe(true);
    expect(t.steps.map((s) => s.entry!.step)).toEqual([1, 2, 3, 4, 5, 6]);
    await l.close();
    const db = rawOpen(l.path);
    db.prepare('UPDATE entries SET data = ? WHERE seq = 8').run(Buffer.from('{"i":8,"forged":true}'));
    db.close();
    const again = await Ledger.open(l.path);
    const t2 = await again.trace('CASE-3');
    expect(t2.ok).toBe(false);
    expect(t2.issues).toEqual([expect.objectContaining({ code: 'PAYLOAD_COMMITMENT_MISMATCH', seq: 8 })]);
    expect((await again.trace('no-such-case')).steps).toEqual([]);
    await again.close();
  });
});

describe('proofs', () => {
  test('inclusion and consistency proofs verify against signed checkpoints', async () => {
    const l = await newLedger();
    const verifier = parseVerifierKey(KEYS.vkey);
    const first = await l.appendMany(steps(37));
    const old = openCheckpoint(first[0]!.checkpoint!, [verifier]);
    await l.appendMany(steps(100));
    const latest = openCheckpoint((await l.latestCheckpoint())!.note, [verifier]);
    for (const seq of [0, 1, 17, 36, 64, 136]) {
      const p = await l.proveInclusion(seq);
      expect(p.treeSize).toBe(137);
      expect(equalBytes(p.root, latest.root)).toBe(true);
      expect(verifyInclusion(leafHash((await l.get(seq)).bytes), seq, p.treeSize, p.proof, latest.root)).toBe(true);
      expect(verifyInclusion(leafHash((await l.get(seq)).bytes), seq, p.treeSize, p.proof, old.root)).toBe(false);
    }
    const atOld = await l.proveInclusion(5, 37);
    expect(verifyInclusion(atOld.leafHash, 5, 37, atOld.proof, old.root)).toBe(true);
    const c = await l.proveConsistency(old.size);
    expect(verifyConsistency(old.size, c.newSize, old.root, latest.root, c.proof)).toBe(true);
    await expectCode(l.proveInclusion(137), 'NOT_FOUND');
    await expectCode(l.proveInclusion(1, 500), 'INVALID_ARGUMENT');
    await expectCode(l.proveConsistency(0), 'INVALID_ARGUMENT');
    await expectCode(l.proveConsistency(50, 40), 'INVALID_ARGUMENT');
    await l.close();
  });
});

describe('redaction', () => {
  test('erases a payload through a recorded entry; verification still passes', async () => {
    const l = await newLedger();
    await l.appendMany(steps(10));
    const target = await l.get(4);
    const r = await l.redact(4, { reason: 'court order 2026-17', actor: 'dpo' });
    expect(r.seq).toBe(10);
    const red = await l.get(4);
    expect(red.redacted).toBe(true);
    expect(red.payload).toBeNull();
    expect(red.salt).toBeNull();
    expect(red.data).toBeUndefined();
    expect(equalBytes(red.bytes, target.bytes)).toBe(true);
    const record = await l.get(10);
    expect(record.entry!.type).toBe('casetrail.redaction');
    expect(record.entry!.caseId).toBe(target.entry!.caseId);
    expect(record.data).toMatchObject({ redacts: 4, reason: 'court order 2026-17' });
    expect((await l.trace(target.entry!.caseId)).ok).toBe(true);
    const report = await l.verify({ vkey: KEYS.vkey });
    expect(report.ok).toBe(true);
    expect(report.checked.redactions).toBe(1);
    await expectCode(l.redact(4, { reason: 'again', actor: 'dpo' }), 'ALREADY_REDACTED');
    await expectCode(l.redact(10, { reason: 'hide the redaction', actor: 'dpo' }), 'NOT_REDACTABLE');
    await expectCode(l.redact(99, { reason: 'x', actor: 'dpo' }), 'NOT_FOUND');
    // A redaction takes an explicit time as append does, never before the latest entry.
    await expectCode(l.redact(2, { reason: 'x', actor: 'dpo', time: 0 }), 'TIME_ORDER');
    await expectCode(l.redact(2, { reason: 'x', actor: 'dpo', time: -5 }), 'INVALID_ARGUMENT');
    const later = record.entry!.time + 60_000;
    const at = await l.redact(2, { reason: 'request 2026-18', actor: 'dpo', time: later });
    expect((await l.get(at.seq)).entry!.time).toBe(later);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });

  test('an erased payload written back into the file is found', async () => {
    const l = await newLedger();
    await l.appendMany(steps(6));
    const before = await l.get(2);
    await l.redact(2, { reason: 'request', actor: 'dpo' });
    await l.close();
    const raw = rawOpen(l.path);
    raw.prepare('UPDATE entries SET salt = ?, data = ? WHERE seq = 2').run(before.salt, before.payload);
    raw.close();
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.issues.map((i) => [i.code, i.seq])).toEqual([['REDACTION_INVALID', 2]]);
  });

  test('a forged redactions row does not make trace or verify accept an erased payload', async () => {
    const l = await newLedger();
    await l.appendMany(steps(8));
    await l.close();
    const raw = rawOpen(l.path);
    raw.prepare('INSERT INTO redactions (seq, by_seq) VALUES (2, 7)').run();
    raw.prepare('UPDATE entries SET salt = NULL, data = NULL WHERE seq = 2').run();
    raw.close();
    const again = await Ledger.open(l.path);
    const caseId = (await again.get(2)).entry!.caseId;
    const t = await again.trace(caseId);
    expect(t.ok).toBe(false);
    expect(t.issues).toEqual([expect.objectContaining({ code: 'PAYLOAD_MISSING', seq: 2 })]);
    const report = await again.verify({ vkey: KEYS.vkey });
    expect(report.issues.map((i) => [i.code, i.seq])).toEqual([
      ['PAYLOAD_MISSING', 2],
      ['REDACTION_INVALID', 2],
    ]);
    await again.close();
  });

  test('deleting a payload outside the redaction path is refused, and found if forced', async () => {
    const l = await newLedger();
    await l.appendMany(steps(5));
    await l.close();
    const db = new Database(l.path);
    expect(() => db.prepare('UPDATE entries SET salt = NULL, data = NULL WHERE seq = 2').run()).toThrow(/erased only by redaction/);
    expect(() => db.prepare('UPDATE entries SET actor = ? WHERE seq = 2').run('mallory')).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE entries SET data = ? WHERE seq = 2').run(Buffer.from('{}'))).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM entries WHERE seq = 4').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM checkpoints').run()).toThrow(/append-only/);
    db.close();
    const raw = rawOpen(l.path);
    raw.prepare('UPDATE entries SET salt = NULL, data = NULL WHERE seq = 2').run();
    raw.close();
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.ok).toBe(false);
    expect(report.issues).toEqual([expect.objectContaining({ code: 'PAYLOAD_MISSING', seq: 2 })]);
  });
});

describe('verification', () => {
  test('a clean ledger verifies, in full and incrementally', async () => {
    const l = await newLedger();
    await l.appendMany(steps(50));
    const trusted = (await l.latestCheckpoint())!.note;
    for (let i = 0; i < 5; i++) await l.append(steps(1, 'LATE')[0]!);
    const full = await l.verify({ vkey: KEYS.vkey, trusted });
    expect(full.ok).toBe(true);
    expect(full.trusted).toMatchObject({ size: 50, extended: true });
    expect(full.checked.entries).toBe(55);
    const inc = await l.verify({ vkey: KEYS.vkey, trusted, mode: 'incremental' });
    expect(inc.ok).toBe(true);
    expect(inc.checked.entries).toBe(5);
    expect(inc.root).toBe(full.root);
    await expect(l.assertVerified({ vkey: KEYS.vkey })).resolves.toMatchObject({ ok: true });
    await l.close();
  });

  test('the wrong key fails every checkpoint, and a bad vkey is a coded error', async () => {
    const l = await newLedger();
    await l.appendMany(steps(5));
    const other = generateKeyPair(ORIGIN);
    const report = await l.verify({ vkey: other.vkey });
    expect(report.ok).toBe(false);
    expect(new Set(report.issues.map((i) => i.code))).toEqual(new Set(['CHECKPOINT_INVALID', 'UNSIGNED_TAIL']));
    await expectCode(l.verify({ vkey: 'not a key' }), 'MALFORMED_KEY');
    await expectCode(l.assertVerified({ vkey: other.vkey }), 'VERIFICATION_FAILED');
    await l.close();
  });

  test('one changed byte in an entry is found with its position', async () => {
    const l = await newLedger();
    await l.appendMany(steps(20));
    await l.close();
    const db = rawOpen(l.path);
    const { bytes } = db.prepare('SELECT bytes FROM entries WHERE seq = 13').get() as { bytes: Buffer };
    const changed = Buffer.from(bytes);
    changed[changed.length - 40]! ^= 0x01; // inside the commitment
    db.prepare('UPDATE entries SET bytes = ? WHERE seq = 13').run(changed);
    db.close();
    const report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(report.ok).toBe(false);
    expect(report.issues[0]).toMatchObject({ code: 'LEAF_HASH_MISMATCH', seq: 13, table: 'entries' });
  });

  test('rollback and truncation are caught given a saved checkpoint', async () => {
    const l = await newLedger();
    await l.appendMany(steps(30));
    const saved = (await l.latestCheckpoint())!.note;
    await l.close();
    // Truncate the tail and its checkpoints, as someone holding the file could.
    const db = rawOpen(l.path);
    db.exec('DELETE FROM entries WHERE seq >= 25; DELETE FROM checkpoints WHERE size > 25');
    db.close();
    // Alone, the file only shows that no checkpoint covers what is left.
    const alone = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(alone.issues.map((i) => i.code)).toEqual(['UNSIGNED_TAIL']);
    const withSaved = await verifyLedger(l.path, { vkey: KEYS.vkey, trusted: saved });
    expect(withSaved.ok).toBe(false);
    expect(withSaved.issues[0]).toMatchObject({ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', size: 30 });
    const inc = await verifyLedger(l.path, { vkey: KEYS.vkey, trusted: saved, mode: 'incremental' });
    expect(inc.issues[0]).toMatchObject({ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER' });
  });

  test('a rewritten history re-signed with the real key is caught by an earlier checkpoint', async () => {
    const l = await newLedger();
    await l.appendMany(steps(10));
    const saved = (await l.latestCheckpoint())!.note;
    await l.close();
    // The key holder rebuilds the ledger from scratch with different history.
    const forged = await newLedger();
    await forged.appendMany(steps(12, 'OTHER'));
    const full = await forged.verify({ vkey: KEYS.vkey, trusted: saved });
    expect(full.ok).toBe(false);
    expect(full.issues[0]).toMatchObject({ code: 'TRUSTED_CHECKPOINT_MISMATCH', size: 10 });
    const inc = await forged.verify({ vkey: KEYS.vkey, trusted: saved, mode: 'incremental' });
    expect(inc.issues[0]).toMatchObject({ code: 'TRUSTED_CHECKPOINT_MISMATCH' });
    await forged.close();
  });

  test('incremental verification reads only the new entries', async () => {
    const l = await newLedger({ checkpointPolicy: { everyEntries: 1000 } });
    for (let i = 0; i < 5; i++) await l.appendMany(steps(1000));
    const trusted = (await l.latestCheckpoint())!.note;
    await l.appendMany(steps(1000, 'NEW'));
    const inc = await l.verify({ vkey: KEYS.vkey, trusted, mode: 'incremental' });
    expect(inc.ok).toBe(true);
    expect(inc.checked.entries).toBe(1000);
    // The new checkpoint, and the stored row of the trusted size (the trusted note does not vouch for the row).
    expect(inc.checked.checkpoints).toBe(2);
    // Cases that continue across the trusted size were linked to their authenticated earlier step.
    const continuing = await l.query({ caseId: 'CASE-1', since: 0, limit: 10_000 });
    expect(continuing.entries.at(-1)!.entry!.step).toBe(1000);
    await l.close();
  });

  test('worker threads and the calling thread give identical reports, across chunk boundaries', async () => {
    const l = await newLedger({ checkpointPolicy: { everyEntries: 5000 } });
    for (let i = 0; i < 4; i++) await l.appendMany(steps(5000, `W${i}`));
    await l.redact(9000, { reason: 'test', actor: 'dpo' });
    await l.redact(100, { reason: 'test', actor: 'dpo' });
    await l.checkpoint();
    await l.close();
    const db = rawOpen(l.path);
    db.prepare('UPDATE entries SET data = ? WHERE seq = 8191').run(Buffer.from('{}'));
    db.prepare('UPDATE entries SET salt = NULL, data = NULL WHERE seq = 8192').run();
    db.prepare("UPDATE entries SET actor = 'mallory' WHERE seq = 16385").run();
    db.prepare('UPDATE entries SET nodes = ? WHERE seq = 16383').run(Buffer.alloc(32 * 14));
    db.close();
    const inThread = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 0 });
    const inWorkers = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 2 });
    expect({ ...inWorkers, durationMs: 0 }).toEqual({ ...inThread, durationMs: 0 });
    // 16383 = 2^14 − 1 completes 14 nodes, all zeroed; missing payloads are decided last.
    expect(inThread.issues.map((i) => [i.code, i.seq, i.level ?? null])).toEqual([
      ['PAYLOAD_COMMITMENT_MISMATCH', 8191, null],
      ...Array.from({ length: 14 }, (_, k) => ['NODE_MISMATCH', 16383, k + 1]),
      ['INDEX_MISMATCH', 16385, null],
      ['PAYLOAD_MISSING', 8192, null],
    ]);
    expect(inThread.checked.redactions).toBe(2);
  });

  test('forgetting cases during the scan (bounded memory) does not change the verdict', async () => {
    const l = await newLedger();
    for (let i = 0; i < 4; i++) await l.appendMany(steps(300, `M${i}`).map((s, j) => ({ ...s, caseId: `C-${(j * 7 + i) % 40}` })));
    const trusted = (await l.checkpointAt(600))!.note;
    await l.close();
    const clean = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 0 });
    const tight = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 0, trackedCases: 3 });
    expect(clean.ok).toBe(true);
    expect({ ...tight, durationMs: 0 }).toEqual({ ...clean, durationMs: 0 });
    const db = rawOpen(l.path);
    const victim = db.prepare('SELECT bytes FROM entries WHERE seq = 700').get() as { bytes: Buffer };
    const forged = Buffer.from(victim.bytes);
    forged[forged.length - 5]! ^= 1;
    db.prepare('UPDATE entries SET bytes = ? WHERE seq = 700').run(forged);
    db.close();
    for (const mode of ['full', 'incremental'] as const) {
      const a = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 0, trusted, mode });
      const b = await verifyLedger(l.path, { vkey: KEYS.vkey, workers: 0, trusted, mode, trackedCases: 2 });
      expect(a.ok).toBe(false);
      expect({ ...b, durationMs: 0 }).toEqual({ ...a, durationMs: 0 });
    }
  });

  test('verdicts are the same with the portable (noble) and node:crypto providers', async () => {
    const { setHashProvider, setEd25519Provider, nobleHashes, nobleEd25519, installNodeCrypto } = await import('../src/index.js');
    const l = await newLedger();
    await l.appendMany(steps(40));
    await l.redact(3, { reason: 'test', actor: 'dpo' });
    await l.close();
    const db = rawOpen(l.path);
    db.prepare('UPDATE entries SET data = ? WHERE seq = 9').run(Buffer.from('{}'));
    db.close();
    const fast = await verifyLedger(l.path, { vkey: KEYS.vkey });
    setHashProvider(nobleHashes);
    setEd25519Provider(nobleEd25519);
    try {
      const portable = await verifyLedger(l.path, { vkey: KEYS.vkey });
      expect({ ...portable, durationMs: 0 }).toEqual({ ...fast, durationMs: 0 });
      expect(portable.issues.map((i) => [i.code, i.seq])).toEqual([['PAYLOAD_COMMITMENT_MISMATCH', 9]]);
    } finally {
      installNodeCrypto();
    }
  });
});

test('the ledger file never contains the signing key', async () => {
  const l = await newLedger();
  await l.appendMany(steps(3));
  await l.close();
  const { readFileSync } = await import('node:fs');
  const seedB64 = KEYS.skey.split('+').at(-1)!;
  const file = readFileSync(l.path);
  expect(file.includes(Buffer.from(seedB64))).toBe(false);
  expect(file.includes(Buffer.from(parseSignerKey(KEYS.skey).seed))).toBe(false);
  expect(existsSync(l.path)).toBe(true);
  expect(decodeEntry((await verifyLedgerEntries(l.path))[0]!).seq).toBe(0);
});

async function verifyLedgerEntries(path: string): Promise<Uint8Array[]> {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT bytes FROM entries ORDER BY seq').all() as Array<{ bytes: Buffer }>;
  db.close();
  return rows.map((r) => Uint8Array.from(r.bytes));
}
