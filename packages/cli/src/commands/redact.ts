/**
 * `casetrail redact <ledger> <seq> --reason <text> [--actor <id>]`: erases
 * the payload of an entry lawfully, recorded as a `casetrail.redaction`
 * entry in the same case (format.md §4.5). No hash changes.
 */
import { toHex, type Receipt } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { withWriteLedger } from '../ledgers.js';
import { loginName } from '../supervision.js';
import { supervisionRegistry } from '@casetrail/supervise/ledger';
import { levelsRegistry } from '@casetrail/oversight';
import { FLAG_NAMES, inUserTerms } from '../messages.js';
import { countParser, defined, example, flag, jsonOption, keyFileOption, req, reqNum, str, tzOption } from '../options.js';
import { printJson, printable } from '../output.js';
import { checkArgUtf8, checkId } from '../text.js';
import { formatTime, parseTime, zoneOf } from '../times.js';

export interface RedactOptions {
  ledger: string;
  seq: number;
  reason: string;
  /** Who orders the erasure; default the login name. */
  actor?: string;
  /** Entry time of the redaction record (ISO 8601 or ms); default now; never before the latest entry. */
  time?: string;
  keyFile?: string;
  /** IANA time zone of the time shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError NOT_FOUND, ALREADY_REDACTED, NOT_REDACTABLE (a redaction or supervision record; exit 2)
 */
export async function redact(opts: RedactOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  checkArgUtf8('--reason', opts.reason);
  if (opts.reason.trim() === '') throw usage('--reason must say why the payload is erased');
  const actor = opts.actor ?? loginName();
  checkId(opts.actor === undefined ? 'the login name (the default --actor)' : '--actor', actor);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  let r: Receipt;
  try {
    r = await withWriteLedger(io, opts.ledger, opts.keyFile, 'redaction (it appends an entry and signs a checkpoint)', (l) => {
      // Supervision records (packs, alerts, dispositions) are never erased: NOT_REDACTABLE.
      l.use(supervisionRegistry());
      // Directory entries (units, actors, policies) and refusals neither.
      l.use(levelsRegistry());
      return l.redact(opts.seq, { reason: opts.reason, actor, ...(time === undefined ? {} : { time }) });
    });
  } catch (e) {
    throw inUserTerms(e, zone, FLAG_NAMES);
  }
  if (opts.json) {
    await printJson(io, { redacted: opts.seq, seq: r.seq, case: r.caseId, step: r.step, time: r.time, leafHash: toHex(r.leafHash), treeSize: r.treeSize });
  } else {
    await write(io.stdout, `erased the payload of entry ${opts.seq}; recorded as entry ${r.seq} (case ${printable(r.caseId)} step ${r.step}) at ${formatTime(r.time, zone)}\n`);
  }
  return EXIT.OK;
}

export const redactCli = defineCommand<RedactOptions>({
  name: 'redact',
  define: (cmd: Command) =>
    cmd
      .description("erase an entry's payload lawfully, recorded as a redaction entry")
      .argument('<ledger>', 'ledger file')
      .argument('<seq>', 'entry number', countParser('<seq>'))
      .requiredOption('--reason <text>', 'why (recorded in the ledger)')
      .option('--actor <id>', 'who orders the erasure (default: your login name)')
      .option('--time <time>', 'time of the redaction record: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example(`casetrail redact cases.ledger 3 --reason "GDPR art. 17 request 2024-118" --actor dpo`)),
  options: ([ledger, seq], o) => ({
    ledger: req(ledger, '<ledger>'),
    seq: reqNum(seq, '<seq>'),
    reason: req(o['reason'], '--reason'),
    ...defined({ actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: redact,
});
