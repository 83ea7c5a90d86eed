/**
 * Deterministic CBOR (RFC 8949 §4.2.1) for exactly the subset of
 * docs/format.md §3: unsigned integers up to 2^53 − 1, byte strings, text
 * strings, arrays and maps with unsigned-integer keys. Nothing else is
 * written or read. No Node-only imports: this file also runs in a browser.
 *
 * Policy (docs/decisions/0001-own-cbor-codec.md): the decoder accepts only
 * the one deterministic encoding of a value, so that stored bytes are the
 * unique encoding of their contents (format.md §3). Failures carry
 *
 * - `NON_CANONICAL_CBOR` for well-formed CBOR that is not deterministic:
 *   an integer, length or map key longer than its shortest form, an
 *   indefinite length, map keys out of order or repeated;
 * - `MALFORMED_CBOR` for everything else: truncation, trailing bytes,
 *   reserved additional-information values, major types, tags, floats and
 *   simple values outside the subset, non-integer map keys, invalid UTF-8,
 *   integers above 2^53 − 1, lengths beyond the input, nesting deeper than
 *   {@link MAX_CBOR_DEPTH} arrays and maps.
 *
 * When an input has several faults, the code names the first one met when
 * reading it from left to right.
 */
import { fail } from './errors.js';
import { fromUtf8 } from './bytes.js';

/** A value of the format.md §3 subset. */
export type CborValue = number | Uint8Array | string | readonly CborValue[] | CborMap;

/** A CBOR map with unsigned-integer keys (encoded in ascending key order). */
export type CborMap = ReadonlyMap<number, CborValue>;

/**
 * Most arrays and maps nested in one another that the decoder accepts. A v1
 * entry nests 3 (entry map, `sigs`, one signature).
 */
export const MAX_CBOR_DEPTH = 8;

const TWO_32 = 0x1_0000_0000;

const MT_UINT = 0;
const MT_BYTES = 2;
const MT_TEXT = 3;
const MT_ARRAY = 4;
const MT_MAP = 5;

// ---------------------------------------------------------------------------
// Encoder

/**
 * One scratch buffer serves every top-level encode, which copies its result
 * out of it. A nested call (only possible from a Map subclass's code) gets its own.
 */
let scratch: Uint8Array | undefined = new Uint8Array(1024);

class Writer {
  buf: Uint8Array;
  pos = 0;
  private readonly shared: boolean;

  constructor() {
    this.shared = scratch !== undefined;
    this.buf = scratch ?? new Uint8Array(1024);
    scratch = undefined;
  }

  /** Hands the scratch buffer back (a grown one only while it stays small). */
  release(): void {
    if (this.shared) scratch = this.buf.length <= 1 << 16 ? this.buf : new Uint8Array(1024);
  }

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Initial byte and argument in shortest form (RFC 8949 §4.2.1). */
  head(major: number, n: number): void {
    this.reserve(9);
    const b = this.buf;
    const mt = major << 5;
    if (n < 24) {
      b[this.pos++] = mt | n;
    } else if (n < 0x100) {
      b[this.pos++] = mt | 24;
      b[this.pos++] = n;
    } else if (n < 0x1_0000) {
      b[this.pos++] = mt | 25;
      b[this.pos++] = n >>> 8;
      b[this.pos++] = n & 0xff;
    } else if (n < TWO_32) {
      b[this.pos++] = mt | 26;
      writeU32(b, this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = mt | 27;
      writeU32(b, this.pos, Math.floor(n / TWO_32));
      writeU32(b, this.pos + 4, n >>> 0);
      this.pos += 8;
    }
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  text(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      if (!isWellFormedText(s)) fail('INVALID_ARGUMENT', 'CBOR text has an unpaired surrogate');
      const data = textEncoder.encode(s);
      this.head(MT_TEXT, data.length);
      this.bytes(data);
      return;
    }
    this.head(MT_TEXT, n);
    this.reserve(n);
    const b = this.buf;
    const at = this.pos;
    for (let i = 0; i < n; i++) b[at + i] = s.charCodeAt(i);
    this.pos = at + n;
  }

}

function writeU32(b: Uint8Array, at: number, n: number): void {
  b[at] = n >>> 24;
  b[at + 1] = (n >>> 16) & 0xff;
  b[at + 2] = (n >>> 8) & 0xff;
  b[at + 3] = n & 0xff;
}

const textEncoder = new TextEncoder();

/** True when `s` has no unpaired surrogate, i.e. it has a UTF-8 encoding. */
export function isWellFormedText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

function writeValue(w: Writer, v: CborValue, depth: number): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) {
      fail('INVALID_ARGUMENT', `CBOR integer must be a safe non-negative integer, got ${v}`);
    }
    w.head(MT_UINT, v);
  } else if (typeof v === 'string') {
    w.text(v);
  } else if (v instanceof Uint8Array) {
    w.head(MT_BYTES, v.length);
    w.bytes(v);
  } else if (depth >= MAX_CBOR_DEPTH) {
    fail('INVALID_ARGUMENT', `CBOR nesting deeper than ${MAX_CBOR_DEPTH}`);
  } else if (Array.isArray(v)) {
    const items = v as readonly CborValue[];
    w.head(MT_ARRAY, items.length);
    for (const item of items) writeValue(w, item, depth + 1);
  } else if (v instanceof Map) {
    const map = v as CborMap;
    const keys = Array.from(map.keys());
    for (const k of keys) {
      if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) {
        fail('INVALID_ARGUMENT', `CBOR map key must be a safe non-negative integer, got ${String(k)}`);
      }
    }
    keys.sort((a, b) => a - b);
    w.head(MT_MAP, keys.length);
    for (const k of keys) {
      w.head(MT_UINT, k);
      writeValue(w, map.get(k)!, depth + 1);
    }
  } else {
    fail('INVALID_ARGUMENT', `value outside the CBOR subset of format.md §3: ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/**
 * Encodes a value in deterministic CBOR (format.md §3): shortest integers and
 * lengths, definite lengths, map keys in ascending order.
 *
 * @param value a number (safe non-negative integer), Uint8Array, string
 *   (well-formed UTF-16), array, or Map with safe non-negative integer keys
 * @returns the encoding, a fresh Uint8Array
 * @throws LedgerError `INVALID_ARGUMENT` for anything outside the subset or
 *   nested deeper than {@link MAX_CBOR_DEPTH}
 * @example encodeCbor(new Map([[1, 2], [3, 'a']])) // a2 01 02 03 61 61
 */
export function encodeCbor(value: CborValue): Uint8Array {
  const w = new Writer();
  try {
    writeValue(w, value, 0);
    return w.buf.slice(0, w.pos);
  } finally {
    w.release();
  }
}

// ---------------------------------------------------------------------------
// Decoder

class Reader {
  readonly b: Uint8Array;
  pos = 0;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  /**
   * Reads the argument that follows an initial byte with additional
   * information `ai` (0–27), rejecting non-shortest forms and values above
   * 2^53 − 1.
   */
  arg(ai: number): number {
    if (ai < 24) return ai;
    const b = this.b;
    const at = this.pos;
    let n: number;
    if (ai === 24) {
      this.need(1);
      n = b[at]!;
      if (n < 24) fail('NON_CANONICAL_CBOR', `non-shortest argument at offset ${at - 1}`, { offset: at - 1 });
      this.pos = at + 1;
    } else if (ai === 25) {
      this.need(2);
      n = (b[at]! << 8) | b[at + 1]!;
      if (n < 0x100) fail('NON_CANONICAL_CBOR', `non-shortest argument at offset ${at - 1}`, { offset: at - 1 });
      this.pos = at + 2;
    } else if (ai === 26) {
      this.need(4);
      n = readU32(b, at);
      if (n < 0x1_0000) fail('NON_CANONICAL_CBOR', `non-shortest argument at offset ${at - 1}`, { offset: at - 1 });
      this.pos = at + 4;
    } else {
      this.need(8);
      const hi = readU32(b, at);
      if (hi === 0) fail('NON_CANONICAL_CBOR', `non-shortest argument at offset ${at - 1}`, { offset: at - 1 });
      if (hi > 0x1f_ffff) fail('MALFORMED_CBOR', `integer above 2^53 - 1 at offset ${at - 1}`, { offset: at - 1 });
      n = hi * TWO_32 + readU32(b, at + 4);
      this.pos = at + 8;
    }
    return n;
  }

  need(n: number): void {
    if (n > this.b.length - this.pos) {
      fail('MALFORMED_CBOR', `truncated CBOR at offset ${this.pos}`, { offset: this.pos });
    }
  }

  /** Reads an initial byte, returning `major << 5 | ai` after the subset checks. */
  initial(): number {
    const at = this.pos;
    if (at >= this.b.length) fail('MALFORMED_CBOR', `truncated CBOR at offset ${at}`, { offset: at });
    const ib = this.b[at]!;
    this.pos = at + 1;
    const major = ib >> 5;
    const ai = ib & 31;
    if (major === 1 || major === 6 || major === 7) {
      fail('MALFORMED_CBOR', `unsupported CBOR major type ${major} at offset ${at}`, { offset: at });
    }
    if (ai === 31) {
      if (major === MT_UINT) fail('MALFORMED_CBOR', `invalid additional information 31 at offset ${at}`, { offset: at });
      fail('NON_CANONICAL_CBOR', `indefinite length at offset ${at}`, { offset: at });
    }
    if (ai > 27) fail('MALFORMED_CBOR', `reserved additional information ${ai} at offset ${at}`, { offset: at });
    return ib;
  }

  item(depth: number): CborValue {
    const start = this.pos;
    const ib = this.initial();
    const major = ib >> 5;
    const n = this.arg(ib & 31);
    switch (major) {
      case MT_UINT:
        return n;
      case MT_BYTES: {
        this.need(n);
        const at = this.pos;
        this.pos = at + n;
        return this.b.slice(at, at + n);
      }
      case MT_TEXT: {
        this.need(n);
        const at = this.pos;
        this.pos = at + n;
        return decodeText(this.b, at, at + n, start);
      }
      case MT_ARRAY: {
        this.nest(depth, start);
        // Every item takes at least one byte.
        this.need(n);
        const out = new Array<CborValue>(n);
        for (let i = 0; i < n; i++) out[i] = this.item(depth + 1);
        return out;
      }
      default: {
        this.nest(depth, start);
        // Every key and every value takes at least one byte.
        if (n > (this.b.length - this.pos) / 2) {
          fail('MALFORMED_CBOR', `map length runs past the end at offset ${start}`, { offset: start });
        }
        const out = new Map<number, CborValue>();
        let last = -1;
        for (let i = 0; i < n; i++) {
          const keyAt = this.pos;
          const kb = this.initial();
          if (kb >> 5 !== MT_UINT) {
            fail('MALFORMED_CBOR', `map key is not an unsigned integer at offset ${keyAt}`, { offset: keyAt });
          }
          const key = this.arg(kb & 31);
          if (key <= last) {
            fail('NON_CANONICAL_CBOR', `map key ${key} ${key === last ? 'repeated' : 'out of order'} at offset ${keyAt}`, {
              offset: keyAt,
            });
          }
          last = key;
          out.set(key, this.item(depth + 1));
        }
        return out;
      }
    }
  }

  nest(depth: number, at: number): void {
    if (depth >= MAX_CBOR_DEPTH) {
      fail('MALFORMED_CBOR', `CBOR nesting deeper than ${MAX_CBOR_DEPTH} at offset ${at}`, { offset: at });
    }
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Short all-ASCII text is built directly; anything else goes through a fatal TextDecoder. */
const ASCII_FAST_MAX = 1024;

/** The text of bytes start..end, whose item begins at `item` (the offset an invalid one is reported at). */
function decodeText(b: Uint8Array, start: number, end: number, item: number): string {
  if (end - start <= ASCII_FAST_MAX) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (b[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  }
  try {
    return fromUtf8(b.subarray(start, end), 'MALFORMED_CBOR');
  } catch {
    return fail('MALFORMED_CBOR', `invalid UTF-8 in the text string at offset ${item}`, { offset: item });
  }
}

/**
 * Decodes one deterministic CBOR item of the format.md §3 subset, strictly.
 * Byte strings in the result are copies, never views of `bytes`.
 *
 * @param bytes the complete encoding, nothing after it
 * @returns numbers, Uint8Arrays, strings, arrays and Map<number, …>
 * @throws LedgerError `NON_CANONICAL_CBOR` or `MALFORMED_CBOR` as described
 *   in the module comment; `INVALID_ARGUMENT` if `bytes` is not a Uint8Array
 * @example decodeCbor(Uint8Array.of(0x82, 0x01, 0x41, 0xff)) // [1, Uint8Array [255]]
 */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const r = new Reader(plainBytes(bytes, 'bytes'));
  const value = r.item(0);
  if (r.pos !== r.b.length) {
    fail('MALFORMED_CBOR', `trailing bytes after the CBOR item at offset ${r.pos}`, { offset: r.pos });
  }
  return value;
}

/**
 * A plain Uint8Array over the same memory (so slices are Uint8Array copies
 * even when a Node Buffer is passed in).
 */
function plainBytes(bytes: Uint8Array, name: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) return fail('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  if (bytes.constructor === Uint8Array) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
