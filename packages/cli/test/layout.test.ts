/**
 * The CLI's layout (issue 10): one file per command holding its commander
 * definition and its typed handler, a program that only lists them, and no
 * source file over ~450 lines.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireBuild } from './helpers.js';

requireBuild();
const { COMMANDS } = await import('../src/program.js');
const src = join(repoRoot, 'packages/cli/src');

describe('the CLI source', () => {
  const files = readdirSync(join(src, 'commands')).filter((f) => f.endsWith('.ts'));

  it('has one command file per command, each listed once by the program', () => {
    expect(COMMANDS.map((c) => `${c.name}.ts`).sort()).toEqual([...files].sort());
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });

  it.each(files)('commands/%s holds its definition and its typed handler', (f) => {
    const text = readFileSync(join(src, 'commands', f), 'utf8');
    expect(text).toMatch(/export const \w+Cli = defineCommand<\w+Options>\(\{/);
    expect(text).toMatch(/export async function \w+\(opts: \w+Options, io: Io\): Promise<number>/);
  });

  it('program.ts defines no command itself', () => {
    const text = readFileSync(join(src, 'program.ts'), 'utf8');
    expect(text).not.toMatch(/\.command\(/);
    expect(text).not.toMatch(/\.option\(/);
  });

  it.each([...readdirSync(src).filter((f) => f.endsWith('.ts')), ...files.map((f) => `commands/${f}`)])('%s is at most 450 lines', (f) => {
    expect(readFileSync(join(src, f), 'utf8').split('\n').length).toBeLessThanOrEqual(450);
  });
});

describe('--help', () => {
  it('points at documentation that exists, by absolute path, never a bare relative docs/cli.md', async () => {
    const cli = await import('../src/index.js');
    const io = cli.captureIo({ cwd: '/' });
    expect(await cli.run(['--help'], io)).toBe(0);
    const m = /Documentation: (\S+)/.exec(io.stdoutText());
    expect(m).not.toBeNull();
    expect(m![1]!.startsWith('/')).toBe(true);
    expect(m![1]!.endsWith('/cli.md')).toBe(true);
    expect(readFileSync(m![1]!, 'utf8')).toMatch(/^# casetrail command line/);
  });
});
