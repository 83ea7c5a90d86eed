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
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'a tick (it appends an entry and signs a checkpoint)', (sup) => sup.tick({ now, ...(opts.actor === undefined ? {} : { actor: opts.actor }) }));
  } catch (e) {
    throw inUserTerms(e, zone, { step: () => '', field: () => '--now' });
  }
  if (opts.json) {
    await printJson(io, { seq: r.seq, now: r.time, nowIso: utcIso(r.time), alerts: r.alerts.map((a) => ({ seq: a.seq, case: a.caseId, rule: a.rule, level: a.level })), treeSize: r.treeSize });
  } else {
    const n = r.alerts.length;
    await write(io.stdout, `tick at ${formatTime(r.time, zone)} recorded as entry ${r.seq}; ${n === 0 ? 'no alert due' : `${n} alert(s) due, written right after it:`}\n` + alertLines(r.alerts));
  }
  return EXIT.OK;
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
