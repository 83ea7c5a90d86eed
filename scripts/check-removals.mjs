#!/usr/bin/env node
// The checks issue 14 names, removed from the source one at a time
// (docs/mutation.md, "The checks of issue 14, removed one at a time"): each
// removal is applied to its file, the named test files are run with the
// default configuration (whose global setup rebuilds dist/ first), the
// failures are counted, and the source is restored. A removal that fails no
// test is a check no test would miss: the script then exits 1.
//
//   node scripts/check-removals.mjs            every removal (about 10 minutes on 2 cores)
//   node scripts/check-removals.mjs --list     the removals
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `(0 as number) === 1 &&` makes a condition false without an expression the compiler calls always falsy.
const NEVER = '(0 as number) === 1 && ';
const CASE_CHAIN = ['packages/core/test/case-chain.test.ts'];
const SIGNED_LINKS = ['packages/core/test/signed-links.test.ts'];
const REMOVALS = [
  { check: 'CASE_CHAIN_BROKEN (the casePrev comparison)', file: 'packages/verify/src/checks/chain.ts', from: '  if (!equalBytes(e.casePrev, prior === undefined ? ZERO_HASH : prior.leaf)) {', to: `  if (${NEVER}!equalBytes(e.casePrev, prior === undefined ? ZERO_HASH : prior.leaf)) {`, tests: CASE_CHAIN },
  { check: 'CASE_STEP_MISMATCH (the step number)', file: 'packages/verify/src/checks/chain.ts', from: '  if (e.step !== expected) {', to: `  if (${NEVER}e.step !== expected) {`, tests: CASE_CHAIN },
  { check: 'the per-case rule in ledger verification only', file: 'packages/core/src/verify/scan.ts', from: '    if (link !== undefined) s.issues.add({ ...where, ...link });', to: `    if (${NEVER}link !== undefined) s.issues.add({ ...where, ...link });`, tests: CASE_CHAIN },
  {
    check: 'the casePrev check in trace',
    file: 'packages/core/src/ledger/reads.ts',
    from: '      markStep(step, caseLinkFinding(step.seq, e, prior) ?? caseOrderFinding(step.seq, prior));',
    to: '      markStep(step, caseLinkFinding(step.seq, { ...e, casePrev: prior === undefined ? e.casePrev : prior.leaf }, prior) ?? caseOrderFinding(step.seq, prior));',
    tests: CASE_CHAIN,
  },
  { check: 'the old-root comparison of consistency verification', file: 'packages/verify/src/tlog/merkle-proof.ts', from: '  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);', to: '  return sn === 0n && equalBytes(sr, newRoot);', tests: ['packages/verify/test/merkle.test.ts', 'packages/verify/test/witness-body.test.ts'] },
  { check: 'PREV_MISMATCH (shared rule)', file: 'packages/verify/src/checks/chain.ts', from: '  const linked = prevLeaf === undefined || equalBytes(e.prev, prevLeaf);', to: '  const linked = prevLeaf === undefined || prevLeaf.length >= 0;', tests: SIGNED_LINKS },
  { check: 'PREV_MISMATCH in ledger verification only', file: 'packages/core/src/verify/scan.ts', from: '    s.issues.addAll(globalLinkFindings(seq, e, s.prevLeaf, s.lastTime), where);', to: '    s.issues.addAll(globalLinkFindings(seq, e, undefined, s.lastTime), where);', tests: SIGNED_LINKS },
  { check: "the stored row's root column against its note", file: 'packages/core/src/verify/steps.ts', from: '    if (cp.origin !== s.origin || cp.size !== row.size || !equalBytes(cp.root, row.root)) {', to: '    if (cp.origin !== s.origin || cp.size !== row.size) {', tests: SIGNED_LINKS },
  { check: 'CHECKPOINT_ROOT_MISMATCH', file: 'packages/core/src/verify/steps.ts', from: '    if (!equalBytes(cp.root, computed)) {', to: `    if (${NEVER}!equalBytes(cp.root, computed)) {`, tests: SIGNED_LINKS },
];

if (process.argv.includes('--list')) {
  for (const r of REMOVALS) console.log(`${r.check}\n  ${r.file}\n  tests: ${r.tests.join(', ')}`);
  process.exit(0);
}
const status = execFileSync('git', ['status', '--porcelain', '--', ...new Set(REMOVALS.map((r) => r.file))], { cwd: root, encoding: 'utf8' });
if (status.trim() !== '') {
  console.error(`the files to patch have uncommitted changes; commit or stash them first:\n${status}`);
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'casetrail-removals-'));
let unnoticed = 0;
try {
  for (const r of REMOVALS) {
    const path = join(root, r.file);
    const source = readFileSync(path, 'utf8');
    if (source.split(r.from).length !== 2) {
      console.error(`${r.check}: the line to change is not found once in ${r.file}; update this script`);
      process.exit(2);
    }
    writeFileSync(path, source.replace(r.from, r.to));
    try {
      const out = join(work, 'result.json');
      rmSync(out, { force: true });
      spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...r.tests, '--reporter=json', `--outputFile=${out}`], { cwd: root, stdio: 'ignore' });
      let report;
      try {
        report = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        console.error(`${r.check}: the tests did not run (does the changed source compile?)`);
        process.exit(2);
      }
      const failed = report.testResults.flatMap((f) => f.assertionResults.filter((t) => t.status === 'failed').map((t) => t.title));
      if (report.numTotalTests === 0) {
        console.error(`${r.check}: no test ran (does the changed source compile?)`);
        process.exit(2);
      }
      if (failed.length === 0) unnoticed++;
      console.log(`${failed.length === 0 ? 'UNNOTICED' : 'caught'}  ${r.check}: ${failed.length} of ${report.numTotalTests} tests fail`);
      for (const t of failed.slice(0, 3)) console.log(`    ${t}`);
    } finally {
      writeFileSync(path, source);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  // The global setup built dist/ from the last changed source: build it from the restored one.
  spawnSync('npx', ['-y', 'pnpm@10', 'run', 'build'], { cwd: root, stdio: 'ignore' });
}
console.log(`${REMOVALS.length - unnoticed} of ${REMOVALS.length} removals caught`);
process.exit(unnoticed === 0 ? 0 : 1);
