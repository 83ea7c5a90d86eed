/**
 * `verify --checkpoint` is full by default and proves the extension;
 * `--incremental` opts into trusting the entries before the checkpoint and
 * says so; a report with nothing checked never reads "N entries verified"
 * (issue 8.4).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, repoRoot, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');

let dir: string;
const ct = runner(cli, () => dir);

beforeAll(async () => {
  dir = tempDir();
  expect((await ct(['init', 'v.ledger', '--origin', 'example.org/v', '--vkey-out', 'v.vkey'])).code).toBe(0);
  for (let i = 0; i < 3; i++) expect((await ct(['append', 'v.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--data', JSON.stringify({ i })])).code).toBe(0);
  expect((await ct(['checkpoint', 'v.ledger', '--out', 'three.checkpoint'])).code).toBe(0);
  for (let i = 3; i < 5; i++) expect((await ct(['append', 'v.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--data', JSON.stringify({ i })])).code).toBe(0);
  expect((await ct(['checkpoint', 'v.ledger', '--out', 'five.checkpoint'])).code).toBe(0);
});
afterAll(cleanup);

describe('verify --checkpoint', () => {
  it('is full by default: every entry is checked and the extension is proven', async () => {
    const r = await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mode\s+full/);
    expect(r.out).toMatch(/entries\s+5 in the ledger, 5 checked/);
    expect(r.out).toMatch(/✔ OK: 5 entries verified; the ledger extends the trusted checkpoint of size 3\n/);
    const j = JSON.parse((await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint', '--json'])).out);
    expect(j).toMatchObject({ ok: true, mode: 'full', checked: { entries: 5 }, trusted: { size: 3, extended: true } });
  });

  it('--full is accepted and changes nothing', async () => {
    const a = JSON.parse((await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint', '--full', '--json'])).out);
    expect(a).toMatchObject({ ok: true, mode: 'full', checked: { entries: 5 } });
    const b = await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--full']);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/✔ OK: 5 entries verified\n/);
  });

  it('--incremental checks what came after, and says the rest was trusted, not re-hashed', async () => {
    const r = await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint', '--incremental']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mode\s+incremental/);
    expect(r.out).toMatch(/entries\s+5 in the ledger: 2 after the trusted checkpoint checked; the 3 before it \(0 to 2\) trusted, not re-hashed/);
    expect(r.out).toMatch(/✔ OK: 2 entries after the trusted checkpoint of size 3 verified; the 3 entries before it were trusted, not re-hashed/);
    expect(r.out).not.toMatch(/OK: \d+ entries verified/);
  });

  it('--incremental with nothing after the checkpoint does not claim entries were verified', async () => {
    const r = await ct(['verify', 'v.ledger', '--vkey', 'v.vkey', '--checkpoint', 'five.checkpoint', '--incremental']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✔ OK: no entries after the trusted checkpoint of size 5; the ledger extends it; the 5 entries before it were trusted, not re-hashed/);
    expect(r.out).not.toMatch(/OK: \d+ entries/);
  });

  it('a ledger with no entries is not "0 entries verified"', async () => {
    expect((await ct(['init', 'empty.ledger', '--origin', 'example.org/empty', '--vkey-out', 'empty.vkey'])).code).toBe(0);
    expect((await ct(['checkpoint', 'empty.ledger', '--sign'])).code).toBe(0);
    const r = await ct(['verify', 'empty.ledger', '--vkey', 'empty.vkey']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✔ OK: the ledger has no entries; 1 checkpoint\(s\) checked/);
    expect(r.out).not.toMatch(/entries verified/);
  });

  it('an entry changed before the checkpoint is found by default and missed only with --incremental', async () => {
    copyFileSync(join(dir, 'v.ledger'), join(dir, 'changed.ledger'));
    const db = new Database(join(dir, 'changed.ledger'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'payloads'").get() ? 'payloads' : 'entries';
    db.exec(`UPDATE ${table} SET data = CAST(replace(CAST(data AS TEXT), '"i":1', '"i":7') AS BLOB) WHERE seq = 1`);
    db.close();
    const full = await ct(['verify', 'changed.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint']);
    expect(full.code).toBe(1);
    expect(full.out).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH \[entry 1/);
    const incremental = await ct(['verify', 'changed.ledger', '--vkey', 'v.vkey', '--checkpoint', 'three.checkpoint', '--incremental']);
    expect(incremental.code).toBe(0);
    expect(incremental.out).toMatch(/trusted, not re-hashed/);
  });

  it('checkpoint --out refuses to replace the checkpoint it published unless --force', async () => {
    const before = readFileSync(join(dir, 'five.checkpoint'), 'utf8');
    expect((await ct(['checkpoint', 'v.ledger', '--out', 'five.checkpoint'])).code).toBe(3);
    expect((await ct(['checkpoint', 'v.ledger', '--out', 'five.checkpoint', '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'five.checkpoint'), 'utf8')).toBe(before);
  });
});
