// The policy file (docs/oversight.md §9.1) and the payloads of the directory
// (§8.1): strict reading with the file and line, the canonical form and its
// hash, and the decision's rules one by one (§9.2).
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from '@casetrail/core';
import { Directory, LEVEL_TYPES, actOf, canonicalPolicy, compilePolicy, decide, encodeLevelsPayload, loadPolicy, parseLevelsPayload, policyHash } from '../src/index.js';

const EXAMPLE = readFileSync(join(import.meta.dirname, '../../../examples/rules/approval-policy.yaml'), 'utf8');

function codeAndMessage(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    return [(e as LedgerError).code, (e as Error).message];
  }
  throw new Error('no error');
}

describe('the policy file', () => {
  test('the example loads; its canonical form round-trips and its hash is the SHA-256 of that text', () => {
    const p = loadPolicy(EXAMPLE, 'approval-policy.yaml');
    expect(p.rules.map((r) => `${r.effect}:${r.id}`)).toEqual(['permit:clerks.intake', 'permit:reviewers.review', 'permit:deciders.decide', 'permit:inspectors.oversee', 'permit:committee.appeals', 'permit:directors.summarize', 'forbid:recusal', 'forbid:only-deciders-decide']);
    const c = compilePolicy(JSON.parse(canonicalPolicy(p)));
    expect(c.hash).toBe(policyHash(p));
    expect(canonicalPolicy(c.source)).toBe(canonicalPolicy(p));
    expect(policyHash(p)).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['policy: p\nversion: 1\npermit:\n  - id: a\n    actions: [record]\n    rolez: [x]\n', /approval\.yaml: permit\[0\]: unknown key "rolez"/],
    ['policy: p\nversion: 1\npolicy: q\npermit: []\n', /approval\.yaml:3: /],
    ['policy: p\nversion: 1\npermit:\n  - &a { id: a, actions: [record] }\n', /anchors, aliases and custom tags/],
    ['policy: p\nversion: 1\npermit:\n  - { id: a, actions: [record] }\nforbid:\n  - { id: a, actions: [dispose] }\n', /rule id "a" appears twice/],
    ['policy: p\nversion: 0\npermit:\n  - { id: a, actions: [record] }\n', /version must be an integer/],
    ['policy: p\nversion: 1\npermit:\n  - { id: a, actions: [approve] }\n', /actions\[0\] must be one of record, dispose, violation/],
    ['policy: p\nversion: 1\npermit:\n  - { id: a, actions: [dispose], types: [x] }\n', /types restricts record/],
    ['policy: p\nversion: 1\npermit: []\n', /1 to 256 rules/],
  ])('refused with POLICY_INVALID: %s', (text, message) => {
    const [code, m] = codeAndMessage(() => loadPolicy(text, 'approval.yaml'));
    expect(code).toBe('POLICY_INVALID');
    expect(m).toMatch(message);
  });

  test('an adopted policy that is not in its canonical form, or not its hash, is refused', () => {
    const p = loadPolicy(EXAMPLE, 'x.yaml');
    const v = JSON.parse(canonicalPolicy(p));
    expect(codeAndMessage(() => compilePolicy(v, '0'.repeat(64)))[0]).toBe('POLICY_INVALID');
    v.rules[0].roles = ['clerk', 'clerk'];
    expect(codeAndMessage(() => compilePolicy(v))[1]).toMatch(/not in its canonical form/);
  });
});

describe('directory payloads', () => {
  test('stored text must be the canonical JSON with exactly the keys', () => {
    const ok = encodeLevelsPayload(LEVEL_TYPES.actorEnrolled, { actor: 'a', key: null, roles: ['clerk'], unit: 'u' });
    expect(ok).toBe('{"actor":"a","key":null,"roles":["clerk"],"unit":"u"}');
    expect(parseLevelsPayload(LEVEL_TYPES.actorEnrolled, ok).unit).toBe('u');
    expect(codeAndMessage(() => parseLevelsPayload(LEVEL_TYPES.actorEnrolled, '{"unit":"u","actor":"a","key":null,"roles":["clerk"]}'))[1]).toMatch(/not canonical/);
    expect(codeAndMessage(() => parseLevelsPayload(LEVEL_TYPES.actorEnrolled, '{"actor":"a","extra":1,"key":null,"roles":["clerk"],"unit":"u"}'))[1]).toMatch(/exactly the keys/);
    expect(codeAndMessage(() => parseLevelsPayload(LEVEL_TYPES.actorEnrolled, { value: { actor: 'a', key: null, roles: ['b', 'a'], unit: 'u' } }))[1]).toMatch(/sorted/);
    expect(codeAndMessage(() => parseLevelsPayload(LEVEL_TYPES.actorRotated, { value: { actor: 'a', key: 'AB'.repeat(32) } }))[1]).toMatch(/lowercase hex/);
    expect(codeAndMessage(() => parseLevelsPayload(LEVEL_TYPES.unitAdded, { value: { parent: null, unit: 'a\u202eb' } }))[0]).toBe('DIRECTORY_INVALID');
  });
});

describe('the decision', () => {
  const policy = compilePolicy(JSON.parse(canonicalPolicy(loadPolicy(EXAMPLE, 'x.yaml'))));
  const d = new Directory();
  let seq = 0;
  const add = (type: Parameters<Directory['apply']>[1], v: unknown) => d.apply(seq++, type, { value: v });
  add(LEVEL_TYPES.unitAdded, { parent: null, unit: 'province' });
  add(LEVEL_TYPES.unitAdded, { parent: 'province', unit: 'city-a' });
  add(LEVEL_TYPES.unitAdded, { parent: 'province', unit: 'city-b' });
  add(LEVEL_TYPES.unitAdded, { parent: 'city-a', unit: 'county' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'clerk', key: null, roles: ['clerk'], unit: 'county' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'decider', key: 'ab'.repeat(32), roles: ['decider', 'inspector'], unit: 'county' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'province-inspector', key: null, roles: ['inspector'], unit: 'province' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'county-inspector', key: null, roles: ['inspector'], unit: 'county' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'committee', key: null, roles: ['committee'], unit: 'city-a' });
  add(LEVEL_TYPES.actorEnrolled, { actor: 'director', key: null, roles: ['director'], unit: 'county' });
  const county = { caseId: 'C', unit: 'county' };
  const province = { caseId: 'P', unit: 'province' };

  test.each([
    ['a clerk records intake in its unit', { principal: 'clerk', action: 'record', type: 'application.received', resource: county }, true, undefined],
    ['default deny: a clerk records a review', { principal: 'clerk', action: 'record', type: 'review.completed', resource: county }, false, 'NOT_PERMITTED'],
    ['forbid overrides: a clerk decides', { principal: 'clerk', action: 'record', type: 'approval.decided', resource: county }, false, 'FORBIDDEN'],
    ['a decider decides, signed by its key', { principal: 'decider', action: 'record', type: 'approval.decided', resource: county, signers: ['ab'.repeat(32)] }, true, undefined],
    ['a decider decides, unsigned', { principal: 'decider', action: 'record', type: 'approval.decided', resource: county }, false, 'SIGNATURE_REQUIRED'],
    ["a superior's inspector, in a subordinate's case", { principal: 'province-inspector', action: 'violation', resource: { ...county, about: ['clerk'] } }, true, undefined],
    ["a subordinate's inspector, in a superior's case", { principal: 'county-inspector', action: 'dispose', resource: { ...province, about: ['clerk'] } }, false, 'NOT_PERMITTED'],
    ['回避: an alert about oneself', { principal: 'decider', action: 'dispose', resource: { ...county, about: ['decider'] } }, false, 'FORBIDDEN'],
    ['a case of no unit is in nobody\'s subtree', { principal: 'province-inspector', action: 'dispose', resource: { caseId: 'X', unit: null, about: [] } }, false, 'NOT_PERMITTED'],
    ['an actor nobody enrolled', { principal: 'stranger', action: 'record', type: 'application.received', resource: county }, false, 'NOT_ENROLLED'],
    ["the committee revokes a violation in its subordinate's case", { principal: 'committee', action: 'revoke', resource: { ...county, about: ['clerk'] } }, true, undefined],
    ['an inspector may not revoke a violation', { principal: 'county-inspector', action: 'revoke', resource: { ...county, about: ['clerk'] } }, false, 'NOT_PERMITTED'],
    ['回避: revoking a violation about oneself', { principal: 'committee', action: 'revoke', resource: { ...county, about: ['committee'] } }, false, 'FORBIDDEN'],
    ['a director records a summary (it belongs to no unit: scope any)', { principal: 'director', action: 'summary', resource: { caseId: 'casetrail.system', unit: null } }, true, undefined],
    ['an inspector may not record a summary', { principal: 'province-inspector', action: 'summary', resource: { caseId: 'casetrail.system', unit: null } }, false, 'NOT_PERMITTED'],
  ])('%s', (_name, req, allowed, code) => {
    const r = decide(policy, d, req as Parameters<typeof decide>[2]);
    expect([r.allowed, r.code]).toEqual([allowed, code]);
  });

  test('a revoked actor has no rights from its revocation on; before it, it had', () => {
    const before = seq;
    add(LEVEL_TYPES.actorRevoked, { actor: 'clerk' });
    const req = { principal: 'clerk', action: 'record' as const, type: 'application.received', resource: county };
    expect(decide(policy, d, { ...req, at: before }).allowed).toBe(true);
    expect(decide(policy, d, { ...req, at: before + 1 }).code).toBe('NOT_ENROLLED');
  });
});

describe('which act an entry is (actOf, §9.2)', () => {
  const earlier = new Map<number, { actor: string; data: unknown }>([
    [1, { actor: 'clerk:li', data: { item: 'x' } }],
    [2, { actor: 'cashier:zhao', data: { item: 'x' } }],
    [3, { actor: 'casetrail:supervise', data: { rule: 'fee.over-standard', triggeredBy: [2] } }],
    [4, { actor: 'inspector:sun', data: { alert: null, evidence: [1], subject: 'clerk:wang' } }],
  ]);
  const lookup = (s: number) => earlier.get(s);
  test.each([
    ['an ordinary step', { type: 'fee.charged', caseId: 'XK-1', data: {} }, { action: 'record' }],
    ['a disposition explained', { type: 'casetrail.alert.disposed', caseId: 'XK-1', data: { alert: 3, outcome: 'explained' } }, { action: 'dispose', about: ['cashier:zhao'] }],
    ['a disposition confirming a violation', { type: 'casetrail.alert.disposed', caseId: 'XK-1', data: { alert: 3, outcome: 'violation' } }, { action: 'violation', about: ['cashier:zhao'] }],
    ['a direct violation: its subject and its evidence’s actors', { type: 'casetrail.violation', caseId: 'XK-1', data: { alert: null, evidence: [1, 2, 99], subject: 'clerk:wang' } }, { action: 'violation', about: ['clerk:wang', 'clerk:li', 'cashier:zhao'] }],
    ['a violation confirming an alert: judged with its disposition', { type: 'casetrail.violation', caseId: 'XK-1', data: { alert: 3, evidence: [2, 3], subject: 'cashier:zhao' } }, null],
    ['a revocation: about the violation it revokes', { type: 'casetrail.violation.revoked', caseId: 'XK-1', data: { reason: 'x', violation: 4 } }, { action: 'revoke', about: ['clerk:wang', 'clerk:li'] }],
    ['a summary: the whole ledger', { type: 'casetrail.summary', caseId: 'casetrail.system', data: {} }, { action: 'summary', caseless: true }],
    ['a tick', { type: 'casetrail.tick', caseId: 'casetrail.system', data: {} }, null],
    ['a pack adoption', { type: 'casetrail.rules.adopted', caseId: 'casetrail.system', data: {} }, null],
    ['an erased disposition: about no one known', { type: 'casetrail.alert.disposed', caseId: 'XK-1', data: undefined }, { action: 'dispose', about: [] }],
  ])('%s', (_name, e, want) => {
    expect(actOf(e, lookup)).toEqual(want);
  });
});
