/**
 * `casetrail violations record <ledger> --subject --code --points
 * --evidence <seq,…> --actor --reason [--time]`: records a violation
 * directly (docs/supervision.md §14.4), in the case of its evidence. Refused
 * (VIOLATION_INVALID, exit 2; nothing written) when the code is not a 情形
 * of the pack in force, the points are not its points, the evidence is not
 * steps of one case, or the subject is not concerned by them.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, usage } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { countParser, defined, example, flag, jsonOption, keyFileOption, req, reqNum, str, tzOption } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';
import { deniedError, withSupervisedLedger } from '../../supervision.js';
import { checkArgUtf8, checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface ViolationsRecordOptions {
  ledger: string;
  subject: string;
  code: string;
  points: number;
  /** comma-separated seqs */
  evidence: string;
  actor: string;
  reason: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** `14,15` → [14, 15]. @throws CliError USAGE */
export function seqList(text: string, option: string): number[] {
  const parts = text.split(',').map((x) => x.trim());
  if (parts.length === 0 || parts.length > 16 || parts.some((x) => !/^\d{1,15}$/.test(x))) throw usage(`${option} must list 1 to 16 entry seqs separated by commas (e.g. 14,15)`);
  return parts.map(Number);
}

/** A --reason: what is recorded as why. @throws CliError USAGE */
export function checkReason(reason: string): void {
  checkArgUtf8('--reason', reason);
  if (reason.trim() === '' || reason.length > 4096) throw usage('--reason must say why, in 1 to 4096 characters');
}

/** @returns 0; VIOLATION_INVALID (exit 2) when the violation does not check */
export async function violationsRecord(opts: ViolationsRecordOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  checkId('--subject', opts.subject);
  checkId('--actor', opts.actor);
  checkArgUtf8('--code', opts.code);
  checkReason(opts.reason);
  const evidence = seqList(opts.evidence, '--evidence');
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'recording a violation (it appends an entry and signs a checkpoint)', (sup) =>
      sup.recordViolation({ subject: opts.subject, code: opts.code, points: opts.points, evidence, reason: opts.reason }, { actor: opts.actor, ...(time === undefined ? {} : { time }) }),
    );
  } catch (e) {
    throw deniedError(inUserTerms(e, zone, FLAG_NAMES));
  }
  const v = r.violation;
  if (opts.json) {
    await printJson(io, { seq: r.seq, case: r.caseId, step: r.step, time: r.time, timeIso: utcIso(r.time), violation: { subject: v.subject, code: v.code, points: v.points, at: v.at, atIso: utcIso(v.at), evidence }, treeSize: r.treeSize });
  } else {
    await write(io.stdout, `recorded violation ${r.seq} (case ${printable(r.caseId)} step ${r.step}): ${printable(v.subject)} −${v.points} for ${printable(v.code)}, counted at ${formatTime(v.at, zone)} (its latest evidence)\n`);
  }
  return EXIT.OK;
}

export const violationsRecordCli = defineCommand<ViolationsRecordOptions>({
  name: 'record',
  define: (cmd: Command) =>
    cmd
      .description('record a violation directly: subject, 情形 code, points and the steps that are its evidence')
      .argument('<ledger>', 'ledger file')
      .requiredOption('--subject <id>', 'who is charged (e.g. clerk:wang)')
      .requiredOption('--code <code>', 'the 情形 code, from the points of the pack in force')
      .requiredOption('--points <n>', "the points: the 情形's (or within its range)", countParser('--points', 1))
      .requiredOption('--evidence <seq,…>', 'the steps of one case that show it (1 to 16 seqs)')
      .requiredOption('--actor <id>', 'who records it')
      .requiredOption('--reason <text>', 'why (recorded in the ledger)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail violations record cases.ledger --subject clerk:wang --code fee.over-standard --points 3 --evidence 14,15 --actor inspector:sun --reason "经办人未审核收费"')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    subject: req(o['subject'], '--subject'),
    code: req(o['code'], '--code'),
    points: reqNum(o['points'], '--points'),
    evidence: req(o['evidence'], '--evidence'),
    actor: req(o['actor'], '--actor'),
    reason: req(o['reason'], '--reason'),
    ...defined({ time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: violationsRecord,
});
