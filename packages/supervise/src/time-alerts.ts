/**
 * What a tick raises (docs/supervision.md §6.4–§6.6): for every timed case
 * that may be due, the deadline thresholds elapsed and the escalations, and
 * the one system alert asking for a calendar when days are missing. A
 * calendar adoption evaluates every timed case, and the stops whose count
 * was deferred as of their stop.
 */
import { buildAlert, sortAlerts, type ExpectedAlert } from './alerts.js';
import { dateFromDay } from './calendar.js';
import { hasLiveClock, type CaseState } from './case-state.js';
import { missingKey, type EngineState } from './engine-state.js';
import { SYSTEM_CASE, type LedgerEntry } from './entry-model.js';
import { fail } from './errors.js';
import type { Pack } from './pack-model.js';
import { CALENDAR_MISSING_RULE } from './system-entries.js';
import { evaluateDeadline, evaluateEscalations, type CalendarInForce, type TimeResult } from './time-rules.js';

export const MISSING_MESSAGE = {
  zh: '工作日历 {calendar} 缺少自 {needsFrom} 起的日期：时限暂停计算，待采用覆盖这些日期的日历后补算',
  en: 'Calendar {calendar} lacks the days from {needsFrom}: time limits are evaluated once a calendar covering them is adopted',
};

/**
 * Deadlines and escalations due at a tick (or a calendar adoption, which
 * also evaluates stop steps whose calendar was missing, as of their stop).
 */
export function timeAlerts(st: EngineState, pack: Pack, entry: LedgerEntry, calendarAdoption: boolean): ExpectedAlert[] {
  if (!st.timedComplete) {
    fail('INVALID_INPUT', `entry ${entry.seq} (${entry.type}): the cases a tick must look at are not known to this engine; replay the ledger from the first entry`);
  }
  const cal = st.calendarFor(pack);
  const now = entry.time;
  const cases: CaseState[] = [];
  for (const id of st.table.timed) {
    // A calendar adoption changes the days: it looks at every timed case.
    if (!calendarAdoption && (st.table.nextDue.get(id) ?? -Infinity) > now) continue;
    const s = st.table.find(id, entry.seq, true);
    if (s === undefined) st.table.timed.delete(id);
    else cases.push(s);
  }
  cases.sort((a, b) => a.firstSeq - b.firstSeq);
  const all: ExpectedAlert[] = [];
  let missing: ExpectedAlert | null = null;
  // One result and one seq list for every evaluation of this tick (each result is read before the next).
  const out: TimeResult = { alerts: [], missing: null, nextDue: Infinity };
  const tickSeq = [entry.seq];
  for (const s of cases) {
    const alerts: ExpectedAlert[] = [];
    let due = Infinity;
    let waitsForCalendar = false;
    for (const rule of pack.deadlines) {
      const c = s.clocks.get(rule.clock);
      if (c === undefined) continue;
      out.alerts.length = 0;
      out.missing = null;
      out.nextDue = Infinity;
      if (c.stopSeq === null) {
        evaluateDeadline(rule, c, s, now, cal, tickSeq, out);
      } else if (calendarAdoption && c.deferred && c.stopTime !== null) {
        evaluateDeadline(rule, c, s, c.stopTime, cal, [c.stopSeq, entry.seq], out);
        if (out.missing === null) c.deferred = false;
      } else {
        continue;
      }
      for (const a of out.alerts) alerts.push(buildAlert(pack, s.id, a.rule, a.level, a.triggeredBy, a.facts));
      if (out.missing !== null) {
        waitsForCalendar = true;
        missing ??= missingAlert(st, pack, cal, out.missing, s.id, rule.id, entry.seq);
      }
      due = Math.min(due, out.nextDue);
    }
    out.alerts.length = 0;
    out.missing = null;
    out.nextDue = Infinity;
    evaluateEscalations(pack, s, now, cal, entry.seq, out);
    for (const a of out.alerts) alerts.push(buildAlert(pack, s.id, a.rule, a.level, a.triggeredBy, a.facts));
    if (out.missing !== null) {
      waitsForCalendar = true;
      missing ??= missingAlert(st, pack, cal, out.missing, s.id, pack.escalations[0]?.id ?? '', entry.seq);
    }
    due = Math.min(due, out.nextDue);
    all.push(...sortAlerts(pack, alerts));
    // Alerts raised now are recorded next and reset this; until then nothing is due before `due`.
    if (alerts.length > 0) due = -Infinity;
    if (due === Infinity && !waitsForCalendar && !hasLiveClock(s, true)) {
      // Nothing more under this pack until the case changes; another pack looks again (adoptPack).
      st.table.timed.delete(s.id);
      st.table.nextDue.delete(s.id);
      if (stillTimed(s)) st.table.dormant.add(s.id);
    } else {
      st.table.nextDue.set(s.id, due);
    }
  }
  if (missing !== null) all.push(missing);
  return all;
}

/** The system alert asking for a calendar, unless one was raised for this calendar id and calendar in force. */
export function missingAlert(st: EngineState, pack: Pack, cal: CalendarInForce | null, needs: number | 'none', caseId: string, rule: string, seq: number): ExpectedAlert | null {
  const id = pack.calendar ?? '';
  const key = missingKey(id, cal?.hash ?? null);
  if (st.missingRaised.has(key)) return null;
  const facts = { calendar: id, case: caseId, inForce: cal?.hash ?? null, needsFrom: typeof needs === 'number' ? dateFromDay(needs) : null, rule };
  const top = pack.levels[pack.levels.length - 1] as string;
  return buildAlert(pack, SYSTEM_CASE, { id: CALENDAR_MISSING_RULE, version: 1, message: MISSING_MESSAGE }, top, [seq], facts);
}

/** A case a tick may have to look at again under another pack: a running or deferred clock, or an undisposed alert. */
function stillTimed(s: CaseState): boolean {
  if (hasLiveClock(s)) return true;
  for (const r of s.alerts?.raised.values() ?? []) if (!r.disposed) return true;
  return false;
}
