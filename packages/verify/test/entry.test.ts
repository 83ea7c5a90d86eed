import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCbor, encodeCbor, type CborValue } from '../src/cbor.js';
import {
  DEFAULT_MAX_PAYLOAD,
  HARD_MAX_PAYLOAD,
  MAX_ACTOR_SIGNATURES,
  MAX_ENTRY_BYTES,
  REDACTION_TYPE,
  ZERO_HASH,
  actorSignatureMessage,
  decodeEntry,
  decodePayload,
  encodeEntry,
  encodePayload,
  encodePayloadText,
  encodeStatement,
  entryStatement,
  genesisLink,
  newSalt,
  parseRedactionPayload,
  payloadCommitment,
  redactionPayload,
  signStatement,
  statementDigest,
  validateText,
  verifyActorSignature,
  type ActorSignature,
  type Entry,
  type Statement,
} from '../src/index.js';
import { checkIdempotencyKey, isReserved, MAX_PAYLOAD_DEPTH, statementVersion, utf8, validateNewText } from '../src/index.js';
import { LedgerError } from '../src/errors.js';
import { hex, loadVectors } from './helpers/vectors.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fill = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);
const ascii = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const sha256hex = (...parts: Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

function errorOf(fn: () => unknown): LedgerError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e;
    throw e;
  }
  return undefined;
}
const codeOf = (fn: () => unknown): string => errorOf(fn)?.code ?? 'OK';

const SIG_A: ActorSignature = { publicKey: fill(32, 0x44), signature: fill(64, 0x55) };
const SIG_B: ActorSignature = { publicKey: fill(32, 0x66), signature: fill(64, 0x77) };

const SAMPLE: Entry = {
  v: 1,
  seq: 5,
  prev: fill(32, 0x11),
  time: 1_700_000_000_000,
  caseId: 'case-42',
  step: 2,
  casePrev: fill(32, 0x22),
  type: 'decision',
  actor: 'alice@example.org',
  commit: fill(32, 0x33),
  sigs: [SIG_A, SIG_B],
};

/** SAMPLE written out by hand from format.md §3, §4.1 (independent of the encoder). */
const SAMPLE_HEX = [
  'ab', // map(11)
  '00 01', // v = 1
  '01 05', // seq = 5
  '02 5820' + '11'.repeat(32), // prev
  '03 1b0000018bcfe56800', // time = 1700000000000
  '04 67' + ascii('case-42'),
  '05 02', // step = 2
  '06 5820' + '22'.repeat(32), // casePrev
  '07 68' + ascii('decision'),
  '08 71' + ascii('alice@example.org'),
  '09 5820' + '33'.repeat(32), // commit
  '0a 82', // sigs: array(2)
  '82 5820' + '44'.repeat(32) + '5840' + '55'.repeat(64),
  '82 5820' + '66'.repeat(32) + '5840' + '77'.repeat(64),
]
  .join('')
  .replace(/ /g, '');

const SAMPLE_BYTES = hex(SAMPLE_HEX);

/** The entry as a CBOR map, for building wrong entries. */
function sampleMap(): Map<number, CborValue> {
  return new Map(decodeCbor(SAMPLE_BYTES) as Map<number, CborValue>);
}
function withKey(key: number, value: CborValue | undefined, base = sampleMap()): Uint8Array {
  if (value === undefined) base.delete(key);
  else base.set(key, value);
  return encodeCbor(base);
}

describe('entry: encoding and decoding', () => {
  it('encodes the sample exactly as written out by hand', () => {
    expect(toHex(encodeEntry(SAMPLE))).toBe(SAMPLE_HEX);
    expect(decodeEntry(SAMPLE_BYTES)).toEqual(SAMPLE);
  });

  it('sorts sigs by public key and omits key 10 when there are none', () => {
    expect(encodeEntry({ ...SAMPLE, sigs: [SIG_B, SIG_A] })).toEqual(SAMPLE_BYTES);
    const bare = encodeEntry({ ...SAMPLE, sigs: [] });
    const m = decodeCbor(bare) as Map<number, CborValue>;
    expect([...m.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bare[0]).toBe(0xaa);
    expect(decodeEntry(bare).sigs).toEqual([]);
  });

  it('returns byte fields as copies of the input', () => {
    const input = Buffer.from(SAMPLE_BYTES);
    const e = decodeEntry(input);
    input.fill(0);
    expect(e.prev).toEqual(SAMPLE.prev);
    expect(e.prev.constructor).toBe(Uint8Array);
  });

  it('keeps every field at its largest allowed value under MAX_ENTRY_BYTES', () => {
    const sigs = Array.from({ length: MAX_ACTOR_SIGNATURES }, (_, i) => ({
      publicKey: fill(32, i),
      signature: fill(64, 0xff),
    }));
    const big: Entry = {
      ...SAMPLE,
      seq: Number.MAX_SAFE_INTEGER,
      time: Number.MAX_SAFE_INTEGER,
      step: Number.MAX_SAFE_INTEGER,
      caseId: '\u{10FFFF}'.repeat(64),
      type: 'é'.repeat(64),
      actor: 'a'.repeat(256),
      sigs,
    };
    const bytes = encodeEntry(big);
    // format.md §4.1 states this largest possible size.
    expect(bytes.length).toBe(2407);
    expect(decodeEntry(bytes)).toEqual(big);
  });

  it('round-trips random valid entries', () => {
    const text = (maxChars: number) =>
      fc.string({ unit: 'binary', minLength: 1, maxLength: maxChars }).map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '_'));
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const sigs = fc
      .uniqueArray(
        fc.record({
          publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
        }),
        { maxLength: MAX_ACTOR_SIGNATURES, selector: (s) => toHex(s.publicKey) },
      )
      .map((list) => list.sort((a, b) => Buffer.compare(a.publicKey, b.publicKey)));
    const entry: fc.Arbitrary<Entry> = fc
      .record({
        seq: fc.maxSafeNat(),
        prev: hash,
        time: fc.maxSafeNat(),
        caseId: text(64),
        step: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        casePrev: hash,
        type: text(32),
        actor: text(64),
        commit: hash,
        sigs,
      })
      .map((r) => ({ v: 1 as const, ...r, casePrev: r.step === 1 ? new Uint8Array(32) : r.casePrev }));
    fc.assert(
      fc.property(entry, (e) => {
        const bytes = encodeEntry(e);
        const back = decodeEntry(bytes);
        expect(back).toEqual(e);
        expect(Buffer.compare(encodeEntry(back), bytes)).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('entry: every single-bit flip of the sample is rejected or is a different entry', () => {
  const DECODE_CODES = ['MALFORMED_ENTRY', 'UNSUPPORTED_VERSION', 'NON_CANONICAL_CBOR', 'MALFORMED_CBOR'];

  it(`all ${SAMPLE_BYTES.length * 8} flips`, () => {
    const seen = new Map<string, number>();
    const failures: string[] = [];
    for (let bit = 0; bit < SAMPLE_BYTES.length * 8; bit++) {
      const mutated = SAMPLE_BYTES.slice();
      mutated[bit >> 3]! ^= 1 << (bit & 7);
      let outcome: string;
      try {
        const decoded = decodeEntry(mutated);
        // Any decodable mutation is a different entry whose encoding is exactly the mutated bytes.
        if (Buffer.compare(encodeEntry(decoded), mutated) !== 0) failures.push(`bit ${bit}: re-encoding differs`);
        outcome = 'decoded';
      } catch (e) {
        outcome = e instanceof LedgerError && DECODE_CODES.includes(e.code) ? e.code : `bit ${bit}: threw ${String(e)}`;
        if (!DECODE_CODES.includes(outcome)) failures.push(outcome);
      }
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    }
    expect(failures).toEqual([]);
    // The sample is built so that every class of outcome occurs.
    for (const outcome of [...DECODE_CODES, 'decoded']) expect(seen.get(outcome), outcome).toBeGreaterThan(0);
  });

  it('random byte mutations are rejected with a decode code or re-encode to themselves', () => {
    fc.assert(
      fc.property(fc.nat(SAMPLE_BYTES.length - 1), fc.nat(255), fc.nat(2), (at, byte, op) => {
        const b = Array.from(SAMPLE_BYTES);
        if (op === 0) b[at] = byte;
        else if (op === 1) b.splice(at, 1);
        else b.splice(at, 0, byte);
        const mutated = Uint8Array.from(b);
        try {
          const decoded = decodeEntry(mutated);
          expect(encodeEntry(decoded)).toEqual(mutated);
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(DECODE_CODES).toContain((e as LedgerError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('entry: schema fuzzing', () => {
  it('maps of random field values decode only if they re-encode to the same bytes; otherwise a coded error', () => {
    const field: fc.Arbitrary<CborValue> = fc.oneof(
      fc.constantFrom<CborValue>(0, 1, 2, Number.MAX_SAFE_INTEGER, '', 'a', 'a\n', new Uint8Array(32), fill(32, 1), []),
      fc.nat(),
      fc.string({ maxLength: 4 }),
      fc.uint8Array({ minLength: 31, maxLength: 33 }),
      fc.array(fc.tuple(fc.uint8Array({ minLength: 31, maxLength: 33 }), fc.uint8Array({ minLength: 63, maxLength: 65 })), {
        maxLength: 3,
      }),
    );
    // Each key keeps the sample's value, is dropped, or gets a random value.
    const map = fc
      .array(
        fc.oneof({ arbitrary: fc.constant('keep'), weight: 12 }, { arbitrary: fc.constant('drop'), weight: 1 }, { arbitrary: field, weight: 2 }),
        { minLength: 12, maxLength: 12 },
      )
      .map((choices) => {
        const m = sampleMap();
        choices.forEach((c, key) => {
          if (c === 'drop') m.delete(key);
          else if (c !== 'keep') m.set(key, c);
        });
        return encodeCbor(m);
      });
    let decodedCount = 0;
    fc.assert(
      fc.property(map, (bytes) => {
        try {
          const decoded = decodeEntry(bytes);
          expect(Buffer.compare(encodeEntry(decoded), bytes)).toBe(0);
          decodedCount++;
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
          expect(['MALFORMED_ENTRY', 'UNSUPPORTED_VERSION']).toContain((e as LedgerError).code);
        }
      }),
      { numRuns: 2000 },
    );
    expect(decodedCount).toBeGreaterThan(0);
  });
});

describe('entry: decoder rejects wrong entries', () => {
  const tooLong = (n: number) => 'x'.repeat(n);
  const zeroStep1 = sampleMap();
  zeroStep1.set(5, 1);
  const cases: [string, Uint8Array, string][] = [
    ['not a map', encodeCbor([1, 2]), 'MALFORMED_ENTRY'],
    ['a bare integer', encodeCbor(1), 'MALFORMED_ENTRY'],
    ['v missing', withKey(0, undefined), 'MALFORMED_ENTRY'],
    ['v is text', withKey(0, '1'), 'MALFORMED_ENTRY'],
    ['v = 0', withKey(0, 0), 'UNSUPPORTED_VERSION'],
    ['v = 3', withKey(0, 3), 'UNSUPPORTED_VERSION'],
    ['v = 3 with an unknown key', withKey(13, 0, new Map([...sampleMap(), [0, 3]])), 'UNSUPPORTED_VERSION'],
    ['v = 2 without its nonce', withKey(0, 2), 'MALFORMED_ENTRY'],
    ['v = 1 with a nonce (key 11)', withKey(11, fill(16, 1)), 'MALFORMED_ENTRY'],
    ['unknown key 11', withKey(11, 0), 'MALFORMED_ENTRY'],
    ['v = 2 with an unknown key 12', withKey(12, 0, new Map([...sampleMap(), [0, 2], [11, fill(16, 1)]])), 'MALFORMED_ENTRY'],
    ['v = 2 with a nonce of 15 bytes', withKey(11, fill(15, 1), new Map([...sampleMap(), [0, 2]])), 'MALFORMED_ENTRY'],
    ['v = 2 with a nonce of 17 bytes', withKey(11, fill(17, 1), new Map([...sampleMap(), [0, 2]])), 'MALFORMED_ENTRY'],
    ['v = 2 with a text nonce', withKey(11, 'x'.repeat(16), new Map([...sampleMap(), [0, 2]])), 'MALFORMED_ENTRY'],
    ['unknown key 2^53-1', withKey(Number.MAX_SAFE_INTEGER, 0), 'MALFORMED_ENTRY'],
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((k): [string, Uint8Array, string] => [`key ${k} missing`, withKey(k, undefined), 'MALFORMED_ENTRY']),
    ['key 9 missing, key 10 present (10 keys)', withKey(9, undefined), 'MALFORMED_ENTRY'],
    ['v = 2 without sigs and without its nonce', withKey(0, 2, new Map([...sampleMap()].filter(([k]) => k !== 10))), 'MALFORMED_ENTRY'],
    ['step is text', withKey(5, '2'), 'MALFORMED_ENTRY'],
    ['seq is bytes', withKey(1, new Uint8Array(1)), 'MALFORMED_ENTRY'],
    ['prev of 31 bytes', withKey(2, fill(31, 1)), 'MALFORMED_ENTRY'],
    ['prev of 33 bytes', withKey(2, fill(33, 1)), 'MALFORMED_ENTRY'],
    ['prev is text', withKey(2, 'x'.repeat(32)), 'MALFORMED_ENTRY'],
    ['time is text', withKey(3, '1700000000000'), 'MALFORMED_ENTRY'],
    ['case empty', withKey(4, ''), 'MALFORMED_ENTRY'],
    ['case of 257 bytes', withKey(4, tooLong(257)), 'MALFORMED_ENTRY'],
    ['case of 257 bytes, two-byte characters', withKey(4, 'é'.repeat(128) + 'a'), 'MALFORMED_ENTRY'],
    ['case with a newline', withKey(4, 'a\nb'), 'MALFORMED_ENTRY'],
    ['case with NUL', withKey(4, 'a\u0000'), 'MALFORMED_ENTRY'],
    ['case with DEL', withKey(4, 'a\u007f'), 'MALFORMED_ENTRY'],
    ['case is bytes', withKey(4, fill(4, 0x61)), 'MALFORMED_ENTRY'],
    ['step = 0', withKey(5, 0), 'MALFORMED_ENTRY'],
    ['step = 1 with a non-zero casePrev', encodeCbor(zeroStep1), 'MALFORMED_ENTRY'],
    ['casePrev of 0 bytes', withKey(6, new Uint8Array(0)), 'MALFORMED_ENTRY'],
    ['type of 129 bytes', withKey(7, tooLong(129)), 'MALFORMED_ENTRY'],
    ['type with a tab', withKey(7, 'a\tb'), 'MALFORMED_ENTRY'],
    ['actor of 257 bytes', withKey(8, tooLong(257)), 'MALFORMED_ENTRY'],
    ['actor with ESC', withKey(8, '\u001b[0m'), 'MALFORMED_ENTRY'],
    ['commit of 31 bytes', withKey(9, fill(31, 3)), 'MALFORMED_ENTRY'],
    ['sigs empty', withKey(10, []), 'MALFORMED_ENTRY'],
    ['sigs is a map', withKey(10, new Map()), 'MALFORMED_ENTRY'],
    [
      'sigs with 17 items',
      withKey(10, Array.from({ length: 17 }, (_, i) => [fill(32, i), fill(64, 0)])),
      'MALFORMED_ENTRY',
    ],
    ['sig item of 3 elements', withKey(10, [[fill(32, 1), fill(64, 0), fill(64, 0)]]), 'MALFORMED_ENTRY'],
    ['sig item of 1 element', withKey(10, [[fill(32, 1)]]), 'MALFORMED_ENTRY'],
    ['sig item is bytes', withKey(10, [fill(96, 1)]), 'MALFORMED_ENTRY'],
    ['public key of 31 bytes', withKey(10, [[fill(31, 1), fill(64, 0)]]), 'MALFORMED_ENTRY'],
    ['signature of 65 bytes', withKey(10, [[fill(32, 1), fill(65, 0)]]), 'MALFORMED_ENTRY'],
    ['signature is text', withKey(10, [[fill(32, 1), 'x'.repeat(64)]]), 'MALFORMED_ENTRY'],
    ['sigs unsorted', withKey(10, [[fill(32, 2), fill(64, 0)], [fill(32, 1), fill(64, 0)]]), 'MALFORMED_ENTRY'],
    ['sigs with a repeated key', withKey(10, [[fill(32, 1), fill(64, 0)], [fill(32, 1), fill(64, 9)]]), 'MALFORMED_ENTRY'],
    ['longer than 8192 bytes (checked before CBOR)', new Uint8Array(MAX_ENTRY_BYTES + 1), 'MALFORMED_ENTRY'],
    ['8192 bytes that are not one CBOR item', new Uint8Array(MAX_ENTRY_BYTES), 'MALFORMED_CBOR'],
    ['trailing byte', Uint8Array.from([...SAMPLE_BYTES, 0]), 'MALFORMED_CBOR'],
    ['truncated', SAMPLE_BYTES.subarray(0, SAMPLE_BYTES.length - 1), 'MALFORMED_CBOR'],
    ['seq in a non-shortest form', hex(SAMPLE_HEX.replace(/^ab00010105/, 'ab0001011805')), 'NON_CANONICAL_CBOR'],
    ['keys 1 and 0 swapped', hex(SAMPLE_HEX.replace(/^ab00010105/, 'ab01050001')), 'NON_CANONICAL_CBOR'],
    ['indefinite-length map', hex('bf' + SAMPLE_HEX.slice(2) + 'ff'), 'NON_CANONICAL_CBOR'],
  ];

  /** The details each refusal carries (docs/errors.md): the field, the map key, the length, the version or the CBOR offset at fault. */
  const DETAILS: Record<string, Record<string, unknown>> = {
    'not a map': {},
    'a bare integer': {},
    'v missing': { field: 'v' },
    'v is text': { field: 'v' },
    'v = 0': { version: 0 },
    'v = 3': { version: 3 },
    'v = 3 with an unknown key': { version: 3 },
    'v = 2 without its nonce': { key: 11 },
    'v = 1 with a nonce (key 11)': { key: 11 },
    'unknown key 11': { key: 11 },
    'v = 2 with an unknown key 12': { key: 12 },
    'v = 2 with a nonce of 15 bytes': { field: 'nonce' },
    'v = 2 with a nonce of 17 bytes': { field: 'nonce' },
    'v = 2 with a text nonce': { field: 'nonce' },
    'unknown key 2^53-1': { key: Number.MAX_SAFE_INTEGER },
    'key 1 missing': { key: 1 },
    'key 2 missing': { key: 2 },
    'key 3 missing': { key: 3 },
    'key 4 missing': { key: 4 },
    'key 5 missing': { key: 5 },
    'key 6 missing': { key: 6 },
    'key 7 missing': { key: 7 },
    'key 8 missing': { key: 8 },
    'key 9 missing': { key: 9 },
    'key 9 missing, key 10 present (10 keys)': { key: 9 },
    'v = 2 without sigs and without its nonce': { key: 11 },
    'step is text': { field: 'step' },
    'seq is bytes': { field: 'seq' },
    'prev of 31 bytes': { field: 'prev' },
    'prev of 33 bytes': { field: 'prev' },
    'prev is text': { field: 'prev' },
    'time is text': { field: 'time' },
    'case empty': { field: 'case' },
    'case of 257 bytes': { field: 'case' },
    'case of 257 bytes, two-byte characters': { field: 'case' },
    'case with a newline': { field: 'case' },
    'case with NUL': { field: 'case' },
    'case with DEL': { field: 'case' },
    'case is bytes': { field: 'case' },
    'step = 0': { field: 'step' },
    'step = 1 with a non-zero casePrev': { field: 'casePrev' },
    'casePrev of 0 bytes': { field: 'casePrev' },
    'type of 129 bytes': { field: 'type' },
    'type with a tab': { field: 'type' },
    'actor of 257 bytes': { field: 'actor' },
    'actor with ESC': { field: 'actor' },
    'commit of 31 bytes': { field: 'commit' },
    'sigs empty': { field: 'sigs' },
    'sigs is a map': { field: 'sigs' },
    'sigs with 17 items': { field: 'sigs' },
    'sig item of 3 elements': { field: 'sigs' },
    'sig item of 1 element': { field: 'sigs' },
    'sig item is bytes': { field: 'sigs' },
    'public key of 31 bytes': { field: 'sigs' },
    'signature of 65 bytes': { field: 'sigs' },
    'signature is text': { field: 'sigs' },
    'sigs unsorted': { field: 'sigs' },
    'sigs with a repeated key': { field: 'sigs' },
    'longer than 8192 bytes (checked before CBOR)': { length: 8193 },
    '8192 bytes that are not one CBOR item': { offset: 1 },
    'trailing byte': { offset: 364 },
    'truncated': { offset: 300 },
    'seq in a non-shortest form': { offset: 4 },
    'keys 1 and 0 swapped': { offset: 3 },
    'indefinite-length map': { offset: 0 },
  };

  it('every case has its details written out', () => expect(Object.keys(DETAILS).sort()).toEqual(cases.map(([name]) => name).sort()));

  it.each(cases.map(([name, bytes, code]) => ({ name, bytes, code })))('$name → $code', ({ name, bytes, code }) => {
    const err = errorOf(() => decodeEntry(bytes));
    expect(err?.code).toBe(code);
    expect(err?.details).toEqual(DETAILS[name]);
  });

  it('accepts the limits themselves', () => {
    const ok: [string, Uint8Array][] = [
      ['case of 256 bytes', withKey(4, tooLong(256))],
      ['case of 256 bytes, two-byte characters', withKey(4, 'é'.repeat(128))],
      ['type of 128 bytes', withKey(7, tooLong(128))],
      ['actor of 256 bytes, four-byte characters', withKey(8, '\u{1F600}'.repeat(64))],
      ['text with C1 controls and U+FEFF (only C0 and DEL are excluded)', withKey(8, '\u0080\u009f\ufeff')],
      ['casePrev of zeros at step 2', withKey(6, new Uint8Array(32))],
      ['16 sigs', withKey(10, Array.from({ length: 16 }, (_, i) => [fill(32, i), fill(64, 0)]))],
      ['seq 2^53-1', withKey(1, Number.MAX_SAFE_INTEGER)],
    ];
    for (const [name, bytes] of ok) expect(codeOf(() => decodeEntry(bytes)), name).toBe('OK');
  });

  it('rejects a non-Uint8Array argument as INVALID_ARGUMENT', () => {
    expect(codeOf(() => decodeEntry(SAMPLE_HEX as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
  });
});

describe('entry: encoder validates every field', () => {
  const cases: [string, Partial<Record<keyof Entry, unknown>>, string][] = [
    ['v', { v: 3 }, 'v'],
    ['v 2 without a nonce', { v: 2 }, 'nonce'],
    ['v 2 with a short nonce', { v: 2, nonce: fill(15, 0) }, 'nonce'],
    ['v 1 with a nonce', { nonce: fill(16, 0) }, 'nonce'],
    ['seq negative', { seq: -1 }, 'seq'],
    ['seq fraction', { seq: 1.5 }, 'seq'],
    ['seq 2^53', { seq: 2 ** 53 }, 'seq'],
    ['seq bigint', { seq: 1n }, 'seq'],
    ['prev 31 bytes', { prev: fill(31, 0) }, 'prev'],
    ['prev array', { prev: Array.from(fill(32, 0)) }, 'prev'],
    ['time NaN', { time: NaN }, 'time'],
    ['time string', { time: '1' }, 'time'],
    ['case empty', { caseId: '' }, 'case'],
    ['case too long', { caseId: 'x'.repeat(257) }, 'case'],
    ['case control', { caseId: 'a\rb' }, 'case'],
    ['case lone surrogate', { caseId: 'a\ud800' }, 'case'],
    ['case not a string', { caseId: 42 }, 'case'],
    ['step 0', { step: 0 }, 'step'],
    ['step 1 with non-zero casePrev', { step: 1 }, 'casePrev'],
    ['casePrev 33 bytes', { casePrev: fill(33, 0) }, 'casePrev'],
    ['type too long', { type: 'x'.repeat(129) }, 'type'],
    ['type DEL', { type: 'a\u007f' }, 'type'],
    ['actor too long', { actor: 'é'.repeat(129) }, 'actor'],
    ['actor NUL', { actor: '\u0000' }, 'actor'],
    ['commit missing', { commit: undefined }, 'commit'],
    ['sigs not an array', { sigs: SIG_A }, 'sigs'],
    ['sigs 17 items', { sigs: Array.from({ length: 17 }, (_, i) => ({ publicKey: fill(32, i), signature: fill(64, 0) })) }, 'sigs'],
    ['sigs repeated key', { sigs: [SIG_A, { ...SIG_B, publicKey: SIG_A.publicKey }] }, 'sigs'],
    ['sig public key short', { sigs: [{ ...SIG_A, publicKey: fill(31, 0) }] }, 'sigs[0].publicKey'],
    ['sig signature short', { sigs: [SIG_A, { ...SIG_B, signature: fill(63, 0) }] }, 'sigs[1].signature'],
    ['sig item null', { sigs: [null] }, 'sigs'],
  ];
  it.each(cases)('%s', (_name, change, field) => {
    const err = errorOf(() => encodeEntry({ ...SAMPLE, ...change } as Entry));
    expect(err?.code).toBe('INVALID_ARGUMENT');
    expect(err?.details['field']).toBe(field);
  });

  it('rejects a non-object', () => {
    expect(codeOf(() => encodeEntry(null as unknown as Entry))).toBe('INVALID_ARGUMENT');
  });
});

describe('entry: text rules (format.md §4.1)', () => {
  const cases: ['case' | 'type' | 'actor', string, boolean][] = [
    ['case', 'a', true],
    ['case', 'x'.repeat(256), true],
    ['case', 'x'.repeat(257), false],
    ['case', '', false],
    ['case', ' leading and trailing space ', true],
    ['case', 'tab\there', false],
    ['case', '\u001f', false],
    ['case', '\u007f', false],
    ['case', '\u0080', true],
    ['case', 'ü'.repeat(128), true],
    ['case', 'ü'.repeat(128) + '.', false],
    ['type', 'x'.repeat(128), true],
    ['type', 'x'.repeat(129), false],
    ['type', '水'.repeat(42), true],
    ['type', '水'.repeat(43), false],
    ['type', REDACTION_TYPE, true],
    ['actor', '\u{1F600}'.repeat(64), true],
    ['actor', '\u{1F600}'.repeat(64) + 'a', false],
    ['actor', '\ud83d', false],
    ['actor', '\ude00\ud83d', false],
  ];
  it.each(cases)('%s %j → %s', (field, value, ok) => {
    const err = errorOf(() => validateText(field, value));
    if (ok) expect(err).toBeUndefined();
    else {
      expect(err?.code).toBe('INVALID_ARGUMENT');
      expect(err?.details['field']).toBe(field);
    }
  });

  it('rejects non-strings and unknown fields', () => {
    expect(codeOf(() => validateText('case', 1 as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateText('nope' as 'case', 'a'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateText('toString' as 'case', 'a'))).toBe('INVALID_ARGUMENT');
  });
});

// ---------------------------------------------------------------------------

/** The statement of SAMPLE (format.md §4.4: a version 1 statement has no nonce and no origin). */
const STATEMENT: Statement = { v: 1, time: SAMPLE.time, caseId: SAMPLE.caseId, type: SAMPLE.type, actor: SAMPLE.actor, commit: SAMPLE.commit };

/** The statement of SAMPLE written out by hand (format.md §4.4). */
const STATEMENT_PIECES = [
  '03 1b0000018bcfe56800',
  '04 67' + ascii('case-42'),
  '07 68' + ascii('decision'),
  '08 71' + ascii('alice@example.org'),
  '09 5820' + '33'.repeat(32),
].map((p) => p.replace(/ /g, ''));
const STATEMENT_HEX = 'a5' + STATEMENT_PIECES.join('');

interface Rfc8032 {
  vectors: { name: string; secretKey: string; publicKey: string }[];
}
const rfc8032 = loadVectors<Rfc8032>('rfc8032-ed25519.json').vectors;

function nodeVerifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return nodeVerify(null, message, key, signature);
}

describe('statements and actor signatures (format.md §4.4)', () => {
  it('the statement of a version 1 entry is its time, case, type, actor and commitment, whatever the origin', () => {
    expect(entryStatement(SAMPLE, 'casetrail.test/ledger')).toEqual(STATEMENT);
    expect(entryStatement(SAMPLE, 'other.example/log')).toEqual(STATEMENT);
  });

  it('encodes the statement with the entry encoding of each field', () => {
    expect(toHex(encodeStatement(STATEMENT))).toBe(STATEMENT_HEX);
    for (const piece of STATEMENT_PIECES) expect(SAMPLE_HEX).toContain(piece);
  });

  it('digest and message follow the domain-separated layouts', () => {
    const statement = hex(STATEMENT_HEX);
    const digest = sha256hex(Buffer.from('casetrail-v1-statement\0'), statement);
    expect(toHex(statementDigest(STATEMENT))).toBe(digest);
    const message = actorSignatureMessage(STATEMENT);
    expect(message.length).toBe(55);
    expect(toHex(message)).toBe(ascii('casetrail-v1-actor-sig') + '00' + digest);
  });

  it.each(rfc8032.map((v) => [v.name, v] as const))('signs and verifies with the %s key', (_name, v) => {
    const sig = signStatement(STATEMENT, hex(v.secretKey));
    expect(toHex(sig.publicKey)).toBe(v.publicKey);
    expect(sig.signature.length).toBe(64);
    expect(verifyActorSignature(STATEMENT, sig)).toBe(true);
    expect(nodeVerifies(sig.publicKey, actorSignatureMessage(STATEMENT), sig.signature)).toBe(true);
  });

  it('a change to any statement field breaks the signature', () => {
    const sig = signStatement(STATEMENT, hex(rfc8032[0]!.secretKey));
    const changes: Partial<Statement>[] = [
      { time: STATEMENT.time + 1 },
      { caseId: 'case-43' },
      { type: 'decisioN' },
      { actor: 'alice@example.com' },
      { commit: fill(32, 0x34) },
    ];
    for (const change of changes) {
      expect(verifyActorSignature({ ...STATEMENT, ...change }, sig), JSON.stringify(Object.keys(change))).toBe(false);
    }
  });

  it('a changed, wrong-length or foreign signature does not verify', () => {
    const sig = signStatement(STATEMENT, hex(rfc8032[0]!.secretKey));
    const other = signStatement(STATEMENT, hex(rfc8032[1]!.secretKey));
    for (let i = 0; i < 64; i += 7) {
      const s = sig.signature.slice();
      s[i]! ^= 1;
      expect(verifyActorSignature(STATEMENT, { ...sig, signature: s })).toBe(false);
    }
    expect(verifyActorSignature(STATEMENT, { publicKey: other.publicKey, signature: sig.signature })).toBe(false);
    expect(verifyActorSignature(STATEMENT, { ...sig, signature: sig.signature.subarray(0, 63) })).toBe(false);
    expect(verifyActorSignature(STATEMENT, { ...sig, publicKey: new Uint8Array(33) })).toBe(false);
    expect(verifyActorSignature(STATEMENT, { publicKey: ZERO_HASH, signature: new Uint8Array(64) })).toBe(false);
  });

  it('an entry signature verifies through entryStatement of the decoded entry', () => {
    const seed = hex(rfc8032[2]!.secretKey);
    const signed = { ...SAMPLE, sigs: [signStatement(STATEMENT, seed)] };
    const decoded = decodeEntry(encodeEntry(signed));
    expect(verifyActorSignature(entryStatement(decoded, 'any.origin'), decoded.sigs[0]!)).toBe(true);
    expect(verifyActorSignature(entryStatement({ ...decoded, seq: 99, step: 7 }, 'another.origin'), decoded.sigs[0]!)).toBe(true);
  });

  it('misuse is INVALID_ARGUMENT', () => {
    const seed = hex(rfc8032[0]!.secretKey);
    expect(codeOf(() => signStatement({ ...STATEMENT, caseId: '' }, seed))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => signStatement(STATEMENT, seed.subarray(0, 31)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeStatement({ ...STATEMENT, commit: fill(31, 0) }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => statementDigest(null as unknown as Statement))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => verifyActorSignature(STATEMENT, null as unknown as ActorSignature))).toBe('INVALID_ARGUMENT');
  });
});

// ---------------------------------------------------------------------------

describe('payload commitment and genesis link (format.md §4.2, §4.3)', () => {
  const SALT = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('matches fixed vectors (computed with Python hashlib)', () => {
    const payload = Buffer.from('{"decision":"approved","amount":120}');
    expect(toHex(payloadCommitment(SALT, payload))).toBe('4b4f0f9169b153b2eb361ac36e72d5f32898d8d8f4d7b18dc1d9efc858c0755f');
    expect(toHex(payloadCommitment(new Uint8Array(32), new Uint8Array(0)))).toBe(
      'c4962de829cdfa5f4117976abea9238229827dba9cf28d3dc1d80e39b501fb37',
    );
    expect(toHex(genesisLink('example.org/casetrail'))).toBe('2d315fa075f5fc89b99957c2c6e1939ac107218718dc08f8803d355360c62b4a');
  });

  it('the salt hides the payload: another salt gives another commitment', () => {
    const payload = encodePayload({ name: 'Bob' });
    expect(payloadCommitment(SALT, payload)).not.toEqual(payloadCommitment(newSalt(), payload));
  });

  it('misuse is INVALID_ARGUMENT', () => {
    expect(codeOf(() => payloadCommitment(SALT.subarray(1), new Uint8Array(0)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => payloadCommitment(SALT, 'x' as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => genesisLink(''))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => genesisLink('a\udc00'))).toBe('INVALID_ARGUMENT');
  });

  it('newSalt gives 32 fresh bytes; ZERO_HASH is 32 zero bytes', () => {
    const a = newSalt();
    expect(a.length).toBe(32);
    expect(a).not.toEqual(newSalt());
    expect(ZERO_HASH).toEqual(new Uint8Array(32));
  });

  it('exports the size limits of format.md §4.1, §4.2', () => {
    expect([MAX_ENTRY_BYTES, DEFAULT_MAX_PAYLOAD, HARD_MAX_PAYLOAD]).toEqual([8192, 1_048_576, 16_777_216]);
  });
});

describe('payload JSON', () => {
  it.each([
    [{ a: 1, b: [true, null, 'x'] }, '{"a":1,"b":[true,null,"x"]}'],
    ['é\u{1F600}', '"é\u{1F600}"'],
    [0, '0'],
    [null, 'null'],
    [[], '[]'],
    [Object.assign(Object.create(null) as object, { k: 'v' }), '{"k":"v"}'],
    [{ when: new Date(0) }, '{"when":"1970-01-01T00:00:00.000Z"}'],
    [{ custom: { toJSON: () => [1] } }, '{"custom":[1]}'],
    ['\ud800', '"\\ud800"'],
  ])('encodes %j', (data, text) => {
    const bytes = encodePayload(data);
    expect(Buffer.from(bytes).toString('utf8')).toBe(text);
    expect(decodePayload(bytes)).toEqual(JSON.parse(text));
    // The text form: the same text, and what the append path parses for its committed steps.
    expect(encodePayloadText(data)).toBe(text);
    expect(JSON.parse(encodePayloadText(data))).toEqual(decodePayload(bytes));
  });

  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  it.each([
    ['undefined', undefined],
    ['nested undefined', { a: undefined }],
    ['undefined in an array', [undefined]],
    ['a function', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a BigInt', { n: 1n }],
    ['NaN', NaN],
    ['Infinity in an array', [1, -Infinity]],
    ['a Map', new Map([[1, 2]])],
    ['a Uint8Array', { b: new Uint8Array(2) }],
    ['a boxed string', { s: new String('x') }],
    ['a class instance', { c: new (class Point { x = 1; })() }],
    ['a cycle', cyclic],
    ['a throwing toJSON', { toJSON: () => { throw new Error('boom'); } }],
  ])('rejects %s', (_name, data) => {
    expect(codeOf(() => encodePayload(data))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodePayloadText(data))).toBe('INVALID_ARGUMENT');
  });

  it.each([
    ['invalid UTF-8', hex('7b22223a2280227d')],
    ['a byte order mark', hex('efbbbf7b7d')],
    ['truncated JSON', Buffer.from('{"a":')],
    ['empty', new Uint8Array(0)],
    ['single quotes', Buffer.from("{'a':1}")],
    ['trailing comma', Buffer.from('[1,]')],
    ['deep nesting', Buffer.from('['.repeat(1_000_000))],
  ])('decodePayload rejects %s as MALFORMED_ENTRY', (_name, bytes) => {
    expect(codeOf(() => decodePayload(bytes))).toBe('MALFORMED_ENTRY');
  });
});

describe('redaction payloads (format.md §4.5)', () => {
  const LEAF = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + (i % 16));
  const LEAF_HEX = toHex(LEAF);

  it('writes the exact JSON of §4.5 and parses it back', () => {
    const bytes = redactionPayload(7, LEAF, 'GDPR art. 17 "erasure"');
    expect(Buffer.from(bytes).toString('utf8')).toBe(`{"redacts":7,"leaf":"${LEAF_HEX}","reason":"GDPR art. 17 \\"erasure\\""}`);
    expect(parseRedactionPayload(bytes)).toEqual({ redacts: 7, leaf: LEAF, reason: 'GDPR art. 17 "erasure"' });
    expect(parseRedactionPayload(redactionPayload(0, LEAF, ''))).toEqual({ redacts: 0, leaf: LEAF, reason: '' });
  });

  const text = (s: string) => Buffer.from(s);
  it.each([
    ['white space', text(`{"redacts": 7,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['keys out of order', text(`{"leaf":"${LEAF_HEX}","redacts":7,"reason":"x"}`)],
    ['an extra key', text(`{"redacts":7,"leaf":"${LEAF_HEX}","reason":"x","by":"y"}`)],
    ['a missing key', text(`{"redacts":7,"leaf":"${LEAF_HEX}"}`)],
    ['a repeated key', text(`{"redacts":7,"redacts":7,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['uppercase hex', text(`{"redacts":7,"leaf":"${LEAF_HEX.toUpperCase()}","reason":"x"}`)],
    ['a short leaf', text(`{"redacts":7,"leaf":"${LEAF_HEX.slice(2)}","reason":"x"}`)],
    ['redacts negative', text(`{"redacts":-1,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['redacts 7.0', text(`{"redacts":7.0,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['redacts 7e0', text(`{"redacts":7e0,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['redacts 2^53', text(`{"redacts":9007199254740992,"leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['redacts as text', text(`{"redacts":"7","leaf":"${LEAF_HEX}","reason":"x"}`)],
    ['reason null', text(`{"redacts":7,"leaf":"${LEAF_HEX}","reason":null}`)],
    ['a needless escape', text(`{"redacts":7,"leaf":"${LEAF_HEX}","reason":"\\u0078"}`)],
    ['an array', text(`[7,"${LEAF_HEX}","x"]`)],
    ['null', text('null')],
    ['not JSON', text('{')],
  ])('parseRedactionPayload rejects %s as MALFORMED_ENTRY', (_name, bytes) => {
    expect(codeOf(() => parseRedactionPayload(bytes))).toBe('MALFORMED_ENTRY');
  });

  it('misuse is INVALID_ARGUMENT', () => {
    expect(codeOf(() => redactionPayload(-1, LEAF, 'x'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => redactionPayload(1, LEAF.subarray(1), 'x'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => redactionPayload(1, LEAF, 5 as unknown as string))).toBe('INVALID_ARGUMENT');
  });
});

describe('entry functions: each refusal carries its code and details (docs/errors.md)', () => {
  const salt = fill(32, 1);
  const leaf = fill(32, 2);
  const v2: Statement = { ...STATEMENT, v: 2, nonce: fill(16, 3), origin: 'casetrail.test/ledger' };
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const deep = JSON.parse('['.repeat(MAX_PAYLOAD_DEPTH + 1) + ']'.repeat(MAX_PAYLOAD_DEPTH + 1)) as unknown;
  const cases: Array<[string, () => unknown, string, Record<string, unknown>]> = [
    ['genesisLink of an empty origin', () => genesisLink(''), 'INVALID_ARGUMENT', { field: 'origin' }],
    ['genesisLink of a lone surrogate', () => genesisLink('a\ud800'), 'INVALID_ARGUMENT', { field: 'origin' }],
    ['genesisLink of a number', () => genesisLink(5 as unknown as string), 'INVALID_ARGUMENT', { field: 'origin' }],
    ['payloadCommitment with a 31-byte salt', () => payloadCommitment(salt.subarray(1), leaf), 'INVALID_ARGUMENT', { field: 'salt' }],
    ['payloadCommitment of a string payload', () => payloadCommitment(salt, 'x' as unknown as Uint8Array), 'INVALID_ARGUMENT', { field: 'payload' }],
    ['encodePayload of NaN inside', () => encodePayload({ a: Number.NaN }), 'INVALID_ARGUMENT', { field: 'payload' }],
    ['encodePayload of a Map', () => encodePayload(new Map()), 'INVALID_ARGUMENT', { field: 'payload' }],
    ['encodePayload of a function inside', () => encodePayload({ f: () => 1 }), 'INVALID_ARGUMENT', { field: 'payload' }],
    ['encodePayload of a cycle', () => encodePayload(cyclic), 'INVALID_ARGUMENT', { field: 'payload' }],
    ['encodePayload nested one deeper than the limit', () => encodePayload(deep), 'INVALID_ARGUMENT', { field: 'payload', limit: MAX_PAYLOAD_DEPTH }],
    ['decodePayload nested one deeper than the limit', () => decodePayload(utf8('['.repeat(MAX_PAYLOAD_DEPTH + 1) + ']'.repeat(MAX_PAYLOAD_DEPTH + 1))), 'MALFORMED_ENTRY', { limit: MAX_PAYLOAD_DEPTH }],
    ['decodePayload of a string', () => decodePayload('{}' as unknown as Uint8Array), 'INVALID_ARGUMENT', {}],
    ['checkIdempotencyKey of a number', () => checkIdempotencyKey(5), 'INVALID_ARGUMENT', { field: 'idempotencyKey' }],
    ['checkIdempotencyKey with a newline', () => checkIdempotencyKey('a\nb'), 'INVALID_ARGUMENT', { field: 'idempotencyKey' }],
    ['checkIdempotencyKey of 257 bytes', () => checkIdempotencyKey('k'.repeat(257)), 'INVALID_ARGUMENT', { field: 'idempotencyKey' }],
    ['redactionPayload of seq -1', () => redactionPayload(-1, leaf, ''), 'INVALID_ARGUMENT', { field: 'seq' }],
    ['redactionPayload of a 31-byte leaf hash', () => redactionPayload(0, leaf.subarray(1), ''), 'INVALID_ARGUMENT', { field: 'leafHash' }],
    ['redactionPayload of a number as reason', () => redactionPayload(0, leaf, 5 as unknown as string), 'INVALID_ARGUMENT', { field: 'reason' }],
    ['parseRedactionPayload of null', () => parseRedactionPayload(utf8('null')), 'MALFORMED_ENTRY', {}],
    ['parseRedactionPayload of an array', () => parseRedactionPayload(utf8('[1]')), 'MALFORMED_ENTRY', {}],
    ['parseRedactionPayload with a character before the leaf hash', () => parseRedactionPayload(utf8(`{"redacts":1,"leaf":"x${'ab'.repeat(32)}","reason":""}`)), 'MALFORMED_ENTRY', {}],
    ['parseRedactionPayload with a character after the leaf hash', () => parseRedactionPayload(utf8(`{"redacts":1,"leaf":"${'ab'.repeat(32)}x","reason":""}`)), 'MALFORMED_ENTRY', {}],
    ['decodeEntry of a string longer than an entry may be', () => decodeEntry('x'.repeat(MAX_ENTRY_BYTES + 1) as unknown as Uint8Array), 'INVALID_ARGUMENT', {}],
    ['statementVersion of v 3', () => statementVersion({ ...STATEMENT, v: 3 as 1 }), 'INVALID_ARGUMENT', { field: 'v' }],
    ['encodeStatement of null', () => encodeStatement(null as unknown as Statement), 'INVALID_ARGUMENT', { field: 'statement' }],
    ['encodeStatement with a text time', () => encodeStatement({ ...STATEMENT, time: '1' as unknown as number }), 'INVALID_ARGUMENT', { field: 'time' }],
    ['encodeStatement with a 31-byte commit', () => encodeStatement({ ...STATEMENT, commit: fill(31, 0) }), 'INVALID_ARGUMENT', { field: 'commit' }],
    ['encodeStatement of v 1 with a nonce', () => encodeStatement({ ...STATEMENT, v: 1, nonce: fill(16, 3) }), 'INVALID_ARGUMENT', { field: 'nonce' }],
    ['encodeStatement of v 1 with an origin', () => encodeStatement({ ...STATEMENT, v: 1, origin: 'o' }), 'INVALID_ARGUMENT', { field: 'nonce' }],
    ['encodeStatement of v 2 with a 15-byte nonce', () => encodeStatement({ ...v2, nonce: fill(15, 3) }), 'INVALID_ARGUMENT', { field: 'nonce' }],
    ['encodeStatement of v 2 without an origin', () => encodeStatement({ ...v2, origin: undefined as unknown as string }), 'INVALID_ARGUMENT', { field: 'origin' }],
    ['encodeStatement of v 2 with an empty origin', () => encodeStatement({ ...v2, origin: '' }), 'INVALID_ARGUMENT', { field: 'origin' }],
    ['signStatement with a 31-byte seed', () => signStatement(STATEMENT, fill(31, 1)), 'INVALID_ARGUMENT', { field: 'seed' }],
    ['verifyActorSignature of null', () => verifyActorSignature(STATEMENT, null as unknown as ActorSignature), 'INVALID_ARGUMENT', {}],
    ['verifyActorSignature without a signature', () => verifyActorSignature(STATEMENT, { publicKey: fill(32, 1) } as unknown as ActorSignature), 'INVALID_ARGUMENT', {}],
    ['validateNewText with a zero-width space', () => validateNewText('actor', 'a\u200bb'), 'INVALID_ARGUMENT', { field: 'actor', codePoint: 0x200b }],
    ['encodeEntry of null', () => encodeEntry(null as unknown as Entry), 'INVALID_ARGUMENT', {}],
    ['encodeEntry of a number', () => encodeEntry(5 as unknown as Entry), 'INVALID_ARGUMENT', {}],
    ['encodeEntry with a sig that is a number', () => encodeEntry({ ...SAMPLE, sigs: [5 as unknown as ActorSignature] }), 'INVALID_ARGUMENT', { field: 'sigs' }],
    ['encodeEntry with a sig that is null', () => encodeEntry({ ...SAMPLE, sigs: [null as unknown as ActorSignature] }), 'INVALID_ARGUMENT', { field: 'sigs' }],
  ];
  it.each(cases)('%s', (_name, f, code, details) => {
    const err = errorOf(f);
    expect(err?.code).toBe(code);
    expect(err?.details).toEqual(details);
  });

  it('an actor signature with a 31-byte key or a 63-byte signature does not verify (no error)', () => {
    const sig = signStatement(STATEMENT, fill(32, 7));
    expect(verifyActorSignature(STATEMENT, sig)).toBe(true);
    expect(verifyActorSignature(STATEMENT, { ...sig, publicKey: sig.publicKey.subarray(1) })).toBe(false);
    expect(verifyActorSignature(STATEMENT, { ...sig, signature: sig.signature.subarray(1) })).toBe(false);
    expect(verifyActorSignature(STATEMENT, { ...sig, signature: new Uint8Array([...sig.signature, 0]) })).toBe(false);
  });

  it('isReserved: the casetrail. prefix, at the start only, of a string', () => {
    expect([isReserved('casetrail.redaction'), isReserved('casetrail.'), isReserved('x.casetrail.'), isReserved('casetrail'), isReserved(5 as unknown as string)]).toEqual([true, true, false, false, false]);
  });
});
