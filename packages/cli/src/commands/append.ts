/**
 * `casetrail append <ledger> --case <id> --type <type> --actor <id> [--data <json> | --data-file <f>]`
 * and `casetrail append <ledger> --ndjson <file|-> [--from-line <n>]` (bulk,
 * committed in batches: ndjson-import.ts). Every text is checked before the
 * ledger is opened: valid UTF-8, ids without invisible characters
 * (docs/cli.md "Text"); nothing is stored when one is refused.
 *
 * Every append is screened by the rule pack in force (docs/supervision.md):
 * its alerts are written right after the step; a blocking rule refuses it
 * (RULE_BLOCKED, exit 4, the attempt recorded); `--dry-run` says what would
 * be raised or refused and writes nothing.
 */
import { MAX_PAYLOAD_DEPTH, jsonNestsDeeperThan, toHex, type StepInput } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import type { SupervisedReceipt } from '@casetrail/supervise/ledger';
import { EXIT, usage } from '../exit.js';
import { readInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readActorSeeds } from '../keys.js';
import { FLAG_NAMES, inUserTerms } from '../messages.js';
import { importNdjson } from '../ndjson-import.js';
import { collect, countParser, defined, example, flag, jsonOption, keyFileOption, num, req, str, strs, tzOption } from '../options.js';
import { printJson, printable, utcIso } from '../output.js';
import { alertLines, blockedError, deniedError, levelLabel, withSupervisedLedger } from '../supervision.js';
import { checkArgUtf8, checkId, decodeUtf8 } from '../text.js';
import { formatTime, parseTime, zoneOf, type Zone } from '../times.js';

export interface AppendOptions {
  ledger: string;
  case?: string;
  type?: string;
  actor?: string;
  /** JSON text of the step's data. */
  data?: string;
  /** File (or `-`) holding the step's data as JSON. */
  dataFile?: string;
  /** Entry time (ISO 8601 or ms); default now. Without an offset: wall time in `tz`. */
  time?: string;
  /** NDJSON file (or `-`): one statement per line. */
  ndjson?: string;
  /** A key unique per step within its case: the ledger appends the step once (format.md §4.6). */
  idempotencyKey?: string;
  /** Bulk: the first line to read (1-based), to resume an import that stopped. */
  fromLine?: number;
  /** Entries per transaction in bulk mode (default 1000). */
  batchSize?: number;
  /** Say what the step would raise or which rule would refuse it; write nothing. */
  dryRun?: boolean;
  /** Actor key files: each signs every appended statement. */
  signWith?: string[];
  /** Checkpoint signing key. */
  keyFile?: string;
  /** IANA time zone for --time and the output (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

const MAX_DATA_FILE = 16 * 1024 * 1024;

/** A screened append's receipt as `--json` prints it (docs/cli.md "append"); the transfer commands print theirs the same way. */
export function receiptJson(r: SupervisedReceipt) {
  return {
    seq: r.seq,
    case: r.caseId,
    step: r.step,
    time: r.time,
    timeIso: utcIso(r.time),
    leafHash: toHex(r.leafHash),
    treeSize: r.treeSize,
    checkpointed: r.checkpoint !== undefined,
    duplicate: r.duplicate === true,
    alerts: r.alerts.map((a) => ({ seq: a.seq, rule: a.rule, level: a.level })),
  };
}

function parseJson(text: string, what: string): unknown {
  // Counted on the text, before it is parsed (format.md §4.2).
  if (jsonNestsDeeperThan(text, MAX_PAYLOAD_DEPTH)) throw usage(`${what} nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} deep (format.md §4.2)`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw usage(`${what} is not valid JSON (${(e as Error).message}); quote it for the shell, e.g. --data '{"decision":"approved"}'`);
  }
}

/**
 * Appends one step, or every line of an NDJSON file.
 * @returns exit code 0
 * @throws CliError (usage, INVALID_UTF8, INVISIBLE_CHARACTER, …) for a bad
 *   command line or input; LedgerError from the ledger, in the user's terms
 */
export async function append(opts: AppendOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const single = [opts.case, opts.type, opts.actor, opts.data, opts.dataFile, opts.time].some((v) => v !== undefined);
  if (opts.ndjson !== undefined) {
    if (single || opts.idempotencyKey !== undefined) {
      throw usage('--ndjson takes every field from the file: drop --case, --type, --actor, --data, --data-file, --time and --idempotency-key (a line gives its own "key")');
    }
    if (opts.dryRun) throw usage('--dry-run screens one step: give --case, --type and --actor instead of --ndjson');
    const batchSize = opts.batchSize ?? 1000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw usage('--batch-size must be from 1 to 100000');
    const seeds = readActorSeeds(io, opts.signWith ?? []);
    return importNdjson(
      { ledger: opts.ledger, source: opts.ndjson, fromLine: opts.fromLine ?? 1, batchSize, seeds, keyFile: opts.keyFile, zone, json: opts.json === true },
      io,
    );
  }
  if (opts.fromLine !== undefined) throw usage('--from-line resumes an --ndjson import; it does not apply to one step');
  if (opts.case === undefined || opts.type === undefined || opts.actor === undefined) {
    throw usage('append needs --case, --type and --actor (or --ndjson <file> for bulk input)');
  }
  checkId('--case', opts.case);
  checkId('--type', opts.type);
  checkId('--actor', opts.actor);
  if (opts.data !== undefined && opts.dataFile !== undefined) throw usage('give --data or --data-file, not both');
  let data: unknown = null;
  if (opts.data !== undefined) {
    checkArgUtf8('--data', opts.data);
    data = parseJson(opts.data, '--data');
  }
  if (opts.dataFile !== undefined) {
    const what = opts.dataFile === '-' ? '--data-file - (standard input)' : `--data-file ${opts.dataFile}`;
    data = parseJson(decodeUtf8(await readInput(io, opts.dataFile, MAX_DATA_FILE, '--data-file'), what, opts.dataFile), what);
  }
  const step: StepInput = { caseId: opts.case, type: opts.type, actor: opts.actor, data };
  if (opts.time !== undefined) step.time = parseTime(opts.time, '--time', zone);
  if (opts.idempotencyKey !== undefined) {
    checkArgUtf8('--idempotency-key', opts.idempotencyKey);
    step.idempotencyKey = opts.idempotencyKey;
  }
  const seeds = readActorSeeds(io, opts.signWith ?? []);
  if (seeds.length > 0) step.signWith = seeds;
  if (opts.dryRun) return dryRun(opts, step, zone, io);
  let receipt: SupervisedReceipt;
  try {
    receipt = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'appending (it signs a checkpoint)', (sup) => sup.append(step));
  } catch (e) {
    throw deniedError(blockedError(inUserTerms(e, zone, FLAG_NAMES), () => null));
  }
  if (opts.json) {
    await printJson(io, receiptJson(receipt));
  } else if (receipt.duplicate) {
    await write(io.stdout, `already appended as entry ${receipt.seq} (case ${printable(receipt.caseId)} step ${receipt.step}, with this idempotency key): nothing new was appended\n`);
  } else {
    await write(
      io.stdout,
      `appended entry ${receipt.seq}: case ${printable(receipt.caseId)} step ${receipt.step} at ${formatTime(receipt.time, zone)}` +
        (receipt.checkpoint !== undefined ? `; signed checkpoint of size ${receipt.treeSize}\n` : '\n') +
        alertLines(receipt.alerts),
    );
  }
  return EXIT.OK;
}

/** `--dry-run`: the append's transaction, refused at its end; exit 4 when a blocking rule would refuse the step. */
async function dryRun(opts: AppendOptions, step: StepInput, zone: Zone, io: Io): Promise<number> {
  let d;
  try {
    d = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'a dry run (it runs the append and rolls it back)', (sup) => sup.dryRun([step]), { dry: true });
  } catch (e) {
    throw inUserTerms(e, zone, FLAG_NAMES);
  }
  const blocked = d.blocked === undefined ? null : { rules: d.blocked.rules.map((r) => ({ rule: r.id, level: r.level, reason: r.reason })) };
  // Appended before with its idempotency key: the append would give its first receipt, screen nothing, raise nothing.
  const duplicate = d.duplicates.length > 0;
  if (opts.json) {
    await printJson(io, { dryRun: true, alerts: d.alerts.map((a) => ({ rule: a.rule, level: a.level, reason: a.reason })), blocked, duplicate });
  } else if (duplicate) {
    await write(io.stdout, 'dry run, nothing written: the step was appended before with this idempotency key; appending it again gives its first receipt and raises no alert\n');
  } else if (blocked !== null) {
    await write(io.stdout, `dry run, nothing written: the step would be refused by ${blocked.rules.map((r) => `${printable(r.rule)} (${levelLabel(r.level)}): ${printable(r.reason.zh)} / ${printable(r.reason.en)}`).join('; ')}\n`);
  } else if (d.alerts.length === 0) {
    await write(io.stdout, 'dry run, nothing written: the step would raise no alert\n');
  } else {
    await write(io.stdout, `dry run, nothing written: the step would raise ${d.alerts.length} alert(s):\n` + d.alerts.map((a) => `  ⚠ ${levelLabel(a.level)} ${printable(a.rule)}: ${printable(a.reason.zh)} / ${printable(a.reason.en)}\n`).join(''));
  }
  return blocked === null ? EXIT.OK : EXIT.BLOCKED;
}

export const appendCli = defineCommand<AppendOptions>({
  name: 'append',
  define: (cmd: Command) =>
    cmd
      .description('append a step (or many, from NDJSON), screened by the rule pack in force, and sign a checkpoint')
      .argument('<ledger>', 'ledger file')
      .option('--case <id>', 'case id')
      .option('--type <type>', 'step type, e.g. opened, decision, closed')
      .option('--actor <id>', 'who performed the step')
      .option('--data <json>', 'the step data as JSON')
      .option('--data-file <file>', 'file (or -) holding the step data as JSON')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .option('--idempotency-key <key>', 'a key unique per step within its case: sent again, the step is appended once')
      .option('--ndjson <file>', 'bulk: file (or -) with one {"case","type","actor","data","time"?,"key"?} per line')
      .option('--from-line <n>', 'bulk: start at this line of the file (resume an import that stopped)', countParser('--from-line', 1))
      .option('--batch-size <n>', 'bulk: entries per transaction', countParser('--batch-size', 1), 1000)
      .option('--sign-with <keyfile>', 'actor signer key file (0600); repeat for several', collect)
      .option('--dry-run', 'say which alerts the step would raise, or which rule would refuse it; write nothing (exit 4 if refused)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText(
        'after',
        example(
          `casetrail append cases.ledger --case C-1 --type opened --actor clerk-2 --data '{"subject":"permit"}'`,
          `casetrail append cases.ledger --case C-1 --type decision --actor officer-7 --data '{"ok":true}' --idempotency-key req-8812`,
          'casetrail append cases.ledger --ndjson steps.ndjson   # lines with a "key" can be imported again safely',
          'casetrail append cases.ledger --ndjson steps.ndjson --from-line 2001   # resume after a stop',
          `casetrail append cases.ledger --case XK-7 --type fee.charged --actor cashier:zhao --data '{"item":"XK-002","amountFen":90000}' --dry-run`,
        ),
      ),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({
      case: str(o, 'case'),
      type: str(o, 'type'),
      actor: str(o, 'actor'),
      data: str(o, 'data'),
      dataFile: str(o, 'dataFile'),
      time: str(o, 'time'),
      ndjson: str(o, 'ndjson'),
      idempotencyKey: str(o, 'idempotencyKey'),
      fromLine: num(o, 'fromLine'),
      batchSize: num(o, 'batchSize'),
      dryRun: flag(o, 'dryRun'),
      signWith: strs(o, 'signWith'),
      keyFile: str(o, 'keyFile'),
      tz: str(o, 'tz'),
      json: flag(o, 'json'),
    }),
  }),
  run: append,
});
