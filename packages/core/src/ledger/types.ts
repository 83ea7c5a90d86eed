/**
 * The public types of the Ledger API (docs/api.md).
 */
import type { ActorSignature, Entry, Issue, Statement } from '@casetrail/verify';
import type { SignerInput, SignerStateInput } from '../node/signer.js';
import type { Durability } from '../store/sqlite/sqlite-store.js';

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
  /**
   * Where the signer keeps its state (format.md §10): default
   * `<key file>.state` for `{ keyFile }`; for a key string or a host signer,
   * memory for the life of this Ledger, unless a store or `{ file }` is given.
   */
  signerState?: SignerStateInput;
  /**
   * Open a ledger whose signer has no state by verifying it in full under
   * the signer's own key and adopting it (docs/security.md "Recovery").
   * Default false: SIGNER_STATE_MISSING.
   */
  adoptState?: boolean;
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
  /** The statement's 16-byte nonce (from prepareStatement, with signatures made beforehand). */
  nonce?: Uint8Array;
  /**
   * A key unique per step within its case (1–256 bytes, no control
   * characters): the ledger accepts the step once. Sent again, the same step
   * (same type, actor and data) gets the receipt of the first, with
   * `duplicate: true`; another step with the key is IDEMPOTENCY_CONFLICT
   * (format.md §4.6).
   */
  idempotencyKey?: string;
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
  /** The step was appended before (same nonce or idempotency key): this is the receipt of that entry, and nothing new was written for it. */
  duplicate?: true;
}

/**
 * What a read knows of an entry's payload (format.md §4.2, §4.5):
 * - `present`: it matches the commitment and no redaction erased it;
 * - `erased`: it is gone, and a valid redaction entry proves it was erased;
 * - `missing`: it is gone and nothing proves a redaction (PAYLOAD_MISSING);
 * - `mismatch`: it does not match the commitment, or its columns have the wrong type;
 * - `restored`: a valid redaction erased it, yet it is there again (REDACTION_INVALID);
 * - `unchecked`: the entry bytes do not decode, so nothing can be checked.
 * Only a `present` payload is handed out as `payload` and `data`.
 */
export type PayloadState = 'present' | 'erased' | 'missing' | 'mismatch' | 'restored' | 'unchecked';

/**
 * A stored entry as read back: every field decoded from the stored bytes and
 * the hashes recomputed, never taken from index columns; what does not check
 * is in `issues` (the one issue type, table `entries`, with `seq`).
 */
export interface LedgerEntry {
  /** The position the row was read at: the entry's own seq, unless an issue says SEQ_MISMATCH. */
  seq: number;
  /** SHA-256(0x00 ‖ bytes), recomputed (empty only when the row holds no byte string: ROW_INVALID). */
  leafHash: Uint8Array;
  bytes: Uint8Array;
  /** Decoded from `bytes`; absent when they do not decode (ENTRY_DECODE). */
  entry?: Entry;
  /** The payload and salt when `payloadState` is `present`; else null. */
  payload: Uint8Array | null;
  salt: Uint8Array | null;
  /** The parsed payload when it is `present` and readable (PAYLOAD_MALFORMED otherwise); else undefined. */
  data: unknown;
  /** True when the payload was erased by a proven redaction (`payloadState` `erased`). */
  redacted: boolean;
  payloadState: PayloadState;
  /** True when there is no issue of severity `error`. */
  ok: boolean;
  issues: Issue[];
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

/** The issues of a trace are of the one issue type (table `entries`, with `seq`). */
export type TraceIssue = Issue;

export interface Trace {
  caseId: string;
  /**
   * The rows the case index lists for the case, in ledger order, each
   * checked and marked like any read (a row whose bytes name another case
   * is listed with INDEX_MISMATCH and kept out of the chain).
   */
  steps: LedgerEntry[];
  /** True when no step has an error and the per-case chain checks out. */
  ok: boolean;
  /** Every issue: those of the steps and those of the chain. */
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
  /**
   * The signed note: the note as the ledger's key signed it, byte for byte,
   * followed by the cosignature lines attached to it since, in the order
   * they were attached (c2sp.org/signed-note: one signature block).
   */
  note: string;
  /** The cosignature lines in `note` (each ends in "\n"); empty when there is none. */
  cosignatures: string[];
}

export interface PreparedStatement {
  statement: Statement;
  payload: Uint8Array;
  salt: Uint8Array;
}
