/**
 * The step rules at their edges (docs/supervision.md §2.3, §6.9), through the
 * engine's public seams only: a SimLedger writes each step and the alerts the
 * engine expects, and `audit` replays the stored view. Each test names the
 * exact alerts (case, rule, level), facts and reasons; the erased-step tests
 * replay an alert from the facts it recorded, and the attacker-order tests
 * append a step through the core alone. Every ledger is built inside its test
 * (docs/mutation.md, "No work while test files load").
 */
import { describe, expect, it } from 'vitest';
import { audit, canonicalJson, loadPack, type ExpectedAlert, type Pack } from '../src/index.js';
import { SimLedger, sh, type Written } from './helpers/sim-ledger.js';

const rl = (w: Written) => w.alerts.map((a) => [a.alert.caseId, a.alert.rule, a.alert.level]);
const found = (entries: SimLedger['entries']) => audit(entries).findings.map((f) => [f.code, f.seq, f.caseId, f.rule, f.severity]);

/**
 * One rule of each step kind. `plain`: messages without placeholders, so that
 * an alert whose facts were changed by hand still has the reason the engine
 * would give for those facts (only the facts then decide whether a replay
 * accepts it).
 */
function stepPack(plain = false): Pack {
  const m = (text: string) => (plain ? '{ zh: 规则, en: rule }' : `{ zh: "${text}", en: "${text}" }`);
  return loadPack(
    `casetrail: supervise/1
pack: step-edges
version: 1
steps:
  apply: { fields: { item: string } }
  fee: { fields: { item: string, amountFen: int } }
  review:
    fields:
      basis: { type: string, optional: true }
      note: { type: string, optional: true }
      refs: { type: list, of: string, optional: true }
      count: { type: int, optional: true }
  decide: { fields: { amount: { type: int, optional: true } } }
  close: {}
  hold: {}
schedules:
  fees: { A: 0, B: 20000 }
rules:
  - { id: cel.amount, version: 1, point: other, kind: cel, on: [decide], level: notice, when: 'step.data.amount > 100', message: ${m('amount {step.data.amount} {error}')} }
  - { id: fee.std, version: 2, point: fee, kind: fee, on: [fee], schedule: fees, item: item, amount: amountFen, level: red, message: ${m('{item}: {amount} of {standard} ({schedule})')} }
  - { id: fields.review, version: 1, point: content, kind: required-fields, on: [review], fields: [basis, note, refs, count], level: notice, message: ${m('missing {missing}')} }
  - { id: order.decide, version: 1, point: procedure, kind: order, on: [decide], requires: [apply, review], forbids: [close, hold], level: yellow, message: ${m('missing {missing}; present {present}')} }
  - { id: sep.three, version: 1, point: procedure, kind: separation, types: [apply, review, decide], level: yellow, message: ${m('{actor} did {earlierType} at {earlierSeq}')} }
`,
    'step-edges.yaml',
  );
}

function ledger(plain = false, writeAlert?: (a: ExpectedAlert) => string | null): SimLedger {
  const sim = writeAlert === undefined ? new SimLedger() : new SimLedger(writeAlert);
  sim.adoptPack(stepPack(plain), sh('2025-11-03T08:00'));
  return sim;
}

/** The facts and reason of the only alert written after a step. */
function only(w: Written): { facts: unknown; reason: unknown; triggeredBy: readonly number[] } {
  expect(w.alerts.length).toBe(1);
  const a = w.alerts[0]!.alert;
  return { facts: a.facts, reason: a.reason, triggeredBy: a.triggeredBy };
}

describe('fee rule: the standard, the schedule and the values it reads', () => {
  it('an amount of 0 for a free item and the exact standard do not fire; one fen above does, with its facts', () => {
    const sim = ledger();
    expect(rl(sim.append('F0', 'fee', 'cashier:zhao', { item: 'A', amountFen: 0 }, sh('2025-11-03T09:00')))).toEqual([]);
    expect(rl(sim.append('F1', 'fee', 'cashier:zhao', { item: 'B', amountFen: 20000 }))).toEqual([]);
    const w = sim.append('F2', 'fee', 'cashier:zhao', { item: 'B', amountFen: 20001 });
    expect(rl(w)).toEqual([['F2', 'fee.std', 'red']]);
    expect(only(w)).toEqual({
      facts: { amount: 20001, item: 'B', schedule: 'fees', standard: 20000 },
      reason: { zh: 'B: 20001 of 20000 (fees)', en: 'B: 20001 of 20000 (fees)' },
      triggeredBy: [w.seq],
    });
    expect(sim.entries[w.alerts[0]!.seq]!.data).toMatchObject({ rule: 'fee.std', ruleVersion: 2, level: 'red', triggeredBy: [w.seq] });
    const free = sim.append('F3', 'fee', 'cashier:zhao', { item: 'A', amountFen: 1 });
    expect(only(free).facts).toEqual({ amount: 1, item: 'A', schedule: 'fees', standard: 0 });
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('an item outside the schedule, a negative or fractional amount, values of the wrong type fire', () => {
    const sim = ledger();
    const cases: [string, unknown, unknown][] = [
      ['G1', { item: 'Z', amountFen: 0 }, { amount: 0, item: 'Z', schedule: 'fees', standard: null }],
      ['G2', { item: 'B', amountFen: -1 }, { amount: -1, item: 'B', schedule: 'fees', standard: 20000 }],
      ['G3', { item: 'B', amountFen: 1.5 }, { amount: 1.5, item: 'B', schedule: 'fees', standard: 20000 }],
      ['G4', { item: 'B', amountFen: '100' }, { amount: '100', item: 'B', schedule: 'fees', standard: 20000 }],
      ['G5', { item: 7, amountFen: 0 }, { amount: 0, item: 7, schedule: 'fees', standard: null }],
      ['G6', { item: 'B', amountFen: 2 ** 53 }, { amount: 2 ** 53, item: 'B', schedule: 'fees', standard: 20000 }],
    ];
    for (const [c, data, facts] of cases) {
      const w = sim.append(c, 'fee', 'cashier:zhao', data, sh('2025-11-03T09:00'));
      expect(rl(w), c).toEqual([[c, 'fee.std', 'red']]);
      expect(only(w).facts, c).toEqual(facts);
    }
    expect(audit(sim.entries).findings).toEqual([]);
  });
  it('an absent item or amount is null in the facts (and its standard null without an item)', () => {
    const sim = ledger();
    const none = sim.append('H1', 'fee', 'cashier:zhao', {}, sh('2025-11-03T09:00'));
    expect(only(none)).toEqual({
      facts: { amount: null, item: null, schedule: 'fees', standard: null },
      reason: { zh: 'null: null of null (fees)', en: 'null: null of null (fees)' },
      triggeredBy: [none.seq],
    });
    expect(only(sim.append('H2', 'fee', 'cashier:zhao', { item: 'B' })).facts).toEqual({ amount: null, item: 'B', schedule: 'fees', standard: 20000 });
    expect(only(sim.append('H3', 'fee', 'cashier:zhao', { amountFen: 5 })).facts).toEqual({ amount: 5, item: null, schedule: 'fees', standard: null });
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('required-fields rule: what counts as empty', () => {
  it('null, "" and [] are missing, in the rule’s order; 0, a space and a list with an item are not', () => {
    const sim = ledger();
    const w = sim.append('R1', 'review', 'reviewer:qian', { refs: [], note: '', basis: null, count: 0 }, sh('2025-11-03T09:00'));
    expect(rl(w)).toEqual([['R1', 'fields.review', 'notice']]);
    expect(only(w)).toEqual({ facts: { missing: ['basis', 'note', 'refs'] }, reason: { zh: 'missing basis, note, refs', en: 'missing basis, note, refs' }, triggeredBy: [w.seq] });
    expect(rl(sim.append('R2', 'review', 'reviewer:qian', { basis: ' ', note: 'n', refs: ['a'], count: 0 }))).toEqual([]);
    expect(only(sim.append('R3', 'review', 'reviewer:qian', {})).facts).toEqual({ missing: ['basis', 'note', 'refs', 'count'] });
    // an object with a length of 0 is neither text nor a list: present
    expect(rl(sim.append('R4', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: { length: 0 }, count: false }))).toEqual([]);
    expect(only(sim.append('R5', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'] })).facts).toEqual({ missing: ['count'] });
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('order rule: which required types are missing and which forbidden ones present', () => {
  it('names them in the rule’s order; a case in order raises nothing', () => {
    const sim = ledger();
    const w1 = sim.append('D1', 'decide', 'director:chen', { amount: 1 }, sh('2025-11-03T09:00'));
    expect(rl(w1)).toEqual([['D1', 'order.decide', 'yellow']]);
    expect(only(w1)).toEqual({ facts: { missing: ['apply', 'review'], present: [] }, reason: { zh: 'missing apply, review; present ', en: 'missing apply, review; present ' }, triggeredBy: [w1.seq] });
    sim.append('D2', 'apply', 'clerk:wang', { item: 'A' });
    sim.append('D2', 'hold', 'clerk:wang', {});
    sim.append('D2', 'close', 'clerk:wang', {});
    const w2 = sim.append('D2', 'decide', 'director:chen', { amount: 1 });
    expect(only(w2).facts).toEqual({ missing: ['review'], present: ['close', 'hold'] });
    sim.append('D3', 'apply', 'clerk:wang', { item: 'A' });
    sim.append('D3', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'], count: 1 });
    expect(rl(sim.append('D3', 'decide', 'director:chen', { amount: 1 }))).toEqual([]);
    sim.append('D4', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'], count: 1 });
    expect(only(sim.append('D4', 'decide', 'director:chen', { amount: 1 })).facts).toEqual({ missing: ['apply'], present: [] });
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('separation rule', () => {
  it('a second step of the same type by the same actor does not fire; a step of another listed type does, naming the first earlier step', () => {
    const sim = ledger();
    const first = sim.append('S1', 'apply', 'clerk:wang', { item: 'A' }, sh('2025-11-03T09:00'));
    expect(rl(sim.append('S1', 'apply', 'clerk:wang', { item: 'B' }))).toEqual([]);
    const w = sim.append('S1', 'review', 'clerk:wang', { basis: 'b', note: 'n', refs: ['a'], count: 1 });
    expect(rl(w)).toEqual([['S1', 'sep.three', 'yellow']]);
    expect(only(w)).toEqual({
      facts: { actor: 'clerk:wang', earlierSeq: first.seq, earlierType: 'apply' },
      reason: { zh: `clerk:wang did apply at ${first.seq}`, en: `clerk:wang did apply at ${first.seq}` },
      triggeredBy: [w.seq],
    });
    // another actor's step of another type: nothing
    expect(rl(sim.append('S2', 'apply', 'clerk:wang', { item: 'A' }))).toEqual([]);
    expect(rl(sim.append('S2', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'], count: 1 }))).toEqual([]);
    expect(audit(sim.entries).findings).toEqual([]);
  });
});

describe('CEL rule whose evaluation fails', () => {
  it('fires with the error in its facts, and is replayed from those facts once its step is erased', () => {
    const sim = ledger();
    sim.append('C1', 'apply', 'clerk:wang', { item: 'A' }, sh('2025-11-03T09:00'));
    sim.append('C1', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'], count: 1 });
    const w = sim.append('C1', 'decide', 'director:chen', { amount: 'many' });
    expect(rl(w)).toEqual([['C1', 'cel.amount', 'notice']]);
    expect(only(w)).toEqual({
      facts: { error: 'field_type_mismatch', step: { data: { amount: 'many' } } },
      reason: { zh: 'amount many field_type_mismatch', en: 'amount many field_type_mismatch' },
      triggeredBy: [w.seq],
    });
    sim.redact(w.seq, 'court order');
    const r = audit(sim.entries);
    expect(r.findings).toEqual([]);
    expect(r.replayedFromFacts).toBe(1);
  });
});

describe('a fee or required-fields step erased after its evaluation', () => {
  it('its alert is replayed from the facts it recorded; where no alert was recorded the audit says NOT_REPLAYABLE', () => {
    const sim = ledger();
    const over = sim.append('E1', 'fee', 'cashier:zhao', { item: 'B', amountFen: 20001 }, sh('2025-11-03T09:00'));
    const blank = sim.append('E2', 'fee', 'cashier:zhao', {});
    const missing = sim.append('E3', 'review', 'reviewer:qian', { basis: null, note: 'n', refs: [], count: 3 });
    const fine = sim.append('E4', 'fee', 'cashier:zhao', { item: 'B', amountFen: 20000 });
    const complete = sim.append('E5', 'review', 'reviewer:qian', { basis: 'b', note: 'n', refs: ['a'], count: 0 });
    expect([over, blank, missing].map((w) => w.alerts.length)).toEqual([1, 1, 1]);
    for (const w of [over, blank, missing, fine, complete]) sim.redact(w.seq, 'personal data');
    const r = audit(sim.entries);
    expect(r.replayedFromFacts).toBe(3);
    expect(r.findings.map((f) => [f.code, f.seq, f.caseId, f.rule, f.severity])).toEqual([
      ['NOT_REPLAYABLE', fine.seq, 'E4', 'fee.std', 'warning'],
      ['NOT_REPLAYABLE', complete.seq, 'E5', 'fields.review', 'warning'],
    ]);
    expect(r.ok).toBe(true);
  });

  /** A ledger whose alert of case `target` records `facts` instead of what the engine found; the step is then erased. */
  function replayed(type: string, data: unknown, facts: Record<string, unknown>): ReturnType<typeof found> {
    const sim = ledger(true, (a) => (a.caseId === 'T' ? canonicalJson({ ...(JSON.parse(a.payload) as object), facts }) : a.payload));
    const w = sim.append('T', type, 'cashier:zhao', data, sh('2025-11-03T09:00'));
    expect(w.alerts.length).toBe(1);
    sim.redact(w.seq, 'court order');
    return found(sim.entries);
  }
  // seq 0 adopts the pack, 1 is the step, 2 its alert
  const differs = (rule: string) => [['ALERT_DIFFERS', 2, 'T', rule, 'error']];

  it('fee: recorded facts are accepted only when the rule fires on their item and amount and they hold its standard', () => {
    const fee = { item: 'B', amountFen: 30000 };
    expect(replayed('fee', fee, { amount: 30000, item: 'B', schedule: 'fees', standard: 20000 })).toEqual([]);
    expect(replayed('fee', fee, { amount: null, item: null, schedule: 'fees', standard: null })).toEqual([]);
    expect(replayed('fee', fee, { amount: 1, item: 'Z', schedule: 'fees', standard: null })).toEqual([]);
    // facts that do not fire the rule: at the standard, 0 for a free item, 0 within it
    expect(replayed('fee', fee, { amount: 20000, item: 'B', schedule: 'fees', standard: 20000 })).toEqual(differs('fee.std'));
    expect(replayed('fee', fee, { amount: 0, item: 'A', schedule: 'fees', standard: 0 })).toEqual(differs('fee.std'));
    // facts that fire it but misstate the standard or the schedule
    expect(replayed('fee', fee, { amount: 30000, item: 'B', schedule: 'fees', standard: 40000 })).toEqual(differs('fee.std'));
    expect(replayed('fee', fee, { amount: 30000, item: 'B', schedule: 'other', standard: 20000 })).toEqual(differs('fee.std'));
  });

  it('required-fields: recorded missing fields are accepted only as a non-empty list of the rule’s fields in its order', () => {
    const data = { basis: null, note: '', refs: ['a'], count: 1 };
    expect(replayed('review', data, { missing: ['basis', 'note'] })).toEqual([]);
    expect(replayed('review', data, { missing: ['count'] })).toEqual([]);
    expect(replayed('review', data, { missing: ['note', 'basis'] })).toEqual(differs('fields.review'));
    expect(replayed('review', data, { missing: ['basis', 'other'] })).toEqual(differs('fields.review'));
    expect(replayed('review', data, { missing: ['basis', 'basis'] })).toEqual(differs('fields.review'));
    expect(replayed('review', data, { missing: [] })).toEqual(differs('fields.review'));
    expect(replayed('review', data, { missing: 'basis' })).toEqual(differs('fields.review'));
    expect(replayed('review', data, {})).toEqual(differs('fields.review'));
  });
});

describe('attacker order: a step appended through the core alone', () => {
  it('the audit names the case, the rule and the seq of each step whose alert is missing', () => {
    const sim = ledger();
    sim.append('A1', 'apply', 'clerk:wang', { item: 'A' }, sh('2025-11-03T09:00'));
    const fee = sim.raw('A1', 'fee', 'cashier:zhao', { item: 'B', amountFen: 20001 });
    const review = sim.raw('A2', 'review', 'reviewer:qian', { basis: '' });
    const decide = sim.raw('A3', 'decide', 'director:chen', {});
    const sep = sim.raw('A1', 'review', 'clerk:wang', { basis: 'b', note: 'n', refs: ['a'], count: 1 });
    const cel = sim.raw('A4', 'decide', 'director:chen', { amount: 101 });
    expect(found(sim.entries)).toEqual([
      ['ALERT_SUPPRESSED', fee.seq, 'A1', 'fee.std', 'error'],
      ['ALERT_SUPPRESSED', review.seq, 'A2', 'fields.review', 'error'],
      // no amount: the CEL rule fails closed (§3.4)
      ['ALERT_SUPPRESSED', decide.seq, 'A3', 'cel.amount', 'error'],
      ['ALERT_SUPPRESSED', decide.seq, 'A3', 'order.decide', 'error'],
      ['ALERT_SUPPRESSED', sep.seq, 'A1', 'sep.three', 'error'],
      ['ALERT_SUPPRESSED', cel.seq, 'A4', 'cel.amount', 'error'],
      ['ALERT_SUPPRESSED', cel.seq, 'A4', 'order.decide', 'error'],
    ]);
  });
});
