/**
 * Payloads of the reserved system entry types (docs/supervision.md §5),
 * normative: each payload is the UTF-8 bytes of RFC 8785 canonical JSON of
 * exactly the keys listed there. One parser per type, exported so the core's
 * registry of reserved types can refuse a malformed payload at append time;
 * the audit runs the same parsers over stored entries.
 */
import { sha256, toHex, utf8 } from '@casetrail/core/pure';
import { compileCalendar, type Calendar, type CalendarTable } from './calendar.js';
import { canonicalJson, parseCanonicalJson } from './canonical-json.js';
import { RESERVED_PREFIX, SYSTEM_CASE, TYPES } from './entry-model.js';
import { SupervisionError } from './errors.js';
import { HEX64, Malformed, bad, message, obj, text, uint } from './payload-fields.js';
import type { Message, Pack } from './pack-model.js';
import { packFromJson } from './pack-load.js';

/** Versions a verdict depends on; recorded with every adopted pack. */
export const ENGINE = {
  /** the CEL library, pinned exactly in package.json */
  cel: '@marcbachmann/cel-js@8.0.0',
  /**
   * this engine's semantics; changes whenever a verdict on the same inputs
   * could change. 2 added the violations ledger (§14) and checks an alert's
   * time; its alerts are those of 1. 3 reads a declared field the step lacks
   * as absent whatever its name (1 and 2 read a name of Object.prototype's,
   * e.g. `constructor`, through the prototype, and fired a CEL rule reading
   * it with field_type_mismatch); otherwise its alerts are those of 2.
   */
  supervise: '3',
} as const;

/**
 * The `supervise` versions whose verdicts this engine reproduces: a pack
 * adopted under one of them is audited without ENGINE_MISMATCH (§10), unless
 * `replaysPack` says otherwise. Versions 1 and 2 raise exactly the alerts of
 * version 3 (their frozen golden vectors replay byte for byte) for every pack
 * that declares no step field named like a property of Object.prototype; a
 * pack of version 1 cannot hold a points model.
 */
export const ENGINE_REPLAYS: readonly string[] = ['1', '2', '3'];

/**
 * Whether this engine reproduces the verdicts of `supervise` version
 * `recorded` on `pack`: a listed version, and for 1 and 2 no declared step
 * field whose name Object.prototype has (`constructor`, `toString`, …),
 * which they read through the prototype when a step lacked it.
 */
export function replaysPack(recorded: string, pack: Pack): boolean {
  if (!ENGINE_REPLAYS.includes(recorded)) return false;
  if (recorded !== '1' && recorded !== '2') return true;
  for (const step of pack.steps.values()) for (const name of step.fields.keys()) if (name in Object.prototype) return false;
  return true;
}

export const OUTCOMES = ['explained', 'escalated', 'violation'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The rule id of the system alert asking for a calendar (§4.4). */
export const CALENDAR_MISSING_RULE = 'casetrail.calendar-missing';

export interface RulesAdopted {
  readonly engine: { readonly cel: string; readonly supervise: string };
  readonly hash: string;
  readonly pack: Pack;
}
export interface CalendarAdopted {
  readonly hash: string;
  readonly calendar: Calendar;
}
export interface Tick {
  readonly now: number;
}
export interface AlertPayload {
  readonly facts: Readonly<Record<string, unknown>>;
  readonly level: string;
  readonly pack: string;
  readonly reason: Message;
  readonly rule: string;
  readonly ruleVersion: number;
  readonly triggeredBy: readonly number[];
}
export interface Disposition {
  readonly alert: number;
  readonly outcome: Outcome;
  readonly reason: string;
}
export interface RefusedRule {
  readonly facts: Readonly<Record<string, unknown>>;
  readonly id: string;
  readonly level: string;
  readonly version: number;
}
export interface Refusal {
  readonly attempt: { readonly actor: string; readonly case: string; readonly line: number | null; readonly type: string };
  readonly pack: string;
  readonly reason: Message;
  readonly rules: readonly RefusedRule[];
}

/** Where a system entry sits: what the parsers check besides the payload. */
export interface SystemEntryContext {
  readonly seq: number;
  readonly time: number;
  readonly caseId: string;
}

export function inSystemCase(ctx: SystemEntryContext, type: string): void {
  if (ctx.caseId !== SYSTEM_CASE) bad(`${type} belongs to case ${SYSTEM_CASE}`);
}
export function inOrdinaryCase(ctx: SystemEntryContext, type: string): void {
  if (ctx.caseId.startsWith(RESERVED_PREFIX)) bad(`${type} belongs to the case it concerns, not to ${ctx.caseId}`);
}
const hashOf = (canonical: string): string => toHex(sha256(utf8(canonical)));

function parseRulesAdopted(v: unknown, ctx: SystemEntryContext): RulesAdopted {
  inSystemCase(ctx, TYPES.rulesAdopted);
  const o = obj(v, ['engine', 'hash', 'pack'], 'payload');
  const e = obj(o['engine'], ['cel', 'supervise'], 'engine');
  const hash = text(o['hash'], 'hash', 64);
  if (!HEX64.test(hash)) bad('hash must be 64 lowercase hex digits');
  let pack: Pack;
  try {
    pack = packFromJson(o['pack']);
  } catch (err) {
    return bad(`pack: ${(err as Error).message}`);
  }
  if (pack.canonical !== canonicalJson(o['pack'])) bad('pack is not in its canonical form (defaults filled in)');
  if (pack.hash !== hash) bad('hash is not the SHA-256 of the pack');
  return { engine: { cel: text(e['cel'], 'engine.cel', 128), supervise: text(e['supervise'], 'engine.supervise', 32) }, hash, pack };
}

function parseCalendarAdopted(v: unknown, ctx: SystemEntryContext): CalendarAdopted {
  inSystemCase(ctx, TYPES.calendarAdopted);
  const o = obj(v, ['calendar', 'hash'], 'payload');
  const hash = text(o['hash'], 'hash', 64);
  let calendar: Calendar;
  try {
    calendar = compileCalendar(o['calendar']);
  } catch (err) {
    return bad((err as Error).message);
  }
  if (hashOf(canonicalJson(calendar.table)) !== hash) bad('hash is not the SHA-256 of the calendar');
  return { hash, calendar };
}

function parseTick(v: unknown, ctx: SystemEntryContext): Tick {
  inSystemCase(ctx, TYPES.tick);
  const now = uint(obj(v, ['now'], 'payload')['now'], 'now');
  if (now !== ctx.time) bad('now must equal the entry time');
  return { now };
}

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,95}$/;
const LEVEL = /^[a-z][a-z0-9-]{0,31}$/;

function parseAlert(v: unknown, ctx: SystemEntryContext): AlertPayload {
  const o = obj(v, ['facts', 'level', 'pack', 'reason', 'rule', 'ruleVersion', 'triggeredBy'], 'payload');
  const rule = text(o['rule'], 'rule', 96);
  if (!RULE_ID.test(rule)) bad('rule is not a rule id');
  if (rule === CALENDAR_MISSING_RULE) inSystemCase(ctx, TYPES.alert);
  else inOrdinaryCase(ctx, TYPES.alert);
  const level = text(o['level'], 'level', 32);
  if (!LEVEL.test(level)) bad('level is not a level name');
  const pack = text(o['pack'], 'pack', 64);
  if (!HEX64.test(pack)) bad('pack must be 64 lowercase hex digits');
  const ruleVersion = uint(o['ruleVersion'], 'ruleVersion');
  if (ruleVersion < 1) bad('ruleVersion must be at least 1');
  const tb = o['triggeredBy'];
  if (!Array.isArray(tb) || tb.length === 0 || tb.length > 8) return bad('triggeredBy must list 1–8 seqs');
  let last = -1;
  for (const s of tb) {
    const n = uint(s, 'triggeredBy[]');
    if (n <= last || n >= ctx.seq) bad('triggeredBy must be ascending seqs of earlier entries');
    last = n;
  }
  const facts = o['facts'];
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) return bad('facts is not an object');
  return { facts: facts as Record<string, unknown>, level, pack, reason: message(o['reason'], 'reason'), rule, ruleVersion, triggeredBy: tb as number[] };
}

function parseDisposition(v: unknown, ctx: SystemEntryContext): Disposition {
  inOrdinaryCase(ctx, TYPES.alertDisposed);
  const o = obj(v, ['alert', 'outcome', 'reason'], 'payload');
  const alert = uint(o['alert'], 'alert');
  if (alert >= ctx.seq) bad('alert must be an earlier seq');
  const outcome = o['outcome'];
  if (!OUTCOMES.includes(outcome as Outcome)) bad(`outcome must be one of ${OUTCOMES.join(', ')}`);
  return { alert, outcome: outcome as Outcome, reason: text(o['reason'], 'reason') };
}

function parseRefusal(v: unknown, ctx: SystemEntryContext): Refusal {
  inSystemCase(ctx, TYPES.refused);
  const o = obj(v, ['attempt', 'pack', 'reason', 'rules'], 'payload');
  const a = obj(o['attempt'], ['actor', 'case', 'line', 'type'], 'attempt');
  const line = a['line'] === null ? null : uint(a['line'], 'attempt.line');
  if (line === 0) bad('attempt.line counts from 1');
  const pack = text(o['pack'], 'pack', 64);
  if (!HEX64.test(pack)) bad('pack must be 64 lowercase hex digits');
  const rs = o['rules'];
  if (!Array.isArray(rs) || rs.length === 0 || rs.length > 200) return bad('rules must list 1–200 rules');
  let last = '';
  const rules = rs.map((r, i): RefusedRule => {
    const x = obj(r, ['facts', 'id', 'level', 'version'], `rules[${i}]`);
    const id = text(x['id'], 'rules[].id', 96);
    if (id <= last) bad('rules must be sorted by id without repeats');
    last = id;
    const facts = x['facts'];
    if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) return bad('rules[].facts is not an object');
    return { facts: facts as Record<string, unknown>, id, level: text(x['level'], 'rules[].level', 32), version: uint(x['version'], 'rules[].version') };
  });
  return {
    attempt: { actor: text(a['actor'], 'attempt.actor', 256), case: text(a['case'], 'attempt.case', 256), line, type: text(a['type'], 'attempt.type', 128) },
    pack,
    reason: message(o['reason'], 'reason'),
    rules,
  };
}

const PARSERS = {
  [TYPES.rulesAdopted]: parseRulesAdopted,
  [TYPES.calendarAdopted]: parseCalendarAdopted,
  [TYPES.tick]: parseTick,
  [TYPES.alert]: parseAlert,
  [TYPES.alertDisposed]: parseDisposition,
  [TYPES.refused]: parseRefusal,
} as const;

export type SupervisionType = keyof typeof PARSERS;
export type SystemPayload<T extends SupervisionType> = ReturnType<(typeof PARSERS)[T]>;

export function isSupervisionType(type: string): type is SupervisionType {
  return Object.prototype.hasOwnProperty.call(PARSERS, type);
}

/**
 * Parses the payload of a supervision system entry. `payload` is the stored
 * text (then it must be canonical JSON byte for byte) or an already parsed
 * JSON value.
 * @throws SupervisionError MALFORMED_SYSTEM_ENTRY with the reason
 * @example parseSystemPayload('casetrail.tick', '{"now":1760000000000}', { seq: 9, time: 1760000000000, caseId: 'casetrail.system' })
 */
export function parseSystemPayload<T extends SupervisionType>(type: T, payload: string | { readonly value: unknown }, ctx: SystemEntryContext): SystemPayload<T> {
  return parseWith(PARSERS[type] as (v: unknown, c: SystemEntryContext) => SystemPayload<T>, type, payload, ctx);
}

function canonicalOrNull(v: unknown): string | null {
  try {
    return canonicalJson(v);
  } catch {
    return null;
  }
}

/**
 * The one way a layer's system-entry payload is read: the stored text must be
 * canonical JSON byte for byte (or the value is given already parsed), then
 * the type's own parser; its Malformed becomes MALFORMED_SYSTEM_ENTRY.
 */
export function parseWith<R>(parser: (v: unknown, c: SystemEntryContext) => R, type: string, payload: string | { readonly value: unknown; readonly text?: string }, ctx: SystemEntryContext): R {
  let value: unknown;
  if (typeof payload === 'string') {
    const p = parseCanonicalJson(payload);
    if (p === undefined) throw new SupervisionError('MALFORMED_SYSTEM_ENTRY', `${type}: the payload is not canonical JSON (RFC 8785)`, { type, seq: ctx.seq });
    value = p.value;
  } else {
    // A value already parsed from `text` (a stored row's payload): the text must be its canonical form.
    if (payload.text !== undefined && canonicalOrNull(payload.value) !== payload.text) throw new SupervisionError('MALFORMED_SYSTEM_ENTRY', `${type}: the payload is not canonical JSON (RFC 8785)`, { type, seq: ctx.seq });
    value = payload.value;
  }
  try {
    return parser(value, ctx);
  } catch (e) {
    if (e instanceof Malformed) throw new SupervisionError('MALFORMED_SYSTEM_ENTRY', `${type}: ${e.message}`, { type, seq: ctx.seq });
    throw e;
  }
}

/** The payload a `casetrail.rules.adopted` entry records for `pack`. */
export function encodeRulesAdopted(pack: Pack): string {
  return canonicalJson({ engine: { cel: ENGINE.cel, supervise: ENGINE.supervise }, hash: pack.hash, pack: pack.json });
}

/** The payload a `casetrail.calendar.adopted` entry records for `table`. */
export function encodeCalendarAdopted(table: CalendarTable): string {
  const calendar = compileCalendar(table).table;
  const c = canonicalJson(calendar);
  return canonicalJson({ calendar, hash: hashOf(c) });
}

export function encodeTick(now: number): string {
  return canonicalJson({ now });
}

export function encodeDisposition(d: Disposition): string {
  return canonicalJson({ alert: d.alert, outcome: d.outcome, reason: d.reason });
}

export function encodeAlert(a: AlertPayload): string {
  return canonicalJson({ facts: a.facts, level: a.level, pack: a.pack, reason: a.reason, rule: a.rule, ruleVersion: a.ruleVersion, triggeredBy: a.triggeredBy });
}

export function encodeRefusal(r: Refusal): string {
  return canonicalJson({ attempt: r.attempt, pack: r.pack, reason: r.reason, rules: r.rules });
}

/**
 * One validator per supervision type, for a registry of reserved types: each
 * throws MALFORMED_SYSTEM_ENTRY when the stored payload text is not a valid
 * payload of its type at that position (docs/supervision.md §5).
 * @example systemEntryValidators['casetrail.tick']('{"now":5}', { seq: 1, time: 5, caseId: 'casetrail.system' })
 */
export const systemEntryValidators: Readonly<Record<SupervisionType, (payload: string, ctx: SystemEntryContext) => void>> = {
  [TYPES.rulesAdopted]: (p, c) => void parseSystemPayload(TYPES.rulesAdopted, p, c),
  [TYPES.calendarAdopted]: (p, c) => void parseSystemPayload(TYPES.calendarAdopted, p, c),
  [TYPES.tick]: (p, c) => void parseSystemPayload(TYPES.tick, p, c),
  [TYPES.alert]: (p, c) => void parseSystemPayload(TYPES.alert, p, c),
  [TYPES.alertDisposed]: (p, c) => void parseSystemPayload(TYPES.alertDisposed, p, c),
  [TYPES.refused]: (p, c) => void parseSystemPayload(TYPES.refused, p, c),
};
