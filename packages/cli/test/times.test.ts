/**
 * Times for people (issue 9.5): shown in a zone with its offset, read in a
 * zone when they carry none, and never printed as raw milliseconds in
 * messages.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, ledgerState, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const { formatTime, parseTime, zoneOf } = await import('../src/times.js');
const { issueText, stepTerms, FLAG_NAMES, lineNames } = await import('../src/messages.js');
const { isoTime } = await import('@casetrail/core');

const io = (TZ?: string) => cli.captureIo(TZ === undefined ? {} : { env: { TZ } });
const zone = (name: string) => zoneOf(io(), name);

describe('formatTime', () => {
  const rows: Array<[string, number, string]> = [
    ['UTC', Date.UTC(2026, 10, 28, 0, 0, 0), '2026-11-28T00:00:00Z'],
    ['Asia/Shanghai', Date.UTC(2026, 10, 28, 0, 0, 0), '2026-11-28T08:00:00+08:00'],
    ['America/New_York', Date.UTC(2026, 6, 1, 12, 0, 0, 250), '2026-07-01T08:00:00.250-04:00'],
    ['America/New_York', Date.UTC(2026, 0, 1, 12, 0, 0), '2026-01-01T07:00:00-05:00'],
    ['Asia/Kolkata', Date.UTC(2026, 0, 1, 0, 0, 0), '2026-01-01T05:30:00+05:30'],
    ['Europe/London', Date.UTC(2026, 0, 1, 0, 0, 0), '2026-01-01T00:00:00Z'],
    ['UTC', 0, '1970-01-01T00:00:00Z'],
  ];
  it.each(rows)('%s: %d → %s', (z, ms, text) => {
    expect(formatTime(ms, zone(z))).toBe(text);
  });

  it('round-trips through parseTime in every zone of the table', () => {
    for (const [z, ms] of rows) expect(parseTime(formatTime(ms, zone(z)), '--time', zone(z))).toBe(ms);
  });
});

describe('parseTime', () => {
  const ok: Array<[string, string, number]> = [
    ['a date in Beijing is midnight in Beijing', '2026-11-28', Date.UTC(2026, 10, 27, 16)],
    ['a wall time in Beijing', '2026-11-28T09:30', Date.UTC(2026, 10, 28, 1, 30)],
    ['a date-time with Z ignores the zone', '2026-11-28T09:30:00Z', Date.UTC(2026, 10, 28, 9, 30)],
    ['an explicit offset ignores the zone', '2026-11-28T09:30:00-05:00', Date.UTC(2026, 10, 28, 14, 30)],
    ['milliseconds since 1970', '1714554000000', 1714554000000],
    ['fractions of a second', '2026-11-28T09:30:00.5+08:00', Date.UTC(2026, 10, 28, 1, 30, 0, 500)],
    ['a leap day', '2028-02-29', Date.UTC(2028, 1, 28, 16)],
  ];
  it.each(ok)('%s', (_n, text, ms) => {
    expect(parseTime(text, '--since', zone('Asia/Shanghai'))).toBe(ms);
  });

  it('a wall time that occurs twice (clocks set back) is the earlier instant', () => {
    // Europe/Berlin, 2026-10-25: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(parseTime('2026-10-25T02:30', '--time', zone('Europe/Berlin'))).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('a day whose midnight the clocks skip starts when they jump', () => {
    // America/Sao_Paulo, 2018-11-04: 00:00 became 01:00 (-02:00).
    expect(parseTime('2018-11-04', '--since', zone('America/Sao_Paulo'))).toBe(Date.UTC(2018, 10, 4, 3));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a skipped wall time', '2026-03-29T02:30', /does not exist in Europe\/Berlin/],
    ['February 30', '2026-02-30', /not a date of the calendar/],
    ['hour 24', '2026-02-01T24:00', /not a date of the calendar/],
    ['a year before 1970', '1969-12-31', /before 1970/],
    ['a date with an offset but no time', '2026-02-01Z', /is not one/],
    ['words', 'yesterday', /--time must be an ISO 8601 date or time .* got "yesterday"/],
    ['too many fraction digits', '2026-02-01T10:00:00.1234Z', /is not one/],
  ];
  it.each(bad)('refuses %s', (_n, text, message) => {
    expect(() => parseTime(text, '--time', zone('Europe/Berlin'))).toThrow(message);
  });

  it('zoneOf: --tz first, then $TZ (also :Area/City and zoneinfo paths), else UTC', () => {
    expect(zoneOf(io('Asia/Tokyo'), 'Europe/Paris').name).toBe('Europe/Paris');
    expect(zoneOf(io('Asia/Tokyo'), undefined).name).toBe('Asia/Tokyo');
    expect(zoneOf(io(':Asia/Tokyo'), undefined).name).toBe('Asia/Tokyo');
    expect(zoneOf(io('/usr/share/zoneinfo/Asia/Tokyo'), undefined).name).toBe('Asia/Tokyo');
    expect(zoneOf(io(), undefined).name).toBe('UTC');
    expect(() => zoneOf(io(), 'Moon/Base')).toThrow(/not an IANA time zone/);
  });
});

describe('messages in the user\'s terms', () => {
  it('library step names become flags or NDJSON lines', () => {
    expect(stepTerms('steps[0].type: names starting with "casetrail." are reserved', FLAG_NAMES)).toBe('--type: names starting with "casetrail." are reserved');
    expect(stepTerms('steps[2].signatures[0] does not verify over this statement', lineNames((i) => [10, 11, 12][i]))).toBe('line 12: "signature" does not verify over this statement');
    expect(stepTerms('steps[0]: give data or payload, not both', FLAG_NAMES)).toBe(' give data or payload, not both');
  });

  it('issue times carried as fields are shown in the zone; the message is not parsed', () => {
    const z = zone('Asia/Shanghai');
    const t = 1714554000000;
    const p = 1714557600000;
    expect(issueText({ message: `entry 5 is earlier (${isoTime(t)}) than the entry before it (${isoTime(p)})`, time: t, previousTime: p }, z)).toBe(
      'entry 5 is earlier (2024-05-01T17:00:00+08:00) than the entry before it (2024-05-01T18:00:00+08:00)',
    );
    expect(issueText({ message: `entry 3 has time ${isoTime(t)}, outside the bundle's time range`, time: t }, z)).toBe(
      "entry 3 has time 2024-05-01T17:00:00+08:00, outside the bundle's time range",
    );
    // Digits in a message without time fields are left as they are.
    expect(issueText({ message: 'entry 1714554000000 is missing' }, z)).toBe('entry 1714554000000 is missing');
  });
});

describe('the commands use the zone', () => {
  let dir: string;
  const ct = runner(cli, () => dir);
  beforeAll(async () => {
    dir = tempDir();
    expect((await ct(['init', 't.ledger', '--origin', 'example.org/t'])).code).toBe(0);
    // 2026-11-27 23:30 and 2026-11-28 00:30 in Beijing: different days there, the same day in UTC.
    for (const t of ['2026-11-27T23:30:00+08:00', '2026-11-28T00:30', '2026-11-28T16:30:00Z']) {
      expect((await ct(['append', 't.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--time', t, '--tz', 'Asia/Shanghai'])).code).toBe(0);
    }
  });
  afterAll(cleanup);

  it('--since a date is midnight in --tz', async () => {
    const seqs = async (argv: string[]) => JSON.parse((await ct(['log', 't.ledger', ...argv, '--json'])).out).entries.map((e: { seq: number }) => e.seq);
    expect(await seqs(['--since', '2026-11-28', '--tz', 'Asia/Shanghai'])).toEqual([1, 2]);
    expect(await seqs(['--since', '2026-11-28'])).toEqual([2]); // UTC midnight
    expect(await seqs(['--until', '2026-11-28', '--tz', 'Asia/Shanghai'])).toEqual([0]);
    expect(await seqs(['--since', '2026-11-28'])).toEqual(await seqs(['--since', '2026-11-28', '--tz', 'UTC']));
  });

  it('log, show, trace and verify-proof print times with the offset of the zone; JSON keeps UTC', async () => {
    const log = await ct(['log', 't.ledger', '--tz', 'Asia/Shanghai']);
    expect(log.out).toMatch(/2026-11-27T23:30:00\+08:00/);
    expect(log.out).toMatch(/2026-11-28T00:30:00\+08:00/);
    expect((await ct(['show', 't.ledger', '1'], { env: { TZ: 'Asia/Shanghai' } })).out).toMatch(/time\s+2026-11-28T00:30:00\+08:00\n/);
    expect((await ct(['trace', 't.ledger', 'C', '--tz', 'America/New_York'])).out).toMatch(/2026-11-27T11:30:00-05:00/);
    expect((await ct(['prove', 't.ledger', '0', '--out', 'p.tlog-proof'])).code).toBe(0);
    const vkey = JSON.parse((await ct(['keygen', '--show-vkey', 't.ledger.key', '--json'])).out).vkey;
    expect((await ct(['verify-proof', 'p.tlog-proof', '--vkey', vkey, '--tz', 'Asia/Shanghai'])).out).toMatch(/time\s+2026-11-27T23:30:00\+08:00/);
    const j = JSON.parse((await ct(['show', 't.ledger', '1', '--json', '--tz', 'Asia/Shanghai'])).out);
    expect(j).toMatchObject({ time: Date.UTC(2026, 10, 27, 16, 30), timeIso: '2026-11-27T16:30:00.000Z' });
  });

  it('a message never shows raw milliseconds', async () => {
    const before = await ledgerState(join(dir, 't.ledger'));
    const r = await ct(['append', 't.ledger', '--case', 'C', '--type', 't', '--actor', 'a', '--time', '2026-01-01', '--tz', 'Asia/Shanghai']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--time 2026-01-01T00:00:00\+08:00 is before the latest entry's time 2026-11-29T00:30:00\+08:00/);
    expect(r.err).not.toMatch(/\d{12,}/);
    expect(await ledgerState(join(dir, 't.ledger'))).toEqual(before);
  });
});
