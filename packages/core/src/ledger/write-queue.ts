/**
 * The queue of one Ledger's writes: they run one after another (other
 * processes are serialised by the store), and when the last one queued has
 * settled the ledger is told it is idle (the signer state is then promoted
 * once per burst of writes, signer-guard.ts).
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();
  /** Writes queued or running. */
  #pending = 0;

  constructor(private readonly onIdle: () => void) {}

  /** Runs `fn` after every write queued before it; its failure does not stop the queue. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#pending++;
    const run = this.#tail.then(fn);
    this.#tail = run
      .catch(() => undefined)
      .then(() => {
        if (--this.#pending === 0) this.onIdle();
      });
    return run;
  }

  /** Whether a write is queued or running. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /** Settles when every write queued so far has. */
  async settled(): Promise<void> {
    await this.#tail.catch(() => undefined);
  }
}
