/**
 * `casetrail export <ledger> [--case <id>] [--since --until] --out <file|->`:
 * an evidence bundle (format.md §9.3): the entries, their payloads (unless
 * --no-payloads), an inclusion proof each, and the signed checkpoint they
 * prove against. Streams: memory does not grow with the ledger (with --case,
 * with the case). Every entry exported is checked against its bytes first
 * (with --case, against its case's chain too, as `trace` does): an entry
 * that does not check, or an erased payload present again, stops the
 * export with exit 1 and nothing is written to --out (the library's
 * `ledger.exportBundle` refuses it).
 */
import { toHex, type BundleFilter } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { checkOutputPath, openOutputStream, type OutputStream } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io, type OutStream } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { defined, example, flag, forceOption, jsonOption, outOption, req, str, timeRangeOptions, tzOption } from '../options.js';
import { zoneOf } from '../times.js';
import { Progress, printJson } from '../output.js';
import { queryOf } from './log.js';
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

/**
 * @returns exit code 0
 * @throws LedgerError (from the library's `ledger.exportBundle`, which this
 *   command calls) NO_CHECKPOINT, UNSIGNED_REDACTION (3); CHECKPOINT_INVALID,
 *   and the code of the first issue of an entry that does not check
 *   (INDEX_MISMATCH, PAYLOAD_MISSING, REDACTION_INVALID, …) (1)
 */
export async function exportBundle(opts: ExportOptions, io: Io): Promise<number> {
  const toStdout = opts.out === '-';
  if (toStdout && opts.json) throw usage('--json prints a summary on stdout; it cannot be combined with --out - (the bundle itself goes to stdout)');
  const payloads = opts.payloads !== false;
  const q = queryOf(opts, zoneOf(io, opts.tz));
  if (!toStdout) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const target = toStdout ? undefined : resolvePath(io, opts.out);
  const made = await withReadLedger(io, opts.ledger, async (ledger) => {
    // The file is created at the first line, once the ledger has a checkpoint to prove against.
    let file: OutputStream | undefined;
    const sink = (): OutStream => {
      if (target === undefined) return io.stdout;
      file ??= openOutputStream(target, opts.force === true);
      return file.stream;
    };
    const progress = new Progress(io, 'exporting');
    try {
      const filter = defined({ caseId: q.caseId, since: q.since, until: q.until });
      const r = await ledger.exportBundle((line) => write(sink(), line), { ...filter, payloads, onProgress: (n) => progress.update(n) });
      await file?.commit();
      return r;
    } catch (e) {
      await file?.abort();
      throw e;
    } finally {
      progress.done();
    }
  });
  if (made.unsigned > 0) {
    io.stderr.write(`warning: entries after the latest checkpoint (size ${made.checkpoint.size}) are not in the bundle; run \`casetrail checkpoint ${opts.ledger} --sign\` and export again to include them\n`);
  }
  const result: ExportResult = { out: target ?? '-', entries: made.entries, payloads, checkpoint: { size: made.checkpoint.size, root: toHex(made.checkpoint.root) }, filter: made.filter, unsigned: made.unsigned };
  if (q.caseId !== undefined) result.completeness = COMPLETENESS_NOTE.replace('trace checks', 'export --case exports');
  const note = result.completeness === undefined ? '' : `  ${result.completeness}\n`;
  if (opts.json) await printJson(io, result);
  else if (!toStdout) await write(io.stdout, `exported ${result.entries} entries to ${opts.out}, proven against the checkpoint of size ${result.checkpoint.size}\n${note}`);
  else io.stderr.write(`exported ${result.entries} entries, proven against the checkpoint of size ${result.checkpoint.size}\n${note}`);
  return EXIT.OK;
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
