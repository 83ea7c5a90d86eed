/**
 * Hostile input, artifact parsers (issue 4, "Hostile input"): fast-check
 * properties over the tlog-proof parser and verifier, the witness-body
 * (consistency) parser and verifier, and the bundle line parser and
 * verifier. Random input and mutations of the artifacts the CLI writes never
 * raise anything but a LedgerError with a documented code (the bundle
 * verifier never throws at all: problems are issues); what is accepted
 * is canonical, or carries exactly the content that was signed and proven.
 *
 * Counts: runs per property as listed (each ≤ 2,000 in CI), times
 * CASETRAIL_SOAK_FUZZ_SCALE in the soak.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  TLOG_PROOF_HEADER,
  formatTlogProof,
  formatWitnessBody,
  parseBundleLine,
  parseTlogProof,
  parseVerifierKey,
  parseWitnessBody,
  toBase64,
  toHex,
  utf8,
  verifyBundle,
  verifyEntryProof,
  verifyWitnessBody,
  type BundleReport,
} from '../../src/index.js';
import { KEYS, cleanupTempDirs } from '../helpers/ledgers.js';
import { makeArtifacts, type Artifacts } from '../helpers/reliability-artifacts.js';
import { SEED, record } from '../helpers/reliability-config.js';
import { byteMutation, expectCoded, flushCounts, mutateBytes, mutateText, runs, textMutation, tick, verdict } from '../helpers/reliability-fuzz.js';

const params = (numRuns: number) => ({ numRuns: runs(numRuns), seed: (SEED ^ 0x9e37) | 0 });

let total = 0;
afterAll(() => {
  total += flushCounts('fuzz');
  record('fuzz.artifactCases', total);
  cleanupTempDirs();
});

const NOTE_CODES = ['MALFORMED_NOTE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY', 'MALFORMED_CHECKPOINT'] as const;
const ENTRY_CODES = ['MALFORMED_ENTRY', 'NON_CANONICAL_CBOR', 'MALFORMED_CBOR', 'UNSUPPORTED_VERSION'] as const;
const PROOF_CODES = ['MALFORMED_PROOF', 'INPUT_TOO_LARGE', 'PROOF_INVALID', ...NOTE_CODES, ...ENTRY_CODES] as const;
const BODY_CODES = ['MALFORMED_PROOF', 'INPUT_TOO_LARGE', 'PROOF_INVALID', 'INCONSISTENT', ...NOTE_CODES] as const;

const verifier = parseVerifierKey(KEYS.vkey);
let a: Artifacts;
let proof: string;
let body: string;
let bundle: string;
let reference: BundleReport;

beforeAll(async () => {
  a = await makeArtifacts();
  proof = readFileSync(a.files.proof, 'utf8');
  body = readFileSync(a.files.body, 'utf8');
  bundle = readFileSync(a.files.caseBundle, 'utf8');
  reference = await verifyBundle(bundle, KEYS.vkey);
  expect(reference.ok).toBe(true);
});

const lineOf = (text: string) => text.split('\n');
const hashLine = toBase64(new Uint8Array(32).fill(3));

describe('tlog-proof files', () => {
  test('random files: parse refuses with MALFORMED_PROOF or accepts exactly the canonical text; verify refuses with a coded error (1,500 runs)', () => {
    const fragments = () => fc.constantFrom(TLOG_PROOF_HEADER, 'extra AAAA', 'extra ', 'index 0', 'index 01', 'index 9007199254740992', hashLine, hashLine.slice(2), '', ...lineOf(proof), 'c2sp.org/tlog-proof@v2', '\r');
    fc.assert(
      fc.property(fc.oneof(fc.array(fragments(), { maxLength: 10 }).map((xs) => xs.join('\n') + '\n'), fc.string({ maxLength: 200, unit: 'binary' })), (text) => {
        tick('tlogProofRandom');
        const p = verdict(() => parseTlogProof(text));
        expectCoded(p, ['MALFORMED_PROOF', 'INPUT_TOO_LARGE'], 'parseTlogProof');
        if (p.ok) {
          const f = verdict(() => formatTlogProof(p.value));
          if (f.ok) expect(f.value).toBe(text);
        }
        expectCoded(verdict(() => verifyEntryProof(text, verifier)), PROOF_CODES, 'verifyEntryProof');
      }),
      params(1500),
    );
  });

  test('mutated proofs: refused with a coded error, or the same entry at the same index in the same tree (2,000 runs)', () => {
    const original = verifyEntryProof(proof, verifier);
    fc.assert(
      fc.property(fc.oneof(fc.array(textMutation(lineOf(proof)), { minLength: 1, maxLength: 3 }).map((ms) => utf8(ms.reduce(mutateText, proof))), fc.array(byteMutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(mutateBytes, utf8(proof)))), (bytes) => {
        tick('tlogProofMutated');
        const v = verdict(() => verifyEntryProof(bytes, verifier));
        expectCoded(v, PROOF_CODES, 'verifyEntryProof');
        if (v.ok) {
          expect([v.value.index, toHex(v.value.entryBytes), v.value.checkpoint.size, toHex(v.value.checkpoint.root)]).toEqual([
            original.index,
            toHex(original.entryBytes),
            original.checkpoint.size,
            toHex(original.checkpoint.root),
          ]);
        }
      }),
      params(2000),
    );
  });
});

describe('witness bodies (consistency proofs)', () => {
  test('random bodies: parse refuses with MALFORMED_PROOF or accepts the canonical text; verify refuses with a coded error (1,500 runs)', () => {
    const fragments = () => fc.constantFrom('old 0', 'old 11', 'old 011', 'old -1', 'old 9007199254740992', hashLine, '', ...lineOf(body), 'x');
    fc.assert(
      fc.property(fc.oneof(fc.array(fragments(), { maxLength: 10 }).map((xs) => xs.join('\n') + '\n'), fc.string({ maxLength: 200, unit: 'binary' })), (text) => {
        tick('witnessBodyRandom');
        const p = verdict(() => parseWitnessBody(text));
        expectCoded(p, ['MALFORMED_PROOF', 'INPUT_TOO_LARGE'], 'parseWitnessBody');
        if (p.ok) {
          const f = verdict(() => formatWitnessBody(p.value));
          if (f.ok) expect(f.value).toBe(text);
        }
        expectCoded(verdict(() => verifyWitnessBody(text, [verifier], a.old)), BODY_CODES, 'verifyWitnessBody');
      }),
      params(1500),
    );
  });

  test('mutated bodies: refused with a coded error, or the same proven extension (1,500 runs)', () => {
    const original = verifyWitnessBody(body, [verifier], a.old);
    fc.assert(
      fc.property(fc.oneof(fc.array(textMutation(lineOf(body)), { minLength: 1, maxLength: 3 }).map((ms) => utf8(ms.reduce(mutateText, body))), fc.array(byteMutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(mutateBytes, utf8(body)))), (bytes) => {
        tick('witnessBodyMutated');
        const v = verdict(() => verifyWitnessBody(bytes, [verifier], a.old));
        expectCoded(v, BODY_CODES, 'verifyWitnessBody');
        if (v.ok) expect([v.value.oldSize, v.value.size, toHex(v.value.root)]).toEqual([original.oldSize, original.size, toHex(original.root)]);
      }),
      params(1500),
    );
  });
});

describe('bundles', () => {
  test('random lines: parseBundleLine refuses with MALFORMED_BUNDLE (1,500 runs)', () => {
    const lines = lineOf(bundle).filter((l) => l !== '');
    const structured = fc.record(
      {
        seq: fc.oneof(fc.nat(), fc.constant(-1), fc.constant(1.5), fc.constant('1'), fc.constant(2 ** 60)),
        entry: fc.oneof(fc.constant('AAAA'), fc.string({ maxLength: 12 }), fc.constant(null)),
        proof: fc.oneof(fc.array(fc.constantFrom(hashLine, 'AAAA', ''), { maxLength: 4 }), fc.constant({})),
        payload: fc.string({ maxLength: 8 }),
        salt: fc.constantFrom(hashLine, 'AAAA'),
        redaction: fc.object({ maxDepth: 1 }),
        end: fc.constantFrom('casetrail-bundle/v1', 'x'),
        entries: fc.oneof(fc.nat(), fc.constant(-3)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...lines), fc.json({ maxDepth: 3 }), structured.map((o) => JSON.stringify(o)), fc.string({ maxLength: 120, unit: 'binary' })),
        fc.boolean(),
        (line, first) => {
          tick('bundleLineRandom');
          expectCoded(verdict(() => parseBundleLine(line, first)), ['MALFORMED_BUNDLE', 'INPUT_TOO_LARGE'], 'parseBundleLine');
        },
      ),
      params(1500),
    );
  });

  test('mutated bundles: the verifier never throws, and accepts only the content it was given (800 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(textMutation(lineOf(bundle)), { minLength: 1, maxLength: 3 }).map((ms) => utf8(ms.reduce(mutateText, bundle))),
          fc.array(byteMutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(mutateBytes, utf8(bundle))),
        ),
        fc.integer({ min: 1, max: 64 }),
        async (bytes, chunk) => {
          tick('bundleMutated');
          // Fed in chunks, as a stream would be.
          const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
          const v = await verifyBundle(chunks, KEYS.vkey).then(
            (r) => ({ ok: true as const, r }),
            (e: unknown) => ({ ok: false as const, e }),
          );
          if (!v.ok) throw new Error(`verifyBundle threw ${String(v.e)}`);
          if (v.r.ok) expect({ ...v.r, created: undefined }).toEqual({ ...reference, created: undefined });
          else expect(v.r.issues.length).toBeGreaterThan(0);
        },
      ),
      params(800),
    );
  });
});
