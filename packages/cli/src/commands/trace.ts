/**
 * `casetrail trace <ledger> <case>`: a case's timeline, every field from the
 * entries' bytes, with its per-case chain checked (steps 1, 2, … without gap
 * in ledger order, each linked to the step before, payloads matching their
 * commitments, no nonce twice). A step whose index column disagrees with its
 * bytes is listed marked. Exit 1 if anything does not check. That no later
 * step was hidden by an index edit is shown by `verify`, and the output says so.
 * Alerts and their dispositions are steps of the case, shown with their
 * level (提示/黄牌/红牌), rule, reason and outcome, read from their verified
 * payload only.
 */
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { issueText } from '../messages.js';
import { defined, example, flag, jsonOption, req, str, tzOption } from '../options.js';
import { checkCell, dataSummary, entryJson, paint, printJson, printable, table } from '../output.js';
import { supervisionSummary } from '../supervision.js';
import { formatTime, zoneOf } from '../times.js';

export interface TraceOptions {
  ledger: string;
  case: string;
  /** IANA time zone of the times shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/** What trace cannot prove on its own (issue 8.5): said in its text and --json output. */
export const COMPLETENESS_NOTE =
  'trace checks the steps the case index lists; that no later step of the case was hidden by an index edit is shown by `casetrail verify`';

/**
 * @returns 0 when the case's steps and chain check out, 1 when anything does not, 2 when the case has no entries
 */
export async function trace(opts: TraceOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  return withReadLedger(io, opts.ledger, async (ledger) => {
    const t = await ledger.trace(opts.case);
    if (opts.json) {
      await printJson(io, { case: t.caseId, ok: t.ok, steps: t.steps.map(entryJson), issues: t.issues, completeness: COMPLETENESS_NOTE });
    } else {
      const p = paint(io);
      if (t.steps.length === 0) {
        await write(io.stdout, `case ${printable(opts.case)} has no entries\n`);
        return EXIT.USAGE;
      }
      const marked = t.steps.some((e) => e.issues.length > 0);
      let out = `${p.bold(`case ${printable(t.caseId)}`)}: ${t.steps.length} step(s)\n`;
      out += table(
        [
          { header: 'STEP', align: 'right' },
          { header: 'SEQ', align: 'right' },
          ...(marked ? [{ header: 'CHECK' }] : []),
          { header: 'TIME' },
          { header: 'TYPE' },
          { header: 'ACTOR' },
          { header: 'DATA' },
        ],
        t.steps.map((e) => {
          const d = e.entry;
          const check = marked ? [checkCell(e)] : [];
          if (d === undefined) return ['?', String(e.seq), ...check, '', '', '', dataSummary(e, 56)];
          // Alerts and dispositions are steps of the case: shown with their level, rule, reason and outcome, from a payload that checks.
          const summary = e.payloadState === 'present' ? supervisionSummary(d.type, e.data, d.caseId, e.seq) : undefined;
          return [String(d.step), String(e.seq), ...check, formatTime(d.time, zone), printable(d.type), printable(d.actor), summary ?? dataSummary(e, 56)];
        }),
        p,
      );
      if (t.ok) {
        out += p.ok(`✔ per-case chain intact: steps 1 to ${t.steps.length}, each linked to the one before, every field from its entry's bytes, payloads match their commitments\n`);
      } else {
        for (const i of t.issues) {
          const line = `${i.severity === 'error' ? '✘' : '!'} ${i.code} at entry ${i.seq}: ${printable(issueText(i, zone))}`;
          out += (i.severity === 'error' ? p.bad(line) : p.warn(line)) + '\n';
        }
        out += p.bad(`✘ the steps of case ${printable(t.caseId)} do not check (${t.issues.filter((i) => i.severity === 'error').length} issue(s)); run \`casetrail verify\` on the whole ledger\n`);
      }
      out += p.dim(`  ${COMPLETENESS_NOTE}\n`);
      await write(io.stdout, out);
    }
    if (t.steps.length === 0) return EXIT.USAGE;
    return t.ok ? EXIT.OK : EXIT.FAILED;
  });
}

export const traceCli = defineCommand<TraceOptions>({
  name: 'trace',
  define: (cmd: Command) =>
    cmd
      .description("a case's timeline, with its per-case chain checked (exit 1 if broken)")
      .argument('<ledger>', 'ledger file')
      .argument('<case>', 'case id')
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail trace cases.ledger C-1', 'casetrail trace cases.ledger C-1 --tz Asia/Shanghai')),
  options: ([ledger, c], o) => ({ ledger: req(ledger, '<ledger>'), case: req(c, '<case>'), ...defined({ tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: trace,
});
