/**
 * Time-based rules (docs/supervision.md §2.3, §4): deadlines from a start step
 * to a stop step with pauses, and escalation of undisposed alerts. Both count
 * working days with calendar.ts and nothing else.
 */
import { dateFromDay, dayOf, elapsedBy, NO_EXCLUSIONS, type Calendar, type Elapsed, type Exclusions } from './calendar.js';
import type { CaseState, ClockState, RaisedAlert } from './case-state.js';
import { hasRaised, raisedKey } from './case-state.js';
import type { JsonObject } from './cel-facts.js';
import type { DeadlineRule, EscalateRule, Pack } from './pack-model.js';

/** The calendar a pack counts with, as adopted (null when none with its id and zone is in force). */
export interface CalendarInForce {
  readonly calendar: Calendar;
  readonly hash: string;
}

export interface TimeAlert {
  readonly rule: DeadlineRule | EscalateRule;
  readonly level: string;
  readonly triggeredBy: readonly number[];
  readonly facts: JsonObject;
}

/** Result of evaluating one rule: alerts, and the first day the calendar lacked (or null). */
export interface TimeResult {
  readonly alerts: TimeAlert[];
  /** a day number, `'none'` when no usable calendar is in force, or null */
  missing: number | 'none' | null;
  /**
   * The earliest instant after which another evaluation could raise something
   * (Infinity: nothing until the case or the calendar changes). Only an
   * optimization: ticks before it skip the case.
   */
  nextDue: number;
}

/**
 * True when `e` has elapsed (and names its day). Otherwise notes in `out` the
 * earliest missing day, or the instant it will elapse, and returns false.
 */
function settled(e: Elapsed, out: TimeResult): e is { elapsed: true; day: number; at: number } {
  if ('missing' in e) {
    if (out.missing === null || (typeof out.missing === 'number' && e.missing < out.missing)) out.missing = e.missing;
    return false;
  }
  if (!e.elapsed || e.day === null) {
    out.nextDue = Math.min(out.nextDue, e.at);
    return false;
  }
  return true;
}

/** Pauses → excluded days: from the day after each pause through the day of its resume. */
export function exclusionsOf(cal: Calendar, c: ClockState): Exclusions {
  if (c.pauses.length === 0 && c.openPause === null) return NO_EXCLUSIONS;
  const ranges: [number, number][] = [];
  for (const [p, r] of c.pauses) {
    const a = dayOf(cal, p) + 1;
    const b = dayOf(cal, r);
    if (a <= b) ranges.push([a, b]);
  }
  return { ranges, openFrom: c.openPause === null ? null : dayOf(cal, c.openPause) + 1 };
}

/** Whether the case has not raised the threshold `t` of `rule` yet (a function, not a closure: evaluateDeadline runs for every timed case at a tick). */
function pending(raised: ReadonlyMap<string, unknown> | undefined, rule: DeadlineRule, t: { readonly level: string }): boolean {
  return raised === undefined || !raised.has(raisedKey(rule.id, t.level));
}

/**
 * The thresholds of a deadline elapsed by `now` and not yet raised in the
 * case. For a running clock `now` is the tick's time; at the stop step (and
 * for a stop evaluated late, §4.4) it is the stop time. `extra` seqs (the
 * tick, the stop, the calendar adoption) follow the start seq in triggeredBy.
 */
export function evaluateDeadline(rule: DeadlineRule, c: ClockState, state: CaseState, now: number, cal: CalendarInForce | null, extra: readonly number[], out: TimeResult): void {
  // The thresholds not raised in the case yet (a case without alerts has raised none).
  const raised = state.alerts?.raised;
  let any = false;
  for (const t of rule.thresholds) {
    if (pending(raised, rule, t)) {
      any = true;
      break;
    }
  }
  if (!any) return;
  if (cal === null) {
    out.missing ??= 'none';
    return;
  }
  const k = cal.calendar;
  const startDay = dayOf(k, c.startTime);
  const ex = exclusionsOf(k, c);
  for (const t of rule.thresholds) {
    if (!pending(raised, rule, t)) continue;
    const e = elapsedBy(k, startDay, t.days, ex, now);
    // Thresholds ascend: once one has not elapsed, the later ones have not either.
    if (!settled(e, out)) return;
    out.alerts.push({
      rule,
      level: t.level,
      triggeredBy: [...new Set([c.startSeq, ...extra])].sort((a, b) => a - b),
      facts: {
        calendar: cal.hash,
        days: t.days,
        dueDate: dateFromDay(e.day),
        pauses: [...c.pauses.map(([p, r]): (number | null)[] => [p, r]), ...(c.openPause === null ? [] : [[c.openPause, null]])],
        start: c.startTime,
        startDate: dateFromDay(startDay),
        stop: c.stopTime,
        stopDate: c.stopTime === null ? null : dateFromDay(dayOf(k, c.stopTime)),
      },
    });
  }
}

/**
 * Escalations due by `now`: each undisposed alert of a level in `from` (and of
 * a rule in `rules`, when given) raises the next level under the escalate
 * rule's own id once `after` working days have elapsed since the day of the
 * alert's entry. One per (case, escalate rule, level): the earliest alert wins.
 */
export function evaluateEscalations(pack: Pack, state: CaseState, now: number, cal: CalendarInForce | null, tickSeq: number, out: TimeResult): void {
  if (pack.escalations.length === 0) return;
  const open: RaisedAlert[] = [];
  for (const r of state.alerts?.raised.values() ?? []) if (!r.disposed) open.push(r);
  if (open.length === 0) return;
  open.sort((a, b) => a.seq - b.seq);
  for (const e of pack.escalations) {
    const done = new Set<string>();
    for (const r of open) {
      if (!e.from.includes(r.level) || (e.rules !== null && !e.rules.includes(r.rule))) continue;
      const next = pack.levels[pack.levels.indexOf(r.level) + 1];
      if (next === undefined || done.has(next) || hasRaised(state, raisedKey(e.id, next))) continue;
      if (cal === null) {
        out.missing ??= 'none';
        continue;
      }
      const k = cal.calendar;
      const since = dayOf(k, r.since);
      const el = elapsedBy(k, since, e.after, NO_EXCLUSIONS, now);
      if (!settled(el, out)) continue;
      done.add(next);
      out.alerts.push({
        rule: e,
        level: next,
        triggeredBy: [r.seq, tickSeq].sort((a, b) => a - b),
        facts: { after: e.after, alertLevel: r.level, alertRule: r.rule, alertSeq: r.seq, calendar: cal.hash, dueDate: dateFromDay(el.day), since: r.since },
      });
    }
  }
}
