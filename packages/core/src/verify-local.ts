/**
 * The checks of format.md §8 that need one entry row and nothing else: the
 * leaf hash, decoding, the index columns, the payload commitment, actor
 * signatures, and the parse of a redaction record. They are the expensive
 * part of verification, so they run in worker threads on large ledgers
 * (verify-worker.ts) and in the verifying thread on small ones; both paths
 * call checkRowLocally, and verify.ts does every check that needs order.
 *
 * Results travel between threads packed in transferable buffers.
 */
import { equalBytes, toHex } from '@casetrail/verify';
import { REDACTION_TYPE, decodeEntry, parseRedactionPayload, payloadCommitment, verifyActorSignature, type Entry } from '@casetrail/verify';
import { leafHash } from '@casetrail/verify';
import type { EntryWithPayloadRow } from './store/sqlite-store.js';

/** A problem found in one row; the verifier adds severity and table. */
export interface LocalIssue {
  code:
    | 'ROW_INVALID'
    | 'LEAF_HASH_MISMATCH'
    | 'ENTRY_DECODE'
    | 'SEQ_MISMATCH'
    | 'INDEX_MISMATCH'
    | 'PAYLOAD_COMMITMENT_MISMATCH'
    | 'ACTOR_SIGNATURE_INVALID'
    | 'REDACTION_INVALID';
  seq: number;
  message: string;
}

/** What the ordered checks need to know about one row. */
export interface LocalResult {
  seq: number;
  /** SHA-256(0x00 ‖ bytes), or undefined when the row has no byte string. */
  leaf: Uint8Array | undefined;
  /** The decoded fields the ordered checks use; undefined if it did not decode. */
  entry: Pick<Entry, 'prev' | 'time' | 'caseId' | 'step' | 'casePrev'> | undefined;
  /** The stored `nodes` column, or undefined when it is not a byte string. */
  nodes: Uint8Array | undefined;
  /** 'missing': salt and data are both NULL (valid only if a redaction names it). */
  payload: 'ok' | 'bad' | 'missing';
  /** For a redaction record with a well-formed payload: the entry it names. */
  redacts: { seq: number; leaf: Uint8Array } | undefined;
  actorSignatures: number;
  issues: LocalIssue[];
}

/** A byte string (of length `len`, if given): how rows read from the file are type-checked. */
export function isBytes(v: unknown, len?: number): v is Uint8Array {
  return v instanceof Uint8Array && (len === undefined || v.length === len);
}

/** Runs every single-row check on a stored row (all of it untrusted). */
export function checkRowLocally(row: EntryWithPayloadRow): LocalResult {
  const seq = row.seq;
  const issues: LocalIssue[] = [];
  const nodes = isBytes(row.nodes) ? row.nodes : undefined;
  const result: LocalResult = { seq, leaf: undefined, entry: undefined, nodes, payload: 'ok', redacts: undefined, actorSignatures: 0, issues };
  if (!isBytes(row.bytes) || !isBytes(row.leaf, 32)) {
    issues.push({ code: 'ROW_INVALID', seq, message: `entry ${seq} has a wrong column type` });
    return result;
  }
  const leaf = leafHash(row.bytes);
  result.leaf = leaf;
  if (!equalBytes(leaf, row.leaf)) {
    issues.push({ code: 'LEAF_HASH_MISMATCH', seq, message: `the stored leaf hash of entry ${seq} is not the hash of its bytes` });
  }
  let e: Entry;
  try {
    e = decodeEntry(row.bytes);
  } catch (err) {
    issues.push({ code: 'ENTRY_DECODE', seq, message: `entry ${seq} does not decode: ${(err as Error).message}` });
    return result;
  }
  result.entry = { prev: e.prev, time: e.time, caseId: e.caseId, step: e.step, casePrev: e.casePrev };
  if (e.seq !== seq) issues.push({ code: 'SEQ_MISMATCH', seq, message: `entry ${seq} says it is entry ${e.seq}` });
  if (row.case_id !== e.caseId || row.step !== e.step || row.type !== e.type || row.actor !== e.actor || row.time !== e.time) {
    issues.push({ code: 'INDEX_MISMATCH', seq, message: `the index columns of entry ${seq} do not match its bytes` });
  }
  if (row.data === null && row.salt === null) {
    result.payload = 'missing';
  } else if (!isBytes(row.data) || !isBytes(row.salt, 32)) {
    result.payload = 'bad';
    issues.push({ code: 'ROW_INVALID', seq, message: `the payload columns of entry ${seq} have a wrong type` });
  } else if (!equalBytes(payloadCommitment(row.salt, row.data), e.commit)) {
    result.payload = 'bad';
    issues.push({ code: 'PAYLOAD_COMMITMENT_MISMATCH', seq, message: `the payload of entry ${seq} does not match its commitment` });
  }
  if (e.sigs.length > 0) {
    const statement = { time: e.time, caseId: e.caseId, type: e.type, actor: e.actor, commit: e.commit };
    for (const sig of e.sigs) {
      result.actorSignatures++;
      if (!verifyActorSignature(statement, sig)) {
        issues.push({ code: 'ACTOR_SIGNATURE_INVALID', seq, message: `actor signature by key ${toHex(sig.publicKey)} on entry ${seq} does not verify` });
      }
    }
  }
  // A redaction record must keep its payload (a missing one is PAYLOAD_MISSING).
  if (e.type === REDACTION_TYPE && result.payload === 'ok') {
    try {
      const named = parseRedactionPayload(row.data!);
      result.redacts = { seq: named.redacts, leaf: named.leaf };
    } catch (err) {
      issues.push({ code: 'REDACTION_INVALID', seq, message: `redaction entry ${seq} has an invalid payload: ${(err as Error).message}` });
    }
  }
  return result;
}

// ---- packing for worker threads ------------------------------------------------

/** A batch of LocalResults in transferable form. */
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
  /** Issues and redaction targets are rare: plain objects. */
  issues: LocalIssue[];
  redacts: Array<{ at: number; seq: number; leaf: Uint8Array }>;
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
  #issues: LocalIssue[] = [];
  #redacts: PackedResults['redacts'] = [];

  constructor(private readonly capacity: number) {
    this.#hashes = new Uint8Array(capacity * 96);
    this.#numbers = new Float64Array(capacity * NUMS);
    this.#nodeLengths = new Int32Array(capacity);
    // Leaves complete fewer than one node each on average; grown on demand.
    this.#nodes = new Uint8Array(capacity * 32);
  }

  add(r: LocalResult): void {
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
    };
  }
}

/** Unpacks results in order; their issues come back with the first result of their seq. */
export function* unpackResults(p: PackedResults): Generator<LocalResult> {
  const bySeq = new Map<number, LocalIssue[]>();
  for (const issue of p.issues) {
    const list = bySeq.get(issue.seq);
    if (list === undefined) bySeq.set(issue.seq, [issue]);
    else list.push(issue);
  }
  const redacts = new Map(p.redacts.map((r) => [r.at, { seq: r.seq, leaf: r.leaf }]));
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
      actorSignatures: actorSignatures!,
      issues,
    };
  }
}
