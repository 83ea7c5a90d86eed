/**
 * The rules a violation, a revocation and a violation disposition must meet
 * at their position (docs/supervision.md §14.4–§14.5), each in one function
 * that the writer (inside the append transaction, on the rows its view
 * checked) and the audit (on the verified history) both call. A check reads
 * the pack in force, the case's earlier entries and the entry right before;
 * it returns what is wrong, in words, or null.
 */
import { REDACTED, TYPES, isOrdinaryType, ownField, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Pack, Rule } from '../pack-model.js';
import { parseSystemPayload, type AlertPayload } from '../system-entries.js';
import { POINTS_TYPES, parsePointsPayload, type Revocation, type Violation } from './entries.js';
import { revocationProblem } from './book.js';
import { subjectAllowed, type PointsModel } from './model.js';
import type { UnitResolver } from './units.js';

/** What a check of one entry reads. */
export interface CheckInput {
  /** the pack in force at the entry */
  readonly pack: Pack | null;
  /** the entries of the entry's case before it, in ledger order, as stored */
  readonly history: readonly LedgerEntry[];
  /** the entry right before it in the ledger */
  readonly previous: LedgerEntry | undefined;
  readonly units: UnitResolver;
}

/**
 * A check's verdict: `problem` (the entry is invalid), `unknown` (it read a
 * payload erased after the entry was written: it cannot be re-checked), or
 * null (valid).
 */
export type Verdict = { readonly problem: string } | { readonly unknown: string } | null;

const problem = (p: string): Verdict => ({ problem: p });

/** The points model in force, or why there is none. */
function modelInForce(pack: Pack | null): PointsModel | string {
  if (pack === null) return 'no rule pack is in force';
  if (pack.points === null) return `the pack in force (${pack.id} v${pack.version}) has no points model`;
  return pack.points;
}

/** The code is a 情形 of the model and the points are its points (or within its range). */
function codeAndPoints(model: PointsModel, v: Violation): string | null {
  const c = model.codes.get(v.code);
  if (c === undefined) return `情形 code ${v.code} is not in the pack in force`;
  if (v.points < c.min || v.points > c.max) return c.min === c.max ? `${v.code} deducts ${c.min} points, not ${v.points}` : `${v.code} deducts ${c.min} to ${c.max} points, not ${v.points}`;
  if (!subjectAllowed(model, v.subject)) return `subject ${v.subject} does not start with one of the pack's subject prefixes (${(model.subjects ?? []).join(', ')}) and a colon`;
  return null;
}

/** Which seqs of the history a redaction entry erased before this point. */
function erasedBefore(history: readonly LedgerEntry[]): Set<number> {
  const out = new Set<number>();
  for (const e of history) {
    if (e.type !== TYPES.redaction) continue;
    const t = ownField(e.data, 'redacts')?.value;
    if (typeof t === 'number') out.add(t);
  }
  return out;
}

/** The string fields a step's payload holds that its declared type declares (what a subject can be named by). */
function namedIn(pack: Pack, e: LedgerEntry): string[] {
  const decl = pack.steps.get(e.type);
  if (decl === undefined || e.data === REDACTED) return [];
  const out: string[] = [];
  for (const f of decl.fields.values()) {
    const v = f.type === 'string' ? ownField(e.data, f.name)?.value : undefined;
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}

/** A direct record: evidence are steps of the case, and the subject is one they concern (§14.4). */
function directEvidence(pack: Pack, v: Violation, found: readonly LedgerEntry[], history: readonly LedgerEntry[], seq: number, units: UnitResolver): Verdict {
  const notStep = found.find((e) => !isOrdinaryType(e.type));
  if (notStep !== undefined) return problem(`evidence ${notStep.seq} is a ${notStep.type} entry: a direct record cites steps (an alert is confirmed with its disposition)`);
  const erased = erasedBefore(history);
  let unreadable = false;
  for (const e of found) {
    const names = [e.actor, ...namedIn(pack, e)];
    if (names.includes(v.subject) || names.some((n) => units.unitOf(n, seq) === v.subject)) return null;
    if (e.data === REDACTED && !erased.has(e.seq)) unreadable = true;
  }
  if (unreadable) return { unknown: `the subject ${v.subject} is not an evidence step's actor, and a payload that could name it was erased after the violation` };
  return problem(`subject ${v.subject} is not concerned by the evidence: neither the actor of an evidence step nor a value of its declared fields (nor their unit)`);
}

/** The rule and level an alert entry of the history records. */
function alertOf(e: LedgerEntry): AlertPayload | undefined {
  if (e.type !== TYPES.alert || e.data === REDACTED) return undefined;
  try {
    return parseSystemPayload(TYPES.alert, e.payload ?? { value: e.data }, e);
  } catch (err) {
    if (err instanceof SupervisionError) return undefined;
    throw err;
  }
}

/**
 * Who a confirmed alert of `rule` charges (§14.1), from the case's history:
 * the actor of its triggering step (the latest step of the case among what
 * triggered it), the value of a string field of the case's latest step of a
 * declared type before the alert, or the unit of the triggering step's actor.
 */
export function chargedSubject(rule: Rule, alertSeq: number, alert: AlertPayload, history: readonly LedgerEntry[], units: UnitResolver, beforeSeq: number): { subject: string } | Verdict {
  const charge = rule.violation?.charge;
  if (charge === undefined) return problem(`rule ${rule.id} charges no one`);
  const bySeq = new Map(history.map((e) => [e.seq, e]));
  const trigger = [...alert.triggeredBy].reverse().map((s) => bySeq.get(s)).find((e) => e !== undefined && isOrdinaryType(e.type));
  if (charge.kind === 'field') {
    const step = [...history].reverse().find((e) => e.seq < alertSeq && e.type === charge.of);
    if (step === undefined) return problem(`case has no ${charge.of} step before alert ${alertSeq}: ${rule.id} charges its ${charge.field}`);
    if (step.data === REDACTED) {
      return erasedBefore(history).has(step.seq) ? problem(`the payload of ${charge.of} step ${step.seq} is erased: its ${charge.field} cannot be charged`) : { unknown: `the payload of ${charge.of} step ${step.seq}, which names who is charged, was erased later` };
    }
    const v = ownField(step.data, charge.field)?.value;
    if (typeof v !== 'string' || v === '') return problem(`${charge.of} step ${step.seq} names no ${charge.field} to charge`);
    return { subject: v };
  }
  if (trigger === undefined) return problem(`alert ${alertSeq} has no triggering step in its case: ${rule.id} charges its actor`);
  if (charge.kind === 'actor') return { subject: trigger.actor };
  const unit = units.unitOf(trigger.actor, beforeSeq);
  return unit === null ? problem(`the ledger assigns ${trigger.actor} no unit: ${rule.id} charges the unit`) : { subject: unit };
}

/**
 * The payload fields a pack charges (§14.1, `charge: {field, of}`), by step
 * type: where a step names who a confirmed alert charges without being
 * theirs (a case's `handler`). A person's record (§14.10) lists the steps
 * naming the subject there.
 */
export function chargingFields(packs: Iterable<Pack>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const pack of packs) {
    for (const rule of pack.rules) {
      const charge = rule.violation?.charge;
      if (charge?.kind !== 'field') continue;
      let fields = out.get(charge.of);
      if (fields === undefined) out.set(charge.of, (fields = new Set()));
      fields.add(charge.field);
    }
  }
  return out;
}

/** The charging field of `fields` whose value in the step's payload is `subject`, if any (an erased payload names no one). */
export function namingField(e: LedgerEntry, fields: ReadonlySet<string>, subject: string): string | undefined {
  if (e.data === REDACTED) return undefined;
  for (const f of fields) if (ownField(e.data, f)?.value === subject) return f;
  return undefined;
}

/** What confirming an alert records (§14.4): the rule's code for its level, the subject it charges, its evidence and instant. */
export interface Confirmation {
  readonly code: string;
  readonly subject: string;
  readonly evidence: readonly number[];
  readonly at: number;
}

/**
 * What a violation confirming alert `alertSeq` of a case must record, from
 * the case's history before the violation: the 情形 code its rule gives its
 * level in `pack`, who it charges, the evidence (what triggered it in its
 * case, and the alert) and the instant (the latest evidence's time).
 */
export function confirmationOf(pack: Pack, alertSeq: number, caseId: string, history: readonly LedgerEntry[], units: UnitResolver, beforeSeq: number): Confirmation | Verdict {
  const ae = history.find((e) => e.seq === alertSeq);
  const alert = ae === undefined ? undefined : alertOf(ae);
  if (ae === undefined || alert === undefined) return problem(`${alertSeq} is not an alert of case ${caseId}`);
  const rule = pack.ruleById.get(alert.rule);
  const code = rule?.violation?.codes.get(alert.level);
  if (rule === undefined || code === undefined) return problem(`rule ${alert.rule} at level ${alert.level} has no 情形 code in the pack in force: its confirmation deducts no points`);
  const inCase = new Map(history.map((e) => [e.seq, e]));
  const evidence = [...new Set([...alert.triggeredBy.filter((s) => inCase.has(s)), alertSeq])].sort((a, b) => a - b);
  const charged = chargedSubject(rule, alertSeq, alert, history, units, beforeSeq);
  if (charged === null || !('subject' in charged)) return charged;
  const at = Math.max(...evidence.map((s) => (inCase.get(s) as LedgerEntry).time));
  return { code, subject: charged.subject, evidence, at };
}

/** A confirmed alert: right after its disposition, recording what confirmationOf gives (§14.4). */
function confirmedAlert(pack: Pack, v: Violation, entry: LedgerEntry, input: CheckInput): Verdict {
  const alertSeq = v.alert as number;
  const prev = input.previous;
  const d = prev !== undefined && prev.type === TYPES.alertDisposed && prev.caseId === entry.caseId && prev.data !== REDACTED ? (prev.data as { alert?: unknown; outcome?: unknown }) : undefined;
  if (d === undefined || d.alert !== alertSeq || d.outcome !== 'violation') return problem(`a violation confirming alert ${alertSeq} follows its disposition (outcome violation) directly`);
  const want = confirmationOf(pack, alertSeq, entry.caseId, input.history, input.units, entry.seq);
  if (want === null || !('code' in want)) return want;
  if (want.code !== v.code) return problem(`a confirmation of alert ${alertSeq} counts as ${want.code}, not ${v.code}`);
  if (want.evidence.join() !== v.evidence.join()) return problem(`the evidence of a confirmed alert is what triggered it in its case and the alert: [${want.evidence.join(', ')}], not [${v.evidence.join(', ')}]`);
  return want.subject === v.subject ? null : problem(`the confirmation of alert ${alertSeq} charges ${want.subject}, not ${v.subject}`);
}

/**
 * Checks a violation entry at its position.
 * @returns the verdict: problem (VIOLATION_INVALID), unknown (an evidence payload erased since), or null
 */
export function checkViolation(v: Violation, entry: LedgerEntry, input: CheckInput): Verdict {
  const model = modelInForce(input.pack);
  if (typeof model === 'string') return problem(model);
  const pack = input.pack as Pack;
  const bad = codeAndPoints(model, v);
  if (bad !== null) return problem(bad);
  const bySeq = new Map(input.history.map((e) => [e.seq, e]));
  const found: LedgerEntry[] = [];
  for (const s of v.evidence) {
    const e = bySeq.get(s);
    if (e === undefined) return problem(`evidence ${s} is not an earlier entry of case ${entry.caseId}`);
    found.push(e);
  }
  const at = Math.max(...found.map((e) => e.time));
  if (v.at !== at) return problem(`at must be ${at}, the time of its latest evidence, not ${v.at}`);
  return v.alert === null ? directEvidence(pack, v, found, input.history, entry.seq, input.units) : confirmedAlert(pack, v, entry, input);
}

/**
 * Checks a revocation against its case's history (§14.5): the rule of
 * revocationProblem, with the violations and revocations the history holds.
 */
export function checkRevocation(r: Revocation, entry: LedgerEntry, history: readonly LedgerEntry[]): string | null {
  const violations = new Set<number>();
  const revoked = new Set<number>();
  for (const e of history) {
    if (e.type === POINTS_TYPES.violation) violations.add(e.seq);
    else if (e.type === POINTS_TYPES.revoked && e.data !== REDACTED) {
      const t = ownField(e.data, 'violation')?.value;
      // Only a revocation that stood revoked its target: one of a violation of this case.
      if (typeof t === 'number' && violations.has(t)) revoked.add(t);
    }
  }
  return revocationProblem(r, entry.caseId, (s) => (violations.has(s) ? { caseId: entry.caseId, revoked: revoked.has(s) } : undefined));
}

/**
 * The 情形 code a disposition's violation must be recorded as right after
 * it: a disposition with outcome violation of an alert whose rule gives its
 * level a code in the pack in force; null when none is due.
 */
export function violationDue(disposition: LedgerEntry, pack: Pack | null, history: readonly LedgerEntry[]): { alert: number; code: string } | null {
  if (pack?.points == null || disposition.data === REDACTED) return null;
  const d = disposition.data as { alert?: unknown; outcome?: unknown };
  if (d.outcome !== 'violation' || typeof d.alert !== 'number') return null;
  const ae = history.find((e) => e.seq === d.alert);
  const alert = ae === undefined ? undefined : alertOf(ae);
  const code = alert === undefined ? undefined : pack.ruleById.get(alert.rule)?.violation?.codes.get(alert.level);
  return code === undefined ? null : { alert: d.alert, code };
}

/** A violation payload as stored, parsed (MALFORMED_SYSTEM_ENTRY otherwise). */
export function storedViolation(e: LedgerEntry): Violation {
  return parsePointsPayload(POINTS_TYPES.violation, e.payload ?? { value: e.data }, e);
}
