/**
 * A stand-in for the ledger integration, built on the public API only: it
 * appends steps, runs the engine, writes the expected alerts right after each
 * entry (the position rule), and keeps the stored view an auditor reads
 * (payloads erased by redaction are REDACTED). `raw` appends through "the
 * core alone", without supervision, as an attacker or a careless system would.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256, utf8 } from '@casetrail/core/pure';
import {
  ledgerUnits,
  POINTS_TYPES,
  PointsBook,
  REDACTED,
  SYSTEM_CASE,
  TYPES,
  createSupervisor,
  encodeCalendarAdopted,
  encodeDisposition,
  encodeRefusal,
  encodeRulesAdopted,
  encodeTick,
  loadPack,
  type CalendarTable,
  type ExpectedAlert,
  type LedgerEntry,
  type Outcome,
  type Pack,
  type StepOutcome,
  type Supervisor,
  confirmationOf,
  encodeRevocation,
  encodeSummary,
  encodeViolation,
  parsePeriod,
  periodBounds,
  type Summary,
} from '../../src/index.js';

/** The stand-in for an entry's leaf hash in a simulated ledger (a summary's root is over leaf hashes). */
export function simLeaf(seq: number): Uint8Array {
  return sha256(utf8(`sim leaf ${seq}`));
}

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export function examplePack(): Pack {
  return loadPack(readFileSync(`${repoRoot}examples/rules/approval-supervision.yaml`, 'utf8'), 'approval-supervision.yaml');
}

export function cnCalendar(): CalendarTable {
  return JSON.parse(readFileSync(`${repoRoot}packages/supervise/calendars/cn-mainland.json`, 'utf8')) as CalendarTable;
}

/** `2025-09-30T10:00` (or with seconds / ms) in Asia/Shanghai → ms UTC. */
export function sh(local: string): number {
  const full = local.length === 16 ? `${local}:00` : local;
  const t = Date.parse(`${full}+08:00`);
  if (Number.isNaN(t)) throw new Error(`bad time ${local}`);
  return t;
}

export interface Written {
  readonly seq: number;
  readonly alerts: readonly { seq: number; alert: ExpectedAlert }[];
  readonly outcome: StepOutcome;
}

export class SimLedger {
  /** the stored view, as an auditor reads it */
  readonly entries: LedgerEntry[] = [];
  private sup: Supervisor = createSupervisor();
  private readonly tracked: Pack[] = [];
  private readonly stepNo = new Map<string, number>();
  private time = 0;

  /**
   * @param writeAlert what the writer does with each expected alert: the
   *   payload text to write (default: the expected one), or null to leave it out
   */
  constructor(private readonly writeAlert: (a: ExpectedAlert) => string | null = (a) => a.payload) {}

  private push(caseId: string, type: string, actor: string, data: unknown, time: number | undefined, payload?: string): LedgerEntry {
    const t = time ?? this.time;
    if (t < this.time) throw new Error(`time goes back: ${t} < ${this.time}`);
    this.time = t;
    const step = (this.stepNo.get(caseId) ?? 0) + 1;
    this.stepNo.set(caseId, step);
    const seq = this.entries.length;
    const e: LedgerEntry = { seq, time: t, caseId, step, type, actor, data, leaf: simLeaf(seq), ...(payload === undefined ? {} : { payload }) };
    this.entries.push(e);
    return e;
  }

  /** Appends an entry with supervision: the engine's alerts follow it at once. */
  private supervised(e: LedgerEntry): Written {
    const outcome = this.sup.step(e);
    const alerts: { seq: number; alert: ExpectedAlert }[] = [];
    for (const a of outcome.alerts) {
      const text = this.writeAlert(a);
      if (text === null) continue;
      const ae = this.push(a.caseId, TYPES.alert, 'casetrail:supervise', JSON.parse(text), e.time, text);
      this.sup.step(ae);
      alerts.push({ seq: ae.seq, alert: a });
    }
    return { seq: e.seq, alerts, outcome };
  }

  append(caseId: string, type: string, actor: string, data: unknown, time?: number): Written {
    return this.supervised(this.push(caseId, type, actor, data, time));
  }

  /** Appends through the core alone: no screening, no alerts. */
  raw(caseId: string, type: string, actor: string, data: unknown, time?: number, payload?: string): LedgerEntry {
    const e = this.push(caseId, type, actor, data, time, payload);
    this.sup.step(e);
    return e;
  }

  adoptPack(pack: Pack, time?: number): Written {
    if (!this.tracked.some((p) => p.hash === pack.hash)) {
      // A writer refolds its case summaries with the new pack tracked.
      this.tracked.push(pack);
      this.sup = createSupervisor({ track: this.tracked });
      for (const e of this.entries) this.sup.step(e);
    }
    const payload = encodeRulesAdopted(pack);
    return this.supervised(this.push(SYSTEM_CASE, TYPES.rulesAdopted, 'operator:li', JSON.parse(payload), time, payload));
  }

  adoptCalendar(table: CalendarTable, time?: number): Written {
    const payload = encodeCalendarAdopted(table);
    return this.supervised(this.push(SYSTEM_CASE, TYPES.calendarAdopted, 'operator:li', JSON.parse(payload), time, payload));
  }

  tick(time: number): Written {
    const payload = encodeTick(time);
    return this.supervised(this.push(SYSTEM_CASE, TYPES.tick, 'casetrail:clock', JSON.parse(payload), time, payload));
  }

  dispose(alertSeq: number, outcome: Outcome, reason: string, actor: string, time?: number): Written {
    const alertEntry = this.entries[alertSeq];
    if (alertEntry === undefined) throw new Error('no such entry');
    const payload = encodeDisposition({ alert: alertSeq, outcome, reason });
    return this.supervised(this.push(alertEntry.caseId, TYPES.alertDisposed, actor, JSON.parse(payload), time, payload));
  }

  /** A step refused by its blocking rules: the refusal is recorded instead. Returns null when nothing blocks. */
  tryAppend(caseId: string, type: string, actor: string, data: unknown, time?: number): Written | null {
    const t = time ?? this.time;
    const blocked = this.sup.blocking({ caseId, type, actor, data, time: t, seq: this.entries.length });
    if (blocked.length === 0) return this.append(caseId, type, actor, data, t);
    const pack = this.sup.pack as Pack;
    const rules = blocked.map((b) => ({ facts: b.facts, id: b.rule.id, level: b.rule.level, version: b.rule.version })).sort((a, b) => (a.id < b.id ? -1 : 1));
    const payload = encodeRefusal({ attempt: { actor, case: caseId, line: null, type }, pack: pack.hash, reason: blocked[0]!.rule.message, rules });
    return this.supervised(this.push(SYSTEM_CASE, TYPES.refused, 'casetrail:supervise', JSON.parse(payload), t, payload));
  }

  /** Erases a payload: the stored view loses it and a redaction entry follows in the case. */
  redact(seq: number, reason: string, time?: number): Written {
    const target = this.entries[seq];
    if (target === undefined) throw new Error('no such entry');
    this.entries[seq] = { ...target, data: REDACTED };
    return this.supervised(this.push(target.caseId, TYPES.redaction, 'dpo:wu', { redacts: seq, leaf: '00'.repeat(32), reason }, time));
  }

  /** A violation recorded directly (§14.4): `at` is the latest evidence's time. */
  violate(caseId: string, v: { subject: string; code: string; points: number; evidence: number[]; reason: string; alert?: number; at?: number }, actor = 'inspector:sun', time?: number): LedgerEntry {
    const at = v.at ?? Math.max(...v.evidence.map((s) => this.entries[s]!.time));
    const payload = encodeViolation({ alert: v.alert ?? null, at, code: v.code, evidence: v.evidence, points: v.points, reason: v.reason, subject: v.subject });
    return this.raw(caseId, POINTS_TYPES.violation, actor, JSON.parse(payload), time, payload);
  }

  /** Confirms an alert as a violation: its disposition, and the violation the pack in force derives right after it. */
  confirm(alertSeq: number, actor = 'chief:zhang', reason = '经核实属实', time?: number, points?: number): { disposition: Written; violation: LedgerEntry } {
    const disposition = this.dispose(alertSeq, 'violation', reason, actor, time);
    const caseId = this.entries[alertSeq]!.caseId;
    const c = confirmationOf(this.sup.pack!, alertSeq, caseId, this.entries.filter((e) => e.caseId === caseId), ledgerUnits(this.entries), this.entries.length);
    if (c === null || !('code' in c)) throw new Error(`alert ${alertSeq} cannot be confirmed: ${JSON.stringify(c)}`);
    const pts = points ?? this.sup.pack!.points!.codes.get(c.code)!.min;
    const violation = this.violate(caseId, { subject: c.subject, code: c.code, points: pts, evidence: [...c.evidence], reason, alert: alertSeq, at: c.at }, actor, time);
    return { disposition, violation };
  }

  revoke(violationSeq: number, reason = '申诉成立', actor = 'committee:li', time?: number): LedgerEntry {
    const payload = encodeRevocation({ reason, violation: violationSeq });
    return this.raw(this.entries[violationSeq]!.caseId, POINTS_TYPES.revoked, actor, JSON.parse(payload), time, payload);
  }

  /** The summary the book gives for `period` at the next position (time: the period's end unless given). */
  summarize(period: string, time?: number, amends: Summary['amends'] = null, edit?: (s: Summary) => Summary): LedgerEntry {
    const pack = this.sup.pack!;
    const t = time ?? Math.max(this.time, periodBounds(parsePeriod(period)!, pack.zone).end);
    const text = PointsBook.from(this.entries).expectedSummary(pack, period, ledgerUnits(this.entries), this.entries.length, amends);
    const payload = edit === undefined ? text : encodeSummary(edit(JSON.parse(text) as Summary));
    return this.raw(SYSTEM_CASE, POINTS_TYPES.summary, 'director:chen', JSON.parse(payload), t, payload);
  }

  get supervisor(): Supervisor {
    return this.sup;
  }

  /** Alerts in the stored view: [seq, case, rule, level]. */
  alerts(): [number, string, string, string][] {
    return this.entries
      .filter((e) => e.type === TYPES.alert)
      .map((e) => {
        const d = e.data as { rule: string; level: string };
        return [e.seq, e.caseId, d.rule, d.level];
      });
  }
}
