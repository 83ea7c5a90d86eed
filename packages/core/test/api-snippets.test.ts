// The snippets of docs/api.md marked ```js snippet run as they are written
// (against the built library), so that the documented seams stay true.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { cleanupTempDirs, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const here = dirname(fileURLToPath(import.meta.url));
const api = readFileSync(resolve(here, '../../../docs/api.md'), 'utf8');
const dist = pathToFileURL(resolve(here, '../dist/index.js')).href;
const snippets = [...api.matchAll(/```js snippet\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/api.md snippets', () => {
  test('there are snippets to run', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
  });

  test.each(snippets.map((s, i) => [i + 1, s] as const))('snippet %i runs and its assertions hold', (_i, code) => {
    const file = join(tempDir(), 'snippet.mjs');
    // console.assert only prints; here a failed assertion fails the snippet.
    const strict = "console.assert = (ok, ...m) => { if (!ok) throw new Error(`assertion failed ${m.join(' ')}`); };\n";
    writeFileSync(file, strict + code.replaceAll("from '@casetrail/core'", `from '${dist}'`));
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dirname(file), timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
