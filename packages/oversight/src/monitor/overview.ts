/**
 * What the monitor shows of a unit's supervision (docs/oversight.md "The
 * overview"): the supervision audit (docs/supervision.md §7) and the open
 * alerts by level and overdue cases — both the supervision layer's own
 * reports on a ledger file (@casetrail/supervise/ledger: `auditLedger`,
 * `ledgerAlerts`, `openAlerts`), asked about the history of the newest
 * checkpoint that the round verified, so that what is shown is proven to be
 * what the unit signed.
 *
 * The audit is a seam: an {@link Auditor} is given the unit, its ledger
 * file, its key and that checkpoint; the default, {@link supervisionAuditor},
 * is `auditLedger` (the ledger verified with supervision's validators, then
 * every adopted pack replayed with bounded memory).
 */
import { isSupervisionError } from '@casetrail/supervise';
import { auditLedger, ledgerAlerts, ledgerPoints, openAlerts, type CheckpointRef } from '@casetrail/supervise/ledger';
import { formatVerifierKey, type NoteVerifier } from '@casetrail/verify';
import { levelsValidators } from '../levels/entries.js';
import { auditLevels } from '../levels/ledger-file.js';

/** What the monitor keeps and shows of an audit. */
export interface MonitorAudit {
  ok: boolean;
  /** Findings of every severity (with verification's issues when the ledger did not verify). */
  findings: number;
  /** Findings of severity error. */
  errors: number;
  /** Packs adopted in the ledger. */
  packs: number;
  /** The first finding of severity error, if any (`seq` absent for a verification issue of the file as a whole). */
  first?: { code: string; seq?: number; message: string };
  /** The hash of the permission policy in force at the checkpoint (null: none adopted; absent: the auditor does not say). */
  policy?: string | null;
}

/** What an auditor is given: a unit, its ledger file and key, and the checkpoint whose history is audited. */
export interface AuditInput {
  unit: string;
  /** The ledger file, as configured. */
  ledger: string;
  /** The unit's verifier key, from the configuration. */
  vkey: NoteVerifier;
  /** The newest checkpoint, its signature checked and its ledger verified this round. */
  checkpoint: CheckpointRef;
}

/** The supervision audit of one unit. What it throws makes the unit's round an operational error, except STORED_ENTRY_INVALID (the file is not the checkpoint's history: INCONSISTENT). */
export type Auditor = (input: AuditInput) => MonitorAudit | Promise<MonitorAudit>;

/**
 * The default auditor: @casetrail/supervise's audit of a ledger file
 * (`auditLedger`), of the checkpoint's history, then the replay of its units,
 * actors and policy (`auditLevels`, docs/oversight.md §9.4) over the same
 * verified file; it reports the hash of the policy in force.
 */
export const supervisionAuditor: Auditor = async ({ ledger, vkey, checkpoint }) => {
  const r = await auditLedger(ledger, { vkey, checkpoint, systemTypes: levelsValidators() });
  if (r.audit === null) {
    // The file did not verify for the audit (it verifies every entry, whatever the round's mode).
    const errors = r.verification.issues.filter((i) => i.severity === 'error');
    const first = errors[0];
    return {
      ok: false,
      findings: r.verification.issueCount,
      errors: errors.length,
      packs: 0,
      ...(first === undefined ? {} : { first: { code: first.code, ...(first.seq === undefined ? {} : { seq: first.seq }), message: `verification before the audit: ${first.message}` } }),
    };
  }
  const lv = await auditLevels(ledger, { vkey: formatVerifierKey(vkey.name, vkey.publicKey), checkpoint, verification: r.verification });
  const levelFindings = lv.findings ?? [];
  const errors = r.audit.findings.filter((f) => f.severity === 'error');
  const first = errors[0] ?? levelFindings[0];
  return {
    ok: r.ok && lv.ok,
    findings: r.audit.findings.length + levelFindings.length,
    errors: errors.length + levelFindings.length,
    packs: r.audit.packs.length,
    ...(first === undefined ? {} : { first: { code: first.code, seq: first.seq, message: first.message } }),
    policy: lv.policy?.hash ?? null,
  };
};

/** Open alerts by level, and how many cases have an open deadline or escalation alert. */
export interface AlertOverview {
  alerts: Record<string, number>;
  overdue: number;
}

/**
 * The open alerts of the checkpoint's history (`ledgerAlerts` with the
 * checkpoint: each alert, disposition and adoption proven in its tree) as
 * `openAlerts` counts them. Malformed supervision entries are not counted:
 * the audit reports them.
 * @throws SupervisionError STORED_ENTRY_INVALID for an entry that does not check or is not in the checkpoint's tree
 */
export async function alertOverview(ledger: string, checkpoint: CheckpointRef): Promise<AlertOverview> {
  const { alerts } = await ledgerAlerts(ledger, { checkpoint });
  const open = openAlerts(alerts);
  return { alerts: open.byLevel, overdue: open.overdueCases };
}

/** A unit's points in the cycle holding its clock (docs/oversight.md "The overview"). */
export interface PointsOverview {
  /** the cycle: `2026` */
  period: string;
  /** points deducted in it, all subjects together */
  deducted: number;
  /** subjects with a violation counted or revoked in it */
  subjects: number;
  /** subjects by the measure they reached (`talk`, `admonish`, …) */
  measures: Record<string, number>;
}

/**
 * The live totals (`ledgerPoints` counting every violation and revocation of
 * the cycle, each row checked; no standing taken on trust) of the first
 * `size` entries — the history the round verified and audited. Null when the
 * pack in force has no points model.
 * @throws SupervisionError STORED_ENTRY_INVALID for an entry that does not check
 */
export async function pointsOverview(ledger: string, size: number): Promise<PointsOverview | null> {
  let r;
  try {
    // Counted from the entries, never continued from a standing: a standing is the watched
    // unit's own statement of its numbers, proven only by the audit (docs/oversight.md §5.3).
    r = await ledgerPoints(ledger, { size, standings: false });
  } catch (e) {
    if (isSupervisionError(e, 'POINTS_MODEL_MISSING')) return null;
    throw e;
  }
  const measures: Record<string, number> = {};
  for (const s of r.subjects) if (s.measure !== null) measures[s.measure.measure] = (measures[s.measure.measure] ?? 0) + 1;
  return { period: r.period, deducted: r.subjects.reduce((n, s) => n + s.deducted, 0), subjects: r.subjects.length, measures };
}
