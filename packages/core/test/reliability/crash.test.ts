/**
 * Crash safety (issue 4, "Crash safety"): a child process appends in a loop
 * (single appends, bulk batches, now and then a redaction) and is killed with
 * SIGKILL at a random moment. After each kill the ledger opens and fully
 * verifies, every append whose promise had resolved is present with the leaf
 * hash its receipt gave, the ledger extends the checkpoint saved after the
 * previous kill (so nothing verified before has changed), and the append that was in flight when the process
 * died is either wholly present or wholly absent.
 *
 * Counts: CASETRAIL_SOAK_KILLS (CI 6; the soak runs 50). Seed: CASETRAIL_SEED.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, toHex } from '../../src/index.js';
import { join } from 'node:path';
import { KEYS, cleanupTempDirs, newLedger, tempDir } from '../helpers/ledgers.js';
import { startWorker, workerError, type Worker } from '../helpers/reliability-children.js';
import { SEED, between, budgetMs, knob, record, rng } from '../helpers/reliability-config.js';

afterAll(cleanupTempDirs);

const KILLS = knob('KILLS', 6);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one killed worker reported: receipts, and the call it was inside when it died. */
function readReport(w: Worker, sizeBefore: number) {
  const acked: Array<[number, string]> = [];
  let inFlight: number | undefined;
  let sizeAcked = sizeBefore;
  for (const line of w.lines) {
    if (line.tag === 'ready') sizeAcked = (line.value as { size: number }).size;
    if (line.tag === 'begin') inFlight = (line.value as { n: number }).n;
    if (line.tag === 'skip') inFlight = undefined;
    if (line.tag === 'ack') {
      const items = line.value as Array<[number, string]>;
      acked.push(...items);
      sizeAcked = Math.max(sizeAcked, ...items.map(([seq]) => seq + 1));
      inFlight = undefined;
    }
  }
  return { acked, inFlight, sizeAcked, started: w.lines.some((l) => l.tag === 'ready') };
}

describe('crash safety under SIGKILL', () => {
  test(
    `${KILLS} kills at random moments: every acknowledged append survives, nothing half-written is visible`,
    async () => {
      const next = rng(SEED);
      const stateFile = join(tempDir(), 'ledger.key.state');
      const ledger = await newLedger({ signerState: { file: stateFile } });
      const path = ledger.path;
      await ledger.close();

      let acked = 0;
      let size = 0;
      let trusted: string | undefined;
      let killsInsideAppend = 0;
      let killsBeforeReady = 0;
      let committedNotAcked = 0;
      for (let k = 0; k < KILLS; k++) {
        const durability = k % 2 === 0 ? 'full' : 'normal';
        const w = startWorker('crash', { path, skey: KEYS.skey, stateFile, durability, seed: (SEED + k) >>> 0, maxBatch: k % 3 === 0 ? 300 : 40 });
        // Most kills land while appends run; some while the child still opens the file.
        const early = next() < 0.15;
        if (!early) await w.waitFor('ready');
        await sleep(early ? between(next, 0, 120) : between(next, 20, 500));
        w.child.kill('SIGKILL');
        const { signal } = await w.exited;
        const context = `kill ${k + 1}/${KILLS}, seed ${SEED}`;
        expect(workerError(w), `${context}: the worker failed before it was killed: ${w.stderr()}`).toBeUndefined();
        expect(signal, context).toBe('SIGKILL');

        const report = readReport(w, size);
        if (!report.started) killsBeforeReady++;

        const reopened = await Ledger.open(path);
        try {
          // The checkpoint saved after the previous kill proves that nothing
          // verified then has changed since; this round's receipts are then
          // checked one by one.
          const verdict = await reopened.verify({ vkey: KEYS.vkey, ...(trusted === undefined ? {} : { trusted }) });
          expect(verdict.issues, context).toEqual([]);
          expect(verdict.ok, context).toBe(true);
          // Each transaction stores its checkpoint: a signed size equal to the
          // size means no transaction is visible in part.
          expect(verdict.signedSize, context).toBe(verdict.size);
          const after = verdict.size;
          if (report.inFlight !== undefined) {
            killsInsideAppend++;
            expect([report.sizeAcked, report.sizeAcked + report.inFlight], `${context}: the in-flight call of ${report.inFlight} entries`).toContain(after);
            if (after !== report.sizeAcked) committedNotAcked++;
          } else {
            expect(after, context).toBe(report.sizeAcked);
          }
          if (trusted !== undefined) expect(verdict.trusted?.extended, context).toBe(true);
          for (const [seq, leaf] of report.acked) {
            expect(seq, context).toBeLessThan(after);
            expect(toHex((await reopened.get(seq)).leafHash), `${context}: acknowledged entry ${seq}`).toBe(leaf);
          }
          acked += report.acked.length;
          size = after;
          trusted = (await reopened.latestCheckpoint())?.note;
        } finally {
          await reopened.close();
        }
      }
      expect(acked).toBeGreaterThan(0);
      record('crash.kills', KILLS);
      record('crash.killsInsideAppend', killsInsideAppend);
      record('crash.killsBeforeReady', killsBeforeReady);
      record('crash.committedNotAcked', committedNotAcked);
      record('crash.acknowledgedEntriesChecked', acked);
      record('crash.finalSize', size);
    },
    budgetMs(90_000),
  );

  test(
    `${KILLS} kills while an extension adds an entry after every step: never a step without its alert, nothing half-written`,
    async () => {
      const next = rng(SEED ^ 0x5eed);
      const stateFile = join(tempDir(), 'ledger.key.state');
      const ledger = await newLedger({ signerState: { file: stateFile } });
      const path = ledger.path;
      await ledger.close();
      let checked = 0;
      for (let k = 0; k < KILLS; k++) {
        const w = startWorker('crashHooks', { path, skey: KEYS.skey, stateFile, durability: k % 2 === 0 ? 'full' : 'normal' });
        await w.waitFor('ready');
        await sleep(between(next, 20, 400));
        w.child.kill('SIGKILL');
        await w.exited;
        expect(workerError(w), w.stderr()).toBeUndefined();
        const reopened = await Ledger.open(path, { readonly: true });
        try {
          // The worker's extension declares casetrail.alert; a verifier is told its rules (format.md §8).
          const verdict = await reopened.verify({ vkey: KEYS.vkey, systemTypes: { 'casetrail.alert': (d) => (typeof (d as { about?: unknown })?.about === 'number' ? undefined : 'an alert names its step') } });
          expect(verdict.issues).toEqual([]);
          expect(verdict.signedSize).toBe(verdict.size);
          expect(verdict.size % 2).toBe(0);
          for await (const e of reopened.stream()) {
            if (e.seq % 2 === 0) expect(e.entry!.type).toBe('step');
            else expect([e.entry!.type, e.data]).toEqual(['casetrail.alert', { about: e.seq - 1 }]);
            checked++;
          }
        } finally {
          await reopened.close();
        }
      }
      expect(checked).toBeGreaterThan(0);
      record('crash.hooks.entriesChecked', checked);
    },
    budgetMs(60_000),
  );
});
