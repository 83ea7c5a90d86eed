/**
 * The checks of a violation, a revocation and a disposition at their
 * position (docs/supervision.md §14.4, §14.5), called directly on a case
 * history written out here: each rule with an entry that meets it and with
 * entries that break it one way at a time. The attacker's order on a ledger
 * (entries written through the core, then the audit) is in points-audit and
 * ledger/points; these pin what each check decides. Nothing is computed while
 * the file loads (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest';
import { REDACTED, TYPES, type LedgerEntry } from '../src/entry-model.js';
import { loadPack } from '../src/pack-load.js';
import type { Pack } from '../src/pack-model.js';
import { checkRevocation, checkViolation, chargedSubject, chargingFields, confirmationOf, namingField, storedViolation, violationDue, type CheckInput } from '../src/points/checks.js';
import { encodeViolation, POINTS_TYPES, type Violation } from '../src/points/entries.js';
import type { UnitResolver } from '../src/points/units.js';
import { encodeAlert, type AlertPayload } from '../src/system-entries.js';

/** Three CEL rules on fee.charged, each charging someone else: its actor, the actor's unit, the case's handler. */
function pack(extra = ''): Pack {
  const rule = (id: string, charge: string, code = 'fee.over') => `  - id: ${id}
    version: 1
    point: fee
    kind: cel
    on: [fee.charged]
    when: step.data.amountFen > 100
    level: red
    message: { zh: x, en: x }
    code: { red: ${code} }
    charge: ${charge}
`;
  return loadPack(
    `casetrail: supervise/1
pack: p
version: 1
steps:
  fee.charged: { fields: { item: string, amountFen: int } }
  application.received: { fields: { handler: string, count: int } }
rules:
${rule('fee.actor', 'actor')}${rule('fee.unit', 'unit', 'fee.range')}${rule('fee.handler', '{ field: handler, of: application.received }')}points:
  fee.over: { title: { zh: 超标收费, en: over }, points: 3 }
  fee.range: { title: { zh: 区间, en: range }, points: { min: 1, max: 4 } }
base: 12
subjects: [clerk, cashier, unit]
${extra}`,
    'p.yaml',
  );
}

const t = (n: number): number => Date.parse('2025-03-01T01:00:00Z') + n * 60_000;
const entry = (seq: number, type: string, actor: string, data: unknown, caseId = 'XK-1'): LedgerEntry => ({ seq, time: t(seq), caseId, step: seq, type, actor, data });
const alert = (p: Pack, seq: number, rule: string, triggeredBy: number[], level = 'red'): LedgerEntry => {
  const a: AlertPayload = { facts: {}, level, pack: p.hash, reason: { zh: 'x', en: 'x' }, rule, ruleVersion: 1, triggeredBy };
  return entry(seq, TYPES.alert, 'casetrail', JSON.parse(encodeAlert(a)));
};
const disposed = (seq: number, alertSeq: number, outcome = 'violation', caseId = 'XK-1') => entry(seq, TYPES.alertDisposed, 'chief:zhang', { alert: alertSeq, outcome, reason: 'r' }, caseId);
const UNITS: UnitResolver = { unitOf: (s, before) => (s === 'cashier:zhao' && before === 14 ? 'unit:finance' : null) };

/** Case XK-1: received (handler clerk:zhou), a fee charged by cashier:zhao, the alert of `rule` on it, its disposition. */
function history(p: Pack, rule = 'fee.actor'): LedgerEntry[] {
  return [
    entry(10, 'application.received', 'clerk:wang', { handler: 'clerk:zhou', count: 1 }),
    entry(11, 'fee.charged', 'cashier:zhao', { item: 'A', amountFen: 500 }),
    alert(p, 12, rule, [10, 11]),
    disposed(13, 12),
  ];
}
const violation = (over: Partial<Violation>): Violation => ({ alert: null, at: t(11), code: 'fee.over', evidence: [11], points: 3, reason: 'r', subject: 'cashier:zhao', ...over });
const input = (p: Pack | null, h: LedgerEntry[], over: Partial<CheckInput> = {}): CheckInput => ({ pack: p, history: h, previous: h[h.length - 1], units: UNITS, ...over });
const check = (v: Violation, i: CheckInput) => checkViolation(v, entry(14, POINTS_TYPES.violation, 'inspector:sun', null), i);
const isProblem = (r: unknown): boolean => typeof r === 'object' && r !== null && 'problem' in r;
const isUnknown = (r: unknown): boolean => typeof r === 'object' && r !== null && 'unknown' in r;

describe('a direct record (§14.4)', () => {
  it('checks when its subject is an evidence step’s actor, a value of its declared string fields, or the unit of either', () => {
    const p = pack();
    const h = history(p);
    expect(check(violation({}), input(p, h))).toBeNull();
    expect(check(violation({ subject: 'unit:finance' }), input(p, h))).toBeNull();
    expect(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, h))).toBeNull();
    expect(check(violation({ subject: 'clerk:wang', evidence: [10, 11] }), input(p, h))).toBeNull();
    expect(check(violation({ subject: 'clerk:zhou', evidence: [10, 11] }), input(p, h))).toBeNull();
  });
  it('is a problem when no evidence step concerns the subject: an int field, an undeclared type, an empty text name no one', () => {
    const p = pack();
    const h = history(p);
    expect(isProblem(check(violation({ subject: 'clerk:li' }), input(p, h)))).toBe(true);
    expect(isProblem(check(violation({ subject: 'unit:finance' }), input(p, h, { units: { unitOf: () => null } })))).toBe(true);
    const odd = [entry(10, 'application.received', 'clerk:wang', { handler: '', count: 'clerk:li' }), entry(11, 'other.step', 'clerk:wang', { handler: 'clerk:li' })];
    for (const e of odd) expect(isProblem(check(violation({ subject: 'clerk:li', evidence: [e.seq], at: e.time }), input(p, [e]))), e.type).toBe(true);
  });
  it('cites steps of the case: an alert, a disposition or an entry of another case is refused', () => {
    const p = pack();
    const h = history(p);
    expect(isProblem(check(violation({ evidence: [11, 12], at: t(12) }), input(p, h)))).toBe(true);
    expect(isProblem(check(violation({ evidence: [11, 13], at: t(13) }), input(p, h)))).toBe(true);
    expect(isProblem(check(violation({ evidence: [11, 9], at: t(11) }), input(p, h)))).toBe(true);
  });
  it('its at is the time of its latest evidence, exactly', () => {
    const p = pack();
    const h = history(p);
    expect(check(violation({ evidence: [10, 11], subject: 'cashier:zhao', at: t(11) }), input(p, h))).toBeNull();
    for (const at of [t(10), t(11) - 1, t(11) + 1]) expect(isProblem(check(violation({ evidence: [10, 11], at }), input(p, h))), String(at)).toBe(true);
  });
  it('a payload erased after the record, that could name the subject, makes it unknown; erased before it, a problem', () => {
    const p = pack();
    const h = history(p);
    const erased = [{ ...h[0]!, data: REDACTED }, ...h.slice(1)];
    expect(isUnknown(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, erased)))).toBe(true);
    // the actor still names its subject
    expect(check(violation({ subject: 'clerk:wang', evidence: [10], at: t(10) }), input(p, erased))).toBeNull();
    const redaction = entry(13, TYPES.redaction, 'dpo:wu', { redacts: 10, leaf: '00'.repeat(32), reason: 'r' });
    expect(isProblem(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, [...erased.slice(0, 2), redaction])))).toBe(true);
    // a redaction of another entry does not explain this one's erasure
    const other = entry(13, TYPES.redaction, 'dpo:wu', { redacts: 11, leaf: '00'.repeat(32), reason: 'r' });
    expect(isUnknown(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, [...erased.slice(0, 2), other])))).toBe(true);
    // a step that only says it redacts is no redaction
    const claims = entry(13, 'fee.charged', 'clerk:wang', { redacts: 10, item: 'A', amountFen: 1 });
    expect(isUnknown(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, [...erased.slice(0, 2), claims])))).toBe(true);
    const noTarget = entry(13, TYPES.redaction, 'dpo:wu', { redacts: '10', leaf: '00'.repeat(32), reason: 'r' });
    expect(isUnknown(check(violation({ subject: 'clerk:zhou', evidence: [10], at: t(10) }), input(p, [...erased.slice(0, 2), noTarget])))).toBe(true);
  });
});

describe('the code, the points and the subject (§14.1)', () => {
  it('needs a pack in force with a points model', () => {
    const h = history(pack());
    expect(isProblem(check(violation({}), input(null, h)))).toBe(true);
    const noPoints = { ...pack(), points: null } as Pack;
    expect(isProblem(check(violation({}), input(noPoints, h)))).toBe(true);
  });
  it('a 情形 of the pack, with its points or within its range', () => {
    const p = pack();
    const h = history(p);
    expect(isProblem(check(violation({ code: 'fee.other' }), input(p, h)))).toBe(true);
    for (const points of [2, 4]) expect(isProblem(check(violation({ points }), input(p, h))), `fee.over ${points}`).toBe(true);
    for (const points of [1, 2, 4]) expect(check(violation({ code: 'fee.range', points }), input(p, h)), `fee.range ${points}`).toBeNull();
    for (const points of [0, 5]) expect(isProblem(check(violation({ code: 'fee.range', points }), input(p, h))), `fee.range ${points}`).toBe(true);
  });
  it('a subject with one of the pack’s prefixes', () => {
    const p = pack();
    const h = [entry(11, 'fee.charged', 'auditor:qian', { item: 'A', amountFen: 500 })];
    expect(isProblem(check(violation({ subject: 'auditor:qian' }), input(p, h)))).toBe(true);
  });
});

describe('a confirmed alert (§14.4)', () => {
  it('checks right after its disposition, recording the rule’s code, the subject, the evidence and the instant', () => {
    const p = pack();
    const h = history(p);
    const v = violation({ alert: 12, evidence: [10, 11, 12], at: t(12) });
    expect(check(v, input(p, h))).toBeNull();
    expect(isProblem(check({ ...v, code: 'fee.range', points: 2 }, input(p, h)))).toBe(true);
    expect(isProblem(check({ ...v, evidence: [11, 12] }, input(p, h)))).toBe(true);
    expect(isProblem(check({ ...v, subject: 'clerk:wang' }, input(p, h)))).toBe(true);
  });
  it('anything but its own disposition with outcome violation right before is a problem', () => {
    const p = pack();
    const h = history(p);
    const v = violation({ alert: 12, evidence: [10, 11, 12], at: t(12) });
    const before: [string, LedgerEntry | undefined][] = [
      ['nothing', undefined],
      ['another step', h[1]],
      ['a disposition of another case', disposed(13, 12, 'violation', 'XK-2')],
      ['an erased disposition', { ...h[3]!, data: REDACTED }],
      ['a disposition of another alert', disposed(13, 11)],
      ['a disposition explaining the alert', disposed(13, 12, 'explained')],
      ['a step whose payload reads like the disposition', entry(13, 'fee.charged', 'chief:zhang', { alert: 12, outcome: 'violation', reason: 'r' })],
    ];
    for (const [what, previous] of before) expect(isProblem(check(v, input(p, h, { previous }))), what).toBe(true);
  });
  it('who each charge names: the triggering step’s actor, that actor’s unit, the case’s handler', () => {
    const p = pack();
    for (const [rule, code, subject] of [
      ['fee.actor', 'fee.over', 'cashier:zhao'],
      ['fee.unit', 'fee.range', 'unit:finance'],
      ['fee.handler', 'fee.over', 'clerk:zhou'],
    ] as const) {
      const h = history(p, rule);
      expect(confirmationOf(p, 12, 'XK-1', h, UNITS, 14), rule).toEqual({ code, subject, evidence: [10, 11, 12], at: t(12) });
    }
  });
});

describe('who a confirmed alert charges (§14.1)', () => {
  const rule = (p: Pack, id: string) => p.ruleById.get(id)!;
  const a = (triggeredBy: number[]): AlertPayload => ({ facts: {}, level: 'red', pack: '', reason: { zh: 'x', en: 'x' }, rule: '', ruleVersion: 1, triggeredBy });
  it('the actor of the latest triggering step of the case; a trigger outside the case or not a step is skipped', () => {
    const p = pack();
    const h = history(p);
    expect(chargedSubject(rule(p, 'fee.actor'), 12, a([10, 11]), h, UNITS, 14)).toEqual({ subject: 'cashier:zhao' });
    expect(chargedSubject(rule(p, 'fee.actor'), 12, a([10, 11, 99]), h, UNITS, 14)).toEqual({ subject: 'cashier:zhao' });
    expect(chargedSubject(rule(p, 'fee.actor'), 14, a([10, 12]), h, UNITS, 14)).toEqual({ subject: 'clerk:wang' });
    expect(isProblem(chargedSubject(rule(p, 'fee.actor'), 12, a([99]), h, UNITS, 14))).toBe(true);
    expect(isProblem(chargedSubject(rule(p, 'fee.actor'), 14, a([12, 13]), h, UNITS, 14))).toBe(true);
  });
  it('the unit of that actor as of the position; none is a problem', () => {
    const p = pack();
    const h = history(p, 'fee.unit');
    expect(chargedSubject(rule(p, 'fee.unit'), 12, a([11]), h, UNITS, 14)).toEqual({ subject: 'unit:finance' });
    expect(isProblem(chargedSubject(rule(p, 'fee.unit'), 12, a([11]), h, UNITS, 15))).toBe(true);
  });
  it('the field of the case’s latest step of its type before the alert', () => {
    const p = pack();
    const h = history(p, 'fee.handler');
    const r = rule(p, 'fee.handler');
    expect(chargedSubject(r, 12, a([11]), h, UNITS, 14)).toEqual({ subject: 'clerk:zhou' });
    const later = [...h, entry(15, 'application.received', 'clerk:wang', { handler: 'clerk:li', count: 1 }), entry(16, 'application.received', 'clerk:wang', { handler: 'clerk:he', count: 1 })];
    expect(chargedSubject(r, 16, a([11]), later, UNITS, 17)).toEqual({ subject: 'clerk:li' });
    expect(chargedSubject(r, 17, a([11]), later, UNITS, 17)).toEqual({ subject: 'clerk:he' });
    expect(isProblem(chargedSubject(r, 10, a([11]), h, UNITS, 14))).toBe(true);
    for (const handler of ['', 7, null]) {
      const odd = [entry(10, 'application.received', 'clerk:wang', { handler, count: 1 }), ...h.slice(1)];
      expect(isProblem(chargedSubject(r, 12, a([11]), odd, UNITS, 14)), JSON.stringify(handler)).toBe(true);
    }
    const erased = [{ ...h[0]!, data: REDACTED }, ...h.slice(1)];
    expect(isUnknown(chargedSubject(r, 12, a([11]), erased, UNITS, 14))).toBe(true);
    const redaction = entry(13, TYPES.redaction, 'dpo:wu', { redacts: 10, leaf: '00'.repeat(32), reason: 'r' });
    expect(isProblem(chargedSubject(r, 12, a([11]), [...erased.slice(0, 3), redaction], UNITS, 14))).toBe(true);
  });
  it('a rule that charges no one, an alert that is none, a level without a code: no confirmation', () => {
    const p = pack();
    const h = history(p);
    const noCharge = { ...rule(p, 'fee.actor'), violation: undefined } as unknown as ReturnType<typeof rule>;
    expect(isProblem(chargedSubject(noCharge, 12, a([11]), h, UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 11, 'XK-1', h, UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 99, 'XK-1', h, UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), alert(p, 12, 'fee.actor', [11], 'yellow')], UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), alert(p, 12, 'fee.none', [11])], UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), { ...alert(p, 12, 'fee.actor', [11]), data: REDACTED }], UNITS, 14))).toBe(true);
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), { ...alert(p, 12, 'fee.actor', [11]), data: { rule: 'fee.actor' } }], UNITS, 14))).toBe(true);
    // an alert is an entry of the alert type, whose payload is not erased
    const stepLikeAlert = { ...alert(p, 12, 'fee.actor', [11]), type: 'fee.charged' };
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), stepLikeAlert], UNITS, 14))).toBe(true);
    const a12 = alert(p, 12, 'fee.actor', [11]);
    const erasedWithText = { ...a12, data: REDACTED, payload: JSON.stringify(a12.data) };
    expect(isProblem(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), erasedWithText], UNITS, 14))).toBe(true);
    expect(violationDue(h[3]!, p, [...h.slice(0, 2), erasedWithText])).toBeNull();
    // a payload that cannot be read for another reason than its form is not taken for a malformed one
    const unreadable = { ...a12, get payload(): string { throw new TypeError('storage failed'); } } as LedgerEntry;
    expect(() => confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), unreadable], UNITS, 14)).toThrow(TypeError);
    // evidence: what triggered it in its case and the alert, ascending, once each; at: the latest one's time
    expect(confirmationOf(p, 12, 'XK-1', [...h.slice(0, 2), alert(p, 12, 'fee.actor', [5, 11])], UNITS, 14)).toEqual({ code: 'fee.over', subject: 'cashier:zhao', evidence: [11, 12], at: t(12) });
  });
});

describe('what a disposition makes due (§14.4)', () => {
  it('the code of a confirmed alert whose rule codes its level; nothing otherwise', () => {
    const p = pack();
    const h = history(p);
    expect(violationDue(h[3]!, p, h)).toEqual({ alert: 12, code: 'fee.over' });
    expect(violationDue(h[3]!, null, h)).toBeNull();
    expect(violationDue(h[3]!, { ...p, points: null } as Pack, h)).toBeNull();
    expect(violationDue({ ...h[3]!, data: REDACTED }, p, h)).toBeNull();
    expect(violationDue(disposed(13, 12, 'explained'), p, h)).toBeNull();
    expect(violationDue(entry(13, TYPES.alertDisposed, 'a', { alert: '12', outcome: 'violation', reason: 'r' }), p, h)).toBeNull();
    expect(violationDue(disposed(13, 11), p, h)).toBeNull();
    expect(violationDue(disposed(13, 12), p, [...h.slice(0, 2), alert(p, 12, 'fee.actor', [11], 'yellow')])).toBeNull();
  });
});

describe('a revocation against its case’s history (§14.5)', () => {
  it('revokes a violation of the case once; a revocation that stood only counts when its target was a violation', () => {
    const v = (seq: number) => entry(seq, POINTS_TYPES.violation, 'inspector:sun', {});
    const r = (seq: number, target: unknown) => entry(seq, POINTS_TYPES.revoked, 'committee:li', { reason: 'r', violation: target });
    const me = r(30, 0);
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20)])).toBeNull();
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20), r(21, 20)])).toEqual(expect.any(String));
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20), r(21, 22)])).toBeNull();
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [r(19, 20), v(20)])).toBeNull();
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20), { ...r(21, 20), data: REDACTED }])).toBeNull();
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20), r(21, '20')])).toBeNull();
    expect(checkRevocation({ reason: 'r', violation: 21 }, me, [v(20), r(21, 20)])).toEqual(expect.any(String));
    // a step whose payload names the violation revokes nothing
    expect(checkRevocation({ reason: 'r', violation: 20 }, me, [v(20), entry(21, 'appeal.heard', 'committee:li', { violation: 20 })])).toBeNull();
  });
});

describe('the fields a pack charges, and the one naming a subject', () => {
  it('by step type, over every pack given', () => {
    const p = pack();
    const fields = chargingFields([p, p]);
    expect([...fields].map(([k, v]) => [k, [...v]])).toEqual([['application.received', ['handler']]]);
    expect(chargingFields([])).toEqual(new Map());
    // two rules charging two fields of one type, in two packs; other charges name no field
    const field = (f: string, of: string) => ({ violation: { charge: { kind: 'field', field: f, of } } });
    const packs = [{ rules: [field('handler', 't'), { violation: { charge: { kind: 'actor' } } }, {}] }, { rules: [field('owner', 't'), field('x', 'u')] }] as unknown as Pack[];
    expect([...chargingFields(packs)].map(([k, v]) => [k, [...v]])).toEqual([
      ['t', ['handler', 'owner']],
      ['u', ['x']],
    ]);
    const e = entry(10, 'application.received', 'clerk:wang', { handler: 'clerk:zhou', other: 'clerk:li' });
    expect(namingField(e, new Set(['other', 'handler']), 'clerk:zhou')).toBe('handler');
    expect(namingField(e, new Set(['other', 'handler']), 'clerk:li')).toBe('other');
    expect(namingField(e, new Set(['handler']), 'clerk:li')).toBeUndefined();
    expect(namingField({ ...e, data: REDACTED }, new Set(['handler']), 'clerk:zhou')).toBeUndefined();
  });
  it('a stored violation parses from its payload text, or from its data', () => {
    const v = violation({});
    const text = encodeViolation(v);
    expect(storedViolation({ ...entry(14, POINTS_TYPES.violation, 'a', null), payload: text })).toEqual(v);
    expect(storedViolation(entry(14, POINTS_TYPES.violation, 'a', JSON.parse(text)))).toEqual(v);
  });
});
