/**
 * Durations as the monitor's config and command line write them: one or
 * more groups of a whole number and a unit — `500ms`, `30s`, `5m`, `2h`,
 * `1d`, `1h30m` — from 1 ms to 366 days.
 */
import { LedgerError } from '@casetrail/verify';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d{1,9}(?:ms|s|m|h|d))+$/;
const GROUP = /(\d{1,9})(ms|s|m|h|d)/g;
/** The longest duration accepted. */
export const MAX_DURATION_MS = 366 * 86_400_000;

/**
 * @param where - what gave it, for the message (`--every`, `fullEvery`)
 * @returns milliseconds
 * @throws LedgerError CONFIG_INVALID
 */
export function parseDuration(text: string, where: string): number {
  if (typeof text !== 'string' || !WHOLE.test(text)) {
    throw new LedgerError('CONFIG_INVALID', `${where} ${JSON.stringify(text)} is not a duration: write e.g. 30s, 5m, 2h, 1d or 1h30m`, { field: where });
  }
  let ms = 0;
  for (const m of text.matchAll(GROUP)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms < 1 || ms > MAX_DURATION_MS) throw new LedgerError('CONFIG_INVALID', `${where} ${text} must be from 1ms to 366d`, { field: where });
  return ms;
}
