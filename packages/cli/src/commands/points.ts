/**
 * `casetrail points <ledger> [--period 2026 | 2026-Q3 | 2026-11] [--subject]
 * [--unit] [--json] [--format text|csv|html]`: the live totals of a period
 * (docs/supervision.md §14.10): per subject the points deducted, what
 * remains, the measure reached and the violations behind them (revoked ones
 * shown apart), read from the checked bytes of the violations ledger's
 * entries by the type index. `--format html` is the report people read: it
 * verifies the ledger under --vkey and audits it first, and shows only what
 * that verification covered. Without --check (html: always checked) the
 * violations are counted as recorded; with it, each is checked at its
 * position as `audit` does, and one that does not check is listed and not
 * counted. Exit 1 when an entry of the violations ledger is malformed or a
 * checked violation does not check, or (html) when the ledger does not
 * verify or its audit fails.
 */
import type { Command } from 'commander';
import { formatVerifierKey } from '@casetrail/core';
import { auditLedger, ledgerPoints, ledgerSteps, type PointsReport } from '@casetrail/supervise/ledger';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { readVerifierKey } from '../keys.js';
import { ledgerPath } from '../ledgers.js';
import { defined, example, flag, forceOption, jsonOption, outOption, req, str, tzOption, vkeyOption } from '../options.js';
import { fields, paint, printable, table, utcIso } from '../output.js';
import { checkReportOut, emitReport, measureText, pointsCsv, pointsJson, reportFormat } from '../points-view.js';
import { pointsHtml, type ReportVerification } from '../report-html.js';
import { checkId } from '../text.js';
import { formatTime, zoneOf, type Zone } from '../times.js';
import { verifySummary } from './verify.js';

export interface PointsOptions {
  ledger: string;
  period?: string;
  subject?: string;
  unit?: string;
  /** only the subjects of this unit and of the units below it */
  under?: string;
  /** check each violation counted at its position, as `audit` does */
  check?: boolean;
  /** --json: every violation cited, with its details */
  details?: boolean;
  format?: string;
  vkey?: string;
  out?: string;
  force?: boolean;
  tz?: string;
  json?: boolean;
}

function pointsText(r: PointsReport, zone: Zone, io: Io): string {
  const p = paint(io);
  const m = r.pack.model;
  let out = `${p.bold(`points ${r.period}`)} ${r.ended ? '(ended)' : p.warn('(not ended: live totals)')}\n`;
  out += fields(
    [
      ['period', `${formatTime(r.start, zone)} – ${formatTime(r.end, zone)}`],
      ['pack', `${printable(r.pack.id)} v${r.pack.version} (entry ${r.pack.seq}): base ${m.base}, floor ${m.floor}, ${m.period}ly; ${m.measures.map((x) => `≥ ${x.at} ${x.measure} ${x.title.zh}`).join(', ') || 'no measures'}`],
      ['summaries', r.summaries.length === 0 ? 'none recorded for this period' : r.summaries.join(', ')],
    ],
    p,
  );
  if (r.subjects.length === 0) return out + 'no violations in this period\n';
  out += table(
    [{ header: 'SUBJECT' }, { header: 'UNIT' }, { header: 'DEDUCTED', align: 'right' }, { header: 'TOTAL', align: 'right' }, { header: 'REMAINING', align: 'right' }, { header: 'MEASURE' }, { header: 'VIOLATIONS' }],
    r.subjects.map((s) => [
      printable(s.subject),
      s.unit === null ? '—' : printable(s.unit),
      String(s.deducted),
      String(s.total),
      String(s.remaining),
      measureText(s.measure),
      s.violations.join(' ') + (s.revoked.length > 0 ? ` (revoked: ${s.revoked.join(' ')})` : ''),
    ]),
    p,
  );
  if (r.subjects.length === 1) {
    out += '\n';
    for (const seq of [...r.subjects[0]!.violations, ...r.subjects[0]!.revoked].sort((a, b) => a - b)) {
      const v = r.violations.get(seq)!;
      const rev = v.revokedBy === null ? '' : p.dim(` — revoked by ${v.revokedBy.seq} (${printable(v.revokedBy.actor)}: ${printable(v.revokedBy.reason)})`);
      out += `  ${seq}  ${printable(v.code)} −${v.points}  at ${formatTime(v.at, zone)}  case ${printable(v.caseId)}  evidence ${v.evidence.join(',')}: ${printable(v.reason)}${rev}\n`;
    }
  }
  return out;
}

/** The ledger verified and audited, for the HTML report: it shows no value the verification did not cover. */
export async function verifiedFor(io: Io, path: string, vkeyArg: string): Promise<{ v: ReportVerification; audited: boolean } | { failed: string }> {
  const vkey = readVerifierKey(io, vkeyArg);
  const r = await auditLedger(path, { vkey });
  if (!r.verification.ok || r.audit === null) return { failed: verifySummary(r.verification, path, paint(io), zoneOf(io, undefined)) };
  const findings = r.audit.findings.filter((f) => f.severity === 'error').map((f) => ({ code: f.code, seq: f.seq, message: f.message }));
  return {
    v: { ledger: path, vkey: formatVerifierKey(vkey.name, vkey.publicKey), size: r.verification.size, root: r.verification.root, signedSize: r.verification.signedSize, verified: true, auditOk: r.audit.ok, findings },
    audited: r.audit.ok,
  };
}

/** @returns 0; 1 when an entry of the violations ledger is malformed, or (html) the ledger does not verify or its audit fails */
export async function points(opts: PointsOptions, io: Io): Promise<number> {
  const format = reportFormat(opts.format, ['text', 'csv', 'html']);
  if (opts.json && format !== 'text') throw usage('--json and --format are alternatives: give one');
  if (format === 'html' && opts.vkey === undefined) throw usage('--format html needs --vkey: the report states the verification and the audit it was made from');
  if (opts.out !== undefined && format === 'text' && !opts.json) throw usage('--out goes with --format csv or html, or --json');
  if (opts.subject !== undefined) checkId('--subject', opts.subject);
  if (opts.unit !== undefined) checkId('--unit', opts.unit);
  if (opts.under !== undefined) checkId('--under', opts.under);
  checkReportOut(io, opts.out, opts.force);
  const path = ledgerPath(io, opts.ledger);
  const filter = defined({ period: opts.period, subject: opts.subject, unit: opts.unit, under: opts.under });
  if (format === 'html') {
    const checked = await verifiedFor(io, path, opts.vkey!);
    if ('failed' in checked) {
      await write(io.stdout, checked.failed + paint(io).bad('✘ no report: the ledger does not verify under the key given\n'));
      return EXIT.FAILED;
    }
    const r = await ledgerPoints(path, { ...filter, size: checked.v.size, check: true });
    const cited = [...r.violations.values()].flatMap((v) => v.evidence);
    const steps = await ledgerSteps(path, cited);
    const zone = zoneOf(io, opts.tz ?? r.pack.zone);
    const page = pointsHtml(r, steps, { ...checked.v, ledger: opts.ledger }, zone, zone.name, utcIso(Date.now()));
    await emitReport(io, opts.out, opts.force, page, `the report of ${r.period}`);
    return checked.audited && r.malformed.length === 0 && r.invalid.length === 0 ? EXIT.OK : EXIT.FAILED;
  }
  const r = await ledgerPoints(path, { ...filter, ...(opts.check === true ? { check: true } : {}), ...(opts.details === true ? { details: true } : {}) });
  if (opts.json) await emitReport(io, opts.out, opts.force, JSON.stringify(pointsJson(r), null, 2) + '\n', `the totals of ${r.period}`);
  else if (format === 'csv') await emitReport(io, opts.out, opts.force, pointsCsv(r), `the totals of ${r.period}`);
  else {
    let out = pointsText(r, zoneOf(io, opts.tz), io);
    for (const seq of r.malformed) out += paint(io).bad(`✘ entry ${seq} of the violations ledger is malformed (docs/supervision.md §14.3): run \`casetrail audit\`\n`);
    for (const x of r.invalid) out += paint(io).bad(`✘ violation ${x.seq} (${printable(x.code)}, ${printable(x.subject)}) does not check at its position, not counted: ${printable(x.problem)}\n`);
    out += r.checked
      ? paint(io).dim(r.invalid.length === 0 ? 'every violation counted was checked at its position\n' : '')
      : paint(io).dim(`violations counted as recorded${r.basis.standing === null ? '' : ` (from standing ${r.basis.standing} and ${r.basis.folded} later entr${r.basis.folded === 1 ? 'y' : 'ies'})`}: --check (or \`casetrail audit\`) checks each at its position\n`);
    await write(io.stdout, out);
  }
  return r.malformed.length > 0 || r.invalid.length > 0 ? EXIT.FAILED : EXIT.OK;
}

export const pointsCli = defineCommand<PointsOptions>({
  name: 'points',
  define: (cmd: Command) =>
    cmd
      .description("the points deducted in a period per subject: remaining, measure reached, and the violations behind them")
      .argument('<ledger>', 'ledger file')
      .option('--period <period>', 'a year (2026), quarter (2026-Q3) or month (2026-11); default: the current cycle by the ledger\'s clock')
      .option('--subject <id>', 'only this subject (its violations are listed)')
      .option('--unit <id>', 'only the subjects of this unit (not of the units below it)')
      .option('--under <id>', 'only the subjects of this unit and of every unit below it')
      .option('--details', 'with --json: every violation cited, with its details (reads each one; with --subject always)')
      .option('--check', "check each violation counted at its position, as audit does, and count only those that check (reads each one's case)")
      .option('--format <format>', 'text (default), csv (UTF-8 with a BOM) or html (a self-contained report; needs --vkey)')
      .addOption(vkeyOption(false, "the ledger's verifier key, or a file holding it (--format html)"))
      .addOption(outOption('write the csv, html or json to this new file instead of standard output'))
      .addOption(forceOption())
      .addOption(tzOption())
      .addOption(jsonOption('print {"period","subjects":[{"subject","unit","deducted","remaining","measure","violations"}],…}'))
      .addHelpText(
        'after',
        example('casetrail points cases.ledger --period 2026 --tz Asia/Shanghai', 'casetrail points cases.ledger --period 2026-Q3 --format csv --out 2026-Q3.csv', 'casetrail points cases.ledger --period 2026 --format html --vkey cases.vkey --out 2026.html'),
      ),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({ period: str(o, 'period'), subject: str(o, 'subject'), unit: str(o, 'unit'), under: str(o, 'under'), check: flag(o, 'check'), details: flag(o, 'details'), format: str(o, 'format'), vkey: str(o, 'vkey'), out: str(o, 'out'), force: flag(o, 'force'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: points,
});
