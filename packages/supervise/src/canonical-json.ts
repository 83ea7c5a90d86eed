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
  return write(value, 0);
}

const MAX_DEPTH = 64;

// Strings are concatenated (V8 joins them lazily): cheaper than an array of parts joined at the end.
function write(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError('canonicalJson: nesting deeper than 64');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError('canonicalJson: a number is not finite');
      return Object.is(v, -0) ? '0' : JSON.stringify(v);
    case 'object':
      break;
    default:
      throw new RangeError(`canonicalJson: a ${typeof v} has no JSON form`);
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += write(v[i], depth + 1);
    }
    return out + ']';
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new RangeError('canonicalJson: only plain objects and arrays');
  const obj = v as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks.
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = obj[k];
    if (x === undefined) throw new RangeError(`canonicalJson: member ${JSON.stringify(k)} is undefined`);
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + write(x, depth + 1);
  }
  return out + '}';
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
