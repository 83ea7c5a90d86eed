/**
 * The chain rules of format.md §8 (items 4 and 6), each written once and
 * called by ledger verification, `trace`, the extension read view and
 * bundle verification:
 *
 * - the global link: `prev` is the recomputed leaf hash of the entry before
 *   (the genesis link for entry 0), and `time` does not decrease;
 * - the per-case link: `step` is one more than the case's previous step (1
 *   for a new case), `casePrev` its recomputed leaf hash (zero for step 1),
 *   and a case's steps appear in ledger order.
 */
import { equalBytes } from '../bytes.js';
import { ZERO_HASH, type Entry } from '../entry/entry.js';
import { isoTime, type Finding } from './issues.js';

const NO_FINDINGS: Finding[] = [];

/** The latest step of a case, as the per-case rule needs it. */
export interface CaseTail {
  step: number;
  /** Its recomputed leaf hash. */
  leaf: Uint8Array;
  seq: number;
}

/**
 * The per-case link of entry `seq` (format.md §8 item 6). `prior` is the
 * case's previous step, or undefined when the case has none (the entry must
 * then be step 1). One finding at most: when the step number is wrong, the
 * prior step is not its predecessor and `casePrev` cannot be judged.
 */
export function caseLinkFinding(seq: number, e: Pick<Entry, 'caseId' | 'step' | 'casePrev'>, prior: CaseTail | undefined): Finding | undefined {
  const expected = prior === undefined ? 1 : prior.step + 1;
  const name = JSON.stringify(e.caseId);
  if (e.step !== expected) {
    return {
      code: 'CASE_STEP_MISMATCH',
      seq,
      message:
        e.step > expected
          ? `entry ${seq} is step ${e.step} of case ${name}: steps ${expected} to ${e.step - 1} are missing before it`
          : `entry ${seq} is step ${e.step} of case ${name}, expected step ${expected}`,
    };
  }
  if (!equalBytes(e.casePrev, prior === undefined ? ZERO_HASH : prior.leaf)) {
    return { code: 'CASE_CHAIN_BROKEN', seq, message: `entry ${seq} does not link to the previous step of case ${name}` };
  }
  return undefined;
}

/** A case's steps appear in ledger order: step `seq` must come after its previous step. */
export function caseOrderFinding(seq: number, prior: CaseTail | undefined): Finding | undefined {
  if (prior === undefined || seq > prior.seq) return undefined;
  return { code: 'CASE_CHAIN_BROKEN', seq, message: `entry ${seq} is not after the previous step of its case (entry ${prior.seq}) in the ledger` };
}

/**
 * The global link of entry `seq` (format.md §8 item 4): `prev` is
 * `prevLeaf` (the recomputed leaf hash of entry seq − 1, or the genesis
 * link for entry 0) and the time is not before `lastTime`.
 */
export function globalLinkFindings(seq: number, e: Pick<Entry, 'prev' | 'time'>, prevLeaf: Uint8Array | undefined, lastTime: number): readonly Finding[] {
  const linked = prevLeaf === undefined || equalBytes(e.prev, prevLeaf);
  // The common case allocates nothing: a scan calls this for every entry.
  if (linked && e.time >= lastTime) return NO_FINDINGS;
  const out: Finding[] = [];
  if (!linked) {
    out.push({
      code: 'PREV_MISMATCH',
      seq,
      message: seq === 0 ? 'entry 0 does not carry the genesis link of this origin' : `entry ${seq} does not link to the leaf hash of entry ${seq - 1}`,
    });
  }
  if (e.time < lastTime) {
    out.push({ code: 'TIME_ORDER', seq, time: e.time, previousTime: lastTime, message: `entry ${seq} is earlier (${isoTime(e.time)}) than the entry before it (${isoTime(lastTime)})` });
  }
  return out;
}

/**
 * The per-case state of a scan: each case's latest step, the first-seen
 * cases forgotten beyond `capacity` so that memory does not grow with the
 * number of cases. A caller that misses a case it forgot reads the previous
 * step again (see {@link CaseTails.forgotten}); the verdict is the same.
 *
 * A case's entry is updated in place. Keeping the map in least-recently-used
 * order (a delete and an insert per step) churned its backing store, which
 * at 1M entries was a quarter of a verification's peak memory.
 */
export class CaseTails {
  readonly #map = new Map<string, CaseTail>();
  #forgotten = 0;

  constructor(readonly capacity = Number.POSITIVE_INFINITY) {}

  get(caseId: string): CaseTail | undefined {
    return this.#map.get(caseId);
  }

  /** How many cases were forgotten so far (0: a miss means the case is new). */
  get forgotten(): number {
    return this.#forgotten;
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * Records the case's latest step. The leaf is copied into the case's own
   * 32 bytes (those of a forgotten case are reused): a scan allocates nothing
   * per step here.
   */
  set(caseId: string, step: number, leaf: Uint8Array, seq: number): void {
    let t = this.#map.get(caseId);
    if (t === undefined) {
      if (this.#map.size >= this.capacity) {
        const [oldest, reused] = this.#map.entries().next().value!;
        this.#map.delete(oldest);
        this.#forgotten++;
        t = reused;
      } else {
        t = { step, leaf: new Uint8Array(32), seq };
      }
      this.#map.set(caseId, t);
    }
    t.step = step;
    t.leaf.set(leaf);
    t.seq = seq;
  }

  values(): IterableIterator<CaseTail> {
    return this.#map.values();
  }
}

/**
 * The version order of entry `seq` (format.md §8 item 4): no version 1
 * entry after a version 2 entry. `highest` is the highest version seen
 * before it (0 before the first entry).
 */
export function versionOrderFinding(seq: number, v: number, highest: number): Finding | undefined {
  if (v >= highest) return undefined;
  return {
    code: 'VERSION_DOWNGRADE',
    seq,
    message: `entry ${seq} is a version ${v} entry after a version ${highest} entry: a writer of version ${highest} never writes version ${v} again, whose actor signatures bind neither ledger nor case`,
  };
}
