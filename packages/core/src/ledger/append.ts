/**
 * The append path: one write transaction that places prepared steps
 * (format.md §4.1: seq, prev, time, step, casePrev), encodes them, extends
 * the Merkle tree (§5, nodes stored as §7 says), runs the in-transaction
 * extensions after each step, and signs the checkpoint the policy asks for.
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
  genesisLink,
  isoTime,
  leafHash,
  nodesBlob,
  signStatement,
  type Entry,
  type NoteSigner,
  type Statement,
} from '@casetrail/verify';
import type { LedgerStore, WriteTx } from '../store/store.js';
import { checkpointBody, noteWithSignature, signBody } from './checkpoints.js';
import { ExtensionView } from './extension-view.js';
import { extensionFailure, Refusal, systemStepInput, type ExtensionContext, type ExtensionRegistry, type Registered, type SystemStepInput } from './extensions.js';
import { prepareStep, type PreparedStep } from './prepare.js';
import { committedStep, earlierStepOfNonce, type CommittedStep } from './rows.js';
import type { CheckpointPolicy, Receipt } from './types.js';

/** Cases whose tails the writer keeps between transactions (beyond it, the map is cleared). */
const MAX_CACHED_CASES = 100_000;

export interface AppendConfig {
  origin: string;
  clock: () => number;
  policy: CheckpointPolicy;
  signer: NoteSigner | undefined;
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

export interface CommitResult {
  /** One per given step, in order. */
  receipts: Receipt[];
  /** Every entry written, in seq order (given steps and the entries extensions added), when `steps` was asked for. */
  committed: CommittedStep[];
  size: number;
  /** The signed note stored in the transaction, if any. */
  checkpoint?: string;
  /** A checkpoint whose asynchronous signature is still to come. */
  pending?: { size: number; root: Uint8Array; body: string; signature: Promise<Uint8Array> };
  /** A synchronous signer that failed: the entries are committed without their checkpoint. */
  signerFailure?: LedgerError;
}

/** The state of one transaction's writes: the next seq, the links, the tree. */
class TxWriter {
  readonly committed: CommittedStep[] = [];
  prev: Uint8Array;
  lastTime: number;
  private readonly start: number;

  constructor(
    readonly tx: WriteTx,
    readonly merkle: MerkleAccumulator,
    readonly cases: Map<string, { step: number; leaf: Uint8Array }>,
    tail: { leaf: Uint8Array; time: number } | undefined,
    private readonly origin: string,
    private readonly clock: () => number,
    private readonly wantSteps: boolean,
  ) {
    this.prev = tail === undefined ? genesisLink(origin) : tail.leaf;
    this.lastTime = tail === undefined ? 0 : tail.time;
    this.start = merkle.size;
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
   * batch, for errors (`details.index`).
   */
  write(s: PreparedStep, forcedTime?: number, index?: number): { seq: number; entry: Entry; leaf: Uint8Array; step: CommittedStep | undefined } {
    const time = s.time ?? forcedTime ?? Math.max(this.clock(), this.lastTime);
    if (time < this.lastTime) {
      const at = index === undefined ? '' : `steps[${index}]: `;
      fail('TIME_ORDER', `${at}time ${isoTime(time)} is before the ledger's latest time ${isoTime(this.lastTime)}; entries never go back in time${s.signatures.length > 0 ? ' (sign the statement again with a fresh time)' : ''}`, {
        time,
        latest: this.lastTime,
        ...(index === undefined ? {} : { index }),
      });
    }
    let caseTail = this.cases.get(s.caseId);
    if (caseTail === undefined) {
      const t = this.tx.caseTail(s.caseId);
      caseTail = t === undefined ? { step: 0, leaf: ZERO_HASH } : { step: t.step, leaf: t.leaf };
    }
    const statement: Statement = { v: ENTRY_VERSION, time, caseId: s.caseId, type: s.type, actor: s.actor, commit: s.commit, nonce: s.nonce, origin: this.origin };
    const sigs = [...s.signatures, ...s.signWith.map((seed) => signStatement(statement, seed))];
    const seq = this.merkle.size;
    const entry: Entry = {
      v: ENTRY_VERSION,
      seq,
      prev: this.prev,
      time,
      caseId: s.caseId,
      step: caseTail.step + 1,
      casePrev: caseTail.step === 0 ? ZERO_HASH : caseTail.leaf,
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
    this.cases.set(s.caseId, { step: entry.step, leaf });
    this.prev = leaf;
    this.lastTime = time;
    const step = this.wantSteps ? committedStep(entry, leaf, decodePayload(s.payload)) : undefined;
    if (step !== undefined) this.committed.push(step);
    return { seq, entry, leaf, step };
  }
}

/** Appends for one Ledger instance, caching the tree and case tails between its transactions. */
export class Appender {
  /** Merkle state of the last committed size this instance saw; rebuilt when another writer moved on. */
  private acc: MerkleAccumulator | undefined;
  /** Last step and leaf of recently written cases, valid only while `acc` is. */
  private readonly caseTails = new Map<string, { step: number; leaf: Uint8Array }>();

  constructor(
    private readonly store: LedgerStore,
    private readonly cfg: AppendConfig,
  ) {}

  /** Writes prepared steps in one transaction: all of them and what extensions add, or nothing. */
  async commit(steps: PreparedStep[], opts: CommitOptions): Promise<CommitResult> {
    const acc = this.acc;
    this.acc = undefined;
    const hooks = opts.hooks && this.cfg.extensions.hasHooks;
    const result = await this.store.write(
      (tx) => {
        const tail = tx.tail();
        const start = tail === undefined ? 0 : tail.seq + 1;
        // Append-only: if the size is what this instance committed last, no
        // other writer has been here and the cached Merkle and case state hold.
        const fresh = acc !== undefined && acc.size === start;
        if (!fresh || this.caseTails.size > MAX_CACHED_CASES) this.caseTails.clear();
        const w = new TxWriter(tx, fresh ? acc : MerkleAccumulator.fromReader(tx, start), this.caseTails, tail, this.cfg.origin, this.cfg.clock, opts.steps || hooks);
        const receipts: Receipt[] = [];
        const runs = hooks ? new HookRuns(this.cfg, w, steps.length) : undefined;
        for (const [i, s] of steps.entries()) {
          // A nonce is accepted once per case (format.md §4.6): the step sent again gets its first receipt.
          const earlier = earlierStepOfNonce(tx, s, this.cfg.origin, i);
          if (earlier !== undefined) {
            receipts.push({ ...earlier, treeSize: 0, duplicate: true });
            continue;
          }
          const { seq, entry, leaf, step } = w.write(s, undefined, i);
          receipts.push({ seq, caseId: s.caseId, step: entry.step, time: entry.time, leafHash: leaf, treeSize: 0 });
          opts.onWritten?.(tx, step, seq, i);
          runs?.afterStep(step!, i);
        }
        runs?.end();
        const size = w.size;
        for (const r of receipts) r.treeSize = size;
        return { receipts, committed: w.committed, size, merkle: w.merkle, ...this.checkpointIn(tx, w) };
      },
      { caseIds: [...new Set(steps.map((s) => s.caseId))] },
    );
    this.acc = result.merkle;
    const { merkle: _merkle, ...out } = result;
    return out;
  }

  /** The checkpoint the policy asks for after this transaction, signed in it when the signer is synchronous. */
  private checkpointIn(tx: WriteTx, w: TxWriter): Pick<CommitResult, 'checkpoint' | 'pending' | 'signerFailure'> {
    const size = w.size;
    // A transaction of steps that were all appended before writes nothing, and signs nothing.
    if (w.written === 0 || !this.wantsCheckpoint(tx, size)) return {};
    const signer = this.cfg.signer!;
    const root = w.merkle.root();
    const body = checkpointBody(this.cfg.origin, size, root);
    let sig: Uint8Array | Promise<Uint8Array>;
    try {
      sig = signBody(signer, size, body);
    } catch (e) {
      // SIGNER_FAILED keeps one meaning (checkpoints.ts): the entries are
      // committed, their checkpoint is signed by the next append.
      return { signerFailure: e as LedgerError };
    }
    if (sig instanceof Promise) return { pending: { size, root, body, signature: sig } };
    const note = noteWithSignature(body, signer, sig);
    tx.insertCheckpoint(size, root, note);
    return { checkpoint: note };
  }

  private wantsCheckpoint(tx: WriteTx, size: number): boolean {
    const p = this.cfg.policy;
    if (p === 'manual') return false;
    if (p === 'transaction') return true;
    return size - (tx.latestCheckpoint()?.size ?? 0) >= p.everyEntries;
  }
}

/** The extensions' calls of one transaction, with their per-transaction counts. */
class HookRuns {
  private readonly perTx = new Map<Registered, { added: number; view: ExtensionView }>();

  constructor(
    private readonly cfg: AppendConfig,
    private readonly w: TxWriter,
    private readonly batchSize: number,
  ) {}

  afterStep(step: CommittedStep, index: number): void {
    for (const r of this.cfg.extensions.active) {
      if (r.ext.onStep === undefined) continue;
      let run = this.perTx.get(r);
      if (run === undefined) {
        run = { added: 0, view: new ExtensionView(this.w.tx, this.cfg.origin, r, () => ({ size: this.w.size, time: this.w.lastTime, leaf: this.w.prev })) };
        this.perTx.set(r, run);
      }
      this.call(r, run, step, index);
    }
  }

  /** After the transaction's last step: `onEnd` of each extension whose `onStep` ran in it (its last chance to refuse). */
  end(): void {
    for (const [r, run] of this.perTx) {
      if (r.ext.onEnd === undefined) continue;
      this.guarded(r, this.w.size - 1, () => r.ext.onEnd!({ view: run.view, refuse: refuser(r) }));
    }
  }

  private call(r: Registered, run: { added: number; view: ExtensionView }, step: CommittedStep, index: number): void {
    let addedHere = 0;
    const ctx: ExtensionContext = {
      view: run.view,
      batch: { index, size: this.batchSize },
      add: (e: SystemStepInput) => {
        if (addedHere >= r.maxAddedPerStep || run.added >= r.maxAddedPerTransaction) {
          fail('EXTENSION_FAILED', `extension ${r.ext.name} added more than ${addedHere >= r.maxAddedPerStep ? `${r.maxAddedPerStep} entries to one step` : `${r.maxAddedPerTransaction} entries to one transaction`}; nothing was written`, {
            extension: r.ext.name,
            seq: step.seq,
            limit: addedHere >= r.maxAddedPerStep ? 'maxAddedPerStep' : 'maxAddedPerTransaction',
          });
        }
        this.cfg.extensions.checkSystemEntry(e, `extension ${r.ext.name}: add`);
        if (e.time !== undefined && e.time !== step.time) {
          fail('INVALID_ARGUMENT', `extension ${r.ext.name}: add: time: an entry added to a step takes the step's time (${step.time})`, { field: 'time' });
        }
        const { time: _time, ...input } = systemStepInput(e);
        const prepared = prepareStep(input, `extension ${r.ext.name}: add`, { maxPayload: this.cfg.maxPayload, origin: this.cfg.origin }, 'system');
        const written = this.w.write(prepared, step.time);
        addedHere++;
        run.added++;
        r.stats.added++;
        return written.step!;
      },
      refuse: refuser(r),
    };
    this.guarded(r, step.seq, () => r.ext.onStep!(step, ctx));
  }

  /** One call into an extension: counted and timed; a refusal passes, anything else thrown is EXTENSION_FAILED (at `seq`). */
  private guarded(r: Registered, seq: number, fn: () => void): void {
    const t0 = performance.now();
    try {
      r.stats.calls++;
      fn();
    } catch (e) {
      if (e instanceof Refusal) {
        r.stats.refusals++;
        throw e;
      }
      r.stats.failures++;
      throw extensionFailure(r, seq, e);
    } finally {
      const ms = performance.now() - t0;
      r.stats.totalMs += ms;
      if (ms > r.stats.maxMs) r.stats.maxMs = ms;
    }
  }
}

/** `ctx.refuse` of an extension: the transaction is refused, nothing of it written. */
function refuser(r: Registered): ExtensionContext['refuse'] {
  return (reason) => {
    throw new Refusal(r.ext.name, String(reason?.code ?? 'REFUSED'), String(reason?.message ?? ''), Array.isArray(reason?.record) ? reason.record : []);
  };
}
