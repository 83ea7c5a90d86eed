/**
 * `casetrail verify <ledger> --vkey <vkey|file> [--checkpoint <file>]`:
 * full verification (format.md §8), or incremental from a trusted checkpoint
 * saved earlier. Exit 1 on any problem found.
 */
import { MAX_NOTE_BYTES, verifyLedger, type VerifyIssue, type VerifyOptions, type VerifyReport } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { readTextFile, readVerifierKey, resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, maxIssuesOption, num, req, str, vkeyOption } from '../options.js';
import { Progress, fields, paint, printJson, type Paint } from '../output.js';

export interface VerifyCommandOptions {
  ledger: string;
  /** The ledger's verifier key, or a file holding it. */
  vkey: string;
  /** A signed checkpoint saved earlier: verification starts from it (incremental). */
  checkpoint?: string;
  /** With --checkpoint: check every entry anyway, and that the ledger extends the checkpoint. */
  full?: boolean;
  /** Entries after the latest checkpoint are a warning instead of an error. */
  allowUnsignedTail?: boolean;
  /** Issues listed at most (default 1000; all are counted). */
  maxIssues?: number;
  json?: boolean;
}

/**
 * @returns 0 when the ledger verifies, 1 when any error-level issue was found
 * @throws LedgerError LEDGER_NOT_FOUND, NOT_A_LEDGER, MALFORMED_KEY, …
 */
export async function verify(opts: VerifyCommandOptions, io: Io): Promise<number> {
  if (opts.full && opts.checkpoint === undefined) throw usage('--full only applies with --checkpoint (verification is full without one)');
  const vkey = readVerifierKey(io, opts.vkey);
  const progress = new Progress(io, 'verifying');
  const options: VerifyOptions = {
    vkey,
    onProgress: (pr) => progress.update(pr.done, pr.total),
  };
  if (opts.checkpoint !== undefined) {
    options.trusted = readTextFile(resolvePath(io, opts.checkpoint), MAX_NOTE_BYTES, 'checkpoint file');
    options.mode = opts.full ? 'full' : 'incremental';
  }
  if (opts.allowUnsignedTail) options.allowUnsignedTail = true;
  if (opts.maxIssues !== undefined) options.maxIssues = opts.maxIssues;
  let report: VerifyReport;
  try {
    report = await verifyLedger(resolvePath(io, opts.ledger), options);
  } finally {
    progress.done();
  }
  if (opts.json) await printJson(io, report);
  else await write(io.stdout, verifySummary(report, opts.ledger, paint(io)));
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

function where(i: VerifyIssue): string {
  const parts: string[] = [];
  if (i.seq !== undefined) parts.push(`entry ${i.seq}`);
  if (i.size !== undefined) parts.push(`size ${i.size}`);
  if (i.level !== undefined) parts.push(`node (${i.level}, ${i.index})`);
  if (i.table !== undefined) parts.push(`table ${i.table}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

/** The human summary of a verification report. */
export function verifySummary(r: VerifyReport, ledger: string, p: Paint): string {
  const c = r.checked;
  let out = `${p.bold(`verify ${ledger}`)}\n`;
  const rows: Array<[string, string]> = [
    ['origin', r.origin],
    ['mode', r.mode],
    ['entries', `${r.size} in the ledger, ${c.entries} checked`],
    ['payloads', `${c.payloads} matched, ${c.redactions} redaction(s)`],
    ['signatures', `${c.actorSignatures} actor signature(s)`],
    ['tree', `${c.nodes} node(s) recomputed, root ${r.root || '(not computable)'}`],
    ['checkpoints', `${c.checkpoints} checked, latest valid covers ${r.signedSize} entries`],
  ];
  if (r.trusted !== undefined) rows.push(['trusted', `size ${r.trusted.size}, ${r.trusted.extended ? 'extended by the ledger' : 'NOT extended by the ledger'}`]);
  rows.push(['time', `${r.durationMs} ms`]);
  out += fields(rows, p);
  for (const i of r.issues) {
    const line = `${i.severity === 'error' ? '✘' : '!'} ${i.code}${where(i)}: ${i.message}`;
    out += (i.severity === 'error' ? p.bad(line) : p.warn(line)) + '\n';
  }
  if (r.issueCount > r.issues.length) out += p.bad(`… and ${r.issueCount - r.issues.length} more issue(s) (raise --max-issues to list them)\n`);
  if (r.ok) {
    out += p.ok(`✔ OK: ${r.size} entries verified${r.issueCount > 0 ? ` with ${r.issueCount} warning(s)` : ''}\n`);
  } else {
    const errors = r.issues.filter((i) => i.severity === 'error').length;
    out += p.bad(`✘ FAILED: ${Math.max(errors, 1)} error(s)${r.issueCount > r.issues.length ? ' and more' : ''}; the ledger does not match what was signed\n`);
  }
  return out;
}

export const verifyCli = defineCommand<VerifyCommandOptions>({
  name: 'verify',
  define: (cmd: Command) =>
    cmd
      .description('verify the whole ledger, or incrementally from a trusted checkpoint (exit 1 on any problem)')
      .argument('<ledger>', 'ledger file')
      .addOption(vkeyOption(true))
      .option('--checkpoint <file>', 'a checkpoint saved earlier: verify only what came after it')
      .option('--full', 'with --checkpoint: check every entry anyway')
      .option('--allow-unsigned-tail', 'entries after the latest checkpoint are a warning, not an error')
      .addOption(maxIssuesOption())
      .addOption(jsonOption('print the report as one JSON document'))
      .addHelpText('after', example('casetrail verify cases.ledger --vkey cases.vkey', 'casetrail verify cases.ledger --vkey cases.vkey --checkpoint yesterday.checkpoint')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    vkey: req(o['vkey'], '--vkey'),
    ...defined({
      checkpoint: str(o, 'checkpoint'),
      full: flag(o, 'full'),
      allowUnsignedTail: flag(o, 'allowUnsignedTail'),
      maxIssues: num(o, 'maxIssues'),
      json: flag(o, 'json'),
    }),
  }),
  run: verify,
});
