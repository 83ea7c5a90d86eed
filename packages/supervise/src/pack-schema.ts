/**
 * The rule-pack schema (docs/supervision.md §2, §14), as zod 4 schemas.
 * Every object is strict: an unknown key is refused. Keys that later versions
 * of the pack format will give a meaning (oversight's units and policies) are
 * listed in RESERVED_* and refused with `PACK_RESERVED` until the engine
 * implements them, so a pack written for a later engine is never silently
 * half-applied by this one.
 */
import { z } from 'zod';

/** The format marker every pack starts with. */
export const PACK_FORMAT = 'supervise/1';

export const LIMITS = {
  /** bytes of YAML source */
  sourceBytes: 1_048_576,
  rules: 200,
  stepTypes: 64,
  fieldsPerType: 64,
  scheduleItems: 1000,
  schedules: 32,
  aggregates: 32,
  levels: 8,
  thresholds: 8,
  messageChars: 1024,
  maxDays: 366,
  /**
   * largest `maxLength` a string field may declare (UTF-16 code units): the
   * worst evaluation (two nested comprehensions over 64 such strings) stays
   * under a second
   */
  stringFieldMax: 16_384,
  /**
   * largest `maxItems` a list field may declare: with comprehensions nested 2
   * deep, one evaluation visits at most 64² pairs
   */
  listFieldMax: 64,
  /** 情形 codes under `points` */
  codes: 500,
  /** points of one 情形, and the base */
  maxPoints: 10_000,
  measures: 8,
  subjectPrefixes: 64,
} as const;

/** Pack-level keys reserved for oversight (units, permission policies, clue transfer). */
export const RESERVED_PACK_KEYS = [
  'units', // the unit tree
  'policy', // permission policy reference
  'clues', // clue-transfer settings
] as const;

/**
 * Rule-level keys that stay reserved, each with why: a 情形's points are
 * given once, under the pack's `points`, and the period is the pack's
 * (docs/supervision.md §14.1); a rule names its 情形 with `code` and who is
 * charged with `charge`.
 */
export const RESERVED_RULE_KEYS = {
  points: "a 情形's points are given once, under the pack's points (code → points); name the 情形 with code",
  period: "the period is the pack's (period: year | quarter | month)",
} as const;

const ID = /^[a-z0-9][a-z0-9._-]{0,95}$/;
const LEVEL = /^[a-z][a-z0-9-]{0,31}$/;
/** measures and subject prefixes share the level names' form */
const NAME = LEVEL;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ZONE = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,2}$/;
// Step types follow the ledger's rule (1–128 bytes, no C0 control, no DEL);
// the byte length is checked in pack-load.ts.
const STEP_TYPE = /^[^\u0000-\u001f\u007f]{1,128}$/;
/** CEL reserved words cannot be field names (they could not be selected). */
export const CEL_RESERVED = new Set([
  'as', 'break', 'const', 'continue', 'else', 'false', 'for', 'function', 'if', 'import', 'in', 'let',
  'loop', 'package', 'namespace', 'null', 'return', 'true', 'var', 'void', 'while',
]);

const text = z.string().min(1).max(LIMITS.messageChars);
const message = z.strictObject({ zh: text, en: text });
const days = z.int().min(1).max(LIMITS.maxDays);
const stepType = z.string().regex(STEP_TYPE, 'a step type: 1–128 characters, no control characters');
const typeList = z.array(stepType).min(1).max(LIMITS.stepTypes);
const fieldName = z.string().regex(FIELD, 'a field name: a letter or _ then letters, digits, _ (at most 64)');

const scalarFieldType = z.enum(['string', 'int', 'bool']);
const fieldSpec = z.union([
  scalarFieldType,
  z.strictObject({
    type: z.enum(['string', 'int', 'bool', 'list']),
    optional: z.boolean().optional(),
    enum: z.array(z.string().max(LIMITS.messageChars)).min(1).max(256).optional(),
    maxLength: z.int().min(1).max(LIMITS.stringFieldMax).optional(),
    of: z.enum(['string', 'int']).optional(),
    maxItems: z.int().min(1).max(LIMITS.listFieldMax).optional(),
  }),
]);

const stepDecl = z.strictObject({
  title: message.optional(),
  fields: z.record(fieldName, fieldSpec).optional(),
});

/** Who a confirmed alert charges (docs/supervision.md §14.1). */
const charge = z.union([z.enum(['actor', 'unit']), z.strictObject({ field: fieldName, of: stepType })]);
const code = z.string().regex(ID, 'a 情形 code: lowercase letters, digits, . _ - (at most 96)');

const ruleCommon = {
  id: z.string().regex(ID, 'a rule id: lowercase letters, digits, . _ - (at most 96)'),
  version: z.int().min(1),
  point: z.enum(['content', 'procedure', 'time-limit', 'fee', 'other']),
  title: message.optional(),
  message,
  /** the 情形 a confirmed alert of this rule counts as: one code, or one per level */
  code: z.union([code, z.record(z.string().regex(LEVEL), code)]).optional(),
  charge: charge.optional(),
};
const stepRuleCommon = {
  ...ruleCommon,
  level: z.string().regex(LEVEL),
  block: z.boolean().optional(),
};

const celRule = z.strictObject({
  ...stepRuleCommon,
  kind: z.literal('cel'),
  on: typeList,
  when: z.string().min(1),
});
const orderRule = z.strictObject({
  ...stepRuleCommon,
  kind: z.literal('order'),
  on: typeList,
  requires: typeList.optional(),
  forbids: typeList.optional(),
});
const feeRule = z.strictObject({
  ...stepRuleCommon,
  kind: z.literal('fee'),
  on: typeList,
  schedule: z.string().regex(ID),
  item: fieldName,
  amount: fieldName,
});
const requiredFieldsRule = z.strictObject({
  ...stepRuleCommon,
  kind: z.literal('required-fields'),
  on: typeList,
  fields: z.array(fieldName).min(1).max(LIMITS.fieldsPerType),
});
const separationRule = z.strictObject({
  ...stepRuleCommon,
  kind: z.literal('separation'),
  types: z.array(stepType).min(2).max(8),
});
const deadlineRule = z.strictObject({
  ...ruleCommon,
  kind: z.literal('deadline'),
  start: stepType,
  stop: typeList,
  pause: typeList.optional(),
  resume: typeList.optional(),
  thresholds: z
    .array(z.strictObject({ days, level: z.string().regex(LEVEL) }))
    .min(1)
    .max(LIMITS.thresholds),
});
const escalateRule = z.strictObject({
  ...ruleCommon,
  kind: z.literal('escalate'),
  from: z.array(z.string().regex(LEVEL)).min(1).max(LIMITS.levels),
  rules: z.array(z.string().regex(ID)).min(1).max(LIMITS.rules).optional(),
  after: days,
});

export const ruleSchema = z.discriminatedUnion('kind', [
  celRule,
  orderRule,
  feeRule,
  requiredFieldsRule,
  separationRule,
  deadlineRule,
  escalateRule,
]);

const aggregate = z.strictObject({
  kind: z.enum(['count', 'sum', 'min', 'max']),
  of: stepType,
  field: fieldName.optional(),
});

const pointsValue = z.union([z.int().min(1).max(LIMITS.maxPoints), z.strictObject({ min: z.int().min(1).max(LIMITS.maxPoints), max: z.int().min(1).max(LIMITS.maxPoints) })]);

export const packSchema = z.strictObject({
  casetrail: z.literal(PACK_FORMAT),
  pack: z.string().regex(ID, 'a pack id: lowercase letters, digits, . _ - (at most 96)'),
  version: z.int().min(1),
  title: message.optional(),
  zone: z.string().regex(ZONE, 'an IANA zone name such as Asia/Shanghai').default('Asia/Shanghai'),
  calendar: z.string().regex(ID).optional(),
  levels: z.array(z.string().regex(LEVEL)).min(1).max(LIMITS.levels).default(['notice', 'yellow', 'red']),
  steps: z.record(stepType, stepDecl),
  schedules: z.record(z.string().regex(ID), z.record(z.string().min(1).max(128), z.int().min(0))).optional(),
  aggregates: z.record(fieldName, aggregate).optional(),
  rules: z.array(ruleSchema).min(1).max(LIMITS.rules),
  // The violations ledger (§14): 情形 code → its points, the counting period, base, floor, measures.
  points: z.record(code, z.strictObject({ title: message, points: pointsValue })).optional(),
  period: z.enum(['year', 'quarter', 'month']).optional(),
  base: z.int().min(1).max(LIMITS.maxPoints).optional(),
  floor: z.int().min(0).max(LIMITS.maxPoints).optional(),
  measures: z
    .array(z.strictObject({ at: z.int().min(1).max(LIMITS.maxPoints), measure: z.string().regex(NAME, 'a measure: a lowercase letter then letters, digits, - (at most 32)'), title: message }))
    .max(LIMITS.measures)
    .optional(),
  subjects: z.array(z.string().regex(NAME, 'a subject prefix: a lowercase letter then letters, digits, - (at most 32)')).min(1).max(LIMITS.subjectPrefixes).optional(),
});

export type PackInput = z.input<typeof packSchema>;
export type PackParsed = z.output<typeof packSchema>;
export type RuleParsed = z.output<typeof ruleSchema>;
export type FieldSpecParsed = z.output<typeof fieldSpec>;
