/**
 * The directory a ledger's entries make (docs/oversight.md §8.2): who
 * belongs where — the tree of units and each actor's enrolments, roles and
 * keys, whose rules are supervise's `UnitDirectory` (the violations ledger
 * reads units with the same rules) — and the policy in force, this layer's
 * own. `apply` is the one place of these rules; the writer, the audit and
 * the library's reads all call it.
 */
import { UnitDirectory, type PayloadInput } from '@casetrail/supervise';
import { LEVEL_TYPES, parseLevelsPayload } from './entries.js';
import { compilePolicy, type CompiledPolicy } from './policy.js';

export type { Enrolment, KeyPeriod, UnitNode } from '@casetrail/supervise';

/** The policy in force: its adoption entry, its hash, its compiled rules. */
export interface PolicyInForce {
  readonly seq: number;
  readonly hash: string;
  readonly policy: CompiledPolicy;
}

export class Directory extends UnitDirectory {
  policy: PolicyInForce | null = null;

  override clone(): Directory {
    const d = this.copyInto(new Directory());
    d.policy = this.policy;
    return d;
  }

  override handles(type: string): boolean {
    return type === LEVEL_TYPES.policyAdopted || super.handles(type);
  }

  /**
   * Applies directory entry `seq` of `type` with its payload.
   * @throws LedgerError DIRECTORY_INVALID (the payload, or the entry breaks a rule of the directory; nothing is applied), POLICY_INVALID
   */
  protected override applyEntry(seq: number, type: string, payload: PayloadInput): void {
    if (type !== LEVEL_TYPES.policyAdopted) return super.applyEntry(seq, type, payload);
    const p = parseLevelsPayload(LEVEL_TYPES.policyAdopted, payload);
    this.policy = { seq, hash: p.hash, policy: compilePolicy(p.policy, p.hash) };
  }
}
