/**
 * `casetrail calendar adopt <ledger> [<file>]`: records a working-day
 * calendar table as a `casetrail.calendar.adopted` entry (docs/supervision.md
 * §5.2); without a file, the mainland-China table shipped with
 * @casetrail/supervise. Deadlines that waited for its days are evaluated
 * right after it (§6.5), and their alerts follow the adoption.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';
import { alertLines, loginName, readCalendar, withSupervisedLedger } from '../../supervision.js';
import { checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface CalendarAdoptOptions {
  ledger: string;
  /** Calendar table (JSON); default the shipped cn-mainland table. */
  file?: string;
  actor?: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; CALENDAR_INVALID (exit 2) for a table that breaks §4.1 */
export async function calendarAdopt(opts: CalendarAdoptOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const actor = opts.actor ?? loginName();
  checkId(opts.actor === undefined ? 'the login name (the default --actor)' : '--actor', actor);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  const { table } = readCalendar(io, opts.file);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'adopting a calendar (it appends an entry and signs a checkpoint)', (sup) =>
      sup.adoptCalendar(table, { actor, ...(time === undefined ? {} : { time }) }),
    );
  } catch (e) {
    throw inUserTerms(e, zone, FLAG_NAMES);
  }
  const cal = { id: table.id, source: table.source, from: table.from, to: table.to, zone: table.zone };
  if (opts.json) {
    await printJson(io, { seq: r.seq, time: r.time, timeIso: utcIso(r.time), calendar: cal, alerts: r.alerts.map((a) => ({ seq: a.seq, case: a.caseId, rule: a.rule, level: a.level })), treeSize: r.treeSize });
  } else {
    await write(
      io.stdout,
      `adopted calendar ${printable(cal.id)} (${printable(cal.source)}, ${cal.from}..${cal.to}, ${printable(cal.zone)}) as entry ${r.seq} at ${formatTime(r.time, zone)}\n` + alertLines(r.alerts),
    );
  }
  return EXIT.OK;
}

export const calendarAdoptCli = defineCommand<CalendarAdoptOptions>({
  name: 'adopt',
  define: (cmd: Command) =>
    cmd
      .description('adopt a working-day calendar table (default: the shipped mainland-China table, 2020–2026)')
      .argument('<ledger>', 'ledger file')
      .argument('[file]', 'calendar table (JSON, docs/supervision.md §4.1)')
      .option('--actor <id>', 'who adopts it (default: your login name)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail calendar adopt cases.ledger', 'casetrail calendar adopt cases.ledger cn-mainland-2027.json --actor director:chen')),
  options: ([ledger, file], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({ file: typeof file === 'string' ? file : undefined, actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: calendarAdopt,
});
