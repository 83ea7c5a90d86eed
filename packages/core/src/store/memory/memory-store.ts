/**
 * An in-memory store: the second implementation of the store interface
 * (store.ts), which proves the seam is real and serves unit tests of the
 * layers built on the ledger. Nothing is persisted; a ledger lives as long
 * as the process. Locations are `memory:<name>`: handles opened on the same
 * name share one ledger, as handles on one SQLite file do.
 *
 * Writes are atomic through an undo log: if the transaction's function
 * throws, what it wrote is taken back in reverse order before the error
 * propagates. JavaScript runs one transaction function at a time, so writes
 * are serialised; a snapshot holds back writes (from every handle) until it
 * ends, which gives it a stable state across awaits.
 */
import { fail, nodeInBlob, nodeRow, toHex, type NodeReader } from '@casetrail/verify';
import type {
  CheckpointRow,
  CosignatureRow,
  EntryColumns,
  EntryRow,
  KeyedTable,
  LedgerStore,
  StoreDamage,
  QueryFilter,
  ReadView,
  RedactionRow,
  TailRow,
  WriteHints,
  WriteTx,
} from '../store.js';

/** The shared state of one named in-memory ledger. */
interface MemoryLedger {
  readonly name: string;
  readonly meta: Array<{ key: string; value: string }>;
  readonly entries: EntryRow[];
  /** case id → seqs in step order (the case index of format.md §7). */
  readonly cases: Map<string, number[]>;
  /** case id ‖ 0x00 ‖ hex nonce → seq (the nonce index of format.md §7, unique). */
  readonly nonces: Map<string, number>;
  readonly redactions: Map<number, number>;
  readonly checkpoints: Map<number, CheckpointRow>;
  readonly cosignatures: Map<number, string[]>;
  /** Open snapshots; writes wait until there is none. */
  snapshots: number;
  snapshotsEnded: Promise<void>;
  endSnapshots: () => void;
}

const ledgers = new Map<string, MemoryLedger>();

function nameOf(location: string): string {
  if (!location.startsWith('memory:') || location.length === 'memory:'.length) {
    fail('INVALID_ARGUMENT', `an in-memory ledger's location is memory:<name>, got ${JSON.stringify(location)}`);
  }
  return location.slice('memory:'.length);
}

function copyRow(r: EntryRow): EntryRow {
  return { ...r };
}

function nonceKey(caseId: string, nonce: Uint8Array): string {
  return `${caseId}\u0000${toHex(nonce)}`;
}

export class MemoryStore implements LedgerStore {
  readonly location: string;
  readonly origin: string;
  readonly readonly: boolean;
  readonly shareable = false;
  /** An in-memory ledger is made by this code only: never damaged. */
  readonly damage: readonly StoreDamage[] = [];
  #open = true;
  readonly #l: MemoryLedger;
  readonly #view: MemoryView;

  private constructor(l: MemoryLedger, readonly: boolean) {
    this.#l = l;
    this.location = `memory:${l.name}`;
    this.origin = l.meta.find((m) => m.key === 'origin')!.value;
    this.readonly = readonly;
    this.#view = new MemoryView(l, this.location);
  }

  /** Creates the in-memory ledger `memory:<name>`; LEDGER_EXISTS if it exists in this process. */
  static create(location: string, origin: string, options: { readonly?: boolean } = {}): MemoryStore {
    const name = nameOf(location);
    if (ledgers.has(name)) fail('LEDGER_EXISTS', `${location} already exists; casetrail never overwrites a ledger`, { path: location });
    let end!: () => void;
    const l: MemoryLedger = {
      name,
      meta: [
        { key: 'format', value: 'casetrail/v1' },
        { key: 'origin', value: origin },
        { key: 'created', value: new Date().toISOString() },
      ],
      entries: [],
      cases: new Map(),
      nonces: new Map(),
      redactions: new Map(),
      checkpoints: new Map(),
      cosignatures: new Map(),
      snapshots: 0,
      snapshotsEnded: new Promise<void>((r) => (end = r)),
      endSnapshots: () => end(),
    };
    ledgers.set(name, l);
    return new MemoryStore(l, options.readonly ?? false);
  }

  /** Opens the in-memory ledger `memory:<name>`; LEDGER_NOT_FOUND if this process has none. */
  static open(location: string, options: { readonly?: boolean } = {}): MemoryStore {
    const l = ledgers.get(nameOf(location));
    if (l === undefined) fail('LEDGER_NOT_FOUND', `no ledger at ${location} in this process`, { path: location });
    return new MemoryStore(l, options.readonly ?? false);
  }

  /** Forgets the in-memory ledger `memory:<name>` (open handles keep what they hold). */
  static drop(location: string): void {
    ledgers.delete(nameOf(location));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  #checkOpen(): void {
    if (!this.#open) fail('LEDGER_CLOSED', `ledger ${this.location} is closed`);
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  async read<T>(fn: (view: ReadView) => T): Promise<T> {
    this.#checkOpen();
    return fn(this.#view);
  }

  async snapshot<T>(fn: (view: ReadView) => Promise<T>): Promise<T> {
    this.#checkOpen();
    const l = this.#l;
    if (l.snapshots++ === 0) l.snapshotsEnded = new Promise<void>((r) => (l.endSnapshots = r));
    try {
      return await fn(this.#view);
    } finally {
      if (--l.snapshots === 0) l.endSnapshots();
    }
  }

  async write<T>(fn: (tx: WriteTx) => T, _hints?: WriteHints): Promise<T> {
    this.#checkOpen();
    if (this.readonly) fail('READ_ONLY', `ledger ${this.location} was opened read-only`, { path: this.location });
    while (this.#l.snapshots > 0) await this.#l.snapshotsEnded;
    const undo: Array<() => void> = [];
    const tx = new MemoryWriteTx(this.#l, this.location, undo);
    try {
      const result = fn(tx);
      if (result instanceof Promise) fail('INVALID_ARGUMENT', 'a write transaction function must be synchronous (store.ts)');
      return result;
    } catch (e) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw e;
    }
  }
}

class MemoryView implements ReadView {
  constructor(
    protected readonly l: MemoryLedger,
    protected readonly location: string,
  ) {}

  size(): number {
    return this.l.entries.length;
  }

  tail(): TailRow | undefined {
    const r = this.l.entries[this.l.entries.length - 1];
    return r === undefined ? undefined : { seq: r.seq, leaf: r.leaf, time: r.time };
  }

  caseTail(caseId: string): { seq: number; step: number; leaf: Uint8Array } | undefined {
    const seqs = this.l.cases.get(caseId);
    const r = seqs === undefined ? undefined : this.l.entries[seqs[seqs.length - 1]!];
    return r === undefined ? undefined : { seq: r.seq, step: r.step, leaf: r.leaf };
  }

  entry(seq: number): EntryRow | undefined {
    const r = Number.isSafeInteger(seq) && seq >= 0 ? this.l.entries[seq] : undefined;
    return r === undefined ? undefined : copyRow(r);
  }

  caseStep(caseId: string, step: number): EntryRow | undefined {
    const seq = this.l.cases.get(caseId)?.[step - 1];
    return seq === undefined ? undefined : this.entry(seq);
  }

  caseEntries(caseId: string, fromStep = 1, limit = -1): EntryRow[] {
    const seqs = this.l.cases.get(caseId) ?? [];
    const end = limit < 0 ? seqs.length : Math.min(seqs.length, fromStep - 1 + limit);
    return seqs.slice(Math.max(0, fromStep - 1), end).map((s) => copyRow(this.l.entries[s]!));
  }

  entryCount(fromSeq: number, toSeq: number): number {
    return Math.max(0, Math.min(toSeq, this.l.entries.length) - Math.max(0, fromSeq));
  }

  caseNonce(caseId: string, nonce: Uint8Array): EntryRow[] {
    const seq = this.l.nonces.get(nonceKey(caseId, nonce));
    return seq === undefined ? [] : [copyRow(this.l.entries[seq]!)];
  }

  repeatedNonces(_fromSeq: number): IterableIterator<{ case_id: unknown; nonce: unknown }> {
    // The index is unique and written by this code only: no pair repeats.
    return [][Symbol.iterator]();
  }

  invalidKeys(): Array<{ table: KeyedTable; count: number }> {
    return [];
  }

  *entries(fromSeq: number, toSeq: number): IterableIterator<EntryRow> {
    const end = Math.min(toSeq, this.l.entries.length);
    for (let s = Math.max(0, fromSeq); s < end; s++) yield copyRow(this.l.entries[s]!);
  }

  *entryColumns(fromSeq: number, toSeq: number): IterableIterator<EntryColumns> {
    for (const r of this.entries(fromSeq, toSeq)) yield { seq: r.seq, leaf: r.leaf, case_id: r.case_id, step: r.step, type: r.type, actor: r.actor, time: r.time, data: r.data };
  }

  query(f: QueryFilter): EntryRow[] {
    const out: EntryRow[] = [];
    const from = Math.max(0, f.fromSeq ?? 0);
    const to = Math.min(this.l.entries.length, f.toSeq ?? Number.MAX_SAFE_INTEGER);
    const limit = f.limit ?? Number.POSITIVE_INFINITY;
    const desc = f.order === 'desc';
    for (let i = 0; i < to - from && out.length < limit; i++) {
      const r = this.l.entries[desc ? to - 1 - i : from + i]!;
      if (f.caseId !== undefined && r.case_id !== f.caseId) continue;
      if (f.actor !== undefined && r.actor !== f.actor) continue;
      if (f.type !== undefined && r.type !== f.type) continue;
      out.push(copyRow(r));
    }
    return out;
  }

  firstSeqAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.l.entries.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.l.entries[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  redactionOf(seq: number): RedactionRow | undefined {
    const by = this.l.redactions.get(seq);
    return by === undefined ? undefined : { seq, by_seq: by };
  }

  *redactions(): IterableIterator<RedactionRow> {
    for (const seq of [...this.l.redactions.keys()].sort((a, b) => a - b)) yield { seq, by_seq: this.l.redactions.get(seq)! };
  }

  *checkpoints(fromSize: number): IterableIterator<CheckpointRow> {
    for (const size of [...this.l.checkpoints.keys()].sort((a, b) => a - b)) {
      if (size >= fromSize) yield { ...this.l.checkpoints.get(size)! };
    }
  }

  latestCheckpoint(): CheckpointRow | undefined {
    let best: CheckpointRow | undefined;
    for (const c of this.l.checkpoints.values()) if (best === undefined || c.size > best.size) best = c;
    return best === undefined ? undefined : { ...best };
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    const c = this.l.checkpoints.get(size);
    return c === undefined ? undefined : { ...c };
  }

  cosignatures(size: number): string[] {
    return [...(this.l.cosignatures.get(size) ?? [])];
  }

  *allCosignatures(fromSize: number): IterableIterator<CosignatureRow> {
    for (const size of [...this.l.cosignatures.keys()].sort((a, b) => a - b)) {
      if (size < fromSize) continue;
      for (const line of this.l.cosignatures.get(size)!) yield { size, line };
    }
  }

  meta(): Array<{ key: unknown; value: unknown }> {
    return [...this.l.meta].sort((a, b) => (a.key < b.key ? -1 : 1)).map((m) => ({ ...m }));
  }

  node(level: number, index: number): Uint8Array {
    const r = this.l.entries[nodeRow(level, index)];
    const hash = r === undefined ? undefined : level === 0 ? r.leaf : nodeInBlob(r.nodes, level);
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      fail('STORAGE_ERROR', `Merkle node (${level}, ${index}) is missing from ${this.location}; run verify`, { level, index });
    }
    return hash;
  }

  prefetch(_plan: (reader: NodeReader) => void): NodeReader {
    return this;
  }
}

class MemoryWriteTx extends MemoryView implements WriteTx {
  constructor(
    l: MemoryLedger,
    location: string,
    private readonly undo: Array<() => void>,
  ) {
    super(l, location);
  }

  insertEntry(row: EntryRow): void {
    const l = this.l;
    if (row.seq !== l.entries.length) fail('STORAGE_ERROR', `entry ${row.seq} is not the next entry (${l.entries.length}) of ${this.location}`);
    const seqs = l.cases.get(row.case_id) ?? [];
    if (row.step !== seqs.length + 1) fail('STORAGE_ERROR', `case ${JSON.stringify(row.case_id)} already has step ${row.step} in ${this.location}`);
    const key = row.nonce === null ? undefined : nonceKey(row.case_id, row.nonce);
    if (key !== undefined && l.nonces.has(key)) fail('STORAGE_ERROR', `case ${JSON.stringify(row.case_id)} already has an entry with this nonce in ${this.location}`);
    l.entries.push({ ...row });
    seqs.push(row.seq);
    l.cases.set(row.case_id, seqs);
    if (key !== undefined) l.nonces.set(key, row.seq);
    this.undo.push(() => {
      l.entries.pop();
      seqs.pop();
      if (seqs.length === 0) l.cases.delete(row.case_id);
      if (key !== undefined) l.nonces.delete(key);
    });
  }

  insertCheckpoint(size: number, root: Uint8Array, note: string): void {
    const l = this.l;
    if (l.checkpoints.has(size)) return;
    l.checkpoints.set(size, { size, root: Uint8Array.from(root), note });
    this.undo.push(() => l.checkpoints.delete(size));
  }

  redactPayload(seq: number, bySeq: number): void {
    const l = this.l;
    const r = l.entries[seq];
    if (r === undefined) fail('STORAGE_ERROR', `no entry ${seq} to redact in ${this.location}`);
    if (l.redactions.has(seq)) fail('IMMUTABLE', `entry ${seq} of ${this.location} is already redacted`);
    const { salt, data } = r;
    l.redactions.set(seq, bySeq);
    r.salt = null;
    r.data = null;
    this.undo.push(() => {
      l.redactions.delete(seq);
      r.salt = salt;
      r.data = data;
    });
  }

  insertCosignature(size: number, line: string): void {
    const lines = this.l.cosignatures.get(size) ?? [];
    if (lines.includes(line)) return;
    lines.push(line);
    this.l.cosignatures.set(size, lines);
    this.undo.push(() => {
      lines.pop();
      if (lines.length === 0) this.l.cosignatures.delete(size);
    });
  }
}
