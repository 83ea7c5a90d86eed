#!/usr/bin/env node
// The long run of the reliability battery (packages/core/test/reliability):
// the same tests as CI, with larger counts, then a summary of what was tried
// and what held. Usage: pnpm soak [options]   (pnpm soak --help)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// option → [environment knob, soak default, help]
const KNOBS = {
  kills: ['KILLS', '50', 'SIGKILLs of an appending child process'],
  writers: ['WRITERS', '4', 'concurrent writer processes'],
  appends: ['APPENDS', '2500', 'appends per writer'],
  readers: ['READERS', '2', 'reader processes verifying during the writes'],
  'durability-full': ['DURABILITY_FULL', '1', '1: concurrent writers fsync every commit (0: not)'],
  'busy-timeout-ms': ['BUSY_TIMEOUT_MS', '5000', 'lock wait of the concurrent writers before LEDGER_BUSY (they retry)'],
  'tamper-rows': ['TAMPER_ROWS', '1000000', 'target rows per table in the tamper matrix (default: every row)'],
  'tamper-picks': ['TAMPER_PICKS', '4', 'byte choices per value in the tamper matrix'],
  truncations: ['TRUNCATIONS', '1000000', 'truncation points (default: every size)'],
  'note-masks': ['NOTE_MASKS', '16', 'xor masks per byte of a checkpoint note'],
  'artifact-masks': ['ARTIFACT_MASKS', '4', 'xor masks per byte of proofs, bodies and bundles'],
  'full-bundle-bytes': ['FULL_BUNDLE_BYTES', '1000000000', 'byte positions of the unfiltered bundle (default: all)'],
  'cli-samples': ['ARTIFACT_CLI_SAMPLES', '40', 'edited artifacts given to the CLI verify commands, per artifact'],
  'fuzz-scale': ['FUZZ_SCALE', '10', 'multiplier of every fuzz property\'s CI run count'],
};

const { values: opts } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(KNOBS).map((k) => [k, { type: 'string' }])),
    seed: { type: 'string' },
    only: { type: 'string' },
    markdown: { type: 'boolean' },
    json: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (opts.help) {
  const lines = Object.entries(KNOBS).map(([k, [, d, h]]) => `  --${k.padEnd(18)} ${h}${h.includes('(default') ? '' : ` (default ${d})`}`);
  console.log(`pnpm soak [options]: the reliability battery with soak counts, then a summary.

${lines.join('\n')}
  --seed <n>             seed of the random choices (default: time-based, printed)
  --only <pattern>       only the test files matching this vitest filter (e.g. crash)
  --markdown             also print the summary as a Markdown table (for docs/security.md)
  --json                 print the summary as one JSON document instead
  --no-build             skip \`tsc -b packages/core packages/cli\`

Example: pnpm soak --kills 20 --fuzz-scale 5 --only crash`);
  process.exit(0);
}

const seed = opts.seed ?? String(Date.now() % 2 ** 31);
const reportDir = join(root, '.tmp');
mkdirSync(reportDir, { recursive: true });
const report = join(reportDir, `soak-${process.pid}.jsonl`);
rmSync(report, { force: true });

const env = { ...process.env, CASETRAIL_SOAK: '1', CASETRAIL_SEED: seed, CASETRAIL_RELIABILITY_REPORT: report };
for (const [k, [name, def]] of Object.entries(KNOBS)) env[`CASETRAIL_SOAK_${name}`] = opts[k] ?? def;

const log = (s) => process.stderr.write(`${s}\n`);

if (!opts['no-build']) {
  log('soak: building packages/core and packages/cli');
  const b = spawnSync('npx', ['tsc', '-b', 'packages/core', 'packages/cli'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const target = `packages/core/test/reliability${opts.only ? `/${opts.only}` : ''}`;
log(`soak: seed ${seed}; running ${target} (files one at a time, so timings are not shared with another file)`);
const started = Date.now();
const vitest = spawnSync('npx', ['vitest', 'run', target, '--no-file-parallelism', '--reporter=dot'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
const seconds = Math.round((Date.now() - started) / 1000);

// Sum figures of the same name; a few are maxima or kept as measured.
const figures = new Map();
if (existsSync(report)) {
  for (const line of readFileSync(report, 'utf8').split('\n')) {
    if (line === '') continue;
    const { figure, value } = JSON.parse(line);
    const prev = figures.get(figure);
    const max = /max|Ms$|^limits\.ms\./.test(figure);
    figures.set(figure, prev === undefined ? value : max ? Math.max(prev, value) : prev + value);
  }
  rmSync(report, { force: true });
}
const f = (name) => figures.get(name) ?? 0;
const sum = (prefix) => [...figures].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
const summary = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cores} cores (${cpus()[0]?.model?.trim() ?? 'unknown CPU'}), Node ${process.version}, ${process.platform}`,
  seed: Number(seed),
  seconds,
  passed: vitest.status === 0,
  crash: {
    killsSurvived: f('crash.kills'),
    killsInsideAnAppend: f('crash.killsInsideAppend'),
    killsBeforeTheChildWasReady: f('crash.killsBeforeReady'),
    committedButNotYetAcknowledged: f('crash.committedNotAcked'),
    acknowledgedEntriesChecked: f('crash.acknowledgedEntriesChecked'),
    finalLedgerSize: f('crash.finalSize'),
  },
  concurrency: {
    entries: f('concurrency.entries'),
    busyRetries: f('concurrency.busyRetries'),
    maxAppendWaitMs: f('concurrency.maxAppendWaitMs'),
    readerPasses: f('concurrency.readerPasses'),
    readerPassesWhileWriting: f('concurrency.readerPassesMidway'),
    lockedWaitMs: f('faults.lockedWaitMs'),
  },
  tamper: {
    mutationsTried: f('tamper.tried'),
    caughtWithCodeAndPosition: f('tamper.caught'),
    benignByDesign: f('tamper.benignByDesign'),
    skippedNoop: f('tamper.skippedNoop'),
    skippedRefusedBySchema: f('tamper.skippedRefusedBySchema'),
    alsoCaughtIncrementally: f('tamper.incrementalAlsoCaught'),
    operatorAppendsTried: f('tamper.operator.tried'),
    operatorAppendsRefused: f('tamper.operator.refused'),
    operatorAppendsSignedTheTrueExtension: f('tamper.operator.appended'),
    operatorAppendsRepeatingAHiddenStep: f('tamper.operator.hiddenStep'),
    operatorAppendsSigningAVerifiedTail: f('tamper.operator.tailSigned'),
    operatorAppendsAmbiguous: f('tamper.operator.ambiguous'),
    truncationsTried: f('truncation.tried'),
    truncationsCaughtWithSavedCheckpoint: f('truncation.caughtWithSavedCheckpoint'),
    truncationsUndetectableWithoutOne: f('truncation.undetectableWithoutSavedCheckpoint'),
    forgedCheckpoints: f('forgery.wholeNote') + f('forgery.lineEdits') + f('forgery.singleBytes'),
    forgedCheckpointsIgnorableAccepted: f('forgery.lineEditsIgnorableAccepted'),
    artifactByteEdits: f('artifacts.proofEdits') + f('artifacts.bodyEdits') + f('artifacts.bundleEdits'),
    artifactByteEditsBenignCreated: f('artifacts.bundleEditsBenignCreated'),
    artifactEditsRejectedByCli: f('artifacts.cliRejections'),
  },
  fuzz: {
    cases: sum('fuzz.') - f('fuzz.coreCases') - f('fuzz.artifactCases') - sum('fuzz.cliExit'),
    coreParsers: f('fuzz.coreCases'),
    artifactParsers: f('fuzz.artifactCases'),
    cliCommandLines: f('fuzz.cliArgs'),
    signatureVectorsThroughNotePath: f('signatures.notePathVectors'),
  },
  limitsMs: Object.fromEntries([...figures].filter(([k]) => k.startsWith('limits.ms.')).map(([k, v]) => [k.slice('limits.ms.'.length), v])),
};

if (opts.json) {
  console.log(JSON.stringify(summary, null, 2));
} else {
  const c = summary.crash;
  const k = summary.concurrency;
  const t = summary.tamper;
  const z = summary.fuzz;
  console.log(`
casetrail soak ${summary.passed ? 'PASSED' : 'FAILED'} — ${summary.date}, ${summary.machine}, seed ${seed}, ${seconds} s
  crash safety    ${c.killsSurvived} SIGKILLs survived (${c.killsInsideAnAppend} inside an append call, ${c.killsBeforeTheChildWasReady} while opening); ${c.acknowledgedEntriesChecked} acknowledged entries checked, none lost; ${c.committedButNotYetAcknowledged} committed-but-unacknowledged; ledger grew to ${c.finalLedgerSize}
  concurrency     ${k.entries} entries from concurrent writers, no gap or duplicate; ${k.busyRetries} LEDGER_BUSY retries; longest append ${k.maxAppendWaitMs} ms; ${k.readerPasses} reader verifications (${k.readerPassesWhileWriting} mid-write) all passed; locked file refused after ${k.lockedWaitMs} ms
  tamper matrix   ${t.mutationsTried} mutations tried: ${t.caughtWithCodeAndPosition} caught with code and position, ${t.benignByDesign} benign by design, ${t.skippedNoop} no-ops and ${t.skippedRefusedBySchema} refused by the schema skipped; ${t.alsoCaughtIncrementally} also caught incrementally
  then appended   ${t.operatorAppendsTried} operator appends after a mutation: ${t.operatorAppendsRefused} refused with the predicted code, nothing written; ${t.operatorAppendsSignedTheTrueExtension} signed exactly the predicted true extension (${t.operatorAppendsRepeatingAHiddenStep} repeating a step the index hid, ${t.operatorAppendsSigningAVerifiedTail} signing a verified unsigned tail); ${t.operatorAppendsAmbiguous} left to SQLite's choice among equal steps, not judged
  truncation      ${t.truncationsTried} cuts, ${t.truncationsCaughtWithSavedCheckpoint} caught given a saved checkpoint (${t.truncationsUndetectableWithoutOne} invisible without one)
  forgeries       ${t.forgedCheckpoints} forged checkpoints rejected (${t.forgedCheckpointsIgnorableAccepted} ignorable line edits accepted, content unchanged); ${t.artifactByteEdits} single-byte edits of proofs/bodies/bundles rejected (${t.artifactByteEditsBenignCreated} in the unsigned "created" time accepted), ${t.artifactEditsRejectedByCli} also through the CLI
  fuzz            ${z.cases} generated cases (core parsers ${z.coreParsers}, artifact parsers ${z.artifactParsers}, CLI command lines ${z.cliCommandLines}), no uncoded exception, no mutated input accepted
  limits (ms)     ${Object.entries(summary.limitsMs).map(([n, ms]) => `${n} ${ms}`).join(', ')}`);
  if (opts.markdown) {
    console.log(`
| check | figure |
|---|---|
| SIGKILLs survived (inside an append call) | ${c.killsSurvived} (${c.killsInsideAnAppend}) |
| acknowledged entries checked after kills / lost | ${c.acknowledgedEntriesChecked} / 0 |
| concurrent entries (writers × appends), gaps or duplicates | ${k.entries}, 0 |
| reader verifications during writes, failed | ${k.readerPasses}, 0 |
| longest append wait under contention | ${k.maxAppendWaitMs} ms |
| tamper mutations tried / caught with code and position | ${t.mutationsTried} / ${t.caughtWithCodeAndPosition} |
| … benign by design / skipped (no-op, refused by schema) | ${t.benignByDesign} / ${t.skippedNoop}, ${t.skippedRefusedBySchema} |
| then the operator appends: refused, nothing written / the true extension signed | ${t.operatorAppendsRefused} / ${t.operatorAppendsSignedTheTrueExtension} (of ${t.operatorAppendsTried}) |
| truncations caught given a saved checkpoint | ${t.truncationsCaughtWithSavedCheckpoint} of ${t.truncationsTried} |
| forged checkpoints rejected | ${t.forgedCheckpoints} |
| single-byte edits of proofs, bodies, bundles rejected | ${t.artifactByteEdits - t.artifactByteEditsBenignCreated} (+${t.artifactByteEditsBenignCreated} in \`created\`, accepted by design) |
| fuzz cases (core / artifacts / CLI) | ${z.cases} (${z.coreParsers} / ${z.artifactParsers} / ${z.cliCommandLines}) |`);
  }
}
process.exit(vitest.status ?? 1);
