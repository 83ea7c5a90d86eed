/**
 * The one set of input checkers for API arguments. Misuse (a wrong type, a
 * value out of range) is `INVALID_ARGUMENT`, whose message starts with the
 * argument's name and whose `details.field` is that name. Every checker
 * takes the value first and its name second.
 *
 * These are for arguments given by a program; bytes read from a file or the
 * network are parsed by the format modules, which answer with their own
 * MALFORMED_… codes.
 */
import { fail } from './errors.js';

/** A short description of a value for error messages (never its content). */
export function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function invalid(name: string, expected: string, value: unknown): never {
  return fail('INVALID_ARGUMENT', `${name} must be ${expected}, got ${describe(value)}`, { field: name });
}

/**
 * An integer from `min` (default 0) to 2^53 − 1: counts, sizes, indices,
 * sequence numbers.
 */
export function checkNat(value: unknown, name: string, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    invalid(name, min === 0 ? 'a non-negative safe integer' : `an integer from ${min} to 2^53 - 1`, value);
  }
}

/** An integer from `min` to `max`, both inclusive. */
export function checkIntIn(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(name, `an integer from ${min} to ${max}`, value);
  }
}

/** A time: milliseconds since 1970-01-01T00:00:00Z, an integer from 0 to 2^53 − 1 (format.md §4.1). */
export function checkTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(name, 'a non-negative integer number of milliseconds since the epoch', value);
  }
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * A uint64: a bigint from 0 to 2^64 − 1, or a safe non-negative integer
 * number (sizes and indices of RFC 9162 and tlog formats).
 */
export function checkU64(value: unknown, name: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) invalid(name, 'a uint64 (0 to 2^64 - 1)', value);
    return value;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(name, 'a non-negative safe integer or a uint64 bigint', value);
  }
  return BigInt(value);
}

/** A Uint8Array, of exactly `length` bytes when given. */
export function checkBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    invalid(name, length === undefined ? 'a Uint8Array' : `a Uint8Array of ${length} bytes`, value);
  }
}

/** A 32-byte hash. */
export function checkHash(value: unknown, name: string): asserts value is Uint8Array {
  checkBytes(value, name, 32);
}

/** An array of Uint8Array items (`name[i]` is named on failure), at most `max` of them. */
export function checkBytesArray(value: unknown, name: string, itemLength?: number, max?: number): asserts value is Uint8Array[] {
  if (!Array.isArray(value) || (max !== undefined && value.length > max)) {
    invalid(name, max === undefined ? 'an array of Uint8Array' : `an array of at most ${max} Uint8Array`, value);
  }
  for (let i = 0; i < value.length; i++) checkBytes(value[i], `${name}[${i}]`, itemLength);
}

/** A string (of at least `minLength` UTF-16 units). */
export function checkString(value: unknown, name: string, minLength = 0): asserts value is string {
  if (typeof value !== 'string' || value.length < minLength) invalid(name, minLength > 0 ? 'a non-empty string' : 'a string', value);
}

/** A boolean. */
export function checkBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') invalid(name, 'a boolean', value);
}

/** A non-null object (arrays included). */
export function checkObject(value: unknown, name: string): asserts value is object {
  if (value === null || typeof value !== 'object') invalid(name, 'an object', value);
}

/** A function. */
export function checkFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') invalid(name, 'a function', value);
}
