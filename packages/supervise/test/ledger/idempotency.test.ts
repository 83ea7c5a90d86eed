/**
 * The screened append with the core's idempotency (format.md §4.6): a step
 * sent again with its idempotency key, or as the same pre-signed v2
 * statement (its nonce), gets its first receipt and is not screened again,
 * so its alerts are written once; a dry run never writes, whatever steps of
 * it were appended before. In the attacker's order: a step appended first
 * through the core alone, with the key the honest writer then uses, raises
 * no alert through that writer, and the audit names the one it lacks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, decodeEntry, prepareStatement, signStatement, type StepInput } from '@casetrail/core';
import { TYPES } from '../../src/index.js';
import { auditLedger } from '../../src/ledger/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, newAdopted, openSupervised, stateOf } from '../helpers/real-ledger.js';
import { sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const ACTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => 90 + i);

/** A fee over the example pack's standard (fee.over-standard, red). */
const overCharge = (caseId: string, time: string): StepInput => ({ caseId, type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: sh(time) });

async function alertsIn(ledger: Ledger): Promise<number> {
  let n = 0;
  for await (const e of ledger.stream({ type: TYPES.alert })) if (e.ok) n++;
  return n;
}

describe('a step sent again is screened once', () => {
  it('with its idempotency key: the first receipt again, no alert written a second time, the audit clean', async () => {
    const { path, ledger, sup } = await newAdopted();
    const step = { ...overCharge('XK-7', '2025-09-02T09:00'), idempotencyKey: 'req-8812' };
    const first = await sup.append(step);
    expect(first.alerts.map((a) => [a.rule, a.level])).toEqual([['fee.over-standard', 'red']]);
    const size = await ledger.size();
    const again = await sup.append(step);
    expect(again).toMatchObject({ seq: first.seq, duplicate: true, alerts: [] });
    expect(await ledger.size()).toBe(size);
    // In a batch: the line appended before is skipped, the new one screened, its alert right after it.
    const batch = await sup.appendMany([step, { ...overCharge('XK-8', '2025-09-02T10:00'), idempotencyKey: 'req-8813' }]);
    expect(batch.map((r) => [r.duplicate === true, r.alerts.map((a) => a.rule)])).toEqual([
      [true, []],
      [false, ['fee.over-standard']],
    ]);
    expect(batch[1]!.alerts[0]!.seq).toBe(batch[1]!.seq + 1);
    expect(await alertsIn(ledger)).toBe(2);
    await sup.close();
    await ledger.close();
    const report = await auditLedger(path, { vkey: KEYS.vkey });
    expect(report.verification.issues).toEqual([]);
    expect(report.audit?.findings).toEqual([]);
    expect(report.audit?.recorded).toBe(2);
  });

  it('as the same pre-signed v2 statement (its nonce): screened once; the alerts are v2 entries with nonces of their own', async () => {
    const { path, ledger, sup } = await newAdopted();
    // Signed on the cashier's device for this ledger and case (format.md §4.4); sent twice by the case system.
    const { data, ...fee } = overCharge('XK-9', '2025-09-02T09:00');
    const { statement, payload, salt } = prepareStatement({ origin: ORIGIN, ...fee, data });
    const signed: StepInput = { ...fee, payload, salt, nonce: statement.nonce!, signatures: [signStatement(statement, ACTOR_SEED)] };
    const first = await sup.append(signed);
    expect(first.alerts.map((a) => a.rule)).toEqual(['fee.over-standard']);
    expect(await sup.append(signed)).toMatchObject({ seq: first.seq, duplicate: true, alerts: [] });
    const step = decodeEntry((await ledger.get(first.seq)).bytes);
    const alert = decodeEntry((await ledger.get(first.alerts[0]!.seq)).bytes);
    expect([step.v, alert.v]).toEqual([2, 2]);
    expect(alert.nonce).toBeDefined();
    expect(Buffer.from(alert.nonce!).equals(Buffer.from(step.nonce!))).toBe(false);
    expect(await alertsIn(ledger)).toBe(1);
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });
});

describe('a dry run with steps appended before', () => {
  it('of a step appended before: nothing written, and it says so', async () => {
    const { ledger, sup } = await newAdopted();
    const step = { ...overCharge('XK-7', '2025-09-02T09:00'), idempotencyKey: 'req-1' };
    await sup.append(step);
    const size = await ledger.size();
    expect(await sup.dryRun([step])).toEqual({ alerts: [], duplicates: [0] });
    expect(await ledger.size()).toBe(size);
    await sup.close();
    await ledger.close();
  });

  it('whose last step was appended before: the new steps are screened and nothing is written', async () => {
    const { path, ledger, sup } = await newAdopted();
    const old = { ...overCharge('XK-7', '2025-09-02T09:00'), idempotencyKey: 'req-1' };
    await sup.append(old);
    const size = await ledger.size();
    const d = await sup.dryRun([{ ...overCharge('XK-8', '2025-09-02T10:00'), idempotencyKey: 'req-2' }, old]);
    expect(d.alerts.map((a) => [a.index, a.rule])).toEqual([[0, 'fee.over-standard']]);
    expect(d.blocked).toBeUndefined();
    expect(d.duplicates).toEqual([1]);
    expect(await ledger.size()).toBe(size);
    // The real append after it is screened as if the dry run had never happened.
    const real = await sup.append({ ...overCharge('XK-8', '2025-09-02T10:00'), idempotencyKey: 'req-2' });
    expect(real.alerts.map((a) => a.rule)).toEqual(['fee.over-standard']);
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).audit?.findings).toEqual([]);
  });
});

describe('in the attacker order', () => {
  it('a step appended first through the core alone with the key the honest writer uses: no alert through the writer, the audit names the missing one', async () => {
    const { path, ledger, sup } = await newAdopted();
    await sup.close();
    await ledger.close();
    // The hostile party: a process with the signing key and no supervision.
    const bare = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path) });
    const step = { ...overCharge('XK-7', '2025-09-02T09:00'), idempotencyKey: 'req-8812' };
    const planted = await bare.append(step);
    await bare.close();
    // The honest writer then sends the same step: it is told it was appended before, and writes nothing.
    const honest = await openSupervised(path);
    const r = await honest.sup.append(step);
    expect(r).toMatchObject({ seq: planted.seq, duplicate: true, alerts: [] });
    await honest.sup.close();
    await honest.ledger.close();
    const report = await auditLedger(path, { vkey: KEYS.vkey });
    expect(report.verification.ok).toBe(true);
    expect(report.audit?.findings.map((f) => [f.code, f.caseId, f.rule, f.seq])).toEqual([['ALERT_SUPPRESSED', 'XK-7', 'fee.over-standard', planted.seq]]);
  });
});
