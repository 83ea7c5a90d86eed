/**
 * The named steps of verification that concern the file as a whole
 * (format.md §8 items 14–16): its structure, the keys of its rows, and the
 * uniqueness of nonces within a case.
 */
import { decodeEntry, isBytes, nonceReplayFinding, type Entry } from '@casetrail/verify';
import type { VerifyState } from './state.js';

/**
 * Step: every missing or damaged part of the file is reported
 * (LEDGER_DAMAGED, item 14).
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
 * `cosignatures` is an integer from 0 to 2^53 − 1 (item 15): a row with a
 * negative or fractional key is never reached by the scans, which read
 * ranges from 0.
 */
export function checkKeys(s: VerifyState): void {
  for (const { table, count } of s.view.invalidKeys()) {
    s.issues.add({ code: 'ROW_INVALID', table, message: `${count} row(s) of ${table} have a key that is not an integer from 0 to 2^53 - 1` });
  }
}

/**
 * Step (after the scan, which proved every row's `case_id` and `nonce`
 * columns equal to its bytes): no two version 2 entries of one case carry
 * the same nonce (NONCE_REPLAYED, item 16). One query lists the repeated
 * column pairs (from the trusted size on, in incremental mode); each is
 * confirmed on the decoded entries of the rows that hold it, and reported
 * at every entry after the first.
 */
export function checkNonces(s: VerifyState): void {
  for (const pair of s.view.repeatedNonces(s.mode === 'incremental' ? s.start : 0)) {
    if (typeof pair.case_id !== 'string' || !isBytes(pair.nonce)) continue;
    const holders: Array<{ seq: number; entry: Entry }> = [];
    for (const row of s.view.caseNonce(pair.case_id, pair.nonce)) {
      try {
        if (isBytes(row.bytes)) holders.push({ seq: row.seq, entry: decodeEntry(row.bytes) });
      } catch {
        // An undecodable row is ENTRY_DECODE already; it holds no nonce.
      }
    }
    holders.sort((a, b) => a.seq - b.seq);
    const first = holders[0];
    if (first === undefined) continue;
    for (const later of holders.slice(1)) {
      if (s.mode === 'incremental' && later.seq < s.start) continue;
      const f = nonceReplayFinding(later.seq, later.entry, first.seq, first.entry);
      if (f !== undefined) s.issues.add({ ...f, table: 'entries' });
    }
  }
}
