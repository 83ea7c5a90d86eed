/**
 * A bulk import that stops says exactly which lines were committed and is
 * resumed with --from-line without duplicates (issue 9.6).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, ledgerState, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');

let dir: string;
const ct = runner(cli, () => dir);
const line = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ case: `K-${i % 3}`, type: 'step', actor: 'importer', data: { i }, ...extra });

beforeAll(async () => {
  dir = tempDir();
  expect((await ct(['init', 'i.ledger', '--origin', 'example.org/import'])).code).toBe(0);
  expect((await ct(['append', 'i.ledger', '--case', 'OLD', '--type', 't', '--actor', 'a'])).code).toBe(0);
});
afterAll(cleanup);

describe('append --ndjson that stops', () => {
  // Lines 1-7 fine, line 8 has an unknown key, line 9 blank, 10-12 fine.
  const lines = [...[1, 2, 3, 4, 5, 6, 7].map((i) => line(i)), JSON.stringify({ case: 'K', type: 't', actor: 'a', colour: 'red' }), '', ...[10, 11, 12].map((i) => line(i))];

  it('reports each committed batch, the failing line and where to resume (--json and stderr)', async () => {
    writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
    const r = await ct(['append', 'i.ledger', '--ndjson', 'in.ndjson', '--batch-size', '3', '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out);
    expect(j).toEqual({
      ok: false,
      error: { code: 'USAGE', message: expect.stringMatching(/^line 8: unknown key "colour"/), exitCode: 2 },
      appended: 6,
      duplicates: 0,
      committed: [
        { firstLine: 1, lastLine: 3, firstSeq: 1, lastSeq: 3, duplicates: 0 },
        { firstLine: 4, lastLine: 6, firstSeq: 4, lastSeq: 6, duplicates: 0 },
      ],
      failedLine: 8,
      resumeFromLine: 7,
      treeSize: 7,
    });
    expect(r.err).toMatch(/lines 1 to 6 were committed before the error \(6 entries in 2 transaction\(s\): lines 1-3 as seq 1-3, lines 4-6 as seq 4-6\); nothing from line 7 on was committed; fix line 8 and continue from line 7: casetrail append i\.ledger --ndjson in\.ndjson --from-line 7/);
    expect((await ledgerState(join(dir, 'i.ledger'))).size).toBe(7);
  });

  it('resumes with --from-line after the input is fixed; every line is in the ledger once', async () => {
    lines[7] = line(8);
    writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
    const r = await ct(['append', 'i.ledger', '--ndjson', 'in.ndjson', '--batch-size', '3', '--from-line', '7', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ appended: 5, duplicates: 0, batches: 2, firstSeq: 7, lastSeq: 11, treeSize: 12, alerts: 0 });
    const all = (await ct(['log', 'i.ledger', '--actor', 'importer', '--ndjson'])).out.trimEnd().split('\n').map((l) => JSON.parse(l).data.i);
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]);
  });

  it('nothing committed: says so, and the same command runs again', async () => {
    writeFileSync(join(dir, 'bad-first.ndjson'), `${line(1)}\nnot json\n`);
    const before = await ledgerState(join(dir, 'i.ledger'));
    const r = await ct(['append', 'i.ledger', '--ndjson', 'bad-first.ndjson', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ appended: 0, committed: [], failedLine: 2, resumeFromLine: 1 });
    expect(r.err).toMatch(/nothing was committed; fix line 2 and run the same command again: casetrail append i\.ledger --ndjson bad-first\.ndjson\n/);
    expect(await ledgerState(join(dir, 'i.ledger'))).toEqual(before);
  });

  it('a time going back within the file names the line and shows ISO times', async () => {
    writeFileSync(join(dir, 'order.ndjson'), [line(1, { time: '2030-01-02' }), line(2, { time: '2030-01-01' })].join('\n'));
    const r = await ct(['append', 'i.ledger', '--ndjson', 'order.ndjson', '--tz', 'Asia/Shanghai']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error \[TIME_ORDER\]: line 2: "time" 2030-01-01T00:00:00\+08:00 is before 2030-01-02T00:00:00\+08:00/);
  });

  it('a line the ledger refuses names that line, not the library\'s steps[i]', async () => {
    const big = 'x'.repeat(1024 * 1024);
    writeFileSync(join(dir, 'big.ndjson'), [line(1), JSON.stringify({ case: 'K', type: 't', actor: 'a', data: big })].join('\n'));
    const r = await ct(['append', 'i.ledger', '--ndjson', 'big.ndjson']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 2: "data" is 1048578 bytes as stored JSON; the limit is 1048576/);
    expect(r.err).not.toMatch(/steps\[/);
  });

  it('a time before the ledger\'s latest entry names the line the ledger refused', async () => {
    writeFileSync(join(dir, 'old.ndjson'), [line(1, { time: '2020-01-01T00:00:00Z' }), line(2)].join('\n'));
    const before = await ledgerState(join(dir, 'i.ledger'));
    const r = await ct(['append', 'i.ledger', '--ndjson', 'old.ndjson', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'TIME_ORDER' }, failedLine: 1, committed: [] });
    expect(r.err).toMatch(/error \[TIME_ORDER\]: line 1: "time" 2020-01-01T00:00:00Z is before the latest entry's time \d{4}-/);
    expect(await ledgerState(join(dir, 'i.ledger'))).toEqual(before);
  });

  it('--from-line beyond the end appends nothing and says so', async () => {
    const r = await ct(['append', 'i.ledger', '--ndjson', 'in.ndjson', '--from-line', '99']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no statements in the input from line 99 on; nothing appended\n');
  });
});

describe('an import whose lines carry idempotency keys can be run again whole (format.md §4.6)', () => {
  const keyed = (i: number) => line(i, { key: `import:line-${i}` });

  it('stopped by a bad line, fixed, and run again from the top: each line is in the ledger once', async () => {
    dir = tempDir();
    expect((await ct(['init', 'k.ledger', '--origin', 'example.org/keyed'])).code).toBe(0);
    const lines = [...[1, 2, 3, 4, 5, 6, 7].map(keyed), JSON.stringify({ case: 'K', type: 't', actor: 'a', colour: 'red' }), ...[9, 10, 11].map(keyed)];
    writeFileSync(join(dir, 'k.ndjson'), lines.join('\n') + '\n');
    const stopped = await ct(['append', 'k.ledger', '--ndjson', 'k.ndjson', '--batch-size', '3', '--json']);
    expect(stopped.code).toBe(2);
    expect(JSON.parse(stopped.out)).toMatchObject({ appended: 6, duplicates: 0, failedLine: 8 });
    lines[7] = keyed(8);
    writeFileSync(join(dir, 'k.ndjson'), lines.join('\n') + '\n');
    const again = await ct(['append', 'k.ledger', '--ndjson', 'k.ndjson', '--batch-size', '3', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toEqual({ appended: 5, duplicates: 6, batches: 4, firstSeq: 6, lastSeq: 10, treeSize: 11, alerts: 0 });
    const text = await ct(['append', 'k.ledger', '--ndjson', 'k.ndjson', '--batch-size', '3']);
    expect(text.out).toBe('appended 0 entries in 4 transaction(s); 11 line(s) had been appended before with the same key: skipped; the ledger has 11 entries\n');
    const all = (await ct(['log', 'k.ledger', '--ndjson'])).out.trimEnd().split('\n').map((l) => JSON.parse(l).data.i);
    expect(all.sort((a: number, b: number) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // A key names one step: reusing it with other data is refused, naming the line.
    writeFileSync(join(dir, 'clash.ndjson'), `${line(99, { key: 'import:line-1', case: 'K-1' })}\n`);
    const clash = await ct(['append', 'k.ledger', '--ndjson', 'clash.ndjson', '--json']);
    expect(clash.code).toBe(2);
    expect(JSON.parse(clash.out)).toMatchObject({ error: { code: 'IDEMPOTENCY_CONFLICT' }, failedLine: 1, appended: 0 });
  });

  it('killed in the middle (SIGKILL), then run again: every line once, none lost', async () => {
    dir = tempDir();
    expect((await ct(['init', 'kill.ledger', '--origin', 'example.org/kill'])).code).toBe(0);
    const n = 3000;
    writeFileSync(join(dir, 'big.ndjson'), Array.from({ length: n }, (_, i) => keyed(i + 1)).join('\n') + '\n');
    const core = await import('@casetrail/core');
    const sizeNow = async () => {
      const l = await core.Ledger.open(join(dir, 'kill.ledger'), { readonly: true });
      try {
        return await l.size();
      } finally {
        await l.close();
      }
    };
    const child = spawn(process.execPath, [binPath, 'append', 'kill.ledger', '--ndjson', 'big.ndjson', '--batch-size', '25'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    for (let i = 0; i < 400 && (await sizeNow()) < 100; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    await exited;
    const partial = await sizeNow();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(n);
    const again = await ct(['append', 'kill.ledger', '--ndjson', 'big.ndjson', '--batch-size', '500', '--json']);
    expect(again.code).toBe(0);
    const j = JSON.parse(again.out);
    expect(j.appended + j.duplicates).toBe(n);
    expect(j.duplicates).toBe(partial);
    expect(j.treeSize).toBe(n);
    const seen = (await ct(['log', 'kill.ledger', '--ndjson'])).out.trimEnd().split('\n').map((l) => JSON.parse(l).data.i);
    expect(new Set(seen).size).toBe(n);
    expect(seen.length).toBe(n);
    const vkey = await ct(['keygen', '--show-vkey', 'kill.ledger.key']);
    expect(vkey.code).toBe(0);
    const v = await core.verifyLedger(join(dir, 'kill.ledger'), { vkey: vkey.out.trim() });
    expect(v.issues).toEqual([]);
  });
});
