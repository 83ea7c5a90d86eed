/**
 * Ed25519 edge cases on every signature path (issue 4, "Hostile input").
 *
 * test/ed25519.test.ts already runs the public sets (RFC 8032 §7.1, the 151
 * Wycheproof cases, the 12 ed25519-speccheck cases) against ed25519Verify on
 * both providers (noble and node:crypto) and pins the verdict policy of
 * format.md §4.4 (speccheck verdict string XXVVXXXXXXXX). This file adds
 * what that leaves out: the same vectors through the *callers* of
 * ed25519Verify, and edge signatures built over the messages those callers
 * really sign.
 *
 * Signature paths:
 * - checkpoint notes: parseVerifierKey → NoteVerifier.verify → openNote /
 *   openCheckpoint, used for stored checkpoints, trusted checkpoints, proof
 *   files, witness bodies and bundles;
 * - actor signatures: verifyActorSignature, used at append (INVALID_SIGNATURE)
 *   and by verification (ACTOR_SIGNATURE_INVALID).
 *
 * A "yes-man" provider whose verify accepts everything shows that the policy
 * checks (canonical, not-small-order key; S < L; lengths) sit in front of any
 * provider on both paths.
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { copyFileSync } from 'node:fs';
import {
  LedgerError,
  actorSignatureMessage,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  encodeEntry,
  entryStatement,
  decodeEntry,
  formatCheckpoint,
  formatSignatureLine,
  formatVerifierKey,
  installNodeCrypto,
  isValidEd25519PublicKey,
  leafHash,
  nobleEd25519,
  nobleHashes,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  prepareStatement,
  setEd25519Provider,
  setHashProvider,
  signStatement,
  utf8,
  verifyActorSignature,
  verifyLedger,
  type Ed25519Provider,
  type Statement,
} from '../../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, rawOpen } from '../helpers/ledgers.js';
import { record } from '../helpers/reliability-config.js';
import { hex, loadVectors } from '../helpers/vectors.js';

afterAll(cleanupTempDirs);
afterEach(installNodeCrypto);

interface Vector {
  source: string;
  pk: Uint8Array;
  msg: Uint8Array;
  sig: Uint8Array;
  /** casetrail's verdict under format.md §4.4. */
  valid: boolean;
}

const SPECCHECK_POLICY = 'XXVVXXXXXXXX';
const vectors: Vector[] = [
  ...loadVectors<{ vectors: Array<{ name: string; publicKey: string; message: string; signature: string }> }>('rfc8032-ed25519.json').vectors.map((v) => ({
    source: `RFC 8032 ${v.name}`,
    pk: hex(v.publicKey),
    msg: hex(v.message),
    sig: hex(v.signature),
    valid: true,
  })),
  ...loadVectors<{ testGroups: Array<{ publicKey: { pk: string }; tests: Array<{ tcId: number; msg: string; sig: string; result: string }> }> }>('wycheproof-ed25519.json').testGroups.flatMap((g) =>
    g.tests.map((t) => ({ source: `Wycheproof ${t.tcId}`, pk: hex(g.publicKey.pk), msg: hex(t.msg), sig: hex(t.sig), valid: t.result === 'valid' })),
  ),
  ...loadVectors<{ cases: Array<{ index: number; pub_key: string; message: string; signature: string }> }>('ed25519-speccheck.json').cases.map((c) => ({
    source: `speccheck ${c.index}`,
    pk: hex(c.pub_key),
    msg: hex(c.message),
    sig: hex(c.signature),
    valid: SPECCHECK_POLICY[c.index] === 'V',
  })),
];

const providers: Array<{ name: string; install: () => void }> = [
  {
    name: 'noble',
    install: () => {
      setHashProvider(nobleHashes);
      setEd25519Provider(nobleEd25519);
    },
  },
  { name: 'node:crypto', install: installNodeCrypto },
];

/** A provider that accepts every signature: only the shared policy checks stand in the way. */
const yesMan: Ed25519Provider = { name: 'yes-man', publicKey: nobleEd25519.publicKey, sign: nobleEd25519.sign, verify: () => true };

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function withS(sig: Uint8Array, f: (s: bigint) => bigint): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  s = f(s);
  const out = sig.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 255n);
    s >>= 8n;
  }
  return out;
}

const SEED = Uint8Array.from({ length: 32 }, (_, i) => 77 + i);
/** Encoding of the identity point (small order 1). */
const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
/** A non-canonical encoding of y = 1 (y + p). */
const IDENTITY_NON_CANONICAL = hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
/** A point of order 2, (0, −1). */
const ORDER_TWO = hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

/**
 * Edge signatures over a message. `policy` marks those the shared policy
 * checks refuse whatever the provider says.
 */
function edgeCases(msg: Uint8Array): Array<{ what: string; pk: Uint8Array; sig: Uint8Array; valid: boolean; policy: boolean }> {
  const pk = ed25519PublicKey(SEED);
  const sig = ed25519Sign(SEED, msg);
  const universal = new Uint8Array(64);
  universal.set(IDENTITY, 0); // R = identity, S = 0: satisfies [S]B = R + [k]A for every message when A is the identity
  const nonCanonicalR = sig.slice();
  nonCanonicalR.set(IDENTITY_NON_CANONICAL, 0);
  return [
    { what: 'valid', pk, sig, valid: true, policy: false },
    { what: 'S + L (malleated)', pk, sig: withS(sig, (s) => s + L), valid: false, policy: true },
    { what: 'S = L', pk, sig: withS(sig, () => L), valid: false, policy: true },
    { what: 'S = 2^256 - 1', pk, sig: withS(sig, () => 2n ** 256n - 1n), valid: false, policy: true },
    { what: 'universal signature under the identity key', pk: IDENTITY, sig: universal, valid: false, policy: true },
    { what: 'universal signature under a non-canonical identity key', pk: IDENTITY_NON_CANONICAL, sig: universal, valid: false, policy: true },
    { what: 'universal signature under a point of order 2', pk: ORDER_TWO, sig: universal, valid: false, policy: true },
    { what: 'signature with a non-canonical R', pk, sig: nonCanonicalR, valid: false, policy: false },
    { what: 'signature truncated to 63 bytes', pk, sig: sig.subarray(0, 63), valid: false, policy: true },
    { what: 'key of 31 bytes', pk: pk.subarray(0, 31), sig, valid: false, policy: true },
    { what: 'one bit of R flipped', pk, sig: sig.map((b, i) => (i === 3 ? b ^ 4 : b)), valid: false, policy: false },
  ];
}

describe.each(providers)('checkpoint-note path on $name', ({ install }) => {
  test('every public vector: the key is refused by parseVerifierKey exactly when the policy refuses it, and the verifier gives the policy verdict', () => {
    install();
    let keyRefused = 0;
    for (const v of vectors) {
      const vkey = formatVerifierKey('vector.test/key', v.pk);
      let verifier;
      try {
        verifier = parseVerifierKey(vkey);
      } catch (e) {
        expect(e, v.source).toBeInstanceOf(LedgerError);
        expect((e as LedgerError).code, v.source).toBe('MALFORMED_KEY');
        expect(isValidEd25519PublicKey(v.pk), v.source).toBe(false);
        expect(v.valid, v.source).toBe(false);
        keyRefused++;
        continue;
      }
      expect(verifier.verify(v.msg, v.sig), v.source).toBe(v.valid);
    }
    expect(vectors.length).toBe(5 + 151 + 12);
    expect(keyRefused).toBeGreaterThan(0);
    record('signatures.notePathVectors', vectors.length);
  });

  test('edge signatures over a real checkpoint body are refused by openCheckpoint with coded errors', () => {
    install();
    const body = formatCheckpoint({ origin: 'edge.test/log', size: 3, root: leafHash(utf8('r')), extensions: [] });
    for (const c of edgeCases(utf8(body))) {
      if (c.pk.length !== 32 || c.sig.length !== 64) continue; // not expressible as a key string / a note line of this key
      let verifier;
      try {
        verifier = parseVerifierKey(formatVerifierKey('edge.test/log', c.pk));
      } catch (e) {
        expect((e as LedgerError).code, c.what).toBe('MALFORMED_KEY');
        expect(c.valid, c.what).toBe(false);
        continue;
      }
      const note = `${body}\n${formatSignatureLine('edge.test/log', verifier.keyId, c.sig)}`;
      let accepted = false;
      try {
        openCheckpoint(note, [verifier]);
        accepted = true;
      } catch (e) {
        expect((e as LedgerError).code, c.what).toBe('INVALID_SIGNATURE');
      }
      expect(accepted, c.what).toBe(c.valid);
    }
  });
});

describe.each(providers)('actor-signature path on $name', ({ install }) => {
  const statement: Statement = prepareStatement({ origin: ORIGIN, caseId: 'C-1', type: 'approval', actor: 'director', data: { ok: true }, time: 1_800_000_000_000 }).statement;

  test('edge signatures over a real statement: verifyActorSignature gives the policy verdict', () => {
    install();
    for (const c of edgeCases(actorSignatureMessage(statement))) {
      expect(verifyActorSignature(statement, { publicKey: c.pk, signature: c.sig }), c.what).toBe(c.valid);
      expect(ed25519Verify(c.pk, actorSignatureMessage(statement), c.sig), c.what).toBe(c.valid);
    }
  });

  test('at append: each invalid edge signature is refused with INVALID_SIGNATURE and nothing is written', async () => {
    install();
    const l = await newLedger();
    const prepared = prepareStatement({ origin: ORIGIN, caseId: 'C-1', type: 'approval', actor: 'director', data: { ok: true } });
    let refused = 0;
    for (const c of edgeCases(actorSignatureMessage(prepared.statement))) {
      const step = {
        caseId: 'C-1',
        type: 'approval',
        actor: 'director',
        payload: prepared.payload,
        salt: prepared.salt,
        time: prepared.statement.time,
        nonce: prepared.statement.nonce!,
        signatures: [{ publicKey: c.pk, signature: c.sig }],
      };
      if (c.valid) continue;
      await expect(l.append(step), c.what).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
      refused++;
    }
    expect(await l.size()).toBe(0);
    const ok = await l.append({
      caseId: 'C-1',
      type: 'approval',
      actor: 'director',
      payload: prepared.payload,
      salt: prepared.salt,
      time: prepared.statement.time,
      nonce: prepared.statement.nonce!,
      signatures: [signStatement(prepared.statement, SEED)],
    });
    expect(ok.seq).toBe(0);
    await l.close();
    expect(refused).toBe(10);
  });

  test('in verification: a stored entry carrying an edge signature is reported as ACTOR_SIGNATURE_INVALID at its seq', async () => {
    install();
    const l = await newLedger();
    await l.append({ caseId: 'C-0', type: 'opened', actor: 'clerk' });
    await l.append({ caseId: 'C-1', type: 'approval', actor: 'director', signWith: [SEED] });
    await l.close();
    const db = rawOpen(l.path);
    const original = db.prepare('SELECT bytes FROM entries WHERE seq = 1').pluck().get() as Buffer;
    db.close();
    const entry = decodeEntry(Uint8Array.from(original));
    const statement = entryStatement(entry, ORIGIN);
    for (const c of edgeCases(actorSignatureMessage(statement))) {
      if (c.valid || c.pk.length !== 32 || c.sig.length !== 64) continue; // other lengths cannot be encoded (format.md §4.1)
      const copy = `${l.path}.${c.what.replace(/\W+/g, '-')}`;
      copyFileSync(l.path, copy);
      const bytes = encodeEntry({ ...entry, sigs: [{ publicKey: c.pk, signature: c.sig }] });
      const raw = rawOpen(copy);
      raw.prepare('UPDATE entries SET bytes = ?, leaf = ? WHERE seq = 1').run(Buffer.from(bytes), Buffer.from(leafHash(bytes)));
      raw.close();
      const report = await verifyLedger(copy, { vkey: KEYS.vkey });
      expect(report.issues, c.what).toContainEqual(expect.objectContaining({ code: 'ACTOR_SIGNATURE_INVALID', seq: 1 }));
    }
  });
});

describe('the policy checks stand in front of any provider', () => {
  test('with a provider that accepts everything, policy-refused keys and signatures are still refused on both paths', async () => {
    setEd25519Provider(yesMan);
    try {
      const body = formatCheckpoint({ origin: 'edge.test/log', size: 3, root: leafHash(utf8('r')), extensions: [] });
      const statement = prepareStatement({ origin: 'edge.test/log', caseId: 'C', type: 't', actor: 'a', time: 1 }).statement;
      let checked = 0;
      for (const c of edgeCases(utf8(body)).filter((x) => x.policy)) {
        expect(ed25519Verify(c.pk, utf8(body), c.sig), c.what).toBe(false);
        if (c.pk.length === 32) {
          const parsed = (() => {
            try {
              return parseVerifierKey(formatVerifierKey('edge.test/log', c.pk));
            } catch (e) {
              return (e as LedgerError).code;
            }
          })();
          if (typeof parsed === 'string') expect(parsed, c.what).toBe('MALFORMED_KEY');
          else expect(parsed.verify(utf8(body), c.sig), c.what).toBe(false);
        }
        checked++;
      }
      for (const c of edgeCases(actorSignatureMessage(statement)).filter((x) => x.policy)) {
        expect(verifyActorSignature(statement, { publicKey: c.pk, signature: c.sig }), c.what).toBe(false);
        checked++;
      }
      // Sanity: the yes-man really is in charge of the rest.
      expect(ed25519Verify(ed25519PublicKey(SEED), utf8(body), new Uint8Array(64))).toBe(true);
      expect(checked).toBe(16);
      // Everything beyond the policy checks is the provider's equation: with the
      // yes-man, 64 zero bytes pass as the ledger key's signature. A provider
      // is part of the trusted base; setEd25519Provider is for hosts, not input.
      const real = parseSignerKey(KEYS.skey);
      const note = `${formatCheckpoint({ origin: ORIGIN, size: 0, root: new Uint8Array(32), extensions: [] })}\n${formatSignatureLine(ORIGIN, real.keyId, new Uint8Array(64))}`;
      expect(openCheckpoint(note, [parseVerifierKey(KEYS.vkey)]).size).toBe(0);
    } finally {
      installNodeCrypto();
    }
  });

  test('both providers give the same verdict on every vector through the note path', () => {
    const verdicts = providers.map((p) => {
      p.install();
      return vectors.map((v) => {
        let note: boolean | string;
        try {
          note = parseVerifierKey(formatVerifierKey('vector.test/key', v.pk)).verify(v.msg, v.sig);
        } catch (e) {
          note = (e as LedgerError).code;
        }
        return [note, ed25519Verify(v.pk, v.msg, v.sig)];
      });
    });
    expect(verdicts[1]).toEqual(verdicts[0]);
  });
});
