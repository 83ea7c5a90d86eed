/**
 * Canonical JSON, RFC 8785 (JCS), for the values this package hashes and
 * writes: objects, arrays, strings, booleans, null and finite numbers.
 *
 * - object members sorted by their names as arrays of UTF-16 code units
 *   (RFC 8785 §3.2.3), no white space;
 * - strings escaped as ECMAScript `JSON.stringify` does (RFC 8785 §3.2.2.2
 *   adopts exactly that serialization);
 * - numbers as ECMAScript `Number.prototype.toString` (§3.2.2.3), which
 *   `JSON.stringify` also produces for finite numbers; -0 is written `0`.
 *
 * Anything else (undefined, functions, bigint, NaN, Infinity, symbols, class
 * instances other than plain objects and arrays) is refused with `RangeError`,
 * so a value that cannot round-trip never reaches a hash.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

const MAX_DEPTH = 64;

function write(v: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError('canonicalJson: nesting deeper than 64');
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError('canonicalJson: a number is not finite');
      out.push(Object.is(v, -0) ? '0' : JSON.stringify(v));
      return;
    case 'object':
      break;
    default:
      throw new RangeError(`canonicalJson: a ${typeof v} has no JSON form`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      write(v[i], out, depth + 1);
    }
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new RangeError('canonicalJson: only plain objects and arrays');
  const obj = v as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks.
  const keys = Object.keys(obj).sort();
  out.push('{');
  let first = true;
  for (const k of keys) {
    const x = obj[k];
    if (x === undefined) throw new RangeError(`canonicalJson: member ${JSON.stringify(k)} is undefined`);
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(x, out, depth + 1);
  }
  out.push('}');
}

/**
 * Parses JSON text and checks that it is already in canonical form (the text
 * equals `canonicalJson` of its value). Returns the value or `undefined`.
 */
export function parseCanonicalJson(text: string): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  let again: string;
  try {
    again = canonicalJson(value);
  } catch {
    return undefined;
  }
  return again === text ? { value } : undefined;
}
