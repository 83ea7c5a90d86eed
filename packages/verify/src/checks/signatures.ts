/**
 * Actor signatures of an entry (format.md §4.4, §8 item 8), checked once
 * here for ledger verification, `trace` and bundle verification, each over
 * the statement of its entry's version.
 */
import { toHex } from '../bytes.js';
import type { Entry } from '../entry/entry.js';
import { entryStatement, verifyActorSignature } from '../entry/statement.js';
import type { Finding } from './issues.js';

/**
 * Checks every actor signature of entry `seq` over its statement.
 * @param origin the origin of the ledger the entry is checked in (a version
 *   2 statement names it): the verifier key's name, not one read from the
 *   file being checked
 * @returns how many were checked, and a finding per signature that does not verify
 */
export function actorSignatureFindings(seq: number, e: Entry, origin: string): { checked: number; findings: Finding[] } {
  const findings: Finding[] = [];
  if (e.sigs.length === 0) return { checked: 0, findings };
  const statement = entryStatement(e, origin);
  for (const sig of e.sigs) {
    if (!verifyActorSignature(statement, sig)) {
      findings.push({ code: 'ACTOR_SIGNATURE_INVALID', seq, message: `actor signature by key ${toHex(sig.publicKey)} on entry ${seq} does not verify` });
    }
  }
  return { checked: e.sigs.length, findings };
}
