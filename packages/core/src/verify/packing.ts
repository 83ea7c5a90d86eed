/**
 * Single-row results (RowFacts of checks/row.ts) in transferable form, so
 * that verification workers hand them to the calling thread in packed
 * buffers. A worker packs each row's result as it is made: holding a
 * chunk's result objects made two workers slower than one thread (a
 * quarter of their time in garbage collection).
 */
import type { Finding, RowFacts } from '@casetrail/verify';

/** A batch of RowFactss in transferable form. */
export interface PackedResults {
  count: number;
  /** Per result: leaf, prev, casePrev (32 bytes each; zeros where absent). */
  hashes: Uint8Array;
  /** Per result: seq, time, step, flags, actorSignatures. */
  numbers: Float64Array;
  caseIds: string[];
  /** The `nodes` blobs, concatenated. */
  nodes: Uint8Array;
  /** Per result: byte length of its nodes blob, or -1 when it was not a blob. */
  nodeLengths: Int32Array;
  /** Issues, redaction targets and system types are rare: plain objects. */
  issues: Finding[];
  redacts: Array<{ at: number; seq: number; leaf: Uint8Array }>;
  systemTypes: Array<{ at: number; type: string }>;
}

/** The transferable buffers of a batch, handed back to a worker to be filled again. */
export type RecycledBuffers = Pick<PackedResults, 'hashes' | 'numbers' | 'nodes' | 'nodeLengths'>;

/** The buffers to transfer with a batch (or back to its worker). */
export function transferList(b: RecycledBuffers): ArrayBuffer[] {
  return [b.hashes.buffer, b.numbers.buffer, b.nodes.buffer, b.nodeLengths.buffer] as ArrayBuffer[];
}

const F_LEAF = 1;
const F_ENTRY = 2;
const F_PAYLOAD_BAD = 4;
const F_PAYLOAD_MISSING = 8;
const F_V2 = 16;
const NUMS = 5;

/**
 * Packs results one at a time into preallocated buffers, so that a worker
 * never holds thousands of result objects (which the garbage collector would
 * otherwise promote and then have to sweep).
 */
export class ResultPacker {
  #n = 0;
  #hashes: Uint8Array;
  #numbers: Float64Array;
  #caseIds: string[] = [];
  #nodes: Uint8Array;
  #nodeBytes = 0;
  #nodeLengths: Int32Array;
  #issues: Finding[] = [];
  #redacts: PackedResults['redacts'] = [];
  #systemTypes: PackedResults['systemTypes'] = [];

  /**
   * @param capacity - most results in the batch
   * @param recycled - the buffers of a batch the calling thread is done
   *   with, handed back to be filled again: no new memory per batch on
   *   either side (external memory waiting for the garbage collector was a
   *   fifth of a verification's peak)
   */
  constructor(
    private readonly capacity: number,
    recycled?: RecycledBuffers,
  ) {
    const fits = recycled !== undefined && recycled.numbers.length >= capacity * NUMS;
    this.#hashes = fits ? recycled.hashes : new Uint8Array(capacity * 96);
    this.#numbers = fits ? recycled.numbers : new Float64Array(capacity * NUMS);
    this.#nodeLengths = fits ? recycled.nodeLengths : new Int32Array(capacity);
    // Leaves complete fewer than one node each on average; grown on demand.
    this.#nodes = fits && recycled.nodes.length >= capacity * 32 ? recycled.nodes : new Uint8Array(capacity * 32);
  }

  add(r: RowFacts): void {
    const i = this.#n++;
    if (i >= this.capacity) throw new RangeError('ResultPacker is full');
    let flags = 0;
    if (r.leaf !== undefined) {
      flags |= F_LEAF;
      this.#hashes.set(r.leaf, i * 96);
    }
    if (r.entry !== undefined) {
      flags |= F_ENTRY;
      if (r.entry.v === 2) flags |= F_V2;
      this.#hashes.set(r.entry.prev, i * 96 + 32);
      this.#hashes.set(r.entry.casePrev, i * 96 + 64);
    }
    if (r.payload === 'bad') flags |= F_PAYLOAD_BAD;
    if (r.payload === 'missing') flags |= F_PAYLOAD_MISSING;
    const o = i * NUMS;
    this.#numbers[o] = r.seq;
    this.#numbers[o + 1] = r.entry?.time ?? 0;
    this.#numbers[o + 2] = r.entry?.step ?? 0;
    this.#numbers[o + 3] = flags;
    this.#numbers[o + 4] = r.actorSignatures;
    this.#caseIds.push(r.entry?.caseId ?? '');
    if (r.nodes === undefined) this.#nodeLengths[i] = -1;
    else {
      this.#nodeLengths[i] = r.nodes.length;
      if (this.#nodeBytes + r.nodes.length > this.#nodes.length) {
        const grown = new Uint8Array(Math.max(this.#nodes.length * 2, this.#nodeBytes + r.nodes.length));
        grown.set(this.#nodes.subarray(0, this.#nodeBytes));
        this.#nodes = grown;
      }
      this.#nodes.set(r.nodes, this.#nodeBytes);
      this.#nodeBytes += r.nodes.length;
    }
    for (const issue of r.issues) this.#issues.push(issue);
    if (r.redacts !== undefined) this.#redacts.push({ at: i, ...r.redacts });
    if (r.systemType !== undefined) this.#systemTypes.push({ at: i, type: r.systemType });
  }

  /** The batch; its buffers are the packer's own (whole), `count` says how much of them is used. */
  finish(): PackedResults {
    const n = this.#n;
    return {
      count: n,
      hashes: this.#hashes,
      numbers: this.#numbers,
      caseIds: this.#caseIds,
      nodes: this.#nodes,
      nodeLengths: this.#nodeLengths,
      issues: this.#issues,
      redacts: this.#redacts,
      systemTypes: this.#systemTypes,
    };
  }
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

function copy32(from: Uint8Array, at: number, to: Uint8Array): void {
  for (let k = 0; k < 32; k++) to[k] = from[at + k]!;
}

/**
 * Unpacks results in order; their issues come back with the first result of
 * their seq. Every result is the SAME object, with the same three 32-byte
 * arrays, refilled for each row: the caller copies what it keeps (the
 * ordered checks keep strings and copies only). A million rows then leave
 * no garbage behind them in the calling thread, whose heap is most of the
 * memory of a verification.
 */
export function unpackResults(p: PackedResults, onResult: (r: RowFacts) => void): void {
  const bySeq = new Map<number, Finding[]>();
  for (const issue of p.issues) {
    const key = issue.seq ?? -1;
    const list = bySeq.get(key);
    if (list === undefined) bySeq.set(key, [issue]);
    else list.push(issue);
  }
  const redacts = new Map(p.redacts.map((r) => [r.at, { seq: r.seq, leaf: r.leaf }]));
  const systemTypes = new Map(p.systemTypes.map((t) => [t.at, t.type]));
  const leaf = new Uint8Array(32);
  const entry: RowFacts['entry'] & object = { v: 1, prev: new Uint8Array(32), casePrev: new Uint8Array(32), time: 0, step: 0, caseId: '' };
  const r: RowFacts = { seq: 0, leaf: undefined, entry: undefined, nodes: undefined, payload: 'ok', redacts: undefined, systemType: undefined, actorSignatures: 0, issues: [] };
  let off = 0;
  for (let i = 0; i < p.count; i++) {
    const o = i * NUMS;
    const seq = p.numbers[o]!;
    const flags = p.numbers[o + 3]!;
    const len = p.nodeLengths[i]!;
    r.nodes = len < 0 ? undefined : p.nodes.subarray(off, off + len);
    if (len > 0) off += len;
    r.seq = seq;
    r.issues = (bySeq.get(seq) ?? NO_FINDINGS) as Finding[];
    bySeq.delete(seq);
    if (flags & F_LEAF) {
      copy32(p.hashes, i * 96, leaf);
      r.leaf = leaf;
    } else r.leaf = undefined;
    if (flags & F_ENTRY) {
      copy32(p.hashes, i * 96 + 32, entry.prev);
      copy32(p.hashes, i * 96 + 64, entry.casePrev);
      entry.time = p.numbers[o + 1]!;
      entry.step = p.numbers[o + 2]!;
      entry.caseId = p.caseIds[i]!;
      entry.v = flags & F_V2 ? 2 : 1;
      r.entry = entry;
    } else r.entry = undefined;
    r.payload = flags & F_PAYLOAD_MISSING ? 'missing' : flags & F_PAYLOAD_BAD ? 'bad' : 'ok';
    r.redacts = redacts.get(i);
    r.systemType = systemTypes.get(i);
    r.actorSignatures = p.numbers[o + 4]!;
    onResult(r);
  }
}
