/**
 * Output: the helpers shared with the offline verifier casetrail-verify
 * (@casetrail/verify/cli: colour only on a terminal, aligned tables, escaped
 * stored text, progress, JSON), and the shapes of a ledger's entries —
 * every field from the entry's bytes, with what does not check marked.
 */
import type { LedgerEntry, PayloadState } from '@casetrail/core';
import { entryObject, printable, truncate, type EntryJson } from '@casetrail/verify/cli';

export { paint, printJson, width, truncate, INVISIBLE, printable, table, fields, utcIso, entryObject, Progress, type Paint, type Column, type EntryJson } from '@casetrail/verify/cli';

/** A ledger entry in the JSON shape of docs/cli.md "Entry object": its fields from the decoded entry, null when it does not decode. */
export function entryJson(e: LedgerEntry): EntryJson {
  return entryObject({ seq: e.seq, leafHash: e.leafHash, entry: e.entry, data: e.data, payload: e.payloadState, ok: e.ok, issues: e.issues });
}

/** How a payload that is not shown is named in text output (format.md §4.5: only a proven erasure is "redacted"). */
const PAYLOAD_WORDS: Record<Exclude<PayloadState, 'present'>, string> = {
  erased: '[redacted]',
  missing: '[payload missing: no redaction proves its erasure]',
  mismatch: '[payload does not match its commitment]',
  restored: '[erased payload present again: not shown]',
  unchecked: '[entry does not decode]',
};

/** The data of an entry as one short line for tables; never a payload that does not check. */
export function dataSummary(e: LedgerEntry, max = 60): string {
  if (e.payloadState !== 'present') return PAYLOAD_WORDS[e.payloadState];
  if (e.data === undefined) return '[payload cannot be shown: PAYLOAD_MALFORMED]';
  return truncate(printable(JSON.stringify(e.data)), max);
}

/** The codes of a row's issues, for a table column ('' when it checks out). */
export function issueCodes(e: LedgerEntry): string {
  return [...new Set(e.issues.map((i) => i.code))].join(',');
}

/** A table's CHECK cell: `ok`, `✘ CODES` for an error, `! CODES` for warnings only. */
export function checkCell(e: LedgerEntry): string {
  if (e.issues.length === 0) return 'ok';
  return `${e.ok ? '!' : '✘'} ${issueCodes(e)}`;
}
