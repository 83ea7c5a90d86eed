/**
 * The SQLite store: one ledger is one SQLite file (format.md §7), opened
 * through better-sqlite3, the only module besides files.ts and
 * statements.ts that talks to it. It turns SQLite failures into coded
 * LedgerErrors and makes no security decisions (verification re-checks
 * everything it returns).
 *
 * A v1 file is migrated to the current schema by the first write
 * transaction after it is opened for writing, inside that transaction
 * (format.md §7.1); a read-only handle reads a v1 file as it is.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fail, nodeInBlob, nodeRow, type NodeReader } from '@casetrail/verify';
import type {
  CheckpointRow,
  CosignatureRow,
  EntryRow,
  LedgerStore,
  NodeCache,
  QueryFilter,
  ReadView,
  RedactionRow,
  TailRow,
  WriteHints,
  WriteTx,
} from '../store.js';
import { storageError } from './errors.js';
import { createLedgerFile, fileIdentity } from './files.js';
import { FORMAT_ID, MIGRATIONS, SCHEMA_VERSION, schemaVersionOf } from './schema.js';
import { buildQuery, configure, prepareCosignatureStatements, prepareStatements, type CosignatureStatements, type Statements, type StoreOptions } from './statements.js';

export type { Durability, StoreOptions } from './statements.js';

const NO_COSIGNATURES: IterableIterator<CosignatureRow> = [][Symbol.iterator]();

export class SqliteStore implements LedgerStore {
  readonly location: string;
  readonly readonly: boolean;
  readonly origin: string;
  readonly shareable = true;
  /** Kept under this name: the fault tests reach it to inject SQLite faults. */
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private cosig: CosignatureStatements | undefined;
  /** The schema version last seen; re-read inside each write until it is current. */
  private version: number;
  /** Device and inode of the file opened, to notice it being moved or deleted while open. */
  private readonly fileId: string | undefined;
  /** Settles when the open snapshot (if any) ends; writes on this connection wait for it. */
  private snapshotDone: Promise<void> | undefined;
  private readonly view: SqliteView;
  /** Commits are fsynced only at WAL checkpoints ('normal'), except those asked to be durable. */
  readonly durability: 'full' | 'normal';

  private constructor(path: string, db: Database.Database, readonly: boolean, durability: 'full' | 'normal') {
    this.location = path;
    this.db = db;
    this.readonly = readonly;
    this.durability = durability;
    this.fileId = fileIdentity(path);
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() === undefined) {
      fail('NOT_A_LEDGER', `${path} is an SQLite database but not a casetrail ledger (no meta table)`, { path });
    }
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: unknown; value: unknown }>).map((r) => [r.key, r.value]));
    if (meta.get('format') !== FORMAT_ID) {
      fail('NOT_A_LEDGER', `${path} is not a ${FORMAT_ID} ledger (format: ${String(meta.get('format') ?? 'none')})`, { path });
    }
    const origin = meta.get('origin');
    if (typeof origin !== 'string' || origin === '') fail('NOT_A_LEDGER', `${path} has no origin in its meta table`, { path });
    this.origin = origin;
    this.version = schemaVersionOf(db.pragma('user_version', { simple: true }) as number);
    this.stmts = prepareStatements(db);
    this.prepareCosignatures();
    this.view = new SqliteView(this);
  }

  /** Creates a new ledger file; LEDGER_EXISTS if the path exists. */
  static create(path: string, origin: string, options: StoreOptions = {}): SqliteStore {
    createLedgerFile(path, origin, options);
    return SqliteStore.open(path, options);
  }

  /** Opens an existing ledger file; LEDGER_NOT_FOUND if missing, NOT_A_LEDGER if it is something else. */
  static open(path: string, options: StoreOptions = {}): SqliteStore {
    if (!existsSync(path)) fail('LEDGER_NOT_FOUND', `no ledger at ${path}`, { path });
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
      configure(db, options);
      return new SqliteStore(path, db, options.readonly ?? false, options.durability ?? 'full');
    } catch (e) {
      db?.close();
      throw storageError(e, path);
    }
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** The schema version of the file as this handle last saw it (format.md §7.1). */
  get schemaVersion(): number {
    return this.version;
  }

  async close(): Promise<void> {
    await this.snapshotDone;
    if (this.db.open) this.db.close();
  }

  async read<T>(fn: (view: ReadView) => T): Promise<T> {
    return this.readSync(fn);
  }

  /** One read transaction, synchronously (a read inside a snapshot or a write joins it). */
  readSync<T>(fn: (view: ReadView) => T): T {
    if (this.db.inTransaction) return this.guard(() => fn(this.view));
    try {
      return this.db.transaction(() => fn(this.view)).deferred();
    } catch (e) {
      throw storageError(e, this.location);
    }
  }

  async snapshot<T>(fn: (view: ReadView) => Promise<T>): Promise<T> {
    await this.snapshotDone;
    let done!: () => void;
    this.snapshotDone = new Promise<void>((resolve) => (done = resolve));
    try {
      this.guard(() => {
        this.db.exec('BEGIN DEFERRED');
        // The snapshot is taken at the first read, not at BEGIN.
        this.db.prepare('SELECT count(*) FROM meta').get();
      });
      try {
        return await fn(this.view);
      } finally {
        if (this.db.open && this.db.inTransaction) this.guard(() => this.db.exec('COMMIT'));
      }
    } finally {
      this.snapshotDone = undefined;
      done();
    }
  }

  async write<T>(fn: (tx: WriteTx) => T, hints?: WriteHints): Promise<T> {
    await this.snapshotDone;
    return this.writeSync(fn, hints?.durable === true);
  }

  /**
   * One BEGIN IMMEDIATE transaction, synchronously: all of it is written, or
   * none. A durable one is committed with synchronous=FULL (the WAL fsynced)
   * on a connection opened 'normal': SQLite lets the level change only
   * between transactions.
   */
  writeSync<T>(fn: (tx: WriteTx) => T, durable = false): T {
    if (durable && this.durability === 'normal') {
      this.guard(() => this.db.pragma('synchronous = FULL'));
      try {
        return this.writeSync(fn);
      } finally {
        if (this.db.open) this.guard(() => this.db.pragma('synchronous = NORMAL'));
      }
    }
    if (this.readonly) fail('READ_ONLY', `ledger ${this.location} was opened read-only`, { path: this.location });
    // SQLite keeps writing through its open descriptors into a file that was
    // deleted or moved away (WAL included): such commits would vanish when
    // the process closes it, so nothing is written unless the path still
    // names the file that was opened.
    if (fileIdentity(this.location) !== this.fileId) {
      fail('LEDGER_NOT_FOUND', `ledger ${this.location} was moved or deleted while open; nothing was written: put it back, or close and reopen the ledger`, {
        path: this.location,
      });
    }
    try {
      return this.db
        .transaction(() => {
          if (this.version < SCHEMA_VERSION) this.migrate();
          return fn(this.view);
        })
        .immediate();
    } catch (e) {
      throw storageError(e, this.location);
    }
  }

  /**
   * Brings the file to SCHEMA_VERSION inside the current write transaction
   * (format.md §7.1). Another process may have migrated it since this handle
   * opened it, so the version is read again under the write lock.
   */
  private migrate(): void {
    const current = schemaVersionOf(this.db.pragma('user_version', { simple: true }) as number);
    if (current > SCHEMA_VERSION) {
      fail('UNSUPPORTED_VERSION', `ledger ${this.location} has schema version ${current}, newer than this casetrail's ${SCHEMA_VERSION}: upgrade casetrail to write to it`, {
        path: this.location,
        version: current,
      });
    }
    for (const m of MIGRATIONS) if (m.version > current) this.db.exec(m.sql);
    if (current < SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    this.version = SCHEMA_VERSION;
    this.prepareCosignatures();
  }

  private prepareCosignatures(): void {
    if (this.cosig !== undefined) return;
    if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cosignatures'").get() === undefined) return;
    this.cosig = prepareCosignatureStatements(this.db);
  }

  /** Runs fn, mapping SQLite failures to coded errors. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(e, this.location);
    }
  }

  /** @internal the statements, for the view */
  get statements(): Statements {
    return this.stmts;
  }

  /** @internal the cosignature statements, once the table exists */
  get cosignatureStatements(): CosignatureStatements | undefined {
    return this.cosig;
  }

  /** @internal an ad-hoc query, for the view */
  all(sql: string, params: unknown[]): unknown[] {
    return this.guard(() => this.db.prepare(sql).all(...params));
  }
}

/** The synchronous view of a SqliteStore, used for reads and (inside write) writes. */
class SqliteView implements WriteTx {
  constructor(private readonly store: SqliteStore) {}

  private get s() {
    return this.store.statements;
  }

  private get<T>(fn: () => unknown): T {
    return this.store.guard(fn) as T;
  }

  size(): number {
    const row = this.get<TailRow | undefined>(() => this.s.tail.get());
    return row === undefined ? 0 : row.seq + 1;
  }

  tail(): TailRow | undefined {
    return this.get(() => this.s.tail.get());
  }

  caseTail(caseId: string): { seq: number; step: number; leaf: Uint8Array } | undefined {
    return this.get(() => this.s.caseTail.get(caseId));
  }

  entry(seq: number): EntryRow | undefined {
    return this.get(() => this.s.entry.get(seq));
  }

  caseStep(caseId: string, step: number): EntryRow | undefined {
    return this.get(() => this.s.caseStep.get(caseId, step));
  }

  caseEntries(caseId: string, fromStep = 1, limit = -1): EntryRow[] {
    return this.get(() => this.s.caseFrom.all(caseId, fromStep, limit));
  }

  entries(fromSeq: number, toSeq: number): IterableIterator<EntryRow> {
    // The statement's own iterator: a generator around it cost a resumption per row.
    return this.s.range.iterate(fromSeq, toSeq) as IterableIterator<EntryRow>;
  }

  query(filter: QueryFilter): EntryRow[] {
    const { sql, params } = buildQuery(filter);
    return this.store.all(sql, params) as EntryRow[];
  }

  firstSeqAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.size();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.get<{ time: number } | undefined>(() => this.s.timeAt.get(mid));
      if (row !== undefined && row.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  redactionOf(seq: number): RedactionRow | undefined {
    return this.get(() => this.s.redactionOf.get(seq));
  }

  redactions(): IterableIterator<RedactionRow> {
    return this.s.redactions.iterate() as IterableIterator<RedactionRow>;
  }

  checkpoints(fromSize: number): IterableIterator<CheckpointRow> {
    return this.s.checkpoints.iterate(fromSize) as IterableIterator<CheckpointRow>;
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.get(() => this.s.latestCheckpoint.get());
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    return this.get(() => this.s.checkpointAt.get(size));
  }

  cosignatures(size: number): string[] {
    const c = this.store.cosignatureStatements;
    if (c === undefined) return [];
    return this.get<Array<{ line: string }>>(() => c.ofSize.all(size)).map((r) => r.line);
  }

  allCosignatures(fromSize: number): IterableIterator<CosignatureRow> {
    const c = this.store.cosignatureStatements;
    return c === undefined ? NO_COSIGNATURES : (c.all.iterate(fromSize) as IterableIterator<CosignatureRow>);
  }

  meta(): Array<{ key: unknown; value: unknown }> {
    return this.store.all('SELECT key, value FROM meta ORDER BY key', []) as Array<{ key: unknown; value: unknown }>;
  }

  /**
   * NodeReader over the store: level 0 is entries.leaf; node (level, index)
   * is in the row that stored-nodes.ts names.
   */
  node(level: number, index: number): Uint8Array {
    const row = this.get<{ leaf: unknown; nodes: unknown } | undefined>(() => this.s.nodeRow.get(nodeRow(level, index)));
    const hash = row === undefined ? undefined : level === 0 ? row.leaf : nodeInBlob(row.nodes, level);
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      fail('STORAGE_ERROR', `Merkle node (${level}, ${index}) is missing from ${this.store.location}; run verify`, { level, index });
    }
    return hash;
  }

  /**
   * One `IN (…)` query for every row `plan` will read (proofs: about half
   * the time of a query per node).
   */
  prefetch(plan: (reader: NodeReader) => void, cached?: NodeCache): NodeReader {
    const seqs = new Set<number>();
    const dummy = new Uint8Array(32);
    plan({
      node: (level, index) => {
        if (cached?.get(level, index) === undefined) seqs.add(nodeRow(level, index));
        return dummy;
      },
    });
    const rows = new Map<number, { leaf: unknown; nodes: unknown }>();
    const found = this.get<Array<{ seq: number; leaf: unknown; nodes: unknown }>>(() => this.s.rowsIn.all(JSON.stringify([...seqs])));
    for (const r of found) rows.set(r.seq, r);
    return {
      node: (level, index) => {
        const hit = cached?.get(level, index);
        if (hit !== undefined) return hit;
        const row = rows.get(nodeRow(level, index));
        const got = row === undefined ? undefined : level === 0 ? row.leaf : nodeInBlob(row.nodes, level);
        const hash = got instanceof Uint8Array && got.length === 32 ? got : this.node(level, index);
        cached?.set(level, index, hash);
        return hash;
      },
    };
  }

  insertEntry(row: EntryRow): void {
    this.s.insertEntry.run(row.seq, row.leaf, row.bytes, row.nodes, row.case_id, row.step, row.type, row.actor, row.time, row.salt, row.data);
  }

  insertCheckpoint(size: number, root: Uint8Array, note: string): void {
    this.s.insertCheckpoint.run(size, root, note);
  }

  redactPayload(seq: number, bySeq: number): void {
    // The trigger allows the erasure only once the redactions row exists.
    this.s.insertRedaction.run(seq, bySeq);
    this.s.erasePayload.run(seq);
  }

  insertCosignature(size: number, line: string): void {
    const c = this.store.cosignatureStatements;
    if (c === undefined) fail('STORAGE_ERROR', `ledger ${this.store.location} has no cosignatures table (schema ${this.store.schemaVersion})`);
    c.insert.run(size, line);
  }
}
