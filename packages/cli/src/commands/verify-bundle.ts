/**
 * `casetrail verify-bundle <file|-> --vkey <vkey|file>`: checks an evidence
 * bundle offline (format.md §9.3), streaming. Exit 1 on any issue.
 */
import { verifyBundle, type BundleReport } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { inputStream } from '../inputs.js';
import { readVerifierKey } from '../keys.js';
import { issueText } from '../messages.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, maxIssuesOption, num, req, str, tzOption, vkeyOption } from '../options.js';
import { fields, paint, printJson, printable, type Paint } from '../output.js';
import { formatTime, zoneOf, type Zone } from '../times.js';

export interface VerifyBundleOptions {
  /** The bundle file, or `-` for standard input. */
  file: string;
  vkey: string;
  maxIssues?: number;
  /** IANA time zone of the times shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns 0 when the bundle verifies, 1 when any issue was found
 * @throws LedgerError MALFORMED_KEY; CliError when the file is missing
 */
export async function verifyBundleCommand(opts: VerifyBundleOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const report = await verifyBundle(inputStream(io, opts.file, 'bundle'), vkey, opts.maxIssues === undefined ? {} : { maxIssues: opts.maxIssues });
  if (opts.json) await printJson(io, report);
  else await write(io.stdout, bundleSummary(report, opts.file, paint(io), zone));
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

/** The human summary of a bundle report. */
export function bundleSummary(r: BundleReport, file: string, p: Paint, zone: Zone): string {
  let out = `${p.bold(`verify-bundle ${printable(file)}`)}\n`;
  const rows: Array<[string, string]> = [['origin', printable(r.origin)]];
  if (r.checkpoint !== undefined) rows.push(['checkpoint', `size ${r.checkpoint.size}, root ${r.checkpoint.root}`]);
  if (r.filter !== undefined) {
    const f = r.filter;
    const parts = [f.case !== undefined ? `case ${printable(f.case)}` : undefined, f.since !== undefined ? `since ${formatTime(f.since, zone)}` : undefined, f.until !== undefined ? `until ${formatTime(f.until, zone)}` : undefined].filter((x) => x !== undefined);
    rows.push(['selection', parts.length > 0 ? parts.join(', ') : r.complete ? 'the whole ledger (complete)' : 'the whole ledger']);
  }
  rows.push(['entries', `${r.entries}, ${r.checked.proofs} inclusion proof(s) verified`]);
  rows.push(['payloads', r.payloads === false ? `withheld (exported with --no-payloads)` : `${r.checked.payloads} matched their commitments, ${r.redacted} erased by proven redaction`]);
  rows.push(['signatures', `${r.checked.actorSignatures} actor signature(s)`]);
  out += fields(rows, p);
  const shown = r.cases.slice(0, 20);
  for (const c of shown) {
    out += `  ${p.dim('case')} ${printable(c.caseId)}: steps ${c.firstStep} to ${c.lastStep} (${c.steps} in the bundle)${c.firstStep === 1 ? '' : ', earlier steps not included'}\n`;
  }
  if (r.cases.length > shown.length) out += `  ${p.dim(`… and ${r.cases.length - shown.length} more case(s)`)}\n`;
  for (const i of r.issues) out += p.bad(`✘ ${i.code}${i.line !== undefined ? ` (line ${i.line})` : ''}: ${printable(issueText(i, zone))}`) + '\n';
  if (r.issueCount > r.issues.length) out += p.bad(`… and ${r.issueCount - r.issues.length} more issue(s)\n`);
  out += r.ok ? p.ok(`✔ OK: ${r.entries} entries proven against the signed checkpoint; every case's steps form an unbroken chain\n`) : p.bad(`✘ FAILED: ${r.issueCount} issue(s)\n`);
  return out;
}

export const verifyBundleCli = defineCommand<VerifyBundleOptions>({
  name: 'verify-bundle',
  define: (cmd: Command) =>
    cmd
      .description('check an evidence bundle offline (exit 1 on any problem)')
      .argument('<file>', 'bundle file, or - for standard input')
      .addOption(vkeyOption(true))
      .addOption(maxIssuesOption())
      .addOption(tzOption())
      .addOption(jsonOption('print the report as one JSON document'))
      .addHelpText('after', example('casetrail verify-bundle C-1.bundle --vkey cases.vkey')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), ...defined({ maxIssues: num(o, 'maxIssues'), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: verifyBundleCommand,
});
