import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64, toBase64, utf8 } from '../src/bytes.js';
import { signCheckpoint } from '../src/index.js';
import { encodeEntry, ZERO_HASH, type Entry } from '../src/index.js';
import { LedgerError, type ErrorCode } from '../src/errors.js';
import { leafHash } from '../src/index.js';
import { generateKeyPair, parseSignerKey, parseVerifierKey } from '../src/index.js';
import {
  MAX_ENTRY_BYTES,
  MAX_TLOG_PROOF_BYTES,
  MAX_TLOG_PROOF_EXTRA_BYTES,
  TLOG_PROOF_HEADER,
  formatTlogProof,
  parseTlogProof,
  verifyEntryProof,
  verifyTlogProof,
  type TlogProof,
} from '../src/index.js';
import { indCheckTlogProof, indPath, indRoot } from './helpers/independent-tlog.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { hex, loadVectors } from './helpers/vectors.js';
import { codeOf, detailsOf } from './helpers/codes.js';

const signer = parseSignerKey(KEYS.skey);
const verifier = parseVerifierKey(KEYS.vkey);
const h = (n: number) => new Uint8Array(32).fill(n);

/** A checkpoint note for (size, root) signed by the test key. */
async function note(size: number, root: Uint8Array, origin = ORIGIN): Promise<string> {
  return signCheckpoint({ origin, size, root, extensions: [] }, [signer]);
}

describe('tlog-proof format (c2sp.org/tlog-proof@v1)', () => {
  it('writes the exact layout of the spec: header, extra, index, hashes, empty line, checkpoint', () => {
    const text = formatTlogProof({ index: 10, proof: [h(1), h(2)], checkpoint: 'checkpoint data\n', extra: utf8('extra information') });
    expect(text).toBe(
      `${TLOG_PROOF_HEADER}\nextra ${toBase64(utf8('extra information'))}\nindex 10\n${toBase64(h(1))}\n${toBase64(h(2))}\n\ncheckpoint data\n`,
    );
    expect(formatTlogProof({ index: 0, proof: [], checkpoint: 'c\n' })).toBe(`${TLOG_PROOF_HEADER}\nindex 0\n\nc\n`);
    expect(formatTlogProof({ index: 0, proof: [], checkpoint: 'c\n', extra: new Uint8Array(0) })).toBe(`${TLOG_PROOF_HEADER}\nindex 0\n\nc\n`);
  });

  it('parses the example of the spec (C2SP tlog-proof.md)', () => {
    const example =
      'c2sp.org/tlog-proof@v1\nextra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\nindex 73894\n' +
      'gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\nB95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\nEKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n' +
      'RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\nAHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\n' +
      'example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n— example.com/fancylog hI2DJw[...]1roloI=\n';
    const p = parseTlogProof(example);
    expect(p.index).toBe(73894);
    expect(p.proof).toHaveLength(5);
    expect(p.extra).toEqual(fromBase64('YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ'));
    expect(p.checkpoint.startsWith('example.com/fancylog\n109482\n')).toBe(true);
    expect(formatTlogProof(p)).toBe(example);
  });

  const good = `${TLOG_PROOF_HEADER}\nextra AAEC\nindex 3\n${toBase64(h(7))}\n\norigin\n4\n${toBase64(h(9))}\n\n— origin AAAAAAE=\n`;
  const malformedCases: Array<[string, string | Uint8Array, ErrorCode]> = [
    ['no header', good.replace(`${TLOG_PROOF_HEADER}\n`, ''), 'MALFORMED_PROOF'],
    ['other version', good.replace('@v1', '@v2'), 'MALFORMED_PROOF'],
    ['empty extra line', good.replace('extra AAEC', 'extra '), 'MALFORMED_PROOF'],
    ['extra not base64', good.replace('extra AAEC', 'extra AA!C'), 'MALFORMED_PROOF'],
    ['extra non-canonical base64', good.replace('extra AAEC', 'extra AAF='), 'MALFORMED_PROOF'],
    ['no index line', good.replace('index 3\n', ''), 'MALFORMED_PROOF'],
    ['index with leading zero', good.replace('index 3', 'index 03'), 'MALFORMED_PROOF'],
    ['negative index', good.replace('index 3', 'index -3'), 'MALFORMED_PROOF'],
    ['index above 2^53 - 1', good.replace('index 3', 'index 9007199254740992'), 'MALFORMED_PROOF'],
    ['index with two spaces', good.replace('index 3', 'index  3'), 'MALFORMED_PROOF'],
    ['hash of 31 bytes', good.replace(toBase64(h(7)), toBase64(new Uint8Array(31))), 'MALFORMED_PROOF'],
    ['hash not base64', good.replace(toBase64(h(7)), '*'.repeat(44)), 'MALFORMED_PROOF'],
    ['carriage returns', good.replace(/\n/g, '\r\n'), 'MALFORMED_PROOF'],
    ['no empty line', `${TLOG_PROOF_HEADER}\nindex 3\n${toBase64(h(7))}\n`, 'MALFORMED_PROOF'],
    ['no checkpoint', `${TLOG_PROOF_HEADER}\nindex 3\n\n`, 'MALFORMED_PROOF'],
    ['65 proof lines', `${TLOG_PROOF_HEADER}\nindex 3\n${`${toBase64(h(1))}\n`.repeat(65)}\norigin\n`, 'MALFORMED_PROOF'],
    ['invalid UTF-8', Uint8Array.of(...utf8(good).slice(0, 30), 0xff, 0xfe), 'MALFORMED_PROOF'],
    ['too large (string)', good + 'x'.repeat(MAX_TLOG_PROOF_BYTES), 'INPUT_TOO_LARGE'],
    ['too large (bytes)', new Uint8Array(MAX_TLOG_PROOF_BYTES + 1), 'INPUT_TOO_LARGE'],
  ];
  it.each(malformedCases)('refuses %s', (_name, input, code) => {
    expect(codeOf(() => parseTlogProof(input))).toBe(code);
  });

  it('accepts the well-formed file these cases are derived from', () => {
    expect(parseTlogProof(good)).toMatchObject({ index: 3, extra: Uint8Array.of(0, 1, 2) });
  });

  it('refuses to format what it would not parse', () => {
    const base: TlogProof = { index: 1, proof: [h(1)], checkpoint: 'x\n' };
    expect(codeOf(() => formatTlogProof({ ...base, index: -1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatTlogProof({ ...base, index: 2 ** 53 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatTlogProof({ ...base, proof: [new Uint8Array(31)] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatTlogProof({ ...base, checkpoint: 'no newline' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatTlogProof({ ...base, proof: Array.from({ length: 65 }, () => h(1)) }))).toBe('INVALID_ARGUMENT');
  });
});

describe('verifyTlogProof against the public RFC 9162 vectors', () => {
  const tree = loadVectors<{ leafInputs: string[]; leafHashes: string[] }>('rfc6962-tree-8-leaves.json');
  const derived = loadVectors<{ inclusion: Array<{ leafIndex: string; treeSize: string; leafHash: string; root: string; proof: string[] }> }>(
    'rfc6962-proofs-all-sizes-1-8.derived.json',
  );

  it('every inclusion proof of the 8-leaf tree, as a signed tlog-proof file with the leaf input as extra', async () => {
    expect(derived.inclusion).toHaveLength(36);
    for (const v of derived.inclusion) {
      const index = Number(v.leafIndex);
      const extra = hex(tree.leafInputs[index]!);
      expect(leafHash(extra)).toEqual(hex(v.leafHash));
      const text = formatTlogProof({ index, proof: v.proof.map(hex), checkpoint: await note(Number(v.treeSize), hex(v.root)), extra });
      // Leaf 0's input is empty: a writer omits an empty extra line, so the
      // verifier must be given the leaf hash (absent extra is not empty extra).
      const opts = extra.length === 0 ? { leafHash: leafHash(extra) } : {};
      if (extra.length === 0) expect(text).not.toContain('\nextra ');
      const r = verifyTlogProof(text, [verifier], opts);
      expect(r.index).toBe(index);
      expect(r.leafHash).toEqual(hex(v.leafHash));
      expect(r.checkpoint.size).toBe(Number(v.treeSize));
      const ind = indCheckTlogProof(text, KEYS.vkey, opts.leafHash);
      expect(ind.index).toBe(BigInt(index));
      if (extra.length > 0) expect(Uint8Array.from(ind.extra!)).toEqual(extra);
    }
  });

  type Probe = { desc: string; leafIndex: string; treeSize: string; leafHash: string; root: string; proof: string[]; valid: boolean };
  const sets = loadVectors<{ canonical: Probe[]; probes: Probe[] }>('rfc6962-inclusion-proofs.json');
  const all = [...sets.canonical.map((p) => ({ ...p, desc: `canonical ${p.leafIndex}/${p.treeSize}` })), ...sets.probes];

  it(`all ${all.length} inclusion vectors and probes: the same verdict through a tlog-proof file`, async () => {
    expect(all.length).toBe(103);
    let representable = 0;
    for (const p of all) {
      const hashes = [p.leafHash, p.root, ...p.proof].map(hex);
      const index = Number(p.leafIndex);
      const size = Number(p.treeSize);
      const fits = hashes.every((x) => x.length === 32) && Number.isSafeInteger(index) && Number.isSafeInteger(size) && BigInt(p.leafIndex) <= BigInt(Number.MAX_SAFE_INTEGER) && BigInt(p.treeSize) <= BigInt(Number.MAX_SAFE_INTEGER);
      if (!fits) {
        // Not expressible in a tlog-proof file within our policy (hash not 32
        // bytes, or a size past 2^53 − 1): such a file is refused when parsed,
        // and none of these probes is valid.
        expect(p.valid, p.desc).toBe(false);
        const text = `${TLOG_PROOF_HEADER}\nindex ${p.leafIndex}\n${p.proof.map((x) => `${toBase64(hex(x))}\n`).join('')}\n${ORIGIN}\n${p.treeSize}\n${toBase64(hex(p.root))}\n\n— x AAAAAAE=\n`;
        expect(() => verifyTlogProof(text, [verifier], { leafHash: hex(p.leafHash).length === 32 ? hex(p.leafHash) : h(0) }), p.desc).toThrow(LedgerError);
        continue;
      }
      representable++;
      const text = formatTlogProof({ index, proof: p.proof.map(hex), checkpoint: await note(size, hex(p.root)) });
      const ours = codeOf(() => verifyTlogProof(text, [verifier], { leafHash: hex(p.leafHash) }));
      expect(ours === 'none', `${p.desc}: ${ours}`).toBe(p.valid);
      if (!p.valid) expect(ours, p.desc).toBe('PROOF_INVALID');
      let independent = true;
      try {
        indCheckTlogProof(text, KEYS.vkey, hex(p.leafHash));
      } catch {
        independent = false;
      }
      expect(independent, p.desc).toBe(p.valid);
    }
    expect(representable).toBeGreaterThan(50);
  });

  const witness = loadVectors<{ logVkey: string; origin: string; leafHashes: string[]; requests: Array<{ step: number; body: string; expectStatus: number }> }>('tlog-witness.json');
  const checkpoints = loadVectors<{ signedCheckpoints: Array<{ desc: string; vkey: string; origin: string; treeSize: string; signedNote: string }> }>('tlog-checkpoint.json');

  it('third-party signed checkpoints (litewitness test log, sizes 1, 3, 5): every leaf proven offline', () => {
    const leaves = witness.leafHashes.map(hex);
    const logs = checkpoints.signedCheckpoints.filter((c) => c.desc.startsWith('litewitness test log'));
    expect(logs.map((c) => c.treeSize)).toEqual(['1', '3', '5']);
    for (const c of logs) {
      const size = Number(c.treeSize);
      for (let i = 0; i < size; i++) {
        const text = formatTlogProof({ index: i, proof: indPath(i, leaves.slice(0, size)), checkpoint: c.signedNote });
        expect(verifyTlogProof(text, [parseVerifierKey(c.vkey)], { leafHash: leaves[i]! }).checkpoint.root).toEqual(Uint8Array.from(indRoot(leaves.slice(0, size))));
        expect(indCheckTlogProof(text, c.vkey, leaves[i]!).size).toBe(BigInt(size));
        const wrong = leaves[(i + 1) % leaves.length]!;
        expect(codeOf(() => verifyTlogProof(text, [parseVerifierKey(c.vkey)], { leafHash: wrong }))).toBe('PROOF_INVALID');
      }
    }
  });

  it('sum.golang.org, whose origin is not its key name: accepted only with the origin named', () => {
    const c = checkpoints.signedCheckpoints.find((x) => x.origin === 'go.sum database tree')!;
    const text = formatTlogProof({ index: 1, proof: [h(1)], checkpoint: c.signedNote });
    const v = [parseVerifierKey(c.vkey)];
    expect(codeOf(() => verifyTlogProof(text, v, { leafHash: h(2) }))).toBe('MALFORMED_CHECKPOINT');
    // The signature verifies; only the made-up path fails.
    expect(codeOf(() => verifyTlogProof(text, v, { leafHash: h(2), origin: 'go.sum database tree' }))).toBe('PROOF_INVALID');
  });
});

describe('verifyTlogProof checks', () => {
  const leaves = [0, 1, 2, 3, 4].map((i) => leafHash(Uint8Array.of(i)));
  const proofOf = async (i: number, extra = Uint8Array.of(i)) =>
    formatTlogProof({ index: i, proof: indPath(i, leaves), checkpoint: await note(5, indRoot(leaves)), extra });

  it('verifies, and names the failure for each kind of tampering', async () => {
    const text = await proofOf(2);
    expect(verifyTlogProof(text, [verifier]).index).toBe(2);
    const other = parseVerifierKey(generateKeyPair(ORIGIN).vkey);
    const cases: Array<[string, () => unknown, ErrorCode]> = [
      ['a key of the same name that did not sign', () => verifyTlogProof(text, [other]), 'UNKNOWN_KEY'],
      ['index outside the tree', () => verifyTlogProof(text.replace('index 2', 'index 5'), [verifier]), 'PROOF_INVALID'],
      ['other index', () => verifyTlogProof(text.replace('index 2', 'index 1'), [verifier]), 'PROOF_INVALID'],
      ['changed root in the note', () => verifyTlogProof(text.replace(toBase64(indRoot(leaves)), toBase64(h(0))), [verifier]), 'INVALID_SIGNATURE'],
      ['no extra and no leaf hash', () => verifyTlogProof({ ...parseTlogProof(text), extra: undefined } as unknown as TlogProof, [verifier]), 'MALFORMED_PROOF'],
      ['wrong origin asked for', () => verifyTlogProof(text, [verifier], { origin: 'elsewhere' }), 'MALFORMED_CHECKPOINT'],
    ];
    for (const [name, fn, code] of cases) expect(codeOf(fn), name).toBe(code);
    const changed = formatTlogProof({ ...parseTlogProof(text), extra: Uint8Array.of(9) });
    expect(codeOf(() => verifyTlogProof(changed, [verifier]))).toBe('PROOF_INVALID');
  });

  it('a single-byte change at 1,000 random positions (random xor) of a proof file makes it fail', async () => {
    const text = await proofOf(3);
    const bytes = utf8(text);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const m = bytes.slice();
        m[pos]! ^= x;
        expect(() => verifyTlogProof(m, [verifier])).toThrow(LedgerError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('verifyEntryProof (casetrail entries in the extra line)', () => {
  const entry = (seq: number): Entry => ({
    v: 1,
    seq,
    prev: h(1),
    time: 1,
    caseId: 'c',
    step: 1,
    casePrev: ZERO_HASH,
    type: 't',
    actor: 'a',
    commit: h(2),
    sigs: [],
  });

  it('refuses an entry placed at another index than its seq', async () => {
    const bytes = [encodeEntry(entry(5)), encodeEntry(entry(1))];
    const leaves = bytes.map(leafHash);
    const text = formatTlogProof({ index: 0, proof: indPath(0, leaves), checkpoint: await note(2, indRoot(leaves)), extra: bytes[0]! });
    expect(verifyTlogProof(text, [verifier]).index).toBe(0);
    expect(codeOf(() => verifyEntryProof(text, verifier))).toBe('PROOF_INVALID');
    const text1 = formatTlogProof({ index: 1, proof: indPath(1, leaves), checkpoint: await note(2, indRoot(leaves)), extra: bytes[1]! });
    expect(verifyEntryProof(text1, verifier).entry.seq).toBe(1);
  });

  it('refuses extra data that is not an entry, or no extra line', async () => {
    const junk = utf8('not cbor');
    const leaves = [leafHash(junk)];
    const text = formatTlogProof({ index: 0, proof: [], checkpoint: await note(1, leaves[0]!), extra: junk });
    expect(verifyTlogProof(text, [verifier]).index).toBe(0);
    expect(['MALFORMED_CBOR', 'MALFORMED_ENTRY']).toContain(codeOf(() => verifyEntryProof(text, verifier)));
    const bare = formatTlogProof({ index: 0, proof: [], checkpoint: await note(1, leaves[0]!) });
    expect(codeOf(() => verifyEntryProof(bare, verifier))).toBe('MALFORMED_PROOF');
    expect(codeOf(() => verifyEntryProof(text, 'not a key'))).toBe('MALFORMED_KEY');
  });
});

describe('tlog-proof.ts and proof-text.ts rule by rule: arguments, exact limits, who signed, details', () => {
  const HEADER_AND_INDEX = `${TLOG_PROOF_HEADER}\nindex 0\n\n`;

  it('the file limit is 1 MiB + 128 KiB (format.md §9.1), exactly, when writing and when reading', () => {
    expect(MAX_TLOG_PROOF_BYTES).toBe(1024 * 1024 + 128 * 1024);
    const cp = (n: number) => `${'x'.repeat(n - 1)}\n`;
    const fits = formatTlogProof({ index: 0, proof: [], checkpoint: cp(MAX_TLOG_PROOF_BYTES - HEADER_AND_INDEX.length) });
    expect(fits).toHaveLength(MAX_TLOG_PROOF_BYTES);
    expect(detailsOf(() => formatTlogProof({ index: 0, proof: [], checkpoint: cp(MAX_TLOG_PROOF_BYTES - HEADER_AND_INDEX.length + 1) }))).toEqual({
      code: 'INPUT_TOO_LARGE',
      limit: MAX_TLOG_PROOF_BYTES,
      size: MAX_TLOG_PROOF_BYTES + 1,
    });
    // Reading: the largest file is parsed (its checkpoint is checked later), one byte more is refused before any work.
    expect(parseTlogProof(fits).checkpoint).toHaveLength(MAX_TLOG_PROOF_BYTES - HEADER_AND_INDEX.length);
    expect(detailsOf(() => parseTlogProof(`${fits}x`))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_TLOG_PROOF_BYTES, size: MAX_TLOG_PROOF_BYTES + 1 });
    expect(detailsOf(() => parseTlogProof(utf8(`${fits}x`)))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_TLOG_PROOF_BYTES, size: MAX_TLOG_PROOF_BYTES + 1 });
    expect(codeOf(() => parseTlogProof(42 as unknown as string))).toBe('INVALID_ARGUMENT');
  });

  it('extra data: at most 64 KiB written, and read back; one byte more is refused both ways', () => {
    const extra = (n: number) => new Uint8Array(n).fill(7);
    const text = formatTlogProof({ index: 0, proof: [], checkpoint: 'c\n', extra: extra(MAX_TLOG_PROOF_EXTRA_BYTES) });
    expect(parseTlogProof(text).extra).toEqual(extra(MAX_TLOG_PROOF_EXTRA_BYTES));
    expect(codeOf(() => formatTlogProof({ index: 0, proof: [], checkpoint: 'c\n', extra: extra(MAX_TLOG_PROOF_EXTRA_BYTES + 1) }))).toBe('INVALID_ARGUMENT');
    expect(detailsOf(() => formatTlogProof({ index: 0, proof: [], checkpoint: 'c\n', extra: [1, 2] as unknown as Uint8Array }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'extra' });
    // 65,537 and 65,538 bytes encode to as many base64 characters as 65,536: the decoded length is what counts.
    for (const n of [MAX_TLOG_PROOF_EXTRA_BYTES + 1, MAX_TLOG_PROOF_EXTRA_BYTES + 2, MAX_TLOG_PROOF_EXTRA_BYTES + 3]) {
      expect(codeOf(() => parseTlogProof(`${TLOG_PROOF_HEADER}\nextra ${toBase64(extra(n))}\nindex 0\n\nc\n`)), String(n)).toBe('MALFORMED_PROOF');
    }
  });

  it('formatTlogProof refuses each bad field on its own, naming it', () => {
    expect(detailsOf(() => formatTlogProof(null as unknown as TlogProof))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'proof' });
    expect(detailsOf(() => formatTlogProof({ index: -1, proof: [], checkpoint: 'c\n' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'index' });
    expect(detailsOf(() => formatTlogProof({ index: 0, proof: 'x' as unknown as Uint8Array[], checkpoint: 'c\n' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'proof' });
    for (const bad of [7, 'c', '\n']) {
      expect(codeOf(() => formatTlogProof({ index: 0, proof: [], checkpoint: bad as string })), JSON.stringify(bad)).toBe('INVALID_ARGUMENT');
    }
  });

  it('verifyTlogProof: bad arguments name their field; the origin may be any signer of the checkpoint; refusals carry their details', async () => {
    expect(codeOf(() => verifyTlogProof(null as unknown as TlogProof, [verifier]))).toBe('INVALID_ARGUMENT');
    const leaves = [h(1), h(2), h(3)];
    const text = formatTlogProof({ index: 1, proof: indPath(1, leaves), checkpoint: await note(3, indRoot(leaves)) });
    // Not an object, even one carrying the fields (a function with them attached).
    const fn = Object.assign(() => undefined, parseTlogProof(text));
    expect(codeOf(() => verifyTlogProof(fn as unknown as TlogProof, [verifier], { leafHash: h(2) }))).toBe('INVALID_ARGUMENT');
    expect(verifyTlogProof(text, [verifier], { leafHash: h(2) }).index).toBe(1);
    expect(detailsOf(() => verifyTlogProof(text, [verifier], { leafHash: h(2).slice(1) }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'opts.leafHash' });
    expect(detailsOf(() => verifyTlogProof(text, [verifier], { leafHash: h(3) }))).toEqual({ code: 'PROOF_INVALID', index: 1, size: 3 });
    expect(detailsOf(() => verifyTlogProof(text, [verifier], { leafHash: h(2), origin: 'another.example/log' }))).toEqual({ code: 'MALFORMED_CHECKPOINT', origin: ORIGIN });
    // Signed by the log's key and by a key of another name, both trusted: the origin is the log key's name.
    const other = generateKeyPair('witness.example/w');
    const both = await signCheckpoint({ origin: ORIGIN, size: 3, root: indRoot(leaves), extensions: [] }, [signer, parseSignerKey(other.skey)]);
    const text2 = formatTlogProof({ index: 1, proof: indPath(1, leaves), checkpoint: both });
    expect(verifyTlogProof(text2, [verifier, parseVerifierKey(other.vkey)], { leafHash: h(2) }).checkpoint.verified).toHaveLength(2);
  });

  it('verifyEntryProof: a key given as text may end in a newline; no proof at all is MALFORMED_PROOF; an entry of the largest size is not refused for its size', async () => {
    const e = encodeEntry({ v: 1, seq: 0, prev: h(1), time: 1, caseId: 'c', step: 1, casePrev: ZERO_HASH, type: 't', actor: 'a', commit: h(2), sigs: [] });
    const text = formatTlogProof({ index: 0, proof: [], checkpoint: await note(1, leafHash(e)), extra: e });
    expect(verifyEntryProof(text, `${KEYS.vkey}\n`).entry.seq).toBe(0);
    expect(codeOf(() => verifyEntryProof(null as unknown as TlogProof, verifier))).toBe('MALFORMED_PROOF');
    const big = (n: number) => formatTlogProof({ index: 0, proof: [], checkpoint: text.slice(text.indexOf('\n\n') + 2), extra: new Uint8Array(n) });
    // MAX_ENTRY_BYTES: proven first (not in this tree: PROOF_INVALID), not refused for its length; one more byte is.
    expect(codeOf(() => verifyEntryProof(big(MAX_ENTRY_BYTES), verifier))).toBe('PROOF_INVALID');
    expect(codeOf(() => verifyEntryProof(big(MAX_ENTRY_BYTES + 1), verifier))).toBe('MALFORMED_PROOF');
  });

  it('verifyEntryProof: an entry at another index than its seq names both', async () => {
    const mk = (seq: number) => encodeEntry({ v: 1, seq, prev: h(1), time: 1, caseId: 'c', step: 1, casePrev: ZERO_HASH, type: 't', actor: 'a', commit: h(2), sigs: [] });
    const bytes = [mk(5), mk(1)];
    const leaves = bytes.map(leafHash);
    const text = formatTlogProof({ index: 0, proof: indPath(0, leaves), checkpoint: await note(2, indRoot(leaves)), extra: bytes[0]! });
    expect(detailsOf(() => verifyEntryProof(text, verifier))).toEqual({ code: 'PROOF_INVALID', index: 0, seq: 5 });
  });
});
