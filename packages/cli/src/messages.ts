/**
 * Library messages in the user's terms (docs/cli.md "Messages"). The library
 * speaks of its API (`steps[0].type`, times in UTC); the CLI's user gave
 * `--type`, line 7 of a file, and reads times in their zone. Which step and
 * which time an error or issue is about come from its fields
 * (`details.index`, `details.time`, `issue.time`), never from its message;
 * the message is only re-worded.
 */
import { LedgerError } from '@casetrail/core';
import { formatTime, type Zone } from './times.js';

/** How the user named what the library calls `steps[i]` and its fields. */
export interface StepNames {
  /** The step as a whole, e.g. `line 7` (bulk) or '' (one step from flags). */
  step(i: number): string;
  /** A field of the step, e.g. `--type` or `line 7: "type"`. */
  field(i: number, field: string): string;
}

const FLAG_OF: Readonly<Record<string, string>> = {
  caseId: '--case',
  case: '--case',
  type: '--type',
  actor: '--actor',
  data: '--data',
  payload: '--data',
  time: '--time',
  salt: '--data',
  signatures: '--sign-with',
  signWith: '--sign-with',
};

/** A name from a table, by own key only (a library field is never looked up on Object.prototype). */
function named(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The names of a step given with --case, --type, … */
export const FLAG_NAMES: StepNames = {
  step: () => '',
  field: (_i, f) => named(FLAG_OF, f) ?? `--${f}`,
};

const NDJSON_KEY_OF: Readonly<Record<string, string>> = { caseId: 'case', payload: 'data', salt: 'data', signatures: 'signature', signWith: 'signature' };

/** The names of steps read from NDJSON: `lineOf(i)` is the file line of batch item i. */
export function lineNames(lineOf: (i: number) => number | undefined): StepNames {
  const step = (i: number) => {
    const n = lineOf(i);
    return n === undefined ? 'a line of the batch' : `line ${n}`;
  };
  return { step, field: (i, f) => `${step(i)}: "${named(NDJSON_KEY_OF, f) ?? f}"` };
}

/**
 * Rewrites `steps[i]`, `steps[i].field` and `steps[i].signatures[j]` in a
 * library message.
 */
export function stepTerms(message: string, names: StepNames): string {
  return message.replace(/steps\[(\d+)\](?:\.(\w+)(?:\[\d+\])?)?(:?)/g, (_m, i: string, field: string | undefined, colon: string) => {
    const n = Number(i);
    if (field === undefined) return names.step(n) === '' ? '' : `${names.step(n)}${colon}`;
    return `${names.field(n, field)}${colon}`;
  });
}

/** The step of a batch a library error is about (`details.index`), if it says. */
export function stepIndexOf(e: unknown): number | undefined {
  const i = e instanceof LedgerError ? e.details['index'] : undefined;
  return typeof i === 'number' && Number.isSafeInteger(i) && i >= 0 ? i : undefined;
}

/**
 * A library error with its message in the user's terms (same code, details
 * and cause).
 */
export function inUserTerms(e: unknown, zone: Zone, names: StepNames): unknown {
  if (!(e instanceof LedgerError)) return e;
  const d = e.details;
  const i = stepIndexOf(e);
  const step = i ?? 0;
  let message: string;
  if (e.code === 'TIME_ORDER' && typeof d['time'] === 'number' && typeof d['latest'] === 'number') {
    message =
      `${i === undefined ? 'the time' : names.field(i, 'time')} ${formatTime(d['time'], zone)} is before the latest entry's time ${formatTime(d['latest'], zone)}: ` +
      'entries never go back in time; give a later time, or none (the default is now)';
  } else if (e.code === 'PAYLOAD_TOO_LARGE' && typeof d['size'] === 'number' && typeof d['limit'] === 'number') {
    message = `${names.field(step, 'data')} is ${d['size']} bytes as stored JSON; the limit is ${d['limit']} bytes`;
  } else if (e.code === 'INVALID_ARGUMENT' && typeof d['field'] === 'string' && e.message.startsWith(`${d['field']} `)) {
    message = `${names.field(step, d['field'])}${e.message.slice(d['field'].length)}`;
  } else {
    message = stepTerms(e.message, names).replace(/^[:\s]+/, '');
  }
  if (message === e.message) return e;
  return new LedgerError(e.code, message, { ...d }, { cause: e });
}

/** Shared with the offline verifier casetrail-verify (@casetrail/verify/cli): issues with their times in the user's zone. */
export { issueText, issueLines } from '@casetrail/verify/cli';
