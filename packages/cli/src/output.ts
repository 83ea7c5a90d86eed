/**
 * Output: the helpers shared with the offline verifier casetrail-verify
 * (@casetrail/verify/cli: colour only on a terminal, aligned tables, escaped
 * stored text, progress, JSON), and the shapes of a ledger's entries.
 */
import type { LedgerEntry } from '@casetrail/core';
import { entryObject, printable, truncate, type EntryJson } from '@casetrail/verify/cli';

export { paint, printJson, width, truncate, INVISIBLE, printable, table, fields, utcIso, entryObject, Progress, type Paint, type Column, type EntryJson } from '@casetrail/verify/cli';

/** A ledger entry in the JSON shape of docs/cli.md "Entry object". */
export function entryJson(e: LedgerEntry): EntryJson {
  return entryObject(e.seq, e.leafHash, e.entry, e.data, e.redacted);
}

/** The data of an entry as one short line for tables. */
export function dataSummary(e: LedgerEntry, max = 60): string {
  if (e.redacted) return '[redacted]';
  return truncate(printable(JSON.stringify(e.data ?? null)), max);
}
