// The snippets of docs/api.md marked ```js snippet run as they are written
// (against the built library), so that the documented seams stay true; and
// every export of @casetrail/verify (= @casetrail/core/pure) and of
// @casetrail/verify/cli is documented there.
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
const verifyDist = pathToFileURL(resolve(here, '../../verify/dist/index.js')).href;
const verifyCliDist = pathToFileURL(resolve(here, '../../verify/dist/cli/index.js')).href;
const snippets = [...api.matchAll(/```js snippet\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/api.md snippets', () => {
  test('there are snippets to run', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
  });

  test.each(snippets.map((s, i) => [i + 1, s] as const))('snippet %i runs and its assertions hold', (_i, code) => {
    const file = join(tempDir(), 'snippet.mjs');
    // console.assert only prints; here a failed assertion fails the snippet.
    const strict = "console.assert = (ok, ...m) => { if (!ok) throw new Error(`assertion failed ${m.join(' ')}`); };\n";
    const resolved = code
      .replaceAll("from '@casetrail/core'", `from '${dist}'`)
      .replaceAll("from '@casetrail/verify/cli'", `from '${verifyCliDist}'`)
      .replaceAll("from '@casetrail/verify'", `from '${verifyDist}'`);
    writeFileSync(file, strict + resolved);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dirname(file), timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('docs/api.md documents every export', () => {
  const reference = api.slice(api.indexOf('## `@casetrail/verify` (also `@casetrail/core/pure`)'));
  const headings = reference.split('\n').filter((l) => /^#{3,4} /.test(l));
  const mentioned = (name: string) => new RegExp('`(new )?' + name.replace(/\$/g, '\\$') + '[`(.]').test(reference);
  const inHeading = (name: string) => headings.some((h) => new RegExp('`(new )?' + name + '[`(]').test(h));

  test.each([
    ['@casetrail/verify', verifyDist],
    ['@casetrail/verify/cli', verifyCliDist],
  ])('%s: each function has a heading, each other export is named', async (_name, url) => {
    const mod = (await import(url)) as Record<string, unknown>;
    const names = Object.keys(mod);
    expect(names.length).toBeGreaterThan(40);
    const isClass = (v: unknown) => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v));
    const functions = names.filter((n) => typeof mod[n] === 'function' && !isClass(mod[n]));
    expect(functions.filter((n) => !inHeading(n))).toEqual([]);
    expect(names.filter((n) => !mentioned(n))).toEqual([]);
  });

  test('@casetrail/core/pure is @casetrail/verify', async () => {
    const pure = await import(pathToFileURL(resolve(here, '../dist/pure.js')).href);
    expect(Object.keys(pure).sort()).toEqual(Object.keys(await import(verifyDist)).sort());
  });
});
