/**
 * The command's view of the outside world: where output goes, where input
 * comes from, the environment and the working directory. The bin passes the
 * real process streams; tests pass captured ones and run commands in-process.
 */
import { once } from 'node:events';

/** A text sink such as process.stdout. */
export interface OutStream {
  /** Returns false when the caller should wait for 'drain' (Node stream back-pressure). */
  write(chunk: string): boolean;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Standard input, read only when a command is given `-` as a file. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this directory. */
  readonly cwd: string;
}

/** The real process. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Writes text and waits while the stream asks for back-pressure, so long outputs stream in constant memory. */
export async function write(out: OutStream, text: string): Promise<void> {
  if (!out.write(text) && typeof out.once === 'function') {
    await once(out as unknown as NodeJS.EventEmitter, 'drain');
  }
}

/** An Io whose output is collected in memory (for tests and embedding). */
export interface CapturedIo extends Io {
  stdoutText(): string;
  stderrText(): string;
}

/**
 * @param options - stdin content, environment, working directory, and whether
 *   to pretend the streams are terminals
 */
export function captureIo(options: { stdin?: string | Uint8Array; env?: Record<string, string | undefined>; cwd?: string; tty?: boolean } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const tty = options.tty === true;
  const input = options.stdin;
  return {
    stdout: { write: (s: string) => (out.push(s), true), isTTY: tty, columns: 100 },
    stderr: { write: (s: string) => (err.push(s), true), isTTY: tty, columns: 100 },
    stdin: (async function* () {
      if (input !== undefined) yield input;
    })(),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdoutText: () => out.join(''),
    stderrText: () => err.join(''),
  };
}
