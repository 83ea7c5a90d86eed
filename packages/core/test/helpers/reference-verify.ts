/**
 * A second reading of full verification (format.md §8) for the tamper
 * matrix: from the raw rows of a ledger file, every issue — code and
 * position — that verification must report, so that the matrix can require
 * the exact list instead of "the expected code appears somewhere". It shares
 * no code with the verifier's scan, steps or checks/: it uses only the
 * codec, the hashes, the statement and note formats of the library, which
 * have vectors of their own, and writes each rule of §8 out again, in the
 * order the scan applies them (items 1–13 and 15, without workers, trusted
 * checkpoints, system types or cosignatures, which the fixture has none of).
 *
 * Where the rules leave an order open, this follows the documented one:
 * after a gap the tree is broken, so later nodes are not compared and later
 * checkpoints cannot be recomputed; the per-case rule gives one finding at
 * most (the step number first); a redaction record proves an erasure only
 * once the scan reaches it.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  REDACTION_TYPE,
  decodeEntry,
  entryStatement,
  genesisLink,
  openCheckpoint,
  parseRedactionPayload,
  parseVerifierKey,
  payloadCommitment,
  verifyActorSignature,
  type Entry,
  type IssueCode,
} from '../../src/index.js';

/** One issue as the matrix compares them. */
export interface RefIssue {
  code: IssueCode;
  table: 'meta' | 'entries' | 'redactions' | 'checkpoints';
  seq?: number;
  size?: number;
  level?: number;
  index?: number;
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const leafOf = (bytes: Uint8Array) => sha256(Uint8Array.of(0), bytes);
const nodeOf = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const isBlob = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** RFC 9162 MTH over leaf hashes, recursively (§2.1.1). */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeOf(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

type Row = Record<string, unknown>;

/** The issues full verification must report for the ledger file at `path`, as `{code, table, position}`, in a stable order. */
export function referenceIssues(path: string, vkey: string, format: string): RefIssue[] {
  const db = new Database(path, { readonly: true });
  try {
    return run(db, vkey, format);
  } finally {
    db.close();
  }
}

function run(db: Database.Database, vkey: string, format: string): RefIssue[] {
  const out: RefIssue[] = [];
  const origin = parseVerifierKey(vkey).name;
  const verifiers = [parseVerifierKey(vkey)];

  // §7 and §8 item 1: meta is trusted for nothing; a missing or changed format or origin row is damage, another origin a mismatch.
  const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Row[]).map((r) => [r['key'], r['value']]));
  if (meta.get('format') !== format || !meta.has('origin')) out.push({ code: 'LEDGER_DAMAGED', table: 'meta' });
  else if (meta.get('origin') !== origin) out.push({ code: 'META_MISMATCH', table: 'meta' });

  const rows = db.prepare('SELECT * FROM entries ORDER BY seq').all() as Row[];
  const checkpoints = db.prepare('SELECT * FROM checkpoints ORDER BY size').all() as Row[];
  const size = rows.length === 0 ? 0 : (rows[rows.length - 1]!['seq'] as number) + 1;
  const bySeq = new Map(rows.map((r) => [r['seq'] as number, r]));

  let expected = 0;
  let treeBroken = false;
  const leaves: Uint8Array[] = [];
  let prevLeaf = genesisLink(origin);
  let lastTime = 0;
  let version = 0;
  const cases = new Map<string, { step: number; leaf: Uint8Array }>();
  const nonces = new Set<string>();
  const redactedBy = new Map<number, number>();
  const missing: number[] = [];
  let signedSize = 0;
  let nextCheckpoint = 0;

  const checkCheckpoint = (row: Row, computed: Uint8Array | undefined) => {
    const at = { table: 'checkpoints' as const, size: row['size'] as number };
    if (!Number.isSafeInteger(row['size']) || (row['size'] as number) < 0 || !isBlob(row['root']) || row['root'].length !== 32 || typeof row['note'] !== 'string') {
      return void out.push({ code: 'ROW_INVALID', ...at });
    }
    let cp;
    try {
      cp = openCheckpoint(row['note'] as string, verifiers);
    } catch {
      out.push({ code: 'CHECKPOINT_INVALID', ...at });
      return;
    }
    if (cp.origin !== origin || cp.size !== row['size'] || !same(cp.root, row['root'] as Uint8Array)) return void out.push({ code: 'CHECKPOINT_INVALID', ...at });
    if (cp.size > size) return void out.push({ code: 'CHECKPOINT_BEYOND_LEDGER', ...at });
    if (computed === undefined || !same(cp.root, computed)) return void out.push({ code: 'CHECKPOINT_ROOT_MISMATCH', ...at });
    signedSize = Math.max(signedSize, cp.size);
  };
  const checkpointsUpTo = (treeSize: number) => {
    for (; nextCheckpoint < checkpoints.length && (checkpoints[nextCheckpoint]!['size'] as number) <= treeSize; nextCheckpoint++) {
      const row = checkpoints[nextCheckpoint]!;
      checkCheckpoint(row, row['size'] === treeSize && !treeBroken ? mth(leaves) : undefined);
    }
  };
  checkpointsUpTo(0);

  for (const row of rows) {
    const seq = row['seq'] as number;
    const at = { table: 'entries' as const, seq };
    if (seq !== expected) {
      out.push({ code: 'SEQ_GAP', table: 'entries', seq: expected });
      treeBroken = true;
      expected = seq;
    }
    expected++;
    // Items 2, 3, 5, 7, 8: what the row alone shows.
    const bytes = row['bytes'];
    if (!isBlob(bytes) || !isBlob(row['leaf']) || (row['leaf'] as Uint8Array).length !== 32) {
      out.push({ code: 'ROW_INVALID', ...at });
      treeBroken = true;
      checkpointsUpTo(seq + 1);
      continue;
    }
    const leaf = leafOf(bytes);
    if (!same(leaf, row['leaf'] as Uint8Array)) out.push({ code: 'LEAF_HASH_MISMATCH', ...at });
    let e: Entry | undefined;
    try {
      e = decodeEntry(bytes);
    } catch {
      out.push({ code: 'ENTRY_DECODE', ...at });
    }
    let payload: 'ok' | 'bad' | 'missing' = 'ok';
    let redacts: number | undefined;
    if (e !== undefined) {
      if (e.seq !== seq) out.push({ code: 'SEQ_MISMATCH', ...at });
      const nonceColumn = row['nonce'];
      const nonceMatches = e.nonce === undefined ? nonceColumn === null : isBlob(nonceColumn) && same(nonceColumn, e.nonce);
      if (row['case_id'] !== e.caseId || row['step'] !== e.step || row['type'] !== e.type || row['actor'] !== e.actor || row['time'] !== e.time || !nonceMatches) {
        out.push({ code: 'INDEX_MISMATCH', ...at });
      }
      if (row['data'] === null && row['salt'] === null) payload = 'missing';
      else if (!isBlob(row['data']) || !isBlob(row['salt']) || (row['salt'] as Uint8Array).length !== 32) {
        payload = 'bad';
        out.push({ code: 'ROW_INVALID', ...at });
      } else if (!same(payloadCommitment(row['salt'] as Uint8Array, row['data'] as Uint8Array), e.commit)) {
        payload = 'bad';
        out.push({ code: 'PAYLOAD_COMMITMENT_MISMATCH', ...at });
      }
      if (e.sigs.length > 0) {
        const statement = entryStatement(e, origin);
        for (const sig of e.sigs) if (!verifyActorSignature(statement, sig)) out.push({ code: 'ACTOR_SIGNATURE_INVALID', ...at });
      }
      if (e.type === REDACTION_TYPE && payload === 'ok') {
        try {
          redacts = parseRedactionPayload(row['data'] as Uint8Array).redacts;
        } catch {
          out.push({ code: 'REDACTION_INVALID', ...at });
        }
      }
      // Items 4 and 6: the global and per-case links, the version order.
      if (!same(e.prev, prevLeaf)) out.push({ code: 'PREV_MISMATCH', ...at });
      if (e.time < lastTime) out.push({ code: 'TIME_ORDER', ...at });
      lastTime = Math.max(lastTime, e.time);
      if (e.v < version) out.push({ code: 'VERSION_DOWNGRADE', ...at });
      version = Math.max(version, e.v);
      const prior = cases.get(e.caseId);
      if (e.step !== (prior === undefined ? 1 : prior.step + 1)) out.push({ code: 'CASE_STEP_MISMATCH', ...at });
      else if (!same(e.casePrev, prior === undefined ? new Uint8Array(32) : prior.leaf)) out.push({ code: 'CASE_CHAIN_BROKEN', ...at });
      cases.set(e.caseId, { step: e.step, leaf });
      if (payload === 'missing') missing.push(seq);
      // Item 7: a redaction record proves the erasure of an earlier entry of its case, named with its leaf hash, once.
      if (redacts !== undefined) {
        const target = redacts < seq ? bySeq.get(redacts) : undefined;
        let valid = false;
        if (target !== undefined && isBlob(target['bytes'])) {
          try {
            const t = decodeEntry(target['bytes']);
            const named = parseRedactionPayload(row['data'] as Uint8Array);
            valid = t.type !== REDACTION_TYPE && t.caseId === e.caseId && same(named.leaf, leafOf(target['bytes'])) && !redactedBy.has(redacts);
          } catch {
            valid = false;
          }
        }
        if (valid) redactedBy.set(redacts, seq);
        else out.push({ code: 'REDACTION_INVALID', ...at });
      }
      // Item 13 (§4.6): a nonce once per case.
      if (e.nonce !== undefined) {
        const key = `${e.caseId}\u0000${hex(e.nonce)}`;
        if (nonces.has(key)) out.push({ code: 'NONCE_REPLAYED', ...at });
        nonces.add(key);
      }
    }
    // Item 9: the nodes this leaf completes, while the tree is whole.
    prevLeaf = leaf;
    if (!treeBroken) {
      leaves.push(leaf);
      const k = leaves.length;
      const completed: Uint8Array[] = [];
      for (let level = 1; k % 2 ** level === 0; level++) completed.push(mth(leaves.slice(k - 2 ** level)));
      const stored = isBlob(row['nodes']) ? row['nodes'] : undefined;
      if (stored === undefined || stored.length !== completed.length * 32) {
        const have = stored === undefined ? 0 : Math.floor(stored.length / 32);
        out.push({ code: have < completed.length ? 'NODE_MISSING' : 'NODE_EXTRA', ...at, level: Math.min(have, completed.length) + 1 });
      } else {
        completed.forEach((h, i) => {
          if (!same(stored.subarray(32 * i, 32 * i + 32), h)) out.push({ code: 'NODE_MISMATCH', ...at, level: i + 1, index: (k >> (i + 1)) - 1 });
        });
      }
    }
    // Item 10: every checkpoint of a size the scan has now reached.
    checkpointsUpTo(seq + 1);
  }
  for (; nextCheckpoint < checkpoints.length; nextCheckpoint++) checkCheckpoint(checkpoints[nextCheckpoint]!, undefined);

  // Item 7, after the scan: a missing payload needs a valid redaction; an erased one stays erased; the table agrees.
  for (const seq of missing) if (!redactedBy.has(seq)) out.push({ code: 'PAYLOAD_MISSING', table: 'entries', seq });
  const pending = new Map(redactedBy);
  for (const [seq] of pending) {
    const row = bySeq.get(seq);
    if (row !== undefined && (row['data'] !== null || row['salt'] !== null)) out.push({ code: 'REDACTION_INVALID', table: 'entries', seq });
  }
  for (const r of db.prepare('SELECT seq, by_seq FROM redactions ORDER BY seq').all() as Row[]) {
    if (pending.get(r['seq'] as number) !== r['by_seq']) out.push({ code: 'REDACTION_INVALID', table: 'redactions', seq: r['seq'] as number });
    pending.delete(r['seq'] as number);
  }
  for (const [seq] of pending) out.push({ code: 'REDACTION_INVALID', table: 'redactions', seq });

  // Item 12: entries after the last valid checkpoint, when the tree could be recomputed.
  if (!treeBroken && signedSize < size) out.push({ code: 'UNSIGNED_TAIL', table: 'checkpoints', seq: signedSize });
  return sortIssues(out);
}

/** A stable order for comparing two lists of issues. */
export function sortIssues<T extends RefIssue>(issues: readonly T[]): T[] {
  const key = (i: RefIssue) => `${i.code}|${i.table}|${String(i.seq ?? '').padStart(12, '0')}|${String(i.size ?? '').padStart(12, '0')}|${i.level ?? ''}|${i.index ?? ''}`;
  return [...issues].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
