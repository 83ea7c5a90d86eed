// Ledger verification with a witness policy (format.md §8 item 14): the
// newest stored checkpoint a listed witness cosigned must be the verified
// ledger's own and meet the policy — in full and incremental mode, and in
// the attacker's order: the key holder forks its ledger and copies the
// honest checkpoint's cosignature rows onto its forged checkpoint.
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, ed25519PublicKey, formatCosignatureVerifierKey, signCosignature, verifyLedger } from '../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, rawOpen, steps, tempDir } from './helpers/ledgers.js';
import { join } from 'node:path';

afterAll(cleanupTempDirs);

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 5 + n) & 0xff);
const W = [1, 2].map((n) => ({ name: `w${n}.example/witness`, seed: seed(n), vkey: formatCosignatureVerifierKey(`w${n}.example/witness`, ed25519PublicKey(seed(n))) }));

async function cosign(ledger: Ledger, size: number, who = W): Promise<string[]> {
  const cp = (await ledger.checkpointAt(size))!;
  const lines = who.map((w, i) => signCosignature(cp.note, w.name, w.seed, 1_795_000_000 + i));
  for (const [i, line] of lines.entries()) await ledger.attachCosignature(size, line, who[i]!.vkey);
  return lines;
}

describe('verify with a witness policy', () => {
  it('judges the newest checkpoint a listed witness cosigned: its size, who, and what is not witnessed yet', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(4));
    await cosign(ledger, 4);
    await ledger.appendMany(steps(2, 'LATER'));
    const vkeys = W.map((w) => w.vkey);
    const r = await ledger.verify({ vkey: KEYS.vkey, witnesses: vkeys, witnessQuorum: 2 });
    expect(r.ok).toBe(true);
    expect(r.witnessed).toMatchObject({ size: 4, ok: true, quorum: 2, of: 2, missing: [], invalid: [] });
    expect(r.witnessed!.cosigned.map((c) => c.name)).toEqual(W.map((w) => w.name));
    // Only the first witness cosigned a later one: it is the newest cosigned, and 2 of 2 is not met there.
    await cosign(ledger, 6, [W[0]!]);
    const later = await ledger.verify({ vkey: KEYS.vkey, witnesses: vkeys, witnessQuorum: 2 });
    expect(later.issues.map((i) => [i.code, i.size])).toEqual([['WITNESS_QUORUM_NOT_MET', 6]]);
    expect((await ledger.verify({ vkey: KEYS.vkey, witnesses: vkeys, witnessQuorum: 1 })).witnessed).toMatchObject({ size: 6, ok: true });
    // Without a quorum the policy is not applied (the witnesses only check stored lines).
    expect((await ledger.verify({ vkey: KEYS.vkey, witnesses: vkeys })).witnessed).toBeUndefined();
    await ledger.close();
  });

  it('no checkpoint cosigned by a listed witness: not met', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(3));
    const r = await ledger.verify({ vkey: KEYS.vkey, witnesses: [W[0]!.vkey], witnessQuorum: 1 });
    expect(r.issues.map((i) => i.code)).toEqual(['WITNESS_QUORUM_NOT_MET']);
    expect(r.witnessed).toBeUndefined();
    await ledger.close();
  });

  it('incremental from a trusted checkpoint after the witnessed one: proven consistent with it', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(5));
    await cosign(ledger, 5);
    await ledger.appendMany(steps(3, 'NEXT'));
    const trusted = (await ledger.latestCheckpoint())!.note;
    await ledger.appendMany(steps(2, 'LAST'));
    const r = await ledger.verify({ vkey: KEYS.vkey, trusted, mode: 'incremental', witnesses: W.map((w) => w.vkey), witnessQuorum: 2 });
    expect(r.ok).toBe(true);
    expect(r.witnessed).toMatchObject({ size: 5, ok: true });
    await ledger.close();
  });

  it("the key holder's fork with the honest checkpoint's cosignature rows copied onto it fails", async () => {
    const honest = await newLedger();
    await honest.appendMany(steps(4));
    const lines = await cosign(honest, 4);
    await honest.close();
    // The same key signs another history of 4 entries, and the rows are copied.
    const path = join(tempDir(), 'forged.ledger');
    const forged = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey });
    await forged.appendMany(steps(4, 'FORGED'));
    await forged.close();
    const db = rawOpen(path);
    db.exec('CREATE TABLE IF NOT EXISTS cosignatures (size INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, line)) STRICT');
    for (const l of lines) db.prepare('INSERT INTO cosignatures (size, line) VALUES (4, ?)').run(l);
    db.close();
    const r = await verifyLedger(path, { vkey: KEYS.vkey, witnesses: W.map((w) => w.vkey), witnessQuorum: 1 });
    expect(r.ok).toBe(false);
    expect(new Set(r.issues.map((i) => i.code))).toEqual(new Set(['COSIGNATURE_INVALID']));
    expect(r.witnessed).toMatchObject({ size: 4, ok: false, invalid: W.map((w) => expect.stringContaining(w.name)) });
  });
});
