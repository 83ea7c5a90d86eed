/**
 * `casetrail transfer export <ledger> --case <id> --to <unit> --out <file>`:
 * the sender's side of a clue transfer (docs/oversight.md §10.1, §10.4): records a
 * `clue.transferred` step in the case — screened by the rule pack in force,
 * like every append — signs a checkpoint covering it, and writes the case as
 * an evidence bundle with inclusion proofs (the library's `transferClue`,
 * through `exportBundle`), read back as the receiver will read it before it
 * is placed at --out. `--to` must be a unit of the ledger's directory when
 * it registers units (docs/oversight.md §8), else it is recorded as given.
 */
import { formatVerifierKey, readSignerKeyFile, toHex } from '@casetrail/core';
import { transferClue } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, usage } from '../../exit.js';
import { checkOutputPath, writeOutputFile } from '../../files.js';
import { resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { requireKeyFile } from '../../keys.js';
import { ledgerPath } from '../../ledgers.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { defined, example, flag, forceOption, jsonOption, keyFileOption, outOption, req, str, tzOption } from '../../options.js';
import { printJson, printable } from '../../output.js';
import { receiptJson } from '../append.js';
import { alertLines, blockedError, loginName, withSupervisedLedger } from '../../supervision.js';
import { checkArgUtf8, checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface TransferExportOptions {
  ledger: string;
  case: string;
  /** The receiving unit's name. */
  to: string;
  /** A new bundle file. */
  out: string;
  force?: boolean;
  /** Who transfers it (default the login name). */
  actor?: string;
  /** Why (recorded in the step). */
  reason?: string;
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError TRANSFER_CASE_UNKNOWN, TRANSFER_UNIT_UNKNOWN (2, nothing written), the
 *   append's and the export's errors; SupervisionError RULE_BLOCKED (4)
 */
export async function transferExport(opts: TransferExportOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  checkId('--case', opts.case);
  checkId('--to', opts.to);
  const actor = opts.actor ?? loginName();
  checkId('--actor', actor);
  if (opts.reason !== undefined) {
    checkArgUtf8('--reason', opts.reason);
    if (opts.reason.trim() === '' || opts.reason.length > 4096) throw usage('--reason must say why, in 1 to 4096 characters');
  }
  if (opts.out === '-') throw usage('--out must be a file: the bundle is read back before it is placed there');
  const out = resolvePath(io, opts.out);
  checkOutputPath(out, opts.force === true);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  // The bundle is read back under the ledger's own verifier key, derived from its signer.
  const why = 'transferring a clue (it appends a step and signs a checkpoint)';
  const signer = readSignerKeyFile(requireKeyFile(io, ledgerPath(io, opts.ledger), opts.keyFile, why));
  const vkey = formatVerifierKey(signer.name, signer.publicKey);
  let made;
  try {
    // --to is checked against the units the ledger's directory registers, when it registers any.
    made = await withSupervisedLedger(io, opts.ledger, opts.keyFile, why, (sup, ledger, guard) =>
      transferClue(ledger, { caseId: opts.case, to: opts.to, actor, vkey, writer: sup, units: guard.directory().units.keys(), ...defined({ reason: opts.reason, time }) }),
    );
  } catch (e) {
    throw blockedError(inUserTerms(e, zone, FLAG_NAMES), () => null);
  }
  writeOutputFile(out, made.bundle, { force: opts.force === true });
  const r = made.receipt;
  if (opts.json) {
    await printJson(io, {
      ...receiptJson(r),
      to: opts.to,
      out,
      entries: made.read.entries.length,
      checkpoint: { size: made.read.checkpoint.size, root: toHex(made.read.checkpoint.root) },
      bundleSha256: toHex(made.read.hash),
    });
  } else {
    await write(
      io.stdout,
      `recorded clue.transferred as entry ${r.seq} (case ${printable(r.caseId)} step ${r.step}, to ${printable(opts.to)}) at ${formatTime(r.time, zone)}\n` +
        `exported ${made.read.entries.length} entries of the case to ${opts.out}, proven against the checkpoint of size ${made.read.checkpoint.size}\n` +
        `  bundle SHA-256 ${toHex(made.read.hash)}: the receiver records it in clue.received\n` +
        alertLines(r.alerts),
    );
  }
  return EXIT.OK;
}

export const transferExportCli = defineCommand<TransferExportOptions>({
  name: 'export',
  define: (cmd: Command) =>
    cmd
      .description('record clue.transferred in a case and write the case as a transfer bundle with inclusion proofs')
      .argument('<ledger>', 'ledger file')
      .requiredOption('--case <id>', 'the case to transfer (it must have steps)')
      .requiredOption('--to <unit>', 'the receiving unit, recorded as given')
      .addOption(outOption('new bundle file to write', true))
      .addOption(forceOption())
      .option('--actor <id>', 'who transfers it (default: the login name)')
      .option('--reason <text>', 'why (recorded in the step)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail transfer export city-a.ledger --case CITY-A-2026-0001 --to province --out clue.bundle --actor city-a:director')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    case: req(o['case'], '--case'),
    to: req(o['to'], '--to'),
    out: req(o['out'], '--out'),
    ...defined({ force: flag(o, 'force'), actor: str(o, 'actor'), reason: str(o, 'reason'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: transferExport,
});
