/**
 * The supervision system types in the core's registry of reserved types
 * (docs/api.md "Extensions"): each with the validator of system-entries.ts,
 * none appendable through the public append, none redactable while the
 * registry is in use (NOT_REDACTABLE).
 *
 * The core calls a validator with the parsed payload before the entry is
 * placed, and verification calls it on stored entries, in both cases without
 * the entry's seq and time: the registry checks a payload's shape and
 * values; what depends on the position (a tick's `now` equal to its time,
 * seqs of earlier entries, canonical bytes) is checked by the audit.
 */
import type { LedgerExtension, SystemTypeValidator } from '@casetrail/core';
import { TYPES } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import { renderReason } from '../message.js';
import type { Pack } from '../pack-model.js';
import type { BlockedRule } from '../supervisor.js';
import { POINTS_TYPES, isPointsType, parsePointsPayload, type PointsType } from '../points/entries.js';
import { isSupervisionType, parseSystemPayload, type Refusal, type SupervisionType } from '../system-entries.js';

/** The reserved types supervision writes: its own (§5) and the violations ledger's (§14.3). */
export const SUPERVISION_TYPES: readonly (SupervisionType | PointsType)[] = [
  TYPES.rulesAdopted,
  TYPES.calendarAdopted,
  TYPES.tick,
  TYPES.alert,
  TYPES.alertDisposed,
  TYPES.refused,
  POINTS_TYPES.violation,
  POINTS_TYPES.revoked,
  POINTS_TYPES.summary,
  POINTS_TYPES.standing,
];

/** The name supervision's extension has in `ledger.use`. */
export const EXTENSION_NAME = 'supervise';

function validator(type: SupervisionType | PointsType): SystemTypeValidator {
  return (data, entry) => {
    const now = type === TYPES.tick && typeof data === 'object' && data !== null ? (data as { now?: unknown }).now : undefined;
    const ctx = { seq: Number.MAX_SAFE_INTEGER, time: typeof now === 'number' ? now : -1, caseId: entry.caseId };
    try {
      if (isPointsType(type)) parsePointsPayload(type, { value: data }, ctx);
      else parseSystemPayload(type, { value: data }, ctx);
      return undefined;
    } catch (e) {
      if (e instanceof SupervisionError) return e.message;
      throw e;
    }
  };
}

/** One validator per supervision type, for `ledger.use` and for `verify({ systemTypes })`. */
export function supervisionValidators(): Record<string, SystemTypeValidator> {
  return Object.fromEntries(SUPERVISION_TYPES.map((t) => [t, validator(t)]));
}

/**
 * The registry alone, without screening: for a process that writes no
 * supervised step but must not let supervision records be redacted (the
 * CLI's `redact`), or that verifies their shape.
 * @example ledger.use(supervisionRegistry()); await ledger.redact(7, { reason, actor }); // NOT_REDACTABLE if 7 is an alert
 */
export function supervisionRegistry(): LedgerExtension {
  return { name: EXTENSION_NAME, systemTypes: supervisionValidators(), unredactable: [...SUPERVISION_TYPES] };
}

export { isSupervisionType };

/** The `casetrail.refused` payload of a blocked attempt (docs/supervision.md §5.6, §6.8). */
export function refusalOf(pack: Pack, attempt: { caseId: string; type: string; actor: string }, line: number | null, blocked: readonly BlockedRule[]): Refusal {
  const rules = [...blocked]
    .sort((a, b) => (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0))
    .map((b) => ({ facts: b.facts, id: b.rule.id, level: b.rule.level, version: b.rule.version }));
  const first = blocked.find((b) => b.rule.id === rules[0]!.id)!;
  return {
    attempt: { actor: attempt.actor, case: attempt.caseId, line, type: attempt.type },
    pack: pack.hash,
    reason: renderReason(first.rule.message, { ...first.facts, level: first.rule.level }),
    rules,
  };
}
