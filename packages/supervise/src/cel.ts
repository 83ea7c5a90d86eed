/**
 * The CEL subset of rule packs (docs/supervision.md §3), on
 * @marcbachmann/cel-js pinned to 8.0.0. Compile time: source, AST depth, node
 * and literal limits, a function allow-list (no `matches()` — a JS RegExp, a
 * ReDoS risk — no `cel.bind`, no `map`, no timestamps), comprehension nesting,
 * and every field read checked against the declared step types. Run time: a
 * rule reads only the values its expression names, and those values are the
 * rule's facts; evaluation is a pure function of the facts, so an alert can be
 * replayed from the facts it recorded.
 */
import { Environment } from '@marcbachmann/cel-js';
import { fail } from './errors.js';
import type { StepDecl } from './pack-model.js';

export const CEL_LIMITS = {
  sourceChars: 4096,
  maxDepth: 32,
  maxAstNodes: 256,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
  comprehensionNesting: 2,
} as const;

/** Global functions allowed: `size(x)`, conversions, `has(x.f)`. */
const CALLS = new Set(['size', 'int', 'string', 'bool', 'double', 'has']);
/** Receiver methods allowed (string methods and the bounded macros). */
const METHODS = new Set(['size', 'startsWith', 'endsWith', 'contains', 'lowerAscii', 'upperAscii', 'trim', 'indexOf', 'lastIndexOf', 'substring']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'filter']);
const STEP_PROPS = new Set(['type', 'actor', 'time', 'case', 'seq']);
const LATEST_PROPS = new Set(['actor', 'time', 'seq']);

export type StepProp = 'type' | 'actor' | 'time' | 'case' | 'seq';
export type LatestProp = 'actor' | 'time' | 'seq';

/** Everything one expression reads (the shape of its facts). */
export interface CelReads {
  readonly step: Set<StepProp>;
  readonly data: Set<string>;
  /** true: the whole `case.count` map */
  countAll: boolean;
  readonly count: Set<string>;
  first: boolean;
  readonly latest: Map<string, { readonly props: Set<LatestProp>; readonly data: Set<string> }>;
  readonly agg: Set<string>;
}

export interface CompiledCel {
  readonly source: string;
  readonly reads: CelReads;
  /** The constructors of the typed values its activation holds (cel-facts.ts builds them). */
  readonly messages: CelMessages;
  readonly evaluate: (ctx: Record<string, unknown>) => unknown;
}

/**
 * A value of one of the pack's CEL message types (`step`, `step.data`,
 * `case`, `case.agg`): a Map from field name to value, so a field name is
 * never looked up on a prototype. Each message type has its own subclass,
 * registered as the type's constructor: an activation built from them is
 * used as it is, where a plain object would be converted by the library at
 * every evaluation.
 */
export class CelMessage extends Map<string, unknown> {}
type MessageClass = new () => CelMessage;

/** The message constructors of one step type's environment. */
export interface CelMessages {
  readonly step: MessageClass;
  readonly data: MessageClass;
  readonly case: MessageClass;
  readonly agg: MessageClass;
}

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly range?: { readonly start: number; readonly end: number };
}

/** A compile error with the offset in the expression, for file:line:column. */
function celFail(code: 'PACK_CEL_FORBIDDEN' | 'PACK_CEL_TYPE' | 'PACK_UNKNOWN_FIELD' | 'PACK_LIMIT' | 'PACK_CEL_SYNTAX', msg: string, node?: Node, offset?: number): never {
  fail(code, msg, { offset: offset ?? node?.range?.start ?? 0 });
}

function celType(f: { type: string; of: string | null }): string {
  return f.type === 'list' ? `list<${f.of ?? 'string'}>` : f.type;
}

/** One environment per step type: `step` typed by its declaration, `case` by the pack. */
export class CelEnvironments {
  private readonly byType = new Map<string, { env: Environment; messages: CelMessages }>();

  constructor(steps: ReadonlyMap<string, StepDecl>, aggregates: ReadonlySet<string>) {
    const base = new Environment({
      limits: {
        maxAstNodes: CEL_LIMITS.maxAstNodes,
        maxDepth: CEL_LIMITS.maxDepth,
        maxListElements: CEL_LIMITS.maxListElements,
        maxMapEntries: CEL_LIMITS.maxMapEntries,
        maxCallArguments: CEL_LIMITS.maxCallArguments,
      },
    });
    // A distinct class per message type: the library knows a value's type by its constructor.
    const message = (): MessageClass => class extends CelMessage {};
    const agg: Record<string, string> = {};
    for (const a of aggregates) agg[a] = 'int';
    const shared = { case: message(), agg: message() };
    base.registerType('CasetrailAgg', { ctor: shared.agg, fields: agg });
    base.registerType('CasetrailCase', { ctor: shared.case, fields: { count: 'map<string, int>', first: 'int', latest: 'map<string, dyn>', agg: 'CasetrailAgg' } });
    base.registerVariable('case', 'CasetrailCase');
    let i = 0;
    const names = new Map<string, { name: string; messages: CelMessages }>();
    for (const [type, decl] of steps) {
      const fields: Record<string, string> = {};
      for (const f of decl.fields.values()) fields[f.name] = celType(f);
      const messages: CelMessages = { ...shared, step: message(), data: message() };
      base.registerType(`CasetrailData${i}`, { ctor: messages.data, fields });
      base.registerType(`CasetrailStep${i}`, {
        ctor: messages.step,
        fields: { type: 'string', actor: 'string', time: 'int', case: 'string', seq: 'int', data: `CasetrailData${i}` },
      });
      names.set(type, { name: `CasetrailStep${i}`, messages });
      i++;
    }
    for (const [type, { name, messages }] of names) this.byType.set(type, { env: base.clone().registerVariable('step', name), messages });
  }

  forType(type: string): Environment {
    return this.of(type).env;
  }

  /** The message constructors of a step type's environment. */
  messagesOf(type: string): CelMessages {
    return this.of(type).messages;
  }

  private of(type: string): { env: Environment; messages: CelMessages } {
    const e = this.byType.get(type);
    if (e === undefined) throw new RangeError(`no CEL environment for step type ${type}`);
    return e;
  }
}

type Part = string | { readonly literal: string } | { readonly dynamic: Node };

/** `a.b["c"].d` → root id and parts, or null when the chain does not start at an identifier. */
function chainOf(node: Node): { root: string; parts: Part[] } | null {
  const parts: Part[] = [];
  let n: Node = node;
  for (;;) {
    if (n.op === '.') {
      const [inner, name] = n.args as [Node, string];
      parts.unshift(name);
      n = inner;
    } else if (n.op === '[]') {
      const [inner, idx] = n.args as [Node, Node];
      parts.unshift(idx.op === 'value' && typeof idx.args === 'string' ? { literal: idx.args } : { dynamic: idx });
      n = inner;
    } else if (n.op === 'id') {
      return { root: n.args as string, parts };
    } else {
      return null;
    }
  }
}

function newReads(): CelReads {
  return { step: new Set(), data: new Set(), countAll: false, count: new Set(), first: false, latest: new Map(), agg: new Set() };
}

/**
 * Compiles `source` for a step of `stepType`: the static checks, then the
 * library's parse and type check. Errors carry `details.offset` (a UTF-16
 * offset into the expression).
 * @throws SupervisionError PACK_CEL_SYNTAX | PACK_CEL_TYPE | PACK_CEL_FORBIDDEN | PACK_UNKNOWN_FIELD | PACK_LIMIT
 */
export function compileCel(source: string, stepType: string, envs: CelEnvironments, steps: ReadonlyMap<string, StepDecl>, aggregates: ReadonlySet<string>): CompiledCel {
  if (source.length > CEL_LIMITS.sourceChars) celFail('PACK_LIMIT', `a CEL expression is longer than ${CEL_LIMITS.sourceChars} characters`);
  const env = envs.forType(stepType);
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    const err = e as { code?: string; message?: string; range?: { start: number } };
    const first = String(err.message ?? e).split('\n')[0] ?? '';
    if (err.code === 'limit_exceeded') celFail('PACK_LIMIT', `CEL: ${first}`, undefined, err.range?.start);
    celFail('PACK_CEL_SYNTAX', `CEL: ${first}`, undefined, err.range?.start);
  }
  const reads = newReads();
  const stepDecl = steps.get(stepType);
  if (stepDecl === undefined) throw new RangeError(`undeclared step type ${stepType}`);
  const declared = (t: string, node: Node): StepDecl =>
    steps.get(t) ?? celFail('PACK_UNKNOWN_FIELD', `CEL: step type ${JSON.stringify(t)} is not declared in the pack's steps`, node);

  const path = (root: 'step' | 'case', parts: Part[], node: Node, locals: ReadonlySet<string>, nest: number): void => {
    const p0 = parts[0];
    if (typeof p0 !== 'string') celFail('PACK_CEL_TYPE', `CEL: use ${root}.<field>, not ${root}[…] or ${root} alone`, node);
    if (root === 'step') {
      if (STEP_PROPS.has(p0)) {
        reads.step.add(p0 as StepProp);
        if (parts.length > 1) celFail('PACK_CEL_TYPE', `CEL: step.${p0} has no fields`, node);
        return;
      }
      if (p0 !== 'data') celFail('PACK_UNKNOWN_FIELD', `CEL: step has no field ${JSON.stringify(p0)} (type, actor, time, case, seq, data)`, node);
      const f = parts[1];
      if (typeof f !== 'string') celFail('PACK_CEL_TYPE', 'CEL: read step.data.<field>, not step.data as a whole', node);
      if (!stepDecl.fields.has(f)) celFail('PACK_UNKNOWN_FIELD', `CEL: field ${JSON.stringify(f)} is not declared for step type ${JSON.stringify(stepType)}`, node);
      reads.data.add(f);
      rest(parts.slice(2), locals, nest);
      return;
    }
    if (p0 === 'first') {
      reads.first = true;
      if (parts.length > 1) celFail('PACK_CEL_TYPE', 'CEL: case.first has no fields', node);
      return;
    }
    if (p0 === 'count') {
      const t = parts[1];
      if (t === undefined) {
        reads.countAll = true;
        return;
      }
      if (typeof t === 'string' || !('literal' in t)) celFail('PACK_CEL_TYPE', 'CEL: index case.count with a step type literal, e.g. case.count["review.completed"]', node);
      declared(t.literal, node);
      reads.count.add(t.literal);
      if (parts.length > 2) celFail('PACK_CEL_TYPE', 'CEL: a count has no fields', node);
      return;
    }
    if (p0 === 'agg') {
      const n = parts[1];
      if (typeof n !== 'string' || !aggregates.has(n)) celFail('PACK_UNKNOWN_FIELD', `CEL: case.agg.${typeof n === 'string' ? n : '…'} is not a declared aggregate`, node);
      reads.agg.add(n);
      if (parts.length > 2) celFail('PACK_CEL_TYPE', 'CEL: an aggregate has no fields', node);
      return;
    }
    if (p0 !== 'latest') celFail('PACK_UNKNOWN_FIELD', `CEL: case has no field ${JSON.stringify(p0)} (count, first, latest, agg)`, node);
    const t = parts[1];
    if (t === undefined || typeof t === 'string' || !('literal' in t)) {
      celFail('PACK_CEL_TYPE', 'CEL: index case.latest with a step type literal, e.g. case.latest["review.completed"].actor', node);
    }
    const decl = declared(t.literal, node);
    let l = reads.latest.get(t.literal);
    if (l === undefined) reads.latest.set(t.literal, (l = { props: new Set(), data: new Set() }));
    const p2 = parts[2];
    if (typeof p2 === 'string' && LATEST_PROPS.has(p2) && parts.length === 3) {
      l.props.add(p2 as LatestProp);
      return;
    }
    const f = parts[3];
    if (p2 !== 'data' || typeof f !== 'string') {
      celFail('PACK_CEL_TYPE', 'CEL: read case.latest["<type>"].actor | .time | .seq | .data.<field>', node);
    }
    if (!decl.fields.has(f)) celFail('PACK_UNKNOWN_FIELD', `CEL: field ${JSON.stringify(f)} is not declared for step type ${JSON.stringify(t.literal)}`, node);
    l.data.add(f);
    rest(parts.slice(4), locals, nest);
  };

  // What follows a list field: indexes only, whose expressions are walked.
  const rest = (parts: Part[], locals: ReadonlySet<string>, nest: number): void => {
    for (const p of parts) {
      if (typeof p === 'string') celFail('PACK_CEL_TYPE', `CEL: a field value has no field ${JSON.stringify(p)}`);
      if ('dynamic' in p) walk(p.dynamic, locals, nest);
    }
  };

  const walk = (node: Node, locals: ReadonlySet<string>, nest: number): void => {
    const op = node.op;
    switch (op) {
      case 'value':
        return;
      case 'id': {
        const name = node.args as string;
        if (locals.has(name)) return;
        if (name === 'step' || name === 'case') celFail('PACK_CEL_TYPE', `CEL: use ${name}.<field>, not ${name} alone`, node);
        celFail('PACK_CEL_TYPE', `CEL: unknown variable ${JSON.stringify(name)} (step, case)`, node);
        return;
      }
      case '.':
      case '[]': {
        const c = chainOf(node);
        if (c !== null && (c.root === 'step' || c.root === 'case') && !locals.has(c.root)) {
          path(c.root, c.parts, node, locals, nest);
          return;
        }
        const [inner, x] = node.args as [Node, unknown];
        walk(inner, locals, nest);
        if (op === '[]') walk(x as Node, locals, nest);
        return;
      }
      case '.?':
      case '[?]':
        celFail('PACK_CEL_FORBIDDEN', 'CEL: optional selection is not in the subset', node);
        return;
      case 'call': {
        const [name, args] = node.args as [string, Node[]];
        if (!CALLS.has(name)) celFail('PACK_CEL_FORBIDDEN', `CEL: ${name}() is not in the supervision subset`, node);
        for (const a of args) walk(a, locals, nest);
        return;
      }
      case 'rcall': {
        const [name, recv, args] = node.args as [string, Node, Node[]];
        if (recv.op === 'id' && recv.args === 'cel' && !locals.has('cel')) celFail('PACK_CEL_FORBIDDEN', `CEL: cel.${name}() is not in the supervision subset`, node);
        if (name === 'matches') celFail('PACK_CEL_FORBIDDEN', 'CEL: matches() is refused: it runs a JavaScript regular expression (ReDoS)', node);
        if (MACROS.has(name)) {
          const v = args[0];
          if (v === undefined || v.op !== 'id') celFail('PACK_CEL_TYPE', `CEL: ${name}() needs a variable name first`, node);
          const vn = v.args as string;
          if (vn === 'step' || vn === 'case' || locals.has(vn)) celFail('PACK_CEL_TYPE', `CEL: ${name}() variable ${vn} shadows another name`, node);
          if (nest + 1 > CEL_LIMITS.comprehensionNesting) celFail('PACK_LIMIT', `CEL: comprehensions nested deeper than ${CEL_LIMITS.comprehensionNesting}`, node);
          walk(recv, locals, nest);
          const inner = new Set(locals).add(vn);
          for (const a of args.slice(1)) walk(a, inner, nest + 1);
          return;
        }
        if (!METHODS.has(name)) celFail('PACK_CEL_FORBIDDEN', `CEL: .${name}() is not in the supervision subset`, node);
        walk(recv, locals, nest);
        for (const a of args) walk(a, locals, nest);
        return;
      }
      case 'in': {
        const [left, right] = node.args as [Node, Node];
        const c = chainOf(right);
        if (c !== null && c.root === 'case' && !locals.has('case') && c.parts.length === 1 && c.parts[0] === 'latest') {
          if (left.op !== 'value' || typeof left.args !== 'string') celFail('PACK_CEL_TYPE', 'CEL: test "<step type>" in case.latest with a literal', node);
          const t = left.args;
          declared(t, node);
          if (!reads.latest.has(t)) reads.latest.set(t, { props: new Set(), data: new Set() });
          return;
        }
        walk(left, locals, nest);
        walk(right, locals, nest);
        return;
      }
      case 'list':
        for (const a of node.args as Node[]) walk(a, locals, nest);
        return;
      case 'map':
        for (const [k, v] of node.args as [Node, Node][]) {
          walk(k, locals, nest);
          walk(v, locals, nest);
        }
        return;
      case '!_':
      case '-_':
        walk(node.args as Node, locals, nest);
        return;
      default:
        for (const a of node.args as Node[]) walk(a, locals, nest);
    }
  };
  walk(parsed.ast as unknown as Node, new Set(), 0);

  const checked = env.check(source);
  if (!checked.valid) {
    const err = checked.error as { message?: string; range?: { start: number } } | undefined;
    celFail('PACK_CEL_TYPE', `CEL: ${String(err?.message ?? 'type error').split('\n')[0]}`, undefined, err?.range?.start);
  }
  if (checked.type !== 'bool') celFail('PACK_CEL_TYPE', `CEL: a condition must be bool, this one is ${String(checked.type)}`);
  const program = parsed as unknown as (ctx: Record<string, unknown>) => unknown;
  return { source, reads, messages: envs.messagesOf(stepType), evaluate: program };
}
