/**
 * Permission policies (docs/oversight.md §9; decision 0004): which roles of
 * which units may record which step types, dispose of alerts or record
 * violations. Cedar's semantics on a YAML file: default deny, a `forbid`
 * that matches overrides every `permit`, principals are in their unit and
 * units in their parents — so a superior's rights over its subordinates'
 * cases follow from the tree.
 *
 * The file is read strictly (strict-yaml.ts); its canonical form (RFC 8785
 * JSON of the normalized policy) is what is adopted and hashed; the
 * decision (`decide`) is one function, which the writer, the audit and the
 * library's `can` all call.
 */
import { LedgerError, sha256, toHex, utf8 } from '@casetrail/core';
import { canonicalJson } from '@casetrail/supervise';
import { parseStrictYaml } from '../strict-yaml.js';
import { ACTIONS, checkRole, checkUnitName, type Action } from './entries.js';

export const POLICY_FORMAT = 'casetrail-policy/v1';
/** Largest policy: rules, and items per list. */
export const POLICY_LIMITS = { rules: 256, items: 256, bytes: 256 * 1024 } as const;

export type Scope = 'subtree' | 'any';
export type Condition = 'about-principal';

/** One rule, normalized: every key present, lists sorted, null where the source had none. */
export interface PolicyRule {
  id: string;
  effect: 'permit' | 'forbid';
  actions: Action[];
  /** step types a `record` is restricted to (exact, or a prefix ending in `.*`); null: any */
  types: string[] | null;
  /** the principal has one of these roles; null: any enrolled principal */
  roles: string[] | null;
  /** the principal's unit is one of these or below one; null: any */
  units: string[] | null;
  /** subtree: the resource's case belongs to the principal's unit or one below it; any: wherever */
  scope: Scope;
  /** the rule applies only if this holds */
  when: Condition | null;
  /** the rule does not apply to a principal with one of these roles */
  unlessRoles: string[] | null;
}

/** A policy in its canonical form (what is adopted and hashed). */
export interface Policy {
  format: typeof POLICY_FORMAT;
  id: string;
  version: number;
  /** step types whose `record` needs the actor's signature by the key enrolled at that time */
  signatures: string[];
  rules: PolicyRule[];
}

export interface CompiledPolicy {
  readonly source: Policy;
  readonly hash: string;
  readonly byAction: Readonly<Record<Action, { permit: PolicyRule[]; forbid: PolicyRule[] }>>;
  readonly signatures: ReadonlySet<string>;
}

function invalid(where: string, message: string, line?: number): never {
  throw new LedgerError('POLICY_INVALID', `${where}${line === undefined ? '' : `:${line}`}: ${message}`, { file: where, ...(line === undefined ? {} : { line }) });
}

const TYPE_PATTERN = /^[^\s*]{1,256}(\.\*)?$|^\*$/u;

function list(v: unknown, where: string, key: string, item: (x: unknown, what: string) => string): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > POLICY_LIMITS.items) invalid(where, `${key} must be a list of 1 to ${POLICY_LIMITS.items} items`);
  const out = [...new Set(v.map((x, i) => item(x, `${key}[${i}]`)))].sort();
  return out;
}

function only(o: Record<string, unknown>, keys: readonly string[], what: string, where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) invalid(where, `${what}: unknown key ${JSON.stringify(k)} (allowed: ${keys.join(', ')})`);
}

function typeName(x: unknown, what: string, where: string): string {
  if (typeof x !== 'string' || !TYPE_PATTERN.test(x)) invalid(where, `${what} must be a step type, a prefix ending in .* or *`);
  return x;
}

function rule(v: unknown, effect: 'permit' | 'forbid', i: number, where: string): PolicyRule {
  const what = `${effect}[${i}]`;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(where, `${what} must be a map`);
  const o = v as Record<string, unknown>;
  only(o, ['id', 'actions', 'types', 'roles', 'units', 'scope', 'when', 'unlessRoles'], what, where);
  if (typeof o['id'] !== 'string' || !/^[\p{L}\p{N}_.:-]{1,128}$/u.test(o['id'])) invalid(where, `${what}.id must be 1 to 128 letters, digits, _ . : or -`);
  const actions = list(o['actions'], where, `${what}.actions`, (x, w) => {
    if (!ACTIONS.includes(x as Action)) invalid(where, `${w} must be one of ${ACTIONS.join(', ')}`);
    return x as string;
  }) as Action[] | null;
  if (actions === null) invalid(where, `${what}.actions is required`);
  const types = list(o['types'], where, `${what}.types`, (x, w) => typeName(x, w, where));
  if (types !== null && !actions.includes('record')) invalid(where, `${what}.types restricts record; the rule has no record action`);
  const roleOf = (x: unknown, w: string) => wrap(where, () => checkRole(x, w));
  const scope = o['scope'] ?? (effect === 'permit' ? 'subtree' : 'any');
  if (scope !== 'subtree' && scope !== 'any') invalid(where, `${what}.scope must be subtree or any`);
  const when = o['when'] ?? null;
  if (when !== null && when !== 'about-principal') invalid(where, `${what}.when must be about-principal`);
  return {
    id: o['id'],
    effect,
    actions,
    types,
    roles: list(o['roles'], where, `${what}.roles`, roleOf),
    units: list(o['units'], where, `${what}.units`, (x, w) => wrap(where, () => checkUnitName(x, w))),
    scope,
    when,
    unlessRoles: list(o['unlessRoles'], where, `${what}.unlessRoles`, roleOf),
  };
}

function wrap<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LedgerError) invalid(where, e.message);
    throw e;
  }
}

/**
 * A policy from its plain value (the YAML source's, or the canonical form's).
 * @throws LedgerError POLICY_INVALID
 */
export function normalizePolicy(v: unknown, where: string): Policy {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(where, 'a policy is a map with policy, version, permit (and forbid, signatures)');
  const o = v as Record<string, unknown>;
  const canonical = o['format'] !== undefined;
  if (canonical) {
    only(o, ['format', 'id', 'version', 'signatures', 'rules'], 'the policy', where);
    if (o['format'] !== POLICY_FORMAT) invalid(where, `format must be ${POLICY_FORMAT}`);
  } else {
    only(o, ['policy', 'version', 'signatures', 'permit', 'forbid'], 'the policy', where);
  }
  const id = canonical ? o['id'] : o['policy'];
  if (typeof id !== 'string' || !/^[\p{L}\p{N}_.:-]{1,128}$/u.test(id)) invalid(where, `${canonical ? 'id' : 'policy'} must be the policy's name: 1 to 128 letters, digits, _ . : or -`);
  const version = o['version'];
  if (!Number.isSafeInteger(version) || (version as number) < 1) invalid(where, 'version must be an integer ≥ 1');
  const sig = o['signatures'];
  if (sig !== undefined && !Array.isArray(sig)) invalid(where, 'signatures must be a list of step types');
  const signatures = sig === undefined || (sig as unknown[]).length === 0 ? [] : (list(sig, where, 'signatures', (x, w) => typeName(x, w, where)) ?? []);
  let rules: PolicyRule[];
  if (canonical) {
    if (!Array.isArray(o['rules'])) invalid(where, 'rules must be a list');
    rules = (o['rules'] as unknown[]).map((r, i) => {
      const ro = (r ?? {}) as Record<string, unknown>;
      const effect = ro['effect'];
      if (effect !== 'permit' && effect !== 'forbid') invalid(where, `rules[${i}].effect must be permit or forbid`);
      const { effect: _e, ...rest } = ro;
      return rule(Object.fromEntries(Object.entries(rest).filter(([, x]) => x !== null)), effect, i, where);
    });
  } else {
    const permit = o['permit'] ?? [];
    const forbid = o['forbid'] ?? [];
    if (!Array.isArray(permit) || !Array.isArray(forbid)) invalid(where, 'permit and forbid must be lists of rules');
    rules = [...permit.map((r, i) => rule(r, 'permit', i, where)), ...forbid.map((r, i) => rule(r, 'forbid', i, where))];
  }
  if (rules.length === 0 || rules.length > POLICY_LIMITS.rules) invalid(where, `a policy has 1 to ${POLICY_LIMITS.rules} rules`);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) invalid(where, `rule id ${JSON.stringify(r.id)} appears twice`);
    ids.add(r.id);
  }
  return { format: POLICY_FORMAT, id, version: version as number, signatures, rules };
}

/** The canonical JSON text of a policy (RFC 8785; what `casetrail.policy.adopted` holds). */
export function canonicalPolicy(p: Policy): string {
  return canonicalJson(p);
}

/** SHA-256 of the canonical text, lowercase hex: the policy's hash (what a superior's monitor is configured with). */
export function policyHash(p: Policy): string {
  return toHex(sha256(utf8(canonicalPolicy(p))));
}

/**
 * Reads a policy file's text (YAML).
 * @throws LedgerError POLICY_INVALID naming the file and the line where known
 */
export function loadPolicy(source: string, file: string): Policy {
  if (source.length > POLICY_LIMITS.bytes) invalid(file, `larger than ${POLICY_LIMITS.bytes} bytes`);
  return normalizePolicy(
    parseStrictYaml(source, (m, line) => invalid(file, m, line)),
    file,
  );
}

/** A policy's rules indexed by action, and its hash checked. @throws POLICY_INVALID when `hash` is not its hash */
export function compilePolicy(value: unknown, hash?: string): CompiledPolicy {
  const source = normalizePolicy(value, 'the adopted policy');
  if (canonicalJson(value) !== canonicalPolicy(source)) invalid('the adopted policy', 'is not in its canonical form');
  const h = policyHash(source);
  if (hash !== undefined && hash !== h) invalid('the adopted policy', `its hash is ${h}, not the ${hash} its entry names`);
  const byAction = Object.fromEntries(ACTIONS.map((a) => [a, { permit: [] as PolicyRule[], forbid: [] as PolicyRule[] }])) as Record<Action, { permit: PolicyRule[]; forbid: PolicyRule[] }>;
  for (const r of source.rules) for (const a of r.actions) byAction[a][r.effect].push(r);
  return { source, hash: h, byAction, signatures: new Set(source.signatures) };
}

/** Whether a step type is in a list of types and `prefix.*` patterns. */
export function typeMatches(patterns: readonly string[] | ReadonlySet<string>, type: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1)))) return true;
  }
  return false;
}
