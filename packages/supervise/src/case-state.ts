/**
 * The bounded summary the engine keeps per case (docs/supervision.md §6):
 * counts of tracked step types, the latest step of each tracked type with the
 * fields rules read, the actors of separation-rule types, aggregates, deadline
 * clocks, and the alerts raised in the case with their dispositions. Never the
 * whole history: its size depends on the packs, not on the number of entries.
 */
import { ABSENT, REDACTED, ownValue, type LedgerEntry } from './entry-model.js';
import type { Tracking } from './pack-model.js';
import { LIMITS } from './pack-schema.js';

/**
 * present: the payload was read; unavailable: erased in storage but no
 * redaction entry seen yet (an auditor replaying history); erased: a redaction
 * entry before this point erased it.
 */
export type DataStatus = 'present' | 'unavailable' | 'erased';

export interface LatestStep {
  readonly seq: number;
  readonly time: number;
  readonly actor: string;
  /** tracked fields only (own properties of an object with no Object.prototype in its chain), as parsed JSON; a string longer than the limit is `{overLimit: length}` */
  readonly data: Readonly<Record<string, unknown>>;
  status: DataStatus;
}

export interface AggState {
  value: number | null;
  status: DataStatus;
}

export interface ClockState {
  startSeq: number;
  startTime: number;
  stopSeq: number | null;
  stopTime: number | null;
  /** closed pauses: [pause time, resume time] */
  readonly pauses: [number, number][];
  /** time of a pause not yet resumed */
  openPause: number | null;
  /** the stop-time evaluation waits for a calendar (docs/supervision.md §4.4) */
  deferred: boolean;
}

export interface RaisedAlert {
  readonly rule: string;
  readonly level: string;
  /** seq of the recorded `casetrail.alert` entry */
  readonly seq: number;
  /** time of the entry that caused it (escalation counts from its day) */
  readonly since: number;
  disposed: boolean;
}

/** The alerts of a case; most cases have none, so it is created on the first. */
export interface CaseAlerts {
  /** `rule \u0000 level` → the first recorded alert of that rule and level */
  readonly raised: Map<string, RaisedAlert>;
  /** every recorded alert seq → its raised key, to resolve dispositions */
  readonly seqs: Map<number, string>;
  /** recorded alert seqs already disposed of */
  readonly disposed: Set<number>;
}

// Collections are created on first use: an empty Map costs about 190 bytes,
// and the summary of every case stays in memory during an audit.
export interface CaseState {
  readonly id: string;
  readonly firstSeq: number;
  readonly firstTime: number;
  readonly counts: Map<string, number>;
  readonly latest: Map<string, LatestStep>;
  /** `type \u0000 actor` → seq of the first step of that type by that actor */
  actors: Map<string, number> | null;
  /** aggregate definition key → state */
  aggs: Map<string, AggState> | null;
  readonly clocks: Map<string, ClockState>;
  alerts: CaseAlerts | null;
}

export function actorKey(type: string, actor: string): string {
  return `${type}\u0000${actor}`;
}

/** Whether a clock of the case runs (started, not stopped) or waits for a calendar to evaluate its stop. */
export function hasLiveClock(state: CaseState, deferredOnly = false): boolean {
  if (state.clocks.size === 0) return false;
  for (const c of state.clocks.values()) if (c.deferred || (!deferredOnly && c.stopSeq === null)) return true;
  return false;
}

/** Whether the case has an alert of `key` (raisedKey). */
export function hasRaised(state: CaseState | undefined, key: string): boolean {
  return state?.alerts?.raised.has(key) ?? false;
}

export function alertsOf(state: CaseState): CaseAlerts {
  return (state.alerts ??= { raised: new Map(), seqs: new Map(), disposed: new Set() });
}

export function raisedKey(rule: string, level: string): string {
  return `${rule}\u0000${level}`;
}

export function newCaseState(entry: LedgerEntry): CaseState {
  return {
    id: entry.caseId,
    firstSeq: entry.seq,
    firstTime: entry.time,
    counts: new Map(),
    latest: new Map(),
    clocks: new Map(),
    alerts: null,
    actors: null,
    aggs: null,
  };
}

/** Most (type, actor) pairs kept per case; beyond it the first ones stay. */
const MAX_ACTORS = 256;

/**
 * The tracked fields of a latest step: objects whose only prototype is an
 * empty object with a null prototype, so no field name (`__proto__`,
 * `constructor`) reaches Object.prototype, as with Object.create(null) — but
 * made by a constructor, so V8 keeps them in its fast layout where
 * Object.create(null) makes a dictionary (this runs for most steps).
 */
const LatestData = function LatestData(this: object) {} as unknown as new () => Record<string, unknown>;
LatestData.prototype = Object.create(null) as object;

/** Keeps a field value, bounded: an over-long string becomes `{overLimit: n}`. */
function keepValue(v: unknown): unknown {
  if (typeof v === 'string' && v.length > LIMITS.stringFieldMax) return { overLimit: v.length };
  if (Array.isArray(v) && v.length > LIMITS.listFieldMax) return { overLimit: v.length };
  return v;
}

/**
 * Folds one ordinary step into the summary (after its rules were evaluated
 * against the state before it). Clocks are advanced here too.
 */
export function applyStep(state: CaseState, entry: LedgerEntry, track: Tracking): void {
  const t = entry.type;
  const redacted = entry.data === REDACTED;
  // Only what a step of this type changes (Tracking.forType), in the tracking's order.
  const my = track.forType(t);
  if (my.counted) state.counts.set(t, (state.counts.get(t) ?? 0) + 1);
  const fields = my.latestFields;
  if (fields !== undefined) {
    const data = new LatestData();
    if (!redacted) {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        const got = ownValue(entry.data, f);
        if (got !== ABSENT) data[f] = keepValue(got);
      }
    }
    state.latest.set(t, { seq: entry.seq, time: entry.time, actor: entry.actor, data, status: redacted ? 'unavailable' : 'present' });
  }
  if (my.actors) {
    const m = (state.actors ??= new Map());
    const k = actorKey(t, entry.actor);
    if (!m.has(k) && m.size < MAX_ACTORS) m.set(k, entry.seq);
  }
  // Indexed loops: this runs for every step, and for-of (with destructuring) made iterators.
  for (let i = 0; i < my.aggregates.length; i++) {
    const key = my.aggregates[i]![0];
    const agg = my.aggregates[i]![1];
    const aggs = (state.aggs ??= new Map());
    let s = aggs.get(key);
    if (s === undefined) aggs.set(key, (s = { value: agg.kind === 'count' || agg.kind === 'sum' ? 0 : null, status: 'present' }));
    if (agg.kind === 'count') {
      s.value = (s.value ?? 0) + 1;
      continue;
    }
    if (redacted) {
      if (s.status === 'present') s.status = 'unavailable';
      continue;
    }
    const v = agg.field === null ? ABSENT : ownValue(entry.data, agg.field);
    // A value that is not a safe integer does not count; the sum saturates at 2^53 − 1.
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) continue;
    if (agg.kind === 'sum') s.value = Math.min(Number.MAX_SAFE_INTEGER, Math.max(-Number.MAX_SAFE_INTEGER, (s.value ?? 0) + v));
    else if (agg.kind === 'min') s.value = s.value === null ? v : Math.min(s.value, v);
    else s.value = s.value === null ? v : Math.max(s.value, v);
  }
  for (let i = 0; i < my.clocks.length; i++) {
    const clock = my.clocks[i]!;
    const c = state.clocks.get(clock.key);
    if (c === undefined) {
      if (t === clock.start) {
        state.clocks.set(clock.key, { startSeq: entry.seq, startTime: entry.time, stopSeq: null, stopTime: null, pauses: [], openPause: null, deferred: false });
      }
      continue;
    }
    if (c.stopSeq !== null) continue;
    if (clock.stop.includes(t)) {
      if (c.openPause !== null) {
        c.pauses.push([c.openPause, entry.time]);
        c.openPause = null;
      }
      c.stopSeq = entry.seq;
      c.stopTime = entry.time;
    } else if (clock.pause.includes(t) && c.openPause === null) {
      c.openPause = entry.time;
    } else if (clock.resume.includes(t) && c.openPause !== null) {
      c.pauses.push([c.openPause, entry.time]);
      c.openPause = null;
    }
  }
}

/** A redaction entry in the case: what it erased is now known to be erased. */
export function applyRedaction(state: CaseState, redactedSeq: number, track: Tracking): void {
  for (const l of state.latest.values()) if (l.seq === redactedSeq) l.status = 'erased';
  // Aggregates keep no list of the steps they summed (that would grow with the
  // case); any redaction in the case makes its data aggregates erased. Counts
  // read no payload and stay as they are.
  for (const [key, agg] of track.aggregates) {
    const s = state.aggs?.get(key);
    if (s !== undefined && agg.kind !== 'count') s.status = 'erased';
  }
}

/** A deep copy (for dry runs, which must not change the summary). */
export function cloneCaseState(s: CaseState): CaseState {
  return {
    id: s.id,
    firstSeq: s.firstSeq,
    firstTime: s.firstTime,
    counts: new Map(s.counts),
    latest: new Map([...s.latest].map(([k, v]) => [k, { ...v }])),
    actors: s.actors === null ? null : new Map(s.actors),
    aggs: s.aggs === null ? null : new Map([...s.aggs].map(([k, v]) => [k, { ...v }])),
    clocks: new Map([...s.clocks].map(([k, v]) => [k, { ...v, pauses: v.pauses.map((p): [number, number] => [p[0], p[1]]) }])),
    alerts:
      s.alerts === null
        ? null
        : { raised: new Map([...s.alerts.raised].map(([k, v]) => [k, { ...v }])), seqs: new Map(s.alerts.seqs), disposed: new Set(s.alerts.disposed) },
  };
}

const sorted = <V>(m: ReadonlyMap<string, V> | ReadonlyMap<number, V> | null): [string | number, V][] =>
  m === null ? [] : [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** A plain JSON view of the summary, keys sorted: for comparison and display. */
export function caseStateToJson(s: CaseState): unknown {
  return {
    id: s.id,
    firstSeq: s.firstSeq,
    firstTime: s.firstTime,
    counts: sorted(s.counts),
    latest: sorted(s.latest).map(([k, v]) => [k, { seq: v.seq, time: v.time, actor: v.actor, status: v.status, data: sorted(new Map(Object.entries(v.data))) }]),
    actors: sorted(s.actors),
    aggs: sorted(s.aggs),
    clocks: sorted(s.clocks),
    raised: sorted(s.alerts?.raised ?? null),
    alertSeqs: sorted(s.alerts?.seqs ?? null),
    disposedSeqs: [...(s.alerts?.disposed ?? [])].sort((a, b) => a - b),
  };
}
