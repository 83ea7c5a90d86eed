/**
 * What an entry asks of the policy (docs/oversight.md §9.2): which action it
 * is, and for an act that judges someone, whom it is about — the one
 * mapping the writer (deciding inside the transaction) and the audit
 * (replaying) both use, so that what the one refuses the other flags.
 *
 * - an ordinary step: `record`;
 * - a disposition of an alert of a case: `dispose`, or `violation` when it
 *   confirms the alert as a violation; about the actors of the steps the
 *   alert was raised on;
 * - a violation recorded directly (`violations record`, no alert): `violation`,
 *   about its subject and the actors of its evidence. A violation confirming
 *   an alert is not judged again: its disposition, right before it, was;
 * - a revocation of a violation (`violations revoke`, an appeal upheld):
 *   `revoke`, about the violation's subject and its evidence's actors;
 * - a summary of a period: `summary`. It belongs to no case: no `subtree`
 *   rule reaches it (a permit for it has `scope: any`).
 *
 * Other system entries (packs, calendars, ticks, the directory, refusals,
 * redactions) are not judged by the policy.
 */
import { isReserved } from '@casetrail/core';
import type { Action } from './entries.js';

/** Earlier entries an act reads: an alert and the steps it was raised on, a violation and its evidence. */
export type Lookup = (seq: number) => { actor: string; data: unknown } | undefined;

export interface Act {
  readonly action: Action;
  /** whom it judges: for dispose, violation and revoke */
  readonly about?: readonly string[];
  /** the act concerns the whole ledger, not its case (a summary): the resource belongs to no unit */
  readonly caseless?: boolean;
}

const ALERT_DISPOSED = 'casetrail.alert.disposed';
const VIOLATION = 'casetrail.violation';
const REVOKED = 'casetrail.violation.revoked';
const SUMMARY = 'casetrail.summary';

/** An own field of a payload object. */
function field(data: unknown, name: string): unknown {
  return data !== null && typeof data === 'object' && !Array.isArray(data) && Object.hasOwn(data, name) ? (data as Record<string, unknown>)[name] : undefined;
}

/** The actors of up to `max` entries of a list of seqs, and the extra names given, deduplicated. */
function actorsOf(seqs: unknown, max: number, lookup: Lookup, extra: unknown[] = []): string[] {
  const out = new Set<string>();
  for (const x of extra) if (typeof x === 'string' && x !== '') out.add(x);
  if (Array.isArray(seqs)) {
    for (const s of seqs.slice(0, max)) {
      const e = Number.isSafeInteger(s) ? lookup(s as number) : undefined;
      if (e !== undefined) out.add(e.actor);
    }
  }
  return [...out];
}

/**
 * The act an entry is, or null when the policy does not judge it.
 * @param e the entry: its type, case and parsed payload (undefined when erased)
 */
export function actOf(e: { readonly type: string; readonly caseId: string; readonly data: unknown }, lookup: Lookup): Act | null {
  if (!isReserved(e.type) && !isReserved(e.caseId)) return { action: 'record' };
  if (isReserved(e.caseId) && e.type !== SUMMARY) return null;
  switch (e.type) {
    case ALERT_DISPOSED: {
      const alertSeq = field(e.data, 'alert');
      const alert = Number.isSafeInteger(alertSeq) ? lookup(alertSeq as number) : undefined;
      return { action: field(e.data, 'outcome') === 'violation' ? 'violation' : 'dispose', about: actorsOf(field(alert?.data, 'triggeredBy'), 8, lookup) };
    }
    case VIOLATION:
      if (field(e.data, 'alert') !== null) return null;
      return { action: 'violation', about: actorsOf(field(e.data, 'evidence'), 16, lookup, [field(e.data, 'subject')]) };
    case REVOKED: {
      const target = field(e.data, 'violation');
      const v = Number.isSafeInteger(target) ? lookup(target as number)?.data : undefined;
      return { action: 'revoke', about: actorsOf(field(v, 'evidence'), 16, lookup, [field(v, 'subject')]) };
    }
    case SUMMARY:
      return { action: 'summary', caseless: true };
    default:
      return null;
  }
}
