#!/usr/bin/env node
// Mutation testing of the security-critical modules (docs/mutation.md):
// Stryker changes one operator, condition or value of the source at a time
// and runs the tests that reach it; a change no test notices is a check
// that could rot unnoticed.
//
//   pnpm mutation                 every module, one after the other
//   pnpm mutation merkle note     these modules
//   pnpm mutation --list          the modules and what each mutates
//   pnpm mutation --ci            the modules with a CI threshold (.ci/run): fails below it
//   options: --concurrency N (1 or 2 on a shared machine; default 1),
//            --force (ignore the incremental file: test every mutant again)
//
// Not part of `pnpm test`: one module takes minutes to an hour on 2 cores.
// Results go to reports/mutation/<module>/ (not committed): the HTML and JSON
// reports and the incremental file, which the next run of the module reads
// to test again only the mutants whose code or tests changed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Test files. Only tests that run the source in-process can notice a
// mutant (the CLI's child processes and the API snippets run dist/), and a
// mutant reached while a module loads ("static") runs every test file of
// its module: each module names the files that test it, not the whole suite.
const t = (path) => `packages/${path}.test.ts`;
// The verification modules (checks, bundle, verification) are reached by nearly every ledger test,
// and the tamper matrix (core/test/reliability/tamper, one test of about 12 s) reaches nearly every
// mutant of them: with it, a surviving mutant costs minutes and a module hours. Each names instead
// the files that try its rules directly — the rule-by-rule unit tests, the signed case-chain and
// signed-link ledgers, the bundle steps. A score measured with fewer tests is a lower bound of the
// whole suite's (docs/mutation.md).
const core = (...files) => files.map((f) => t(`core/test/${f}`));
const CHECKS = [t('verify/test/checks'), ...core('case-chain', 'signed-links')];
// bundle: its own rule-by-rule tests (bundle-parse, bundle-verify), which build their bundles inside
// the tests, and the ledger-made bundles that build theirs inside the tests too. Not core/test/bundle
// nor the proof fuzzing: they export or verify a bundle in a beforeAll, which Stryker counts as
// "static" (run outside any test), and a static mutant is not reliably activated (docs/mutation.md).
const BUNDLE = [t('verify/test/bundle-parse'), t('verify/test/bundle-verify'), ...core('bundle-steps', 'evidence', 'case-chain', 'signed-links')];
// verify-steps, verify-scan and verify-cosignatures try each step of core/src/verify/ on a file a hostile party
// prepared; trusted-row, cosignatures and verify-witnessed the trusted row, stored cosignatures and the witness policy;
// verify-progress the progress calls, which need a ledger of more than 65,536 entries (about 8 s: in this list only).
const VERIFICATION = core('verify-steps', 'verify-scan', 'verify-cosignatures', 'verify-progress', 'case-chain', 'signed-links', 'trusted-row', 'cosignatures', 'verify-witnessed', 'damaged', 'ledger', 'replay', 'extensions');
const v = (path) => `packages/verify/src/${path}`;
const c = (path) => `packages/core/src/${path}`;
const VERIFY_TS = 'packages/verify/tsconfig.json';
const s = (path) => `packages/supervise/src/${path}`;
const sup = (...files) => files.map((f) => t(`supervise/test/${f}`));
const SUPERVISE_TS = 'packages/supervise/tsconfig.json';

/**
 * The modules: name, the files Stryker mutates, the test files it runs, the
 * tsconfig of the package (for the type checker, which drops mutants that
 * do not compile). Adding a module is adding one line.
 */
const MODULES = [
  { name: 'verification', mutate: [c('verify/{steps,scan,state,verify,file-checks}.ts')], tests: VERIFICATION, tsconfig: 'packages/core/tsconfig.json' },
  // ci: the score below which `--ci` fails (.ci/run): the recorded score less one mutant's worth,
  // since a mutant that times out on a loaded machine may survive on a quiet one (docs/mutation.md).
  { name: 'checks', mutate: [v('checks/*.ts')], tests: CHECKS, tsconfig: VERIFY_TS, ci: 93 },
  { name: 'merkle', mutate: [v('tlog/{merkle-hash,merkle-range,merkle-proof,stored-nodes}.ts')], tests: [t('verify/test/merkle'), t('verify/test/witness-body'), t('verify/test/tlog-proof'), t('core/test/evidence'), t('core/test/store')], tsconfig: VERIFY_TS },
  { name: 'note', mutate: [v('tlog/{note,note-keys}.ts')], tests: [t('verify/test/note'), t('verify/test/note-rules'), t('verify/test/cosignature'), t('core/test/reliability/signatures')], tsconfig: VERIFY_TS },
  { name: 'checkpoint', mutate: [v('tlog/checkpoint.ts')], tests: [t('verify/test/checkpoint'), t('verify/test/note'), t('core/test/reliability/checkpoints'), t('core/test/vectors')], tsconfig: VERIFY_TS },
  { name: 'cosignature', mutate: [v('tlog/cosignature.ts')], tests: [t('verify/test/cosignature'), t('core/test/cosignatures')], tsconfig: VERIFY_TS },
  { name: 'bytes', mutate: [v('bytes.ts')], tests: [t('verify/test/bytes')], tsconfig: VERIFY_TS },
  // Only its own tests: the entry tests encode entries while their files load, which made most of
  // cbor.ts a "static" mutant that Stryker 9.6 does not activate reliably (docs/mutation.md).
  { name: 'cbor', mutate: [v('cbor.ts')], tests: [t('verify/test/cbor')], tsconfig: VERIFY_TS },
  // Not core/test/replay: it builds ledgers (each mutant would pay for them), and what it tries of
  // entry/ (v2 statements bound to origin, case and nonce) entry-v2 tries on the functions themselves.
  { name: 'entry', mutate: [v('entry/*.ts')], tests: [t('verify/test/entry'), t('verify/test/entry-v2'), t('core/test/vectors'), t('core/test/vectors-v2')], tsconfig: VERIFY_TS },
  { name: 'proof', mutate: [v('tlog/{tlog-proof,proof-text}.ts')], tests: [t('verify/test/tlog-proof'), t('core/test/evidence'), t('core/test/reliability/fuzz-proofs')], tsconfig: VERIFY_TS },
  { name: 'witness', mutate: [v('tlog/witness-body.ts')], tests: [t('verify/test/witness-body'), t('core/test/evidence')], tsconfig: VERIFY_TS },
  { name: 'bundle', mutate: [v('bundle/*.ts')], tests: BUNDLE, tsconfig: VERIFY_TS },
  // Supervision (docs/supervision.md §4, §14): the tests that call the counting functions themselves,
  // not the ledger tests (each builds a ledger on a real store, which every mutant would pay for).
  { name: 'calendar', mutate: [s('calendar.ts')], tests: sup('calendar', 'calendar-rules'), tsconfig: SUPERVISE_TS },
  // The engine's step and time rules: rules-steps and rules-time try each rule at its edges through the engine
  // and the audit, with the engine tests and the golden replay vectors (example-pack.test.ts builds its ledger
  // while the file loads, which would make every mutant here static).
  { name: 'rules', mutate: [s('{step-rules,time-rules}.ts')], tests: sup('rules-steps', 'rules-time', 'engine', 'vectors'), tsconfig: SUPERVISE_TS },
  { name: 'points', mutate: [s('points/{periods,totals,checks,standing,book}.ts')], tests: sup('points-model', 'points-standing', 'points-audit', 'points-rules', 'points-checks'), tsconfig: SUPERVISE_TS },
  { name: 'witness-server', mutate: ['packages/oversight/src/witness/{witness,state,evidence}.ts'], tests: ['witness', 'witness-vectors', 'witness-decisions', 'witness-state'].map((f) => t(`oversight/test/${f}`)), tsconfig: 'packages/oversight/tsconfig.json' },
];

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    list: { type: 'boolean', default: false },
    ci: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log('usage: pnpm mutation [module…] [--concurrency N] [--force] [--list] [--ci]');
  process.exit(0);
}
if (opts.list) {
  for (const m of MODULES) console.log(`${m.name.padEnd(14)} ${m.mutate.join(' ')}${m.ci === undefined ? '' : `  (CI: at least ${m.ci}%)`}`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !MODULES.some((m) => m.name === p));
if (unknown.length > 0) {
  console.error(`unknown module(s): ${unknown.join(', ')}; known: ${MODULES.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
const concurrency = Number(opts.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error('--concurrency takes a positive integer');
  process.exit(2);
}
const chosen = opts.ci ? MODULES.filter((m) => m.ci !== undefined) : positionals.length === 0 ? MODULES : MODULES.filter((m) => positionals.includes(m.name));

const { Stryker } = await import('@stryker-mutator/core');

/** Stryker's mutation score: detected / (detected + undetected); compile errors and ignored mutants do not count. */
function tally(results) {
  const count = (...statuses) => results.filter((r) => statuses.includes(r.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  return {
    mutants: results.length,
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    compileError: count('CompileError'),
    runtimeError: count('RuntimeError'),
    ignored: count('Ignored'),
    score: detected + undetected === 0 ? 100 : Math.round((10000 * detected) / (detected + undetected)) / 100,
  };
}

// Stryker runs the tests in a copy of the repository under .tmp/stryker/, where the public test
// vectors beside the checkout (../shared/vectors) are not found: a test file that cannot load them
// stops at its import and counts as no test at all, so every mutant it alone reaches would survive.
process.env['CASETRAIL_VECTORS'] ??= join(root, '..', 'shared', 'vectors');
if (!existsSync(process.env['CASETRAIL_VECTORS'])) {
  console.error(`public test vectors not found at ${process.env['CASETRAIL_VECTORS']}; set CASETRAIL_VECTORS`);
  process.exit(2);
}

// Stryker's type checker reads the packages' declarations (dist/*.d.ts): a checkout that was never
// built could not run it.
const unbuilt = ['verify', 'core', 'supervise', 'oversight', 'cli'].filter((p) => !existsSync(join(root, 'packages', p, 'dist', 'index.d.ts')));
if (unbuilt.length > 0) {
  console.error(`mutation: building first (no dist/ in ${unbuilt.join(', ')})`);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const summary = [];
let failed = false;
for (const m of chosen) {
  const out = join('reports', 'mutation', m.name);
  mkdirSync(join(root, out), { recursive: true });
  // The test files reach vitest through its config (vitest.mutation.config.ts), not Stryker's testFiles:
  // with testFiles, Stryker 9.6 activates a mutant reached while modules load too late (stryker-js issue 6144).
  process.env['CASETRAIL_MUTATION_TESTS'] = JSON.stringify(m.tests);
  // Every test file of the module must load: Stryker's dry run counts a file that throws at its
  // import as no test and goes on, and every mutant that file alone would kill then survives.
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '-c', 'vitest.mutation.config.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    console.error(`${m.name}: a test file of the module does not load (above); not run`);
    process.exit(2);
  }
  const stryker = new Stryker({
    // Named by path: under pnpm, Stryker's own search for @stryker-mutator/* does not see the root's packages.
    plugins: [...['@stryker-mutator/vitest-runner', '@stryker-mutator/typescript-checker'].map((p) => fileURLToPath(import.meta.resolve(p))), join(root, 'scripts', 'mutation-ignore.mjs')],
    // The wording of error and issue messages is not mutated (scripts/mutation-ignore.mjs).
    ignorers: ['casetrail-message-text'],
    packageManager: 'pnpm',
    testRunner: 'vitest',
    vitest: { configFile: 'vitest.mutation.config.ts', related: false },
    checkers: ['typescript'],
    tsconfigFile: m.tsconfig,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    mutate: m.mutate,
    coverageAnalysis: 'perTest',
    concurrency,
    incremental: true,
    incrementalFile: join(out, 'incremental.json'),
    force: opts.force,
    reporters: ['progress', 'clear-text', 'html', 'json'],
    htmlReporter: { fileName: join(out, 'mutation.html') },
    jsonReporter: { fileName: join(out, 'mutation.json') },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
    // Copying the build and the local scratch folders into the sandbox would only cost time.
    ignorePatterns: ['.tmp', 'reports', '.bench', '.demo', 'coverage', '.ci', 'docs'],
    tempDirName: join('.tmp', 'stryker'),
    cleanTempDir: 'always',
    thresholds: { high: 95, low: 90, break: null },
    timeoutMS: 10_000,
  });
  const started = Date.now();
  const results = await stryker.runMutationTest();
  const t = { module: m.name, ...tally(results), seconds: Math.round((Date.now() - started) / 1000) };
  summary.push(t);
  const floor = opts.ci ? m.ci : 90;
  if (t.score < floor) {
    failed = true;
    console.error(`${m.name}: mutation score ${t.score}% is below ${floor}%`);
  }
}

// The summary keeps the latest result of every module run so far, each with its commit and date.
const summaryFile = join(root, 'reports', 'mutation', 'summary.json');
const previous = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : {};
const date = new Date().toISOString();
for (const t of summary) previous[t.module] = { ...t, commit, date, concurrency, forced: opts.force };
writeFileSync(summaryFile, JSON.stringify(previous, null, 2) + '\n');
console.log(`\nmutation score per module (commit ${commit}; score = killed+timeout over killed+timeout+survived+no coverage)`);
console.log('module          mutants  killed  timeout  survived  no-cov  compile-err  score   seconds');
for (const t of summary) {
  console.log(
    `${t.module.padEnd(15)} ${String(t.mutants).padStart(7)} ${String(t.killed).padStart(7)} ${String(t.timeout).padStart(8)} ${String(t.survived).padStart(9)} ${String(t.noCoverage).padStart(7)} ${String(t.compileError).padStart(12)} ${t.score.toFixed(2).padStart(6)}% ${String(t.seconds).padStart(8)}`,
  );
}
process.exit(failed ? 1 : 0);
