/**
 * What the violations-ledger commands (`points`, `record`, `summary`,
 * `violations`) share (docs/cli.md "Violations and points"): measures shown
 * with their Chinese names, the JSON shapes, CSV with a UTF-8 BOM (so that
 * Excel opens Chinese text as UTF-8), and where a report file goes.
 */
import type { Measure } from '@casetrail/supervise';
import type { PointsReport, SubjectLine, ViolationRow } from '@casetrail/supervise/ledger';
import { usage } from './exit.js';
import { checkOutputPath, writeOutputFile } from './files.js';
import { resolvePath } from './inputs.js';
import { write, type Io } from './io.js';
import { printable } from './output.js';

/** A measure as people read it: `admonish 诫勉`, or `—` when none is reached. */
export function measureText(m: Measure | null): string {
  return m === null ? '—' : `${m.measure} ${m.title.zh}`;
}

/** A subject's line in the JSON of `points` (docs/cli.md "JSON shapes"). */
export function subjectJson(s: SubjectLine) {
  return { subject: s.subject, unit: s.unit, deducted: s.deducted, total: s.total, remaining: s.remaining, measure: s.measure?.measure ?? null, violations: s.violations, revoked: s.revoked };
}

/** A violation in the JSON of `points` and `record`. */
export function violationJson(v: ViolationRow) {
  return {
    seq: v.seq,
    case: v.caseId,
    subject: v.subject,
    code: v.code,
    points: v.points,
    at: v.at,
    period: v.period,
    evidence: v.evidence,
    alert: v.alert,
    reason: v.reason,
    recordedBy: v.actor,
    time: v.time,
    revoked: v.revokedBy === null ? null : { seq: v.revokedBy.seq, actor: v.revokedBy.actor, reason: v.revokedBy.reason, time: v.revokedBy.time },
  };
}

/** The JSON document of `points --json`. */
export function pointsJson(r: PointsReport) {
  return {
    period: r.period,
    ended: r.ended,
    pack: { id: r.pack.id, version: r.pack.version, hash: r.pack.hash, seq: r.pack.seq, base: r.pack.model.base, floor: r.pack.model.floor },
    size: r.size,
    subjects: r.subjects.map(subjectJson),
    violations: [...r.violations.values()].sort((a, b) => a.seq - b.seq).map(violationJson),
    summaries: r.summaries,
    malformed: r.malformed,
    checked: r.checked,
    invalid: r.invalid.map((x) => ({ seq: x.seq, subject: x.subject, code: x.code, problem: x.problem })),
    basis: { standing: r.basis.standing, folded: r.basis.folded },
  };
}

/**
 * A CSV cell (RFC 4180 quoting). A cell that a spreadsheet would read as a
 * formula (starting with = + - @ or a tab or carriage return) is prefixed
 * with an apostrophe: a subject id is text someone else chose.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** `points --format csv`: a UTF-8 BOM, a header, one line per subject, CRLF line ends (RFC 4180). */
export function pointsCsv(r: PointsReport): string {
  const head = ['period', 'subject', 'unit', 'deducted', 'total', 'remaining', 'measure', 'measure_zh', 'violations', 'revoked'];
  const lines = r.subjects.map((s) => [r.period, s.subject, s.unit, s.deducted, s.total, s.remaining, s.measure?.measure ?? null, s.measure?.title.zh ?? null, s.violations.join(' '), s.revoked.join(' ')]);
  return '\ufeff' + [head, ...lines].map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The output formats of the read commands. */
export type ReportFormat = 'text' | 'csv' | 'html';

/** `--format`: one of `allowed`. @throws CliError USAGE */
export function reportFormat(value: string | undefined, allowed: readonly ReportFormat[]): ReportFormat {
  const f = value ?? 'text';
  if (!(allowed as readonly string[]).includes(f)) throw usage(`--format must be one of ${allowed.join(', ')}`);
  return f as ReportFormat;
}

/** Checks --out before any work is done (docs/cli.md "Files the CLI writes"). */
export function checkReportOut(io: Io, out: string | undefined, force: boolean | undefined): void {
  if (out !== undefined && out !== '-') checkOutputPath(resolvePath(io, out), force === true);
}

/** A report to standard output, or to a new file (--out). */
export async function emitReport(io: Io, out: string | undefined, force: boolean | undefined, content: string, what: string): Promise<void> {
  if (out === undefined || out === '-') {
    await write(io.stdout, content);
    return;
  }
  writeOutputFile(resolvePath(io, out), content, { force: force === true });
  await write(io.stderr, `wrote ${what} to ${printable(out)}\n`);
}
