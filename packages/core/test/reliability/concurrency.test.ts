/**
 * Concurrent writers and readers (issue 4, "Concurrent writers and
 * readers"): 4 processes × 2,500 single appends to one file at the same
 * time, over shared cases, with reader processes verifying the file again
 * and again while it grows; and a lock held by another process gives a
 * bounded wait, then LEDGER_BUSY, never a hang or a corrupt file.
 *
 * Counts: CASETRAIL_SOAK_WRITERS (4), CASETRAIL_SOAK_APPENDS (2,500 per
 * writer), CASETRAIL_SOAK_READERS (2), CASETRAIL_SOAK_DURABILITY_FULL (0 in
 * CI: commits without a checkpoint are not fsynced, and the writers' shared
 * signer state is written without fdatasync, which changes speed
 * but not the locking under test; the soak sets 1: every commit and the
 * library's state file fsynced), CASETRAIL_SOAK_BUSY_TIMEOUT_MS (the
 * writers' lock wait, default the library's 5,000).
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { LedgerError, verifyLedger } from '../../src/index.js';
import { join } from 'node:path';
import { KEYS, cleanupTempDirs, newLedger, openSigned, steps, tempDir } from '../helpers/ledgers.js';
import { startWorker, workerError } from '../helpers/reliability-children.js';
import { budgetMs, knob, record } from '../helpers/reliability-config.js';

afterAll(cleanupTempDirs);

const WRITERS = knob('WRITERS', 4);
const APPENDS = knob('APPENDS', 2500);
const READERS = knob('READERS', 2);
const DURABILITY = knob('DURABILITY_FULL', 0) === 1 ? 'full' : 'normal';
const BUSY_TIMEOUT_MS = knob('BUSY_TIMEOUT_MS', 5000);
const CASES = 13;

describe('concurrent writers and readers', () => {
  test(
    `${WRITERS} processes × ${APPENDS} appends → exactly ${WRITERS * APPENDS} entries, chains intact; readers see only verifying prefixes`,
    async () => {
      // One signer state for every writer process (format.md §10), read and
      // written under the write lock.
      const stateFile = join(tempDir(), 'ledger.key.state');
      const ledger = await newLedger({ signerState: { file: stateFile } });
      const path = ledger.path;
      await ledger.close();

      // The library's default lock wait: an append refused with LEDGER_BUSY
      // (nothing written) is retried by the writer, and the exactly-once
      // check below would see it if a refused append had been written.
      const writers = Array.from({ length: WRITERS }, (_, id) =>
        startWorker('append', { path, skey: KEYS.skey, stateFile, stateSync: DURABILITY === 'full', id, count: APPENDS, durability: DURABILITY, busyTimeoutMs: BUSY_TIMEOUT_MS, cases: CASES }),
      );
      const readers = Array.from({ length: READERS }, () => startWorker('read', { path, vkey: KEYS.vkey }));
      await Promise.all([...writers, ...readers].map((w) => w.waitFor('ready')));
      for (const w of writers) w.send('go');
      // Every one of the 10,000 transactions stores a checkpoint, and a
      // checkpoint transaction is fsynced even under 'normal' (format.md
      // §10.2): on a loaded 2-core machine the run took up to ~95 s.
      const done = await Promise.all(writers.map((w) => w.waitFor('done', budgetMs(240_000))));
      for (const r of readers) r.send('stop');
      const readerDone = await Promise.all(readers.map((r) => r.waitFor('done', budgetMs(60_000))));
      await Promise.all([...writers, ...readers].map((w) => w.exited));
      for (const w of [...writers, ...readers]) expect(workerError(w), w.stderr()).toBeUndefined();

      // Readers: every pass verified, grew monotonically and extended the previous pass.
      const failures = readers.flatMap((r) => r.lines.filter((l) => l.tag === 'fail').map((l) => l.value));
      expect(failures).toEqual([]);
      const snaps = readers.flatMap((r) => r.lines.filter((l) => l.tag === 'snap').map((l) => (l.value as { size: number }).size));
      expect(snaps.length).toBeGreaterThanOrEqual(READERS);
      const midway = snaps.filter((s) => s > 0 && s < WRITERS * APPENDS).length;

      const report = await verifyLedger(path, { vkey: KEYS.vkey });
      expect(report.issues).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.size).toBe(WRITERS * APPENDS);
      expect(report.signedSize).toBe(WRITERS * APPENDS);

      // Every (writer, i) exactly once; seqs 0..n-1 without gap or repeat;
      // per-case steps 1..k in seq order.
      const db = new Database(path, { readonly: true });
      try {
        const rows = db.prepare('SELECT seq, case_id, step, data FROM entries ORDER BY seq').all() as Array<{
          seq: number;
          case_id: string;
          step: number;
          data: Buffer;
        }>;
        expect(rows.map((r) => r.seq)).toEqual([...Array(WRITERS * APPENDS).keys()]);
        const seen = new Set<string>();
        const lastStep = new Map<string, number>();
        let switches = 0;
        let lastWriter = -1;
        for (const r of rows) {
          const { w, i } = JSON.parse(r.data.toString('utf8')) as { w: number; i: number };
          const token = `${w}:${i}`;
          expect(seen.has(token), `append ${token} stored twice`).toBe(false);
          seen.add(token);
          expect(r.step).toBe((lastStep.get(r.case_id) ?? 0) + 1);
          lastStep.set(r.case_id, r.step);
          if (lastWriter !== -1 && w !== lastWriter) switches++;
          lastWriter = w;
        }
        expect(seen.size).toBe(WRITERS * APPENDS);
        // The writers really interleaved (one process's appends were followed by another's).
        expect(switches).toBeGreaterThanOrEqual(WRITERS - 1);
        record('concurrency.writerSwitches', switches);
      } finally {
        db.close();
      }

      const retries = done.reduce((n, d) => n + (d.value as { retries: number }).retries, 0);
      const maxWaitMs = Math.max(...done.map((d) => (d.value as { maxWaitMs: number }).maxWaitMs));
      record('concurrency.entries', WRITERS * APPENDS);
      record('concurrency.busyRetries', retries);
      record('concurrency.maxAppendWaitMs', maxWaitMs);
      record('concurrency.readerPasses', readerDone.reduce((n, d) => n + (d.value as { passes: number }).passes, 0));
      record('concurrency.readerPassesMidway', midway);
    },
    budgetMs(300_000),
  );
});

describe('a database locked by another process', () => {
  test('a write lock held elsewhere: bounded wait, LEDGER_BUSY, nothing lost, the next append succeeds', async () => {
    const ledger = await newLedger({ busyTimeoutMs: 300 });
    await ledger.appendMany(steps(20));
    const saved = (await ledger.latestCheckpoint())!.note;
    const holder = startWorker('lock', { path: ledger.path, exclusive: false });
    await holder.waitFor('locked');
    try {
      const t0 = Date.now();
      const err = await ledger.append(steps(1)[0]!).then(
        () => undefined,
        (e: unknown) => e,
      );
      const waited = Date.now() - t0;
      expect(err).toBeInstanceOf(LedgerError);
      expect((err as LedgerError).code).toBe('LEDGER_BUSY');
      expect((err as LedgerError).message).toMatch(/locked by another writer/);
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(5_000);
      record('faults.lockedWaitMs', waited);
      // WAL readers are not blocked by a writer: verification still runs.
      const during = await ledger.verify({ vkey: KEYS.vkey });
      expect(during.ok).toBe(true);
      expect(during.size).toBe(20);
    } finally {
      holder.send('release');
      await holder.waitFor('released');
      await holder.exited;
    }
    const r = await ledger.append(steps(1)[0]!);
    expect(r.seq).toBe(20);
    // Nothing lost: the ledger still extends the checkpoint saved before the fault.
    const after = await ledger.verify({ vkey: KEYS.vkey, trusted: saved });
    expect(after.ok).toBe(true);
    expect(after.trusted?.extended).toBe(true);
    await ledger.close();
  });

  test('an exclusive lock held elsewhere: open, append and verify each fail with LEDGER_BUSY after the wait', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(10));
    const path = ledger.path;
    await ledger.close();
    const holder = startWorker('lock', { path, exclusive: true });
    await holder.waitFor('locked');
    try {
      const outcomes: string[] = [];
      for (const attempt of [
        async () => {
          const l = await openSigned(path, { busyTimeoutMs: 200 });
          try {
            await l.append(steps(1)[0]!);
          } finally {
            await l.close();
          }
        },
        () => verifyLedger(path, { vkey: KEYS.vkey, busyTimeoutMs: 200 }),
      ]) {
        const t0 = Date.now();
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        const waited = Date.now() - t0;
        expect(err).toBeInstanceOf(LedgerError);
        expect((err as LedgerError).code).toBe('LEDGER_BUSY');
        expect(waited).toBeLessThan(5_000);
        outcomes.push((err as LedgerError).code);
      }
      expect(outcomes).toEqual(['LEDGER_BUSY', 'LEDGER_BUSY']);
    } finally {
      holder.send('release');
      await holder.waitFor('released');
      await holder.exited;
    }
    const again = await openSigned(path);
    expect((await again.append(steps(1)[0]!)).seq).toBe(10);
    const report = await again.verify({ vkey: KEYS.vkey });
    expect(report.ok).toBe(true);
    expect(report.size).toBe(11);
    await again.close();
  });
});
