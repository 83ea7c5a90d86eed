/**
 * The append path: one write transaction that places prepared steps
 * (format.md §4.1: seq, prev, time, step, casePrev), encodes them, extends
 * the Merkle tree (§5, nodes stored as §7 says), runs the in-transaction
 * extensions after each step, and signs the checkpoint the policy asks for.
 * With a signer, every transaction starts from a file the signer's guard
 * proved (format.md §10.2–10.3) and ends through it: it records what was
 * written in the signer state and signs only the verified tree.
 * Everything inside the transaction is synchronous (store.ts).
 */
import {
  ENTRY_VERSION,
  LedgerError,
  MerkleAccumulator,
  ZERO_HASH,
  decodePayload,
  encodeEntry,
  fail,
  isoTime,
  leafHash,
  nodesBlob,
  signStatement,
  type Entry,
  type Statement,
} from '@casetrail/verify';
import type { LedgerStore, WriteTx } from '../store/store.js';
import { ExtensionView } from './extension-view.js';
import { extensionFailure, Refusal, systemStepInput, type BatchStep, type ExtensionContext, type ExtensionRegistry, type Registered, type SystemStepInput } from './extensions.js';
import { prepareStep, type PreparedStep } from './prepare.js';
import { committedStep, earlierStepOfNonce, type CommittedStep } from './rows.js';
import type { Finished, Guarded, SignerGuard } from './signer-guard.js';
import { StoredFile, type WriterView } from './writer-view.js';
import type { TreeHead } from '../node/signer-state.js';
import type { CheckpointPolicy, Receipt } from './types.js';

export interface AppendConfig {
  origin: string;
  clock: () => number;
  policy: CheckpointPolicy;
  /** Every signature goes through it when there is a signer (signer-guard.ts). */
  guard: SignerGuard | undefined;
  /** The store's durability: under 'normal', a transaction that stores a checkpoint is committed durably all the same. */
  durability: 'full' | 'normal';
  maxPayload: number;
  extensions: ExtensionRegistry;
}

export interface CommitOptions {
  /** Run the extensions' onStep for each step (not for a refusal's record). */
  hooks: boolean;
  /** Build CommittedSteps of every entry (for extensions and commit subscribers). */
  steps: boolean;
  /** Called inside the transaction right after step `index` is written (redact() erases the payload here). */
  onWritten?: (tx: WriteTx, step: CommittedStep | undefined, seq: number, index: number) => void;
}

/** The steps of a transaction, or a function that makes them inside it from the trusted view (a redaction names its target's proven leaf). */
export type StepSource = PreparedStep[] | ((view: WriterView) => PreparedStep[]);

export interface CommitResult {
  /** One per given step, in order. */
  receipts: Receipt[];
  /** Every entry written, in seq order (given steps and the entries extensions added), when `steps` was asked for. */
  committed: CommittedStep[];
  /** The extensions called in the transaction (onBatch or onStep), in the order they were first called: their onCommit follows the commit. */
  called: Registered[];
  size: number;
  /** The signed note stored in the transaction, if any. */
  checkpoint?: string;
  /** A checkpoint to sign or store after the commit: an asynchronous signature still to come, or one deferred out of a transaction that was not durable. */
  after?: { head: TreeHead; signature: Promise<Uint8Array> | undefined };
  /** A synchronous signer that failed: the entries are committed without their checkpoint. */
  signerFailure?: LedgerError;
}

/** The state of one transaction's writes: the next seq, the links, the tree. */
class TxWriter {
  /** kept for the commit listeners only: a bulk append's steps held to the commit are promoted by the collector */
  readonly committed: CommittedStep[] = [];
  prev: Uint8Array;
  lastTime: number;
  private readonly start: number;

  constructor(
    readonly tx: WriteTx,
    readonly view: WriterView,
    private readonly origin: string,
    private readonly clock: () => number,
    /** whether each entry's CommittedStep is made (extensions are called with it, listeners get it) */
    private readonly wantSteps: boolean,
    /** whether they are kept to the commit (commit listeners) */
    private readonly keepSteps: boolean,
  ) {
    this.prev = view.start.prev;
    this.lastTime = view.start.lastTime;
    this.start = view.start.acc.size;
  }

  get merkle(): MerkleAccumulator {
    return this.view.start.acc;
  }

  get size(): number {
    return this.merkle.size;
  }

  /** Entries this transaction wrote so far. */
  get written(): number {
    return this.merkle.size - this.start;
  }

  /**
   * Places, encodes and stores one step; `time` forces its time (entries
   * added for a step share its time); `index` is the step's place in its
   * batch, for errors (`details.index`); `data` is its payload already
   * parsed for `onBatch` (the CommittedStep carries that same value).
   */
  write(s: PreparedStep, forcedTime?: number, index?: number, data?: unknown): { seq: number; entry: Entry; leaf: Uint8Array; step: CommittedStep | undefined } {
    const time = s.time ?? forcedTime ?? Math.max(this.clock(), this.lastTime);
    if (time < this.lastTime) {
      const at = index === undefined ? '' : `steps[${index}]: `;
      fail('TIME_ORDER', `${at}time ${isoTime(time)} is before the ledger's latest time ${isoTime(this.lastTime)}; entries never go back in time${s.signatures.length > 0 ? ' (sign the statement again with a fresh time)' : ''}`, {
        time,
        latest: this.lastTime,
        ...(index === undefined ? {} : { index }),
      });
    }
    // The case's previous step, authenticated by the trusted view (writer-view.ts).
    const caseTail = this.view.caseTail(s.caseId);
    const statement: Statement = { v: ENTRY_VERSION, time, caseId: s.caseId, type: s.type, actor: s.actor, commit: s.commit, nonce: s.nonce, origin: this.origin };
    const sigs = [...s.signatures, ...s.signWith.map((seed) => signStatement(statement, seed))];
    const seq = this.merkle.size;
    const entry: Entry = {
      v: ENTRY_VERSION,
      seq,
      prev: this.prev,
      time,
      caseId: s.caseId,
      step: (caseTail?.step ?? 0) + 1,
      casePrev: caseTail === undefined ? ZERO_HASH : caseTail.leaf,
      type: s.type,
      actor: s.actor,
      commit: s.commit,
      // encodeEntry writes them sorted by public key and refuses a key twice (format.md §4.1).
      sigs,
      nonce: s.nonce,
    };
    const bytes = encodeEntry(entry);
    const leaf = leafHash(bytes);
    const nodes = nodesBlob(this.merkle.push(leaf));
    this.tx.insertEntry({ seq, leaf, bytes, nodes, case_id: s.caseId, step: entry.step, type: s.type, actor: s.actor, time, salt: s.salt, data: s.payload, nonce: s.nonce });
    this.view.start.cases.set(s.caseId, { step: entry.step, leaf, seq });
    this.prev = leaf;
    this.lastTime = time;
    // The payload as extensions and subscribers get it: parsed from the text it was encoded from, or decoded from the given bytes.
    const step = this.wantSteps ? committedStep(entry, leaf, data !== undefined ? data : s.json === undefined ? decodePayload(s.payload) : JSON.parse(s.json)) : undefined;
    if (step !== undefined && this.keepSteps) this.committed.push(step);
    return { seq, entry, leaf, step };
  }

  /** What the next transaction of this instance starts from. */
  finish(): void {
    this.view.start.prev = this.prev;
    this.view.start.lastTime = this.lastTime;
  }
}

/** Appends for one Ledger instance: with a signer, every transaction starts from a file proven to extend what the signer signed. */
export class Appender {
  constructor(
    private readonly store: LedgerStore,
    private readonly cfg: AppendConfig,
  ) {}

  /** Writes prepared steps in one transaction: all of them and what extensions add, or nothing. */
  async commit(source: StepSource, opts: CommitOptions): Promise<CommitResult> {
    const guard = this.cfg.guard;
    const hooks = opts.hooks && this.cfg.extensions.hasHooks;
    const durable = this.durable(Array.isArray(source) ? source.length : 1);
    let g: Guarded | undefined;
    const result = await this.store.write(
      (tx) => {
        g = guard?.begin(tx);
        const view = g?.trusted ?? new StoredFile(tx, this.cfg.origin);
        const steps = typeof source === 'function' ? source(view) : source;
        const w = new TxWriter(tx, view, this.cfg.origin, this.cfg.clock, opts.steps || hooks, opts.steps);
        const receipts: Receipt[] = [];
        const runs = hooks ? new HookRuns(this.cfg, w, steps.length) : undefined;
        // Each step's payload parsed once, for onBatch and its CommittedStep alike.
        const parsed = runs?.beforeBatch(steps);
        for (const [i, s] of steps.entries()) {
          // A nonce is accepted once per case (format.md §4.6): the step sent again gets its first receipt,
          // once the entry the index gives is checked and authenticated in the trusted tree.
          const earlier = earlierStepOfNonce(tx, s, this.cfg.origin, i);
          if (earlier !== undefined) {
            view.authenticate(earlier.seq, earlier.leafHash);
            receipts.push({ ...earlier, treeSize: 0, duplicate: true });
            continue;
          }
          const { seq, entry, leaf, step } = w.write(s, undefined, i, parsed?.[i]);
          receipts.push({ seq, caseId: s.caseId, step: entry.step, time: entry.time, leafHash: leaf, treeSize: 0 });
          opts.onWritten?.(tx, step, seq, i);
          runs?.afterStep(step!, i);
        }
        runs?.end();
        w.finish();
        const size = w.size;
        for (const r of receipts) r.treeSize = size;
        // A checkpoint due in a transaction that is not durable is signed after the commit, in one of its own.
        const due = g !== undefined && this.due(g, w);
        const f = g === undefined ? undefined : guard!.finish(tx, g, due && durable);
        return { receipts, committed: w.committed, called: runs?.called() ?? [], size, f, deferred: due && !durable };
      },
      { ...(Array.isArray(source) ? { caseIds: [...new Set(source.map((s) => s.caseId))] } : {}), durable },
    );
    const { f, deferred, ...out } = result;
    if (g === undefined || f === undefined) return out;
    guard!.committed(g, f, f.checkpoint === undefined ? undefined : f.file);
    return { ...out, ...checkpointOf(f, deferred) };
  }

  /**
   * Whether the transaction must be committed durably: it may store a
   * checkpoint, and under durability 'normal' the state must never be ahead
   * of the file after a power cut (format.md §10.2).
   */
  private durable(steps: number): boolean {
    const p = this.cfg.policy;
    if (this.cfg.guard === undefined || p === 'manual') return false;
    if (this.cfg.durability === 'full' || p === 'transaction') return true;
    return this.cfg.guard.mayBeDue(p.everyEntries, steps);
  }

  /**
   * Whether the policy asks for a checkpoint signed in this transaction
   * (when it is durable; otherwise it is deferred, `checkpointOf`). A
   * transaction of steps that were all appended before writes nothing, and
   * signs nothing.
   */
  private due(g: Guarded, w: TxWriter): boolean {
    const p = this.cfg.policy;
    if (w.written === 0 || p === 'manual') return false;
    return p === 'transaction' || w.size - g.trusted.start.proven.size >= p.everyEntries;
  }
}

/** A transaction's checkpoint as its commit reports it: stored, to be signed or stored after the commit, or failed. */
function checkpointOf(f: Finished, deferred: boolean): Pick<CommitResult, 'checkpoint' | 'after' | 'signerFailure'> {
  if (f.checkpoint !== undefined) return { checkpoint: f.checkpoint };
  if (f.pending !== undefined) return { after: { head: f.pending.head, signature: f.pending.signature } };
  // SIGNER_FAILED keeps one meaning (checkpoints.ts): the entries are
  // committed, their checkpoint is signed by the next append.
  if (f.signerFailure !== undefined) return { signerFailure: f.signerFailure };
  return deferred ? { after: { head: f.file, signature: undefined } } : {};
}
/** The extensions' calls of one transaction, with their per-transaction counts. */
class HookRuns {
  private readonly perTx = new Map<Registered, StepCalls>();

  constructor(
    private readonly cfg: AppendConfig,
    private readonly w: TxWriter,
    private readonly batchSize: number,
  ) {}

  /** The extensions called in this transaction, in the order they were first called. */
  called(): Registered[] {
    return [...this.perTx.keys()];
  }

  /** The calls of extension `r` in this transaction: one view and one context for all of them. */
  private run(r: Registered): StepCalls {
    let run = this.perTx.get(r);
    if (run === undefined) {
      const view = new ExtensionView(this.w.tx, this.cfg.origin, r, () => ({ size: this.w.size, time: this.w.lastTime, leaf: this.w.prev }));
      run = new StepCalls(this.cfg, this.w, r, view, this.batchSize);
      this.perTx.set(r, run);
    }
    return run;
  }

  /**
   * Before the first step is written: `onBatch` of each extension that has
   * one, with every step's payload parsed and its predicted step number.
   * Returns the parsed payloads (each step's CommittedStep carries the same
   * value), or undefined when no extension in use has an onBatch.
   */
  beforeBatch(steps: readonly PreparedStep[]): unknown[] | undefined {
    if (steps.length === 0 || !this.cfg.extensions.active.some((r) => r.ext.onBatch !== undefined)) return undefined;
    const parsed: unknown[] = [];
    const batch: BatchStep[] = [];
    // A case's next step number: its latest before the transaction (the trusted view), then one more per step of the batch.
    const next = new Map<string, number>();
    for (const s of steps) {
      const data = s.json === undefined ? decodePayload(s.payload) : JSON.parse(s.json);
      const step = next.get(s.caseId) ?? (this.w.view.caseTail(s.caseId)?.step ?? 0) + 1;
      next.set(s.caseId, step + 1);
      parsed.push(data);
      batch.push({ caseId: s.caseId, type: s.type, actor: s.actor, time: s.time, data, step, system: s.system });
    }
    for (const r of this.cfg.extensions.active) {
      if (r.ext.onBatch === undefined) continue;
      const run = this.run(r);
      guarded(r, this.w.size, () => r.ext.onBatch!(batch, { view: run.view, refuse: run.refuse }));
    }
    return parsed;
  }

  afterStep(step: CommittedStep, index: number): void {
    for (const r of this.cfg.extensions.active) {
      if (r.ext.onStep === undefined) continue;
      this.run(r).call(step, index);
    }
  }

  /** After the transaction's last step: `onEnd` of each extension whose `onStep` ran in it (its last chance to refuse). */
  end(): void {
    for (const [r, run] of this.perTx) {
      if (r.ext.onEnd === undefined || !run.stepped) continue;
      guarded(r, this.w.size - 1, () => r.ext.onEnd!({ view: run.view, refuse: run.refuse }));
    }
  }
}

/**
 * One extension's `onStep` calls in one transaction, and the context each
 * gets. The context is made once per transaction and pointed at each step
 * in turn (a bulk append calls onStep for every step: a context and its
 * closures per call were most of what the extension path allocated), so it
 * is valid during its call only: `add` after the call returned is refused.
 */
class StepCalls implements ExtensionContext {
  /** entries added in the transaction, and to the current step */
  private added = 0;
  private addedHere = 0;
  /** the step being called, null between calls */
  private step: CommittedStep | null = null;
  /** whether onStep was called in this transaction (onBatch alone does not call onEnd) */
  stepped = false;
  readonly batch: { index: number; readonly size: number };
  // Own properties, bound once: a layer may pass them on (`const { add } = ctx`).
  readonly add: (e: SystemStepInput) => CommittedStep;
  readonly refuse: ExtensionContext['refuse'];

  constructor(
    private readonly cfg: AppendConfig,
    private readonly w: TxWriter,
    private readonly r: Registered,
    readonly view: ExtensionView,
    batchSize: number,
  ) {
    this.batch = { index: 0, size: batchSize };
    this.add = (e) => this.addEntry(e);
    this.refuse = refuser(r);
  }

  call(step: CommittedStep, index: number): void {
    const r = this.r;
    this.step = step;
    this.stepped = true;
    this.addedHere = 0;
    this.batch.index = index;
    // guarded(), inline: no closure per step.
    const t0 = performance.now();
    try {
      r.stats.calls++;
      r.ext.onStep!(step, this);
    } catch (e) {
      throw failed(r, step.seq, e);
    } finally {
      this.step = null;
      lapse(r, t0);
    }
  }

  private addEntry(e: SystemStepInput): CommittedStep {
    const { r, step } = this;
    if (step === null) {
      fail('EXTENSION_FAILED', `extension ${r.ext.name}: ctx.add was called after its onStep returned; entries are added during the call only`, { extension: r.ext.name });
    }
    if (this.addedHere >= r.maxAddedPerStep || this.added >= r.maxAddedPerTransaction) {
      const perStep = this.addedHere >= r.maxAddedPerStep;
      fail('EXTENSION_FAILED', `extension ${r.ext.name} added more than ${perStep ? `${r.maxAddedPerStep} entries to one step` : `${r.maxAddedPerTransaction} entries to one transaction`}; nothing was written`, {
        extension: r.ext.name,
        seq: step.seq,
        limit: perStep ? 'maxAddedPerStep' : 'maxAddedPerTransaction',
      });
    }
    this.cfg.extensions.checkSystemEntry(e, `extension ${r.ext.name}: add`);
    if (e.time !== undefined && e.time !== step.time) {
      fail('INVALID_ARGUMENT', `extension ${r.ext.name}: add: time: an entry added to a step takes the step's time (${step.time})`, { field: 'time' });
    }
    const { time: _time, ...input } = systemStepInput(e);
    const prepared = prepareStep(input, `extension ${r.ext.name}: add`, { maxPayload: this.cfg.maxPayload, origin: this.cfg.origin }, 'system');
    const written = this.w.write(prepared, step.time);
    this.addedHere++;
    this.added++;
    r.stats.added++;
    return written.step!;
  }
}

/** One call into an extension: counted and timed; a refusal passes, anything else thrown is EXTENSION_FAILED (at `seq`). */
function guarded(r: Registered, seq: number, fn: () => void): void {
  const t0 = performance.now();
  try {
    r.stats.calls++;
    fn();
  } catch (e) {
    throw failed(r, seq, e);
  } finally {
    lapse(r, t0);
  }
}

/** What a call that threw `e` throws on: a refusal as it is, anything else as EXTENSION_FAILED. */
function failed(r: Registered, seq: number, e: unknown): unknown {
  if (e instanceof Refusal) {
    r.stats.refusals++;
    return e;
  }
  r.stats.failures++;
  return extensionFailure(r, seq, e);
}

/** Adds a call's time, since `t0`, to the extension's statistics. */
function lapse(r: Registered, t0: number): void {
  const ms = performance.now() - t0;
  r.stats.totalMs += ms;
  if (ms > r.stats.maxMs) r.stats.maxMs = ms;
}

/** `ctx.refuse` of an extension: the transaction is refused, nothing of it written. */
function refuser(r: Registered): ExtensionContext['refuse'] {
  return (reason) => {
    throw new Refusal(r.ext.name, String(reason?.code ?? 'REFUSED'), String(reason?.message ?? ''), Array.isArray(reason?.record) ? reason.record : []);
  };
}
