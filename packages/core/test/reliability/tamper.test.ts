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
 * Then every cell again, followed by the operator's ordinary append
 * (issue 8): refused with the code naming what the writer found, file and
 * state unchanged; or exactly the predicted entry appended and the true
 * extension signed, the tampering still reported
 * (helpers/reliability-operator.ts holds the oracle).
 *
 * Counts: CASETRAIL_SOAK_TAMPER_ROWS target rows per table (CI 6; the soak
 * targets every row), CASETRAIL_SOAK_TAMPER_PICKS byte choices per value
 * (CI 1).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  LedgerError,
  encodeEntry,
  equalBytes,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  payloadCommitment,
  rootFromLeaves,
  utf8,
  verifyLedger,
  type Receipt,
  type VerifyReport,
} from '../../src/index.js';
import { KEYS, cleanupTempDirs, copyState, openSigned } from '../helpers/ledgers.js';
import { fileAndState, operatorCase, operatorExpectation } from '../helpers/reliability-operator.js';
import { SEED, budgetMs, knob, record, rng } from '../helpers/reliability-config.js';
import { KINDS, TABLES, WITNESS_VKEY, applyCase, buildFixture, enumerateCases, matches, signedHistory, type Fixture } from '../helpers/reliability-tamper.js';
import { referenceIssues, sortIssues, type RefIssue } from '../helpers/reference-verify.js';

afterAll(cleanupTempDirs);

const ROWS = knob('TAMPER_ROWS', 6);
/** Issues as [code, table, position], to compare two reports. */
const shown = (r: VerifyReport) => r.issues.map((i) => [i.code, i.table, i.seq ?? i.size ?? null]);

/** The time of the operator's step after each tampering: later than every entry of the fixture. */
const OPERATOR_TIME = 1_900_000_000_000;
const OPERATOR_NONCE = new Uint8Array(16).fill(0x5a);
const PICKS = knob('TAMPER_PICKS', 1);

let fixture: Fixture;
let format: string;
beforeAll(async () => {
  fixture = await buildFixture();
  format = fixture.rows.meta.find((r) => r['key'] === 'format')!['value'] as string;
});

/**
 * Issues the reference does not derive yet, left out of the exact comparison
 * on both sides (the expected code of each change is still required): the
 * witness cosignatures of format.md §7.1 (table `cosignatures`, checked with
 * the witness key) and the system-entry type rule (SYSTEM_TYPE_UNKNOWN).
 */
const derived = (i: { code: string; table?: string }) => i.table !== 'cosignatures' && i.code !== 'SYSTEM_TYPE_UNKNOWN';

/** A report's issues as the reference gives them: code, table, position. */
const exact = (issues: VerifyReport['issues']): RefIssue[] =>
  sortIssues(
    issues.filter(derived).map((i) => ({
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
    expect(fixture.rows.cosignatures.length).toBe(2);
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
        const reference = e.type === 'open' ? undefined : referenceIssues(applied.path, KEYS.vkey, format).filter(derived);
        try {
          report = await verifyLedger(applied.path, { vkey: KEYS.vkey, witnesses: [WITNESS_VKEY] });
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
            const inc = await verifyLedger(applied.path, { vkey: KEYS.vkey, witnesses: [WITNESS_VKEY], trusted: fixture.earlyCheckpoint.note, mode: 'incremental' });
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
          // Every column of cosignatures is its key: a swap of the other columns changes nothing.
          if (k === 'swap' && fixture.columns[t].every((c) => c.pk)) continue;
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

  test(
    `every cell, then the operator appends (${ROWS} rows per table): refused with the code naming what changed and nothing written, or the true extension signed and the tampering still reported`,
    async () => {
      const cases = enumerateCases(fixture, ROWS, PICKS, rng(SEED ^ 0x0fe8));
      const failures: string[] = [];
      const tally = { tried: 0, refused: 0, appended: 0, hidden: 0, resolved: 0, ambiguous: 0, skipped: 0 };
      const cells = new Map<string, Set<string>>();
      for (const c of cases) {
        tally.tried++;
        const applied = await applyCase(fixture, c);
        if (!applied.applied) {
          tally.skipped++;
          continue;
        }
        copyState(fixture.path, applied.path);
        const caseId = operatorCase(fixture, c);
        const want = operatorExpectation(fixture, applied.path, applied.expect, caseId);
        if (want === undefined) {
          tally.ambiguous++;
          continue;
        }
        const cell = `${c.table}/${c.kind}/${c.column ?? '-'}`;
        const before = fileAndState(applied.path);
        // What verification shows before the operator acts, when signing an unsigned tail is to take away exactly that issue.
        const shownBefore = want.type === 'appended' && want.resolves ? await verifyLedger(applied.path, { vkey: KEYS.vkey, witnesses: [WITNESS_VKEY] }) : undefined;
        // A fixed time and payload: the entry the operator appends is then known byte for byte.
        // A fixed nonce too: the writer writes a version 2 entry (format.md §4.1, §4.6).
        const step = { caseId, type: 'operator.step', actor: 'clerk', payload: utf8('{"by":"operator"}'), salt: new Uint8Array(32).fill(9), time: OPERATOR_TIME, nonce: OPERATOR_NONCE };
        let got: { code: string; issue?: unknown; seq?: unknown } | Receipt;
        try {
          const l = await openSigned(applied.path);
          try {
            got = await l.append(step);
          } finally {
            await l.close();
          }
        } catch (e) {
          if (!(e instanceof LedgerError)) throw e;
          got = { code: e.code, issue: e.details['issue'], seq: e.details['seq'] };
        }
        const label = `${applied.description} (operator appends to ${caseId})`;
        if (want.type === 'refused') {
          const ok = 'code' in got && got.code === want.code && (want.issue === undefined || (got.issue === want.issue && got.seq === want.seq));
          if (!ok) failures.push(`${label}: expected ${want.code}${want.issue ? ` ${want.issue}@${want.seq}` : ''} (${want.why}), got ${JSON.stringify(got)}`);
          else if (fileAndState(applied.path) !== before) failures.push(`${label}: refused, but the file or the state changed`);
          else tally.refused++;
          (cells.get(cell) ?? cells.set(cell, new Set()).get(cell)!).add(want.code);
          continue;
        }
        if (!('leafHash' in got)) {
          failures.push(`${label}: expected the append to go on, got ${JSON.stringify(got)}`);
          continue;
        }
        (cells.get(cell) ?? cells.set(cell, new Set()).get(cell)!).add('appended');
        // What is signed is the true extension: the signed leaves and exactly the predicted entry.
        const expected = encodeEntry({
          v: 2,
          seq: want.size,
          prev: want.prev,
          time: OPERATOR_TIME,
          caseId,
          step: want.step,
          casePrev: want.casePrev,
          type: step.type,
          actor: step.actor,
          commit: payloadCommitment(step.salt, step.payload),
          sigs: [],
          nonce: OPERATOR_NONCE,
        });
        const signed = openCheckpoint(got.checkpoint ?? '', [parseVerifierKey(KEYS.vkey)]);
        const after = await verifyLedger(applied.path, { vkey: KEYS.vkey, witnesses: [WITNESS_VKEY] });
        const e = applied.expect;
        const problems = [
          got.seq !== want.size ? `appended at ${got.seq}, not ${want.size}` : '',
          !equalBytes(got.leafHash, leafHash(expected)) ? `the new entry is not the one predicted (step ${got.step}, expected ${want.step})` : '',
          signed.size !== want.size + 1 || !equalBytes(signed.root, rootFromLeaves([...want.leaves, leafHash(expected)])) ? 'the signed root is not that of the signed leaves and the new entry' : '',
          e.type === 'issue' && !want.resolves && !matches(after.issues, e) ? `the tampering is no longer reported (${JSON.stringify(after.issues.map((i) => [i.code, i.seq ?? i.size]))})` : '',
          e.type === 'benign' && !after.ok ? `benign, but now ${JSON.stringify(after.issues.map((i) => [i.code, i.seq ?? i.size]))}` : '',
          shownBefore !== undefined && JSON.stringify(shown(after)) !== JSON.stringify(shown(shownBefore).filter((i) => i[0] !== 'UNSIGNED_TAIL'))
            ? `signing the tail should leave exactly the other issues: before ${JSON.stringify(shown(shownBefore))}, after ${JSON.stringify(shown(after))}`
            : '',
        ].filter((x) => x !== '');
        if (problems.length > 0) failures.push(`${label}: ${problems.join('; ')}`);
        else {
          tally.appended++;
          if (want.hidden) tally.hidden++;
          if (want.resolves) tally.resolved++;
        }
      }
      expect(failures).toEqual([]);
      // Every column of every table was changed and then appended on, with both outcomes seen where both exist.
      for (const t of TABLES) for (const col of fixture.columns[t]) expect([...cells.keys()].some((k) => k.startsWith(`${t}/byte/${col.name}`)), `${t}.${col.name}`).toBe(true);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.appended).toBeGreaterThan(0);
      expect(tally.refused + tally.appended + tally.ambiguous + tally.skipped).toBe(tally.tried);
      record('tamper.operator.tried', tally.tried);
      record('tamper.operator.refused', tally.refused);
      record('tamper.operator.appended', tally.appended);
      record('tamper.operator.hiddenStep', tally.hidden);
      record('tamper.operator.tailSigned', tally.resolved);
      record('tamper.operator.ambiguous', tally.ambiguous);
    },
    budgetMs(120_000),
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
