/**
 * The store interface: what `Ledger` and verification need from where a
 * ledger is kept. SQLite (store/sqlite/) is one implementation; the
 * in-memory store (store/memory/) is another; a networked one (PostgreSQL)
 * can be added behind the same interface. Every implementation must pass
 * `describeStoreConformance` (test/helpers/store-conformance.ts).
 *
 * Rows are returned as stored and are untrusted: a store makes no security
 * decision, and verification re-checks everything it returns.
 *
 * ## The contract a store must meet
 *
 * - **Promise-based outside, synchronous inside.** `read`, `snapshot`,
 *   `write` and `close` return Promises. The function given to `read` and
 *   `write` is synchronous and receives a synchronous view: a store must not
 *   hold its write lock across arbitrary awaits, and the append path, the
 *   in-transaction extensions and the Merkle computations are synchronous.
 *   A networked store implements the view by taking its lock, reading what
 *   the transaction will need (the tail, the compact range of the tree, the
 *   case tails of the `hints`), and answering other reads synchronously or
 *   failing them with STORAGE_ERROR; it buffers writes and sends them at
 *   commit.
 * - **Atomic writes.** Everything `fn` writes becomes visible at once when
 *   the returned Promise resolves, or not at all: if `fn` throws, nothing is
 *   written and the Promise rejects with what it threw (store failures as
 *   LedgerErrors: LEDGER_BUSY, DISK_FULL, READ_ONLY, IMMUTABLE,
 *   STORAGE_ERROR). Writes of several handles (processes) to one location
 *   are serialised; each `write` sees every write committed before it.
 * - **Reads inside a write see that write's own rows.**
 * - **Consistent reads.** Every read of one `read` call sees one committed
 *   state; a `snapshot` keeps that state across awaits until its function
 *   settles (writes through the same handle wait for it).
 * - **Append-only.** Entries, checkpoints, redactions and cosignatures are
 *   only inserted; the only change of a stored row is the erasure of a
 *   payload and salt that `redactPayload` records. A second checkpoint of
 *   a stored size and a repeated cosignature line are ignored.
 * - **Errors are coded.** Every failure is a LedgerError of docs/errors.md.
 */
import type { NodeReader, StoredEntryRow } from '@casetrail/verify';

/** One row of `entries` (format.md §7), as stored. */
export type EntryRow = StoredEntryRow;

/**
 * The index columns, leaf hash and payload of a row (`entryColumns`): no
 * entry bytes, Merkle nodes, salt or nonce. Untrusted, like every column.
 */
export type EntryColumns = Pick<EntryRow, 'seq' | 'leaf' | 'case_id' | 'step' | 'type' | 'actor' | 'time' | 'data'>;

export interface CheckpointRow {
  size: number;
  root: Uint8Array;
  /** The signed note as written by the log's key, byte for byte. */
  note: string;
}

export interface RedactionRow {
  seq: number;
  by_seq: number;
}

export interface CosignatureRow {
  size: number;
  /** One signature line of c2sp.org/tlog-cosignature, ending in "\n". */
  line: string;
}

/** A part of a ledger file that is missing or damaged (format.md §7, "What makes a file a ledger"). */
export interface StoreDamage {
  table: 'meta' | 'entries' | 'redactions' | 'checkpoints' | 'cosignatures';
  message: string;
}

/** Tables whose keys verification checks (format.md §8 item 16). */
export type KeyedTable = 'entries' | 'checkpoints' | 'redactions' | 'cosignatures';

/** The last entry: what the next append links to. */
export interface TailRow {
  seq: number;
  leaf: Uint8Array;
  time: number;
}

export interface QueryFilter {
  caseId?: string;
  actor?: string;
  type?: string;
  /** First seq to return (inclusive). */
  fromSeq?: number;
  /** Last seq to return (exclusive). */
  toSeq?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}

/**
 * A consistent, synchronous view of a store. A NodeReader over the stored
 * Merkle nodes (format.md §7): `node(level, index)` reads the row that
 * stores it and fails with STORAGE_ERROR when it is missing or not 32 bytes.
 */
export interface ReadView extends NodeReader {
  /** Entries in the store: the largest seq + 1 (verification checks there is no gap). */
  size(): number;
  tail(): TailRow | undefined;
  /** The row of the case's highest step, by the case index. */
  caseTail(caseId: string): { seq: number; step: number; leaf: Uint8Array } | undefined;
  entry(seq: number): EntryRow | undefined;
  /** The entry of caseId with this step, by the case index. */
  caseStep(caseId: string, step: number): EntryRow | undefined;
  /** Rows of caseId in step order, from `fromStep` (default 1), at most `limit` (default all). */
  caseEntries(caseId: string, fromStep?: number, limit?: number): EntryRow[];
  /**
   * The rows of caseId whose `nonce` column is `nonce`, in seq order (by the
   * unique index of schema 2; none in a file without the column).
   */
  caseNonce(caseId: string, nonce: Uint8Array): EntryRow[];
  /**
   * The (case_id, nonce) column pairs that more than one row holds: among
   * all rows (fromSeq 0), or held by a row from `fromSeq` on and another row
   * (format.md §8 item 17). Untrusted, like every column.
   */
  repeatedNonces(fromSeq: number): IterableIterator<{ case_id: unknown; nonce: unknown }>;
  /**
   * How many rows of each table have a key that is not an integer from 0 to
   * 2^53 − 1 (format.md §8 item 16): rows no range read would ever reach.
   */
  invalidKeys(): Array<{ table: KeyedTable; count: number }>;
  /** Rows in seq order with seq in [fromSeq, toSeq), streamed. */
  entries(fromSeq: number, toSeq: number): IterableIterator<EntryRow>;
  /**
   * The same rows as `entries`, with only their index columns, leaf hash
   * and payload (EntryColumns), streamed: for a reader of rows that a
   * verification has just checked from their bytes (supervision's audit
   * replay), which needs no entry bytes and would pay for reading them.
   */
  entryColumns(fromSeq: number, toSeq: number): IterableIterator<EntryColumns>;
  /**
   * How many rows have a seq in [fromSeq, toSeq): equal to toSeq − fromSeq
   * unless rows are missing. Work planned by seq range (verification
   * workers) is planned by this instead, so that a row with a huge seq
   * does not make empty ranges to walk.
   */
  entryCount(fromSeq: number, toSeq: number): number;
  /** One page of rows matching the filter. */
  query(filter: QueryFilter): EntryRow[];
  /** Smallest seq whose time is ≥ t (size if none), relying on times never decreasing. */
  firstSeqAtOrAfter(time: number): number;
  redactionOf(seq: number): RedactionRow | undefined;
  redactions(): IterableIterator<RedactionRow>;
  /** Checkpoint rows with size ≥ fromSize, in size order. */
  checkpoints(fromSize: number): IterableIterator<CheckpointRow>;
  latestCheckpoint(): CheckpointRow | undefined;
  checkpointAt(size: number): CheckpointRow | undefined;
  /** The cosignature lines stored for this size, in the order they were stored. */
  cosignatures(size: number): string[];
  /** Every cosignature row with size ≥ fromSize, by size, each size's lines in the order stored. */
  allCosignatures(fromSize: number): IterableIterator<CosignatureRow>;
  /** Every meta row, as stored (untrusted). */
  meta(): Array<{ key: unknown; value: unknown }>;
  /**
   * A NodeReader with every node `plan` asks for read in one go (a store
   * may simply return itself). Which nodes a Merkle computation reads
   * depends only on sizes and indices, so a dry run of `plan` lists them.
   */
  prefetch(plan: (reader: NodeReader) => void, cache?: NodeCache): NodeReader;
}

/** A write transaction's view: reads see what it wrote so far. */
export interface WriteTx extends ReadView {
  insertEntry(row: EntryRow): void;
  /** Stores a signed checkpoint; a second one for a stored size is ignored. */
  insertCheckpoint(size: number, root: Uint8Array, note: string): void;
  /** Records that entry `bySeq` redacted entry `seq`, and erases that entry's payload and salt. */
  redactPayload(seq: number, bySeq: number): void;
  /** Stores a cosignature line of the checkpoint of `size`; a repeated line is ignored. */
  insertCosignature(size: number, line: string): void;
}

/** What a write transaction is about to touch, so that a networked store can read it ahead. */
export interface WriteHints {
  /** Cases whose tails the transaction reads. */
  caseIds?: readonly string[];
  /**
   * The transaction may store a signed checkpoint: it must be durable when
   * `write` resolves whatever durability the store was opened with, so that
   * the signer's state is never ahead of the file after a power cut
   * (format.md §10.2).
   */
  durable?: boolean;
}

export interface LedgerStore {
  /** Where the store is, as given to the factory (a path, or a URL). */
  readonly location: string;
  /** The origin recorded when the ledger was created (untrusted by verification). */
  readonly origin: string;
  readonly readonly: boolean;
  /** 'normal': commits not hinted durable may be lost on a power cut (a SQLite file opened so); absent: every commit is durable. */
  readonly durability?: 'full' | 'normal';
  readonly isOpen: boolean;
  /**
   * Parts of the ledger that are missing or damaged, found when it was
   * opened (empty for a sound ledger). Only verification reads a damaged
   * ledger; `Ledger` and writes refuse it with LEDGER_DAMAGED.
   */
  readonly damage: readonly StoreDamage[];
  /**
   * Whether another thread or process can open this store from `location`
   * (verification workers, followers). An in-memory store cannot.
   */
  readonly shareable: boolean;
  read<T>(fn: (view: ReadView) => T): Promise<T>;
  snapshot<T>(fn: (view: ReadView) => Promise<T>): Promise<T>;
  write<T>(fn: (tx: WriteTx) => T, hints?: WriteHints): Promise<T>;
  close(): Promise<void>;
}

/**
 * Merkle nodes of level ≥ `minLevel` kept across proofs (nodes never change
 * once written, and every proof passes through the upper levels). Only proof
 * generation uses it; verification always reads the store.
 */
export class NodeCache {
  private readonly map = new Map<number, Uint8Array>();

  constructor(
    private readonly minLevel = 4,
    private readonly maxNodes = 65_536,
  ) {}

  get(level: number, index: number): Uint8Array | undefined {
    return level < this.minLevel ? undefined : this.map.get(level * 2 ** 48 + index);
  }

  set(level: number, index: number, hash: Uint8Array): void {
    if (level < this.minLevel) return;
    if (this.map.size >= this.maxNodes) this.map.clear();
    this.map.set(level * 2 ** 48 + index, Uint8Array.from(hash));
  }
}
