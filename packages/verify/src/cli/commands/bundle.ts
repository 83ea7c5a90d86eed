/**
 * Checking an evidence bundle offline (format.md §9.3), streaming, and
 * showing what it proves: the case timeline, step by step as it verifies
 * (timeline.ts), then the summary and every issue. `casetrail verify-bundle`
 * and `casetrail-verify bundle` both run this. Exit 1 on any issue.
 */
import { verifyBundle, type BundleSourceOpener } from '../../bundle/stream.js';
import type { BundleReport } from '../../bundle/verify.js';
import type { NoteVerifier } from '../../tlog/note-keys.js';
import type { WitnessPolicy } from '../../tlog/witness-policy.js';
import { EXIT } from '../exit.js';
import { reopenableInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { issueText } from '../issue-text.js';
import { readVerifierKey, readWitnessPolicy } from '../keys.js';
import { fields, paint, printable, type Paint } from '../output.js';
import { formatTime, zoneOf, type Zone } from '../times.js';
import { TimelineWriter, stepJson } from '../timeline.js';
import { type ArtifactFileOptions, witnessedJson, witnessedText } from '../witnessed.js';

export interface BundleFileOptions extends ArtifactFileOptions {
  /** Issues listed at most (default 1000; all are counted). */
  maxIssues?: number;
}

/** `  ` + JSON of `value`, pretty, every line indented by `pad`. */
function indented(value: unknown, pad: string): string {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/**
 * Verifies the bundle and prints its timeline and summary, or with --json
 * one document: `{"steps":[…], …the BundleReport}`, the steps streamed as
 * they verify.
 * @returns 0 when the bundle verifies, 1 when any issue was found
 * @throws LedgerError MALFORMED_KEY; CliError FILE_NOT_FOUND, IS_A_DIRECTORY,
 *   PRIVATE_KEY_AS_VKEY
 */
export async function verifyBundleFile(opts: BundleFileOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  // Read twice (for its erasures first, then to verify and show it): bundle/stream.ts.
  const input = await reopenableInput(io, opts.file, 'bundle');
  try {
    return await verifyAndShow(opts, io, vkey, policy, zone, () => input.open());
  } finally {
    input.dispose();
  }
}

async function verifyAndShow(opts: BundleFileOptions, io: Io, vkey: NoteVerifier, policy: WitnessPolicy | undefined, zone: Zone, source: BundleSourceOpener): Promise<number> {
  const options = { ...(opts.maxIssues === undefined ? {} : { maxIssues: opts.maxIssues }), ...(policy === undefined ? {} : { witnessPolicy: policy }) };
  let report: BundleReport;
  if (opts.json) {
    let n = 0;
    await write(io.stdout, '{\n  "steps": [');
    report = await verifyBundle(source, vkey, {
      ...options,
      onStep: (s) => write(io.stdout, `${n++ === 0 ? '' : ','}\n${indented(stepJson(s), '    ')}`),
    });
    // The report's own keys follow the steps in the same object.
    const shown = report.witnessed === undefined ? report : { ...report, witnessed: witnessedJson(report.witnessed) };
    await write(io.stdout, `${n === 0 ? '' : '\n  '}],\n${JSON.stringify(shown, null, 2).slice(2)}\n`);
  } else {
    const p = paint(io);
    await write(io.stdout, `${p.bold(`evidence bundle ${printable(opts.file)}`)}\n`);
    const timeline = new TimelineWriter(io, p, zone);
    report = await verifyBundle(source, vkey, { ...options, onStep: (s) => timeline.add(s) });
    await timeline.flush();
    await write(io.stdout, bundleSummary(report, p, zone));
  }
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

/** The human summary of a bundle report: what verified, the cases, the issues, the verdict. Counts only what verified. */
export function bundleSummary(r: BundleReport, p: Paint, zone: Zone): string {
  let out = `${p.bold('summary')}\n`;
  const rows: Array<[string, string]> = [['origin', `${printable(r.origin)} (the verifier key's name)`]];
  if (r.checkpoint !== undefined) rows.push(['checkpoint', `size ${r.checkpoint.size}, root ${r.checkpoint.root}`]);
  if (r.witnessed !== undefined) rows.push(['witnessed', witnessedText(r.witnessed, zone)]);
  if (r.filter !== undefined) {
    const f = r.filter;
    const parts = [f.case !== undefined ? `case ${printable(f.case)}` : undefined, f.since !== undefined ? `since ${formatTime(f.since, zone)}` : undefined, f.until !== undefined ? `until ${formatTime(f.until, zone)}` : undefined].filter((x) => x !== undefined);
    rows.push(['selection', parts.length > 0 ? parts.join(', ') : r.complete ? 'the whole ledger (complete)' : 'the whole ledger']);
  }
  rows.push(['entries', `${r.entries}, ${r.checked.proofs} proven by inclusion proof`]);
  rows.push(['payloads', r.payloads === false ? `withheld (exported with --no-payloads)` : `${r.checked.payloads} matched their commitments, ${r.redacted} erased by proven redaction`]);
  rows.push(['signatures', `${r.checked.actorSignatures} actor signature(s) verified`]);
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
