/**
 * From a schema-valid pack to the compiled `Pack`: the checks a schema cannot
 * express (declared types and fields, levels, schedules, placeholders, CEL)
 * and the indexes the engine evaluates with. Errors carry `details.path`, the
 * key path in the pack; pack-load.ts turns it into file:line:column.
 */
import { sha256, toHex, utf8 } from '@casetrail/core/pure';
import { canonicalJson } from './canonical-json.js';
import { CelEnvironments, compileCel, type CompiledCel } from './cel.js';
import { SupervisionError, type SupervisionErrorCode } from './errors.js';
import { KIND_PLACEHOLDERS, placeholders } from './message.js';
import { CEL_RESERVED, LIMITS, type FieldSpecParsed, type PackParsed, type RuleParsed } from './pack-schema.js';
import type { Aggregate, DeadlineRule, EscalateRule, FieldDecl, Message, Pack, Rule, StepDecl, StepRule } from './pack-model.js';
import { RESERVED_PREFIX } from './entry-model.js';
import { compilePoints, compileRuleViolation, withPointsDefaults } from './points/model.js';

export type Path = readonly (string | number)[];

function packFail(code: SupervisionErrorCode, message: string, path: Path, extra: Record<string, unknown> = {}): never {
  throw new SupervisionError(code, message, { path, ...extra });
}

const utf8Length = (s: string): number => utf8(s).length;

function fieldDecl(name: string, spec: FieldSpecParsed, path: Path): FieldDecl {
  if (name.startsWith('__') || CEL_RESERVED.has(name)) packFail('PACK_SCHEMA', `field name ${JSON.stringify(name)} is reserved`, path);
  const s = typeof spec === 'string' ? { type: spec } : spec;
  const t = s.type;
  const has = (k: string): boolean => typeof spec === 'object' && (spec as Record<string, unknown>)[k] !== undefined;
  if (t !== 'string' && has('enum')) packFail('PACK_SCHEMA', `enum applies to string fields only`, path);
  if (t !== 'string' && t !== 'list' && has('maxLength')) packFail('PACK_SCHEMA', `maxLength applies to strings and lists (of their elements) only`, path);
  if (t !== 'list' && (has('of') || has('maxItems'))) packFail('PACK_SCHEMA', `of and maxItems apply to list fields only`, path);
  if (t === 'list' && !has('of')) packFail('PACK_SCHEMA', `a list field needs of: string | int`, path);
  const o = typeof spec === 'object' ? spec : undefined;
  return {
    name,
    type: t,
    optional: o?.optional ?? false,
    enum: o?.enum ?? null,
    maxLength: o?.maxLength ?? 4096,
    of: o?.of ?? null,
    maxItems: o?.maxItems ?? (t === 'list' ? 16 : 0),
  };
}

function checkMessage(m: Message, allowed: (name: string) => boolean, path: Path): void {
  for (const p of placeholders(m)) {
    if (p !== 'level' && !allowed(p)) packFail('PACK_SCHEMA', `message placeholder {${p}} is not a fact this rule records`, [...path, 'message']);
  }
}

/**
 * Checks and compiles a schema-valid pack.
 * @throws SupervisionError with `details.path`
 */
export function compilePack(parsed: PackParsed): Pack {
  const p = withPointsDefaults(parsed);
  const canonical = canonicalJson(p);
  const levels = p.levels;
  const points = compilePoints(p);
  if (new Set(levels).size !== levels.length) packFail('PACK_SCHEMA', 'levels must be distinct', ['levels']);
  const levelOk = (l: string, path: Path): void => {
    if (!levels.includes(l)) packFail('PACK_SCHEMA', `level ${JSON.stringify(l)} is not one of the pack's levels (${levels.join(', ')})`, path);
  };

  const stepEntries = Object.entries(p.steps);
  if (stepEntries.length > LIMITS.stepTypes) packFail('PACK_LIMIT', `more than ${LIMITS.stepTypes} step types`, ['steps']);
  const steps = new Map<string, StepDecl>();
  for (const [type, decl] of stepEntries) {
    if (type.startsWith(RESERVED_PREFIX)) packFail('PACK_SCHEMA', `step type ${type} is reserved (casetrail.*)`, ['steps', type]);
    if (utf8Length(type) > 128) packFail('PACK_SCHEMA', `step type ${type} is longer than 128 bytes`, ['steps', type]);
    const fields = new Map<string, FieldDecl>();
    const fe = Object.entries(decl.fields ?? {});
    if (fe.length > LIMITS.fieldsPerType) packFail('PACK_LIMIT', `more than ${LIMITS.fieldsPerType} fields`, ['steps', type, 'fields']);
    for (const [name, spec] of fe) fields.set(name, fieldDecl(name, spec, ['steps', type, 'fields', name]));
    steps.set(type, { type, fields });
  }
  const declared = (t: string, path: Path): StepDecl =>
    steps.get(t) ?? packFail('PACK_UNKNOWN_FIELD', `step type ${JSON.stringify(t)} is not declared under steps`, path);
  const typesOk = (ts: readonly string[], path: Path): void => ts.forEach((t, i) => declared(t, [...path, i]));

  const schedules = new Map<string, Map<string, number>>();
  const sch = Object.entries(p.schedules ?? {});
  if (sch.length > LIMITS.schedules) packFail('PACK_LIMIT', `more than ${LIMITS.schedules} schedules`, ['schedules']);
  for (const [id, items] of sch) {
    const m = new Map(Object.entries(items));
    if (m.size > LIMITS.scheduleItems) packFail('PACK_LIMIT', `schedule ${id} has more than ${LIMITS.scheduleItems} items`, ['schedules', id]);
    for (const [item, v] of m) if (!Number.isSafeInteger(v)) packFail('PACK_SCHEMA', 'an amount must be a safe integer', ['schedules', id, item]);
    schedules.set(id, m);
  }

  const aggregates = new Map<string, Aggregate>();
  const ag = Object.entries(p.aggregates ?? {});
  if (ag.length > LIMITS.aggregates) packFail('PACK_LIMIT', `more than ${LIMITS.aggregates} aggregates`, ['aggregates']);
  for (const [name, a] of ag) {
    const path = ['aggregates', name];
    const decl = declared(a.of, [...path, 'of']);
    if (a.kind === 'count') {
      if (a.field !== undefined) packFail('PACK_SCHEMA', 'a count aggregate has no field', [...path, 'field']);
    } else {
      const f = a.field === undefined ? undefined : decl.fields.get(a.field);
      if (f === undefined || f.type !== 'int') packFail('PACK_UNKNOWN_FIELD', `${a.kind} needs an int field declared for ${a.of}`, [...path, 'field']);
    }
    aggregates.set(name, { name, kind: a.kind, of: a.of, field: a.field ?? null });
  }
  const aggNames = new Set(aggregates.keys());

  let envs: CelEnvironments | undefined;
  const rules: Rule[] = [];
  const ids = new Set<string>();
  p.rules.forEach((r: RuleParsed, i: number) => {
    const path: Path = ['rules', i];
    if (ids.has(r.id)) packFail('PACK_SCHEMA', `rule id ${r.id} is used twice`, [...path, 'id']);
    if (r.id.startsWith(RESERVED_PREFIX)) packFail('PACK_SCHEMA', `rule id ${r.id} is reserved (casetrail.*)`, [...path, 'id']);
    ids.add(r.id);
    const stringField = (t: string, f: string) => {
      const s = steps.get(t);
      return s === undefined ? 'undeclared-type' : s.fields.get(f)?.type === 'string' ? 'ok' : 'not-string';
    };
    const ruleLevels =
      r.kind === 'deadline' ? r.thresholds.map((t) => t.level) : r.kind === 'escalate' ? levels.filter((_l, k) => k > 0 && r.from.includes(levels[k - 1] as string)) : [r.level];
    const violation = compileRuleViolation(r, path, points, ruleLevels, stringField);
    const base = { id: r.id, version: r.version, point: r.point, message: r.message, violation };
    const kindNames = KIND_PLACEHOLDERS[r.kind] ?? [];
    if (r.kind === 'deadline') {
      declared(r.start, [...path, 'start']);
      typesOk(r.stop, [...path, 'stop']);
      typesOk(r.pause ?? [], [...path, 'pause']);
      typesOk(r.resume ?? [], [...path, 'resume']);
      if ((r.pause === undefined) !== (r.resume === undefined)) packFail('PACK_SCHEMA', 'pause and resume go together', path);
      let last = 0;
      const seen = new Set<string>();
      r.thresholds.forEach((t, j) => {
        levelOk(t.level, [...path, 'thresholds', j, 'level']);
        if (t.days <= last) packFail('PACK_SCHEMA', 'thresholds must have ascending days', [...path, 'thresholds', j, 'days']);
        if (seen.has(t.level)) packFail('PACK_SCHEMA', 'each threshold needs its own level', [...path, 'thresholds', j, 'level']);
        last = t.days;
        seen.add(t.level);
      });
      checkMessage(r.message, (n) => kindNames.includes(n), path);
      const pause = r.pause ?? [];
      const resume = r.resume ?? [];
      const clock = JSON.stringify([r.start, [...r.stop].sort(), [...pause].sort(), [...resume].sort()]);
      const d: DeadlineRule = { ...base, kind: 'deadline', start: r.start, stop: r.stop, pause, resume, thresholds: r.thresholds, clock };
      rules.push(d);
      return;
    }
    if (r.kind === 'escalate') {
      r.from.forEach((l, j) => {
        levelOk(l, [...path, 'from', j]);
        if (levels.indexOf(l) === levels.length - 1) packFail('PACK_SCHEMA', `${l} is the highest level; it cannot escalate`, [...path, 'from', j]);
      });
      checkMessage(r.message, (n) => kindNames.includes(n), path);
      const e: EscalateRule = { ...base, kind: 'escalate', from: r.from, rules: r.rules ?? null, after: r.after };
      rules.push(e);
      return;
    }
    levelOk(r.level, [...path, 'level']);
    const stepBase = { ...base, level: r.level, block: r.block ?? false };
    let rule: StepRule;
    switch (r.kind) {
      case 'order': {
        typesOk(r.on, [...path, 'on']);
        typesOk(r.requires ?? [], [...path, 'requires']);
        typesOk(r.forbids ?? [], [...path, 'forbids']);
        if (r.requires === undefined && r.forbids === undefined) packFail('PACK_SCHEMA', 'an order rule needs requires or forbids', path);
        rule = { ...stepBase, kind: 'order', on: r.on, requires: r.requires ?? [], forbids: r.forbids ?? [] };
        break;
      }
      case 'fee': {
        typesOk(r.on, [...path, 'on']);
        const standards = schedules.get(r.schedule) ?? packFail('PACK_SCHEMA', `schedule ${r.schedule} is not under schedules`, [...path, 'schedule']);
        r.on.forEach((t) => {
          const s = declared(t, [...path, 'on']);
          if (s.fields.get(r.item)?.type !== 'string') packFail('PACK_UNKNOWN_FIELD', `${t} has no string field ${r.item}`, [...path, 'item']);
          if (s.fields.get(r.amount)?.type !== 'int') packFail('PACK_UNKNOWN_FIELD', `${t} has no int field ${r.amount}`, [...path, 'amount']);
        });
        rule = { ...stepBase, kind: 'fee', on: r.on, schedule: r.schedule, item: r.item, amount: r.amount, standards };
        break;
      }
      case 'required-fields': {
        r.on.forEach((t) => {
          const s = declared(t, [...path, 'on']);
          r.fields.forEach((f, j) => {
            if (!s.fields.has(f)) packFail('PACK_UNKNOWN_FIELD', `field ${f} is not declared for ${t}`, [...path, 'fields', j]);
          });
        });
        rule = { ...stepBase, kind: 'required-fields', on: r.on, fields: r.fields };
        break;
      }
      case 'separation': {
        typesOk(r.types, [...path, 'types']);
        if (new Set(r.types).size !== r.types.length) packFail('PACK_SCHEMA', 'separation types must be distinct', [...path, 'types']);
        rule = { ...stepBase, kind: 'separation', on: r.types, types: r.types };
        break;
      }
      case 'cel': {
        typesOk(r.on, [...path, 'on']);
        envs ??= new CelEnvironments(steps, aggNames);
        const programs = new Map<string, CompiledCel>();
        for (const t of r.on) {
          try {
            programs.set(t, compileCel(r.when, t, envs, steps, aggNames));
          } catch (e) {
            if (e instanceof SupervisionError) packFail(e.code, `${e.message} (for step type ${t})`, [...path, 'when'], { offset: e.details['offset'] });
            throw e;
          }
        }
        const allowed = (n: string): boolean => {
          if (n === 'error' || n === 'case.first') return true;
          const m = /^step\.(type|actor|time|case|seq)$/.exec(n);
          if (m) return [...programs.values()].every((c) => c.reads.step.has(m[1] as 'type'));
          const d = /^step\.data\.(.+)$/.exec(n);
          if (d) return [...programs.values()].every((c) => c.reads.data.has(d[1] as string));
          const a = /^case\.agg\.(.+)$/.exec(n);
          return a !== null && [...programs.values()].every((c) => c.reads.agg.has(a[1] as string));
        };
        checkMessage(r.message, allowed, path);
        rule = { ...stepBase, kind: 'cel', on: r.on, when: r.when, programs };
        break;
      }
    }
    if (rule.kind !== 'cel') checkMessage(r.message, (n) => kindNames.includes(n), path);
    rules.push(rule);
  });
  for (const [i, r] of rules.entries()) {
    if (r.kind === 'escalate') for (const id of r.rules ?? []) if (!ids.has(id)) packFail('PACK_SCHEMA', `rule ${id} is not in this pack`, ['rules', i, 'rules']);
  }
  const needsCalendar = rules.some((r) => r.kind === 'deadline' || r.kind === 'escalate');
  if (needsCalendar && p.calendar === undefined) packFail('PACK_SCHEMA', 'deadline and escalate rules count working days: name the calendar', ['calendar']);

  rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const stepRules = new Map<string, StepRule[]>();
  for (const r of rules) {
    if (r.kind === 'deadline' || r.kind === 'escalate') continue;
    for (const t of r.on) {
      let list = stepRules.get(t);
      if (list === undefined) stepRules.set(t, (list = []));
      list.push(r);
    }
  }
  return {
    id: p.pack,
    version: p.version,
    zone: p.zone,
    calendar: p.calendar ?? null,
    levels,
    steps,
    aggregates,
    rules,
    ruleById: new Map(rules.map((r) => [r.id, r])),
    stepRules,
    deadlines: rules.filter((r): r is DeadlineRule => r.kind === 'deadline'),
    escalations: rules.filter((r): r is EscalateRule => r.kind === 'escalate'),
    points,
    json: JSON.parse(canonical) as unknown,
    canonical,
    hash: toHex(sha256(utf8(canonical))),
  };
}
