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
import { fail } from '@casetrail/verify';
import type { LedgerStore, ReadView, StoreDamage, WriteHints, WriteTx } from '../store.js';
import { storageError } from './errors.js';
import { createLedgerFile, fileIdentity } from './files.js';
import { MIGRATIONS, SCHEMA_VERSION, schemaVersionOf } from './schema.js';
import {
  configure,
  prepareCosignatureStatements,
  prepareNonceStatements,
  prepareRedactionStatements,
  prepareStatements,
  type CosignatureStatements,
  type NonceStatements,
  type RedactionStatements,
  type Statements,
  type StoreOptions,
} from './statements.js';
import { SqliteView, type SqliteHandle } from './sqlite-view.js';
import { readStructure } from './structure.js';

export type { Durability, StoreOptions } from './statements.js';

export class SqliteStore implements LedgerStore, SqliteHandle {
  readonly location: string;
  readonly readonly: boolean;
  readonly origin: string;
  readonly shareable = true;
  /** Missing or damaged parts of the file (structure.ts); a write refuses a damaged ledger. */
  readonly damage: readonly StoreDamage[];
  /** Kept under this name: the fault tests reach it to inject SQLite faults. */
  private readonly db: Database.Database;
  private stmts: Statements | undefined;
  private cosig: CosignatureStatements | undefined;
  private nonceStmts: NonceStatements | undefined;
  private redactionStmts: RedactionStatements | undefined;
  /** Whether the file has the nonce column of schema 2 (re-read until it has). */
  private hasNonce: boolean;
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
    this.version = schemaVersionOf(db.pragma('user_version', { simple: true }) as number);
    const structure = readStructure(db, path, this.version);
    this.origin = structure.origin;
    this.damage = structure.damage;
    this.hasNonce = structure.has.nonce;
    // A damaged ledger is opened for verification to report what it can read.
    if (structure.has.entries) this.stmts = prepareStatements(db, this.hasNonce);
    if (structure.has.redactions) this.redactionStmts = prepareRedactionStatements(db);
    if (this.hasNonce && structure.has.entries) this.nonceStmts = prepareNonceStatements(db);
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
      return this.db
        .transaction(() => {
          this.followMigration();
          return fn(this.view);
        })
        .deferred();
    } catch (e) {
      throw storageError(e, this.location, true);
    }
  }

  /**
   * A handle opened on a schema 1 file reads NULL for the nonce column; once
   * another process has migrated the file (format.md §7.1), the statements
   * must read the column, or the nonces of new entries would read as NULL.
   * Checked at the start of each read transaction, only until the file has it.
   */
  private followMigration(): void {
    if (this.hasNonce || this.stmts === undefined) return;
    const has = (this.db.prepare("SELECT 1 FROM pragma_table_info('entries') WHERE name = 'nonce'").get() as unknown) !== undefined;
    if (!has) return;
    this.hasNonce = true;
    this.stmts = prepareStatements(this.db, true);
    this.nonceStmts = prepareNonceStatements(this.db);
    this.version = schemaVersionOf(this.db.pragma('user_version', { simple: true }) as number);
    this.prepareCosignatures();
  }

  async snapshot<T>(fn: (view: ReadView) => Promise<T>): Promise<T> {
    await this.snapshotDone;
    let done!: () => void;
    this.snapshotDone = new Promise<void>((resolve) => (done = resolve));
    try {
      this.guard(() => {
        this.db.exec('BEGIN DEFERRED');
        // The snapshot is taken at the first read, not at BEGIN.
        this.db.prepare('SELECT count(*) FROM sqlite_master').get();
        this.followMigration();
      });
      try {
        return await fn(this.view);
      } finally {
        this.endReadTransaction();
      }
    } finally {
      this.snapshotDone = undefined;
      done();
    }
  }

  /**
   * Ends a snapshot's read transaction. It wrote nothing, so a failure to
   * end it (a page of a damaged ledger SQLite cannot read) changes nothing
   * that was read: the transaction is rolled back instead, and the
   * snapshot's own result or error stands.
   */
  private endReadTransaction(): void {
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // Closing the connection ends it.
      }
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
    if (this.damage.length > 0) {
      fail('LEDGER_DAMAGED', `ledger ${this.location} is damaged (${this.damage.map((d) => d.message).join('; ')}); nothing was written: run verify`, {
        path: this.location,
        damage: this.damage.map((d) => ({ ...d })),
      });
    }
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
      throw storageError(e, this.location, true);
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
    this.followMigration();
  }

  /** Prepares the statements over the cosignatures table once it exists with its columns (a damaged one is left unread). */
  private prepareCosignatures(): void {
    if (this.cosig !== undefined) return;
    const columns = this.db.prepare("SELECT name FROM pragma_table_info('cosignatures')").pluck().all();
    if (!columns.includes('size') || !columns.includes('line')) return;
    this.cosig = prepareCosignatureStatements(this.db);
  }

  /** Runs fn, mapping SQLite failures to coded errors. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(e, this.location, true);
    }
  }

  /** @internal the statements, for the view; LEDGER_DAMAGED when the entries cannot be read */
  get statements(): Statements {
    if (this.stmts === undefined) {
      fail('LEDGER_DAMAGED', `the entries of ${this.location} cannot be read: ${this.damage.map((d) => d.message).join('; ')}`, { path: this.location });
    }
    return this.stmts;
  }

  /** @internal the redaction statements, when the table is there */
  get redactionStatements(): RedactionStatements | undefined {
    return this.redactionStmts;
  }

  /** @internal the nonce statements, once the file has the column */
  get nonceStatements(): NonceStatements | undefined {
    return this.nonceStmts;
  }

  /** @internal whether the file has the nonce column */
  get nonceColumn(): boolean {
    return this.hasNonce;
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
