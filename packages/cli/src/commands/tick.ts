/**
 * `casetrail tick <ledger> [--now <time>]`: records a signed clock entry,
 * "now is T" (docs/supervision.md §5.3, §6.4), and the deadline and
 * escalation alerts due by then, right after it (事后). Refused (TIME_ORDER,
 * exit 2) when T is before the latest entry: entry times never go back.
 */
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { inUserTerms } from '../messages.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../options.js';
import { printJson, utcIso } from '../output.js';
import { alertLines, withSupervisedLedger } from '../supervision.js';
import { checkId } from '../text.js';
import { formatTime, parseTime, zoneOf } from '../times.js';

export interface TickOptions {
  ledger: string;
  /** The instant recorded (ISO 8601 or ms); default now. */
  now?: string;
  /** Who records it (default `casetrail:clock`). */
  actor?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; TIME_ORDER (exit 2) when --now is before the latest entry */
export async function tick(opts: TickOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  if (opts.actor !== undefined) checkId('--actor', opts.actor);
  const now = opts.now === undefined ? Date.now() : parseTime(opts.now, '--now', zone);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'a tick (it appends an entry and signs a checkpoint)', async (sup) => {
      const t = await sup.tick({ now, ...(opts.actor === undefined ? {} : { actor: opts.actor }) });
      // The points cycles' standings after the clock entry (docs/supervision.md §14.12), when a points model is in force.
      const s = await sup.recordStandings({ actor: opts.actor ?? 'casetrail:clock', time: now });
      return { ...t, standings: s.receipts.map((x) => x.seq), skipped: s.skipped, treeSize: s.receipts.at(-1)?.treeSize ?? t.treeSize };
    });
  } catch (e) {
    throw inUserTerms(e, zone, { step: () => '', field: () => '--now' });
  }
  if (opts.json) {
    await printJson(io, { seq: r.seq, now: r.time, nowIso: utcIso(r.time), alerts: r.alerts.map((a) => ({ seq: a.seq, case: a.caseId, rule: a.rule, level: a.level })), standings: r.standings, treeSize: r.treeSize });
  } else {
    const n = r.alerts.length;
    await write(io.stdout, `tick at ${formatTime(r.time, zone)} recorded as entry ${r.seq}; ${n === 0 ? 'no alert due' : `${n} alert(s) due, written right after it:`}\n` + alertLines(r.alerts) + standingLines(r.standings, r.skipped));
  }
  return EXIT.OK;
}

function standingLines(seqs: readonly number[], skipped: readonly string[]): string {
  let out = seqs.length === 0 ? '' : `points standing(s) recorded as entr${seqs.length === 1 ? 'y' : 'ies'} ${seqs.join(', ')}\n`;
  for (const c of skipped) out += `no standing for ${c}: it would list more than 40,000 violations (\`points\` then counts every entry of the cycle)\n`;
  return out;
}

export const tickCli = defineCommand<TickOptions>({
  name: 'tick',
  define: (cmd: Command) =>
    cmd
      .description('record "now is T" and the deadline and escalation alerts due by then')
      .argument('<ledger>', 'ledger file')
      .option('--now <time>', 'the instant: ISO 8601 or ms since 1970 (default now; without an offset: in --tz); never before the latest entry')
      .option('--actor <id>', 'who records it (default casetrail:clock)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail tick cases.ledger', 'casetrail tick cases.ledger --now 2025-11-07T09:00 --tz Asia/Shanghai')),
  options: ([ledger], o) => ({ ledger: req(ledger, '<ledger>'), ...defined({ now: str(o, 'now'), actor: str(o, 'actor'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: tick,
});
