/**
 * What an append transaction is followed by, in one place for append,
 * appendMany, appendSystem and redact: a refusal's record written in a
 * transaction of its own, the commit listeners, and an asynchronous
 * signature stored after the commit (SIGNER_FAILED, checkpoints.ts).
 */
import { LedgerError } from '@casetrail/verify';
import type { LedgerStore, WriteTx } from '../store/store.js';
import type { Appender, CommitResult, StepSource } from './append.js';
import type { CommitListeners } from './commits.js';
import { Refusal, systemStepInput, type ExtensionRegistry } from './extensions.js';
import { prepareStep, type StepContext } from './prepare.js';
import type { SignerGuard } from './signer-guard.js';
import type { Receipt } from './types.js';

export class Transactions {
  constructor(
    private readonly store: LedgerStore,
    private readonly appender: Appender,
    private readonly extensions: ExtensionRegistry,
    private readonly listeners: CommitListeners,
    private readonly guard: SignerGuard | undefined,
    private readonly stepContext: StepContext,
  ) {}

  /**
   * One write transaction, then what follows it: a refusal's record, the
   * commit listeners, a checkpoint signed or stored after the commit.
   */
  async commit(steps: StepSource, onWritten?: (tx: WriteTx, seq: number) => void): Promise<Receipt[]> {
    let result: CommitResult;
    try {
      result = await this.appender.commit(steps, {
        hooks: true,
        steps: this.listeners.any,
        ...(onWritten === undefined ? {} : { onWritten: (tx, _step, seq) => onWritten(tx, seq) }),
      });
    } catch (e) {
      if (e instanceof Refusal) throw await this.recordRefusal(e);
      throw e;
    }
    this.committed(result);
    this.emit(result);
    const failure = await this.checkpointAfter(result);
    if (failure !== undefined) throw failure;
    return result.receipts;
  }

  /** `onCommit` of each extension called in the committed transaction; what one throws cannot undo the commit. */
  private committed(result: CommitResult): void {
    for (const r of result.called) {
      if (r.ext.onCommit === undefined) continue;
      try {
        r.ext.onCommit({ treeSize: result.size });
      } catch {
        r.stats.failures++;
      }
    }
  }

  /**
   * What follows a commit for its checkpoint: a synchronous signer that
   * failed, or a checkpoint signed or stored after the commit. An
   * asynchronous signer (HSM, KMS) is not awaited inside the write
   * transaction, which would hold the lock for its latency; the entries are
   * committed first and the checkpoint is stored when it arrives, in a
   * durable transaction of its own through the signer's guard (also for a
   * checkpoint deferred out of a transaction that was not durable,
   * format.md §10.2).
   * @returns SIGNER_FAILED when the entries are stored without their checkpoint
   */
  private async checkpointAfter(result: CommitResult): Promise<LedgerError | undefined> {
    if (result.signerFailure !== undefined) return this.entriesStoredButUnsigned(result.size, result.signerFailure);
    if (result.after !== undefined) {
      const a = result.after;
      try {
        const note = await this.guard!.signAfterCommit(this.store, a.head, a.signature);
        for (const r of result.receipts) r.checkpoint = note;
      } catch (e) {
        return this.entriesStoredButUnsigned(a.head.size, e);
      }
    } else if (result.checkpoint !== undefined) {
      for (const r of result.receipts) r.checkpoint = result.checkpoint;
    }
    return undefined;
  }

  /**
   * SIGNER_FAILED after a commit (checkpoints.ts): a storage code here
   * (LEDGER_BUSY, DISK_FULL) would say that nothing was written and invite
   * a retry that appends the entries twice.
   */
  private entriesStoredButUnsigned(size: number, e: unknown): LedgerError {
    const cause = e instanceof LedgerError && e.code === 'SIGNER_FAILED' && e.cause instanceof LedgerError ? e.cause : e;
    return new LedgerError(
      'SIGNER_FAILED',
      `the entries are stored (ledger size ${size}), but their checkpoint could not be signed or stored: ${(e as Error)?.message ?? e}; it is signed on the next append or checkpoint()`,
      { size, ...(cause instanceof LedgerError ? { causeCode: cause.code } : {}) },
      { cause: e },
    );
  }

  /** Writes a refusal's record in a transaction of its own (no extension runs on it), then gives the REFUSED error. */
  private async recordRefusal(r: Refusal): Promise<LedgerError> {
    const details: Record<string, unknown> = { extension: r.extension, reason: r.reason, recorded: [] as number[] };
    if (r.record.length > 0) {
      try {
        const prepared = r.record.map((e, i) => {
          this.extensions.checkSystemEntry(e, `record[${i}]`);
          return prepareStep(systemStepInput(e), `record[${i}]`, this.stepContext, 'system');
        });
        const result = await this.appender.commit(prepared, { hooks: false, steps: this.listeners.any });
        this.emit(result);
        details['recorded'] = result.receipts.map((x) => x.seq);
        // The record is signed through the same guarded path as any entry; a checkpoint that failed is signed by the next append.
        const failure = await this.checkpointAfter(result);
        if (failure !== undefined) details['recordUnsigned'] = (failure.details as { causeCode?: string }).causeCode ?? failure.code;
      } catch (e) {
        details['recordFailed'] = e instanceof LedgerError ? e.code : String(e);
      }
    }
    return new LedgerError('REFUSED', `extension ${r.extension} refused the transaction (${r.reason}): ${r.message}; nothing of it was written`, details);
  }

  private emit(result: CommitResult): void {
    if (!this.listeners.any) return;
    this.listeners.emit({ entries: result.committed, treeSize: result.size, ...(result.checkpoint === undefined ? {} : { checkpoint: result.checkpoint }) });
  }
}
