/**
 * The tamper matrix (issue 4, "Tamper matrix"): every table of the ledger
 * file × every kind of change (helpers/reliability-tamper.ts), with the
 * refusal triggers dropped first. Full verification must fail with the
 * expected code at the expected position; changes that touch nothing signed
 * are shown to leave the signed history unchanged; no-ops and changes the
 * schema itself refuses are counted, not hidden.
 *
 * Counts: CASETRAIL_SOAK_TAMPER_ROWS target rows per table (CI 6; the soak
 * targets every row), CASETRAIL_SOAK_TAMPER_PICKS byte choices per value
 * (CI 1).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LedgerError, verifyLedger, type VerifyReport } from '../../src/index.js';
import { TABLES } from '../../src/store/sqlite/schema.js';
import { KEYS, cleanupTempDirs } from '../helpers/ledgers.js';
import { SEED, budgetMs, knob, record, rng } from '../helpers/reliability-config.js';
import { KINDS, applyCase, buildFixture, enumerateCases, matches, signedHistory, type Fixture } from '../helpers/reliability-tamper.js';

afterAll(cleanupTempDirs);

const ROWS = knob('TAMPER_ROWS', 6);
const PICKS = knob('TAMPER_PICKS', 1);

let fixture: Fixture;
beforeAll(async () => {
  fixture = await buildFixture();
});

describe('tamper matrix', () => {
  test('the fixture has rows in every table and verifies', () => {
    for (const t of TABLES) expect(fixture.rows[t].length, t).toBeGreaterThan(1);
    expect(fixture.redacted.length).toBe(2);
    expect(fixture.signedEntries.length).toBe(2);
    expect(fixture.checkpointSizes.length).toBeGreaterThan(4);
  });

  test(
    `every table × every kind of change (${ROWS} rows per table, ${PICKS} pick(s) per value) is caught with its code and position`,
    async () => {
      const cases = enumerateCases(fixture, ROWS, PICKS, rng(SEED));
      const failures: string[] = [];
      const tally = { tried: 0, caught: 0, benign: 0, noop: 0, refused: 0, incremental: 0 };
      const cells = new Map<string, number>();
      for (const c of cases) {
        tally.tried++;
        const applied = await applyCase(fixture, c);
        if (!applied.applied) {
          tally[applied.reason]++;
          continue;
        }
        cells.set(`${c.table}/${c.kind}`, (cells.get(`${c.table}/${c.kind}`) ?? 0) + 1);
        const e = applied.expect;
        let report: VerifyReport;
        try {
          report = await verifyLedger(applied.path, { vkey: KEYS.vkey });
        } catch (err) {
          if (e.type === 'open' && err instanceof LedgerError && err.code === e.code) {
            tally.caught++;
          } else {
            failures.push(`${applied.description}: verification threw ${err instanceof LedgerError ? err.code : String(err)}; expected ${JSON.stringify(e)}`);
          }
          continue;
        }
        if (e.type === 'issue') {
          if (report.ok || !matches(report.issues, e)) {
            failures.push(`${applied.description}: expected ${e.codes.join('|')} at ${JSON.stringify(e.at)}, got ok=${report.ok} ${JSON.stringify(report.issues.map((i) => [i.code, i.table, i.seq ?? i.size ?? [i.level, i.index]]))}`);
            continue;
          }
          tally.caught++;
          // Incremental verification from a checkpoint before the change must fail too.
          const seq = c.key['seq'];
          if (c.table === 'entries' && typeof seq === 'number' && seq >= fixture.earlyCheckpoint.size) {
            const inc = await verifyLedger(applied.path, { vkey: KEYS.vkey, trusted: fixture.earlyCheckpoint.note, mode: 'incremental' });
            if (inc.ok) failures.push(`${applied.description}: incremental verification from size ${fixture.earlyCheckpoint.size} accepted it`);
            else tally.incremental++;
          }
        } else if (e.type === 'benign') {
          // Nothing signed changed: the file verifies and signs the same history.
          const history = await signedHistory(applied.path);
          if (!report.ok || history.size !== fixture.size || history.root !== fixture.root) {
            failures.push(`${applied.description}: declared benign (${e.why}) but ok=${report.ok}, size ${history.size}, root ${history.root}`);
            continue;
          }
          tally.benign++;
        } else {
          failures.push(`${applied.description}: expected opening to fail with ${e.code}, but it verified (ok=${report.ok})`);
        }
      }
      expect(failures).toEqual([]);
      // Every table × kind cell was exercised at least once (rehash and erase exist for entries only).
      for (const t of TABLES) {
        for (const k of KINDS) {
          if ((k === 'rehash' || k === 'erase') && t !== 'entries') continue;
          expect(cells.get(`${t}/${k}`) ?? 0, `${t}/${k}`).toBeGreaterThan(0);
        }
      }
      expect(tally.caught + tally.benign + tally.noop + tally.refused).toBe(tally.tried);
      record('tamper.tried', tally.tried);
      record('tamper.caught', tally.caught);
      record('tamper.benignByDesign', tally.benign);
      record('tamper.skippedNoop', tally.noop);
      record('tamper.skippedRefusedBySchema', tally.refused);
      record('tamper.incrementalAlsoCaught', tally.incremental);
    },
    budgetMs(60_000),
  );

  test('deleting a superseded checkpoint is benign: a client that saved it still verifies the file', async () => {
    const latest = fixture.checkpointSizes[fixture.checkpointSizes.length - 1]!;
    const victim = fixture.checkpointSizes[1]!;
    expect(victim).toBeLessThan(latest);
    const applied = await applyCase(fixture, { table: 'checkpoints', kind: 'delete', key: { size: victim }, pick: 0 });
    expect(applied.applied).toBe(true);
    const saved = fixture.rows.checkpoints.find((r) => r['size'] === victim)!['note'] as string;
    const report = await verifyLedger(applied.path, { vkey: KEYS.vkey, trusted: saved });
    expect(report.ok).toBe(true);
    expect(report.trusted).toMatchObject({ size: victim, extended: true });
  });
});
