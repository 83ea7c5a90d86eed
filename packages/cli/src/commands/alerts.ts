/**
 * `casetrail alerts <ledger> [--level <at least>] [--case <id>] [--open]`:
 * the alerts recorded in a ledger with their status (docs/supervision.md
 * §5.4–§5.5), read from their checked entries; levels shown with their
 * Chinese names, times in --tz. `alerts dispose` (commands/alerts/) records
 * a disposition. Exit 1 when a supervision entry is malformed.
 */
import type { Command } from 'commander';
import { ledgerAlerts, type AlertRow } from '@casetrail/supervise/ledger';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { ledgerPath } from '../ledgers.js';
import { defined, example, flag, jsonOption, req, str, tzOption } from '../options.js';
import { paint, printJson, printable, table, truncate, utcIso } from '../output.js';
import { levelLabel } from '../supervision.js';
import { checkId } from '../text.js';
import { formatTime, zoneOf } from '../times.js';
import { alertsDisposeCli } from './alerts/dispose.js';

export interface AlertsOptions {
  ledger: string;
  /** Only alerts of at least this level (in the order of the pack that raised each). */
  level?: string;
  case?: string;
  /** Only alerts not disposed of. */
  open?: boolean;
  tz?: string;
  json?: boolean;
}

function alertJson(a: AlertRow) {
  return {
    seq: a.seq,
    case: a.caseId,
    rule: a.rule,
    ruleVersion: a.ruleVersion,
    level: a.level,
    status: a.status,
    triggeredBy: a.triggeredBy,
    reason: a.reason,
    time: a.time,
    timeIso: utcIso(a.time),
    disposition: a.disposition === undefined ? null : { seq: a.disposition.seq, outcome: a.disposition.outcome, actor: a.disposition.actor, reason: a.disposition.reason, time: a.disposition.time },
  };
}

/** @returns 0, or 1 when a supervision entry is malformed */
export async function alerts(opts: AlertsOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  if (opts.case !== undefined) checkId('--case', opts.case);
  const { alerts: all, malformed, levels } = await ledgerAlertsWithLevels(ledgerPath(io, opts.ledger));
  if (opts.level !== undefined && !levels.has(opts.level)) {
    throw usage(`--level ${opts.level} is not a level of any pack adopted in this ledger (${[...levels].join(', ') || 'none adopted'})`);
  }
  const min = opts.level;
  const shown = all.filter(
    (a) => (opts.case === undefined || a.caseId === opts.case) && (!opts.open || a.status === 'open') && (min === undefined || (a.rank >= 0 && a.rank >= a.levels.indexOf(min) && a.levels.includes(min))),
  );
  if (opts.json) {
    await printJson(io, { alerts: shown.map(alertJson), malformed });
  } else {
    const p = paint(io);
    let out =
      shown.length === 0
        ? 'no alerts\n'
        : table(
            [{ header: 'SEQ', align: 'right' }, { header: 'TIME' }, { header: 'CASE' }, { header: 'LEVEL' }, { header: 'RULE' }, { header: 'STATUS' }, { header: 'REASON' }],
            shown.map((a) => [
              String(a.seq),
              formatTime(a.time, zone),
              printable(a.caseId),
              levelLabel(a.level),
              printable(a.rule),
              a.disposition === undefined ? 'open' : `${a.disposition.outcome} (${a.disposition.seq})`,
              truncate(printable(a.reason.zh), 48),
            ]),
            p,
          );
    for (const seq of malformed) out += p.bad(`✘ supervision entry ${seq} is malformed (docs/supervision.md §5): run \`casetrail audit\`\n`);
    await write(io.stdout, out);
  }
  return malformed.length > 0 ? EXIT.FAILED : EXIT.OK;
}

/** The alerts, each with its pack's levels, and every level name the adopted packs know. */
async function ledgerAlertsWithLevels(path: string) {
  const { alerts: rows, malformed, packs } = await ledgerAlerts(path);
  const levels = new Set(packs.flatMap((p) => p.levels));
  const byHash = new Map(packs.map((p) => [p.hash, p.levels]));
  return { alerts: rows.map((a) => ({ ...a, levels: byHash.get(a.pack) ?? [] })), malformed, levels };
}

export const alertsCli = defineCommand<AlertsOptions>({
  name: 'alerts',
  define: (cmd: Command) =>
    cmd
      .description('the alerts recorded in a ledger, with their status; `alerts dispose` records a disposition')
      .argument('<ledger>', 'ledger file')
      .option('--level <level>', 'only alerts of at least this level (e.g. yellow: yellow and red)')
      .option('--case <id>', 'only the alerts of this case')
      .option('--open', 'only alerts not disposed of')
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail alerts cases.ledger --level yellow --open --tz Asia/Shanghai', 'casetrail alerts dispose cases.ledger 42 --actor chief:zhang --outcome violation --reason "收费超标属实"')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({ level: str(o, 'level'), case: str(o, 'case'), open: flag(o, 'open'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: alerts,
  subcommands: [alertsDisposeCli],
});
