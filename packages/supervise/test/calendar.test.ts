/**
 * Working-day counting (issue 11 §2) around 国庆/中秋 2025 and 2026, 调休
 * weekend workdays, starts on holidays and at the edges of a day, pauses
 * across holidays, and the calendar running out. Expected days are worked out
 * by hand from the State Council notices, not from the code.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { NO_EXCLUSIONS, compileCalendar, dateFromDay, dayFromDate, dayOf, elapsedBy, endOfDay, isSupervisionError, kthWorkingDay, type Calendar } from '../src/index.js';
import { cnCalendar, sh } from './helpers/sim-ledger.js';

// Compiled before each test, not while the file loads: mutation testing (docs/mutation.md, "No work
// while test files load") only activates a mutant of compileCalendar in code a test runs.
let cal: Calendar;
beforeEach(() => {
  cal = compileCalendar(cnCalendar());
});
const day = (s: string): number => dayFromDate(s) as number;
const kth = (start: string, k: number, ex = NO_EXCLUSIONS): string => {
  const r = kthWorkingDay(cal, dayOf(cal, sh(start)), k, ex);
  if (!('day' in r)) throw new Error(JSON.stringify(r));
  return dateFromDay(r.day);
};

describe('the snapshot table', () => {
  it('is chinese-days@1.5.7 over 2020–2026 in Asia/Shanghai at +08:00', () => {
    expect(cal.table.source).toBe('chinese-days@1.5.7');
    expect([cal.table.from, cal.table.to, cal.table.zone, cal.table.utcOffset]).toEqual(['2020-01-01', '2026-12-31', 'Asia/Shanghai', '+08:00']);
  });
  it('has 国庆/中秋 2025 (1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked) and 2026 (25–27 Sep, 1–7 Oct off; Sun 20 Sep, Sat 10 Oct worked)', () => {
    for (let d = day('2025-10-01'); d <= day('2025-10-08'); d++) expect(cal.work[d - cal.fromDay]).toBe(0);
    for (const d of ['2025-09-28', '2025-10-11', '2026-09-20', '2026-10-10']) expect(cal.work[day(d) - cal.fromDay]).toBe(1);
    for (const d of ['2026-09-25', '2026-10-01', '2026-10-07']) expect(cal.work[day(d) - cal.fromDay]).toBe(0);
    expect(cal.work[day('2026-10-08') - cal.fromDay]).toBe(1);
  });
});

describe('counting (start day never counts; day 1 is the first working day after it)', () => {
  it('across 国庆 2025: from Tue 30 Sep, day 1 is Thu 9 Oct and day 3 the make-up Saturday 11 Oct', () => {
    expect(kth('2025-09-30T10:00', 1)).toBe('2025-10-09');
    expect(kth('2025-09-30T10:00', 2)).toBe('2025-10-10');
    expect(kth('2025-09-30T10:00', 3)).toBe('2025-10-11');
    expect(kth('2025-09-30T10:00', 4)).toBe('2025-10-13');
    expect(kth('2025-09-30T10:00', 16)).toBe('2025-10-29');
    expect(kth('2025-09-30T10:00', 20)).toBe('2025-11-04');
    expect(kth('2025-09-30T10:00', 25)).toBe('2025-11-11');
  });
  it('a start on a holiday counts from the first working day after it', () => {
    expect(kth('2025-10-03T09:00', 1)).toBe('2025-10-09');
    expect(kth('2026-10-01T09:00', 1)).toBe('2026-10-08');
  });
  it('a start on a Saturday before a make-up Sunday: day 1 is that Sunday (28 Sep 2025, 20 Sep 2026)', () => {
    expect(kth('2025-09-27T15:00', 1)).toBe('2025-09-28');
    expect(kth('2026-09-19T15:00', 1)).toBe('2026-09-20');
  });
  it('23:59 and 00:00 fall on different days in the zone', () => {
    expect(kth('2025-09-29T23:59', 1)).toBe('2025-09-30');
    expect(kth('2025-09-30T00:00', 1)).toBe('2025-10-09');
    // 2025-09-29T16:00Z is 30 Sep 00:00 in Shanghai, whatever the host's zone
    expect(dateFromDay(dayOf(cal, Date.parse('2025-09-29T16:00:00Z')))).toBe('2025-09-30');
    expect(dateFromDay(dayOf(cal, Date.parse('2025-09-29T15:59:59.999Z')))).toBe('2025-09-29');
  });
  it('中秋 2026 on a Friday: from Thu 24 Sep, day 1 is Mon 28 Sep, then the 国庆 week, then Thu 8 Oct', () => {
    expect(kth('2026-09-24T11:00', 1)).toBe('2026-09-28');
    expect(kth('2026-09-24T11:00', 3)).toBe('2026-09-30');
    expect(kth('2026-09-24T11:00', 4)).toBe('2026-10-08');
    expect(kth('2026-09-24T11:00', 6)).toBe('2026-10-10');
  });
});

describe('elapsed at 24:00 at the end of the day', () => {
  it('day 1 (9 Oct) has not elapsed at 23:59:59.999 and has at 00:00 on 10 Oct', () => {
    const start = dayOf(cal, sh('2025-09-30T10:00'));
    expect(elapsedBy(cal, start, 1, NO_EXCLUSIONS, sh('2025-10-09T23:59:59.999'))).toEqual({ elapsed: false, day: day('2025-10-09'), at: sh('2025-10-10T00:00') });
    expect(elapsedBy(cal, start, 1, NO_EXCLUSIONS, sh('2025-10-10T00:00'))).toEqual({ elapsed: true, day: day('2025-10-09'), at: sh('2025-10-10T00:00') });
    expect(endOfDay(cal, day('2025-10-09'))).toBe(sh('2025-10-10T00:00'));
  });
});

describe('pauses (补正): from the day after the pause through the day of the resume', () => {
  it('a pause spanning 国庆 2025 skips the make-up Saturday inside it and counts the one after', () => {
    // start Mon 22 Sep; pause Fri 26 Sep; resume Thu 9 Oct: 27 Sep .. 9 Oct excluded
    const ex = { ranges: [[day('2025-09-27'), day('2025-10-09')] as [number, number]], openFrom: null };
    expect(kth('2025-09-22T09:00', 4, ex)).toBe('2025-09-26');
    expect(kth('2025-09-22T09:00', 5, ex)).toBe('2025-10-10');
    expect(kth('2025-09-22T09:00', 6, ex)).toBe('2025-10-11');
  });
  it('an open pause stops the count', () => {
    const ex = { ranges: [], openFrom: day('2025-09-27') };
    expect(kthWorkingDay(cal, day('2025-09-22'), 5, ex)).toEqual({ never: true });
    expect(elapsedBy(cal, day('2025-09-22'), 5, ex, sh('2026-06-01T00:00'))).toEqual({ elapsed: false, day: null, at: Infinity });
  });
});

describe('calendar running out: nothing is guessed', () => {
  it('a count needing 2027 is missing from 1 Jan 2027 once that day has ended (until then it cannot have elapsed)', () => {
    const start = dayOf(cal, sh('2026-12-10T10:00'));
    expect(kthWorkingDay(cal, start, 20, NO_EXCLUSIONS)).toEqual({ missing: day('2027-01-01') });
    expect(elapsedBy(cal, start, 20, NO_EXCLUSIONS, sh('2026-12-31T23:59'))).toEqual({ elapsed: false, day: null, at: sh('2027-01-02T00:00') });
    expect(elapsedBy(cal, start, 20, NO_EXCLUSIONS, sh('2027-01-01T23:59:59.999'))).toEqual({ elapsed: false, day: null, at: sh('2027-01-02T00:00') });
    expect(elapsedBy(cal, start, 20, NO_EXCLUSIONS, sh('2027-01-02T00:00'))).toEqual({ missing: day('2027-01-01') });
  });
  it('a start before the table is missing too', () => {
    expect(kthWorkingDay(cal, day('2019-12-30'), 1, NO_EXCLUSIONS)).toEqual({ missing: day('2019-12-31') });
  });
});

describe('tables are checked strictly', () => {
  const base = cnCalendar();
  const bad: [string, unknown][] = [
    ['unsorted holidays', { ...base, holidays: ['2025-10-02', '2025-10-01'] }],
    ['make-up day on a weekday', { ...base, workdays: ['2025-10-09'] }],
    ['holiday and make-up day at once', { ...base, holidays: ['2025-09-28'], workdays: ['2025-09-28'] }],
    ['date outside the range', { ...base, holidays: ['2027-01-01'] }],
    ['not a date', { ...base, from: '2020-02-30' }],
    ['extra key', { ...base, extra: 1 }],
    ['bad offset', { ...base, utcOffset: '+8' }],
  ];
  for (const [name, t] of bad) {
    it(`refuses ${name}`, () => {
      try {
        compileCalendar(t);
        expect.unreachable();
      } catch (e) {
        expect(isSupervisionError(e, 'CALENDAR_INVALID')).toBe(true);
      }
    });
  }
});
