/**
 * The signer state in a file (format.md §10): by default `<key file>.state`,
 * beside the key, where the database administrator who can rewrite the
 * ledger file cannot (docs/security.md "The signer state").
 *
 * Policy: the file is read without following a symbolic link and refused
 * when it is not a regular file or when group or others may access it (like
 * the key file); it is replaced atomically (node/durable-file.ts) — a
 * temporary file created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 in the
 * same directory, written, fsynced, renamed over the state, and the
 * directory fsynced — so that a
 * crash at any moment leaves either the old state or the new one, and the
 * new one is on disk before `write` returns.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { LedgerError } from '@casetrail/verify';
import { openTempFile, removeFile, syncDirectoryOf } from './durable-file.js';
import { MAX_SIGNER_STATE_BYTES, formatSignerState, parseSignerState, type SignerState, type SignerStateStore } from './signer-state.js';

function ioError(path: string, e: unknown, doing: string): LedgerError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const message = `cannot ${doing} the signer state ${path}: ${(e as Error)?.message ?? String(e)}`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new LedgerError('DISK_FULL', message, { path }, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new LedgerError('READ_ONLY', message, { path }, { cause: e });
  return new LedgerError('STORAGE_ERROR', message, { path }, { cause: e });
}

export class FileSignerState implements SignerStateStore {
  constructor(readonly location: string) {}

  /** @throws SIGNER_STATE_INVALID (not a regular file, readable by others, malformed), STORAGE_ERROR */
  read(origin: string): SignerState | undefined {
    const path = this.location;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is a symbolic link; casetrail never reads a state through one`, { path });
      throw ioError(path, e, 'read');
    }
    let text: string;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is not a regular file`, { path });
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is accessible by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`, {
          path,
          mode: st.mode & 0o777,
        });
      }
      if (st.size > MAX_SIGNER_STATE_BYTES) throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is longer than ${MAX_SIGNER_STATE_BYTES} bytes`, { path });
      const buf = Buffer.alloc(st.size + 1);
      let got = 0;
      for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, got)) > 0; ) got += n;
      if (got > st.size) throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} grew while it was read`, { path });
      const decoder = new TextDecoder('utf-8', { fatal: true });
      try {
        text = decoder.decode(buf.subarray(0, got));
      } catch {
        throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is not UTF-8`, { path });
      }
    } catch (e) {
      if (e instanceof LedgerError) throw e;
      throw ioError(path, e, 'read');
    } finally {
      closeSync(fd);
    }
    const state = parseSignerState(text, path);
    if (state.origin !== origin) {
      throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is for origin "${state.origin}", not "${origin}"`, { path, origin: state.origin });
    }
    return state;
  }

  /**
   * Replaces the state atomically; durably (the file and its directory
   * fsynced) unless `durable` is false, when a power cut may leave the
   * previous state (format.md §10.1).
   * @throws DISK_FULL, READ_ONLY, STORAGE_ERROR; the previous state is then unchanged or replaced whole
   */
  write(_origin: string, state: SignerState, durable = true): void {
    const path = this.location;
    const text = Buffer.from(formatSignerState(state), 'utf8');
    let tmp: string | undefined;
    try {
      // The one atomic-replace implementation (node/durable-file.ts), with the fsyncs only when durable.
      const t = openTempFile(path, 0o600);
      tmp = t.path;
      try {
        for (let off = 0; off < text.length; ) off += writeSync(t.fd, text, off, text.length - off);
        if (durable) fsyncSync(t.fd);
      } finally {
        closeSync(t.fd);
      }
      renameSync(tmp, path);
      tmp = undefined;
    } catch (e) {
      if (tmp !== undefined) removeFile(tmp);
      throw ioError(path, e, 'write');
    }
    if (!durable) return;
    // The rename is durable only once the directory is (the checkpoint is stored right after).
    try {
      syncDirectoryOf(path, true);
    } catch (e) {
      throw ioError(path, e, 'sync the directory of');
    }
  }
}

/** The default place of a key file's signer state. */
export function stateFileOf(keyFile: string): string {
  return `${keyFile}.state`;
}
