/**
 * The calendar rules of docs/supervision.md §4, each at its edge, on a small
 * table worked out by hand: January 2025 (1 Jan a Wednesday) with New Year's
 * Day and 28–31 Jan off and Sunday 26 Jan a make-up working day. Working days:
 * 2, 3, 6–10, 13–17, 20–24, 26, 27 January (19). Every count below is an
 * exact day, not a property; each table field is tried just inside and just
 * outside its limit. Nothing is computed while the file loads (docs/mutation.md).
 */
import { describe, expect, it, vi } from 'vitest';
import {
  DAY_MS,
  MAX_CALENDAR_DAYS,
  NO_EXCLUSIONS,
  compileCalendar,
  dateFromDay,
  dayFromDate,
  dayOf,
  elapsedBy,
  endOfDay,
  kthWorkingDay,
  weekday,
  type Calendar,
  type CalendarTable,
  type Exclusions,
} from '../src/calendar.js';
import { isSupervisionError } from '../src/errors.js';

const JAN: CalendarTable = {
  id: 'jan-2025',
  zone: 'Asia/Shanghai',
  utcOffset: '+08:00',
  source: 'by hand',
  from: '2025-01-01',
  to: '2025-01-31',
  holidays: ['2025-01-01', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31'],
  workdays: ['2025-01-26'],
};
const WORKING = [2, 3, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 26, 27];

const table = (over: Partial<Record<keyof CalendarTable, unknown>> = {}): Record<string, unknown> => ({ ...JAN, ...over });
const jan = (over: Partial<Record<keyof CalendarTable, unknown>> = {}): Calendar => compileCalendar(table(over));
const d = (date: string): number => dayFromDate(date) as number;
/** Day n of January 2025. */
const j = (n: number): number => 20_089 + n - 1;
const refused = (value: unknown): boolean => {
  try {
    compileCalendar(value);
    return false;
  } catch (e) {
    if (isSupervisionError(e, 'CALENDAR_INVALID')) return true;
    throw e;
  }
};
const kth = (cal: Calendar, start: number, k: number, ex: Exclusions = NO_EXCLUSIONS): string => {
  const r = kthWorkingDay(cal, start, k, ex);
  return 'day' in r ? dateFromDay(r.day) : JSON.stringify(r);
};

describe('days and dates (§4.2)', () => {
  it('dayFromDate counts days from 1970-01-01 and reads only real dates in the exact form', () => {
    expect([dayFromDate('1970-01-01'), dayFromDate('1970-01-02'), dayFromDate('2025-01-01'), dayFromDate('2024-02-29'), dayFromDate('2024-12-31')]).toEqual([0, 1, 20_089, 19_782, 20_088]);
    for (const s of ['2025-02-29', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00', '2025-01-32', ' 2025-01-01', '2025-01-01 ', 'x2025-01-01', '2025-01-011', '2025-1-01', '25-01-01', '2025/01/01', '']) {
      expect(dayFromDate(s), s).toBeUndefined();
    }
  });
  it('dateFromDay is its inverse, also before 1970', () => {
    expect([dateFromDay(0), dateFromDay(-1), dateFromDay(20_089), dateFromDay(19_782)]).toEqual(['1970-01-01', '1969-12-31', '2025-01-01', '2024-02-29']);
  });
  it('weekday: 0 Sunday … 6 Saturday, for days before 1970 too', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(weekday)).toEqual([4, 5, 6, 0, 1, 2, 3, 4]);
    expect([-1, -2, -3, -4, -5, -6, -7, -8].map(weekday)).toEqual([3, 2, 1, 0, 6, 5, 4, 3]);
    expect(weekday(j(1))).toBe(3);
    expect(weekday(j(26))).toBe(0);
  });
  it('the day of an instant is floor((t + offset) / 1 day); a day ends at (d + 1) days − offset', () => {
    const east = jan();
    expect(east.offsetMs).toBe(8 * 3_600_000);
    const t = Date.parse('2025-01-09T16:00:00Z'); // 10 Jan 00:00 at +08:00
    expect([dayOf(east, t - 1), dayOf(east, t)]).toEqual([j(9), j(10)]);
    expect(endOfDay(east, j(9))).toBe(t);
    const west = jan({ utcOffset: '-05:30' });
    expect(west.offsetMs).toBe(-(5 * 60 + 30) * 60_000);
    const u = Date.parse('2025-01-10T05:30:00Z'); // 10 Jan 00:00 at −05:30
    expect([dayOf(west, u - 1), dayOf(west, u)]).toEqual([j(9), j(10)]);
    expect(endOfDay(west, j(9))).toBe(u);
    expect(jan({ utcOffset: '+00:00' }).offsetMs).toBe(0);
    expect(jan({ utcOffset: '-00:45' }).offsetMs).toBe(-45 * 60_000);
    expect(DAY_MS).toBe(86_400_000);
  });
});

describe('the patterns, on a fresh load of the module', () => {
  // The patterns are module constants: a mutant of one is reached while the module loads, which
  // mutation testing does not reliably activate (docs/mutation.md, "Static, not activated"). Loaded
  // again inside the test, the module builds them while the test runs.
  it('a date is exactly YYYY-MM-DD and an id starts and ends as its pattern says', async () => {
    vi.resetModules();
    const fresh = await import('../src/calendar.js');
    expect([fresh.dayFromDate('2025-01-01'), fresh.dayFromDate(' 2025-01-01'), fresh.dayFromDate('2025-01-011'), fresh.dayFromDate('x2025-01-01')]).toEqual([20_089, undefined, undefined, undefined]);
    const code = (value: unknown): string | undefined => {
      try {
        fresh.compileCalendar(value);
        return undefined;
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(code(table({ id: 'cn.a-b_0' }))).toBeUndefined();
    for (const id of ['.a', 'a b', 'a/b', 'A']) expect(code(table({ id })), id).toBe('CALENDAR_INVALID');
  });
});

describe('the table (§4.1)', () => {
  it('marks exactly the working days: weekdays not holidays, and the make-up Sunday', () => {
    const cal = jan();
    expect([cal.fromDay, cal.toDay, cal.work.length]).toEqual([j(1), j(31), 31]);
    expect([...cal.work].flatMap((w, i) => (w === 1 ? [i + 1] : []))).toEqual(WORKING);
    expect([...cal.work].every((w) => w === 0 || w === 1)).toBe(true);
  });
  it('keeps the table as given, field for field', () => {
    expect(jan().table).toEqual(JAN);
  });
  it('a table of one day, and one of exactly 11 000 days, are read; 11 001 days are refused', () => {
    expect(jan({ from: '2025-01-31', holidays: [], workdays: [] }).work).toEqual(new Uint8Array([1]));
    expect(MAX_CALENDAR_DAYS).toBe(11_000);
    const to = dateFromDay(j(1) + 10_999);
    expect(jan({ to }).work.length).toBe(11_000);
    expect(refused(table({ to: dateFromDay(j(1) + 11_000) }))).toBe(true);
  });
  it('refuses a value that is not an object, and keys missing, extra or renamed', () => {
    for (const v of [null, [], 'x', 1, undefined]) expect(refused(v), String(v)).toBe(true);
    const { source: _, ...noSource } = JAN;
    expect(refused(noSource)).toBe(true);
    expect(refused({ ...noSource, sources: 'x' })).toBe(true);
    expect(refused(table({ extra: 1 } as never))).toBe(true);
  });
  it('texts: 1 to their limit of characters, no control characters', () => {
    for (const k of ['id', 'zone', 'source', 'utcOffset', 'from', 'to'] as const) {
      expect(refused(table({ [k]: '' })), `${k} empty`).toBe(true);
      expect(refused(table({ [k]: 5 })), `${k} a number`).toBe(true);
    }
    expect(jan({ id: 'a'.repeat(96) }).table.id).toHaveLength(96);
    expect(refused(table({ id: 'a'.repeat(97) }))).toBe(true);
    expect(jan({ zone: 'z'.repeat(64) }).table.zone).toHaveLength(64);
    expect(refused(table({ zone: 'z'.repeat(65) }))).toBe(true);
    expect(jan({ source: 's'.repeat(256) }).table.source).toHaveLength(256);
    expect(refused(table({ source: 's'.repeat(257) }))).toBe(true);
    for (const c of ['\u0000', '\u0009', '\u001f', '\u007f']) expect(refused(table({ source: `a${c}b` })), JSON.stringify(c)).toBe(true);
    expect(jan({ source: 'a b~\u0080' }).table.source).toBe('a b~\u0080');
  });
  it('id: a lowercase letter or digit first, then lowercase letters, digits, . _ -', () => {
    for (const id of ['a', '0', 'cn-mainland_2.x', '9.']) expect(jan({ id }).table.id).toBe(id);
    for (const id of ['A', 'cn-Mainland', '.a', '-a', '_a', 'a b', 'a/b', 'a\u00e9']) expect(refused(table({ id })), id).toBe(true);
  });
  it('utcOffset: ±HH:MM with hours up to 14 and minutes up to 59', () => {
    expect(jan({ utcOffset: '+14:00' }).offsetMs).toBe(14 * 3_600_000);
    expect(jan({ utcOffset: '-14:59' }).offsetMs).toBe(-(14 * 60 + 59) * 60_000);
    for (const o of ['+15:00', '+08:60', '08:00', '+8:00', '+08:0', '+0800', ' +08:00', '+08:00 ', '±08:00']) expect(refused(table({ utcOffset: o })), o).toBe(true);
  });
  it('from and to: real dates, to not before from', () => {
    for (const [from, to] of [['2025-02-30', '2025-03-01'], ['2025-01-01', '2025-02-30'], ['2025-01-02', '2025-01-01']]) expect(refused(table({ from, to, holidays: [], workdays: [] })), `${from}..${to}`).toBe(true);
  });
  it('holidays and workdays: lists of real dates within the range, ascending without repeats', () => {
    for (const k of ['holidays', 'workdays'] as const) {
      expect(refused(table({ [k]: '2025-01-01' })), `${k} a text`).toBe(true);
      expect(refused(table({ [k]: { 0: '2025-01-01' } })), `${k} an object`).toBe(true);
    }
    expect(jan({ holidays: [], workdays: [] }).work[0]).toBe(1);
    expect(jan({ holidays: ['2025-01-31'], workdays: [] }).work[30]).toBe(0);
    for (const holidays of [['2024-12-31'], ['2025-02-01'], ['2025-01-02', '2025-01-02'], ['2025-01-03', '2025-01-02'], [20_090], ['2025-01-32'], [null], [['2025-01-02']], [{ toString: () => '2025-01-02' }]]) {
      expect(refused(table({ holidays, workdays: [] })), JSON.stringify(holidays)).toBe(true);
    }
    for (const workdays of [['2024-12-29'], ['2025-02-01'], ['2025-01-05', '2025-01-05'], ['2025-01-12', '2025-01-05']]) {
      expect(refused(table({ holidays: [], workdays })), JSON.stringify(workdays)).toBe(true);
    }
    expect(jan({ holidays: [], workdays: ['2025-01-04', '2025-01-05'] }).work.slice(3, 5)).toEqual(new Uint8Array([1, 1]));
  });
  it('a make-up working day is a Saturday or Sunday and not a holiday', () => {
    for (const w of ['2025-01-06', '2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10']) expect(refused(table({ holidays: [], workdays: [w] })), w).toBe(true);
    expect(refused(table({ holidays: ['2025-01-26'], workdays: ['2025-01-26'] }))).toBe(true);
    expect(jan({ holidays: ['2025-01-25'], workdays: ['2025-01-26'] }).work.slice(24, 26)).toEqual(new Uint8Array([0, 1]));
    expect(jan({ holidays: ['2025-01-11'], workdays: [] }).work[10]).toBe(0);
  });
});

describe('counting working days (§4.3)', () => {
  it('day k is the k-th working day after the start day, for every k the table holds', () => {
    const cal = jan();
    for (let k = 1; k <= WORKING.length; k++) expect(kth(cal, j(1), k), `k=${k}`).toBe(dateFromDay(j(WORKING[k - 1]!)));
    expect(kthWorkingDay(cal, j(1), WORKING.length + 1, NO_EXCLUSIONS)).toEqual({ missing: d('2025-02-01') });
  });
  it('the start day never counts, whether it is a working day, a weekend or a holiday', () => {
    const cal = jan();
    expect([kth(cal, j(2), 1), kth(cal, j(3), 1), kth(cal, j(4), 1), kth(cal, j(5), 1), kth(cal, j(24), 1), kth(cal, j(25), 1), kth(cal, j(26), 1)]).toEqual([
      '2025-01-03',
      '2025-01-06',
      '2025-01-06',
      '2025-01-06',
      '2025-01-26',
      '2025-01-26',
      '2025-01-27',
    ]);
  });
  it('answers do not depend on what was asked before (the cache is keyed by day and k)', () => {
    const cal = jan();
    const asked: string[] = [];
    for (let round = 0; round < 2; round++) for (const s of [1, 2, 3, 10, 20]) for (const k of [1, 2, 5]) asked.push(`${s}:${k}=${kth(cal, j(s), k)}`);
    expect(asked.slice(15)).toEqual(asked.slice(0, 15));
    expect(asked.slice(0, 15)).toEqual([
      '1:1=2025-01-02', '1:2=2025-01-03', '1:5=2025-01-08',
      '2:1=2025-01-03', '2:2=2025-01-06', '2:5=2025-01-09',
      '3:1=2025-01-06', '3:2=2025-01-07', '3:5=2025-01-10',
      '10:1=2025-01-13', '10:2=2025-01-14', '10:5=2025-01-17',
      '20:1=2025-01-21', '20:2=2025-01-22', '20:5=2025-01-26',
    ]);
    // Two calendars, one start and k: each its own answer.
    expect(kth(jan({ holidays: ['2025-01-02'] }), j(1), 1)).toBe('2025-01-03');
    expect(kth(cal, j(1), 1)).toBe('2025-01-02');
  });
  it('the cache never answers for another start or k: starts past the table, k out of the cached range', () => {
    const cal = jan();
    const past = (n: number) => ({ missing: cal.toDay + n });
    // a start past the table: the first day counted is missing, whatever k is
    expect(kthWorkingDay(cal, cal.toDay + 4, 65_535, NO_EXCLUSIONS)).toEqual(past(5));
    expect(kthWorkingDay(cal, cal.toDay + 5, -1, NO_EXCLUSIONS)).toEqual(past(6));
    expect(kthWorkingDay(cal, cal.toDay + 3, 0, NO_EXCLUSIONS)).toEqual(past(4));
    expect(kthWorkingDay(cal, cal.toDay + 2, 65_536, NO_EXCLUSIONS)).toEqual(past(3));
    expect(kthWorkingDay(cal, cal.toDay + 13, 65_536, NO_EXCLUSIONS)).toEqual(past(14));
    expect(kthWorkingDay(cal, cal.toDay + 12, 131_072, NO_EXCLUSIONS)).toEqual(past(13));
    expect(kthWorkingDay(cal, cal.toDay + 21, -1, NO_EXCLUSIONS)).toEqual(past(22));
    expect(kthWorkingDay(cal, cal.toDay + 22, -65_537, NO_EXCLUSIONS)).toEqual(past(23));
    expect(kthWorkingDay(cal, cal.toDay + 31, 2, NO_EXCLUSIONS)).toEqual(past(32));
    expect(kthWorkingDay(cal, cal.toDay + 31 + 65_536, 1, NO_EXCLUSIONS)).toEqual(past(32 + 65_536));
  });
  it('a count with exclusions is never answered from the counts without them', () => {
    const cal = jan();
    expect(kth(cal, j(1), 3)).toBe('2025-01-06');
    expect(kth(cal, j(1), 3, { ranges: [[j(2), j(3)]], openFrom: null })).toBe('2025-01-08');
    expect(kthWorkingDay(cal, j(1), 3, { ranges: [], openFrom: j(6) })).toEqual({ never: true });
    expect(kth(cal, j(1), 3, { ranges: [], openFrom: j(7) })).toBe('2025-01-06');
  });
  it('k of 0, negative, fractional or past the cache key range counts without the cache and reaches no day', () => {
    const cal = jan();
    for (const k of [0, -1, 1.5, 65_536, 1e20]) expect(kthWorkingDay(cal, j(1), k, NO_EXCLUSIONS), String(k)).toEqual({ missing: d('2025-02-01') });
  });
  it('excluded days: each range from its first through its last day, one after the other', () => {
    const cal = jan();
    // 6 Jan alone excluded: day 3 from 1 Jan is 7 Jan
    expect(kth(cal, j(1), 3, { ranges: [[j(6), j(6)]], openFrom: null })).toBe('2025-01-07');
    // a range ending on the start day's next day: 2 Jan excluded
    expect(kth(cal, j(1), 1, { ranges: [[j(2), j(2)]], openFrom: null })).toBe('2025-01-03');
    // ranges before the start are passed over
    expect(kth(cal, j(10), 1, { ranges: [[j(2), j(3)], [j(6), j(8)]], openFrom: null })).toBe('2025-01-13');
    // two ranges with a working day between them: 2–3, then 7, then 9–13
    const ex: Exclusions = { ranges: [[j(2), j(3)], [j(7), j(7)], [j(9), j(13)]], openFrom: null };
    expect([1, 2, 3, 4, 5].map((k) => kth(cal, j(1), k, ex))).toEqual(['2025-01-06', '2025-01-08', '2025-01-14', '2025-01-15', '2025-01-16']);
    // adjacent ranges
    expect(kth(cal, j(1), 1, { ranges: [[j(2), j(2)], [j(3), j(6)]], openFrom: null })).toBe('2025-01-07');
  });
  it('an open pause stops the count from its first day, not the day after', () => {
    const cal = jan();
    expect(kthWorkingDay(cal, j(1), 2, { ranges: [], openFrom: j(3) })).toEqual({ never: true });
    expect(kth(cal, j(1), 2, { ranges: [], openFrom: j(4) })).toBe('2025-01-03');
    expect(kthWorkingDay(cal, j(1), 1, { ranges: [], openFrom: j(2) })).toEqual({ never: true });
  });
  it('the calendar runs out at the first day it lacks, on either side', () => {
    const cal = jan();
    expect(kthWorkingDay(cal, j(31), 1, NO_EXCLUSIONS)).toEqual({ missing: d('2025-02-01') });
    expect(kthWorkingDay(cal, j(30), 1, NO_EXCLUSIONS)).toEqual({ missing: d('2025-02-01') });
    expect(kthWorkingDay(cal, j(27), 1, NO_EXCLUSIONS)).toEqual({ missing: d('2025-02-01') });
    expect(kth(cal, j(26), 1)).toBe('2025-01-27');
    expect(kthWorkingDay(cal, d('2024-12-30'), 1, NO_EXCLUSIONS)).toEqual({ missing: d('2024-12-31') });
    expect(kthWorkingDay(cal, d('2024-12-31'), 1, NO_EXCLUSIONS)).toEqual({ day: j(2) });
    // an exclusion past the table's end does not hide that it ends
    expect(kthWorkingDay(cal, j(27), 1, { ranges: [[j(29), j(31)]], openFrom: null })).toEqual({ missing: d('2025-02-01') });
  });
});

describe('elapsed (§4.3 rules 3 and 4)', () => {
  it('day k has elapsed from 24:00 at its end, exactly', () => {
    const cal = jan();
    const end = Date.parse('2025-01-02T16:00:00Z'); // 3 Jan 00:00 at +08:00, the end of 2 Jan
    expect(elapsedBy(cal, j(1), 1, NO_EXCLUSIONS, end - 1)).toEqual({ elapsed: false, day: j(2), at: end });
    expect(elapsedBy(cal, j(1), 1, NO_EXCLUSIONS, end)).toEqual({ elapsed: true, day: j(2), at: end });
    expect(elapsedBy(cal, j(1), 1, NO_EXCLUSIONS, end + 1)).toEqual({ elapsed: true, day: j(2), at: end });
  });
  it('an open pause: never elapsed', () => {
    expect(elapsedBy(jan(), j(1), 1, { ranges: [], openFrom: j(2) }, Date.parse('2030-01-01T00:00:00Z'))).toEqual({ elapsed: false, day: null, at: Infinity });
  });
  it('past the table: not elapsed before the end of the first missing day, missing from then on', () => {
    const cal = jan();
    const end = Date.parse('2025-02-01T16:00:00Z'); // the end of 1 Feb at +08:00
    expect(elapsedBy(cal, j(27), 1, NO_EXCLUSIONS, end - 1)).toEqual({ elapsed: false, day: null, at: end });
    expect(elapsedBy(cal, j(27), 1, NO_EXCLUSIONS, end)).toEqual({ missing: d('2025-02-01') });
  });
});
