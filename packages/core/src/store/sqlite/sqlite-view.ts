/**
 * The synchronous view of a SQLite ledger file (format.md §7): the reads
 * of the store interface over its prepared statements, and the writes of a
 * transaction. It makes no security decision; verification re-checks
 * everything it returns.
 */
import { fail, nodeInBlob, nodeRow, type NodeReader } from '@casetrail/verify';
import type {
  CheckpointRow,
  CosignatureRow,
  EntryColumns,
  EntryRow,
  KeyedTable,
  NodeCache,
  QueryFilter,
  RedactionRow,
  TailRow,
  WriteTx,
} from '../store.js';
import { buildQuery, type CosignatureStatements, type NonceStatements, type RedactionStatements, type Statements } from './statements.js';

/** What the view needs of the store that owns the connection (sqlite-store.ts). */
export interface SqliteHandle {
  readonly location: string;
  readonly schemaVersion: number;
  /** LEDGER_DAMAGED when the entries cannot be read. */
  readonly statements: Statements;
  readonly redactionStatements: RedactionStatements | undefined;
  readonly nonceStatements: NonceStatements | undefined;
  readonly cosignatureStatements: CosignatureStatements | undefined;
  /** Whether the file has the nonce column of schema 2. */
  readonly nonceColumn: boolean;
  /** Runs fn, mapping SQLite failures to coded errors. */
  guard<T>(fn: () => T): T;
  /** An ad-hoc query. */
  all(sql: string, params: unknown[]): unknown[];
}

const NO_COSIGNATURES: IterableIterator<CosignatureRow> = [][Symbol.iterator]();
const NO_REDACTIONS: IterableIterator<RedactionRow> = [][Symbol.iterator]();

/** The keys of format.md §8 item 16, as SQL conditions that a row's key is impossible. */
const INVALID_KEY_SQL: ReadonlyArray<readonly [KeyedTable, string]> = [
  ['entries', "typeof(seq) <> 'integer' OR seq < 0 OR seq > 9007199254740991"],
  ['checkpoints', "typeof(size) <> 'integer' OR size < 0 OR size > 9007199254740991"],
  ['redactions', "typeof(seq) <> 'integer' OR seq < 0 OR seq > 9007199254740991 OR typeof(by_seq) <> 'integer' OR by_seq < 0 OR by_seq > 9007199254740991"],
  ['cosignatures', "typeof(size) <> 'integer' OR size < 0 OR size > 9007199254740991"],
];

/** The synchronous view of a SqliteStore, used for reads and (inside write) writes. */
export class SqliteView implements WriteTx {
  constructor(private readonly store: SqliteHandle) {}

  private get s() {
    return this.store.statements;
  }

  private get<T>(fn: () => unknown): T {
    return this.store.guard(fn) as T;
  }

  /**
   * A statement's own iterator (a generator around it cost a resumption per
   * row), made safe: when reading a row fails (a page SQLite cannot read),
   * the statement is closed before the coded error is thrown, so that the
   * connection can still end its transaction and close.
   */
  private rows<T>(open: () => IterableIterator<T>): IterableIterator<T> {
    const it = this.get<IterableIterator<T>>(open);
    const store = this.store;
    const safe: IterableIterator<T> = {
      next() {
        try {
          return it.next();
        } catch (e) {
          try {
            it.return?.();
          } catch {
            // The statement is closed either way.
          }
          return store.guard(() => {
            throw e;
          });
        }
      },
      return(value?: unknown) {
        it.return?.();
        return { done: true, value: value as T };
      },
      [Symbol.iterator]() {
        return safe;
      },
    };
    return safe;
  }

  size(): number {
    const row = this.get<TailRow | undefined>(() => this.s.tail.get());
    return row === undefined ? 0 : row.seq + 1;
  }

  tail(): TailRow | undefined {
    return this.get(() => this.s.tail.get());
  }

  caseTail(caseId: string): { seq: number; step: number; leaf: Uint8Array } | undefined {
    return this.get(() => this.s.caseTail.get(caseId));
  }

  entry(seq: number): EntryRow | undefined {
    return this.get(() => this.s.entry.get(seq));
  }

  caseStep(caseId: string, step: number): EntryRow | undefined {
    return this.get(() => this.s.caseStep.get(caseId, step));
  }

  caseEntries(caseId: string, fromStep = 1, limit = -1): EntryRow[] {
    return this.get(() => this.s.caseFrom.all(caseId, fromStep, limit));
  }

  entries(fromSeq: number, toSeq: number): IterableIterator<EntryRow> {
    // The statement's own iterator: a generator around it cost a resumption per row.
    return this.rows(() => this.s.range.iterate(fromSeq, toSeq) as IterableIterator<EntryRow>);
  }

  /**
   * Rows read as arrays and made into objects here: better-sqlite3 builds a
   * row object property by property, which cost more than reading the row
   * (a replay of 100k rows: ~3 µs a row this way, ~5 µs as objects, ~8 µs
   * for whole rows).
   */
  entryColumns(fromSeq: number, toSeq: number): IterableIterator<EntryColumns> {
    const raw = this.rows(() => this.s.columnsRange.iterate(fromSeq, toSeq) as IterableIterator<unknown[]>);
    const it: IterableIterator<EntryColumns> = {
      next() {
        const r = raw.next();
        if (r.done === true) return { done: true, value: undefined };
        const c = r.value;
        return { done: false, value: { seq: c[0], leaf: c[1], case_id: c[2], step: c[3], type: c[4], actor: c[5], time: c[6], data: c[7] } as EntryColumns };
      },
      return(value?: unknown) {
        raw.return?.();
        return { done: true, value: value as EntryColumns };
      },
      [Symbol.iterator]() {
        return it;
      },
    };
    return it;
  }

  caseNonce(caseId: string, nonce: Uint8Array): EntryRow[] {
    const n = this.store.nonceStatements;
    return n === undefined ? [] : this.get(() => n.caseNonce.all(caseId, nonce));
  }

  repeatedNonces(fromSeq: number): IterableIterator<{ case_id: unknown; nonce: unknown }> {
    const n = this.store.nonceStatements;
    if (n === undefined) return [][Symbol.iterator]();
    return this.rows(() => (fromSeq === 0 ? n.repeated.iterate() : n.repeatedFrom.iterate(fromSeq)) as IterableIterator<{ case_id: unknown; nonce: unknown }>);
  }

  invalidKeys(): Array<{ table: KeyedTable; count: number }> {
    const out: Array<{ table: KeyedTable; count: number }> = [];
    const have = new Set((this.store.all("SELECT name FROM sqlite_master WHERE type = 'table'", []) as Array<{ name: string }>).map((r) => r.name));
    for (const [table, bad] of INVALID_KEY_SQL) {
      if (!have.has(table)) continue;
      let rows: Array<{ n: number }>;
      try {
        rows = this.store.all(`SELECT count(*) AS n FROM ${table} WHERE ${bad}`, []) as Array<{ n: number }>;
      } catch {
        // A table without its key columns is damage, reported as such (structure.ts).
        continue;
      }
      const n = rows[0]?.n ?? 0;
      if (n > 0) out.push({ table, count: n });
    }
    return out;
  }

  entryCount(fromSeq: number, toSeq: number): number {
    return this.get(() => this.s.count.pluck().get(fromSeq, toSeq));
  }

  query(filter: QueryFilter): EntryRow[] {
    const { sql, params } = buildQuery(filter, this.store.nonceColumn);
    return this.store.all(sql, params) as EntryRow[];
  }

  firstSeqAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.size();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.get<{ time: number } | undefined>(() => this.s.timeAt.get(mid));
      if (row !== undefined && row.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  redactionOf(seq: number): RedactionRow | undefined {
    const r = this.store.redactionStatements;
    return r === undefined ? undefined : this.get(() => r.of.get(seq));
  }

  redactions(): IterableIterator<RedactionRow> {
    const r = this.store.redactionStatements;
    return r === undefined ? NO_REDACTIONS : this.rows(() => r.all.iterate() as IterableIterator<RedactionRow>);
  }

  checkpoints(fromSize: number): IterableIterator<CheckpointRow> {
    return this.rows(() => this.s.checkpoints.iterate(fromSize) as IterableIterator<CheckpointRow>);
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.get(() => this.s.latestCheckpoint.get());
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    return this.get(() => this.s.checkpointAt.get(size));
  }

  cosignatures(size: number): string[] {
    const c = this.store.cosignatureStatements;
    if (c === undefined) return [];
    return this.get<Array<{ line: string }>>(() => c.ofSize.all(size)).map((r) => r.line);
  }

  allCosignatures(fromSize: number): IterableIterator<CosignatureRow> {
    const c = this.store.cosignatureStatements;
    return c === undefined ? NO_COSIGNATURES : this.rows(() => c.all.iterate(fromSize) as IterableIterator<CosignatureRow>);
  }

  meta(): Array<{ key: unknown; value: unknown }> {
    return this.store.all('SELECT key, value FROM meta ORDER BY key', []) as Array<{ key: unknown; value: unknown }>;
  }

  /**
   * NodeReader over the store: level 0 is entries.leaf; node (level, index)
   * is in the row that stored-nodes.ts names.
   */
  node(level: number, index: number): Uint8Array {
    const row = this.get<{ leaf: unknown; nodes: unknown } | undefined>(() => this.s.nodeRow.get(nodeRow(level, index)));
    const hash = row === undefined ? undefined : level === 0 ? row.leaf : nodeInBlob(row.nodes, level);
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      fail('STORAGE_ERROR', `Merkle node (${level}, ${index}) is missing from ${this.store.location}; run verify`, { level, index });
    }
    return hash;
  }

  /**
   * One `IN (…)` query for every row `plan` will read (proofs: about half
   * the time of a query per node).
   */
  prefetch(plan: (reader: NodeReader) => void, cached?: NodeCache): NodeReader {
    const seqs = new Set<number>();
    const dummy = new Uint8Array(32);
    plan({
      node: (level, index) => {
        if (cached?.get(level, index) === undefined) seqs.add(nodeRow(level, index));
        return dummy;
      },
    });
    const rows = new Map<number, { leaf: unknown; nodes: unknown }>();
    const found = this.get<Array<{ seq: number; leaf: unknown; nodes: unknown }>>(() => this.s.rowsIn.all(JSON.stringify([...seqs])));
    for (const r of found) rows.set(r.seq, r);
    return {
      node: (level, index) => {
        const hit = cached?.get(level, index);
        if (hit !== undefined) return hit;
        const row = rows.get(nodeRow(level, index));
        const got = row === undefined ? undefined : level === 0 ? row.leaf : nodeInBlob(row.nodes, level);
        const hash = got instanceof Uint8Array && got.length === 32 ? got : this.node(level, index);
        cached?.set(level, index, hash);
        return hash;
      },
    };
  }

  insertEntry(row: EntryRow): void {
    const values = [row.seq, row.leaf, row.bytes, row.nodes, row.case_id, row.step, row.type, row.actor, row.time, row.salt, row.data];
    // Writes run after the migration of format.md §7.1: the column is there.
    if (this.store.nonceColumn) values.push(row.nonce);
    else if (row.nonce !== null) fail('STORAGE_ERROR', `ledger ${this.store.location} has no nonce column for a version 2 entry (schema ${this.store.schemaVersion})`);
    this.s.insertEntry.run(...values);
  }

  insertCheckpoint(size: number, root: Uint8Array, note: string): void {
    this.s.insertCheckpoint.run(size, root, note);
  }

  redactPayload(seq: number, bySeq: number): void {
    const r = this.store.redactionStatements;
    if (r === undefined) fail('LEDGER_DAMAGED', `ledger ${this.store.location} has no redactions table`);
    // The trigger allows the erasure only once the redactions row exists.
    r.insert.run(seq, bySeq);
    this.s.erasePayload.run(seq);
  }

  insertCosignature(size: number, line: string): void {
    const c = this.store.cosignatureStatements;
    if (c === undefined) fail('STORAGE_ERROR', `ledger ${this.store.location} has no cosignatures table (schema ${this.store.schemaVersion})`);
    c.insert.run(size, line);
  }
}
