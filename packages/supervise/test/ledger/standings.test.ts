/**
 * Standings (docs/supervision.md §14.12) on real ledger files: the writer
 * records each cycle's counts, the live totals continue the latest standing
 * and give, for every period of the cycle, exactly what a count of every
 * entry gives; the audit recomputes each standing; and, in the attacker's
 * order, a standing written around the writer is named by the audit and
 * never continued by the honest writer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, utf8 } from '@casetrail/core';
import { POINTS_TYPES, encodeStanding, encodeViolation, parsePointsPayload, standingCase, type Standing } from '../../src/index.js';
import { auditLedger, ledgerPoints, standingsAt, supervise, supervisionRegistry, type SupervisedLedger } from '../../src/ledger/index.js';
import { openStore } from '@casetrail/core';
import { STANDING_REFRESH } from '../../src/ledger/standings.js';
import { KEYS, cleanupTempDirs, newSupervised, replayScenario, stateOf } from '../helpers/real-ledger.js';
import { buildExampleLedger } from '../helpers/scenarios.js';
import { examplePack, sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const PERIODS = ['2025', '2025-Q3', '2025-Q4', '2025-10', '2025-11', '2025-12'];

async function example(): Promise<{ path: string; ledger: Ledger; sup: SupervisedLedger }> {
  const s = await newSupervised();
  await replayScenario(buildExampleLedger().sim, s.sup, [examplePack()]);
  return s;
}

async function errorsOf(path: string): Promise<[string, number, string | undefined][]> {
  const r = await auditLedger(path, { vkey: KEYS.vkey });
  expect(r.verification.ok).toBe(true);
  return r.audit!.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.seq, f.subject]);
}

/** The lines of a period as the live totals give them, and as a count of every entry (each checked) gives them. */
async function bothWays(path: string, period: string) {
  const live = await ledgerPoints(path, { period });
  const all = await ledgerPoints(path, { period, check: true });
  const lines = (r: typeof live) => r.subjects.map((s) => ({ ...s }));
  return { live, all, liveLines: lines(live), allLines: lines(all) };
}

async function standingAt(ledger: Ledger, seq: number): Promise<Standing> {
  const e = await ledger.get(seq);
  expect(e.entry?.type).toBe(POINTS_TYPES.standing);
  return parsePointsPayload(POINTS_TYPES.standing, new TextDecoder().decode(e.payload!), { seq, time: e.entry!.time, caseId: e.entry!.caseId });
}

describe('standings through the writer', () => {
  it('each standing continues the last; the live totals read only the entries after it and agree with a full count for every period', async () => {
    const { path, ledger, sup } = await example();
    // Nothing to count yet: no standing is written.
    expect((await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T08:00') })).receipts).toEqual([]);
    const v1 = await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    const s1 = (await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T09:30') })).receipts;
    expect(s1.map((r) => r.seq)).toEqual([v1.seq + 2]);
    expect(await standingAt(ledger, s1[0]!.seq)).toEqual({
      cycle: '2025',
      pack: examplePack().hash,
      subjects: [{ subject: 'cashier:zhao', months: [{ month: '2025-10', points: 3, violations: [v1.seq + 1], revoked: [] }] }],
    });
    // Nothing new: no second standing.
    expect((await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T09:40') })).receipts).toEqual([]);
    const direct = await sup.recordViolation({ subject: 'clerk:wang', code: 'fee.over-standard', points: 3, evidence: [14, 15], reason: '经办人未审核收费' }, { actor: 'inspector:sun', time: sh('2025-11-12T10:00') });
    const v2 = await sup.dispose(19, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T10:10') });
    await sup.revokeViolation(v1.seq + 1, { actor: 'committee:li', reason: '申诉成立', time: sh('2025-11-12T11:00') });
    const s2 = (await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T11:30') })).receipts;
    expect(s2).toHaveLength(1);
    const v3 = await sup.dispose(44, { actor: 'chief:zhang', outcome: 'violation', reason: '超期属实', time: sh('2025-11-12T12:00') });
    for (const period of PERIODS) {
      const { live, all, liveLines, allLines } = await bothWays(path, period);
      expect(liveLines, period).toEqual(allLines);
      expect(live.basis, period).toEqual({ standing: s2[0]!.seq, folded: 1 });
      expect(all.invalid).toEqual([]);
    }
    const year = await ledgerPoints(path, { period: '2025' });
    expect(year.subjects.map((s) => [s.subject, s.deducted, s.violations, s.revoked])).toEqual([
      ['cashier:zhao', 3, [v2.seq + 1], [v1.seq + 1]],
      ['clerk:wang', 3, [direct.seq], []],
      ['clerk:zhou', 2, [v3.seq + 1], []],
    ]);
    // Details are read only when asked for (or for one subject).
    expect(year.violations.size).toBe(0);
    const one = await ledgerPoints(path, { period: '2025', subject: 'cashier:zhao' });
    expect([...one.violations.keys()].sort((a, b) => a - b)).toEqual([v1.seq + 1, v2.seq + 1]);
    expect(one.violations.get(v1.seq + 1)?.revokedBy).toMatchObject({ actor: 'committee:li', reason: '申诉成立' });
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
    const audit = await auditLedger(path, { vkey: KEYS.vkey });
    expect(audit.audit!.points).toMatchObject({ standings: 2 });
  });

  it("a late confirmation in the next cycle updates the past cycle's standing too", async () => {
    const { path, ledger, sup } = await example();
    const v1 = await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    const [s1] = (await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T09:30') })).receipts;
    // Confirmed on 3 January 2026: the red card's step was on 7 November 2025, so it counts in 2025.
    const v2 = await sup.dispose(44, { actor: 'chief:zhang', outcome: 'violation', reason: '超期属实', time: sh('2026-01-03T09:00') });
    const r = await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2026-01-03T10:00') });
    // 2026 has nothing to count; 2025 continues its standing with the late violation.
    expect(r.receipts).toHaveLength(1);
    const s = await standingAt(ledger, r.receipts[0]!.seq);
    expect(s.cycle).toBe('2025');
    expect(s.subjects.map((x) => [x.subject, x.months.map((m) => [m.month, m.points, m.violations])])).toEqual([
      ['cashier:zhao', [['2025-10', 3, [v1.seq + 1]]]],
      ['clerk:zhou', [['2025-11', 2, [v2.seq + 1]]]],
    ]);
    expect((await ledgerPoints(path, { period: '2025' })).basis).toEqual({ standing: r.receipts[0]!.seq, folded: 0 });
    expect(s1!.seq).toBeLessThan(r.receipts[0]!.seq);
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
  });
});

describe('refreshing a standing', () => {
  /** The standings `standingsAt` would record at `time` (counted as recorded). */
  async function due(path: string, time: number): Promise<string[]> {
    const store = await openStore(path, { readonly: true });
    try {
      return (await store.read((view) => standingsAt(view, store.origin, examplePack(), time, null))).standings.map((s) => s.caseId);
    } finally {
      await store.close();
    }
  }

  it(`a past cycle's unchanged standing is recorded again once more than ${STANDING_REFRESH} entries follow it, not before`, async () => {
    const { path, ledger, sup } = await example();
    await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T09:30') });
    await sup.close();
    await ledger.close();
    // Violations of 2026 only, appended as recorded (their check is not what this tries).
    const core = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
    core.use(supervisionRegistry());
    const violation = (k: number) => ({ caseId: 'XK-D1', type: POINTS_TYPES.violation, actor: 'inspector:sun', payload: utf8(encodeViolation({ alert: null, at: sh('2026-01-05T09:00') + k, code: 'fee.over-standard', evidence: [15], points: 3, reason: '测试', subject: `clerk:c${k}` })), time: sh('2026-01-06T09:00') });
    await core.appendSystem(Array.from({ length: STANDING_REFRESH }, (_, k) => violation(k)));
    // Exactly the limit follows the 2025 standing: only 2026 gets one.
    expect(await due(path, sh('2026-01-06T10:00'))).toEqual([standingCase('2026')]);
    await core.appendSystem([violation(STANDING_REFRESH)]);
    expect(await due(path, sh('2026-01-06T10:00'))).toEqual([standingCase('2026'), standingCase('2025')]);
    await core.close();
  });
});

describe('attacker order: standings written around the writer', () => {
  async function withForged(change: (s: Standing) => Standing): Promise<{ path: string; forged: number; honest: number }> {
    const { path, ledger, sup } = await example();
    await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    await sup.dispose(19, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:10') });
    const [honest] = (await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T09:30') })).receipts;
    const s = await standingAt(ledger, honest!.seq);
    await sup.close();
    await ledger.close();
    // A process with the key but without supervision appends a standing of its own.
    const core = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
    core.use(supervisionRegistry());
    const [forged] = await core.appendSystem([{ caseId: standingCase(change(s).cycle), type: POINTS_TYPES.standing, actor: 'mallory', payload: utf8(encodeStanding(change(s))), time: sh('2025-11-12T09:40') }]);
    await core.close();
    return { path, forged: forged!.seq, honest: honest!.seq };
  }

  it('a lowered total: the audit names the subject; the honest writer refuses to continue it; --check counts from the entries', async () => {
    const { path, forged } = await withForged((s) => ({ ...s, subjects: s.subjects.map((x) => ({ ...x, months: x.months.map((m) => ({ ...m, points: m.points - 3 })) })) }));
    expect(await errorsOf(path)).toEqual([['STANDING_DIFFERS', forged, 'cashier:zhao']]);
    // What the live totals show continues the latest standing (the audit is what proves it); --check does not.
    expect((await ledgerPoints(path, { period: '2025' })).basis.standing).toBe(forged);
    expect((await ledgerPoints(path, { period: '2025', check: true })).subjects.map((x) => [x.subject, x.deducted])).toEqual([['cashier:zhao', 6]]);
    // Without standings (the monitor's reading): every entry of the cycle, the honest numbers.
    const all = await ledgerPoints(path, { period: '2025', standings: false });
    expect([all.basis.standing, all.subjects.map((x) => [x.subject, x.deducted])]).toEqual([null, [['cashier:zhao', 6]]]);
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
    const honest = await supervise(again, { vkey: KEYS.vkey });
    await honest.recordViolation({ subject: 'clerk:wang', code: 'fee.over-standard', points: 3, evidence: [14, 15], reason: '经办人未审核收费' }, { actor: 'inspector:sun', time: sh('2025-11-12T10:00') });
    const size = await again.size();
    const err: unknown = await honest.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T10:30') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect([(err as Error & { code: string }).code, (err as Error & { details: unknown }).details]).toEqual(['STANDING_INVALID', { seq: forged, subject: 'cashier:zhao' }]);
    expect(await again.size()).toBe(size);
    await honest.close();
    await again.close();
  });

  it('a standing naming another pack or a cycle of another kind is STANDING_INVALID in the audit', async () => {
    const other = await withForged((s) => ({ ...s, pack: 'ab'.repeat(32) }));
    expect(await errorsOf(other.path)).toEqual([['STANDING_INVALID', other.forged, undefined]]);
    const quarter = await withForged((s) => ({ ...s, cycle: '2025-Q4' }));
    expect(await errorsOf(quarter.path)).toEqual([['STANDING_INVALID', quarter.forged, undefined]]);
    // Neither is continued: the live totals continue the honest standing, the only one of the pack and cycle.
    expect((await ledgerPoints(other.path, { period: '2025' })).basis).toEqual({ standing: other.honest, folded: 0 });
  });
});
