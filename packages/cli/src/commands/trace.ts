/**
 * `casetrail trace <ledger> <case>`: a case's timeline, with its per-case
 * chain checked (steps 1, 2, … without gap, each linked to the step before,
 * every payload matching its commitment). Exit 1 if the chain is broken.
 * Alerts and their dispositions are steps of the case, shown with their
 * level (提示/黄牌/红牌), rule, reason and outcome.
 */
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { issueText } from '../messages.js';
import { defined, example, flag, jsonOption, req, str, tzOption } from '../options.js';
import { dataSummary, entryJson, paint, printJson, printable, table } from '../output.js';
import { supervisionSummary } from '../supervision.js';
import { formatTime, zoneOf } from '../times.js';

export interface TraceOptions {
  ledger: string;
  case: string;
  /** IANA time zone of the times shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns 0 when the case's chain checks out, 1 when it is broken, 2 when the case has no entries
 */
export async function trace(opts: TraceOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  return withReadLedger(io, opts.ledger, async (ledger) => {
    const t = await ledger.trace(opts.case);
    if (opts.json) {
      await printJson(io, { case: t.caseId, ok: t.ok, steps: t.steps.map(entryJson), issues: t.issues });
    } else {
      const p = paint(io);
      if (t.steps.length === 0 && t.issues.length === 0) {
        await write(io.stdout, `case ${printable(opts.case)} has no entries\n`);
        return EXIT.USAGE;
      }
      let out = `${p.bold(`case ${printable(t.caseId)}`)}: ${t.steps.length} step(s)\n`;
      out += table(
        [{ header: 'STEP', align: 'right' }, { header: 'SEQ', align: 'right' }, { header: 'TIME' }, { header: 'TYPE' }, { header: 'ACTOR' }, { header: 'DATA' }],
        t.steps.map((e) => [
          String(e.entry.step),
          String(e.seq),
          formatTime(e.entry.time, zone),
          printable(e.entry.type),
          printable(e.entry.actor),
          // Alerts and dispositions are steps of the case: shown with their level, rule, reason and outcome.
          (e.redacted ? undefined : supervisionSummary(e.entry.type, e.data, e.entry.caseId, e.seq)) ?? dataSummary(e, 56),
        ]),
        p,
      );
      if (t.ok) {
        out += p.ok(`✔ per-case chain intact: steps 1 to ${t.steps.length}, each linked to the one before, payloads match their commitments\n`);
        out += p.dim(`  trace checks the steps it finds; that none is missing or hidden is shown by \`casetrail verify\`\n`);
      } else {
        for (const i of t.issues) out += p.bad(`✘ ${i.code} at entry ${i.seq}: ${printable(issueText(i.code, i.message, zone))}\n`);
        out += p.bad(`✘ the chain of case ${printable(t.caseId)} is broken (${t.issues.length} issue(s)); run \`casetrail verify\` on the whole ledger\n`);
      }
      await write(io.stdout, out);
    }
    if (t.steps.length === 0 && t.issues.length === 0) return EXIT.USAGE;
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
