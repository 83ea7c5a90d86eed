/**
 * The ledger: append steps, read them back, prove them, verify the file.
 * Promise-based so that a networked store can sit behind the same API later.
 */
import { compareBytes, equalBytes, utf8 } from '@casetrail/verify';
import { formatCheckpoint } from '@casetrail/verify';
import { LedgerError, fail } from '@casetrail/verify';
import {
  DEFAULT_MAX_PAYLOAD,
  HARD_MAX_PAYLOAD,
  REDACTION_TYPE,
  ZERO_HASH,
  decodeEntry,
  decodePayload,
  encodeEntry,
  encodePayload,
  genesisLink,
  newSalt,
  parseRedactionPayload,
  payloadCommitment,
  redactionPayload,
  signStatement,
  validateText,
  verifyActorSignature,
  type ActorSignature,
  type Entry,
  type Statement,
} from '@casetrail/verify';
import { MerkleAccumulator, consistencyProof, inclusionProof, leafHash, rootAt, rootFromInclusionProof, type NodeReader } from '@casetrail/verify';
import { installNodeCrypto } from './node-crypto.js';
import { formatSignatureLine, type NoteSigner } from '@casetrail/verify';
import { resolveSigner, type SignerInput } from './signer.js';
import { NodeCache, SqliteStore, type Durability, type EntryWithPayloadRow } from './store/sqlite-store.js';
import { checkRowLocally } from './verify-local.js';
import { verifyStore, type VerifyOptions, type VerifyReport, assertReport } from './verify.js';

installNodeCrypto();

/** When the ledger signs a checkpoint of its own accord. */
export type CheckpointPolicy =
  /** After every append transaction (default). */
  | 'transaction'
  /** Only when checkpoint() is called. */
  | 'manual'
  /** After a transaction that leaves at least this many entries since the last checkpoint. */
  | { everyEntries: number };

export interface LedgerOptions {
  /** Checkpoint signer. Required for appends unless checkpointPolicy is 'manual'. */
  signer?: SignerInput;
  checkpointPolicy?: CheckpointPolicy;
  /** 'full' (default): a resolved append survives a power cut. 'normal': survives a process crash only. */
  durability?: Durability;
  /** Default 1 MiB; at most 16 MiB. */
  maxPayloadBytes?: number;
  /** How long to wait for another writer's lock before LEDGER_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Open without write access (verification, export). */
  readonly?: boolean;
  /** Source of entry times, ms since epoch UTC. Default Date.now. */
  clock?: () => number;
}

export interface CreateLedgerOptions extends LedgerOptions {
  /** The checkpoint origin line; must equal the signer's key name. */
  origin: string;
}

/** One step to append. */
export interface StepInput {
  caseId: string;
  type: string;
  actor: string;
  /** Any JSON value (default null). Give either data or payload. */
  data?: unknown;
  /** The exact payload bytes (UTF-8 JSON), e.g. from prepareStatement. */
  payload?: Uint8Array;
  /** The 32-byte salt the statement was prepared with (required with signatures). */
  salt?: Uint8Array;
  /** Entry time in ms since epoch UTC; default max(clock(), latest time). */
  time?: number;
  /** Actor signatures made beforehand over this statement (see prepareStatement). */
  signatures?: ActorSignature[];
  /** Ed25519 seeds to sign the statement with now, on the actor's behalf. */
  signWith?: Uint8Array[];
}

/** What the ledger gives back for an appended step. */
export interface Receipt {
  seq: number;
  caseId: string;
  step: number;
  time: number;
  leafHash: Uint8Array;
  /** Ledger size after the append transaction. */
  treeSize: number;
  /** Signed checkpoint note of treeSize, if the policy made one. */
  checkpoint?: string;
}

/** A stored entry as read back. `data` is undefined when the payload was redacted. */
export interface LedgerEntry {
  seq: number;
  leafHash: Uint8Array;
  bytes: Uint8Array;
  entry: Entry;
  payload: Uint8Array | null;
  salt: Uint8Array | null;
  data: unknown;
  redacted: boolean;
}

export interface QueryOptions {
  caseId?: string;
  actor?: string;
  type?: string;
  /** Entries with time ≥ since (ms since epoch). */
  since?: number;
  /** Entries with time < until (ms since epoch). */
  until?: number;
  /** Resume after this seq (the `next` of a previous page). */
  after?: number;
  /** Page size, default 100, at most 10 000. */
  limit?: number;
}

export interface Page {
  entries: LedgerEntry[];
  /** Pass as `after` for the next page; undefined when there is none. */
  next?: number;
}

export interface TraceIssue {
  code: string;
  seq: number;
  message: string;
}

export interface Trace {
  caseId: string;
  steps: LedgerEntry[];
  /** True when the per-case chain and every payload commitment check out. */
  ok: boolean;
  issues: TraceIssue[];
}

export interface InclusionProof {
  seq: number;
  treeSize: number;
  leafHash: Uint8Array;
  root: Uint8Array;
  proof: Uint8Array[];
}

export interface ConsistencyProof {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: Uint8Array[];
}

export interface SignedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The signed note, byte-exact as stored. */
  note: string;
}

export interface PreparedStatement {
  statement: Statement;
  payload: Uint8Array;
  salt: Uint8Array;
}

interface PreparedStep {
  caseId: string;
  type: string;
  actor: string;
  payload: Uint8Array;
  salt: Uint8Array;
  commit: Uint8Array;
  time: number | undefined;
  signatures: ActorSignature[];
  signWith: Uint8Array[];
}

/**
 * Builds the statement an actor signs before appending (format.md §4.4):
 * fixes the payload bytes, a fresh salt and the time.
 */
export function prepareStatement(input: { caseId: string; type: string; actor: string; data?: unknown; time?: number }): PreparedStatement {
  validateText('case', input.caseId);
  validateText('type', input.type);
  validateText('actor', input.actor);
  const payload = encodePayload(input.data === undefined ? null : input.data);
  const salt = newSalt();
  const time = input.time ?? Date.now();
  checkTime(time, 'time');
  return {
    statement: { time, caseId: input.caseId, type: input.type, actor: input.actor, commit: payloadCommitment(salt, payload) },
    payload,
    salt,
  };
}

function checkTime(t: unknown, name: string): asserts t is number {
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) {
    fail('INVALID_ARGUMENT', `${name} must be a non-negative integer number of milliseconds since the epoch`);
  }
}

function checkSeq(n: unknown, name: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    fail('INVALID_ARGUMENT', `${name} must be a non-negative safe integer`);
  }
}

const MAX_BATCH = 100_000;
const MAX_CACHED_CASES = 100_000;
const MAX_PAGE = 10_000;

export class Ledger {
  readonly path: string;
  readonly origin: string;
  private readonly store: SqliteStore;
  private readonly signer: NoteSigner | undefined;
  private readonly policy: CheckpointPolicy;
  private readonly maxPayload: number;
  private readonly clock: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Merkle state of the last committed size this instance saw; rebuilt when another writer moved on. */
  private acc: MerkleAccumulator | undefined;
  /**
   * Last step and leaf of recently written cases, valid only while `acc` is:
   * both describe the ledger as this instance last committed it.
   */
  private readonly caseTails = new Map<string, { step: number; leaf: Uint8Array }>();
  /** Upper Merkle nodes shared by successive proofs (at most ~5 MB). */
  private readonly proofNodes = new NodeCache();
  private closed = false;

  private constructor(store: SqliteStore, options: LedgerOptions) {
    this.store = store;
    this.path = store.path;
    this.origin = store.origin;
    this.policy = options.checkpointPolicy ?? 'transaction';
    validatePolicy(this.policy);
    const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(max) || max < 1 || max > HARD_MAX_PAYLOAD) {
      fail('INVALID_ARGUMENT', `maxPayloadBytes must be an integer from 1 to ${HARD_MAX_PAYLOAD}`);
    }
    this.maxPayload = max;
    this.clock = options.clock ?? Date.now;
    this.signer = options.signer === undefined ? undefined : resolveSigner(options.signer);
    if (this.signer !== undefined && this.signer.name !== this.origin) {
      fail('KEY_MISMATCH', `the signer key is named "${this.signer.name}" but the ledger's origin is "${this.origin}"; use the ledger's own key`, {
        keyName: this.signer.name,
        origin: this.origin,
      });
    }
  }

  /**
   * Creates a new ledger file.
   * @throws LEDGER_EXISTS, KEY_MISMATCH (signer name ≠ origin), INVALID_ARGUMENT, storage codes
   */
  static async create(path: string, options: CreateLedgerOptions): Promise<Ledger> {
    const origin = options.origin;
    if (typeof origin !== 'string' || !/^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u.test(origin) || origin.includes('\u2014')) {
      fail('INVALID_ARGUMENT', 'origin must be a non-empty line of printable text without leading or trailing space');
    }
    const signer = options.signer === undefined ? undefined : resolveSigner(options.signer);
    if (signer !== undefined && signer.name !== origin) {
      fail('KEY_MISMATCH', `the signer key is named "${signer.name}" but the origin is "${origin}"; the checkpoint key name must equal the origin`);
    }
    const store = SqliteStore.create(path, origin, storeOptions(options));
    try {
      return new Ledger(store, { ...options, ...(signer === undefined ? {} : { signer }) });
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /**
   * Opens an existing ledger file.
   * @throws LEDGER_NOT_FOUND, NOT_A_LEDGER, KEY_MISMATCH, storage codes
   */
  static async open(path: string, options: LedgerOptions = {}): Promise<Ledger> {
    const store = SqliteStore.open(path, storeOptions(options));
    try {
      return new Ledger(store, options);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Closes the database; pending appends finish first. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.closed = true;
    this.store.close();
  }

  /** Number of entries. */
  async size(): Promise<number> {
    this.checkOpen();
    return this.store.size();
  }

  // ---- append --------------------------------------------------------------

  /** Appends one step in its own transaction. */
  async append(step: StepInput): Promise<Receipt> {
    const [receipt] = await this.appendMany([step]);
    return receipt!;
  }

  /**
   * Appends steps in one transaction: all are stored, or none.
   * @throws INVALID_ARGUMENT, PAYLOAD_TOO_LARGE, TIME_ORDER, INVALID_SIGNATURE, LEDGER_BUSY, DISK_FULL, …
   */
  async appendMany(steps: readonly StepInput[]): Promise<Receipt[]> {
    this.checkOpen();
    if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_BATCH) {
      fail('INVALID_ARGUMENT', `steps must be an array of 1 to ${MAX_BATCH} steps`);
    }
    if (this.signer === undefined && this.policy !== 'manual') {
      fail('NO_SIGNER', 'this ledger signs a checkpoint after each append: open it with a signer, or use checkpointPolicy "manual"');
    }
    const prepared = steps.map((s, i) => this.prepareStep(s, i));
    return this.exclusive(() => this.commitSteps(prepared));
  }

  /**
   * Erases the payload of entry `seq`, recorded as a `casetrail.redaction`
   * entry in the same case (format.md §4.5).
   * @throws NOT_FOUND, ALREADY_REDACTED, NOT_REDACTABLE
   */
  async redact(seq: number, options: { reason: string; actor: string }): Promise<Receipt> {
    this.checkOpen();
    checkSeq(seq, 'seq');
    if (typeof options?.reason !== 'string' || options.reason.length === 0) fail('INVALID_ARGUMENT', 'a redaction needs a reason');
    validateText('actor', options.actor);
    if (this.signer === undefined && this.policy !== 'manual') {
      fail('NO_SIGNER', 'redaction appends an entry: open the ledger with its signer');
    }
    return this.exclusive(async () => {
      const row = this.store.entry(seq);
      if (row === undefined) fail('NOT_FOUND', `no entry ${seq}`, { seq });
      const target = decodeEntry(row.bytes);
      if (target.type === REDACTION_TYPE) fail('NOT_REDACTABLE', `entry ${seq} is a redaction record and cannot be redacted`, { seq });
      if (row.data === null || this.store.redactionOf(seq) !== undefined) fail('ALREADY_REDACTED', `the payload of entry ${seq} is already erased`, { seq });
      const step = this.prepareStep(
        { caseId: target.caseId, type: REDACTION_TYPE, actor: options.actor, payload: redactionPayload(seq, row.leaf, options.reason) },
        0,
      );
      const [receipt] = await this.commitSteps([step], (receipts) => this.store.redactPayload(seq, receipts[0]!.seq));
      return receipt!;
    });
  }

  private prepareStep(s: StepInput, i: number): PreparedStep {
    if (s === null || typeof s !== 'object') fail('INVALID_ARGUMENT', `steps[${i}] must be an object`);
    validateText('case', s.caseId);
    validateText('type', s.type);
    validateText('actor', s.actor);
    if (s.type.startsWith('casetrail.') && s.type !== REDACTION_TYPE) {
      fail('INVALID_ARGUMENT', `steps[${i}].type: names starting with "casetrail." are reserved`);
    }
    if (s.type === REDACTION_TYPE && s.payload === undefined) {
      fail('INVALID_ARGUMENT', `steps[${i}].type: use redact() to record a redaction`);
    }
    if (s.data !== undefined && s.payload !== undefined) fail('INVALID_ARGUMENT', `steps[${i}]: give data or payload, not both`);
    let payload: Uint8Array;
    if (s.payload !== undefined) {
      if (!(s.payload instanceof Uint8Array)) fail('INVALID_ARGUMENT', `steps[${i}].payload must be a Uint8Array`);
      payload = s.payload;
      if (payload.length <= this.maxPayload) decodePayload(payload);
    } else {
      payload = encodePayload(s.data === undefined ? null : s.data);
    }
    if (payload.length > this.maxPayload) {
      fail('PAYLOAD_TOO_LARGE', `steps[${i}]: payload is ${payload.length} bytes, the limit is ${this.maxPayload}`, {
        size: payload.length,
        limit: this.maxPayload,
      });
    }
    if (s.time !== undefined) checkTime(s.time, `steps[${i}].time`);
    let salt: Uint8Array;
    if (s.salt !== undefined) {
      if (!(s.salt instanceof Uint8Array) || s.salt.length !== 32) fail('INVALID_ARGUMENT', `steps[${i}].salt must be 32 bytes`);
      salt = s.salt;
    } else {
      salt = newSalt();
    }
    const commit = payloadCommitment(salt, payload);
    const signatures = s.signatures ?? [];
    const signWith = s.signWith ?? [];
    if (!Array.isArray(signatures) || !Array.isArray(signWith)) fail('INVALID_ARGUMENT', `steps[${i}]: signatures and signWith must be arrays`);
    if (signatures.length > 0) {
      if (s.time === undefined || s.salt === undefined) {
        fail('INVALID_ARGUMENT', `steps[${i}]: a pre-signed statement needs its time and salt (see prepareStatement)`);
      }
      const statement: Statement = { time: s.time, caseId: s.caseId, type: s.type, actor: s.actor, commit };
      for (const [j, sig] of signatures.entries()) {
        if (!verifyActorSignature(statement, sig)) {
          fail('INVALID_SIGNATURE', `steps[${i}].signatures[${j}] does not verify over this statement`, { index: i });
        }
      }
    }
    if (signatures.length + signWith.length > 16) fail('INVALID_ARGUMENT', `steps[${i}]: at most 16 actor signatures`);
    return { caseId: s.caseId, type: s.type, actor: s.actor, payload, salt, commit, time: s.time, signatures, signWith };
  }

  /** Writes prepared steps in one transaction and signs the checkpoint the policy asks for. */
  private async commitSteps(steps: PreparedStep[], after?: (receipts: Receipt[]) => void): Promise<Receipt[]> {
    let pending: { size: number; root: Uint8Array; body: string; signature: Promise<Uint8Array> } | undefined;
    const acc = this.acc;
    this.acc = undefined;
    const result = this.store.writeTransaction(() => {
      const tail = this.store.tail();
      const start = tail === undefined ? 0 : tail.seq + 1;
      // Append-only: if the size is what this instance committed last, no
      // other writer has been here and the cached Merkle and case state hold.
      const fresh = acc !== undefined && acc.size === start;
      const merkle = fresh ? acc : MerkleAccumulator.fromReader(this.store, start);
      if (!fresh || this.caseTails.size > MAX_CACHED_CASES) this.caseTails.clear();
      const cases = this.caseTails;
      let prev = tail === undefined ? genesisLink(this.origin) : tail.leaf;
      let lastTime = tail === undefined ? 0 : tail.time;
      const receipts: Receipt[] = [];
      for (const s of steps) {
        let time = s.time ?? Math.max(this.clock(), lastTime);
        if (time < lastTime) {
          fail('TIME_ORDER', `time ${time} is before the ledger's latest time ${lastTime}; entries never go back in time${s.signatures.length > 0 ? ' (sign the statement again with a fresh time)' : ''}`, {
            time,
            latest: lastTime,
          });
        }
        let caseTail = cases.get(s.caseId);
        if (caseTail === undefined) {
          const t = this.store.caseTail(s.caseId);
          caseTail = t === undefined ? { step: 0, leaf: ZERO_HASH } : { step: t.step, leaf: t.leaf };
        }
        const statement: Statement = { time, caseId: s.caseId, type: s.type, actor: s.actor, commit: s.commit };
        const sigs = [...s.signatures, ...s.signWith.map((seed) => signStatement(statement, seed))];
        const seq = start + receipts.length;
        const entry: Entry = {
          v: 1,
          seq,
          prev,
          time,
          caseId: s.caseId,
          step: caseTail.step + 1,
          casePrev: caseTail.step === 0 ? ZERO_HASH : caseTail.leaf,
          type: s.type,
          actor: s.actor,
          commit: s.commit,
          sigs: sortSignatures(sigs),
        };
        const bytes = encodeEntry(entry);
        const leaf = leafHash(bytes);
        const nodes = nodesBlob(merkle.push(leaf));
        this.store.insertEntry({
          seq,
          leaf,
          bytes,
          nodes,
          case_id: s.caseId,
          step: entry.step,
          type: s.type,
          actor: s.actor,
          time,
          salt: s.salt,
          data: s.payload,
        });
        cases.set(s.caseId, { step: entry.step, leaf });
        prev = leaf;
        lastTime = time;
        receipts.push({ seq, caseId: s.caseId, step: entry.step, time: entry.time, leafHash: leaf, treeSize: 0 });
      }
      after?.(receipts);
      const size = start + receipts.length;
      for (const r of receipts) r.treeSize = size;
      if (this.wantsCheckpoint(size)) {
        const root = merkle.root();
        const body = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
        const sig = this.signer!.sign(utf8(body));
        if (sig instanceof Uint8Array) {
          const note = noteWithSignature(body, this.signer!, sig);
          this.store.insertCheckpoint(size, root, note);
          for (const r of receipts) r.checkpoint = note;
        } else {
          pending = { size, root, body, signature: Promise.resolve(sig) };
        }
      }
      return { receipts, merkle };
    });
    this.acc = result.merkle;
    if (pending !== undefined) {
      // An asynchronous signer (HSM, KMS) is not awaited inside the write
      // transaction, which would hold the lock for its latency; the entries
      // are committed first and the checkpoint is stored when it arrives.
      const p = pending;
      try {
        const note = noteWithSignature(p.body, this.signer!, await p.signature);
        this.store.writeTransaction(() => this.store.insertCheckpoint(p.size, p.root, note));
        for (const r of result.receipts) r.checkpoint = note;
      } catch (e) {
        // The entries are committed. A storage code here (LEDGER_BUSY,
        // DISK_FULL) would say that nothing was written and invite a retry
        // that appends them twice.
        throw new LedgerError('SIGNER_FAILED', `the entries are stored (ledger size ${p.size}), but their checkpoint could not be signed or stored: ${(e as Error)?.message ?? e}; it is signed on the next append or checkpoint()`, {
          size: p.size,
          ...(e instanceof LedgerError ? { causeCode: e.code } : {}),
        }, { cause: e });
      }
    }
    return result.receipts;
  }

  private wantsCheckpoint(size: number): boolean {
    if (this.policy === 'manual') return false;
    if (this.policy === 'transaction') return true;
    const last = this.store.latestCheckpoint();
    return size - (last?.size ?? 0) >= this.policy.everyEntries;
  }

  /** Serialises this instance's writes; other processes are serialised by SQLite's lock. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(() => {
      this.checkOpen();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.closed || !this.store.isOpen) fail('LEDGER_CLOSED', `ledger ${this.path} is closed`);
  }

  // ---- checkpoints -----------------------------------------------------------

  /**
   * The signed checkpoint of the current size, signing and storing one if the
   * latest stored checkpoint is older. Needs the signer only in that case.
   */
  async checkpoint(): Promise<SignedCheckpoint> {
    this.checkOpen();
    return this.exclusive(async () => {
      const { size, latest } = this.store.readTransaction(() => ({ size: this.store.size(), latest: this.store.latestCheckpoint() }));
      if (latest !== undefined && latest.size === size) return this.toSignedCheckpoint(latest);
      if (this.signer === undefined) {
        fail('NO_SIGNER', `the latest checkpoint is of size ${latest?.size ?? 0} but the ledger has ${size} entries: open it with its signer to sign a new one`);
      }
      const root = rootAt(this.store, size);
      const body = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
      const note = noteWithSignature(body, this.signer, await this.signer.sign(utf8(body)));
      this.store.writeTransaction(() => this.store.insertCheckpoint(size, root, note));
      return { origin: this.origin, size, root, note };
    });
  }

  /** The latest stored signed checkpoint, without signing anything. */
  async latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    this.checkOpen();
    const row = this.store.latestCheckpoint();
    return row === undefined ? undefined : this.toSignedCheckpoint(row);
  }

  /** The stored signed checkpoint of exactly this size, if there is one. */
  async checkpointAt(size: number): Promise<SignedCheckpoint | undefined> {
    this.checkOpen();
    checkSeq(size, 'size');
    const row = this.store.checkpointAt(size);
    return row === undefined ? undefined : this.toSignedCheckpoint(row);
  }

  private toSignedCheckpoint(row: { size: number; root: Uint8Array; note: string }): SignedCheckpoint {
    return { origin: this.origin, size: row.size, root: Uint8Array.from(row.root), note: row.note };
  }

  // ---- reads ---------------------------------------------------------------

  /**
   * The entry at seq, decoded, with its payload.
   * @throws NOT_FOUND, MALFORMED_ENTRY (stored bytes are corrupt)
   */
  async get(seq: number): Promise<LedgerEntry> {
    this.checkOpen();
    checkSeq(seq, 'seq');
    const row = this.store.entry(seq);
    if (row === undefined) fail('NOT_FOUND', `no entry ${seq} in ${this.path}`, { seq });
    return toLedgerEntry(row);
  }

  /** One page of entries matching the filter, in seq order. */
  async query(options: QueryOptions = {}): Promise<Page> {
    this.checkOpen();
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) fail('INVALID_ARGUMENT', `limit must be 1 to ${MAX_PAGE}`);
    const rows = this.store.readTransaction(() => this.store.queryPage({ ...this.filterOf(options), limit: limit + 1 }));
    const more = rows.length > limit;
    const entries = rows.slice(0, limit).map(toLedgerEntry);
    const page: Page = { entries };
    if (more) page.next = entries[entries.length - 1]!.seq;
    return page;
  }

  /** Every entry matching the filter, streamed in seq order with constant memory. */
  async *stream(options: Omit<QueryOptions, 'limit'> = {}): AsyncGenerator<LedgerEntry> {
    this.checkOpen();
    let after = options.after;
    for (;;) {
      const page = await this.query({ ...options, ...(after === undefined ? {} : { after }), limit: 1000 });
      for (const e of page.entries) yield e;
      if (page.next === undefined) return;
      after = page.next;
    }
  }

  private filterOf(options: QueryOptions) {
    let fromSeq = options.after === undefined ? 0 : options.after + 1;
    let toSeq: number | undefined;
    if (options.after !== undefined) checkSeq(options.after, 'after');
    if (options.since !== undefined) {
      checkTime(options.since, 'since');
      fromSeq = Math.max(fromSeq, this.store.firstSeqAtOrAfter(options.since));
    }
    if (options.until !== undefined) {
      checkTime(options.until, 'until');
      toSeq = this.store.firstSeqAtOrAfter(options.until);
    }
    for (const k of ['caseId', 'actor', 'type'] as const) {
      if (options[k] !== undefined && typeof options[k] !== 'string') fail('INVALID_ARGUMENT', `${k} must be a string`);
    }
    return {
      ...(options.caseId === undefined ? {} : { caseId: options.caseId }),
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...(options.type === undefined ? {} : { type: options.type }),
      fromSeq,
      ...(toSeq === undefined ? {} : { toSeq }),
    };
  }

  /**
   * A case's steps in order, with its per-case chain checked: steps numbered
   * 1, 2, … without gap, each casePrev equal to the recomputed leaf hash of
   * the step before, every payload matching its commitment or redacted.
   */
  async trace(caseId: string): Promise<Trace> {
    this.checkOpen();
    validateText('case', caseId);
    const rows = this.store.readTransaction(() => this.store.caseEntries(caseId));
    const steps: LedgerEntry[] = [];
    const issues: TraceIssue[] = [];
    let prevLeaf: Uint8Array = ZERO_HASH;
    let prevSeq = -1;
    for (const [i, row] of rows.entries()) {
      // The single-row checks are verification's own (leaf hash, decoding,
      // index columns, payload commitment, actor signatures).
      const local = checkRowLocally(row);
      for (const li of local.issues) issues.push({ code: li.code, seq: li.seq, message: li.message });
      if (local.leaf === undefined || local.entry === undefined) continue;
      let e: LedgerEntry;
      try {
        e = toLedgerEntry(row);
      } catch (err) {
        issues.push({ code: 'ENTRY_DECODE', seq: row.seq, message: (err as Error).message });
        continue;
      }
      steps.push(e);
      if (e.entry.step !== i + 1) issues.push({ code: 'CASE_STEP_MISMATCH', seq: row.seq, message: `expected step ${i + 1}, entry says ${e.entry.step}` });
      if (!equalBytes(e.entry.casePrev, prevLeaf)) issues.push({ code: 'CASE_CHAIN_BROKEN', seq: row.seq, message: `entry ${row.seq} does not link to the case's previous step` });
      if (e.entry.seq <= prevSeq) issues.push({ code: 'CASE_CHAIN_BROKEN', seq: row.seq, message: `step ${i + 1} is not after step ${i} in the ledger` });
      if (local.payload === 'missing' && !this.isProvenRedaction(row.seq, local.leaf, caseId)) {
        issues.push({ code: 'PAYLOAD_MISSING', seq: row.seq, message: `payload of entry ${row.seq} is missing and no valid redaction entry erased it` });
      }
      prevLeaf = local.leaf;
      prevSeq = e.entry.seq;
    }
    return { caseId, steps, ok: issues.length === 0, issues };
  }

  /**
   * True if a later redaction entry of the same case, with its own payload
   * intact, names entry `seq` by its recomputed leaf hash (format.md §4.5).
   */
  private isProvenRedaction(seq: number, leaf: Uint8Array, caseId: string): boolean {
    const by = this.store.redactionOf(seq)?.by_seq;
    if (typeof by !== 'number' || by <= seq) return false;
    const row = this.store.entry(by);
    if (row === undefined || row.data === null || row.salt === null) return false;
    try {
      const record = decodeEntry(row.bytes);
      if (record.type !== REDACTION_TYPE || record.caseId !== caseId) return false;
      if (!equalBytes(payloadCommitment(row.salt, row.data), record.commit)) return false;
      const named = parseRedactionPayload(row.data);
      return named.redacts === seq && equalBytes(named.leaf, leaf);
    } catch {
      return false;
    }
  }

  // ---- proofs --------------------------------------------------------------

  /**
   * RFC 9162 inclusion proof of entry seq in the tree of treeSize entries
   * (default: the latest checkpoint's size, else the current size).
   */
  async proveInclusion(seq: number, treeSize?: number): Promise<InclusionProof> {
    this.checkOpen();
    checkSeq(seq, 'seq');
    return this.store.readTransaction(() => {
      const size = treeSize ?? this.store.latestCheckpoint()?.size ?? this.store.size();
      checkSeq(size, 'treeSize');
      const current = this.store.size();
      if (size > current) fail('INVALID_ARGUMENT', `treeSize ${size} is beyond the ledger's ${current} entries`);
      if (seq >= size) fail('NOT_FOUND', `entry ${seq} is not in a tree of ${size} entries`, { seq, treeSize: size });
      const reader = this.store.prefetch((r) => {
        r.node(0, seq);
        inclusionProof(r, seq, size);
      }, this.proofNodes);
      const leaf = Uint8Array.from(reader.node(0, seq));
      const proof = inclusionProof(reader, seq, size);
      // The path already determines the root: no second walk of the tree.
      return { seq, treeSize: size, leafHash: leaf, root: rootFromInclusionProof(leaf, seq, size, proof), proof };
    });
  }

  /** RFC 9162 consistency proof from oldSize to newSize (default: the current size). */
  async proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof> {
    this.checkOpen();
    checkSeq(oldSize, 'oldSize');
    return this.store.readTransaction(() => {
      const size = newSize ?? this.store.size();
      checkSeq(size, 'newSize');
      const current = this.store.size();
      if (size > current) fail('INVALID_ARGUMENT', `newSize ${size} is beyond the ledger's ${current} entries`);
      if (oldSize < 1 || oldSize > size) fail('INVALID_ARGUMENT', `oldSize must be from 1 to ${size}`);
      const plan = (r: NodeReader) => ({
        oldSize,
        newSize: size,
        oldRoot: rootAt(r, oldSize),
        newRoot: rootAt(r, size),
        proof: consistencyProof(r, oldSize, size),
      });
      return plan(this.store.prefetch(plan, this.proofNodes));
    });
  }

  // ---- verification ----------------------------------------------------------

  /**
   * Verifies the ledger against a verifier key supplied by the caller
   * (never read from the file). See verify.ts and format.md §8.
   */
  async verify(options: VerifyOptions): Promise<VerifyReport> {
    this.checkOpen();
    // Queued with the writes: its read snapshot stays open across awaits.
    return this.exclusive(() => verifyStore(this.store, options));
  }

  /** Like verify(), but throws VERIFICATION_FAILED with the report when anything is wrong. */
  async assertVerified(options: VerifyOptions): Promise<VerifyReport> {
    return assertReport(await this.verify(options));
  }
}

/** Opens the ledger read-only, verifies it, and closes it. */
export async function verifyLedger(path: string, options: VerifyOptions & { busyTimeoutMs?: number }): Promise<VerifyReport> {
  const store = SqliteStore.open(path, { readonly: true, ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }) });
  try {
    return await verifyStore(store, options);
  } finally {
    store.close();
  }
}

function storeOptions(o: LedgerOptions) {
  return {
    ...(o.readonly === undefined ? {} : { readonly: o.readonly }),
    ...(o.durability === undefined ? {} : { durability: o.durability }),
    ...(o.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: o.busyTimeoutMs }),
  };
}

function validatePolicy(p: CheckpointPolicy): void {
  if (p === 'transaction' || p === 'manual') return;
  if (typeof p === 'object' && p !== null && Number.isSafeInteger(p.everyEntries) && p.everyEntries >= 1) return;
  fail('INVALID_ARGUMENT', 'checkpointPolicy must be "transaction", "manual" or { everyEntries: n ≥ 1 }');
}

function sortSignatures(sigs: ActorSignature[]): ActorSignature[] {
  const sorted = [...sigs].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1]!.publicKey, sorted[i]!.publicKey) === 0) fail('INVALID_ARGUMENT', 'two actor signatures by the same key');
  }
  return sorted;
}

const NO_NODES = new Uint8Array(0);

/** The `nodes` column: the hashes a leaf completes, level 1 first (format.md §7). */
function nodesBlob(completed: readonly { level: number; hash: Uint8Array }[]): Uint8Array {
  if (completed.length === 0) return NO_NODES;
  const out = new Uint8Array(completed.length * 32);
  for (const [i, n] of completed.entries()) {
    if (n.level !== i + 1) fail('STORAGE_ERROR', 'Merkle nodes completed out of level order');
    out.set(n.hash, i * 32);
  }
  return out;
}

/** The checkpoint note: its body, a blank line, and the ledger key's signature line (format.md §6.1). */
function noteWithSignature(body: string, signer: NoteSigner, signature: Uint8Array): string {
  return `${body}\n${formatSignatureLine(signer.name, signer.keyId, signature)}`;
}

function toLedgerEntry(row: EntryWithPayloadRow): LedgerEntry {
  const bytes = Uint8Array.from(row.bytes);
  const entry = decodeEntry(bytes);
  const redacted = row.data === null;
  return {
    seq: row.seq,
    leafHash: Uint8Array.from(row.leaf),
    bytes,
    entry,
    payload: redacted ? null : Uint8Array.from(row.data!),
    salt: row.salt === null ? null : Uint8Array.from(row.salt),
    data: redacted ? undefined : decodePayload(row.data!),
    redacted,
  };
}
