/**
 * Expected alerts — what the engine says must be written right after an entry
 * — and the audit's findings. The order of alerts after one entry is fixed
 * (docs/supervision.md §5.7): cases by the seq of their first entry, then rule
 * id (code-unit order), then level order; the calendar-missing system alert last.
 */
import type { JsonObject } from './cel-facts.js';
import { renderReason } from './message.js';
import type { Message, Pack } from './pack-model.js';
import { encodeAlert, type AlertPayload } from './system-entries.js';

export interface ExpectedAlert extends AlertPayload {
  /** the case the alert entry belongs to */
  readonly caseId: string;
  /** canonical JSON payload to write as the `casetrail.alert` entry */
  readonly payload: string;
}

export function buildAlert(pack: Pack, caseId: string, rule: { id: string; version: number; message: Message }, level: string, triggeredBy: readonly number[], facts: JsonObject): ExpectedAlert {
  const reason = renderReason(rule.message, { ...facts, level });
  const a: AlertPayload = { facts, level, pack: pack.hash, reason, rule: rule.id, ruleVersion: rule.version, triggeredBy };
  return { ...a, caseId, payload: encodeAlert(a) };
}

/** Sorts one case's alerts by rule id, then by level order. */
export function sortAlerts(pack: Pack, alerts: ExpectedAlert[]): ExpectedAlert[] {
  return alerts.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : pack.levels.indexOf(a.level) - pack.levels.indexOf(b.level)));
}

export type FindingCode =
  | 'ALERT_SUPPRESSED'
  | 'ALERT_FABRICATED'
  | 'ALERT_DIFFERS'
  | 'NOT_REPLAYABLE'
  | 'MALFORMED_SYSTEM_ENTRY'
  | 'DISPOSITION_INVALID'
  | 'REFUSAL_INVALID'
  | 'BLOCK_BYPASSED'
  | 'ENGINE_MISMATCH'
  // the violations ledger (§14.8)
  | 'VIOLATION_INVALID'
  | 'VIOLATION_MISSING'
  | 'REVOCATION_INVALID'
  | 'SUMMARY_INVALID'
  | 'SUMMARY_DIFFERS'
  | 'STANDING_INVALID'
  | 'STANDING_DIFFERS';

export interface Finding {
  readonly code: FindingCode;
  /** `error` fails the audit; `warning` is reported and does not */
  readonly severity: 'error' | 'warning';
  /** the entry where it was found (for alerts: the entry they follow, or the alert entry) */
  readonly seq: number;
  readonly caseId: string;
  readonly rule?: string;
  readonly level?: string;
  /** the subject a summary finding is about */
  readonly subject?: string;
  readonly message: string;
}

export const FINDING_SEVERITY: Readonly<Record<FindingCode, 'error' | 'warning'>> = {
  ALERT_SUPPRESSED: 'error',
  ALERT_FABRICATED: 'error',
  ALERT_DIFFERS: 'error',
  NOT_REPLAYABLE: 'warning',
  MALFORMED_SYSTEM_ENTRY: 'error',
  DISPOSITION_INVALID: 'error',
  REFUSAL_INVALID: 'error',
  BLOCK_BYPASSED: 'error',
  ENGINE_MISMATCH: 'warning',
  VIOLATION_INVALID: 'error',
  VIOLATION_MISSING: 'error',
  REVOCATION_INVALID: 'error',
  SUMMARY_INVALID: 'error',
  SUMMARY_DIFFERS: 'error',
  STANDING_INVALID: 'error',
  STANDING_DIFFERS: 'error',
};

export function finding(code: FindingCode, seq: number, caseId: string, message: string, extra: { rule?: string; level?: string; subject?: string } = {}): Finding {
  return { code, severity: FINDING_SEVERITY[code], seq, caseId, ...extra, message };
}
