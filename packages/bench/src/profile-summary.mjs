#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `bench --profile`, i.e. node --cpu-prof):
 * the functions with the most self time and the most inclusive time, with
 * their share of the profile. Functions are keyed by name and source
 * location; paths are shown relative to the repository.
 *
 *   node packages/bench/src/profile-summary.mjs .bench/profiles-…/casetrail-bulk.cpuprofile [--top 25] [--filter text]
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const files = [];
let top = 25;
let filter;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--filter') filter = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: profile-summary.mjs FILE.cpuprofile [--top N] [--filter TEXT]');
  process.exit(2);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function where(cf) {
  let url = cf.url ?? '';
  if (url.startsWith('file://')) url = fileURLToPath(url);
  if (url.startsWith('/')) url = relative(repoRoot, url).replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
  return url === '' ? '(native)' : `${url}:${cf.lineNumber + 1}`;
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}`;
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    let id = p.samples[i];
    const n = byId.get(id);
    self.set(key(n), (self.get(key(n)) ?? 0) + dt);
    const seen = new Set();
    while (id !== undefined) {
      const k = key(byId.get(id));
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const show = (title, m) => {
    console.log(`\n${title}`);
    const list = [...m.entries()].filter(([k]) => filter === undefined || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, us] of list) console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  };
  console.log(`== ${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled`);
  show('self time', self);
  show('inclusive time', incl);
}
