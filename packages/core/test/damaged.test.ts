// A file with casetrail's entries and checkpoints tables is a ledger
// (format.md §7, §8 items 15 and 16; issue 8 item 6): whatever else a hostile
// party damaged — a dropped table or column, a meta row, impossible keys —
// verification reports it with a code (exit 1 in the CLI), reads and writes
// refuse it with LEDGER_DAMAGED, and NOT_A_LEDGER stays for files without
// those tables.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, LedgerError, followLedger, verifyLedger, type VerifyReport } from '../src/index.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, cleanupTempDirs, newLedger, rawOpen, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

async function sample(): Promise<string> {
  const l = await newLedger();
  await l.appendMany([
    { caseId: 'A', type: 'opened', actor: 'clerk', data: { n: 1 } },
    { caseId: 'A', type: 'closed', actor: 'clerk' },
  ]);
  await l.redact(0, { reason: 'r', actor: 'dpo' });
  await l.close();
  return l.path;
}

function damage(path: string, sql: string): void {
  const db = rawOpen(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}


const cases: Array<[string, string, Array<{ code: string; table: string }>]> = [
  ['the redactions table dropped', 'DROP TABLE redactions', [{ code: 'LEDGER_DAMAGED', table: 'redactions' }]],
  ['the meta table dropped', 'DROP TABLE meta', [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the cosignatures table dropped (schema 2)', 'DROP TABLE cosignatures', [{ code: 'LEDGER_DAMAGED', table: 'cosignatures' }]],
  ['the meta format row deleted', "DELETE FROM meta WHERE key = 'format'", [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the meta format row changed', "UPDATE meta SET value = 'casetrail/v9' WHERE key = 'format'", [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the meta origin row deleted', "DELETE FROM meta WHERE key = 'origin'", [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the meta origin made empty', "UPDATE meta SET value = '' WHERE key = 'origin'", [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the meta value column dropped', 'ALTER TABLE meta DROP COLUMN value', [{ code: 'LEDGER_DAMAGED', table: 'meta' }]],
  ['the data column of entries dropped', 'ALTER TABLE entries DROP COLUMN data', [{ code: 'LEDGER_DAMAGED', table: 'entries' }]],
  ['the by_seq column of redactions dropped', 'ALTER TABLE redactions DROP COLUMN by_seq', [{ code: 'LEDGER_DAMAGED', table: 'redactions' }]],
  ['an entry row with a negative seq', "INSERT INTO entries SELECT -5, leaf, bytes, nodes, case_id, 99, type, actor, time, salt, data, NULL FROM entries WHERE seq = 1", [{ code: 'ROW_INVALID', table: 'entries' }]],
  ['a checkpoint row with a negative size', "INSERT INTO checkpoints SELECT -1, root, note FROM checkpoints LIMIT 1", [{ code: 'ROW_INVALID', table: 'checkpoints' }]],
  ['a redactions row with a negative by_seq', 'INSERT INTO redactions VALUES (1, -2)', [{ code: 'ROW_INVALID', table: 'redactions' }]],
  ['an entry row with a seq beyond 2^53', "INSERT INTO entries SELECT 9007199254740993, leaf, bytes, nodes, case_id, 98, type, actor, time, salt, data, NULL FROM entries WHERE seq = 1", [{ code: 'ROW_INVALID', table: 'entries' }]],
];

describe('a damaged ledger is reported, not mistaken for another file', () => {
  test.each(cases)('%s: verification reports it with its code; opening it for reading or writing is LEDGER_DAMAGED', async (_name, sql, expected) => {
    const path = await sample();
    damage(path, sql);
    const report = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(report.ok).toBe(false);
    for (const e of expected) expect(report.issues).toContainEqual(expect.objectContaining(e));
    if (expected.some((e) => e.code === 'LEDGER_DAMAGED')) {
      expect(await codeOf(Ledger.open(path, { readonly: true }))).toBe('LEDGER_DAMAGED');
      expect(await codeOf(Ledger.open(path, { signer: KEYS.skey }))).toBe('LEDGER_DAMAGED');
    }
  });

  test('a page SQLite cannot read inside an opened ledger is LEDGER_DAMAGED, reported by verification', async () => {
    const l = await newLedger();
    await l.appendMany(Array.from({ length: 400 }, (_, i) => ({ caseId: `C-${i % 7}`, type: 't', actor: 'a', data: { pad: 'x'.repeat(300), i } })));
    await l.close();
    // Corrupt a page in the middle of the file (not the header, not sqlite_master).
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(l.path);
    const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
    const at = pageSize * Math.floor(bytes.length / pageSize / 2);
    bytes.fill(0xff, at, at + pageSize);
    writeFileSync(l.path, bytes);
    let report;
    try {
      report = await verifyLedger(l.path, { vkey: KEYS.vkey });
    } catch (e) {
      // Either way it is a damaged ledger, never "not a ledger".
      expect(e instanceof LedgerError ? e.code : String(e)).toBe('LEDGER_DAMAGED');
      return;
    }
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => i.code)).not.toContain('NOT_A_LEDGER');
  });

  test('a page the scan cannot read while the checkpoint rows are still being read: LEDGER_DAMAGED after entry 299, and the handle still ends its snapshot and closes', async () => {
    // 600 entries, each with its checkpoint: the scan reads the checkpoint rows 256 at a time beside the
    // entries, so at entry 300 the third batch is still to be read. Entry 300's payload spills onto overflow
    // pages, which only reading that row touches (counting the rows does not): the first of them is
    // overwritten, and the scan throws there. The checkpoint statement must be closed then — an open
    // statement keeps the connection busy, so that its read transaction cannot end and it cannot close.
    const l = await newLedger();
    for (let i = 0; i < 600; i++) await l.append({ caseId: `C-${i % 7}`, type: 't', actor: 'a', data: { pad: 'x'.repeat(i === 300 ? 10_000 : 10) } });
    await l.close();
    const db = rawOpen(l.path);
    const overflow = db.prepare("SELECT pageno FROM dbstat WHERE name = 'entries' AND pagetype = 'overflow' ORDER BY path").pluck().all() as number[];
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    expect(overflow.length).toBeGreaterThanOrEqual(2);
    const bytes = readFileSync(l.path);
    bytes.fill(0xff, (overflow[0]! - 1) * pageSize, overflow[0]! * pageSize);
    writeFileSync(l.path, bytes);
    const expectDamagedAt300 = (r: VerifyReport) => {
      expect(r.issues.map((i) => [i.code, i.table])).toEqual([['LEDGER_DAMAGED', 'entries']]);
      expect([r.ok, r.size, r.checked.entries, r.checked.checkpoints]).toEqual([false, 600, 300, 300]);
    };
    // verifyLedger closes its own read-only handle: it resolves to the report, not to the connection's "busy".
    expectDamagedAt300(await verifyLedger(l.path, { vkey: KEYS.vkey }));
    // A handle of one's own: after the report, it reads again and closes.
    const h = await Ledger.open(l.path, { readonly: true });
    expectDamagedAt300(await h.verify({ vkey: KEYS.vkey }));
    expect((await h.latestCheckpoint())?.size).toBe(600);
    await h.close();
    expect(await codeOf(h.latestCheckpoint())).toBe('LEDGER_CLOSED');
  });

  test('a row with a huge seq makes no work of the empty range before it, even with workers', async () => {
    const path = await sample();
    damage(path, "INSERT INTO entries SELECT 4503599627370496, leaf, bytes, nodes, case_id, 97, type, actor, time, salt, data, NULL FROM entries WHERE seq = 1");
    const t0 = Date.now();
    const report = await verifyLedger(path, { vkey: KEYS.vkey, workers: 2 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(report.issues.map((i) => i.code)).toContain('SEQ_GAP');
  });

  test('a writer refuses a damaged ledger, and nothing is written', async () => {
    const path = await sample();
    damage(path, 'DROP TABLE redactions');
    expect(await codeOf(Ledger.open(path, { signer: KEYS.skey }))).toBe('LEDGER_DAMAGED');
    const { openStore } = await import('../src/index.js');
    const store = await openStore(path);
    expect(await codeOf(store.write((tx) => tx.insertCheckpoint(99, new Uint8Array(32), 'x')))).toBe('LEDGER_DAMAGED');
    expect(store.damage).toEqual([{ table: 'redactions', message: 'the redactions table is missing' }]);
    await store.close();
  });

  test('a follower refuses a damaged ledger too', async () => {
    const path = await sample();
    damage(path, "DELETE FROM meta WHERE key = 'origin'");
    const it = followLedger(path, { intervalMs: 10 });
    // followLedger opens its own handle; a damaged ledger's origin is unknown, so nothing it yields could be checked.
    const first = await it.next().catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'LEDGER_DAMAGED' });
  });
});

describe('what is not a ledger stays NOT_A_LEDGER', () => {
  test('an SQLite file without the entries and checkpoints tables; a file that is not SQLite', async () => {
    const dir = tempDir();
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE notes (x)');
    db.close();
    expect(await codeOf(verifyLedger(other, { vkey: KEYS.vkey }))).toBe('NOT_A_LEDGER');
    const text = join(dir, 'text.ledger');
    writeFileSync(text, 'hello, this is not a database at all, but long enough to have a header'.repeat(20));
    expect(await codeOf(verifyLedger(text, { vkey: KEYS.vkey }))).toBe('NOT_A_LEDGER');
    const noCheckpoints = join(dir, 'half.ledger');
    const l = await newLedger();
    await l.close();
    damage(l.path, 'DROP TABLE checkpoints');
    expect(await codeOf(verifyLedger(l.path, { vkey: KEYS.vkey }))).toBe('NOT_A_LEDGER');
    expect(noCheckpoints).toBeTruthy();
  });
});
