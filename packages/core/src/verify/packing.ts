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

const F_LEAF = 1;
const F_ENTRY = 2;
const F_PAYLOAD_BAD = 4;
const F_PAYLOAD_MISSING = 8;
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

  constructor(private readonly capacity: number) {
    this.#hashes = new Uint8Array(capacity * 96);
    this.#numbers = new Float64Array(capacity * NUMS);
    this.#nodeLengths = new Int32Array(capacity);
    // Leaves complete fewer than one node each on average; grown on demand.
    this.#nodes = new Uint8Array(capacity * 32);
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

  finish(): PackedResults {
    const n = this.#n;
    return {
      count: n,
      hashes: this.#hashes.slice(0, n * 96),
      numbers: this.#numbers.slice(0, n * NUMS),
      caseIds: this.#caseIds,
      nodes: this.#nodes.slice(0, this.#nodeBytes),
      nodeLengths: this.#nodeLengths.slice(0, n),
      issues: this.#issues,
      redacts: this.#redacts,
      systemTypes: this.#systemTypes,
    };
  }
}

/** Unpacks results in order; their issues come back with the first result of their seq. */
export function* unpackResults(p: PackedResults): Generator<RowFacts> {
  const bySeq = new Map<number, Finding[]>();
  for (const issue of p.issues) {
    const key = issue.seq ?? -1;
    const list = bySeq.get(key);
    if (list === undefined) bySeq.set(key, [issue]);
    else list.push(issue);
  }
  const redacts = new Map(p.redacts.map((r) => [r.at, { seq: r.seq, leaf: r.leaf }]));
  const systemTypes = new Map(p.systemTypes.map((t) => [t.at, t.type]));
  let off = 0;
  for (let i = 0; i < p.count; i++) {
    const [seq, time, step, flags, actorSignatures] = p.numbers.subarray(i * NUMS, i * NUMS + NUMS) as unknown as number[];
    const len = p.nodeLengths[i]!;
    const nodes = len < 0 ? undefined : p.nodes.subarray(off, off + len);
    if (len > 0) off += len;
    const issues = bySeq.get(seq!) ?? [];
    bySeq.delete(seq!);
    yield {
      seq: seq!,
      leaf: flags! & F_LEAF ? p.hashes.subarray(i * 96, i * 96 + 32) : undefined,
      entry:
        flags! & F_ENTRY
          ? { prev: p.hashes.subarray(i * 96 + 32, i * 96 + 64), casePrev: p.hashes.subarray(i * 96 + 64, i * 96 + 96), time: time!, step: step!, caseId: p.caseIds[i]! }
          : undefined,
      nodes,
      payload: flags! & F_PAYLOAD_MISSING ? 'missing' : flags! & F_PAYLOAD_BAD ? 'bad' : 'ok',
      redacts: redacts.get(i),
      systemType: systemTypes.get(i),
      actorSignatures: actorSignatures!,
      issues,
    };
  }
}
