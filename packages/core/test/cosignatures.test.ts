// Witness cosignatures of stored checkpoints (format.md §6.3, §7.1): attached
// after the checkpoint was written, checked before they are stored, kept byte
// for byte, returned with the note, and checked again by verification.
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  ed25519PublicKey,
  formatCosignatureVerifierKey,
  openCheckpoint,
  parseVerifierKey,
  signCosignature,
  verifyCosignature,
  verifyLedger,
} from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger, rawOpen, steps, tempDir } from './helpers/ledgers.js';
import { codeOf } from './helpers/codes.js';

afterAll(cleanupTempDirs);

const SEED = new Uint8Array(32).fill(7);
const WITNESS = formatCosignatureVerifierKey('witness.example', ed25519PublicKey(SEED));
const OTHER_SEED = new Uint8Array(32).fill(8);
const cosign = (note: string, seed = SEED, t = 1_800_000_000n) => signCosignature(note, 'witness.example', seed, t);

describe('attachCosignature', () => {
  test('the note stays byte for byte; the cosignature lines follow it in its signature block', async () => {
    const l = await newLedger();
    await l.appendMany(steps(5));
    const before = (await l.latestCheckpoint())!;
    const line = cosign(before.note);
    const after = await l.attachCosignature(5, line, WITNESS);
    expect(after.note).toBe(before.note + line);
    expect(after.cosignatures).toEqual([line]);
    expect((await l.checkpointAt(5))!.note).toBe(before.note + line);
    // Still a valid checkpoint under the log's key (the witness line is by an unknown key, ignored) …
    expect(openCheckpoint(after.note, [parseVerifierKey(KEYS.vkey)]).size).toBe(5);
    // … and the witness's line verifies over the same text.
    expect(verifyCosignature(after.note, line, WITNESS)).toBe(true);
    // A second witness, and the same line again (kept once).
    const otherWitness = formatCosignatureVerifierKey('witness.example', ed25519PublicKey(OTHER_SEED));
    const second = cosign(before.note, OTHER_SEED, 1_800_000_100n);
    await l.attachCosignature(5, second, otherWitness);
    expect((await l.attachCosignature(5, line, WITNESS)).cosignatures).toEqual([line, second]);
    // Later appends sign new checkpoints; the cosigned one is unchanged.
    await l.append(steps(1)[0]!);
    expect((await l.checkpointAt(5))!.note).toBe(before.note + line + second);
    expect((await l.latestCheckpoint())!.cosignatures).toEqual([]);
    const r = await l.verify({ vkey: KEYS.vkey, witnesses: [WITNESS, otherWitness] });
    expect(r.issues).toEqual([]);
    expect(r.checked.cosignatures).toBe(2);
    await l.close();
  });

  test('a line that is not a valid cosignature of that checkpoint is refused and nothing is stored', async () => {
    const l = await newLedger();
    await l.appendMany(steps(4));
    await l.append(steps(1)[0]!);
    const cp4 = (await l.checkpointAt(4))!;
    const cp5 = (await l.checkpointAt(5))!;
    expect(await codeOf(l.attachCosignature(4, cosign(cp5.note), WITNESS))).toBe('INVALID_SIGNATURE');
    expect(await codeOf(l.attachCosignature(4, cosign(cp4.note, OTHER_SEED), WITNESS))).toBe('UNKNOWN_KEY');
    expect(await codeOf(l.attachCosignature(4, cp4.note.split('\n\n')[1]!, WITNESS))).toBe('MALFORMED_NOTE');
    expect(await codeOf(l.attachCosignature(3, cosign(cp4.note), WITNESS))).toBe('NOT_FOUND');
    expect(await codeOf(l.attachCosignature(4, cosign(cp4.note), KEYS.vkey))).toBe('MALFORMED_KEY');
    expect((await l.checkpointAt(4))!.cosignatures).toEqual([]);
    await l.close();
    const ro = await Ledger.open(l.path, { readonly: true });
    expect(await codeOf(ro.attachCosignature(4, cosign(cp4.note), WITNESS))).toBe('READ_ONLY');
    await ro.close();
  });

  test('a v1 file takes cosignatures after its first write migrates it (the frozen fixture, on a copy)', async () => {
    const fixtureDir = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/v1');
    const facts = JSON.parse(readFileSync(join(fixtureDir, 'fixture.json'), 'utf8'));
    const path = join(tempDir(), 'v1.ledger');
    copyFileSync(join(fixtureDir, 'ledger.sqlite'), path);
    const l = await Ledger.open(path);
    const line = cosign(facts.latestCheckpoint);
    const cp = await l.attachCosignature(facts.size, line, WITNESS);
    expect(cp.note).toBe(facts.latestCheckpoint + line);
    await l.close();
    const r = await verifyLedger(path, { vkey: facts.vkey, witnesses: [WITNESS] });
    expect(r.issues).toEqual([]);
    expect(r.checked.cosignatures).toBe(1);
  });
});

describe('verification of stored cosignatures', () => {
  async function cosigned(): Promise<{ path: string; line: string }> {
    const l = await newLedger();
    await l.appendMany(steps(5));
    await l.append(steps(1)[0]!);
    const line = cosign((await l.latestCheckpoint())!.note);
    await l.attachCosignature(6, line, WITNESS);
    await l.close();
    return { path: l.path, line };
  }

  test('a changed line fails under the witness key; without it, only its form is checked', async () => {
    const { path, line } = await cosigned();
    const db = rawOpen(path);
    const i = line.length - 6;
    const forged = line.slice(0, i) + (line[i] === 'A' ? 'B' : 'A') + line.slice(i + 1);
    db.prepare('UPDATE cosignatures SET line = ? WHERE size = 6').run(forged);
    db.close();
    const r = await verifyLedger(path, { vkey: KEYS.vkey, witnesses: [WITNESS] });
    expect(r.issues).toEqual([expect.objectContaining({ code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 6 })]);
    expect((await verifyLedger(path, { vkey: KEYS.vkey })).ok).toBe(true);
  });

  test('a cosignature moved to another checkpoint, or of none, or not a line, is COSIGNATURE_INVALID', async () => {
    for (const [size, line] of [[5, undefined], [99, undefined], [6, 'not a cosignature\n']] as const) {
      const c = await cosigned();
      const db = rawOpen(c.path);
      db.prepare('UPDATE cosignatures SET size = ?, line = ? WHERE size = 6').run(size, line ?? c.line);
      db.close();
      const r = await verifyLedger(c.path, { vkey: KEYS.vkey, witnesses: [WITNESS] });
      expect(r.issues.map((x) => x.code), `size ${size}`).toEqual(['COSIGNATURE_INVALID']);
    }
  });
});
