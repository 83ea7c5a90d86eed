/**
 * The oversight commands' contracts, table-driven: exit codes and codes of
 * `witness`, `cosign attach`, `checkpoint --size` and `monitor`, and what
 * a hostile input (a cosignature for another checkpoint, a body for another
 * log, a config with a private key) leads to: a refusal, nothing stored.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, ledgerState, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
let dir = '';
const ct = runner(cli, () => dir);
const json = (r: Result) => JSON.parse(r.out) as any;
afterAll(cleanup);

beforeAll(async () => {
  dir = tempDir();
  for (const u of ['a', 'b']) expect((await ct(['init', `${u}.ledger`, '--origin', `${u}.example/cases`, '--vkey-out', `${u}.vkey`])).code).toBe(0);
  for (let i = 0; i < 3; i++) expect((await ct(['append', 'a.ledger', '--case', 'C-1', '--type', 'step', '--actor', 'x'])).code).toBe(0);
  expect((await ct(['append', 'b.ledger', '--case', 'C-1', '--type', 'step', '--actor', 'x'])).code).toBe(0);
  const w = await ct(['witness', 'init', '--name', 'w.example/witness', '--state', 'w']);
  writeFileSync(join(dir, 'w.vkey'), w.out);
  expect((await ct(['witness', 'add-log', '--state', 'w', '--log-vkey', 'a.vkey'])).code).toBe(0);
  expect((await ct(['consistency', 'a.ledger', '--from', '0', '--to', '2', '--out', 'a2.body'])).code).toBe(0);
  expect((await ct(['consistency', 'b.ledger', '--from', '0', '--out', 'b1.body'])).code).toBe(0);
});

describe('witness add-checkpoint', () => {
  it('cosigns (exit 0), prints the line, writes --out; --json gives the HTTP status', async () => {
    const r = await ct(['witness', 'add-checkpoint', '--state', 'w', 'a2.body', '--out', 'a2.cosignature', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ ok: true, status: 200, origin: 'a.example/cases', size: 2, cosignature: expect.stringMatching(/^— w\.example\/witness /) });
    expect(readFileSync(join(dir, 'a2.cosignature'), 'utf8')).toBe(json(r).cosignature);
  });

  it.each([
    ['an unknown log', ['b1.body'], 3, 404, 'UNKNOWN_LOG'],
    ['an old size that is not the latest cosigned', ['a2.body'], 1, 409, 'OLD_SIZE_MISMATCH'],
    ['a log key it does not accept for the origin', ['a2.body', '--log-vkey', 'b.vkey'], 3, 404, 'UNKNOWN_LOG'],
  ] as const)('refuses %s', async (_n, args, exit, status, code) => {
    const r = await ct(['witness', 'add-checkpoint', '--state', 'w', ...args, '--json']);
    expect(r.code).toBe(exit);
    expect(json(r)).toMatchObject({ ok: false, status, error: { code, exitCode: exit } });
    const human = await ct(['witness', 'add-checkpoint', '--state', 'w', ...args]);
    expect(human.err).toMatch(new RegExp(`refused, HTTP ${status} \\[${code}\\]`));
    expect(human.out).toBe('');
  });

  it('a state directory that is not a witness is operational (exit 3); a body over its limit fails closed (exit 1)', async () => {
    expect((await ct(['witness', 'add-checkpoint', '--state', 'nowhere', 'a2.body'])).code).toBe(3);
    writeFileSync(join(dir, 'huge.body'), Buffer.alloc(1_048_576 + 4097, 0x41));
    const r = await ct(['witness', 'add-checkpoint', '--state', 'w', 'huge.body', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'INPUT_TOO_LARGE']);
  });
});

describe('two witness processes', () => {
  it('never both cosign from one old size: the lock makes one check-and-write wait for the other', async () => {
    expect((await ct(['init', 'r.ledger', '--origin', 'r.example/cases', '--vkey-out', 'r.vkey'])).code).toBe(0);
    for (let i = 0; i < 6; i++) expect((await ct(['append', 'r.ledger', '--case', 'C-2', '--type', 'step', '--actor', 'x'])).code).toBe(0);
    expect((await ct(['witness', 'init', '--name', 'race.example/witness', '--state', 'race'])).code).toBe(0);
    expect((await ct(['witness', 'add-log', '--state', 'race', '--log-vkey', 'r.vkey'])).code).toBe(0);
    expect((await ct(['consistency', 'r.ledger', '--from', '0', '--to', '2', '--out', 'r2.body'])).code).toBe(0);
    expect((await ct(['witness', 'add-checkpoint', '--state', 'race', 'r2.body'])).code).toBe(0);
    const sizes = [3, 4, 5, 6];
    for (const n of sizes) expect((await ct(['consistency', 'r.ledger', '--from', '2', '--to', String(n), '--out', `race-${n}.body`])).code).toBe(0);
    const codes = await Promise.all(
      sizes.map(
        (n) =>
          new Promise<number>((resolve) => {
            const p = spawn(process.execPath, [binPath, 'witness', 'add-checkpoint', '--state', 'race', `race-${n}.body`], { cwd: dir, stdio: 'ignore' });
            p.on('close', (code) => resolve(code ?? -1));
          }),
      ),
    );
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 1)).toHaveLength(3);
    const shown = json(await ct(['witness', 'show', '--state', 'race', '--json']));
    expect(shown.logs[0].latest.size).toBe(sizes[codes.indexOf(0)]);
  });
});

describe('cosign attach', () => {
  it('refuses, storing nothing: a line for another checkpoint, by another key, not a cosignature, a size the ledger lacks', async () => {
    const before = await ledgerState(join(dir, 'a.ledger'));
    const cases: Array<[string, string[], number, string]> = [
      ['a line for another checkpoint (the latest, size 3)', ['a.ledger', 'a2.cosignature', '--witness', 'w.vkey'], 1, 'INVALID_SIGNATURE'],
      ['a line by a key not given', ['a.ledger', 'a2.cosignature', '--witness', 'a.vkey', '--size', '2'], 3, 'MALFORMED_KEY'],
      ['a file without a cosignature', ['a.ledger', 'a.vkey', '--witness', 'w.vkey'], 1, 'MALFORMED_NOTE'],
      ['a size the ledger holds no checkpoint of', ['a.ledger', 'a2.cosignature', '--witness', 'w.vkey', '--size', '9'], 2, 'NOT_FOUND'],
      ["another ledger's checkpoint named by --for", ['a.ledger', 'a2.cosignature', '--witness', 'w.vkey', '--for', 'b1.body'], 2, 'NOT_FOUND'],
    ];
    for (const [name, argv, exit, code] of cases) {
      const r = await ct(['cosign', 'attach', ...argv, '--json']);
      expect([name, r.code, json(r).error.code]).toEqual([name, exit, code]);
    }
    expect(await ledgerState(join(dir, 'a.ledger'))).toEqual(before);
  });

  it('stores the line with the checkpoint named by --for; checkpoint --size prints it with its cosignature', async () => {
    const r = await ct(['cosign', 'attach', 'a.ledger', 'a2.cosignature', '--witness', 'w.vkey', '--for', 'a2.body', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ size: 2, attached: [{ name: 'w.example/witness' }], ignored: 0 });
    const cp = await ct(['checkpoint', 'a.ledger', '--size', '2']);
    expect(cp.out.endsWith(readFileSync(join(dir, 'a2.cosignature'), 'utf8'))).toBe(true);
    expect((await ct(['checkpoint', 'a.ledger', '--size', '7'])).code).toBe(2);
    // Attached twice: kept once.
    expect((await ct(['cosign', 'attach', 'a.ledger', 'a2.cosignature', '--witness', 'w.vkey', '--size', '2'])).code).toBe(0);
    expect(json(await ct(['checkpoint', 'a.ledger', '--size', '2', '--json'])).cosignatures).toBe(1);
  });

  it('refuses a cosignature of a tree of that size the ledger does not hold (INCONSISTENT)', async () => {
    // Another ledger under a's key, with another first entry: its checkpoint of size 2 differs. The key holder
    // copies the key, so that its signer state (beside the key file, format.md §10) does not refuse the fork.
    writeFileSync(join(dir, 'a-other.key'), readFileSync(join(dir, 'a.ledger.key')), { mode: 0o600 });
    expect((await ct(['init', 'a-other.ledger', '--origin', 'a.example/cases', '--key-file', 'a-other.key'])).code).toBe(0);
    for (let i = 0; i < 2; i++) expect((await ct(['append', 'a-other.ledger', '--case', 'Z', '--type', 'other', '--actor', 'y', '--key-file', 'a-other.key'])).code).toBe(0);
    const r = await ct(['cosign', 'attach', 'a-other.ledger', 'a2.cosignature', '--witness', 'w.vkey', '--for', 'a2.body', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'INCONSISTENT']);
  });
});

describe('verify with a witness policy', () => {
  it('meets it on the checkpoint cosigned, names what is missing otherwise', async () => {
    const ok = await ct(['verify', 'a.ledger', '--vkey', 'a.vkey', '--witness', 'w.vkey']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/witnessed\s+checkpoint of size 2 cosigned by 1 of 1 witness\(es\) \(quorum 1\): w\.example\/witness at .*; entries 2 to 2 are not witnessed yet/);
    const none = await ct(['verify', 'b.ledger', '--vkey', 'b.vkey', '--witness', 'w.vkey', '--json']);
    expect(none.code).toBe(1);
    expect(json(none).issues.map((i: any) => i.code)).toEqual(['WITNESS_QUORUM_NOT_MET']);
    expect((await ct(['verify', 'a.ledger', '--vkey', 'a.vkey', '--witness-quorum', '1'])).code).toBe(2);
    expect((await ct(['verify', 'a.ledger', '--vkey', 'a.vkey', '--witness', 'w.vkey', '--witness-quorum', '2'])).code).toBe(2);
  });
});

describe('monitor', () => {
  it.each([
    ['--once with --every', ['m.yaml', '--once', '--every', '1s'], 'USAGE'],
    ['a bad --every', ['m.yaml', '--every', 'soon'], 'CONFIG_INVALID'],
    ['--rounds without --every', ['m.yaml', '--rounds', '2'], 'USAGE'],
    ['a config with a private key', ['bad.yaml'], 'CONFIG_INVALID'],
  ])('refuses %s (exit 2)', async (_n, argv, code) => {
    writeFileSync(join(dir, 'm.yaml'), 'state: ./ms\nledgers:\n  - {unit: a, ledger: a.ledger, vkey: a.vkey}\n');
    writeFileSync(join(dir, 'bad.yaml'), `state: ./ms\nledgers:\n  - {unit: a, ledger: a.ledger, vkey: ${readFileSync(join(dir, 'a.ledger.key'), 'utf8').trim()}}\n`);
    const r = await ct(['monitor', ...argv, '--json']);
    expect(r.code).toBe(2);
    expect(json(r).error.code).toBe(code);
    // The key's base64 part, whole: it may itself hold a '+' (PRIVATE+KEY+<name>+<hash>+<base64>).
    expect(r.out + r.err).not.toContain(readFileSync(join(dir, 'a.ledger.key'), 'utf8').trim().split('+').slice(4).join('+'));
  });
});
