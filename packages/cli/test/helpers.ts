/**
 * Shared set-up of the CLI tests. The CLI runs against the built core
 * (`@casetrail/core` resolves to packages/core/dist), so both packages must be
 * built: `pnpm test` builds them first; by hand: `npx tsc -b packages/core packages/cli`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const binPath = join(repoRoot, 'packages/cli/dist/bin.js');
const coreDist = join(repoRoot, 'packages/core/dist/index.js');

/** Throws a clear error when the packages have not been built. */
export function requireBuild(): void {
  for (const f of [coreDist, binPath]) {
    if (!existsSync(f)) {
      throw new Error(`${f} is missing: build first with \`npx -y pnpm@10 run build\` (or \`npx tsc -b packages/core packages/cli\`); \`pnpm test\` builds before testing`);
    }
  }
}

const dirs: string[] = [];

/** A fresh temporary directory under os.tmpdir(), removed by cleanup(). */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'casetrail-cli-'));
  dirs.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** What a command printed and returned. */
export type Result = { code: number; out: string; err: string };

type Cli = typeof import('../src/index.js');

/**
 * A runner of `casetrail …argv` in-process, in `dir` unless told otherwise;
 * `transcript` collects every output (tests assert no secret was printed).
 */
export function runner(cli: Cli, dir: () => string, transcript: string[] = []) {
  return async (argv: string[], options: { stdin?: string | Uint8Array; env?: Record<string, string>; tty?: boolean; cwd?: string } = {}): Promise<Result> => {
    const io = cli.captureIo({ cwd: options.cwd ?? dir(), env: options.env ?? {}, ...(options.stdin === undefined ? {} : { stdin: options.stdin }), tty: options.tty === true });
    const code = await cli.run(argv, io);
    const r = { code, out: io.stdoutText(), err: io.stderrText() };
    transcript.push(r.out, r.err);
    return r;
  };
}

/** What a ledger holds, as far as a command could have changed it: size, latest checkpoint, last leaf. */
export async function ledgerState(path: string): Promise<{ size: number; note: string | undefined; lastLeaf: string | undefined }> {
  const core = await import('@casetrail/core');
  const l = await core.Ledger.open(path, { readonly: true });
  try {
    const size = await l.size();
    const note = (await l.latestCheckpoint())?.note;
    const lastLeaf = size > 0 ? core.toHex((await l.get(size - 1)).leafHash) : undefined;
    return { size, note, lastLeaf };
  } finally {
    await l.close();
  }
}
