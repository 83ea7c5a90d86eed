/**
 * The engine's input: a plain, ordered stream of decoded ledger entries. The
 * engine needs nothing else from the core; the integration decodes entries
 * and parses payloads, and passes `REDACTED` for an erased payload.
 */

/** Stands for a payload erased by a redaction (format.md §4.5). */
export const REDACTED: unique symbol = Symbol.for('casetrail.supervise.redacted');
export type Redacted = typeof REDACTED;

export interface LedgerEntry {
  /** position in the ledger; strictly increasing along the stream */
  readonly seq: number;
  /** ms since epoch UTC; never decreasing along the stream */
  readonly time: number;
  readonly caseId: string;
  /** step number within the case (1, 2, …); carried, not interpreted */
  readonly step: number;
  readonly type: string;
  readonly actor: string;
  /** the parsed JSON payload, or REDACTED */
  readonly data: unknown;
  /**
   * Optional: the payload's UTF-8 text as stored. When given for a system
   * entry, the audit also checks that it is byte for byte canonical JSON.
   */
  readonly payload?: string;
  /**
   * Optional: the entry's leaf hash (RFC 9162, of its stored bytes). A
   * summary of the violations ledger is a root over the leaf hashes of the
   * entries it counts (§14.6), so checking one needs them.
   */
  readonly leaf?: Uint8Array;
}

/** The reserved case of system entries (pack and calendar adoptions, ticks, refusals). */
export const SYSTEM_CASE = 'casetrail.system';

export const RESERVED_PREFIX = 'casetrail.';

export const TYPES = {
  rulesAdopted: 'casetrail.rules.adopted',
  calendarAdopted: 'casetrail.calendar.adopted',
  tick: 'casetrail.tick',
  alert: 'casetrail.alert',
  alertDisposed: 'casetrail.alert.disposed',
  refused: 'casetrail.refused',
  /** written by the core (format.md §4.5); the engine reads which seq it erased */
  redaction: 'casetrail.redaction',
} as const;

/** True for step types the engine supervises (anything not reserved). */
export function isOrdinaryType(type: string): boolean {
  return !type.startsWith(RESERVED_PREFIX);
}

/** Own enumerable property of a parsed JSON object, never an inherited one. */
export function ownField(data: unknown, name: string): { value: unknown } | undefined {
  const v = ownValue(data, name);
  return v === ABSENT ? undefined : { value: v };
}

/** What ownValue gives for a property that is not there. */
export const ABSENT: unique symbol = Symbol('absent');

/** The value of ownField without a wrapper object (the engine's per-step paths): ABSENT when there is none. */
export function ownValue(data: unknown, name: string): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ABSENT;
  return Object.prototype.hasOwnProperty.call(data, name) ? (data as Record<string, unknown>)[name] : ABSENT;
}
