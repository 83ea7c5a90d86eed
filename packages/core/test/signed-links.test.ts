/**
 * A ledger signed with the real key whose global link or checkpoint rows are
 * wrong, made by a writer that holds the file and the key but not this
 * library's rules (helpers/forge.ts): each check of format.md §8 that only
 * the tamper matrix reached before (PREV_MISMATCH, the stored row's root
 * column against its note, CHECKPOINT_ROOT_MISMATCH) gets a case where it is
 * the one check that can object, and the exact list of issues is required —
 * in full and incremental verification and, for an entry, in bundle
 * verification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, verifyBundle, verifyLedger } from '../src/index.js';
import { KEYS, cleanupTempDirs, rawOpen } from './helpers/ledgers.js';
import { FORGED, changedCopy, checkpointRows, forgeNext, honestLedger, signedCheckpoint, where, type Honest } from './helpers/forge.js';

afterAll(cleanupTempDirs);

let honest: Honest;
/** The stored checkpoint rows of the honest ledger (sizes 1 to 5), by size. */
const rows = new Map<number, { root: Uint8Array; note: string }>();
beforeAll(async () => {
  honest = await honestLedger();
  for (const [size, row] of checkpointRows(honest.path)) rows.set(size, row);
});

const flipped = (b: Uint8Array) => b.map((x, i) => (i === 31 ? x ^ 1 : x));

describe('a global link broken by the key holder: entry 5 of a ledger whose checkpoint of size 6 the real key signed', () => {
  const WAYS = [
    { name: 'prev is the leaf hash of entry 3, not entry 4', prev: () => honest.leaves[3]! },
    { name: 'prev is the zero hash', prev: () => new Uint8Array(32) },
    { name: 'prev is the leaf hash of entry 4 with its last bit flipped', prev: () => flipped(honest.leaves[4]!) },
  ];
  for (const way of WAYS) {
    describe(way.name, () => {
      let path: string;
      beforeAll(async () => {
        path = await forgeNext(honest, { caseId: 'A', step: 4, casePrev: honest.leaves[4]!, prev: way.prev() });
      });

      it('full verification: exactly PREV_MISMATCH at entry 5; the checkpoint of size 6 still counts as signed', async () => {
        const r = await verifyLedger(path, { vkey: KEYS.vkey });
        expect(where(r.issues)).toEqual([{ code: 'PREV_MISMATCH', table: 'entries', seq: FORGED }]);
        expect(r).toMatchObject({ ok: false, size: FORGED + 1, signedSize: FORGED + 1 });
      });

      it('incremental verification from the checkpoint of size 5 (the first new entry\'s link): exactly PREV_MISMATCH at entry 5', async () => {
        const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: honest.kept, mode: 'incremental' });
        expect(where(r.issues)).toEqual([{ code: 'PREV_MISMATCH', table: 'entries', seq: FORGED }]);
        expect(r).toMatchObject({ ok: false, mode: 'incremental', trusted: { size: FORGED, extended: false } });
      });

      it('the whole ledger exported and verified as a bundle: exactly PREV_MISMATCH at entry 5 (line 7)', async () => {
        const l = await Ledger.open(path, { readonly: true });
        let whole = '';
        try {
          await l.exportBundle((line) => void (whole += line), { created: null });
        } finally {
          await l.close();
        }
        const r = await verifyBundle(whole, KEYS.vkey);
        expect(where(r.issues)).toEqual([{ code: 'PREV_MISMATCH', line: FORGED + 2, seq: FORGED }]);
        expect(r.ok).toBe(false);
      });
    });
  }
});

/** A copy of the honest ledger whose checkpoint row of size 5 is changed by `change`. */
function withRow5(change: (db: ReturnType<typeof rawOpen>) => void): string {
  return changedCopy(honest.path, change);
}

/**
 * Issues of the changed row of size 5: that row's code, and the entry signed
 * no more (the last one, now beyond the largest good checkpoint, of size 4).
 */
const row5 = (code: string) => [
  { code, table: 'checkpoints', size: 5 },
  { code: 'UNSIGNED_TAIL', table: 'checkpoints', seq: 4 },
];

describe("a stored checkpoint row whose root column is not its note's root (the note intact)", () => {
  const WAYS = [
    { name: 'the root of size 4', root: () => rows.get(4)!.root },
    { name: 'the true root with its last bit flipped', root: () => flipped(rows.get(5)!.root) },
  ];
  for (const way of WAYS) {
    it(`${way.name}: exactly CHECKPOINT_INVALID at size 5, in full and in incremental verification from size 3`, async () => {
      const path = withRow5((db) => db.prepare('UPDATE checkpoints SET root = ? WHERE size = 5').run(way.root()));
      const full = await verifyLedger(path, { vkey: KEYS.vkey });
      expect(where(full.issues)).toEqual(row5('CHECKPOINT_INVALID'));
      expect(full).toMatchObject({ ok: false, signedSize: 4 });
      const inc = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(3)!.note, mode: 'incremental' });
      expect(where(inc.issues)).toEqual(row5('CHECKPOINT_INVALID'));
      expect(inc.ok).toBe(false);
    });
  }
});

describe('a checkpoint of size 5 signed by the real key over a root that is not the stored entries\' (row and note agree)', () => {
  const WAYS = [
    { name: 'the root of size 4', root: () => rows.get(4)!.root },
    { name: 'the true root with its last bit flipped', root: () => flipped(rows.get(5)!.root) },
  ];
  for (const way of WAYS) {
    it(`${way.name}: exactly CHECKPOINT_ROOT_MISMATCH at size 5, in full and in incremental verification from size 3`, async () => {
      const root = way.root();
      const path = withRow5((db) => db.prepare('UPDATE checkpoints SET root = ?, note = ? WHERE size = 5').run(root, signedCheckpoint(5, root)));
      const full = await verifyLedger(path, { vkey: KEYS.vkey });
      expect(where(full.issues)).toEqual(row5('CHECKPOINT_ROOT_MISMATCH'));
      expect(full).toMatchObject({ ok: false, signedSize: 4 });
      const inc = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(3)!.note, mode: 'incremental' });
      expect(where(inc.issues)).toEqual(row5('CHECKPOINT_ROOT_MISMATCH'));
      expect(inc.ok).toBe(false);
    });
  }
});
