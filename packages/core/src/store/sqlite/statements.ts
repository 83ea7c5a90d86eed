/**
 * The SQL of the SQLite store: connection settings, prepared statements
 * over the schema of format.md §7, and the query builder.
 */
import type Database from 'better-sqlite3';
import type { QueryFilter } from '../store.js';

export type Durability = 'full' | 'normal';

export interface StoreOptions {
  readonly?: boolean;
  /** 'full' (default): fsync on every commit; 'normal': survives a process crash, not a power cut. */
  durability?: Durability;
  /** How long a writer waits for another process's lock before LEDGER_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * The columns of an entry row. A schema 1 file has no `nonce` column
 * (format.md §7.1): its rows read as NULL there, as a version 1 entry's do.
 */
function entryColumns(nonce: boolean): string {
  return `seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, ${nonce ? 'nonce' : 'NULL AS nonce'}`;
}

export function configure(db: Database.Database, options: StoreOptions): void {
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
  }
  // WAL + synchronous=FULL syncs the WAL on every commit: a resolved append
  // survives a power cut. NORMAL syncs only at WAL checkpoints: a process
  // crash loses nothing, a power cut may lose the last commits (never corrupts).
  db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = OFF');
  // A writer gets 64 MiB of page cache (default 2 MiB): the case, actor and
  // type indexes take inserts at scattered places, and re-reading their pages
  // dominated. Read-only connections mostly scan, and verification opens one
  // per worker thread, so they keep 8 MiB.
  db.pragma(`cache_size = ${options.readonly ? -2048 : -65536}`);
  if (!options.readonly) {
    // Checkpoint the WAL every ~40 MiB instead of every 4 MiB: index pages
    // dirtied by consecutive transactions are copied back once, not each time
    // (bulk appends ~20% faster); the file is cut back to 64 MiB afterwards.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
  }
  db.defaultSafeIntegers(false);
}

/** The statements of every ledger file (format.md §7), for a file with or without the nonce column. */
const statementsSql = (nonce: boolean) => {
  const SEL = `SELECT ${entryColumns(nonce)} FROM entries`;
  return {
  tail: 'SELECT seq, leaf, time FROM entries ORDER BY seq DESC LIMIT 1',
  caseTail: 'SELECT seq, step, leaf FROM entries WHERE case_id = ? ORDER BY step DESC LIMIT 1',
  entry: `${SEL} WHERE seq = ?`,
  caseStep: `${SEL} WHERE case_id = ? AND step = ?`,
  caseFrom: `${SEL} WHERE case_id = ? AND step >= ? ORDER BY step LIMIT ?`,
  range: `${SEL} WHERE seq >= ? AND seq < ? ORDER BY seq`,
  /** Read as arrays (`raw`): see SqliteView.entryColumns. */
  columnsRange: 'SELECT seq, leaf, case_id, step, type, actor, time, data FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq',
  count: 'SELECT count(*) FROM entries WHERE seq >= ? AND seq < ?',
  timeAt: 'SELECT time FROM entries WHERE seq = ?',
  nodeRow: 'SELECT leaf, nodes FROM entries WHERE seq = ?',
  rowsIn: 'SELECT seq, leaf, nodes FROM entries WHERE seq IN (SELECT value FROM json_each(?))',
  checkpoints: 'SELECT size, root, note FROM checkpoints WHERE size >= ? ORDER BY size',
  latestCheckpoint: 'SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1',
  checkpointAt: 'SELECT size, root, note FROM checkpoints WHERE size = ?',
  insertEntry: nonce
    ? 'INSERT INTO entries (seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
    : 'INSERT INTO entries (seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  insertCheckpoint: 'INSERT OR IGNORE INTO checkpoints (size, root, note) VALUES (?, ?, ?)',
  erasePayload: 'UPDATE entries SET salt = NULL, data = NULL WHERE seq = ?',
  };
};

/** The statements over the redactions table (prepared only when the table is there: a damaged ledger may lack it). */
const REDACTION_STATEMENTS = {
  all: 'SELECT seq, by_seq FROM redactions ORDER BY seq',
  of: 'SELECT seq, by_seq FROM redactions WHERE seq = ?',
  insert: 'INSERT INTO redactions (seq, by_seq) VALUES (?, ?)',
} as const;

/**
 * The statements over the nonce column of schema 2 (format.md §7, §8 item
 * 16): the rows of a case holding a nonce (by the unique index), and the
 * (case, nonce) pairs held by more than one row — over all entries, or
 * those of the entries from a seq on that another row shares.
 */
const NONCE_STATEMENTS = {
  caseNonce: `SELECT ${entryColumns(true)} FROM entries WHERE case_id = ? AND nonce = ? ORDER BY seq`,
  repeated: 'SELECT case_id, nonce FROM entries WHERE nonce IS NOT NULL GROUP BY case_id, nonce HAVING count(*) > 1',
  repeatedFrom:
    'SELECT DISTINCT e.case_id, e.nonce FROM entries e WHERE e.seq >= ? AND e.nonce IS NOT NULL ' +
    'AND EXISTS (SELECT 1 FROM entries f WHERE f.case_id = e.case_id AND f.nonce = e.nonce AND f.seq <> e.seq)',
} as const;

/** The statements over the cosignatures table of schema 2 (prepared once the table exists). */
const COSIGNATURE_STATEMENTS = {
  ofSize: 'SELECT line FROM cosignatures WHERE size = ? ORDER BY rowid',
  all: 'SELECT size, line FROM cosignatures WHERE size >= ? ORDER BY size, rowid',
  insert: 'INSERT OR IGNORE INTO cosignatures (size, line) VALUES (?, ?)',
} as const;

export type Statements = { [K in keyof ReturnType<typeof statementsSql>]: Database.Statement };
export type CosignatureStatements = { [K in keyof typeof COSIGNATURE_STATEMENTS]: Database.Statement };
export type NonceStatements = { [K in keyof typeof NONCE_STATEMENTS]: Database.Statement };
export type RedactionStatements = { [K in keyof typeof REDACTION_STATEMENTS]: Database.Statement };

function prepareAll<T extends Record<string, string>>(db: Database.Database, sql: T): { [K in keyof T]: Database.Statement } {
  return Object.fromEntries(Object.entries(sql).map(([k, q]) => [k, db.prepare(q)])) as { [K in keyof T]: Database.Statement };
}

/** @param nonce whether the file has the nonce column of schema 2 */
export function prepareStatements(db: Database.Database, nonce: boolean): Statements {
  const s = prepareAll(db, statementsSql(nonce));
  s.columnsRange.raw(true);
  return s;
}

export function prepareNonceStatements(db: Database.Database): NonceStatements {
  return prepareAll(db, NONCE_STATEMENTS);
}

export function prepareRedactionStatements(db: Database.Database): RedactionStatements {
  return prepareAll(db, REDACTION_STATEMENTS);
}

export function prepareCosignatureStatements(db: Database.Database): CosignatureStatements {
  return prepareAll(db, COSIGNATURE_STATEMENTS);
}

export function buildQuery(filter: QueryFilter, nonce: boolean): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.caseId !== undefined) {
    where.push('case_id = ?');
    params.push(filter.caseId);
  }
  if (filter.actor !== undefined) {
    where.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.type !== undefined) {
    where.push('type = ?');
    params.push(filter.type);
  }
  if (filter.fromSeq !== undefined) {
    where.push('seq >= ?');
    params.push(filter.fromSeq);
  }
  if (filter.toSeq !== undefined) {
    where.push('seq < ?');
    params.push(filter.toSeq);
  }
  let sql = `SELECT ${entryColumns(nonce)} FROM entries`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ` ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'}`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(filter.limit);
  }
  return { sql, params };
}
