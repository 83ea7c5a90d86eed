/**
 * The violations ledger through the writer, on real ledger files: a
 * confirmed alert's violation written right after its disposition in one
 * transaction, direct records, revocations, summaries of ended periods and
 * their amendments — each refused with a code and nothing written when a
 * rule forbids it — and, in the attacker's order, entries written through the
 * core's system-entry call (a planted violation, a summary with a wrong
 * total) that the honest writer refuses to count and the audit names.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, utf8 } from '@casetrail/core';
import { DIRECTORY_CASE, MEMBERSHIP_TYPES, POINTS_TYPES, canonicalJson, encodeSummary, encodeViolation, parsePointsPayload, type Summary } from '../../src/index.js';
import { auditLedger, supervisionRegistry, type SupervisedLedger } from '../../src/ledger/index.js';
import { KEYS, cleanupTempDirs, newSupervised, openSupervised, replayScenario, stateOf } from '../helpers/real-ledger.js';
import { buildExampleLedger } from '../helpers/scenarios.js';
import { examplePack, sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

/** The example scenario written through the writer (its alerts at the seqs of scenarios.ts). */
async function example(): Promise<{ path: string; ledger: Ledger; sup: SupervisedLedger }> {
  const s = await newSupervised();
  await replayScenario(buildExampleLedger().sim, s.sup, [examplePack()]);
  return s;
}

/** The directory's membership types, declared as the oversight layer declares them (their shape is its validators' to check). */
const DIRECTORY_TYPES = Object.fromEntries(Object.values(MEMBERSHIP_TYPES).map((t) => [t, () => undefined]));

async function errorsOf(path: string): Promise<[string, number, string | undefined][]> {
  const r = await auditLedger(path, { vkey: KEYS.vkey, systemTypes: DIRECTORY_TYPES });
  expect(r.verification.ok).toBe(true);
  return r.audit!.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.seq, f.subject]);
}

/** Writes system entries through the core alone, as a process without supervision's checks could. */
async function throughTheCore(path: string, entries: { caseId: string; type: string; actor: string; payload: string; time?: number }[]): Promise<number[]> {
  const ledger = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
  ledger.use(supervisionRegistry());
  ledger.use({ name: 'directory', systemTypes: DIRECTORY_TYPES });
  const rs = await ledger.appendSystem(entries.map((e) => ({ ...e, payload: utf8(e.payload) })));
  await ledger.close();
  return rs.map((r) => r.seq);
}

describe('violations through the writer', () => {
  it('confirming a red card records its violation right after the disposition, in the same transaction', async () => {
    const { path, ledger, sup } = await example();
    const d = await sup.dispose(44, { actor: 'chief:zhang', outcome: 'violation', reason: '超期属实', time: sh('2025-11-12T09:00') });
    expect(d.violation).toEqual({ seq: d.seq + 1, caseId: 'XK-G', subject: 'clerk:zhou', code: 'deadline.approval', points: 2, at: sh('2025-11-07T09:00') });
    expect(d.treeSize).toBe(d.seq + 2);
    const v = (await ledger.get(d.seq + 1)).entry!;
    expect(v).toMatchObject({ type: POINTS_TYPES.violation, caseId: 'XK-G', actor: 'chief:zhang', time: sh('2025-11-12T09:00') });
    // A notice has no 情形 code: confirmed, it deducts nothing and no violation follows.
    const n = await sup.dispose(45, { actor: 'chief:zhang', outcome: 'violation', reason: '提示属实', time: sh('2025-11-12T09:10') });
    expect([n.violation, await ledger.size()]).toEqual([null, n.seq + 1]);
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
  });

  it('direct records and revocations; what a rule forbids is refused with nothing written', async () => {
    const { path, ledger, sup } = await example();
    const t = sh('2025-11-12T09:00');
    const r = await sup.recordViolation({ subject: 'clerk:wang', code: 'fee.over-standard', points: 3, evidence: [14, 15], reason: '经办人未审核收费' }, { actor: 'inspector:sun', time: t });
    expect(r.violation).toEqual({ seq: r.seq, caseId: 'XK-D1', subject: 'clerk:wang', code: 'fee.over-standard', points: 3, at: sh('2025-10-14T09:05') });
    const size = await ledger.size();
    const refused: [string, () => Promise<unknown>][] = [
      ['a subject the evidence does not concern', () => sup.recordViolation({ subject: 'clerk:innocent', code: 'fee.over-standard', points: 3, evidence: [15], reason: 'x' }, { actor: 'inspector:sun', time: t })],
      ['points other than the 情形’s', () => sup.recordViolation({ subject: 'cashier:zhao', code: 'fee.over-standard', points: 12, evidence: [15], reason: 'x' }, { actor: 'inspector:sun', time: t })],
      ['a code not in the pack', () => sup.recordViolation({ subject: 'cashier:zhao', code: 'gift.accepted', points: 3, evidence: [15], reason: 'x' }, { actor: 'inspector:sun', time: t })],
      ['evidence of two cases', () => sup.recordViolation({ subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, evidence: [15, 18], reason: 'x' }, { actor: 'inspector:sun', time: t })],
      ['evidence that is not in the ledger', () => sup.recordViolation({ subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, evidence: [9999], reason: 'x' }, { actor: 'inspector:sun', time: t })],
      ['an alert cited directly', () => sup.recordViolation({ subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, evidence: [15, 16], reason: 'x' }, { actor: 'inspector:sun', time: t })],
    ];
    for (const [what, p] of refused) expect(await codeOf(p()), what).toBe('VIOLATION_INVALID');
    expect(await codeOf(sup.revokeViolation(15, { actor: 'committee:li', reason: 'x', time: t }))).toBe('REVOCATION_INVALID');
    expect(await ledger.size()).toBe(size);
    const rv = await sup.revokeViolation(r.seq, { actor: 'committee:li', reason: '申诉成立', time: t });
    expect((await ledger.get(rv.seq)).entry).toMatchObject({ type: POINTS_TYPES.revoked, caseId: 'XK-D1' });
    expect(await codeOf(sup.revokeViolation(r.seq, { actor: 'committee:li', reason: 'again', time: t }))).toBe('REVOCATION_INVALID');
    expect(await codeOf(ledger.redact(r.seq, { reason: 'x', actor: 'dpo:wu' }))).toBe('NOT_REDACTABLE');
    expect(await codeOf(ledger.redact(rv.seq, { reason: 'x', actor: 'dpo:wu' }))).toBe('NOT_REDACTABLE');
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
  });

  it('summaries: of an ended period only, once, then amended; the audit recomputes each', async () => {
    const { path, ledger, sup } = await example();
    await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    const fee = await sup.dispose(19, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:10') });
    expect(await codeOf(sup.summarize('2025', { actor: 'director:chen', time: sh('2025-12-31T23:59') }))).toBe('SUMMARY_INVALID');
    expect(await codeOf(sup.summarize('2025-13', { actor: 'director:chen', time: sh('2026-01-02T09:00') }))).toBe('SUMMARY_INVALID');
    const s = await sup.summarize('2025', { actor: 'director:chen', time: sh('2026-01-02T09:00') });
    const payload = parsePointsPayload(POINTS_TYPES.summary, new TextDecoder().decode((await ledger.get(s.seq)).payload!), { seq: s.seq, time: s.time, caseId: s.caseId });
    expect(payload.subjects).toEqual([{ deducted: 6, measure: 'admonish', remaining: 6, revoked: [], subject: 'cashier:zhao', total: 6, unit: null, violations: [fee.seq - 1, fee.seq + 1] }]);
    expect(await codeOf(sup.summarize('2025', { actor: 'director:chen', time: sh('2026-01-02T10:00') }))).toBe('SUMMARY_INVALID');
    await sup.revokeViolation(fee.seq + 1, { actor: 'committee:li', reason: '申诉成立', time: sh('2026-01-05T09:00') });
    const a = await sup.summarize('2025', { actor: 'director:chen', time: sh('2026-01-05T10:00'), amends: { summary: s.seq, reason: '申诉成立，撤销一项' } });
    expect(a.seq).toBe(s.seq + 2);
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
  });
});

describe('attacker order: entries written through the core', () => {
  it('a planted violation: the honest summary refuses to count it until it is revoked, and the audit names it', async () => {
    const { path, ledger, sup } = await example();
    await sup.close();
    await ledger.close();
    const planted = encodeViolation({ alert: null, at: sh('2025-10-14T09:05'), code: 'fee.over-standard', evidence: [15], points: 3, reason: '栽赃', subject: 'clerk:innocent' });
    const [seq] = await throughTheCore(path, [{ caseId: 'XK-D1', type: POINTS_TYPES.violation, actor: 'mallory', payload: planted, time: sh('2025-11-12T09:00') }]);
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
    const { supervise } = await import('../../src/ledger/index.js');
    const honest = await supervise(again, { vkey: KEYS.vkey });
    const size = await again.size();
    const err: unknown = await honest.summarize('2025', { actor: 'director:chen', time: sh('2026-01-02T09:00') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect([(err as Error & { code: string }).code, (err as Error).message]).toEqual(['SUMMARY_INVALID', expect.stringMatching(new RegExp(`violation ${seq} \\(fee.over-standard, clerk:innocent\\) does not check: subject clerk:innocent is not concerned`))]);
    expect(await again.size()).toBe(size);
    await honest.revokeViolation(seq!, { actor: 'committee:li', reason: '非经核实的登记', time: sh('2026-01-02T08:00') });
    const s = await honest.summarize('2025', { actor: 'director:chen', time: sh('2026-01-02T09:00') });
    expect((await again.get(s.seq)).data).toMatchObject({ subjects: [] });
    await honest.close();
    await again.close();
    expect(await errorsOf(path)).toEqual([['VIOLATION_INVALID', seq, 'clerk:innocent']]);
  });

  it('a summary appended through the core with a wrong total: the audit fails, naming the subject', async () => {
    const { path, ledger, sup } = await example();
    await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    await sup.close();
    await ledger.close();
    // The attacker copies what an honest summary would count, and lowers one subject's deduction.
    const pack = examplePack();
    const { storedBook, viewUnits } = await import('../../src/ledger/index.js');
    const { openStore } = await import('@casetrail/core');
    const store = await openStore(path, { readonly: true });
    const honest = await store.read((view) => storedBook(view, store.origin, view.size()).expectedSummary(pack, '2025', viewUnits(view, store.origin), view.size(), null));
    await store.close();
    const forged = JSON.parse(honest) as Summary;
    const lowered = encodeSummary({ ...forged, subjects: forged.subjects.map((x) => ({ ...x, deducted: 0, total: 0, remaining: 12, measure: null })) });
    const [seq] = await throughTheCore(path, [{ caseId: 'casetrail.system', type: POINTS_TYPES.summary, actor: 'mallory', payload: lowered, time: sh('2026-01-02T09:00') }]);
    expect(await errorsOf(path)).toEqual([['SUMMARY_DIFFERS', seq, 'cashier:zhao']]);
  });
});

describe('units in the writer (§14.7): judged by what the audit reads', () => {
  const directory = (entries: [string, unknown, string?][]) =>
    entries.map(([type, value, text]) => ({ caseId: DIRECTORY_CASE, type, actor: 'admin:root', payload: text ?? canonicalJson(value), time: sh('2025-11-12T08:00') }));
  const units = directory([
    [MEMBERSHIP_TYPES.unitAdded, { parent: null, unit: 'bureau' }],
    [MEMBERSHIP_TYPES.unitAdded, { parent: 'bureau', unit: 'finance' }],
  ]);
  const againstFinance = { subject: 'finance', code: 'fee.over-standard', points: 3, evidence: [15], reason: '科室收费管理不到位' };

  it('a unit charged for its member’s fee: refused while the ledger assigns the cashier no unit, written once it does', async () => {
    const { path, ledger, sup } = await example();
    const t = { actor: 'inspector:sun', time: sh('2025-11-12T09:00') };
    expect(await codeOf(sup.recordViolation(againstFinance, t))).toBe('VIOLATION_INVALID');
    await sup.close();
    await ledger.close();
    await throughTheCore(path, [...units, ...directory([[MEMBERSHIP_TYPES.actorEnrolled, { actor: 'cashier:zhao', key: null, roles: ['cashier'], unit: 'finance' }]])]);
    const { ledger: again, sup: honest } = await openSupervised(path);
    const r = await honest.recordViolation(againstFinance, t);
    expect(r.violation.subject).toBe('finance');
    const s = await honest.summarize('2025', { actor: 'director:chen', time: sh('2026-01-02T09:00') });
    expect((await again.get(s.seq)).data).toMatchObject({ subjects: [{ subject: 'finance', unit: 'finance' }] });
    await honest.close();
    await again.close();
    expect(await errorsOf(path)).toEqual([]);
  });

  it('attacker order: an enrolment stored as non-canonical text is ignored by the writer as by the audit — the violation it would allow is refused', async () => {
    const { path, ledger, sup } = await example();
    await sup.close();
    await ledger.close();
    await throughTheCore(path, [...units, ...directory([[MEMBERSHIP_TYPES.actorEnrolled, null, '{"unit":"finance","actor":"cashier:zhao","key":null,"roles":["cashier"]}']])]);
    const { ledger: again, sup: honest } = await openSupervised(path);
    const size = await again.size();
    const err: unknown = await honest.recordViolation(againstFinance, { actor: 'inspector:sun', time: sh('2025-11-12T09:00') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect([(err as Error & { code: string }).code, (err as Error).message]).toEqual(['VIOLATION_INVALID', expect.stringMatching(/subject finance is not concerned by the evidence/)]);
    expect(await again.size()).toBe(size);
    await honest.close();
    await again.close();
    expect(await errorsOf(path)).toEqual([]);
  });

  it('another process enrols the cashier while the writer holds the units it read: the directory case no longer ends where they were read, so it reads them again', async () => {
    const { path, ledger, sup } = await example();
    const t = { actor: 'inspector:sun', time: sh('2025-11-12T09:00') };
    await throughTheCore(path, units);
    // The writer reads the units (no enrolment yet) and refuses the unit's charge with them.
    expect(await codeOf(sup.recordViolation(againstFinance, t))).toBe('VIOLATION_INVALID');
    await throughTheCore(path, directory([[MEMBERSHIP_TYPES.actorEnrolled, { actor: 'cashier:zhao', key: null, roles: ['cashier'], unit: 'finance' }]]));
    const r = await sup.recordViolation(againstFinance, t);
    expect(r.violation.subject).toBe('finance');
    await sup.close();
    await ledger.close();
    expect(await errorsOf(path)).toEqual([]);
  });
});
