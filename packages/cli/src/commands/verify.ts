/**
 * `casetrail verify <ledger> --vkey <vkey|file> [--checkpoint <file> [--incremental]]`:
 * full verification (format.md §8). Given a trusted checkpoint saved earlier,
 * it still checks every entry and proves that the ledger extends that
 * checkpoint; `--incremental` opts into checking only what came after it,
 * trusting the entries before it (said so in the output). Exit 1 on any
 * problem found.
 */
import { MAX_NOTE_BYTES, verifyLedger, type VerifyIssue, type VerifyOptions, type VerifyReport } from '@casetrail/core';
import { casetrailValidators } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { readTextFile, resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readVerifierKey, readWitnessPolicy } from '../keys.js';
import { ledgerPath } from '../ledgers.js';
import { issueText } from '../messages.js';
import { defined, example, flag, jsonOption, maxIssuesOption, num, req, str, tzOption, vkeyOption, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../options.js';
import { Progress, fields, paint, printJson, printable, type Paint } from '../output.js';
import { formatTime, zoneOf, type Zone } from '../times.js';

export interface VerifyCommandOptions {
  ledger: string;
  /** The ledger's verifier key, or a file holding it. */
  vkey: string;
  /** A signed checkpoint saved earlier: the ledger must extend it. */
  checkpoint?: string;
  /** With --checkpoint: check only the entries after it, trusting those before it. */
  incremental?: boolean;
  /** Accepted for compatibility: verification is full unless --incremental is given. */
  full?: boolean;
  /** Entries after the latest checkpoint are a warning instead of an error. */
  allowUnsignedTail?: boolean;
  /** Issues listed at most (default 1000; all are counted). */
  maxIssues?: number;
  /** Witness cosignature keys (or files): the newest checkpoint they cosigned must meet the policy. */
  witness?: string[];
  /** How many of the witnesses must have cosigned it (default all given). */
  witnessQuorum?: number;
  /** IANA time zone for times in issue messages (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/** The line said first when no stored checkpoint verifies under the key given. */
export const NOT_THIS_KEY = "no checkpoint in this ledger is signed by this key — is it the ledger's key?";

/**
 * @returns 0 when the ledger verifies, 1 when any error-level issue was found
 * @throws LedgerError LEDGER_NOT_FOUND, NOT_A_LEDGER, MALFORMED_KEY, …; CliError IS_A_DIRECTORY, INPUT_TOO_LARGE
 */
export async function verify(opts: VerifyCommandOptions, io: Io): Promise<number> {
  if (opts.incremental && opts.checkpoint === undefined) throw usage('--incremental needs --checkpoint <file>: the entries before that checkpoint are the ones trusted');
  if (opts.incremental && opts.full) throw usage('give --incremental or --full, not both');
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  const path = ledgerPath(io, opts.ledger);
  const progress = new Progress(io, 'verifying');
  const options: VerifyOptions = {
    vkey,
    // The command knows the entries of casetrail's layers (supervision, units/actors/policy): their validators, not SYSTEM_TYPE_UNKNOWN.
    systemTypes: casetrailValidators(),
    onProgress: (pr) => progress.update(pr.done, pr.total),
  };
  if (opts.checkpoint !== undefined) {
    options.trusted = readTextFile(resolvePath(io, opts.checkpoint), MAX_NOTE_BYTES, 'checkpoint file', 'artifact');
    options.mode = opts.incremental ? 'incremental' : 'full';
  }
  if (opts.allowUnsignedTail) options.allowUnsignedTail = true;
  if (policy !== undefined) {
    options.witnesses = policy.witnesses;
    options.witnessQuorum = policy.quorum;
  }
  if (opts.maxIssues !== undefined) options.maxIssues = opts.maxIssues;
  let report: VerifyReport;
  try {
    report = await verifyLedger(path, options);
  } finally {
    progress.done();
  }
  const lead = notSignedByThisKey(report) ? `${NOT_THIS_KEY}\n` : '';
  if (opts.json) {
    io.stderr.write(lead);
    await printJson(io, report);
  } else {
    await write(io.stdout, lead + verifySummary(report, opts.ledger, paint(io), zone));
  }
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

/**
 * Whether the ledger has checkpoints and none of them verifies under the key
 * given: the key is not the ledger's, or every checkpoint was re-signed by
 * someone else. Either way the details follow and the exit code is 1.
 */
export function notSignedByThisKey(r: VerifyReport): boolean {
  if (r.signedSize > 0 || r.checked.checkpoints === 0) return false;
  if (r.issues.some((i) => i.code === 'META_MISMATCH')) return true;
  const unverified = r.issues.filter((i) => i.code === 'CHECKPOINT_INVALID' && /does not verify/.test(i.message)).length;
  if (unverified === r.checked.checkpoints) return true;
  // Issues beyond --max-issues are counted, not listed: judge by those listed.
  return r.issueCount > r.issues.length && unverified > 0 && !r.issues.some((i) => i.code === 'CHECKPOINT_ROOT_MISMATCH' || i.code === 'CHECKPOINT_BEYOND_LEDGER');
}

function where(i: VerifyIssue): string {
  const parts: string[] = [];
  if (i.seq !== undefined) parts.push(`entry ${i.seq}`);
  if (i.size !== undefined) parts.push(`size ${i.size}`);
  if (i.level !== undefined) parts.push(`node (${i.level}, ${i.index})`);
  if (i.table !== undefined) parts.push(`table ${i.table}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

/** How many entries were checked, and which were trusted instead. */
function entriesLine(r: VerifyReport): string {
  const checked = r.checked.entries;
  if (r.mode === 'incremental' && r.trusted !== undefined) {
    const t = r.trusted.size;
    return `${r.size} in the ledger: ${checked} after the trusted checkpoint checked; ${t > 0 ? `the ${t} before it (0 to ${t - 1}) trusted, not re-hashed` : 'none trusted'}`;
  }
  return `${r.size} in the ledger, ${checked} checked`;
}

/** The closing line of a report that found no error: never "N entries verified" when none was checked. */
function okLine(r: VerifyReport): string {
  const warnings = r.issueCount > 0 ? ` with ${r.issueCount} warning(s)` : '';
  const checked = r.checked.entries;
  const t = r.trusted;
  if (r.mode === 'incremental' && t !== undefined) {
    const trusted = `the ${t.size} entries before it were trusted, not re-hashed`;
    if (checked === 0) return `✔ OK: no entries after the trusted checkpoint of size ${t.size}; the ledger extends it; ${trusted}${warnings}`;
    return `✔ OK: ${checked} entries after the trusted checkpoint of size ${t.size} verified; ${trusted}${warnings}`;
  }
  if (checked === 0) return `✔ OK: the ledger has no entries; ${r.checked.checkpoints} checkpoint(s) checked${warnings}`;
  return `✔ OK: ${checked} entries verified${t !== undefined ? `; the ledger extends the trusted checkpoint of size ${t.size}` : ''}${warnings}`;
}

/** The newest cosigned checkpoint, who cosigned it and when, and what it does not cover. */
function witnessedLine(w: NonNullable<VerifyReport['witnessed']>, size: number, zone: Zone): string {
  const who = w.cosigned.map((c) => `${printable(c.name)} at ${formatTime(c.timestamp * 1000, zone)}`).join(', ');
  const after = w.size < size ? `; entries ${w.size} to ${size - 1} are not witnessed yet` : '';
  return `checkpoint of size ${w.size} cosigned by ${w.cosigned.length} of ${w.of} witness(es) (quorum ${w.quorum})${who === '' ? '' : `: ${who}`}${after}`;
}

/** The human summary of a verification report. */
export function verifySummary(r: VerifyReport, ledger: string, p: Paint, zone: Zone): string {
  const c = r.checked;
  let out = `${p.bold(`verify ${ledger}`)}\n`;
  const rows: Array<[string, string]> = [
    ['origin', printable(r.origin)],
    ['mode', r.mode],
    ['entries', entriesLine(r)],
    ['payloads', `${c.payloads} matched, ${c.redactions} redaction(s)`],
    ['signatures', `${c.actorSignatures} actor signature(s)`],
    ['tree', `${c.nodes} node(s) recomputed, root ${r.root || '(not computable)'}`],
    ['checkpoints', `${c.checkpoints} checked, latest valid covers ${r.signedSize} entries`],
  ];
  if (r.trusted !== undefined) rows.push(['trusted', `size ${r.trusted.size}, ${r.trusted.extended ? 'extended by the ledger' : 'NOT extended by the ledger'}`]);
  if (r.witnessed !== undefined) rows.push(['witnessed', witnessedLine(r.witnessed, r.size, zone)]);
  rows.push(['time', `${r.durationMs} ms`]);
  out += fields(rows, p);
  for (const i of r.issues) {
    const line = `${i.severity === 'error' ? '✘' : '!'} ${i.code}${where(i)}: ${printable(issueText(i, zone))}`;
    out += (i.severity === 'error' ? p.bad(line) : p.warn(line)) + '\n';
  }
  if (r.issueCount > r.issues.length) out += p.bad(`… and ${r.issueCount - r.issues.length} more issue(s) (raise --max-issues to list them)\n`);
  if (r.ok) {
    out += p.ok(okLine(r)) + '\n';
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
      .description('verify the whole ledger, and that it extends a checkpoint you trust (exit 1 on any problem)')
      .argument('<ledger>', 'ledger file')
      .addOption(vkeyOption(true))
      .option('--checkpoint <file>', 'a checkpoint saved earlier: every entry is checked and the ledger must extend it')
      .option('--incremental', 'with --checkpoint: check only the entries after it, trusting those before it')
      .option('--full', 'check every entry (the default; kept for scripts that pass it)')
      .option('--allow-unsigned-tail', 'entries after the latest checkpoint are a warning, not an error')
      .addOption(maxIssuesOption())
      .addOption(witnessOption('the newest checkpoint they cosigned'))
      .addOption(witnessQuorumOption())
      .addOption(tzOption())
      .addOption(jsonOption('print the report as one JSON document'))
      .addHelpText(
        'after',
        example(
          'casetrail verify cases.ledger --vkey cases.vkey',
          'casetrail verify cases.ledger --vkey cases.vkey --checkpoint published.checkpoint',
          'casetrail verify cases.ledger --vkey cases.vkey --checkpoint published.checkpoint --incremental',
          'casetrail verify cases.ledger --vkey cases.vkey --witness province.witness.vkey',
        ),
      ),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    vkey: req(o['vkey'], '--vkey'),
    ...defined({
      checkpoint: str(o, 'checkpoint'),
      incremental: flag(o, 'incremental'),
      full: flag(o, 'full'),
      allowUnsignedTail: flag(o, 'allowUnsignedTail'),
      maxIssues: num(o, 'maxIssues'),
      ...witnessPolicyValues(o),
      tz: str(o, 'tz'),
      json: flag(o, 'json'),
    }),
  }),
  run: verify,
});
