/**
 * Working-day calendars (docs/supervision.md §4). A calendar is data — a table
 * adopted into the ledger — never a package loaded at run time, so a replay
 * next year counts the same days. The counting rule lives in `kthWorkingDay`
 * and `elapsedBy` alone; deadlines and escalations both call them.
 */
import { fail } from './errors.js';

/** The table as adopted (`casetrail.calendar.adopted`), field for field. */
export interface CalendarTable {
  /** the id a pack names in `calendar:` */
  readonly id: string;
  /** IANA zone the days are counted in; must equal the pack's `zone` */
  readonly zone: string;
  /** the zone's fixed offset from UTC over the whole range, `+HH:MM` or `-HH:MM` */
  readonly utcOffset: string;
  /** where the table came from, e.g. `chinese-days@1.5.7` */
  readonly source: string;
  /** first and last day covered, `YYYY-MM-DD` */
  readonly from: string;
  readonly to: string;
  /** days off that would otherwise be working days (any weekday), ascending */
  readonly holidays: readonly string[];
  /** make-up working days (调休) on a Saturday or Sunday, ascending */
  readonly workdays: readonly string[];
}

export interface Calendar {
  readonly table: CalendarTable;
  readonly offsetMs: number;
  /** epoch day numbers (days since 1970-01-01 in the zone) */
  readonly fromDay: number;
  readonly toDay: number;
  /** 1 = working day, indexed by `day - fromDay` */
  readonly work: Uint8Array;
}

export const DAY_MS = 86_400_000;
/** The longest range a table may cover (about 30 years); keeps `work` small. */
export const MAX_CALENDAR_DAYS = 11_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const ID = /^[a-z0-9][a-z0-9._-]{0,95}$/;

/** `YYYY-MM-DD` → epoch day number, or undefined when it is not a real date. */
export function dayFromDate(s: string): number | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** epoch day number → `YYYY-MM-DD`. */
export function dateFromDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The day (in the calendar's zone) that contains instant `t` (ms UTC). */
export function dayOf(cal: Calendar, t: number): number {
  return Math.floor((t + cal.offsetMs) / DAY_MS);
}

/** The instant 24:00 at the end of `day` in the calendar's zone. */
export function endOfDay(cal: Calendar, day: number): number {
  return (day + 1) * DAY_MS - cal.offsetMs;
}

/**
 * Validates a table (strictly: sorted, unique, in range, no overlap, make-up
 * days on weekends) and precomputes its day array.
 * @throws SupervisionError `CALENDAR_INVALID`
 */
export function compileCalendar(value: unknown): Calendar {
  const bad = (msg: string): never => fail('CALENDAR_INVALID', `calendar: ${msg}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('not an object');
  const t = value as Record<string, unknown>;
  const keys = ['from', 'holidays', 'id', 'source', 'to', 'utcOffset', 'workdays', 'zone'];
  const got = Object.keys(t).sort();
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) return bad(`keys must be exactly ${keys.join(', ')}`);
  const str = (k: string, max: number): string => {
    const v = t[k];
    if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) return bad(`${k} must be a text of 1–${max} characters`);
    return v;
  };
  const id = str('id', 96);
  if (!ID.test(id)) bad('id: lowercase letters, digits, . _ -');
  const zone = str('zone', 64);
  const source = str('source', 256);
  const utcOffset = str('utcOffset', 6);
  const om = OFFSET.exec(utcOffset);
  if (!om || Number(om[2]) > 14 || Number(om[3]) > 59) return bad('utcOffset must be ±HH:MM');
  const offsetMs = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3])) * 60_000;
  const fromDay = dayFromDate(str('from', 10)) ?? bad('from is not a date YYYY-MM-DD');
  const toDay = dayFromDate(str('to', 10)) ?? bad('to is not a date YYYY-MM-DD');
  if (toDay < fromDay) bad('to is before from');
  if (toDay - fromDay + 1 > MAX_CALENDAR_DAYS) bad(`covers more than ${MAX_CALENDAR_DAYS} days`);
  const days = (k: string): number[] => {
    const v = t[k];
    if (!Array.isArray(v)) return bad(`${k} must be a list of dates`);
    const out: number[] = [];
    for (const s of v) {
      const d = typeof s === 'string' ? dayFromDate(s) : undefined;
      if (d === undefined) return bad(`${k}: ${JSON.stringify(s)} is not a date YYYY-MM-DD`);
      if (d < fromDay || d > toDay) return bad(`${k}: ${String(s)} is outside ${dateFromDay(fromDay)}..${dateFromDay(toDay)}`);
      if (out.length > 0 && d <= (out[out.length - 1] as number)) return bad(`${k} must be ascending without repeats (${String(s)})`);
      out.push(d);
    }
    return out;
  };
  const holidays = days('holidays');
  const workdays = days('workdays');
  const work = new Uint8Array(toDay - fromDay + 1);
  for (let d = fromDay; d <= toDay; d++) {
    const wd = weekday(d);
    work[d - fromDay] = wd === 0 || wd === 6 ? 0 : 1;
  }
  for (const d of holidays) work[d - fromDay] = 0;
  const holidaySet = new Set(holidays);
  for (const d of workdays) {
    if (holidaySet.has(d)) bad(`${dateFromDay(d)} is both a holiday and a make-up working day`);
    const wd = weekday(d);
    if (wd !== 0 && wd !== 6) bad(`make-up working day ${dateFromDay(d)} is not a Saturday or Sunday`);
    work[d - fromDay] = 1;
  }
  const table: CalendarTable = {
    id,
    zone,
    utcOffset,
    source,
    from: dateFromDay(fromDay),
    to: dateFromDay(toDay),
    holidays: holidays.map(dateFromDay),
    workdays: workdays.map(dateFromDay),
  };
  return { table, offsetMs, fromDay, toDay, work };
}

/** Days that do not count: `[first, last]` inclusive, ascending, disjoint. */
export interface Exclusions {
  readonly ranges: readonly (readonly [number, number])[];
  /** every day from this one on is excluded (a pause not yet resumed), or null */
  readonly openFrom: number | null;
}

export const NO_EXCLUSIONS: Exclusions = { ranges: [], openFrom: null };

/** Working day k: a day, never (an open pause stops the count), or the first day the calendar lacks. */
export type KthDay = { readonly day: number } | { readonly never: true } | { readonly missing: number };

/**
 * The k-th working day after `startDay` (issue 11 §2): the start day never
 * counts; working day 1 is the first working day after it, also when the start
 * day is a holiday; excluded days (pauses) are skipped.
 */
export function kthWorkingDay(cal: Calendar, startDay: number, k: number, ex: Exclusions): KthDay {
  // Without exclusions the answer depends on the calendar, the day and k alone: a tick asks it of
  // every running clock, and clocks started on one day ask the same (a cache per calendar, bounded).
  if (ex.ranges.length === 0 && ex.openFrom === null && Number.isSafeInteger(k) && k >= 0 && k < KEY_K) {
    let memo = plainCounts.get(cal);
    if (memo === undefined) plainCounts.set(cal, (memo = new Map()));
    const key = startDay * KEY_K + k;
    let r = memo.get(key);
    if (r === undefined) {
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.set(key, (r = countWorkingDays(cal, startDay, k, ex)));
    }
    return r;
  }
  return countWorkingDays(cal, startDay, k, ex);
}

/** k ranges below this in the cache key (deadlines and escalations count far fewer days). */
const KEY_K = 1 << 16;
const MEMO_MAX = 65_536;
const plainCounts = new WeakMap<Calendar, Map<number, KthDay>>();

function countWorkingDays(cal: Calendar, startDay: number, k: number, ex: Exclusions): KthDay {
  let count = 0;
  let r = 0;
  for (let d = startDay + 1; ; d++) {
    if (ex.openFrom !== null && d >= ex.openFrom) return { never: true };
    while (r < ex.ranges.length && (ex.ranges[r] as readonly [number, number])[1] < d) r++;
    const range = ex.ranges[r];
    if (range !== undefined && range[0] <= d) {
      d = range[1];
      continue;
    }
    if (d < cal.fromDay || d > cal.toDay) return { missing: d };
    if (cal.work[d - cal.fromDay] === 1 && ++count === k) return { day: d };
  }
}

/**
 * Whether working day k has elapsed by instant `now`, with `at`: the instant
 * it elapses (or a lower bound of it; Infinity when it never does) — or the
 * first day the calendar lacks.
 */
export type Elapsed = { readonly elapsed: boolean; readonly day: number | null; readonly at: number } | { readonly missing: number };

/**
 * Working day k has elapsed at 24:00 at the end of that day in the zone
 * (`now >= endOfDay(day)`). When the count runs past the calendar, the answer
 * is still known if `now` is before the end of the first missing day (the k-th
 * day can only be later); otherwise it is `missing` — nothing is guessed.
 */
export function elapsedBy(cal: Calendar, startDay: number, k: number, ex: Exclusions, now: number): Elapsed {
  const r = kthWorkingDay(cal, startDay, k, ex);
  if ('day' in r) {
    const at = endOfDay(cal, r.day);
    return { elapsed: now >= at, day: r.day, at };
  }
  if ('never' in r) return { elapsed: false, day: null, at: Infinity };
  const bound = endOfDay(cal, r.missing);
  return now < bound ? { elapsed: false, day: null, at: bound } : { missing: r.missing };
}
