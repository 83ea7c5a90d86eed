/**
 * The in-transaction extension point (docs/api.md "Extensions"): layers on
 * the ledger (supervision, oversight) run a synchronous function inside the
 * append transaction for each step, after it got its seq, step and time;
 * they may read the ledger through a checked read view, add system entries
 * of their own right after the step, or refuse the whole transaction.
 *
 * Cost is bounded, per extension: at most `maxAddedPerStep` entries added
 * per step and `maxAddedPerTransaction` per transaction, at most
 * `maxReadsPerTransaction` rows read through the view, no I/O but the view
 * (the function is synchronous and gets nothing else), and the time spent
 * measured and exposed by `ledger.extensionStats()`.
 */
import { REDACTION_TYPE, RESERVED_PREFIX, checkIntIn, checkTime, decodePayload, fail, isReserved, LedgerError, systemEntryProblem, type SystemTypeValidator } from '@casetrail/verify';

export type { SystemTypeValidator };
import type { CommittedStep } from './rows.js';

/** A system entry a layer writes: its type (and its case id, if it likes) are reserved `casetrail.` names. */
export interface SystemStepInput {
  caseId: string;
  type: string;
  actor: string;
  /** Any JSON value (default null), checked by the type's validator. */
  data?: unknown;
  /**
   * Or the exact payload bytes (UTF-8 JSON), as `append` takes them: for a
   * layer whose payloads have a canonical byte form that JSON.stringify of
   * a parsed value does not always give back (integer-like keys).
   */
  payload?: Uint8Array;
  /**
   * Entry time, ms since 1970 (`appendSystem` and refusal records; default
   * the clock, as for append). Never before the latest entry (TIME_ORDER).
   * Entries added to a step take the step's time: `ctx.add` refuses another.
   */
  time?: number;
}

/** The StepInput of a system entry (data or payload, and time, as given). */
export function systemStepInput(e: SystemStepInput): { caseId: string; type: string; actor: string; data?: unknown; payload?: Uint8Array; time?: number } {
  return {
    caseId: e.caseId,
    type: e.type,
    actor: e.actor,
    ...(e.payload === undefined ? { data: e.data } : { payload: e.payload }),
    ...(e.time === undefined ? {} : { time: e.time }),
  };
}


export interface ExtensionLimits {
  /**
   * Entries one step may get added (default 16, at most 100,000, and never
   * more than maxAddedPerTransaction): a clock tick of a supervision layer
   * raises the deadline alerts of every case due at once.
   */
  maxAddedPerStep?: number;
  /** Entries one transaction may get added (default 1,000, at most 100,000). */
  maxAddedPerTransaction?: number;
  /** Rows read through the view in one transaction (default 10,000, at most 1,000,000). */
  maxReadsPerTransaction?: number;
}

/** What `onStep` may read: a case's steps, entries of a type, the tail, each row checked against its bytes. */
export interface ExtensionView {
  /** Entries in the ledger, including those written so far in this transaction. */
  size(): number;
  /** The last entry (seq, time, leaf hash), or undefined for an empty ledger. */
  tail(): { seq: number; time: number; leafHash: Uint8Array } | undefined;
  /**
   * Steps of a case in step order from `fromStep` (default 1), at most
   * `limit` (default and most 1,000), decoded from the stored bytes; each
   * row's leaf hash, index columns and payload are checked against its
   * bytes and each step's link to the one before (STORAGE_ERROR if one does
   * not hold: run verify).
   */
  caseSteps(caseId: string, options?: { fromStep?: number; limit?: number }): CommittedStep[];
  /** The case's latest step, checked as caseSteps does. */
  caseTail(caseId: string): CommittedStep | undefined;
  /** Entries of a type in seq order after `after` (default: from the start), at most `limit` (default and most 1,000), checked. */
  entriesOfType(type: string, options?: { after?: number; limit?: number }): CommittedStep[];
  /** Entry `seq`, checked, or undefined. */
  entry(seq: number): CommittedStep | undefined;
}

export interface ExtensionContext {
  readonly view: ExtensionView;
  /** Where the step is in its batch (system entries added to it are not counted). */
  readonly batch: { readonly index: number; readonly size: number };
  /**
   * Appends a system entry right after the current step (and after the
   * entries already added to it), in the same transaction, through the
   * same encoding, Merkle and checkpoint path; its time is the step's.
   * @throws INVALID_ARGUMENT (an undeclared type, data its validator refuses),
   *   EXTENSION_FAILED beyond the limits
   */
  add(entry: SystemStepInput): CommittedStep;
  /**
   * Refuses the whole transaction: nothing of it is written. The `record`
   * entries (system entries) are then written in a transaction of their
   * own, so that the refused attempt is itself recorded, and the append
   * rejects with REFUSED.
   */
  refuse(reason: { code: string; message: string; record?: SystemStepInput[] }): never;
}

/** What `onEnd` gets: the transaction's view, and the refusal. */
export interface ExtensionEndContext {
  readonly view: ExtensionView;
  /** As `ExtensionContext.refuse`: nothing of the transaction is written. */
  refuse(reason: { code: string; message: string; record?: SystemStepInput[] }): never;
}

/**
 * A step of the transaction's batch as `onBatch` sees it, before any of them
 * is written: what the caller gave, its payload parsed from the very bytes
 * that will be written, and the step number it gets if the batch is written
 * as given (nothing added by extensions, no step skipped as appended before).
 */
export interface BatchStep {
  readonly caseId: string;
  readonly type: string;
  readonly actor: string;
  /** The time the caller gave; undefined: the clock's when the step is written. */
  readonly time: number | undefined;
  /**
   * The payload parsed from the bytes to be written: the very value the
   * step's CommittedStep will carry as `data` (not a copy). Read it; a layer
   * that changes it changes what every extension and listener sees.
   */
  readonly data: unknown;
  /** Its case's latest step before the transaction + 1 + its case's earlier steps in the batch. */
  readonly step: number;
  /** A reserved `casetrail.` type (appendSystem, a redaction). */
  readonly system: boolean;
}

/** What `onBatch` gets: the transaction's view (nothing written yet), and the refusal. */
export type ExtensionBatchContext = ExtensionEndContext;

/** A layer on the ledger, registered with `ledger.use(extension)`. */
export interface LedgerExtension {
  /** A name for errors and statistics, e.g. `supervise`. */
  readonly name: string;
  /** Validators of the system types this layer writes (names start with `casetrail.`). */
  readonly systemTypes?: Readonly<Record<string, SystemTypeValidator>>;
  /**
   * Called once inside each append transaction whose steps the extensions
   * see (append, appendMany, appendSystem, redact), before its first step is
   * written, with the whole batch: a layer may judge the batch in one pass
   * (its state warm in the cache) and then only check, step by step in
   * `onStep`, that each step was written as it judged it (seq, step, time,
   * case, type, actor, the same `data` object). Nothing can be added here;
   * `refuse` refuses the whole transaction.
   */
  onBatch?(steps: readonly BatchStep[], ctx: ExtensionBatchContext): void;
  /** Called inside the append transaction for each step in order; synchronous, no I/O but `ctx.view`. */
  onStep?(step: CommittedStep, ctx: ExtensionContext): void;
  /**
   * Called after the commit of each transaction in which `onBatch` or
   * `onStep` ran (not for a transaction that failed or was refused, nor for
   * a refusal's record, written without extensions): where a layer keeps
   * what it learnt in the transaction. The entries are committed: what it
   * throws is counted in its failures and changes nothing else.
   */
  onCommit?(c: { readonly treeSize: number }): void;
  /**
   * Called once at the end of each append transaction in which `onStep`
   * was called, after its last step and what was added to it, still inside
   * the transaction: the last point where the extension may refuse it (a
   * dry run refuses every transaction there). A step the transaction skips
   * as appended before (its nonce, format.md §4.6) is not one of its steps:
   * the transaction's last step is not always the batch's last.
   */
  onEnd?(ctx: ExtensionEndContext): void;
  readonly limits?: ExtensionLimits;
  /**
   * System types (declared in `systemTypes`) whose entries `redact` refuses
   * with NOT_REDACTABLE while this extension is in use: records a layer's
   * audit depends on (a rule pack adopted, an alert).
   */
  readonly unredactable?: readonly string[];
}

export interface ExtensionStats {
  name: string;
  /** onBatch, onStep and onEnd calls. */
  calls: number;
  /** Entries added (in committed and in rolled-back transactions). */
  added: number;
  refusals: number;
  failures: number;
  /** Time spent in onBatch, onStep and onEnd, in milliseconds. */
  totalMs: number;
  maxMs: number;
}

/** An extension as registered: its limits resolved, its statistics kept. */
export interface Registered {
  readonly ext: LedgerExtension;
  readonly maxAddedPerStep: number;
  readonly maxAddedPerTransaction: number;
  readonly maxReadsPerTransaction: number;
  readonly stats: ExtensionStats;
}

/** Thrown through the transaction by `ctx.refuse`, caught by the append path. */
export class Refusal extends Error {
  constructor(
    readonly extension: string,
    /** The extension's own code (not a LedgerError code: the error given to the caller is REFUSED). */
    readonly reason: string,
    message: string,
    readonly record: SystemStepInput[],
  ) {
    super(message);
  }
}

function limit(value: number | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  checkIntIn(value, `limits.${name}`, 0, max);
  return value;
}

/** The extensions of one Ledger instance and the system types they declare. */
export class ExtensionRegistry {
  readonly #list: Registered[] = [];
  readonly #types = new Map<string, { validator: SystemTypeValidator; by: string }>();
  readonly #unredactable = new Map<string, string>();

  get active(): readonly Registered[] {
    return this.#list;
  }

  get hasHooks(): boolean {
    return this.#list.some((r) => r.ext.onStep !== undefined);
  }

  /** Registers an extension; returns the function that removes it. */
  use(ext: LedgerExtension): () => void {
    if (ext === null || typeof ext !== 'object' || typeof ext.name !== 'string' || ext.name.length === 0) {
      fail('INVALID_ARGUMENT', 'extension must be an object with a non-empty name', { field: 'extension' });
    }
    if (ext.onStep !== undefined && typeof ext.onStep !== 'function') fail('INVALID_ARGUMENT', 'extension.onStep must be a function', { field: 'onStep' });
    if (ext.onBatch !== undefined && typeof ext.onBatch !== 'function') fail('INVALID_ARGUMENT', 'extension.onBatch must be a function', { field: 'onBatch' });
    if (ext.onCommit !== undefined && typeof ext.onCommit !== 'function') fail('INVALID_ARGUMENT', 'extension.onCommit must be a function', { field: 'onCommit' });
    if (ext.onBatch !== undefined && ext.onStep === undefined) fail('INVALID_ARGUMENT', 'extension.onBatch needs an onStep: it is called only before onStep calls', { field: 'onBatch' });
    if (this.#list.some((r) => r.ext.name === ext.name)) fail('INVALID_ARGUMENT', `an extension named ${JSON.stringify(ext.name)} is already in use`, { field: 'name' });
    const types = Object.entries(ext.systemTypes ?? {});
    for (const [type, validator] of types) {
      if (!isReserved(type) || type === REDACTION_TYPE) {
        fail('INVALID_ARGUMENT', `system type ${JSON.stringify(type)}: a system type starts with "${RESERVED_PREFIX}" and is not ${REDACTION_TYPE}`, { field: 'systemTypes' });
      }
      if (typeof validator !== 'function') fail('INVALID_ARGUMENT', `system type ${type}: the validator must be a function`, { field: 'systemTypes' });
      const seen = this.#types.get(type);
      if (seen !== undefined) fail('INVALID_ARGUMENT', `system type ${type} is already declared by extension ${seen.by}`, { field: 'systemTypes' });
    }
    const kept = ext.unredactable ?? [];
    if (!Array.isArray(kept) || kept.some((t) => typeof t !== 'string' || !Object.hasOwn(ext.systemTypes ?? {}, t))) {
      fail('INVALID_ARGUMENT', 'extension.unredactable lists system types the extension declares in systemTypes', { field: 'unredactable' });
    }
    const l = ext.limits ?? {};
    const r: Registered = {
      ext,
      maxAddedPerStep: limit(l.maxAddedPerStep, 'maxAddedPerStep', 16, 100_000),
      maxAddedPerTransaction: limit(l.maxAddedPerTransaction, 'maxAddedPerTransaction', 1_000, 100_000),
      maxReadsPerTransaction: limit(l.maxReadsPerTransaction, 'maxReadsPerTransaction', 10_000, 1_000_000),
      stats: { name: ext.name, calls: 0, added: 0, refusals: 0, failures: 0, totalMs: 0, maxMs: 0 },
    };
    for (const [type, validator] of types) this.#types.set(type, { validator, by: ext.name });
    for (const type of kept) this.#unredactable.set(type, ext.name);
    this.#list.push(r);
    return () => {
      const i = this.#list.indexOf(r);
      if (i < 0) return;
      this.#list.splice(i, 1);
      for (const [type] of types) this.#types.delete(type);
      for (const type of kept) this.#unredactable.delete(type);
    };
  }

  /** The extension that keeps entries of `type` unredactable, if one in use does. */
  keptBy(type: string): string | undefined {
    return this.#unredactable.get(type);
  }

  /** The validators of every declared system type (for verification). */
  validators(): Record<string, SystemTypeValidator> {
    return Object.fromEntries([...this.#types].map(([t, v]) => [t, v.validator]));
  }

  /**
   * Checks a system entry against its type's validator.
   * @throws INVALID_ARGUMENT for an undeclared type or data the validator refuses
   */
  checkSystemEntry(e: SystemStepInput, where: string): void {
    const t = this.#types.get(e.type);
    if (t === undefined) fail('INVALID_ARGUMENT', `${where}.type: system type ${JSON.stringify(e.type)} is not declared by any extension in use (ledger.use)`, { field: 'type' });
    if (e.payload !== undefined && e.data !== undefined) fail('INVALID_ARGUMENT', `${where}: give data or payload, not both`, { field: 'payload' });
    if (e.payload !== undefined && !(e.payload instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${where}.payload must be a Uint8Array`, { field: 'payload' });
    if (e.time !== undefined) checkTime(e.time, `${where}.time`);
    const data = e.payload !== undefined ? decodePayload(e.payload) : e.data === undefined ? null : e.data;
    const problem = systemEntryProblem(t.validator, data, e);
    if (problem !== undefined) fail('INVALID_ARGUMENT', `${where}: not a well-formed ${e.type} entry: ${problem}`, { field: 'data' });
  }

  stats(): ExtensionStats[] {
    return this.#list.map((r) => ({ ...r.stats }));
  }
}

/** EXTENSION_FAILED for what an extension threw (a refusal is not a failure). */
export function extensionFailure(r: Registered, seq: number, e: unknown): LedgerError {
  if (e instanceof LedgerError && e.code === 'EXTENSION_FAILED') return e;
  return new LedgerError(
    'EXTENSION_FAILED',
    `extension ${r.ext.name} failed on entry ${seq}: ${(e as Error)?.message ?? String(e)}; nothing was written`,
    { extension: r.ext.name, seq, ...(e instanceof LedgerError ? { causeCode: e.code } : {}) },
    { cause: e },
  );
}
