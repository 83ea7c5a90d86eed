/**
 * Attacks in the attacker's order (STYLE 15; issue 8 items 5–9, issue 9
 * item 6): a hostile party prepares the ledger file, a bundle or an input
 * first; then the honest operator or auditor runs the ordinary command —
 * show, log, trace, export, verify, verify-bundle, append — and nothing false
 * is displayed, exported or verified: what does not check is marked or
 * refused, with exit 1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, plantLedger, repoRoot, requireBuild, restoredPayloadBundle, runner, tempDir, type Result } from './helpers.js';

// The CLI has no SQLite of its own: the attacker's raw access goes through the core's binding.
const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');

let dir: string;
const ct = runner(cli, () => dir);
afterAll(cleanup);

/** Opens the file as its holder would: raw SQLite, triggers and unique indexes dropped. */
function hostile(path: string, ...sql: Array<[string, ...unknown[]]>): void {
  const db = new Database(path);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
  db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
  for (const [q, ...params] of sql) db.prepare(q).run(...params);
  db.close();
}

const json = (r: Result) => JSON.parse(r.out);

beforeEach(async () => {
  dir = tempDir();
  expect((await ct(['init', 'c.ledger', '--origin', 'example.org/attacks', '--vkey-out', 'c.vkey'])).code).toBe(0);
  for (const [c, type, data] of [
    ['C-1', 'opened', '{"subject":"permit"}'],
    ['C-1', 'reviewed', '{"ok":true}'],
    ['C-2', 'opened', '{"subject":"grant"}'],
    ['C-1', 'decided', '{"result":"approved"}'],
  ] as const) {
    expect((await ct(['append', 'c.ledger', '--case', c, '--type', type, '--actor', 'officer', '--data', data])).code).toBe(0);
  }
});

describe('index columns edited, then the operator looks', () => {
  it('show, log and trace show what the bytes say, marked, and exit 1', async () => {
    hostile(join(dir, 'c.ledger'), ["UPDATE entries SET type = 'rejected', actor = 'mallory' WHERE seq = 3"]);
    const show = await ct(['show', 'c.ledger', '3']);
    expect(show.code).toBe(1);
    expect(show.out).toMatch(/type\s+decided/);
    expect(show.out).not.toContain('rejected');
    expect(show.out).not.toContain('mallory');
    expect(show.out).toContain('✘ INDEX_MISMATCH');
    const log = await ct(['log', 'c.ledger']);
    expect(log.code).toBe(1);
    expect(log.out).toMatch(/3\s+✘ INDEX_MISMATCH\s+\S+\s+C-1\s+3\s+decided\s+officer/);
    expect(log.out).not.toContain('mallory');
    const logJson = json(await ct(['log', 'c.ledger', '--json']));
    expect(logJson.entries[3]).toMatchObject({ ok: false, type: 'decided', actor: 'officer', issues: [expect.objectContaining({ code: 'INDEX_MISMATCH' })] });
    const trace = await ct(['trace', 'c.ledger', 'C-1']);
    expect(trace.code).toBe(1);
    expect(trace.out).toContain('decided');
    expect(trace.out).not.toContain('mallory');
    expect(trace.out).toContain('shown by `casetrail verify`');
    expect((await ct(['verify', 'c.ledger', '--vkey', 'c.vkey'])).code).toBe(1);
  });

  it('log --type selects by the edited column but shows the bytes, marked', async () => {
    hostile(join(dir, 'c.ledger'), ["UPDATE entries SET type = 'closed' WHERE seq = 1"]);
    const r = json(await ct(['log', 'c.ledger', '--type', 'closed', '--json']));
    expect(r.entries).toEqual([expect.objectContaining({ seq: 1, type: 'reviewed', ok: false })]);
  });

  it('export --case refuses a step whose case was relabelled into it, and writes no file', async () => {
    hostile(join(dir, 'c.ledger'), ["UPDATE entries SET case_id = 'C-2', step = 2 WHERE seq = 3"]);
    const r = await ct(['export', 'c.ledger', '--case', 'C-2', '--out', 'c2.bundle']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[INDEX_MISMATCH]');
    expect(existsSync(join(dir, 'c2.bundle'))).toBe(false);
  });

  it('export of the whole ledger refuses a row whose leaf column was edited', async () => {
    hostile(join(dir, 'c.ledger'), ['UPDATE entries SET leaf = ? WHERE seq = 2', Buffer.alloc(32, 1)]);
    const r = await ct(['export', 'c.ledger', '--out', 'all.bundle', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).error.code).toBe('LEAF_HASH_MISMATCH');
    expect(existsSync(join(dir, 'all.bundle'))).toBe(false);
  });
});

describe('payloads erased and restored, then the operator looks', () => {
  it('a payload erased without a redaction is never shown as redacted, and export refuses it', async () => {
    hostile(join(dir, 'c.ledger'), ['UPDATE entries SET data = NULL, salt = NULL WHERE seq = 0']);
    const show = await ct(['show', 'c.ledger', '0']);
    expect(show.code).toBe(1);
    expect(show.out).toContain('[payload missing: no redaction proves its erasure]');
    expect(show.out).not.toContain('redacted');
    expect(show.out).not.toContain('erased by redaction');
    expect(json(await ct(['show', 'c.ledger', '0', '--json']))).toMatchObject({ redacted: false, payload: 'missing', data: null, ok: false });
    const e = await ct(['export', 'c.ledger', '--case', 'C-1', '--out', 'c1.bundle']);
    expect(e.code).toBe(1);
    expect(e.err).toContain('[PAYLOAD_MISSING]');
  });

  it('an erased payload written back is an issue, not data, in show, log, trace and export', async () => {
    const before = await core.Ledger.open(join(dir, 'c.ledger'), { readonly: true });
    const original = await before.get(0);
    await before.close();
    expect((await ct(['redact', 'c.ledger', '0', '--reason', 'court order', '--actor', 'dpo'])).code).toBe(0);
    hostile(join(dir, 'c.ledger'), ['UPDATE entries SET data = ?, salt = ? WHERE seq = 0', Buffer.from(original.payload!), Buffer.from(original.salt!)], ['DELETE FROM redactions WHERE seq = 0']);
    for (const argv of [['show', 'c.ledger', '0'], ['trace', 'c.ledger', 'C-1']]) {
      const r = await ct(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.out, argv.join(' ')).not.toContain('permit');
      expect(r.out, argv.join(' ')).toContain('REDACTION_INVALID');
    }
    const e = await ct(['export', 'c.ledger', '--out', 'all.bundle']);
    expect(e.code).toBe(1);
    expect(e.err).toContain('[REDACTION_INVALID]');
    expect(existsSync(join(dir, 'all.bundle'))).toBe(false);
    expect((await ct(['verify', 'c.ledger', '--vkey', 'c.vkey'])).code).toBe(1);
  });
});

describe('a hostile bundle, then the auditor checks it', () => {
  it('CRLF lines, spaces and reordered keys are refused (exit 1)', async () => {
    expect((await ct(['export', 'c.ledger', '--case', 'C-1', '--out', 'b.bundle'])).code).toBe(0);
    const honest = readFileSync(join(dir, 'b.bundle'), 'utf8');
    const ok = await ct(['verify-bundle', 'b.bundle', '--vkey', 'c.vkey']);
    expect(ok.code, ok.err).toBe(0);
    const forms: Array<[string, string]> = [
      ['crlf', honest.replace(/\n/g, '\r\n')],
      ['space', honest.replace('{"seq":', ' {"seq":')],
      ['order', honest.replace(/\{"seq":(\d+),"entry":("[^"]+"),"proof":(\[[^\]]*\])/, '{"seq":$1,"proof":$3,"entry":$2')],
    ];
    for (const [name, text] of forms) {
      expect(text, name).not.toBe(honest);
      writeFileSync(join(dir, `${name}.bundle`), text);
      const r = await ct(['verify-bundle', `${name}.bundle`, '--vkey', 'c.vkey', '--json']);
      expect(r.code, name).toBe(1);
      expect(json(r).issues.map((i: { code: string }) => i.code), name).toContain('MALFORMED_BUNDLE');
    }
  });

  it('a payload carried together with the redaction that erased it is refused (exit 1)', async () => {
    await restoredPayloadBundle(ct, dir, 'c.ledger', 'C-1');
    const r = await ct(['verify-bundle', 'restored.bundle', '--vkey', 'c.vkey', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).issues).toEqual([expect.objectContaining({ code: 'REDACTION_INVALID' })]);
  });
});

describe('a damaged ledger is exit 1 everywhere; a file that is not a ledger exit 3', () => {
  const damages: Array<[string, string]> = [
    ['the redactions table dropped', 'DROP TABLE redactions'],
    ['the meta table dropped', 'DROP TABLE meta'],
    ['the meta origin row deleted', "DELETE FROM meta WHERE key = 'origin'"],
    ['the meta format row changed', "UPDATE meta SET value = 'x' WHERE key = 'format'"],
  ];
  it.each(damages)('%s: verify reports LEDGER_DAMAGED (exit 1); show, log, append refuse it (exit 1); nothing is written', async (_n, sql) => {
    hostile(join(dir, 'c.ledger'), [sql]);
    const v = await ct(['verify', 'c.ledger', '--vkey', 'c.vkey', '--json']);
    expect(v.code).toBe(1);
    expect(json(v).issues.map((i: { code: string }) => i.code)).toContain('LEDGER_DAMAGED');
    for (const argv of [['show', 'c.ledger', '0'], ['log', 'c.ledger'], ['trace', 'c.ledger', 'C-1'], ['append', 'c.ledger', '--case', 'X', '--type', 't', '--actor', 'a']]) {
      const r = await ct(argv);
      expect(r.code, argv[0]).toBe(1);
      expect(r.err, argv[0]).toContain('[LEDGER_DAMAGED]');
    }
    const db = new Database(join(dir, 'c.ledger'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(4);
    db.close();
  });

  it('rows with impossible keys are exit 1 (ROW_INVALID)', async () => {
    hostile(join(dir, 'c.ledger'), ['INSERT INTO entries SELECT -3, leaf, bytes, nodes, case_id, 40, type, actor, time, salt, data, nonce FROM entries WHERE seq = 0']);
    const v = await ct(['verify', 'c.ledger', '--vkey', 'c.vkey', '--json']);
    expect(v.code).toBe(1);
    expect(json(v).issues).toContainEqual(expect.objectContaining({ code: 'ROW_INVALID', table: 'entries' }));
  });

  it('an SQLite file without entries and checkpoints stays NOT_A_LEDGER, exit 3', async () => {
    const db = new Database(join(dir, 'other.db'));
    db.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'casetrail/v1')");
    db.close();
    const r = await ct(['verify', 'other.db', '--vkey', 'c.vkey']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('[NOT_A_LEDGER]');
  });
});

describe('hostile payload JSON never crashes a reader', () => {
  it('a payload nesting 200 000 deep, stored by another writer: show, log, trace and log --ndjson mark it and go on', async () => {
    const { skey } = core.generateKeyPair('example.org/deep');
    const deep = new TextEncoder().encode('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000));
    await plantLedger(join(dir, 'deep.ledger'), 'example.org/deep', skey, [
      { caseId: 'D', type: 'opened', actor: 'a', data: { ok: 1 } },
      { caseId: 'D', type: 'note', actor: 'a', payload: deep },
    ]);
    const show = await ct(['show', 'deep.ledger', '1']);
    expect(show.code).toBe(0); // a warning: the entry checks, its data cannot be shown
    expect(show.out).toContain('PAYLOAD_MALFORMED');
    for (const argv of [['log', 'deep.ledger'], ['trace', 'deep.ledger', 'D'], ['log', 'deep.ledger', '--ndjson'], ['show', 'deep.ledger', '1', '--json']]) {
      const r = await ct(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.err, argv.join(' ')).not.toMatch(/INTERNAL|RangeError|stack/);
    }
    expect(json(await ct(['show', 'deep.ledger', '1', '--json']))).toMatchObject({ data: null, payload: 'present', issues: [expect.objectContaining({ code: 'PAYLOAD_MALFORMED', severity: 'warning' })] });
  });

  it('deep JSON is refused at append, from --data, --data-file and NDJSON, before it is parsed; nothing is stored', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    writeFileSync(join(dir, 'deep.json'), deep);
    writeFileSync(join(dir, 'deep.ndjson'), `{"case":"C","type":"t","actor":"a","data":${deep}}\n`);
    for (const argv of [
      ['append', 'c.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--data', deep],
      ['append', 'c.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--data-file', 'deep.json'],
      ['append', 'c.ledger', '--ndjson', 'deep.ndjson'],
    ]) {
      const r = await ct(argv);
      expect(r.code, argv.slice(0, 8).join(' ')).toBe(2);
      expect(r.err).not.toMatch(/INTERNAL|RangeError/);
    }
    const l = await core.Ledger.open(join(dir, 'c.ledger'), { readonly: true });
    expect(await l.size()).toBe(4);
    await l.close();
  });
});

describe('idempotent single appends', () => {
  it('--idempotency-key: the same step twice is appended once; other content with the key is refused (exit 2)', async () => {
    const argv = ['append', 'c.ledger', '--case', 'C-3', '--type', 'paid', '--actor', 'bank', '--data', '{"yuan":200}', '--idempotency-key', 'bank:tx-1'];
    const first = await ct([...argv, '--json']);
    expect(first.code).toBe(0);
    expect(json(first)).toMatchObject({ seq: 4, duplicate: false });
    const again = await ct(argv);
    expect(again.code).toBe(0);
    expect(again.out).toBe('already appended as entry 4 (case C-3 step 1, with this idempotency key): nothing new was appended\n');
    const other = await ct([...argv.slice(0, -3), '{"yuan":300}', '--idempotency-key', 'bank:tx-1', '--json']);
    expect(other.code).toBe(2);
    expect(json(other).error.code).toBe('IDEMPOTENCY_CONFLICT');
    const l = await core.Ledger.open(join(dir, 'c.ledger'), { readonly: true });
    expect(await l.size()).toBe(5);
    await l.close();
  });
});

describe('a checkpoint row whose columns disagree with its note', () => {
  it('checkpoint, prove and export take nothing from the row: they refuse it (exit 1)', async () => {
    hostile(join(dir, 'c.ledger'), ['UPDATE checkpoints SET root = ? WHERE size = (SELECT max(size) FROM checkpoints)', Buffer.alloc(32, 7)]);
    for (const argv of [['checkpoint', 'c.ledger', '--json'], ['prove', 'c.ledger', '0'], ['export', 'c.ledger', '--out', 'x.bundle']]) {
      const r = await ct(argv);
      expect(r.code, argv[0]).toBe(1);
      expect(r.err, argv[0]).toContain('[CHECKPOINT_INVALID]');
    }
  });

  it('prove refuses an entry whose bytes were changed (its leaf column left as it was)', async () => {
    const db = new Database(join(dir, 'c.ledger'));
    const bytes = db.prepare('SELECT bytes FROM entries WHERE seq = 1').pluck().get() as Buffer;
    db.close();
    const changed = Buffer.from(bytes);
    changed[changed.length - 1]! ^= 1;
    hostile(join(dir, 'c.ledger'), ['UPDATE entries SET bytes = ? WHERE seq = 1', changed]);
    const r = await ct(['prove', 'c.ledger', '1', '--out', 'p.tlog-proof']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[LEAF_HASH_MISMATCH]');
    expect(existsSync(join(dir, 'p.tlog-proof'))).toBe(false);
  });
});
