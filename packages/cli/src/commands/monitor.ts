/**
 * `casetrail monitor <config.yaml> [--once | --every <duration>]`: a
 * superior's real-time oversight of its subordinates' ledgers
 * (docs/oversight.md "Monitor"). Each round, per unit: the newest
 * checkpoint proven consistent with the last one seen, the ledger verified
 * (fully the first time), the supervision audit, the overview, and — when
 * configured as the units' witness — a cosignature. Exit 1 on any
 * inconsistency, rollback, failed verification or audit (a looping monitor
 * stops there unless --keep-going); 3 when a ledger could not be read.
 */
import { loadMonitorConfig, parseDuration, runMonitor, type RoundReport, type UnitReport } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { usage } from '../exit.js';
import { resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { countParser, defined, example, flag, jsonOption, num, req, str, tzOption } from '../options.js';
import { paint, printJson, printable, table, type Paint } from '../output.js';
import { formatTime, zoneOf, type Zone } from '../times.js';

export interface MonitorCommandOptions {
  /** The monitor's YAML configuration. */
  config: string;
  /** One round (the default). */
  once?: boolean;
  /** A round every this long (`30s`, `5m`, `1h`). */
  every?: string;
  /** With --every: stop after this many rounds. */
  rounds?: number;
  /** With --every: go on after a round that failed. */
  keepGoing?: boolean;
  tz?: string;
  json?: boolean;
}

function alertsText(a: Record<string, number>): string {
  const parts = Object.entries(a).filter(([, n]) => n > 0).map(([level, n]) => `${printable(level)} ${n}`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

function witnessText(u: UnitReport, zone: Zone): string {
  const w = u.witness;
  if (w.status === 'off') return '-';
  if (w.status === 'cosigned') return `cosigned ${w.size}${w.now ? '' : ' (before)'} at ${formatTime(w.timestamp * 1000, zone)}`;
  if (w.status === 'refused') return `REFUSED ${w.httpStatus} ${w.code}`;
  return `error ${w.code}`;
}

/** The overview of one round as a table, its problems, and its verdict. */
export function roundText(r: RoundReport, p: Paint, zone: Zone): string {
  const rows = r.units.map((u) => [
    printable(u.unit),
    String(u.size),
    u.consistent ? 'yes' : 'NO',
    u.verified === null ? '-' : `${u.verified.ok ? 'ok' : 'FAILED'} (${u.verified.mode})`,
    u.audit === null ? '-' : u.audit.ok ? `ok (${u.audit.packs} pack(s))` : `FAILED (${u.audit.errors})`,
    alertsText(u.alerts),
    u.overdue === null ? '-' : String(u.overdue),
    u.points === null ? '-' : `${u.points.deducted} (${u.points.period}, ${u.points.subjects} subject(s))`,
    witnessText(u, zone),
  ]);
  let out = `${p.bold(`monitor round at ${formatTime(Date.parse(r.at), zone)}`)}\n`;
  out += table(
    [
      { header: 'UNIT' },
      { header: 'ENTRIES', align: 'right' },
      { header: 'CONSISTENT' },
      { header: 'VERIFIED' },
      { header: 'AUDIT' },
      { header: 'OPEN ALERTS' },
      { header: 'OVERDUE', align: 'right' },
      { header: 'POINTS', align: 'right' },
      { header: 'WITNESS' },
    ],
    rows,
    p,
  );
  for (const u of r.units) {
    if (u.policy !== null) out += `  ${printable(u.unit)}: permission policy in force ${u.policy.slice(0, 16)}…\n`;
  }
  for (const u of r.units) {
    for (const x of u.problems) out += p.bad(`✘ ${printable(u.unit)}: ${x.code}: ${printable(x.message)}${x.evidence === undefined ? '' : ` (evidence: ${x.evidence})`}`) + '\n';
  }
  out += r.exitCode === 0 ? p.ok(`✔ OK: ${r.units.length} unit(s) consistent, verified and audited\n`) : r.exitCode === 1 ? p.bad('✘ FAILED: see the problems above\n') : p.warn('! some ledgers could not be checked: see above\n');
  return out;
}

/**
 * @returns 0 when every round was clean; 1 when a round found an
 *   inconsistency, rollback, failed verification or audit; 3 for a ledger
 *   that could not be read
 * @throws LedgerError CONFIG_INVALID (2), STATE_INVALID, STATE_LOCKED (3); CliError USAGE
 */
export async function monitor(opts: MonitorCommandOptions, io: Io): Promise<number> {
  if (opts.once && opts.every !== undefined) throw usage('give --once or --every <duration>, not both');
  if (opts.every === undefined && (opts.rounds !== undefined || opts.keepGoing)) throw usage('--rounds and --keep-going go with --every');
  const zone = zoneOf(io, opts.tz);
  const everyMs = opts.every === undefined ? undefined : parseDuration(opts.every, '--every');
  const config = loadMonitorConfig(resolvePath(io, opts.config));
  const p = paint(io);
  return runMonitor(config, {
    ...(everyMs === undefined ? {} : { everyMs }),
    ...(opts.rounds === undefined ? {} : { rounds: opts.rounds }),
    ...(opts.keepGoing ? { keepGoing: true } : {}),
    onRound: async (r) => {
      if (opts.json && everyMs === undefined) await printJson(io, r);
      else if (opts.json) await write(io.stdout, `${JSON.stringify(r)}\n`);
      else await write(io.stdout, roundText(r, p, zone));
    },
  });
}

export const monitorCli = defineCommand<MonitorCommandOptions>({
  name: 'monitor',
  define: (cmd: Command) =>
    cmd
      .description("follow subordinates' ledgers: consistency, verification, supervision audit, overview, witness (exit 1 on any inconsistency)")
      .argument('<config>', 'the monitor configuration (YAML: state, ledgers, optional witness and fullEvery)')
      .option('--once', 'one round (the default)')
      .option('--every <duration>', 'a round every this long: 30s, 5m, 1h …')
      .option('--rounds <n>', 'with --every: stop after n rounds', countParser('--rounds', 1))
      .option('--keep-going', 'with --every: go on after a round that failed')
      .addOption(tzOption())
      .addOption(jsonOption('print each round as one JSON document (one per line with --every)'))
      .addHelpText('after', example('casetrail monitor province-monitor.yaml --once', 'casetrail monitor province-monitor.yaml --every 1m --json')),
  options: ([config], o) => ({
    config: req(config, '<config>'),
    ...defined({ once: flag(o, 'once'), every: str(o, 'every'), rounds: num(o, 'rounds'), keepGoing: flag(o, 'keepGoing'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: monitor,
});
