/**
 * Oversize inputs (issue 4, "Hostile input"): a 100 MB payload, a
 * 10,000-line note, proofs with 10,000 hashes, and the other documented
 * limits. Each is refused with its code *before* the work it would cause:
 * the test counts the bytes hashed and the Ed25519 verifications made
 * during the refusal (through counting providers) and measures its time.
 * The measured times are figures of the battery (docs/security.md).
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import {
  HARD_MAX_PAYLOAD,
  LedgerError,
  MAX_BUNDLE_LINE_BYTES,
  MAX_ENTRY_BYTES,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  MAX_TLOG_PROOF_BYTES,
  MAX_TLOG_PROOF_HASHES,
  MAX_WITNESS_BODY_BYTES,
  MAX_WITNESS_PROOF_LINES,
  TLOG_PROOF_HEADER,
  decodeCbor,
  decodeEntry,
  ed25519Provider,
  formatCheckpoint,
  formatSignatureLine,
  hashProvider,
  installNodeCrypto,
  leafHash,
  openCheckpoint,
  openNote,
  parseBundleLine,
  parseCheckpoint,
  parseSignerKey,
  parseTlogProof,
  parseVerifierKey,
  parseWitnessBody,
  setEd25519Provider,
  setHashProvider,
  toBase64,
  utf8,
  verifyBundle,
  verifyConsistency,
  verifyInclusion,
  type ErrorCode,
} from '../../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger } from '../helpers/ledgers.js';
import { record } from '../helpers/reliability-config.js';

afterAll(cleanupTempDirs);
afterEach(installNodeCrypto);

const verifier = parseVerifierKey(KEYS.vkey);
const real = parseSignerKey(KEYS.skey);
const hash = toBase64(leafHash(utf8('h')));
const body = formatCheckpoint({ origin: ORIGIN, size: 5, root: leafHash(utf8('root')), extensions: [] });
const note = `${body}\n${formatSignatureLine(ORIGIN, real.keyId, real.sign(utf8(body)) as Uint8Array)}`;

interface Work {
  hashedBytes: number;
  verifications: number;
  ms: number;
}

/**
 * Runs fn with counting providers installed and returns the coded error it
 * threw (or the value it returned) and the work done.
 */
async function measure(fn: () => unknown): Promise<{ outcome: ErrorCode | 'OK' | unknown; work: Work }> {
  const h = hashProvider();
  const e = ed25519Provider();
  const work: Work = { hashedBytes: 0, verifications: 0, ms: 0 };
  setHashProvider({
    name: 'counting',
    sha256: (d) => {
      work.hashedBytes += d.length;
      return h.sha256(d);
    },
    sha512: (d) => {
      work.hashedBytes += d.length;
      return h.sha512(d);
    },
  });
  setEd25519Provider({
    name: 'counting',
    publicKey: e.publicKey,
    sign: e.sign,
    verify: (pk, m, s) => {
      work.verifications++;
      return e.verify(pk, m, s);
    },
  });
  const t0 = performance.now();
  let outcome: ErrorCode | 'OK' | unknown;
  try {
    const v = await fn();
    outcome = v === undefined ? 'OK' : v;
  } catch (err) {
    outcome = err instanceof LedgerError ? err.code : err;
  } finally {
    work.ms = performance.now() - t0;
    setHashProvider(h);
    setEd25519Provider(e);
  }
  return { outcome, work };
}

const figures: Array<[string, number]> = [];
afterAll(() => {
  for (const [name, ms] of figures) record(`limits.ms.${name}`, Math.round(ms * 100) / 100);
});

/**
 * Asserts a refusal with `code`, made with no hashing and no signature check.
 * The time bound is loose (CI runs test files side by side on two cores);
 * the measured time is recorded as a figure.
 */
async function refusedUpFront(name: string, fn: () => unknown, code: ErrorCode, maxMs = 500): Promise<Work> {
  const { outcome, work } = await measure(fn);
  expect(outcome, name).toBe(code);
  expect(work.hashedBytes, `${name}: bytes hashed before the refusal`).toBe(0);
  expect(work.verifications, `${name}: signatures checked before the refusal`).toBe(0);
  expect(work.ms, `${name}: refusal time`).toBeLessThan(maxMs);
  figures.push([name, work.ms]);
  return work;
}

const MB100 = 100 * 1024 * 1024;

describe('payloads', () => {
  test('a 100 MB payload given as bytes: PAYLOAD_TOO_LARGE at once, nothing hashed or written', async () => {
    const l = await newLedger();
    const payload = new Uint8Array(MB100).fill(0x20);
    await refusedUpFront('payload100MBBytes', () => l.append({ caseId: 'C', type: 't', actor: 'a', payload }), 'PAYLOAD_TOO_LARGE');
    expect(await l.size()).toBe(0);
    await l.close();
  });

  test('a 100 MB payload given as data: PAYLOAD_TOO_LARGE after serializing it (its size is not known before), nothing hashed or written', async () => {
    const l = await newLedger();
    const data = { blob: 'x'.repeat(MB100) };
    const work = await refusedUpFront('payload100MBData', () => l.append({ caseId: 'C', type: 't', actor: 'a', data }), 'PAYLOAD_TOO_LARGE', 5_000);
    expect(work.hashedBytes).toBe(0);
    // A batch is checked step by step before anything is written: only the
    // valid steps before the oversize one were prepared (their commitments hashed).
    const big = new Uint8Array(MB100);
    const batch = await measure(() => l.appendMany([{ caseId: 'C', type: 't', actor: 'a' }, { caseId: 'C', type: 't', actor: 'a', payload: big }]));
    expect(batch.outcome).toBe('PAYLOAD_TOO_LARGE');
    expect(batch.work.hashedBytes).toBeLessThan(100);
    expect(batch.work.ms).toBeLessThan(500);
    figures.push(['batchWith100MBPayload', batch.work.ms]);
    expect(await l.size()).toBe(0);
    await l.close();
  });

  test('the payload limit cannot be raised above 16 MiB; a batch over 100,000 steps is refused before any step is looked at', async () => {
    await expect(newLedger({ maxPayloadBytes: HARD_MAX_PAYLOAD + 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const l = await newLedger();
    const huge = new Array(100_001).fill({ caseId: 'C', type: 't', actor: 'a' });
    await refusedUpFront('batchOver100k', () => l.appendMany(huge), 'INVALID_ARGUMENT');
    await l.close();
  });
});

describe('notes and checkpoints', () => {
  test('a note with 10,000 signature lines: refused before any signature is checked', async () => {
    // 10,000 copies of the real signature line pass 1 MiB: refused on size.
    const sigLine = note.slice(note.indexOf('\n\n') + 2);
    await refusedUpFront('note10kRealSignatureLines', () => openCheckpoint(`${body}\n${sigLine.repeat(10_000)}`, [verifier]), 'INPUT_TOO_LARGE');
    // 10,000 short lines by unknown keys fit in 1 MiB: refused on the line count.
    const short = `\u2014 k ${toBase64(Uint8Array.of(0, 0, 0, 1, 9))}\n`;
    const many = `${body}\n${short.repeat(10_000)}`;
    expect(many.length).toBeLessThan(MAX_NOTE_BYTES);
    await refusedUpFront('note10kShortSignatureLines', () => openCheckpoint(many, [verifier]), 'MALFORMED_NOTE');
    expect(MAX_NOTE_SIGNATURES).toBe(100);
  });

  test('a note with 10,000 text lines: one signature check over at most 1 MiB, then refused', async () => {
    const text = `${ORIGIN}\n5\n${toBase64(leafHash(utf8('root')))}\n${'extension line\n'.repeat(10_000)}`;
    // Signed by the key holder: valid signature, but v1 refuses extension lines.
    const signed = `${text}\n${formatSignatureLine(ORIGIN, real.keyId, real.sign(utf8(text)) as Uint8Array)}`;
    const a = await measure(() => openCheckpoint(signed, [verifier]));
    expect(a.outcome).toBe('MALFORMED_CHECKPOINT');
    expect(a.work.verifications).toBe(1);
    // Forged: one failed signature check.
    const forged = `${text}\n${formatSignatureLine(ORIGIN, real.keyId, new Uint8Array(64).fill(1))}`;
    const b = await measure(() => openCheckpoint(forged, [verifier]));
    expect(b.outcome).toBe('INVALID_SIGNATURE');
    expect(b.work.verifications).toBeLessThanOrEqual(1);
    expect(Math.max(a.work.ms, b.work.ms)).toBeLessThan(500);
    figures.push(['note10kTextLines', Math.max(a.work.ms, b.work.ms)]);
    await refusedUpFront('checkpointBody10kLines', () => parseCheckpoint(text), 'MALFORMED_CHECKPOINT');
  });

  test('notes over 1 MiB, as text or bytes, up to 100 MB: INPUT_TOO_LARGE without reading them', async () => {
    const big = `${body}\n${'x'.repeat(MAX_NOTE_BYTES)}\n`;
    await refusedUpFront('note1MiBPlusText', () => openNote(big, [verifier]), 'INPUT_TOO_LARGE');
    const hundred = new Uint8Array(MB100).fill(0x41);
    await refusedUpFront('note100MBBytes', () => openNote(hundred, [verifier]), 'INPUT_TOO_LARGE');
    // Multi-byte text just under the UTF-16 length limit but over 1 MiB of UTF-8.
    const wide = `${body}\n${'\u2014'.repeat(MAX_NOTE_BYTES / 2)}\n`;
    await refusedUpFront('note1MiBUtf8', () => openNote(wide, [verifier]), 'INPUT_TOO_LARGE');
  });
});

describe('entries and CBOR', () => {
  test('an entry over 8,192 bytes (up to 100 MB) is refused before decoding; CBOR nested deeper than 8 is refused', async () => {
    await refusedUpFront('entry8193', () => decodeEntry(new Uint8Array(MAX_ENTRY_BYTES + 1)), 'MALFORMED_ENTRY');
    const hundred = new Uint8Array(MB100);
    await refusedUpFront('entry100MB', () => decodeEntry(hundred), 'MALFORMED_ENTRY');
    const deep = new Uint8Array(10_000).fill(0x81); // [[[[…
    await refusedUpFront('cborDepth10k', () => decodeCbor(deep), 'MALFORMED_CBOR');
  });
});

describe('proofs with 10,000 hashes', () => {
  const proof = Array.from({ length: 10_000 }, (_, i) => leafHash(Uint8Array.of(i & 255, i >> 8)));
  const root = leafHash(utf8('root'));

  test('verifyInclusion and verifyConsistency: false, with a bounded number of hashes', async () => {
    const leaf = leafHash(utf8('leaf'));
    const inc = await measure(() => verifyInclusion(leaf, 3, 1000, proof, root));
    expect(inc.outcome).toBe(false);
    // At most one node hash (65 bytes) per level of a tree of 2^64 leaves.
    expect(inc.work.hashedBytes).toBeLessThanOrEqual(65 * 64);
    const cons = await measure(() => verifyConsistency(1000, 2000, root, root, proof));
    expect(cons.outcome).toBe(false);
    // RFC 9162 §2.1.4.2 runs out of levels after at most ~2·log2(n) hashes.
    expect(cons.work.hashedBytes).toBeLessThanOrEqual(64 * 65 * 2);
    expect(Math.max(inc.work.ms, cons.work.ms)).toBeLessThan(500);
    figures.push(['inclusionProof10k', inc.work.ms], ['consistencyProof10k', cons.work.ms]);
  });

  test('a tlog-proof file with 10,000 hash lines: MALFORMED_PROOF after line 64, before the checkpoint is opened', async () => {
    const file = `${TLOG_PROOF_HEADER}\nextra AAAA\nindex 3\n${`${hash}\n`.repeat(10_000)}\n${note}`;
    expect(file.length).toBeLessThan(MAX_TLOG_PROOF_BYTES);
    await refusedUpFront('tlogProof10kHashes', () => parseTlogProof(file), 'MALFORMED_PROOF');
    expect(MAX_TLOG_PROOF_HASHES).toBe(64);
    const hundred = new Uint8Array(MB100);
    await refusedUpFront('tlogProof100MB', () => parseTlogProof(hundred), 'INPUT_TOO_LARGE');
  });

  test('a witness body with 10,000 proof lines: MALFORMED_PROOF after line 63', async () => {
    const wb = `old 3\n${`${hash}\n`.repeat(10_000)}\n${note}`;
    await refusedUpFront('witnessBody10kHashes', () => parseWitnessBody(wb), 'MALFORMED_PROOF');
    expect(MAX_WITNESS_PROOF_LINES).toBe(63);
    const over = 'x'.repeat(MAX_WITNESS_BODY_BYTES + 1);
    await refusedUpFront('witnessBodyOverLimit', () => parseWitnessBody(over), 'INPUT_TOO_LARGE');
  });

  test('a bundle line with a 10,000-hash proof: MALFORMED_BUNDLE; a 100 MB line: INPUT_TOO_LARGE while reading', async () => {
    const line = JSON.stringify({ seq: 3, entry: 'AAAA', proof: Array(10_000).fill(hash) });
    await refusedUpFront('bundleLine10kHashes', () => parseBundleLine(line, false), 'MALFORMED_BUNDLE');
    const header = JSON.stringify({ bundle: 'casetrail-bundle/v1', origin: ORIGIN, checkpoint: note, payloads: false, filter: {} });
    const huge = new Uint8Array(MB100).fill(0x41);
    const { outcome, work } = await measure(() => verifyBundle([utf8(`${header}\n`), huge], KEYS.vkey));
    const report = outcome as { ok: boolean; issues: Array<{ code: string }> };
    expect(report.ok).toBe(false);
    // The verifier reports the refused line as an INPUT_TOO_LARGE issue (format.md §9.3), not a throw.
    expect(report.issues).toContainEqual(expect.objectContaining({ code: 'INPUT_TOO_LARGE', message: expect.stringMatching(/longer than/) }));
    expect(work.ms).toBeLessThan(2_000);
    figures.push(['bundle100MBLine', work.ms]);
    expect(MAX_BUNDLE_LINE_BYTES).toBe(24 * 1024 * 1024);
  });
});
