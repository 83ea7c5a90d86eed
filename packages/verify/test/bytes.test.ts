/**
 * The byte helpers every format rule stands on (bytes.ts): strict base64
 * (format.md §6.1: one text per byte string), hex, UTF-8 and its length,
 * byte comparison. Each is checked against Node's own implementation on
 * every length up to a few blocks, and every refusal is tried at every
 * position it can occur.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LedgerError, type ErrorCode } from '../src/errors.js';

/**
 * bytes.ts is imported before each test, and nothing else of the package
 * is: a change that stops it from loading then fails every test here (a
 * test file whose imports fail runs no test, and the mutation runner counts
 * only tests that ran), and no other module calls it while loading.
 */
type Bytes = typeof import('../src/bytes.js');
let b: Bytes;
beforeEach(async () => {
  b = await import('../src/bytes.js');
});
const compareBytes: Bytes['compareBytes'] = (x, y) => b.compareBytes(x, y);
const concatBytes: Bytes['concatBytes'] = (...parts) => b.concatBytes(...parts);
const equalBytes: Bytes['equalBytes'] = (x, y) => b.equalBytes(x, y);
const fromBase64: Bytes['fromBase64'] = (s) => b.fromBase64(s);
const fromHex: Bytes['fromHex'] = (s) => b.fromHex(s);
const fromUtf8: Bytes['fromUtf8'] = (x, code) => b.fromUtf8(x, code);
const toBase64: Bytes['toBase64'] = (x) => b.toBase64(x);
const toHex: Bytes['toHex'] = (x) => b.toHex(x);
const utf8: Bytes['utf8'] = (x) => b.utf8(x);
const utf8Length: Bytes['utf8Length'] = (x) => b.utf8Length(x);

/** The code of the LedgerError `fn` throws, or 'none'; anything else is rethrown. */
function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const bytesOf = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 151 + seed * 31 + (i >> 3)) & 255);

describe('base64 (RFC 4648 §4, strict)', () => {
  it('encodes every length 0..64 and every byte value as Node does, and decodes it back', () => {
    for (let n = 0; n <= 64; n++) {
      const b = bytesOf(n);
      const text = toBase64(b);
      expect(text).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(text)).toEqual(b);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(all)).toBe(Buffer.from(all).toString('base64'));
    expect(fromBase64(toBase64(all))).toEqual(all);
    // Each alphabet character at each position of a group decodes to its own value.
    for (let v = 0; v < 64; v++) {
      expect(fromBase64(`${B64[v]}AAA`)).toEqual(Uint8Array.of(v << 2, 0, 0));
      expect(fromBase64(`A${B64[v]}AA`)).toEqual(Uint8Array.of(v >> 4, (v & 15) << 4, 0));
      expect(fromBase64(`AA${B64[v]}A`)).toEqual(Uint8Array.of(0, v >> 2, (v & 3) << 6));
      expect(fromBase64(`AAA${B64[v]}`)).toEqual(Uint8Array.of(0, 0, v));
    }
  });

  it('the decoded length is exact for each padding', () => {
    expect(fromBase64('')).toEqual(new Uint8Array(0));
    expect(fromBase64('AA==')).toEqual(Uint8Array.of(0));
    expect(fromBase64('AAA=')).toEqual(Uint8Array.of(0, 0));
    expect(fromBase64('AAAA')).toEqual(Uint8Array.of(0, 0, 0));
    expect(fromBase64('/w==')).toEqual(Uint8Array.of(255));
    expect(fromBase64('//8=')).toEqual(Uint8Array.of(255, 255));
    expect(fromBase64('AAAA/w==')).toEqual(Uint8Array.of(0, 0, 0, 255));
  });

  it('refuses a length that is not a multiple of 4, and a non-string', () => {
    for (const s of ['A', 'AA', 'AAA', 'AAAAA', 'AA=', '=', 'AAAA=']) {
      expect(codeOf(() => fromBase64(s)), s).toBe('MALFORMED_BASE64');
      expect(() => fromBase64(s), s).toThrow('base64 length is not a multiple of 4');
    }
    expect(codeOf(() => fromBase64(undefined as unknown as string))).toBe('MALFORMED_BASE64');
    expect(codeOf(() => fromBase64(1234 as unknown as string))).toBe('MALFORMED_BASE64');
  });

  it('refuses a character outside the alphabet at every position, naming its offset', () => {
    const good = toBase64(bytesOf(12));
    for (const bad of ['-', '_', ' ', '\n', '.', '\u00e9', '\u0000', '\u007f', '\u0080', '\uff21', '=']) {
      for (let at = 0; at < good.length; at++) {
        const s = good.slice(0, at) + bad + good.slice(at + 1);
        let err: unknown;
        try {
          fromBase64(s);
        } catch (e) {
          err = e;
        }
        expect(err, `${JSON.stringify(bad)} at ${at}`).toBeInstanceOf(LedgerError);
        expect((err as LedgerError).code).toBe('MALFORMED_BASE64');
        if (bad !== '=') expect((err as LedgerError).message).toBe(`invalid base64 character at offset ${at}`);
      }
    }
  });

  it('refuses padding anywhere but at the end, and three padding characters', () => {
    // Also padding that ends a group before the last, when the text ends in padding too.
    for (const s of ['=AAA', 'A=AA', 'AA=A', '==AA', 'AA==AAAA', 'AAA=AAAA', 'A===', '====', 'AA==AA==', 'AAA=AAA=', 'AA==AAA=', 'AAAAAA==AA==']) {
      expect(codeOf(() => fromBase64(s)), s).toBe('MALFORMED_BASE64');
    }
  });

  it('refuses set unused bits in the last group (RFC 4648 §3.5): one text per byte string', () => {
    // One padding character: the low 2 bits of the third character are unused.
    for (let v = 0; v < 64; v++) {
      const s = `AA${B64[v]}=`;
      expect(codeOf(() => fromBase64(s)), s).toBe((v & 3) === 0 ? 'none' : 'MALFORMED_BASE64');
    }
    // Two: the low 4 bits of the second character.
    for (let v = 0; v < 64; v++) {
      const s = `A${B64[v]}==`;
      expect(codeOf(() => fromBase64(s)), s).toBe((v & 15) === 0 ? 'none' : 'MALFORMED_BASE64');
    }
    expect(() => fromBase64('AB==')).toThrow('non-canonical base64: unused bits set');
    expect(() => fromBase64('AAB=')).toThrow('non-canonical base64: unused bits set');
  });

  it('accepts exactly the canonical text of each byte string (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.integer({ min: 1, max: 127 }), (b, at, ch) => {
        const text = toBase64(b);
        expect(fromBase64(text)).toEqual(b);
        if (text.length === 0) return;
        const i = at % text.length;
        const changed = text.slice(0, i) + String.fromCharCode(ch) + text.slice(i + 1);
        if (changed === text) return;
        // Another text is refused, or decodes to other bytes (never to the same ones).
        const v = codeOf(() => fromBase64(changed));
        if (v === 'none') expect(toHex(fromBase64(changed))).not.toBe(toHex(b));
        else expect(v).toBe('MALFORMED_BASE64');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hex', () => {
  it('encodes every byte value in lowercase, two digits each', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(toHex(new Uint8Array(0))).toBe('');
    expect(toHex(Uint8Array.of(0, 15, 16, 255))).toBe('000f10ff');
  });

  it('decodes lower and upper case, and refuses odd lengths, other characters and non-strings', () => {
    expect(fromHex('')).toEqual(new Uint8Array(0));
    expect(fromHex('000f10ff')).toEqual(Uint8Array.of(0, 15, 16, 255));
    expect(fromHex('ABCDEF')).toEqual(Uint8Array.of(0xab, 0xcd, 0xef));
    expect(fromHex('aBcDeF09')).toEqual(Uint8Array.of(0xab, 0xcd, 0xef, 0x09));
    for (const s of ['0', 'abc', '0g', 'g0', ' 00', '00 ', '0x00', '+1', '-1', 'zz']) expect(codeOf(() => fromHex(s)), s).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => fromHex(null as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(() => fromHex('0')).toThrow('expected an even-length hex string');
  });
});

describe('UTF-8', () => {
  const samples = ['', 'a', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '第', '\uffff', '😀', 'a😀b', '\ud83d\ude00\ud83d\ude00', '案件 JJ-2026-0042 ✓'];

  it('utf8Length is the length of the encoding, at every boundary of 1, 2, 3 and 4 bytes', () => {
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).toBe(Buffer.byteLength(s, 'utf8'));
    expect(utf8Length('\u007f')).toBe(1);
    expect(utf8Length('\u0080')).toBe(2);
    expect(utf8Length('\u07ff')).toBe(2);
    expect(utf8Length('\u0800')).toBe(3);
    expect(utf8Length('\ud7ff')).toBe(3);
    expect(utf8Length('\ue000')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('😀x')).toBe(5);
    // The last high surrogate (U+10FFFF is \udbff\udfff), and a lone low surrogate (3 bytes as U+FFFD would take).
    expect(utf8Length('\udbff\udfff')).toBe(4);
    expect(utf8Length('\udbff\udfffa')).toBe(5);
    expect(utf8Length('\udc00')).toBe(3);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
      { numRuns: 500 },
    );
  });

  it('utf8 encodes and fromUtf8 decodes as Node does', () => {
    for (const s of samples) {
      expect(utf8(s)).toEqual(new Uint8Array(Buffer.from(s, 'utf8')));
      expect(fromUtf8(utf8(s))).toBe(s);
    }
  });

  it("fromUtf8 refuses invalid UTF-8 with the caller's code (MALFORMED_CBOR by default), and keeps a byte-order mark", () => {
    for (const b of [Uint8Array.of(0xff), Uint8Array.of(0xc0, 0x80), Uint8Array.of(0xe0, 0x80), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0x61, 0x80)]) {
      expect(codeOf(() => fromUtf8(b))).toBe('MALFORMED_CBOR');
      for (const code of ['MALFORMED_NOTE', 'MALFORMED_ENTRY', 'MALFORMED_PROOF'] as const) expect(codeOf(() => fromUtf8(b, code))).toBe(code);
    }
    expect(() => fromUtf8(Uint8Array.of(0xff))).toThrow('invalid UTF-8');
    expect(fromUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61))).toBe('\ufeffa');
  });
});

describe('byte strings', () => {
  it('concatBytes joins any number of parts in order', () => {
    expect(concatBytes()).toEqual(new Uint8Array(0));
    expect(concatBytes(Uint8Array.of(1))).toEqual(Uint8Array.of(1));
    expect(concatBytes(Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3), Uint8Array.of(4, 5, 6))).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
  });

  it('equalBytes: equal only for the same length and every byte the same, wherever they differ', () => {
    const a = bytesOf(32);
    expect(equalBytes(a, a.slice())).toBe(true);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(equalBytes(a, a.subarray(0, 31))).toBe(false);
    expect(equalBytes(a.subarray(0, 31), a)).toBe(false);
    for (let i = 0; i < a.length; i++) {
      for (const bit of [0, 7]) {
        const b = a.slice();
        b[i]! ^= 1 << bit;
        expect(equalBytes(a, b), `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('compareBytes orders lexicographically, a prefix first, with the sign of the first difference', () => {
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(0);
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(1, 3), Uint8Array.of(1, 2))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 255))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.of(1, 0), Uint8Array.of(1))).toBeGreaterThan(0);
    expect(compareBytes(new Uint8Array(0), new Uint8Array(0))).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 1000 },
    );
  });
});
