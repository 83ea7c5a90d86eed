/**
 * The system entries of units, actors and the permission policy
 * (docs/oversight.md §8.1): one parser per type, the canonical payloads
 * (RFC 8785 JSON, exactly the keys shown), and the registry of these types
 * for the core (`ledger.use`, `verify({ systemTypes })`). None can be
 * redacted while the registry is in use: who could act, when, is what the
 * ledger proves with them.
 */
import { LedgerError, type LedgerExtension, type SystemTypeValidator } from '@casetrail/core';
import {
  DIRECTORY_CASE,
  MEMBERSHIP_TYPES,
  canonicalJson,
  directoryValue,
  exactKeys,
  isMembershipType,
  malformedDirectoryPayload as malformed,
  parseMembershipPayload,
  type ActorEnrolled,
  type ActorRevoked,
  type ActorRotated,
  type PayloadInput,
  type UnitAdded,
} from '@casetrail/supervise';

// The membership entries' names and parser live in supervise (its violations ledger reads units); this layer adds the policy and refusals.
export { DIRECTORY_CASE, MAX_UNIT_NAME, unitNameProblem, checkUnitName, checkRole, checkRoles, checkActorId } from '@casetrail/supervise';
export type { ActorEnrolled, ActorRevoked, ActorRotated, PayloadInput, UnitAdded } from '@casetrail/supervise';

/** The case of refused attempts (as supervision's refusals). */
export const REFUSALS_CASE = 'casetrail.system';

export const LEVEL_TYPES = {
  ...MEMBERSHIP_TYPES,
  policyAdopted: 'casetrail.policy.adopted',
  denied: 'casetrail.denied',
} as const;
export type LevelType = (typeof LEVEL_TYPES)[keyof typeof LEVEL_TYPES];
/** The types of the directory case, in which the directory's chain lives. */
export const DIRECTORY_TYPES: readonly LevelType[] = [LEVEL_TYPES.unitAdded, LEVEL_TYPES.actorEnrolled, LEVEL_TYPES.actorRotated, LEVEL_TYPES.actorRevoked, LEVEL_TYPES.policyAdopted];
const ALL_TYPES: readonly LevelType[] = [...DIRECTORY_TYPES, LEVEL_TYPES.denied];

/** The name of this layer's extension in `ledger.use`. */
export const LEVELS_EXTENSION = 'levels';

export interface PolicyAdopted {
  hash: string;
  /** the policy's canonical JSON value (policy.ts) */
  policy: unknown;
}
export type Action = 'record' | 'dispose' | 'violation' | 'revoke' | 'summary';
export const ACTIONS: readonly Action[] = ['record', 'dispose', 'violation', 'revoke', 'summary'];
export interface Denied {
  action: Action;
  attempt: { actor: string; case: string; line: number | null; type: string };
  policy: string;
  reason: string;
  rules: string[];
}

const HASH = /^[0-9a-f]{64}$/;

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
  if (isMembershipType(type)) return parseMembershipPayload(type, input);
  const v = directoryValue(type, input);
  switch (type) {
    case LEVEL_TYPES.policyAdopted: {
      const o = exactKeys(type, v, ['hash', 'policy']);
      if (typeof o['hash'] !== 'string' || !HASH.test(o['hash'])) malformed(type, 'hash must be 64 lowercase hex digits');
      if (o['policy'] === null || typeof o['policy'] !== 'object' || Array.isArray(o['policy'])) malformed(type, 'policy must be an object');
      return { hash: o['hash'], policy: o['policy'] };
    }
    case LEVEL_TYPES.denied: {
      const o = exactKeys(type, v, ['action', 'attempt', 'policy', 'reason', 'rules']);
      if (!ACTIONS.includes(o['action'] as Action)) malformed(type, `action must be one of ${ACTIONS.join(', ')}`);
      const a = exactKeys(type, o['attempt'], ['actor', 'case', 'line', 'type']);
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
