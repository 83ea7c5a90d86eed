/**
 * Times for people (docs/cli.md "Times"). Stored times stay UTC milliseconds;
 * the CLI shows them and reads them in a time zone the user chooses
 * (`--tz <IANA zone>`, default `$TZ`, UTC when unset), always written with
 * the zone's offset (ISO 8601). Zone rules come from Intl (the ICU data Node
 * ships); no dependency.
 */
import { CliError, EXIT } from './exit.js';
import type { Io } from './io.js';

/** A time zone with a way to find its UTC offset at an instant. */
export interface Zone {
  /** The IANA name, as Intl resolved it (e.g. `Asia/Shanghai`, `UTC`). */
  readonly name: string;
  /** The zone's offset from UTC at `ms`, in milliseconds (east positive). */
  offsetAt(ms: number): number;
}

/** The greatest time a Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;
const DAY_MS = 86_400_000;

/**
 * The zone of a command: `--tz`, else `$TZ`, else UTC. `$TZ` may carry the
 * POSIX forms `:Area/City` or a path under `zoneinfo/`.
 * @throws CliError UNKNOWN_TIME_ZONE (exit 2) when the zone is not an IANA zone
 */
export function zoneOf(io: Io, tz: string | undefined): Zone {
  if (tz !== undefined) return makeZone(tz, '--tz');
  let env = io.env['TZ'];
  if (env === undefined || env === '') return makeZone('UTC', '$TZ');
  if (env.startsWith(':')) env = env.slice(1);
  const at = env.indexOf('zoneinfo/');
  if (env.startsWith('/') && at >= 0) env = env.slice(at + 'zoneinfo/'.length);
  return makeZone(env, '$TZ');
}

function makeZone(name: string, source: string): Zone {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new CliError(
      EXIT.USAGE,
      'UNKNOWN_TIME_ZONE',
      `${source} ${JSON.stringify(name)} is not an IANA time zone: give a name such as Asia/Shanghai, Europe/Berlin or UTC${source === '$TZ' ? ' in TZ, or pass --tz' : ''}`,
    );
  }
  const resolved = fmt.resolvedOptions().timeZone;
  return {
    name: resolved,
    offsetAt(ms: number): number {
      const whole = Math.floor(ms / 1000) * 1000;
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(whole)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const wall = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
      return wall - whole;
    },
  };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `Z` for UTC, else `+hh:mm` / `-hh:mm`. */
function offsetText(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const m = Math.abs(offsetMs) / 60_000;
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/**
 * An instant as ISO 8601 in the zone, with its offset:
 * `2026-11-28T08:00:00+08:00`; milliseconds only when not zero. An offset
 * that is not a whole minute (some zones before 1972) cannot be written in
 * ISO 8601: such instants are shown in UTC.
 */
export function formatTime(ms: number, zone: Zone): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return `${ms} ms since 1970 (outside the calendar)`;
  let offset = zone.offsetAt(ms);
  if (offset % 60_000 !== 0 || Math.abs(ms + offset) > MAX_DATE_MS) offset = 0;
  const iso = new Date(ms + offset).toISOString(); // the wall time, written as if UTC
  const wall = iso.endsWith('.000Z') ? iso.slice(0, -5) : iso.slice(0, -1);
  return `${wall}${offsetText(offset)}`;
}

const TIME_SHAPE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The instant of a wall time in a zone: the earlier one when the wall time
 * occurs twice (clocks set back), undefined when it does not occur (clocks
 * set forward over it).
 */
function instantOf(wallUtc: number, zone: Zone): number | undefined {
  const candidates = [wallUtc - zone.offsetAt(wallUtc - DAY_MS), wallUtc - zone.offsetAt(wallUtc), wallUtc - zone.offsetAt(wallUtc + DAY_MS)];
  const valid = candidates.filter((t) => t + zone.offsetAt(t) === wallUtc);
  return valid.length === 0 ? undefined : Math.min(...valid);
}

/**
 * Parses a time given on the command line: milliseconds since 1970, or an
 * ISO 8601 date or date-time. A date-time with `Z` or an offset is that
 * instant; without one it is that wall time in `zone`; a date alone is the
 * first instant of that day in `zone` (midnight, or the end of a clock
 * change that skips midnight).
 * @param option - the option's name for messages, e.g. `--since` or `line 4: "time"`
 * @throws CliError USAGE naming the option and showing a valid example
 */
export function parseTime(value: string, option: string, zone: Zone): number {
  const v = value.trim();
  const bad = (why: string) =>
    new CliError(
      EXIT.USAGE,
      'USAGE',
      `${option} must be an ISO 8601 date or time (e.g. 2024-05-01, 2024-05-01T09:30 in ${zone.name}, or 2024-05-01T09:30:00+08:00) or milliseconds since 1970; got ${JSON.stringify(value)}, which ${why}`,
    );
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
    throw bad('is too large');
  }
  const m = TIME_SHAPE.exec(v);
  if (m === null) throw bad('is not one');
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const milli = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (year < 1970) throw bad('is before 1970');
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) throw bad('is not a date of the calendar');
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  let t: number | undefined;
  const off = m[8];
  if (off === 'Z') {
    t = wall;
  } else if (off !== undefined) {
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) throw bad('has an impossible offset');
    t = wall - (off.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else {
    t = instantOf(wall, zone);
    if (t === undefined) {
      if (m[4] !== undefined) throw bad(`names a time that does not exist in ${zone.name} (the clocks skip it)`);
      t = wall - zone.offsetAt(wall - DAY_MS); // the day starts when the clocks jump
    }
  }
  if (t < 0) throw bad('is before 1970');
  return t;
}
