/**
 * Calendar periods of the points model (docs/supervision.md §14.2): a year
 * `2026`, a quarter `2026-Q3`, a month `2026-11`, each from 00:00 of its first
 * day to 00:00 of the next period's first day in the pack's zone. The zone's
 * offsets come from the ICU data of the JavaScript engine (`Intl`), at the
 * two midnights only; a period is a half-open range of instants [start, end).
 */
import { SupervisionError } from '../errors.js';
import type { PeriodKind } from './model.js';

export interface Period {
  readonly kind: PeriodKind;
  readonly year: number;
  /** 1–4 for a quarter, 1–12 for a month, 1 for a year */
  readonly index: number;
}

const FORMS: readonly [RegExp, PeriodKind][] = [
  [/^(\d{4})$/, 'year'],
  [/^(\d{4})-Q([1-4])$/, 'quarter'],
  [/^(\d{4})-(0[1-9]|1[0-2])$/, 'month'],
];

/** `2026`, `2026-Q3` or `2026-11` (years 1970–9999), or undefined for anything else. */
export function parsePeriod(text: string): Period | undefined {
  if (typeof text !== 'string') return undefined;
  for (const [re, kind] of FORMS) {
    const m = re.exec(text);
    if (m === null) continue;
    const year = Number(m[1]);
    if (year < 1970) return undefined;
    return { kind, year, index: kind === 'year' ? 1 : Number(m[2]) };
  }
  return undefined;
}

/** The period's name, as parsePeriod reads it. */
export function periodLabel(p: Period): string {
  if (p.kind === 'year') return String(p.year);
  if (p.kind === 'quarter') return `${p.year}-Q${p.index}`;
  return `${p.year}-${String(p.index).padStart(2, '0')}`;
}

/** First month (1–12) of a period and how many months it spans. */
function months(p: Period): { first: number; count: number } {
  if (p.kind === 'year') return { first: 1, count: 12 };
  if (p.kind === 'quarter') return { first: 3 * p.index - 2, count: 3 };
  return { first: p.index, count: 1 };
}

const RANK: Readonly<Record<PeriodKind, number>> = { month: 0, quarter: 1, year: 2 };

/**
 * The cycle of kind `cycle` that contains `p` (the year of a quarter, the
 * quarter of a month, `p` itself when of that kind), or undefined when `p`
 * is longer than a cycle (a year of a monthly model spans twelve cycles).
 */
export function cycleOf(p: Period, cycle: PeriodKind): Period | undefined {
  if (RANK[p.kind] > RANK[cycle]) return undefined;
  const m = months(p).first;
  if (cycle === 'year') return { kind: 'year', year: p.year, index: 1 };
  if (cycle === 'quarter') return { kind: 'quarter', year: p.year, index: Math.floor((m - 1) / 3) + 1 };
  return p;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch (e) {
      throw new SupervisionError('PACK_SCHEMA', `zone ${JSON.stringify(zone)} is not a time zone this engine knows`, { zone }, { cause: e });
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `Intl` knows the zone (a points model's periods need its offsets). */
export function knownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of instant `t` in `zone`. */
function wall(zone: string, t: number): { year: number; month: number; day: number; ms: number } {
  const parts: Record<string, number> = {};
  for (const x of formatter(zone).formatToParts(new Date(t))) if (x.type !== 'literal') parts[x.type] = Number(x.value);
  const { year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0 } = parts;
  return { year, month, day, ms: Date.UTC(year, month - 1, day, hour, minute, second) + (((t % 1000) + 1000) % 1000) };
}

const DAY_MS = 86_400_000;

/**
 * The instant of 00:00 on the first of `month` of `year` in `zone`: the first
 * instant whose wall clock shows that day — where the clocks show 00:00
 * twice, the first; where they skip it, the moment they jump (America/Asuncion
 * on 1 October 2023 went from 23:59:59 to 01:00).
 */
function midnight(zone: string, year: number, month: number): number {
  const local = Date.UTC(year, month - 1, 1);
  const offset = (t: number): number => wall(zone, t).ms - t;
  // 00:00 at the zone's offset a day before and at its offset a day after: one instant unless the offset changes between.
  const before = local - offset(local - DAY_MS);
  const after = local - offset(local + DAY_MS);
  const shown = [before, after].filter((t) => wall(zone, t).ms === local);
  // Where 00:00 is skipped, the clocks jump at 00:00 of the offset before (at every month start
  // they skip in the engine's ICU data, 1900–2037).
  return shown.length > 0 ? Math.min(...shown) : before;
}

/**
 * The instants a period covers in `zone`: [start, end), ms UTC.
 * @throws SupervisionError PACK_SCHEMA when the zone is unknown
 * @example periodBounds({ kind: 'year', year: 2025, index: 1 }, 'Asia/Shanghai') // { start: Date.parse('2024-12-31T16:00Z'), end: Date.parse('2025-12-31T16:00Z') }
 */
export function periodBounds(p: Period, zone: string): { start: number; end: number } {
  const { first, count } = months(p);
  const endMonth = first + count;
  return { start: midnight(zone, p.year, first), end: endMonth > 12 ? midnight(zone, p.year + 1, 1) : midnight(zone, p.year, endMonth) };
}

/** The period of kind `kind` that contains instant `t` in `zone`. */
export function periodAt(kind: PeriodKind, t: number, zone: string): Period {
  const w = wall(zone, t);
  // A wall time within the skipped hour of a midnight jump still belongs to the day it shows.
  const { year, month } = w;
  if (kind === 'year') return { kind, year, index: 1 };
  if (kind === 'quarter') return { kind, year, index: Math.floor((month - 1) / 3) + 1 };
  return { kind, year, index: month };
}

/**
 * periodAt for many instants of one zone: the months' starts of each year
 * met are computed once (two `Intl` look-ups per month), then an instant's
 * period is found by comparing it with them. Same answers as periodAt.
 */
export function periodFinder(kind: PeriodKind, zone: string): (t: number) => Period {
  const years = new Map<number, number[]>();
  const startsOf = (year: number): number[] => {
    let s = years.get(year);
    if (s === undefined) {
      s = [];
      for (let m = 1; m <= 12; m++) s.push(midnight(zone, year, m));
      s.push(midnight(zone, year + 1, 1));
      years.set(year, s);
    }
    return s;
  };
  return (t) => {
    // The wall-clock year is the UTC year or a neighbour (offsets are under a day).
    const utcYear = new Date(t).getUTCFullYear();
    for (const year of [utcYear, utcYear + 1, utcYear - 1]) {
      if (year < 1970) continue;
      const s = startsOf(year);
      if (t < s[0]! || t >= s[12]!) continue;
      let month = 1;
      while (t >= s[month]!) month++;
      if (kind === 'year') return { kind, year, index: 1 };
      if (kind === 'quarter') return { kind, year, index: Math.floor((month - 1) / 3) + 1 };
      return { kind, year, index: month };
    }
    return periodAt(kind, t, zone);
  };
}
