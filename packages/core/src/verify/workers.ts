/**
 * Runs the single-row checks of verification (checks/row.ts) in worker
 * threads, each with its own read-only handle of the store opened through
 * the store factory from its location, and hands the results back in seq
 * order. The ordered checks stay in the calling thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LedgerError } from '@casetrail/verify';
import type { RowFacts } from '@casetrail/verify';
import { transferList, unpackResults, type PackedResults, type RecycledBuffers } from './packing.js';

/** Entries per message: large enough to amortise messaging, small enough to bound memory. */
const CHUNK = 4096;
/** Chunks in flight per worker. */
const AHEAD = 2;

/**
 * The compiled worker script. From dist/ it sits beside this module; when
 * this module runs from src/ (the test runner), the build's copy in dist/
 * is used. Without either, verification stays in one thread.
 */
function workerScript(): URL | undefined {
  for (const rel of ['./worker.js', '../../dist/verify/worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

type Reply = { from: number; packed: PackedResults } | { from: number; error: string };

/**
 * Checks rows [start, end) in `count` workers (actor signatures of version 2
 * entries with the verifier's `origin`), calling onResult for each row
 * in seq order. Resolves false (having called nothing) if workers cannot be
 * started, so the caller checks the rows itself.
 */
export async function checkRowsInWorkers(
  location: string,
  origin: string,
  start: number,
  end: number,
  count: number,
  onResult: (r: RowFacts) => void,
): Promise<boolean> {
  const script = workerScript();
  if (script === undefined || end <= start) return false;
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      // A worker holds one chunk at a time; small heap limits keep the
      // process's peak memory close to the single-thread verifier's.
      workers.push(new Worker(script, { workerData: { location, origin }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 } }));
    }
  } catch {
    await Promise.all(workers.map((w) => w.terminate()));
    return false;
  }
  const ready = new Map<number, PackedResults>();
  /** Buffers of batches already used, to be filled again by the next request. */
  const spare: RecycledBuffers[] = [];
  let nextToSend = start;
  let nextToUse = start;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const send = (w: Worker) => {
    if (nextToSend >= end) return;
    const from = nextToSend;
    nextToSend = Math.min(end, from + CHUNK);
    const recycled = spare.pop();
    if (recycled === undefined) w.postMessage({ from, to: nextToSend });
    else w.postMessage({ from, to: nextToSend, recycled }, transferList(recycled));
  };
  for (const w of workers) {
    w.on('message', (reply: Reply) => {
      if ('error' in reply) failure ??= new LedgerError('STORAGE_ERROR', `a verification worker failed: ${reply.error}`);
      else ready.set(reply.from, reply.packed);
      send(w);
      wake?.();
    });
    w.on('error', (e) => {
      failure ??= new LedgerError('STORAGE_ERROR', `a verification worker failed: ${e.message}`, {}, { cause: e });
      wake?.();
    });
    for (let i = 0; i < AHEAD; i++) send(w);
  }
  try {
    while (nextToUse < end) {
      const packed = ready.get(nextToUse);
      if (packed === undefined) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      ready.delete(nextToUse);
      unpackResults(packed, onResult);
      spare.push({ hashes: packed.hashes, numbers: packed.numbers, nodes: packed.nodes, nodeLengths: packed.nodeLengths });
      nextToUse = Math.min(end, nextToUse + CHUNK);
    }
    return true;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
