/**
 * No stale builds: the tests that run `dist/` (the CLI in child processes,
 * the worker-thread verifier, the API snippets, casetrail-verify.mjs) must
 * run the source as it is. The default run's global setup
 * (vitest.global-setup.ts) runs the root build first; this test fails when
 * it did not, or when the build left something to do — a source edited
 * after the last build, as `vitest run <file>` would otherwise test it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the build the tests run is the source as it is', () => {
  it('the default run builds first: vitest.config.ts names the global setup, which runs the root build script', () => {
    expect(readFileSync(join(root, 'vitest.config.ts'), 'utf8')).toMatch(/globalSetup: \['vitest\.global-setup\.ts'\]/);
    expect(readFileSync(join(root, 'vitest.global-setup.ts'), 'utf8')).toMatch(/scripts\.build/);
  });

  it('tsc -b has nothing to build for the projects of the root build', () => {
    const build = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
    const projects = /^tsc -b ((?:\S+ )+?)&&/.exec(build)![1]!.trim().split(' ');
    // Every package with a TypeScript project is built (packages/verify through tsconfig.cli.json, which references it).
    const packages = readdirSync(join(root, 'packages')).filter((p) => readdirSync(join(root, 'packages', p)).some((f) => /^tsconfig.*\.json$/.test(f)));
    for (const p of packages) expect(projects.some((x) => x === `packages/${p}` || x.startsWith(`packages/${p}/`)), p).toBe(true);
    expect(projects).toEqual(expect.arrayContaining(['packages/verify/tsconfig.cli.json', 'packages/core', 'packages/cli']));
    const out = execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', '--dry', ...projects], { cwd: root, encoding: 'utf8' });
    // A project whose sources changed since its outputs were written is "would build"; one whose sources were only touched is "would update timestamps" (its outputs are already right).
    expect(out.split('\n').filter((l) => l.includes('would build'))).toEqual([]);
  });
});
