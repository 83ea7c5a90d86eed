/**
 * The proof, inside the write transaction, that the ledger file extends
 * what the signer signed and holds only what the writers sharing its state
 * wrote (docs/security.md "The signer state", format.md §10.3): the writer
 * never signs what it has not verified, nor anyone else's entries.
 *
 * In O(new entries + log n) reads and hashes, never O(n):
 *
 * 1. `provenBase` — the compact range of the signed size m (one stored node
 *    per 1-bit of m) must fold to the signed root; the stored peaks are then
 *    authenticated, and every other stored node is checked against them;
 * 2. `lastEntryOf` — the entry before the first new one is read, its leaf
 *    recomputed from its bytes and proven to be leaf m − 1 of that tree; the
 *    next `prev`, the previous time and the entry version come from its
 *    decoded bytes;
 * 3. `verifyTail` — entries m … n − 1 that no checkpoint of this signer
 *    covers (an unsigned tail) get every check of full verification that
 *    one row and the rows it links to allow: the single-row checks of
 *    `checkStoredRow` (with the origin, for version 2 statements), the
 *    global and per-case links, the version order, nonce uniqueness within
 *    the case, the redaction rule and the stored nodes, each rule from
 *    checks/ of @casetrail/verify, on decoded bytes;
 * 4. `writtenTree` — the tree of all n entries, recomputed, must be one the
 *    state says the writers sharing it wrote (`written` or `writing`): a
 *    well-formed tail someone else appended is never signed.
 *
 * The trusted view the writer then builds on (a case's previous step, a
 * redaction's target) is writer-view.ts.
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
  nonceReplayFinding,
  perfectNodesOf,
  redactionProblem,
  storedNodesFindings,
  verifyInclusion,
  versionOrderFinding,
  type CaseTail,
  type Entry,
  type Finding,
} from '@casetrail/verify';
import type { EntryRow, ReadView, WriteTx } from '../store/store.js';
import { checkStoredRow } from './rows.js';
import { newestWritten, sameTree, type SignerState, type TreeHead } from '../node/signer-state.js';

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

// ---- the errors: what was found, never a write ---------------------------------

function rolledBack(size: number, signed: TreeHead): LedgerError {
  return new LedgerError(
    'LEDGER_ROLLED_BACK',
    `the ledger holds ${size} entries but its signer signed a checkpoint of ${signed.size}: the file was rolled back or truncated; nothing was written or signed — run verify, and restore the file that extends the signed checkpoint`,
    { size, signedSize: signed.size },
  );
}

export function rewritten(signed: TreeHead, seq?: number, why?: string): LedgerError {
  const what = seq === undefined ? `the tree of its first ${signed.size} entries is not the one its signer signed` : `entry ${seq} is not the entry its signer signed at that position (${why})`;
  return new LedgerError('LEDGER_REWRITTEN', `the ledger does not extend what its signer signed: ${what}; history was rewritten or a stored hash changed; nothing was written or signed — run verify`, {
    signedSize: signed.size,
    ...(seq === undefined ? {} : { seq }),
  });
}

export function tampered(f: Finding): LedgerError {
  return new LedgerError(
    'LEDGER_TAMPERED',
    `entry ${f.seq ?? '?'} does not verify (${f.code}: ${f.message}); the signer signs nothing that does not verify, and nothing was written — run verify`,
    { seq: f.seq, issue: f.code },
  );
}

/** The recovery named by the errors of step 4: what a power cut or a writer without the key leaves. */
const ADOPT = 'if they are yours (a writer without the key, or a power cut that lost the state\'s last update), verify the ledger and adopt them: `casetrail state adopt <ledger> --key-file <key>`, or ledger.adoptSignerState()';

function foreignTail(from: number, size: number, written: TreeHead): LedgerError {
  return new LedgerError(
    'LEDGER_FOREIGN_TAIL',
    `entries ${from} to ${size - 1} were not written by a writer of this signer's state (it records ${written.size} entries written): a database administrator's or another program's entries are never signed; nothing was written or signed — run verify; ${ADOPT}`,
    { size, writtenSize: written.size, seq: from },
  );
}

function tailRolledBack(size: number, written: TreeHead): LedgerError {
  return new LedgerError(
    'LEDGER_ROLLED_BACK',
    `the ledger holds ${size} entries but the writers of this signer's state wrote ${written.size}: unsigned entries were removed; nothing was written or signed — run verify, and restore the file; ${ADOPT.replace('adopt them', 'adopt the file as it is')}`,
    { size, writtenSize: written.size, unsigned: true },
  );
}

// ---- reading what the store returns, as untrusted ---------------------------------

export function isNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The compact range of `size` from the stored nodes, or undefined when a node is missing or malformed. */
function storedPeaks(tx: ReadView, size: number): MerkleAccumulator | undefined {
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
export function fileExtends(tx: ReadView, head: TreeHead): boolean {
  const acc = storedPeaks(tx, head.size);
  return acc !== undefined && equalBytes(acc.root(), head.root);
}

/** Whether `leaf` is leaf `seq` of the tree (size, root), by an inclusion proof from the stored nodes (O(log n), one read). */
export function inTree(tx: ReadView, seq: number, leaf: Uint8Array, size: number, root: Uint8Array): boolean {
  try {
    const reader = tx.prefetch((r) => void inclusionProof(r, seq, size));
    return verifyInclusion(leaf, seq, size, inclusionProof(reader, seq, size), root);
  } catch {
    return false;
  }
}

/** Row `seq` decoded, with its recomputed leaf; what does not decode is tampering. */
export function decodedRow(row: EntryRow | undefined, seq: number, what: string): { entry: Entry; leaf: Uint8Array; row: EntryRow } {
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

/** What the entries after the proven tree are checked against: its last entry, authenticated. */
export interface ProvenLast {
  prev: Uint8Array;
  lastTime: number;
  /** The highest entry version so far (0 for an empty ledger): no version 1 entry follows a version 2 one. */
  version: number;
}

/**
 * Step 2: the last entry of the proven tree, authenticated by an inclusion
 * proof: the link, time and version the next entry builds on.
 * @throws LEDGER_REWRITTEN, LEDGER_TAMPERED
 */
export function lastEntryOf(tx: WriteTx, proven: TreeHead, origin: string): ProvenLast {
  if (proven.size === 0) return { prev: Uint8Array.from(genesisLink(origin)), lastTime: 0, version: 0 };
  const seq = proven.size - 1;
  const last = decodedRow(tx.entry(seq), seq, 'the last signed entry');
  if (!inTree(tx, seq, last.leaf, proven.size, proven.root)) throw rewritten(proven, seq, 'its recomputed leaf hash is not in the signed tree');
  return { prev: last.leaf, lastTime: last.entry.time, version: last.entry.v };
}

/**
 * Step 3: entries m … n − 1 of the file that no checkpoint of this signer
 * covers, verified one by one from their bytes and linked to the
 * authenticated base; the tree grows with their recomputed leaves.
 * @throws LEDGER_TAMPERED (details.seq, details.issue: the verification issue code), LEDGER_REWRITTEN
 */
export function verifyTail(tx: WriteTx, origin: string, base: { proven: TreeHead; acc: MerkleAccumulator } & ProvenLast, end: number): TrustedStart {
  const { proven, acc } = base;
  const cases = new Map<string, CaseTail>();
  let { prev, lastTime, version } = base;
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
    const { checked, findings } = checkStoredRow(tx, row, origin);
    if (findings.length > 0) throw tampered(findings[0]!);
    const e = checked.decoded!;
    const leaf = checked.leaf!;
    const link = globalLinkFindings(seq, e, prev, lastTime);
    if (link.length > 0) throw tampered(link[0]!);
    const downgrade = versionOrderFinding(seq, e.v, version);
    if (downgrade !== undefined) throw tampered(downgrade);
    const prior = cases.get(e.caseId) ?? (e.step > 1 ? before(seq, e.caseId, e.step - 1) : undefined);
    const caseLink = caseLinkFinding(seq, e, prior) ?? caseOrderFinding(seq, prior);
    if (caseLink !== undefined) throw tampered(caseLink);
    const replay = e.nonce === undefined ? undefined : earlierNonceHolder(tx, seq, e);
    if (replay !== undefined) throw tampered(replay);
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
    version = Math.max(version, e.v);
    expected++;
  }
  if (expected !== end) throw tampered({ code: 'SEQ_GAP', seq: expected, message: `entries ${expected} to ${end - 1} are missing` });
  return { acc, prev, lastTime, proven, cases };
}

/**
 * An earlier entry of the case that holds entry `seq`'s nonce (format.md
 * §4.6), found through the nonce index and confirmed on its decoded bytes.
 * A row whose nonce column was edited away is the full verification's to
 * find (format.md §8 item 16); the tail's own rows were checked against
 * their bytes.
 */
function earlierNonceHolder(tx: ReadView, seq: number, e: Entry): Finding | undefined {
  for (const row of tx.caseNonce(e.caseId, e.nonce!)) {
    if (!isNat(row.seq) || row.seq >= seq || !isBytes(row.bytes)) continue;
    let earlier: Entry;
    try {
      earlier = decodeEntry(row.bytes);
    } catch {
      continue;
    }
    const f = nonceReplayFinding(seq, e, row.seq, earlier);
    if (f !== undefined) return f;
  }
  return undefined;
}

/**
 * Step 4: the tree of the whole file (`acc`, recomputed in step 3) must be
 * one the writers sharing the state wrote: `writing` (the latest
 * transaction committed) or `written` (it did not). Entries beyond it were
 * appended by someone else; a file shorter than `written` lost unsigned
 * entries; a tail of the same size with another root was rewritten.
 * @returns the file's tree
 * @throws LEDGER_FOREIGN_TAIL, LEDGER_ROLLED_BACK (details.unsigned), LEDGER_REWRITTEN
 */
export function writtenTree(tx: ReadView, state: SignerState, acc: MerkleAccumulator): TreeHead {
  const file: TreeHead = { size: acc.size, root: acc.root() };
  if (sameTree(file, state.written) || sameTree(file, state.writing)) return file;
  if (file.size < state.written.size) throw tailRolledBack(file.size, state.written);
  // The largest written tree the file extends (its stored nodes past the proven tree were checked in step 3).
  const base = [state.writing, state.written].find((t): t is TreeHead => t !== null && t.size < file.size && fileExtends(tx, t));
  if (base === undefined) {
    throw new LedgerError(
      'LEDGER_REWRITTEN',
      `the ledger's unsigned entries are not those the writers of this signer's state wrote (it records ${newestWritten(state).size} entries written, another tree): they were rewritten; nothing was written or signed — run verify`,
      { size: file.size, writtenSize: newestWritten(state).size },
    );
  }
  throw foreignTail(base.size, file.size, newestWritten(state));
}
