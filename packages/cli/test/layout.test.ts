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

/** commands/<name>.ts, and commands/<group>/<name>.ts for the subcommands of a group or command. */
function commandFiles(): string[] {
  const dir = join(src, 'commands');
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? readdirSync(join(dir, d.name)).filter((f) => f.endsWith('.ts')).map((f) => `${d.name}/${f}`) : d.name.endsWith('.ts') ? [d.name] : [],
  );
}

describe('the CLI source', () => {
  const files = commandFiles();
  const top = files.filter((f) => !f.includes('/'));
  const text = (f: string) => readFileSync(join(src, 'commands', f), 'utf8');
  const groups = top.filter((f) => /= defineGroup\(\{/.test(text(f)));

  it('has one command file per command, each listed once by the program', () => {
    expect(COMMANDS.map((c) => `${c.name}.ts`).sort()).toEqual([...top].sort());
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });

  it('a group (rules, calendar, witness, cosign, units, actors, policy, transfer) or a command with subcommands (alerts) has a folder of its own, one file per subcommand', () => {
    expect(groups.sort()).toEqual(['actors.ts', 'calendar.ts', 'cosign.ts', 'policy.ts', 'rules.ts', 'transfer.ts', 'units.ts', 'witness.ts']);
    for (const f of files.filter((x) => x.includes('/'))) {
      const [folder, sub] = f.split('/') as [string, string];
      expect(top).toContain(`${folder}.ts`);
      expect(text(`${folder}.ts`)).toMatch(new RegExp(`from './${folder}/${sub.replace('.ts', '.js')}'`));
    }
  });

  it.each(files.filter((f) => !groups.includes(f)))('commands/%s holds its definition and its typed handler', (f) => {
    expect(text(f)).toMatch(/export const \w+Cli = defineCommand<\w+Options>\(\{/);
    expect(text(f)).toMatch(/export async function \w+\(opts: \w+Options, io: Io\): Promise<number>/);
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

describe('docs/errors.md and the code agree', () => {
  const errors = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');
  const cliTable = errors.slice(errors.indexOf('## Codes of the command line'), errors.indexOf('## Verification issue codes'));
  // The CLI's own code and the toolkit it shares with casetrail-verify (@casetrail/verify/cli).
  const shared = join(repoRoot, 'packages/verify/src/cli');
  const tree = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tree(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
  const sources = [...tree(src), ...tree(shared)].map((f) => readFileSync(f, 'utf8'));
  const raised = new Set<string>();
  for (const text of sources) {
    for (const m of text.matchAll(/(?:operational|failed)\(\s*'([A-Z_]+)'|new CliError\(\s*EXIT\.(?:USAGE|FAILED|OPERATIONAL),\s*'([A-Z_]+)'/g)) raised.add((m[1] ?? m[2])!);
  }

  it('finds the codes the CLI raises', () => {
    expect(raised.size).toBeGreaterThanOrEqual(15);
  });

  it.each([...raised].sort())('%s is in the table of CLI codes with its exit code', (code) => {
    const row = cliTable.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
    const exit = Number(/\| (\d) \|$/.exec(row!)![1]);
    expect([1, 2, 3]).toContain(exit);
    // The exit code written down is the one the CLI uses for that code.
    for (const text of sources) {
      for (const m of text.matchAll(new RegExp(`(operational|failed)\\(\\s*'${code}'|EXIT\\.(USAGE|FAILED|OPERATIONAL),\\s*'${code}'`, 'g'))) {
        const used = m[1] === 'operational' || m[2] === 'OPERATIONAL' ? 3 : m[1] === 'failed' || m[2] === 'FAILED' ? 1 : 2;
        expect(used, `${code}`).toBe(exit);
      }
    }
  });
});

describe('the exit table', () => {
  it('maps a damaged ledger to 1 and a file that is not a ledger to 3 (issue 8.6)', async () => {
    const { exitCodeOf } = await import('../src/index.js');
    expect(exitCodeOf('LEDGER_DAMAGED')).toBe(1);
    expect(exitCodeOf('NOT_A_LEDGER')).toBe(3);
    expect(exitCodeOf('INPUT_TOO_LARGE')).toBe(1);
    expect(exitCodeOf('__proto__')).toBe(3);
  });
});

describe('docs/errors.md and the supervision exit codes agree', () => {
  const errors = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');
  const table = errors.slice(errors.indexOf('| code | thrown when | CLI exit |'), errors.indexOf('### Audit finding codes'));
  const rows = [...table.matchAll(/^\| `([A-Z_]+)` \|.*\| (\d) \|$/gm)].map((m) => [m[1]!, Number(m[2])] as const);

  it('lists every code of SupervisionError, each with the exit code the CLI uses', async () => {
    const { supervisionExitOf } = await import('../src/index.js');
    const source = readFileSync(join(repoRoot, 'packages/supervise/src/errors.ts'), 'utf8');
    const union = source.slice(source.indexOf('export type SupervisionErrorCode'), source.indexOf('export interface'));
    const codes = [...union.matchAll(/^\s*\| '([A-Z_]+)'/gm)].map((m) => m[1]!);
    expect(rows.map((r) => r[0]).sort()).toEqual([...codes].sort());
    for (const [code, exit] of rows) expect(supervisionExitOf(code), code).toBe(exit);
    expect(supervisionExitOf('RULE_BLOCKED')).toBe(4);
  });
});
