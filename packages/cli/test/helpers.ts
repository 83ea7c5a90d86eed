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
