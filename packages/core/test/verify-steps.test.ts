/**
 * The named steps of ledger verification (src/verify/steps.ts, state.ts,
 * verify.ts) tried one at a time on files prepared by a hostile party — one
 * that holds the file, and for some the real signing key — before the
 * honest `verify` runs: the meta row, the trusted checkpoint in full and
 * incremental mode, the stored checkpoints, the options, and the report.
 * Each test asks for the exact list of issues (code, table, position), so
 * that a check that goes missing, or one that reports more than it should,
 * fails it.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  LedgerError,
  MerkleAccumulator,
  assertReport,
  decodeEntry,
  ed25519Sign,
  encodeEntry,
  formatCheckpoint,
  formatSignatureLine,
  parseSignerKey,
  toHex,
  utf8,
  verifyLedger,
} from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger } from './helpers/ledgers.js';
import { changedCopy, checkpointRows, forgeNext, honestLedger, signedCheckpoint, where, type Honest } from './helpers/forge.js';

afterAll(cleanupTempDirs);

let honest: Honest;
/** The honest ledger's stored checkpoint rows (sizes 1 to 5), by size. */
const rows = new Map<number, { root: Uint8Array; note: string }>();
/** The honest ledger and one more honest entry (seq 5) written by the forge with its true links, and a checkpoint of size 6. */
let six: string;
beforeAll(async () => {
  honest = await honestLedger();
  for (const [size, row] of checkpointRows(honest.path)) rows.set(size, row);
  six = await forgeNext(honest, { caseId: 'A', step: 4, casePrev: honest.leaves[4]! });
});

const flipped = (b: Uint8Array) => b.map((x, i) => (i === 31 ? x ^ 1 : x));

/** A checkpoint note for another origin, signed by the ledger's real key. */
function signedForOrigin(origin: string, size: number, root: Uint8Array): string {
  const signer = parseSignerKey(KEYS.skey);
  const body = formatCheckpoint({ origin, size, root, extensions: [] });
  return `${body}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(body)))}`;
}

const CLEAN_CHECKED = { entries: 5, payloads: 5, redactions: 0, actorSignatures: 0, nodes: 3, checkpoints: 5, systemEntries: 0, cosignatures: 0 };
const NOTHING_CHECKED = { entries: 0, payloads: 0, redactions: 0, actorSignatures: 0, nodes: 0, checkpoints: 0, systemEntries: 0, cosignatures: 0 };

describe('the report of a clean ledger', () => {
  it('full: ok, the recomputed root of size 5 in hex, every count exact, a duration', async () => {
    const before = Date.now();
    const r = await verifyLedger(honest.path, { vkey: KEYS.vkey });
    const took = Date.now() - before;
    expect({ ...r, durationMs: 0 }).toEqual({
      ok: true,
      mode: 'full',
      origin: 'casetrail.test/ledger',
      size: 5,
      root: toHex(rows.get(5)!.root),
      signedSize: 5,
      checked: CLEAN_CHECKED,
      issues: [],
      issueCount: 0,
      durationMs: 0,
    });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.durationMs).toBeLessThanOrEqual(took);
  });

  it('a verifier key read from a file with its line end and spaces around it is the same key', async () => {
    const r = await verifyLedger(honest.path, { vkey: `  ${KEYS.vkey}\n` });
    expect([r.ok, r.issues]).toEqual([true, []]);
  });

  it('assertReport returns an ok report, and throws VERIFICATION_FAILED carrying a failed one in its details', async () => {
    const ok = await verifyLedger(honest.path, { vkey: KEYS.vkey });
    expect(assertReport(ok)).toBe(ok);
    const bad = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: 'not a note' });
    let thrown: unknown;
    try {
      assertReport(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LedgerError);
    expect((thrown as LedgerError).code).toBe('VERIFICATION_FAILED');
    expect((thrown as LedgerError).details).toEqual({ report: bad });
  });
});

describe('the file handle', () => {
  /** Descriptors of this process open on files in `dir` (Linux /proc). */
  const openIn = (dir: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;

  it.runIf(existsSync('/proc/self/fd'))('verifyLedger opens the file read-only and closes it: no descriptor is left, and the WAL files a read-only handle cannot remove stay', async () => {
    const path = changedCopy(honest.path, () => undefined);
    const dir = dirname(path);
    expect([openIn(dir), existsSync(`${path}-wal`)]).toEqual([0, false]);
    expect((await verifyLedger(path, { vkey: KEYS.vkey })).ok).toBe(true);
    // A writable handle, the last to close, would have checkpointed the WAL and removed it.
    expect([openIn(dir), existsSync(`${path}-wal`)]).toEqual([0, true]);
  });

  it('busyTimeoutMs is how long the handle waits for a lock: with 0, an exclusive lock held by another connection is LEDGER_BUSY at once; released, the same call verifies', async () => {
    const path = changedCopy(honest.path, () => undefined);
    const holder = new Database(path);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const t0 = Date.now();
      const err = await verifyLedger(path, { vkey: KEYS.vkey, busyTimeoutMs: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const waited = Date.now() - t0;
      expect(err).toBeInstanceOf(LedgerError);
      expect([(err as LedgerError).code, (err as LedgerError).details]).toEqual(['LEDGER_BUSY', { path, sqlite: 'SQLITE_BUSY' }]);
      // Without the option the handle waits the default 5,000 ms before it gives up; with 0 it tries once.
      expect(waited).toBeLessThan(5_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const r = await verifyLedger(path, { vkey: KEYS.vkey, busyTimeoutMs: 0 });
    expect([r.ok, r.issues]).toEqual([true, []]);
  });
});

describe('onProgress', () => {
  it('an error the callback throws ends verification and is what verify rejects with; the handle still writes and verifies', async () => {
    const l = await newLedger();
    await l.appendMany([{ caseId: 'A', type: 'opened', actor: 'clerk' }, { caseId: 'A', type: 'closed', actor: 'clerk' }]);
    const stop = new Error('stopped by the caller');
    const calls: unknown[] = [];
    const thrown = await l
      .verify({
        vkey: KEYS.vkey,
        onProgress: (p) => {
          calls.push({ ...p });
          throw stop;
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(thrown).toBe(stop);
    expect(calls).toEqual([{ phase: 'entries', done: 2, total: 2 }]);
    expect((await l.append({ caseId: 'A', type: 'reopened', actor: 'clerk' })).seq).toBe(2);
    const r = await l.verify({ vkey: KEYS.vkey });
    expect([r.ok, r.size]).toEqual([true, 3]);
    await l.close();
  });
});

describe('options that are not valid are INVALID_ARGUMENT naming the field', () => {
  const CASES: Array<[string, Record<string, unknown>, string]> = [
    ['a mode that is neither full nor incremental', { mode: 'partial' }, 'mode'],
    ['incremental without a trusted checkpoint', { mode: 'incremental' }, 'trusted'],
    ['trackedCases 0', { trackedCases: 0 }, 'trackedCases'],
    ['workers 65', { workers: 65 }, 'workers'],
    ['workers -1', { workers: -1 }, 'workers'],
  ];
  for (const [name, options, field] of CASES) {
    it(name, async () => {
      let thrown: unknown;
      try {
        await verifyLedger(honest.path, { vkey: KEYS.vkey, ...options });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(LedgerError);
      expect([(thrown as LedgerError).code, (thrown as LedgerError).details?.['field']]).toEqual(['INVALID_ARGUMENT', field]);
    });
  }

  it('the limits themselves are accepted: trackedCases 1, workers 0', async () => {
    for (const options of [{ trackedCases: 1 }, { workers: 0 }]) {
      const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, ...options });
      expect([options, r.ok, r.issues]).toEqual([options, true, []]);
    }
  });
});

describe('the meta table', () => {
  it('its origin row changed to another ledger\'s: exactly META_MISMATCH on meta, the rest verified', async () => {
    const path = changedCopy(honest.path, (db) => db.prepare("UPDATE meta SET value = 'other.example/ledger' WHERE key = 'origin'").run());
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([{ code: 'META_MISMATCH', table: 'meta' }]);
    expect(r).toMatchObject({ ok: false, signedSize: 5, checked: CLEAN_CHECKED });
  });

  it('another table damaged as well (redactions dropped): both are reported — the damage of one table does not excuse the meta', async () => {
    const path = changedCopy(honest.path, (db) => {
      db.prepare("UPDATE meta SET value = 'other.example/ledger' WHERE key = 'origin'").run();
      db.exec('DROP TABLE redactions');
    });
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([
      { code: 'LEDGER_DAMAGED', table: 'redactions' },
      { code: 'META_MISMATCH', table: 'meta' },
    ]);
    expect(r.checked.entries).toBe(5);
  });

  it('the checkpoints table damaged (its note column dropped): LEDGER_DAMAGED, and nothing is read of entries or checkpoints', async () => {
    const path = changedCopy(honest.path, (db) => db.exec('ALTER TABLE checkpoints DROP COLUMN note'));
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([{ code: 'LEDGER_DAMAGED', table: 'checkpoints' }]);
    expect(r).toMatchObject({ ok: false, size: 0, checked: NOTHING_CHECKED });
  });
});

describe('the trusted checkpoint', () => {
  it('not a note: exactly TRUSTED_CHECKPOINT_INVALID, and verification stops there (nothing checked, no root)', async () => {
    for (const mode of ['full', 'incremental'] as const) {
      const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: 'not a note', mode });
      expect(where(r.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_INVALID', table: 'trusted' }]);
      expect({ ...r, durationMs: 0, issues: [] }).toEqual({
        ok: false,
        mode,
        origin: 'casetrail.test/ledger',
        size: 5,
        root: '',
        signedSize: 0,
        checked: NOTHING_CHECKED,
        issues: [],
        issueCount: 1,
        durationMs: 0,
      });
    }
  });

  it('signed by the real key for another origin (over the true root of size 5): TRUSTED_CHECKPOINT_INVALID in both modes', async () => {
    const trusted = signedForOrigin('other.example/ledger', 5, rows.get(5)!.root);
    for (const mode of ['full', 'incremental'] as const) {
      const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted, mode });
      expect([mode, where(r.issues)]).toEqual([mode, [{ code: 'TRUSTED_CHECKPOINT_INVALID', table: 'trusted' }]]);
      expect(r.checked.entries).toBe(0);
    }
  });

  it('the newest checkpoint, of the ledger\'s own size: clean and extended, in both modes', async () => {
    const full = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note });
    expect([full.ok, full.issues, full.trusted]).toEqual([true, [], { size: 5, root: toHex(rows.get(5)!.root), extended: true }]);
    expect(full.checked).toEqual(CLEAN_CHECKED);
    const inc = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect([inc.ok, inc.issues, inc.trusted]).toEqual([true, [], { size: 5, root: toHex(rows.get(5)!.root), extended: true }]);
    // Nothing after the trusted size; the stored row of size 5 is checked against the trusted tree.
    expect(inc.checked).toEqual({ ...NOTHING_CHECKED, checkpoints: 1 });
    expect([inc.root, inc.signedSize]).toEqual([toHex(rows.get(5)!.root), 5]);
  });

  it('an earlier one: incremental checks only the entries after it and extends it', async () => {
    const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: rows.get(3)!.note, mode: 'incremental' });
    expect([r.ok, r.issues, r.trusted?.extended, r.root, r.signedSize]).toEqual([true, [], true, toHex(rows.get(5)!.root), 5]);
    expect(r.checked).toMatchObject({ entries: 2, payloads: 2, checkpoints: 3 });
  });

  it('of size 0, signed by the real key over the empty root: incremental checks every entry from the first', async () => {
    const r = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted: signedCheckpoint(0, EMPTY_ROOT), mode: 'incremental' });
    expect([r.ok, r.issues, r.trusted]).toEqual([true, [], { size: 0, root: toHex(EMPTY_ROOT), extended: true }]);
    expect(r.checked).toEqual(CLEAN_CHECKED);
  });

  it('beyond the ledger (size 7, as before a rollback): TRUSTED_CHECKPOINT_BEYOND_LEDGER; full mode checks the rest, incremental stops', async () => {
    const trusted = signedCheckpoint(7, new Uint8Array(32).fill(3));
    const full = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted });
    expect(where(full.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', table: 'trusted', size: 7 }]);
    expect(full.checked).toEqual(CLEAN_CHECKED);
    expect(full.trusted).toEqual({ size: 7, root: toHex(new Uint8Array(32).fill(3)), extended: false });
    const inc = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted, mode: 'incremental' });
    expect(where(inc.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', table: 'trusted', size: 7 }]);
    expect([inc.checked, inc.root]).toEqual([NOTHING_CHECKED, '']);
  });

  it('signed by the real key over a root the ledger never had: TRUSTED_CHECKPOINT_MISMATCH at its size, in both modes', async () => {
    const trusted = signedCheckpoint(5, flipped(rows.get(5)!.root));
    const inc = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted, mode: 'incremental' });
    expect(where(inc.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'trusted', size: 5 }]);
    expect(inc.checked.entries).toBe(0);
    const full = await verifyLedger(honest.path, { vkey: KEYS.vkey, trusted });
    expect(where(full.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'trusted', size: 5 }]);
    expect(full.trusted?.extended).toBe(false);
  });

  it('the stored tree at the trusted size cannot be read (the node of entries 0–3 erased from row 3): TRUSTED_CHECKPOINT_MISMATCH on entries', async () => {
    const path = changedCopy(honest.path, (db) => db.prepare("UPDATE entries SET nodes = x'' WHERE seq = 3").run());
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect(where(r.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', size: 5 }]);
    expect(r.checked.entries).toBe(0);
  });

  it('the entry before the trusted size re-encoded with another actor (its leaf column intact): TRUSTED_CHECKPOINT_MISMATCH at that entry, not a link error after it', async () => {
    const path = changedCopy(six, (db) => {
      const row = db.prepare('SELECT bytes FROM entries WHERE seq = 4').get() as { bytes: Buffer };
      const e = decodeEntry(Uint8Array.from(row.bytes));
      db.prepare('UPDATE entries SET bytes = ? WHERE seq = 4').run(Buffer.from(encodeEntry({ ...e, actor: 'officer-Z' })));
    });
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect(where(r.issues)).toEqual([{ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', seq: 4 }]);
    expect(r.checked.entries).toBe(0);
    // The same ledger untouched verifies from there.
    const clean = await verifyLedger(six, { vkey: KEYS.vkey, trusted: rows.get(5)!.note, mode: 'incremental' });
    expect([clean.ok, clean.issues, clean.checked.entries]).toEqual([true, [], 1]);
  });
});

describe('stored checkpoints', () => {
  it('one signed by the real key beyond the last entry (size 7): exactly CHECKPOINT_BEYOND_LEDGER at size 7', async () => {
    const path = changedCopy(honest.path, (db) => {
      const root = new Uint8Array(32).fill(4);
      db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (7, ?, ?)').run(root, signedCheckpoint(7, root));
    });
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_BEYOND_LEDGER', table: 'checkpoints', size: 7 }]);
    expect(r).toMatchObject({ signedSize: 5, checked: { ...CLEAN_CHECKED, checkpoints: 6 } });
  });

  it('the row of size 4 given the note and root of size 5: CHECKPOINT_INVALID at size 4 (the note is for another size)', async () => {
    const path = changedCopy(honest.path, (db) => db.prepare('UPDATE checkpoints SET root = ?, note = ? WHERE size = 4').run(rows.get(5)!.root, rows.get(5)!.note));
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 4 }]);
    expect(r.signedSize).toBe(5);
  });

  it('the row of size 5 signed by the real key for another origin over the true root: CHECKPOINT_INVALID at size 5', async () => {
    const path = changedCopy(honest.path, (db) =>
      db.prepare('UPDATE checkpoints SET note = ? WHERE size = 5').run(signedForOrigin('other.example/ledger', 5, rows.get(5)!.root)),
    );
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([
      { code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 5 },
      { code: 'UNSIGNED_TAIL', table: 'checkpoints', seq: 4 },
    ]);
    expect(r.signedSize).toBe(4);
  });

  it('the unsigned tail is a warning when allowed: ok, with the warning at the first entry not covered', async () => {
    const path = changedCopy(honest.path, (db) => db.exec('DELETE FROM checkpoints WHERE size > 2'));
    const strict = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(strict.issues.map((i) => [i.code, i.severity, i.seq])).toEqual([['UNSIGNED_TAIL', 'error', 2]]);
    const allowed = await verifyLedger(path, { vkey: KEYS.vkey, allowUnsignedTail: true });
    expect(allowed.ok).toBe(true);
    expect(allowed.issues.map((i) => [i.code, i.severity, i.seq])).toEqual([['UNSIGNED_TAIL', 'warning', 2]]);
  });

  it('entry 2 deleted: SEQ_GAP at 2, the link of entry 3 and the case link of entry 4 broken, and no checkpoint from size 3 on can be recomputed', async () => {
    const path = changedCopy(honest.path, (db) => db.exec('DELETE FROM entries WHERE seq = 2'));
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([
      { code: 'SEQ_GAP', table: 'entries', seq: 2 },
      { code: 'PREV_MISMATCH', table: 'entries', seq: 3 },
      // Size 3 has no entry boundary once entry 2 is gone: the scan passes it at entry 3.
      { code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 3 },
      { code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 4 },
      // Entry 4 is step 3 of case A, whose step 2 was entry 2.
      { code: 'CASE_STEP_MISMATCH', table: 'entries', seq: 4 },
      { code: 'CHECKPOINT_ROOT_MISMATCH', table: 'checkpoints', size: 5 },
    ]);
    expect(r).toMatchObject({ ok: false, root: '', signedSize: 2, checked: { entries: 4, nodes: 1, checkpoints: 5 } });
  });
});

describe('more stored checkpoints than one batch (256 are opened at a time)', () => {
  it('a changed root column at size 290 of 300 checkpoints is found, and every row is checked', async () => {
    const l = await newLedger();
    await l.appendMany(Array.from({ length: 300 }, (_, i) => ({ caseId: `C-${i % 7}`, type: 'note', actor: 'clerk' })));
    await l.close();
    // The key holder signs a checkpoint at every size (as a ledger appended one entry at a time has them).
    const all = changedCopy(l.path, (db) => {
      const acc = new MerkleAccumulator();
      const insert = db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)');
      for (const { leaf } of db.prepare('SELECT leaf FROM entries ORDER BY seq').all() as Array<{ leaf: Buffer }>) {
        acc.push(Uint8Array.from(leaf));
        if (acc.size < 300) insert.run(acc.size, acc.root(), signedCheckpoint(acc.size, acc.root()));
      }
    });
    expect((await verifyLedger(all, { vkey: KEYS.vkey })).issues).toEqual([]);
    const path = changedCopy(all, (db) => db.prepare('UPDATE checkpoints SET root = ? WHERE size = 290').run(new Uint8Array(32)));
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(where(r.issues)).toEqual([{ code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 290 }]);
    expect([r.signedSize, r.checked.checkpoints]).toEqual([300, 300]);
    const exact = changedCopy(all, (db) => db.prepare('UPDATE checkpoints SET root = ? WHERE size = 257').run(new Uint8Array(32)));
    expect(where((await verifyLedger(exact, { vkey: KEYS.vkey })).issues)).toEqual([{ code: 'CHECKPOINT_INVALID', table: 'checkpoints', size: 257 }]);
  });
});

