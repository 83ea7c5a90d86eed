/**
 * The permission decision (docs/oversight.md §9.2), the one function the
 * writer (refusing an append), the audit (flagging a step written around
 * the writer) and the host's `can` call.
 */
import type { Directory } from './directory.js';
import type { Action } from './entries.js';
import { typeMatches, type CompiledPolicy, type PolicyRule } from './policy.js';

/** What the request is about: a case (its unit), and for an alert the actors it is about. */
export interface Resource {
  /** the case (for a summary, which concerns the whole ledger: its case casetrail.system, belonging to no unit) */
  readonly caseId: string;
  /** the unit the case belongs to (the unit of the actor of its first step, then); null: none known */
  readonly unit: string | null;
  /** for dispose, violation and revoke: whom the act judges (docs/oversight.md §9.2, acts.ts) */
  readonly about?: readonly string[];
}

export interface Request {
  /** the actor id: a claim until a signature by its enrolled key proves it */
  readonly principal: string;
  readonly action: Action;
  /** for record: the step type */
  readonly type?: string;
  readonly resource: Resource;
  /** the directory position the request is judged at: entries before it count (default: all) */
  readonly at?: number;
  /** for record: the public keys (hex) that signed the step */
  readonly signers?: readonly string[];
}

export interface Decision {
  readonly allowed: boolean;
  /** ids of the forbid rules that matched (any makes the decision a denial) */
  readonly forbids: readonly string[];
  /** ids of the permit rules that matched */
  readonly permits: readonly string[];
  /** why, in one sentence */
  readonly reason: string;
  /** the code of a denial: FORBIDDEN, NOT_PERMITTED, NOT_ENROLLED, SIGNATURE_REQUIRED */
  readonly code?: 'FORBIDDEN' | 'NOT_PERMITTED' | 'NOT_ENROLLED' | 'SIGNATURE_REQUIRED';
}

const WHAT: Readonly<Record<Action, (type: string | undefined) => string>> = {
  record: (type) => `record ${type ?? '?'}`,
  dispose: () => 'dispose of an alert',
  violation: () => 'record a violation',
  revoke: () => 'revoke a violation',
  summary: () => 'record a summary of a period',
};

function matches(r: PolicyRule, req: Request, dir: Directory, unit: string, roles: readonly string[]): boolean {
  if (r.types !== null && req.action === 'record' && (req.type === undefined || !typeMatches(r.types, req.type))) return false;
  if (r.roles !== null && !r.roles.some((x) => roles.includes(x))) return false;
  if (r.unlessRoles !== null && r.unlessRoles.some((x) => roles.includes(x))) return false;
  if (r.units !== null && !r.units.some((u) => dir.within(unit, u))) return false;
  if (r.scope === 'subtree' && (req.resource.unit === null || !dir.within(req.resource.unit, unit))) return false;
  if (r.when === 'about-principal' && !(req.resource.about ?? []).includes(req.principal)) return false;
  return true;
}

/**
 * Decides a request under a policy and a directory: a forbid that matches
 * denies; else a permit that matches allows; else denied (default deny). A
 * principal not enrolled at the request's position has no rights; a
 * `record` of a type the policy's `signatures` lists needs a signature by
 * the principal's key enrolled then.
 */
export function decide(policy: CompiledPolicy, dir: Directory, req: Request): Decision {
  const at = req.at ?? Number.MAX_SAFE_INTEGER;
  const member = dir.memberAt(req.principal, at);
  const subject = `${JSON.stringify(req.principal)} may not ${WHAT[req.action](req.type)} in case ${JSON.stringify(req.resource.caseId)}`;
  if (member === undefined) return { allowed: false, forbids: [], permits: [], code: 'NOT_ENROLLED', reason: `${subject}: no actor of that id is enrolled (casetrail actors enrol)` };
  const rules = policy.byAction[req.action];
  const forbids = rules.forbid.filter((r) => matches(r, req, dir, member.unit, member.roles)).map((r) => r.id);
  const permits = rules.permit.filter((r) => matches(r, req, dir, member.unit, member.roles)).map((r) => r.id);
  if (forbids.length > 0) return { allowed: false, forbids, permits, code: 'FORBIDDEN', reason: `${subject}: forbidden by ${forbids.join(', ')}` };
  if (permits.length === 0) return { allowed: false, forbids, permits, code: 'NOT_PERMITTED', reason: `${subject}: no rule of policy ${policy.source.id} v${policy.source.version} permits it (default deny)` };
  if (req.action === 'record' && req.type !== undefined && typeMatches(policy.signatures, req.type)) {
    const k = dir.keyAt(req.principal, at);
    if (!('key' in k) || !(req.signers ?? []).includes(k.key)) {
      return { allowed: false, forbids, permits, code: 'SIGNATURE_REQUIRED', reason: `${subject} unsigned: the policy requires the actor's signature by its enrolled key for ${req.type}${'key' in k ? '' : ' (and it has no key enrolled)'}` };
    }
  }
  return { allowed: true, forbids, permits, reason: `permitted by ${permits.join(', ')}` };
}
