/**
 * `casetrail alerts dispose <ledger> <seq> --actor --outcome --reason`:
 * records a disposition of an alert in its case (docs/supervision.md §5.5):
 * `explained` (说明情况, closes it), `escalated`, or `violation` (confirmed).
 * Alerts are never edited: the disposition is another entry.
 */
import type { Command } from 'commander';
import { OUTCOMES, type Outcome } from '@casetrail/supervise';
import { defineCommand } from '../../command.js';
import { EXIT, usage } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { countParser, defined, example, flag, jsonOption, keyFileOption, req, reqNum, str, tzOption } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';
import { deniedError, withSupervisedLedger } from '../../supervision.js';
import { checkArgUtf8, checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface AlertsDisposeOptions {
  ledger: string;
  seq: number;
  actor: string;
  outcome: string;
  reason: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; DISPOSITION_INVALID (exit 2) when seq is not an open alert of a case */
export async function alertsDispose(opts: AlertsDisposeOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  checkId('--actor', opts.actor);
  checkArgUtf8('--reason', opts.reason);
  if (!(OUTCOMES as readonly string[]).includes(opts.outcome)) throw usage(`--outcome must be one of ${OUTCOMES.join(', ')}`);
  if (opts.reason.trim() === '' || opts.reason.length > 4096) throw usage('--reason must say why, in 1 to 4096 characters');
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'disposing of an alert (it appends an entry and signs a checkpoint)', (sup) =>
      sup.dispose(opts.seq, { actor: opts.actor, outcome: opts.outcome as Outcome, reason: opts.reason, ...(time === undefined ? {} : { time }) }),
    );
  } catch (e) {
    throw deniedError(inUserTerms(e, zone, FLAG_NAMES));
  }
  if (opts.json) {
    await printJson(io, { disposed: opts.seq, outcome: opts.outcome, seq: r.seq, case: r.caseId, step: r.step, time: r.time, timeIso: utcIso(r.time), treeSize: r.treeSize });
  } else {
    await write(io.stdout, `disposed of alert ${opts.seq} (${opts.outcome}); recorded as entry ${r.seq} (case ${printable(r.caseId)} step ${r.step}) at ${formatTime(r.time, zone)}\n`);
  }
  return EXIT.OK;
}

export const alertsDisposeCli = defineCommand<AlertsDisposeOptions>({
  name: 'dispose',
  define: (cmd: Command) =>
    cmd
      .description('dispose of an alert: explained (closes it), escalated, or violation (confirmed)')
      .argument('<ledger>', 'ledger file')
      .argument('<seq>', 'the alert entry', countParser('<seq>'))
      .requiredOption('--actor <id>', 'who disposes of it')
      .requiredOption('--outcome <outcome>', 'explained | escalated | violation')
      .requiredOption('--reason <text>', 'why (recorded in the ledger)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail alerts dispose cases.ledger 42 --actor chief:zhang --outcome explained --reason "补正材料已于10月9日收到"')),
  options: ([ledger, seq], o) => ({
    ledger: req(ledger, '<ledger>'),
    seq: reqNum(seq, '<seq>'),
    actor: req(o['actor'], '--actor'),
    outcome: req(o['outcome'], '--outcome'),
    reason: req(o['reason'], '--reason'),
    ...defined({ time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: alertsDispose,
});
