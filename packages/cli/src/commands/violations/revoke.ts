/**
 * `casetrail violations revoke <ledger> <seq> --actor --reason [--time]`:
 * an appeal upheld (docs/supervision.md §14.5): a new entry in the
 * violation's case; the violation stays in the ledger and no longer counts.
 * Refused (REVOCATION_INVALID, exit 2; nothing written) when seq is not a
 * violation entry or was revoked already.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { countParser, defined, example, flag, jsonOption, keyFileOption, req, reqNum, str, tzOption } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';
import { deniedError, withSupervisedLedger } from '../../supervision.js';
import { checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';
import { checkReason } from './record.js';

export interface ViolationsRevokeOptions {
  ledger: string;
  seq: number;
  actor: string;
  reason: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; REVOCATION_INVALID (exit 2) when seq is not a violation or was revoked already */
export async function violationsRevoke(opts: ViolationsRevokeOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  checkId('--actor', opts.actor);
  checkReason(opts.reason);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'revoking a violation (it appends an entry and signs a checkpoint)', (sup) =>
      sup.revokeViolation(opts.seq, { actor: opts.actor, reason: opts.reason, ...(time === undefined ? {} : { time }) }),
    );
  } catch (e) {
    throw deniedError(inUserTerms(e, zone, FLAG_NAMES));
  }
  if (opts.json) {
    await printJson(io, { revoked: opts.seq, seq: r.seq, case: r.caseId, step: r.step, time: r.time, timeIso: utcIso(r.time), treeSize: r.treeSize });
  } else {
    await write(io.stdout, `revoked violation ${opts.seq}; recorded as entry ${r.seq} (case ${printable(r.caseId)} step ${r.step}) at ${formatTime(r.time, zone)}\n`);
  }
  return EXIT.OK;
}

export const violationsRevokeCli = defineCommand<ViolationsRevokeOptions>({
  name: 'revoke',
  define: (cmd: Command) =>
    cmd
      .description('revoke a violation (an appeal upheld): a new entry; the violation no longer counts')
      .argument('<ledger>', 'ledger file')
      .argument('<seq>', 'the violation entry', countParser('<seq>'))
      .requiredOption('--actor <id>', 'who revokes it')
      .requiredOption('--reason <text>', 'why (recorded in the ledger)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail violations revoke cases.ledger 57 --actor committee:li --reason "申诉成立"')),
  options: ([ledger, seq], o) => ({
    ledger: req(ledger, '<ledger>'),
    seq: reqNum(seq, '<seq>'),
    actor: req(o['actor'], '--actor'),
    reason: req(o['reason'], '--reason'),
    ...defined({ time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: violationsRevoke,
});
