// The verifier's witness policy (format.md §6.4): k of n listed witnesses
// must have cosigned the checkpoint; lines by other keys are ignored; a
// listed witness's line that does not verify fails the note. Run on the
// public tlog-cosignature vectors as they are, then in the attacker's order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  LedgerError,
  assertWitnessPolicy,
  ed25519PublicKey,
  evaluateWitnessPolicy,
  formatCosignatureVerifierKey,
  parseSignerKey,
  signCheckpoint,
  signCosignature,
  witnessPolicy,
} from '../src/index.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { hex, loadVectors } from './helpers/vectors.js';
import { codeOf } from './helpers/codes.js';

interface CosignatureVectors {
  derivedCosignatures: {
    ed25519SeedHex: string;
    cosignatureVkey: string;
    vectors: Array<{ desc: string; cosignerName: string; timestamp: string; checkpointBody: string; signatureLine: string }>;
  };
}
const V = loadVectors<CosignatureVectors>('tlog-cosignature.json').derivedCosignatures;

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const witness = (name: string, n: number) => ({ name, seed: seed(n), vkey: formatCosignatureVerifierKey(name, ed25519PublicKey(seed(n))) });
const W1 = witness('city.example/witness', 1);
const W2 = witness('province.example/witness', 2);
const W3 = witness('auditor.example/witness', 3);
const log = parseSignerKey(KEYS.skey);
const note = (size: number, root: Uint8Array = EMPTY_ROOT) => signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, [log]);
const cosign = (n: string, w: typeof W1, t = 1_795_000_000) => signCosignature(n, w.name, w.seed, t);

describe('witness policy on the public cosignature vectors (tlog-cosignature.json)', () => {
  it.each(V.vectors)('$desc: the derived cosignature meets a policy of its witness', (v) => {
    const cosigned = `${v.checkpointBody}\n${v.signatureLine}`;
    const r = evaluateWitnessPolicy(cosigned, witnessPolicy([V.cosignatureVkey]));
    expect(r).toMatchObject({ ok: true, quorum: 1, of: 1, missing: [], invalid: [], ignored: 0 });
    expect(r.cosigned).toEqual([{ name: v.cosignerName, keyId: V.cosignatureVkey.split('+')[1], timestamp: Number(v.timestamp) }]);
    // The witness's seed signs the same line again: Ed25519 is deterministic.
    expect(signCosignature(v.checkpointBody, v.cosignerName, hex(V.ed25519SeedHex), BigInt(v.timestamp))).toBe(v.signatureLine);
  });

  it.each(V.vectors)('$desc: moved onto another checkpoint text, it fails the note', (v) => {
    const moved = `${v.checkpointBody.replace(/\n\d+\n/, '\n9\n')}\n${v.signatureLine}`;
    const r = evaluateWitnessPolicy(moved, witnessPolicy([V.cosignatureVkey]));
    expect(r).toMatchObject({ ok: false, code: 'COSIGNATURE_INVALID', invalid: [`witness+${V.cosignatureVkey.split('+')[1]}`], cosigned: [] });
  });
});

describe('witness policy: k of n', () => {
  it('counts each listed witness once, ignores other keys, defaults to all of them', async () => {
    const n = await note(3);
    const cosigned = n + cosign(n, W1) + cosign(n, W1, 1_795_000_100) + cosign(n, W3);
    const all = evaluateWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W2.vkey]));
    expect(all).toMatchObject({ ok: false, code: 'WITNESS_QUORUM_NOT_MET', quorum: 2, of: 2, missing: [`${W2.name}+${W2.vkey.split('+')[1]}`] });
    expect(all.ignored).toBe(2); // the log's line and W3's
    const one = evaluateWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W2.vkey], 1));
    expect(one).toMatchObject({ ok: true, quorum: 1, of: 2 });
    expect(one.cosigned.map((c) => [c.name, c.timestamp])).toEqual([[W1.name, 1_795_000_000]]); // the earliest of its lines
    expect(evaluateWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W1.vkey, W3.vkey])).ok).toBe(true); // a key given twice counts once
  });

  it('a listed witness whose line does not verify fails the note, whatever the others say', async () => {
    const n = await note(3);
    const other = await note(4);
    const cosigned = n + cosign(n, W1) + cosign(n, W2) + cosign(other, W3);
    const r = evaluateWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W2.vkey, W3.vkey], 2));
    expect(r).toMatchObject({ ok: false, code: 'COSIGNATURE_INVALID', invalid: [`${W3.name}+${W3.vkey.split('+')[1]}`] });
    expect(r.cosigned).toHaveLength(2);
    expect(codeOf(() => assertWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W3.vkey], 1)))).toBe('INVALID_SIGNATURE');
    // Unlisted, the same bad line is ignored (signed-note: unknown keys are ignored).
    expect(evaluateWitnessPolicy(cosigned, witnessPolicy([W1.vkey, W2.vkey])).ok).toBe(true);
  });

  it("a listed witness's line of another signature type (a plain Ed25519 note signature) is not a cosignature", async () => {
    const n = await note(3);
    // A 68-byte line (key ID ‖ 64-byte signature) under the witness's cosignature key ID.
    const line = `— ${W1.name} ${Buffer.concat([Buffer.from(W1.vkey.split('+')[1]!, 'hex'), Buffer.alloc(64, 7)]).toString('base64')}\n`;
    expect(evaluateWitnessPolicy(n + line, witnessPolicy([W1.vkey]))).toMatchObject({ ok: false, code: 'COSIGNATURE_INVALID' });
  });

  it('refuses a policy that means nothing', () => {
    expect(codeOf(() => witnessPolicy([]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => witnessPolicy([W1.vkey], 0))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => witnessPolicy([W1.vkey, W1.vkey], 2))).toBe('INVALID_ARGUMENT'); // one distinct witness
    expect(codeOf(() => witnessPolicy([KEYS.vkey]))).toBe('MALFORMED_KEY'); // a log key is not a cosignature key
  });

  it('assertWitnessPolicy throws WITNESS_QUORUM_NOT_MET with what is missing', async () => {
    const n = await note(1);
    const e = (() => {
      try {
        assertWitnessPolicy(n + cosign(n, W1), witnessPolicy([W1.vkey, W2.vkey]));
      } catch (x) {
        return x as LedgerError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('WITNESS_QUORUM_NOT_MET');
    expect(e?.details).toMatchObject({ quorum: 2, cosigned: 1 });
  });
});

describe('witness policy, attacker first', () => {
  it("the key holder's fork carries the honest checkpoint's cosignatures: they fail it", async () => {
    // The witnesses cosigned the honest checkpoint of size 5.
    const honest = await note(5, new Uint8Array(32).fill(1));
    const lines = cosign(honest, W1) + cosign(honest, W2);
    // The key holder signs another root for size 5 and copies the lines over.
    const fork = await note(5, new Uint8Array(32).fill(2));
    const shown = fork + lines;
    const r = evaluateWitnessPolicy(shown, witnessPolicy([W1.vkey, W2.vkey], 1));
    expect(r.ok).toBe(false);
    expect(r.code).toBe('COSIGNATURE_INVALID');
    expect(evaluateWitnessPolicy(honest + lines, witnessPolicy([W1.vkey, W2.vkey])).ok).toBe(true);
  });

  it('any single-byte change to a cosigned note makes the policy fail or leaves the note refused', async () => {
    const n = await note(7, new Uint8Array(32).fill(9));
    const cosigned = n + cosign(n, W1);
    const policy = witnessPolicy([W1.vkey]);
    const bytes = Buffer.from(cosigned, 'utf8');
    fc.assert(
      fc.property(fc.integer({ min: n.indexOf('\n\n') + 2, max: bytes.length - 2 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const changed = Buffer.from(bytes);
        changed[at] = changed[at]! ^ x;
        let ok = false;
        try {
          ok = evaluateWitnessPolicy(new Uint8Array(changed), policy).ok;
        } catch (e) {
          expect(e).toBeInstanceOf(LedgerError);
        }
        // A change in the log's own line leaves the witness's valid: only the witness's line is the policy's.
        // `at` is a byte offset: the note's length in bytes (its signature lines start with a 3-byte em dash).
        const inWitnessLine = at >= Buffer.byteLength(n, 'utf8');
        if (inWitnessLine) expect(ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
