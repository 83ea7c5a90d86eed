/**
 * The entries of the violations ledger (docs/supervision.md §14.3),
 * normative: each payload is the UTF-8 bytes of RFC 8785 canonical JSON of
 * exactly the keys listed there. One parser per type — what the registry's
 * validators, the writer, the audit and the read commands all call — and one
 * encoder. What depends on other entries (the pack in force, the evidence,
 * the totals) is checked by points/checks.ts.
 */
import { validateNewText } from '@casetrail/core/pure';
import { canonicalJson } from '../canonical-json.js';
import { HEX64, bad, obj, seqList, text, uint } from '../payload-fields.js';
import { inOrdinaryCase, inSystemCase, parseWith, type SystemEntryContext } from '../system-entries.js';
import { parsePeriod } from './periods.js';

export const POINTS_TYPES = {
  violation: 'casetrail.violation',
  revoked: 'casetrail.violation.revoked',
  summary: 'casetrail.summary',
  standing: 'casetrail.standing',
} as const;

export type PointsType = (typeof POINTS_TYPES)[keyof typeof POINTS_TYPES];

/** Limits of the layouts (§14.3). */
export const POINTS_LIMITS = {
  /** evidence seqs of one violation */
  evidence: 16,
  /** violation and revocation entries one summary counts (its payload stays under 1 MiB) */
  summaryEntries: 40_000,
  /** subjects one summary lists */
  summarySubjects: 10_000,
  reason: 4096,
  /** seqs one standing lists, over all its subjects and months (its payload stays under 1 MiB) */
  standingSeqs: 40_000,
} as const;

export interface Violation {
  /** the alert it confirms (its disposition is the entry right before), or null for a direct record */
  readonly alert: number | null;
  /** ms UTC: the instant that decides its period (§14.4) */
  readonly at: number;
  readonly code: string;
  readonly evidence: readonly number[];
  readonly points: number;
  readonly reason: string;
  readonly subject: string;
}

export interface Revocation {
  readonly reason: string;
  readonly violation: number;
}

export interface SummarySubject {
  /** points deducted by the violations counted in the period */
  readonly deducted: number;
  readonly measure: string | null;
  readonly remaining: number;
  /** violations of the subject in the period that were revoked */
  readonly revoked: readonly number[];
  readonly subject: string;
  /** points deducted in the cycle from its start to the period's end (= deducted when the period is a whole cycle) */
  readonly total: number;
  readonly unit: string | null;
  /** the violations counted in the period, ascending */
  readonly violations: readonly number[];
}

export interface Summary {
  readonly amends: { readonly reason: string; readonly summary: number } | null;
  /** the violation and revocation entries counted, ascending: the leaves of `root` */
  readonly entries: readonly number[];
  readonly pack: string;
  readonly period: string;
  /** RFC 9162 root over the leaf hashes of `entries`, lowercase hex */
  readonly root: string;
  readonly subjects: readonly SummarySubject[];
}

/** A month of a standing's subject (§14.12). */
export interface StandingMonth {
  /** `2026-03` */
  readonly month: string;
  /** points of `violations` */
  readonly points: number;
  /** violations of the month that were revoked, ascending */
  readonly revoked: readonly number[];
  /** violations of the month that count, ascending */
  readonly violations: readonly number[];
}

/** A cycle's counts as of the standing's position (§14.12). */
export interface Standing {
  /** the cycle: `2026`, `2026-Q3` or `2026-11`, of the kind of the points model's period */
  readonly cycle: string;
  /** the hash of the pack in force */
  readonly pack: string;
  /** sorted by subject, each with its months ascending */
  readonly subjects: readonly { readonly months: readonly StandingMonth[]; readonly subject: string }[];
}

const CODE = /^[a-z0-9][a-z0-9._-]{0,95}$/;

/** A subject id: a ledger id (1–256 bytes, no control, invisible or bidirectional character). */
function subjectId(v: unknown, what: string): string {
  const s = text(v, what, 256);
  try {
    validateNewText('actor', s);
  } catch (e) {
    bad(`${what} is not an id: ${(e as Error).message}`);
  }
  return s;
}

function parseViolation(v: unknown, ctx: SystemEntryContext): Violation {
  inOrdinaryCase(ctx, POINTS_TYPES.violation);
  const o = obj(v, ['alert', 'at', 'code', 'evidence', 'points', 'reason', 'subject'], 'payload');
  const evidence = seqList(o['evidence'], 'evidence', ctx.seq, POINTS_LIMITS.evidence);
  const alert = o['alert'] === null ? null : uint(o['alert'], 'alert');
  if (alert !== null && !evidence.includes(alert)) bad('the alert a violation confirms is part of its evidence');
  const code = text(o['code'], 'code', 96);
  if (!CODE.test(code)) bad('code is not a 情形 code');
  const points = uint(o['points'], 'points');
  if (points < 1) bad('points must be at least 1');
  return { alert, at: uint(o['at'], 'at'), code, evidence, points, reason: text(o['reason'], 'reason', POINTS_LIMITS.reason), subject: subjectId(o['subject'], 'subject') };
}

function parseRevocation(v: unknown, ctx: SystemEntryContext): Revocation {
  inOrdinaryCase(ctx, POINTS_TYPES.revoked);
  const o = obj(v, ['reason', 'violation'], 'payload');
  const violation = uint(o['violation'], 'violation');
  if (violation >= ctx.seq) bad('violation must be an earlier seq');
  return { reason: text(o['reason'], 'reason', POINTS_LIMITS.reason), violation };
}

function parseSubject(v: unknown, i: number, before: number): SummarySubject {
  const w = `subjects[${i}]`;
  const o = obj(v, ['deducted', 'measure', 'remaining', 'revoked', 'subject', 'total', 'unit', 'violations'], w);
  const measure = o['measure'] === null ? null : text(o['measure'], `${w}.measure`, 32);
  const unit = o['unit'] === null ? null : subjectId(o['unit'], `${w}.unit`);
  return {
    deducted: uint(o['deducted'], `${w}.deducted`),
    measure,
    remaining: uint(o['remaining'], `${w}.remaining`),
    revoked: seqList(o['revoked'], `${w}.revoked`, before, POINTS_LIMITS.summaryEntries, 0),
    subject: subjectId(o['subject'], `${w}.subject`),
    total: uint(o['total'], `${w}.total`),
    unit,
    violations: seqList(o['violations'], `${w}.violations`, before, POINTS_LIMITS.summaryEntries, 0),
  };
}

function parseSummary(v: unknown, ctx: SystemEntryContext): Summary {
  inSystemCase(ctx, POINTS_TYPES.summary);
  const o = obj(v, ['amends', 'entries', 'pack', 'period', 'root', 'subjects'], 'payload');
  let amends: Summary['amends'] = null;
  if (o['amends'] !== null) {
    const a = obj(o['amends'], ['reason', 'summary'], 'amends');
    const summary = uint(a['summary'], 'amends.summary');
    if (summary >= ctx.seq) bad('amends.summary must be an earlier seq');
    amends = { reason: text(a['reason'], 'amends.reason', POINTS_LIMITS.reason), summary };
  }
  const period = text(o['period'], 'period', 7);
  if (parsePeriod(period) === undefined) bad('period must be a year (2026), a quarter (2026-Q3) or a month (2026-11)');
  const pack = text(o['pack'], 'pack', 64);
  const root = text(o['root'], 'root', 64);
  if (!HEX64.test(pack) || !HEX64.test(root)) bad('pack and root must be 64 lowercase hex digits');
  const ss = o['subjects'];
  if (!Array.isArray(ss) || ss.length > POINTS_LIMITS.summarySubjects) return bad(`subjects must list at most ${POINTS_LIMITS.summarySubjects} subjects`);
  const subjects = ss.map((x, i) => parseSubject(x, i, ctx.seq));
  subjects.forEach((s, i) => {
    const prev = subjects[i - 1];
    if (prev !== undefined && !(prev.subject < s.subject)) bad('subjects must be sorted by subject without repeats');
  });
  return { amends, entries: seqList(o['entries'], 'entries', ctx.seq, POINTS_LIMITS.summaryEntries, 0), pack, period, root, subjects };
}

/** The reserved case of a cycle's standings (§14.12): `casetrail.standings.2026`. */
export function standingCase(cycle: string): string {
  return `casetrail.standings.${cycle}`;
}

function parseStanding(v: unknown, ctx: SystemEntryContext): Standing {
  const o = obj(v, ['cycle', 'pack', 'subjects'], 'payload');
  const cycle = text(o['cycle'], 'cycle', 7);
  if (parsePeriod(cycle) === undefined) bad('cycle must be a year (2026), a quarter (2026-Q3) or a month (2026-11)');
  if (ctx.caseId !== standingCase(cycle)) bad(`${POINTS_TYPES.standing} of ${cycle} belongs to case ${standingCase(cycle)}`);
  const pack = text(o['pack'], 'pack', 64);
  if (!HEX64.test(pack)) bad('pack must be 64 lowercase hex digits');
  const ss = o['subjects'];
  if (!Array.isArray(ss) || ss.length > POINTS_LIMITS.summarySubjects) return bad(`subjects must list at most ${POINTS_LIMITS.summarySubjects} subjects`);
  let seqs = 0;
  let prev: string | undefined;
  const subjects = ss.map((x, i) => {
    const w = `subjects[${i}]`;
    const line = obj(x, ['months', 'subject'], w);
    const subject = subjectId(line['subject'], `${w}.subject`);
    if (prev !== undefined && !(prev < subject)) bad('subjects must be sorted by subject without repeats');
    prev = subject;
    const ms = line['months'];
    if (!Array.isArray(ms) || ms.length < 1 || ms.length > 12) return bad(`${w}.months must list 1–12 months`);
    let last = '';
    const months = ms.map((y, j) => {
      const mw = `${w}.months[${j}]`;
      const m = obj(y, ['month', 'points', 'revoked', 'violations'], mw);
      const month = text(m['month'], `${mw}.month`, 7);
      if (parsePeriod(month)?.kind !== 'month' || !(last < month)) bad(`${mw}.month must be a month (2026-03), ascending without repeats`);
      last = month;
      const violations = seqList(m['violations'], `${mw}.violations`, ctx.seq, POINTS_LIMITS.standingSeqs, 0);
      const revoked = seqList(m['revoked'], `${mw}.revoked`, ctx.seq, POINTS_LIMITS.standingSeqs, 0);
      if (violations.length + revoked.length === 0) bad(`${mw} lists no violation`);
      seqs += violations.length + revoked.length;
      return { month, points: uint(m['points'], `${mw}.points`), revoked, violations };
    });
    return { months, subject };
  });
  if (seqs > POINTS_LIMITS.standingSeqs) bad(`a standing lists at most ${POINTS_LIMITS.standingSeqs} seqs`);
  return { cycle, pack, subjects };
}

const PARSERS = {
  [POINTS_TYPES.violation]: parseViolation,
  [POINTS_TYPES.revoked]: parseRevocation,
  [POINTS_TYPES.summary]: parseSummary,
  [POINTS_TYPES.standing]: parseStanding,
} as const;

export type PointsPayload<T extends PointsType> = ReturnType<(typeof PARSERS)[T]>;

export function isPointsType(type: string): type is PointsType {
  return Object.prototype.hasOwnProperty.call(PARSERS, type);
}

/**
 * Parses the payload of a violations-ledger entry: the stored text (then it
 * must be canonical JSON byte for byte) or an already parsed JSON value.
 * @throws SupervisionError MALFORMED_SYSTEM_ENTRY with the reason
 * @example parsePointsPayload('casetrail.violation.revoked', '{"reason":"申诉成立","violation":41}', { seq: 57, time: 0, caseId: 'XK-7' })
 */
export function parsePointsPayload<T extends PointsType>(type: T, payload: string | { readonly value: unknown }, ctx: SystemEntryContext): PointsPayload<T> {
  return parseWith(PARSERS[type] as (v: unknown, c: SystemEntryContext) => PointsPayload<T>, type, payload, ctx);
}

export function encodeViolation(v: Violation): string {
  return canonicalJson({ alert: v.alert, at: v.at, code: v.code, evidence: v.evidence, points: v.points, reason: v.reason, subject: v.subject });
}

export function encodeRevocation(r: Revocation): string {
  return canonicalJson({ reason: r.reason, violation: r.violation });
}

export function encodeSummary(s: Summary): string {
  return canonicalJson({
    amends: s.amends === null ? null : { reason: s.amends.reason, summary: s.amends.summary },
    entries: s.entries,
    pack: s.pack,
    period: s.period,
    root: s.root,
    subjects: s.subjects.map((x) => ({
      deducted: x.deducted,
      measure: x.measure,
      remaining: x.remaining,
      revoked: x.revoked,
      subject: x.subject,
      total: x.total,
      unit: x.unit,
      violations: x.violations,
    })),
  });
}

export function encodeStanding(s: Standing): string {
  return canonicalJson({
    cycle: s.cycle,
    pack: s.pack,
    subjects: s.subjects.map((x) => ({
      months: x.months.map((m) => ({ month: m.month, points: m.points, revoked: m.revoked, violations: m.violations })),
      subject: x.subject,
    })),
  });
}

/** One validator per type, for a registry of reserved types (throws MALFORMED_SYSTEM_ENTRY). */
export const pointsEntryValidators: Readonly<Record<PointsType, (payload: string, ctx: SystemEntryContext) => void>> = {
  [POINTS_TYPES.violation]: (p, c) => void parsePointsPayload(POINTS_TYPES.violation, p, c),
  [POINTS_TYPES.revoked]: (p, c) => void parsePointsPayload(POINTS_TYPES.revoked, p, c),
  [POINTS_TYPES.summary]: (p, c) => void parsePointsPayload(POINTS_TYPES.summary, p, c),
  [POINTS_TYPES.standing]: (p, c) => void parsePointsPayload(POINTS_TYPES.standing, p, c),
};
