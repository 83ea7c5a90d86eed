/**
 * The named steps of verification that concern the file as a whole
 * (format.md §8 items 15–17): its structure, the keys of its rows, and the
 * uniqueness of nonces within a case.
 */
import { decodeEntry, isBytes, nonceReplayFinding, toHex, type Entry } from '@casetrail/verify';
import type { VerifyState } from './state.js';

/**
 * Step: every missing or damaged part of the file is reported
 * (LEDGER_DAMAGED, item 15).
 * @returns false when the entries cannot be read, so verification ends
 */
export function checkStructure(s: VerifyState): boolean {
  for (const d of s.store.damage) {
    s.issues.add({ code: 'LEDGER_DAMAGED', table: d.table, message: `the ledger is damaged: ${d.message}` });
  }
  return s.entriesReadable;
}

/**
 * Step: every key of `entries`, `checkpoints`, `redactions` and
 * `cosignatures` is an integer from 0 to 2^53 − 1 (item 16): a row with a
 * negative or fractional key is never reached by the scans, which read
 * ranges from 0.
 */
export function checkKeys(s: VerifyState): void {
  for (const { table, count } of s.view.invalidKeys()) {
    s.issues.add({ code: 'ROW_INVALID', table, message: `${count} row(s) of ${table} have a key that is not an integer from 0 to 2^53 - 1` });
  }
}

/**
 * Step (after the scan, which proved the `case_id` and `nonce` columns of
 * every row equal to its bytes, or reported INDEX_MISMATCH): no two version
 * 2 entries of one case carry the same nonce (NONCE_REPLAYED, item 17). One
 * query lists the repeated column pairs (from the trusted size on, in
 * incremental mode). A row whose columns differ from its bytes may hide a
 * replay behind an edited nonce column: each such row (the scan kept up to
 * 65,536) is looked up by its decoded nonce, and compared with the others.
 * Every pair is confirmed on the decoded entries and reported at every entry
 * after the first, once.
 */
export function checkNonces(s: VerifyState): void {
  const reported = new Set<number>();
  const report = (holders: Array<{ seq: number; entry: Entry }>): void => {
    holders.sort((a, b) => a.seq - b.seq);
    const first = holders[0];
    if (first === undefined) return;
    for (const later of holders.slice(1)) {
      if (reported.has(later.seq) || later.seq === first.seq || (s.mode === 'incremental' && later.seq < s.start)) continue;
      const f = nonceReplayFinding(later.seq, later.entry, first.seq, first.entry);
      if (f === undefined) continue;
      reported.add(later.seq);
      s.issues.add({ ...f, table: 'entries' });
    }
  };
  for (const pair of s.view.repeatedNonces(s.mode === 'incremental' ? s.start : 0)) {
    if (typeof pair.case_id !== 'string' || !isBytes(pair.nonce)) continue;
    report(holdersOf(s, pair.case_id, pair.nonce));
  }
  const suspects = new Map<string, Array<{ seq: number; entry: Entry }>>();
  for (const seq of s.nonceSuspects) {
    const e = decodedAt(s, seq);
    if (e?.nonce === undefined) continue;
    const key = `${e.caseId}\u0000${toHex(e.nonce)}`;
    const group = suspects.get(key) ?? holdersOf(s, e.caseId, e.nonce);
    if (!group.some((h) => h.seq === seq)) group.push({ seq, entry: e });
    suspects.set(key, group);
  }
  for (const group of suspects.values()) report(group);
}

/** The decoded entry at seq, if its row decodes. */
function decodedAt(s: VerifyState, seq: number): Entry | undefined {
  const row = s.view.entry(seq);
  try {
    return row !== undefined && isBytes(row.bytes) ? decodeEntry(row.bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The rows whose nonce column holds (caseId, nonce), decoded (an undecodable row holds no nonce). */
function holdersOf(s: VerifyState, caseId: string, nonce: Uint8Array): Array<{ seq: number; entry: Entry }> {
  const holders: Array<{ seq: number; entry: Entry }> = [];
  for (const row of s.view.caseNonce(caseId, nonce)) {
    try {
      if (isBytes(row.bytes)) holders.push({ seq: row.seq, entry: decodeEntry(row.bytes) });
    } catch {
      // ENTRY_DECODE is reported by the scan.
    }
  }
  return holders;
}
