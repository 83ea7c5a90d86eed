/**
 * Child processes of the reliability battery: starts reliability-worker.mjs
 * in a mode, collects its "<tag> <json>" lines, sends commands, kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKER } from './reliability-config.js';

/** One line the worker wrote. */
export interface WorkerLine {
  tag: string;
  value: unknown;
}

export interface Worker {
  readonly child: ChildProcess;
  /** Every line received so far, in order. */
  readonly lines: WorkerLine[];
  /** Resolves with the first line (already received or future) with this tag. */
  waitFor(tag: string, timeoutMs?: number): Promise<WorkerLine>;
  /** Sends one command line on the worker's stdin. */
  send(command: string): void;
  /** Resolves when the process has exited and its output is read: exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the worker wrote on stderr. */
  stderr(): string;
}

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Throws a clear message when the compiled library the workers import is missing. */
export function requireDist(): void {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npx tsc -b packages/core\` (the root \`pnpm test\` does) before the reliability battery`);
}

/**
 * Starts the worker in `mode` with JSON options.
 * @param as - run as this uid/gid (only possible when the test runs as root)
 */
export function startWorker(mode: string, options: Record<string, unknown>, as?: { uid: number; gid: number }): Worker {
  requireDist();
  const child = spawn(process.execPath, [WORKER, mode, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(as === undefined ? {} : { uid: as.uid, gid: as.gid }),
  });
  const lines: WorkerLine[] = [];
  const waiters: Array<{ tag: string; resolve: (l: WorkerLine) => void }> = [];
  let buffer = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const sp = text.indexOf(' ');
      const line: WorkerLine = { tag: sp < 0 ? text : text.slice(0, sp), value: sp < 0 ? null : JSON.parse(text.slice(sp + 1)) };
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.tag === line.tag) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  child.stdin!.on('error', () => undefined); // the worker may be gone already
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    send: (command) => {
      child.stdin!.write(`${command}\n`);
    },
    waitFor(tag, timeoutMs = 30_000) {
      const seen = lines.find((l) => l.tag === tag);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<WorkerLine>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${mode} sent no "${tag}" within ${timeoutMs} ms; lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${err}`)), timeoutMs);
        const w = {
          tag,
          resolve: (l: WorkerLine) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        waiters.push(w);
        void exited.then(() => {
          if (waiters.includes(w)) {
            waiters.splice(waiters.indexOf(w), 1);
            clearTimeout(timer);
            reject(new Error(`worker ${mode} exited without "${tag}"; lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${err}`));
          }
        });
      });
    },
  };
}

/** The worker's "error" line, if it sent one (an uncaught failure inside the worker). */
export function workerError(w: Worker): unknown {
  return w.lines.find((l) => l.tag === 'error')?.value;
}
