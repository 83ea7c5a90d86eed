/**
 * `casetrail append <ledger> --case <id> --type <type> --actor <id> [--data <json> | --data-file <f>]`
 * and `casetrail append <ledger> --ndjson <file|->` (bulk, committed in batches).
 */
import {
  BundleLineReader,
  DEFAULT_MAX_PAYLOAD,
  LedgerError,
  encodePayload,
  toHex,
  validateText,
  type Ledger,
  type Receipt,
  type StepInput,
} from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { inputStream, parseTime, readActorSeeds, readInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { withWriteLedger } from '../ledgers.js';
import { collect, countParser, defined, example, flag, jsonOption, keyFileOption, num, req, str, strs } from '../options.js';
import { Progress, isoTime, printJson } from '../output.js';

export interface AppendOptions {
  ledger: string;
  case?: string;
  type?: string;
  actor?: string;
  /** JSON text of the step's data. */
  data?: string;
  /** File (or `-`) holding the step's data as JSON. */
  dataFile?: string;
  /** Entry time (ISO 8601 or ms); default now. */
  time?: string;
  /** NDJSON file (or `-`): one statement per line. */
  ndjson?: string;
  /** Entries per transaction in bulk mode (default 1000). */
  batchSize?: number;
  /** Actor key files: each signs every appended statement. */
  signWith?: string[];
  /** Checkpoint signing key. */
  keyFile?: string;
  json?: boolean;
}

const MAX_DATA_FILE = 16 * 1024 * 1024;
const NDJSON_KEYS = new Set(['case', 'type', 'actor', 'data', 'time']);

function receiptJson(r: Receipt) {
  return { seq: r.seq, case: r.caseId, step: r.step, time: r.time, timeIso: isoTime(r.time), leafHash: toHex(r.leafHash), treeSize: r.treeSize, checkpointed: r.checkpoint !== undefined };
}

/**
 * Appends one step, or every line of an NDJSON file.
 * @returns exit code 0
 * @throws CliError usage for a bad command line or NDJSON line; LedgerError from the ledger
 */
export async function append(opts: AppendOptions, io: Io): Promise<number> {
  const single = [opts.case, opts.type, opts.actor, opts.data, opts.dataFile, opts.time].some((v) => v !== undefined);
  if (opts.ndjson !== undefined) {
    if (single) throw usage('--ndjson takes every field from the file: drop --case, --type, --actor, --data, --data-file and --time');
    return appendBulk(opts, opts.ndjson, io);
  }
  if (opts.case === undefined || opts.type === undefined || opts.actor === undefined) {
    throw usage('append needs --case, --type and --actor (or --ndjson <file> for bulk input)');
  }
  if (opts.data !== undefined && opts.dataFile !== undefined) throw usage('give --data or --data-file, not both');
  let data: unknown = null;
  if (opts.data !== undefined) data = parseJson(opts.data, '--data');
  if (opts.dataFile !== undefined) data = parseJson(new TextDecoder().decode(await readInput(io, opts.dataFile, MAX_DATA_FILE, '--data-file')), '--data-file');
  const step: StepInput = { caseId: opts.case, type: opts.type, actor: opts.actor, data };
  if (opts.time !== undefined) step.time = parseTime(opts.time, '--time');
  const seeds = readActorSeeds(io, opts.signWith ?? []);
  if (seeds.length > 0) step.signWith = seeds;
  const receipt = await withWriteLedger(io, opts.ledger, opts.keyFile, 'appending (it signs a checkpoint)', (l) => l.append(step));
  if (opts.json) {
    await printJson(io, receiptJson(receipt));
  } else {
    await write(
      io.stdout,
      `appended entry ${receipt.seq}: case ${receipt.caseId} step ${receipt.step} at ${isoTime(receipt.time)}` +
        (receipt.checkpoint !== undefined ? `; signed checkpoint of size ${receipt.treeSize}\n` : '\n'),
    );
  }
  return EXIT.OK;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw usage(`${what} is not valid JSON (${(e as Error).message}); quote it for the shell, e.g. --data '{"decision":"approved"}'`);
  }
}

/** One NDJSON statement as a step, with every field checked so that errors name the line. */
function stepFromLine(text: string, lineNo: number, seeds: Uint8Array[]): StepInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw usage(`line ${lineNo}: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw usage(`line ${lineNo}: expected a JSON object with keys case, type, actor, data and optionally time`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!NDJSON_KEYS.has(k)) throw usage(`line ${lineNo}: unknown key ${JSON.stringify(k)}; allowed are case, type, actor, data, time`);
  const field = (k: 'case' | 'type' | 'actor'): string => {
    const s = o[k];
    if (typeof s !== 'string') throw usage(`line ${lineNo}: "${k}" must be a string`);
    try {
      validateText(k, s);
    } catch (e) {
      throw usage(`line ${lineNo}: ${(e as Error).message}`);
    }
    return s;
  };
  const caseId = field('case');
  const type = field('type');
  const actor = field('actor');
  if (type.startsWith('casetrail.')) throw usage(`line ${lineNo}: type names starting with "casetrail." are reserved`);
  let payload: Uint8Array;
  try {
    payload = encodePayload(o['data'] === undefined ? null : o['data']);
  } catch (e) {
    throw usage(`line ${lineNo}: ${(e as Error).message}`);
  }
  if (payload.length > DEFAULT_MAX_PAYLOAD) throw usage(`line ${lineNo}: data is ${payload.length} bytes, the limit is ${DEFAULT_MAX_PAYLOAD}`);
  const step: StepInput = { caseId, type, actor, payload };
  const t = o['time'];
  if (t !== undefined) {
    if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) step.time = t;
    else if (typeof t === 'string') step.time = parseTime(t, `line ${lineNo}: "time"`);
    else throw usage(`line ${lineNo}: "time" must be milliseconds since 1970 or an ISO 8601 string`);
  }
  if (seeds.length > 0) step.signWith = seeds;
  return step;
}

async function appendBulk(opts: AppendOptions, source: string, io: Io): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw usage('--batch-size must be from 1 to 100000');
  const seeds = readActorSeeds(io, opts.signWith ?? []);
  const chunks = inputStream(io, source, '--ndjson file');
  const progress = new Progress(io, 'appending');
  const stats = { appended: 0, batches: 0, firstSeq: -1, lastSeq: -1, treeSize: 0, lines: 0, committedLines: 0 };
  try {
    await withWriteLedger(io, opts.ledger, opts.keyFile, 'appending (it signs a checkpoint)', async (ledger) => {
      let batch: StepInput[] = [];
      let batchLines: number[] = [];
      const commit = async () => {
        if (batch.length === 0) return;
        await commitBatch(ledger, batch, batchLines, stats);
        progress.update(stats.appended);
        batch = [];
        batchLines = [];
      };
      const reader = new BundleLineReader(MAX_DATA_FILE + 4096);
      const onLine = async (line: string) => {
        stats.lines++;
        if (line.trim() === '') return;
        batch.push(stepFromLine(line, stats.lines, seeds));
        batchLines.push(stats.lines);
        if (batch.length >= batchSize) await commit();
      };
      for await (const chunk of chunks) {
        const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
        let lines: string[];
        try {
          lines = reader.push(bytes);
        } catch (e) {
          throw usage(`line ${stats.lines + 1}: ${(e as Error).message}`);
        }
        for (const line of lines) await onLine(line);
      }
      const rest = reader.end();
      if (rest !== undefined) await onLine(rest);
      await commit();
    });
  } catch (e) {
    progress.done();
    if (stats.appended > 0) {
      io.stderr.write(
        `lines 1 to ${stats.committedLines} were committed before the error (${stats.appended} entries, ${stats.firstSeq} to ${stats.lastSeq}); ` +
          `fix the input and continue from line ${stats.committedLines + 1}, e.g. with tail -n +${stats.committedLines + 1}\n`,
      );
    }
    throw e;
  }
  progress.done();
  const result = { appended: stats.appended, batches: stats.batches, firstSeq: stats.appended > 0 ? stats.firstSeq : null, lastSeq: stats.appended > 0 ? stats.lastSeq : null, treeSize: stats.treeSize };
  if (opts.json) {
    await printJson(io, result);
  } else if (stats.appended === 0) {
    await write(io.stdout, 'no statements in the input; nothing appended\n');
  } else {
    await write(io.stdout, `appended ${stats.appended} entries (${stats.firstSeq} to ${stats.lastSeq}) in ${stats.batches} transaction(s); the ledger has ${stats.treeSize} entries\n`);
  }
  return EXIT.OK;
}

async function commitBatch(ledger: Ledger, batch: StepInput[], lines: number[], stats: { appended: number; batches: number; firstSeq: number; lastSeq: number; treeSize: number; committedLines: number }) {
  let receipts: Receipt[];
  try {
    receipts = await ledger.appendMany(batch);
  } catch (e) {
    if (e instanceof LedgerError) {
      const m = /steps\[(\d+)\]/.exec(e.message);
      const line = m ? lines[Number(m[1])] : undefined;
      const where = line !== undefined ? `line ${line}` : `lines ${lines[0]} to ${lines[lines.length - 1]}`;
      throw new LedgerError(e.code, `${where}: ${e.message} (nothing from line ${lines[0]} on was committed)`, { ...e.details }, { cause: e });
    }
    throw e;
  }
  if (stats.firstSeq < 0) stats.firstSeq = receipts[0]!.seq;
  stats.lastSeq = receipts[receipts.length - 1]!.seq;
  stats.appended += receipts.length;
  stats.batches++;
  stats.treeSize = receipts[0]!.treeSize;
  stats.committedLines = lines[lines.length - 1]!;
}

export const appendCli = defineCommand<AppendOptions>({
  name: 'append',
  define: (cmd: Command) =>
    cmd
      .description('append a step (or many, from NDJSON) and sign a checkpoint')
      .argument('<ledger>', 'ledger file')
      .option('--case <id>', 'case id')
      .option('--type <type>', 'step type, e.g. opened, decision, closed')
      .option('--actor <id>', 'who performed the step')
      .option('--data <json>', 'the step data as JSON')
      .option('--data-file <file>', 'file (or -) holding the step data as JSON')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now)')
      .option('--ndjson <file>', 'bulk: file (or -) with one {"case","type","actor","data","time"?} per line')
      .option('--batch-size <n>', 'bulk: entries per transaction', countParser('--batch-size', 1), 1000)
      .option('--sign-with <keyfile>', 'actor signer key file (0600); repeat for several', collect)
      .addOption(keyFileOption())
      .addOption(jsonOption())
      .addHelpText(
        'after',
        example(`casetrail append cases.ledger --case C-1 --type opened --actor clerk-2 --data '{"subject":"permit"}'`, 'casetrail append cases.ledger --ndjson steps.ndjson'),
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
      batchSize: num(o, 'batchSize'),
      signWith: strs(o, 'signWith'),
      keyFile: str(o, 'keyFile'),
      json: flag(o, 'json'),
    }),
  }),
  run: append,
});
