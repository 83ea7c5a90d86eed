/**
 * End-to-end: the real binary (`node packages/cli/dist/bin.js`) in child
 * processes: exit codes, byte-exact checkpoint and proof files, --json shapes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, repoRoot, requireBuild, tempDir } from './helpers.js';

requireBuild();
const core = await import('@casetrail/core');
const { indCheckTlogProof, indCheckWitnessBody } = await import('../../core/test/helpers/independent-tlog.js');

let dir: string;

function ct(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [binPath, ...args], { cwd: dir, input, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = tempDir();
});
afterAll(cleanup);

describe('the casetrail binary', () => {
  it('records a case, verifies it, and exits 1 with a precise message after one byte is changed', () => {
    const init = ct(['init', 'demo.ledger', '--origin', 'example.org/demo']);
    expect(init.code).toBe(0);
    const vkey = init.out.trim();
    expect(statSync(join(dir, 'demo.ledger.key')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'demo.vkey'), init.out);
    const steps = [
      ['opened', '{"applicant":"A. Example"}'],
      ['evidence-added', '{"doc":"floor plan"}'],
      ['decision', '{"decision":"approved"}'],
      ['closed', '{}'],
    ];
    for (const [type, data] of steps) expect(ct(['append', 'demo.ledger', '--case', 'P-1', '--type', type!, '--actor', 'clerk', '--data', data!]).code).toBe(0);
    const ok = ct(['verify', 'demo.ledger', '--vkey', 'demo.vkey', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, size: 4, signedSize: 4, issues: [] });

    const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(join(dir, 'demo.ledger'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'payloads'").get() ? 'payloads' : 'entries';
    db.exec(`UPDATE ${table} SET data = CAST(replace(CAST(data AS TEXT), 'approved', 'approveD') AS BLOB) WHERE seq = 2`);
    db.close();

    const bad = ct(['verify', 'demo.ledger', '--vkey', vkey]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH \[entry 2[^\]]*\]: the payload of entry 2 does not match its commitment/);
    expect(bad.out).not.toContain('\x1b[');
  });

  it('writes checkpoint and proof files byte for byte as the library does', async () => {
    ct(['init', 'p.ledger', '--origin', 'example.org/p']);
    for (let i = 0; i < 5; i++) ct(['append', 'p.ledger', '--case', `C-${i % 2}`, '--type', 'step', '--actor', 'a', '--data', JSON.stringify({ i })]);
    const l = await core.Ledger.open(join(dir, 'p.ledger'), { readonly: true });
    const cp = (await l.latestCheckpoint())!;
    const entry = await l.get(3);
    const proof = await l.proveInclusion(3, cp.size);
    await l.close();

    const out = ct(['checkpoint', 'p.ledger']);
    expect(out.code).toBe(0);
    expect(out.out).toBe(cp.note);
    expect(ct(['checkpoint', 'p.ledger', '--out', 'p.checkpoint']).code).toBe(0);
    expect(readFileSync(join(dir, 'p.checkpoint'))).toEqual(Buffer.from(cp.note, 'utf8'));

    expect(ct(['prove', 'p.ledger', '3', '--out', 'p3.tlog-proof']).code).toBe(0);
    const expected = core.formatTlogProof({ index: 3, proof: proof.proof, checkpoint: cp.note, extra: entry.bytes });
    expect(readFileSync(join(dir, 'p3.tlog-proof'), 'utf8')).toBe(expected);
    const vkey = core.formatVerifierKey('example.org/p', core.parseSignerKey(readFileSync(join(dir, 'p.ledger.key'), 'utf8').trim()).publicKey);
    expect(indCheckTlogProof(expected, vkey).index).toBe(3n);
    const vp = ct(['verify-proof', 'p3.tlog-proof', '--vkey', vkey, '--json']);
    expect(vp.code).toBe(0);
    expect(JSON.parse(vp.out)).toMatchObject({ ok: true, index: 3, treeSize: 5, entry: { seq: 3, case: 'C-1', step: 2 } });

    ct(['append', 'p.ledger', '--case', 'C-9', '--type', 'step', '--actor', 'a']);
    const body = ct(['consistency', 'p.ledger', '--from', 'p.checkpoint', '--vkey', vkey]);
    expect(body.code).toBe(0);
    expect(indCheckWitnessBody(body.out, vkey, { size: 5n, root: cp.root }).size).toBe(6n);
  });

  it('exports and verifies a bundle; --json documents parse', () => {
    ct(['init', 'b.ledger', '--origin', 'example.org/b']);
    ct(['append', 'b.ledger', '--ndjson', '-'], ['A', 'B', 'A', 'A'].map((c, i) => JSON.stringify({ case: c, type: `t${i}`, actor: 'x', data: { i } })).join('\n'));
    const vkey = ct(['checkpoint', 'b.ledger', '--json']);
    expect(JSON.parse(vkey.out)).toMatchObject({ origin: 'example.org/b', size: 4 });
    const key = core.formatVerifierKey('example.org/b', core.parseSignerKey(readFileSync(join(dir, 'b.ledger.key'), 'utf8').trim()).publicKey);
    const ex = ct(['export', 'b.ledger', '--case', 'A', '--out', 'a.bundle', '--json']);
    expect(ex.code).toBe(0);
    expect(JSON.parse(ex.out)).toMatchObject({ entries: 3, checkpoint: { size: 4 } });
    const vb = ct(['verify-bundle', 'a.bundle', '--vkey', key, '--json']);
    expect(vb.code).toBe(0);
    expect(JSON.parse(vb.out)).toMatchObject({ ok: true, entries: 3, cases: [{ caseId: 'A', firstStep: 1, lastStep: 3 }] });
    const log = ct(['log', 'b.ledger', '--ndjson']);
    expect(log.out.trimEnd().split('\n').map((l) => JSON.parse(l).seq)).toEqual([0, 1, 2, 3]);
  });

  const codes: Array<[string, string[], number]> = [
    ['usage: unknown option', ['log', 'demo.ledger', '--nope'], 2],
    ['usage: no command', [], 2],
    ['operational: missing ledger', ['log', 'missing.ledger'], 3],
    ['operational: missing proof file', ['verify-proof', 'missing.tlog-proof', '--vkey', 'demo.vkey'], 3],
    ['ok: help', ['verify', '--help'], 0],
  ];
  it.each(codes)('exit code for %s', (_n, args, code) => {
    const r = ct(args);
    expect(r.code).toBe(code);
    if (code !== 0) expect(r.err).not.toBe('');
  });

  it('--json errors are one JSON document on stdout', () => {
    const r = ct(['show', 'missing.ledger', '1', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'LEDGER_NOT_FOUND', exitCode: 3 } });
  });
});
