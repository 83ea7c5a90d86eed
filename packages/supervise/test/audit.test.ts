/**
 * The audit, in the attacker's order: a hostile writer or operator prepares
 * the ledger (suppresses, fabricates, alters, reorders alerts; writes
 * malformed system entries; refuses without cause), then the honest auditor
 * replays it and must name what was done — and never crash.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_CASE, TYPES, audit, canonicalJson, encodeRefusal, encodeTick, loadPack, replaysPack, type ExpectedAlert, type LedgerEntry } from '../src/index.js';
import { enginePack } from './helpers/engine-pack.js';
import { buildExampleLedger } from './helpers/scenarios.js';
import { SimLedger, cnCalendar, examplePack, sh } from './helpers/sim-ledger.js';

const codes = (entries: readonly LedgerEntry[]) => audit(entries).findings.map((f) => [f.code, f.caseId, f.rule ?? null, f.seq]);

/** The example scenario written by a writer that does `writeAlert` to each alert. */
function exampleWith(writeAlert: (a: ExpectedAlert) => string | null): SimLedger {
  const sim = new SimLedger(writeAlert);
  sim.adoptCalendar(cnCalendar(), sh('2025-09-01T08:00'));
  sim.adoptPack(examplePack(), sh('2025-09-01T08:00'));
  sim.append('XK-1', 'application.received', 'clerk:wang', { item: 'XK-002', applicant: 'a', handler: 'clerk:wang' }, sh('2025-09-30T10:00'));
  sim.append('XK-1', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 50000 }, sh('2025-09-30T11:00'));
  sim.append('XK-1', 'approval.decided', 'director:chen', { decision: 'granted' }, sh('2025-11-20T09:00'));
  return sim;
}

describe('what the writer did to the alerts', () => {
  it('an honest writer: clean', () => {
    const sim = exampleWith((a) => a.payload);
    expect(sim.alerts().map((a) => [a[2], a[3]])).toEqual([
      ['fee.over-standard', 'red'],
      ['content.decision-basis', 'yellow'],
      ['deadline.approval', 'notice'],
      ['deadline.approval', 'yellow'],
      ['deadline.approval', 'red'],
      ['order.review-before-decision', 'red'],
    ]);
    expect(codes(sim.entries)).toEqual([]);
  });
  it('a red card "forgotten": ALERT_SUPPRESSED naming case, rule and the entry it should follow', () => {
    const sim = exampleWith((a) => (a.rule === 'fee.over-standard' ? null : a.payload));
    const fee = sim.entries.find((e) => e.type === 'fee.charged')!;
    expect(codes(sim.entries)).toEqual([['ALERT_SUPPRESSED', 'XK-1', 'fee.over-standard', fee.seq]]);
  });
  it('a level lowered: the red is suppressed and a yellow fabricated', () => {
    const sim = exampleWith((a) => (a.rule === 'fee.over-standard' ? a.payload.replace('"level":"red"', '"level":"yellow"') : a.payload));
    expect(codes(sim.entries).map((c) => c[0])).toEqual(['ALERT_SUPPRESSED', 'ALERT_FABRICATED']);
  });
  it('a softened reason or altered facts: ALERT_DIFFERS', () => {
    const sim = exampleWith((a) => (a.rule === 'fee.over-standard' ? a.payload.replace('"amount":50000', '"amount":20000') : a.payload));
    expect(codes(sim.entries).map((c) => c[0])).toEqual(['ALERT_DIFFERS']);
  });
  it('alerts written in another order: ALERT_DIFFERS (order)', () => {
    const sim = new SimLedger();
    sim.adoptCalendar(cnCalendar(), sh('2025-09-01T08:00'));
    sim.adoptPack(examplePack(), sh('2025-09-01T08:00'));
    sim.append('XK-1', 'application.received', 'clerk:wang', { item: 'XK-002', applicant: 'a', handler: 'w' }, sh('2025-09-30T10:00'));
    const d = sim.append('XK-1', 'approval.decided', 'director:chen', { decision: 'granted' }, sh('2025-11-20T09:00'));
    const entries = [...sim.entries];
    const [x, y] = [entries[d.seq + 1]!, entries[d.seq + 2]!];
    entries[d.seq + 1] = { ...y, seq: x.seq, step: x.step };
    entries[d.seq + 2] = { ...x, seq: y.seq, step: y.step };
    expect(codes(entries)).toEqual([['ALERT_DIFFERS', 'XK-1', null, d.seq]]);
  });
  it('an alert that no rule justifies, and one written late (not right after its cause)', () => {
    const sim = exampleWith((a) => a.payload);
    const fake = sim.alerts()[0]!;
    const payload = (sim.entries[fake[0]]!.payload as string).replace('"XK-002"', '"XK-003"');
    const e = sim.raw('XK-1', TYPES.alert, 'casetrail:supervise', JSON.parse(payload), undefined, payload);
    expect(codes(sim.entries)).toEqual([['ALERT_FABRICATED', 'XK-1', 'fee.over-standard', e.seq]]);
  });
  it('a writer that never screened (every step through the core alone): every alert suppressed', () => {
    const sim = exampleWith(() => null);
    const r = audit(sim.entries);
    expect(r.ok).toBe(false);
    expect(r.findings.every((f) => f.code === 'ALERT_SUPPRESSED')).toBe(true);
    expect(r.findings).toHaveLength(6);
  });
  it('a suppressed deadline alert stays due at every tick but is reported once', () => {
    const sim = new SimLedger((a) => (a.rule === 'deadline.approval' ? null : a.payload));
    sim.adoptCalendar(cnCalendar(), sh('2025-09-01T08:00'));
    sim.adoptPack(examplePack(), sh('2025-09-01T08:00'));
    sim.append('XK-1', 'application.received', 'clerk:wang', { item: 'XK-002', applicant: 'a', handler: 'w' }, sh('2025-09-30T10:00'));
    for (const d of ['2025-10-30', '2025-10-31', '2025-11-03']) sim.tick(sh(`${d}T08:00`));
    const r = audit(sim.entries);
    expect(r.findings.map((f) => [f.code, f.level])).toEqual([['ALERT_SUPPRESSED', 'notice']]);
    expect(r.repeatedSuppressions).toBe(2);
  });
});

describe('system entries prepared by an attacker', () => {
  const base = (): SimLedger => {
    const sim = new SimLedger();
    sim.adoptCalendar(cnCalendar(), sh('2025-11-03T08:00'));
    sim.adoptPack(enginePack(), sh('2025-11-03T08:00'));
    return sim;
  };
  it('a tick whose payload disagrees with its time, a tick outside the system case, a non-canonical tick: MALFORMED_SYSTEM_ENTRY', () => {
    const sim = base();
    const t = sh('2025-11-04T08:00');
    sim.raw(SYSTEM_CASE, TYPES.tick, 'x', { now: t - 1 }, t, encodeTick(t - 1));
    sim.raw('K1', TYPES.tick, 'x', { now: t }, t, encodeTick(t));
    sim.raw(SYSTEM_CASE, TYPES.tick, 'x', { now: t }, t, `{ "now": ${t} }`);
    expect(codes(sim.entries).map((c) => c[0])).toEqual(['MALFORMED_SYSTEM_ENTRY', 'MALFORMED_SYSTEM_ENTRY', 'MALFORMED_SYSTEM_ENTRY']);
  });
  it('a pack adoption whose hash is not its pack’s: refused, and the pack is not in force', () => {
    const sim = new SimLedger();
    const p = examplePack();
    const payload = canonicalJson({ engine: { cel: '@marcbachmann/cel-js@8.0.0', supervise: '1' }, hash: '0'.repeat(64), pack: p.json });
    sim.raw(SYSTEM_CASE, TYPES.rulesAdopted, 'x', JSON.parse(payload), 1, payload);
    sim.raw('K', 'fee.charged', 'c', { item: 'XK-002', amountFen: 99999 }, 2);
    expect(codes(sim.entries)).toEqual([['MALFORMED_SYSTEM_ENTRY', SYSTEM_CASE, null, 0]]);
  });
  it('a pack adopted with other engine versions: an ENGINE_MISMATCH warning', () => {
    const sim = new SimLedger();
    const p = examplePack();
    const payload = canonicalJson({ engine: { cel: '@marcbachmann/cel-js@7.9.0', supervise: '1' }, hash: p.hash, pack: p.json });
    sim.raw(SYSTEM_CASE, TYPES.rulesAdopted, 'x', JSON.parse(payload), 1, payload);
    const r = audit(sim.entries);
    expect([r.ok, r.findings.map((f) => [f.code, f.severity])]).toEqual([true, [['ENGINE_MISMATCH', 'warning']]]);
  });
  it('a pack that declares a step field named like a property of Object.prototype: ENGINE_MISMATCH when adopted under supervise 1 or 2 (they read it through the prototype), none under 3', () => {
    const p = loadPack(
      "casetrail: supervise/1\npack: proto\nversion: 1\nsteps:\n  s: { fields: { constructor: { type: string } } }\nrules:\n  - { id: r, version: 1, point: other, kind: cel, on: [s], level: red, message: { zh: x, en: y }, when: 'has(step.data.constructor)' }\n",
    );
    const findings = (supervise: string, pack = p) => {
      const sim = new SimLedger();
      const payload = canonicalJson({ engine: { cel: '@marcbachmann/cel-js@8.0.0', supervise }, hash: pack.hash, pack: pack.json });
      sim.raw(SYSTEM_CASE, TYPES.rulesAdopted, 'x', JSON.parse(payload), 1, payload);
      return audit(sim.entries).findings.map((f) => [f.code, f.severity, f.message.includes('Object.prototype')]);
    };
    expect(findings('1')).toEqual([['ENGINE_MISMATCH', 'warning', true]]);
    expect(findings('2')).toEqual([['ENGINE_MISMATCH', 'warning', true]]);
    expect(findings('3')).toEqual([]);
    expect(findings('4')).toEqual([['ENGINE_MISMATCH', 'warning', false]]);
    // A pack without such names is replayed under 2 without a mismatch.
    expect(findings('2', examplePack())).toEqual([]);
    expect([replaysPack('2', p), replaysPack('3', p), replaysPack('2', examplePack()), replaysPack('9', examplePack())]).toEqual([false, true, true, false]);
  });
  it('a refusal without cause: REFUSAL_INVALID (non-blocking rule; facts that do not refuse; another pack)', () => {
    const sim = base();
    sim.append('K2', 'application.received', 'clerk:wang', { item: 'a', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    const pack = sim.supervisor.pack!;
    const refusal = (rules: { facts: Record<string, unknown>; id: string; level: string; version: number }[], hash = pack.hash) =>
      encodeRefusal({ attempt: { actor: 'director:chen', case: 'K2', line: null, type: 'approval.decided' }, pack: hash, reason: { zh: 'x', en: 'y' }, rules });
    for (const p of [
      refusal([{ facts: {}, id: 'cel.big-fee', level: 'yellow', version: 1 }]),
      refusal([{ facts: { case: { latest: { 'application.received': { data: { handler: 'clerk:wang' } } } }, step: { actor: 'director:chen' } }, id: 'cel.decided-by-handler', level: 'red', version: 1 }]),
      refusal([{ facts: {}, id: 'cel.decided-by-handler', level: 'red', version: 1 }], 'f'.repeat(64)),
    ]) {
      sim.raw(SYSTEM_CASE, TYPES.refused, 'casetrail:supervise', JSON.parse(p), undefined, p);
    }
    expect(codes(sim.entries).map((c) => c[0])).toEqual(['REFUSAL_INVALID', 'REFUSAL_INVALID', 'REFUSAL_INVALID']);
  });
  it('hostile alert payloads (prototype keys, deep nesting, wrong types) are findings, not crashes', () => {
    const { sim } = buildExampleLedger();
    const hostile: unknown[] = [
      JSON.parse('{"__proto__":{"polluted":true},"facts":{},"level":"red","pack":"' + '0'.repeat(64) + '","reason":{"en":"a","zh":"b"},"rule":"x","ruleVersion":1,"triggeredBy":[1]}'),
      { facts: { deep: JSON.parse('['.repeat(60) + ']'.repeat(60)) }, level: 'red', pack: '0'.repeat(64), reason: { en: 'a', zh: 'b' }, rule: 'x', ruleVersion: 1, triggeredBy: [1] },
      { facts: {}, level: 7, pack: 'x', reason: null, rule: '', ruleVersion: -1, triggeredBy: 'all' },
      'just a string',
    ];
    for (const data of hostile) sim.raw('XK-A', TYPES.alert, 'x', data);
    const r = audit(sim.entries);
    expect(r.findings.map((f) => f.code)).toEqual(['MALFORMED_SYSTEM_ENTRY', 'ALERT_FABRICATED', 'MALFORMED_SYSTEM_ENTRY', 'MALFORMED_SYSTEM_ENTRY']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
