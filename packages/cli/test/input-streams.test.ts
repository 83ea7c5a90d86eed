/**
 * Input files given to a command that fails before it reads them: the file
 * is not left open, and nothing is opened after the command has returned
 * (an open still pending when the file is removed became an uncaught ENOENT
 * in the CLI fuzz run).
 */
import { readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');

let dir: string;
const ct = runner(cli, () => dir);
beforeAll(() => {
  dir = tempDir();
});
afterAll(cleanup);

/** The descriptors of this process open on `path`. */
function openOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while listed
    }
  }).length;
}

const settle = () => new Promise((res) => setTimeout(res, 50));

describe('an input file of a command that fails first', () => {
  it.runIf(process.platform === 'linux')('append --ndjson with no ledger: LEDGER_NOT_FOUND, and the lines file is not held open', async () => {
    const file = join(dir, 'steps.ndjson');
    writeFileSync(file, '{"case":"C-1","type":"opened","actor":"a"}\n');
    const r = await ct(['append', 'missing.ledger', '--ndjson', file]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/\[LEDGER_NOT_FOUND\]/);
    await settle();
    expect(openOn(file)).toBe(0);
  });

  it('append --ndjson with no ledger, the lines file removed at once: no error after the command returned', async () => {
    const file = join(dir, 'gone.ndjson');
    writeFileSync(file, '{"case":"C-1","type":"opened","actor":"a"}\n');
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      const r = await ct(['append', 'missing.ledger', '--ndjson', file]);
      rmSync(file);
      await settle();
      expect(r.code).toBe(3);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  it('append --ndjson reads the file once the ledger opens (the lazy open still reads every line)', async () => {
    expect((await ct(['init', 'l.ledger', '--origin', 'example.org/input-streams'])).code).toBe(0);
    const file = join(dir, 'two.ndjson');
    writeFileSync(file, '{"case":"C-1","type":"opened","actor":"a"}\n{"case":"C-1","type":"closed","actor":"a"}\n');
    const r = await ct(['append', 'l.ledger', '--ndjson', file, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ appended: 2 });
    await settle();
    expect(openOn(file)).toBe(0);
  });
});
