/**
 * Ledger files on disk: creating one without ever leaving a half-made file
 * at its path, and noticing a file that was moved or deleted while open.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '@casetrail/verify';
import { storageError } from './errors.js';
import { FORMAT_ID, MIGRATIONS, SCHEMA_V1_SQL, SCHEMA_VERSION } from './schema.js';
import { configure, type StoreOptions } from './statements.js';

/**
 * Writes a new ledger file at `path` at the latest schema version;
 * LEDGER_EXISTS if the path exists, LEDGER_NOT_FOUND if its directory does
 * not. The file is never left half-made.
 */
export function createLedgerFile(path: string, origin: string, options: StoreOptions = {}): void {
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
      db!.exec(SCHEMA_V1_SQL);
      for (const m of MIGRATIONS) db!.exec(m.sql);
      db!.pragma(`user_version = ${SCHEMA_VERSION}`);
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
export function fileIdentity(path: string): string | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}`;
}
