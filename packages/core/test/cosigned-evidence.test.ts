// Every artifact a ledger makes embeds its checkpoint's note with the
// witnesses' cosignature lines, byte for byte (format.md §6.3): the proof
// file, the bundle header and the add-checkpoint body. A verifier that knows
// only the ledger's key reads them as before; one with a witness policy
// finds the cosignatures there.
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleStep } from '../src/index.js';
import {
  ed25519PublicKey,
  evaluateWitnessPolicy,
  formatCosignatureVerifierKey,
  parseBundleLine,
  parseTlogProof,
  parseWitnessBody,
  signCosignature,
  toBase64,
  verifyBundle,
  verifyEntryProof,
  witnessPolicy,
} from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger, steps } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const seeds = [1, 2].map((n) => Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + n) & 0xff));
const names = ['province.example/witness', 'city.example/witness'];
const keys = seeds.map((s, i) => formatCosignatureVerifierKey(names[i]!, ed25519PublicKey(s)));

describe('artifacts carry the cosignatures stored with their checkpoint', () => {
  it('proof files, bundle headers and witness bodies hold the note and its lines verbatim', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(5));
    const cp = (await ledger.latestCheckpoint())!;
    const lines = seeds.map((s, i) => signCosignature(cp.note, names[i]!, s, 1_795_000_000 + i));
    for (const [i, line] of lines.entries()) await ledger.attachCosignature(cp.size, line, keys[i]!);
    const cosigned = (await ledger.latestCheckpoint())!;
    expect(cosigned.note).toBe(cp.note + lines.join(''));

    const proof = await ledger.tlogProof(2);
    expect(parseTlogProof(proof.text).checkpoint).toBe(cosigned.note);
    expect(proof.text.endsWith(`\n\n${cosigned.note}`)).toBe(true);
    expect(verifyEntryProof(proof.text, KEYS.vkey).index).toBe(2); // the ledger's key alone still verifies it

    let bundle = '';
    await ledger.exportBundle((l) => void (bundle += l), { created: null });
    const header = parseBundleLine(bundle.slice(0, bundle.indexOf('\n')), true);
    expect(header.kind === 'header' && header.header.checkpoint).toBe(cosigned.note);
    const report = await verifyBundle(bundle, KEYS.vkey, { witnessPolicy: witnessPolicy(keys) });
    expect(report.ok).toBe(true);
    expect(report.witnessed).toMatchObject({ ok: true, quorum: 2, of: 2 });

    const body = await ledger.witnessBody(2);
    expect(parseWitnessBody(body.body).checkpoint).toBe(cosigned.note);
    expect(evaluateWitnessPolicy(parseWitnessBody(body.body).checkpoint, witnessPolicy(keys)).ok).toBe(true);
    await ledger.close();
  });

  it('the bundle of a checkpoint without them fails the policy on line 1, its entries checked all the same', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(3));
    let bundle = '';
    await ledger.exportBundle((l) => void (bundle += l));
    await ledger.close();
    const r = await verifyBundle(bundle, KEYS.vkey, { witnessPolicy: witnessPolicy(keys, 1) });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.code, i.line])).toEqual([['WITNESS_QUORUM_NOT_MET', 1]]);
    expect(r.checked.proofs).toBe(3);
  });
});

describe('a bundle with steps under a witness policy: the policy, the strictness and the erasure refusal together', () => {
  /** A cosigned case whose first payload was erased, and its bundle with that payload written back by whoever exported it. */
  async function cosignedErasure(): Promise<{ hostile: string; secret: string }> {
    const ledger = await newLedger();
    await ledger.append({ caseId: 'P', type: 'complaint', actor: 'clerk', data: { name: '刘某' } });
    const original = await ledger.get(0);
    await ledger.append({ caseId: 'P', type: 'reviewed', actor: 'officer', data: { ok: true } });
    await ledger.redact(0, { reason: 'erasure request', actor: 'dpo' });
    const cp = (await ledger.latestCheckpoint())!;
    for (const [i, s] of seeds.entries()) await ledger.attachCosignature(cp.size, signCosignature(cp.note, names[i]!, s, 1_795_000_000), keys[i]!);
    let honest = '';
    await ledger.exportBundle((l) => void (honest += l), { caseId: 'P' });
    await ledger.close();
    const ls = honest.split('\n');
    const o = JSON.parse(ls[1]!);
    delete o.redaction;
    o.payload = toBase64(original.payload!);
    o.salt = toBase64(original.salt!);
    ls[1] = JSON.stringify(o);
    return { hostile: ls.join('\n'), secret: toBase64(original.payload!) };
  }
  const run = async (bundle: string, quorum: number, witnesses = keys) => {
    const steps: BundleStep[] = [];
    const report = await verifyBundle(bundle, KEYS.vkey, { witnessPolicy: witnessPolicy(witnesses, quorum), onStep: (st) => void steps.push(st) });
    return { steps, report };
  };

  it('attacker first: the policy is met, yet the erased payload is refused at its step and the report fails on the redaction line', async () => {
    const { hostile, secret } = await cosignedErasure();
    const { steps, report } = await run(hostile, 2);
    expect(report.witnessed).toMatchObject({ ok: true, quorum: 2 });
    expect(steps[0]).toMatchObject({ seq: 0, proven: true, payload: { state: 'refused' } });
    expect(steps.some((st) => st.payload.state === 'verified' && toBase64(st.payload.bytes) === secret)).toBe(false);
    expect(report.issues.map((i) => i.code)).toEqual(['REDACTION_INVALID']);
    expect(await verifyBundle(hostile, KEYS.vkey, { witnessPolicy: witnessPolicy(keys, 2) })).toEqual(report);
  });

  it('a witness the bundle lacks: the policy fails on line 1 beside the refusal, and still no step carries the erased payload', async () => {
    const { hostile, secret } = await cosignedErasure();
    const other = formatCosignatureVerifierKey('county.example/witness', ed25519PublicKey(new Uint8Array(32).fill(7)));
    const { steps, report } = await run(hostile, 2, [keys[0]!, other]);
    expect(report.issues.map((i) => [i.code, i.line])).toEqual([
      ['WITNESS_QUORUM_NOT_MET', 1],
      ['REDACTION_INVALID', 4],
    ]);
    expect(steps.some((st) => st.payload.state === 'verified' && toBase64(st.payload.bytes) === secret)).toBe(false);
  });
});
