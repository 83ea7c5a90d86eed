/**
 * SQLite failures as coded LedgerErrors (docs/errors.md): the only place
 * that knows better-sqlite3's error codes.
 */
import { LedgerError } from '@casetrail/verify';

/**
 * Maps a SQLite failure to a coded error; anything else is passed through.
 * @param opened - whether the file was already recognised as a ledger: a
 *   corrupt page of a ledger is LEDGER_DAMAGED (format.md §7), of a file not
 *   yet recognised NOT_A_LEDGER
 */
export function storageError(e: unknown, path: string, opened = false): unknown {
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
  if (opened && code.startsWith('SQLITE_CORRUPT')) {
    return new LedgerError('LEDGER_DAMAGED', `ledger ${path} is damaged: ${message}; run verify`, details, { cause: e });
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
