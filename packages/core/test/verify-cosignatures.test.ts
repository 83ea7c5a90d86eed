/**
 * The cosignature and witness-policy steps of ledger verification
 * (src/verify/steps.ts `checkCosignatures`, the witness target of the
 * checkpoint scan, state.ts's witness options), tried on files prepared by
 * a hostile party before the honest `verify` runs: lines moved, cut, renamed
 * or of the wrong type, and a checkpoint re-signed by the real key and
 * cosigned by a real witness over a root the ledger never had. The exact
 * list of issues is asked for each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519PublicKey, formatCosignatureVerifierKey, signCosignature, verifyLedger, type VerifyOptions } from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger, rawOpen } from './helpers/ledgers.js';
import { changedCopy, signedCheckpoint, where } from './helpers/forge.js';

afterAll(cleanupTempDirs);

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 3 + n) & 0xff);
const W = [1, 2, 3].map((n) => ({ name: `w${n}.example/witness`, seed: seed(n), vkey: formatCosignatureVerifierKey(`w${n}.example/witness`, ed25519PublicKey(seed(n))) }));
const W1 = W[0]!;
const W2 = W[1]!;
const W3 = W[2]!;

/** Entries 0–6, one checkpoint per transaction (sizes 5, 6, 7); sizes 5 and 6 cosigned by w1 and w2. */
let path: string;
/** The cosignature lines by size, w1's first. */
const lines = new Map<number, string[]>();
const notes = new Map<number, string>();
beforeAll(async () => {
  const l = await newLedger();
  await l.appendMany(Array.from({ length: 5 }, (_, i) => ({ caseId: `C-${i % 2}`, type: 'note', actor: 'clerk', data: { i } })));
  await l.append({ caseId: 'C-0', type: 'note', actor: 'clerk' });
  for (const size of [5, 6]) {
    const note = (await l.checkpointAt(size))!.note;
    notes.set(size, note);
    const made = [W1, W2].map((w, i) => signCosignature(note, w.name, w.seed, 1_800_000_000 + i));
    for (const [i, line] of made.entries()) await l.attachCosignature(size, line, [W1, W2][i]!.vkey);
    lines.set(size, made);
  }
  await l.append({ caseId: 'C-1', type: 'note', actor: 'clerk' });
  await l.close();
  path = l.path;
});

const verify = (p: string, options: Partial<VerifyOptions> = {}) => verifyLedger(p, { vkey: KEYS.vkey, ...options });
const both = [W1.vkey, W2.vkey];

describe('stored cosignatures', () => {
  it('four valid lines by the two witnesses given: clean, each counted; the keys may come with white space around them', async () => {
    const r = await verify(path, { witnesses: both });
    expect([r.ok, r.issues, r.checked.cosignatures]).toEqual([true, [], 4]);
    const spaced = await verify(path, { witnesses: both.map((k) => ` ${k}\n`), witnessQuorum: 2 });
    expect([spaced.ok, spaced.issues, spaced.witnessed?.size]).toEqual([true, [], 6]);
  });

  it('incremental from size 5 checks the lines of checkpoints after it (size 6); from size 6, none', async () => {
    const from5 = await verify(path, { witnesses: both, trusted: notes.get(5)!, mode: 'incremental' });
    expect([from5.ok, from5.issues, from5.checked.cosignatures]).toEqual([true, [], 2]);
    const from6 = await verify(path, { witnesses: both, trusted: notes.get(6)!, mode: 'incremental' });
    expect([from6.ok, from6.issues, from6.checked.cosignatures]).toEqual([true, [], 0]);
    // A line broken at size 5 is before the incremental start from 5: not read again.
    const broken = changedCopy(path, (db) => db.prepare('UPDATE cosignatures SET line = ? WHERE size = 5 AND line = ?').run(lines.get(6)![0]!, lines.get(5)![0]!));
    expect((await verify(broken, { witnesses: both, trusted: notes.get(5)!, mode: 'incremental' })).issues).toEqual([]);
    expect(where((await verify(broken, { witnesses: both })).issues)).toEqual([{ code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 5 }]);
  });

  it('a line stored without its newline (not its canonical form): COSIGNATURE_INVALID, even though its signature verifies', async () => {
    const cut = changedCopy(path, (db) => db.prepare('UPDATE cosignatures SET line = ? WHERE line = ?').run(lines.get(6)![1]!.slice(0, -1), lines.get(6)![1]!));
    const r = await verify(cut, { witnesses: both });
    expect(where(r.issues)).toEqual([{ code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 6 }]);
    expect(r.checked.cosignatures).toBe(4);
  });

  it('a line by a witness not given, or by one whose name or key ID only matches a given one, is only parsed', async () => {
    // w3 is not given; "w9" carries w1's key ID; a second "w1" key has w1's name with another key ID.
    const impostor = { name: W1.name, seed: seed(9) };
    const extra = [
      signCosignature(notes.get(6)!, W3.name, W3.seed, 1_800_000_100),
      lines.get(6)![0]!.replace(W1.name, 'w9.example/witness'),
      signCosignature(notes.get(6)!, impostor.name, impostor.seed, 1_800_000_200),
    ];
    const p = changedCopy(path, (db) => {
      for (const line of extra) db.prepare('INSERT INTO cosignatures (size, line) VALUES (6, ?)').run(line);
    });
    const r = await verify(p, { witnesses: [W1.vkey] });
    expect([r.ok, r.issues, r.checked.cosignatures]).toEqual([true, [], 7]);
    // Given no witnesses at all, every line is parsed and none is verified.
    expect([(await verify(p)).issues, (await verify(p)).checked.cosignatures]).toEqual([[], 7]);
  });

  it('a line stored for size 0, where no checkpoint is: COSIGNATURE_INVALID at size 0', async () => {
    const p = changedCopy(path, (db) => db.prepare('INSERT INTO cosignatures (size, line) VALUES (0, ?)').run(lines.get(5)![0]!));
    expect(where((await verify(p, { witnesses: both })).issues)).toEqual([{ code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 0 }]);
  });

  it('the cosignatures table rebuilt without types: a line that is a number, a size that is text — ROW_INVALID, with the size when it is one', async () => {
    const p = changedCopy(path, (db) => {
      db.exec('ALTER TABLE cosignatures RENAME TO old_cosignatures');
      db.exec('CREATE TABLE cosignatures (size, line)');
      db.exec('INSERT INTO cosignatures SELECT size, line FROM old_cosignatures');
      db.exec('DROP TABLE old_cosignatures');
      db.prepare('UPDATE cosignatures SET line = 5 WHERE line = ?').run(lines.get(5)![1]!);
      db.prepare("UPDATE cosignatures SET size = 'six' WHERE line = ?").run(lines.get(6)![1]!);
    });
    const r = await verify(p, { witnesses: both });
    // The text size is a key that is not an integer (checkKeys), and a row of the wrong type where the lines are checked.
    expect(where(r.issues)).toEqual([
      { code: 'ROW_INVALID', table: 'cosignatures' },
      { code: 'ROW_INVALID', table: 'cosignatures', size: 5 },
      { code: 'ROW_INVALID', table: 'cosignatures' },
    ]);
    expect(r.checked.cosignatures).toBe(2);
  });

  it('a line whose checkpoint row has a note that is not text: COSIGNATURE_INVALID beside the row\'s ROW_INVALID', async () => {
    const p = changedCopy(path, (db) => {
      db.exec('ALTER TABLE checkpoints RENAME TO old_checkpoints');
      db.exec('CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root, note)');
      db.exec('INSERT INTO checkpoints SELECT * FROM old_checkpoints');
      db.exec('DROP TABLE old_checkpoints');
      db.exec('UPDATE checkpoints SET note = 5 WHERE size = 5');
    });
    const r = await verify(p, { witnesses: both });
    expect(where(r.issues)).toEqual([
      { code: 'ROW_INVALID', table: 'checkpoints', size: 5 },
      { code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 5 },
      { code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 5 },
    ]);
    // Given no witness, a line must still belong to a stored checkpoint.
    expect(where((await verify(p)).issues)).toEqual([
      { code: 'ROW_INVALID', table: 'checkpoints', size: 5 },
      { code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 5 },
      { code: 'COSIGNATURE_INVALID', table: 'cosignatures', size: 5 },
    ]);
  });
});

describe('the witness policy', () => {
  it('the checkpoint of size 6 re-signed by the real key over another root and cosigned over that note by w1: the root is wrong, and the policy is not met there', async () => {
    const root = new Uint8Array(32).fill(6);
    const note = signedCheckpoint(6, root);
    const line = signCosignature(note, W1.name, W1.seed, 1_800_000_300);
    const p = changedCopy(path, (db) => {
      db.prepare('UPDATE checkpoints SET root = ?, note = ? WHERE size = 6').run(root, note);
      db.exec('DELETE FROM cosignatures WHERE size = 6');
      db.prepare('INSERT INTO cosignatures (size, line) VALUES (6, ?)').run(line);
    });
    const r = await verify(p, { witnesses: [W1.vkey], witnessQuorum: 1 });
    expect(where(r.issues)).toEqual([
      { code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 6 },
      { code: 'WITNESS_QUORUM_NOT_MET', table: 'cosignatures', size: 6 },
    ]);
    expect(r.witnessed).toBeUndefined();
    // Without the policy the line itself is valid: only the root is wrong.
    expect(where((await verify(p, { witnesses: [W1.vkey] })).issues)).toEqual([{ code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 6 }]);
  });

  it('met at the newest cosigned checkpoint (size 6), 2 of 2: the report names it and both witnesses', async () => {
    const r = await verify(path, { witnesses: both, witnessQuorum: 2 });
    expect([r.ok, r.issues]).toEqual([true, []]);
    expect(r.witnessed).toMatchObject({ size: 6, ok: true, quorum: 2, of: 2, missing: [], invalid: [] });
    expect(r.witnessed!.cosigned.map((c) => [c.name, c.timestamp])).toEqual([
      [W1.name, 1_800_000_000],
      [W2.name, 1_800_000_001],
    ]);
  });

  it('the prepared ledger holds two cosignature lines at sizes 5 and 6', () => {
    const db = rawOpen(path);
    const rows = db.prepare('SELECT size, count(*) AS n FROM cosignatures GROUP BY size ORDER BY size').all();
    db.close();
    expect(rows).toEqual([
      { size: 5, n: 2 },
      { size: 6, n: 2 },
    ]);
  });
});
