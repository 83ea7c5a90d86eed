/**
 * The files a witness or a monitor keeps in its state directory
 * (docs/oversight.md "State directories").
 *
 * Policy: a state file is replaced atomically — written to a temporary file
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (mode 0600) in the same directory,
 * fsynced, renamed over the old name, and the directory fsynced (the core's
 * durable writes, node/durable-file.ts) — so that a
 * crash leaves the old state or the new one, never half of one (tlog-witness:
 * "the witness MUST persist the new checkpoint before responding"). A state
 * file is read without following a symbolic link, must be a regular file of
 * bounded size, and, like its directory, must not be writable by group or
 * others: whoever can replace it can roll the state back, which is exactly
 * what a witness exists to prevent.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs';
import { linkNewFile, removeFile, syncDirectoryOf, writeTempFile } from '@casetrail/core';
import { LedgerError } from '@casetrail/verify';

/** Largest state file read: far above what the bounded layouts reach. */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

function invalid(message: string, path: string, cause?: unknown): LedgerError {
  return new LedgerError('STATE_INVALID', message, { path }, cause === undefined ? undefined : { cause });
}

/**
 * Checks that a state directory exists, is a directory (not a link to one)
 * and is not writable by group or others.
 * @throws LedgerError STATE_INVALID
 */
export function checkStateDir(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`there is no state directory at ${dir}: create one first`, dir, e);
    throw e;
  }
  if (st.isSymbolicLink()) throw invalid(`the state directory ${dir} is a symbolic link; give the directory itself`, dir);
  if (!st.isDirectory()) throw invalid(`${dir} is not a directory`, dir);
  if (process.platform !== 'win32' && (st.mode & 0o022) !== 0) {
    throw invalid(`the state directory ${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}): run chmod go-w ${dir}`, dir);
  }
}

/**
 * Creates a directory with mode 0700 (its parent must exist), or checks an
 * existing one as {@link checkStateDir} does.
 */
export function ensureStateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  checkStateDir(dir);
}

/**
 * Reads a state file: no symbolic link, a regular file, at most
 * {@link MAX_STATE_FILE_BYTES}, not writable by group or others, UTF-8.
 * @returns its text, or undefined when it does not exist
 * @throws LedgerError STATE_INVALID
 */
export function readStateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw invalid(`${path} is a symbolic link; a state file is never read through one`, path, e);
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw invalid(`${path} is not a regular file`, path);
    if (process.platform !== 'win32' && (st.mode & 0o022) !== 0) throw invalid(`${path} is writable by group or others: run chmod 600 ${path}`, path);
    if (st.size > MAX_STATE_FILE_BYTES) throw invalid(`${path} is larger than ${MAX_STATE_FILE_BYTES} bytes`, path);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, got));
    } catch (e) {
      throw invalid(`${path} is not UTF-8`, path, e);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces the state file at `path` atomically (the policy above). A
 * symbolic link or a directory at `path` is refused, never followed.
 * @throws LedgerError STATE_INVALID; system errors (ENOSPC, EACCES) as they come
 */
export function replaceStateFile(path: string, content: string, mode = 0o600): void {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink() || !st.isFile()) throw invalid(`${path} is not a regular file; refusing to replace it`, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = writeTempFile(path, content, mode);
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeFile(tmp);
    throw e;
  }
  syncDirectoryOf(path);
}

/**
 * Creates a new file at `path` with `content` (never replacing anything:
 * the temporary file is linked into place, which fails on an existing name).
 * @returns false when `path` already exists (nothing written)
 */
export function createFileOnce(path: string, content: string | Uint8Array, mode = 0o600): boolean {
  const tmp = writeTempFile(path, content, mode);
  try {
    linkNewFile(tmp, path);
  } catch (e) {
    removeFile(tmp);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  syncDirectoryOf(path);
  return true;
}
