/**
 * `casetrail summary <ledger> --period <period> --actor <id> [--time]
 * [--amends <seq> --reason <text>]`: records the summary of an ended period
 * (docs/supervision.md §14.6): per subject the points deducted, what
 * remains and the measure reached, and the RFC 9162 root over the leaf
 * hashes of the violation and revocation entries it counted. `audit`
 * recomputes it. Refused (SUMMARY_INVALID, exit 2; nothing written) for a
 * period that has not ended by --time, a second summary of a period that
 * does not amend the latest, or when a violation it would count does not
 * check at its position. `summary prove` (commands/summary/) proves one
 * counted entry in a summary.
 */
import type { Command } from 'commander';
import { POINTS_TYPES, parsePointsPayload } from '@casetrail/supervise';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { FLAG_NAMES, inUserTerms } from '../messages.js';
import { countParser, defined, example, flag, jsonOption, keyFileOption, num, req, str, tzOption } from '../options.js';
import { paint, printJson, printable, table, utcIso } from '../output.js';
import { deniedError, withSupervisedLedger } from '../supervision.js';
import { checkId } from '../text.js';
import { formatTime, parseTime, zoneOf } from '../times.js';
import { summaryProveCli } from './summary/prove.js';
import { checkReason } from './violations/record.js';

export interface SummaryOptions {
  ledger: string;
  period?: string;
  actor?: string;
  /** the summary this one amends (with --reason) */
  amends?: number;
  reason?: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; SUMMARY_INVALID or POINTS_MODEL_MISSING (exit 2) when the summary cannot be recorded */
export async function summary(opts: SummaryOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  if (opts.period === undefined || opts.actor === undefined) throw usage("summary needs --period and --actor (or: summary prove <ledger> <summary> <seq>)");
  const { period, actor } = opts;
  checkId('--actor', actor);
  if ((opts.amends === undefined) !== (opts.reason === undefined)) throw usage('--amends and --reason go together: the summary amended, and why');
  if (opts.reason !== undefined) checkReason(opts.reason);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let got;
  try {
    got = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'recording a summary (it appends an entry and signs a checkpoint)', async (sup, ledger) => {
      const r = await sup.summarize(period, {
        actor,
        ...(time === undefined ? {} : { time }),
        ...(opts.amends === undefined ? {} : { amends: { summary: opts.amends, reason: opts.reason! } }),
      });
      const stored = await ledger.get(r.seq);
      return { r, payload: new TextDecoder().decode(stored.payload!) };
    });
  } catch (e) {
    throw deniedError(inUserTerms(e, zone, FLAG_NAMES));
  }
  const { r } = got;
  const s = parsePointsPayload(POINTS_TYPES.summary, got.payload, { seq: r.seq, time: r.time, caseId: r.caseId });
  if (opts.json) {
    await printJson(io, { seq: r.seq, time: r.time, timeIso: utcIso(r.time), treeSize: r.treeSize, summary: s });
    return EXIT.OK;
  }
  const p = paint(io);
  let out = `recorded the summary of ${s.period} as entry ${r.seq} at ${formatTime(r.time, zone)}${s.amends === null ? '' : ` (amends ${s.amends.summary}: ${printable(s.amends.reason)})`}\n`;
  out += `  counted ${s.entries.length} violation and revocation entries; root ${s.root}\n`;
  out +=
    s.subjects.length === 0
      ? '  no subject has a violation in the period\n'
      : table(
          [{ header: 'SUBJECT' }, { header: 'DEDUCTED', align: 'right' }, { header: 'TOTAL', align: 'right' }, { header: 'REMAINING', align: 'right' }, { header: 'MEASURE' }, { header: 'VIOLATIONS' }],
          s.subjects.map((x) => [printable(x.subject), String(x.deducted), String(x.total), String(x.remaining), x.measure === null ? '—' : printable(x.measure), x.violations.join(' ')]),
          p,
        );
  await write(io.stdout, out);
  return EXIT.OK;
}

export const summaryCli = defineCommand<SummaryOptions>({
  name: 'summary',
  define: (cmd: Command) =>
    cmd
      .description('record the summary of an ended period: totals and measures per subject, and the root over what it counted; `summary prove` proves an entry in it')
      .argument('<ledger>', 'ledger file')
      // Required, and checked by the handler: commander would also require them of `summary prove`.
      .option('--period <period>', 'required: a year (2026), quarter (2026-Q3) or month (2026-11) that has ended')
      .option('--actor <id>', 'required: who records it')
      .option('--amends <seq>', 'the summary of the period this one replaces (with --reason)', countParser('--amends'))
      .option('--reason <text>', 'why the summary is amended')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz); after the period\'s end')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail summary cases.ledger --period 2026-Q3 --actor director:chen', 'casetrail summary cases.ledger --period 2026-Q3 --actor director:chen --amends 912 --reason "申诉成立，撤销一项"')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({ period: str(o, 'period'), actor: str(o, 'actor'), amends: num(o, 'amends'), reason: str(o, 'reason'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: summary,
  subcommands: [summaryProveCli],
});
