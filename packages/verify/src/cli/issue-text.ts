/**
 * Verification issues in the user's terms (docs/cli.md "Messages"): an
 * issue carries the times it is about as fields (`time`, `previousTime`),
 * and its message writes them in ISO 8601 UTC; people read them in their
 * zone. Which time an issue is about comes from its fields, never from
 * parsing its message.
 */
import { isoTime, type Issue } from '../checks/issues.js';
import { printable, type Paint } from './output.js';
import { formatTime, type Zone } from './times.js';

/**
 * A verification issue's message with its times in the zone: each time it
 * carries as a field (`time`, `previousTime`), written in the message in
 * ISO 8601 UTC, is shown in the user's zone instead.
 */
export function issueText(issue: Pick<Issue, 'message' | 'time' | 'previousTime'>, zone: Zone): string {
  let text = issue.message;
  for (const t of [issue.time, issue.previousTime]) {
    if (typeof t === 'number') text = text.split(isoTime(t)).join(formatTime(t, zone));
  }
  return text;
}

/** Lines naming each issue of a shown row (✘ for an error, ! for a warning), escaped, times in the zone. */
export function issueLines(issues: ReadonlyArray<Pick<Issue, 'code' | 'severity' | 'message' | 'time' | 'previousTime'>>, p: Paint, zone: Zone): string {
  let out = '';
  for (const i of issues) {
    const line = `${i.severity === 'error' ? '✘' : '!'} ${i.code}: ${printable(issueText(i, zone))}`;
    out += (i.severity === 'error' ? p.bad(line) : p.warn(line)) + '\n';
  }
  return out;
}
