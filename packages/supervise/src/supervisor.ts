/**
 * The supervision engine: one deterministic state machine over the ledger's
 * entries (docs/supervision.md §5–§6). `step(entry)` says which alerts must be
 * written immediately after the entry; the writer writes them and passes the
 * alert entries back through `step`, as the auditor does with stored ones.
 */
import { autoRecord, disposeAlert, recordAlert } from './alert-book.js';
import { buildAlert, finding, sortAlerts, type ExpectedAlert, type Finding } from './alerts.js';
import { applyRedaction, applyStep, cloneCaseState, hasLiveClock, newCaseState, raisedKey, type CaseState } from './case-state.js';
import type { JsonObject } from './cel-facts.js';
import { REDACTED, RESERVED_PREFIX, TYPES, isOrdinaryType, ownField, type LedgerEntry } from './entry-model.js';
import { SupervisionError, fail } from './errors.js';
import type { Pack, StepRule } from './pack-model.js';
import { checkRefusal } from './refusal-check.js';
import { evaluateStepRule } from './step-rules.js';
import { CALENDAR_MISSING_RULE, ENGINE, ENGINE_REPLAYS, isSupervisionType, replaysPack, parseSystemPayload, type AlertPayload, type CalendarAdopted, type RulesAdopted, type SystemPayload } from './system-entries.js';
import { evaluateDeadline, type TimeResult } from './time-rules.js';
import { TrackingSet } from './tracking.js';
import { EngineState, type Adoption } from './engine-state.js';
import { missingAlert, timeAlerts } from './time-alerts.js';

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
  /** a `casetrail.alert` entry's payload, as parsed when it was recorded (absent when it is malformed) */
  readonly alert?: AlertPayload;
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
  /**
   * Bounded memory (§6.10): at most `maxCases` case summaries are kept; one
   * that is needed again is refolded from `history` — the case's entries
   * before `beforeSeq`, in ledger order, as stored (an erased payload is
   * REDACTED) — together with the adoptions this engine has seen.
   */
  readonly cache?: { readonly maxCases: number; readonly history: (caseId: string, beforeSeq: number) => Iterable<LedgerEntry> };
}

/** What the folds of one engine share with it: its tracking and the adoptions it saw (parsed once). */
interface Shared {
  readonly track: TrackingSet;
  readonly adoptions: Adoption[];
  /** a fold: step rules are not evaluated (alerts come from the recorded alert entries) */
  readonly folding: boolean;
}

const NO_RULES: readonly StepRule[] = Object.freeze([]);
const EMPTY: StepOutcome = Object.freeze({ alerts: Object.freeze([]), unknown: Object.freeze([]), blocked: Object.freeze([]), findings: Object.freeze([]) });
export class Supervisor {
  private readonly st: EngineState;
  private readonly folding: boolean;
  private readonly history: ((caseId: string, beforeSeq: number) => Iterable<LedgerEntry>) | undefined;
  private readonly shadow: boolean;

  constructor(opts: SupervisorOptions = {}, shared?: Shared) {
    const c = opts.cache;
    if (c !== undefined && (opts.shadow !== undefined || typeof c.history !== 'function')) throw new TypeError('cache needs a history function, and shadow mode keeps every case');
    this.history = c?.history;
    this.folding = shared?.folding ?? false;
    this.st = new EngineState(shared?.track ?? new TrackingSet(), shared?.adoptions ?? [], c === undefined ? undefined : { maxCases: c.maxCases, load: (id, before) => this.fold(id, before) });
    for (const p of opts.track ?? []) this.st.track.add(p);
    this.shadow = opts.shadow !== undefined;
    if (opts.shadow !== undefined) {
      this.st.track.add(opts.shadow);
      this.st.packInForce = opts.shadow;
    }
  }

  /** The pack in force after the entries seen so far. */
  get pack(): Pack | null {
    return this.st.packInForce;
  }

  /** The summary of a case, if it is in memory. Treat it as read-only. */
  caseState(caseId: string): CaseState | undefined {
    return this.st.table.find(caseId, this.st.lastSeq + 1, false);
  }

  /** Number of case summaries in memory (at most the cache's size after each entry, when bounded). */
  get caseCount(): number {
    return this.st.table.size;
  }

  /** The last seq seen (-1 before any). */
  get lastSeq(): number {
    return this.st.lastSeq;
  }

  /**
   * Whether the engine knows every case a tick must look at. A bounded engine
   * that observed a pack adoption with new clocks, or was told
   * `forgetTimed()`, does not: replay from the first entry before a tick or
   * a calendar adoption (`step` throws INVALID_INPUT otherwise).
   */
  get timedKnown(): boolean {
    return this.st.timedComplete;
  }

  /** Forgets which cases are timed (a writer that started from the system entries only). Bounded only. */
  forgetTimed(): void {
    this.bounded('forgetTimed');
    this.st.timedComplete = false;
    this.st.table.timed.clear();
    this.st.table.dormant.clear();
    this.st.table.nextDue.clear();
  }

  /**
   * Tracks `pack` before it is adopted (a writer about to adopt it). If it
   * reads what was not tracked, the summaries in memory are dropped (they are
   * refolded with it) and the timed cases become unknown. Bounded engines only.
   */
  retrack(pack: Pack): void {
    this.bounded('retrack');
    if (this.st.track.add(pack)) this.st.tracksGrew();
  }

  private bounded(what: string): void {
    if (!this.st.table.bounded) throw new TypeError(`${what} needs a bounded engine (createSupervisor({ cache }))`);
  }

  /**
   * Advances over one entry and returns what must follow it.
   * @throws SupervisionError INVALID_INPUT when seqs do not increase or times decrease,
   *   or a pack is adopted whose state was not tracked from the start while cases exist
   */
  step(entry: LedgerEntry): StepOutcome {
    const out = this.advance(entry);
    if (this.shadow) autoRecord(this.st, entry, out.alerts);
    this.st.table.evict();
    return out;
  }

  /**
   * Advances over the alert entry written for `alert`, one of the alerts the
   * previous `step` returned, whose payload is exactly `alert.payload`: as
   * `step(entry)`, without parsing those bytes again (the writer's ledger
   * validated them with the same parser before it wrote them, and they are
   * the canonical JSON of `alert`'s own fields). Any other entry is stepped.
   */
  stepOwnAlert(entry: LedgerEntry, alert: ExpectedAlert): void {
    if (entry.type !== TYPES.alert || entry.payload !== alert.payload || entry.caseId !== alert.caseId || this.shadow) {
      this.step(entry);
      return;
    }
    this.st.order(entry);
    recordAlert(this.st, entry, alert, false);
    this.st.table.evict();
  }

  /**
   * Takes note of an entry without judging it (bounded engines: a writer
   * catching up on entries another process wrote). The summaries it touches
   * are dropped and refolded when needed; its case is looked at by the next
   * tick. Malformed supervision entries are ignored (the audit reports them).
   */
  observe(entry: LedgerEntry): void {
    this.bounded('observe');
    this.st.order(entry);
    const t = entry.type;
    if (isOrdinaryType(t) || t === TYPES.redaction || t === TYPES.alertDisposed) {
      if (!entry.caseId.startsWith(RESERVED_PREFIX)) this.changed(entry.caseId);
      return;
    }
    if (!isSupervisionType(t) || t === TYPES.tick || t === TYPES.refused) return;
    let payload: SystemPayload<typeof t>;
    try {
      if (entry.data === REDACTED) return;
      payload = t === TYPES.rulesAdopted || t === TYPES.calendarAdopted ? this.adopted(entry) : parseSystemPayload(t, entry.payload ?? { value: entry.data }, entry);
    } catch (e) {
      if (e instanceof SupervisionError) return;
      throw e;
    }
    if (t === TYPES.rulesAdopted) {
      this.adoptPack(entry, payload as RulesAdopted);
    } else if (t === TYPES.calendarAdopted) {
      const c = payload as CalendarAdopted;
      this.st.calendars.set(c.calendar.table.id, { calendar: c.calendar, hash: c.hash });
      // Deferred stops are evaluated at a calendar adoption: the timed cases' summaries may have changed.
      for (const id of this.st.table.timed) this.st.table.drop(id);
      this.st.table.nextDue.clear();
    } else if ((payload as SystemPayload<'casetrail.alert'>).rule === CALENDAR_MISSING_RULE) {
      recordAlert(this.st, entry, payload as SystemPayload<'casetrail.alert'>, this.shadow);
    } else {
      this.changed(entry.caseId);
    }
  }

  /** A case changed by an entry not judged here: drop its summary, and let the next tick look at it. */
  private changed(caseId: string): void {
    this.st.casesSeen = true;
    this.st.table.drop(caseId);
    if (this.st.timedComplete) this.st.markTimed(caseId);
  }

  /**
   * Starts a transaction: `rollback()` undoes every change since (the summaries it touched are
   * dropped and refolded from what was committed), `commit()` keeps them. Bounded engines only.
   */
  begin(): void {
    this.bounded('begin');
    this.st.begin();
  }

  get inTransaction(): boolean {
    return this.st.inTransaction;
  }

  commit(): void {
    this.st.commit();
  }

  rollback(): void {
    this.st.rollback();
  }

  /** An adoption's payload, parsed once per engine and its folds. */
  private adopted(entry: LedgerEntry): RulesAdopted | CalendarAdopted {
    const known = this.st.adoptions.find((a) => a.entry.seq === entry.seq);
    if (known !== undefined) return known.payload;
    const payload = parseSystemPayload(entry.type as typeof TYPES.rulesAdopted | typeof TYPES.calendarAdopted, entry.payload ?? { value: entry.data }, entry);
    this.st.adoptions.push({ entry, payload });
    return payload;
  }

  /** Refolds a case dropped from memory (bounded engines). */
  private fold(caseId: string, beforeSeq: number): CaseState | undefined {
    const sub = new Supervisor({}, { track: this.st.track, adoptions: this.st.adoptions, folding: true });
    const own = [...this.history!(caseId, beforeSeq)].filter((e) => e.seq < beforeSeq);
    const adoptions = this.st.adoptions.filter((a) => a.entry.seq < beforeSeq).map((a) => a.entry);
    const merged = own.length === 0 ? [] : [...own, ...adoptions].sort((a, b) => a.seq - b.seq);
    for (const e of merged) sub.step(e);
    return sub.st.table.find(caseId, beforeSeq, false);
  }

  private advance(entry: LedgerEntry): StepOutcome {
    this.st.order(entry);
    const t = entry.type;
    if (isOrdinaryType(t)) return entry.caseId.startsWith(RESERVED_PREFIX) ? EMPTY : this.ordinary(entry, true);
    if (t === TYPES.redaction) {
      const target = ownField(entry.data, 'redacts')?.value;
      const s = this.st.table.find(entry.caseId, entry.seq, entry.step !== 1);
      if (s !== undefined && typeof target === 'number') applyRedaction(s, target, this.st.track);
      return EMPTY;
    }
    if (!isSupervisionType(t)) return EMPTY;
    let payload: SystemPayload<typeof t>;
    try {
      if (entry.data === REDACTED) fail('MALFORMED_SYSTEM_ENTRY', `${t}: a supervision entry cannot be redacted`);
      payload = t === TYPES.rulesAdopted || t === TYPES.calendarAdopted ? this.adopted(entry) : parseSystemPayload(t, entry.payload ?? { value: entry.data }, entry);
    } catch (e) {
      if (!(e instanceof SupervisionError)) throw e;
      return { ...EMPTY, findings: [finding('MALFORMED_SYSTEM_ENTRY', entry.seq, entry.caseId, e.message)] };
    }
    switch (t) {
      case TYPES.rulesAdopted:
        return this.adoptPack(entry, payload as SystemPayload<'casetrail.rules.adopted'>);
      case TYPES.calendarAdopted: {
        const c = payload as SystemPayload<'casetrail.calendar.adopted'>;
        this.st.calendars.set(c.calendar.table.id, { calendar: c.calendar, hash: c.hash });
        const p = this.st.packInForce;
        return p !== null && p.calendar === c.calendar.table.id ? { ...EMPTY, alerts: timeAlerts(this.st, p, entry, true) } : EMPTY;
      }
      case TYPES.tick:
        return this.st.packInForce === null ? EMPTY : { ...EMPTY, alerts: timeAlerts(this.st, this.st.packInForce, entry, false) };
      case TYPES.alert:
        recordAlert(this.st, entry, payload as SystemPayload<'casetrail.alert'>, this.shadow);
        return { ...EMPTY, alert: payload as SystemPayload<'casetrail.alert'> };
      case TYPES.alertDisposed: {
        const problem = disposeAlert(this.st, entry, payload as SystemPayload<'casetrail.alert.disposed'>, this.shadow);
        return problem === null ? EMPTY : { ...EMPTY, findings: [problem] };
      }
      case TYPES.refused: {
        const r = payload as SystemPayload<'casetrail.refused'>;
        if (this.shadow || this.folding) return EMPTY;
        return { ...EMPTY, findings: checkRefusal(this.st.packInForce, this.st.table.find(r.attempt.case, entry.seq, true), entry, r) };
      }
    }
    return EMPTY;
  }

  /** What appending `step` now would raise; changes nothing. Reserved types and cases raise nothing. */
  dryRun(step: StepInput): StepOutcome {
    const entry = this.asEntry(step);
    if (!isOrdinaryType(entry.type) || entry.caseId.startsWith(RESERVED_PREFIX)) return EMPTY;
    const out = this.ordinary(entry, false);
    this.st.table.evict();
    return out;
  }

  /** The `block: true` rules that refuse `step` now (empty: it may be appended). */
  blocking(step: StepInput): readonly BlockedRule[] {
    return this.dryRun(step).blocked;
  }

  private asEntry(s: StepInput): LedgerEntry {
    return { seq: s.seq ?? this.st.lastSeq + 1, time: s.time ?? this.st.lastTime, caseId: s.caseId, step: 0, type: s.type, actor: s.actor, data: s.data };
  }

  private adoptPack(entry: LedgerEntry, a: SystemPayload<'casetrail.rules.adopted'>): StepOutcome {
    if (this.shadow) return EMPTY;
    if (!this.st.track.has(a.pack) && this.st.track.add(a.pack)) {
      if (this.st.table.bounded) this.st.tracksGrew();
      else if (this.st.table.size > 0) {
        fail('INVALID_INPUT', `pack ${a.pack.id} v${a.pack.version} (seq ${entry.seq}) reads case state that was not tracked from the first entry: pass it in \`track\`, or refold the cases (foldCase)`);
      }
    }
    this.st.packInForce = a.pack;
    // Other rules: every case that could be due is looked at again by the next tick.
    this.st.table.nextDue.clear();
    for (const id of this.st.table.dormant) this.st.table.timed.add(id);
    this.st.table.dormant.clear();
    if (a.engine.cel !== ENGINE.cel || !replaysPack(a.engine.supervise, a.pack)) {
      const which = ENGINE_REPLAYS.includes(a.engine.supervise) ? ' (it declares a step field named like a property of Object.prototype, which that version read through the prototype)' : '';
      const msg = `pack ${a.pack.id} was adopted with ${a.engine.cel} / supervise ${a.engine.supervise}; this engine is ${ENGINE.cel} / supervise ${ENGINE.supervise}: verdicts may differ${which}`;
      return { ...EMPTY, findings: [finding('ENGINE_MISMATCH', entry.seq, entry.caseId, msg)] };
    }
    return EMPTY;
  }

  /** An ordinary step: its step rules on the state before it, then the deadlines it stops. */
  private ordinary(entry: LedgerEntry, commit: boolean): StepOutcome {
    const pack = this.st.packInForce;
    if (commit) this.st.casesSeen = true;
    // A bounded engine with nothing tracked keeps nothing: a pack adopted later refolds the cases.
    if (commit && pack === null && this.st.track.size === 0 && this.st.table.bounded) {
      this.st.table.drop(entry.caseId);
      return EMPTY;
    }
    const before = this.st.table.find(entry.caseId, entry.seq, entry.step !== 1);
    // Most steps raise nothing: the lists are made for the first item.
    let alerts: ExpectedAlert[] | null = null;
    let unknown: UnknownVerdict[] | null = null;
    let blocked: BlockedRule[] | null = null;
    if (pack !== null && !this.folding) {
      // Only a case with alerts can have raised one (hasRaised).
      const book = before?.alerts ?? null;
      const rules = pack.stepRules.get(entry.type) ?? NO_RULES;
      // Indexed loops on the per-step path: no iterator per step.
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        const raised = book !== null && book.raised.has(raisedKey(rule.id, rule.level));
        if (raised && !rule.block) continue;
        const v = evaluateStepRule(rule, entry, before, pack);
        if ('unknown' in v) {
          if (!raised) (unknown ??= []).push({ caseId: entry.caseId, rule, entry, pack });
        } else if (v.fire) {
          if (rule.block) (blocked ??= []).push({ rule, facts: v.facts });
          if (!raised) (alerts ??= []).push(buildAlert(pack, entry.caseId, rule, rule.level, [entry.seq], v.facts));
        }
      }
    }
    let state: CaseState;
    if (commit) {
      state = before ?? newCaseState(entry);
      if (before === undefined) this.st.table.put(state);
    } else {
      state = before === undefined ? newCaseState(entry) : cloneCaseState(before);
    }
    applyStep(state, entry, this.st.track);
    let missing: ExpectedAlert | null = null;
    // Only a step whose type moves a clock can have stopped one (applyStep, Tracking.forType).
    if (pack !== null && this.st.track.forType(entry.type).clocks.length > 0) {
      const cal = this.st.calendarFor(pack);
      for (let i = 0; i < pack.deadlines.length; i++) {
        const rule = pack.deadlines[i]!;
        const c = state.clocks.get(rule.clock);
        if (c === undefined || c.stopSeq !== entry.seq || c.stopTime === null) continue;
        const out: TimeResult = { alerts: [], missing: null, nextDue: Infinity };
        evaluateDeadline(rule, c, state, c.stopTime, cal, [entry.seq], out);
        for (const a of out.alerts) (alerts ??= []).push(buildAlert(pack, entry.caseId, a.rule, a.level, a.triggeredBy, a.facts));
        if (out.missing !== null) {
          c.deferred = true;
          missing ??= missingAlert(this.st, pack, cal, out.missing, entry.caseId, rule.id, entry.seq);
        }
      }
    }
    if (commit) {
      // markTimed forgets the case's due instant too.
      if (hasLiveClock(state)) this.st.markTimed(state.id);
      else this.st.table.nextDue.delete(state.id);
    }
    if (pack !== null && alerts !== null && alerts.length > 1) sortAlerts(pack, alerts);
    if (missing !== null) (alerts ??= []).push(missing);
    // Most steps raise nothing: no outcome object for them.
    if (alerts === null && unknown === null && blocked === null) return EMPTY;
    return { alerts: alerts ?? EMPTY.alerts, unknown: unknown ?? EMPTY.unknown, blocked: blocked ?? EMPTY.blocked, findings: EMPTY.findings };
  }

}

/** A new engine. @example const sup = createSupervisor(); for (const e of entries) write(sup.step(e).alerts); */
export function createSupervisor(opts: SupervisorOptions = {}): Supervisor {
  return new Supervisor(opts);
}
