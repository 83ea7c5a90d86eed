#!/usr/bin/env node
/**
 * casetrail side-by-side benchmark: casetrail, hypercore@11, raw
 * better-sqlite3 and raw SHA-256 on the same entries, in one run, reported
 * as ratios (the machine is shared; absolute numbers drift, ratios less so).
 *
 *   node packages/bench/src/bench.mjs            1M entries (the issue's table)
 *   node packages/bench/src/bench.mjs --quick    100k entries, under a minute
 *   node packages/bench/src/bench.mjs --entries 10000000
 *
 * Options: --entries N, --single N (appends in the single-append scenarios),
 * --iterations N (proof/trace/query samples, and warm appends to the large
 * ledger), --batch N (default 1000),
 * --verify-workers N (the `workers` option of the full verify; default: the
 * library's own),
 * --cases lifetime|uniform (case model, see entries.mjs; default lifetime),
 * --rounds N (rounds of the side-by-side groups, default 10),
 * --only a,b / --skip a,b (scenario names), --profile (node --cpu-prof per
 * scenario into .bench/profiles-<stamp>/), --keep (keep the work directory),
 * --dir PATH (work directory; reuse a kept one with --only), --out FILE,
 * --core PATH (an alternative build of @casetrail/core's dist/index.js, to
 * compare a change), --quiet.
 *
 * Each scenario runs in its own child process (scenarios.mjs) so that peak
 * RSS and heap state are per scenario. The systems compared in bulk append,
 * single append and proof generation run side by side: their processes are
 * alive together and take turns in rounds (order rotated each round), so
 * drift of a shared machine hits them alike. Results: a table on stdout and
 * JSON in .bench/results-<stamp>.json. Never used as a timed assertion in CI.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = resolve(here, '..');
const repoRoot = resolve(benchRoot, '../..');
const require = createRequire(join(benchRoot, 'package.json'));

// ---------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const o = { quick: false, profile: false, keep: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(val().replace(/_/g, ''));
      if (!Number.isSafeInteger(v) || v < 1) usage(`${a} needs a positive integer`);
      return v;
    };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--profile': o.profile = true; break;
      case '--keep': o.keep = true; break;
      case '--quiet': o.quiet = true; break;
      case '--entries': o.entries = int(); break;
      case '--single': o.single = int(); break;
      case '--iterations': o.iterations = int(); break;
      case '--batch': o.batch = int(); break;
      case '--verify-workers': {
        const v = Number(val());
        if (!Number.isSafeInteger(v) || v < 0 || v > 64) usage('--verify-workers needs an integer from 0 to 64');
        o.verifyWorkers = v;
        break;
      }
      case '--rounds': o.rounds = int(); break;
      case '--cases':
        o.cases = val();
        if (o.cases !== 'lifetime' && o.cases !== 'uniform') usage('--cases is lifetime or uniform');
        break;
      case '--only': o.only = val().split(','); break;
      case '--skip': o.skip = val().split(','); break;
      case '--dir': o.dir = resolve(val()); break;
      case '--out': o.out = resolve(val()); break;
      case '--core': o.core = resolve(val()); break;
      case '-h':
      case '--help': usage(); break;
      default: usage(`unknown option ${a}`);
    }
  }
  return o;
}

function usage(problem) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0];
  if (problem) console.error(`bench: ${problem}\n`);
  console.error(text.replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(problem ? 2 : 0);
}

const opts = parseArgs(process.argv.slice(2));
const entries = opts.entries ?? (opts.quick ? 100_000 : 1_000_000);
const config = {
  entries,
  batch: opts.batch ?? 1000,
  single: opts.single ?? (opts.quick ? 1000 : 5000),
  iterations: opts.iterations ?? (opts.quick ? 500 : 2000),
  cases: opts.cases ?? 'lifetime',
  ...(opts.verifyWorkers === undefined ? {} : { verifyWorkers: opts.verifyWorkers }),
};
if (config.single > entries) config.single = entries;
if (entries < 2 * config.batch) usage(`--entries must be at least twice the batch size (${config.batch})`);

const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, '');
const benchDir = join(repoRoot, '.bench');
const workDir = opts.dir ?? join(benchDir, `work-${stamp}-${process.pid}`);
const outFile = opts.out ?? join(benchDir, `results-${stamp}.json`);
const profileDir = join(benchDir, `profiles-${stamp}`);

const coreEntry = opts.core ?? join(benchRoot, 'node_modules/@casetrail/core/dist/index.js');
if (!existsSync(coreEntry)) {
  console.error(`bench: ${coreEntry} is missing; build first: npx -y pnpm@10 run build`);
  process.exit(1);
}

/**
 * Run plan. A group's members are compared with each other: they run at the
 * same time in separate processes and the parent hands out their work in
 * rounds, rotating the order each round, so drift on a shared machine hits
 * every system alike. `needs` names the scenario that builds the data read.
 */
const PLAN = [
  { group: 'bulk', members: ['sqlite-bulk', 'sqlite-schema-bulk', 'hypercore-bulk', 'casetrail-bulk'], work: config.entries, unit: config.batch },
  { group: 'single', members: ['sqlite-single', 'hypercore-single', 'casetrail-single', 'casetrail-single-normal'], work: config.single, unit: 1 },
  { name: 'sha256-raw' },
  { name: 'casetrail-verify-full', needs: 'casetrail-bulk' },
  { name: 'casetrail-verify-incremental', needs: 'casetrail-bulk' },
  { group: 'proofs', members: ['hypercore-proof', 'casetrail-proofs'], work: config.iterations, unit: 1, needs: { 'hypercore-proof': 'hypercore-bulk', 'casetrail-proofs': 'casetrail-bulk' } },
  { name: 'casetrail-trace', needs: 'casetrail-bulk' },
  { name: 'casetrail-query', needs: 'casetrail-bulk' },
  { group: 'supervised-bulk', members: ['approvals-bulk', 'supervised-bulk'], work: config.entries, unit: config.batch },
  { group: 'supervised-single', members: ['approvals-single', 'supervised-single'], work: config.single, unit: 1 },
  { name: 'supervised-audit', needs: 'supervised-bulk' },
  { name: 'supervised-replay', needs: 'supervised-bulk' },
  { name: 'supervised-replay-bounded', needs: 'supervised-bulk' },
  // Last: it appends to the bulk ledger the scenarios above read.
  { name: 'casetrail-append-large', needs: 'casetrail-bulk' },
];
const ALL = PLAN.flatMap((p) => p.members ?? [p.name]);
for (const n of [...(opts.only ?? []), ...(opts.skip ?? [])]) if (!ALL.includes(n)) usage(`unknown scenario ${n}; one of ${ALL.join(', ')}`);
const isSelected = (n) => (opts.only === undefined || opts.only.includes(n)) && !(opts.skip ?? []).includes(n);
const rounds = opts.rounds ?? 10;

config.work = {};
for (const p of PLAN) for (const m of p.members ?? []) config.work[m] = p.work;

// ---------------------------------------------------------------------------
// run

const log = (...a) => {
  if (!opts.quiet) console.error(...a);
};

mkdirSync(workDir, { recursive: true });
if (opts.profile) mkdirSync(profileDir, { recursive: true });
const results = {};
const started = Date.now();
const scenarioScript = join(here, 'scenarios.mjs');

/**
 * Node flags of a scenario. The bounded replay runs in a 128 MB old space:
 * that it completes there shows its retained memory is bounded (with the
 * default heap V8 lets garbage pile up to far more before a full
 * collection, and peak RSS measures that policy, not what the replay keeps).
 */
const NODE_FLAGS = { 'supervised-replay-bounded': ['--max-old-space-size=128'] };

function prepare(name) {
  const cfgFile = join(workDir, `${name}.config.json`);
  const out = join(workDir, `${name}.result.json`);
  rmSync(out, { force: true });
  writeFileSync(cfgFile, JSON.stringify({ ...config, dir: workDir, out, ...(opts.core ? { core: opts.core } : {}) }));
  const execArgv = [...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []), ...(NODE_FLAGS[name] ?? [])];
  return { cfgFile, out, execArgv };
}

function collect(name, out, status) {
  if (status !== 0 || !existsSync(out)) {
    results[name] = { error: `exited with ${status}` };
    log(`bench: ${name} FAILED (${status})`);
    return;
  }
  results[name] = JSON.parse(readFileSync(out, 'utf8'));
}

/** A whole scenario in one child process. */
function runAlone(name) {
  const { cfgFile, out, execArgv } = prepare(name);
  const t0 = Date.now();
  log(`bench: ${name} …`);
  const r = spawnSync(process.execPath, [...execArgv, scenarioScript, name, cfgFile], {
    cwd: benchRoot,
    stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  collect(name, out, r.status ?? r.signal);
  log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A child driven over IPC: each request resolves with the child's next message. */
function driven(name) {
  const { cfgFile, out, execArgv } = prepare(name);
  const child = fork(scenarioScript, [name, cfgFile], { cwd: benchRoot, execArgv, stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'] });
  let pending;
  let exitCode;
  const exited = new Promise((res) => child.on('exit', (code, signal) => res((exitCode = code ?? signal))));
  child.on('message', (m) => {
    const p = pending;
    pending = undefined;
    p?.resolve(m);
  });
  exited.then(() => pending?.reject(new Error(`${name} exited with ${exitCode}`)));
  return {
    name,
    out,
    failed: false,
    ask(msg) {
      return new Promise((resolve, reject) => {
        if (exitCode !== undefined) return reject(new Error(`${name} exited with ${exitCode}`));
        pending = { resolve, reject };
        child.send(msg);
      });
    },
    exited,
  };
}

/** Members of a group, side by side in rounds. */
async function runGroup(p) {
  const t0 = Date.now();
  const members = p.members.filter(isSelected).filter((m) => {
    const need = typeof p.needs === 'object' ? p.needs[m] : p.needs;
    if (need !== undefined && !isSelected(need) && opts.dir === undefined) {
      log(`bench: skipping ${m}: it needs ${need} (or --dir of a kept run)`);
      return false;
    }
    return true;
  });
  if (members.length === 0) return;
  log(`bench: ${members.join(' | ')} side by side, ${rounds} rounds …`);
  const kids = members.map(driven);
  const attempt = async (kid, msg) => {
    if (kid.failed) return;
    try {
      await kid.ask(msg);
    } catch (e) {
      kid.failed = true;
      log(`bench: ${kid.name}: ${e.message}`);
    }
  };
  for (const kid of kids) await attempt(kid, { type: 'setup' });
  const size = Math.max(p.unit, Math.ceil(p.work / rounds / p.unit) * p.unit);
  let k = 0;
  for (let from = 0; from < p.work; from += size, k++) {
    const to = Math.min(p.work, from + size);
    for (let j = 0; j < kids.length; j++) await attempt(kids[(j + k) % kids.length], { type: 'round', from, to });
  }
  for (const kid of kids) await attempt(kid, { type: 'finish' });
  for (const kid of kids) {
    if (!kid.failed) await kid.ask({ type: 'exit' }).catch(() => undefined);
    collect(kid.name, kid.out, await kid.exited);
  }
  log(`bench: ${members.join(' | ')} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

log(`bench: ${entries.toLocaleString('en-US')} entries, cases ${config.cases}, batch ${config.batch}, single ${config.single}, iterations ${config.iterations}; work dir ${workDir}`);
for (const p of PLAN) {
  if (p.members !== undefined) {
    await runGroup(p);
    continue;
  }
  if (!isSelected(p.name)) continue;
  if (p.needs !== undefined && !isSelected(p.needs) && opts.dir === undefined) {
    log(`bench: skipping ${p.name}: it needs ${p.needs} (or --dir of a kept run)`);
    continue;
  }
  runAlone(p.name);
}
if (!opts.keep && opts.dir === undefined) rmSync(workDir, { recursive: true, force: true });

// ---------------------------------------------------------------------------
// ratios and targets

const get = (name) => (results[name] && !results[name].error ? results[name] : undefined);
const ratio = (a, b) => (a === undefined || b === undefined || !(b > 0) ? undefined : a / b);

const ct = {
  bulk: get('casetrail-bulk'),
  single: get('casetrail-single'),
  singleNormal: get('casetrail-single-normal'),
  verify: get('casetrail-verify-full'),
  incremental: get('casetrail-verify-incremental'),
  proofs: get('casetrail-proofs'),
  trace: get('casetrail-trace'),
  query: get('casetrail-query'),
  appendLarge: get('casetrail-append-large'),
};
const hc = { bulk: get('hypercore-bulk'), single: get('hypercore-single'), proof: get('hypercore-proof') };
const sup = {
  plainBulk: get('approvals-bulk'),
  bulk: get('supervised-bulk'),
  plainSingle: get('approvals-single'),
  single: get('supervised-single'),
  audit: get('supervised-audit'),
  replay: get('supervised-replay'),
  replayBounded: get('supervised-replay-bounded'),
};
const lim = { sqlite: get('sqlite-bulk'), schema: get('sqlite-schema-bulk'), sqliteSingle: get('sqlite-single'), sha: get('sha256-raw') };

/** Median over rounds of a's rate ÷ b's rate (each round ran a and b back to back). */
function roundRatio(a, b) {
  const ra = a?.rounds;
  const rb = b?.rounds;
  if (!ra || !rb || ra.length !== rb.length || ra.length === 0) return undefined;
  const r = ra.map((x, i) => x.perSec / rb[i].perSec).sort((p, q) => p - q);
  return { median: r[Math.floor(r.length / 2)], min: r[0], max: r[r.length - 1] };
}
const rr = (v) => (v === undefined ? '' : `; per round median ${v.median.toFixed(2)}, range ${v.min.toFixed(2)}–${v.max.toFixed(2)}`);

const targets = [];
const k0 = (v) => (v === undefined ? '—' : v.toLocaleString('en-US'));
function target(id, scenario, text, value, met, detail) {
  targets.push({ id, scenario, target: text, value, met: value === undefined ? null : met, detail });
}
const x = (v) => (v === undefined ? undefined : Number(v.toFixed(3)));
{
  const v = ratio(ct.bulk?.perSec, hc.bulk?.perSec);
  target('bulk-vs-hypercore', 'bulk append', '≥ 2× hypercore batched append', x(v), v >= 2, `casetrail entries/s ÷ hypercore entries/s${rr(roundRatio(ct.bulk, hc.bulk))}`);
  const w = ratio(ct.bulk?.perSec, lim.sqlite?.perSec);
  target('bulk-vs-sqlite', 'bulk append', '≥ 40% of raw SQLite insert', x(w), w >= 0.4, `casetrail entries/s ÷ raw better-sqlite3 rows/s${rr(roundRatio(ct.bulk, lim.sqlite))}`);
  const s = ratio(ct.single?.perSec, hc.single?.perSec);
  target('single-vs-hypercore', 'single append', '≥ 2× hypercore single append', x(s), s >= 2, `durability full (fsync per commit) vs hypercore default${rr(roundRatio(ct.single, hc.single))}`);
  const f = ratio(ct.verify?.perSec, lim.sha?.perSec);
  target('verify-vs-sha256', 'full verify', '≥ 40% of raw SHA-256', x(f), f >= 0.4, 'verified entries/s ÷ raw SHA-256 entries/s (same bytes, one thread)');
  const rss = ct.verify?.maxRssMB;
  target('verify-rss', 'full verify', 'peak RSS < 200 MB', x(rss), rss < 200, 'MB, maxRSS of the verify process');
  const inc = ratio(ct.incremental?.ms, ct.verify?.ms);
  target('incremental-vs-full', 'incremental verify (last 1,000)', '< 2% of full verify time', x(inc), inc < 0.02, 'incremental ms ÷ full verify ms');
  const p = ratio(ct.proofs?.pair.perSec, hc.proof?.perSec);
  target('proofs-vs-hypercore', 'inclusion + consistency proofs', '≥ 3× hypercore proof generation', x(p), p >= 3, 'casetrail (inclusion + consistency) pairs/s ÷ hypercore proofs/s');
  const p99 = ct.proofs?.pair.p99;
  target('proofs-p99', 'inclusion + consistency proofs', 'p99 < 1 ms', x(p99), p99 < 1, 'ms, one inclusion + one consistency proof');
  const t99 = ct.trace?.latency.p99;
  target('trace-p99', 'trace of a 100-step case', 'p99 < 10 ms', x(t99), t99 < 10, 'ms');
  const over = ratio(sup.plainBulk?.perSec, sup.bulk?.perSec);
  const overRounds = roundRatio(sup.plainBulk, sup.bulk);
  target('screening-bulk', 'screened bulk append (20-rule pack)', '≤ 25% over plain bulk append', x(over === undefined ? undefined : over - 1), over !== undefined && over - 1 <= 0.25, `plain entries/s ÷ screened entries/s − 1, same steps, alerts written in the transaction${rr(overRounds)}`);
  const single = sup.single && sup.plainSingle ? sup.single.latency.p50 - sup.plainSingle.latency.p50 : undefined;
  target('screening-single', 'screened single append (20-rule pack)', '≤ 0.2 ms per append', x(single), single !== undefined && single <= 0.2, 'ms, p50 screened − p50 plain, durability normal');
  const rate = sup.replay?.replayPerSec;
  target('audit-replay', `audit replay of ${k0(sup.replay?.entries)} entries`, '≥ 50k entries/s', x(rate), rate >= 50_000, 'entries/s, the replay after verification, case summaries bounded');
  const rssR = sup.replayBounded?.maxRssMB;
  target('audit-rss', `audit replay of ${k0(sup.replayBounded?.entries)} entries`, 'memory bounded: completes in a 128 MB heap, peak RSS < 256 MB', x(rssR), rssR < 256, `MB, maxRSS of the replay run with --max-old-space-size=128 (at most 20,000 case summaries; ${k0(Math.round(sup.replayBounded?.replayPerSec ?? NaN))} entries/s there; peak RSS with the default heap ${k0(Math.round(sup.replay?.maxRssMB ?? NaN))} MB)`);
  if (entries >= 10_000_000 && ct.bulk?.segments?.length) {
    const first = ct.bulk.segments[0].perSec;
    const r10 = ratio(ct.bulk.perSec, first);
    target('10m-append-rate', '10M entries', 'append rate within 20% of the 1M rate', x(r10), r10 >= 0.8, 'whole-run rate ÷ rate of the first 1M entries');
    const sc = ct.proofs?.scaling ?? [];
    const at1m = sc.find((e) => e.treeSize === 1_000_000);
    const top = sc[sc.length - 1];
    const g = ratio(top?.p50, at1m?.p50);
    target('10m-proofs-log', '10M entries', 'proofs still O(log n)', x(g), g <= 1.5, `p50 inclusion proof time at ${top?.treeSize} ÷ at 1M (log ratio ${(Math.log2(top?.treeSize ?? 1) / 20).toFixed(2)})`);
  }
}

// ---------------------------------------------------------------------------
// report

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  memoryGB: Number((totalmem() / 2 ** 30).toFixed(1)),
  platform: `${platform()} ${release()}`,
  node: process.version,
  hypercore: versionOf('hypercore'),
  betterSqlite3: versionOf('better-sqlite3'),
};

const doc = {
  date: new Date().toISOString(),
  mode: opts.quick ? 'quick' : 'full',
  config,
  machine,
  commit: gitCommit(),
  core: opts.core ?? '@casetrail/core (workspace)',
  durationSec: Number(((Date.now() - started) / 1000).toFixed(1)),
  results,
  targets,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(doc, null, 2));

const k = (v) => (v === undefined ? '—' : v >= 100_000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
const ms = (v) => (v === undefined ? '—' : v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
const mb = (r) => (r?.maxRssMB === undefined ? '—' : `${r.maxRssMB.toFixed(0)} MB`);
const rx = (v) => (v === undefined ? '—' : `${v.toFixed(2)}×`);

const rows = [
  ['bulk append (entries/s)', k(ct.bulk?.perSec), k(hc.bulk?.perSec), `${k(lim.sqlite?.perSec)} sqlite`, rx(ratio(ct.bulk?.perSec, hc.bulk?.perSec)), rx(ratio(ct.bulk?.perSec, lim.sqlite?.perSec)), `${mb(ct.bulk)} / ${mb(hc.bulk)} / ${mb(lim.sqlite)}`],
  ['  same rows, casetrail schema', k(lim.schema?.perSec), '—', `${k(lim.sqlite?.perSec)} sqlite`, '—', rx(ratio(lim.schema?.perSec, lim.sqlite?.perSec)), mb(lim.schema)],
  ['single append (appends/s)', k(ct.single?.perSec), k(hc.single?.perSec), `${k(lim.sqliteSingle?.perSec)} sqlite`, rx(ratio(ct.single?.perSec, hc.single?.perSec)), rx(ratio(ct.single?.perSec, lim.sqliteSingle?.perSec)), `${mb(ct.single)} / ${mb(hc.single)} / ${mb(lim.sqliteSingle)}`],
  ['single append, durability normal', k(ct.singleNormal?.perSec), k(hc.single?.perSec), `${k(lim.sqliteSingle?.perSec)} sqlite`, rx(ratio(ct.singleNormal?.perSec, hc.single?.perSec)), rx(ratio(ct.singleNormal?.perSec, lim.sqliteSingle?.perSec)), `${mb(ct.singleNormal)}`],
  ['full verify (entries/s)', k(ct.verify?.perSec), '—', `${k(lim.sha?.perSec)} sha256`, '—', rx(ratio(ct.verify?.perSec, lim.sha?.perSec)), `${mb(ct.verify)} / — / ${mb(lim.sha)}`],
  ['incremental verify, last 1,000', ms(ct.incremental?.ms), '—', `full ${ms(ct.verify?.ms)}`, '—', `${((ratio(ct.incremental?.ms, ct.verify?.ms) ?? NaN) * 100).toFixed(2)}% of full`, mb(ct.incremental)],
  ['inclusion+consistency (pairs/s)', k(ct.proofs?.pair.perSec), `${k(hc.proof?.perSec)} proofs/s`, '—', rx(ratio(ct.proofs?.pair.perSec, hc.proof?.perSec)), '—', `${mb(ct.proofs)} / ${mb(hc.proof)}`],
  ['  pair p50 / p99', `${ms(ct.proofs?.pair.p50)} / ${ms(ct.proofs?.pair.p99)}`, hc.proof ? `${ms(hc.proof[hc.proof.best].p50)} / ${ms(hc.proof[hc.proof.best].p99)}` : '—', '—', '—', '—', ''],
  ['  verify incl. / cons. p50', `${ms(ct.proofs?.verifyInclusion.p50)} / ${ms(ct.proofs?.verifyConsistency.p50)}`, '—', '—', '—', '—', ''],
  ['trace, 100-step case p50 / p99', `${ms(ct.trace?.latency.p50)} / ${ms(ct.trace?.latency.p99)}`, '—', '—', '—', '—', mb(ct.trace)],
  ['query actor+week p50 / p99', `${ms(ct.query?.latency.p50)} / ${ms(ct.query?.latency.p99)}`, '—', '—', '—', '—', mb(ct.query)],
  ['screened bulk append (entries/s)', k(sup.bulk?.perSec), '—', `${k(sup.plainBulk?.perSec)} plain`, '—', rx(ratio(sup.bulk?.perSec, sup.plainBulk?.perSec)), `${mb(sup.bulk)} / — / ${mb(sup.plainBulk)}`],
  ['screened single append p50 / p99', sup.single ? `${ms(sup.single.latency.p50)} / ${ms(sup.single.latency.p99)}` : '—', '—', sup.plainSingle ? `${ms(sup.plainSingle.latency.p50)} / ${ms(sup.plainSingle.latency.p99)} plain` : '—', '—', '—', `${mb(sup.single)} / — / ${mb(sup.plainSingle)}`],
  ['audit: verify + replay (entries/s)', k(sup.audit?.perSec), '—', `replay ${k(sup.audit?.replayPerSec)}`, '—', '—', mb(sup.audit)],
  ['audit replay alone (entries/s)', k(sup.replay?.replayPerSec), '—', '—', '—', '—', mb(sup.replay)],
  ['  the same in a 128 MB heap', k(sup.replayBounded?.replayPerSec), '—', '—', '—', '—', mb(sup.replayBounded)],
  [`append at ${k(ct.appendLarge?.treeSize)}: cold / warm p50`, `${ms(ct.appendLarge?.cold.p50)} / ${ms(ct.appendLarge?.warm.p50)}`, '—', '—', '—', '—', mb(ct.appendLarge)],
  ['  cold / warm p99', `${ms(ct.appendLarge?.cold.p99)} / ${ms(ct.appendLarge?.warm.p99)}`, '—', '—', '—', '—', ''],
  ['  extension proof alone p50 / p99', `${ms(ct.appendLarge?.proof.p50)} / ${ms(ct.appendLarge?.proof.p99)}`, '—', '—', '—', '—', ''],
  ['bytes on disk per entry', ct.bulk ? ct.bulk.bytesPerEntry.toFixed(0) : '—', hc.bulk ? hc.bulk.bytesPerEntry.toFixed(0) : '—', lim.sqlite ? `${lim.sqlite.bytesPerEntry.toFixed(0)} sqlite` : '—', rx(ratio(ct.bulk?.bytesPerEntry, hc.bulk?.bytesPerEntry)), rx(ratio(ct.bulk?.bytesPerEntry, lim.sqlite?.bytesPerEntry)), ''],
];
const head = ['scenario', 'casetrail', 'hypercore', 'limit', 'vs hypercore', 'vs limit', 'peak RSS (ct / hc / limit)'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
const out = [];
out.push(`casetrail bench — ${entries.toLocaleString('en-US')} entries (${doc.mode}, cases ${config.cases}), ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${doc.date}`);
out.push(line(head));
out.push(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) out.push(line(r));
out.push('');
out.push(`targets${entries !== 1_000_000 ? ` (stated for 1M entries; this run has ${entries.toLocaleString('en-US')})` : ''}:`);
for (const t of targets) {
  const mark = t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS';
  out.push(`  ${mark} ${t.scenario}: ${t.target} — got ${t.value ?? '—'} (${t.detail})`);
}
const failed = Object.entries(results).filter(([, r]) => r.error).map(([n]) => n);
if (failed.length) out.push(`failed scenarios: ${failed.join(', ')}`);
out.push(`results: ${outFile}${opts.profile ? `\nprofiles: ${profileDir}` : ''}`);
console.log(out.join('\n'));
process.exit(failed.length ? 1 : 0);
