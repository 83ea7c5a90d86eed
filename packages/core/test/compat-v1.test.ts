// The frozen format v1 ledger (made once by scripts/make-fixture.mjs) must keep
// opening, reading and verifying with every later version of the code.
import Database from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, verifyLedger } from '../src/index.js';
import { SCHEMA_SQL } from '../src/store/schema.js';
import { cleanupTempDirs, tempDir } from './helpers/ledgers.js';

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

describe('format v1 fixture', () => {
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
    const redacted = await ledger.get(5);
    expect(redacted.redacted).toBe(true);
    const record = await ledger.get(facts.redactionSeq);
    expect(record.entry.type).toBe('casetrail.redaction');
    expect(record.data).toMatchObject({ redacts: 5 });
    const first = await ledger.get(0);
    expect(first.data).toEqual({ i: 0, 摘要: '第0步', amountYuan: 0 });
    const trace = await ledger.trace(first.entry.caseId);
    expect(trace.ok).toBe(true);
    const proof = await ledger.proveInclusion(17);
    expect(proof.treeSize).toBe(facts.size);
    await ledger.close();
  });

  test('its schema is the schema the code creates (a format change must be deliberate)', () => {
    const norm = (rows: Array<{ type: string; name: string; sql: string | null }>) =>
      rows.filter((r) => r.sql !== null).map((r) => `${r.type} ${r.name}: ${r.sql!.replace(/\s+/g, ' ')}`).sort();
    const fixture = new Database(copy(), { readonly: true });
    const fresh = new Database(':memory:');
    fresh.exec(SCHEMA_SQL);
    const q = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'";
    expect(norm(fixture.prepare(q).all() as never)).toEqual(norm(fresh.prepare(q).all() as never));
    fixture.close();
    fresh.close();
  });
});
