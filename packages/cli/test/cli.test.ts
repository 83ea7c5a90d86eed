/**
 * In-process tests of every command: the program runs with exitOverride and
 * captured streams, in a temporary directory.
 */
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, repoRoot, requireBuild, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { indCheckTlogProof, indCheckWitnessBody } = await import('../../core/test/helpers/independent-tlog.js');
const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');

type Result = { code: number; out: string; err: string };

let dir: string;
const transcript: string[] = [];

/** Runs `casetrail …argv` in-process in `dir`. */
async function ct(argv: string[], options: { stdin?: string; env?: Record<string, string>; tty?: boolean; cwd?: string } = {}): Promise<Result> {
  const io = cli.captureIo({ cwd: options.cwd ?? dir, env: options.env ?? {}, ...(options.stdin === undefined ? {} : { stdin: options.stdin }), tty: options.tty === true });
  const code = await cli.run(argv, io);
  const r = { code, out: io.stdoutText(), err: io.stderrText() };
  transcript.push(r.out, r.err);
  return r;
}
const json = (r: Result) => JSON.parse(r.out) as any;

const ORIGIN = 'example.org/cases';
let vkey: string;
let oldCheckpoint: string;

/**
 * Drops the triggers and runs SQL on a ledger file, as someone holding the
 * file could. `sql` receives the table that holds payloads (the `payloads`
 * table, or `entries` where payloads are columns of the entry row).
 */
function tamper(path: string, sql: (payloads: 'payloads' | 'entries') => string): void {
  const db = new Database(path);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
  const separate = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'payloads'").get() !== undefined;
  db.exec(sql(separate ? 'payloads' : 'entries'));
  db.close();
}

beforeAll(async () => {
  dir = tempDir();
  const init = await ct(['init', 'cases.ledger', '--origin', ORIGIN]);
  expect(init.code).toBe(0);
  vkey = init.out.trim();
  writeFileSync(join(dir, 'cases.vkey'), `${vkey}\n`);
  expect((await ct(['keygen', '--name', 'officer-7', '--out', 'officer.key'])).code).toBe(0);
  const steps: string[][] = [
    ['--case', 'C-1', '--type', 'opened', '--actor', 'clerk', '--data', '{"subject":"building permit"}', '--time', '2024-05-01T09:00:00Z'],
    ['--case', 'C-2', '--type', 'opened', '--actor', 'clerk', '--time', '2024-05-01T10:00:00Z'],
    ['--case', 'C-1', '--type', 'review', '--actor', 'officer-7', '--data', '{"ok":true}', '--time', '2024-05-02T09:00:00Z', '--sign-with', 'officer.key'],
  ];
  for (const s of steps) expect((await ct(['append', 'cases.ledger', ...s])).code).toBe(0);
  oldCheckpoint = (await ct(['checkpoint', 'cases.ledger'])).out;
  writeFileSync(join(dir, 'old.checkpoint'), oldCheckpoint);
  writeFileSync(join(dir, 'data.json'), '{"decision":"approved","amount":1200}\n');
  for (const s of [
    ['--case', 'C-1', '--type', 'decision', '--actor', 'officer-7', '--data-file', 'data.json', '--time', '2024-05-03T09:00:00Z'],
    ['--case', 'C-2', '--type', 'closed', '--actor', 'clerk', '--data', '{"reason":"withdrawn"}', '--time', '2024-05-03T10:00:00Z'],
    ['--case', 'C-1', '--type', 'closed', '--actor', 'clerk', '--time', '2024-05-04T09:00:00Z'],
  ]) {
    expect((await ct(['append', 'cases.ledger', ...s])).code).toBe(0);
  }
});

afterAll(() => {
  // Private keys are never printed, whatever the command.
  for (const t of transcript) expect(t).not.toContain('PRIVATE+KEY');
  cleanup();
});

describe('init and keygen', () => {
  it('init writes a 0600 key, prints the vkey alone on stdout, and --json has the documented shape', async () => {
    expect(statSync(join(dir, 'cases.ledger.key')).mode & 0o777).toBe(0o600);
    expect(vkey).toMatch(/^example\.org\/cases\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    const r = await ct(['init', 'j.ledger', '--origin', 'example.org/j', '--key-file', 'j.key', '--json']);
    expect(r.code).toBe(0);
    expect(Object.keys(json(r)).sort()).toEqual(['keyCreated', 'keyFile', 'ledger', 'origin', 'vkey']);
    expect(json(r)).toMatchObject({ origin: 'example.org/j', keyCreated: true, keyFile: join(dir, 'j.key') });
  });

  it('init reuses an existing key named like the origin, and refuses one named otherwise', async () => {
    const a = await ct(['init', 'reuse.ledger', '--origin', 'example.org/j', '--key-file', 'j.key', '--json']);
    expect(a.code).toBe(0);
    expect(json(a).keyCreated).toBe(false);
    const b = await ct(['init', 'other.ledger', '--origin', 'example.org/other', '--key-file', 'j.key']);
    expect(b.code).toBe(3);
    expect(b.err).toContain('KEY_MISMATCH');
    expect(existsSync(join(dir, 'other.ledger'))).toBe(false);
  });

  const initFailures: Array<[string, string[], number, RegExp]> = [
    ['an existing ledger', ['init', 'cases.ledger', '--origin', ORIGIN], 3, /LEDGER_EXISTS.*never overwrites/],
    ['an origin with a space', ['init', 'x.ledger', '--origin', 'my cases'], 2, /cannot name a key/],
    ['no origin', ['init', 'x.ledger'], 2, /required option '--origin <name>'/],
    ['a key file readable by others', ['init', 'y.ledger', '--origin', 'example.org/y', '--key-file', 'open.key'], 3, /chmod 600/],
  ];
  it.each(initFailures)('init refuses %s', async (_n, argv, code, message) => {
    if (argv.includes('open.key')) {
      expect((await ct(['keygen', '--name', 'example.org/y', '--out', 'open.key'])).code).toBe(0);
      chmodSync(join(dir, 'open.key'), 0o644);
    }
    const r = await ct(argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('--vkey-out writes the verifier key to a new file, never over an existing one', async () => {
    const r = await ct(['init', 'v.ledger', '--origin', 'example.org/v', '--vkey-out', 'v.vkey', '--json']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'v.vkey'), 'utf8')).toBe(`${json(r).vkey}\n`);
    expect(json(r).vkeyFile).toBe(join(dir, 'v.vkey'));
    const again = await ct(['init', 'v2.ledger', '--origin', 'example.org/v', '--vkey-out', 'v.vkey']);
    expect(again.code).toBe(3);
    expect(existsSync(join(dir, 'v2.ledger'))).toBe(false);
    const k = await ct(['keygen', '--name', 'officer-9', '--out', 'o9.key', '--vkey-out', 'o9.vkey']);
    expect(k.code).toBe(0);
    expect(readFileSync(join(dir, 'o9.vkey'), 'utf8')).toBe(k.out);
    expect((await ct(['verify', 'v.ledger', '--vkey', 'v.vkey'])).code).toBe(0);
  });

  it('keygen never overwrites a key file', async () => {
    const before = readFileSync(join(dir, 'officer.key'), 'utf8');
    const r = await ct(['keygen', '--name', 'officer-7', '--out', 'officer.key']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/already exists; casetrail never overwrites a key file/);
    expect(readFileSync(join(dir, 'officer.key'), 'utf8')).toBe(before);
    const j = await ct(['keygen', '--name', 'a.example/b', '--json']);
    expect(json(j)).toMatchObject({ name: 'a.example/b', keyFile: join(dir, 'a.example_b.key') });
    expect(statSync(join(dir, 'a.example_b.key')).mode & 0o777).toBe(0o600);
  });
});

describe('append', () => {
  it('appends one step and reports it (--json shape)', async () => {
    const r = await ct(['append', 'scratch.ledger', '--case', 'X', '--type', 't', '--actor', 'a'], {});
    expect(r.code).toBe(3); // no such ledger yet
    expect((await ct(['init', 'scratch.ledger', '--origin', 'example.org/scratch'])).code).toBe(0);
    const ok = await ct(['append', 'scratch.ledger', '--case', 'X', '--type', 't', '--actor', 'a', '--data', '{"n":1}', '--json']);
    expect(ok.code).toBe(0);
    expect(Object.keys(json(ok)).sort()).toEqual(['alerts', 'case', 'checkpointed', 'duplicate', 'leafHash', 'seq', 'step', 'time', 'timeIso', 'treeSize']);
    expect(json(ok)).toMatchObject({ seq: 0, case: 'X', step: 1, treeSize: 1, checkpointed: true, duplicate: false, alerts: [] });
  });

  it('bulk --ndjson from a file and from stdin, committed in batches', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => JSON.stringify({ case: `B-${i % 2}`, type: 'step', actor: 'bot', data: { i }, ...(i === 0 ? { time: '2030-01-01T00:00:00Z' } : {}) }));
    writeFileSync(join(dir, 'bulk.ndjson'), lines.join('\n') + '\n\n');
    const r = await ct(['append', 'scratch.ledger', '--ndjson', 'bulk.ndjson', '--batch-size', '3', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toEqual({ appended: 7, duplicates: 0, batches: 3, firstSeq: 1, lastSeq: 7, treeSize: 8, alerts: 0 });
    const s = await ct(['append', 'scratch.ledger', '--ndjson', '-'], { stdin: lines.slice(0, 2).join('\n') });
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/appended 2 entries \(8 to 9\)/);
  });

  it('a bad NDJSON line names its line and what was committed before it', async () => {
    const lines = [
      JSON.stringify({ case: 'D', type: 'x', actor: 'a' }),
      JSON.stringify({ case: 'D', type: 'x', actor: 'a' }),
      JSON.stringify({ case: 'D', type: 'x', actor: 'a' }),
      JSON.stringify({ case: 'D', type: 'x', actor: 'a', colour: 'red' }),
    ];
    writeFileSync(join(dir, 'bad.ndjson'), lines.join('\n'));
    const r = await ct(['append', 'scratch.ledger', '--ndjson', 'bad.ndjson', '--batch-size', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 4: unknown key "colour"/);
    expect(r.err).toMatch(/lines 1 to 2 were committed .* continue from line 3/);
  });

  const failures: Array<[string, string[], number, RegExp, Record<string, string>?]> = [
    ['invalid --data JSON', ['--case', 'C', '--type', 't', '--actor', 'a', '--data', '{nope}'], 2, /--data is not valid JSON/],
    ['no --case', ['--type', 't', '--actor', 'a'], 2, /needs --case, --type and --actor/],
    ['--ndjson with --case', ['--ndjson', 'bulk.ndjson', '--case', 'C'], 2, /--ndjson takes every field from the file/],
    ['a reserved type', ['--case', 'C', '--type', 'casetrail.redaction', '--actor', 'a'], 2, /reserved|redact\(\)/],
    ['a bad --time', ['--case', 'C', '--type', 't', '--actor', 'a', '--time', 'yesterday'], 2, /--time must be an ISO 8601/],
    ['a time before the latest entry', ['--case', 'C', '--type', 't', '--actor', 'a', '--time', '2000-01-01'], 2, /TIME_ORDER/],
    ['a control character in the case id', ['--case', 'C\u0007', '--type', 't', '--actor', 'a'], 2, /control character/],
    ['a missing --data-file', ['--case', 'C', '--type', 't', '--actor', 'a', '--data-file', 'nope.json'], 3, /does not exist/],
    ['a missing --sign-with key', ['--case', 'C', '--type', 't', '--actor', 'a', '--sign-with', 'nope.key'], 3, /KEY_FILE/],
    ['a --batch-size of 0', ['--ndjson', 'bulk.ndjson', '--batch-size', '0'], 2, /--batch-size must be a whole number of at least 1/],
  ];
  it.each(failures)('refuses %s', async (_n, argv, code, message) => {
    const r = await ct(['append', 'scratch.ledger', ...argv]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('without a signing key, says how to give one; with CASETRAIL_KEY_FILE it works', async () => {
    copyFileSync(join(dir, 'scratch.ledger'), join(dir, 'keyless.ledger'));
    const r = await ct(['append', 'keyless.ledger', '--case', 'C', '--type', 't', '--actor', 'a']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pass --key-file <path>, set CASETRAIL_KEY_FILE/);
    const ok = await ct(['append', 'keyless.ledger', '--case', 'C', '--type', 't', '--actor', 'a'], { env: { CASETRAIL_KEY_FILE: 'scratch.ledger.key' } });
    expect(ok.code).toBe(0);
    const wrong = await ct(['append', 'keyless.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--key-file', 'cases.ledger.key']);
    expect(wrong.code).toBe(3);
    expect(wrong.err).toMatch(/KEY_MISMATCH/);
  });

  it('refuses a checkpoint key file readable by others, naming the fix', async () => {
    copyFileSync(join(dir, 'scratch.ledger.key'), join(dir, 'loose.key'));
    chmodSync(join(dir, 'loose.key'), 0o640);
    const r = await ct(['append', 'scratch.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--key-file', 'loose.key']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/KEY_FILE_PERMISSIONS.*readable by others.*chmod 600 .*loose\.key/);
  });
});

describe('log, show, trace', () => {
  it('log prints an aligned table without colour when not on a terminal', async () => {
    const r = await ct(['log', 'cases.ledger']);
    expect(r.code).toBe(0);
    const rows = r.out.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^SEQ\s+TIME\s+CASE\s+STEP\s+TYPE\s+ACTOR\s+DATA$/);
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((l) => l.indexOf('2024-')).filter((i) => i > 0)).size).toBe(1);
    expect(r.out).not.toContain('\x1b[');
  });

  const filters: Array<[string, string[], number[]]> = [
    ['--case', ['--case', 'C-1'], [0, 2, 3, 5]],
    ['--type', ['--type', 'opened'], [0, 1]],
    ['--actor', ['--actor', 'officer-7'], [2, 3]],
    ['--since', ['--since', '2024-05-03'], [3, 4, 5]],
    ['--until', ['--until', '2024-05-02T09:00:00Z'], [0, 1]],
    ['--since and --until (ms)', ['--since', String(Date.UTC(2024, 4, 2)), '--until', String(Date.UTC(2024, 4, 3, 9, 30))], [2, 3]],
    ['--after', ['--after', '3'], [4, 5]],
    ['--limit', ['--limit', '2'], [0, 1]],
    ['no match', ['--case', 'nope'], []],
  ];
  it.each(filters)('log %s (--json)', async (_n, argv, seqs) => {
    const r = await ct(['log', 'cases.ledger', ...argv, '--json']);
    expect(r.code).toBe(0);
    expect(json(r).entries.map((e: { seq: number }) => e.seq)).toEqual(seqs);
  });

  it('log --json pages with next, --ndjson streams one entry object per line', async () => {
    const page = json(await ct(['log', 'cases.ledger', '--limit', '4', '--json']));
    expect(page.next).toBe(3);
    const e = page.entries[2];
    expect(Object.keys(e).sort()).toEqual(['actor', 'case', 'casePrev', 'commit', 'data', 'issues', 'leafHash', 'nonce', 'ok', 'payload', 'prev', 'redacted', 'seq', 'signatures', 'step', 'time', 'timeIso', 'type', 'version']);
    expect(e).toMatchObject({ ok: true, issues: [], payload: 'present', version: 2 });
    expect(e).toMatchObject({ seq: 2, case: 'C-1', step: 2, type: 'review', data: { ok: true }, redacted: false, timeIso: '2024-05-02T09:00:00.000Z' });
    expect(e.signatures).toHaveLength(1);
    const nd = await ct(['log', 'cases.ledger', '--ndjson']);
    const objs = nd.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(objs[3]).toEqual(page.entries[3]);
  });

  const logFailures: Array<[string, string[], number, RegExp]> = [
    ['a bad --since', ['--since', 'last week'], 2, /--since must be an ISO 8601/],
    ['--limit 0', ['--limit', '0'], 2, /--limit must be a whole number of at least 1/],
    ['--json with --ndjson', ['--json', '--ndjson'], 2, /not both/],
    ['--until before --since', ['--since', '2024-05-03', '--until', '2024-05-01'], 2, /--until is before --since/],
    ['a missing ledger', ['--case', 'x'], 3, /LEDGER_NOT_FOUND/],
  ];
  it.each(logFailures)('log refuses %s', async (n, argv, code, message) => {
    const r = await ct(['log', n === 'a missing ledger' ? 'missing.ledger' : 'cases.ledger', ...argv]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('show prints every field; --json is the entry object; a missing seq is a usage error', async () => {
    const r = await ct(['show', 'cases.ledger', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/entry 3\n\s+case\s+C-1 \(step 3\)\n\s+type\s+decision/);
    expect(r.out).toContain('"decision": "approved"');
    expect(json(await ct(['show', 'cases.ledger', '3', '--json']))).toMatchObject({ seq: 3, data: { decision: 'approved', amount: 1200 } });
    const missing = await ct(['show', 'cases.ledger', '99', '--json']);
    expect(missing.code).toBe(2);
    expect(json(missing)).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('no entry 99'), exitCode: 2 } });
    expect((await ct(['show', 'cases.ledger', 'three'])).code).toBe(2);
  });

  it('trace shows the timeline and checks the chain', async () => {
    const r = await ct(['trace', 'cases.ledger', 'C-1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/case C-1.*4 step/);
    expect(r.out).toMatch(/✔ per-case chain intact/);
    const j = json(await ct(['trace', 'cases.ledger', 'C-1', '--json']));
    expect(j.ok).toBe(true);
    expect(j.steps.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 4]);
    expect((await ct(['trace', 'cases.ledger', 'nope'])).code).toBe(2);
  });
});

describe('verify', () => {
  it('verifies the ledger (human summary, and the report with --json)', async () => {
    const r = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✔ OK: 6 entries verified/);
    const j = json(await ct(['verify', 'cases.ledger', '--vkey', vkey, '--json']));
    expect(j).toMatchObject({ ok: true, mode: 'full', origin: ORIGIN, size: 6, signedSize: 6, issues: [] });
    expect(j.checked).toMatchObject({ entries: 6, payloads: 6, actorSignatures: 1, checkpoints: 6 });
  });

  // Issue 8.4: a trusted checkpoint no longer makes verification incremental; --incremental does.
  it('verifies incrementally from a checkpoint saved earlier, with --incremental', async () => {
    const j = json(await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey', '--checkpoint', 'old.checkpoint', '--incremental', '--json']));
    expect(j).toMatchObject({ ok: true, mode: 'incremental', trusted: { size: 3, extended: true } });
    expect(j.checked.entries).toBe(3);
    const full = json(await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey', '--checkpoint', 'old.checkpoint', '--full', '--json']));
    expect(full).toMatchObject({ ok: true, mode: 'full', trusted: { size: 3, extended: true } });
  });

  const tampering: Array<[string, (t: string) => string, string]> = [
    ['a payload byte', (t) => `UPDATE ${t} SET data = CAST(replace(CAST(data AS TEXT), 'approved', 'approveD') AS BLOB) WHERE seq = 3`, 'PAYLOAD_COMMITMENT_MISMATCH'],
    ['an entry deleted', () => 'DELETE FROM entries WHERE seq = 5', 'CHECKPOINT_BEYOND_LEDGER'],
    ['an index column', () => "UPDATE entries SET actor = 'someone-else' WHERE seq = 2", 'INDEX_MISMATCH'],
    ['a payload deleted', (t) => (t === 'payloads' ? 'DELETE FROM payloads WHERE seq = 1' : 'UPDATE entries SET data = NULL, salt = NULL WHERE seq = 1'), 'PAYLOAD_MISSING'],
  ];
  it.each(tampering)('exits 1 and names the problem when %s is changed', async (_n, sql, code) => {
    const file = `t-${code}.ledger`;
    copyFileSync(join(dir, 'cases.ledger'), join(dir, file));
    tamper(join(dir, file), sql);
    const r = await ct(['verify', file, '--vkey', 'cases.vkey']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`✘ ${code}`);
    expect(r.out).toMatch(/✘ FAILED/);
    const j = json(await ct(['verify', file, '--vkey', 'cases.vkey', '--json']));
    expect(j.ok).toBe(false);
    expect(j.issues.map((i: { code: string }) => i.code)).toContain(code);
  });

  it('trace finds a tampered payload in its case (exit 1)', async () => {
    const r = await ct(['trace', `t-PAYLOAD_COMMITMENT_MISMATCH.ledger`, 'C-1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH at entry 3/);
  });

  it('a rolled-back ledger fails against a checkpoint saved before', async () => {
    copyFileSync(join(dir, 'cases.ledger'), join(dir, 'rollback.ledger'));
    tamper(join(dir, 'rollback.ledger'), (t) => `DELETE FROM entries WHERE seq >= 2; DELETE FROM checkpoints WHERE size >= 3; ${t === 'payloads' ? 'DELETE FROM payloads WHERE seq >= 2; DELETE FROM nodes;' : ''}`);
    const r = await ct(['verify', 'rollback.ledger', '--vkey', 'cases.vkey', '--checkpoint', 'old.checkpoint', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).issues.map((i: { code: string }) => i.code)).toContain('TRUSTED_CHECKPOINT_BEYOND_LEDGER');
  });

  const failures: Array<[string, string[], number, RegExp]> = [
    ['a key of another ledger', ['cases.ledger', '--vkey', 'scratch.ledger.vkey'], 1, /META_MISMATCH/],
    ['a malformed key', ['cases.ledger', '--vkey', 'example.org/cases+00000000+AAAA'], 3, /MALFORMED_KEY/],
    ['a missing vkey file', ['cases.ledger', '--vkey', 'nope.vkey'], 3, /neither a verifier key .* nor an existing file/],
    ['no --vkey', ['cases.ledger'], 2, /required option '--vkey/],
    ['an empty --vkey', ['cases.ledger', '--vkey', ''], 2, /--vkey is empty/],
    ['a missing ledger', ['missing.ledger', '--vkey', 'cases.vkey'], 3, /LEDGER_NOT_FOUND.*casetrail init/],
    ['a file that is not a ledger', ['data.json', '--vkey', 'cases.vkey'], 3, /NOT_A_LEDGER/],
    ['--incremental without --checkpoint', ['cases.ledger', '--vkey', 'cases.vkey', '--incremental'], 2, /--incremental needs --checkpoint/],
    ['a checkpoint of another key', ['cases.ledger', '--vkey', 'cases.vkey', '--checkpoint', 'scratch.checkpoint'], 1, /TRUSTED_CHECKPOINT_INVALID/],
  ];
  it.each(failures)('with %s', async (_n, argv, code, message) => {
    if (!existsSync(join(dir, 'scratch.ledger.vkey'))) {
      writeFileSync(join(dir, 'scratch.ledger.vkey'), json(await ct(['init', 'scratch2.ledger', '--origin', 'example.org/scratch2', '--json'])).vkey);
      expect((await ct(['checkpoint', 'scratch.ledger', '--out', 'scratch.checkpoint'])).code).toBe(0);
    }
    const r = await ct(['verify', ...argv]);
    expect(r.code).toBe(code);
    expect(r.out + r.err).toMatch(message);
  });

  it('draws progress on stderr and colour on stdout only on a terminal, and honours NO_COLOR', async () => {
    const tty = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey'], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.out).toContain('\x1b[32m✔ OK');
    expect(tty.err).toContain('verifying [');
    const noColor = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.out).not.toContain('\x1b[');
    const plain = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(plain.err).toBe('');
  });
});

describe('checkpoint, prove, verify-proof', () => {
  it('checkpoint prints the stored note byte for byte', async () => {
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { readonly: true });
    const stored = (await l.latestCheckpoint())!.note;
    await l.close();
    const r = await ct(['checkpoint', 'cases.ledger']);
    expect(r.out).toBe(stored);
    expect((await ct(['checkpoint', 'cases.ledger', '--out', 'latest.checkpoint'])).code).toBe(0);
    expect(readFileSync(join(dir, 'latest.checkpoint'), 'utf8')).toBe(stored);
    const j = json(await ct(['checkpoint', 'cases.ledger', '--json']));
    expect(j).toMatchObject({ origin: ORIGIN, size: 6, note: stored, cosignatures: 0 });
    expect(Object.keys(j).sort()).toEqual(['cosignatures', 'note', 'origin', 'root', 'rootBase64', 'size']);
  });

  it('--out never overwrites a ledger or its WAL files', async () => {
    const before = readFileSync(join(dir, 'cases.ledger'));
    const cases: string[][] = [
      ['checkpoint', 'cases.ledger', '--out', 'cases.ledger'],
      ['prove', 'cases.ledger', '0', '--out', 'cases.ledger'],
      ['consistency', 'cases.ledger', '--from', '1', '--out', 'cases.ledger'],
      ['export', 'cases.ledger', '--out', 'cases.ledger'],
      ['prove', 'cases.ledger', '0', '--out', 'cases.ledger-wal'],
    ];
    for (const argv of cases) {
      const r = await ct(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/refusing to overwrite|choose another output file/);
    }
    expect(readFileSync(join(dir, 'cases.ledger')).equals(before)).toBe(true);
  });

  it('checkpoint --sign signs the unsigned tail; without it a warning says so', async () => {
    expect((await ct(['init', 'manual.ledger', '--origin', 'example.org/manual'])).code).toBe(0);
    const none = await ct(['checkpoint', 'manual.ledger']);
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/no signed checkpoint yet.*--sign/);
    const signed = await ct(['checkpoint', 'manual.ledger', '--sign', '--json']);
    expect(signed.code).toBe(0);
    expect(json(signed).size).toBe(0);
  });

  it('prove writes a tlog-proof that both verifiers accept', async () => {
    const r = await ct(['prove', 'cases.ledger', '3']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('c2sp.org/tlog-proof@v1\nextra ')).toBe(true);
    const ind = indCheckTlogProof(r.out, vkey);
    expect(ind.index).toBe(3n);
    expect(ind.size).toBe(6n);
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { readonly: true });
    expect(new Uint8Array(ind.extra!)).toEqual((await l.get(3)).bytes);
    await l.close();
    expect((await ct(['prove', 'cases.ledger', '3', '--out', 'e3.tlog-proof'])).code).toBe(0);
    expect(readFileSync(join(dir, 'e3.tlog-proof'), 'utf8')).toBe(r.out);
    const v = await ct(['verify-proof', 'e3.tlog-proof', '--vkey', 'cases.vkey']);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/✔ entry 3 is in the tree of 6 entries signed by example\.org\/cases/);
    const j = json(await ct(['verify-proof', '-', '--vkey', vkey, '--json'], { stdin: r.out }));
    expect(j).toMatchObject({ ok: true, index: 3, treeSize: 6, entry: { seq: 3, case: 'C-1', step: 3, type: 'decision' } });
  });

  it('prove in an older tree size that has a checkpoint', async () => {
    const r = await ct(['prove', 'cases.ledger', '1', '--size', '3', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ seq: 1, treeSize: 3 });
    expect(indCheckTlogProof(json(r).tlogProof, vkey).size).toBe(3n);
  });

  const proofTampering: Array<[string, (t: string) => string, RegExp]> = [
    ['a proof hash changed', (t) => t.replace(/\nindex 3\n(.)/, (_m, c: string) => `\nindex 3\n${c === 'A' ? 'B' : 'A'}`), /PROOF_INVALID/],
    ['the index changed', (t) => t.replace('\nindex 3\n', '\nindex 2\n'), /PROOF_INVALID/],
    ['the checkpoint size changed', (t) => t.replace(/\n\nexample\.org\/cases\n6\n/, '\n\nexample.org/cases\n7\n'), /INVALID_SIGNATURE/],
    ['the header changed', (t) => t.replace('@v1', '@v2'), /MALFORMED_PROOF/],
    ['the entry bytes changed', (t) => t.replace(/\nextra (..)/, (_m, c: string) => `\nextra ${c === 'qg' ? 'qw' : 'qg'}`), /PROOF_INVALID|MALFORMED/],
  ];
  it.each(proofTampering)('verify-proof exits 1 when %s', async (_n, change, message) => {
    const text = readFileSync(join(dir, 'e3.tlog-proof'), 'utf8');
    writeFileSync(join(dir, 'bad.tlog-proof'), change(text));
    const r = await ct(['verify-proof', 'bad.tlog-proof', '--vkey', 'cases.vkey', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(json(r).ok).toBe(false);
  });

  const proveFailures: Array<[string, string[], number, RegExp]> = [
    ['an entry beyond the ledger', ['prove', 'cases.ledger', '60'], 2, /there is no entry 60: the ledger has 6 entries/],
    ['a size without a checkpoint', ['prove', 'cases.ledger', '1', '--size', '60'], 2, /no signed checkpoint of size 60/],
    ['a missing proof file', ['verify-proof', 'none.tlog-proof', '--vkey', 'cases.vkey'], 3, /does not exist/],
    ['another key', ['verify-proof', 'e3.tlog-proof', '--vkey', 'scratch.ledger.vkey'], 1, /UNKNOWN_KEY/],
  ];
  it.each(proveFailures)('%s', async (_n, argv, code, message) => {
    const r = await ct(argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});

describe('consistency, verify-consistency', () => {
  it('writes an add-checkpoint body from a saved checkpoint, checked by both verifiers', async () => {
    const r = await ct(['consistency', 'cases.ledger', '--from', 'old.checkpoint', '--vkey', 'cases.vkey']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('old 3\n')).toBe(true);
    const old = core.openCheckpoint(oldCheckpoint, [core.parseVerifierKey(vkey)]);
    expect(indCheckWitnessBody(r.out, vkey, { size: 3n, root: old.root }).size).toBe(6n);
    writeFileSync(join(dir, 'add.body'), r.out);
    const v = await ct(['verify-consistency', 'add.body', '--vkey', 'cases.vkey', '--from', 'old.checkpoint']);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/extends the trusted one of size 3/);
    const j = json(await ct(['consistency', 'cases.ledger', '--from', '2', '--to', '5', '--json']));
    expect(j).toMatchObject({ oldSize: 2, newSize: 5 });
    expect(j.body.startsWith('old 2\n')).toBe(true);
    const zero = await ct(['consistency', 'cases.ledger', '--from', '0']);
    expect(zero.out.startsWith('old 0\n\nexample.org/cases\n6\n')).toBe(true);
    expect((await ct(['verify-consistency', '-', '--vkey', 'cases.vkey', '--from', '0'], { stdin: zero.out })).code).toBe(0);
  });

  it('exits 1 when the ledger does not extend the checkpoint, or the body does not', async () => {
    // The key's state already names the checkpoints of cases.ledger: a second ledger under it is refused.
    const again = await ct(['init', 'forked.ledger', '--origin', ORIGIN, '--key-file', 'cases.ledger.key']);
    expect([again.code, again.err]).toEqual([3, expect.stringMatching(/SIGNER_STATE_EXISTS/)]);
    // A fork: another history signed with the same key (a copy, without its state) under the same origin.
    copyFileSync(join(dir, 'cases.ledger.key'), join(dir, 'fork.key'));
    chmodSync(join(dir, 'fork.key'), 0o600);
    expect((await ct(['init', 'forked.ledger', '--origin', ORIGIN, '--key-file', 'fork.key'])).code).toBe(0);
    for (const c of ['F-1', 'F-2', 'F-3', 'F-4']) expect((await ct(['append', 'forked.ledger', '--case', c, '--type', 'opened', '--actor', 'x', '--key-file', 'fork.key'])).code).toBe(0);
    const r = await ct(['consistency', 'forked.ledger', '--from', 'old.checkpoint', '--vkey', 'cases.vkey']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/INCONSISTENT.*does not match the earlier checkpoint: the history it covered was rewritten/);
    const body = readFileSync(join(dir, 'add.body'), 'utf8');
    writeFileSync(join(dir, 'bad.body'), body.replace(/^old 3\n(.)/, (_m, c: string) => `old 3\n${c === 'A' ? 'B' : 'A'}`));
    const v = await ct(['verify-consistency', 'bad.body', '--vkey', 'cases.vkey', '--from', 'old.checkpoint']);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/PROOF_INVALID/);
    const stale = await ct(['verify-consistency', 'add.body', '--vkey', 'cases.vkey', '--from', 'latest.checkpoint']);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/INCONSISTENT/);
    expect((await ct(['consistency', 'cases.ledger', '--from', '7'])).code).toBe(2);
    // A signed checkpoint larger than the ledger is evidence of a rollback.
    expect((await ct(['consistency', 'forked.ledger', '--from', 'latest.checkpoint'])).code).toBe(1);
    expect((await ct(['consistency', 'cases.ledger', '--from', '2', '--to', '60'])).err).toMatch(/no signed checkpoint of size 60/);
    expect((await ct(['consistency', 'cases.ledger', '--from', '5', '--to', '4'])).code).toBe(2);
  });
});

describe('export, verify-bundle', () => {
  it('exports a case and verifies it offline', async () => {
    const r = await ct(['export', 'cases.ledger', '--case', 'C-1', '--out', 'c1.bundle', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ entries: 4, payloads: true, checkpoint: { size: 6 }, filter: { case: 'C-1' }, unsigned: 0 });
    const v = await ct(['verify-bundle', 'c1.bundle', '--vkey', 'cases.vkey']);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/case C-1: steps 1 to 4/);
    expect(v.out).toMatch(/✔ OK: 4 entries proven/);
    const j = json(await ct(['verify-bundle', 'c1.bundle', '--vkey', 'cases.vkey', '--json']));
    expect(j).toMatchObject({ ok: true, entries: 4, cases: [{ caseId: 'C-1', firstStep: 1, lastStep: 4 }] });
  });

  it('exports the whole ledger to stdout, a time range, and without payloads', async () => {
    const all = await ct(['export', 'cases.ledger', '--out', '-']);
    expect(all.code).toBe(0);
    expect(all.out.split('\n')).toHaveLength(6 + 3);
    expect(all.err).toMatch(/exported 6 entries/);
    const v = json(await ct(['verify-bundle', '-', '--vkey', 'cases.vkey', '--json'], { stdin: all.out }));
    expect(v).toMatchObject({ ok: true, complete: true, entries: 6 });
    expect((await ct(['export', 'cases.ledger', '--since', '2024-05-02', '--until', '2024-05-03T12:00:00Z', '--no-payloads', '--out', 'range.bundle'])).code).toBe(0);
    const rv = json(await ct(['verify-bundle', 'range.bundle', '--vkey', 'cases.vkey', '--json']));
    expect(rv).toMatchObject({ ok: true, entries: 3, withheld: 3, payloads: false });
    expect(readFileSync(join(dir, 'range.bundle'), 'utf8')).not.toContain('"payload"');
  });

  it('verify-bundle exits 1 on a changed payload, a removed step, or another key', async () => {
    const text = readFileSync(join(dir, 'c1.bundle'), 'utf8');
    const ls = text.split('\n');
    const o = JSON.parse(ls[3]!);
    o.payload = Buffer.from(Buffer.from(o.payload, 'base64').toString().replace('approved', 'rejected')).toString('base64');
    writeFileSync(join(dir, 'changed.bundle'), [...ls.slice(0, 3), JSON.stringify(o), ...ls.slice(4)].join('\n'));
    const a = await ct(['verify-bundle', 'changed.bundle', '--vkey', 'cases.vkey']);
    expect(a.code).toBe(1);
    expect(a.out).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH \(line 4\): the payload of entry 3/);
    writeFileSync(join(dir, 'gap.bundle'), [...ls.slice(0, 2), ...ls.slice(3)].join('\n'));
    const b = json(await ct(['verify-bundle', 'gap.bundle', '--vkey', 'cases.vkey', '--json']));
    expect(b.ok).toBe(false);
    expect(b.issues.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining(['CASE_STEP_MISMATCH', 'TRUNCATED']));
    expect((await ct(['verify-bundle', 'c1.bundle', '--vkey', 'scratch.ledger.vkey'])).code).toBe(1);
    expect((await ct(['verify-bundle', 'nope.bundle', '--vkey', 'cases.vkey'])).code).toBe(3);
  });

  it('refuses --json with --out -, and a ledger with no checkpoint', async () => {
    expect((await ct(['export', 'cases.ledger', '--out', '-', '--json'])).code).toBe(2);
    expect((await ct(['init', 'empty.ledger', '--origin', 'example.org/empty'])).code).toBe(0);
    const r = await ct(['export', 'empty.ledger', '--out', 'e.bundle']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no signed checkpoint/);
    expect(existsSync(join(dir, 'e.bundle'))).toBe(false);
  });
});

describe('redact', () => {
  it('erases a payload, records it, and everything still verifies', async () => {
    copyFileSync(join(dir, 'cases.ledger'), join(dir, 'redact.ledger'));
    // The ledger copied with its key and the key's signer state.
    for (const f of ['key', 'key.state']) {
      copyFileSync(join(dir, `cases.ledger.${f}`), join(dir, `redact.ledger.${f}`));
      chmodSync(join(dir, `redact.ledger.${f}`), 0o600);
    }
    const r = await ct(['redact', 'redact.ledger', '0', '--reason', 'GDPR art. 17', '--actor', 'dpo', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ redacted: 0, seq: 6, case: 'C-1', step: 5, treeSize: 7 });
    expect(json(await ct(['show', 'redact.ledger', '0', '--json']))).toMatchObject({ redacted: true, data: null });
    expect((await ct(['verify', 'redact.ledger', '--vkey', 'cases.vkey'])).code).toBe(0);
    expect((await ct(['export', 'redact.ledger', '--case', 'C-1', '--out', 'r.bundle'])).code).toBe(0);
    const v = json(await ct(['verify-bundle', 'r.bundle', '--vkey', 'cases.vkey', '--json']));
    expect(v).toMatchObject({ ok: true, redacted: 1 });
  });

  const failures: Array<[string, string[], number, RegExp]> = [
    ['an erased payload again', ['redact.ledger', '0', '--reason', 'again'], 2, /ALREADY_REDACTED/],
    ['a redaction record', ['redact.ledger', '6', '--reason', 'x'], 2, /NOT_REDACTABLE/],
    ['a missing entry', ['redact.ledger', '60', '--reason', 'x'], 2, /NOT_FOUND/],
    ['an empty reason', ['redact.ledger', '1', '--reason', ' '], 2, /--reason must say why/],
    ['no reason', ['redact.ledger', '1'], 2, /required option '--reason/],
  ];
  it.each(failures)('refuses %s', async (_n, argv, code, message) => {
    const r = await ct(['redact', ...argv]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});

describe('state (the signer state beside the key)', () => {
  /** A copy of cases.ledger and its key, without the key's state: a key moved to a new machine. */
  function moved(name: string): void {
    copyFileSync(join(dir, 'cases.ledger'), join(dir, `${name}.ledger`));
    copyFileSync(join(dir, 'cases.ledger.key'), join(dir, `${name}.ledger.key`));
    chmodSync(join(dir, `${name}.ledger.key`), 0o600);
  }

  it('a key without its state refuses to sign; `state adopt` verifies in full, says what, and adopts; the next append signs', async () => {
    moved('moved');
    const refused = await ct(['append', 'moved.ledger', '--case', 'C-9', '--type', 'opened', '--actor', 'x', '--json']);
    expect([refused.code, json(refused).error.code]).toEqual([3, 'SIGNER_STATE_MISSING']);
    expect(refused.err).toMatch(/casetrail state adopt/);
    expect((await ct(['state', 'show', 'moved.ledger'])).out).toMatch(/^no signer state at .*moved\.ledger\.key\.state\n$/);
    const human = await ct(['state', 'adopt', 'moved.ledger']);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^verified .*moved\.ledger in full under the key in .*: \d+ entries, .* — no issue\nadopted: .* now starts from the checkpoint of size \d+/);
    const size = (await core.verifyLedger(join(dir, 'moved.ledger'), { vkey })).size;
    const again = json(await ct(['state', 'adopt', 'moved.ledger', '--json']));
    expect(again).toMatchObject({ adopted: false, size, signed: { size } });
    expect((await ct(['append', 'moved.ledger', '--case', 'C-9', '--type', 'opened', '--actor', 'x'])).code).toBe(0);
    expect(json(await ct(['state', 'show', 'moved.ledger', '--json']))).toMatchObject({ origin: ORIGIN, signed: { size: size + 1 }, intended: null });
  });

  it('a ledger that does not verify is not adopted (exit 1, no state written); a state the file does not extend is not replaced', async () => {
    moved('bad');
    const db = new Database(join(dir, 'bad.ledger'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    db.exec("UPDATE entries SET actor = 'mallory' WHERE seq = 1");
    db.close();
    const r = await ct(['state', 'adopt', 'bad.ledger', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'VERIFICATION_FAILED']);
    expect(existsSync(join(dir, 'bad.ledger.key.state'))).toBe(false);

    moved('back');
    expect((await ct(['state', 'adopt', 'back.ledger'])).code).toBe(0);
    expect((await ct(['append', 'back.ledger', '--case', 'C-9', '--type', 'opened', '--actor', 'x'])).code).toBe(0);
    copyFileSync(join(dir, 'cases.ledger'), join(dir, 'back.ledger'));
    const before = readFileSync(join(dir, 'back.ledger.key.state'));
    const rolled = await ct(['state', 'adopt', 'back.ledger', '--json']);
    expect([rolled.code, json(rolled).error.code]).toEqual([1, 'LEDGER_ROLLED_BACK']);
    expect(readFileSync(join(dir, 'back.ledger.key.state')).equals(before)).toBe(true);
  });
});

describe('the program', () => {
  const commands = ['init', 'keygen', 'append', 'log', 'show', 'trace', 'verify', 'checkpoint', 'prove', 'verify-proof', 'consistency', 'verify-consistency', 'export', 'verify-bundle', 'redact', 'state'];
  it.each(commands)('%s --help shows usage, an example and --json (exit 0)', async (c) => {
    const r = await ct([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: casetrail ${c}`);
    expect(r.out).toMatch(/Example:\n  \$ casetrail /);
    expect(r.out).toContain('--json');
  });

  const usage: Array<[string, string[]]> = [
    ['no command', []],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['log', 'cases.ledger', '--colour']],
    ['a missing argument', ['show', 'cases.ledger']],
    ['an extra argument', ['log', 'cases.ledger', 'extra']],
  ];
  it.each(usage)('exits 2 for %s', async (_n, argv) => {
    const r = await ct(argv);
    expect(r.code).toBe(2);
    expect(r.err.length).toBeGreaterThan(0);
  });

  it('--version and --help exit 0', async () => {
    expect((await ct(['--version'])).out.trim()).toBe(cli.VERSION);
    expect((await ct(['--help'])).out).toMatch(/Exit codes: 0 ok, 1 verification failed/);
  });

  it('commands are plain functions callable without argv', async () => {
    const io = cli.captureIo({ cwd: dir });
    expect(await cli.verify({ ledger: 'cases.ledger', vkey, json: true }, io)).toBe(0);
    expect(JSON.parse(io.stdoutText()).ok).toBe(true);
    await expect(cli.show({ ledger: 'cases.ledger', seq: 99 }, io)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(cli.classify(new core.LedgerError('LEDGER_BUSY', 'locked')).exitCode).toBe(3);
    expect(cli.classify(new core.LedgerError('PROOF_INVALID', 'x')).exitCode).toBe(1);
    expect(cli.classify(new core.LedgerError('INVALID_ARGUMENT', 'x')).exitCode).toBe(2);
    expect(cli.classify(Object.assign(new Error('nospc'), { code: 'ENOSPC' })).message).toMatch(/disk is full/);
    // Other refusals of the operating system get one documented code; a coded error that is not the system's is a bug.
    expect(cli.classify(Object.assign(new Error('ENAMETOOLONG: name too long'), { code: 'ENAMETOOLONG', syscall: 'lstat' }))).toMatchObject({ exitCode: 3, code: 'FILE_ERROR', message: expect.stringMatching(/^ENAMETOOLONG: name too long/) });
    expect(cli.classify(Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR', syscall: 'open' })).code).toBe('FILE_ERROR');
    expect(cli.classify(Object.assign(new TypeError('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' }))).toMatchObject({ exitCode: 3, code: 'INTERNAL' });
    expect(await ct(['verify-proof', 'a\u0000b', '--vkey', vkey])).toMatchObject({ code: 2, err: expect.stringContaining('error [USAGE]: a path holds a NUL character') });
  });
});
