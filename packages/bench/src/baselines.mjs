/**
 * The limits and the compared system: raw SHA-256 over the bytes
 * verification hashes, raw SQLite with casetrail's exact entry bytes (its own
 * table, and casetrail's schema), and hypercore@11 (bulk, single, proofs).
 * Timing policy: see scenarios.mjs.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { entriesRange, entryAt, payloadBytes, recordBytes } from './entries.mjs';
import { HYPERCORE_DIR, MODEL, N, ORIGIN, SQLITE, bulkStages, cfg, core, coreUrl, diskBytes, latency, now, pick, singleStages } from './context.mjs';

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
export async function rawSha256() {
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

export function sqliteBulk() {
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
    close: () => void db.close(),
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

export function sqliteSchemaBulk() {
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
    close: () => void db.close(),
    disk: () => diskBytes(path),
  });
}

export function sqliteSingle() {
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
    close: () => void db.close(),
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
export function hypercoreBulk() {
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
export function hypercoreSingle() {
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
export function hypercoreProof() {
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
