/**
 * One unit's part of a monitor round (docs/oversight.md "What a round
 * does"), as named steps over one explicit state ({@link UnitRound}):
 *
 * 1. `newestCheckpoint` — the ledger's newest checkpoint, opened under the
 *    unit's key from the configuration;
 * 2. `provenConsistent` — a rollback (smaller than the last one seen), a fork
 *    (same size, another root) or a consistency proof from the last one
 *    seen that fails is a failure, and both notes are kept as evidence;
 * 3. `verified` — the ledger verified fully the first time (and every
 *    `fullEvery`), else incrementally from the last checkpoint seen, with
 *    supervision's validators for its system entries (as `casetrail verify`);
 * 4. `audited` — the supervision audit and the overview of the newest
 *    checkpoint's history (overview.ts), redone when the ledger grew;
 * 5. the witness's cosignature, when the monitor is the units' witness
 *    (cosigner.ts).
 *
 * The unit's state moves to the newest checkpoint only when steps 1–3 found
 * nothing wrong and step 4 read the checkpoint's history (docs/oversight.md
 * §5.2).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Ledger, verifyLedger } from '@casetrail/core';
import { isSupervisionError } from '@casetrail/supervise';
import { casetrailValidators } from '../levels/ledger-file.js';
import { equalBytes, openCheckpoint, parseVerifierKey, toBase64, toHex, verifyWitnessBody, type Checkpoint, type NoteVerifier } from '@casetrail/verify';
import { keepRecord } from '../durable/records.js';
import type { MonitoredLedger } from './config.js';
import { alertOverview, pointsOverview, type Auditor, type MonitorAudit, type PointsOverview } from './overview.js';
import { seenRoot, type SeenCheckpoint, type UnitState } from './state.js';

/** Problem codes of a unit in a round (docs/errors.md "Monitor problems"). */
export type UnitProblemCode =
  | 'ROLLBACK'
  | 'INCONSISTENT'
  | 'VERIFICATION_FAILED'
  | 'AUDIT_FAILED'
  | 'POLICY_MISMATCH'
  | 'KEY_CHANGED'
  | 'WITNESS_REFUSED'
  | 'UNREADABLE'
  | 'WITNESS_ERROR';

/** Codes that make the round fail (exit 1); the others are operational (exit 3). */
const FAILURES: ReadonlySet<UnitProblemCode> = new Set(['ROLLBACK', 'INCONSISTENT', 'VERIFICATION_FAILED', 'AUDIT_FAILED', 'POLICY_MISMATCH', 'KEY_CHANGED', 'WITNESS_REFUSED']);

/** What the monitor's witness did for the unit this round. */
export type WitnessReport =
  | { status: 'off' }
  | { status: 'cosigned'; size: number; timestamp: number; now: boolean; file?: string; attached?: boolean }
  | { status: 'refused'; httpStatus: number; code: string; message: string; evidence?: string }
  | { status: 'error'; code: string; message: string };

/** One unit's line of the overview. */
export interface UnitReport {
  unit: string;
  ledger: string;
  origin: string;
  /** Entries covered by the newest checkpoint (0 when there is none). */
  size: number;
  checkpoint: { size: number; root: string } | null;
  /** Consistent with the last checkpoint seen (true the first time). */
  consistent: boolean;
  verified: { mode: 'full' | 'incremental'; ok: boolean; entries: number; issues: number } | null;
  audit: MonitorAudit | null;
  /** Open alerts by level. */
  alerts: Record<string, number>;
  /** The hash of the permission policy in force at the checkpoint audited (null: none adopted). */
  policy: string | null;
  /** Cases with an open deadline or escalation alert. */
  overdue: number | null;
  /** Points deducted in the cycle holding the ledger's clock (null: no points model in force, or not audited). */
  points: PointsOverview | null;
  witness: WitnessReport;
  problems: Array<{ code: UnitProblemCode; message: string; evidence?: string }>;
  /** ok; failed (an inconsistency, rollback, failed verification or audit: exit 1); error (operational: exit 3). */
  verdict: 'ok' | 'failed' | 'error';
}

/** What a unit's round works on: the report it fills and the state it may move forward. */
export interface UnitRound {
  readonly cfg: MonitoredLedger;
  readonly verifier: NoteVerifier;
  readonly report: UnitReport;
  readonly last: SeenCheckpoint | null;
  readonly before: UnitState | undefined;
  ledger?: Ledger;
  newest?: Checkpoint & { note: string };
  fullNow?: boolean;
}

/** What the round needs besides the unit. */
export interface UnitContext {
  stateDir: string;
  fullEveryMs: number | undefined;
  auditor: Auditor;
  now: number;
}

export function problem(r: UnitRound, code: UnitProblemCode, message: string, evidence?: string): void {
  r.report.problems.push({ code, message, ...(evidence === undefined ? {} : { evidence }) });
  r.report.verdict = FAILURES.has(code) ? 'failed' : r.report.verdict === 'failed' ? 'failed' : 'error';
}

/** A file-name-safe form of a unit's name, unique by a hash of it. */
export function unitFileName(unit: string): string {
  return `${unit.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48)}-${createHash('sha256').update(unit).digest('hex').slice(0, 8)}`;
}

/** Keeps the two checkpoint notes that cannot both be true (or the last one seen, when the ledger lost every checkpoint). */
function keepEvidence(r: UnitRound, ctx: UnitContext, kind: string, explanation: string, other?: { size: number; root: Uint8Array; note: string }): string {
  const seen = r.last!;
  const now = other ?? r.newest;
  const hash = createHash('sha256').update(`${kind}\n${seen.note}\n\u0000${now?.note ?? ''}`).digest('hex').slice(0, 16);
  const record = { kind, unit: r.cfg.unit, origin: r.verifier.name, recorded: ctx.now, explanation, seen: { size: seen.size, root: seen.root }, now: now === undefined ? null : { size: now.size, root: toBase64(now.root) } };
  const kept = keepRecord(
    join(ctx.stateDir, 'evidence'),
    `${kind}-${unitFileName(r.cfg.unit)}-${hash}`,
    { 'record.json': `${JSON.stringify(record, null, 2)}\n`, 'seen.checkpoint': seen.note, ...(now === undefined ? {} : { 'now.checkpoint': now.note }) },
    1000,
  );
  return kept.path;
}

/** Step 1: the newest checkpoint, under the unit's key. @returns false when the round of this unit ends here */
export async function newestCheckpoint(r: UnitRound, ctx: UnitContext): Promise<boolean> {
  const latest = await r.ledger!.latestCheckpoint();
  if (latest === undefined) {
    if (r.last !== null) {
      problem(r, 'ROLLBACK', `the ledger holds no checkpoint, but the monitor saw one of size ${r.last.size}: its history was removed`, keepEvidence(r, ctx, 'rollback', 'no checkpoint left'));
    }
    return false;
  }
  try {
    const cp = openCheckpoint(latest.note, [r.verifier]);
    if (cp.origin !== r.verifier.name) throw new Error(`its origin is ${JSON.stringify(cp.origin)}`);
    r.newest = cp;
  } catch (e) {
    problem(r, 'VERIFICATION_FAILED', `the newest checkpoint does not verify under the unit's key: ${(e as Error).message}`);
    return false;
  }
  r.report.size = r.newest.size;
  r.report.checkpoint = { size: r.newest.size, root: toHex(r.newest.root) };
  return true;
}

/** Step 2: consistent with the last checkpoint seen. */
export async function provenConsistent(r: UnitRound, ctx: UnitContext): Promise<boolean> {
  const last = r.last;
  const cp = r.newest!;
  if (last === null) return true;
  let why: { kind: string; message: string; other?: { size: number; root: Uint8Array; note: string } } | undefined;
  if (cp.size < last.size) {
    why = { kind: 'rollback', message: `the newest checkpoint has size ${cp.size}, smaller than the one of size ${last.size} seen before: a rollback` };
  } else if (cp.size === last.size) {
    if (!equalBytes(cp.root, seenRoot(last))) why = { kind: 'fork', message: `the ledger signed two different checkpoints of size ${cp.size}: its history was rewritten` };
  } else {
    try {
      // The proof a witness would check, made from the ledger and checked as the witness checks it.
      const made = await r.ledger!.witnessBody(last.note, { to: cp.size, vkey: r.verifier });
      verifyWitnessBody(made.body, [r.verifier], { size: last.size, root: seenRoot(last) });
    } catch (e) {
      why = { kind: 'fork', message: `the ledger does not extend the checkpoint of size ${last.size} seen before: ${(e as Error).message}` };
      // A checkpoint the ledger signed for that size now, with another root, makes the evidence conclusive: two notes, one size.
      const now = await r.ledger!.checkpointAt(last.size).catch(() => undefined);
      if (now !== undefined && !equalBytes(now.root, seenRoot(last))) why.other = { size: now.size, root: now.root, note: now.note };
    }
  }
  if (why === undefined) return true;
  r.report.consistent = false;
  problem(r, why.kind === 'rollback' ? 'ROLLBACK' : 'INCONSISTENT', why.message, keepEvidence(r, ctx, why.kind, why.message, why.other));
  return false;
}

/** Step 3: the ledger verified, fully or from the last checkpoint seen. */
export async function verified(r: UnitRound, ctx: UnitContext): Promise<boolean> {
  const last = r.last;
  const fullAt = r.before?.fullAt ?? null;
  r.fullNow = last === null || fullAt === null || (ctx.fullEveryMs !== undefined && ctx.now - fullAt >= ctx.fullEveryMs);
  const report = await verifyLedger(r.cfg.ledger, {
    vkey: r.verifier,
    ...(last === null ? {} : { trusted: last.note, mode: r.fullNow ? 'full' : 'incremental' }),
    // The entries of casetrail's layers are judged by their rules, so a clean ledger verifies clean (SYSTEM_TYPE_UNKNOWN otherwise).
    systemTypes: casetrailValidators(),
    // Entries after the newest checkpoint are checked, and judged next round once signed.
    allowUnsignedTail: true,
    maxIssues: 20,
  });
  r.report.verified = { mode: report.mode, ok: report.ok, entries: report.checked.entries, issues: report.issueCount };
  if (!report.ok) {
    const first = report.issues.find((i) => i.severity === 'error');
    problem(r, 'VERIFICATION_FAILED', `verification found ${report.issueCount} issue(s)${first === undefined ? '' : `; first: ${first.code}: ${first.message}`}`);
    return false;
  }
  if (report.size < r.newest!.size) {
    problem(r, 'INCONSISTENT', `the ledger has ${report.size} entries, fewer than its newest checkpoint's ${r.newest!.size}: entries were removed during the round`);
    return false;
  }
  return true;
}

/** Step 4: the supervision audit and the overview of the newest checkpoint's history. */
export async function audited(r: UnitRound, ctx: UnitContext): Promise<UnitState['audited']> {
  const cp = r.newest!;
  const cached = r.before?.audited;
  let a: NonNullable<UnitState['audited']>;
  if (cached !== null && cached !== undefined && cached.size === cp.size && r.last !== null && r.last.size === cp.size) {
    a = cached;
  } else {
    const checkpoint = { size: cp.size, root: cp.root };
    try {
      const audit = await ctx.auditor({ unit: r.cfg.unit, ledger: r.cfg.ledger, vkey: r.verifier, checkpoint });
      a = { size: cp.size, audit, ...(await alertOverview(r.cfg.ledger, checkpoint)) };
    } catch (e) {
      // The entries read are not the verified checkpoint's history: the file changed under the monitor.
      if (!isSupervisionError(e, 'STORED_ENTRY_INVALID')) throw e;
      problem(r, 'INCONSISTENT', e.message);
      return null;
    }
  }
  r.report.audit = a.audit;
  r.report.alerts = a.alerts;
  r.report.overdue = a.overdue;
  try {
    r.report.points = await pointsOverview(r.cfg.ledger, cp.size);
  } catch (e) {
    if (!isSupervisionError(e, 'STORED_ENTRY_INVALID')) throw e;
    problem(r, 'INCONSISTENT', e.message);
  }
  if (a.audit.policy !== undefined) r.report.policy = a.audit.policy;
  if (!a.audit.ok) {
    const f = a.audit.first;
    problem(r, 'AUDIT_FAILED', `the supervision audit found ${a.audit.errors} error(s)${f === undefined ? '' : `; first: ${f.code}${f.seq === undefined ? '' : ` at entry ${f.seq}`}: ${f.message}`}`);
  }
  // A subordinate adopts its policy itself: the one in force must be the one its superior issued (docs/oversight.md §9.6).
  const issued = r.cfg.policy;
  if (issued !== undefined && a.audit.policy !== issued) {
    const inForce = a.audit.policy;
    problem(r, 'POLICY_MISMATCH', inForce === undefined ? 'the auditor does not say which policy is in force, and the configuration names one' : inForce === null ? `no policy is adopted at the checkpoint of size ${cp.size}; the configuration names ${issued}` : `the policy in force at the checkpoint of size ${cp.size} is ${inForce}, not the ${issued} the configuration names`);
  }
  return a;
}

/** The report a unit starts its round with. */
export function startUnit(cfg: MonitoredLedger, before: UnitState | undefined): UnitRound {
  const verifier = parseVerifierKey(cfg.vkey);
  const report: UnitReport = {
    unit: cfg.unit,
    ledger: cfg.ledger,
    origin: verifier.name,
    size: 0,
    checkpoint: null,
    consistent: true,
    verified: null,
    audit: null,
    alerts: {},
    policy: null,
    overdue: null,
    points: null,
    witness: { status: 'off' },
    problems: [],
    verdict: 'ok',
  };
  return { cfg, verifier, report, last: before?.checkpoint ?? null, before };
}
