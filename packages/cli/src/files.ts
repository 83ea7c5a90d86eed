/**
 * Writing the files the CLI produces (docs/cli.md "Files the CLI writes").
 *
 * Policy: a file is written to a temporary file created with
 * O_CREAT|O_EXCL|O_NOFOLLOW in the target's directory, fsynced, then linked
 * into place, which refuses an existing target; with `--force` it is renamed
 * over an existing regular file instead (the core's durable writes,
 * node/durable-file.ts). Neither follows a symbolic link. A
 * key file, a signer-state file, an SQLite database (a ledger) and a
 * database's -wal/-shm/-journal files are never replaced, with or without
 * `--force`: a proof written over the ledger, or a stray -wal beside it,
 * would destroy what the proof is about.
 */
import { closeSync, constants, createWriteStream, existsSync, fsyncSync, lstatSync, openSync, readSync, readlinkSync, renameSync, type Stats, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { linkNewFile, openTempFile, removeFile, syncDirectoryOf, writeTempFile } from '@casetrail/core';
import { CliError, EXIT, operational } from './exit.js';

const SQLITE_MAGIC = 'SQLite format 3\0';
const SECRET_MAGIC = 'PRIVATE+KEY+';
const DB_COMPANION = /-(wal|shm|journal)$/;
/** Signer-state files sit beside the key as `<key file>.state` (or `<name>.state`). */
const STATE_FILE = /\.state$/;

function protectedOutput(option: string, path: string, why: string): CliError {
  return new CliError(EXIT.USAGE, 'OUTPUT_PROTECTED', `${option} ${path} ${why}; refusing to overwrite it: choose another output file`);
}

/** The first bytes of a regular file, or '' when it cannot be read. */
function head(path: string, n: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Refuses an output path the CLI must never write: a symbolic link, a key or
 * signer-state file, an SQLite database, a database's companion file (even
 * one that does not exist yet: SQLite would read it), and, without `force`,
 * any existing file.
 * @param option - the option that named the path, for messages
 * @throws CliError OUTPUT_IS_SYMLINK / OUTPUT_PROTECTED (exit 2), FILE_EXISTS / IS_A_DIRECTORY (exit 3)
 */
export function checkOutputPath(path: string, force = false, option = '--out'): void {
  const companion = DB_COMPANION.exec(path);
  if (companion !== null && existsSync(path.slice(0, companion.index))) {
    throw protectedOutput(option, path, `is the ${companion[1]} file of the database ${basename(path.slice(0, companion.index))}`);
  }
  if (STATE_FILE.test(path)) {
    const base = path.replace(STATE_FILE, '');
    if (existsSync(base) || existsSync(`${base}.key`)) throw protectedOutput(option, path, 'is the signer-state file of a key');
  }
  const st = lstatOrUndefined(path);
  if (st === undefined) return;
  if (st.isSymbolicLink()) {
    let to = '';
    try {
      to = ` (to ${readlinkSync(path)})`;
    } catch {
      // unreadable link: named without its target
    }
    throw new CliError(EXIT.USAGE, 'OUTPUT_IS_SYMLINK', `${option} ${path} is a symbolic link${to}; casetrail never writes through a link: remove it or choose another output file`);
  }
  if (st.isDirectory()) throw operational('IS_A_DIRECTORY', `${option} ${path} is a directory; give a file path`);
  if (!st.isFile()) throw protectedOutput(option, path, 'is not a regular file');
  if (/\.key$/.test(path)) throw protectedOutput(option, path, 'is a key file');
  if (STATE_FILE.test(path)) throw protectedOutput(option, path, 'is a signer-state file');
  const start = head(path, SQLITE_MAGIC.length);
  if (start.startsWith(SECRET_MAGIC)) throw protectedOutput(option, path, 'holds a private key');
  if (start === SQLITE_MAGIC) throw protectedOutput(option, path, 'is an SQLite database (a ledger?)');
  if (!force) throw operational('FILE_EXISTS', `${path} already exists; choose another path, or pass --force to replace it`);
}

/**
 * Checks, before anything is created, a path that must become a new file
 * (`--vkey-out`): refused like an --out path, and when it exists at all.
 * @param option - the option's name for the message
 */
export function checkNewFilePath(path: string, option: string): void {
  checkOutputPath(path, true, option);
  if (lstatOrUndefined(path) !== undefined) throw operational('FILE_EXISTS', `${path} already exists; choose another ${option} path`);
}

/** Moves a complete temporary file into place: link (refusing any existing name) or, with force, rename. */
function publish(tmp: string, path: string, force: boolean, option: string, exists: (path: string) => CliError): void {
  try {
    if (force) {
      checkOutputPath(path, true, option); // again, just before the rename
      renameSync(tmp, path); // replaces the name itself, never what a link points to
    } else {
      try {
        linkNewFile(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists(path);
        throw e;
      }
    }
  } catch (e) {
    removeFile(tmp);
    throw e;
  }
  syncDirectoryOf(path);
}

export interface WriteOptions {
  /** File mode of a new file (default 0644). */
  mode?: number;
  /** Replace an existing regular file (never a protected one). */
  force?: boolean;
  /** The error for an existing target (default FILE_EXISTS). */
  exists?: (path: string) => CliError;
  /** The option that named the path, for messages (default `--out`). */
  option?: string;
}

const fileExists = (path: string) => operational('FILE_EXISTS', `${path} already exists; choose another path, or pass --force to replace it`);

/**
 * Writes a complete file at `path` (see the policy above).
 * @throws CliError when the target is refused; system errors as they come
 */
export function writeOutputFile(path: string, content: string | Uint8Array, options: WriteOptions = {}): void {
  const force = options.force === true;
  const option = options.option ?? '--out';
  checkOutputPath(path, force, option);
  const tmp = writeTempFile(path, content, options.mode ?? 0o644);
  publish(tmp, path, force, option, options.exists ?? fileExists);
}

/**
 * Writes a secret (a signer key) to a new file with mode 0600. Never
 * overwrites anything.
 * @throws CliError KEY_FILE_EXISTS (exit 3) when the path exists
 */
export function writeSecretFile(path: string, content: string, option: string): void {
  const exists = (p: string) => operational('KEY_FILE_EXISTS', `${p} already exists; casetrail never overwrites a key file: choose another path, or move the old key away yourself`);
  if (lstatOrUndefined(path) !== undefined) throw exists(path);
  writeOutputFile(path, content, { mode: 0o600, exists, option });
}

/** A file being written as a stream, placed at its path only when committed. */
export interface OutputStream {
  readonly stream: WriteStream;
  /** Ends the stream, fsyncs, and moves the file into place. */
  commit(): Promise<void>;
  /** Removes the temporary file, once no write to it is still in flight. */
  abort(): Promise<void>;
}

/**
 * Opens a streamed output file (e.g. a bundle) under the same policy as
 * writeOutputFile.
 */
export function openOutputStream(path: string, force = false): OutputStream {
  checkOutputPath(path, force);
  const { fd, path: tmp } = openTempFile(path, 0o644);
  const stream = createWriteStream(tmp, { fd, autoClose: false });
  let closed = false;
  const close = () => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  return {
    stream,
    async commit() {
      await new Promise<void>((res, rej) => stream.end((err?: Error | null) => (err ? rej(err) : res())));
      fsyncSync(fd);
      close();
      publish(tmp, path, force, '--out', fileExists);
    },
    async abort() {
      // A write may still be in flight on the descriptor: it is closed only
      // after the stream has settled, or that write could land in whatever
      // file reuses the descriptor number next.
      if (!stream.closed) {
        await new Promise<void>((res) => {
          stream.once('close', () => res());
          stream.destroy();
        });
      }
      // destroy() closes the fd itself (autoClose only decides whether end does):
      // closing it here as well would close whatever file reuses the number next.
      // A file stream whose fd is null was closed by it; close it here only if not.
      if ((stream as unknown as { fd: number | null }).fd === null) closed = true;
      close();
      removeFile(tmp);
    },
  };
}

/** Safe file name for a key name: `example.org/log` → `example.org_log`. */
export function fileNameFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
