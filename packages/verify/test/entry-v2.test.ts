// Entries and statements of version 2 (format.md §4.1, §4.4, §4.6), the
// writer's rule for new ids (§4.1 "Invisible characters") and the payload
// nesting limit (§4.2): written out by hand and checked against the code.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  INVISIBLE_RANGES,
  MAX_PAYLOAD_DEPTH,
  NONCE_BYTES,
  actorSignatureMessage,
  decodeEntry,
  decodePayload,
  encodeEntry,
  encodePayload,
  encodeStatement,
  entryStatement,
  escapeForDisplay,
  idempotencyNonce,
  invisibleCharacter,
  jsonNestsDeeperThan,
  newNonce,
  signStatement,
  statementDigest,
  utf8,
  validateNewText,
  verifyActorSignature,
  type Entry,
  type Statement,
} from '../src/index.js';
import { codeOf } from './helpers/codes.js';
import { hex } from './helpers/vectors.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fill = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);
const ascii = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const NONCE = fill(16, 0x99);
const V2: Entry = {
  v: 2,
  seq: 5,
  prev: fill(32, 0x11),
  time: 1_700_000_000_000,
  caseId: 'case-42',
  step: 2,
  casePrev: fill(32, 0x22),
  type: 'decision',
  actor: 'alice@example.org',
  commit: fill(32, 0x33),
  sigs: [],
  nonce: NONCE,
};

/** V2 written out by hand from format.md §3, §4.1. */
const V2_HEX = [
  'ab', // map(11): keys 0-9 and 11
  '00 02', // v = 2
  '01 05',
  '02 5820' + '11'.repeat(32),
  '03 1b0000018bcfe56800',
  '04 67' + ascii('case-42'),
  '05 02',
  '06 5820' + '22'.repeat(32),
  '07 68' + ascii('decision'),
  '08 71' + ascii('alice@example.org'),
  '09 5820' + '33'.repeat(32),
  '0b 50' + '99'.repeat(16), // nonce: bstr(16)
]
  .join('')
  .replace(/ /g, '');

const ORIGIN = 'audit.example.gov/inspection';
const STATEMENT: Statement = { time: V2.time, caseId: V2.caseId, type: V2.type, actor: V2.actor, commit: V2.commit, nonce: NONCE, origin: ORIGIN };
/** The version 2 statement written out by hand (format.md §4.4). */
const STATEMENT_HEX = [
  'a8', // map(8)
  '00 02',
  '03 1b0000018bcfe56800',
  '04 67' + ascii('case-42'),
  '07 68' + ascii('decision'),
  '08 71' + ascii('alice@example.org'),
  '09 5820' + '33'.repeat(32),
  '0b 50' + '99'.repeat(16),
  '0c 78' + ORIGIN.length.toString(16) + ascii(ORIGIN), // text(28): one-byte length
]
  .join('')
  .replace(/ /g, '');
const SEED = sha256(Buffer.from('entry-v2 test actor'));

describe('version 2 entries (format.md §4.1)', () => {
  it('encode exactly as written out by hand, and decode back', () => {
    expect(toHex(encodeEntry(V2))).toBe(V2_HEX);
    expect(decodeEntry(hex(V2_HEX))).toEqual(V2);
  });

  it('the nonce is a copy, not a view of the input', () => {
    const bytes = hex(V2_HEX);
    const e = decodeEntry(bytes);
    bytes[bytes.length - 1] = 0;
    expect(toHex(e.nonce!)).toBe('99'.repeat(16));
  });

  it('keep the largest entry at 2 425 bytes (format.md §4.1)', () => {
    const big: Entry = {
      ...V2,
      seq: Number.MAX_SAFE_INTEGER,
      time: Number.MAX_SAFE_INTEGER,
      step: Number.MAX_SAFE_INTEGER,
      caseId: '\u{10FFFF}'.repeat(64),
      type: 'é'.repeat(64),
      actor: 'a'.repeat(256),
      sigs: Array.from({ length: 16 }, (_, i) => ({ publicKey: fill(32, i), signature: fill(64, 0xff) })),
    };
    expect(encodeEntry(big).length).toBe(2425);
  });

  it('a version 1 entry keeps its form: no nonce key, no nonce field', () => {
    const { nonce: _n, ...rest } = V2;
    const v1: Entry = { ...rest, v: 1 };
    const bytes = encodeEntry(v1);
    expect(toHex(bytes)).toBe('aa0001' + V2_HEX.slice(6, V2_HEX.length - 36));
    expect('nonce' in decodeEntry(bytes)).toBe(false);
  });
});

describe('version 2 statements (format.md §4.4)', () => {
  it('encode as written out by hand; digest and message use the v2 tags', () => {
    expect(toHex(encodeStatement(STATEMENT))).toBe(STATEMENT_HEX);
    const digest = sha256(Buffer.from('casetrail-v2-statement\0'), hex(STATEMENT_HEX));
    expect(toHex(statementDigest(STATEMENT))).toBe(digest.toString('hex'));
    expect(toHex(actorSignatureMessage(STATEMENT))).toBe(ascii('casetrail-v2-actor-sig') + '00' + digest.toString('hex'));
  });

  it('entryStatement of a v2 entry is the v2 statement for the given origin', () => {
    expect(entryStatement(V2, ORIGIN)).toEqual({ ...STATEMENT, v: 2 });
    expect(toHex(encodeStatement(entryStatement(V2, ORIGIN)))).toBe(STATEMENT_HEX);
  });

  it('a signature verifies in its ledger, case and nonce only', () => {
    const sig = signStatement(STATEMENT, SEED);
    expect(verifyActorSignature(STATEMENT, sig)).toBe(true);
    const elsewhere: Array<[string, Statement]> = [
      ['another ledger', { ...STATEMENT, origin: 'audit.example.gov/other' }],
      ['another case', { ...STATEMENT, caseId: 'case-43' }],
      ['another nonce', { ...STATEMENT, nonce: fill(16, 0x98) }],
      ['the same fields as a version 1 statement', { time: STATEMENT.time, caseId: STATEMENT.caseId, type: STATEMENT.type, actor: STATEMENT.actor, commit: STATEMENT.commit }],
    ];
    for (const [name, s] of elsewhere) expect(verifyActorSignature(s, sig), name).toBe(false);
  });

  it('a version 1 signature does not verify as a version 2 statement', () => {
    const v1: Statement = { time: STATEMENT.time, caseId: STATEMENT.caseId, type: STATEMENT.type, actor: STATEMENT.actor, commit: STATEMENT.commit };
    const sig = signStatement(v1, SEED);
    expect(verifyActorSignature(v1, sig)).toBe(true);
    expect(verifyActorSignature(STATEMENT, sig)).toBe(false);
  });

  it('misuse is INVALID_ARGUMENT', () => {
    expect(codeOf(() => encodeStatement({ ...STATEMENT, origin: undefined as unknown as string }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeStatement({ ...STATEMENT, origin: '' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeStatement({ ...STATEMENT, nonce: fill(15, 0) }))).toBe('INVALID_ARGUMENT');
    const { nonce: _n, ...noNonce } = STATEMENT;
    expect(codeOf(() => encodeStatement(noNonce))).toBe('INVALID_ARGUMENT'); // origin without nonce: v1 has neither
    expect(codeOf(() => encodeStatement({ ...noNonce, v: 2 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeStatement({ ...STATEMENT, v: 1 }))).toBe('INVALID_ARGUMENT');
  });
});

describe('nonces (format.md §4.6)', () => {
  it('an idempotency key gives the first 16 bytes of the documented hash', () => {
    const expected = sha256(Buffer.from('casetrail-v2-idempotency\0'), Buffer.from('JJ-2026-0042'), Buffer.from([0]), Buffer.from('import:line-17')).subarray(0, 16);
    expect(toHex(idempotencyNonce('JJ-2026-0042', 'import:line-17'))).toBe(expected.toString('hex'));
  });

  it('is the same for the same case and key, another in another case or for another key', () => {
    const n = idempotencyNonce('C-1', 'k');
    expect(idempotencyNonce('C-1', 'k')).toEqual(n);
    expect(idempotencyNonce('C-2', 'k')).not.toEqual(n);
    expect(idempotencyNonce('C-1', 'k2')).not.toEqual(n);
    // The separator makes the input unambiguous: ("C-1", "0k") ≠ ("C-10", "k").
    expect(idempotencyNonce('C-1', '0k')).not.toEqual(idempotencyNonce('C-10', 'k'));
  });

  it('refuses a key that is empty, too long, not text or with a control character', () => {
    for (const key of ['', 'x'.repeat(257), 'a\nb', 'a\u0000', 42]) {
      expect(codeOf(() => idempotencyNonce('C-1', key as string)), JSON.stringify(key)).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => idempotencyNonce('C-1', '导入:第17行'))).toBe('none');
  });

  it('newNonce gives 16 fresh bytes', () => {
    const a = newNonce();
    const b = newNonce();
    expect(a.length).toBe(NONCE_BYTES);
    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe('invisible characters (format.md §4.1)', () => {
  it('the fixed list is Unicode’s Default_Ignorable_Code_Point and Bidi_Control, U+2028, U+2029, U+FFF9–U+FFFB', () => {
    const property = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\u2028\u2029\ufff9-\ufffb]/u;
    const inList = (c: number) => INVISIBLE_RANGES.some(([a, b]) => c >= a && c <= b);
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      if (inList(c) !== property.test(String.fromCodePoint(c))) expect.fail(`U+${c.toString(16)}`);
    }
  });

  it('a writer refuses them in new ids, at both ends of every range', () => {
    for (const [a, b] of INVISIBLE_RANGES) {
      for (const c of [a, b]) {
        for (const field of ['case', 'type', 'actor'] as const) {
          expect(codeOf(() => validateNewText(field, `C-1${String.fromCodePoint(c)}`)), `${field} U+${c.toString(16)}`).toBe('INVALID_ARGUMENT');
        }
      }
    }
    expect(invisibleCharacter('C-1\u202eevil')).toEqual({ index: 3, codePoint: 0x202e });
    expect(codeOf(() => validateNewText('case', '信访-2026-0042'))).toBe('none');
  });

  it('a decoder accepts them: entries written before the rule still decode', () => {
    const old = { ...V2, caseId: 'C-1\u200b', actor: 'clerk\u202e:li' };
    expect(decodeEntry(encodeEntry(old))).toEqual(old);
  });

  it('a display escapes them and every control character', () => {
    expect(escapeForDisplay('a\u202eb\u0007c\u0085d\u{e0041}')).toBe('a\\u{202e}b\\u{7}c\\u{85}d\\u{e0041}');
    expect(escapeForDisplay('案件 JJ-1')).toBe('案件 JJ-1');
  });
});

describe('payload nesting (format.md §4.2)', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('counts depth on the text, brackets inside strings not counted', () => {
    expect(jsonNestsDeeperThan('1', 0)).toBe(false);
    expect(jsonNestsDeeperThan('{}', 0)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":[1]}', 1)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":[1]}', 2)).toBe(false);
    expect(jsonNestsDeeperThan('["[[[[\\"[[["]', 1)).toBe(false);
    expect(jsonNestsDeeperThan('[[],[],[]]', 2)).toBe(false);
  });

  it('a writer accepts 64 levels and refuses 65', () => {
    expect(codeOf(() => encodePayload(JSON.parse(nested(MAX_PAYLOAD_DEPTH))))).toBe('none');
    expect(codeOf(() => encodePayload(JSON.parse(nested(MAX_PAYLOAD_DEPTH + 1))))).toBe('INVALID_ARGUMENT');
  });

  it('a reader refuses deeper stored bytes before parsing them, even a million levels', () => {
    expect(decodePayload(utf8(nested(MAX_PAYLOAD_DEPTH)))).toBeDefined();
    expect(codeOf(() => decodePayload(utf8(nested(MAX_PAYLOAD_DEPTH + 1))))).toBe('MALFORMED_ENTRY');
    const t0 = performance.now();
    expect(codeOf(() => decodePayload(utf8('['.repeat(1_000_000))))).toBe('MALFORMED_ENTRY');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
