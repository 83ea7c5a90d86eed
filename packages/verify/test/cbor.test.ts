import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCbor, encodeCbor, isWellFormedText, MAX_CBOR_DEPTH, type CborValue } from '../src/cbor.js';
import { LedgerError } from '../src/errors.js';
import { hex } from './helpers/vectors.js';

const m = (...pairs: [number, CborValue][]): Map<number, CborValue> => new Map(pairs);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** RFC 8949 Appendix A examples that lie inside the format.md §3 subset. */
const APPENDIX_A: [string, CborValue][] = [
  ['00', 0],
  ['01', 1],
  ['0a', 10],
  ['17', 23],
  ['1818', 24],
  ['1819', 25],
  ['1864', 100],
  ['1903e8', 1000],
  ['1a000f4240', 1000000],
  ['1b000000e8d4a51000', 1000000000000],
  ['40', new Uint8Array(0)],
  ['4401020304', Uint8Array.of(1, 2, 3, 4)],
  ['60', ''],
  ['6161', 'a'],
  ['6449455446', 'IETF'],
  ['62225c', '"\\'],
  ['62c3bc', '\u00fc'],
  ['63e6b0b4', '\u6c34'],
  ['64f0908591', '\ud800\udd51'],
  ['80', []],
  ['83010203', [1, 2, 3]],
  ['8301820203820405', [1, [2, 3], [4, 5]]],
  ['98190102030405060708090a0b0c0d0e0f101112131415161718181819', range(1, 25)],
  ['a0', m()],
  ['a201020304', m([1, 2], [3, 4])],
];

/** Boundaries of each argument width, plus the largest integer we accept. */
const WIDTHS: [string, CborValue][] = [
  ['18ff', 255],
  ['190100', 256],
  ['19ffff', 65535],
  ['1a00010000', 65536],
  ['1affffffff', 4294967295],
  ['1b0000000100000000', 4294967296],
  ['1b001fffffffffffff', Number.MAX_SAFE_INTEGER],
  ['5818' + '00'.repeat(24), new Uint8Array(24)],
  ['a3000001011818' + '02', m([0, 0], [1, 1], [24, 2])],
  ['a2178018188101', m([23, []], [24, [1]])],
];

/** Well-formed CBOR that is not the deterministic encoding of its value. */
/** Each with `details.offset`: where the item (or map key) whose encoding is not the deterministic one starts. */
const NON_CANONICAL: [string, string, number][] = [
  ['1817', 'uint 23 in one extra byte', 0],
  ['1800', 'uint 0 in one extra byte', 0],
  ['1900ff', 'uint 255 in two bytes', 0],
  ['1a0000ffff', 'uint 65535 in four bytes', 0],
  ['1b00000000ffffffff', 'uint 2^32-1 in eight bytes', 0],
  ['1b0000000000000000', 'uint 0 in eight bytes', 0],
  ['5800', 'empty byte string with a one-byte length', 0],
  ['590001ff', 'byte string length in two bytes', 0],
  ['7800', 'empty text with a one-byte length', 0],
  ['9800', 'empty array with a one-byte length', 0],
  ['b800', 'empty map with a one-byte length', 0],
  ['5fff', 'indefinite byte string', 0],
  ['5f42010243030405ff', 'indefinite byte string (RFC 8949 Appendix A)', 0],
  ['7f657374726561646d696e67ff', 'indefinite text (Appendix A)', 0],
  ['9fff', 'indefinite array (Appendix A)', 0],
  ['9f018202039f0405ffff', 'indefinite arrays (Appendix A)', 0],
  ['83018202039f0405ff', 'indefinite array nested (Appendix A)', 5],
  ['bfff', 'indefinite map', 0],
  ['a20304 0102', 'map keys out of order', 3],
  ['a2010201 03', 'map key repeated', 3],
  ['a2181800 1700', 'key 24 before key 23', 4],
  ['a11801 00', 'map key 1 in one extra byte', 1],
  ['82 01 1801', 'non-shortest integer inside an array', 2],
  ['a1 01 a2 0200 0100', 'unsorted keys in a nested map', 5],
];

/** Input that is not CBOR at all, or CBOR outside the subset. */
/**
 * Each with `details.offset`: the item's first byte for a fault of its head
 * (type, additional information, a value above 2^53 − 1, a map or array
 * length that cannot fit, nesting), the end of the input where it is cut
 * short, the first byte after the item for trailing bytes, the text
 * string's first byte for invalid UTF-8 inside it.
 */
const MALFORMED: [string, string, number | undefined][] = [
  ['', 'empty input', 0],
  ['18', 'truncated one-byte argument', 1],
  ['1900', 'truncated two-byte argument', 1],
  ['1a000100', 'truncated four-byte argument', 1],
  ['1b00000001000000', 'truncated eight-byte argument', 1],
  ['41', 'byte string without content', 1],
  ['4301', 'byte string shorter than its length', 1],
  ['6261', 'text shorter than its length', 1],
  ['8201', 'array missing an item', 1],
  ['a101', 'map missing a value', 0],
  ['a2 0100', 'map missing a pair', 0],
  ['0000', 'trailing byte', 1],
  ['80ff', 'trailing break byte', 1],
  ['1c', 'reserved additional information 28', 0],
  ['1d', 'reserved additional information 29', 0],
  ['1e', 'reserved additional information 30', 0],
  ['5c', 'reserved additional information 28 on a byte string', 0],
  ['1f', 'additional information 31 on an integer', 0],
  ['20', 'negative integer -1 (Appendix A)', 0],
  ['3903e7', 'negative integer -1000 (Appendix A)', 0],
  ['c074323031332d30332d32315432303a30343a30305a', 'tag 0 (Appendix A)', 0],
  ['c249010000000000000000', 'bignum tag 2 (Appendix A)', 0],
  ['d82076687474703a2f2f7777772e6578616d706c652e636f6d', 'tag 32 (Appendix A)', 0],
  ['f90000', 'half float 0.0 (Appendix A)', 0],
  ['fa47c35000', 'single float (Appendix A)', 0],
  ['fb3ff199999999999a', 'double float 1.1 (Appendix A)', 0],
  ['f4', 'false', 0],
  ['f5', 'true', 0],
  ['f6', 'null', 0],
  ['f7', 'undefined', 0],
  ['f0', 'simple(16)', 0],
  ['f8ff', 'simple(255)', 0],
  ['ff', 'lone break', 0],
  ['1bffffffffffffffff', '2^64-1 (Appendix A), above 2^53-1', 0],
  ['1b0020000000000000', '2^53, above 2^53-1', 0],
  ['a26161016162820203', 'text map keys (Appendix A)', 1],
  ['826161a161626163', 'text map key nested (Appendix A)', 4],
  ['a14100 00', 'byte-string map key', 1],
  ['a12000', 'negative map key', 1],
  ['61ff', 'text of one invalid byte 0xff', 0],
  ['62c080', 'overlong UTF-8 for U+0000', 0],
  ['63eda080', 'UTF-8 surrogate U+D800', 0],
  ['64f4908080', 'UTF-8 above U+10FFFF', 0],
  ['62e6b0', 'truncated UTF-8 sequence', 0],
  ['8261006280ff', 'invalid UTF-8 in the second item of an array', 3],
  ['a10179' + '0401' + 'ff'.repeat(1025), 'a map value of 1,025 invalid bytes (past the ASCII fast path)', 2],
  ['61' + '80', 'lone UTF-8 continuation byte', 0],
  ['5b0000000100000000', 'byte string of 2^32 bytes past the end', 9],
  ['7a7fffffff', 'text length past the end', 5],
  ['9affffffff', 'array count past the end', 5],
  ['bb001fffffffffffff', 'map count past the end', 0],
  ['81'.repeat(MAX_CBOR_DEPTH + 1) + '00', `arrays nested ${MAX_CBOR_DEPTH + 1} deep`, MAX_CBOR_DEPTH],
  ['a100'.repeat(MAX_CBOR_DEPTH + 1) + '00', `maps nested ${MAX_CBOR_DEPTH + 1} deep`, 2 * MAX_CBOR_DEPTH],
];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return 'OK';
}

/** The code and details of the LedgerError `fn` throws. */
function errorOf(fn: () => unknown): { code: string; details: unknown } | 'OK' {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return { code: e.code, details: e.details };
    throw e;
  }
  return 'OK';
}

const bytesOf = (s: string): Uint8Array => hex(s.replace(/ /g, ''));

describe('cbor: RFC 8949 Appendix A examples in the subset', () => {
  it.each([...APPENDIX_A, ...WIDTHS])('%s', (h, value) => {
    expect(Buffer.from(encodeCbor(value)).toString('hex')).toBe(h);
    expect(decodeCbor(bytesOf(h))).toEqual(value);
  });
});

describe('cbor: non-deterministic encodings are NON_CANONICAL_CBOR', () => {
  it.each(NON_CANONICAL)('%s (%s): offset %i', (h, _why, offset) => {
    expect(errorOf(() => decodeCbor(bytesOf(h)))).toEqual({ code: 'NON_CANONICAL_CBOR', details: { offset } });
  });
});

describe('cbor: input outside the subset is MALFORMED_CBOR', () => {
  it.each(MALFORMED)('%s (%s): offset %s', (h, _why, offset) => {
    expect(errorOf(() => decodeCbor(bytesOf(h)))).toEqual({ code: 'MALFORMED_CBOR', details: offset === undefined ? {} : { offset } });
  });

  it('accepts nesting up to the limit', () => {
    let v: CborValue = 0;
    for (let i = 0; i < MAX_CBOR_DEPTH; i++) v = [v];
    const bytes = encodeCbor(v);
    expect(bytes.length).toBe(MAX_CBOR_DEPTH + 1);
    expect(decodeCbor(bytes)).toEqual(v);
    expect(codeOf(() => encodeCbor([v]))).toBe('INVALID_ARGUMENT');
  });
});

describe('cbor: decoder details', () => {
  it('returns byte strings as plain Uint8Array copies, also from a Buffer', () => {
    const input = Buffer.from('820142abcd', 'hex');
    const out = decodeCbor(input) as [number, Uint8Array];
    expect(out[1].constructor).toBe(Uint8Array);
    expect(out[1]).toEqual(Uint8Array.of(0xab, 0xcd));
    input[3] = 0;
    expect(out[1][0]).toBe(0xab);
  });

  it('decodes a subarray with a non-zero offset', () => {
    const backing = hex('ff6449455446ff');
    expect(decodeCbor(backing.subarray(1, 6))).toBe('IETF');
  });

  it('decodes all-ASCII text of 1 MiB (past the short-text path, which builds a string from an argument list)', () => {
    const long = 'x'.repeat(1 << 20);
    expect(decodeCbor(encodeCbor(long))).toBe(long);
  });

  it('decodes long and non-ASCII text through the strict UTF-8 path', () => {
    const long = 'x'.repeat(5000);
    expect(decodeCbor(encodeCbor(long))).toBe(long);
    const mixed = 'é'.repeat(700) + '\u{1F600}';
    expect(decodeCbor(encodeCbor(mixed))).toBe(mixed);
    // A byte order mark is kept, not stripped.
    expect(decodeCbor(hex('63efbbbf'))).toBe('\ufeff');
  });

  it('rejects a non-Uint8Array argument as INVALID_ARGUMENT', () => {
    expect(codeOf(() => decodeCbor('00' as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => decodeCbor([0] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
  });
});

describe('cbor: text the encoder accepts (well-formed UTF-16, format.md §3)', () => {
  const cases: [string, string, boolean][] = [
    ['no surrogate', 'a\ud7ff\ue000\uffff', true],
    ['a pair at each end of the ranges', '\ud800\udc00\udbff\udfff', true],
    ['a pair between other text', 'x\ud83d\ude00y', true],
    ['a lone high surrogate at the end', 'a\ud800', false],
    ['a lone high surrogate before ASCII', '\ud800b', false],
    ['a high surrogate before U+E000', '\ud800\ue000', false],
    ['a high surrogate before another high one', '\ud800\udbff', false],
    ['a lone low surrogate U+DC00', 'a\udc00', false],
    ['a lone low surrogate U+DFFF', '\udfff', false],
    ['two low surrogates', '\udc00\udc00', false],
    ['a reversed pair', '\udfff\udbff', false],
  ];
  it.each(cases)('%s', (_why, text, ok) => {
    expect(isWellFormedText(text)).toBe(ok);
    expect(codeOf(() => encodeCbor(text))).toBe(ok ? 'OK' : 'INVALID_ARGUMENT');
    expect(codeOf(() => encodeCbor('\u00e9' + text))).toBe(ok ? 'OK' : 'INVALID_ARGUMENT');
  });
});

describe('cbor: nesting limit of the encoder', () => {
  it(`maps nest ${MAX_CBOR_DEPTH} deep and no deeper, as arrays do`, () => {
    let v: CborValue = 0;
    for (let i = 0; i < MAX_CBOR_DEPTH; i++) v = m([0, v]);
    expect(decodeCbor(encodeCbor(v))).toEqual(v);
    expect(codeOf(() => encodeCbor(m([0, v])))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeCbor([v]))).toBe('INVALID_ARGUMENT');
  });
});

describe('cbor: encoder rejects values outside the subset', () => {
  const bad: [string, unknown][] = [
    ['negative integer', -1],
    ['fraction', 1.5],
    ['2^53', 2 ** 53],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['bigint', 1n],
    ['boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['plain object', { a: 1 }],
    ['text key', new Map([['a', 1]])],
    ['negative key', new Map([[-1, 1]])],
    ['fractional key', new Map([[0.5, 1]])],
    ['lone high surrogate', 'a\ud800'],
    ['lone low surrogate', '\udc00b'],
    ['reversed surrogate pair', '\udc00\ud800'],
    ['nested bad value', [1, [2, null]]],
  ];
  it.each(bad)('%s', (_name, v) => {
    expect(codeOf(() => encodeCbor(v as CborValue))).toBe('INVALID_ARGUMENT');
  });

  it('sorts map keys numerically, not by insertion', () => {
    const v = m([256, 0], [10, 0], [24, 0], [0, 0]);
    expect(Buffer.from(encodeCbor(v)).toString('hex')).toBe('a40000 0a00 181800 19010000'.replace(/ /g, ''));
  });

  it('grows its buffer for large values', () => {
    const big = new Uint8Array(100_000).fill(7);
    const out = encodeCbor([big, big]);
    expect(out.length).toBe(1 + 2 * (5 + 100_000));
    const back = decodeCbor(out) as Uint8Array[];
    expect(back.length).toBe(2);
    for (const b of back) expect(Buffer.compare(b, big)).toBe(0);
  });
});

const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.nat(30), fc.nat(300), fc.nat(70_000), fc.maxSafeNat()),
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.nat(30), fc.maxSafeNat()), tie('value')), {
        maxLength: 5,
        selector: ([k]) => k,
      })
      .map((pairs) => new Map(pairs)),
  ),
})).value;

function depthOf(v: CborValue): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v instanceof Map) return 1 + Math.max(0, ...Array.from(v.values(), depthOf));
  return 0;
}

describe('cbor: properties', () => {
  it('decode(encode(v)) equals v and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(
        cborValue.filter((v) => depthOf(v) <= MAX_CBOR_DEPTH),
        (v) => {
          const bytes = encodeCbor(v);
          const back = decodeCbor(bytes);
          expect(back).toEqual(v);
          expect(encodeCbor(back)).toEqual(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random bytes either decode to a value whose encoding is exactly those bytes, or fail with a CBOR code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let value: CborValue;
        try {
          value = decodeCbor(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(['MALFORMED_CBOR', 'NON_CANONICAL_CBOR']).toContain((e as LedgerError).code);
          return;
        }
        expect(encodeCbor(value)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of valid encodings either decode to their own encoding or fail with a CBOR code', () => {
    const mutated = fc
      .tuple(cborValue.filter((v) => depthOf(v) <= MAX_CBOR_DEPTH), fc.nat(), fc.nat(255), fc.nat(2))
      .map(([v, at, byte, op]) => {
        const b = Array.from(encodeCbor(v));
        const i = at % b.length;
        if (op === 0) b[i] = byte;
        else if (op === 1) b.splice(i, 1);
        else b.splice(i, 0, byte);
        return Uint8Array.from(b);
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        let value: CborValue;
        try {
          value = decodeCbor(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(['MALFORMED_CBOR', 'NON_CANONICAL_CBOR']).toContain((e as LedgerError).code);
          return;
        }
        expect(encodeCbor(value)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
