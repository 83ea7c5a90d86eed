/**
 * The system entries of units, actors and the permission policy
 * (docs/oversight.md §8.1): one parser per type, the canonical payloads
 * (RFC 8785 JSON, exactly the keys shown), and the registry of these types
 * for the core (`ledger.use`, `verify({ systemTypes })`). None can be
 * redacted while the registry is in use: who could act, when, is what the
 * ledger proves with them.
 */
import { LedgerError, type LedgerExtension, type SystemTypeValidator } from '@casetrail/core';
import { codePointName, invisibleCharacter } from '@casetrail/verify';
import { canonicalJson, parseCanonicalJson } from '@casetrail/supervise';

/** The case that holds the directory: units, actors and policy adoptions, one per-case chain. */
export const DIRECTORY_CASE = 'casetrail.directory';
/** The case of refused attempts (as supervision's refusals). */
export const REFUSALS_CASE = 'casetrail.system';

export const LEVEL_TYPES = {
  unitAdded: 'casetrail.unit.added',
  actorEnrolled: 'casetrail.actor.enrolled',
  actorRotated: 'casetrail.actor.rotated',
  actorRevoked: 'casetrail.actor.revoked',
  policyAdopted: 'casetrail.policy.adopted',
  denied: 'casetrail.denied',
} as const;
export type LevelType = (typeof LEVEL_TYPES)[keyof typeof LEVEL_TYPES];
/** The types of the directory case, in which the directory's chain lives. */
export const DIRECTORY_TYPES: readonly LevelType[] = [LEVEL_TYPES.unitAdded, LEVEL_TYPES.actorEnrolled, LEVEL_TYPES.actorRotated, LEVEL_TYPES.actorRevoked, LEVEL_TYPES.policyAdopted];
const ALL_TYPES: readonly LevelType[] = [...DIRECTORY_TYPES, LEVEL_TYPES.denied];

/** The name of this layer's extension in `ledger.use`. */
export const LEVELS_EXTENSION = 'levels';

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
export interface PolicyAdopted {
  hash: string;
  /** the policy's canonical JSON value (policy.ts) */
  policy: unknown;
}
export type Action = 'record' | 'dispose' | 'violation';
export const ACTIONS: readonly Action[] = ['record', 'dispose', 'violation'];
export interface Denied {
  action: Action;
  attempt: { actor: string; case: string; line: number | null; type: string };
  policy: string;
  reason: string;
  rules: string[];
}

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

const HEX_KEY = /^[0-9a-f]{64}$/;
const HASH = /^[0-9a-f]{64}$/;

function exactly(type: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) malformed(type, 'must be an object');
  const o = v as Record<string, unknown>;
  const got = Object.keys(o).sort();
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) malformed(type, `must have exactly the keys ${keys.join(', ')}`);
  return o;
}

/** A sorted list of unique roles, 1 to 32. */
export function checkRoles(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 32) throw new LedgerError('DIRECTORY_INVALID', `${what} must list 1 to 32 roles`, { field: what });
  const roles = v.map((r, i) => checkRole(r, `${what}[${i}]`));
  for (let i = 1; i < roles.length; i++) if (!(roles[i - 1]! < roles[i]!)) throw new LedgerError('DIRECTORY_INVALID', `${what} must be sorted and without repeats`, { field: what });
  return roles;
}

/**
 * The one parser of each type's payload (docs/oversight.md §8.1): given the
 * stored text it must be the canonical JSON of the value; given a parsed
 * value (a validator's input) its shape is checked.
 * @throws LedgerError DIRECTORY_INVALID
 */
export function parseLevelsPayload(type: typeof LEVEL_TYPES.unitAdded, input: PayloadInput): UnitAdded;
export function parseLevelsPayload(type: typeof LEVEL_TYPES.actorEnrolled, input: PayloadInput): ActorEnrolled;
export function parseLevelsPayload(type: typeof LEVEL_TYPES.actorRotated, input: PayloadInput): ActorRotated;
export function parseLevelsPayload(type: typeof LEVEL_TYPES.actorRevoked, input: PayloadInput): ActorRevoked;
export function parseLevelsPayload(type: typeof LEVEL_TYPES.policyAdopted, input: PayloadInput): PolicyAdopted;
export function parseLevelsPayload(type: typeof LEVEL_TYPES.denied, input: PayloadInput): Denied;
export function parseLevelsPayload(type: LevelType, input: PayloadInput): UnitAdded | ActorEnrolled | ActorRotated | ActorRevoked | PolicyAdopted | Denied;
export function parseLevelsPayload(type: LevelType, input: PayloadInput): unknown {
  let v: unknown;
  if (typeof input === 'string') {
    const parsed = parseCanonicalJson(input);
    if (parsed === undefined) malformed(type, 'is not canonical JSON (RFC 8785)');
    v = parsed.value;
  } else {
    v = input.value;
  }
  switch (type) {
    case LEVEL_TYPES.unitAdded: {
      const o = exactly(type, v, ['parent', 'unit']);
      return { unit: checkUnitName(o['unit'], 'unit'), parent: o['parent'] === null ? null : checkUnitName(o['parent'], 'parent') };
    }
    case LEVEL_TYPES.actorEnrolled: {
      const o = exactly(type, v, ['actor', 'key', 'roles', 'unit']);
      const key = o['key'];
      if (key !== null && (typeof key !== 'string' || !HEX_KEY.test(key))) malformed(type, 'key must be null or 64 lowercase hex digits (an Ed25519 public key)');
      return { actor: checkActorId(o['actor'], 'actor'), unit: checkUnitName(o['unit'], 'unit'), roles: checkRoles(o['roles'], 'roles'), key: key as string | null };
    }
    case LEVEL_TYPES.actorRotated: {
      const o = exactly(type, v, ['actor', 'key']);
      if (typeof o['key'] !== 'string' || !HEX_KEY.test(o['key'])) malformed(type, 'key must be 64 lowercase hex digits (an Ed25519 public key)');
      return { actor: checkActorId(o['actor'], 'actor'), key: o['key'] };
    }
    case LEVEL_TYPES.actorRevoked: {
      const o = exactly(type, v, ['actor']);
      return { actor: checkActorId(o['actor'], 'actor') };
    }
    case LEVEL_TYPES.policyAdopted: {
      const o = exactly(type, v, ['hash', 'policy']);
      if (typeof o['hash'] !== 'string' || !HASH.test(o['hash'])) malformed(type, 'hash must be 64 lowercase hex digits');
      if (o['policy'] === null || typeof o['policy'] !== 'object' || Array.isArray(o['policy'])) malformed(type, 'policy must be an object');
      return { hash: o['hash'], policy: o['policy'] };
    }
    case LEVEL_TYPES.denied: {
      const o = exactly(type, v, ['action', 'attempt', 'policy', 'reason', 'rules']);
      if (!ACTIONS.includes(o['action'] as Action)) malformed(type, `action must be one of ${ACTIONS.join(', ')}`);
      const a = exactly(type, o['attempt'], ['actor', 'case', 'line', 'type']);
      const line = a['line'];
      if (line !== null && !(Number.isSafeInteger(line) && (line as number) >= 1)) malformed(type, 'attempt.line must be null or an integer ≥ 1');
      for (const k of ['actor', 'case', 'type'] as const) if (typeof a[k] !== 'string' || a[k] === '') malformed(type, `attempt.${k} must be a non-empty string`);
      if (typeof o['policy'] !== 'string' || !HASH.test(o['policy'])) malformed(type, 'policy must be the policy hash (64 lowercase hex digits)');
      if (typeof o['reason'] !== 'string' || o['reason'].length === 0 || o['reason'].length > 4096) malformed(type, 'reason must be 1 to 4096 characters');
      const rules = o['rules'];
      if (!Array.isArray(rules) || rules.length > 64 || rules.some((r) => typeof r !== 'string' || r === '')) malformed(type, 'rules must list at most 64 rule ids');
      return { action: o['action'], attempt: { actor: a['actor'], case: a['case'], line, type: a['type'] }, policy: o['policy'], reason: o['reason'], rules };
    }
  }
}

/** A stored payload's text, or (for a validator) the parsed value. */
export type PayloadInput = string | { value: unknown };

/** The canonical payload text of a value of a type (its parser's checks first). */
export function encodeLevelsPayload(type: LevelType, value: unknown): string {
  parseLevelsPayload(type, { value });
  return canonicalJson(value);
}

function validator(type: LevelType): SystemTypeValidator {
  const where = type === LEVEL_TYPES.denied ? REFUSALS_CASE : DIRECTORY_CASE;
  return (data, entry) => {
    if (entry.caseId !== where) return `a ${type} entry belongs to the case ${where}`;
    try {
      parseLevelsPayload(type, { value: data });
      return undefined;
    } catch (e) {
      if (e instanceof LedgerError) return e.message;
      throw e;
    }
  };
}

/** One validator per type of this layer, for `ledger.use` and `verify({ systemTypes })`. */
export function levelsValidators(): Record<string, SystemTypeValidator> {
  return Object.fromEntries(ALL_TYPES.map((t) => [t, validator(t)]));
}

/** The registry alone (no screening): the types declared, none redactable. */
export function levelsRegistry(): LedgerExtension {
  return { name: LEVELS_EXTENSION, systemTypes: levelsValidators(), unredactable: [...ALL_TYPES] };
}

export function isLevelType(type: string): type is LevelType {
  return (ALL_TYPES as readonly string[]).includes(type);
}
