/**
 * "Tamper, then the operator appends" (issue 8, Done when): after each cell
 * of the tamper matrix (reliability-tamper.ts) the operator opens the
 * tampered file with its signer and state and appends one step to the case
 * of the changed row. What must happen is decided by an oracle written from
 * format.md §10.3 alone: the writer reads the compact range of the signed
 * size, the last signed entry and its inclusion path, the entries after the
 * signed size (which, however well formed, the state does not record as
 * written: LEDGER_FOREIGN_TAIL), and the case's latest step (through the
 * case index) with its inclusion path. If any value it reads differs from what was signed, the
 * append is refused with the code that names it, and the file and the state
 * are unchanged; otherwise it appends exactly the entry the oracle predicts
 * from the signed history (a repeated step number when the index hid the
 * case's latest step), signs the root of the signed leaves and that entry,
 * and full verification still reports the tampering.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { decodeEntry, equalBytes, inclusionProof, leafHash, nodeInBlob, nodeRow, perfectNodesOf, type Entry, type ErrorCode, type IssueCode } from '../../src/index.js';
import type { Expectation, Fixture, TamperCase } from './reliability-tamper.js';
import { ORIGIN, stateOf } from './ledgers.js';

/** What the operator's append must do on a tampered file. */
export type OperatorOutcome =
  | { type: 'refused'; code: ErrorCode; issue?: IssueCode; seq?: number; why: string }
  /**
   * It appends entry `size`, which must be `expected` (given the appended
   * step's time and payload), and signs the tree of `leaves` plus it:
   * `hidden` when the case index hid the case's latest step (the entry
   * repeats a step number); `resolves` when signing makes the tampering
   * undetectable by design (an unsigned tail that verified).
   */
  | { type: 'appended'; size: number; prev: Uint8Array; step: number; casePrev: Uint8Array; leaves: Uint8Array[]; hidden: boolean; resolves: boolean };

type Row = Record<string, unknown>;

const refused = (code: ErrorCode, why: string, issue?: IssueCode, seq?: number): OperatorOutcome => ({
  type: 'refused',
  code,
  why,
  ...(issue === undefined ? {} : { issue }),
  ...(seq === undefined ? {} : { seq }),
});

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return equalBytes(a, b);
  return a === b;
}

function decoded(bytes: unknown): Entry | undefined {
  try {
    return bytes instanceof Uint8Array ? decodeEntry(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The case of the row a cell changes (before the change), or CASE-1 for the other tables. */
export function operatorCase(f: Fixture, c: TamperCase): string {
  if (c.table !== 'entries') return 'CASE-1';
  const row = f.rows.entries.find((r) => r['seq'] === c.key['seq'])!;
  return decodeEntry(row['bytes'] as Uint8Array).caseId;
}

/**
 * The oracle. `path` is the tampered copy; `expect` what verification of it
 * shows. Returns undefined when SQLite's choice among equal steps decides
 * the outcome (counted by the caller, never guessed).
 */
export function operatorExpectation(f: Fixture, path: string, expect: Expectation, caseId: string): OperatorOutcome | undefined {
  if (expect.type === 'open') return refused(expect.code, 'the file does not open as a ledger');
  // A damaged file is only ever verified, never written (docs/errors.md LEDGER_DAMAGED).
  if (expect.type === 'issue' && expect.codes.includes('LEDGER_DAMAGED')) return refused('LEDGER_DAMAGED', 'the file is damaged');
  if (expect.type === 'issue' && expect.codes.includes('META_MISMATCH')) return refused('KEY_MISMATCH', "the file's origin is no longer the key's name");
  const db = new Database(path, { readonly: true });
  let now: Map<number, Row>;
  try {
    now = new Map((db.prepare('SELECT * FROM entries ORDER BY seq').all() as Row[]).map((r) => [r['seq'] as number, r]));
  } finally {
    db.close();
  }
  const orig = new Map(f.rows.entries.map((r) => [r['seq'] as number, r]));
  const n = f.size;
  const size = now.size === 0 ? 0 : Math.max(...now.keys()) + 1;
  if (size < n) return refused('LEDGER_ROLLED_BACK', `the file has ${size} of the ${n} signed entries`);

  /** A stored hash the writer reads, compared with the signed one (rows at or past n were verified as the tail). */
  const nodeChanged = (level: number, index: number): boolean => {
    const r = nodeRow(level, index);
    if (r >= n) return false;
    const get = (row: Row | undefined) => (row === undefined ? undefined : level === 0 ? row['leaf'] : nodeInBlob(row['nodes'], level));
    return !same(get(now.get(r)), get(orig.get(r)));
  };
  const pathChanged = (seq: number, treeSize: number): boolean => {
    let changed = false;
    inclusionProof({ node: (level, index) => ((changed ||= nodeChanged(level, index)), new Uint8Array(32)) }, seq, treeSize);
    return changed;
  };

  for (const p of perfectNodesOf(n)) if (nodeChanged(p.level, p.index)) return refused('LEDGER_REWRITTEN', `node (${p.level}, ${p.index}) of the signed compact range`);
  const last = now.get(n - 1);
  if (last === undefined) return refused('LEDGER_TAMPERED', 'the last signed entry is gone', 'ROW_INVALID', n - 1);
  const e = decoded(last['bytes']);
  if (e === undefined) return refused('LEDGER_TAMPERED', 'the last signed entry does not decode', 'ENTRY_DECODE', n - 1);
  if (e.seq !== n - 1) return refused('LEDGER_TAMPERED', 'the last signed row holds another entry', 'SEQ_MISMATCH', n - 1);
  if (!same(leafHash(last['bytes'] as Uint8Array), orig.get(n - 1)!['leaf']) || pathChanged(n - 1, n)) return refused('LEDGER_REWRITTEN', 'the last signed entry is not proven');

  // The entries after the signed size: the matrix only ever puts one there,
  // the well-formed next entry of its insert cell, or a row moved off its seq.
  const leaves: Uint8Array[] = f.rows.entries.map((r) => Uint8Array.from(r['leaf'] as Uint8Array));
  const tailCases = new Map<string, { step: number; leaf: Uint8Array }>();
  for (let s = n; s < size; s++) {
    const r = now.get(s);
    if (r === undefined) return refused('LEDGER_TAMPERED', `entry ${s} is missing before the end`, 'SEQ_GAP', s);
    const t = decoded(r['bytes']);
    if (t === undefined) return refused('LEDGER_TAMPERED', `entry ${s} does not decode`, 'ENTRY_DECODE', s);
    if (t.seq !== s) return refused('LEDGER_TAMPERED', `row ${s} holds entry ${t.seq}`, 'SEQ_MISMATCH', s);
    leaves.push(leafHash(r['bytes'] as Uint8Array));
    tailCases.set(t.caseId, { step: t.step, leaf: leafHash(r['bytes'] as Uint8Array) });
  }
  // The fixture's state records the n signed entries as written: a tail after them, however well
  // formed, was not written by a writer of this state and is never signed (format.md §10.3 step 4).
  if (size > n) return refused('LEDGER_FOREIGN_TAIL', `entries ${n} to ${size - 1} were not written by a writer of the signer's state`);

  // The case's latest step, by the index (case_id, step columns), unless the tail holds it.
  const truth = Math.max(0, ...f.rows.entries.filter((r) => decodeEntry(r['bytes'] as Uint8Array).caseId === caseId).map((r) => r['step'] as number));
  let tail: { step: number; leaf: Uint8Array } | undefined = tailCases.get(caseId);
  if (tail === undefined) {
    const byIndex = [...now.values()].filter((r) => r['case_id'] === caseId);
    const top = Math.max(-Infinity, ...byIndex.map((r) => r['step'] as number));
    const tops = byIndex.filter((r) => r['step'] === top);
    if (tops.length > 1) return undefined;
    const t = tops[0];
    if (t !== undefined) {
      const seq = t['seq'] as number;
      const step = t['step'] as number;
      if (seq >= size || step < 1) return refused('LEDGER_TAMPERED', 'the case index names an impossible row', 'INDEX_MISMATCH', seq);
      const te = decoded(t['bytes']);
      if (te === undefined) return refused('LEDGER_TAMPERED', "the case's latest step does not decode", 'ENTRY_DECODE', seq);
      if (te.seq !== seq) return refused('LEDGER_TAMPERED', "the case's latest row holds another entry", 'SEQ_MISMATCH', seq);
      if (te.caseId !== caseId || te.step !== step) return refused('LEDGER_TAMPERED', 'the case index disagrees with the bytes', 'INDEX_MISMATCH', seq);
      if (seq < n && !same(leafHash(t['bytes'] as Uint8Array), orig.get(seq)!['leaf'])) return refused('LEDGER_REWRITTEN', "the case's latest step is not the signed entry");
      if (pathChanged(seq, size)) return refused('LEDGER_REWRITTEN', "the inclusion path of the case's latest step");
      tail = { step, leaf: leaves[seq]! };
    }
  }
  const resolves = expect.type === 'issue' && expect.codes.includes('UNSIGNED_TAIL');
  return {
    type: 'appended',
    size,
    prev: leaves[size - 1]!,
    step: (tail?.step ?? 0) + 1,
    casePrev: tail?.leaf ?? new Uint8Array(32),
    leaves,
    hidden: !tailCases.has(caseId) && (tail?.step ?? 0) < truth,
    resolves,
  };
}

/** What a refusal must leave alone: the file, its WAL, and the signer's state. */
export function fileAndState(path: string): string {
  const h = createHash('sha256');
  // An empty WAL and none are the same state of the file (a reader may create it).
  for (const f of [path, `${path}-wal`]) h.update(existsSync(f) ? readFileSync(f) : Buffer.alloc(0)).update('|');
  const s = stateOf(path).read(ORIGIN);
  const tree = (t: { size: number; root: Uint8Array } | null) => (t === null ? null : [t.size, [...t.root]]);
  h.update(s === undefined ? 'no state' : JSON.stringify([tree(s.signed), tree(s.intended), tree(s.written), tree(s.writing)]));
  return h.digest('hex');
}
