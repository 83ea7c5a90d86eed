/**
 * Operational faults (issue 4, "Operational faults"): disk full, read-only
 * file or directory, missing or vanished directory, key file missing or
 * readable by others. Each gives a coded error, nothing already stored is
 * lost (the ledger still extends a checkpoint saved before the fault), and
 * the next append after the fault is cleared succeeds. A database locked by
 * another process is in concurrency.test.ts.
 *
 * Disk full is simulated with SQLite's max_page_count, which is a property of
 * one connection: the test sets it on the Ledger's own connection, reached
 * through its private `store.db` fields (a test-only back door; nothing in the
 * library's API exposes pragmas).
 *
 * The read-only cases need a user that file permissions bind: when the
 * battery runs as root it runs the writer as `nobody` (uid 65534), and skips
 * them if that user cannot read the checkout.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, LedgerError, generateKeyPair, parseSignerKey, verifyLedger, type ErrorCode } from '../../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, steps, tempDir } from '../helpers/ledgers.js';
import { startWorker } from '../helpers/reliability-children.js';
import { WORKER, record } from '../helpers/reliability-config.js';
import { codeOf } from '../helpers/codes.js';

afterAll(cleanupTempDirs);

/** The Ledger's own better-sqlite3 connection (test-only fault injection). */
function connectionOf(l: Ledger): Database.Database {
  const db = (l as unknown as { store: { db: Database.Database } }).store.db;
  if (!(db instanceof Database)) throw new Error('Ledger internals changed: update connectionOf() in faults.test.ts');
  return db;
}

/** Nothing lost: the file verifies and extends the checkpoint saved before the fault. */
async function expectIntact(path: string, saved: string, size?: number): Promise<void> {
  const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: saved });
  expect(r.issues).toEqual([]);
  expect(r.trusted?.extended).toBe(true);
  if (size !== undefined) expect(r.size).toBe(size);
}

const padded = (n: number, prefix = 'P') => steps(n, prefix).map((s) => ({ ...s, data: { pad: 'z'.repeat(3000) } }));

describe('disk full (SQLite max_page_count)', () => {
  test('appends, bulk appends and redactions fail with DISK_FULL and write nothing; after the fault is cleared appends succeed', async () => {
    const l = await newLedger();
    await l.appendMany(padded(40));
    const saved = (await l.latestCheckpoint())!.note;
    const before = await l.get(7);
    const db = connectionOf(l);
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);

    const outcomes: Record<string, ErrorCode | 'OK'> = {};
    outcomes['bulk'] = await codeOf(l.appendMany(padded(200, 'BULK')));
    outcomes['single'] = await codeOf(l.append(padded(1, 'ONE')[0]!));
    // Fill whatever room the failed transactions left, then try a redaction.
    while ((await codeOf(l.append({ caseId: 'FILL', type: 'fill', actor: 'a', data: 'f'.repeat(200) }))) === 'OK');
    const sizeFull = await l.size();
    outcomes['redact'] = await codeOf(l.redact(7, { reason: 'erasure', actor: 'dpo' }));
    expect(outcomes).toEqual({ bulk: 'DISK_FULL', single: 'DISK_FULL', redact: 'DISK_FULL' });

    // The failed redaction erased nothing.
    const after = await l.get(7);
    expect(after.redacted).toBe(false);
    expect(Buffer.from(after.payload!).equals(Buffer.from(before.payload!))).toBe(true);
    expect(await l.size()).toBe(sizeFull);
    await expectIntact(l.path, saved, sizeFull);

    db.pragma('max_page_count = 1073741823');
    const r = await l.appendMany(padded(200, 'BULK'));
    expect(r[0]!.seq).toBe(sizeFull);
    expect((await l.redact(7, { reason: 'erasure', actor: 'dpo' })).seq).toBe(sizeFull + 200);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await expectIntact(l.path, saved, sizeFull + 201);
    await l.close();
    record('faults.diskFullCases', 3);
  });

  test('an asynchronous signer whose checkpoint cannot be stored: SIGNER_FAILED says the entries are stored; no retry duplicates them', async () => {
    const key = parseSignerKey(KEYS.skey);
    let blocker: Database.Database | 'armed' | undefined;
    let path = '';
    const l = await newLedger({
      busyTimeoutMs: 150,
      signer: {
        name: key.name,
        keyId: key.keyId,
        async sign(msg: Uint8Array) {
          await new Promise((r) => setTimeout(r, 1));
          if (blocker === 'armed') {
            // Another writer takes the lock after the entries committed, before the checkpoint is stored.
            blocker = new Database(path);
            blocker.exec('BEGIN IMMEDIATE');
          }
          return key.sign(msg) as Uint8Array;
        },
      },
    });
    path = l.path;
    await l.appendMany(steps(5));
    const saved = (await l.latestCheckpoint())!.note;
    blocker = 'armed';
    const err = await l.appendMany(steps(3, 'LATE')).then(
      () => undefined,
      (e: unknown) => e as LedgerError,
    );
    (blocker as unknown as Database.Database).exec('ROLLBACK');
    (blocker as unknown as Database.Database).close();
    expect(err).toBeInstanceOf(LedgerError);
    // Not LEDGER_BUSY, whose meaning is "nothing was written, retry".
    expect(err!.code).toBe('SIGNER_FAILED');
    expect(err!.message).toMatch(/entries are stored/);
    expect(err!.details).toMatchObject({ size: 8, causeCode: 'LEDGER_BUSY' });
    expect(await l.size()).toBe(8);
    // The next append signs a checkpoint that covers the unsigned entries too.
    const r = await l.append(steps(1, 'NEXT')[0]!);
    expect(r.seq).toBe(8);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await expectIntact(l.path, saved, 9);
    await l.close();
  });
});

const asRoot = process.getuid?.() === 0;
const nobody = asRoot ? { uid: 65534, gid: 65534 } : undefined;
/**
 * Whether the worker runs as `nobody` here (the checkout must be readable by
 * others). If not, the read-only cases cannot be staged as root: skipped.
 */
const canDropPrivileges =
  !asRoot || spawnSync(process.execPath, [WORKER, 'ping'], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 }).stdout?.startsWith('pong') === true;

describe.skipIf(!canDropPrivileges)('read-only file and directory', () => {

  async function tryAppend(path: string, stateFile: string): Promise<{ ok: boolean; code?: string; stage?: string; seq?: number }> {
    const w = startWorker('tryAppend', { path, skey: KEYS.skey, stateFile, busyTimeoutMs: 1000 }, nobody);
    const line = await w.waitFor('result');
    await w.exited;
    return line.value as { ok: boolean; code?: string; stage?: string; seq?: number };
  }

  async function prepared(): Promise<{ dir: string; path: string; saved: string; size: number; stateFile: string }> {
    const dir = tempDir();
    // The signer's state lives beside its key, in a directory of the writer's own.
    const keyDir = tempDir();
    const stateFile = join(keyDir, 'ro.key.state');
    const l = await Ledger.create(join(dir, 'ro.ledger'), { origin: ORIGIN, signer: KEYS.skey, signerState: { file: stateFile } });
    await l.appendMany(steps(12));
    const saved = (await l.latestCheckpoint())!.note;
    await l.close();
    if (nobody !== undefined) for (const f of [keyDir, stateFile]) chownSync(f, nobody.uid, nobody.gid);
    return { dir, path: l.path, saved, size: 12, stateFile };
  }

  test('a read-only ledger file: READ_ONLY at the append, nothing lost; writable again, the append succeeds', async () => {
    const { dir, path, saved, size, stateFile } = await prepared();
    chmodSync(dir, 0o777);
    chmodSync(path, 0o444);
    const refused = await tryAppend(path, stateFile);
    expect(refused).toMatchObject({ ok: false, code: 'READ_ONLY' });
    await expectIntact(path, saved, size);
    // SQLite created the -shm file with the database file's (read-only)
    // mode: clearing the fault means making the ledger's files writable again.
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o666);
    const ok = await tryAppend(path, stateFile);
    expect(ok).toMatchObject({ ok: true, seq: size });
    await expectIntact(path, saved, size + 1);
  });

  test('a read-only directory (no room for the WAL files): READ_ONLY at open; writable again, the append succeeds', async () => {
    const { dir, path, saved, size, stateFile } = await prepared();
    chmodSync(path, 0o666);
    chmodSync(dir, 0o555);
    try {
      const refused = await tryAppend(path, stateFile);
      expect(refused).toMatchObject({ ok: false, code: 'READ_ONLY' });
    } finally {
      chmodSync(dir, 0o777);
    }
    await expectIntact(path, saved, size);
    const ok = await tryAppend(path, stateFile);
    expect(ok).toMatchObject({ ok: true, seq: size });
    await expectIntact(path, saved, size + 1);
  });

  test('a ledger opened read-only refuses appends with READ_ONLY', async () => {
    const { path, saved, size } = await prepared();
    const l = await Ledger.open(path, { readonly: true, signer: KEYS.skey });
    expect(await codeOf(l.append(steps(1)[0]!))).toBe('READ_ONLY');
    await l.close();
    await expectIntact(path, saved, size);
  });
});

describe('missing directory', () => {
  test('create or open in a missing directory: LEDGER_NOT_FOUND; once it exists, create and append succeed', async () => {
    const dir = join(tempDir(), 'not-yet');
    const path = join(dir, 'a.ledger');
    expect(await codeOf(Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey }))).toBe('LEDGER_NOT_FOUND');
    expect(await codeOf(Ledger.open(path, { signer: KEYS.skey }))).toBe('LEDGER_NOT_FOUND');
    expect(await codeOf(verifyLedger(path, { vkey: KEYS.vkey }))).toBe('LEDGER_NOT_FOUND');
    mkdirSync(dir);
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey });
    expect((await l.append(steps(1)[0]!)).seq).toBe(0);
    await l.close();
  });

  test('the directory moved away while the ledger is open: LEDGER_NOT_FOUND, nothing written; moved back, appends succeed', async () => {
    const dir = tempDir();
    const l = await Ledger.create(join(dir, 'a.ledger'), { origin: ORIGIN, signer: KEYS.skey });
    await l.appendMany(steps(10));
    const saved = (await l.latestCheckpoint())!.note;
    renameSync(dir, `${dir}.away`);
    try {
      expect(await codeOf(l.append(steps(1)[0]!))).toBe('LEDGER_NOT_FOUND');
      expect(await codeOf(l.appendMany(steps(5)))).toBe('LEDGER_NOT_FOUND');
    } finally {
      renameSync(`${dir}.away`, dir);
    }
    expect((await l.append(steps(1)[0]!)).seq).toBe(10);
    await l.close();
    await expectIntact(l.path, saved, 11);
  });

  test('the directory deleted while the ledger is open: no append is acknowledged into the deleted file', async () => {
    const dir = tempDir();
    const l = await Ledger.create(join(dir, 'a.ledger'), { origin: ORIGIN, signer: KEYS.skey });
    await l.appendMany(steps(3));
    rmSync(dir, { recursive: true });
    expect(await codeOf(l.append(steps(1)[0]!))).toBe('LEDGER_NOT_FOUND');
    mkdirSync(dir); // an empty directory of the same name is not the ledger
    expect(await codeOf(l.append(steps(1)[0]!))).toBe('LEDGER_NOT_FOUND');
    await l.close();
    expect(existsSync(l.path)).toBe(false);
  });
});

describe('key file', () => {
  test('missing, readable by others, malformed, of another ledger: each coded; fixed, the append succeeds and nothing is lost', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'ledger.key');
    // Written with the key string; its state is where the key file's goes (`<key file>.state`).
    const l = await Ledger.create(join(dir, 'a.ledger'), { origin: ORIGIN, signer: KEYS.skey, signerState: { file: `${keyFile}.state` } });
    await l.appendMany(steps(6));
    const saved = (await l.latestCheckpoint())!.note;
    await l.close();
    const open = () => Ledger.open(l.path, { signer: { keyFile } });

    const outcomes: Array<[string, ErrorCode | 'OK']> = [];
    outcomes.push(['missing', await codeOf(open())]);
    writeFileSync(keyFile, `${KEYS.skey}\n`);
    for (const mode of [0o644, 0o640, 0o604, 0o666]) {
      chmodSync(keyFile, mode);
      outcomes.push([`mode ${mode.toString(8)}`, await codeOf(open())]);
    }
    chmodSync(keyFile, 0o600);
    writeFileSync(keyFile, 'PRIVATE+KEY+not+a+key\n');
    outcomes.push(['malformed', await codeOf(open())]);
    writeFileSync(keyFile, `${generateKeyPair('another.ledger/log').skey}\n`);
    outcomes.push(['another ledger', await codeOf(open())]);
    rmSync(keyFile);
    mkdirSync(keyFile, { mode: 0o700 });
    outcomes.push(['a directory', await codeOf(open())]);
    rmSync(keyFile, { recursive: true });
    expect(Object.fromEntries(outcomes)).toEqual({
      missing: 'KEY_FILE',
      'mode 644': 'KEY_FILE_PERMISSIONS',
      'mode 640': 'KEY_FILE_PERMISSIONS',
      'mode 604': 'KEY_FILE_PERMISSIONS',
      'mode 666': 'KEY_FILE_PERMISSIONS',
      malformed: 'MALFORMED_KEY',
      'another ledger': 'KEY_MISMATCH',
      'a directory': 'KEY_FILE',
    });
    // Opened without its key, the ledger reads but does not append.
    const keyless = await Ledger.open(l.path);
    expect(await codeOf(keyless.append(steps(1)[0]!))).toBe('NO_SIGNER');
    await keyless.close();

    writeFileSync(keyFile, `${KEYS.skey}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const fixed = await open();
    expect((await fixed.append(steps(1)[0]!)).seq).toBe(6);
    await fixed.close();
    await expectIntact(l.path, saved, 7);
    record('faults.keyFileCases', outcomes.length + 1);
  });
});
