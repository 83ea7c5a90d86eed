/**
 * Rules evaluated when a step is appended (docs/supervision.md §2.3): order,
 * fee, required-fields, separation, cel. Each reads the step and the case
 * summary *before* the step, and yields a verdict with the facts it read.
 * Each rule's logic lives here once; `replayStepRule` recomputes an alert from
 * the inputs recorded in its facts when the step's payload is gone.
 */
import { actorKey, type CaseState } from './case-state.js';
import { celActivation, celInputsFromRecorded, celRun, celVerdict, factValue, gatherCelFacts, type JsonObject } from './cel-facts.js';
import { ABSENT, REDACTED, ownField, ownValue, type LedgerEntry } from './entry-model.js';
import type { CelRule, FeeRule, OrderRule, Pack, RequiredFieldsRule, StepRule } from './pack-model.js';

export type Verdict =
  | { readonly fire: true; readonly facts: JsonObject }
  | { readonly fire: false }
  /** the inputs were erased after this point (an auditor's view): replay from facts or report */
  | { readonly unknown: true };

const NO: Verdict = { fire: false };

/** An item outside the schedule, or an amount that is not a whole number of fen, is off the standard. */
function feeOk(standard: number | null, amount: unknown): boolean {
  return standard !== null && typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0 && amount <= standard;
}

function feeStandard(rule: FeeRule, item: unknown): number | null {
  return typeof item === 'string' && rule.standards.has(item) ? (rule.standards.get(item) as number) : null;
}

function feeFacts(rule: FeeRule, item: unknown, amount: unknown): { fire: boolean; facts: JsonObject } {
  const standard = feeStandard(rule, item);
  return { fire: !feeOk(standard, amount), facts: { amount, item, schedule: rule.schedule, standard } };
}

/** A fee rule's verdict on a step: the facts are made only when it fires. */
function feeVerdict(rule: FeeRule, entry: LedgerEntry, pack: Pack): Verdict {
  const decl = pack.steps.get(entry.type);
  const i = ownValue(entry.data, rule.item);
  const a = ownValue(entry.data, rule.amount);
  const item = i === ABSENT ? null : factValue(i, decl?.fields.get(rule.item));
  const amount = a === ABSENT ? null : factValue(a, decl?.fields.get(rule.amount));
  if (feeOk(feeStandard(rule, item), amount)) return NO;
  return { fire: true, facts: feeFacts(rule, item, amount).facts };
}

/** An order rule's condition: every required type counted, no forbidden one. */
function inOrder(rule: OrderRule, state: CaseState | undefined): boolean {
  const counts = state?.counts;
  for (const t of rule.requires) if ((counts?.get(t) ?? 0) === 0) return false;
  for (const t of rule.forbids) if ((counts?.get(t) ?? 0) > 0) return false;
  return true;
}

/**
 * The facts of an order rule that fired: the required types not counted, the
 * forbidden ones counted. Apart from evaluateStepRule: a closure there would
 * make V8 allocate its context on every call, firing or not.
 */
function orderFacts(rule: OrderRule, state: CaseState | undefined): JsonObject {
  const count = (t: string): number => state?.counts.get(t) ?? 0;
  return { missing: rule.requires.filter((t) => count(t) === 0), present: rule.forbids.filter((t) => count(t) > 0) };
}

/** Empty means absent, null, "" or []. */
function isEmpty(v: unknown): boolean {
  if (v === ABSENT || v === null) return true;
  if (typeof v === 'string') return v.length === 0;
  return Array.isArray(v) && v.length === 0;
}

function requiredMissing(rule: RequiredFieldsRule, data: unknown): readonly string[] {
  // Most steps have every field: no list for them.
  let missing: string[] | null = null;
  for (const f of rule.fields) if (isEmpty(ownValue(data, f))) (missing ??= []).push(f);
  return missing ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);

function celResult(rule: CelRule, facts: JsonObject, entry: LedgerEntry, pack: Pack): Verdict {
  const program = rule.programs.get(entry.type);
  if (program === undefined) return NO;
  const v = celVerdict(program, facts, entry.type, pack);
  if (!v.fire) return NO;
  return { fire: true, facts: v.error === null ? facts : { ...facts, error: v.error } };
}

/** Evaluates one step rule for `entry` against the case summary before it. */
export function evaluateStepRule(rule: StepRule, entry: LedgerEntry, state: CaseState | undefined, pack: Pack): Verdict {
  switch (rule.kind) {
    case 'order': {
      // The lists of the facts are made only when the rule fires (most steps are in order).
      if (inOrder(rule, state)) return NO;
      return { fire: true, facts: orderFacts(rule, state) };
    }
    case 'separation': {
      for (const t of rule.types) {
        if (t === entry.type) continue;
        const seq = state?.actors?.get(actorKey(t, entry.actor));
        if (seq !== undefined) return { fire: true, facts: { actor: entry.actor, earlierSeq: seq, earlierType: t } };
      }
      return NO;
    }
    case 'fee': {
      if (entry.data === REDACTED) return { unknown: true };
      return feeVerdict(rule, entry, pack);
    }
    case 'required-fields': {
      if (entry.data === REDACTED) return { unknown: true };
      const missing = requiredMissing(rule, entry.data);
      return missing.length > 0 ? { fire: true, facts: { missing } } : NO;
    }
    case 'cel': {
      const program = rule.programs.get(entry.type);
      if (program === undefined) return NO;
      // Most steps do not fire a rule: its facts are gathered only when it does.
      const ctx = celActivation(program, entry, state, pack);
      if ('unknown' in ctx) return ctx.unknown === 'erased' ? NO : { unknown: true };
      const v = celRun(program, ctx);
      if (!v.fire) return NO;
      const facts = gatherCelFacts(program.reads, entry, state, pack) as JsonObject;
      return { fire: true, facts: v.error === null ? facts : { ...facts, error: v.error } };
    }
  }
}

/**
 * Recomputes a rule's alert facts from the inputs recorded in `recorded` (the
 * facts of an alert whose step payload was erased later). Returns the facts
 * the rule records on those inputs, or null when those inputs do not fire it.
 */
export function replayStepRule(rule: StepRule, recorded: Readonly<Record<string, unknown>>, entry: LedgerEntry, pack: Pack): JsonObject | null {
  switch (rule.kind) {
    case 'fee': {
      const decl = pack.steps.get(entry.type);
      const item = factValue(ownField(recorded, 'item')?.value ?? null, decl?.fields.get(rule.item));
      const amount = factValue(ownField(recorded, 'amount')?.value ?? null, decl?.fields.get(rule.amount));
      const r = feeFacts(rule, item, amount);
      return r.fire ? r.facts : null;
    }
    case 'required-fields': {
      const m = ownField(recorded, 'missing')?.value;
      if (!Array.isArray(m) || m.length === 0) return null;
      const inOrder = rule.fields.filter((f) => m.includes(f));
      return inOrder.length === m.length ? { missing: inOrder } : null;
    }
    case 'cel': {
      const program = rule.programs.get(entry.type);
      if (program === undefined) return null;
      const v = celResult(rule, celInputsFromRecorded(program.reads, recorded, entry.type, pack), entry, pack);
      return 'fire' in v && v.fire ? v.facts : null;
    }
    default:
      // order and separation read no payload: they are never replayed from facts.
      return null;
  }
}
