/**
 * Shared pieces of the hostile-input properties (test/reliability/fuzz*.test.ts):
 * the verdict of a call on attacker-controlled input, byte and text
 * mutations, an in-memory Merkle tree, and the run counter behind the
 * "≥ 10,000 generated cases" figure.
 */
import fc from 'fast-check';
import { LedgerError, MerkleAccumulator, sha256, type ErrorCode, type NodeReader } from '../../src/index.js';
import { knob, record } from './reliability-config.js';

/** Runs per property: the CI count (≤ 2,000) times CASETRAIL_SOAK_FUZZ_SCALE. */
export function runs(ci: number): number {
  return ci * knob('FUZZ_SCALE', 1);
}

const counts = new Map<string, number>();

/** Counts one generated case of a named property. */
export function tick(name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

/** Generated cases counted so far in this file. */
export function countSoFar(): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

/** Total generated cases so far, and records each property's count as a figure. */
export function flushCounts(prefix: string): number {
  let total = 0;
  for (const [name, n] of counts) {
    record(`${prefix}.${name}`, n);
    total += n;
  }
  counts.clear();
  return total;
}

/** The outcome of calling a parser on hostile input: accepted, a coded refusal, or anything else (a bug). */
export type Verdict<T> = { ok: true; value: T } | { ok: false; code: ErrorCode } | { ok: false; code: 'UNCODED'; error: unknown };

export function verdict<T>(fn: () => T): Verdict<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof LedgerError) return { ok: false, code: e.code };
    return { ok: false, code: 'UNCODED', error: e };
  }
}

/** Throws (failing the property) unless the call was accepted or refused with one of `codes`. */
export function expectCoded<T>(v: Verdict<T>, codes: readonly ErrorCode[], what: string): void {
  if (v.ok) return;
  if (v.code === 'UNCODED') throw new Error(`${what}: uncoded exception ${String((v as { error: unknown }).error)}`, { cause: (v as { error: unknown }).error });
  if (!codes.includes(v.code)) throw new Error(`${what}: unexpected code ${v.code} (allowed: ${codes.join(', ')})`);
}

/** One change to a byte string (indices are taken modulo the length). */
export type ByteMutation =
  | { op: 'flip'; at: number; mask: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number }
  | { op: 'truncate'; at: number }
  | { op: 'append'; bytes: Uint8Array }
  | { op: 'duplicate'; at: number; len: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
);

export function mutateBytes(b: Uint8Array, m: ByteMutation): Uint8Array {
  const n = b.length;
  switch (m.op) {
    case 'flip': {
      if (n === 0) return Uint8Array.of(m.mask);
      const out = b.slice();
      out[m.at % n]! ^= m.mask;
      return out;
    }
    case 'insert': {
      const i = m.at % (n + 1);
      return Uint8Array.from([...b.subarray(0, i), m.byte, ...b.subarray(i)]);
    }
    case 'delete': {
      if (n === 0) return Uint8Array.of(0);
      const i = m.at % n;
      return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
    }
    case 'truncate':
      return n === 0 ? Uint8Array.of(0) : b.slice(0, m.at % n);
    case 'append':
      return Uint8Array.from([...b, ...m.bytes]);
    case 'duplicate': {
      if (n === 0) return Uint8Array.of(1);
      const i = m.at % n;
      const piece = b.subarray(i, Math.min(n, i + m.len));
      return Uint8Array.from([...b.subarray(0, i), ...piece, ...b.subarray(i)]);
    }
  }
}

/** One change to a text (characters or whole lines). */
export type TextMutation =
  | { op: 'char-replace'; at: number; ch: string }
  | { op: 'char-insert'; at: number; ch: string }
  | { op: 'char-delete'; at: number }
  | { op: 'line-delete'; at: number }
  | { op: 'line-duplicate'; at: number }
  | { op: 'line-swap'; at: number }
  | { op: 'line-insert'; at: number; line: string };

const interesting = fc.constantFrom('\n', ' ', '\u2014', '+', '=', '/', 'A', 'a', '0', '9', '\t', '\r', '\u0000', '\u00a0', 'é', '\ud800', '—', '\u2028');

export function textMutation(extraLines: readonly string[]): fc.Arbitrary<TextMutation> {
  const ch = fc.oneof(interesting, fc.string({ minLength: 1, maxLength: 1 }));
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('char-replace' as const), at: fc.nat(), ch }) },
    fc.record({ op: fc.constant('char-insert' as const), at: fc.nat(), ch }),
    fc.record({ op: fc.constant('char-delete' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('line-delete' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('line-duplicate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('line-swap' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('line-insert' as const), at: fc.nat(), line: extraLines.length > 0 ? fc.oneof(fc.constantFrom(...extraLines), fc.string({ maxLength: 40 })) : fc.string({ maxLength: 40 }) }),
  );
}

export function mutateText(s: string, m: TextMutation): string {
  const n = s.length;
  switch (m.op) {
    case 'char-replace': {
      if (n === 0) return m.ch;
      const i = m.at % n;
      return s.slice(0, i) + m.ch + s.slice(i + 1);
    }
    case 'char-insert': {
      const i = m.at % (n + 1);
      return s.slice(0, i) + m.ch + s.slice(i);
    }
    case 'char-delete': {
      if (n === 0) return 'x';
      const i = m.at % n;
      return s.slice(0, i) + s.slice(i + 1);
    }
    default: {
      const lines = s.split('\n');
      const i = m.at % lines.length;
      if (m.op === 'line-delete') lines.splice(i, 1);
      else if (m.op === 'line-duplicate') lines.splice(i, 0, lines[i]!);
      else if (m.op === 'line-swap') {
        const j = (i + 1) % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      } else lines.splice(i, 0, m.line);
      return lines.join('\n');
    }
  }
}

/** An in-memory Merkle tree over leaf hashes, readable like the store. */
export function memoryTree(leaves: Uint8Array[]): NodeReader {
  const nodes = new Map<string, Uint8Array>();
  const acc = new MerkleAccumulator();
  leaves.forEach((leaf, i) => {
    nodes.set(`0/${i}`, leaf);
    for (const n of acc.push(leaf)) nodes.set(`${n.level}/${n.index}`, n.hash);
  });
  return {
    node(level, index) {
      const h = nodes.get(`${level}/${index}`);
      if (h === undefined) throw new LedgerError('STORAGE_ERROR', `no node ${level}/${index}`);
      return h;
    },
  };
}

/** n distinct leaf hashes. */
export function leavesOf(n: number, salt = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(salt, i & 255, i >> 8)));
}
