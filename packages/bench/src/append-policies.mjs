#!/usr/bin/env node
/**
 * Single appends on a fresh ledger under three settings — `full` and
 * `normal` durability with a checkpoint per transaction, and `normal` with
 * `{ everyEntries: 100 }` — with the signer state in a file, as for a key
 * file (format.md §10). For comparing two builds of @casetrail/core on a
 * shared machine: run them in alternation.
 *
 *   node packages/bench/src/append-policies.mjs [--core PATH] [--appends N]
 *
 * Prints one JSON line: appends per second for each setting.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const here = dirname(fileURLToPath(import.meta.url));
const corePath = opt('--core', undefined);
const core = await import(corePath === undefined ? '@casetrail/core' : pathToFileURL(resolve(corePath)).href);
const n = Number(opt('--appends', '1000'));
const origin = 'bench.casetrail.example/policies';
const { skey } = core.generateKeyPair(origin);
const work = join(here, '../../../.bench');
mkdirSync(work, { recursive: true });
const out = { appends: n };
for (const [name, opts] of [
  ['full, per transaction', { durability: 'full' }],
  ['normal, per transaction', { durability: 'normal' }],
  ['normal, everyEntries 100', { durability: 'normal', checkpointPolicy: { everyEntries: 100 } }],
]) {
  const dir = mkdtempSync(join(work, 'policies-'));
  const l = await core.Ledger.create(join(dir, 'p.ledger'), { origin, signer: skey, signerState: { file: join(dir, 'p.key.state') }, ...opts });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await l.append({ caseId: `C-${i % 50}`, type: 'step', actor: 'a', data: { i } });
  out[name] = Math.round((n / (performance.now() - t0)) * 1000);
  await l.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
