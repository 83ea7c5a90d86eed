/**
 * `casetrail log <ledger> [--case --actor --type --since --until --limit --after]`:
 * entries in seq order, as a table, one JSON document (--json) or streamed
 * NDJSON (--ndjson). Times are shown and read in --tz. Every field shown
 * comes from the entry's bytes; the filter selects through the index
 * columns, so a row that does not check is listed marked (exit 1), and a
 * row hidden by an index edit is found by `verify`, not here.
 */
import type { LedgerEntry, QueryOptions } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, jsonOption, num, req, str, timeRangeOptions, tzOption } from '../options.js';
import { checkCell, dataSummary, entryJson, paint, printJson, printable, table, truncate } from '../output.js';
import { formatTime, parseTime, zoneOf, type Zone } from '../times.js';

export interface LogOptions {
  ledger: string;
  case?: string;
  actor?: string;
  type?: string;
  /** ISO 8601 or ms: entries at or after this time (a date alone: midnight in `tz`). */
  since?: string;
  /** ISO 8601 or ms: entries before this time (a date alone: midnight in `tz`). */
  until?: string;
  /** Page size for the table and --json (default 100, at most 10 000); no default limit with --ndjson. */
  limit?: number;
  /** Start after this seq (the `next` of a previous page). */
  after?: number;
  /** IANA time zone for times shown and read (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
  /** Stream every matching entry as NDJSON, in constant memory. */
  ndjson?: boolean;
}

/** The ledger query of a filter given on the command line; dates without an offset are in `zone`. */
export function queryOf(opts: Pick<LogOptions, 'case' | 'actor' | 'type' | 'since' | 'until' | 'after'>, zone: Zone): Omit<QueryOptions, 'limit'> {
  const q: Omit<QueryOptions, 'limit'> = {};
  if (opts.case !== undefined) q.caseId = opts.case;
  if (opts.actor !== undefined) q.actor = opts.actor;
  if (opts.type !== undefined) q.type = opts.type;
  if (opts.since !== undefined) q.since = parseTime(opts.since, '--since', zone);
  if (opts.until !== undefined) q.until = parseTime(opts.until, '--until', zone);
  if (opts.after !== undefined) q.after = opts.after;
  if (q.since !== undefined && q.until !== undefined && q.until < q.since) {
    throw usage(`--until is before --since (${formatTime(q.until, zone)} < ${formatTime(q.since, zone)})`);
  }
  return q;
}

/** The closing note of a listing with rows that do not check. */
function markedNote(bad: number): string {
  return `✘ ${bad} listed entr${bad === 1 ? 'y does' : 'ies do'} not match its stored bytes or chain (marked above); run \`casetrail verify\`\n`;
}

/**
 * @returns exit code 0, or 1 when a listed entry does not check (it is listed marked)
 */
export async function log(opts: LogOptions, io: Io): Promise<number> {
  if (opts.json && opts.ndjson) throw usage('give --json or --ndjson, not both');
  const zone = zoneOf(io, opts.tz);
  const query = queryOf(opts, zone);
  return withReadLedger(io, opts.ledger, async (ledger) => {
    if (opts.ndjson) {
      let n = 0;
      let bad = 0;
      for await (const e of ledger.stream(query)) {
        if (opts.limit !== undefined && n >= opts.limit) break;
        await write(io.stdout, `${JSON.stringify(entryJson(e))}\n`);
        if (!e.ok) bad++;
        n++;
      }
      if (bad > 0) io.stderr.write(markedNote(bad));
      return bad > 0 ? EXIT.FAILED : EXIT.OK;
    }
    const limit = opts.limit ?? 100;
    if (limit < 1 || limit > 10_000) throw usage('--limit must be from 1 to 10000 (use --ndjson to stream everything)');
    const page = await ledger.query({ ...query, limit });
    const bad = page.entries.filter((e) => !e.ok).length;
    if (opts.json) {
      await printJson(io, { entries: page.entries.map(entryJson), next: page.next ?? null });
      return bad > 0 ? EXIT.FAILED : EXIT.OK;
    }
    if (page.entries.length === 0) {
      await write(io.stdout, 'no entries match\n');
      return EXIT.OK;
    }
    await write(io.stdout, logTable(page.entries, io, zone) + (bad > 0 ? paint(io).bad(markedNote(bad)) : ''));
    if (page.next !== undefined) io.stderr.write(`more entries follow: add --after ${page.next}\n`);
    return bad > 0 ? EXIT.FAILED : EXIT.OK;
  });
}

function logTable(entries: LedgerEntry[], io: Io, zone: Zone): string {
  const p = paint(io);
  const marked = entries.some((e) => e.issues.length > 0);
  return table(
    [
      { header: 'SEQ', align: 'right' },
      ...(marked ? [{ header: 'CHECK' }] : []),
      { header: 'TIME' },
      { header: 'CASE' },
      { header: 'STEP', align: 'right' as const },
      { header: 'TYPE' },
      { header: 'ACTOR' },
      { header: 'DATA' },
    ],
    entries.map((e) => {
      const d = e.entry;
      const check = marked ? [checkCell(e)] : [];
      if (d === undefined) return [String(e.seq), ...check, '', '', '', '', '', dataSummary(e, 48)];
      return [
        String(e.seq),
        ...check,
        formatTime(d.time, zone),
        truncate(printable(d.caseId), 24),
        String(d.step),
        truncate(printable(d.type), 24),
        truncate(printable(d.actor), 20),
        dataSummary(e, 48),
      ];
    }),
    p,
  );
}

export const logCli = defineCommand<LogOptions>({
  name: 'log',
  define: (cmd: Command) => {
    cmd
      .description('list entries, filtered, in ledger order')
      .argument('<ledger>', 'ledger file')
      .option('--case <id>', 'only this case')
      .option('--actor <id>', 'only this actor')
      .option('--type <type>', 'only this step type');
    for (const o of timeRangeOptions()) cmd.addOption(o);
    cmd
      .option('--limit <n>', 'at most this many (default 100; with --ndjson: no limit)', countParser('--limit', 1))
      .option('--after <seq>', 'start after this entry (the next page)', countParser('--after'))
      .addOption(jsonOption('print one JSON document {entries, next}'))
      .option('--ndjson', 'stream every matching entry as one JSON object per line')
      .addOption(tzOption())
      .addHelpText('after', example('casetrail log cases.ledger --case C-1', 'casetrail log cases.ledger --since 2024-05-01 --ndjson > may.ndjson', 'casetrail log cases.ledger --since 2026-11-28 --tz Asia/Shanghai   # from midnight in Beijing'));
  },
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({
      case: str(o, 'case'),
      actor: str(o, 'actor'),
      type: str(o, 'type'),
      since: str(o, 'since'),
      until: str(o, 'until'),
      limit: num(o, 'limit'),
      after: num(o, 'after'),
      tz: str(o, 'tz'),
      json: flag(o, 'json'),
      ndjson: flag(o, 'ndjson'),
    }),
  }),
  run: log,
});
