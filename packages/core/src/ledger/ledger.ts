/**
 * The ledger: append steps, read them back, prove them, verify the store.
 * It depends only on the store interface (store/store.ts); the factory picks
 * the store from the location. The work is done by the modules beside it:
 * prepare and append (writes), reads (reads and proofs), checkpoints,
 * extensions and commits (the seams for layers).
 */
import {
  DEFAULT_MAX_PAYLOAD,
  HARD_MAX_PAYLOAD,
  checkIntIn,
  checkNat,
  checkString,
  checkTime,
  fail,
  validateNewText,
  type CosignatureVerifier,
  type NoteSigner,
} from '@casetrail/verify';
import { resolveSigner, resolveSignerState } from '../node/signer.js';
import type { SignerStateStore } from '../node/signer-state.js';
import { createStore, openStore, storeOptionsOf } from '../store/open.js';
import { NodeCache, type LedgerStore } from '../store/store.js';
import { verifyStore, assertReport, type VerifyOptions, type VerifyReport } from '../verify/verify.js';
import { Appender } from './append.js';
import { attachCosignature, signedCheckpoint } from './checkpoints.js';
import { CommitListeners, type CommitListener } from './commits.js';
import { exportBundle, tlogProof, witnessBody, type BundleExport, type BundleExportOptions, type BundleWriter, type TlogProofFile, type WitnessBodyFile, type WitnessBodyOptions } from './evidence.js';
import { Transactions } from './transactions.js';
import { WriteQueue } from './write-queue.js';
import { ExtensionRegistry, systemStepInput, type ExtensionStats, type LedgerExtension, type SystemStepInput } from './extensions.js';
import { MAX_BATCH, checkNewOrigin, checkPolicy, prepareStep, type StepContext } from './prepare.js';
import { prepareRedaction } from './redaction.js';
import { adopt, checkAtOpen, startState, type Adoption } from './signer-adoption.js';
import { SignerGuard } from './signer-guard.js';
import { proveConsistency, proveInclusion, queryPage, readEntry, streamEntries, traceCase } from './reads.js';
import type {
  CheckpointPolicy,
  ConsistencyProof,
  CreateLedgerOptions,
  InclusionProof,
  LedgerEntry,
  LedgerOptions,
  Page,
  QueryOptions,
  Receipt,
  SignedCheckpoint,
  StepInput,
  Trace,
} from './types.js';

export class Ledger {
  /** The store's location (a path, or a URL such as memory:<name>). */
  readonly path: string;
  readonly origin: string;
  /** Kept under this name: the fault tests reach the SQLite connection through it. */
  private readonly store: LedgerStore;
  private readonly signer: NoteSigner | undefined;
  /** Every checkpoint is signed through it (signer-guard.ts); absent without a signer or read-only. */
  private readonly guard: SignerGuard | undefined;
  private readonly policy: CheckpointPolicy;
  /** What preparing a step needs of this ledger: its payload limit and origin. */
  private readonly stepContext: StepContext;
  private readonly transactions: Transactions;
  private readonly extensions = new ExtensionRegistry();
  private readonly listeners = new CommitListeners();
  private readonly writes = new WriteQueue(() => this.whenIdle());
  /** What `adoptState` verified and adopted when this Ledger was opened, if it did. */
  adopted: Adoption | undefined;
  /** Upper Merkle nodes shared by successive proofs (at most ~5 MB). */
  private readonly proofNodes = new NodeCache();
  private closed = false;

  private constructor(store: LedgerStore, options: LedgerOptions, states: SignerStateStore | undefined) {
    this.store = store;
    this.path = store.location;
    this.origin = store.origin;
    this.policy = options.checkpointPolicy ?? 'transaction';
    checkPolicy(this.policy);
    const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD;
    checkIntIn(max, 'maxPayloadBytes', 1, HARD_MAX_PAYLOAD);
    this.stepContext = { maxPayload: max, origin: this.origin };
    this.signer = options.signer === undefined ? undefined : resolveSigner(options.signer);
    if (this.signer !== undefined && this.signer.name !== this.origin) {
      fail('KEY_MISMATCH', `the signer key is named "${this.signer.name}" but the ledger's origin is "${this.origin}"; use the ledger's own key`, {
        keyName: this.signer.name,
        origin: this.origin,
      });
    }
    this.guard =
      this.signer === undefined || store.readonly ? undefined : new SignerGuard(this.origin, this.signer, states ?? resolveSignerState(options.signerState, options.signer!));
    const durability = store.durability ?? 'full';
    const appender = new Appender(store, { origin: this.origin, clock: options.clock ?? Date.now, policy: this.policy, guard: this.guard, durability, maxPayload: max, extensions: this.extensions });
    this.transactions = new Transactions(store, appender, this.extensions, this.listeners, this.guard, this.stepContext);
  }

  /**
   * Creates a new ledger at a location: a file path (SQLite), or a URL of a
   * registered store scheme (memory:<name>).
   * @throws LEDGER_EXISTS, KEY_MISMATCH (signer name ≠ origin), INVALID_ARGUMENT, storage codes
   */
  static async create(location: string, options: CreateLedgerOptions): Promise<Ledger> {
    const origin = options.origin;
    checkNewOrigin(origin);
    const signer = options.signer === undefined ? undefined : resolveSigner(options.signer);
    if (signer !== undefined && signer.name !== origin) {
      fail('KEY_MISMATCH', `the signer key is named "${signer.name}" but the origin is "${origin}"; the checkpoint key name must equal the origin`);
    }
    // The signer's state starts at size 0, before the file exists (SIGNER_STATE_EXISTS if it names entries of another ledger).
    const states = signer === undefined ? undefined : resolveSignerState(options.signerState, options.signer!);
    if (signer !== undefined && states !== undefined) startState(states, origin, signer.keyId);
    const store = await createStore(location, origin, storeOptionsOf(options));
    return Ledger.onStore(store, { ...options, ...(signer === undefined ? {} : { signer }) }, states);
  }

  /**
   * Opens an existing ledger.
   * @throws LEDGER_NOT_FOUND, NOT_A_LEDGER, KEY_MISMATCH, storage codes
   */
  static async open(location: string, options: LedgerOptions = {}): Promise<Ledger> {
    return Ledger.onStore(await openStore(location, storeOptionsOf(options)), options);
  }

  /**
   * A Ledger over a store already opened (any implementation of the store
   * interface). The Ledger closes it when it is closed.
   */
  static async fromStore(store: LedgerStore, options: Omit<LedgerOptions, 'readonly' | 'durability' | 'busyTimeoutMs'> = {}): Promise<Ledger> {
    return Ledger.onStore(store, options);
  }

  private static async onStore(store: LedgerStore, options: LedgerOptions, states?: SignerStateStore): Promise<Ledger> {
    try {
      // Only verification reads a damaged ledger (it reports each fault); reads and writes would show or extend something unproven.
      if (store.damage.length > 0) {
        fail('LEDGER_DAMAGED', `ledger ${store.location} is damaged: ${store.damage.map((d) => d.message).join('; ')}; run verify`, {
          path: store.location,
          damage: store.damage.map((d) => ({ ...d })),
        });
      }
      const ledger = new Ledger(store, options, states);
      const g = ledger.guard;
      // Before anything is written: the key is the ledger's, and the state is there (or adopted).
      if (g !== undefined && (await checkAtOpen(g, store)) === 'missing') {
        if (options.adoptState !== true) throw g.missing();
        ledger.adopted = await adopt(g, store);
      }
      return ledger;
    } catch (e) {
      await store.close();
      throw e;
    }
  }

  /** Closes the store; pending appends finish first, and the signer state is brought up to date. */
  async close(): Promise<void> {
    await this.writes.settled();
    if (!this.closed && this.store.isOpen && this.guard?.promotionDue === true) await this.guard.promote(this.store);
    this.closed = true;
    await this.store.close();
  }

  /** Number of entries. */
  async size(): Promise<number> {
    this.checkOpen();
    return this.store.read((v) => v.size());
  }

  // ---- appends ---------------------------------------------------------------

  /** Appends one step in its own transaction. */
  async append(step: StepInput): Promise<Receipt> {
    const [receipt] = await this.appendMany([step]);
    return receipt!;
  }

  /**
   * Appends steps in one transaction: all are stored, or none.
   * @throws INVALID_ARGUMENT, PAYLOAD_TOO_LARGE, TIME_ORDER, INVALID_SIGNATURE, LEDGER_BUSY, DISK_FULL, REFUSED, EXTENSION_FAILED, …
   */
  async appendMany(steps: readonly StepInput[]): Promise<Receipt[]> {
    this.checkOpen();
    this.checkBatch(steps);
    this.needSigner('this ledger signs a checkpoint after each append: open it with a signer, or use checkpointPolicy "manual"');
    const prepared = steps.map((s, i) => prepareStep(s, i, this.stepContext));
    return this.exclusive(() => this.transactions.commit(prepared));
  }

  /**
   * Appends system entries (reserved `casetrail.` types, declared by an
   * extension in use with a validator) in one transaction: the way layers
   * write entries of their own outside a step's transaction. Extensions see
   * them like any step.
   * @throws INVALID_ARGUMENT (an undeclared type, data its validator refuses), as appendMany
   */
  async appendSystem(entries: readonly SystemStepInput[]): Promise<Receipt[]> {
    this.checkOpen();
    this.checkBatch(entries);
    this.needSigner('system entries are appended like steps: open the ledger with its signer');
    const prepared = entries.map((e, i) => {
      this.extensions.checkSystemEntry(e, `entries[${i}]`);
      return prepareStep(systemStepInput(e), `entries[${i}]`, this.stepContext, 'system');
    });
    return this.exclusive(() => this.transactions.commit(prepared));
  }

  /**
   * Erases the payload of entry `seq`, recorded as a `casetrail.redaction` entry in the same
   * case (format.md §4.5) at `time` (default the clock; never before the latest entry: TIME_ORDER).
   * @throws NOT_FOUND, ALREADY_REDACTED, NOT_REDACTABLE (a redaction record, or a system type an extension in use keeps unredactable)
   */
  async redact(seq: number, options: { reason: string; actor: string; time?: number }): Promise<Receipt> {
    this.checkOpen();
    checkNat(seq, 'seq');
    if (typeof options?.reason !== 'string' || options.reason.length === 0) fail('INVALID_ARGUMENT', 'a redaction needs a reason', { field: 'reason' });
    validateNewText('actor', options.actor);
    if (options.time !== undefined) checkTime(options.time, 'time');
    this.needSigner('redaction appends an entry: open the ledger with its signer');
    // The target is read inside the write transaction, from the trusted view:
    // a change between a read and the write would otherwise be signed.
    return this.exclusive(async () => {
      const [receipt] = await this.transactions.commit(
        (view) => [prepareRedaction(view, seq, options, this.stepContext, (type) => this.extensions.keptBy(type))],
        (tx, by) => tx.redactPayload(seq, by),
      );
      return receipt!;
    });
  }

  private checkBatch(steps: readonly unknown[]): void {
    if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_BATCH) {
      fail('INVALID_ARGUMENT', `steps must be an array of 1 to ${MAX_BATCH} steps`, { field: 'steps' });
    }
  }

  private needSigner(why: string): void {
    if (this.signer === undefined && this.policy !== 'manual') fail('NO_SIGNER', why);
  }

  /** Serialises this instance's writes; other processes are serialised by the store. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.writes.run(() => {
      this.checkOpen();
      return fn();
    });
  }

  /** Once no write is queued, the signer state is promoted (signer-guard.ts): once per burst of appends. */
  private whenIdle(): void {
    if (this.guard?.promotionDue !== true) return;
    setImmediate(() => {
      if (this.writes.busy || this.closed || !this.store.isOpen) return;
      this.exclusive(() => this.guard!.promote(this.store)).catch(() => undefined);
    });
  }

  private checkOpen(): void {
    if (this.closed || !this.store.isOpen) fail('LEDGER_CLOSED', `ledger ${this.path} is closed`);
  }

  // ---- seams for layers ---------------------------------------------------------

  /**
   * Registers an extension whose `onStep` runs inside each append
   * transaction of this instance, and whose system types become appendable
   * (docs/api.md "Extensions").
   * @returns a function that removes it
   */
  use(extension: LedgerExtension): () => void {
    this.checkOpen();
    return this.extensions.use(extension);
  }

  /** Calls, entries added, refusals, failures and time spent of each extension in use. */
  extensionStats(): ExtensionStats[] {
    return this.extensions.stats();
  }

  /**
   * Calls `listener` after each transaction this instance commits, with the
   * entries it wrote; a listener that throws cannot undo the commit (its
   * error goes to `onError`). Other writers are followed with followLedger.
   * @returns a function that removes it
   */
  onCommit(listener: CommitListener, onError?: (e: unknown) => void): () => void {
    return this.listeners.add(listener, onError);
  }

  // ---- checkpoints -----------------------------------------------------------

  /**
   * The signed checkpoint of the current size, signing and storing one if the
   * latest stored checkpoint is older. Needs the signer only in that case.
   * @throws NO_SIGNER, SIGNER_FAILED
   */
  async checkpoint(): Promise<SignedCheckpoint> {
    this.checkOpen();
    return this.exclusive(async () => {
      if (this.guard !== undefined) return this.guard.checkpoint(this.store);
      const { size, latest } = await this.store.read((v) => {
        const l = v.latestCheckpoint();
        return { size: v.size(), latest: l === undefined ? undefined : signedCheckpoint(v, this.origin, l) };
      });
      if (latest !== undefined && latest.size === size) return latest;
      return fail('NO_SIGNER', `the latest checkpoint is of size ${latest?.size ?? 0} but the ledger has ${size} entries: open it with its signer to sign a new one`);
    });
  }

  /**
   * Adopts the ledger as its signer's state after verifying it in full under
   * the signer's own key (docs/security.md "Recovery"); with a state
   * present, proves that the file extends it and adopts nothing, unless the
   * file holds entries the state does not record as written
   * (LEDGER_FOREIGN_TAIL) or lost unsigned ones: the verified file is then
   * recorded as written (signer-adoption.ts).
   * @throws NO_SIGNER, INVALID_ARGUMENT, KEY_MISMATCH, VERIFICATION_FAILED, LEDGER_ROLLED_BACK, LEDGER_REWRITTEN, LEDGER_TAMPERED
   */
  async adoptSignerState(): Promise<Adoption> {
    this.checkOpen();
    if (this.guard === undefined) fail('NO_SIGNER', 'adopting a signer state needs the signer: open the ledger with it');
    const guard = this.guard;
    return this.exclusive(() => adopt(guard, this.store));
  }

  /** The latest stored signed checkpoint (with its cosignatures), without signing anything. */
  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    this.checkOpen();
    return this.store.read((v) => {
      const row = v.latestCheckpoint();
      return row === undefined ? undefined : signedCheckpoint(v, this.origin, row);
    });
  }

  /** The stored signed checkpoint of exactly this size (with its cosignatures), if there is one. */
  async checkpointAt(size: number): Promise<SignedCheckpoint | undefined> {
    this.checkOpen();
    checkNat(size, 'size');
    return this.store.read((v) => {
      const row = v.checkpointAt(size);
      return row === undefined ? undefined : signedCheckpoint(v, this.origin, row);
    });
  }

  /**
   * Adds a witness's cosignature to the stored checkpoint of `size`, after
   * checking it under the witness's key (c2sp.org/tlog-cosignature). The
   * note the ledger signed stays byte for byte; `checkpointAt(size)` then
   * returns it with the line appended to its signature block.
   * @param witness - the witness's cosignature verifier key (type 0x04)
   * @returns the checkpoint with its cosignatures
   * @throws NOT_FOUND, MALFORMED_NOTE, MALFORMED_KEY, UNKNOWN_KEY, INVALID_SIGNATURE, READ_ONLY
   */
  async attachCosignature(size: number, line: string, witness: string | CosignatureVerifier): Promise<SignedCheckpoint> {
    this.checkOpen();
    checkNat(size, 'size');
    checkString(line, 'line');
    return this.exclusive(() =>
      this.store.write((tx) => {
        attachCosignature(tx, size, line, witness);
        return signedCheckpoint(tx, this.origin, tx.checkpointAt(size)!);
      }),
    );
  }

  // ---- reads and proofs ------------------------------------------------------

  /**
   * The entry at seq: decoded from its bytes, checked and marked (`ok`,
   * `issues`, `payloadState`); its payload only when it is present and
   * matches its commitment.
   * @throws NOT_FOUND
   */
  async get(seq: number): Promise<LedgerEntry> {
    this.checkOpen();
    return readEntry(this.store, seq, this.origin);
  }

  /** One page of entries matching the filter, in seq order, each checked and marked like get(). */
  async query(options: QueryOptions = {}): Promise<Page> {
    this.checkOpen();
    return queryPage(this.store, options, this.origin);
  }

  /** Every entry matching the filter, streamed in seq order with constant memory. */
  async *stream(options: Omit<QueryOptions, 'limit'> = {}): AsyncGenerator<LedgerEntry> {
    this.checkOpen();
    yield* streamEntries(this.store, options, this.origin);
  }

  /**
   * A case's steps in ledger order, each checked and marked like get(), with
   * its per-case chain checked: steps numbered 1, 2, … without gap, each
   * casePrev equal to the recomputed leaf hash of the step before, no nonce
   * twice. That no later step was hidden by an index edit is shown by
   * verify(), not here.
   */
  async trace(caseId: string): Promise<Trace> {
    this.checkOpen();
    return traceCase(this.store, caseId, this.origin);
  }

  /**
   * RFC 9162 inclusion proof of entry seq in the tree of treeSize entries
   * (default: the latest checkpoint's size, else the current size).
   */
  async proveInclusion(seq: number, treeSize?: number): Promise<InclusionProof> {
    this.checkOpen();
    return proveInclusion(this.store, this.proofNodes, seq, treeSize);
  }

  /** RFC 9162 consistency proof from oldSize to newSize (default: the current size). */
  async proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    this.checkOpen();
    return proveConsistency(this.store, this.proofNodes, oldSize, newSize);
  }

  // ---- evidence (format.md §9): nothing that does not check goes into it (evidence.ts)
  /** An evidence bundle (format.md §9.3) against the latest signed checkpoint, streamed line by line to `write` (see evidence.ts). */
  async exportBundle(write: BundleWriter, options: BundleExportOptions = {}): Promise<BundleExport> {
    this.checkOpen();
    return exportBundle(this, write, options);
  }

  /** The c2sp.org/tlog-proof@v1 file of entry `seq` (format.md §9.1), in the tree of the latest or the `size` checkpoint. */
  async tlogProof(seq: number, options: { size?: number } = {}): Promise<TlogProofFile> {
    this.checkOpen();
    return tlogProof(this, seq, options);
  }

  /** The c2sp.org/tlog-witness add-checkpoint body (format.md §9.2) from an earlier checkpoint (note or size) to a signed one. */
  async witnessBody(from: number | string, options: WitnessBodyOptions = {}): Promise<WitnessBodyFile> {
    this.checkOpen();
    return witnessBody(this, from, options);
  }

  // ---- verification ----------------------------------------------------------

  /**
   * Verifies the ledger against a verifier key supplied by the caller
   * (never read from the store). System entries are checked with the
   * validators of the extensions in use, and those in `options.systemTypes`.
   */
  async verify(options: VerifyOptions): Promise<VerifyReport> {
    this.checkOpen();
    const systemTypes = { ...this.extensions.validators(), ...(options?.systemTypes ?? {}) };
    const withTypes = Object.keys(systemTypes).length > 0 ? { ...options, systemTypes } : options;
    // Queued with the writes: its read snapshot stays open across awaits.
    return this.exclusive(() => verifyStore(this.store, withTypes));
  }

  /** Like verify(), but throws VERIFICATION_FAILED with the report when anything is wrong. */
  async assertVerified(options: VerifyOptions): Promise<VerifyReport> {
    return assertReport(await this.verify(options));
  }
}

export type { SystemStepInput };
