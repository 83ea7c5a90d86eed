/**
 * Engine behaviour through the public API: CEL facts and fail-closed
 * evaluation, dry runs and blocking, redaction (replay from facts or
 * NOT_REPLAYABLE), escalation, a missing calendar and its deferred
 * evaluation, pack versions, shadow replay, and the case fold.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_CASE, TYPES, audit, caseStateToJson, createSupervisor, foldCase, loadPack, tryPack, type CalendarTable, type ExpectedAlert } from '../src/index.js';
import { enginePack } from './helpers/engine-pack.js';
import { buildExampleLedger } from './helpers/scenarios.js';
import { SimLedger, cnCalendar, examplePack, sh, type Written } from './helpers/sim-ledger.js';

const rl = (w: Written) => w.alerts.map((a) => [a.alert.caseId, a.alert.rule, a.alert.level]);

function engineLedger(): SimLedger {
  const sim = new SimLedger();
  sim.adoptCalendar(cnCalendar(), sh('2025-11-03T08:00'));
  sim.adoptPack(enginePack(), sh('2025-11-03T08:00'));
  return sim;
}

describe('CEL rules', () => {
  it('record the values they read as facts, and fill the reason from them', () => {
    const sim = engineLedger();
    sim.append('K1', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    expect(rl(sim.append('K1', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 40000 }))).toEqual([]);
    const w = sim.append('K1', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 45000 });
    expect(rl(w)).toEqual([['K1', 'cel.big-fee', 'yellow']]);
    expect(w.alerts[0]!.alert.facts).toEqual({ case: { agg: { feesTotal: 40000 } }, step: { data: { amountFen: 45000 } } });
    expect(w.alerts[0]!.alert.reason).toEqual({ zh: '大额收费 45000 分', en: 'Large fee: 45000 fen' });
  });
  it('fail closed: a value of the wrong type fires the rule with the library’s error code', () => {
    const sim = engineLedger();
    const w = sim.append('K2', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: '45000' }, sh('2025-11-03T09:00'));
    expect(rl(w)).toEqual([['K2', 'cel.big-fee', 'yellow']]);
    expect(w.alerts[0]!.alert.facts['error']).toBe('field_type_mismatch');
  });
  it('a string over its maxLength reaches the expression as an over-limit marker, never whole', () => {
    const p = loadPack(
      `casetrail: supervise/1\npack: n\nversion: 1\nsteps:\n  s: { fields: { note: { type: string, maxLength: 4 } } }\nrules:\n  - { id: r, version: 1, point: other, kind: cel, on: [s], level: red, message: { zh: x, en: y }, when: 'step.data.note.size() > 100' }\n`,
    );
    const sim = new SimLedger();
    sim.adoptPack(p, 1);
    expect(rl(sim.append('c', 's', 'a', { note: 'abcd' }))).toEqual([]);
    const w = sim.append('c2', 's', 'a', { note: 'x'.repeat(10_000) });
    expect(w.alerts[0]!.alert.facts).toEqual({ error: 'field_type_mismatch', step: { data: { note: { overLimit: 10_000 } } } });
  });
});

describe('CEL rules: a declared field named like a property of every JavaScript object', () => {
  // `constructor`, `toString`, … are valid field names (pack-schema FIELD; `__proto__` is refused as undeclared). The step's
  // values reach the expression as values of the pack's message types, never through a prototype.
  const pack = (field: string) =>
    loadPack(
      `casetrail: supervise/1\npack: proto\nversion: 1\nsteps:\n  s: { fields: { ${field}: { type: string } } }\nrules:\n  - { id: r, version: 1, point: other, kind: cel, on: [s], level: red, message: { zh: x, en: y }, when: 'has(step.data.${field})' }\n`,
    );
  for (const field of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
    it(`${field}: absent from the step, has() is false and nothing fires; present, it is read as the step's value`, () => {
      const sim = new SimLedger();
      sim.adoptPack(pack(field), 1);
      expect(rl(sim.append('c1', 's', 'a', {}))).toEqual([]);
      const w = sim.append('c2', 's', 'a', JSON.parse(`{"${field}":"v"}`));
      expect(rl(w)).toEqual([['c2', 'r', 'red']]);
      expect(w.alerts[0]!.alert.facts['error']).toBeUndefined();
    });
  }
  // The same names in the case summary's latest step of a type (kept for case.latest), never read through a prototype.
  const latestPack = (field: string) =>
    loadPack(
      `casetrail: supervise/1\npack: proto-latest\nversion: 1\nsteps:\n  s: { fields: { ${field}: { type: string, optional: true } } }\n  t: { fields: {} }\nrules:\n  - { id: r, version: 1, point: other, kind: cel, on: [t], level: red, message: { zh: x, en: y }, when: '"s" in case.latest && case.latest["s"].data.${field} == "v"' }\n`,
    );
  for (const field of ['toString', 'valueOf', 'hasOwnProperty']) {
    it(`${field} in case.latest: absent from the earlier step, the rule fails closed on it; present, it is that step's value`, () => {
      const sim = new SimLedger();
      sim.adoptPack(latestPack(field), 1);
      sim.append('c1', 's', 'a', {});
      const absent = sim.append('c1', 't', 'a', {});
      expect(rl(absent)).toEqual([['c1', 'r', 'red']]);
      expect(absent.alerts[0]!.alert.facts).toEqual({ case: { latest: { s: { data: {} } } }, error: expect.any(String) });
      sim.append('c2', 's', 'a', JSON.parse(`{"${field}":"w"}`));
      expect(rl(sim.append('c2', 't', 'a', {}))).toEqual([]);
      sim.append('c3', 's', 'a', JSON.parse(`{"${field}":"v"}`));
      const w = sim.append('c3', 't', 'a', {});
      expect(rl(w)).toEqual([['c3', 'r', 'red']]);
      expect(w.alerts[0]!.alert.facts).toEqual({ case: { latest: { s: { data: { [field]: 'v' } } } } });
    });
  }
  it('constructor in case.latest: the expression library types a map by its constructor property, so a rule reading it fails closed (unsupported_type) whatever the value (docs/supervision.md §10)', () => {
    const sim = new SimLedger();
    sim.adoptPack(latestPack('constructor'), 1);
    const cases: [string, Record<string, string>][] = [['c1', {}], ['c2', { constructor: 'w' }], ['c3', { constructor: 'v' }]];
    for (const [c, data] of cases) {
      sim.append(c, 's', 'a', JSON.parse(JSON.stringify(data)));
      const w = sim.append(c, 't', 'a', {});
      expect(rl(w)).toEqual([[c, 'r', 'red']]);
      expect(w.alerts[0]!.alert.facts).toEqual({ case: { latest: { s: { data } } }, error: Object.keys(data).length === 0 ? expect.any(String) : 'unsupported_type' });
    }
  });
});

describe('before the step: dryRun and blocking', () => {
  it('dryRun says what a step would raise and changes nothing; blocking names the refusing rules', () => {
    const sim = engineLedger();
    sim.append('K3', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    const before = JSON.stringify(caseStateToJson(sim.supervisor.caseState('K3')!));
    const step = { caseId: 'K3', type: 'approval.decided', actor: 'clerk:wang', data: { decision: 'granted' } };
    expect(sim.supervisor.dryRun(step).alerts.map((a) => a.rule)).toEqual(['cel.decided-by-handler']);
    expect(sim.supervisor.blocking(step).map((b) => b.rule.id)).toEqual(['cel.decided-by-handler']);
    expect(sim.supervisor.blocking({ ...step, actor: 'director:chen' })).toEqual([]);
    expect(sim.supervisor.dryRun({ ...step, type: TYPES.tick }).alerts).toEqual([]);
    expect(JSON.stringify(caseStateToJson(sim.supervisor.caseState('K3')!))).toBe(before);
  });
  it('a refused attempt is recorded instead of the step, and the audit accepts the refusal', () => {
    const sim = engineLedger();
    sim.append('K4', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    const w = sim.tryAppend('K4', 'approval.decided', 'clerk:wang', { decision: 'granted' })!;
    expect(sim.entries[w.seq]!.type).toBe(TYPES.refused);
    sim.append('K4', 'case.closed', 'clerk:wang', {});
    const w2 = sim.tryAppend('K4', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 1 })!;
    expect((sim.entries[w2.seq]!.data as { rules: { id: string; facts: unknown }[] }).rules).toEqual([{ facts: { missing: [], present: ['case.closed'] }, id: 'order.closed-last', level: 'red', version: 1 }]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('a blocked step appended anyway: BLOCK_BYPASSED', () => {
    const sim = engineLedger();
    sim.append('K5', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    const w = sim.append('K5', 'approval.decided', 'clerk:wang', { decision: 'granted' });
    const r = audit(sim.entries);
    expect(r.findings.map((f) => [f.code, f.seq, f.rule])).toEqual([['BLOCK_BYPASSED', w.seq, 'cel.decided-by-handler']]);
  });
});

describe('redaction', () => {
  it('an alert whose step was erased later is replayed from its facts; a silent rule there is NOT_REPLAYABLE (a warning)', () => {
    const sim = engineLedger();
    const big = sim.append('K6', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 60000 }, sh('2025-11-03T09:00'));
    const small = sim.append('K7', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 100 });
    sim.redact(big.seq, 'court order');
    sim.redact(small.seq, 'court order');
    const r = audit(sim.entries);
    expect(r.replayedFromFacts).toBe(1);
    expect(r.findings.map((f) => [f.code, f.seq, f.rule, f.severity])).toEqual([['NOT_REPLAYABLE', small.seq, 'cel.big-fee', 'warning']]);
    expect(r.ok).toBe(true);
  });
  it('facts that do not fire the rule are ALERT_DIFFERS', () => {
    const sim = engineLedger();
    const big = sim.append('K8', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 60000 }, sh('2025-11-03T09:00'));
    sim.redact(big.seq, 'court order');
    const entries = sim.entries.map((e) => {
      if (e.type !== TYPES.alert) return e;
      const d = JSON.parse(JSON.stringify(e.data)) as { facts: { step: { data: { amountFen: number } } } };
      d.facts.step.data.amountFen = 10;
      const { payload: _p, ...rest } = e;
      return { ...rest, data: d };
    });
    expect(audit(entries).findings.map((f) => f.code)).toEqual(['ALERT_DIFFERS']);
  });
  it('a payload erased before a rule reads it is not read (writer and auditor agree)', () => {
    const sim = engineLedger();
    const app = sim.append('K9', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    sim.redact(app.seq, 'personal data');
    expect(rl(sim.append('K9', 'approval.decided', 'clerk:wang', { decision: 'granted' }))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('escalation of undisposed alerts', () => {
  it('notice after 2 working days; undisposed, yellow 3 working days later, red 3 after that; a disposed alert does not escalate', () => {
    const sim = engineLedger();
    sim.append('E1', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00')); // Mon
    sim.append('E2', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:05'));
    const t1 = sim.tick(sh('2025-11-06T08:00')); // days 1–2: Tue 4, Wed 5 → elapsed Thu 00:00
    expect(rl(t1)).toEqual([
      ['E1', 'deadline.close', 'notice'],
      ['E2', 'deadline.close', 'notice'],
    ]);
    sim.dispose(t1.alerts[1]!.seq, 'explained', '申请人补充材料中', 'chief:sun', sh('2025-11-06T09:00'));
    expect(rl(sim.tick(sh('2025-11-10T23:00')))).toEqual([]); // from Thu 6: Fri 7, Mon 10, Tue 11
    const t2 = sim.tick(sh('2025-11-12T00:00'));
    expect(rl(t2)).toEqual([['E1', 'escalate.open', 'yellow']]);
    expect(t2.alerts[0]!.alert.triggeredBy).toEqual([t1.alerts[0]!.seq, t2.seq]);
    const t3 = sim.tick(sh('2025-11-17T08:00')); // from Wed 12: Thu 13, Fri 14, Mon 17 → not yet
    expect(rl(t3)).toEqual([]);
    expect(rl(sim.tick(sh('2025-11-18T00:00')))).toEqual([['E1', 'escalate.open', 'red']]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('disposing of a non-alert or twice: DISPOSITION_INVALID', () => {
    const sim = engineLedger();
    const s = sim.append('E3', 'application.received', 'clerk:wang', { item: 'XK-002', handler: 'clerk:wang' }, sh('2025-11-03T09:00'));
    const t = sim.tick(sh('2025-11-06T08:00'));
    sim.dispose(t.alerts[0]!.seq, 'violation', '确认逾期', 'chief:sun');
    sim.dispose(t.alerts[0]!.seq, 'explained', '再次处置', 'chief:sun');
    sim.dispose(s.seq, 'explained', '不是预警', 'chief:sun');
    expect(audit(sim.entries).findings.map((f) => f.code)).toEqual(['DISPOSITION_INVALID', 'DISPOSITION_INVALID']);
  });
});

describe('a calendar that runs out', () => {
  const only2025: CalendarTable = (() => {
    const c = cnCalendar();
    return { ...c, from: '2025-01-01', to: '2025-12-31', holidays: c.holidays.filter((d) => d.startsWith('2025')), workdays: c.workdays.filter((d) => d.startsWith('2025')) };
  })();
  it('asks for the next calendar with one system alert, and evaluates the waiting deadlines right after it is adopted', () => {
    const sim = new SimLedger();
    sim.adoptCalendar(only2025, sh('2025-12-01T08:00'));
    sim.adoptPack(enginePack(), sh('2025-12-01T08:00'));
    const running = sim.append('M1', 'application.received', 'clerk:wang', { item: 'a', handler: 'clerk:wang' }, sh('2025-12-30T09:00'));
    const stopped = sim.append('M2', 'application.received', 'clerk:wang', { item: 'a', handler: 'clerk:wang' }, sh('2025-12-30T10:00'));
    const close = sim.append('M2', 'case.closed', 'clerk:wang', {}, sh('2026-01-05T09:00')); // day 1 = 31 Dec; day 2 needs 2026
    expect(rl(close)).toEqual([[SYSTEM_CASE, 'casetrail.calendar-missing', 'red']]);
    expect(close.alerts[0]!.alert.facts).toMatchObject({ calendar: 'cn-mainland', needsFrom: '2026-01-01', case: 'M2', rule: 'deadline.close' });
    expect(rl(sim.tick(sh('2026-01-05T10:00')))).toEqual([]); // asked once per calendar in force
    const adopt = sim.adoptCalendar(cnCalendar(), sh('2026-01-06T08:00'));
    // 2026: 1–3 Jan off, Sun 4 Jan worked: day 2 is 4 Jan, elapsed at 00:00 on 5 Jan, before the stop at 09:00
    expect(rl(adopt)).toEqual([
      ['M1', 'deadline.close', 'notice'],
      ['M2', 'deadline.close', 'notice'],
    ]);
    expect(adopt.alerts[1]!.alert.triggeredBy).toEqual([stopped.seq, close.seq, adopt.seq]);
    expect(adopt.alerts[0]!.alert.triggeredBy).toEqual([running.seq, adopt.seq]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('pack versions and shadow mode', () => {
  it('a new version is in force from its adoption; earlier alerts stay, and one (case, rule, level) is never raised twice', () => {
    const { sim } = buildExampleLedger();
    const v2 = loadPack(examplePack().canonical.replace('"version":2,"zone"', '"version":3,"zone"').replace('"XK-002":20000', '"XK-002":30000'));
    expect(v2.version).toBe(3);
    sim.adoptPack(v2, sh('2025-11-11T08:00'));
    expect(sim.append('XK-D3', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 90000 }, sh('2025-11-11T09:00')).alerts).toEqual([]);
    expect(rl(sim.append('XK-N', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 25000 }))).toEqual([]);
    expect(rl(sim.append('XK-N2', 'fee.charged', 'cashier:zhao', { item: 'XK-002', amountFen: 30001 }))).toEqual([['XK-N2', 'fee.over-standard', 'red']]);
    const r = audit(sim.entries);
    expect(r.findings).toEqual([]);
    expect(r.packs.map((p) => p.version)).toEqual([2, 3]);
  });
  it('tryPack: what a candidate would have raised, without adopting it', () => {
    const { sim } = buildExampleLedger();
    const stricter = loadPack(examplePack().canonical.replace('{"days":16,"level":"notice"}', '{"days":10,"level":"notice"}'));
    const before = sim.entries.length;
    const r = tryPack(sim.entries, stricter);
    expect(sim.entries.length).toBe(before);
    // day 10 elapsed before a decision for C (21 Oct), G and D1–D4 (28 Oct); A, B, E, F were decided within 10 days
    expect(r.byRule['deadline.approval']).toEqual({ notice: 6, yellow: 2, red: 1 });
    expect(r.byRule['fee.over-standard']).toEqual({ red: 4 });
  });
});

describe('the case summary can be rebuilt by folding the case’s entries', () => {
  it('foldCase equals the incremental state for every case of the example ledger', () => {
    const { sim } = buildExampleLedger();
    const adoptions = sim.entries.filter((e) => e.type === TYPES.rulesAdopted || e.type === TYPES.calendarAdopted);
    const cases = new Set(sim.entries.filter((e) => !e.caseId.startsWith('casetrail.')).map((e) => e.caseId));
    expect(cases.size).toBe(10);
    for (const c of cases) {
      const folded = foldCase(c, sim.entries.filter((e) => e.caseId === c), adoptions);
      expect(caseStateToJson(folded!)).toEqual(caseStateToJson(sim.supervisor.caseState(c)!));
    }
  });
});

describe('stepOwnAlert (the writer noting the alert entries it just wrote)', () => {
  it('leaves the engine exactly as stepping the same entries does, over the example ledger; an entry that is not that alert is stepped', () => {
    const { sim } = buildExampleLedger();
    const byStep = createSupervisor();
    const byOwn = createSupervisor();
    const json = (s: ReturnType<typeof byStep.caseState>): unknown => (s === undefined ? null : caseStateToJson(s));
    let expected: readonly ExpectedAlert[] = [];
    let own = 0;
    const cases = new Set<string>();
    for (const e of sim.entries) {
      cases.add(e.caseId);
      const a = byStep.step(e);
      const mine = expected.find((x) => x.payload === e.payload && x.caseId === e.caseId);
      if (mine !== undefined) {
        byOwn.stepOwnAlert(e, mine);
        own++;
      } else {
        expect(byOwn.step(e)).toEqual(a);
        expected = a.alerts;
      }
      for (const c of cases) expect(json(byOwn.caseState(c))).toEqual(json(byStep.caseState(c)));
    }
    expect(own).toBeGreaterThan(5);
    // An ordinary step given with an alert: stepped as it is.
    const last = sim.entries[sim.entries.length - 1]!;
    const e = { seq: last.seq + 1, time: last.time, caseId: 'XK-Z', step: 1, type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted', basis: 'b' } };
    const raised = byStep.step(e).alerts;
    expect(raised.map((x) => x.rule)).toEqual(['order.review-before-decision']);
    byOwn.stepOwnAlert(e, raised[0]!);
    expect(json(byOwn.caseState('XK-Z'))).toEqual(json(byStep.caseState('XK-Z')));
    expect(byOwn.lastSeq).toBe(e.seq);
  });
});
