/**
 * The vitest configuration of mutation testing (scripts/mutation.mjs,
 * docs/mutation.md). Stryker changes files under `src/` in its copy of the
 * repository; the tests must run that source, not a build of it:
 *
 * - every `@casetrail/*` import resolves to the package's `src/`, so a test
 *   of the ledger (packages/core) runs the mutated checks of
 *   packages/verify — in the default run these imports resolve to `dist/`,
 *   which the global setup keeps up to date;
 * - no global build: the mutated copy is instrumented, and a build of it is
 *   neither needed (only in-process tests are run) nor meaningful.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@casetrail\/verify$/, replacement: src('verify/src/index.ts') },
      { find: /^@casetrail\/verify\/cli$/, replacement: src('verify/src/cli/index.ts') },
      { find: /^@casetrail\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@casetrail\/core\/pure$/, replacement: src('core/src/pure.ts') },
      { find: /^@casetrail\/supervise$/, replacement: src('supervise/src/index.ts') },
    ],
  },
  test: {
    // The module's test files, from scripts/mutation.mjs. They are chosen here and not with
    // Stryker's testFiles option: with that option Stryker 9.6 activates a mutant reached while
    // modules load only after they loaded, and reports it as surviving whatever the tests do
    // (stryker-js issue 6144).
    include: process.env['CASETRAIL_MUTATION_TESTS'] === undefined ? ['packages/*/test/**/*.test.ts'] : (JSON.parse(process.env['CASETRAIL_MUTATION_TESTS']) as string[]),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
