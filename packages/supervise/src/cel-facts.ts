/**
 * Facts of a CEL rule: the values its expression reads, as JSON, gathered from
 * the step and the case summary; and the evaluation of the expression from
 * those facts alone (so a recorded alert can be replayed after its step's
 * payload was erased). docs/supervision.md §3.3.
 */
import type { CaseState } from './case-state.js';
import type { CelMessage, CelMessages, CelReads, CompiledCel, LatestProp, StepProp } from './cel.js';
import { ABSENT, REDACTED, ownField, ownValue, type LedgerEntry } from './entry-model.js';
import { aggregateKey, type FieldDecl, type Pack, type StepDecl } from './pack-model.js';

export type JsonObject = { [k: string]: unknown };

/** Inputs a rule could not read: erased later (an auditor's view) or erased before. */
export type Unknown = { readonly unknown: 'unavailable' | 'erased' };

/**
 * A field value as a fact: strings over the field's `maxLength` and lists over
 * `maxItems` (or with elements that are not strings or numbers) become
 * `{"overLimit": n}` / `{"invalid": "…"}` objects, which no CEL type accepts, so
 * the rule fails closed on them.
 */
export function factValue(v: unknown, decl: FieldDecl | undefined): unknown {
  const maxLength = decl?.maxLength ?? 4096;
  if (typeof v === 'string') return v.length > maxLength ? { overLimit: v.length } : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v)) {
    if (v.length > (decl?.maxItems ?? 0)) return { overLimit: v.length };
    for (const x of v) {
      if (typeof x === 'string' ? x.length > maxLength : typeof x !== 'number') return { invalid: 'list element' };
    }
    return v;
  }
  if (typeof v === 'object' && Object.keys(v).length === 1 && typeof (v as JsonObject)['overLimit'] === 'number') return v;
  return { invalid: 'object' };
}

function dataFacts(data: unknown, fields: ReadonlySet<string> | Iterable<string>, decl: StepDecl | undefined): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) {
    const got = ownValue(data, f);
    if (got !== ABSENT) out[f] = factValue(got, decl?.fields.get(f));
  }
  return out;
}

type Status = 'present' | 'unavailable' | 'erased';

/** The inputs' standing so far after one more input of `s`: erased outranks unavailable. */
function note(unknown: 'unavailable' | 'erased' | null, s: Status): 'unavailable' | 'erased' | null {
  if (s === 'erased') return 'erased';
  return s === 'unavailable' && unknown === null ? 'unavailable' : unknown;
}

/** Gathers the facts `reads` names, or says which inputs are unknown. */
export function gatherCelFacts(reads: CelReads, entry: LedgerEntry, state: CaseState | undefined, pack: Pack): JsonObject | Unknown {
  let unknown: 'unavailable' | 'erased' | null = null;
  const facts: JsonObject = {};
  if (reads.step.size > 0 || reads.data.size > 0) {
    const step: JsonObject = {};
    for (const p of reads.step) step[p] = p === 'type' ? entry.type : p === 'actor' ? entry.actor : p === 'time' ? entry.time : p === 'case' ? entry.caseId : entry.seq;
    if (reads.data.size > 0) {
      if (entry.data === REDACTED) unknown = note(unknown, 'unavailable');
      else step['data'] = dataFacts(entry.data, reads.data, pack.steps.get(entry.type));
    }
    facts['step'] = step;
  }
  const c: JsonObject = {};
  let anyCase = false;
  if (reads.countAll) {
    const all: JsonObject = {};
    for (const t of pack.steps.keys()) all[t] = state?.counts.get(t) ?? 0;
    c['count'] = all;
    anyCase = true;
  } else if (reads.count.size > 0) {
    const some: JsonObject = {};
    for (const t of reads.count) some[t] = state?.counts.get(t) ?? 0;
    c['count'] = some;
    anyCase = true;
  }
  if (reads.first) {
    c['first'] = state?.firstTime ?? entry.time;
    anyCase = true;
  }
  if (reads.latest.size > 0) {
    const latest: JsonObject = {};
    for (const [t, r] of reads.latest) {
      const l = state?.latest.get(t);
      if (l === undefined) {
        latest[t] = null;
        continue;
      }
      const x: JsonObject = {};
      for (const p of r.props) x[p] = p === 'actor' ? l.actor : p === 'time' ? l.time : l.seq;
      if (r.data.size > 0) {
        unknown = note(unknown, l.status);
        x['data'] = dataFacts(l.data, r.data, pack.steps.get(t));
      }
      latest[t] = x;
    }
    c['latest'] = latest;
    anyCase = true;
  }
  if (reads.agg.size > 0) {
    const agg: JsonObject = {};
    for (const n of reads.agg) {
      const def = pack.aggregates.get(n);
      if (def === undefined) continue;
      const s = state?.aggs?.get(aggregateKey(def));
      if (s !== undefined) unknown = note(unknown, s.status);
      agg[n] = s?.value ?? (def.kind === 'count' || def.kind === 'sum' ? 0 : null);
    }
    c['agg'] = agg;
    anyCase = true;
  }
  if (anyCase) facts['case'] = c;
  return unknown === null ? facts : { unknown };
}

/**
 * The values an activation of one program is made of, made once and filled
 * again for each evaluation (a bulk append evaluates a program for most
 * steps: new messages each time were most of what the engine allocated).
 * Evaluation is synchronous and keeps nothing of its activation (the
 * library's caches live in its per-evaluation context), and the result is
 * read before the next activation is filled.
 */
interface Scratch {
  // What the program reads, as lists (a Set's iterator per loop was an allocation per evaluation).
  readonly stepProps: readonly StepProp[];
  readonly dataFields: readonly string[];
  readonly countTypes: readonly string[];
  readonly latest: readonly (readonly [string, { readonly props: readonly LatestProp[]; readonly data: readonly string[] }])[];
  readonly aggs: readonly string[];
  readonly ctx: Record<string, unknown>;
  readonly step: CelMessage;
  readonly data: CelMessage;
  readonly case: CelMessage;
  readonly agg: CelMessage;
  readonly count: JsonObject;
}

const scratches = new WeakMap<CompiledCel, Scratch>();

function scratchOf(program: CompiledCel, pack: Pack): Scratch {
  let s = scratches.get(program);
  if (s === undefined) {
    const m = program.messages;
    const r = program.reads;
    s = {
      stepProps: [...r.step],
      dataFields: [...r.data],
      // A program is compiled for one pack: its step types are the pack's.
      countTypes: [...(r.countAll ? pack.steps.keys() : r.count)],
      latest: [...r.latest].map(([t, l]) => [t, { props: [...l.props], data: [...l.data] }] as const),
      aggs: [...r.agg],
      ctx: {},
      step: new m.step(),
      data: new m.data(),
      case: new m.case(),
      agg: new m.agg(),
      count: {},
    };
    scratches.set(program, s);
  }
  return s;
}

/**
 * The CEL activation of `program` for `entry`, built straight from the step
 * and the case summary: exactly `celContext(gatherCelFacts(…))` (a test
 * holds them equal), without the facts, which are gathered only for a rule
 * that fires. Unknown inputs as gatherCelFacts says them. The activation is
 * the program's own, filled again by the next call: evaluate it before.
 */
export function celActivation(program: CompiledCel, entry: LedgerEntry, state: CaseState | undefined, pack: Pack): Record<string, unknown> | Unknown {
  const reads = program.reads;
  const sc = scratchOf(program, pack);
  let unknown: 'unavailable' | 'erased' | null = null;
  const ctx = sc.ctx;
  if (reads.step.size > 0 || reads.data.size > 0) {
    const step = sc.step;
    const props = sc.stepProps;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      step.set(p, p === 'type' ? entry.type : p === 'actor' ? entry.actor : p === 'case' ? entry.caseId : big(p === 'time' ? entry.time : entry.seq));
    }
    if (reads.data.size > 0) {
      if (entry.data === REDACTED) unknown = note(unknown, 'unavailable');
      else step.set('data', dataValues(entry.data, sc.dataFields, pack.steps.get(entry.type), sc.data));
    }
    ctx['step'] = step;
  }
  // The case message only for an expression that reads the case (most read the step alone).
  if (!(reads.countAll || reads.count.size > 0 || reads.first || reads.latest.size > 0 || reads.agg.size > 0)) return unknown === null ? ctx : { unknown };
  const c = sc.case;
  if (reads.countAll || reads.count.size > 0) {
    const count = sc.count;
    const types = sc.countTypes;
    for (let i = 0; i < types.length; i++) count[types[i]!] = big(state?.counts.get(types[i]!) ?? 0);
    c.set('count', count);
  }
  if (reads.first) c.set('first', big(state?.firstTime ?? entry.time));
  if (reads.latest.size > 0) {
    const latest: JsonObject = {};
    for (const [t, r] of sc.latest) {
      const l = state?.latest.get(t);
      if (l === undefined) continue;
      const x: JsonObject = {};
      for (const p of r.props) x[p] = p === 'actor' ? l.actor : big(p === 'time' ? l.time : l.seq);
      if (r.data.length > 0) {
        unknown = note(unknown, l.status);
        x['data'] = dataValues(l.data, r.data, pack.steps.get(t), {});
      }
      latest[t] = x;
    }
    c.set('latest', latest);
  }
  if (reads.agg.size > 0) {
    const agg = sc.agg;
    for (const n of sc.aggs) {
      const def = pack.aggregates.get(n);
      if (def === undefined) {
        agg.delete(n);
        continue;
      }
      const s = state?.aggs?.get(aggregateKey(def));
      if (s !== undefined) unknown = note(unknown, s.status);
      agg.set(n, big(s?.value ?? (def.kind === 'count' || def.kind === 'sum' ? 0 : null)));
    }
    c.set('agg', agg);
  }
  ctx['case'] = c;
  return unknown === null ? ctx : { unknown };
}

/** The CEL values of the fields `fields` names that `data` has (as dataFacts, then celValue), into `out`. */
function dataValues<T extends CelMessage | JsonObject>(data: unknown, fields: readonly string[], decl: StepDecl | undefined, out: T): T {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const got = ownValue(data, f);
    if (got === ABSENT) {
      // A message filled again: what an earlier step had is not this one's.
      if (out instanceof Map) out.delete(f);
      continue;
    }
    const d = decl?.fields.get(f);
    put(out, f, celValue(factValue(got, d), d));
  }
  return out;
}

/** A field of a CEL message or of a plain object (a value under `map<string, dyn>`). */
function put(out: CelMessage | JsonObject, k: string, v: unknown): void {
  if (out instanceof Map) out.set(k, v);
  else out[k] = v;
}

function celValue(v: unknown, decl: FieldDecl | undefined): unknown {
  if (decl === undefined) return v;
  if (decl.type === 'int' && typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (decl.type === 'list' && decl.of === 'int' && Array.isArray(v)) return v.map((x) => (typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : x));
  return v;
}

/** Recorded data facts as CEL values (celValue of each), into `out`. */
function celData<T extends CelMessage | JsonObject>(data: unknown, decl: StepDecl | undefined, out: T): T {
  if (typeof data !== 'object' || data === null) return out;
  const d = data as JsonObject;
  for (const k of Object.keys(d)) put(out, k, celValue(d[k], decl?.fields.get(k)));
  return out;
}

/** CEL integers are BigInts; the small ones (counts) are made once. */
const SMALL = Array.from({ length: 1024 }, (_, i) => BigInt(i));
const big = (v: unknown): unknown => (typeof v === 'number' && Number.isSafeInteger(v) ? (v >= 0 && v < 1024 ? SMALL[v] : BigInt(v)) : v);

/**
 * Facts (JSON) → CEL activation: integers become BigInt where the declaration
 * says int; `step`, `step.data`, `case` and `case.agg` become values of the
 * environment's message types (`m`, CelMessages).
 */
export function celContext(facts: JsonObject, stepType: string, pack: Pack, m: CelMessages): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  const step = facts['step'] as JsonObject | undefined;
  if (step !== undefined) {
    const s = new m.step();
    for (const k of Object.keys(step)) {
      const v = step[k];
      s.set(k, k === 'data' ? celData(v, pack.steps.get(stepType), new m.data()) : k === 'time' || k === 'seq' ? big(v) : v);
    }
    ctx['step'] = s;
  }
  const c = facts['case'] as JsonObject | undefined;
  if (c !== undefined) {
    const out = new m.case();
    for (const k of Object.keys(c)) {
      const v = c[k];
      if (k === 'count') {
        const n: JsonObject = {};
        const from = v as JsonObject;
        for (const t of Object.keys(from)) n[t] = big(from[t]);
        out.set(k, n);
      } else if (k === 'agg') {
        const a = new m.agg();
        const from = v as JsonObject;
        for (const t of Object.keys(from)) a.set(t, big(from[t]));
        out.set(k, a);
      } else if (k === 'first') {
        out.set(k, big(v));
      } else if (k === 'latest') {
        const n: JsonObject = {};
        const from = v as JsonObject;
        for (const t of Object.keys(from)) {
          const x = from[t] as JsonObject | null;
          if (x === null) continue;
          const l: JsonObject = {};
          for (const p of Object.keys(x)) {
            const y = x[p];
            l[p] = p === 'data' ? celData(y, pack.steps.get(t), {}) : p === 'actor' ? y : big(y);
          }
          n[t] = l;
        }
        out.set(k, n);
      }
    }
    ctx['case'] = out;
  }
  return ctx;
}


const FIRES = Object.freeze({ fire: true, error: null });
const HOLDS = Object.freeze({ fire: false, error: null });
const NOT_BOOL = Object.freeze({ fire: true, error: 'not_bool' });

/**
 * Runs the expression on the facts. true → the rule fires; false → it does
 * not; an evaluation error or a non-bool result fires it too (fail closed),
 * with the library's error code, so a value a rule cannot read is reported,
 * never taken as compliance.
 */
export function celVerdict(program: CompiledCel, facts: JsonObject, stepType: string, pack: Pack): CelVerdict {
  return celRun(program, celContext(facts, stepType, pack, program.messages));
}

export interface CelVerdict {
  readonly fire: boolean;
  readonly error: string | null;
}

/** celVerdict on an activation already built (celActivation). */
export function celRun(program: CompiledCel, ctx: Record<string, unknown>): CelVerdict {
  let r: unknown;
  try {
    r = program.evaluate(ctx);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { fire: true, error: typeof code === 'string' ? code : 'evaluation_error' };
  }
  if (r === true) return FIRES;
  if (r === false) return HOLDS;
  return NOT_BOOL;
}

const num = (v: unknown): unknown => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const str = (v: unknown): unknown => (typeof v === 'string' ? v : null);

/**
 * Rebuilds, from facts recorded in a stored alert (attacker-controlled), the
 * inputs `reads` names — exactly the shape `gatherCelFacts` produces, reading
 * only own properties, so nothing else in the stored JSON reaches the
 * expression.
 */
export function celInputsFromRecorded(reads: CelReads, recorded: unknown, stepType: string, pack: Pack): JsonObject {
  const get = (o: unknown, k: string): unknown => ownField(o, k)?.value;
  const facts: JsonObject = {};
  const rs = get(recorded, 'step');
  if (reads.step.size > 0 || reads.data.size > 0) {
    const step: JsonObject = {};
    for (const p of reads.step) step[p] = p === 'time' || p === 'seq' ? num(get(rs, p)) : str(get(rs, p));
    if (reads.data.size > 0) step['data'] = dataFacts(get(rs, 'data'), reads.data, pack.steps.get(stepType));
    facts['step'] = step;
  }
  const rc = get(recorded, 'case');
  const c: JsonObject = {};
  const counts = (types: Iterable<string>): JsonObject => {
    const out: JsonObject = {};
    for (const t of types) out[t] = num(get(get(rc, 'count'), t));
    return out;
  };
  if (reads.countAll) c['count'] = counts(pack.steps.keys());
  else if (reads.count.size > 0) c['count'] = counts(reads.count);
  if (reads.first) c['first'] = num(get(rc, 'first'));
  if (reads.latest.size > 0) {
    const latest: JsonObject = {};
    for (const [t, r] of reads.latest) {
      const l = get(get(rc, 'latest'), t);
      if (typeof l !== 'object' || l === null) {
        latest[t] = null;
        continue;
      }
      const x: JsonObject = {};
      for (const p of r.props) x[p] = p === 'actor' ? str(get(l, p)) : num(get(l, p));
      if (r.data.size > 0) x['data'] = dataFacts(get(l, 'data'), r.data, pack.steps.get(t));
      latest[t] = x;
    }
    c['latest'] = latest;
  }
  if (reads.agg.size > 0) {
    const agg: JsonObject = {};
    for (const n of reads.agg) agg[n] = num(get(get(rc, 'agg'), n));
    c['agg'] = agg;
  }
  if (Object.keys(c).length > 0) facts['case'] = c;
  return facts;
}
