/**
 * The directory a ledger's entries make (docs/oversight.md §8.2): the tree
 * of units, and for each actor the periods of its enrolment — its unit, its
 * roles, and the keys of its signatures each with the entries they are
 * valid for — so that "who could act, and with which key, at entry s" is a
 * question about the ledger. Each rule of the directory (a parent that
 * exists, no unit twice, an actor enrolled once at a time, a key rotated to
 * a new one, revocation ends everything) lives in `apply`, which the writer,
 * the audit and the library's reads all call.
 */
import { LedgerError } from '@casetrail/core';
import { LEVEL_TYPES, parseLevelsPayload, type LevelType, type PayloadInput } from './entries.js';
import { compilePolicy, type CompiledPolicy } from './policy.js';

/** A key of an actor, valid for the entries after `from` up to `to` (the entry that ended it; null: still valid). */
export interface KeyPeriod {
  readonly key: string;
  readonly from: number;
  to: number | null;
}

/** One enrolment of an actor: for the entries after its entry up to its revocation's (null: still enrolled). */
export interface Enrolment {
  readonly actor: string;
  readonly unit: string;
  readonly roles: readonly string[];
  readonly from: number;
  to: number | null;
  readonly keys: KeyPeriod[];
}

/** A unit and its parent, with the entry that added it. */
export interface UnitNode {
  readonly unit: string;
  readonly parent: string | null;
  readonly seq: number;
}

/** The policy in force: its adoption entry, its hash, its compiled rules. */
export interface PolicyInForce {
  readonly seq: number;
  readonly hash: string;
  readonly policy: CompiledPolicy;
}

function refused(message: string, details: Record<string, unknown>): never {
  throw new LedgerError('DIRECTORY_INVALID', message, details);
}

export class Directory {
  readonly units = new Map<string, UnitNode>();
  readonly actors = new Map<string, Enrolment[]>();
  policy: PolicyInForce | null = null;
  /** seq of the last directory entry applied (-1: none) */
  last = -1;

  clone(): Directory {
    const d = new Directory();
    for (const [k, v] of this.units) d.units.set(k, v);
    for (const [k, list] of this.actors) d.actors.set(k, list.map((e) => ({ ...e, keys: e.keys.map((p) => ({ ...p })) })));
    d.policy = this.policy;
    d.last = this.last;
    return d;
  }

  /**
   * Applies directory entry `seq` of `type` with its payload.
   * @throws LedgerError DIRECTORY_INVALID (the payload, or the entry breaks a rule of the directory; nothing is applied), POLICY_INVALID
   */
  apply(seq: number, type: LevelType, payload: PayloadInput): void {
    if (seq <= this.last) refused(`directory entry ${seq} comes before entry ${this.last}, already applied`, { seq });
    switch (type) {
      case LEVEL_TYPES.unitAdded: {
        const u = parseLevelsPayload(type, payload);
        if (this.units.has(u.unit)) refused(`unit ${JSON.stringify(u.unit)} exists already (entry ${this.units.get(u.unit)!.seq})`, { seq, unit: u.unit });
        // Parents exist before their children and a unit is added once: the tree has no cycle.
        if (u.parent !== null && !this.units.has(u.parent)) refused(`unit ${JSON.stringify(u.unit)} names the parent ${JSON.stringify(u.parent)}, which is not a unit of this ledger`, { seq, unit: u.unit, parent: u.parent });
        this.units.set(u.unit, { unit: u.unit, parent: u.parent, seq });
        break;
      }
      case LEVEL_TYPES.actorEnrolled: {
        const a = parseLevelsPayload(type, payload);
        if (!this.units.has(a.unit)) refused(`actor ${JSON.stringify(a.actor)} is enrolled in ${JSON.stringify(a.unit)}, which is not a unit of this ledger`, { seq, actor: a.actor, unit: a.unit });
        if (this.current(a.actor) !== undefined) refused(`actor ${JSON.stringify(a.actor)} is enrolled already: revoke it first`, { seq, actor: a.actor });
        const e: Enrolment = { actor: a.actor, unit: a.unit, roles: a.roles, from: seq, to: null, keys: a.key === null ? [] : [{ key: a.key, from: seq, to: null }] };
        this.actors.set(a.actor, [...(this.actors.get(a.actor) ?? []), e]);
        break;
      }
      case LEVEL_TYPES.actorRotated: {
        const r = parseLevelsPayload(type, payload);
        const e = this.current(r.actor) ?? refused(`actor ${JSON.stringify(r.actor)} is not enrolled: its key cannot be rotated`, { seq, actor: r.actor });
        const now = e.keys.find((k) => k.to === null);
        if (now?.key === r.key || e.keys.some((k) => k.key === r.key)) refused(`actor ${JSON.stringify(r.actor)} had that key already: rotate to a new key`, { seq, actor: r.actor });
        if (now !== undefined) now.to = seq;
        e.keys.push({ key: r.key, from: seq, to: null });
        break;
      }
      case LEVEL_TYPES.actorRevoked: {
        const r = parseLevelsPayload(type, payload);
        const e = this.current(r.actor) ?? refused(`actor ${JSON.stringify(r.actor)} is not enrolled: there is nothing to revoke`, { seq, actor: r.actor });
        e.to = seq;
        for (const k of e.keys) if (k.to === null) k.to = seq;
        break;
      }
      case LEVEL_TYPES.policyAdopted: {
        const p = parseLevelsPayload(type, payload);
        this.policy = { seq, hash: p.hash, policy: compilePolicy(p.policy, p.hash) };
        break;
      }
      default:
        refused(`${type} is not a directory entry`, { seq });
    }
    this.last = seq;
  }

  /** The actor's enrolment still in force, if any. */
  current(actor: string): Enrolment | undefined {
    const list = this.actors.get(actor);
    const e = list?.[list.length - 1];
    return e !== undefined && e.to === null ? e : undefined;
  }

  /** The actor's enrolment in force at entry `seq` (every directory entry before `seq` applied). */
  memberAt(actor: string, seq: number): Enrolment | undefined {
    const list = this.actors.get(actor);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.from < seq && (e.to === null || seq <= e.to)) return e;
    }
    return undefined;
  }

  /** The actor's key at entry `seq`, and why there is none when there is none. */
  keyAt(actor: string, seq: number): { key: string } | { none: 'not-enrolled' | 'no-key' } {
    const e = this.memberAt(actor, seq);
    if (e === undefined) return { none: 'not-enrolled' };
    const k = e.keys.find((p) => p.from < seq && (p.to === null || seq <= p.to));
    return k === undefined ? { none: 'no-key' } : { key: k.key };
  }

  /** What a key that is not the actor's key at `seq` was, for a message: another period's key, a revoked one. */
  keyHistory(actor: string, key: string): { enrolment: Enrolment; period: KeyPeriod } | undefined {
    for (const e of this.actors.get(actor) ?? []) {
      const period = e.keys.find((p) => p.key === key);
      if (period !== undefined) return { enrolment: e, period };
    }
    return undefined;
  }

  /** Whether `unit` is `ancestor` or below it in the tree. */
  within(unit: string, ancestor: string): boolean {
    for (let u: string | null = unit, steps = 0; u !== null && steps <= this.units.size; u = this.units.get(u)?.parent ?? null, steps++) {
      if (u === ancestor) return true;
    }
    return false;
  }

  /** The unit and its subordinates, in the order they were added. */
  subtree(unit: string): string[] {
    return [...this.units.values()].filter((n) => this.within(n.unit, unit)).map((n) => n.unit);
  }
}
