/**
 * Verification issues in the user's terms: the library writes the times of
 * TIME_ORDER and FILTER_MISMATCH in milliseconds; people read them as ISO
 * times in their zone (docs/cli.md "Messages").
 */
import { formatTime, type Zone } from './times.js';

/**
 * A verification issue's message with its times in the zone: the library
 * writes them in milliseconds (TIME_ORDER: "earlier (ms) than … (ms)";
 * FILTER_MISMATCH: "has time ms").
 */
export function issueText(code: string, message: string, zone: Zone): string {
  const iso = (ms: string) => formatTime(Number(ms), zone);
  if (code === 'TIME_ORDER') return message.replace(/\((\d{1,16})\)/g, (_m, ms: string) => `(${iso(ms)})`);
  if (code === 'FILTER_MISMATCH') return message.replace(/has time (\d{1,16})/, (_m, ms: string) => `has time ${iso(ms)}`);
  return message;
}
