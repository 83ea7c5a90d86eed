/**
 * Rules evaluated when a step is appended (docs/supervision.md §2.3): order,
 * fee, required-fields, separation, cel. Each reads the step and the case
 * summary *before* the step, and yields a verdict with the facts it read.
 * Each rule's logic lives here once; `replayStepRule` recomputes an alert from
 * the inputs recorded in its facts when the step's payload is gone.
 */
import { actorKey, type CaseState } from './case-state.js';
import { celInputsFromRecorded, celVerdict, factValue, gatherCelFacts, type JsonObject } from './cel-facts.js';
import { REDACTED, ownField, type LedgerEntry } from './entry-model.js';
import type { CelRule, FeeRule, Pack, RequiredFieldsRule, StepRule } from './pack-model.js';

export type Verdict =
  | { readonly fire: true; readonly facts: JsonObject }
  | { readonly fire: false }
  /** the inputs were erased after this point (an auditor's view): replay from facts or report */
  | { readonly unknown: true };

const NO: Verdict = { fire: false };

function feeFacts(rule: FeeRule, item: unknown, amount: unknown): { fire: boolean; facts: JsonObject } {
  const standard = typeof item === 'string' && rule.standards.has(item) ? (rule.standards.get(item) as number) : null;
  const ok = standard !== null && typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0 && amount <= standard;
  // An item outside the schedule, or an amount that is not a whole number of fen, is off the standard.
  return { fire: !ok, facts: { amount, item, schedule: rule.schedule, standard } };
}

function feeInputs(rule: FeeRule, entry: LedgerEntry, pack: Pack): [unknown, unknown] {
  const decl = pack.steps.get(entry.type);
  const item = ownField(entry.data, rule.item);
  const amount = ownField(entry.data, rule.amount);
  return [item === undefined ? null : factValue(item.value, decl?.fields.get(rule.item)), amount === undefined ? null : factValue(amount.value, decl?.fields.get(rule.amount))];
}

/** Empty means absent, null, "" or []. */
function isEmpty(v: { value: unknown } | undefined): boolean {
  if (v === undefined || v.value === null) return true;
  if (typeof v.value === 'string') return v.value.length === 0;
  return Array.isArray(v.value) && v.value.length === 0;
}

function requiredMissing(rule: RequiredFieldsRule, data: unknown): string[] {
  return rule.fields.filter((f) => isEmpty(ownField(data, f)));
}

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
      const missing = rule.requires.filter((t) => (state?.counts.get(t) ?? 0) === 0);
      const present = rule.forbids.filter((t) => (state?.counts.get(t) ?? 0) > 0);
      return missing.length > 0 || present.length > 0 ? { fire: true, facts: { missing, present } } : NO;
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
      const [item, amount] = feeInputs(rule, entry, pack);
      const r = feeFacts(rule, item, amount);
      return r.fire ? { fire: true, facts: r.facts } : NO;
    }
    case 'required-fields': {
      if (entry.data === REDACTED) return { unknown: true };
      const missing = requiredMissing(rule, entry.data);
      return missing.length > 0 ? { fire: true, facts: { missing } } : NO;
    }
    case 'cel': {
      const program = rule.programs.get(entry.type);
      if (program === undefined) return NO;
      const facts = gatherCelFacts(program.reads, entry, state, pack);
      if ('unknown' in facts) return facts.unknown === 'erased' ? NO : { unknown: true };
      return celResult(rule, facts, entry, pack);
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
