/**
 * The engine's per-case memory (docs/supervision.md §6.2, §6.10): the case
 * summaries, and which cases a tick must look at. Unbounded by default (the
 * pure engine over an in-memory stream); with a cache the summaries are an
 * LRU of at most `maxCases`, and a case that is not resident is refolded
 * from its history on demand, so memory is bounded by the cache, not by the
 * number of cases (it holds at most an eighth more before it drops the
 * least recently used). A journal undoes a transaction that did not commit.
 */
import type { CaseState } from './case-state.js';

/** How the engine gets back a summary it let go of. */
export interface CaseCache {
  /** most summaries kept (≥ 1); beyond it the least recently used are dropped */
  readonly maxCases: number;
  /** the summary of `caseId` from its entries before `beforeSeq`, or undefined when it has none */
  readonly load: (caseId: string, beforeSeq: number) => CaseState | undefined;
}

/**
 * A Map whose changes since `begin()` can be undone. Each change inside a
 * transaction appends the key and its value before (undefined: absent) to an
 * undo log, which a rollback applies backwards; a log of pairs costs a push
 * per change where a map of first values cost a lookup and an entry (the
 * writer changes three of these for most steps).
 */
export class JournaledMap<K, V> implements Iterable<[K, V]> {
  private readonly map = new Map<K, V>();
  /** [key, value before, key, value before, …] since begin(); null outside a transaction */
  private log: (K | V | undefined)[] | null = null;
  /** the map as it was at begin(), once cleared in the transaction */
  private cleared: Map<K, V> | null = null;

  get size(): number {
    return this.map.size;
  }
  get(k: K): V | undefined {
    return this.map.get(k);
  }
  has(k: K): boolean {
    return this.map.has(k);
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }
  keys(): IterableIterator<K> {
    return this.map.keys();
  }
  [Symbol.iterator](): Iterator<[K, V]> {
    return this.map[Symbol.iterator]();
  }
  private note(k: K): void {
    if (this.log !== null && this.cleared === null) this.log.push(k, this.map.get(k));
  }
  set(k: K, v: V): void {
    this.note(k);
    this.map.set(k, v);
  }
  delete(k: K): void {
    if (!this.map.has(k)) return;
    this.note(k);
    this.map.delete(k);
  }
  clear(): void {
    if (this.log !== null && this.cleared === null) {
      const m = new Map(this.map);
      undo(m, this.log);
      this.cleared = m;
    }
    this.map.clear();
  }
  begin(): void {
    this.log = [];
    this.cleared = null;
  }
  commit(): void {
    this.log = null;
    this.cleared = null;
  }
  rollback(): void {
    if (this.log === null) return;
    if (this.cleared !== null) {
      this.map.clear();
      for (const [k, v] of this.cleared) this.map.set(k, v);
    } else {
      undo(this.map, this.log);
    }
    this.commit();
  }
}

/** Applies an undo log backwards: each key ends with the value logged first for it. */
function undo<K, V>(m: Map<K, V>, log: readonly (K | V | undefined)[]): void {
  for (let i = log.length - 2; i >= 0; i -= 2) {
    const k = log[i] as K;
    const v = log[i + 1] as V | undefined;
    if (v === undefined) m.delete(k);
    else m.set(k, v);
  }
}

/** A Set whose changes since `begin()` can be undone (a JournaledMap of its members). */
export class JournaledSet<T> implements Iterable<T> {
  private readonly map = new JournaledMap<T, true>();

  get size(): number {
    return this.map.size;
  }
  has(v: T): boolean {
    return this.map.has(v);
  }
  // The map's own key iterator: a tick walks every timed case, and a generator cost a resumption each.
  [Symbol.iterator](): Iterator<T> {
    return this.map.keys();
  }
  add(v: T): void {
    if (!this.map.has(v)) this.map.set(v, true);
  }
  delete(v: T): void {
    this.map.delete(v);
  }
  clear(): void {
    this.map.clear();
  }
  begin(): void {
    this.map.begin();
  }
  commit(): void {
    this.map.commit();
  }
  rollback(): void {
    this.map.rollback();
  }
}

/** A summary in memory, and when it was last used (for the LRU). */
interface Slot {
  readonly state: CaseState;
  used: number;
}

export class CaseTable {
  private readonly cases = new Map<string, Slot>();
  /** the use counter: a slot's `used` is its value at its last use */
  private clock = 0;
  /** cases a tick must look at: a running or deferred clock, or an undisposed alert */
  readonly timed = new JournaledSet<string>();
  /** cases that still have one, but whose evaluation under the pack in force can raise nothing more until the case or the pack changes */
  readonly dormant = new JournaledSet<string>();
  /** per timed case: no tick before this instant can raise anything (absent = evaluate) */
  readonly nextDue = new JournaledMap<string, number>();
  /**
   * The use counter at `begin()`: a summary used since (read or changed: its
   * `used` is above it) is dropped on rollback and refolded from what was
   * committed. A stamp rather than a set of ids: nothing to add per use.
   */
  private txStart: number | null = null;

  constructor(private readonly cache: CaseCache | undefined) {
    if (cache !== undefined && !(Number.isSafeInteger(cache.maxCases) && cache.maxCases >= 1 && typeof cache.load === 'function')) {
      throw new TypeError('cache must be { maxCases: integer ≥ 1, load: function }');
    }
  }

  /** Whether summaries can be dropped and refolded. */
  get bounded(): boolean {
    return this.cache !== undefined;
  }

  get size(): number {
    return this.cases.size;
  }

  *resident(): IterableIterator<CaseState> {
    for (const slot of this.cases.values()) yield slot.state;
  }

  /**
   * The summary of a case: resident, or (bounded) refolded from its history
   * before `beforeSeq` when it may have one.
   */
  find(caseId: string, beforeSeq: number, mayHaveHistory: boolean): CaseState | undefined {
    const slot = this.cases.get(caseId);
    if (slot !== undefined) {
      slot.used = ++this.clock;
      return slot.state;
    }
    if (this.cache === undefined || !mayHaveHistory) return undefined;
    const loaded = this.cache.load(caseId, beforeSeq);
    if (loaded !== undefined) this.put(loaded);
    return loaded;
  }

  put(s: CaseState): void {
    this.cases.set(s.id, { state: s, used: ++this.clock });
  }

  /** Forgets a summary (bounded only: it is refolded when needed). */
  drop(caseId: string): void {
    this.cases.delete(caseId);
  }

  dropAll(): void {
    this.cases.clear();
  }

  /**
   * Drops the least recently used summaries beyond the cache size. They are
   * dropped in bulk once an eighth more are held (a sort per bulk), so a use
   * costs a counter, not a reordering.
   */
  evict(): void {
    if (this.cache === undefined) return;
    const max = this.cache.maxCases;
    if (this.cases.size <= max + Math.floor(max / 8)) return;
    const used = [...this.cases.values()].map((s) => s.used).sort((a, b) => a - b);
    const keepFrom = used[this.cases.size - max]!;
    for (const [id, slot] of this.cases) if (slot.used < keepFrom) this.cases.delete(id);
  }

  begin(): void {
    this.txStart = this.clock;
    this.timed.begin();
    this.dormant.begin();
    this.nextDue.begin();
  }

  commit(): void {
    this.txStart = null;
    this.timed.commit();
    this.dormant.commit();
    this.nextDue.commit();
  }

  rollback(): void {
    const since = this.txStart;
    if (since !== null) for (const [id, slot] of this.cases) if (slot.used > since) this.cases.delete(id);
    this.txStart = null;
    this.timed.rollback();
    this.dormant.rollback();
    this.nextDue.rollback();
  }
}
