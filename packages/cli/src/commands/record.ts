/**
 * `casetrail record <ledger> <subject> [--json] [--format text|html]`: a
 * person's record (廉政档案, docs/supervision.md §14.10): every violation of
 * the subject with its revocation, the points by period and the measures
 * reached, the alerts their steps raised or that were confirmed against
 * them, and the case steps concerning them (those they took, by the actor
 * index, and those cited as evidence). Read from checked bytes, each
 * violation checked at its position (one that does not check is shown so
 * and not counted); `--format html` verifies and audits the ledger under
 * --vkey first. Exit 1 when an entry of the violations ledger is malformed
 * or a violation of the subject does not check, or (html) the ledger does
 * not verify or its audit fails.
 */
import type { Command } from 'commander';
import { ledgerRecord, ledgerSteps, type SubjectRecord } from '@casetrail/supervise/ledger';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { ledgerPath } from '../ledgers.js';
import { countParser, defined, example, flag, forceOption, jsonOption, num, outOption, req, str, tzOption, vkeyOption } from '../options.js';
import { paint, printable, table, truncate, utcIso } from '../output.js';
import { checkReportOut, emitReport, measureText, reportFormat, violationJson } from '../points-view.js';
import { recordHtml } from '../report-html.js';
import { levelLabel } from '../supervision.js';
import { checkId } from '../text.js';
import { formatTime, zoneOf, type Zone } from '../times.js';
import { verifiedFor } from './points.js';

export interface RecordOptions {
  ledger: string;
  subject: string;
  format?: string;
  vkey?: string;
  out?: string;
  force?: boolean;
  /** case steps listed at most (default 10000) */
  maxSteps?: number;
  tz?: string;
  json?: boolean;
}

function recordJson(r: SubjectRecord) {
  return {
    subject: r.subject,
    unit: r.unit,
    size: r.size,
    pack: { id: r.pack.id, version: r.pack.version, hash: r.pack.hash, seq: r.pack.seq },
    periods: r.periods.map((p) => ({ period: p.period, ended: p.ended, deducted: p.deducted, remaining: p.remaining, measure: p.measure?.measure ?? null, violations: p.violations, revoked: p.revoked })),
    violations: r.violations.map(violationJson),
    alerts: r.alerts.map((a) => ({ seq: a.seq, case: a.caseId, step: a.step, rule: a.rule, level: a.level, reason: a.reason, triggeredBy: a.triggeredBy, time: a.time, timeIso: utcIso(a.time) })),
    steps: r.steps.map((s) => ({ seq: s.seq, case: s.caseId, step: s.step, type: s.type, actor: s.actor, role: s.role, ...(s.role === 'named' ? { field: s.field } : {}), time: s.time, timeIso: utcIso(s.time) })),
    moreSteps: r.moreSteps,
    malformed: r.malformed,
    invalid: r.invalid.map((x) => ({ seq: x.seq, code: x.code, problem: x.problem })),
  };
}

function recordText(r: SubjectRecord, zone: Zone, io: Io): string {
  const p = paint(io);
  let out = `${p.bold(`record of ${printable(r.subject)}`)}${r.unit === null ? '' : ` (unit ${printable(r.unit)})`}\n`;
  out += p.bold('points by period') + '\n';
  out +=
    r.periods.length === 0
      ? '  no violation recorded\n'
      : table(
          [{ header: 'PERIOD' }, { header: 'DEDUCTED', align: 'right' }, { header: 'REMAINING', align: 'right' }, { header: 'MEASURE' }, { header: 'VIOLATIONS' }],
          r.periods.map((x) => [x.period + (x.ended ? '' : ' (not ended)'), String(x.deducted), String(x.remaining), measureText(x.measure), x.violations.join(' ') + (x.revoked.length > 0 ? ` (revoked: ${x.revoked.join(' ')})` : '')]),
          p,
        );
  if (r.violations.length > 0) {
    out += p.bold('violations') + '\n';
    const bad = new Map(r.invalid.map((x) => [x.seq, x.problem]));
    for (const v of r.violations) {
      const problem = bad.get(v.seq);
      const rev =
        problem !== undefined
          ? p.bad(` — ✘ does not check at its position, not counted: ${printable(problem)}`)
          : v.revokedBy === null
            ? ''
            : p.dim(` — revoked by ${v.revokedBy.seq} (${printable(v.revokedBy.actor)}: ${printable(v.revokedBy.reason)})`);
      out += `  ${v.seq}  ${printable(v.code)} −${v.points}  at ${formatTime(v.at, zone)}  case ${printable(v.caseId)}  evidence ${v.evidence.join(',')}  by ${printable(v.actor)}: ${printable(v.reason)}${rev}\n`;
    }
  }
  out += p.bold('alerts') + '\n';
  out +=
    r.alerts.length === 0
      ? '  none\n'
      : table(
          [{ header: 'SEQ', align: 'right' }, { header: 'TIME' }, { header: 'CASE' }, { header: 'LEVEL' }, { header: 'RULE' }, { header: 'REASON' }],
          r.alerts.map((a) => [String(a.seq), formatTime(a.time, zone), printable(a.caseId), levelLabel(a.level), printable(a.rule), truncate(printable(a.reason.zh), 48)]),
          p,
        );
  out += p.bold('case steps') + '\n';
  out +=
    r.steps.length === 0
      ? '  none\n'
      : table(
          [{ header: 'SEQ', align: 'right' }, { header: 'TIME' }, { header: 'CASE' }, { header: 'STEP', align: 'right' }, { header: 'TYPE' }, { header: 'ACTOR' }, { header: 'AS' }],
          r.steps.map((s) => [String(s.seq), formatTime(s.time, zone), printable(s.caseId), String(s.step), printable(s.type), printable(s.actor), s.role === 'named' ? `named (${printable(s.field)})` : s.role]),
          p,
        );
  if (r.moreSteps > 0) out += p.dim(`  (${r.moreSteps} more step(s) not listed: raise --max-steps)\n`);
  for (const seq of r.malformed) out += p.bad(`✘ entry ${seq} of the violations ledger is malformed (docs/supervision.md §14.3): run \`casetrail audit\`\n`);
  return out;
}

/** @returns 0; 1 when an entry of the violations ledger is malformed or a violation of the subject does not check, or (html) the ledger does not verify or its audit fails */
export async function record(opts: RecordOptions, io: Io): Promise<number> {
  const format = reportFormat(opts.format, ['text', 'html']);
  if (opts.json && format !== 'text') throw usage('--json and --format are alternatives: give one');
  if (format === 'html' && opts.vkey === undefined) throw usage('--format html needs --vkey: the record states the verification and the audit it was made from');
  checkId('<subject>', opts.subject);
  checkReportOut(io, opts.out, opts.force);
  const path = ledgerPath(io, opts.ledger);
  const limits = defined({ maxSteps: opts.maxSteps });
  if (format === 'html') {
    const checked = await verifiedFor(io, path, opts.vkey!);
    if ('failed' in checked) {
      await write(io.stdout, checked.failed + paint(io).bad('✘ no record: the ledger does not verify under the key given\n'));
      return EXIT.FAILED;
    }
    const r = await ledgerRecord(path, opts.subject, { ...limits, size: checked.v.size });
    const steps = await ledgerSteps(path, [...r.steps.map((s) => s.seq), ...r.violations.flatMap((v) => v.evidence)]);
    const zone = zoneOf(io, opts.tz ?? r.pack.zone);
    await emitReport(io, opts.out, opts.force, recordHtml(r, steps, { ...checked.v, ledger: opts.ledger }, zone, zone.name, utcIso(Date.now())), `the record of ${printable(opts.subject)}`);
    return checked.audited && r.malformed.length === 0 && r.invalid.length === 0 ? EXIT.OK : EXIT.FAILED;
  }
  const r = await ledgerRecord(path, opts.subject, limits);
  if (opts.json) await emitReport(io, opts.out, opts.force, JSON.stringify(recordJson(r), null, 2) + '\n', `the record of ${printable(opts.subject)}`);
  else await write(io.stdout, recordText(r, zoneOf(io, opts.tz), io));
  return r.malformed.length > 0 || r.invalid.length > 0 ? EXIT.FAILED : EXIT.OK;
}

export const recordCli = defineCommand<RecordOptions>({
  name: 'record',
  define: (cmd: Command) =>
    cmd
      .description("a person's record (廉政档案): violations, points by period and measures, alerts, and the case steps concerning them")
      .argument('<ledger>', 'ledger file')
      .argument('<subject>', 'the subject (e.g. clerk:wang)')
      .option('--format <format>', 'text (default) or html (a self-contained page; needs --vkey)')
      .addOption(vkeyOption(false, "the ledger's verifier key, or a file holding it (--format html)"))
      .addOption(outOption('write the html or json to this new file instead of standard output'))
      .addOption(forceOption())
      .option('--max-steps <n>', 'case steps listed at most (default 10000)', countParser('--max-steps', 1))
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail record cases.ledger clerk:wang --tz Asia/Shanghai', 'casetrail record cases.ledger clerk:wang --format html --vkey cases.vkey --out wang.html')),
  options: ([ledger, subject], o) => ({
    ledger: req(ledger, '<ledger>'),
    subject: req(subject, '<subject>'),
    ...defined({ format: str(o, 'format'), vkey: str(o, 'vkey'), out: str(o, 'out'), force: flag(o, 'force'), maxSteps: num(o, 'maxSteps'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: record,
});
