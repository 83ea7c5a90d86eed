/**
 * The writer on real ledger files, from outside the rule engine: every
 * append screened in its transaction, alerts right after their step,
 * blocking rules refusing with the attempt recorded, dry runs writing
 * nothing, supervision records neither appendable by the public append nor
 * redactable, and the same alerts whether the engine keeps every case or one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, LedgerError } from '@casetrail/core';
import { SYSTEM_CASE, TYPES, audit, isSupervisionError } from '../../src/index.js';
import { auditLedger } from '../../src/ledger/index.js';
import { enginePack } from '../helpers/engine-pack.js';
import { KEYS, cleanupTempDirs, newSupervised, openSupervised, replayScenario, shape, storedStream, stateOf } from '../helpers/real-ledger.js';
import { buildExampleLedger } from '../helpers/scenarios.js';
import { cnCalendar, examplePack, sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

describe('the example pack through the writer', () => {
  it.each([10_000, 1])('writes exactly the alerts of the golden scenario, byte for byte, at the same seqs (at most %i case summaries)', async (maxCases) => {
    const { sim } = buildExampleLedger();
    const { path, ledger, sup } = await newSupervised({ maxCases });
    await replayScenario(sim, sup, [examplePack()]);
    await sup.close();
    await ledger.close();
    expect(shape(await storedStream(path))).toEqual(shape(sim.entries));
    const r = await auditLedger(path, { vkey: KEYS.vkey });
    expect(r.verification.ok).toBe(true);
    expect(r.audit?.findings).toEqual([]);
    expect(r.audit?.recorded).toBe(sim.alerts().length);
  });

  it('a receipt lists the alerts written right after its step', async () => {
    const { ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const r = await sup.append({ caseId: 'XK-B', type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted' }, time: sh('2025-10-10T11:00') });
    expect(r.alerts.map(({ reason: _r, ...a }) => a)).toEqual([
      { seq: r.seq + 1, caseId: 'XK-B', rule: 'content.decision-basis', level: 'yellow' },
      { seq: r.seq + 2, caseId: 'XK-B', rule: 'order.review-before-decision', level: 'red' },
    ]);
    expect(r.alerts[1]!.reason).toEqual({ zh: '未经审查即作出许可决定（缺少：review.completed）', en: 'Decision without an earlier review (missing: review.completed)' });
    expect((await ledger.get(r.seq + 2)).entry).toMatchObject({ type: TYPES.alert, caseId: 'XK-B', step: 3 });
    expect((await ledger.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await sup.close();
    await ledger.close();
  });
});

describe('blocking rules (事前)', () => {
  async function blockingLedger() {
    const s = await newSupervised();
    await s.sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    await s.sup.adoptPack(enginePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    await s.sup.append({ caseId: 'K1', type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-1', handler: 'clerk:wang' }, time: sh('2025-09-02T09:00') });
    return s;
  }

  it('a blocked step is refused with RULE_BLOCKED, nothing of it is written, and the attempt is recorded in its own transaction', async () => {
    const { path, ledger, sup } = await blockingLedger();
    const before = await ledger.size();
    const e = await sup.append({ caseId: 'K1', type: 'approval.decided', actor: 'clerk:wang', data: { decision: 'granted' }, time: sh('2025-09-03T09:00') }).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'RULE_BLOCKED')).toBe(true);
    expect((e as { details: Record<string, unknown> }).details).toMatchObject({ line: null, rules: [expect.objectContaining({ id: 'cel.decided-by-handler', level: 'red' })], recorded: [before] });
    expect(await ledger.size()).toBe(before + 1);
    const rec = await ledger.get(before);
    expect(rec.entry).toMatchObject({ type: TYPES.refused, caseId: SYSTEM_CASE, time: sh('2025-09-03T09:00') });
    expect(rec.data).toMatchObject({ attempt: { actor: 'clerk:wang', case: 'K1', line: null, type: 'approval.decided' }, rules: [{ id: 'cel.decided-by-handler', level: 'red', version: 1 }] });
    // The next honest step is screened as if the refused one had never been tried.
    const ok = await sup.append({ caseId: 'K1', type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted' }, time: sh('2025-09-03T10:00') });
    expect(ok.seq).toBe(before + 1);
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });

  it('the refused step leaves nothing in the engine either: a later rule that asks for it still fires (the record takes the refused position)', async () => {
    const { loadPack } = await import('../../src/index.js');
    const pack = loadPack(
      `casetrail: supervise/1
pack: gate
version: 1
steps: { review.completed: {}, approval.decided: {}, case.closed: {} }
rules:
  - { id: a.review-first, version: 1, point: procedure, kind: order, on: [approval.decided], requires: [review.completed], level: red, block: true, message: { zh: 未审先批, en: decided before review } }
  - { id: b.decide-first, version: 1, point: procedure, kind: order, on: [case.closed], requires: [approval.decided], level: red, message: { zh: 未批先结, en: closed without decision } }
`,
      'gate.yaml',
    );
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptPack(pack, { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const e = await sup.append({ caseId: 'G1', type: 'approval.decided', actor: 'director:chen', data: {}, time: sh('2025-09-02T08:00') }).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'RULE_BLOCKED')).toBe(true);
    const closed = await sup.append({ caseId: 'G1', type: 'case.closed', actor: 'clerk:li', data: {}, time: sh('2025-09-02T09:00') });
    expect(closed.alerts.map((a) => [a.rule, a.level])).toEqual([['b.decide-first', 'red']]);
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });

  it('in a batch, one blocked line refuses the whole batch; the refusal names the line and the rule', async () => {
    const { path, ledger, sup } = await blockingLedger();
    const before = await ledger.size();
    const batch = [
      { caseId: 'K2', type: 'application.received', actor: 'clerk:li', data: { item: 'XK-1', handler: 'clerk:li' } },
      { caseId: 'K2', type: 'case.closed', actor: 'clerk:li', data: {} },
      { caseId: 'K2', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-1', amountFen: 100 } },
    ].map((s) => ({ ...s, time: sh('2025-09-04T09:00') }));
    const e = await sup.appendMany(batch).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'RULE_BLOCKED')).toBe(true);
    expect((e as Error).message).toMatch(/^line 3 of the batch \(fee\.charged of case K2\) is refused by order\.closed-last \(red\)/);
    expect(await ledger.size()).toBe(before + 1);
    expect((await ledger.get(before)).data).toMatchObject({ attempt: { case: 'K2', line: 3, type: 'fee.charged' }, rules: [{ id: 'order.closed-last', facts: { missing: [], present: ['case.closed'] } }] });
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });

  it('a dry run says what would be raised or refused, and writes nothing', async () => {
    const { ledger, sup } = await blockingLedger();
    const size = await ledger.size();
    const d = await sup.dryRun([
      { caseId: 'K1', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-1', amountFen: 60000 }, time: sh('2025-09-05T09:00') },
      { caseId: 'K1', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-1', amountFen: 60000 }, time: sh('2025-09-05T09:00') },
    ]);
    // One alert per (case, rule, level): the second line sees the first one's alert.
    expect(d.alerts.map((a) => [a.index, a.rule, a.level])).toEqual([[0, 'cel.big-fee', 'yellow']]);
    expect(d.alerts[0]!.reason.en).toBe('Large fee: 60000 fen');
    const b = await sup.dryRun([{ caseId: 'K1', type: 'approval.decided', actor: 'clerk:wang', data: { decision: 'granted' } }]);
    expect(b.blocked).toMatchObject({ index: 0, caseId: 'K1', rules: [{ id: 'cel.decided-by-handler', level: 'red' }] });
    expect(await ledger.size()).toBe(size);
    // And the writer screens the real append after the dry runs as before them.
    expect((await sup.append({ caseId: 'K1', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-1', amountFen: 60000 }, time: sh('2025-09-05T09:00') })).alerts.map((a) => a.rule)).toEqual(['cel.big-fee']);
    await sup.close();
    await ledger.close();
  });
});

describe('supervision records', () => {
  it('cannot be appended through the public append, nor redacted; dispositions are checked', async () => {
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const adopted = await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const r = await sup.append({ caseId: 'XK-9', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-009', amountFen: 5 }, time: sh('2025-09-02T08:00') });
    const alert = r.alerts[0]!.seq;
    expect(await codeOf(ledger.append({ caseId: 'XK-9', type: TYPES.alert, actor: 'x', data: {} }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ledger.redact(alert, { reason: 'embarrassing', actor: 'dpo:wu' }))).toBe('NOT_REDACTABLE');
    expect(await codeOf(ledger.redact(adopted.seq, { reason: 'x', actor: 'dpo:wu' }))).toBe('NOT_REDACTABLE');
    expect(await codeOf(sup.dispose(r.seq, { actor: 'chief:zhang', outcome: 'explained', reason: 'x' }))).toBe('DISPOSITION_INVALID');
    const d = await sup.dispose(alert, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-09-03T08:00') });
    expect((await ledger.get(d.seq)).entry).toMatchObject({ type: TYPES.alertDisposed, caseId: 'XK-9', actor: 'chief:zhang' });
    expect(await codeOf(sup.dispose(alert, { actor: 'chief:zhang', outcome: 'explained', reason: 'again' }))).toBe('DISPOSITION_INVALID');
    expect(await codeOf(sup.tick({ now: sh('2025-09-01T00:00') }))).toBe('TIME_ORDER');
    const size = await ledger.size();
    await sup.close();
    await ledger.close();
    expect((await storedStream(path)).length).toBe(size);
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });
});

describe('two writers on one ledger', () => {
  it('interleaved appends through two handles give the alerts one writer gives', async () => {
    const { sim } = buildExampleLedger();
    const one = await newSupervised();
    await replayScenario(sim, one.sup, [examplePack()]);
    await one.sup.close();
    await one.ledger.close();

    const a = await newSupervised();
    const b = await openSupervised(a.path, { maxCases: 2 });
    const writers = [a.sup, b.sup];
    let turn = 0;
    const { sim: again } = buildExampleLedger();
    const steps = again.entries.filter((e) => e.type !== TYPES.alert);
    for (const e of steps) {
      const w = writers[turn++ % 2]!;
      const single = { ...again, entries: [e] } as unknown as typeof again;
      await replayScenario(single, w, [examplePack()]);
    }
    for (const w of [a, b]) {
      await w.sup.close();
      await w.ledger.close();
    }
    expect(shape(await storedStream(a.path))).toEqual(shape(await storedStream(one.path)));
  });
});

describe('audit of what the writer did not do', () => {
  it('a violating step appended through the core alone, with no supervisor attached: exit-1 finding naming case, rule and seq', async () => {
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    await sup.close();
    await ledger.close();
    const bare = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path) });
    const r = await bare.append({ caseId: 'XK-X', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: sh('2025-09-02T08:00') });
    await bare.close();
    const report = await auditLedger(path, { vkey: KEYS.vkey });
    expect(report.verification.ok).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.audit?.findings.map((f) => [f.code, f.caseId, f.rule, f.seq])).toEqual([['ALERT_SUPPRESSED', 'XK-X', 'fee.over-standard', r.seq]]);
  });

  it('an alert fabricated through the system-entry call, by a process with the registry only', async () => {
    const { path, ledger, sup } = await newSupervised();
    await sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const p = await sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
    const ok = await sup.append({ caseId: 'XK-Y', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 100 }, time: sh('2025-09-02T08:00') });
    await sup.close();
    await ledger.close();
    const { supervisionRegistry } = await import('../../src/ledger/index.js');
    const forger = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path) });
    forger.use(supervisionRegistry());
    const fake = { facts: { amount: 100, item: 'XK-002', schedule: 'approval-fees', standard: 20000 }, level: 'red', pack: examplePack().hash, reason: { en: 'x', zh: 'x' }, rule: 'fee.over-standard', ruleVersion: 1, triggeredBy: [ok.seq] };
    const [f] = await forger.appendSystem([{ caseId: 'XK-Y', type: TYPES.alert, actor: 'casetrail:supervise', data: fake, time: sh('2025-09-02T08:00') }]);
    await forger.close();
    void p;
    const report = await auditLedger(path, { vkey: KEYS.vkey });
    expect(report.audit?.findings.map((x) => [x.code, x.caseId, x.rule, x.seq])).toEqual([['ALERT_FABRICATED', 'XK-Y', 'fee.over-standard', f!.seq]]);
  });

  it('the engine sees the stored ledger exactly as the in-memory audit does', async () => {
    const { sim } = buildExampleLedger();
    const { path, ledger, sup } = await newSupervised();
    await replayScenario(sim, sup, [examplePack()]);
    await sup.close();
    await ledger.close();
    expect(audit(await storedStream(path))).toEqual(audit(sim.entries));
  });
});

void LedgerError;
