/**
 * Hostile input, core parsers (issue 4, "Hostile input"): fast-check
 * properties over the entry decoder, the CBOR decoder, notes and checkpoints,
 * keys, strict base64, payloads and Merkle proof verification. For each:
 * random input and mutations of valid input never raise anything but a
 * LedgerError with one of the documented codes, and whatever is accepted is
 * either the canonical encoding of what it decodes to (so it hashes to a
 * different leaf than the original) or carries exactly the signed content of
 * the original. The proof-file, witness-body and bundle parsers are covered
 * in fuzz-proofs.test.ts.
 *
 * Counts: runs per property as listed (each ≤ 2,000 in CI), times
 * CASETRAIL_SOAK_FUZZ_SCALE in the soak.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  EMPTY_ROOT,
  decodeCbor,
  decodeEntry,
  decodePayload,
  ed25519Sign,
  encodeCbor,
  encodeEntry,
  equalBytes,
  formatCheckpoint,
  formatSignatureLine,
  formatVerifierKey,
  fromBase64,
  generateKeyPair,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseRedactionPayload,
  parseSignerKey,
  parseVerifierKey,
  redactionPayload,
  consistencyProof,
  inclusionProof,
  rootFromLeaves,
  toBase64,
  toHex,
  utf8,
  verifyConsistency,
  verifyInclusion,
  type Entry,
} from '../../src/index.js';
import { KEYS, ORIGIN } from '../helpers/ledgers.js';
import { SEED, record } from '../helpers/reliability-config.js';
import { byteMutation, countSoFar, expectCoded, flushCounts, leavesOf, memoryTree, mutateBytes, mutateText, runs, textMutation, tick, verdict } from '../helpers/reliability-fuzz.js';

const params = (numRuns: number) => ({ numRuns: runs(numRuns), seed: SEED | 0 });

let total = 0;
afterAll(() => {
  total += flushCounts('fuzz');
  record('fuzz.coreCases', total);
});

const ENTRY_CODES = ['MALFORMED_CBOR', 'NON_CANONICAL_CBOR', 'MALFORMED_ENTRY', 'UNSUPPORTED_VERSION'] as const;
const NOTE_CODES = ['MALFORMED_NOTE', 'INPUT_TOO_LARGE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY', 'MALFORMED_CHECKPOINT'] as const;

const text = (max: number) =>
  fc.string({ minLength: 1, maxLength: max, unit: fc.constantFrom('a', 'Z', '0', '-', '.', '/', ' ', 'é', '审', '😀') }).filter((s) => s.trim() === s && s.length > 0);

const entryArb: fc.Arbitrary<Entry> = fc
  .record({
    seq: fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER)),
    prev: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    time: fc.oneof(fc.nat(), fc.constant(1_800_000_000_000)),
    caseId: text(40),
    step: fc.integer({ min: 1, max: 100_000 }),
    casePrev: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    type: text(20),
    actor: text(30),
    commit: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    sigs: fc.uniqueArray(
      fc.record({ publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), signature: fc.uint8Array({ minLength: 64, maxLength: 64 }) }),
      { maxLength: 3, selector: (s) => toHex(s.publicKey) },
    ),
  })
  .map((e) => ({ v: 1 as const, ...e, casePrev: e.step === 1 ? new Uint8Array(32) : e.casePrev }));

describe('entry decoder', () => {
  test('random bytes: a coded refusal, or the canonical encoding of what it decodes to (2,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 12 }).map((b) => Uint8Array.from([0xaa, ...b]))), (bytes) => {
        tick('entryRandom');
        const v = verdict(() => decodeEntry(bytes));
        expectCoded(v, ENTRY_CODES, 'decodeEntry');
        if (v.ok) expect(toHex(encodeEntry(v.value))).toBe(toHex(bytes));
      }),
      params(2000),
    );
  });

  test('mutated valid entries: refused, or a different canonical entry with a different leaf hash (2,000 runs)', () => {
    fc.assert(
      fc.property(entryArb, byteMutation, (entry, m) => {
        tick('entryMutated');
        const good = encodeEntry(entry);
        const bad = mutateBytes(good, m);
        const v = verdict(() => decodeEntry(bad));
        expectCoded(v, ENTRY_CODES, 'decodeEntry');
        if (v.ok) {
          expect(toHex(encodeEntry(v.value))).toBe(toHex(bad));
          if (!equalBytes(bad, good)) expect(toHex(leafHash(bad))).not.toBe(toHex(leafHash(good)));
        }
      }),
      params(2000),
    );
  });

  test('CBOR decoder: random bytes are refused with a CBOR code or decode canonically (1,500 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        tick('cborRandom');
        const v = verdict(() => decodeCbor(bytes));
        expectCoded(v, ['MALFORMED_CBOR', 'NON_CANONICAL_CBOR'], 'decodeCbor');
        if (v.ok) expect(toHex(encodeCbor(v.value))).toBe(toHex(bytes));
      }),
      params(1500),
    );
  });
});

describe('notes and checkpoints', () => {
  const real = parseSignerKey(KEYS.skey);
  const verifier = parseVerifierKey(KEYS.vkey);
  const cosigner = parseSignerKey(generateKeyPair('witness.example/w1').skey);
  const root = leafHash(utf8('root'));
  const body = formatCheckpoint({ origin: ORIGIN, size: 4242, root, extensions: [] });
  const line = (k: typeof real) => formatSignatureLine(k.name, k.keyId, ed25519Sign(k.seed, utf8(body)));
  // A real checkpoint as a client would hold it: the log's signature and a cosignature.
  const note = `${body}\n${line(real)}${line(cosigner)}`;
  const noteLines = note.split('\n').filter((l) => l !== '');

  test('random text: parseNote and openCheckpoint refuse with note codes (1,500 runs)', () => {
    const fragments = fc.constantFrom(...noteLines, '', '\u2014 ', `${ORIGIN} `, 'AAAA', '====', '+', '\u0000', '\r', ' ', '\u2014');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), fc.array(fragments, { maxLength: 12 }).map((xs) => xs.join('\n') + '\n')), (s) => {
        tick('noteRandom');
        expectCoded(verdict(() => parseNote(s)), NOTE_CODES, 'parseNote');
        const v = verdict(() => openCheckpoint(s, [verifier]));
        expectCoded(v, NOTE_CODES, 'openCheckpoint');
        // Nothing but the real note's signed content can be accepted.
        if (v.ok) expect([v.value.size, toHex(v.value.root)]).toEqual([4242, toHex(root)]);
      }),
      params(1500),
    );
  });

  test('mutated signed checkpoints: refused, or accepted with exactly the signed origin, size and root (2,000 runs)', () => {
    fc.assert(
      fc.property(fc.array(textMutation(noteLines), { minLength: 1, maxLength: 3 }), fc.boolean(), (ms, asBytes) => {
        tick('checkpointMutated');
        const forged = ms.reduce(mutateText, note);
        const v = verdict(() => openCheckpoint(asBytes ? utf8(forged) : forged, [verifier]));
        expectCoded(v, NOTE_CODES, 'openCheckpoint');
        if (v.ok) expect([v.value.origin, v.value.size, toHex(v.value.root), v.value.extensions]).toEqual([ORIGIN, 4242, toHex(root), []]);
      }),
      params(2000),
    );
  });

  test('mutated note bytes (invalid UTF-8 included) are refused with note codes (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.array(byteMutation, { minLength: 1, maxLength: 3 }), (ms) => {
        tick('noteBytesMutated');
        const forged = ms.reduce(mutateBytes, utf8(note));
        const v = verdict(() => openCheckpoint(forged, [verifier]));
        expectCoded(v, NOTE_CODES, 'openCheckpoint');
        if (v.ok) expect([v.value.size, toHex(v.value.root)]).toEqual([4242, toHex(root)]);
      }),
      params(1000),
    );
  });

  test('checkpoint bodies: refused with MALFORMED_CHECKPOINT, or the canonical text of what they parse to (1,500 runs)', () => {
    const piece = fc.oneof(
      fc.constantFrom(ORIGIN, '0', '00', '4242', '-1', '9007199254740991', '9007199254740992', toBase64(root), toBase64(root).slice(1), ' ', '', 'ext'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.boolean(), (lines, extensions) => {
        tick('checkpointBody');
        const b = lines.join('\n') + '\n';
        const v = verdict(() => parseCheckpoint(b, { allowExtensions: extensions }));
        expectCoded(v, ['MALFORMED_CHECKPOINT', 'INPUT_TOO_LARGE'], 'parseCheckpoint');
        if (v.ok) expect(formatCheckpoint(v.value)).toBe(b);
      }),
      params(1500),
    );
  });
});

describe('keys and base64', () => {
  const keys = [KEYS.vkey, formatVerifierKey('a.b/c', parseSignerKey(generateKeyPair('a.b/c').skey).publicKey)];

  test('mutated verifier and signer keys: MALFORMED_KEY, or the very same key (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys, KEYS.skey), fc.array(textMutation([]), { minLength: 1, maxLength: 2 }), (key, ms) => {
        tick('keyMutated');
        const forged = ms.reduce(mutateText, key);
        const isSigner = key.startsWith('PRIVATE+KEY+');
        const v = verdict(() => (isSigner ? parseSignerKey(forged) : parseVerifierKey(forged)));
        expectCoded(v, ['MALFORMED_KEY'], 'parse key');
        if (v.ok) {
          const k = v.value;
          const original = isSigner ? parseSignerKey(key) : parseVerifierKey(key);
          expect([k.name, k.keyId, toHex(k.publicKey)]).toEqual([original.name, original.keyId, toHex(original.publicKey)]);
        }
      }),
      params(1000),
    );
  });

  test('strict base64: MALFORMED_BASE64, or the unique text of the bytes (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24, unit: fc.constantFrom('A', 'Q', 'g', 'w', '/', '+', '=', '-', '_', ' ', '\n', 'é') }), (s) => {
        tick('base64');
        const v = verdict(() => fromBase64(s));
        expectCoded(v, ['MALFORMED_BASE64'], 'fromBase64');
        if (v.ok) expect(toBase64(v.value)).toBe(s);
      }),
      params(1000),
    );
  });
});

describe('payloads', () => {
  test('random and mutated payloads: MALFORMED_ENTRY, and a redaction payload only in its exact form (1,000 runs)', () => {
    const valid = redactionPayload(7, leafHash(utf8('x')), 'court order');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.array(byteMutation, { minLength: 1, maxLength: 2 }).map((ms) => ms.reduce(mutateBytes, valid))), (bytes) => {
        tick('payload');
        expectCoded(verdict(() => decodePayload(bytes)), ['MALFORMED_ENTRY'], 'decodePayload');
        const r = verdict(() => parseRedactionPayload(bytes));
        expectCoded(r, ['MALFORMED_ENTRY'], 'parseRedactionPayload');
        if (r.ok) expect(toHex(redactionPayload(r.value.redacts, r.value.leaf, r.value.reason))).toBe(toHex(bytes));
      }),
      params(1000),
    );
  });
});

describe('Merkle proofs', () => {
  type ProofMutation =
    | { op: 'flip'; item: number; bit: number }
    | { op: 'drop'; item: number }
    | { op: 'add'; item: number }
    | { op: 'swap'; item: number }
    | { op: 'index'; delta: number }
    | { op: 'size'; delta: number };
  const proofMutation: fc.Arbitrary<ProofMutation> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), item: fc.nat(), bit: fc.nat(255) }) },
    fc.record({ op: fc.constant('drop' as const), item: fc.nat() }),
    fc.record({ op: fc.constant('add' as const), item: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), item: fc.nat() }),
    fc.record({ op: fc.constant('index' as const), delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0) }),
    fc.record({ op: fc.constant('size' as const), delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0) }),
  );
  function mutateProof(proof: Uint8Array[], a: number, b: number, m: ProofMutation): { proof: Uint8Array[]; a: number; b: number } | undefined {
    const p: Uint8Array[] = proof.map((x) => x.slice());
    switch (m.op) {
      case 'flip':
        if (p.length === 0) return undefined;
        p[m.item % p.length]![(m.bit >> 3) % 32]! ^= 1 << (m.bit & 7);
        return { proof: p, a, b };
      case 'drop':
        if (p.length === 0) return undefined;
        p.splice(m.item % p.length, 1);
        return { proof: p, a, b };
      case 'add':
        p.splice(m.item % (p.length + 1), 0, leafHash(Uint8Array.of(m.item & 255)));
        return { proof: p, a, b };
      case 'swap': {
        if (p.length < 2) return undefined;
        const i = m.item % (p.length - 1);
        if (equalBytes(p[i]!, p[i + 1]!)) return undefined;
        [p[i], p[i + 1]] = [p[i + 1]!, p[i]!];
        return { proof: p, a, b };
      }
      case 'index':
        return a + m.delta < 0 ? undefined : { proof: p, a: a + m.delta, b };
      case 'size':
        return b + m.delta < 0 ? undefined : { proof: p, a, b: b + m.delta };
    }
  }

  const sameProof = (x: Uint8Array[], y: Uint8Array[]) => x.length === y.length && x.every((h, i) => equalBytes(h, y[i]!));
  // One tree of 303 leaves per kind serves every size: a tree's first n leaves are the tree of size n.
  const trees = [0, 1].map((salt) => {
    const leaves = leavesOf(303, salt);
    const reader = memoryTree(leaves);
    const roots = [EMPTY_ROOT, ...leaves.map((_, i) => rootFromLeaves(leaves.slice(0, i + 1)))];
    return { leaves, reader, roots };
  });

  // The roots a verifier compares against come from checkpoints of the sizes
  // claimed, so a changed size is checked against the true root of that
  // size: a mutated proof may verify only if it is the honest proof.
  test('a mutated inclusion proof verifies only if it is the honest proof, and never throws (1,500 runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), proofMutation, (size, at, m) => {
        tick('inclusionMutated');
        const { leaves, reader, roots } = trees[0]!;
        const index = at % size;
        const proof = inclusionProof(reader, index, size);
        expect(verifyInclusion(leaves[index]!, index, size, proof, roots[size]!)).toBe(true);
        const bad = mutateProof(proof, index, size, m);
        if (bad === undefined) return;
        const v = verdict(() => verifyInclusion(leaves[index]!, bad.a, bad.b, bad.proof, roots[bad.b]!));
        const honest = bad.a < bad.b && equalBytes(leaves[bad.a]!, leaves[index]!) && sameProof(bad.proof, inclusionProof(reader, bad.a, bad.b));
        expect(v).toEqual({ ok: true, value: honest });
      }),
      params(1500),
    );
  });

  test('a mutated consistency proof verifies only if it is the honest proof, and never throws (1,500 runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), proofMutation, (size, at, m) => {
        tick('consistencyMutated');
        const { reader, roots } = trees[1]!;
        const old = 1 + (at % (size - 1));
        const proof = consistencyProof(reader, old, size);
        expect(verifyConsistency(old, size, roots[old]!, roots[size]!, proof)).toBe(true);
        const bad = mutateProof(proof, old, size, m);
        if (bad === undefined) return;
        const v = verdict(() => verifyConsistency(bad.a, bad.b, roots[bad.a]!, roots[bad.b]!, bad.proof));
        const honest = bad.a >= 1 && bad.a <= bad.b && sameProof(bad.proof, bad.a === bad.b ? [] : consistencyProof(reader, bad.a, bad.b));
        expect(v).toEqual({ ok: true, value: honest });
      }),
      params(1500),
    );
  });
});

test('the properties above generated at least 10,000 cases', () => {
  // fuzz-proofs.test.ts and fuzz-cli.test.ts add theirs on top.
  expect(countSoFar()).toBeGreaterThanOrEqual(10_000);
});
