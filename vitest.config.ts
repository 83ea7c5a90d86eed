import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Builds dist/ first: the tests that run it then test the source as it is (vitest.global-setup.ts).
    globalSetup: ['vitest.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI reads the JSON report to print its closing "N passed, N failed" line.
    reporters: process.env['CI'] ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
  },
});
