/**
 * The supervision engine: one deterministic state machine over the ledger's
 * entries (docs/supervision.md §5–§6). `step(entry)` says which alerts must be
 * written immediately after the entry; the writer writes them and passes the
 * alert entries back through `step`, as the auditor does with stored ones.
 */
import { buildAlert, finding, sortAlerts, type ExpectedAlert, type Finding } from './alerts.js';
import { dateFromDay } from './calendar.js';
import { alertsOf, applyRedaction, applyStep, cloneCaseState, hasRaised, newCaseState, raisedKey, type CaseState } from './case-state.js';
import type { JsonObject } from './cel-facts.js';
import { REDACTED, RESERVED_PREFIX, SYSTEM_CASE, TYPES, isOrdinaryType, ownField, type LedgerEntry } from './entry-model.js';
import { SupervisionError, fail } from './errors.js';
import type { Pack, StepRule } from './pack-model.js';
import { checkRefusal } from './refusal-check.js';
import { evaluateStepRule } from './step-rules.js';
import { CALENDAR_MISSING_RULE, ENGINE, isSupervisionType, parseSystemPayload, type SystemPayload } from './system-entries.js';
import { evaluateDeadline, evaluateEscalations, type CalendarInForce, type TimeResult } from './time-rules.js';
import { TrackingSet } from './tracking.js';

/** A rule whose inputs were erased after this point: the audit replays it from a recorded alert's facts. */
export interface UnknownVerdict {
  readonly caseId: string;
  readonly rule: StepRule;
  readonly entry: LedgerEntry;
  readonly pack: Pack;
}

export interface BlockedRule {
  readonly rule: StepRule;
  readonly facts: JsonObject;
}

export interface StepOutcome {
  /** alerts to write immediately after the entry, in this order */
  readonly alerts: readonly ExpectedAlert[];
  readonly unknown: readonly UnknownVerdict[];
  /** `block: true` rules the step fires: an honest writer refuses such a step */
  readonly blocked: readonly BlockedRule[];
  readonly findings: readonly Finding[];
}

/** A step not yet in the ledger (dry run, blocking check). */
export interface StepInput {
  readonly caseId: string;
  readonly type: string;
  readonly actor: string;
  readonly data: unknown;
  /** default: the latest time seen */
  readonly time?: number;
  /** default: one after the latest seq seen */
  readonly seq?: number;
}

export interface SupervisorOptions {
  /** packs whose reads are tracked from the first entry (an auditor passes every pack adopted in the ledger) */
  readonly track?: Iterable<Pack>;
  /**
   * Shadow mode (`tryPack`): this pack is in force from the first entry,
   * adoptions are ignored, the engine's own alerts count as raised, and a
   * recorded disposition disposes of the shadow alert with the same case, rule
   * and level.
   */
  readonly shadow?: Pack;
}

const EMPTY: StepOutcome = { alerts: [], unknown: [], blocked: [], findings: [] };

const MISSING_MESSAGE = {
  zh: '工作日历 {calendar} 缺少自 {needsFrom} 起的日期：时限暂停计算，待采用覆盖这些日期的日历后补算',
  en: 'Calendar {calendar} lacks the days from {needsFrom}: time limits are evaluated once a calendar covering them is adopted',
};

export class Supervisor {
  private packInForce: Pack | null = null;
  private readonly calendars = new Map<string, CalendarInForce>();
  private readonly cases = new Map<string, CaseState>();
  /** cases a tick must look at: a running or deferred clock, or an undisposed alert */
  private readonly timed = new Set<string>();
  private readonly missingRaised = new Set<string>();
  /** per timed case: no tick before this instant can raise anything (an optimization; absent = evaluate) */
  private readonly nextDue = new Map<string, number>();
  private readonly track = new TrackingSet();
  private lastSeq = -1;
  private lastTime = 0;

  private readonly shadow: boolean;

  constructor(opts: SupervisorOptions = {}) {
    for (const p of opts.track ?? []) this.track.add(p);
    this.shadow = opts.shadow !== undefined;
    if (opts.shadow !== undefined) {
      this.track.add(opts.shadow);
      this.packInForce = opts.shadow;
    }
  }

  /** The pack in force after the entries seen so far. */
  get pack(): Pack | null {
    return this.packInForce;
  }

  /** The summary of a case, or undefined. Treat it as read-only. */
  caseState(caseId: string): CaseState | undefined {
    return this.cases.get(caseId);
  }

  /** Number of cases summarized (the engine's memory grows with it, not with entries). */
  get caseCount(): number {
    return this.cases.size;
  }

  /**
   * Advances over one entry and returns what must follow it.
   * @throws SupervisionError INVALID_INPUT when seqs do not increase or times decrease,
   *   or a pack is adopted whose state was not tracked from the start while cases exist
   */
  step(entry: LedgerEntry): StepOutcome {
    const out = this.advance(entry);
    if (this.shadow) this.autoRecord(entry, out.alerts);
    return out;
  }

  private advance(entry: LedgerEntry): StepOutcome {
    if (!Number.isSafeInteger(entry.seq) || entry.seq <= this.lastSeq) fail('INVALID_INPUT', `entry seq ${entry.seq} does not follow ${this.lastSeq}`);
    if (!Number.isSafeInteger(entry.time) || entry.time < this.lastTime) fail('INVALID_INPUT', `entry ${entry.seq}: time ${entry.time} is earlier than ${this.lastTime}`);
    this.lastSeq = entry.seq;
    this.lastTime = entry.time;
    const t = entry.type;
    if (isOrdinaryType(t)) return entry.caseId.startsWith(RESERVED_PREFIX) ? EMPTY : this.ordinary(entry, true);
    if (t === TYPES.redaction) {
      const target = ownField(entry.data, 'redacts')?.value;
      const s = this.cases.get(entry.caseId);
      if (s !== undefined && typeof target === 'number') applyRedaction(s, target, this.track);
      return EMPTY;
    }
    if (!isSupervisionType(t)) return EMPTY;
    let payload: SystemPayload<typeof t>;
    try {
      if (entry.data === REDACTED) fail('MALFORMED_SYSTEM_ENTRY', `${t}: a supervision entry cannot be redacted`);
      payload = parseSystemPayload(t, entry.payload ?? { value: entry.data }, entry);
    } catch (e) {
      if (!(e instanceof SupervisionError)) throw e;
      return { ...EMPTY, findings: [finding('MALFORMED_SYSTEM_ENTRY', entry.seq, entry.caseId, e.message)] };
    }
    switch (t) {
      case TYPES.rulesAdopted:
        return this.adoptPack(entry, payload as SystemPayload<'casetrail.rules.adopted'>);
      case TYPES.calendarAdopted: {
        const c = payload as SystemPayload<'casetrail.calendar.adopted'>;
        this.calendars.set(c.calendar.table.id, { calendar: c.calendar, hash: c.hash });
        const p = this.packInForce;
        return p !== null && p.calendar === c.calendar.table.id ? { ...EMPTY, alerts: this.timeAlerts(p, entry, true) } : EMPTY;
      }
      case TYPES.tick:
        return this.packInForce === null ? EMPTY : { ...EMPTY, alerts: this.timeAlerts(this.packInForce, entry, false) };
      case TYPES.alert:
        this.recordAlert(entry, payload as SystemPayload<'casetrail.alert'>);
        return EMPTY;
      case TYPES.alertDisposed:
        return this.dispose(entry, payload as SystemPayload<'casetrail.alert.disposed'>);
      case TYPES.refused: {
        const r = payload as SystemPayload<'casetrail.refused'>;
        return this.shadow ? EMPTY : { ...EMPTY, findings: checkRefusal(this.packInForce, this.cases.get(r.attempt.case), entry, r) };
      }
    }
    return EMPTY;
  }

  /** Shadow mode: the engine's own alerts are the raised ones (at the seq of the entry they follow). */
  private autoRecord(entry: LedgerEntry, alerts: readonly ExpectedAlert[]): void {
    for (const a of alerts) {
      if (a.rule === CALENDAR_MISSING_RULE) {
        this.missingRaised.add(`${String(a.facts['calendar'])}\u0000${typeof a.facts['inForce'] === 'string' ? a.facts['inForce'] : ''}`);
        continue;
      }
      const s = this.cases.get(a.caseId);
      const key = raisedKey(a.rule, a.level);
      if (s === undefined || hasRaised(s, key)) continue;
      alertsOf(s).raised.set(key, { rule: a.rule, level: a.level, seq: entry.seq, since: entry.time, disposed: false });
      this.timed.add(s.id);
      this.nextDue.delete(s.id);
    }
  }

  /** What appending `step` now would raise; changes nothing. Reserved types and cases raise nothing. */
  dryRun(step: StepInput): StepOutcome {
    const entry = this.asEntry(step);
    if (!isOrdinaryType(entry.type) || entry.caseId.startsWith(RESERVED_PREFIX)) return EMPTY;
    return this.ordinary(entry, false);
  }

  /** The `block: true` rules that refuse `step` now (empty: it may be appended). */
  blocking(step: StepInput): readonly BlockedRule[] {
    const entry = this.asEntry(step);
    if (!isOrdinaryType(entry.type) || entry.caseId.startsWith(RESERVED_PREFIX)) return [];
    return this.ordinary(entry, false).blocked;
  }

  private asEntry(s: StepInput): LedgerEntry {
    return { seq: s.seq ?? this.lastSeq + 1, time: s.time ?? this.lastTime, caseId: s.caseId, step: 0, type: s.type, actor: s.actor, data: s.data };
  }

  private calendarFor(pack: Pack): CalendarInForce | null {
    if (pack.calendar === null) return null;
    const c = this.calendars.get(pack.calendar);
    return c !== undefined && c.calendar.table.zone === pack.zone ? c : null;
  }

  private adoptPack(entry: LedgerEntry, a: SystemPayload<'casetrail.rules.adopted'>): StepOutcome {
    if (this.shadow) return EMPTY;
    if (!this.track.has(a.pack)) {
      const grew = this.track.add(a.pack);
      if (grew && this.cases.size > 0) {
        fail('INVALID_INPUT', `pack ${a.pack.id} v${a.pack.version} (seq ${entry.seq}) reads case state that was not tracked from the first entry: pass it in \`track\`, or refold the cases (foldCase)`);
      }
    }
    this.packInForce = a.pack;
    // Other rules: every case that could be due is looked at again by the next tick.
    this.nextDue.clear();
    for (const c of this.cases.values()) {
      if ([...c.clocks.values()].some((k) => k.stopSeq === null || k.deferred) || [...(c.alerts?.raised.values() ?? [])].some((r) => !r.disposed)) this.timed.add(c.id);
    }
    if (a.engine.cel !== ENGINE.cel || a.engine.supervise !== ENGINE.supervise) {
      const msg = `pack ${a.pack.id} was adopted with ${a.engine.cel} / supervise ${a.engine.supervise}; this engine is ${ENGINE.cel} / supervise ${ENGINE.supervise}: verdicts may differ`;
      return { ...EMPTY, findings: [finding('ENGINE_MISMATCH', entry.seq, entry.caseId, msg)] };
    }
    return EMPTY;
  }

  private stateFor(entry: LedgerEntry): CaseState {
    let s = this.cases.get(entry.caseId);
    if (s === undefined) this.cases.set(entry.caseId, (s = newCaseState(entry)));
    return s;
  }

  /** An ordinary step: its step rules on the state before it, then the deadlines it stops. */
  private ordinary(entry: LedgerEntry, commit: boolean): StepOutcome {
    const pack = this.packInForce;
    const before = this.cases.get(entry.caseId);
    const alerts: ExpectedAlert[] = [];
    const unknown: UnknownVerdict[] = [];
    const blocked: BlockedRule[] = [];
    if (pack !== null) {
      for (const rule of pack.stepRules.get(entry.type) ?? []) {
        const raised = hasRaised(before, raisedKey(rule.id, rule.level));
        if (raised && !rule.block) continue;
        const v = evaluateStepRule(rule, entry, before, pack);
        if ('unknown' in v) {
          if (!raised) unknown.push({ caseId: entry.caseId, rule, entry, pack });
        } else if (v.fire) {
          if (rule.block) blocked.push({ rule, facts: v.facts });
          if (!raised) alerts.push(buildAlert(pack, entry.caseId, rule, rule.level, [entry.seq], v.facts));
        }
      }
    }
    let state: CaseState;
    if (commit) {
      state = this.stateFor(entry);
    } else {
      state = before === undefined ? newCaseState(entry) : cloneCaseState(before);
    }
    applyStep(state, entry, this.track);
    let missing: ExpectedAlert | null = null;
    if (pack !== null) {
      const cal = this.calendarFor(pack);
      for (const rule of pack.deadlines) {
        const c = state.clocks.get(rule.clock);
        if (c === undefined || c.stopSeq !== entry.seq || c.stopTime === null) continue;
        const out: TimeResult = { alerts: [], missing: null, nextDue: Infinity };
        evaluateDeadline(rule, c, state, c.stopTime, cal, [entry.seq], out);
        for (const a of out.alerts) alerts.push(buildAlert(pack, entry.caseId, a.rule, a.level, a.triggeredBy, a.facts));
        if (out.missing !== null) {
          c.deferred = true;
          missing ??= this.missingAlert(pack, cal, out.missing, entry.caseId, rule.id, entry.seq);
        }
      }
    }
    if (commit) {
      this.nextDue.delete(state.id);
      if ([...state.clocks.values()].some((c) => c.stopSeq === null || c.deferred)) this.timed.add(state.id);
    }
    if (pack !== null) sortAlerts(pack, alerts);
    if (missing !== null) alerts.push(missing);
    return { alerts, unknown, blocked, findings: [] };
  }

  /**
   * Deadlines and escalations due at a tick (or a calendar adoption, which
   * also evaluates stop steps whose calendar was missing, as of their stop).
   */
  private timeAlerts(pack: Pack, entry: LedgerEntry, calendarAdoption: boolean): ExpectedAlert[] {
    const cal = this.calendarFor(pack);
    const now = entry.time;
    const cases: CaseState[] = [];
    for (const id of this.timed) {
      const s = this.cases.get(id);
      // A calendar adoption changes the days: it looks at every timed case.
      if (s !== undefined && (calendarAdoption || (this.nextDue.get(id) ?? -Infinity) <= now)) cases.push(s);
    }
    cases.sort((a, b) => a.firstSeq - b.firstSeq);
    const all: ExpectedAlert[] = [];
    let missing: ExpectedAlert | null = null;
    for (const s of cases) {
      const alerts: ExpectedAlert[] = [];
      let due = Infinity;
      let waitsForCalendar = false;
      for (const rule of pack.deadlines) {
        const c = s.clocks.get(rule.clock);
        if (c === undefined) continue;
        const out: TimeResult = { alerts: [], missing: null, nextDue: Infinity };
        if (c.stopSeq === null) {
          evaluateDeadline(rule, c, s, now, cal, [entry.seq], out);
        } else if (calendarAdoption && c.deferred && c.stopTime !== null) {
          evaluateDeadline(rule, c, s, c.stopTime, cal, [c.stopSeq, entry.seq], out);
          if (out.missing === null) c.deferred = false;
        } else {
          continue;
        }
        for (const a of out.alerts) alerts.push(buildAlert(pack, s.id, a.rule, a.level, a.triggeredBy, a.facts));
        if (out.missing !== null) {
          waitsForCalendar = true;
          missing ??= this.missingAlert(pack, cal, out.missing, s.id, rule.id, entry.seq);
        }
        due = Math.min(due, out.nextDue);
      }
      const esc: TimeResult = { alerts: [], missing: null, nextDue: Infinity };
      evaluateEscalations(pack, s, now, cal, entry.seq, esc);
      for (const a of esc.alerts) alerts.push(buildAlert(pack, s.id, a.rule, a.level, a.triggeredBy, a.facts));
      if (esc.missing !== null) {
        waitsForCalendar = true;
        missing ??= this.missingAlert(pack, cal, esc.missing, s.id, pack.escalations[0]?.id ?? '', entry.seq);
      }
      due = Math.min(due, esc.nextDue);
      all.push(...sortAlerts(pack, alerts));
      // Alerts raised now are recorded next and reset this; until then nothing is due before `due`.
      if (alerts.length > 0) due = -Infinity;
      if (due === Infinity && !waitsForCalendar && ![...s.clocks.values()].some((c) => c.deferred)) {
        this.timed.delete(s.id);
        this.nextDue.delete(s.id);
      } else {
        this.nextDue.set(s.id, due);
      }
    }
    if (missing !== null) all.push(missing);
    return all;
  }

  private missingAlert(pack: Pack, cal: CalendarInForce | null, needs: number | 'none', caseId: string, rule: string, seq: number): ExpectedAlert | null {
    const id = pack.calendar ?? '';
    const key = `${id}\u0000${cal?.hash ?? ''}`;
    if (this.missingRaised.has(key)) return null;
    const facts = { calendar: id, case: caseId, inForce: cal?.hash ?? null, needsFrom: typeof needs === 'number' ? dateFromDay(needs) : null, rule };
    const top = pack.levels[pack.levels.length - 1] as string;
    return buildAlert(pack, SYSTEM_CASE, { id: CALENDAR_MISSING_RULE, version: 1, message: MISSING_MESSAGE }, top, [seq], facts);
  }

  private recordAlert(entry: LedgerEntry, a: SystemPayload<'casetrail.alert'>): void {
    if (a.rule === CALENDAR_MISSING_RULE) {
      const cal = ownField(a.facts, 'calendar')?.value;
      const inForce = ownField(a.facts, 'inForce')?.value;
      this.missingRaised.add(`${typeof cal === 'string' ? cal : ''}\u0000${typeof inForce === 'string' ? inForce : ''}`);
      return;
    }
    const s = this.stateFor(entry);
    const key = raisedKey(a.rule, a.level);
    const book = alertsOf(s);
    book.seqs.set(entry.seq, key);
    if (!this.shadow && !book.raised.has(key)) {
      book.raised.set(key, { rule: a.rule, level: a.level, seq: entry.seq, since: entry.time, disposed: false });
      this.timed.add(s.id);
      this.nextDue.delete(s.id);
    }
  }

  private dispose(entry: LedgerEntry, d: SystemPayload<'casetrail.alert.disposed'>): StepOutcome {
    const s = this.cases.get(entry.caseId);
    const key = s?.alerts?.seqs.get(d.alert);
    const invalid = (msg: string): StepOutcome => ({ ...EMPTY, findings: [finding('DISPOSITION_INVALID', entry.seq, entry.caseId, msg)] });
    if (s === undefined || key === undefined) return invalid(`disposes of seq ${d.alert}, which is not an alert of case ${entry.caseId}`);
    const book = alertsOf(s);
    if (book.disposed.has(d.alert)) return invalid(`alert ${d.alert} was already disposed of`);
    book.disposed.add(d.alert);
    const r = book.raised.get(key);
    if (r !== undefined && (this.shadow || r.seq === d.alert)) r.disposed = true;
    return EMPTY;
  }
}

/** A new engine. @example const sup = createSupervisor(); for (const e of entries) write(sup.step(e).alerts); */
export function createSupervisor(opts: SupervisorOptions = {}): Supervisor {
  return new Supervisor(opts);
}
