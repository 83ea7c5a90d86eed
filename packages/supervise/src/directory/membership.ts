/**
 * Who belongs where, as a ledger's directory entries say (docs/oversight.md
 * §8.2): the tree of units, and for each actor the periods of its
 * enrolment — its unit, its roles, and the keys of its signatures each with
 * the entries they are valid for. Each rule of membership (a parent that
 * exists, no unit twice, an actor enrolled once at a time, a key rotated to
 * a new one, revocation ends everything) lives in `UnitDirectory.apply`;
 * the oversight layer's Directory extends it with the policy in force. The
 * one way an entry of the ledger is taken into a directory — of the
 * directory case, its payload present, applied where it stands or ignored —
 * is `takeDirectoryEntry`, which the violations ledger's reads, its audit
 * and the oversight layer's audit all call; the unit of a subject at a
 * position (docs/supervision.md §14.7) is `UnitDirectory.unitOf`.
 */
import { LedgerError } from '@casetrail/core/pure';
import { DIRECTORY_CASE, MEMBERSHIP_TYPES, isMembershipType, parseMembershipPayload, type PayloadInput } from './entries.js';

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

export function refused(message: string, details: Record<string, unknown>): never {
  throw new LedgerError('DIRECTORY_INVALID', message, details);
}

export class UnitDirectory {
  readonly units = new Map<string, UnitNode>();
  readonly actors = new Map<string, Enrolment[]>();
  /** seq of the last directory entry applied (-1: none) */
  last = -1;

  /** A copy that the original's later entries do not change. */
  clone(): UnitDirectory {
    return this.copyInto(new UnitDirectory());
  }

  protected copyInto<T extends UnitDirectory>(d: T): T {
    for (const [k, v] of this.units) d.units.set(k, v);
    for (const [k, list] of this.actors) d.actors.set(k, list.map((e) => ({ ...e, keys: e.keys.map((p) => ({ ...p })) })));
    d.last = this.last;
    return d;
  }

  /** Whether entries of `type` (in the directory case) are this directory's to apply. */
  handles(type: string): boolean {
    return isMembershipType(type);
  }

  /**
   * Applies directory entry `seq` of `type` with its payload.
   * @throws LedgerError DIRECTORY_INVALID (the payload, or the entry breaks a rule of the directory; nothing is applied), and what a subclass's types throw
   */
  apply(seq: number, type: string, payload: PayloadInput): void {
    if (seq <= this.last) refused(`directory entry ${seq} comes before entry ${this.last}, already applied`, { seq });
    this.applyEntry(seq, type, payload);
    this.last = seq;
  }

  /** One entry's rules (apply has checked its position). */
  protected applyEntry(seq: number, type: string, payload: PayloadInput): void {
    switch (type) {
      case MEMBERSHIP_TYPES.unitAdded: {
        const u = parseMembershipPayload(type, payload);
        if (this.units.has(u.unit)) refused(`unit ${JSON.stringify(u.unit)} exists already (entry ${this.units.get(u.unit)!.seq})`, { seq, unit: u.unit });
        // Parents exist before their children and a unit is added once: the tree has no cycle.
        if (u.parent !== null && !this.units.has(u.parent)) refused(`unit ${JSON.stringify(u.unit)} names the parent ${JSON.stringify(u.parent)}, which is not a unit of this ledger`, { seq, unit: u.unit, parent: u.parent });
        this.units.set(u.unit, { unit: u.unit, parent: u.parent, seq });
        return;
      }
      case MEMBERSHIP_TYPES.actorEnrolled: {
        const a = parseMembershipPayload(type, payload);
        if (!this.units.has(a.unit)) refused(`actor ${JSON.stringify(a.actor)} is enrolled in ${JSON.stringify(a.unit)}, which is not a unit of this ledger`, { seq, actor: a.actor, unit: a.unit });
        if (this.current(a.actor) !== undefined) refused(`actor ${JSON.stringify(a.actor)} is enrolled already: revoke it first`, { seq, actor: a.actor });
        const e: Enrolment = { actor: a.actor, unit: a.unit, roles: a.roles, from: seq, to: null, keys: a.key === null ? [] : [{ key: a.key, from: seq, to: null }] };
        this.actors.set(a.actor, [...(this.actors.get(a.actor) ?? []), e]);
        return;
      }
      case MEMBERSHIP_TYPES.actorRotated: {
        const r = parseMembershipPayload(type, payload);
        const e = this.current(r.actor) ?? refused(`actor ${JSON.stringify(r.actor)} is not enrolled: its key cannot be rotated`, { seq, actor: r.actor });
        const now = e.keys.find((k) => k.to === null);
        if (now?.key === r.key || e.keys.some((k) => k.key === r.key)) refused(`actor ${JSON.stringify(r.actor)} had that key already: rotate to a new key`, { seq, actor: r.actor });
        if (now !== undefined) now.to = seq;
        e.keys.push({ key: r.key, from: seq, to: null });
        return;
      }
      case MEMBERSHIP_TYPES.actorRevoked: {
        const r = parseMembershipPayload(type, payload);
        const e = this.current(r.actor) ?? refused(`actor ${JSON.stringify(r.actor)} is not enrolled: there is nothing to revoke`, { seq, actor: r.actor });
        e.to = seq;
        for (const k of e.keys) if (k.to === null) k.to = seq;
        return;
      }
      default:
        refused(`${type} is not a directory entry`, { seq });
    }
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

  /**
   * The unit of a subject of the violations ledger at position `beforeSeq`
   * (docs/supervision.md §14.7), from the directory entries before it only:
   * an actor's unit is the unit of its latest enrolment before the position
   * — the one in force, or, once revoked, the one it last had (a move is a
   * revocation and an enrolment elsewhere: the new unit from the new
   * enrolment on); a subject that is a unit of the directory and was never
   * enrolled as an actor is its own unit; anyone else has none (null).
   */
  unitOf(subject: string, beforeSeq: number): string | null {
    const list = this.actors.get(subject);
    if (list !== undefined) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.from < beforeSeq) return list[i]!.unit;
    }
    const node = this.units.get(subject);
    return node !== undefined && node.seq < beforeSeq ? node.unit : null;
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

/** An entry as a directory takes it: its payload's stored text or value, undefined when erased. */
export interface DirectoryEntryInput {
  readonly seq: number;
  readonly caseId: string;
  readonly type: string;
  readonly payload: PayloadInput | undefined;
}

/**
 * Takes one entry of the ledger, in seq order, into a directory
 * (docs/oversight.md §8.2): an entry of a type the directory handles in the
 * directory case is applied where it stands; one whose payload is erased,
 * malformed or that breaks a rule there is ignored — the directory after it
 * is as if it were not there — and its problem returned. Entries of other
 * cases or types are not the directory's.
 * @returns 'applied', 'other' (not a directory entry), or the problem of an entry ignored
 */
export function takeDirectoryEntry(dir: UnitDirectory, e: DirectoryEntryInput): 'applied' | 'other' | { readonly ignored: string } {
  if (e.caseId !== DIRECTORY_CASE || !dir.handles(e.type)) return 'other';
  if (e.payload === undefined) return { ignored: `directory entry ${e.seq} has no payload (erased): the directory after it cannot be known` };
  try {
    dir.apply(e.seq, e.type, e.payload);
    return 'applied';
  } catch (x) {
    if (!(x instanceof LedgerError)) throw x;
    return { ignored: `directory entry ${e.seq} is not valid where it stands, and is ignored: ${x.message}` };
  }
}
