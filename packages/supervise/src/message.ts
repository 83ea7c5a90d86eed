/**
 * Alert reasons: the rule's `message` {zh, en} with `{name}` placeholders
 * filled from the alert's facts (docs/supervision.md §2.4). Which names a
 * rule kind offers is fixed here, and a pack naming another is refused.
 */
import type { Message } from './pack-model.js';

const PLACEHOLDER = /\{([^{}\s]{1,128})\}/g;

/** Placeholder names each rule kind provides (besides `level`, always there). */
export const KIND_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  order: ['missing', 'present'],
  fee: ['item', 'amount', 'standard', 'schedule'],
  'required-fields': ['missing'],
  separation: ['actor', 'earlierType', 'earlierSeq'],
  deadline: ['days', 'startDate', 'dueDate', 'stopDate'],
  escalate: ['alertSeq', 'alertRule', 'alertLevel', 'after'],
};

/** The placeholders a message uses. */
export function placeholders(m: Message): string[] {
  const out = new Set<string>();
  for (const text of [m.zh, m.en]) for (const x of text.matchAll(PLACEHOLDER)) out.add(x[1] as string);
  return [...out];
}

/** The value a dotted path names in the facts (for CEL: `step.data.amountFen`). */
export function lookup(facts: unknown, name: string): unknown {
  let v: unknown = facts;
  for (const part of name.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(', ');
  return JSON.stringify(v);
}

/** Longest reason an alert records (docs/supervision.md §5.4). */
export const MAX_REASON = 4096;

/**
 * A filled message as an alert records it: 1–4096 characters. Facts can make
 * it longer (a long field read twice) or empty (an empty field alone): it is
 * then cut to 4095 characters and `…` (never inside a surrogate pair), or
 * `—`, so that a step is never refused for the length of its reason.
 */
function bounded(text: string): string {
  if (text.length === 0) return '—';
  if (text.length <= MAX_REASON) return text;
  let end = MAX_REASON - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Fills `{name}` from `values` (flat names first, then a dotted path into the facts). */
export function renderReason(m: Message, values: Readonly<Record<string, unknown>>): Message {
  const fill = (text: string): string =>
    bounded(text.replace(PLACEHOLDER, (_all, name: string) => show(Object.prototype.hasOwnProperty.call(values, name) ? values[name] : lookup(values, name))));
  return { zh: fill(m.zh), en: fill(m.en) };
}
