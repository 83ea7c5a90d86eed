/**
 * Reading what the user points the CLI at: paths, whole files under a size
 * limit, and streams. An input over its limit is refused before it is read:
 * with `INPUT_TOO_LARGE` (exit 1) when it is an artifact under check (a
 * proof, witness body, bundle or checkpoint: tampering fails closed), with
 * `FILE_TOO_LARGE` (exit 3) when it is input to a command that writes.
 */
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, EXIT, operational } from './exit.js';
import type { Io } from './io.js';

/** Resolves a path given on the command line against the command's working directory. */
export function resolvePath(io: Io, p: string): string {
  return resolve(io.cwd, p);
}

/** Whether an oversized input is an artifact under verification (exit 1) or input to a write (exit 3). */
export type InputKind = 'artifact' | 'input';

function tooLarge(kind: InputKind, what: string, size: string, maxBytes: number): CliError {
  return kind === 'artifact'
    ? new CliError(EXIT.FAILED, 'INPUT_TOO_LARGE', `${what} is ${size}; no valid one is over ${maxBytes} bytes, so it was refused unread`)
    : operational('FILE_TOO_LARGE', `${what} is ${size}; the limit is ${maxBytes} bytes`);
}

/**
 * Reads a file of at most `maxBytes`, refusing larger ones before reading.
 * @throws CliError FILE_NOT_FOUND / IS_A_DIRECTORY (3), FILE_TOO_LARGE (3) or INPUT_TOO_LARGE (1)
 */
export function readBytesFile(path: string, maxBytes: number, what: string, kind: InputKind = 'input'): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw operational('IS_A_DIRECTORY', `${what} ${path} is a directory; give a file`);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
    throw e;
  }
  if (size > maxBytes) throw tooLarge(kind, `${what} ${path}`, `${size} bytes`, maxBytes);
  return readFileSync(path);
}

/** Like readBytesFile, decoded as UTF-8 (invalid bytes become U+FFFD and fail the parsers after). */
export function readTextFile(path: string, maxBytes: number, what: string, kind: InputKind = 'input'): string {
  return new TextDecoder().decode(readBytesFile(path, maxBytes, what, kind));
}

/** Reads a whole file, or standard input for `-`, up to `maxBytes`. */
export async function readInput(io: Io, arg: string, maxBytes: number, what: string, kind: InputKind = 'input'): Promise<Uint8Array> {
  if (arg !== '-') return readBytesFile(resolvePath(io, arg), maxBytes, what, kind);
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    n += b.length;
    if (n > maxBytes) throw tooLarge(kind, `${what} on standard input`, `larger than ${maxBytes} bytes`, maxBytes);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/**
 * A stream of chunks from a file, or from standard input for `-`. The path
 * is checked now; the file is opened only when the stream is first read, and
 * closed when reading ends or stops, so a command that fails before it reads
 * (no ledger, a refused key) leaves no descriptor open and no open pending.
 */
export function inputStream(io: Io, arg: string, what: string): AsyncIterable<Uint8Array | string> {
  if (arg === '-') return io.stdin;
  const path = resolvePath(io, arg);
  if (!existsSync(path)) throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
  if (statSync(path).isDirectory()) throw operational('IS_A_DIRECTORY', `${what} ${path} is a directory; give a file`);
  return fileChunks(path, what);
}

/** The chunks of a file, opened on the first read and closed in every case when the reading ends. */
async function* fileChunks(path: string, what: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    // Removed between the check and the first read.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
    throw e;
  } finally {
    stream.destroy();
  }
}

/** An input that can be read more than once, and what to do when done with it. */
export interface ReopenableInput {
  /** A fresh stream of the input's chunks, from its start. */
  open(): AsyncIterable<Uint8Array | string>;
  /** Removes the private copy of standard input, if one was made. */
  dispose(): void;
}

/**
 * A file that can be read twice, or standard input for `-`, copied as it
 * streams into a private temporary file (mode 600, in a directory of its
 * own, removed by dispose) so that it can be read twice too with bounded
 * memory. (Bundle verification reads a bundle twice to show its steps:
 * @casetrail/verify bundle/erasures.ts.)
 */
export async function reopenableInput(io: Io, arg: string, what: string): Promise<ReopenableInput> {
  if (arg !== '-') {
    const first = inputStream(io, arg, what);
    let opened = false;
    // The first read uses the stream checked above; later ones open the path again.
    return { open: () => (opened ? inputStream(io, arg, what) : ((opened = true), first)), dispose: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-stdin-'));
  const path = join(dir, 'input');
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  const out = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  try {
    for await (const chunk of io.stdin) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
  } catch (e) {
    // Closed before the directory goes, so no write or open is left in flight.
    if (!out.closed) await new Promise<void>((res) => out.destroy().once('close', () => res()));
    dispose();
    throw e;
  }
  return { open: () => fileChunks(path, what), dispose };
}
