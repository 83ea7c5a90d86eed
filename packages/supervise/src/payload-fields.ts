/**
 * The field readers every system entry parser is built from
 * (docs/supervision.md §5, §14.3): each refuses a value of the wrong type or
 * size by throwing `Malformed`, which the parser turns into
 * MALFORMED_SYSTEM_ENTRY with the payload's type.
 */
import type { Message } from './pack-model.js';

/** A payload that breaks its layout; the parsers wrap it in a SupervisionError. */
export class Malformed extends Error {}

export const bad = (msg: string): never => {
  throw new Malformed(msg);
};

export const HEX64 = /^[0-9a-f]{64}$/;

/** An object with exactly these keys. */
export function obj(v: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(`${what} is not an object`);
  const want = isSorted(keys) ? keys : [...keys].sort();
  const got = Object.keys(v);
  // A payload read from canonical JSON has its keys in order already: sorted only when they are not.
  if (!sameList(got, want) && !sameList(got.sort(), want)) return bad(`${what} must have exactly the keys ${want.join(', ')}`);
  return v as Record<string, unknown>;
}

/** Whether `a` is in the default sort order (the parsers list their keys so). */
function isSorted(a: readonly string[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1]! > a[i]!) return false;
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A text of min–max UTF-16 code units. */
export function text(v: unknown, what: string, max = 4096, min = 1): string {
  if (typeof v !== 'string' || v.length < min || v.length > max) return bad(`${what} must be a text of ${min}–${max} characters`);
  return v;
}

/** A safe integer ≥ 0. */
export function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad(`${what} must be a non-negative integer`);
  return v;
}

/** `{en, zh}`, each 1–4096 characters. */
export function message(v: unknown, what: string): Message {
  const m = obj(v, ['en', 'zh'], what);
  return { en: text(m['en'], `${what}.en`), zh: text(m['zh'], `${what}.zh`) };
}

/** 1–max strictly ascending seqs, each before `before`. */
export function seqList(v: unknown, what: string, before: number, max: number, min = 1): number[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) return bad(`${what} must list ${min}–${max} seqs`);
  let last = -1;
  for (const s of v) {
    const n = uint(s, `${what}[]`);
    if (n <= last || n >= before) bad(`${what} must be ascending seqs of earlier entries`);
    last = n;
  }
  return v as number[];
}
