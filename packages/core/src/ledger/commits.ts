/**
 * Following committed entries (docs/api.md "Following the ledger"): in the
 * process that writes, `ledger.onCommit(listener)` is told of each committed
 * transaction after its commit; in any other process (or for any writer),
 * `followLedger(location)` polls the tree size and yields new entries as
 * they are committed, each decoded from its bytes and checked.
 */
import { LedgerError, checkEntryRow, checkFunction, checkIntIn, checkNat, decodePayload, genesisLink, equalBytes, type Finding } from '@casetrail/verify';
import { openStore } from '../store/open.js';
import { committedStep, type CommittedStep } from './rows.js';

/** One committed write transaction of this Ledger instance. */
export interface CommitEvent {
  /** Every entry the transaction wrote, in seq order (including those extensions added). */
  entries: CommittedStep[];
  /** The ledger size after it. */
  treeSize: number;
  /** The signed checkpoint stored with it, if any. */
  checkpoint?: string;
}

export type CommitListener = (event: CommitEvent) => void;

/** The commit listeners of one Ledger instance. */
export class CommitListeners {
  readonly #list: Array<{ listener: CommitListener; onError: ((e: unknown) => void) | undefined }> = [];

  get any(): boolean {
    return this.#list.length > 0;
  }

  add(listener: CommitListener, onError?: (e: unknown) => void): () => void {
    checkFunction(listener, 'listener');
    if (onError !== undefined) checkFunction(onError, 'onError');
    const item = { listener, onError };
    this.#list.push(item);
    return () => {
      const i = this.#list.indexOf(item);
      if (i >= 0) this.#list.splice(i, 1);
    };
  }

  /** Tells every listener; a listener that throws cannot undo the commit: its error goes to its onError, if any. */
  emit(event: CommitEvent): void {
    for (const { listener, onError } of [...this.#list]) {
      try {
        listener(event);
      } catch (e) {
        try {
          onError?.(e);
        } catch {
          // Nothing is left to tell.
        }
      }
    }
  }
}

export interface FollowOptions {
  /** First seq to yield (default 0). */
  from?: number;
  /** How often the tree size is polled, in ms (default 1,000, at least 10). */
  intervalMs?: number;
  /** Ends the iteration (the iterator returns) when aborted. */
  signal?: AbortSignal;
  /** Entries read per query (default 1,000). */
  batch?: number;
}

function tampered(f: Finding): never {
  throw new LedgerError('STORAGE_ERROR', `entry ${f.seq ?? '?'} does not match its stored bytes (${f.code}: ${f.message}): run verify`, { seq: f.seq, issue: f.code });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows a ledger from another process: yields every entry from `from` on
 * as it is committed, polling the tree size. Each row is decoded from its
 * bytes and checked like verification's single-row checks, and linked to
 * the entry before it (`prev`); a row that fails is STORAGE_ERROR (run
 * verify). A payload erased by a redaction comes with `data` undefined.
 * @example
 * for await (const step of followLedger('cases.ledger', { from: 0, signal })) console.log(step.seq, step.type);
 */
export async function* followLedger(location: string, options: FollowOptions = {}): AsyncGenerator<CommittedStep> {
  const from = options.from ?? 0;
  const interval = options.intervalMs ?? 1_000;
  const batch = options.batch ?? 1_000;
  checkNat(from, 'from');
  checkIntIn(interval, 'intervalMs', 10, 86_400_000);
  checkIntIn(batch, 'batch', 1, 100_000);
  const store = await openStore(location, { readonly: true });
  if (store.damage.length > 0) {
    await store.close();
    throw new LedgerError('LEDGER_DAMAGED', `ledger ${location} is damaged: ${store.damage.map((d) => d.message).join('; ')}; run verify`, { path: location });
  }
  const signal = options.signal;
  try {
    let next = from;
    let prev: Uint8Array | undefined = from === 0 ? genesisLink(store.origin) : undefined;
    while (!signal?.aborted) {
      const { steps, leaf } = await store.read((v) => {
        const out: CommittedStep[] = [];
        let link = prev;
        if (link === undefined) {
          const before = v.entry(next - 1);
          if (before === undefined) return { steps: out, leaf: link };
          const c = checkEntryRow(before, store.origin);
          if (c.issues.length > 0) tampered(c.issues[0]!);
          link = c.leaf;
        }
        const end = Math.min(v.size(), next + batch);
        for (const row of v.entries(next, end)) {
          const c = checkEntryRow(row, store.origin);
          if (c.issues.length > 0) tampered(c.issues[0]!);
          const e = c.decoded!;
          if (row.seq !== next + out.length) tampered({ code: 'SEQ_GAP', seq: next + out.length, message: `entry ${next + out.length} is missing` });
          if (!equalBytes(e.prev, link!)) tampered({ code: 'PREV_MISMATCH', seq: e.seq, message: `entry ${e.seq} does not link to the entry before it` });
          out.push(committedStep(e, c.leaf!, c.payload === 'ok' ? decodePayload(row.data!) : undefined));
          link = c.leaf;
        }
        return { steps: out, leaf: link };
      });
      prev = leaf;
      for (const s of steps) {
        if (signal?.aborted) return;
        yield s;
      }
      next += steps.length;
      if (steps.length < batch) await sleep(interval, signal);
    }
  } finally {
    await store.close();
  }
}
