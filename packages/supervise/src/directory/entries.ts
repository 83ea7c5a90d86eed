/**
 * The directory's membership entries (docs/oversight.md §8.1): which units
 * exist and which actors belong to which unit, with which roles and key.
 * They are written by the oversight layer; this package reads them to say
 * which unit a subject of the violations ledger belongs to (docs/
 * supervision.md §14.7), so their one parser lives here, below both
 * layers, and the oversight layer imports it. Each payload is the RFC 8785
 * canonical JSON of an object with exactly the keys shown; anything else is
 * DIRECTORY_INVALID.
 */
// The pure half of the core (no Node imports): the engine's own modules run in a browser too.
import { LedgerError, codePointName, invisibleCharacter } from '@casetrail/core/pure';
import { parseCanonicalJson } from '../canonical-json.js';

/** The case that holds the directory: units, actors and policy adoptions, one per-case chain. */
export const DIRECTORY_CASE = 'casetrail.directory';

/** The entries of the directory case that say who belongs where (a policy adoption is the oversight layer's own). */
export const MEMBERSHIP_TYPES = {
  unitAdded: 'casetrail.unit.added',
  actorEnrolled: 'casetrail.actor.enrolled',
  actorRotated: 'casetrail.actor.rotated',
  actorRevoked: 'casetrail.actor.revoked',
} as const;
export type MembershipType = (typeof MEMBERSHIP_TYPES)[keyof typeof MEMBERSHIP_TYPES];
const ALL: readonly string[] = Object.values(MEMBERSHIP_TYPES);

export function isMembershipType(type: string): type is MembershipType {
  return ALL.includes(type);
}

export interface UnitAdded {
  unit: string;
  parent: string | null;
}
export interface ActorEnrolled {
  actor: string;
  unit: string;
  roles: string[];
  /** hex of the raw 32-byte Ed25519 public key of the actor's signatures, or null */
  key: string | null;
}
export interface ActorRotated {
  actor: string;
  key: string;
}
export interface ActorRevoked {
  actor: string;
}

/** A stored payload's text, or (for a validator, or a step inside a transaction) the parsed value. */
export type PayloadInput = string | { value: unknown };

export function malformed(type: string, why: string): never {
  throw new LedgerError('DIRECTORY_INVALID', `a ${type} payload ${why}`, { type });
}

/** The longest unit name. */
export const MAX_UNIT_NAME = 128;

/**
 * What is wrong with a unit's name, or undefined: 1–128 characters, none a
 * control or format character nor one of the invisible or bidirectional
 * characters ids may not hold. The one rule for units in the directory, in
 * a policy and in a clue transfer.
 */
export function unitNameProblem(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_UNIT_NAME) return `must be a unit name of 1 to ${MAX_UNIT_NAME} characters`;
  if (/[\p{Cc}\p{Cf}]/u.test(v)) return 'holds a control or format character';
  const c = invisibleCharacter(v);
  if (c !== undefined) return `holds an invisible or bidirectional character (${codePointName(c.codePoint)})`;
  return undefined;
}

/** A unit's name (unitNameProblem), or DIRECTORY_INVALID. */
export function checkUnitName(v: unknown, what: string): string {
  const problem = unitNameProblem(v);
  if (problem !== undefined) throw new LedgerError('DIRECTORY_INVALID', `${what} ${problem}`, { field: what });
  return v as string;
}

/** A role: 1–64 characters of letters, digits, `_`, `-`, `.`, `:`. */
export function checkRole(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[\p{L}\p{N}_.:-]{1,64}$/u.test(v)) throw new LedgerError('DIRECTORY_INVALID', `${what} must be 1 to 64 letters, digits, _ . : or -`, { field: what });
  return v;
}

/** An actor id as the ledger stores it: 1–256 characters, no control or format character. */
export function checkActorId(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || /[\p{Cc}\p{Cf}]/u.test(v)) {
    throw new LedgerError('DIRECTORY_INVALID', `${what} must be 1 to 256 characters, none a control or format character`, { field: what });
  }
  return v;
}

/** A sorted list of unique roles, 1 to 32. */
export function checkRoles(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 32) throw new LedgerError('DIRECTORY_INVALID', `${what} must list 1 to 32 roles`, { field: what });
  const roles = v.map((r, i) => checkRole(r, `${what}[${i}]`));
  for (let i = 1; i < roles.length; i++) if (!(roles[i - 1]! < roles[i]!)) throw new LedgerError('DIRECTORY_INVALID', `${what} must be sorted and without repeats`, { field: what });
  return roles;
}

const HEX_KEY = /^[0-9a-f]{64}$/;

/** The object with exactly `keys` (sorted), or DIRECTORY_INVALID. */
export function exactKeys(type: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) malformed(type, 'must be an object');
  const o = v as Record<string, unknown>;
  const got = Object.keys(o).sort();
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) malformed(type, `must have exactly the keys ${keys.join(', ')}`);
  return o;
}

/** The value of a payload: a stored text must be canonical JSON (RFC 8785). */
export function directoryValue(type: string, input: PayloadInput): unknown {
  if (typeof input !== 'string') return input.value;
  const parsed = parseCanonicalJson(input);
  if (parsed === undefined) malformed(type, 'is not canonical JSON (RFC 8785)');
  return parsed.value;
}

/**
 * The one parser of each membership entry's payload (docs/oversight.md
 * §8.1): given the stored text it must be the canonical JSON of the value;
 * given a parsed value (a validator's input) its shape is checked.
 * @throws LedgerError DIRECTORY_INVALID
 */
export function parseMembershipPayload(type: typeof MEMBERSHIP_TYPES.unitAdded, input: PayloadInput): UnitAdded;
export function parseMembershipPayload(type: typeof MEMBERSHIP_TYPES.actorEnrolled, input: PayloadInput): ActorEnrolled;
export function parseMembershipPayload(type: typeof MEMBERSHIP_TYPES.actorRotated, input: PayloadInput): ActorRotated;
export function parseMembershipPayload(type: typeof MEMBERSHIP_TYPES.actorRevoked, input: PayloadInput): ActorRevoked;
export function parseMembershipPayload(type: MembershipType, input: PayloadInput): UnitAdded | ActorEnrolled | ActorRotated | ActorRevoked;
export function parseMembershipPayload(type: MembershipType, input: PayloadInput): unknown {
  const v = directoryValue(type, input);
  switch (type) {
    case MEMBERSHIP_TYPES.unitAdded: {
      const o = exactKeys(type, v, ['parent', 'unit']);
      return { unit: checkUnitName(o['unit'], 'unit'), parent: o['parent'] === null ? null : checkUnitName(o['parent'], 'parent') };
    }
    case MEMBERSHIP_TYPES.actorEnrolled: {
      const o = exactKeys(type, v, ['actor', 'key', 'roles', 'unit']);
      const key = o['key'];
      if (key !== null && (typeof key !== 'string' || !HEX_KEY.test(key))) malformed(type, 'key must be null or 64 lowercase hex digits (an Ed25519 public key)');
      return { actor: checkActorId(o['actor'], 'actor'), unit: checkUnitName(o['unit'], 'unit'), roles: checkRoles(o['roles'], 'roles'), key: key as string | null };
    }
    case MEMBERSHIP_TYPES.actorRotated: {
      const o = exactKeys(type, v, ['actor', 'key']);
      if (typeof o['key'] !== 'string' || !HEX_KEY.test(o['key'])) malformed(type, 'key must be 64 lowercase hex digits (an Ed25519 public key)');
      return { actor: checkActorId(o['actor'], 'actor'), key: o['key'] };
    }
    case MEMBERSHIP_TYPES.actorRevoked: {
      const o = exactKeys(type, v, ['actor']);
      return { actor: checkActorId(o['actor'], 'actor') };
    }
    default:
      return malformed(type, 'is not of a membership type');
  }
}
