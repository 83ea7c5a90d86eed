import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import {
  EMPTY_ROOT,
  MerkleAccumulator,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  nodeInBlob,
  nodesBlob,
  perfectNodesOf,
  rootAt,
  rootFromInclusionProof,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../src/index.js';
import { concatBytes, equalBytes, toHex, utf8 } from '../src/bytes.js';
import { LedgerError, type ErrorCode } from '../src/errors.js';
import { hex, loadVectors } from './helpers/vectors.js';

// ---------------------------------------------------------------------------
// Reference: RFC 9162 §2.1 definitions written out recursively over leaf
// arrays, hashing with noble directly (independent of merkle.ts).

const refLeaf = (data: Uint8Array): Uint8Array => nobleSha256(concatBytes(Uint8Array.of(0), data));
const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => nobleSha256(concatBytes(Uint8Array.of(1), l, r));
/** Largest power of two smaller than n (n > 1). */
const splitOf = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function refMTH(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return nobleSha256(new Uint8Array(0));
  if (d.length === 1) return d[0]!;
  const k = splitOf(d.length);
  return refNode(refMTH(d.slice(0, k)), refMTH(d.slice(k)));
}
function refPATH(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = splitOf(d.length);
  return m < k
    ? [...refPATH(m, d.slice(0, k)), refMTH(d.slice(k))]
    : [...refPATH(m - k, d.slice(k)), refMTH(d.slice(0, k))];
}
function refSUBPROOF(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [refMTH(d)];
  const k = splitOf(d.length);
  return m <= k
    ? [...refSUBPROOF(m, d.slice(0, k), b), refMTH(d.slice(k))]
    : [...refSUBPROOF(m - k, d.slice(k), false), refMTH(d.slice(0, k))];
}

/** Levels table levels[level][index] of every perfect subtree of `leaves`. */
function refLevels(leaves: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [leaves.slice()];
  for (let level = 1; 2 ** level <= leaves.length; level++) {
    const prev = levels[level - 1]!;
    const row: Uint8Array[] = [];
    for (let i = 0; 2 * i + 1 < prev.length; i++) row.push(refNode(prev[2 * i]!, prev[2 * i + 1]!));
    levels.push(row);
  }
  return levels;
}

/**
 * A NodeReader over a levels table that refuses any node not complete within
 * `size` (the store has no such row) and logs every call.
 */
function tableReader(levels: readonly (readonly Uint8Array[])[], size: number, log?: Array<[number, number]>): NodeReader {
  return {
    node(level: number, index: number): Uint8Array {
      if (!Number.isSafeInteger(level) || !Number.isSafeInteger(index) || level < 0 || index < 0 || (index + 1) * 2 ** level > size) {
        throw new Error(`node (${level}, ${index}) is not complete in a tree of size ${size}`);
      }
      log?.push([level, index]);
      const h = levels[level]?.[index];
      if (h === undefined) throw new Error(`node (${level}, ${index}) missing from the table`);
      return h;
    },
  };
}

const hexes = (xs: readonly Uint8Array[]): string[] => xs.map(toHex);
const isSafe = (s: string): boolean => BigInt(s) <= BigInt(Number.MAX_SAFE_INTEGER);
/** ⌈log2 n⌉ for n ≥ 1. */
const ceilLog2 = (n: number): number => (n <= 1 ? 0 : (n - 1).toString(2).length);

function codeOf(f: () => unknown): ErrorCode | 'no error' | 'not a LedgerError' {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'not a LedgerError';
  }
}

/** The details of the LedgerError `f` throws (a test fails if it throws none). */
function detailsOf(f: () => unknown): Readonly<Record<string, unknown>> {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.details;
    throw e;
  }
  throw new Error('no error thrown');
}

function expectLedgerError(f: () => unknown, code: ErrorCode, mentions?: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LedgerError);
  expect((caught as LedgerError).code).toBe(code);
  if (mentions !== undefined) expect((caught as LedgerError).message).toContain(mentions);
}

// ---------------------------------------------------------------------------
// Public vectors

interface HasherVector {
  name: string;
  op: string;
  input?: string;
  inputHex?: string;
  leftHex?: string;
  rightHex?: string;
  expected: string;
}
interface Tree8 {
  leafInputs: string[];
  leafHashes: string[];
  nodeHashesByLevel: string[][];
  rootsBySize: Array<{ size: string; root: string }>;
}
interface InclusionCase {
  file?: string;
  desc?: string;
  leafIndex: string;
  treeSize: string;
  leafInput?: string;
  leafHash: string;
  root: string;
  proof: string[];
  valid?: boolean;
}
interface ConsistencyCase {
  file?: string;
  desc?: string;
  size1: string;
  size2: string;
  root1: string;
  root2: string;
  proof: string[];
  valid?: boolean;
}

const hasher = loadVectors<{ vectors: HasherVector[] }>('rfc6962-hasher.json');
const tree8 = loadVectors<Tree8>('rfc6962-tree-8-leaves.json');
const inclusionVectors = loadVectors<{ canonical: InclusionCase[]; probes: InclusionCase[] }>('rfc6962-inclusion-proofs.json');
const consistencyVectors = loadVectors<{ canonical: ConsistencyCase[]; probes: ConsistencyCase[] }>('rfc6962-consistency-proofs.json');
const derived = loadVectors<{ inclusion: InclusionCase[]; consistency: ConsistencyCase[] }>('rfc6962-proofs-all-sizes-1-8.derived.json');

/** The 8-leaf tree exactly as the vector file gives it (not computed here). */
const levels8 = tree8.nodeHashesByLevel.map((row) => row.map(hex));
const leaves8 = tree8.leafHashes.map(hex);
const roots8 = tree8.rootsBySize.map((r) => r.root);
const reader8 = (size: number, log?: Array<[number, number]>): NodeReader => tableReader(levels8, size, log);

describe('rfc6962-hasher.json', () => {
  it('has the expected number of cases', () => expect(hasher.vectors).toHaveLength(6));
  for (const v of hasher.vectors) {
    it(v.name, () => {
      switch (v.op) {
        case 'emptyRoot':
          expect(v.input).toBe('');
          expect(toHex(EMPTY_ROOT)).toBe(v.expected);
          expect(toHex(rootFromLeaves([]))).toBe(v.expected);
          expect(toHex(new MerkleAccumulator().root())).toBe(v.expected);
          break;
        case 'leafHash':
          expect(toHex(leafHash(hex(v.inputHex!)))).toBe(v.expected);
          break;
        case 'nodeHash':
          expect(toHex(nodeHash(hex(v.leftHex!), hex(v.rightHex!)))).toBe(v.expected);
          break;
        default:
          throw new Error(`unknown op ${v.op}`);
      }
    });
  }
});

describe('rfc6962-tree-8-leaves.json', () => {
  it('leaf hashes of the leaf inputs', () => {
    expect(tree8.leafInputs).toHaveLength(8);
    expect(tree8.leafInputs.map((x) => toHex(leafHash(hex(x))))).toEqual(tree8.leafHashes);
    expect(tree8.nodeHashesByLevel[0]).toEqual(tree8.leafHashes);
  });

  it('MerkleAccumulator emits exactly the perfect nodes of every level', () => {
    const acc = new MerkleAccumulator();
    const emitted: string[][] = [tree8.leafHashes.slice()];
    for (const leaf of leaves8) {
      for (const n of acc.push(leaf)) {
        const row = (emitted[n.level] ??= []);
        expect(row.length).toBe(n.index);
        row.push(toHex(n.hash));
      }
    }
    expect(emitted).toEqual(tree8.nodeHashesByLevel);
  });

  for (const { size, root } of tree8.rootsBySize) {
    const n = Number(size);
    it(`root of size ${n}`, () => {
      expect(toHex(rootFromLeaves(leaves8.slice(0, n)))).toBe(root);
      expect(toHex(rootAt(reader8(n), n))).toBe(root);
      const acc = new MerkleAccumulator();
      for (const leaf of leaves8.slice(0, n)) acc.push(leaf);
      expect(acc.size).toBe(n);
      expect(toHex(acc.root())).toBe(root);
      const loaded = MerkleAccumulator.fromReader(reader8(n), n);
      expect(toHex(loaded.root())).toBe(root);
      expect(hexes(loaded.peaks())).toEqual(perfectNodesOf(n).map(({ level, index }) => tree8.nodeHashesByLevel[level]![index]));
    });
  }
});

/**
 * Generation side of a valid inclusion vector: the tree it is over is either
 * the 8-leaf tree or (transparency-dev single-entry probes) a 1-leaf tree.
 */
function checkInclusionGeneration(c: InclusionCase): void {
  const index = Number(c.leafIndex);
  const size = Number(c.treeSize);
  if (size <= 8 && c.leafHash === tree8.leafHashes[index] && c.root === roots8[size]) {
    expect(hexes(inclusionProof(reader8(size), index, size))).toEqual(c.proof);
  } else if (size === 1 && index === 0 && c.leafHash === c.root) {
    expect(hexes(inclusionProof(tableReader([[hex(c.leafHash)]], 1), 0, 1))).toEqual(c.proof);
    expect(toHex(rootAt(tableReader([[hex(c.leafHash)]], 1), 1))).toBe(c.root);
  } else {
    throw new Error('valid inclusion vector over an unknown tree');
  }
}

function checkInclusionCase(c: InclusionCase, valid: boolean): void {
  const leaf = hex(c.leafHash);
  const proof = c.proof.map(hex);
  const root = hex(c.root);
  expect(verifyInclusion(leaf, BigInt(c.leafIndex), BigInt(c.treeSize), proof, root)).toBe(valid);
  if (isSafe(c.leafIndex) && isSafe(c.treeSize)) {
    expect(verifyInclusion(leaf, Number(c.leafIndex), Number(c.treeSize), proof, root)).toBe(valid);
  }
  let computed: Uint8Array | undefined;
  try {
    computed = rootFromInclusionProof(leaf, BigInt(c.leafIndex), BigInt(c.treeSize), proof);
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    expect(['PROOF_INVALID', 'MALFORMED_PROOF']).toContain((e as LedgerError).code);
  }
  expect(computed !== undefined && equalBytes(computed, root)).toBe(valid);
  if (valid) checkInclusionGeneration(c);
}

describe('rfc6962-inclusion-proofs.json', () => {
  it('has 5 canonical vectors and 98 probes', () => {
    expect(inclusionVectors.canonical).toHaveLength(5);
    expect(inclusionVectors.probes).toHaveLength(98);
  });
  for (const c of inclusionVectors.canonical) {
    it(`canonical: leaf ${c.leafIndex} of ${c.treeSize}`, () => {
      expect(c.valid).toBe(true);
      expect(toHex(leafHash(hex(c.leafInput!)))).toBe(c.leafHash);
      checkInclusionCase(c, true);
    });
  }
  for (const c of inclusionVectors.probes) {
    it(`probe ${c.file}`, () => checkInclusionCase(c, c.valid!));
  }
});

function checkConsistencyCase(c: ConsistencyCase, valid: boolean): void {
  const proof = c.proof.map(hex);
  const [root1, root2] = [hex(c.root1), hex(c.root2)];
  expect(verifyConsistency(BigInt(c.size1), BigInt(c.size2), root1, root2, proof)).toBe(valid);
  if (isSafe(c.size1) && isSafe(c.size2)) {
    expect(verifyConsistency(Number(c.size1), Number(c.size2), root1, root2, proof)).toBe(valid);
  }
  if (valid) {
    const [m, n] = [Number(c.size1), Number(c.size2)];
    // Every valid vector is within the 8-leaf tree (the equal-size probe with
    // 12-byte placeholder roots needs no tree at all: its proof is empty).
    expect(m >= 1 && m <= n && n <= 8).toBe(true);
    expect(hexes(consistencyProof(reader8(n), m, n))).toEqual(c.proof);
    if (c.root1 === roots8[m]) expect(toHex(rootAt(reader8(n), n))).toBe(c.root2);
  }
}

describe('rfc6962-consistency-proofs.json', () => {
  it('has 5 canonical vectors and 98 probes', () => {
    expect(consistencyVectors.canonical).toHaveLength(5);
    expect(consistencyVectors.probes).toHaveLength(98);
  });
  for (const c of consistencyVectors.canonical) {
    it(`canonical: ${c.size1} -> ${c.size2}`, () => {
      expect(c.valid).toBe(true);
      expect(c.root1).toBe(roots8[Number(c.size1)]);
      expect(c.root2).toBe(roots8[Number(c.size2)]);
      checkConsistencyCase(c, true);
    });
  }
  for (const c of consistencyVectors.probes) {
    it(`probe ${c.file}`, () => checkConsistencyCase(c, c.valid!));
  }
});

describe('rfc6962-proofs-all-sizes-1-8.derived.json', () => {
  it('has every inclusion (0 <= i < n <= 8) and consistency (1 <= m <= n <= 8) pair', () => {
    expect(derived.inclusion).toHaveLength(36);
    expect(derived.consistency).toHaveLength(36);
  });
  for (const c of derived.inclusion) {
    it(`inclusion: leaf ${c.leafIndex} of ${c.treeSize}`, () => {
      expect(c.leafHash).toBe(tree8.leafHashes[Number(c.leafIndex)]);
      expect(toHex(rootAt(reader8(Number(c.treeSize)), Number(c.treeSize)))).toBe(c.root);
      checkInclusionCase(c, true);
    });
  }
  for (const c of derived.consistency) {
    it(`consistency: ${c.size1} -> ${c.size2}`, () => {
      expect(toHex(rootAt(reader8(Number(c.size1)), Number(c.size1)))).toBe(c.root1);
      expect(toHex(rootAt(reader8(Number(c.size2)), Number(c.size2)))).toBe(c.root2);
      checkConsistencyCase(c, true);
    });
  }
});

// ---------------------------------------------------------------------------
// Properties over random trees of up to 300 leaves

const MAX = 300;
const leaves = Array.from({ length: MAX }, (_, i) => refLeaf(utf8(`entry ${i}`)));
const levels = refLevels(leaves);
const refRoots = Array.from({ length: MAX + 1 }, (_, n) => refMTH(leaves.slice(0, n)));

/** One single mutation of a proof. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'remove'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'resize'; at: number; grow: boolean };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('resize' as const), at: fc.nat(), grow: fc.boolean() }),
);
/** Applies `mu`; a mutation that needs an item falls back to insertion on an empty proof. */
function mutate(proof: readonly Uint8Array[], mu: Mutation): Uint8Array[] {
  const out: Uint8Array[] = proof.map((p) => p.slice());
  if (out.length === 0 || mu.kind === 'insert') {
    out.splice(mu.at % (out.length + 1), 0, mu.kind === 'insert' ? mu.bytes : new Uint8Array(32));
    return out;
  }
  const at = mu.at % out.length;
  if (mu.kind === 'flip') out[at]![mu.bit >> 3]! ^= 1 << (mu.bit & 7);
  else if (mu.kind === 'remove') out.splice(at, 1);
  else out[at] = mu.grow ? concatBytes(out[at]!, Uint8Array.of(0)) : out[at]!.subarray(0, 31);
  return out;
}

const sizeAndIndex = fc.integer({ min: 1, max: MAX }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
const sizePair = fc.integer({ min: 1, max: MAX }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

describe('inclusion proofs (properties)', () => {
  it('equal RFC 9162 PATH, verify, and reproduce the root', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const proof = inclusionProof(tableReader(levels, size), index, size);
        expect(hexes(proof)).toEqual(hexes(refPATH(index, leaves.slice(0, size))));
        expect(verifyInclusion(leaves[index]!, index, size, proof, refRoots[size]!)).toBe(true);
        expect(verifyInclusion(leaves[index]!, BigInt(index), BigInt(size), proof, refRoots[size]!)).toBe(true);
        expect(toHex(rootFromInclusionProof(leaves[index]!, index, size, proof))).toBe(toHex(refRoots[size]!));
        expect(toHex(rootAt(tableReader(levels, size), size))).toBe(toHex(refRoots[size]!));
      }),
      { numRuns: 500 },
    );
  });

  it('fail after any single flipped bit, removed, added or resized item', () => {
    fc.assert(
      fc.property(sizeAndIndex, mutationArb, ([size, index], mu) => {
        const proof = mutate(inclusionProof(tableReader(levels, size), index, size), mu);
        expect(verifyInclusion(leaves[index]!, index, size, proof, refRoots[size]!)).toBe(false);
        const code = codeOf(() => {
          if (equalBytes(rootFromInclusionProof(leaves[index]!, index, size, proof), refRoots[size]!)) throw new Error('accepted');
        });
        expect(['no error', 'MALFORMED_PROOF']).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });

  // Another size is not always detected, as RFC 9162 intends: the proof of
  // leaf 0 in 129 leaves also fits 130 leaves; the signed root binds the size.
  it('fail for another leaf or index', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.integer({ min: 0, max: MAX }), ([size, index], otherIndex) => {
        const proof = inclusionProof(tableReader(levels, size), index, size);
        const root = refRoots[size]!;
        fc.pre(otherIndex !== index);
        expect(verifyInclusion(leaves[index]!, otherIndex, size, proof, root)).toBe(false);
        if (otherIndex < MAX) expect(verifyInclusion(leaves[otherIndex]!, index, size, proof, root)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('consistency proofs (properties)', () => {
  it('equal RFC 9162 PROOF and verify', () => {
    fc.assert(
      fc.property(sizePair, ([m, n]) => {
        const proof = consistencyProof(tableReader(levels, n), m, n);
        expect(hexes(proof)).toEqual(hexes(refSUBPROOF(m, leaves.slice(0, n), true)));
        expect(verifyConsistency(m, n, refRoots[m]!, refRoots[n]!, proof)).toBe(true);
        expect(verifyConsistency(BigInt(m), BigInt(n), refRoots[m]!, refRoots[n]!, proof)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('fail after any single flipped bit, removed, added or resized item', () => {
    fc.assert(
      fc.property(sizePair, mutationArb, ([m, n], mu) => {
        const proof = mutate(consistencyProof(tableReader(levels, n), m, n), mu);
        expect(verifyConsistency(m, n, refRoots[m]!, refRoots[n]!, proof)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('fail for other sizes or roots', () => {
    fc.assert(
      fc.property(sizePair, fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: MAX }), ([m, n], m2, n2) => {
        const proof = consistencyProof(tableReader(levels, n), m, n);
        if (m !== n) {
          expect(verifyConsistency(m, n, refRoots[n]!, refRoots[n]!, proof)).toBe(false);
          expect(verifyConsistency(m, n, refRoots[m]!, refRoots[m]!, proof)).toBe(false);
          expect(verifyConsistency(m, n, refRoots[n]!, refRoots[m]!, proof)).toBe(false);
        }
        if (m2 !== m) expect(verifyConsistency(m2, n, refRoots[m2]!, refRoots[n]!, proof)).toBe(false);
        if (n2 !== n) expect(verifyConsistency(m, n2, refRoots[m]!, refRoots[n2]!, proof)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  /**
   * When the old size is not a power of two, the old root is recomputed from
   * the proof and compared with the one given (RFC 9162 §2.1.4.2, the last
   * check): that comparison alone refuses a wrong old root of the right
   * length. (For a power of two the old root is the path's first item and
   * the new root's comparison refuses it.) Every pair is tried, not a sample.
   */
  it('a 32-byte wrong old root is refused for every old size 1..40 that is not a power of two and every new size up to 48', () => {
    const flip = (h: Uint8Array, byte: number, bit: number) => {
      const out = h.slice();
      out[byte]! ^= 1 << bit;
      return out;
    };
    let pairs = 0;
    for (let m = 3; m <= 40; m++) {
      if ((m & (m - 1)) === 0) continue;
      for (let n = m + 1; n <= 48; n++) {
        const proof = consistencyProof(tableReader(levels, n), m, n);
        const right = refRoots[m]!;
        expect(verifyConsistency(m, n, right, refRoots[n]!, proof), `${m} -> ${n}`).toBe(true);
        const wrong: Array<[string, Uint8Array]> = [
          ['first bit flipped', flip(right, 0, 0)],
          ['last bit flipped', flip(right, 31, 7)],
          ['a middle bit flipped', flip(right, 16, 3)],
          ['the new root', refRoots[n]!],
          [`the root of size ${m - 1}`, refRoots[m - 1]!],
          [`the root of size ${m + 1}`, refRoots[m + 1]!],
          ['zero', new Uint8Array(32)],
        ];
        for (const [why, root] of wrong) {
          expect(root.length).toBe(32);
          expect(verifyConsistency(m, n, root, refRoots[n]!, proof), `${m} -> ${n}, old root: ${why}`).toBe(false);
          expect(verifyConsistency(BigInt(m), BigInt(n), root, refRoots[n]!, proof), `${m} -> ${n} (bigint), old root: ${why}`).toBe(false);
        }
        pairs++;
      }
    }
    // 32 old sizes in 3..40 are not powers of two; pairs = Σ (48 − m) over them.
    expect(pairs).toBe(Array.from({ length: 38 }, (_, i) => i + 3).filter((m) => (m & (m - 1)) !== 0).reduce((a, m) => a + 48 - m, 0));
  });

  it('generation refuses size 0 and oldSize > newSize, and is empty for equal sizes', () => {
    expectLedgerError(() => consistencyProof(tableReader(levels, 5), 0, 5), 'INVALID_ARGUMENT', 'oldSize');
    expectLedgerError(() => consistencyProof(tableReader(levels, 6), 6, 5), 'INVALID_ARGUMENT', 'oldSize');
    const log: Array<[number, number]> = [];
    expect(consistencyProof(tableReader(levels, 5, log), 5, 5)).toEqual([]);
    expect(log).toEqual([]);
  });
});

describe('MerkleAccumulator (properties)', () => {
  it('root equals rootFromLeaves and MTH; emitted nodes are exactly the completed perfect subtrees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([m, n]) => {
          const acc = m === 0 ? new MerkleAccumulator() : MerkleAccumulator.fromReader(tableReader(levels, m), m);
          expect(acc.size).toBe(m);
          expect(toHex(acc.root())).toBe(toHex(refRoots[m]!));
          const emitted = new Map<string, string>();
          for (let i = m; i < n; i++) {
            for (const node of acc.push(leaves[i]!)) {
              const key = `${node.level}/${node.index}`;
              expect(emitted.has(key)).toBe(false);
              emitted.set(key, toHex(node.hash));
            }
          }
          const expected = new Map<string, string>();
          for (let level = 1; level < levels.length; level++) {
            levels[level]!.forEach((h, index) => {
              const last = (index + 1) * 2 ** level - 1;
              if (last >= m && last < n) expected.set(`${level}/${index}`, toHex(h));
            });
          }
          expect(emitted).toEqual(expected);
          expect(acc.size).toBe(n);
          expect(toHex(acc.root())).toBe(toHex(refRoots[n]!));
          expect(toHex(rootFromLeaves(leaves.slice(0, n)))).toBe(toHex(refRoots[n]!));
          expect(hexes(acc.peaks())).toEqual(perfectNodesOf(n).map(({ level, index }) => toHex(levels[level]![index]!)));
          expect(toHex(new MerkleAccumulator(n, acc.peaks()).root())).toBe(toHex(refRoots[n]!));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes fewer than two nodes per leaf (format §7)', () => {
    const acc = new MerkleAccumulator();
    let written = 0;
    for (const leaf of leaves) written += acc.push(leaf).length;
    expect(written).toBe(MAX - perfectNodesOf(MAX).length);
  });

  it('does not share hashes with the caller', () => {
    const leaf = leaves[0]!.slice();
    const acc = new MerkleAccumulator();
    acc.push(leaf);
    leaf.fill(0);
    expect(toHex(acc.root())).toBe(toHex(refRoots[1]!));
    acc.root().fill(0);
    acc.peaks()[0]!.fill(0);
    expect(toHex(acc.root())).toBe(toHex(refRoots[1]!));
    const bufferPeaks = perfectNodesOf(6).map(({ level, index }) => Buffer.from(levels[level]![index]!));
    const fromBuffers = new MerkleAccumulator(6, bufferPeaks);
    for (const b of bufferPeaks) b.fill(0);
    expect(toHex(fromBuffers.root())).toBe(toHex(refRoots[6]!));
    const bufferLeaf = Buffer.from(leaves[6]!);
    fromBuffers.push(bufferLeaf);
    bufferLeaf.fill(0);
    expect(toHex(fromBuffers.root())).toBe(toHex(refRoots[7]!));
    new MerkleAccumulator().root().fill(0);
    rootAt(tableReader(levels, 0), 0).fill(0);
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

// ---------------------------------------------------------------------------
// Reader calls stay O(log n)

/**
 * Synthetic reader: node (level, index) is H(level ‖ index), no real tree.
 * It records calls and rejects any node not complete within `size`.
 */
function syntheticReader(size: number): NodeReader & { calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    node(level: number, index: number): Uint8Array {
      if (!Number.isSafeInteger(index) || index < 0 || level < 0 || (index + 1) * 2 ** level > size) {
        throw new Error(`node (${level}, ${index}) is not complete in a tree of size ${size}`);
      }
      calls.push([level, index]);
      return nobleSha256(utf8(`${level}/${index}`));
    },
  };
}

function expectDistinct(calls: ReadonlyArray<[number, number]>): void {
  expect(new Set(calls.map(([l, i]) => `${l}/${i}`)).size).toBe(calls.length);
}

describe('reader calls (bounds: rootAt ≤ ⌈log2(n+1)⌉, inclusion ≤ 2·⌈log2 n⌉ + 1, consistency ≤ 2·⌈log2 n⌉ + 2)', () => {
  const sizes = [fc.integer({ min: 900_000, max: 1_100_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })];
  for (const sizeArb of sizes) {
    const arb = sizeArb.chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));
    it(`for sizes in ${sizeArb === sizes[0] ? '~1e6' : '[1, 2^53 - 1]'}`, () => {
      fc.assert(
        fc.property(arb, ([m, n]) => {
          const bound = 2 * ceilLog2(n) + 1;
          let r = syntheticReader(n);
          rootAt(r, n);
          expect(r.calls.length).toBeLessThanOrEqual(ceilLog2(n + 1));
          expectDistinct(r.calls);

          r = syntheticReader(n);
          MerkleAccumulator.fromReader(r, n);
          expect(r.calls.length).toBeLessThanOrEqual(ceilLog2(n + 1));

          r = syntheticReader(n);
          inclusionProof(r, m - 1, n);
          expect(r.calls.length).toBeLessThanOrEqual(bound);
          expectDistinct(r.calls);

          r = syntheticReader(n);
          consistencyProof(r, m, n);
          expect(r.calls.length).toBeLessThanOrEqual(bound + 1);
          expectDistinct(r.calls);
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('worst cases stay within the bound', () => {
    for (const n of [2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1, 1_000_000, Number.MAX_SAFE_INTEGER, 2 ** 52 + 1]) {
      for (const m of [1, 2, n - 1, n, Math.floor(n / 2), Math.floor(n / 2) + 1].filter((x) => x >= 1 && x <= n)) {
        let r = syntheticReader(n);
        inclusionProof(r, m - 1, n);
        expect(r.calls.length).toBeLessThanOrEqual(2 * ceilLog2(n) + 1);
        r = syntheticReader(n);
        consistencyProof(r, m, n);
        expect(r.calls.length).toBeLessThanOrEqual(2 * ceilLog2(n) + 2);
      }
    }
  });
});

// ---------------------------------------------------------------------------
// Large trees: a periodic tree (leaf i = P[i mod 16]) has O(1)-computable
// nodes at any size, so proofs near 2^53 and 2^64 can be checked end to end.

const P_BITS = 4;
const periodLevels = refLevels(Array.from({ length: 2 ** P_BITS }, (_, i) => refLeaf(utf8(`periodic ${i}`))));
const tops: Uint8Array[] = [];
tops[P_BITS] = periodLevels[P_BITS]![0]!;
for (let l = P_BITS + 1; l <= 64; l++) tops[l] = refNode(tops[l - 1]!, tops[l - 1]!);
function periodicNode(level: number, index: bigint): Uint8Array {
  if (level >= P_BITS) return tops[level]!;
  return periodLevels[level]![Number(index % BigInt(2 ** (P_BITS - level)))]!;
}
const periodicReader: NodeReader = { node: (level, index) => periodicNode(level, BigInt(index)) };
const periodicLeaf = (i: bigint): Uint8Array => periodicNode(0, i);

/** Reference MTH / PATH / SUBPROOF over leaf ranges [lo, lo + n) of the periodic tree, in bigint. */
function bigMTH(lo: bigint, n: bigint): Uint8Array {
  if ((n & (n - 1n)) === 0n) return periodicNode(n.toString(2).length - 1, lo / n);
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return refNode(bigMTH(lo, k), bigMTH(lo + k, n - k));
}
function bigPATH(m: bigint, lo: bigint, n: bigint): Uint8Array[] {
  if (n <= 1n) return [];
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return m < k ? [...bigPATH(m, lo, k), bigMTH(lo + k, n - k)] : [...bigPATH(m - k, lo + k, n - k), bigMTH(lo, k)];
}
function bigSUBPROOF(m: bigint, lo: bigint, n: bigint, b: boolean): Uint8Array[] {
  if (m === n) return b ? [] : [bigMTH(lo, n)];
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return m <= k
    ? [...bigSUBPROOF(m, lo, k, b), bigMTH(lo + k, n - k)]
    : [...bigSUBPROOF(m - k, lo + k, n - k, false), bigMTH(lo, k)];
}

describe('large trees (periodic reader)', () => {
  const U64_MAX = (1n << 64n) - 1n;

  it('proofs up to 2^53 - 1 match the bigint reference and verify with number and bigint sizes', () => {
    const arb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(arb, ([m, n]) => {
        const root = rootAt(periodicReader, n);
        expect(toHex(root)).toBe(toHex(bigMTH(0n, BigInt(n))));
        const path = inclusionProof(periodicReader, m - 1, n);
        expect(hexes(path)).toEqual(hexes(bigPATH(BigInt(m - 1), 0n, BigInt(n))));
        expect(verifyInclusion(periodicLeaf(BigInt(m - 1)), m - 1, n, path, root)).toBe(true);
        expect(verifyInclusion(periodicLeaf(BigInt(m - 1)), BigInt(m - 1), BigInt(n), path, root)).toBe(true);
        const proof = consistencyProof(periodicReader, m, n);
        expect(hexes(proof)).toEqual(hexes(bigSUBPROOF(BigInt(m), 0n, BigInt(n), true)));
        const oldRoot = rootAt(periodicReader, m);
        expect(verifyConsistency(m, n, oldRoot, root, proof)).toBe(true);
        expect(verifyConsistency(BigInt(m), BigInt(n), oldRoot, root, proof)).toBe(true);
        expect(toHex(MerkleAccumulator.fromReader(periodicReader, n).root())).toBe(toHex(root));
      }),
      { numRuns: 300 },
    );
  });

  it('verification is exact for uint64 sizes up to 2^64 - 1', () => {
    const arb = fc.bigInt({ min: 1n, max: U64_MAX }).chain((n) => fc.tuple(fc.bigInt({ min: 1n, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(arb, mutationArb, ([m, n], mu) => {
        const root = bigMTH(0n, n);
        const path = bigPATH(m - 1n, 0n, n);
        expect(path.length).toBeLessThanOrEqual(64);
        expect(verifyInclusion(periodicLeaf(m - 1n), m - 1n, n, path, root)).toBe(true);
        expect(verifyInclusion(periodicLeaf(m - 1n), m - 1n, n, mutate(path, mu), root)).toBe(false);
        const proof = bigSUBPROOF(m, 0n, n, true);
        const oldRoot = bigMTH(0n, m);
        expect(verifyConsistency(m, n, oldRoot, root, proof)).toBe(true);
        if (m !== n) expect(verifyConsistency(m, n, oldRoot, root, mutate(proof, mu))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('MerkleAccumulator completes up to 52 nodes in one push at sizes near 2^53', () => {
    for (const n of [2 ** 40 - 1, 2 ** 52 - 1, 3 * 2 ** 50 - 1, 2 ** 53 - 2, 2 ** 53 - 3]) {
      const acc = MerkleAccumulator.fromReader(periodicReader, n);
      const expected = [];
      for (let level = 1, index = n; index % 2 === 1; level++) {
        index = (index - 1) / 2;
        expected.push({ level, index, hash: toHex(periodicNode(level, BigInt(index))) });
      }
      expect(acc.push(periodicLeaf(BigInt(n))).map((x) => ({ ...x, hash: toHex(x.hash) }))).toEqual(expected);
      expect(acc.size).toBe(n + 1);
      expect(toHex(acc.root())).toBe(toHex(rootAt(periodicReader, n + 1)));
      expect(toHex(acc.root())).toBe(toHex(bigMTH(0n, BigInt(n + 1))));
    }
  });

  it('the tree of 2^64 - 1 leaves: last leaf, first leaf, and the wrap-around index 2^64 - 1', () => {
    const n = U64_MAX;
    const root = bigMTH(0n, n);
    for (const i of [0n, 1n, n - 2n, n - 1n]) {
      expect(verifyInclusion(periodicLeaf(i), i, n, bigPATH(i, 0n, n), root)).toBe(true);
    }
    expect(verifyInclusion(periodicLeaf(n), n, n, bigPATH(n - 1n, 0n, n), root)).toBe(false);
    expectLedgerError(() => rootFromInclusionProof(periodicLeaf(n), n, n, []), 'PROOF_INVALID');
    expect(verifyConsistency(n - 1n, n, bigMTH(0n, n - 1n), root, bigSUBPROOF(n - 1n, 0n, n, true))).toBe(true);
    expect(verifyConsistency(1n, n, bigMTH(0n, 1n), root, bigSUBPROOF(1n, 0n, n, true))).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Attacker data never throws; misuse throws INVALID_ARGUMENT

describe('verification on arbitrary input', () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const bytes = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }));
  const proofArb = fc.array(bytes, { maxLength: 70 });

  it('verifyInclusion returns a boolean and rootFromInclusionProof only throws PROOF_INVALID/MALFORMED_PROOF', () => {
    fc.assert(
      fc.property(bytes, u64, u64, proofArb, bytes, (leaf, index, size, proof, root) => {
        const trivial = index === 0n && size === 1n && proof.length === 0 && leaf.length === 32 && equalBytes(leaf, root);
        expect(verifyInclusion(leaf, index, size, proof, root)).toBe(trivial);
        expect(['no error', 'PROOF_INVALID', 'MALFORMED_PROOF']).toContain(codeOf(() => rootFromInclusionProof(leaf, index, size, proof)));
      }),
      { numRuns: 1000 },
    );
  });

  it('verifyConsistency returns a boolean', () => {
    fc.assert(
      fc.property(u64, u64, bytes, bytes, proofArb, (m, n, r1, r2, proof) => {
        const equalCase = m === n && m !== 0n && proof.length === 0 && equalBytes(r1, r2);
        expect(verifyConsistency(m, n, r1, r2, proof)).toBe(equalCase);
      }),
      { numRuns: 1000 },
    );
  });

  it('rootFromInclusionProof names the failure', () => {
    const proof = inclusionProof(tableReader(levels, 8), 3, 8);
    expectLedgerError(() => rootFromInclusionProof(leaves[3]!, 8, 8, proof), 'PROOF_INVALID');
    expectLedgerError(() => rootFromInclusionProof(leaves[3]!, 3, 8, proof.slice(1)), 'MALFORMED_PROOF', 'fewer');
    expectLedgerError(() => rootFromInclusionProof(leaves[3]!, 3, 8, [...proof, leaves[0]!]), 'MALFORMED_PROOF', 'more');
    expectLedgerError(() => rootFromInclusionProof(leaves[3]!, 3, 8, [proof[0]!.subarray(1), ...proof.slice(1)]), 'MALFORMED_PROOF', 'proof[0]');
    expectLedgerError(() => rootFromInclusionProof(leaves[3]!.subarray(1), 3, 8, proof), 'MALFORMED_PROOF', 'leaf');
  });
});

/**
 * Inputs an attacker can shape so that the final root comparison of
 * RFC 9162 §2.1.4.2 would pass: the roots are computed over the hostile
 * proof, so only the earlier rules (sizes, lengths, the proof running out
 * of levels) refuse them.
 */
describe('verification refuses proofs whose roots were computed to match them', () => {
  const xs = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('old size 0 is refused even with equal sizes, an empty proof and equal roots', () => {
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(false);
    expect(verifyConsistency(0n, 0n, leaves[0]!, leaves[0]!, [])).toBe(false);
  });

  it('an old size above the new size is refused, whatever the proof and roots', () => {
    // 3 -> 2 read as the proof 2 -> 3 backwards: the same items, the roots swapped
    const proof = consistencyProof(tableReader(levels, 3), 2, 3);
    expect(verifyConsistency(3, 2, refRoots[3]!, refRoots[2]!, proof)).toBe(false);
    expect(verifyConsistency(3, 2, refRoots[2]!, refRoots[3]!, proof)).toBe(false);
  });

  it('an old root that is not 32 bytes is refused at sizes 1 -> 2 and 2 -> 3 when the new root is hashed over it', () => {
    for (const len of [0, 5, 31, 33, 64]) {
      const old = xs(len, 7);
      expect(verifyConsistency(1, 2, old, refNode(old, leaves[1]!), [leaves[1]!]), `1 -> 2, ${len}-byte old root`).toBe(false);
      expect(verifyConsistency(2, 3, old, refNode(old, leaves[2]!), [leaves[2]!]), `2 -> 3, ${len}-byte old root`).toBe(false);
    }
  });

  it('a proof item that is not 32 bytes is refused at 1 -> 3 and 3 -> 4 when both roots are hashed over it', () => {
    for (const len of [0, 5, 31, 33, 64]) {
      const x = xs(len, 9);
      // 1 -> 3: the proof is [leaf 1, leaf 2]; leaf 1 replaced by x
      expect(verifyConsistency(1, 3, leaves[0]!, refNode(refNode(leaves[0]!, x), leaves[2]!), [x, leaves[2]!]), `1 -> 3, ${len}-byte item`).toBe(false);
      // 3 -> 4: the proof is [leaf 2, leaf 3, node (1, 0)]; its first item is the old tree's right edge
      const oldRoot = refNode(levels[1]![0]!, x);
      const newRoot = refNode(levels[1]![0]!, refNode(x, leaves[3]!));
      expect(verifyConsistency(3, 4, oldRoot, newRoot, [x, leaves[3]!, levels[1]![0]!]), `3 -> 4, ${len}-byte item`).toBe(false);
    }
  });

  it('a consistency proof with one item more than its sizes need is refused when both roots are hashed over that item', () => {
    // Past the last level both paths would take the extra item on their left;
    // old size 3 is not a power of two, so the old root is recomputed too.
    for (const [m, n] of [[3, 4], [5, 8], [6, 7], [3, 20]] as const) {
      const proof = consistencyProof(tableReader(levels, n), m, n);
      expect(verifyConsistency(m, n, refRoots[m]!, refRoots[n]!, proof)).toBe(true);
      const extra = leaves[n]!;
      expect(verifyConsistency(m, n, refNode(extra, refRoots[m]!), refNode(extra, refRoots[n]!), [...proof, extra]), `${m} -> ${n}`).toBe(false);
    }
  });

  it('the root of a one-leaf tree is a copy of the leaf, not the caller\'s array', () => {
    const leaf = leaves[0]!.slice();
    const root = rootFromInclusionProof(leaf, 0, 1, []);
    expect(toHex(root)).toBe(toHex(leaves[0]!));
    expect(root).not.toBe(leaf);
    root.fill(0);
    expect(toHex(leaf)).toBe(toHex(leaves[0]!));
  });
});

describe('nodeHash over children of any length (RFC 9162 §2.1.1: H(0x01 ‖ left ‖ right))', () => {
  it('children of 0, 5, 31, 33 or 64 bytes beside a 32-byte one hash their concatenation, in both orders', () => {
    const h = leaves[0]!;
    for (const len of [0, 5, 31, 33, 64]) {
      const other = new Uint8Array(len).fill(0xa5);
      // a 32-byte pair first, so that a reused input buffer would hold its bytes
      expect(toHex(nodeHash(leaves[1]!, leaves[2]!))).toBe(toHex(refNode(leaves[1]!, leaves[2]!)));
      expect(toHex(nodeHash(h, other)), `32 + ${len}`).toBe(toHex(refNode(h, other)));
      expect(toHex(nodeHash(leaves[1]!, leaves[2]!))).toBe(toHex(refNode(leaves[1]!, leaves[2]!)));
      expect(toHex(nodeHash(other, h)), `${len} + 32`).toBe(toHex(refNode(other, h)));
    }
  });
});

describe('stored nodes (format §7)', () => {
  const blob = concatBytes(leaves[0]!, leaves[1]!, leaves[2]!);

  it('nodeInBlob reads level L at bytes 32·(L − 1) … 32·L, and nothing from a blob too short for it', () => {
    expect(toHex(nodeInBlob(blob, 1)!)).toBe(toHex(leaves[0]!));
    expect(toHex(nodeInBlob(blob, 3)!)).toBe(toHex(leaves[2]!));
    expect(nodeInBlob(blob, 4)).toBeUndefined();
    expect(nodeInBlob(blob.subarray(0, 40), 2)).toBeUndefined();
    expect(nodeInBlob(blob.subarray(0, 32), 2)).toBeUndefined();
    expect(nodeInBlob(new Uint8Array(0), 1)).toBeUndefined();
    expect(nodeInBlob(toHex(blob), 1)).toBeUndefined();
    expect(nodeInBlob(null, 1)).toBeUndefined();
  });

  it('nodesBlob writes the completed nodes level 1 first and refuses them in any other order', () => {
    const nodes = [1, 2, 3].map((level, i) => ({ level, hash: leaves[i]! }));
    expect(toHex(nodesBlob(nodes))).toBe(toHex(blob));
    expect(nodesBlob([])).toHaveLength(0);
    expectLedgerError(() => nodesBlob([nodes[1]!]), 'STORAGE_ERROR');
    expectLedgerError(() => nodesBlob([nodes[0]!, nodes[2]!]), 'STORAGE_ERROR');
    expectLedgerError(() => nodesBlob([nodes[0]!, nodes[0]!]), 'STORAGE_ERROR');
  });
});

describe('argument checks', () => {
  const r = tableReader(levels, MAX);
  const h = leaves[0]!;
  // [name, call, what the message mentions, details (docs/errors.md: `details.field` names the argument)]
  const bad: Array<[string, () => unknown, string, Record<string, unknown>]> = [
    ['rootAt negative size', () => rootAt(r, -1), 'size', { field: 'size' }],
    ['rootAt fractional size', () => rootAt(r, 1.5), 'size', { field: 'size' }],
    ['rootAt unsafe size', () => rootAt(r, 2 ** 53), 'size', { field: 'size' }],
    ['rootAt bigint size', () => rootAt(r, 3n as unknown as number), 'size', { field: 'size' }],
    ['rootAt without reader', () => rootAt({} as NodeReader, 3), 'reader', { field: 'reader' }],
    ['perfectNodesOf NaN', () => perfectNodesOf(Number.NaN), 'size', { field: 'size' }],
    ['inclusionProof index = size', () => inclusionProof(r, 3, 3), 'index', {}],
    ['inclusionProof negative index', () => inclusionProof(r, -1, 3), 'index', { field: 'index' }],
    ['inclusionProof string size', () => inclusionProof(r, 0, '3' as unknown as number), 'size', { field: 'size' }],
    ['consistencyProof oldSize 0', () => consistencyProof(r, 0, 3), 'oldSize', {}],
    ['consistencyProof oldSize > newSize', () => consistencyProof(r, 4, 3), 'oldSize', {}],
    ['consistencyProof fractional newSize', () => consistencyProof(r, 1, 3.5), 'newSize', { field: 'newSize' }],
    ['verifyInclusion negative bigint index', () => verifyInclusion(h, -1n, 3n, [], h), 'index', { field: 'index' }],
    ['verifyInclusion index past uint64', () => verifyInclusion(h, 1n << 64n, 3n, [], h), 'index', { field: 'index' }],
    ['verifyInclusion unsafe number size', () => verifyInclusion(h, 0, 2 ** 53, [], h), 'size', { field: 'size' }],
    ['verifyInclusion proof not an array', () => verifyInclusion(h, 0, 1, h as unknown as Uint8Array[], h), 'proof', { field: 'proof' }],
    ['verifyInclusion proof item not bytes', () => verifyInclusion(h, 0, 1, ['00'] as unknown as Uint8Array[], h), 'proof[0]', { field: 'proof[0]' }],
    ['verifyInclusion root not bytes', () => verifyInclusion(h, 0, 1, [], toHex(h) as unknown as Uint8Array), 'root', { field: 'root' }],
    ['verifyInclusion leaf not bytes', () => verifyInclusion(null as unknown as Uint8Array, 0, 1, [], h), 'leaf', { field: 'leaf' }],
    ['rootFromInclusionProof fractional index', () => rootFromInclusionProof(h, 0.5, 1, []), 'index', { field: 'index' }],
    ['verifyConsistency negative oldSize', () => verifyConsistency(-1, 3, h, h, []), 'oldSize', { field: 'oldSize' }],
    ['verifyConsistency newSize past uint64', () => verifyConsistency(1n, 1n << 64n, h, h, []), 'newSize', { field: 'newSize' }],
    ['verifyConsistency oldRoot not bytes', () => verifyConsistency(1, 1, [] as unknown as Uint8Array, h, []), 'oldRoot', { field: 'oldRoot' }],
    ['verifyConsistency proof item not bytes', () => verifyConsistency(1, 2, h, h, [h, 7 as unknown as Uint8Array]), 'proof[1]', { field: 'proof[1]' }],
    ['leafHash of a string', () => leafHash('abc' as unknown as Uint8Array), 'entry', { field: 'entry' }],
    ['nodeHash of a number', () => nodeHash(h, 1 as unknown as Uint8Array), 'right', { field: 'right' }],
    ['rootFromLeaves of 31 bytes', () => rootFromLeaves([h, h.subarray(1)]), 'leafHashes[1]', { field: 'leafHashes[1]' }],
    ['MerkleAccumulator negative size', () => new MerkleAccumulator(-1), 'size', { field: 'size' }],
    ['MerkleAccumulator missing peaks', () => new MerkleAccumulator(3, [h]), 'peaks', {}],
    ['MerkleAccumulator short peak', () => new MerkleAccumulator(1, [h.subarray(1)]), 'peaks[0]', { field: 'peaks[0]' }],
    ['MerkleAccumulator.push 33 bytes', () => new MerkleAccumulator().push(concatBytes(h, h.subarray(0, 1))), 'leaf', { field: 'leaf' }],
    ['MerkleAccumulator.push past 2^53 - 1', () => new MerkleAccumulator(Number.MAX_SAFE_INTEGER, Array(53).fill(h)).push(h), '2^53', {}],
    ['rootAt with null as reader', () => rootAt(null as unknown as NodeReader, 3), 'reader', { field: 'reader' }],
    ['rootAt with a string as reader', () => rootAt('node' as unknown as NodeReader, 3), 'reader', { field: 'reader' }],
    ['inclusionProof with null as reader', () => inclusionProof(null as unknown as NodeReader, 0, 3), 'reader', { field: 'reader' }],
    ['consistencyProof negative oldSize', () => consistencyProof(r, -1, 3), 'oldSize', { field: 'oldSize' }],
    ['rootFromInclusionProof leaf not bytes', () => rootFromInclusionProof('leaf' as unknown as Uint8Array, 0, 1, []), 'leaf', { field: 'leaf' }],
    ['rootFromInclusionProof negative size', () => rootFromInclusionProof(h, 0, -1, []), 'size', { field: 'size' }],
    ['rootFromInclusionProof proof not an array', () => rootFromInclusionProof(h, 0, 1, h as unknown as Uint8Array[]), 'proof', { field: 'proof' }],
    ['verifyConsistency newRoot not bytes', () => verifyConsistency(1, 1, h, toHex(h) as unknown as Uint8Array, []), 'newRoot', { field: 'newRoot' }],
    ['nodeHash with a number as left child', () => nodeHash(1 as unknown as Uint8Array, h), 'left', { field: 'left' }],
    ['rootFromLeaves of null', () => rootFromLeaves(null as unknown as Uint8Array[]), 'leafHashes', {}],
    ['rootFromLeaves of an array-like object', () => rootFromLeaves({ length: 0 } as unknown as Uint8Array[]), 'leafHashes', {}],
    ['MerkleAccumulator with null as peaks', () => new MerkleAccumulator(0, null as unknown as Uint8Array[]), 'peaks', {}],
  ];
  for (const [name, f, mentions, details] of bad) {
    it(`${name}: INVALID_ARGUMENT, details ${JSON.stringify(details)}`, () => {
      expectLedgerError(f, 'INVALID_ARGUMENT', mentions);
      expect(detailsOf(f)).toEqual(details);
    });
  }

  it('a stored node that is not 32 bytes is STORAGE_ERROR, not a wrong root', () => {
    const broken: NodeReader = { node: (level, index) => (level === 1 && index === 2 ? h.subarray(1) : levels[level]![index]!) };
    expectLedgerError(() => rootAt(broken, 6), 'STORAGE_ERROR', '(1, 2)');
    expect(detailsOf(() => rootAt(broken, 6))).toEqual({ level: 1, index: 2 });
    expectLedgerError(() => inclusionProof(broken, 0, 6), 'STORAGE_ERROR');
    expectLedgerError(() => consistencyProof(broken, 4, 6), 'STORAGE_ERROR');
    expectLedgerError(() => MerkleAccumulator.fromReader(broken, 6), 'STORAGE_ERROR');
    expect(toHex(rootAt(broken, 4))).toBe(toHex(refRoots[4]!));
  });

  it('Buffers from a store come back as plain Uint8Arrays', () => {
    const bufferReader: NodeReader = { node: (level, index) => Buffer.from(levels[level]![index]!) };
    const proofs = [...inclusionProof(bufferReader, 5, 6), ...consistencyProof(bufferReader, 3, 6), rootAt(bufferReader, 4)];
    for (const p of proofs) expect(p.constructor).toBe(Uint8Array);
    expect(MerkleAccumulator.fromReader(bufferReader, 6).peaks().every((p) => p.constructor === Uint8Array)).toBe(true);
  });

  it('reader errors pass through unchanged', () => {
    const missing = new LedgerError('NOT_FOUND', 'no such node');
    const reader: NodeReader = {
      node: () => {
        throw missing;
      },
    };
    expect(() => rootAt(reader, 5)).toThrow(missing);
  });
});
