/**
 * The points model of a rule pack (docs/supervision.md §14.1): each 情形
 * code with its points, the counting period, the base and the floor, and the
 * ordered measures; and, per rule, the 情形 a confirmed alert counts as and
 * who it charges. Checked and compiled here from the schema-valid pack; the
 * compiled pack carries it as `pack.points` and `rule.violation`.
 */
import { SupervisionError } from '../errors.js';
import type { Message } from '../pack-model.js';
import type { PackParsed, RuleParsed } from '../pack-schema.js';
import { knownZone } from './periods.js';

export type PeriodKind = 'year' | 'quarter' | 'month';

/** A 情形 (violation kind) and the points it deducts: fixed when min = max, else a range the recorder chooses in. */
export interface ViolationCode {
  readonly code: string;
  readonly title: Message;
  readonly min: number;
  readonly max: number;
}

export interface Measure {
  /** reached when the points deducted in the cycle are at least this */
  readonly at: number;
  readonly measure: string;
  readonly title: Message;
}

export interface PointsModel {
  /** the counting cycle: base, floor and measures apply per cycle */
  readonly period: PeriodKind;
  readonly base: number;
  readonly floor: number;
  /** ascending `at` */
  readonly measures: readonly Measure[];
  /** allowed subject prefixes (`clerk` for `clerk:wang`), or null for any subject id */
  readonly subjects: readonly string[] | null;
  readonly codes: ReadonlyMap<string, ViolationCode>;
}

/**
 * Who a confirmed alert charges: the actor of its triggering step, the value
 * of a string field of the case's latest step of a declared type (the case's
 * `handler`), or the unit of the triggering step's actor.
 */
export type Charge = { readonly kind: 'actor' } | { readonly kind: 'unit' } | { readonly kind: 'field'; readonly field: string; readonly of: string };

/** What a rule's confirmed alerts count as. */
export interface RuleViolation {
  /** level → 情形 code; a level not listed counts nothing */
  readonly codes: ReadonlyMap<string, string>;
  readonly charge: Charge;
}

type Path = readonly (string | number)[];

function pointsFail(message: string, path: Path, code: 'PACK_SCHEMA' | 'PACK_UNKNOWN_FIELD' | 'PACK_LIMIT' = 'PACK_SCHEMA'): never {
  throw new SupervisionError(code, message, { path });
}

/** Keys that only mean something beside `points`. */
const POINTS_KEYS = ['period', 'base', 'floor', 'measures', 'subjects'] as const;

/**
 * The pack with the defaults of the points model filled in (`period: year`,
 * `floor: 0`, `measures: []`) when it has `points`: its canonical form
 * (§2.5). A pack without `points` is returned as it is, so packs written
 * before the points model keep their bytes and hash.
 */
export function withPointsDefaults(p: PackParsed): PackParsed {
  if (p.points === undefined) return p;
  return { ...p, period: p.period ?? 'year', floor: p.floor ?? 0, measures: p.measures ?? [] };
}

/**
 * Checks and compiles the pack-level points model (null when the pack has none).
 * @throws SupervisionError PACK_SCHEMA | PACK_LIMIT with `details.path`
 */
export function compilePoints(p: PackParsed): PointsModel | null {
  if (p.points === undefined) {
    for (const k of POINTS_KEYS) if (p[k] !== undefined) pointsFail(`${k} belongs to a points model: add points (情形 code → points)`, [k]);
    return null;
  }
  const entries = Object.entries(p.points);
  if (entries.length === 0) pointsFail('points lists no 情形 code', ['points']);
  if (entries.length > 500) pointsFail('more than 500 情形 codes', ['points'], 'PACK_LIMIT');
  if (!knownZone(p.zone)) pointsFail(`zone ${p.zone} is not a time zone this engine knows: periods are counted in it`, ['zone']);
  if (p.base === undefined) pointsFail('a points model needs base (the points each subject starts a period with)', ['base']);
  const floor = p.floor ?? 0;
  if (floor > p.base) pointsFail(`floor ${floor} is above base ${p.base}`, ['floor']);
  const codes = new Map<string, ViolationCode>();
  for (const [code, d] of entries) {
    const [min, max] = typeof d.points === 'number' ? [d.points, d.points] : [d.points.min, d.points.max];
    if (min > max) pointsFail(`points of ${code}: min ${min} is above max ${max}`, ['points', code, 'points']);
    codes.set(code, { code, title: d.title, min, max });
  }
  const measures = p.measures ?? [];
  measures.forEach((m, i) => {
    const before = measures[i - 1];
    if (before !== undefined && m.at <= before.at) pointsFail('measures must have ascending at', ['measures', i, 'at']);
    if (measures.findIndex((x) => x.measure === m.measure) !== i) pointsFail(`measure ${m.measure} is listed twice`, ['measures', i, 'measure']);
  });
  const subjects = p.subjects ?? null;
  if (subjects !== null && new Set(subjects).size !== subjects.length) pointsFail('subject prefixes must be distinct', ['subjects']);
  return { period: p.period ?? 'year', base: p.base, floor, measures, subjects, codes };
}

/**
 * Checks and compiles a rule's `code` and `charge` against the points model,
 * the pack's levels and its declared step types (null when it has neither).
 * @param ruleLevels the levels the rule can raise (a step rule's level, a deadline's thresholds, an escalation's next levels)
 */
export function compileRuleViolation(
  r: RuleParsed,
  path: Path,
  model: PointsModel | null,
  ruleLevels: readonly string[],
  stringField: (type: string, field: string) => 'undeclared-type' | 'not-string' | 'ok',
): RuleViolation | null {
  if (r.code === undefined && r.charge === undefined) return null;
  if (r.code === undefined || r.charge === undefined) pointsFail('code and charge go together: the 情形 a confirmed alert counts as, and who it charges', [...path, r.code === undefined ? 'charge' : 'code']);
  if (model === null) pointsFail('a rule code names a 情形 of the pack: add points (情形 code → points)', [...path, 'code']);
  const codes = new Map<string, string>();
  const known = (c: string, at: Path): void => {
    if (!model.codes.has(c)) pointsFail(`情形 code ${c} is not under points`, at, 'PACK_UNKNOWN_FIELD');
  };
  if (typeof r.code === 'string') {
    known(r.code, [...path, 'code']);
    for (const l of ruleLevels) codes.set(l, r.code);
  } else {
    const e = Object.entries(r.code);
    if (e.length === 0) pointsFail('code maps no level', [...path, 'code']);
    for (const [level, c] of e) {
      if (!ruleLevels.includes(level)) pointsFail(`this rule raises no ${level} alert (it raises ${ruleLevels.join(', ')})`, [...path, 'code', level]);
      known(c, [...path, 'code', level]);
      codes.set(level, c);
    }
  }
  const ch = r.charge;
  let charge: Charge;
  if (ch === 'actor' || ch === 'unit') charge = { kind: ch };
  else {
    const s = stringField(ch.of, ch.field);
    if (s === 'undeclared-type') pointsFail(`step type ${JSON.stringify(ch.of)} is not declared under steps`, [...path, 'charge', 'of'], 'PACK_UNKNOWN_FIELD');
    if (s === 'not-string') pointsFail(`${ch.of} has no string field ${ch.field}`, [...path, 'charge', 'field'], 'PACK_UNKNOWN_FIELD');
    charge = { kind: 'field', field: ch.field, of: ch.of };
  }
  return { codes, charge };
}

/** Points left after `deducted` in a cycle: base − deducted, never below the floor. */
export function remainingPoints(model: PointsModel, deducted: number): number {
  return Math.max(model.floor, model.base - deducted);
}

/** The highest measure whose threshold `deducted` reaches, or null. */
export function measureReached(model: PointsModel, deducted: number): Measure | null {
  let out: Measure | null = null;
  for (const m of model.measures) if (deducted >= m.at) out = m;
  return out;
}

/** Whether a subject id has one of the model's prefixes (`clerk:wang` for `clerk`); any id when none are declared. */
export function subjectAllowed(model: PointsModel, subject: string): boolean {
  if (model.subjects === null) return true;
  const i = subject.indexOf(':');
  return i > 0 && i < subject.length - 1 && model.subjects.includes(subject.slice(0, i));
}
