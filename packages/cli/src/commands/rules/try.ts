/**
 * `casetrail rules try <ledger> <pack>`: shadow mode (docs/supervision.md
 * §7): the alerts a candidate pack would have raised over the whole history,
 * had it been in force from the first entry. Nothing is written.
 */
import type { Command } from 'commander';
import { tryPackOnLedger } from '@casetrail/supervise/ledger';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { ledgerPath } from '../../ledgers.js';
import { countParser, defined, example, flag, jsonOption, num, req } from '../../options.js';
import { paint, printJson, printable, table, truncate } from '../../output.js';
import { levelLabel, readPack } from '../../supervision.js';

export interface RulesTryOptions {
  ledger: string;
  pack: string;
  /** Alerts listed in the human output (default 50; --json lists all). */
  limit?: number;
  json?: boolean;
}

/** @returns 0 (the replay's alerts are data, not failures) */
export async function rulesTry(opts: RulesTryOptions, io: Io): Promise<number> {
  const pack = readPack(io, opts.pack);
  const r = await tryPackOnLedger(ledgerPath(io, opts.ledger), pack);
  if (opts.json) {
    await printJson(io, {
      pack: r.pack,
      entries: r.entries,
      alerts: r.alerts.map((a) => ({ after: a.after, case: a.caseId, rule: a.rule, level: a.level, reason: a.reason, triggeredBy: a.triggeredBy })),
      byRule: r.byRule,
    });
    return EXIT.OK;
  }
  const p = paint(io);
  let out = `shadow replay of pack ${printable(pack.id)} v${pack.version} over ${r.entries} entries (nothing written): ${r.alerts.length} alert(s)\n`;
  const counts = Object.entries(r.byRule).flatMap(([rule, levels]) => Object.entries(levels).map(([level, n]) => [printable(rule), levelLabel(level), String(n)]));
  if (counts.length > 0) out += table([{ header: 'RULE' }, { header: 'LEVEL' }, { header: 'ALERTS', align: 'right' }], counts, p);
  const limit = opts.limit ?? 50;
  if (r.alerts.length > 0) {
    out += table(
      [{ header: 'AFTER', align: 'right' }, { header: 'CASE' }, { header: 'LEVEL' }, { header: 'RULE' }, { header: 'REASON' }],
      r.alerts.slice(0, limit).map((a) => [String(a.after), printable(a.caseId), levelLabel(a.level), printable(a.rule), truncate(printable(a.reason.zh), 60)]),
      p,
    );
    if (r.alerts.length > limit) out += p.dim(`… ${r.alerts.length - limit} more (--limit, or --json for all)\n`);
  }
  await write(io.stdout, out);
  return EXIT.OK;
}

export const rulesTryCli = defineCommand<RulesTryOptions>({
  name: 'try',
  define: (cmd: Command) =>
    cmd
      .description('replay a candidate pack over the whole history without adopting it (shadow mode): the alerts it would have raised')
      .argument('<ledger>', 'ledger file')
      .argument('<pack>', 'candidate rule pack file (YAML)')
      .option('--limit <n>', 'alerts listed (default 50)', countParser('--limit', 1))
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail rules try cases.ledger approval-supervision-v2.yaml')),
  options: ([ledger, pack], o) => ({ ledger: req(ledger, '<ledger>'), pack: req(pack, '<pack>'), ...defined({ limit: num(o, 'limit'), json: flag(o, 'json') }) }),
  run: rulesTry,
});
