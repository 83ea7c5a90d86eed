/**
 * `append --ndjson`: statements read line by line from a file or stdin,
 * checked, and committed in batches (docs/cli.md "append", "Resuming an
 * import"). Every line is checked before its batch is committed. When the
 * run stops, the report names exactly which lines were committed (each
 * batch: first and last line, first and last seq), the line that stopped it
 * and why, and the line to resume from (`--from-line`).
 *
 * A line may carry a `"key"`: the idempotency key of its statement
 * (format.md §4.6), which the ledger accepts once per case. Re-running a
 * whole file whose lines have keys appends each statement once (the lines
 * appended before are counted as duplicates); --from-line is then only an
 * optimisation.
 */
import { DEFAULT_MAX_PAYLOAD, LedgerError, MAX_PAYLOAD_DEPTH, checkIdempotencyKey, encodePayload, isReserved, jsonNestsDeeperThan, validateText, type Ledger, type StepInput } from '@casetrail/core';
import { TYPES, isSupervisionError } from '@casetrail/supervise';
import type { SupervisedLedger, SupervisedReceipt } from '@casetrail/supervise/ledger';
import { CliError, EXIT, StoppedError, operational, usage } from './exit.js';
import { inputStream } from './inputs.js';
import { write, type Io } from './io.js';
import { inUserTerms, lineNames, stepIndexOf } from './messages.js';
import { Progress, printJson } from './output.js';
import { blockedError, deniedError, withSupervisedLedger } from './supervision.js';
import type { LevelsGuard } from '@casetrail/oversight';
import { checkId, decodeUtf8 } from './text.js';
import { formatTime, parseTime, type Zone } from './times.js';

/** The longest line: the largest payload as JSON text, with room for the other keys. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024 + 4096;
const KEYS = new Set(['case', 'type', 'actor', 'data', 'time', 'key']);

export interface ImportOptions {
  ledger: string;
  /** The file, or `-` for standard input, as the user named it. */
  source: string;
  /** The first line to read (1-based); lines before it are skipped unread. */
  fromLine: number;
  batchSize: number;
  seeds: Uint8Array[];
  keyFile: string | undefined;
  zone: Zone;
  json: boolean;
}

/** One committed transaction of the import. */
export interface CommittedBatch {
  firstLine: number;
  lastLine: number;
  /** First and last seq appended by it; null when every line of it had been appended before. */
  firstSeq: number | null;
  lastSeq: number | null;
  /** Lines of it whose key the ledger had accepted before: nothing new was appended for them. */
  duplicates: number;
}

interface Line {
  no: number;
  step: StepInput;
}

/** Splits a byte stream into lines of at most `max` bytes, numbering them from 1. */
async function* lines(chunks: AsyncIterable<Uint8Array | string>, max: number, what: string): AsyncGenerator<{ no: number; bytes: Uint8Array }> {
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let no = 0;
  const take = (tail: Uint8Array) => {
    const parts = [...pending, tail];
    pending = [];
    pendingLength = 0;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
  for await (const chunk of chunks) {
    let b = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    for (let nl = b.indexOf(0x0a); nl >= 0; nl = b.indexOf(0x0a)) {
      if (pendingLength + nl > max) throw operational('FILE_TOO_LARGE', `line ${no + 1} of ${what} is longer than ${max} bytes`);
      yield { no: ++no, bytes: take(b.subarray(0, nl)) };
      b = b.subarray(nl + 1);
    }
    if (pendingLength + b.length > max) throw operational('FILE_TOO_LARGE', `line ${no + 1} of ${what} is longer than ${max} bytes`);
    if (b.length > 0) {
      pending.push(b.slice());
      pendingLength += b.length;
    }
  }
  if (pendingLength > 0) yield { no: ++no, bytes: take(new Uint8Array(0)) };
}

/** One NDJSON statement as a step, every field checked so that errors name the line. */
function stepFromLine(text: string, at: string, zone: Zone, seeds: Uint8Array[]): StepInput {
  // The line wraps the data in one object: the data may nest one level less than the line (format.md §4.2).
  if (jsonNestsDeeperThan(text, MAX_PAYLOAD_DEPTH + 1)) throw usage(`${at}: "data" nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} deep (format.md §4.2)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw usage(`${at}: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw usage(`${at}: expected a JSON object with keys case, type, actor, data and optionally time`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw usage(`${at}: unknown key ${JSON.stringify(k)}; allowed are case, type, actor, data, time, key`);
  const field = (k: 'case' | 'type' | 'actor'): string => {
    const s = o[k];
    if (typeof s !== 'string') throw usage(`${at}: "${k}" must be a string`);
    checkId(`${at}: "${k}"`, s);
    try {
      validateText(k, s);
    } catch (e) {
      throw usage(`${at}: "${k}"${(e as Error).message.slice(k.length)}`);
    }
    return s;
  };
  const caseId = field('case');
  const type = field('type');
  const actor = field('actor');
  if (type.startsWith('casetrail.')) throw usage(`${at}: type names starting with "casetrail." are reserved`);
  let payload: Uint8Array;
  try {
    payload = encodePayload(o['data'] === undefined ? null : o['data']);
  } catch (e) {
    throw usage(`${at}: "data": ${(e as Error).message}`);
  }
  if (payload.length > DEFAULT_MAX_PAYLOAD) throw usage(`${at}: "data" is ${payload.length} bytes as stored JSON; the limit is ${DEFAULT_MAX_PAYLOAD}`);
  const step: StepInput = { caseId, type, actor, payload };
  const t = o['time'];
  if (t !== undefined) {
    if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) step.time = t;
    else if (typeof t === 'string') step.time = parseTime(t, `${at}: "time"`, zone);
    else throw usage(`${at}: "time" must be milliseconds since 1970 or an ISO 8601 string`);
  }
  const key = o['key'];
  if (key !== undefined) {
    try {
      checkIdempotencyKey(key);
    } catch (e) {
      throw usage(`${at}: "key"${(e as Error).message.slice('idempotencyKey'.length)}`);
    }
    checkId(`${at}: "key"`, key);
    step.idempotencyKey = key;
  }
  if (seeds.length > 0) step.signWith = seeds;
  return step;
}

class Import {
  readonly committed: CommittedBatch[] = [];
  appended = 0;
  /** Lines whose statement the ledger had appended before (same key): skipped. */
  duplicates = 0;
  /** Alerts written after the committed lines (none after a line appended before). */
  alerts = 0;
  treeSize = 0;
  /** Steps read but not committed yet, with their line numbers. */
  batch: Line[] = [];
  /** The line that stopped the run, when a line did. */
  failedLine: number | undefined;
  /** The latest time the file asks for so far: a later line must not go before it. */
  private latest = 0;

  constructor(readonly opts: ImportOptions) {}

  get file(): string {
    return this.opts.source === '-' ? 'standard input' : this.opts.source;
  }

  /** Checks one line's time against the lines before it, so the error names the line. */
  checkTimeOrder(line: Line, at: string): void {
    const t = line.step.time;
    if (t !== undefined && t < this.latest) {
      throw new CliError(
        EXIT.USAGE,
        'TIME_ORDER',
        `${at}: "time" ${formatTime(t, this.opts.zone)} is before ${formatTime(this.latest, this.opts.zone)}, the time of a line before it (or now, for a line without a time): entries never go back in time; sort the file by time`,
      );
    }
    this.latest = Math.max(this.latest, t ?? Date.now());
  }

  async commit(ledger: SupervisedLedger, guard: LevelsGuard): Promise<void> {
    const batch = this.batch;
    if (batch.length === 0) return;
    const names = lineNames((i) => batch[i]?.no);
    // The size before the batch: after a SIGNER_FAILED, the size after it says how many lines were new.
    const before = await ledger.ledger.size();
    try {
      const receipts = await ledger.appendMany(batch.map((l) => l.step));
      this.record(batch, receipts);
    } catch (e) {
      // SIGNER_FAILED: the transaction is committed, only its checkpoint is not
      // (docs/errors.md); details.size is the ledger size it left.
      const size = e instanceof LedgerError && e.code === 'SIGNER_FAILED' ? e.details['size'] : undefined;
      if (typeof size === 'number') this.recordUnsigned(batch, await writtenIn(ledger.ledger, before, size), size);
      this.failedLine = this.failedLine ?? lineOfError(e, batch);
      const fileLine = (batchLine: number | null) => batch[(batchLine ?? 1) - 1]?.no ?? null;
      if (isSupervisionError(e, 'RULE_BLOCKED')) {
        // The library counts lines of the batch; the user counts lines of the file.
        e.message = e.message.replace(/^line (\d+) of the batch/, (_m, n: string) => `line ${fileLine(Number(n)) ?? n}`);
        throw blockedError(e, fileLine);
      }
      const denied = guard.explain(e);
      if (denied instanceof LedgerError && denied.code === 'POLICY_DENIED') {
        const l = denied.details['line'];
        this.failedLine = fileLine(typeof l === 'number' ? l : null) ?? this.failedLine;
        throw deniedError(denied);
      }
      throw inUserTerms(e, this.opts.zone, names);
    }
    this.batch = [];
  }

  private record(batch: Line[], receipts: readonly SupervisedReceipt[]): void {
    const fresh = receipts.filter((r) => r.duplicate !== true);
    const duplicates = receipts.length - fresh.length;
    this.committed.push({ firstLine: batch[0]!.no, lastLine: batch[batch.length - 1]!.no, firstSeq: fresh[0]?.seq ?? null, lastSeq: fresh[fresh.length - 1]?.seq ?? null, duplicates });
    this.appended += fresh.length;
    this.duplicates += duplicates;
    for (const r of fresh) this.alerts += r.alerts.length;
    this.treeSize = receipts[0]!.treeSize;
  }

  /**
   * A batch committed without its checkpoint (SIGNER_FAILED): the ledger
   * says only its size after; the lines not appended before are the steps
   * of the growth, the alerts written after them the rest.
   */
  private recordUnsigned(batch: Line[], written: { steps: number[]; alerts: number }, size: number): void {
    const fresh = Math.min(batch.length, written.steps.length);
    this.committed.push({ firstLine: batch[0]!.no, lastLine: batch[batch.length - 1]!.no, firstSeq: written.steps[0] ?? null, lastSeq: written.steps[fresh - 1] ?? null, duplicates: batch.length - fresh });
    this.appended += fresh;
    this.duplicates += batch.length - fresh;
    this.alerts += written.alerts;
    this.treeSize = size;
  }

  /** The line a resumed run starts from: after the last committed line. */
  resumeFrom(): number {
    const last = this.committed[this.committed.length - 1];
    return last === undefined ? this.opts.fromLine : last.lastLine + 1;
  }

  /** What stderr says about the committed lines when the run stops. */
  stopNote(): string {
    const from = this.resumeFrom();
    const again = `casetrail append ${this.opts.ledger} --ndjson ${this.opts.source}${from > 1 ? ` --from-line ${from}` : ''}`;
    const fix = this.failedLine === undefined ? 'fix the cause' : `fix line ${this.failedLine}`;
    if (this.committed.length === 0) return `nothing was committed; ${fix} and run the same command again: ${again}`;
    const first = this.committed[0]!;
    const last = this.committed[this.committed.length - 1]!;
    const batches = this.committed
      .map((b) => `lines ${b.firstLine}-${b.lastLine} ${b.firstSeq === null ? 'all appended before' : `as seq ${b.firstSeq}-${b.lastSeq}`}${b.duplicates > 0 && b.firstSeq !== null ? ` (${b.duplicates} appended before)` : ''}`)
      .join(', ');
    return (
      `lines ${first.firstLine} to ${last.lastLine} were committed before the error (${this.appended} entries in ${this.committed.length} transaction(s): ${batches}); ` +
      `nothing from line ${from} on was committed; ${fix} and continue from line ${from}: ${again}`
    );
  }
}

/**
 * What a transaction committed without its checkpoint wrote in [before, size):
 * the seqs of the lines' own steps, and how many alerts followed them (read
 * back checked; an entry that does not check counts as neither).
 */
async function writtenIn(ledger: Ledger, before: number, size: number): Promise<{ steps: number[]; alerts: number }> {
  const written = { steps: [] as number[], alerts: 0 };
  for await (const e of ledger.stream(before === 0 ? {} : { after: before - 1 })) {
    if (e.seq >= size) break;
    if (e.entry === undefined || !e.ok) continue;
    if (e.entry.type === TYPES.alert) written.alerts++;
    else if (!isReserved(e.entry.type)) written.steps.push(e.seq);
  }
  return written;
}

/** The file line of the step a library error is about (its `details.index` in the batch). */
function lineOfError(e: unknown, batch: readonly Line[]): number | undefined {
  if (isSupervisionError(e, 'RULE_BLOCKED')) {
    const l = e.details['line'];
    return batch[typeof l === 'number' ? l - 1 : 0]?.no;
  }
  const i = stepIndexOf(e);
  return i === undefined ? undefined : batch[i]?.no;
}

/**
 * Runs an import and prints its summary.
 * @returns exit code 0
 * @throws StoppedError carrying the committed batches when the run stops
 */
export async function importNdjson(opts: ImportOptions, io: Io): Promise<number> {
  const run = new Import(opts);
  const progress = new Progress(io, 'appending');
  const chunks = inputStream(io, opts.source, '--ndjson file');
  try {
    await withSupervisedLedger(
      io,
      opts.ledger,
      opts.keyFile,
      'appending (it signs a checkpoint)',
      async (ledger, _l, guard) => {
      for await (const { no, bytes } of lines(chunks, MAX_LINE_BYTES, run.file)) {
        if (no < opts.fromLine) continue;
        const at = `line ${no}`;
        try {
          const text = decodeUtf8(bytes, `${at} of ${run.file}`, opts.source);
          if (text.trim() === '') continue;
          const line: Line = { no, step: stepFromLine(text, at, opts.zone, opts.seeds) };
          run.checkTimeOrder(line, at);
          run.batch.push(line);
        } catch (e) {
          run.failedLine = no;
          throw e;
        }
        if (run.batch.length >= opts.batchSize) {
          await run.commit(ledger, guard);
          progress.update(run.appended);
        }
      }
      await run.commit(ledger, guard);
      },
      { once: true },
    );
  } catch (e) {
    progress.done();
    // A refused line already carries what it has to say (the recorded attempt, the rules).
    const inner = e instanceof StoppedError ? e : undefined;
    throw new StoppedError(inner?.cause ?? e, [inner?.note, run.stopNote()].filter((x) => x !== undefined && x !== '').join('; '), {
      ...inner?.extra,
      appended: run.appended,
      duplicates: run.duplicates,
      committed: run.committed,
      failedLine: run.failedLine ?? null,
      resumeFromLine: run.resumeFrom(),
      treeSize: run.treeSize,
    });
  }
  progress.done();
  const first = run.committed[0];
  const last = run.committed[run.committed.length - 1];
  if (opts.json) {
    const seqs = run.committed.filter((b) => b.firstSeq !== null);
    await printJson(io, {
      appended: run.appended,
      duplicates: run.duplicates,
      batches: run.committed.length,
      firstSeq: seqs[0]?.firstSeq ?? null,
      lastSeq: seqs[seqs.length - 1]?.lastSeq ?? null,
      treeSize: run.treeSize,
      alerts: run.alerts,
    });
  } else if (first === undefined || last === undefined) {
    await write(io.stdout, `no statements in the input${opts.fromLine > 1 ? ` from line ${opts.fromLine} on` : ''}; nothing appended\n`);
  } else {
    const seqs = run.committed.filter((b) => b.firstSeq !== null);
    const range = seqs.length === 0 ? '' : ` (${seqs[0]!.firstSeq} to ${seqs[seqs.length - 1]!.lastSeq})`;
    const alerts = run.alerts === 0 ? '' : `, with ${run.alerts} alert(s) written right after their steps (\`casetrail alerts\`)`;
    const dup = run.duplicates === 0 ? '' : `; ${run.duplicates} line(s) had been appended before with the same key: skipped`;
    await write(io.stdout, `appended ${run.appended} entries${range} in ${run.committed.length} transaction(s)${alerts}${dup}; the ledger has ${run.treeSize} entries\n`);
  }
  return EXIT.OK;
}
