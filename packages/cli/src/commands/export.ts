/**
 * `casetrail export <ledger> [--case <id>] [--since --until] --out <file|->`:
 * an evidence bundle (format.md §9.3): the entries, their payloads (unless
 * --no-payloads), an inclusion proof each, and the signed checkpoint they
 * prove against. Streams: memory does not grow with the ledger (with --case,
 * with the case). Every entry exported is checked against its bytes first
 * (with --case, against its case's chain too, as `trace` does): an entry
 * that does not check, or an erased payload present again, stops the
 * export with exit 1 and nothing is written to --out.
 */
import {
  REDACTION_TYPE,
  formatBundleEntry,
  formatBundleHeader,
  formatBundleTrailer,
  parseRedactionPayload,
  toHex,
  type BundleEntry,
  type BundleFilter,
  type Ledger,
  type LedgerEntry,
  type QueryOptions,
} from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, failed, operational, usage } from '../exit.js';
import { checkOutputPath, openOutputStream, type OutputStream } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io, type OutStream } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { defined, example, flag, forceOption, jsonOption, outOption, req, str, timeRangeOptions, tzOption } from '../options.js';
import { zoneOf } from '../times.js';
import { Progress, printJson, printable } from '../output.js';
import { queryOf } from './log.js';
import { checkedCheckpoint } from './checkpoint.js';
import { COMPLETENESS_NOTE } from './trace.js';

export interface ExportOptions {
  ledger: string;
  case?: string;
  since?: string;
  until?: string;
  /** A new bundle file, or `-` for standard output. */
  out: string;
  /** Let --out replace an existing regular file. */
  force?: boolean;
  /** Include payloads and salts (default true; --no-payloads exports entries and proofs only). */
  payloads?: boolean;
  /** IANA time zone for --since/--until without an offset (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

export interface ExportResult {
  out: string;
  entries: number;
  payloads: boolean;
  checkpoint: { size: number; root: string };
  filter: BundleFilter;
  /** Entries after the checkpoint, left out because nothing signed proves them yet. */
  unsigned: number;
  /** With --case: what the bundle cannot prove by itself (a later step hidden by an index edit). */
  completeness?: string;
}

/** Refuses to export an entry that does not check: a bundle must carry nothing false (exit 1). */
function refuseUnchecked(e: LedgerEntry): void {
  const first = e.issues.find((i) => i.severity === 'error');
  if (first === undefined) return;
  throw failed(first.code, `entry ${e.seq} does not match its stored bytes or its chain (${first.code}: ${printable(first.message)}); nothing was exported: run \`casetrail verify\``);
}

/**
 * The entries to export, in seq order. With a case, the case is checked as
 * `trace` checks it (every step against its bytes, the per-case chain) and
 * the time range is applied to the decoded times; otherwise the rows of the
 * filter, each checked as read.
 */
async function* selected(ledger: Ledger, q: Omit<QueryOptions, 'limit'>): AsyncGenerator<LedgerEntry> {
  if (q.caseId === undefined) {
    yield* ledger.stream(q);
    return;
  }
  const t = await ledger.trace(q.caseId);
  for (const e of t.steps) {
    refuseUnchecked(e);
    const time = e.entry!.time;
    if ((q.since !== undefined && time < q.since) || (q.until !== undefined && time >= q.until)) continue;
    yield e;
  }
}

/**
 * @returns exit code 0
 * @throws CliError operational when there is no checkpoint, or a redaction is
 *   not yet covered by one
 */
export async function exportBundle(opts: ExportOptions, io: Io): Promise<number> {
  const toStdout = opts.out === '-';
  if (toStdout && opts.json) throw usage('--json prints a summary on stdout; it cannot be combined with --out - (the bundle itself goes to stdout)');
  const payloads = opts.payloads !== false;
  const q = queryOf(opts, zoneOf(io, opts.tz));
  if (!toStdout) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const filter: BundleFilter = {};
  if (q.caseId !== undefined) filter.case = q.caseId;
  if (q.since !== undefined) filter.since = q.since;
  if (q.until !== undefined) filter.until = q.until;

  const result = await withReadLedger(io, opts.ledger, async (ledger) => {
    const stored = await ledger.latestCheckpoint();
    if (stored === undefined) throw operational('NO_CHECKPOINT', `${opts.ledger} has no signed checkpoint to prove entries against: run \`casetrail checkpoint ${opts.ledger} --sign\``);
    const cp = checkedCheckpoint(stored);
    const target = toStdout ? undefined : resolvePath(io, opts.out);
    const file: OutputStream | undefined = target === undefined ? undefined : openOutputStream(target, opts.force === true);
    const sink: OutStream = file?.stream ?? io.stdout;
    const progress = new Progress(io, 'exporting');
    let count = 0;
    let unsigned = 0;
    try {
      await write(sink, formatBundleHeader({ origin: ledger.origin, checkpoint: cp.note, payloads, filter, created: new Date().toISOString() }));
      for await (const e of selected(ledger, q)) {
        if (e.seq >= cp.size) {
          unsigned++;
          continue;
        }
        refuseUnchecked(e);
        await refuseRestoredTarget(ledger, e);
        const proof = (await ledger.proveInclusion(e.seq, cp.size)).proof;
        const rec: BundleEntry = { seq: e.seq, entry: e.bytes, proof };
        if (payloads) {
          if (e.payloadState === 'present') {
            rec.payload = e.payload!;
            rec.salt = e.salt!;
          } else {
            rec.redaction = await redactionOf(ledger, e, cp.size);
          }
        }
        await write(sink, formatBundleEntry(rec));
        count++;
        progress.update(count);
      }
      await write(sink, formatBundleTrailer(count));
      await file?.commit();
    } catch (e) {
      await file?.abort();
      throw e;
    } finally {
      progress.done();
    }
    if (unsigned > 0) {
      io.stderr.write(`warning: entries after the latest checkpoint (size ${cp.size}) are not in the bundle; run \`casetrail checkpoint ${opts.ledger} --sign\` and export again to include them\n`);
    }
    const r: ExportResult = { out: target ?? '-', entries: count, payloads, checkpoint: { size: cp.size, root: toHex(cp.root) }, filter, unsigned };
    if (q.caseId !== undefined) r.completeness = COMPLETENESS_NOTE.replace('trace checks', 'export --case exports');
    return r;
  });
  if (opts.json) await printJson(io, result);
  else if (!toStdout) await write(io.stdout, `exported ${result.entries} entries to ${opts.out}, proven against the checkpoint of size ${result.checkpoint.size}\n${result.completeness === undefined ? '' : `  ${result.completeness}\n`}`);
  else io.stderr.write(`exported ${result.entries} entries, proven against the checkpoint of size ${result.checkpoint.size}\n${result.completeness === undefined ? '' : `  ${result.completeness}\n`}`);
  return EXIT.OK;
}

/**
 * A redaction record exported after the entry it erased: that entry's
 * payload must not be there again (format.md §4.5). Read with get(), which
 * reads the case's records itself, so a payload written back is found even
 * when the `redactions` table lost its row and the entry was exported earlier.
 */
async function refuseRestoredTarget(ledger: Ledger, e: LedgerEntry): Promise<void> {
  if (e.entry?.type !== REDACTION_TYPE || e.payloadState !== 'present') return;
  let target: number;
  try {
    target = parseRedactionPayload(e.payload!).redacts;
  } catch {
    return;
  }
  if (target >= e.seq) return;
  const t = await ledger.get(target);
  if (t.payloadState === 'restored') {
    throw failed('REDACTION_INVALID', `the payload of entry ${target}, erased by redaction entry ${e.seq}, is present again; nothing was exported: run \`casetrail verify\``);
  }
}

/** The redaction entry that erased e's payload, with its payload and proof (format.md §9.3). */
async function redactionOf(ledger: Ledger, e: LedgerEntry, size: number): Promise<NonNullable<BundleEntry['redaction']>> {
  if (e.payloadState !== 'erased') {
    throw failed('PAYLOAD_MISSING', `the payload of entry ${e.seq} is ${e.payloadState} and no valid redaction entry erased it: the ledger was tampered with; run \`casetrail verify\``);
  }
  for await (const r of ledger.stream({ caseId: e.entry!.caseId, type: REDACTION_TYPE, after: e.seq })) {
    if (!r.ok || r.payload === null || r.salt === null) continue;
    let redacts: number;
    try {
      redacts = parseRedactionPayload(r.payload).redacts;
    } catch {
      continue;
    }
    if (redacts !== e.seq) continue;
    if (r.seq >= size) {
      throw operational('UNSIGNED_REDACTION', `the payload of entry ${e.seq} was erased by entry ${r.seq}, which no checkpoint covers yet: run \`casetrail checkpoint --sign\` and export again`);
    }
    return { seq: r.seq, entry: r.bytes, proof: (await ledger.proveInclusion(r.seq, size)).proof, payload: r.payload, salt: r.salt };
  }
  throw failed('PAYLOAD_MISSING', `the payload of entry ${e.seq} is missing and no redaction entry erased it: the ledger was tampered with; run \`casetrail verify\``);
}

export const exportCli = defineCommand<ExportOptions>({
  name: 'export',
  define: (cmd: Command) => {
    cmd.description('write an evidence bundle: entries, payloads, inclusion proofs, signed checkpoint').argument('<ledger>', 'ledger file').option('--case <id>', 'only this case');
    for (const o of timeRangeOptions()) cmd.addOption(o);
    cmd
      .addOption(outOption('new bundle file to write, or - for standard output', true))
      .addOption(forceOption())
      .option('--no-payloads', 'leave payloads out (entries and proofs only)')
      .addOption(tzOption())
      .addOption(jsonOption('print a summary as one JSON document'))
      .addHelpText('after', example('casetrail export cases.ledger --case C-1 --out C-1.bundle'));
  },
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    out: req(o['out'], '--out'),
    ...defined({ case: str(o, 'case'), since: str(o, 'since'), until: str(o, 'until'), force: flag(o, 'force'), payloads: flag(o, 'payloads'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: exportBundle,
});
