/**
 * Ed25519 under the format.md §4.4 policy, on both providers, against every
 * case of the public sets: RFC 8032 §7.1, Wycheproof (151) and
 * ed25519-speccheck (12).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, toHex } from '../src/index.js';
import {
  ed25519Provider,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  generateSeed,
  isValidEd25519PublicKey,
  nobleEd25519,
  setEd25519Provider,
  type Ed25519Provider,
} from '../src/index.js';
import { isLedgerError } from '../src/index.js';
import { hashProvider, nobleHashes, setHashProvider } from '../src/index.js';
import { installNodeCrypto, nodeEd25519, nodeHashes } from '../src/index.js';
import { hex, loadVectors } from './helpers/vectors.js';

interface Rfc8032File {
  vectors: { name: string; secretKey: string; publicKey: string; message: string; messageLength: number; signature: string }[];
}
interface WycheproofFile {
  numberOfTests: number;
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string; comment: string }[] }[];
}
type Policy = 'rfc8032_strict_cofactored' | 'rfc8032_strict_cofactorless' | 'openssl' | 'noble_zip215_false' | 'zip215';
interface SpeccheckFile {
  summary: Record<Policy, string>;
  cases: {
    index: number;
    message: string;
    pub_key: string;
    signature: string;
    condition: { comment: string };
    derivedProperties: {
      A_encoding_valid_rfc8032: boolean;
      R_encoding_valid_rfc8032: boolean;
      S_less_than_L: boolean;
      A_small_order: boolean;
      cofactorless_equation_holds: boolean;
    };
    expected: Record<Policy, boolean>;
  }[];
}

const rfc = loadVectors<Rfc8032File>('rfc8032-ed25519.json');
const wycheproof = loadVectors<WycheproofFile>('wycheproof-ed25519.json');
const speccheck = loadVectors<SpeccheckFile>('ed25519-speccheck.json');

/** casetrail's verdicts on speccheck cases 0..11 (format.md §4.4). */
const POLICY = 'XXVVXXXXXXXX';

const wycheproofCases = wycheproof.testGroups.flatMap((g) =>
  g.tests.map((t) => ({ ...t, pk: hex(g.publicKey.pk), msgBytes: hex(t.msg), sigBytes: hex(t.sig) })),
);

const providers: { name: string; provider: Ed25519Provider; install: () => void }[] = [
  {
    name: 'noble',
    provider: nobleEd25519,
    install: () => {
      setHashProvider(nobleHashes);
      setEd25519Provider(nobleEd25519);
    },
  },
  { name: 'node:crypto', provider: nodeEd25519, install: installNodeCrypto },
];

function restoreDefaults(): void {
  setHashProvider(nobleHashes);
  setEd25519Provider(nobleEd25519);
}

function verdictString(verify: (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean): string {
  return speccheck.cases.map((c) => (verify(hex(c.pub_key), hex(c.message), hex(c.signature)) ? 'V' : 'X')).join('');
}

describe('vector files', () => {
  it('hold the expected number of cases', () => {
    expect(rfc.vectors).toHaveLength(5);
    expect(wycheproofCases).toHaveLength(151);
    expect(wycheproof.numberOfTests).toBe(151);
    expect(speccheck.cases).toHaveLength(12);
    expect(speccheck.cases.map((c) => c.index)).toEqual([...Array(12).keys()]);
  });
});

describe.each(providers)('provider $name', ({ name, install }) => {
  beforeAll(install);
  afterAll(restoreDefaults);

  it('is installed', () => {
    expect(ed25519Provider().name).toBe(name);
    expect(hashProvider().name).toBe(name === 'noble' ? 'noble' : 'node:crypto');
  });

  it.each(rfc.vectors)('RFC 8032 $name: public key, deterministic signature, verify', (v) => {
    const seed = hex(v.secretKey);
    const msg = hex(v.message);
    expect(msg.length).toBe(v.messageLength);
    expect(toHex(ed25519PublicKey(seed))).toBe(v.publicKey);
    expect(toHex(ed25519Sign(seed, msg))).toBe(v.signature);
    expect(ed25519Verify(hex(v.publicKey), msg, hex(v.signature))).toBe(true);
    const flipped = hex(v.signature);
    flipped[0]! ^= 1;
    expect(ed25519Verify(hex(v.publicKey), msg, flipped)).toBe(false);
    const otherMsg = concatBytes(msg, Uint8Array.of(0));
    expect(ed25519Verify(hex(v.publicKey), otherMsg, hex(v.signature))).toBe(false);
  });

  it('Wycheproof: all 151 verdicts equal `result`', () => {
    const wrong = wycheproofCases
      .filter((t) => ed25519Verify(t.pk, t.msgBytes, t.sigBytes) !== (t.result === 'valid'))
      .map((t) => `tcId ${t.tcId} (${t.result}, ${t.comment})`);
    expect(wrong).toEqual([]);
    expect(wycheproofCases.filter((t) => t.result === 'valid')).toHaveLength(88);
  });

  it.each(speccheck.cases)('speccheck case $index ($condition.comment)', (c) => {
    const ours = ed25519Verify(hex(c.pub_key), hex(c.message), hex(c.signature));
    expect(ours).toBe(POLICY[c.index] === 'V');
    // The policy in one line: strict decoding of A and R, S < L, A not of
    // small order, cofactorless equation.
    const d = c.derivedProperties;
    expect(ours).toBe(
      d.A_encoding_valid_rfc8032 && d.R_encoding_valid_rfc8032 && d.S_less_than_L && !d.A_small_order && d.cofactorless_equation_holds,
    );
    // It is the conjunction of RFC 8032 cofactorless (or OpenSSL) with noble's
    // small-order and canonical-encoding refusals.
    expect(ours).toBe(c.expected.rfc8032_strict_cofactorless && c.expected.noble_zip215_false);
    expect(ours).toBe(c.expected.openssl && c.expected.noble_zip215_false);
    // Where all four strict policies agree, so do we.
    const strict = [
      c.expected.rfc8032_strict_cofactored,
      c.expected.rfc8032_strict_cofactorless,
      c.expected.openssl,
      c.expected.noble_zip215_false,
    ];
    if (strict.every((v) => v === strict[0])) expect(ours).toBe(strict[0]);
  });

  it('speccheck: the verdict string is XXVVXXXXXXXX', () => {
    expect(verdictString(ed25519Verify)).toBe(POLICY);
  });

  it('rejects S + L (signature malleability) and R with the sign bit flipped', () => {
    const v = rfc.vectors[1]!;
    const sig = hex(v.signature);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    s += L;
    const malleable = sig.slice();
    for (let i = 32; i < 64; i++) {
      malleable[i] = Number(s & 255n);
      s >>= 8n;
    }
    expect(s).toBe(0n);
    expect(ed25519Verify(hex(v.publicKey), hex(v.message), malleable)).toBe(false);
    const r = sig.slice();
    r[31]! ^= 0x80;
    expect(ed25519Verify(hex(v.publicKey), hex(v.message), r)).toBe(false);
  });

  it('returns false on wrong lengths, throws INVALID_ARGUMENT on wrong types', () => {
    const v = rfc.vectors[0]!;
    const pk = hex(v.publicKey);
    const sig = hex(v.signature);
    expect(ed25519Verify(pk.subarray(0, 31), new Uint8Array(0), sig)).toBe(false);
    expect(ed25519Verify(concatBytes(pk, Uint8Array.of(0)), new Uint8Array(0), sig)).toBe(false);
    expect(ed25519Verify(pk, new Uint8Array(0), sig.subarray(0, 63))).toBe(false);
    expect(ed25519Verify(pk, new Uint8Array(0), concatBytes(sig, Uint8Array.of(0)))).toBe(false);
    for (const call of [
      () => ed25519Verify(v.publicKey as unknown as Uint8Array, new Uint8Array(0), sig),
      () => ed25519Verify(pk, '' as unknown as Uint8Array, sig),
      () => ed25519Verify(pk, new Uint8Array(0), null as unknown as Uint8Array),
      () => ed25519Sign(new Uint8Array(31), new Uint8Array(0)),
      () => ed25519Sign(hex(v.secretKey), 'x' as unknown as Uint8Array),
      () => ed25519PublicKey(new Uint8Array(33)),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('property: sign then verify; any bit flip in the signature fails', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(511), (seed, msg, bit) => {
        const pk = ed25519PublicKey(seed);
        const sig = ed25519Sign(seed, msg);
        expect(ed25519Verify(pk, msg, sig)).toBe(true);
        const bad = sig.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(ed25519Verify(pk, msg, bad)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

describe('both providers agree', () => {
  afterAll(restoreDefaults);

  it('give identical ed25519Verify verdicts on every vector', () => {
    const all = [
      ...rfc.vectors.map((v) => ({ pk: hex(v.publicKey), msg: hex(v.message), sig: hex(v.signature) })),
      ...wycheproofCases.map((t) => ({ pk: t.pk, msg: t.msgBytes, sig: t.sigBytes })),
      ...speccheck.cases.map((c) => ({ pk: hex(c.pub_key), msg: hex(c.message), sig: hex(c.signature) })),
    ];
    expect(all).toHaveLength(5 + 151 + 12);
    const verdicts = providers.map((p) => {
      p.install();
      return all.map((c) => ed25519Verify(c.pk, c.msg, c.sig));
    });
    expect(verdicts[1]).toEqual(verdicts[0]);
  });

  it('raw providers: noble is RFC 8032 cofactorless, node:crypto is OpenSSL; the pre-checks bridge them', () => {
    expect(verdictString((pk, m, s) => nobleEd25519.verify(pk, m, s))).toBe(speccheck.summary.rfc8032_strict_cofactorless);
    expect(verdictString((pk, m, s) => nodeEd25519.verify(pk, m, s))).toBe(speccheck.summary.openssl);
  });

  it('property: same public keys and signatures from both providers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const pk = nobleEd25519.publicKey(seed);
        expect(toHex(nodeEd25519.publicKey(seed))).toBe(toHex(pk));
        const sig = nobleEd25519.sign(seed, msg);
        expect(toHex(nodeEd25519.sign(seed, msg))).toBe(toHex(sig));
        expect(nobleEd25519.verify(pk, msg, sig)).toBe(true);
        expect(nodeEd25519.verify(pk, msg, sig)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('property: same SHA-256 and SHA-512 from both hash providers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (data) => {
        expect(toHex(nodeHashes.sha256(data))).toBe(toHex(nobleHashes.sha256(data)));
        expect(toHex(nodeHashes.sha512(data))).toBe(toHex(nobleHashes.sha512(data)));
      }),
      { numRuns: 300 },
    );
  });

  it('node:crypto signs correctly after a seed array is changed in place', () => {
    const seed = hex(rfc.vectors[0]!.secretKey);
    expect(toHex(nodeEd25519.publicKey(seed))).toBe(rfc.vectors[0]!.publicKey);
    seed.set(hex(rfc.vectors[1]!.secretKey));
    expect(toHex(nodeEd25519.publicKey(seed))).toBe(rfc.vectors[1]!.publicKey);
    expect(toHex(nodeEd25519.sign(seed, hex(rfc.vectors[1]!.message)))).toBe(rfc.vectors[1]!.signature);
  });
});

describe('key policy and seeds', () => {
  it('isValidEd25519PublicKey refuses small-order and non-canonical keys', () => {
    for (const c of speccheck.cases) {
      const d = c.derivedProperties;
      expect(isValidEd25519PublicKey(hex(c.pub_key))).toBe(d.A_encoding_valid_rfc8032 && !d.A_small_order);
    }
    expect(isValidEd25519PublicKey(hex(rfc.vectors[0]!.publicKey))).toBe(true);
    expect(isValidEd25519PublicKey(new Uint8Array(31))).toBe(false);
    // identity (y = 1) and y = p (non-canonical encoding of y = 0)
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(isValidEd25519PublicKey(identity)).toBe(false);
    expect(isValidEd25519PublicKey(hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(false);
  });

  it('generateSeed returns 32 fresh random bytes', () => {
    const a = generateSeed();
    const b = generateSeed();
    expect(a).toHaveLength(32);
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('setEd25519Provider refuses non-providers', () => {
    try {
      setEd25519Provider({} as Ed25519Provider);
      expect.unreachable();
    } catch (e) {
      expect(isLedgerError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(ed25519Provider()).toBe(nobleEd25519);
  });
});
