/**
 * One benchmark scenario per process: `node scenarios.mjs <name> <config.json>`.
 * Running each scenario in its own process keeps heaps, caches and peak RSS
 * (process.resourceUsage().maxRSS) from leaking between scenarios. The result
 * is written as JSON to config.out.
 *
 * Timing policy: only the measured operation is inside the clock; making the
 * entries (entries.mjs) and encoding the bytes a plain log or table stores
 * happens outside it. casetrail gets the entry objects (its API serialises
 * the payload itself, so that cost counts against it).
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { ACTORS, BASE_TIME, TIME_STEP_MS, TRACE_CASES, TRACE_STEPS, entriesRange, entryAt, payloadBytes, recordBytes, rnd, traceCaseId } from './entries.mjs';

const [name, cfgPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
const coreUrl = cfg.core ? pathToFileURL(cfg.core).href : import.meta.resolve('@casetrail/core');
const core = await import(coreUrl);

const N = cfg.entries;
const MODEL = cfg.cases ?? 'lifetime';
const BATCH = cfg.batch;
const ORIGIN = 'bench.casetrail.example/ledger';
const LEDGER = join(cfg.dir, 'casetrail.ledger');
const HYPERCORE_DIR = join(cfg.dir, 'hypercore');
const SQLITE = join(cfg.dir, 'raw.sqlite');
const KEYS = join(cfg.dir, 'keys.json');
const SUPERVISED = join(cfg.dir, 'supervised.ledger');
/** The signer state of the bench ledger's key, in a file as beside a key file (format.md §10). */
const STATE = join(cfg.dir, 'casetrail.key.state');

// ---------------------------------------------------------------------------
// helpers

const now = () => performance.now();

/** p50/p99/mean/max of a list of durations in ms. */
function latency(ms) {
  const s = Float64Array.from(ms).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: sum / s.length, max: s[s.length - 1] };
}

/** Apparent size in bytes of a file, or of every file under a directory. */
function diskBytes(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const f of readdirSync(path)) n += diskBytes(join(path, f));
  return n;
}

function ledgerBytes(path) {
  return diskBytes(path) + diskBytes(`${path}-wal`) + diskBytes(`${path}-shm`);
}

/** Seeded index in [0, n) for iteration r of a scenario. */
const pick = (r, salt, n) => rnd(r + 0x5bd1e995, salt) % n;

/** Records throughput per segment of a long append run (for the 10M "rate stays flat" check). */
class Segments {
  constructor(total) {
    this.every = total >= 10_000_000 ? 1_000_000 : Math.max(BATCH, Math.floor(total / 10));
    this.list = [];
    this.doneAt = 0;
    this.msAt = 0;
  }
  tick(done, ms) {
    if (done - this.doneAt >= this.every || done === N) {
      this.list.push({ upTo: done, perSec: ((done - this.doneAt) / (ms - this.msAt)) * 1000 });
      this.doneAt = done;
      this.msAt = ms;
    }
  }
}

function keys() {
  if (!existsSync(KEYS)) writeFileSync(KEYS, JSON.stringify(core.generateKeyPair(ORIGIN)));
  return JSON.parse(readFileSync(KEYS, 'utf8'));
}

/**
 * casetrail entry bytes (format v1) for entries [from, to): the exact bytes
 * the ledger stores, used for the raw SQLite and raw SHA-256 limits.
 * `state` carries the chain between calls.
 */
function casetrailBytes(from, to, state) {
  const out = [];
  for (let i = from; i < to; i++) {
    const e = entryAt(i, N, MODEL);
    const payload = payloadBytes(e);
    const salt = core.newSalt();
    const prior = state.cases.get(e.caseId);
    const entry = {
      v: 1,
      seq: i,
      prev: state.prev,
      time: e.time,
      caseId: e.caseId,
      step: prior === undefined ? 1 : prior.step + 1,
      casePrev: prior === undefined ? core.ZERO_HASH : prior.leaf,
      type: e.type,
      actor: e.actor,
      commit: core.payloadCommitment(salt, payload),
      sigs: [],
    };
    const bytes = core.encodeEntry(entry);
    const leaf = core.leafHash(bytes);
    state.cases.set(e.caseId, { step: entry.step, leaf });
    state.prev = leaf;
    const completed = state.acc.push(leaf);
    const nodes = new Uint8Array(completed.length * 32);
    completed.forEach((n, j) => nodes.set(n.hash, j * 32));
    const row = { seq: i, leaf, bytes, nodes, case_id: e.caseId, step: entry.step, type: e.type, actor: e.actor, time: e.time };
    out.push({ bytes, salt, payload, row });
  }
  return out;
}

function newChainState() {
  return { prev: core.genesisLink(ORIGIN), cases: new Map(), acc: new core.MerkleAccumulator() };
}

// ---------------------------------------------------------------------------
// the limits

/** Raw SHA-256 (node:crypto one-shot) over the bytes verification must hash: H(0x00‖entry) and H(tag‖salt‖payload). */
async function rawSha256() {
  const tag = Buffer.from('casetrail-v1-payload\0');
  const state = newChainState();
  let ms = 0;
  let bytes = 0;
  let streamMs = 0;
  const CHUNK = 10_000;
  for (let from = 0; from < N; from += CHUNK) {
    const items = casetrailBytes(from, Math.min(N, from + CHUNK), state).map((x) => ({
      leafIn: Buffer.concat([Buffer.of(0), x.bytes]),
      commitIn: Buffer.concat([tag, x.salt, x.payload]),
    }));
    const t0 = now();
    for (const it of items) {
      oneShotHash('sha256', it.leafIn, 'buffer');
      oneShotHash('sha256', it.commitIn, 'buffer');
    }
    ms += now() - t0;
    for (const it of items) bytes += it.leafIn.length + it.commitIn.length;
    // One streaming hash over the same bytes: the pure throughput bound (information only).
    const t1 = now();
    const h = createHash('sha256');
    for (const it of items) h.update(it.leafIn).update(it.commitIn);
    h.digest();
    streamMs += now() - t1;
  }
  return {
    entries: N,
    ms,
    perSec: (N / ms) * 1000,
    bytes,
    mbPerSec: bytes / 1e6 / (ms / 1000),
    streamingMbPerSec: bytes / 1e6 / (streamMs / 1000),
  };
}

function openRawSqlite(path, durability, schema = 'CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, payload BLOB NOT NULL) STRICT') {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec(schema);
  return db;
}

/**
 * Scenarios that are compared side by side run as stages: setup(), then
 * round(from, to) for consecutive slices of their work (the parent
 * interleaves the rounds of the systems being compared, so machine drift hits
 * them alike), then finish() for the result.
 */

/** Bulk append of entries [from, to) in BATCH-sized calls; `append(from, to)` returns after one batch is durable. */
function bulkStages({ setup, append, close, disk }) {
  const seg = new Segments(N);
  const rounds = [];
  let ms = 0;
  let done = 0;
  return {
    setup,
    async round(from, to) {
      let roundMs = 0;
      for (let f = from; f < to; f += BATCH) {
        const t = Math.min(to, f + BATCH);
        roundMs += await append(f, t);
        done += t - f;
        seg.tick(done, ms + roundMs);
      }
      ms += roundMs;
      rounds.push({ from, to, perSec: ((to - from) / roundMs) * 1000 });
      return { ms: roundMs, perSec: ((to - from) / roundMs) * 1000 };
    },
    async finish() {
      const extra = (await close()) ?? {};
      const bytes = disk();
      return { entries: done, batch: BATCH, ms, perSec: (done / ms) * 1000, segments: seg.list, rounds, diskBytes: bytes, bytesPerEntry: bytes / done, ...extra };
    },
  };
}

/** One append per call for entries [from, to); `append(i)` returns after entry i is stored. */
function singleStages({ setup, append, close, info = {} }) {
  const lat = [];
  const rounds = [];
  let ms = 0;
  return {
    setup,
    async round(from, to) {
      const t0 = now();
      for (let i = from; i < to; i++) {
        const t = now();
        await append(i);
        lat.push(now() - t);
      }
      const d = now() - t0;
      ms += d;
      rounds.push({ from, to, perSec: ((to - from) / d) * 1000 });
      return { ms: d, perSec: ((to - from) / d) * 1000 };
    },
    async finish() {
      await close();
      return { entries: lat.length, ...info, ms, perSec: (lat.length / ms) * 1000, latency: latency(lat), rounds };
    },
  };
}

function sqliteBulk() {
  let db;
  let tx;
  const state = newChainState();
  return bulkStages({
    setup() {
      rmSync(SQLITE, { force: true });
      db = openRawSqlite(SQLITE, 'full');
      const insert = db.prepare('INSERT INTO log (seq, entry, payload) VALUES (?, ?, ?)');
      tx = db.transaction((rows, from) => {
        for (let j = 0; j < rows.length; j++) insert.run(from + j, rows[j].bytes, rows[j].payload);
      });
    },
    append(from, to) {
      const rows = casetrailBytes(from, to, state);
      const t0 = now();
      tx.immediate(rows, from);
      return now() - t0;
    },
    close: () => db.close(),
    disk: () => diskBytes(SQLITE),
  });
}

/**
 * better-sqlite3 inserting the same rows into casetrail's own schema
 * (tables, indexes and triggers from core's store/sqlite/schema.js: the v1
 * schema and its migrations, as a new ledger gets them), with every
 * value computed beforehand: the cost of casetrail's storage layout alone,
 * without any casetrail JavaScript. Column values are filled by name.
 */
/** The SQL of a new ledger's schema, from the core build under test (older builds had store/schema.js). */
async function coreSchemaSql() {
  try {
    const { SCHEMA_V1_SQL, MIGRATIONS } = await import(new URL('store/sqlite/schema.js', coreUrl).href);
    return SCHEMA_V1_SQL + MIGRATIONS.map((m) => m.sql).join('');
  } catch {
    return (await import(new URL('store/schema.js', coreUrl).href)).SCHEMA_SQL;
  }
}

function sqliteSchemaBulk() {
  const path = join(cfg.dir, 'schema.sqlite');
  let db;
  let tx;
  let cols;
  const state = newChainState();
  return bulkStages({
    async setup() {
      rmSync(path, { force: true });
      db = openRawSqlite(path, 'full', await coreSchemaSql());
      db.pragma('cache_size = -65536');
      db.pragma('wal_autocheckpoint = 10000');
      cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries');
      const insert = db.prepare(`INSERT INTO entries (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      tx = db.transaction((rows) => {
        for (const r of rows) insert.run(...cols.map((c) => r[c]));
      });
    },
    append(from, to) {
      const rows = casetrailBytes(from, to, state).map((x) => ({ ...x.row, salt: x.salt, data: x.payload, payload: x.payload }));
      const t0 = now();
      tx.immediate(rows);
      return now() - t0;
    },
    close: () => db.close(),
    disk: () => diskBytes(path),
  });
}

function sqliteSingle() {
  const path = join(cfg.dir, 'raw-single.sqlite');
  let db;
  let tx;
  let rows;
  return singleStages({
    setup() {
      rmSync(path, { force: true });
      db = openRawSqlite(path, 'full');
      const insert = db.prepare('INSERT INTO log (seq, entry, payload) VALUES (?, ?, ?)');
      tx = db.transaction((row, seq) => insert.run(seq, row.bytes, row.payload));
      rows = casetrailBytes(0, cfg.single, newChainState());
    },
    append: (i) => tx.immediate(rows[i], i),
    close: () => db.close(),
  });
}

// ---------------------------------------------------------------------------
// hypercore@11

async function openHypercore(dir) {
  const { default: Hypercore } = await import('hypercore');
  const hc = new Hypercore(dir);
  await hc.ready();
  return hc;
}

/** hypercore batched append: BATCH blocks per append() call. */
function hypercoreBulk() {
  let hc;
  return bulkStages({
    async setup() {
      rmSync(HYPERCORE_DIR, { recursive: true, force: true });
      hc = await openHypercore(HYPERCORE_DIR);
    },
    async append(from, to) {
      const blocks = entriesRange(from, to, N, MODEL).map(recordBytes);
      const t0 = now();
      await hc.append(blocks);
      return now() - t0;
    },
    async close() {
      const length = hc.length;
      await hc.close();
      return { length };
    },
    disk: () => diskBytes(HYPERCORE_DIR),
  });
}

/** hypercore single append: one block per append() call. */
function hypercoreSingle() {
  const dir = join(cfg.dir, 'hypercore-single');
  let hc;
  let blocks;
  return singleStages({
    async setup() {
      rmSync(dir, { recursive: true, force: true });
      hc = await openHypercore(dir);
      blocks = entriesRange(0, cfg.single, N, MODEL).map(recordBytes);
    },
    append: (i) => hc.append(blocks[i]),
    close: () => hc.close(),
  });
}

/**
 * hypercore proof generation on the bulk core: a proof of block i's hash
 * with an upgrade from an older length to the current one (hypercore's
 * upgrade `{ start, length }` adds `length` blocks to `start`; its form of
 * inclusion + consistency in one proof), and, for reference, a block proof
 * with a full upgrade from 0 (what a new peer is sent).
 */
function hypercoreProof() {
  let hc;
  let len;
  const hashUpgrade = [];
  const blockFull = [];
  return {
    async setup() {
      hc = await openHypercore(HYPERCORE_DIR);
      len = hc.length;
      for (let r = 0; r < 50; r++) await hc.proof({ hash: { index: 2 * pick(r, 99, len - 1), nodes: 0 }, upgrade: { start: len - 1, length: 1 } });
    },
    async round(from, to) {
      const t0 = now();
      for (let r = from; r < to; r++) {
        const i = pick(r, 1, len - 1);
        const old = i + 1 + pick(r, 2, len - 1 - i);
        const t = now();
        await hc.proof({ hash: { index: 2 * i, nodes: 0 }, upgrade: { start: old, length: len - old } });
        hashUpgrade.push(now() - t);
      }
      const d = now() - t0;
      for (let r = from; r < to; r++) {
        const t = now();
        await hc.proof({ block: { index: pick(r, 3, len), nodes: 0 }, upgrade: { start: 0, length: len } });
        blockFull.push(now() - t);
      }
      return { ms: d, perSec: ((to - from) / d) * 1000 };
    },
    async finish() {
      // Check one proof verifies, so the comparison is against real work.
      const p = await hc.proof({ block: { index: 0, nodes: 0 }, upgrade: { start: 0, length: len } });
      let verified = false;
      try {
        await hc.verifyFullyRemote(p);
        verified = true;
      } catch {
        verified = false;
      }
      await hc.close();
      const a = latency(hashUpgrade);
      const b = latency(blockFull);
      const hu = { ...a, perSec: 1000 / a.mean };
      const bf = { ...b, perSec: 1000 / b.mean };
      const best = hu.perSec >= bf.perSec ? 'hashUpgrade' : 'blockFull';
      return { treeSize: len, hashUpgrade: hu, blockFull: bf, best, perSec: Math.max(hu.perSec, bf.perSec), sampleVerified: verified };
    },
  };
}

// ---------------------------------------------------------------------------
// casetrail

function casetrailBulk() {
  let ledger;
  return bulkStages({
    async setup() {
      for (const s of ['', '-wal', '-shm']) rmSync(LEDGER + s, { force: true });
      rmSync(KEYS, { force: true });
      rmSync(STATE, { force: true });
      ledger = await core.Ledger.create(LEDGER, { origin: ORIGIN, signer: keys().skey, signerState: { file: STATE } });
    },
    async append(from, to) {
      const steps = entriesRange(from, to, N, MODEL);
      const t0 = now();
      await ledger.appendMany(steps);
      return now() - t0;
    },
    async close() {
      const checkpoint = await ledger.latestCheckpoint();
      await ledger.close();
      return { checkpointSize: checkpoint?.size ?? 0 };
    },
    disk: () => ledgerBytes(LEDGER),
  });
}

/**
 * One append() per transaction with its signed checkpoint, on a fresh
 * ledger; the signer state in a file, fsynced, as for a key file.
 */
function casetrailSingle(durability) {
  const path = join(cfg.dir, `single-${durability}.ledger`);
  const state = `${path}.key.state`;
  let ledger;
  let steps;
  return singleStages({
    async setup() {
      for (const s of ['', '-wal', '-shm', '.key.state']) rmSync(path + s, { force: true });
      ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey, signerState: { file: state }, durability });
      steps = entriesRange(0, cfg.single, N, MODEL);
    },
    append: (i) => ledger.append(steps[i]),
    close: () => ledger.close(),
    info: { durability },
  });
}

async function casetrailVerifyFull() {
  const { vkey } = keys();
  const t0 = now();
  const report = await core.verifyLedger(LEDGER, { vkey, ...(cfg.verifyWorkers === undefined ? {} : { workers: cfg.verifyWorkers }) });
  const ms = now() - t0;
  return {
    workers: cfg.verifyWorkers ?? 'default',
    entries: report.size,
    ms,
    perSec: (report.size / ms) * 1000,
    ok: report.ok,
    issueCount: report.issueCount,
    firstIssue: report.issues[0]?.code,
    checked: report.checked,
  };
}

async function casetrailVerifyIncremental() {
  const { vkey } = keys();
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const size = await ledger.size();
  const from = Math.max(1, size - 1000);
  const trusted = await ledger.checkpointAt(from);
  await ledger.close();
  if (trusted === undefined) throw new Error(`no stored checkpoint at size ${from}`);
  const runs = [];
  let report;
  for (let r = 0; r < 5; r++) {
    const t0 = now();
    report = await core.verifyLedger(LEDGER, { vkey, trusted: trusted.note, mode: 'incremental' });
    runs.push(now() - t0);
  }
  const l = latency(runs);
  return { entries: size, fromSize: from, checkedEntries: report.checked.entries, ms: l.p50, runs, ok: report.ok, firstIssue: report.issues[0]?.code };
}

function casetrailProofs() {
  let ledger;
  let size;
  const inc = [];
  const con = [];
  const pair = [];
  const vInc = [];
  const vCon = [];
  let allValid = true;
  let items = 0;
  return {
    async setup() {
      ledger = await core.Ledger.open(LEDGER, { readonly: true });
      size = await ledger.size();
      for (let r = 0; r < 50; r++) {
        await ledger.proveInclusion(pick(r, 98, size), size);
        await ledger.proveConsistency(1 + pick(r, 97, size - 1), size);
      }
    },
    async round(from, to) {
      let d = 0;
      for (let r = from; r < to; r++) {
        const seq = pick(r, 1, size);
        const old = 1 + pick(r, 2, size - 1);
        const t0 = now();
        const ip = await ledger.proveInclusion(seq, size);
        const t1 = now();
        const cp = await ledger.proveConsistency(old, size);
        const t2 = now();
        inc.push(t1 - t0);
        con.push(t2 - t1);
        pair.push(t2 - t0);
        d += t2 - t0;
        items += ip.proof.length + cp.proof.length;
        const t3 = now();
        const okI = core.verifyInclusion(ip.leafHash, ip.seq, ip.treeSize, ip.proof, ip.root);
        const t4 = now();
        const okC = core.verifyConsistency(cp.oldSize, cp.newSize, cp.oldRoot, cp.newRoot, cp.proof);
        const t5 = now();
        vInc.push(t4 - t3);
        vCon.push(t5 - t4);
        allValid &&= okI && okC;
      }
      return { ms: d, perSec: ((to - from) / d) * 1000 };
    },
    async finish() {
      // Proof cost against tree size: O(log n) means a flat line per decade.
      const scaling = [];
      for (let s = 1000; s <= size; s *= 10) {
        const lat = [];
        let len = 0;
        for (let r = 0; r < 200; r++) {
          const t = now();
          const p = await ledger.proveInclusion(pick(r, 5, s), s);
          lat.push(now() - t);
          len += p.proof.length;
        }
        scaling.push({ treeSize: s, p50: latency(lat).p50, meanProofItems: len / 200 });
      }
      await ledger.close();
      const pl = latency(pair);
      return {
        treeSize: size,
        inclusion: latency(inc),
        consistency: latency(con),
        pair: { ...pl, perSec: 1000 / pl.mean },
        verifyInclusion: latency(vInc),
        verifyConsistency: latency(vCon),
        meanItemsPerPair: items / pair.length,
        allValid,
        scaling,
      };
    },
  };
}

async function casetrailTrace() {
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const lat = [];
  let allOk = true;
  for (let r = 0; r < cfg.iterations; r++) {
    const id = traceCaseId(r % TRACE_CASES);
    const t = now();
    const tr = await ledger.trace(id);
    lat.push(now() - t);
    allOk &&= tr.ok && tr.steps.length === TRACE_STEPS;
  }
  await ledger.close();
  return { steps: TRACE_STEPS, latency: latency(lat), allOk };
}

async function casetrailQuery() {
  const ledger = await core.Ledger.open(LEDGER, { readonly: true });
  const size = await ledger.size();
  const lat = [];
  let rows = 0;
  const WEEK = 7 * 24 * 3600 * 1000;
  for (let r = 0; r < cfg.iterations; r++) {
    const actor = ACTORS[pick(r, 1, ACTORS.length)];
    const since = BASE_TIME + pick(r, 2, size) * TIME_STEP_MS;
    const t = now();
    const page = await ledger.query({ actor, since, until: since + WEEK, limit: 100 });
    lat.push(now() - t);
    rows += page.entries.length;
  }
  await ledger.close();
  return { window: '7 days', limit: 100, latency: latency(lat), meanRows: rows / cfg.iterations };
}

/**
 * Single appends on the large ledger the bulk scenario made, through its
 * signer state: each "cold" one by a Ledger just opened (it proves the
 * extension: the compact range, the last entry and the case's latest step,
 * by inclusion proofs: O(log n) reads), then "warm" ones by one Ledger (its
 * cache holds), then the proof alone (checkpoint() of a Ledger just opened,
 * which writes nothing: no fsync in the figure). Run at two sizes, they
 * show the cost does not grow with n.
 */
async function casetrailAppendLarge() {
  const { skey } = keys();
  const signing = { signer: skey, signerState: { file: STATE } };
  const cold = [];
  const warm = [];
  const opens = Math.min(50, cfg.iterations);
  let size = 0;
  for (let i = 0; i < opens; i++) {
    const l = await core.Ledger.open(LEDGER, signing);
    const e = entryAt(pick(i, 7, N), N, MODEL);
    const t = now();
    const r = await l.append({ caseId: e.caseId, type: 'bench.cold', actor: e.actor, data: { i } });
    cold.push(now() - t);
    size = r.treeSize;
    await l.close();
  }
  const l = await core.Ledger.open(LEDGER, signing);
  for (let i = 0; i < cfg.iterations; i++) {
    const e = entryAt(pick(i, 11, N), N, MODEL);
    const t = now();
    const r = await l.append({ caseId: e.caseId, type: 'bench.warm', actor: e.actor, data: { i } });
    warm.push(now() - t);
    size = r.treeSize;
  }
  await l.close();
  // The proof alone: a Ledger just opened asked for the checkpoint it already
  // stored proves the extension (compact range, last entry) and writes nothing.
  const proof = [];
  for (let i = 0; i < opens; i++) {
    const p = await core.Ledger.open(LEDGER, signing);
    const t = now();
    await p.checkpoint();
    proof.push(now() - t);
    await p.close();
  }
  return { treeSize: size, cold: latency(cold), warm: latency(warm), proof: latency(proof) };
}

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// supervision: the same approval steps appended plainly and screened by a
// 20-rule pack (alerts written in the transaction), then the audit's replay.

const sv = await import('@casetrail/supervise');
const svLedger = await import('@casetrail/supervise/ledger');
const approvals = await import('./supervision.mjs');
const CALENDAR = JSON.parse(readFileSync(new URL('../../supervise/calendars/cn-mainland.json', import.meta.url), 'utf8'));

async function supervisedLedger(path, durability) {
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  const { skey, vkey } = keys();
  const ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: skey, durability });
  const sup = await svLedger.supervise(ledger, { vkey });
  await sup.adoptCalendar(CALENDAR, { actor: 'operator:bench', time: approvals.START - 60_000 });
  await sup.adoptPack(sv.loadPack(approvals.PACK_YAML, 'bench-20.yaml'), { actor: 'operator:bench', time: approvals.START - 60_000 });
  return { ledger, sup };
}

/** The approval steps appended plainly, in BATCH-sized transactions (the baseline of supervised-bulk). */
function approvalsBulk() {
  const path = join(cfg.dir, 'approvals.ledger');
  let ledger;
  return bulkStages({
    async setup() {
      for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
      ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey });
    },
    async append(from, to) {
      const steps = approvals.approvalsRange(from, to, N);
      const t0 = now();
      await ledger.appendMany(steps);
      return now() - t0;
    },
    close: () => ledger.close(),
    disk: () => ledgerBytes(path),
  });
}

/**
 * The same steps screened by the 20-rule pack: each transaction also writes
 * the alerts its steps raise. After a batch that reached a new day a tick is
 * written (outside the clock: ticks are not appends; their cost is reported
 * apart), so the ledger the audit scenarios read has deadlines and
 * escalations too.
 */
function supervisedBulk() {
  let ledger;
  let sup;
  let lastDay = approvals.dayOf(approvals.START);
  let alerts = 0;
  let ticks = 0;
  let tickMs = 0;
  return bulkStages({
    async setup() {
      ({ ledger, sup } = await supervisedLedger(SUPERVISED, 'full'));
    },
    async append(from, to) {
      const steps = approvals.approvalsRange(from, to, N);
      const t0 = now();
      const receipts = await sup.appendMany(steps);
      const ms = now() - t0;
      for (const r of receipts) alerts += r.alerts.length;
      const last = steps[steps.length - 1].time;
      if (approvals.dayOf(last) !== lastDay) {
        lastDay = approvals.dayOf(last);
        const t1 = now();
        alerts += (await sup.tick({ now: last })).alerts.length;
        tickMs += now() - t1;
        ticks++;
      }
      return ms;
    },
    async close() {
      const size = await ledger.size();
      await sup.close();
      await ledger.close();
      return { alerts, ticks, tickMsPerTick: ticks === 0 ? 0 : tickMs / ticks, ledgerSize: size };
    },
    disk: () => ledgerBytes(SUPERVISED),
  });
}

/** One append per transaction, durability normal (fsync would hide what screening costs). */
function approvalsSingle(supervised) {
  const path = join(cfg.dir, supervised ? 'supervised-single.ledger' : 'approvals-single.ledger');
  let ledger;
  let sup;
  let steps;
  return singleStages({
    async setup() {
      if (supervised) ({ ledger, sup } = await supervisedLedger(path, 'normal'));
      else {
        for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
        ledger = await core.Ledger.create(path, { origin: ORIGIN, signer: keys().skey, durability: 'normal' });
      }
      steps = approvals.approvalsRange(0, cfg.single, N);
    },
    append: (i) => (supervised ? sup.append(steps[i]) : ledger.append(steps[i])),
    async close() {
      await sup?.close();
      await ledger.close();
    },
    info: { durability: 'normal', supervised },
  });
}

/** What `casetrail audit` does: full verification, then the replay from one snapshot, bounded. */
async function supervisedAudit(replayOnly) {
  const { vkey } = keys();
  let verifyMs = 0;
  let size;
  if (!replayOnly) {
    const t0 = now();
    const v = await core.verifyLedger(SUPERVISED, { vkey, systemTypes: svLedger.supervisionValidators() });
    verifyMs = now() - t0;
    if (!v.ok) throw new Error(`the supervised ledger does not verify: ${v.issues[0]?.code}`);
    size = v.size;
  }
  const store = await core.openStore(SUPERVISED, { readonly: true });
  const t1 = now();
  const report = await store.snapshot(async (view) => {
    const n = size ?? view.size();
    const adoptions = view.query({ type: sv.TYPES.rulesAdopted, limit: 1000 }).map((row) => svLedger.storedEntry(view, row, store.origin).entry);
    return sv.audit(
      function* () {
        yield* svLedger.verifiedEntries(view, 0, n);
      },
      { history: (caseId, beforeSeq) => svLedger.storedCaseHistory(view, store.origin, caseId, beforeSeq, 'verified'), adoptions },
    );
  });
  const replayMs = now() - t1;
  await store.close();
  return {
    entries: report.entries,
    ok: report.ok,
    findings: report.findings.length,
    expected: report.expected,
    recorded: report.recorded,
    maxCases: sv.DEFAULT_MAX_CASES,
    verifyMs,
    replayMs,
    replayPerSec: (report.entries / replayMs) * 1000,
    ms: verifyMs + replayMs,
    perSec: (report.entries / (verifyMs + replayMs)) * 1000,
  };
}

const SCENARIOS = {
  'sha256-raw': rawSha256,
  'sqlite-bulk': sqliteBulk,
  'sqlite-single': sqliteSingle,
  'sqlite-schema-bulk': sqliteSchemaBulk,
  'hypercore-bulk': hypercoreBulk,
  'hypercore-single': hypercoreSingle,
  'hypercore-proof': hypercoreProof,
  'casetrail-bulk': casetrailBulk,
  'casetrail-single': () => casetrailSingle('full'),
  'casetrail-single-normal': () => casetrailSingle('normal'),
  'casetrail-verify-full': casetrailVerifyFull,
  'casetrail-verify-incremental': casetrailVerifyIncremental,
  'casetrail-proofs': casetrailProofs,
  'casetrail-trace': casetrailTrace,
  'casetrail-query': casetrailQuery,
  'approvals-bulk': approvalsBulk,
  'supervised-bulk': supervisedBulk,
  'approvals-single': () => approvalsSingle(false),
  'supervised-single': () => approvalsSingle(true),
  'supervised-audit': () => supervisedAudit(false),
  'supervised-replay': () => supervisedAudit(true),
  'supervised-replay-bounded': () => supervisedAudit(true),
  'casetrail-append-large': casetrailAppendLarge,
};

const make = SCENARIOS[name];
if (make === undefined) {
  console.error(`unknown scenario ${name}; one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
mkdirSync(cfg.dir, { recursive: true });
const scenario = make();

function done(result) {
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  writeFileSync(cfg.out, JSON.stringify(result, null, 2));
}

if (typeof scenario.then === 'function' || typeof scenario.round !== 'function') {
  done(await scenario);
  process.exit(0);
} else if (process.send === undefined) {
  // Standalone: the whole work as consecutive rounds.
  await scenario.setup();
  const total = cfg.work[name];
  const step = Math.max(1, Math.ceil(total / 10 / BATCH) * BATCH);
  for (let from = 0; from < total; from += step) await scenario.round(from, Math.min(total, from + step));
  done(await scenario.finish());
  process.exit(0);
} else {
  // Driven by the parent: it sends rounds and then asks for the result.
  process.on('message', (m) => {
    const reply = (p) => p.then((v) => process.send(v), (e) => {
      console.error(e);
      process.exit(1);
    });
    if (m.type === 'setup') reply(Promise.resolve(scenario.setup()).then(() => ({ type: 'ready' })));
    else if (m.type === 'round') reply(scenario.round(m.from, m.to).then((r) => ({ type: 'round', ...r })));
    else if (m.type === 'finish') {
      reply(
        scenario.finish().then((r) => {
          done(r);
          return { type: 'done' };
        }),
      );
    } else if (m.type === 'exit') process.exit(0);
  });
}
