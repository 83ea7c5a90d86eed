// The frozen format v1 ledger (made once by scripts/make-fixture.mjs) must keep
// opening, reading and verifying with every later version of the code: read
// only as it is (schema 1), and migrated to the current schema on a copy
// (format.md §7.1), after which its schema is the one a new ledger gets.
import Database from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, verifyLedger } from '../src/index.js';
import { MIGRATIONS, SCHEMA_V1_SQL, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { KEYS, ORIGIN, cleanupTempDirs, tempDir } from './helpers/ledgers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = resolve(here, 'fixtures/v1');
const facts = JSON.parse(readFileSync(join(fixtureDir, 'fixture.json'), 'utf8'));

afterAll(cleanupTempDirs);

/** A private copy, so that opening it (WAL files) never touches the committed fixture. */
function copy(): string {
  const path = join(tempDir(), 'fixture.ledger');
  copyFileSync(join(fixtureDir, 'ledger.sqlite'), path);
  return path;
}

type SchemaRow = { type: string; name: string; sql: string | null };
const SCHEMA_QUERY = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'";
const norm = (rows: SchemaRow[]) => rows.filter((r) => r.sql !== null).map((r) => `${r.type} ${r.name}: ${r.sql!.replace(/\s+/g, ' ')}`).sort();

function schemaOf(path: string): { rows: string[]; userVersion: number } {
  const db = new Database(path, { readonly: true });
  try {
    return { rows: norm(db.prepare(SCHEMA_QUERY).all() as SchemaRow[]), userVersion: db.pragma('user_version', { simple: true }) as number };
  } finally {
    db.close();
  }
}

describe('format v1 fixture, unmigrated (read-only)', () => {
  test('verifies in full, with its root and size unchanged', async () => {
    const report = await verifyLedger(copy(), { vkey: facts.vkey, trusted: facts.trustedCheckpoint });
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.size).toBe(facts.size);
    expect(report.root).toBe(facts.root);
    expect(report.trusted).toMatchObject({ size: 20, extended: true });
    expect(report.checked.redactions).toBe(1);
    expect(report.checked.actorSignatures).toBeGreaterThan(0);
  });

  test('verifies incrementally from its saved checkpoint', async () => {
    const report = await verifyLedger(copy(), { vkey: facts.vkey, trusted: facts.trustedCheckpoint, mode: 'incremental' });
    expect(report.ok).toBe(true);
    expect(report.checked.entries).toBe(facts.size - 20);
    expect(report.root).toBe(facts.root);
  });

  test('reads, traces and proves with the current API', async () => {
    const ledger = await Ledger.open(copy(), { readonly: true });
    expect(await ledger.size()).toBe(facts.size);
    expect((await ledger.latestCheckpoint())!.note).toBe(facts.latestCheckpoint);
    expect((await ledger.latestCheckpoint())!.cosignatures).toEqual([]);
    const redacted = await ledger.get(5);
    expect(redacted.redacted).toBe(true);
    const record = await ledger.get(facts.redactionSeq);
    expect(record.entry!.type).toBe('casetrail.redaction');
    expect(record.data).toMatchObject({ redacts: 5 });
    const first = await ledger.get(0);
    expect(first.data).toEqual({ i: 0, 摘要: '第0步', amountYuan: 0 });
    const trace = await ledger.trace(first.entry!.caseId);
    expect(trace.ok).toBe(true);
    const proof = await ledger.proveInclusion(17);
    expect(proof.treeSize).toBe(facts.size);
    await ledger.close();
  });

  test('is schema 1 exactly: reading it changes nothing', async () => {
    const path = copy();
    const ledger = await Ledger.open(path, { readonly: true });
    await ledger.verify({ vkey: facts.vkey });
    await ledger.close();
    const fresh = new Database(':memory:');
    fresh.exec(SCHEMA_V1_SQL);
    const v1 = norm(fresh.prepare(SCHEMA_QUERY).all() as SchemaRow[]);
    fresh.close();
    expect(schemaOf(path)).toEqual({ rows: v1, userVersion: 0 });
  });
});

describe('format v1 fixture, migrated to the current schema (a copy opened for writing)', () => {
  test('opening for writing alone does not migrate it; the first write does, in its own transaction', async () => {
    const path = copy();
    const ledger = await Ledger.open(path, { checkpointPolicy: 'manual' });
    expect(schemaOf(path).userVersion).toBe(0);
    await ledger.append({ caseId: 'compat', type: 'migrated', actor: 'test' });
    await ledger.close();
    expect(schemaOf(path).userVersion).toBe(SCHEMA_VERSION);
  });

  test('migrated by another handle: entries of version 2 follow its version 1 entries, and an older read-only handle reads their nonces', async () => {
    const path = copy();
    const reader = await Ledger.open(path, { readonly: true });
    expect((await reader.get(0)).entry!.v).toBe(1);
    const writer = await Ledger.open(path, { checkpointPolicy: 'manual' });
    const r = await writer.append({ caseId: 'compat', type: 'migrated', actor: 'test', idempotencyKey: 'compat-1' });
    await writer.close();
    // The handle opened on the schema 1 file now sees the nonce column: the new entry is not marked.
    const e = await reader.get(r.seq);
    expect(e.entry).toMatchObject({ v: 2 });
    expect(e.ok).toBe(true);
    const report = await reader.verify({ vkey: facts.vkey, allowUnsignedTail: true });
    expect(report.issues.map((i) => i.code)).toEqual(['UNSIGNED_TAIL']);
    await reader.close();
  });

  test('after migration: its schema is a new ledger\'s, and it verifies with its history unchanged', async () => {
    const path = copy();
    const ledger = await Ledger.open(path, { checkpointPolicy: 'manual' });
    await ledger.append({ caseId: 'compat', type: 'migrated', actor: 'test' });
    await ledger.close();
    const newLedger = join(tempDir(), 'new.ledger');
    await (await Ledger.create(newLedger, { origin: ORIGIN, signer: KEYS.skey })).close();
    expect(schemaOf(path)).toEqual(schemaOf(newLedger));
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    const report = await verifyLedger(path, { vkey: facts.vkey, trusted: facts.trustedCheckpoint, allowUnsignedTail: true });
    expect(report.issues.map((i) => i.code)).toEqual(['UNSIGNED_TAIL']);
    expect(report.ok).toBe(true);
    expect(report.signedSize).toBe(facts.size);
    expect(report.trusted).toMatchObject({ size: 20, extended: true });
  });
});
