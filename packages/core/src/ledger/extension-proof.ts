/**
 * The proof, inside the write transaction, that the ledger file extends
 * what the signer signed (docs/security.md "The signer state", format.md
 * §10.2), and the trusted view of the file the writer then builds on: the
 * writer never signs what it has not verified.
 *
 * In O(new entries + log n) reads and hashes, never O(n):
 *
 * 1. `provenBase` — the compact range of the signed size m (one stored node
 *    per 1-bit of m) must fold to the signed root; the stored peaks are then
 *    authenticated, and every other stored node is checked against them;
 * 2. `lastEntryOf` — the entry before the first new one is read, its leaf
 *    recomputed from its bytes and proven to be leaf m − 1 of that tree; the
 *    next `prev` and the previous time come from its decoded bytes;
 * 3. `verifyTail` — entries m … n − 1 that no checkpoint of this signer
 *    covers (an unsigned tail) get every check of full verification that
 *    one row and the rows it links to allow: the single-row checks, the
 *    global and per-case links, the redaction rule and the stored nodes,
 *    each rule from checks/ of @casetrail/verify, on decoded bytes;
 * 4. `TrustedFile.caseTail` — a case's previous step is found through the
 *    case index (untrusted), then its bytes are decoded (case, step and seq
 *    must match) and its recomputed leaf proven to be in the trusted tree.
 *
 * Step 4 cannot see a later step of a case relabelled into another case in
 * the index (the case's tail then looks earlier); the writer would then
 * write a step number twice, and full verification reports the relabelled
 * row (INDEX_MISMATCH) and the repeated step (CASE_STEP_MISMATCH), never a
 * false history (docs/security.md).
 */
import {
  LedgerError,
  MerkleAccumulator,
  caseLinkFinding,
  caseOrderFinding,
  decodeEntry,
  equalBytes,
  genesisLink,
  globalLinkFindings,
  inclusionProof,
  isBytes,
  leafHash,
  perfectNodesOf,
  redactionProblem,
  storedNodesFindings,
  verifyInclusion,
  type CaseTail,
  type Entry,
  type Finding,
} from '@casetrail/verify';
import type { EntryRow, WriteTx } from '../store/store.js';
import { checkStoredRow } from './rows.js';
import type { TreeHead } from '../node/signer-state.js';

/** What the writer starts a transaction from: everything in it authenticated. */
export interface TrustedStart {
  /** The tree of every entry in the file (its peaks), authenticated. */
  acc: MerkleAccumulator;
  /** The recomputed leaf hash of the last entry (the genesis link for an empty ledger). */
  prev: Uint8Array;
  /** The decoded time of the last entry (0 for an empty ledger). */
  lastTime: number;
  /** The largest checkpoint of the signer the file is known to extend. */
  proven: TreeHead;
  /** The latest step of cases already authenticated (this instance's writes, the tail just verified). */
  cases: Map<string, CaseTail>;
}

/**
 * What a write transaction builds on: the running tree and links, a case's
 * previous step, and an earlier entry (a redaction's target).
 */
export interface WriterView {
  readonly start: TrustedStart;
  caseTail(caseId: string): CaseTail | undefined;
  /** An earlier entry (a redaction's target), decoded, with whether its payload is erased. @throws NOT_FOUND */
  entry(seq: number): Target;
}

/** An earlier entry as the writer reads it: decoded, its leaf recomputed. */
export interface Target {
  entry: Entry;
  leaf: Uint8Array;
  /** Its payload is gone, or a redaction names it. */
  erased: boolean;
}

// ---- the errors: what was found, never a write ---------------------------------

function rolledBack(size: number, signed: TreeHead): LedgerError {
  return new LedgerError(
    'LEDGER_ROLLED_BACK',
    `the ledger holds ${size} entries but its signer signed a checkpoint of ${signed.size}: the file was rolled back or truncated; nothing was written or signed — run verify, and restore the file that extends the signed checkpoint`,
    { size, signedSize: signed.size },
  );
}

function rewritten(signed: TreeHead, seq?: number, why?: string): LedgerError {
  const what = seq === undefined ? `the tree of its first ${signed.size} entries is not the one its signer signed` : `entry ${seq} is not the entry its signer signed at that position (${why})`;
  return new LedgerError('LEDGER_REWRITTEN', `the ledger does not extend what its signer signed: ${what}; history was rewritten or a stored hash changed; nothing was written or signed — run verify`, {
    signedSize: signed.size,
    ...(seq === undefined ? {} : { seq }),
  });
}

function tampered(f: Finding): LedgerError {
  return new LedgerError(
    'LEDGER_TAMPERED',
    `entry ${f.seq ?? '?'} does not verify (${f.code}: ${f.message}); the signer signs nothing that does not verify, and nothing was written — run verify`,
    { seq: f.seq, issue: f.code },
  );
}

// ---- reading what the store returns, as untrusted ---------------------------------

function isNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The compact range of `size` from the stored nodes, or undefined when a node is missing or malformed. */
function storedPeaks(tx: WriteTx, size: number): MerkleAccumulator | undefined {
  const ranges = perfectNodesOf(size);
  try {
    const reader = tx.prefetch((r) => {
      for (const p of ranges) r.node(p.level, p.index);
    });
    return new MerkleAccumulator(size, ranges.map((p) => Uint8Array.from(reader.node(p.level, p.index))));
  } catch {
    return undefined;
  }
}

/** Whether the stored tree of `head.size` leaves has root `head.root`. */
export function fileExtends(tx: WriteTx, head: TreeHead): boolean {
  const acc = storedPeaks(tx, head.size);
  return acc !== undefined && equalBytes(acc.root(), head.root);
}

/** Whether `leaf` is leaf `seq` of the tree (size, root), by an inclusion proof from the stored nodes (O(log n), one read). */
function inTree(tx: WriteTx, seq: number, leaf: Uint8Array, size: number, root: Uint8Array): boolean {
  try {
    const reader = tx.prefetch((r) => void inclusionProof(r, seq, size));
    return verifyInclusion(leaf, seq, size, inclusionProof(reader, seq, size), root);
  } catch {
    return false;
  }
}

/** Row `seq` decoded, with its recomputed leaf; what does not decode is tampering. */
function decodedRow(row: EntryRow | undefined, seq: number, what: string): { entry: Entry; leaf: Uint8Array; row: EntryRow } {
  if (row === undefined || !isBytes(row.bytes)) throw tampered({ code: 'ROW_INVALID', seq, message: `${what} (entry ${seq}) is missing or has no entry bytes` });
  let entry: Entry;
  try {
    entry = decodeEntry(row.bytes);
  } catch (e) {
    throw tampered({ code: 'ENTRY_DECODE', seq, message: `${what} (entry ${seq}) does not decode: ${(e as Error).message}` });
  }
  if (entry.seq !== seq) throw tampered({ code: 'SEQ_MISMATCH', seq, message: `${what}: the row of entry ${seq} holds entry ${entry.seq}` });
  return { entry, leaf: leafHash(row.bytes), row };
}

// ---- the steps ------------------------------------------------------------------------

/**
 * Step 1: which of the trees the signer vouches for the file extends — the
 * intended one (its transaction committed), else the signed one (it did
 * not) — and `known`, a tree this Ledger itself stored, must be extended
 * too. The stored peaks of that size are then authenticated.
 * @throws LEDGER_ROLLED_BACK, LEDGER_REWRITTEN
 */
export function provenBase(tx: WriteTx, candidates: readonly TreeHead[], known: TreeHead | undefined): { proven: TreeHead; acc: MerkleAccumulator } {
  const size = tx.size();
  const signed = candidates[candidates.length - 1]!;
  let found: { proven: TreeHead; acc: MerkleAccumulator } | undefined;
  for (const head of candidates) {
    if (head.size > size) continue;
    const acc = storedPeaks(tx, head.size);
    if (acc !== undefined && equalBytes(acc.root(), head.root)) {
      found = { proven: head, acc };
      break;
    }
  }
  if (found === undefined) throw size < signed.size ? rolledBack(size, signed) : rewritten(signed);
  if (known !== undefined && known.size > found.proven.size) {
    // This Ledger stored `known` itself: a file that no longer holds it was rolled back since.
    if (known.size > size) throw rolledBack(size, known);
    const acc = storedPeaks(tx, known.size);
    if (acc === undefined || !equalBytes(acc.root(), known.root)) throw rewritten(known);
    found = { proven: known, acc };
  }
  return found;
}

/**
 * Step 2: the last entry of the proven tree, authenticated by an inclusion
 * proof: the link and time the next entry builds on.
 * @throws LEDGER_REWRITTEN, LEDGER_TAMPERED
 */
export function lastEntryOf(tx: WriteTx, proven: TreeHead, origin: string): { prev: Uint8Array; lastTime: number } {
  if (proven.size === 0) return { prev: Uint8Array.from(genesisLink(origin)), lastTime: 0 };
  const seq = proven.size - 1;
  const last = decodedRow(tx.entry(seq), seq, 'the last signed entry');
  if (!inTree(tx, seq, last.leaf, proven.size, proven.root)) throw rewritten(proven, seq, 'its recomputed leaf hash is not in the signed tree');
  return { prev: last.leaf, lastTime: last.entry.time };
}

/**
 * The writer's trusted view of the file for one transaction: the tree and
 * links it builds on, and the cases' previous steps, each authenticated
 * before it is used.
 */
export class TrustedFile implements WriterView {
  /** Size and root of the trusted tree at the start of the transaction (rows below it are proven against it; the tree then grows). */
  private readonly size: number;
  private readonly root: Uint8Array;

  constructor(
    private readonly tx: WriteTx,
    readonly start: TrustedStart,
  ) {
    this.size = start.acc.size;
    this.root = start.acc.root();
  }

  private provenAt(seq: number, leaf: Uint8Array): boolean {
    return inTree(this.tx, seq, leaf, this.size, this.root);
  }

  /**
   * The latest step of a case before the transaction's new entries: known,
   * or found through the case index and authenticated (step 4).
   * @throws LEDGER_TAMPERED (the index names a row that is not that case's step), LEDGER_REWRITTEN
   */
  caseTail(caseId: string): CaseTail | undefined {
    const known = this.start.cases.get(caseId);
    if (known !== undefined) return known;
    const t = this.tx.caseTail(caseId);
    if (t === undefined) return undefined;
    if (!isNat(t.seq) || t.seq >= this.size || !isNat(t.step) || t.step < 1) {
      throw tampered({ code: 'INDEX_MISMATCH', ...(isNat(t.seq) ? { seq: t.seq } : {}), message: `the case index gives an impossible row for case ${JSON.stringify(caseId)}` });
    }
    const step = this.authenticated(t.seq, caseId, t.step, 'the latest step of its case');
    this.start.cases.set(caseId, step);
    return step;
  }

  /** Row `seq` as the case index names it: decoded, matching, and proven in the trusted tree. */
  private authenticated(seq: number, caseId: string, step: number, what: string): CaseTail {
    const r = decodedRow(this.tx.entry(seq), seq, what);
    if (r.entry.caseId !== caseId || r.entry.step !== step) {
      throw tampered({ code: 'INDEX_MISMATCH', seq, message: `the case index gives entry ${seq} as step ${step} of case ${JSON.stringify(caseId)}, but its bytes say step ${r.entry.step} of case ${JSON.stringify(r.entry.caseId)}` });
    }
    if (!this.provenAt(seq, r.leaf)) throw rewritten(this.start.proven, seq, 'its recomputed leaf hash is not in the trusted tree');
    return { step, leaf: r.leaf, seq };
  }

  /**
   * An earlier entry by its seq (the target of a redaction): decoded and
   * proven in the trusted tree, with its stored row.
   * @throws NOT_FOUND, LEDGER_TAMPERED, LEDGER_REWRITTEN
   */
  entry(seq: number): Target {
    if (seq >= this.size) throw new LedgerError('NOT_FOUND', `no entry ${seq}`, { seq });
    const r = decodedRow(this.tx.entry(seq), seq, 'the entry');
    if (!this.provenAt(seq, r.leaf)) throw rewritten(this.start.proven, seq, 'its recomputed leaf hash is not in the trusted tree');
    // A redaction must not erase the evidence of a change to the payload it
    // erases, nor record an erasure someone made without one (format.md §4.5).
    const { checked, findings } = checkStoredRow(this.tx, r.row);
    const payload = findings.find((f) => f.code === 'PAYLOAD_COMMITMENT_MISMATCH' || f.code === 'ROW_INVALID' || f.code === 'PAYLOAD_MISSING');
    const redacted = this.tx.redactionOf(seq) !== undefined;
    if (payload !== undefined && !(payload.code === 'PAYLOAD_MISSING' && redacted)) throw tampered(payload);
    return { entry: r.entry, leaf: r.leaf, erased: checked.payload === 'missing' || redacted };
  }
}

/**
 * Step 3: entries m … n − 1 of the file that no checkpoint of this signer
 * covers, verified one by one from their bytes and linked to the
 * authenticated base; the tree grows with their recomputed leaves.
 * @throws LEDGER_TAMPERED (details.seq, details.issue: the verification issue code), LEDGER_REWRITTEN
 */
export function verifyTail(tx: WriteTx, base: { proven: TreeHead; acc: MerkleAccumulator; prev: Uint8Array; lastTime: number }, end: number): TrustedStart {
  const { proven, acc } = base;
  const cases = new Map<string, CaseTail>();
  let prev = base.prev;
  let lastTime = base.lastTime;
  let expected = proven.size;
  const before = (seq: number, caseId: string, step: number): CaseTail => {
    // The previous step lies before the proven size: found by the index, authenticated against the proven tree.
    const row = tx.caseStep(caseId, step);
    if (row === undefined || !isNat(row.seq) || row.seq >= proven.size) {
      throw tampered({ code: 'CASE_STEP_MISMATCH', seq, message: `step ${step} of case ${JSON.stringify(caseId)}, which entry ${seq} follows, is not an earlier signed entry` });
    }
    const r = decodedRow(row, row.seq, `step ${step} of its case`);
    if (r.entry.caseId !== caseId || r.entry.step !== step) throw tampered({ code: 'INDEX_MISMATCH', seq: row.seq, message: `the case index gives entry ${row.seq} as step ${step} of case ${JSON.stringify(caseId)}` });
    if (!inTree(tx, row.seq, r.leaf, proven.size, proven.root)) throw rewritten(proven, row.seq, 'its recomputed leaf hash is not in the signed tree');
    return { step, leaf: r.leaf, seq: row.seq };
  };
  const leafOf = (seq: number): { entry: Entry; leaf: Uint8Array } => {
    const r = decodedRow(tx.entry(seq), seq, 'the entry a redaction names');
    if (seq < proven.size && !inTree(tx, seq, r.leaf, proven.size, proven.root)) throw rewritten(proven, seq, 'its recomputed leaf hash is not in the signed tree');
    return r;
  };
  for (const row of tx.entries(proven.size, end)) {
    const seq = row.seq;
    if (seq !== expected) throw tampered({ code: 'SEQ_GAP', seq: expected, message: `entries ${expected} to ${seq - 1} are missing` });
    const { checked, findings } = checkStoredRow(tx, row);
    if (findings.length > 0) throw tampered(findings[0]!);
    const e = checked.decoded!;
    const leaf = checked.leaf!;
    const link = globalLinkFindings(seq, e, prev, lastTime);
    if (link.length > 0) throw tampered(link[0]!);
    const prior = cases.get(e.caseId) ?? (e.step > 1 ? before(seq, e.caseId, e.step - 1) : undefined);
    const caseLink = caseLinkFinding(seq, e, prior) ?? caseOrderFinding(seq, prior);
    if (caseLink !== undefined) throw tampered(caseLink);
    if (checked.redacts !== undefined) {
      const target = checked.redacts.seq;
      let problem: string | undefined;
      if (target >= seq) problem = `it names entry ${target}, which is not earlier`;
      else {
        const t = leafOf(target);
        problem = redactionProblem({ seq: target, leaf: t.leaf, entry: t.entry }, { seq, entry: e, payload: row.data, salt: row.salt });
      }
      if (problem !== undefined) throw tampered({ code: 'REDACTION_INVALID', seq, message: `redaction entry ${seq} is not valid: ${problem}` });
    }
    const nodes = storedNodesFindings(seq, checked.nodes, acc.push(leaf));
    if (nodes.length > 0) throw tampered(nodes[0]!);
    cases.set(e.caseId, { step: e.step, leaf, seq });
    prev = leaf;
    lastTime = e.time;
    expected++;
  }
  if (expected !== end) throw tampered({ code: 'SEQ_GAP', seq: expected, message: `entries ${expected} to ${end - 1} are missing` });
  return { acc, prev, lastTime, proven, cases };
}

/**
 * The view of a writer without the signer (checkpointPolicy 'manual', no
 * signer): it signs nothing, so it proves nothing, and builds on the store
 * as it is. What it writes is an unsigned tail, verified by the signer
 * before anything is signed over it.
 */
export class StoredFile implements WriterView {
  readonly start: TrustedStart;

  constructor(
    private readonly tx: WriteTx,
    origin: string,
  ) {
    const size = tx.size();
    const tail = tx.tail();
    this.start = {
      acc: MerkleAccumulator.fromReader(tx, size),
      prev: tail === undefined ? Uint8Array.from(genesisLink(origin)) : tail.leaf,
      lastTime: tail === undefined ? 0 : tail.time,
      proven: { size: 0, root: new Uint8Array(32) },
      cases: new Map(),
    };
  }

  caseTail(caseId: string): CaseTail | undefined {
    const known = this.start.cases.get(caseId);
    if (known !== undefined) return known;
    const t = this.tx.caseTail(caseId);
    return t === undefined ? undefined : { step: t.step, leaf: t.leaf, seq: t.seq };
  }

  entry(seq: number): Target {
    const row = this.tx.entry(seq);
    if (row === undefined) throw new LedgerError('NOT_FOUND', `no entry ${seq}`, { seq });
    const r = decodedRow(row, seq, 'the entry');
    return { entry: r.entry, leaf: r.leaf, erased: row.data === null || this.tx.redactionOf(seq) !== undefined };
  }
}
