/**
 * Reading what the user points the CLI at (paths, times, keys, files) and
 * writing the files it produces. Key files: mode 0600, created with O_EXCL so
 * an existing file is never overwritten, refused when group or others can
 * read them.
 */
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseVerifierKey, readSignerKeyFile, type NoteVerifier } from '@casetrail/core';
import { operational, usage } from './exit.js';
import type { Io } from './io.js';

/** Resolves a path given on the command line against the command's working directory. */
export function resolvePath(io: Io, p: string): string {
  return resolve(io.cwd, p);
}

/**
 * Parses a time given as milliseconds since the epoch or an ISO 8601 date or
 * date-time (UTC unless it carries an offset).
 * @throws CliError (usage) naming the option
 */
export function parseTime(value: string, option: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const iso = /[T ]\d{2}:\d{2}/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v.replace(' ', 'T')}Z` : v.replace(' ', 'T');
    const n = Date.parse(iso);
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  throw usage(`${option} must be an ISO 8601 date or time (e.g. 2024-05-01 or 2024-05-01T09:30:00Z) or milliseconds since 1970; got ${JSON.stringify(value)}`);
}

/**
 * Parses a non-negative integer option value.
 * @throws CliError (usage) naming the option
 */
export function parseCount(value: string, option: string, min = 0): number {
  if (!/^\d+$/.test(value.trim())) throw usage(`${option} must be a whole number; got ${JSON.stringify(value)}`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n) || n < min) throw usage(`${option} must be a whole number of at least ${min}; got ${JSON.stringify(value)}`);
  return n;
}

const VKEY_SHAPE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
const MAX_KEY_FILE = 4096;

/**
 * The verifier key given as the key itself (`name+keyid+key`) or as a file
 * holding it.
 * @throws CliError (operational) for a missing file; LedgerError MALFORMED_KEY
 */
export function readVerifierKey(io: Io, arg: string): NoteVerifier {
  const v = arg.trim();
  if (v === '') throw usage('--vkey is empty: pass the verifier key (name+keyid+key, printed by `casetrail init`) or a file holding it');
  if (VKEY_SHAPE.test(v)) return parseVerifierKey(v);
  const path = resolvePath(io, v);
  if (!existsSync(path)) {
    throw operational('FILE_NOT_FOUND', `--vkey ${JSON.stringify(arg)} is neither a verifier key (name+keyid+key) nor an existing file; pass the key printed by \`casetrail init\` or the file you saved it in`);
  }
  return parseVerifierKey(readTextFile(path, MAX_KEY_FILE, 'verifier key file').trim());
}

/**
 * Reads a text file of at most `maxBytes`, refusing larger ones before reading.
 * @throws CliError (operational) when missing or too large
 */
export function readTextFile(path: string, maxBytes: number, what: string): string {
  return new TextDecoder().decode(readBytesFile(path, maxBytes, what));
}

/** Like readTextFile, as bytes. */
export function readBytesFile(path: string, maxBytes: number, what: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw operational('IS_A_DIRECTORY', `${what} ${path} is a directory; give a file`);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
    throw e;
  }
  if (size > maxBytes) throw operational('FILE_TOO_LARGE', `${what} ${path} is ${size} bytes; the limit is ${maxBytes}`);
  return readFileSync(path);
}

/** Reads a whole file, or standard input for `-`, up to `maxBytes`. */
export async function readInput(io: Io, arg: string, maxBytes: number, what: string): Promise<Uint8Array> {
  if (arg !== '-') return readBytesFile(resolvePath(io, arg), maxBytes, what);
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    n += b.length;
    if (n > maxBytes) throw operational('FILE_TOO_LARGE', `${what} on standard input is larger than ${maxBytes} bytes`);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** A stream of chunks from a file, or from standard input for `-`. */
export function inputStream(io: Io, arg: string, what: string): AsyncIterable<Uint8Array | string> {
  if (arg === '-') return io.stdin;
  const path = resolvePath(io, arg);
  if (!existsSync(path)) throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * The checkpoint signing key file for a command that writes to a ledger:
 * --key-file, else $CASETRAIL_KEY_FILE, else `<ledger>.key` if it exists.
 * @returns the path, or undefined when none is configured
 */
export function findKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined): string | undefined {
  if (keyFile !== undefined) return resolvePath(io, keyFile);
  const env = io.env['CASETRAIL_KEY_FILE'];
  if (env !== undefined && env !== '') return resolvePath(io, env);
  const beside = `${ledgerPath}.key`;
  return existsSync(beside) ? beside : undefined;
}

/** Like findKeyFile, but a missing key is a usage error that says how to give one. */
export function requireKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined, why: string): string {
  const found = findKeyFile(io, ledgerPath, keyFile);
  if (found === undefined) {
    throw usage(`${why} needs the ledger's signing key: pass --key-file <path>, set CASETRAIL_KEY_FILE, or keep it beside the ledger as ${basename(ledgerPath)}.key`);
  }
  return found;
}

/** The Ed25519 seeds of actor key files (--sign-with), each checked for mode 0600. */
export function readActorSeeds(io: Io, files: readonly string[]): Uint8Array[] {
  return files.map((f) => readSignerKeyFile(resolvePath(io, f)).seed);
}

/**
 * Writes a secret (a signer key) to a new file with mode 0600. Never
 * overwrites: an existing file is an error.
 * @throws CliError (operational) when the file exists
 */
export function writeSecretFile(path: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw operational('KEY_FILE_EXISTS', `${path} already exists; casetrail never overwrites a key file: choose another path, or move the old key away yourself`);
    }
    throw e;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new public file (mode 0644), refusing to replace an existing one.
 * @throws CliError (operational) when the file exists
 */
export function writeNewFile(path: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw operational('FILE_EXISTS', `${path} already exists; choose another path`);
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Refuses an output path that names an SQLite database (a ledger, most
 * likely the one being read) or a ledger's -wal/-shm/-journal file:
 * `--out cases.ledger` must not replace the ledger with a proof.
 */
export function checkOutputPath(path: string): void {
  if (/-(wal|shm|journal)$/.test(path) && existsSync(path.replace(/-(wal|shm|journal)$/, ''))) {
    throw usage(`--out ${path} is a database's ${path.slice(path.lastIndexOf('-') + 1)} file; choose another output file`);
  }
  let head = '';
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(SQLITE_MAGIC.length);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // no such file (or unreadable): nothing to protect
  }
  if (head === SQLITE_MAGIC) throw usage(`--out ${path} is an SQLite database (a ledger?); refusing to overwrite it: choose another output file`);
}

/** Writes a file atomically (a temporary file in the same directory, then rename). */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  checkOutputPath(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Safe file name for a key name: `example.org/log` → `example.org_log`. */
export function fileNameFor(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
