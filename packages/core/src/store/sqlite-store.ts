/**
 * The only module that talks to better-sqlite3. It knows the v1 schema and
 * turns SQLite failures into coded LedgerErrors; it makes no security
 * decisions (verification re-checks everything it returns).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LedgerError, fail } from '@casetrail/verify';
import type { NodeReader } from '@casetrail/verify';
import { FORMAT_ID, SCHEMA_SQL } from './schema.js';

export type Durability = 'full' | 'normal';

export interface StoreOptions {
  readonly?: boolean;
  /** 'full' (default): fsync on every commit; 'normal': survives a process crash, not a power cut. */
  durability?: Durability;
  /** How long a writer waits for another process's lock before LEDGER_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** One row of `entries`, as stored. Verification treats every field as untrusted. */
export interface EntryRow {
  seq: number;
  leaf: Uint8Array;
  bytes: Uint8Array;
  /** Hashes of the Merkle nodes this leaf completes, levels 1, 2, … (format.md §7). */
  nodes: Uint8Array;
  case_id: string;
  step: number;
  type: string;
  actor: string;
  time: number;
}

/** An entry row with its payload (null salt and data once erased by redaction). */
export interface EntryWithPayloadRow extends EntryRow {
  salt: Uint8Array | null;
  data: Uint8Array | null;
}

export interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
}

export interface QueryFilter {
  caseId?: string;
  actor?: string;
  type?: string;
  /** First seq to return (inclusive). */
  fromSeq?: number;
  /** Last seq to return (exclusive). */
  toSeq?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}

const ENTRY_COLUMNS = 'seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data';

/** Maps a SQLite failure to a coded error; anything else is passed through. */
export function storageError(e: unknown, path: string): unknown {
  if (e instanceof LedgerError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code !== 'string') return e;
  const details = { path, sqlite: code };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LedgerError('LEDGER_BUSY', `ledger ${path} is locked by another writer (${message}); retry, or raise busyTimeoutMs`, details, { cause: e });
  }
  if (code === 'SQLITE_FULL') {
    return new LedgerError('DISK_FULL', `no space left for ledger ${path}; nothing was written (${message})`, details, { cause: e });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new LedgerError('READ_ONLY', `ledger ${path} cannot be written: ${message}; check the permissions of the file, its -wal and -shm files, and its directory`, details, { cause: e });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new LedgerError('NOT_A_LEDGER', `${path} is not a readable casetrail ledger: ${message}`, details, { cause: e });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new LedgerError('LEDGER_NOT_FOUND', `cannot open ledger ${path}: ${message}`, details, { cause: e });
  }
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') {
    return new LedgerError('IMMUTABLE', `refused by the ledger's append-only triggers: ${message}`, details, { cause: e });
  }
  return new LedgerError('STORAGE_ERROR', `storage error on ${path}: ${message}`, details, { cause: e });
}

/**
 * Merkle nodes of level ≥ `minLevel` kept across proofs (nodes never change
 * once written, and every proof passes through the upper levels). Only proof
 * generation uses it; verification always reads the file.
 */
export class NodeCache {
  private readonly map = new Map<number, Uint8Array>();

  constructor(
    private readonly minLevel = 4,
    private readonly maxNodes = 65_536,
  ) {}

  get(level: number, index: number): Uint8Array | undefined {
    return level < this.minLevel ? undefined : this.map.get(level * 2 ** 48 + index);
  }

  set(level: number, index: number, hash: Uint8Array): void {
    if (level < this.minLevel) return;
    if (this.map.size >= this.maxNodes) this.map.clear();
    this.map.set(level * 2 ** 48 + index, Uint8Array.from(hash));
  }
}

export class SqliteStore implements NodeReader {
  readonly path: string;
  readonly readonly: boolean;
  readonly origin: string;
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepareStatements>;
  /** Device and inode of the file opened, to notice it being moved or deleted while open. */
  private readonly fileId: string | undefined;

  private constructor(path: string, db: Database.Database, readonly: boolean) {
    this.path = path;
    this.db = db;
    this.readonly = readonly;
    this.fileId = fileIdentity(path);
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() === undefined) {
      fail('NOT_A_LEDGER', `${path} is an SQLite database but not a casetrail ledger (no meta table)`, { path });
    }
    const meta = new Map(
      (db.prepare('SELECT key, value FROM meta').all() as Array<{ key: unknown; value: unknown }>).map((r) => [r.key, r.value]),
    );
    if (meta.get('format') !== FORMAT_ID) {
      fail('NOT_A_LEDGER', `${path} is not a ${FORMAT_ID} ledger (format: ${String(meta.get('format') ?? 'none')})`, { path });
    }
    const origin = meta.get('origin');
    if (typeof origin !== 'string' || origin === '') fail('NOT_A_LEDGER', `${path} has no origin in its meta table`, { path });
    this.origin = origin;
    this.stmts = prepareStatements(db);
  }

  /** Creates a new ledger file; LEDGER_EXISTS if the path exists. */
  static create(path: string, origin: string, options: StoreOptions = {}): SqliteStore {
    if (existsSync(path)) fail('LEDGER_EXISTS', `${path} already exists; casetrail never overwrites a ledger`, { path });
    const dir = dirname(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      fail('LEDGER_NOT_FOUND', `directory ${dir} does not exist; create it first`, { path });
    }
    // The schema is written under a temporary name and the finished file is
    // then linked into place, so a crash during creation never leaves a file
    // at `path` that is neither a ledger nor absent.
    const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.creating`);
    let db: Database.Database | undefined;
    try {
      db = new Database(tmp, { timeout: options.busyTimeoutMs ?? 5000 });
      configure(db, options);
      const init = db.transaction(() => {
        db!.exec(SCHEMA_SQL);
        const put = db!.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        put.run('format', FORMAT_ID);
        put.run('origin', origin);
        put.run('created', new Date().toISOString());
      });
      init.immediate();
      db.close(); // the last connection folds the WAL into the file
      db = undefined;
      publishNewFile(tmp, path);
    } catch (e) {
      db?.close();
      throw storageError(e, path);
    } finally {
      for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
    }
    return SqliteStore.open(path, options);
  }

  /** Opens an existing ledger file; LEDGER_NOT_FOUND if missing, NOT_A_LEDGER if it is something else. */
  static open(path: string, options: StoreOptions = {}): SqliteStore {
    if (!existsSync(path)) fail('LEDGER_NOT_FOUND', `no ledger at ${path}`, { path });
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
      configure(db, options);
      return new SqliteStore(path, db, options.readonly ?? false);
    } catch (e) {
      db?.close();
      throw storageError(e, path);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Runs fn in one BEGIN IMMEDIATE transaction: all of it is written, or none. */
  writeTransaction<T>(fn: () => T): T {
    if (this.readonly) fail('READ_ONLY', `ledger ${this.path} was opened read-only`, { path: this.path });
    // SQLite keeps writing through its open descriptors into a file that was
    // deleted or moved away (WAL included): such commits would vanish when
    // the process closes it, so nothing is written unless the path still
    // names the file that was opened.
    if (fileIdentity(this.path) !== this.fileId) {
      fail('LEDGER_NOT_FOUND', `ledger ${this.path} was moved or deleted while open; nothing was written: put it back, or close and reopen the ledger`, { path: this.path });
    }
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw storageError(e, this.path);
    }
  }

  /** Runs fn in one read transaction, so every read sees the same committed state. */
  readTransaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.guard(fn);
    try {
      return this.db.transaction(fn).deferred();
    } catch (e) {
      throw storageError(e, this.path);
    }
  }

  /**
   * Starts a read transaction that stays open across awaits, for reads that
   * must all see one committed state (verification). Pair with endRead.
   */
  beginRead(): void {
    this.guard(() => {
      this.db.exec('BEGIN DEFERRED');
      // The snapshot is taken at the first read, not at BEGIN.
      this.db.prepare('SELECT count(*) FROM meta').get();
    });
  }

  endRead(): void {
    if (this.db.open && this.db.inTransaction) this.guard(() => this.db.exec('COMMIT'));
  }

  /** Runs fn, mapping SQLite failures to coded errors. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(e, this.path);
    }
  }

  // ---- reads -------------------------------------------------------------

  /** Number of entries (max seq + 1; verification checks there is no gap). */
  size(): number {
    const row = this.guard(() => this.stmts.tail.get()) as { seq: number } | undefined;
    return row === undefined ? 0 : row.seq + 1;
  }

  tail(): { seq: number; leaf: Uint8Array; time: number } | undefined {
    return this.guard(() => this.stmts.tail.get()) as { seq: number; leaf: Uint8Array; time: number } | undefined;
  }

  caseTail(caseId: string): { seq: number; step: number; leaf: Uint8Array } | undefined {
    return this.guard(() => this.stmts.caseTail.get(caseId)) as { seq: number; step: number; leaf: Uint8Array } | undefined;
  }

  entry(seq: number): EntryWithPayloadRow | undefined {
    return this.guard(() => this.stmts.entry.get(seq)) as EntryWithPayloadRow | undefined;
  }

  /** The entry of caseId with the given step, if stored. */
  caseStep(caseId: string, step: number): EntryWithPayloadRow | undefined {
    return this.guard(() => this.stmts.caseStep.get(caseId, step)) as EntryWithPayloadRow | undefined;
  }

  /**
   * NodeReader over the store: level 0 is entries.leaf; node (level, index)
   * is stored in the row of the leaf that completed it, (index+1)·2^level − 1.
   */
  node(level: number, index: number): Uint8Array {
    const seq = level === 0 ? index : (index + 1) * 2 ** level - 1;
    const row = this.guard(() => this.stmts.nodeRow.get(seq)) as { leaf: unknown; nodes: unknown } | undefined;
    const hash = row === undefined ? undefined : level === 0 ? row.leaf : nodeIn(row.nodes, level);
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      fail('STORAGE_ERROR', `Merkle node (${level}, ${index}) is missing from ${this.path}; run verify`, { level, index });
    }
    return hash;
  }

  /**
   * A NodeReader with every node `plan` will ask for read in one query.
   * Which nodes a Merkle computation reads depends only on sizes and
   * indices, never on hash values, so a dry run of `plan` against a
   * recording reader lists them exactly; one `IN (…)` query then replaces
   * a query per node (proofs: about half the time).
   */
  prefetch(plan: (reader: NodeReader) => void, cached?: NodeCache): NodeReader {
    const seqs = new Set<number>();
    const dummy = new Uint8Array(32);
    plan({
      node: (level, index) => {
        if (cached?.get(level, index) === undefined) seqs.add(level === 0 ? index : (index + 1) * 2 ** level - 1);
        return dummy;
      },
    });
    const rows = new Map<number, { leaf: unknown; nodes: unknown }>();
    const found = this.guard(() => this.stmts.rowsIn.all(JSON.stringify([...seqs]))) as Array<{ seq: number; leaf: unknown; nodes: unknown }>;
    for (const r of found) rows.set(r.seq, r);
    return {
      node: (level, index) => {
        const hit = cached?.get(level, index);
        if (hit !== undefined) return hit;
        const row = rows.get(level === 0 ? index : (index + 1) * 2 ** level - 1);
        const found = row === undefined ? undefined : level === 0 ? row.leaf : nodeIn(row.nodes, level);
        const hash = found instanceof Uint8Array && found.length === 32 ? found : this.node(level, index);
        cached?.set(level, index, hash);
        return hash;
      },
    };
  }

  /** Entries in seq order with their payloads, streamed. */
  iterateEntries(fromSeq = 0, toSeq = Number.MAX_SAFE_INTEGER): IterableIterator<EntryWithPayloadRow> {
    // The statement's own iterator: a generator around it cost a resumption per row.
    return this.stmts.range.iterate(fromSeq, toSeq) as IterableIterator<EntryWithPayloadRow>;
  }

  queryPage(filter: QueryFilter): EntryWithPayloadRow[] {
    const { sql, params } = buildQuery(filter);
    return this.guard(() => this.db.prepare(sql).all(...params)) as EntryWithPayloadRow[];
  }

  /** Rows of caseId in step order. */
  caseEntries(caseId: string): EntryWithPayloadRow[] {
    return this.guard(() => this.stmts.caseAll.all(caseId)) as EntryWithPayloadRow[];
  }

  /** Smallest seq whose time is ≥ t (size if none); relies on time being non-decreasing. */
  firstSeqAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.size();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.guard(() => this.stmts.timeAt.get(mid)) as { time: number } | undefined;
      if (row !== undefined && row.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  *iterateRedactions(): Generator<{ seq: number; by_seq: number }> {
    yield* this.stmts.redactions.iterate() as IterableIterator<{ seq: number; by_seq: number }>;
  }

  redactionOf(seq: number): { seq: number; by_seq: number } | undefined {
    return this.guard(() => this.stmts.redactionOf.get(seq)) as { seq: number; by_seq: number } | undefined;
  }

  *iterateCheckpoints(fromSize = 0): Generator<CheckpointRow> {
    yield* this.stmts.checkpoints.iterate(fromSize) as IterableIterator<CheckpointRow>;
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.guard(() => this.stmts.latestCheckpoint.get()) as CheckpointRow | undefined;
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    return this.guard(() => this.stmts.checkpointAt.get(size)) as CheckpointRow | undefined;
  }

  /** Every meta row, as stored (untrusted). */
  meta(): Array<{ key: unknown; value: unknown }> {
    return this.guard(() => this.db.prepare('SELECT key, value FROM meta ORDER BY key').all()) as Array<{ key: unknown; value: unknown }>;
  }

  // ---- writes (call inside writeTransaction) -------------------------------

  insertEntry(row: EntryWithPayloadRow): void {
    this.stmts.insertEntry.run(row.seq, row.leaf, row.bytes, row.nodes, row.case_id, row.step, row.type, row.actor, row.time, row.salt, row.data);
  }

  /** Stores a signed checkpoint; a second one for the same size is ignored. */
  insertCheckpoint(size: number, root: Uint8Array, note: string): void {
    this.stmts.insertCheckpoint.run(size, root, note);
  }

  /** Records the redaction and erases the payload (the trigger allows only this order). */
  redactPayload(seq: number, bySeq: number): void {
    this.stmts.insertRedaction.run(seq, bySeq);
    this.stmts.erasePayload.run(seq);
  }
}

/**
 * Gives the finished file `tmp` the name `path` without ever replacing an
 * existing file (link fails with EEXIST where rename would overwrite), then
 * syncs the directory so the name survives a power cut.
 */
function publishNewFile(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') fail('LEDGER_EXISTS', `${path} already exists; casetrail never overwrites a ledger`, { path });
    // Filesystems without hard links: fall back to a checked rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
    if (existsSync(path)) fail('LEDGER_EXISTS', `${path} already exists; casetrail never overwrites a ledger`, { path });
    renameSync(tmp, path);
  }
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot open or sync a directory; the file itself is synced.
  }
}

/** `dev:ino` of the file at path, or undefined if there is none. */
function fileIdentity(path: string): string | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}`;
}

function configure(db: Database.Database, options: StoreOptions): void {
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
  db.pragma(`cache_size = ${options.readonly ? -8192 : -65536}`);
  if (!options.readonly) {
    // Checkpoint the WAL every ~40 MiB instead of every 4 MiB: index pages
    // dirtied by consecutive transactions are copied back once, not each time
    // (bulk appends ~20% faster); the file is cut back to 64 MiB afterwards.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
  }
  db.defaultSafeIntegers(false);
}

function prepareStatements(db: Database.Database) {
  const sel = `SELECT ${ENTRY_COLUMNS} FROM entries`;
  return {
    tail: db.prepare('SELECT seq, leaf, time FROM entries ORDER BY seq DESC LIMIT 1'),
    caseTail: db.prepare('SELECT seq, step, leaf FROM entries WHERE case_id = ? ORDER BY step DESC LIMIT 1'),
    entry: db.prepare(`${sel} WHERE seq = ?`),
    caseStep: db.prepare(`${sel} WHERE case_id = ? AND step = ?`),
    caseAll: db.prepare(`${sel} WHERE case_id = ? ORDER BY step`),
    range: db.prepare(`${sel} WHERE seq >= ? AND seq < ? ORDER BY seq`),
    timeAt: db.prepare('SELECT time FROM entries WHERE seq = ?'),
    nodeRow: db.prepare('SELECT leaf, nodes FROM entries WHERE seq = ?'),
    rowsIn: db.prepare('SELECT seq, leaf, nodes FROM entries WHERE seq IN (SELECT value FROM json_each(?))'),
    redactions: db.prepare('SELECT seq, by_seq FROM redactions ORDER BY seq'),
    redactionOf: db.prepare('SELECT seq, by_seq FROM redactions WHERE seq = ?'),
    checkpoints: db.prepare('SELECT size, root, note FROM checkpoints WHERE size >= ? ORDER BY size'),
    latestCheckpoint: db.prepare('SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1'),
    checkpointAt: db.prepare('SELECT size, root, note FROM checkpoints WHERE size = ?'),
    insertEntry: db.prepare(
      'INSERT INTO entries (seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertCheckpoint: db.prepare('INSERT OR IGNORE INTO checkpoints (size, root, note) VALUES (?, ?, ?)'),
    insertRedaction: db.prepare('INSERT INTO redactions (seq, by_seq) VALUES (?, ?)'),
    erasePayload: db.prepare('UPDATE entries SET salt = NULL, data = NULL WHERE seq = ?'),
  };
}

/** The hash of the level-`level` node inside a row's `nodes` blob, if present. */
function nodeIn(nodes: unknown, level: number): Uint8Array | undefined {
  if (!(nodes instanceof Uint8Array) || nodes.length < level * 32) return undefined;
  return nodes.subarray((level - 1) * 32, level * 32);
}

function buildQuery(filter: QueryFilter): { sql: string; params: unknown[] } {
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
  let sql = `SELECT ${ENTRY_COLUMNS} FROM entries`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ` ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'}`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(filter.limit);
  }
  return { sql, params };
}
