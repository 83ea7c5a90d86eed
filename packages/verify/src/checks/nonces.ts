/**
 * Nonce uniqueness (format.md §4.6, §8 item 17): no two version 2 entries of
 * one case carry the same nonce. Ledger verification finds repeated pairs
 * with one query over proven columns, `trace` within the case it reads; both
 * report them here, confirmed on the decoded entries.
 */
import { equalBytes, toHex } from '../bytes.js';
import type { Entry } from '../entry/entry.js';
import type { Finding } from './issues.js';

/**
 * Entry `seq` repeats the nonce of entry `earlierSeq` of the same case:
 * a replayed statement. Both entries are the decoded ones: no finding when
 * they do not, in fact, share case and nonce, or when `earlierSeq` is not
 * earlier.
 */
export function nonceReplayFinding(seq: number, e: Pick<Entry, 'caseId' | 'nonce'>, earlierSeq: number, earlier: Pick<Entry, 'caseId' | 'nonce'>): Finding | undefined {
  if (earlierSeq >= seq || e.nonce === undefined || earlier.nonce === undefined) return undefined;
  if (e.caseId !== earlier.caseId || !equalBytes(e.nonce, earlier.nonce)) return undefined;
  return {
    code: 'NONCE_REPLAYED',
    seq,
    message: `entry ${seq} repeats the nonce ${toHex(e.nonce)} of entry ${earlierSeq} in case ${JSON.stringify(e.caseId)}: a statement accepted once per case was appended again`,
  };
}
