/**
 * Incremental verification from a trusted checkpoint of size m checks the
 * stored checkpoint row of size m too: the trusted note vouches for the tree
 * up to m, not for what the file stores as its checkpoint of that size —
 * which `checkpoint`, `prove` and the witness read. A row of size m whose
 * root column or note was changed (by someone with the file, without the
 * key, or with it) is named exactly, as full verification names it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../src/index.js';
import { KEYS, cleanupTempDirs } from './helpers/ledgers.js';
import { changedCopy, checkpointRows, honestLedger, signedCheckpoint, where, type Honest } from './helpers/forge.js';

afterAll(cleanupTempDirs);

let honest: Honest;
const rows = new Map<number, { root: Uint8Array; note: string }>();
beforeAll(async () => {
  honest = await honestLedger();
  for (const [size, row] of checkpointRows(honest.path)) rows.set(size, row);
});

describe('the stored checkpoint row at exactly the trusted size', () => {
  it('unchanged: incremental verification from size 5 and from size 3 is clean', async () => {
    for (const m of [3, 5]) {
      const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: rows.get(m)!.note, mode: 'incremental' });
      expect([m, r.ok, r.issues]).toEqual([m, true, []]);
    }
  });

  it('its root column changed (the note intact): exactly CHECKPOINT_INVALID at the trusted size', async () => {
    const path = changedCopy(honest.path, (db) => db.prepare('UPDATE checkpoints SET root = ? WHERE size = 5').run(rows.get(4)!.root));
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 5 }]);
    expect(r.ok).toBe(false);
  });

  it('its note replaced by one that does not verify: exactly CHECKPOINT_INVALID at the trusted size', async () => {
    const path = changedCopy(honest.path, (db) => db.prepare('UPDATE checkpoints SET note = ? WHERE size = 5').run(rows.get(5)!.note.replace(/\n\n— .*\n$/s, '\n')));
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 5 }]);
  });

  it('row and note agree on another root, signed by the real key: exactly CHECKPOINT_ROOT_MISMATCH at the trusted size', async () => {
    const root = rows.get(4)!.root;
    const path = changedCopy(honest.path, (db) => db.prepare('UPDATE checkpoints SET root = ?, note = ? WHERE size = 5').run(root, signedCheckpoint(5, root)));
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 5 }]);
  });
});
