/**
 * The tamper matrix (issue 4, "Tamper matrix"): every table of the ledger
 * file × every kind of change (helpers/reliability-tamper.ts), with the
 * refusal triggers dropped first. Full verification must fail with the
 * expected code at the expected position, and report exactly the issues —
 * codes and positions, the consequences of the change included (the next
 * step of a case, the checkpoints after it, …) — that a second reading of
 * format.md §8 (helpers/reference-verify.ts) derives from the changed file;
 * changes that touch nothing signed are shown to leave the signed history
 * unchanged (and derive no issue); no-ops and changes the schema itself
 * refuses are counted, not hidden.
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
import { referenceIssues, sortIssues, type RefIssue } from '../helpers/reference-verify.js';

afterAll(cleanupTempDirs);

const ROWS = knob('TAMPER_ROWS', 6);
const PICKS = knob('TAMPER_PICKS', 1);

let fixture: Fixture;
let format: string;
beforeAll(async () => {
  fixture = await buildFixture();
  format = fixture.rows.meta.find((r) => r['key'] === 'format')!['value'] as string;
});

/** A report's issues as the reference gives them: code, table, position. */
const exact = (issues: VerifyReport['issues']): RefIssue[] =>
  sortIssues(
    issues.map((i) => ({
      code: i.code,
      table: i.table as RefIssue['table'],
      ...(i.seq === undefined ? {} : { seq: i.seq }),
      ...(i.size === undefined ? {} : { size: i.size }),
      ...(i.level === undefined ? {} : { level: i.level }),
      ...(i.index === undefined ? {} : { index: i.index }),
    })),
  );

/** Codes the matrix must reach through the changes it makes and what follows from them (the per-case chain among them). */
const REACHED = [
  'LEDGER_DAMAGED', 'META_MISMATCH', 'SEQ_GAP', 'ENTRY_DECODE', 'SEQ_MISMATCH', 'LEAF_HASH_MISMATCH', 'PREV_MISMATCH', 'TIME_ORDER', 'INDEX_MISMATCH',
  'CASE_STEP_MISMATCH', 'CASE_CHAIN_BROKEN', 'PAYLOAD_COMMITMENT_MISMATCH', 'PAYLOAD_MISSING', 'REDACTION_INVALID', 'NONCE_REPLAYED', 'NODE_MISMATCH',
  'CHECKPOINT_INVALID', 'CHECKPOINT_ROOT_MISMATCH', 'CHECKPOINT_BEYOND_LEDGER', 'UNSIGNED_TAIL', 'ROW_INVALID',
];

describe('tamper matrix', () => {
  test('the fixture has rows in every table and verifies', () => {
    for (const t of TABLES) expect(fixture.rows[t].length, t).toBeGreaterThan(1);
    expect(fixture.redacted.length).toBe(2);
    expect(fixture.signedEntries.length).toBe(2);
    expect(fixture.checkpointSizes.length).toBeGreaterThan(4);
  });

  test(
    `every table × every kind of change (${ROWS} rows per table, ${PICKS} pick(s) per value): its code at its position, and exactly the issues a second reading of format.md §8 derives from the changed file`,
    async () => {
      const cases = enumerateCases(fixture, ROWS, PICKS, rng(SEED));
      const failures: string[] = [];
      const tally = { tried: 0, caught: 0, benign: 0, noop: 0, refused: 0, incremental: 0 };
      const cells = new Map<string, number>();
      const reached = new Set<string>();
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
        // What verification must report, in full: derived from the changed file by the reference (helpers/reference-verify.ts).
        const reference = e.type === 'open' ? undefined : referenceIssues(applied.path, KEYS.vkey, format);
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
        for (const i of report.issues) reached.add(i.code);
        if (JSON.stringify(exact(report.issues)) !== JSON.stringify(reference)) {
          const got = exact(report.issues).map((i) => JSON.stringify(i));
          const want = reference!.map((i) => JSON.stringify(i));
          failures.push(`${applied.description}: reported but not derived ${got.filter((i) => !want.includes(i)).join(' ')}; derived but not reported ${want.filter((i) => !got.includes(i)).join(' ')}`);
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
      // The changes reach every code the matrix is meant to exercise, cascades included.
      expect([...reached].sort()).toEqual(expect.arrayContaining(REACHED));
      expect(tally.incremental).toBeGreaterThan(0);
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
