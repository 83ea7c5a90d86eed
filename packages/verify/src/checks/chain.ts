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
import type { Finding } from './issues.js';

/**
 * A hash as a byte string (one UTF-16 unit per byte): ~50 bytes of memory
 * where a Uint8Array takes ~200, which matters for the per-case state of a
 * million-entry scan. Equal hashes give equal strings.
 */
export function hashKey(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

const ZERO_KEY = hashKey(ZERO_HASH);

/** The latest step of a case, as the per-case rule needs it. */
export interface CaseTail {
  step: number;
  /** Its recomputed leaf hash, as {@link hashKey}. */
  leaf: string;
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
  if (hashKey(e.casePrev) !== (prior === undefined ? ZERO_KEY : prior.leaf)) {
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
export function globalLinkFindings(seq: number, e: Pick<Entry, 'prev' | 'time'>, prevLeaf: Uint8Array | undefined, lastTime: number): Finding[] {
  const out: Finding[] = [];
  if (prevLeaf !== undefined && !equalBytes(e.prev, prevLeaf)) {
    out.push({
      code: 'PREV_MISMATCH',
      seq,
      message: seq === 0 ? 'entry 0 does not carry the genesis link of this origin' : `entry ${seq} does not link to the leaf hash of entry ${seq - 1}`,
    });
  }
  if (e.time < lastTime) out.push({ code: 'TIME_ORDER', seq, message: `entry ${seq} is earlier (${e.time}) than the entry before it (${lastTime})` });
  return out;
}

/**
 * The per-case state of a scan: each case's latest step, the least recently
 * continued forgotten beyond `capacity` so that memory does not grow with
 * the number of cases. A caller that misses a case it forgot reads the
 * previous step again (see {@link CaseTails.forgotten}).
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

  set(caseId: string, tail: CaseTail): void {
    this.#map.delete(caseId);
    this.#map.set(caseId, tail);
    if (this.#map.size > this.capacity) {
      this.#map.delete(this.#map.keys().next().value!);
      this.#forgotten++;
    }
  }

  values(): IterableIterator<CaseTail> {
    return this.#map.values();
  }
}
