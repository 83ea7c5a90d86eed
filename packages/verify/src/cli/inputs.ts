/**
 * Reading what the user points the CLI at: paths, whole files under a size
 * limit, and streams. An input over its limit is refused before it is read:
 * with `INPUT_TOO_LARGE` (exit 1) when it is an artifact under check (a
 * proof, witness body, bundle or checkpoint: tampering fails closed), with
 * `FILE_TOO_LARGE` (exit 3) when it is input to a command that writes.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
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

/** A stream of chunks from a file, or from standard input for `-`. */
export function inputStream(io: Io, arg: string, what: string): AsyncIterable<Uint8Array | string> {
  if (arg === '-') return io.stdin;
  const path = resolvePath(io, arg);
  if (!existsSync(path)) throw operational('FILE_NOT_FOUND', `${what} ${path} does not exist; check the path`);
  if (statSync(path).isDirectory()) throw operational('IS_A_DIRECTORY', `${what} ${path} is a directory; give a file`);
  return createReadStream(path, { highWaterMark: 1 << 20 });
}
