import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../src/bytes.js';
import { openCheckpoint, signCheckpoint } from '../src/index.js';
import { LedgerError, type ErrorCode } from '../src/errors.js';
import { EMPTY_ROOT, consistencyProof } from '../src/index.js';
import { parseSignerKey, parseVerifierKey, signNote } from '../src/index.js';
import {
  MAX_WITNESS_BODY_BYTES,
  MAX_WITNESS_PROOF_LINES,
  formatWitnessBody,
  parseWitnessBody,
  verifyWitnessBody,
} from '../src/index.js';
import { indCheckWitnessBody, indNodeHash, indRoot } from './helpers/independent-tlog.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { hex, loadVectors } from './helpers/vectors.js';
import { codeOf, detailsOf } from './helpers/codes.js';
import type { WitnessBody } from '../src/tlog/witness-body.js';

const signer = parseSignerKey(KEYS.skey);
const verifier = parseVerifierKey(KEYS.vkey);
const h = (n: number) => new Uint8Array(32).fill(n);

const note = (size: number, root: Uint8Array) => signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, [signer]);

interface WitnessVectors {
  logVkey: string;
  origin: string;
  leafHashes: string[];
  roots: Record<string, string>;
  requests: Array<{ step: number; desc: string; body: string; expectStatus: number }>;
  otherProofs: { size1: string; size2: string; root1: string; root2: string; proof: string[]; valid: boolean };
  specExampleRequest: { body: string };
}
const W = loadVectors<WitnessVectors>('tlog-witness.json');

/**
 * A witness (c2sp.org/tlog-witness add-checkpoint) built on the module, as
 * the protocol orders its checks: unknown origin 404, no trusted signature
 * 403, old size beyond the checkpoint 400, old size not the latest cosigned
 * 409, bad proof 422, same size different root 409, else 200.
 */
class Witness {
  private readonly latest = new Map<string, { size: number; root: Uint8Array }>();
  constructor(private readonly logs: Map<string, string>) {}

  addCheckpoint(body: string): number {
    let parsed;
    try {
      parsed = parseWitnessBody(body);
    } catch {
      return 400;
    }
    const vkey = this.logs.get(parsed.claimedOrigin);
    if (vkey === undefined) return 404;
    const old = this.latest.get(parsed.claimedOrigin) ?? { size: 0, root: EMPTY_ROOT };
    try {
      const cp = verifyWitnessBody(parsed, [parseVerifierKey(vkey)], old);
      this.latest.set(cp.origin, { size: cp.size, root: cp.root });
      return 200;
    } catch (e) {
      const code = (e as LedgerError).code;
      // A note whose signature line cannot even be decoded has no signature
      // that verifies under the trusted key: 403, like an invalid one.
      if (code === 'MALFORMED_NOTE' || code === 'INVALID_SIGNATURE' || code === 'UNKNOWN_KEY') return 403;
      if (code === 'MALFORMED_PROOF' || code === 'MALFORMED_CHECKPOINT') return 400;
      if (code === 'INCONSISTENT') return 409;
      if (code === 'PROOF_INVALID') return 422;
      throw e;
    }
  }
}

describe('witness body format (c2sp.org/tlog-witness add-checkpoint)', () => {
  it('round-trips every request body of the vectors and the spec example byte for byte', () => {
    for (const body of [...W.requests.map((r) => r.body), W.specExampleRequest.body]) {
      const p = parseWitnessBody(body);
      expect(formatWitnessBody(p)).toBe(body);
    }
    const ex = parseWitnessBody(W.specExampleRequest.body);
    expect(ex.oldSize).toBe(20852014);
    expect(ex.proof).toHaveLength(4);
    expect(ex.claimedOrigin).toBe('example.com/behind-the-sofa');
  });

  it('writes old line, proof lines, empty line, checkpoint', () => {
    expect(formatWitnessBody({ oldSize: 3, proof: [h(1), h(2)], checkpoint: 'o\n3\nx\n\n— o y\n' })).toBe(`old 3\n${toBase64(h(1))}\n${toBase64(h(2))}\n\no\n3\nx\n\n— o y\n`);
    expect(formatWitnessBody({ oldSize: 0, proof: [], checkpoint: 'c\n' })).toBe('old 0\n\nc\n');
    expect(codeOf(() => formatWitnessBody({ oldSize: 0, proof: [h(1)], checkpoint: 'c\n' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatWitnessBody({ oldSize: 1, proof: Array.from({ length: 64 }, () => h(1)), checkpoint: 'c\n' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatWitnessBody({ oldSize: -1, proof: [], checkpoint: 'c\n' }))).toBe('INVALID_ARGUMENT');
  });

  const good = W.requests.find((r) => r.step === 6)!.body;
  const cases: Array<[string, string | Uint8Array, ErrorCode]> = [
    ['no old line', good.replace('old 1\n', ''), 'MALFORMED_PROOF'],
    ['old with leading zero', good.replace('old 1', 'old 01'), 'MALFORMED_PROOF'],
    ['old negative', good.replace('old 1', 'old -1'), 'MALFORMED_PROOF'],
    ['old above 2^53 - 1', good.replace('old 1', 'old 18446744073709551615'), 'MALFORMED_PROOF'],
    ['"old" without space', good.replace('old 1', 'old1'), 'MALFORMED_PROOF'],
    ['proof line not base64', good.replace('KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'not base64'), 'MALFORMED_PROOF'],
    ['proof hash of 33 bytes', good.replace('KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', toBase64(new Uint8Array(33))), 'MALFORMED_PROOF'],
    [`${MAX_WITNESS_PROOF_LINES + 1} proof lines`, `old 1\n${`${toBase64(h(1))}\n`.repeat(MAX_WITNESS_PROOF_LINES + 1)}\no\n1\nx\n`, 'MALFORMED_PROOF'],
    ['no empty line', `old 1\n${toBase64(h(1))}\n`, 'MALFORMED_PROOF'],
    ['no checkpoint', 'old 0\n\n', 'MALFORMED_PROOF'],
    ['CRLF', good.replace(/\n/g, '\r\n'), 'MALFORMED_PROOF'],
    ['invalid UTF-8', Uint8Array.of(...utf8('old 0\n\n'), 0xc3, 0x28, 0x0a), 'MALFORMED_PROOF'],
    ['too large', 'old 0\n\n' + 'x'.repeat(MAX_WITNESS_BODY_BYTES), 'INPUT_TOO_LARGE'],
  ];
  it.each(cases)('refuses %s', (_n, input, code) => {
    expect(codeOf(() => parseWitnessBody(input))).toBe(code);
  });
});

describe('verifyWitnessBody', () => {
  it('replays the litewitness request sequence with the expected HTTP status of every step', () => {
    const witness = new Witness(new Map([[W.origin, W.logVkey]]));
    expect(W.requests).toHaveLength(9);
    for (const r of W.requests) {
      expect(witness.addCheckpoint(r.body), `step ${r.step}: ${r.desc}`).toBe(r.expectStatus);
    }
  });

  it('step 2 of the vectors fails for the reason our strict policy gives (non-canonical base64 signature)', () => {
    const r = W.requests.find((x) => x.step === 2)!;
    expect(codeOf(() => verifyWitnessBody(r.body, [parseVerifierKey(W.logVkey)], { size: 1, root: hex(W.roots['1']!) }))).toBe('MALFORMED_NOTE');
  });

  it('the transparency-dev/witness proof monkeys 5 → 8, with the published signed checkpoints', () => {
    const cps = loadVectors<{ signedCheckpoints: Array<{ desc: string; vkey: string; treeSize: string; signedNote: string }> }>('tlog-checkpoint.json').signedCheckpoints;
    const m5 = cps.find((c) => c.desc === 'monkeys log, size 5')!;
    const m8 = cps.find((c) => c.desc === 'monkeys log, size 8')!;
    const o = W.otherProofs;
    const body = formatWitnessBody({ oldSize: Number(o.size1), proof: o.proof.map(hex), checkpoint: m8.signedNote });
    const v = parseVerifierKey(m8.vkey);
    const old = openCheckpoint(m5.signedNote, [v]);
    expect(old.root).toEqual(hex(o.root1));
    const cp = verifyWitnessBody(body, [v], { size: old.size, root: old.root });
    expect(cp.size).toBe(8);
    expect(cp.root).toEqual(hex(o.root2));
    expect(indCheckWitnessBody(body, m8.vkey, { size: 5n, root: old.root }).size).toBe(8n);
    const bad = formatWitnessBody({ oldSize: 5, proof: o.proof.map(hex).reverse(), checkpoint: m8.signedNote });
    expect(codeOf(() => verifyWitnessBody(bad, [v], { size: old.size, root: old.root }))).toBe('PROOF_INVALID');
  });

  it('every consistency proof of the 8-leaf tree (1 ≤ m < n ≤ 8), in a signed body, verifies both ways', async () => {
    const d = loadVectors<{ consistency: Array<{ size1: string; size2: string; root1: string; root2: string; proof: string[] }> }>('rfc6962-proofs-all-sizes-1-8.derived.json');
    expect(d.consistency).toHaveLength(36);
    for (const c of d.consistency) {
      const [m, n] = [Number(c.size1), Number(c.size2)];
      const body = formatWitnessBody({ oldSize: m, proof: c.proof.map(hex), checkpoint: await note(n, hex(c.root2)) });
      const cp = verifyWitnessBody(body, [verifier], { size: m, root: hex(c.root1) });
      expect(cp.size).toBe(n);
      expect(indCheckWitnessBody(body, KEYS.vkey, { size: BigInt(m), root: hex(c.root1) }).size).toBe(BigInt(n));
    }
  });

  type Probe = { desc: string; size1: string; size2: string; root1: string; root2: string; proof: string[]; valid: boolean };
  const sets = loadVectors<{ canonical: Probe[]; probes: Probe[] }>('rfc6962-consistency-proofs.json');
  const all = [...sets.canonical.map((p) => ({ ...p, desc: `canonical ${p.size1}→${p.size2}` })), ...sets.probes];

  it(`all ${all.length} consistency vectors and probes through a signed body`, async () => {
    expect(all.length).toBe(103);
    let checked = 0;
    const outsidePolicy: string[] = [];
    for (const p of all) {
      const hashes = [p.root1, p.root2, ...p.proof].map(hex);
      const fits =
        hashes.every((x) => x.length === 32) &&
        BigInt(p.size1) <= BigInt(Number.MAX_SAFE_INTEGER) &&
        BigInt(p.size2) <= BigInt(Number.MAX_SAFE_INTEGER) &&
        p.proof.length <= MAX_WITNESS_PROOF_LINES;
      if (!fits) {
        // A root that is not 32 bytes cannot be in a checkpoint (format.md
        // §6.2), nor a size past 2^53 − 1 (our policy): a body carrying one
        // is refused whatever the proof. Only one such probe is valid for
        // the bare Merkle check, which compares equal roots of any length.
        if (p.valid) outsidePolicy.push(p.desc);
        const text = `${ORIGIN}\n${p.size2}\n${toBase64(hex(p.root2))}\n`;
        const body = `old ${p.size1}\n${p.proof.map((x) => `${toBase64(hex(x))}\n`).join('')}\n${await signNote(text, [signer])}`;
        expect(() => verifyWitnessBody(body, [verifier], { size: 1, root: h(0) }), p.desc).toThrow(LedgerError);
        continue;
      }
      const [m, n] = [Number(p.size1), Number(p.size2)];
      const body = `old ${m}\n${p.proof.map((x) => `${toBase64(hex(x))}\n`).join('')}\n${await note(n, hex(p.root2))}`;
      const ours = codeOf(() => verifyWitnessBody(body, [verifier], { size: m, root: hex(p.root1) }));
      if (m === 0) {
        // tlog-witness defines old size 0 itself (vectors README): the proof
        // must be empty and no root is compared. merkle@417fb0c, which the
        // probes follow, rejects every proof from 0.
        expect(ours === 'none', p.desc).toBe(p.proof.length === 0);
        continue;
      }
      checked++;
      expect(ours === 'none', `${p.desc}: ${ours}`).toBe(p.valid);
      let independent = true;
      try {
        indCheckWitnessBody(body, KEYS.vkey, { size: BigInt(m), root: hex(p.root1) });
      } catch {
        independent = false;
      }
      expect(independent, p.desc).toBe(p.valid);
    }
    expect(checked).toBeGreaterThan(50);
    expect(outsidePolicy).toEqual(['sizes are equal (one) and proof is empty']);
  });

  it('a trusted old root of 32 bytes that is wrong is refused at every old size 1..20 that is not a power of two (PROOF_INVALID), and at equal sizes (INCONSISTENT)', async () => {
    const leaves = Array.from({ length: 24 }, (_, i) => h(i + 1));
    const roots = Array.from({ length: 25 }, (_, n) => indRoot(leaves.slice(0, n)));
    const levels: Uint8Array[][] = [leaves];
    for (let l = 1; 2 ** l <= leaves.length; l++) levels.push(levels[l - 1]!.flatMap((_, i, row) => (2 * i + 1 < row.length ? [indNodeHash(row[2 * i]!, row[2 * i + 1]!)] : [])));
    const reader = { node: (level: number, index: number) => levels[level]![index]! };
    let tried = 0;
    for (let m = 3; m <= 20; m++) {
      if ((m & (m - 1)) === 0) continue;
      const wrongRoots: Array<[string, Uint8Array]> = [
        ['one bit flipped', roots[m]!.map((b, i) => (i === 31 ? b ^ 1 : b))],
        [`the root of size ${m + 1}`, roots[m + 1]!],
        ['zero', new Uint8Array(32)],
      ];
      for (const n of [m, m + 1, m + 3, 24]) {
        const body = formatWitnessBody({ oldSize: m, proof: n === m ? [] : consistencyProof(reader, m, n), checkpoint: await note(n, roots[n]!) });
        expect(codeOf(() => verifyWitnessBody(body, [verifier], { size: m, root: roots[m]! })), `${m} -> ${n}`).toBe('none');
        for (const [why, root] of wrongRoots) {
          expect(root.length).toBe(32);
          expect(codeOf(() => verifyWitnessBody(body, [verifier], { size: m, root })), `${m} -> ${n}, old root: ${why}`).toBe(n === m ? 'INCONSISTENT' : 'PROOF_INVALID');
          tried++;
        }
      }
    }
    // 15 old sizes in 3..20 are not powers of two; 4 new sizes each, 3 wrong roots.
    expect(tried).toBe(15 * 4 * 3);
  });

  it('applies the witness rules in order, each with its own code', async () => {
    const leaves = [1, 2, 3, 4, 5].map((i) => h(i));
    const r3 = indRoot(leaves.slice(0, 3));
    const r5 = indRoot(leaves.slice(0, 5));
    const n5 = await note(5, r5);
    const n3 = await note(3, r3);
    const cases: Array<[string, () => unknown, ErrorCode | 'none']> = [
      ['old size beyond the checkpoint', () => verifyWitnessBody(`old 6\n\n${n5}`, [verifier]), 'MALFORMED_PROOF'],
      ['old size not the trusted size', () => verifyWitnessBody(`old 2\n\n${n5}`, [verifier], { size: 3, root: r3 }), 'INCONSISTENT'],
      ['proof from 0 not empty', () => verifyWitnessBody(`old 0\n${toBase64(h(1))}\n\n${n5}`, [verifier]), 'PROOF_INVALID'],
      ['first checkpoint, old 0', () => verifyWitnessBody(`old 0\n\n${n5}`, [verifier]), 'none'],
      ['same size, same root', () => verifyWitnessBody(`old 3\n\n${n3}`, [verifier], { size: 3, root: r3 }), 'none'],
      ['same size, other root: a fork', () => verifyWitnessBody(`old 3\n\n${n3}`, [verifier], { size: 3, root: h(0) }), 'INCONSISTENT'],
      ['same size with a proof', () => verifyWitnessBody(`old 3\n${toBase64(h(1))}\n\n${n3}`, [verifier], { size: 3, root: r3 }), 'PROOF_INVALID'],
      ['missing proof', () => verifyWitnessBody(`old 3\n\n${n5}`, [verifier], { size: 3, root: r3 }), 'PROOF_INVALID'],
      ['old root needed', () => verifyWitnessBody(`old 3\n\n${n5}`, [verifier]), 'INVALID_ARGUMENT'],
      ['unknown key', () => verifyWitnessBody(`old 0\n\n${n5}`, [parseVerifierKey(W.logVkey)]), 'UNKNOWN_KEY'],
      ['signature broken', () => verifyWitnessBody(`old 0\n\n${n5.replace('\n5\n', '\n6\n')}`, [verifier]), 'INVALID_SIGNATURE'],
    ];
    for (const [name, fn, code] of cases) expect(codeOf(fn), name).toBe(code);
  });
});

describe('witness-body.ts rule by rule: arguments, the size limit, the origin line, each code with its details', () => {

  it('the body limit is 1 MiB + 4 KiB (format.md §9.2), exactly: one byte more is INPUT_TOO_LARGE naming the limit', () => {
    expect(MAX_WITNESS_BODY_BYTES).toBe(1024 * 1024 + 4096);
    // "old 0\n" + "\n" + the checkpoint: 7 bytes besides it.
    const cp = (n: number) => `${'x'.repeat(n - 1)}\n`;
    expect(formatWitnessBody({ oldSize: 0, proof: [], checkpoint: cp(MAX_WITNESS_BODY_BYTES - 7) })).toHaveLength(MAX_WITNESS_BODY_BYTES);
    expect(detailsOf(() => formatWitnessBody({ oldSize: 0, proof: [], checkpoint: cp(MAX_WITNESS_BODY_BYTES - 6) }))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_WITNESS_BODY_BYTES });
  });

  it('the limit counts UTF-8 bytes, as the file is read: a body of non-ASCII text one byte over is refused though its UTF-16 length is far under', () => {
    // "审" is 3 bytes in UTF-8 and one UTF-16 unit: 7 bytes besides the checkpoint, "\n" ends it.
    const n = (MAX_WITNESS_BODY_BYTES - 8) / 3;
    expect(Number.isInteger(n)).toBe(true);
    const fits = formatWitnessBody({ oldSize: 0, proof: [], checkpoint: `${'审'.repeat(n)}\n` });
    expect(new TextEncoder().encode(fits).length).toBe(MAX_WITNESS_BODY_BYTES);
    expect(detailsOf(() => formatWitnessBody({ oldSize: 0, proof: [], checkpoint: `${'审'.repeat(n)}x\n` }))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_WITNESS_BODY_BYTES });
  });

  it('formatWitnessBody refuses each bad field on its own, naming it', async () => {
    const checkpoint = await note(3, h(3));
    expect(detailsOf(() => formatWitnessBody(null as unknown as WitnessBody))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'body' });
    expect(detailsOf(() => formatWitnessBody({ oldSize: -1, proof: [], checkpoint }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'oldSize' });
    expect(detailsOf(() => formatWitnessBody({ oldSize: 1, proof: [h(1).slice(1)], checkpoint }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'proof[0]' });
    expect(detailsOf(() => formatWitnessBody({ oldSize: 1, proof: 'x' as unknown as Uint8Array[], checkpoint }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'proof' });
    expect(codeOf(() => formatWitnessBody({ oldSize: 0, proof: [h(1)], checkpoint }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatWitnessBody({ oldSize: 0, proof: [], checkpoint }))).toBe('none');
    for (const bad of [7, checkpoint.slice(0, -1), '\n']) {
      expect(codeOf(() => formatWitnessBody({ oldSize: 0, proof: [], checkpoint: bad as string })), JSON.stringify(bad)).toBe('INVALID_ARGUMENT');
    }
    // A two-character note passes this check (the note itself is checked where it is verified).
    expect(formatWitnessBody({ oldSize: 0, proof: [], checkpoint: 'x\n' })).toBe('old 0\n\nx\n');
  });

  it('parseWitnessBody: a checkpoint whose first line is empty has no origin (MALFORMED_PROOF)', async () => {
    const checkpoint = await note(3, h(3));
    expect(parseWitnessBody(`old 0\n\n${checkpoint}`).claimedOrigin).toBe(ORIGIN);
    expect(codeOf(() => parseWitnessBody(`old 0\n\n\n${checkpoint}`))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => parseWitnessBody('old 0\n\n'))).toBe('MALFORMED_PROOF');
  });

  it('verifyWitnessBody: a parsed body that is not an object, and a malformed trusted checkpoint, are INVALID_ARGUMENT naming the field', async () => {
    const body = formatWitnessBody({ oldSize: 0, proof: [], checkpoint: await note(3, h(3)) });
    expect(codeOf(() => verifyWitnessBody(null as unknown as WitnessBody, [verifier]))).toBe('INVALID_ARGUMENT');
    // Not an object, even one carrying the fields (a function with them attached).
    const fn = Object.assign(() => undefined, { oldSize: 0, proof: [], checkpoint: await note(3, h(3)) });
    expect(codeOf(() => verifyWitnessBody(fn as unknown as WitnessBody, [verifier]))).toBe('INVALID_ARGUMENT');
    expect(detailsOf(() => verifyWitnessBody(body, [verifier], 5 as unknown as { size: number; root: Uint8Array }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'old' });
    expect(detailsOf(() => verifyWitnessBody(body, [verifier], { size: -1, root: h(1) }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'old.size' });
    expect(detailsOf(() => verifyWitnessBody(body, [verifier], { size: 0, root: h(1).slice(1) }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'old.root' });
    expect(verifyWitnessBody(body, [verifier], { size: 0, root: EMPTY_ROOT }).size).toBe(3);
  });

  it('verifyWitnessBody: each refusal carries its details', async () => {
    const leaves = [1, 2, 3, 4, 5].map((i) => h(i));
    const r3 = indRoot(leaves.slice(0, 3));
    const r5 = indRoot(leaves.slice(0, 5));
    const n5 = await note(5, r5);
    const levels = [leaves, [indNodeHash(leaves[0]!, leaves[1]!), indNodeHash(leaves[2]!, leaves[3]!)], [indNodeHash(indNodeHash(leaves[0]!, leaves[1]!), indNodeHash(leaves[2]!, leaves[3]!))]];
    const proof = consistencyProof({ node: (l: number, i: number) => levels[l]![i]! }, 3, 5);
    const body = formatWitnessBody({ oldSize: 3, proof, checkpoint: n5 });
    expect(verifyWitnessBody(body, [verifier], { size: 3, root: r3 }).size).toBe(5);
    expect(detailsOf(() => verifyWitnessBody(body, [verifier], { size: 4, root: r3 }))).toEqual({ code: 'INCONSISTENT', expectedOldSize: 4 });
    expect(detailsOf(() => verifyWitnessBody(body, [verifier], { size: 3, root: r5 }))).toEqual({ code: 'PROOF_INVALID', oldSize: 3, newSize: 5 });
    expect(detailsOf(() => verifyWitnessBody(formatWitnessBody({ oldSize: 5, proof: [], checkpoint: n5 }), [verifier], { size: 5, root: r3 }))).toEqual({ code: 'INCONSISTENT', size: 5 });
    expect(codeOf(() => verifyWitnessBody({ oldSize: 5, proof: [h(1)], checkpoint: n5 }, [verifier], { size: 5, root: r5 }))).toBe('PROOF_INVALID');
    expect(codeOf(() => verifyWitnessBody({ oldSize: 0, proof: [h(1)], checkpoint: n5 }, [verifier]))).toBe('PROOF_INVALID');
    expect(codeOf(() => verifyWitnessBody({ oldSize: 6, proof: [], checkpoint: n5 }, [verifier]))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => verifyWitnessBody(body, [verifier]))).toBe('INVALID_ARGUMENT');
  });
});
