/**
 * The alerts a case's summary records (docs/supervision.md §6.2): an alert
 * entry noted against its rule and level, a disposition resolved against
 * the alert it names, and, in shadow mode, the engine's own alerts taken as
 * raised. The first recorded alert of a (rule, level) is the raised one: it
 * is what escalates and what a later alert of the same key never repeats.
 */
import { finding, type ExpectedAlert, type Finding } from './alerts.js';
import { alertsOf, hasRaised, newCaseState, raisedKey, type CaseState } from './case-state.js';
import { ownField, type LedgerEntry } from './entry-model.js';
import { missingKey, type EngineState } from './engine-state.js';
import { CALENDAR_MISSING_RULE, type SystemPayload } from './system-entries.js';

/** The summary of the entry's case, made when it has none. */
function stateFor(st: EngineState, entry: LedgerEntry): CaseState {
  st.casesSeen = true;
  let s = st.table.find(entry.caseId, entry.seq, entry.step !== 1);
  if (s === undefined) st.table.put((s = newCaseState(entry)));
  return s;
}

/** A `casetrail.alert` entry: noted in its case (or, for the calendar request, in the engine). */
export function recordAlert(st: EngineState, entry: LedgerEntry, a: SystemPayload<'casetrail.alert'>, shadow: boolean): void {
  if (a.rule === CALENDAR_MISSING_RULE) {
    const cal = ownField(a.facts, 'calendar')?.value;
    const inForce = ownField(a.facts, 'inForce')?.value;
    st.missingRaised.add(missingKey(typeof cal === 'string' ? cal : '', typeof inForce === 'string' ? inForce : null));
    return;
  }
  const s = stateFor(st, entry);
  const key = raisedKey(a.rule, a.level);
  const book = alertsOf(s);
  book.seqs.set(entry.seq, key);
  if (!shadow && !book.raised.has(key)) {
    book.raised.set(key, { rule: a.rule, level: a.level, seq: entry.seq, since: entry.time, disposed: false });
    st.markTimed(s.id);
  }
}

/** A `casetrail.alert.disposed` entry: null when it disposes of an alert of its case not disposed of before, else the DISPOSITION_INVALID finding. */
export function disposeAlert(st: EngineState, entry: LedgerEntry, d: SystemPayload<'casetrail.alert.disposed'>, shadow: boolean): Finding | null {
  const s = st.table.find(entry.caseId, entry.seq, entry.step !== 1);
  const key = s?.alerts?.seqs.get(d.alert);
  if (s === undefined || key === undefined) return finding('DISPOSITION_INVALID', entry.seq, entry.caseId, `disposes of seq ${d.alert}, which is not an alert of case ${entry.caseId}`);
  const book = alertsOf(s);
  if (book.disposed.has(d.alert)) return finding('DISPOSITION_INVALID', entry.seq, entry.caseId, `alert ${d.alert} was already disposed of`);
  book.disposed.add(d.alert);
  const r = book.raised.get(key);
  if (r !== undefined && (shadow || r.seq === d.alert)) r.disposed = true;
  return null;
}

/** Shadow mode: the engine's own alerts are the raised ones (at the seq of the entry they follow). */
export function autoRecord(st: EngineState, entry: LedgerEntry, alerts: readonly ExpectedAlert[]): void {
  for (const a of alerts) {
    if (a.rule === CALENDAR_MISSING_RULE) {
      st.missingRaised.add(missingKey(String(a.facts['calendar']), typeof a.facts['inForce'] === 'string' ? a.facts['inForce'] : null));
      continue;
    }
    const s = st.table.find(a.caseId, entry.seq, false);
    const key = raisedKey(a.rule, a.level);
    if (s === undefined || hasRaised(s, key)) continue;
    alertsOf(s).raised.set(key, { rule: a.rule, level: a.level, seq: entry.seq, since: entry.time, disposed: false });
    st.markTimed(s.id);
  }
}
