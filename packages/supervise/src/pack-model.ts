/**
 * A validated, compiled rule pack: what the engine evaluates. Built only by
 * pack-load.ts from YAML (`loadPack`) or from the canonical JSON recorded in
 * the ledger (`packFromCanonical`); both go through the same checks.
 */
import type { CompiledCel } from './cel.js';
import type { PointsModel, RuleViolation } from './points/model.js';

export type Point = 'content' | 'procedure' | 'time-limit' | 'fee' | 'other';

export interface Message {
  readonly zh: string;
  readonly en: string;
}

export interface FieldDecl {
  readonly name: string;
  readonly type: 'string' | 'int' | 'bool' | 'list';
  readonly optional: boolean;
  readonly enum: readonly string[] | null;
  /** strings: longest value (UTF-16 code units) a rule reads; longer is an input error */
  readonly maxLength: number;
  /** lists: element type and longest list a rule reads */
  readonly of: 'string' | 'int' | null;
  readonly maxItems: number;
}

export interface StepDecl {
  readonly type: string;
  readonly fields: ReadonlyMap<string, FieldDecl>;
}

interface RuleBase {
  readonly id: string;
  readonly version: number;
  readonly point: Point;
  readonly message: Message;
  /** the 情形 its confirmed alerts count as, and who they charge (§14.1); null: none */
  readonly violation: RuleViolation | null;
}

/** Rules evaluated when a step of a watched type is appended. */
interface StepRuleBase extends RuleBase {
  readonly on: readonly string[];
  readonly level: string;
  readonly block: boolean;
}

export interface CelRule extends StepRuleBase {
  readonly kind: 'cel';
  readonly when: string;
  /** one compiled program per watched step type (step is typed by it) */
  readonly programs: ReadonlyMap<string, CompiledCel>;
}

export interface OrderRule extends StepRuleBase {
  readonly kind: 'order';
  readonly requires: readonly string[];
  readonly forbids: readonly string[];
}

export interface FeeRule extends StepRuleBase {
  readonly kind: 'fee';
  readonly schedule: string;
  readonly item: string;
  readonly amount: string;
  readonly standards: ReadonlyMap<string, number>;
}

export interface RequiredFieldsRule extends StepRuleBase {
  readonly kind: 'required-fields';
  readonly fields: readonly string[];
}

export interface SeparationRule extends StepRuleBase {
  readonly kind: 'separation';
  readonly types: readonly string[];
}

export type StepRule = CelRule | OrderRule | FeeRule | RequiredFieldsRule | SeparationRule;

export interface DeadlineRule extends RuleBase {
  readonly kind: 'deadline';
  readonly start: string;
  readonly stop: readonly string[];
  readonly pause: readonly string[];
  readonly resume: readonly string[];
  /** ascending days */
  readonly thresholds: readonly { readonly days: number; readonly level: string }[];
  /** key of the clock this rule reads (rules with the same step types share one) */
  readonly clock: string;
}

export interface EscalateRule extends RuleBase {
  readonly kind: 'escalate';
  readonly from: readonly string[];
  /** rule ids escalated; null = every rule of the pack */
  readonly rules: readonly string[] | null;
  readonly after: number;
}

export type Rule = StepRule | DeadlineRule | EscalateRule;

export interface Aggregate {
  readonly name: string;
  readonly kind: 'count' | 'sum' | 'min' | 'max';
  readonly of: string;
  readonly field: string | null;
}

export interface Pack {
  readonly id: string;
  readonly version: number;
  readonly zone: string;
  readonly calendar: string | null;
  readonly levels: readonly string[];
  readonly steps: ReadonlyMap<string, StepDecl>;
  readonly aggregates: ReadonlyMap<string, Aggregate>;
  /** every rule, sorted by id (the order alerts are written in) */
  readonly rules: readonly Rule[];
  readonly ruleById: ReadonlyMap<string, Rule>;
  /** step rules watching each step type, sorted by id */
  readonly stepRules: ReadonlyMap<string, readonly StepRule[]>;
  readonly deadlines: readonly DeadlineRule[];
  readonly escalations: readonly EscalateRule[];
  /** the points model (§14.1), or null for a pack without `points` */
  readonly points: PointsModel | null;
  /** the validated pack as a plain JSON value (defaults filled in) */
  readonly json: unknown;
  /** RFC 8785 canonical JSON of `json`: the bytes adopted and hashed */
  readonly canonical: string;
  /** lowercase hex SHA-256 of the UTF-8 bytes of `canonical` */
  readonly hash: string;
}

/** What a pack needs the engine to remember about each case (docs/supervision.md §6). */
export interface Tracking {
  /** step types counted (every declared type) */
  readonly counted: ReadonlySet<string>;
  /** step type → data fields kept from its latest step */
  readonly latestFields: ReadonlyMap<string, ReadonlySet<string>>;
  /** step types whose actors are kept (separation rules) */
  readonly actorTypes: ReadonlySet<string>;
  readonly aggregates: ReadonlyMap<string, Aggregate>;
  /** deadline clocks by key */
  readonly clocks: ReadonlyMap<string, ClockDef>;
  /** What a step of `type` changes, drawn from the above (applyStep looks only at it). */
  forType(type: string): TypeTracking;
}

/** The part of a Tracking a step of one type meets, each list in the Tracking's order. */
export interface TypeTracking {
  readonly counted: boolean;
  /** the data fields kept from its latest step, as a list (iterated at every step of the type) */
  readonly latestFields: readonly string[] | undefined;
  readonly actors: boolean;
  /** the aggregates of this type, with their keys */
  readonly aggregates: readonly (readonly [string, Aggregate])[];
  /** the clocks this type starts, stops, pauses or resumes */
  readonly clocks: readonly ClockDef[];
}

export interface ClockDef {
  readonly key: string;
  readonly start: string;
  readonly stop: readonly string[];
  readonly pause: readonly string[];
  readonly resume: readonly string[];
}

export function levelRank(pack: Pack, level: string): number {
  return pack.levels.indexOf(level);
}

/** Aggregates are kept per definition, so two packs naming one differently share it. */
export function aggregateKey(a: Aggregate): string {
  return `${a.kind}\u0000${a.of}\u0000${a.field ?? ''}`;
}
