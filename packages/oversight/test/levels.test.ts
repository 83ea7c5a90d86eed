// Units, actors and the policy on one ledger, through the library: the
// directory's rules, the key enrolled at the time of a step, the policy's
// refusal with its record, the audit of steps written around the guard,
// `can` and scoped reads — and, in the attacker's order, a directory or
// policy entry edited in the file before the honest writer runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { Ledger, LedgerError, ed25519PublicKey, generateKeyPair, generateSeed, toHex } from '@casetrail/core';
import { loadPack } from '@casetrail/supervise';
import { supervise } from '@casetrail/supervise/ledger';
import { auditLevels, loadPolicy, oversee, readLevels, DIRECTORY_CASE, LEVEL_TYPES, type LevelsGuard } from '../src/index.js';
import { tempDir } from './helpers/dirs.js';
import { stateOf } from './helpers/ledgers.js';

const Database = createRequire(join(import.meta.dirname, '../../core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');
const dir = tempDir('casetrail-levels-');

const POLICY = `
policy: test-policy
version: 1
signatures: [approval.decided]
permit:
  - id: clerks-record
    actions: [record]
    types: [case.opened, approval.requested]
    roles: [clerk]
  - id: deciders-decide
    actions: [record]
    types: [approval.decided]
    roles: [decider]
  - id: inspectors-dispose
    actions: [dispose, violation]
    roles: [inspector]
forbid:
  - id: recusal
    actions: [dispose, violation]
    when: about-principal
  - id: only-deciders-decide
    actions: [record]
    types: [approval.decided]
    unlessRoles: [decider]
`;

let n = 0;
async function setUp(): Promise<{ path: string; vkey: string; skey: string; ledger: Ledger; guard: LevelsGuard; seeds: Record<'chen' | 'li' | 'wang' | 'zhao', Uint8Array>; clock: { now: number } }> {
  const origin = `levels-${++n}.example.gov/cases`;
  const { skey, vkey } = generateKeyPair(origin);
  const path = join(dir, `l${n}.ledger`);
  const clock = { now: 1_790_000_000_000 };
  const ledger = await Ledger.create(path, { origin, signer: skey, signerState: stateOf(path), clock: () => clock.now });
  const guard = await oversee(ledger, { vkey });
  const by = { actor: 'admin' };
  await guard.addUnit('province', null, by);
  await guard.addUnit('city-a', 'province', by);
  await guard.addUnit('county-x', 'city-a', by);
  await guard.addUnit('city-b', 'province', by);
  const seeds = { chen: generateSeed(), li: generateSeed(), wang: generateSeed(), zhao: generateSeed() };
  const key = (s: Uint8Array) => toHex(ed25519PublicKey(s));
  await guard.enrol('clerk:li', { unit: 'county-x', roles: ['clerk'], key: key(seeds.li) }, by);
  await guard.enrol('director:chen', { unit: 'county-x', roles: ['decider'], key: key(seeds.chen) }, by);
  await guard.enrol('inspector:wang', { unit: 'province', roles: ['inspector'], key: key(seeds.wang) }, by);
  await guard.enrol('inspector:zhao', { unit: 'city-b', roles: ['inspector'], key: key(seeds.zhao) }, by);
  return { path, vkey, skey, ledger, guard, seeds, clock };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as LedgerError).code;
  }
}

describe('units and actors', () => {
  test('a unit is added once, under a parent that exists; an actor in a unit that exists, once at a time', async () => {
    const { ledger, guard } = await setUp();
    const size = await ledger.size();
    const by = { actor: 'admin' };
    expect(await codeOf(guard.addUnit('county-y', 'nowhere', by))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(guard.addUnit('city-a', 'province', by))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(guard.enrol('clerk:new', { unit: 'nowhere', roles: ['clerk'], key: null }, by))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(guard.enrol('clerk:li', { unit: 'city-a', roles: ['clerk'], key: null }, by))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(guard.rotate('nobody', 'ab'.repeat(32), by))).toBe('DIRECTORY_INVALID');
    expect(await codeOf(guard.revoke('nobody', by))).toBe('DIRECTORY_INVALID');
    expect(await ledger.size()).toBe(size);
    // A unit's parent is written before it: the tree has no cycle, and a superior's subtree holds its subordinates.
    const d = guard.directory();
    expect(d.within('county-x', 'province')).toBe(true);
    expect(d.within('county-x', 'city-b')).toBe(false);
    expect(d.subtree('city-a')).toEqual(['city-a', 'county-x']);
    // Directory entries cannot go through the public append, nor be redacted.
    expect(await codeOf(ledger.append({ caseId: DIRECTORY_CASE, type: LEVEL_TYPES.unitAdded, actor: 'x', data: { parent: null, unit: 'z' } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ledger.redact(0, { reason: 'x', actor: 'admin' }))).toBe('NOT_REDACTABLE');
    await ledger.close();
  });

  test('a signature is checked against the key enrolled at the time of the step: rotation keeps old signatures, revocation ends the key', async () => {
    const { path, vkey, ledger, guard, seeds } = await setUp();
    const by = { actor: 'admin' };
    await ledger.append({ caseId: 'A', type: 'case.opened', actor: 'clerk:li', signWith: [seeds.li] }); // its key then: fine
    const next = generateSeed();
    await guard.rotate('clerk:li', toHex(ed25519PublicKey(next)), by);
    await ledger.append({ caseId: 'A', type: 'note', actor: 'clerk:li', signWith: [next] }); // the new key: fine
    const oldKeyAfter = await ledger.append({ caseId: 'A', type: 'note', actor: 'clerk:li', signWith: [seeds.li] }); // the old key, after rotation
    await guard.revoke('director:chen', by);
    const revoked = await ledger.append({ caseId: 'A', type: 'note', actor: 'director:chen', signWith: [seeds.chen] });
    const someoneElse = await ledger.append({ caseId: 'A', type: 'note', actor: 'clerk:li', signWith: [seeds.wang] });
    await ledger.close();
    const a = await auditLevels(path, { vkey });
    expect(a.verification.ok).toBe(true);
    expect(a.findings!.map((f) => [f.code, f.seq])).toEqual([
      ['ACTOR_KEY_NOT_ENROLLED', oldKeyAfter.seq],
      ['ACTOR_KEY_NOT_ENROLLED', revoked.seq],
      ['ACTOR_KEY_NOT_ENROLLED', someoneElse.seq],
    ]);
    expect(a.findings![0]!.message).toMatch(/replaced at entry/);
    expect(a.findings![1]!.message).toMatch(/revoked at entry/);
    expect(a.ok).toBe(false);
  });
});

describe('the policy', () => {
  test('a forbidden append is refused with nothing written and the attempt recorded; what is permitted is written', async () => {
    const { path, vkey, ledger, guard, seeds } = await setUp();
    const policy = loadPolicy(POLICY, 'test.yaml');
    await guard.adoptPolicy(policy, { actor: 'admin' });
    await guard.write(() => ledger.append({ caseId: 'XK-7', type: 'case.opened', actor: 'clerk:li' }));
    const size = await ledger.size();
    // Only a decider records approval.decided (forbid overrides, with the record of the attempt).
    const e = await guard.write(() => ledger.append({ caseId: 'XK-7', type: 'approval.decided', actor: 'clerk:li', data: { decision: 'granted' } })).catch((x: LedgerError) => x);
    expect(e).toBeInstanceOf(LedgerError);
    expect((e as LedgerError).code).toBe('POLICY_DENIED');
    expect((e as LedgerError).details['rules']).toEqual(['only-deciders-decide']);
    const recorded = (e as LedgerError).details['recorded'] as number[];
    expect(recorded).toEqual([size]);
    const rec = await ledger.get(size);
    expect(rec.entry!.type).toBe(LEVEL_TYPES.denied);
    expect(rec.entry!.caseId).toBe('casetrail.system');
    expect(await ledger.size()).toBe(size + 1);
    // The decider, unsigned: the policy requires its signature by its enrolled key.
    expect(await codeOf(guard.write(() => ledger.append({ caseId: 'XK-7', type: 'approval.decided', actor: 'director:chen' })))).toBe('POLICY_DENIED');
    // Signed with another key: refused too.
    expect(await codeOf(guard.write(() => ledger.append({ caseId: 'XK-7', type: 'approval.decided', actor: 'director:chen', signWith: [seeds.li] })))).toBe('POLICY_DENIED');
    await guard.write(() => ledger.append({ caseId: 'XK-7', type: 'approval.decided', actor: 'director:chen', signWith: [seeds.chen] }));
    // An actor nobody enrolled has no rights (default deny).
    expect(await codeOf(ledger.append({ caseId: 'XK-8', type: 'case.opened', actor: 'stranger' }))).toBe('REFUSED');
    await ledger.close();
    const a = await auditLevels(path, { vkey });
    expect(a.ok).toBe(true);
    expect(a.policy?.hash).toBe(guard.directory().policy?.hash);
  });

  test("a superior's rights over its subordinates follow from the tree; nobody disposes of an alert about themselves", async () => {
    const { path, vkey, ledger, guard, seeds } = await setUp();
    await guard.adoptPolicy(loadPolicy(POLICY, 'test.yaml'), { actor: 'admin' });
    await guard.revoke('director:chen', { actor: 'admin' });
    await guard.enrol('director:chen', { unit: 'county-x', roles: ['decider', 'inspector'], key: toHex(ed25519PublicKey(seeds.chen)) }, { actor: 'admin' });
    const sup = await supervise(ledger, { vkey });
    await sup.adoptPack(loadPack(readFileSync(join(import.meta.dirname, '../../../examples/rules/approval-supervision.yaml'), 'utf8'), 'approval-supervision.yaml'), { actor: 'admin' });
    await guard.write(() => sup.append({ caseId: 'XK-9', type: 'case.opened', actor: 'clerk:li' }));
    // A decision without a review: the pack's red alert, about the decider.
    const decided = await guard.write(() => sup.append({ caseId: 'XK-9', type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted' }, signWith: [seeds.chen] }));
    const alert = decided.alerts.find((a) => a.rule === 'order.review-before-decision')!;
    expect(alert.level).toBe('red');
    const dispose = (actor: string, outcome: 'explained' | 'violation') => guard.write(() => sup.dispose(alert.seq, { actor, outcome, reason: '核实' }));
    expect(await codeOf(dispose('inspector:zhao', 'violation'))).toBe('POLICY_DENIED'); // city-b is not above county-x
    const self = await dispose('director:chen', 'explained').catch((e: LedgerError) => e);
    expect((self as LedgerError).code).toBe('POLICY_DENIED'); // 回避: the alert is about him
    expect((self as LedgerError).details['rules']).toEqual(['recusal']);
    await dispose('inspector:wang', 'violation'); // the province is above the county
    await sup.close();
    await ledger.close();
    expect((await auditLevels(path, { vkey })).ok).toBe(true);
    const view = await readLevels(path, { vkey });
    expect(view.can('inspector:wang', 'violation', { caseId: 'XK-9', about: ['clerk:li'] })).toBe(true);
    expect(view.can('inspector:wang', 'violation', { caseId: 'XK-9', about: ['inspector:wang'] })).toBe(false); // 回避
    expect(view.decide('inspector:wang', 'dispose', { caseId: 'XK-9', about: ['inspector:wang'] }).forbids).toEqual(['recusal']);
    expect(view.can('clerk:li', 'record', 'XK-9', { type: 'approval.requested' })).toBe(true);
    expect(view.can('clerk:li', 'record', 'XK-9', { type: 'approval.decided' })).toBe(false);
    // Scoped reads: a unit sees its own cases and its subordinates'.
    expect(view.caseUnit('XK-9')).toBe('county-x');
    expect(view.casesOf('province')).toEqual(['XK-9']);
    expect(view.casesOf('city-b')).toEqual([]);
    expect(view.casesFor('inspector:zhao')).toEqual([]);
    expect(view.casesFor('inspector:wang')).toEqual(['XK-9']);
  });

  test('another process changes the directory between two appends: the writer proves it and judges by it, never by what it knew before', async () => {
    const { path, vkey, skey, ledger, guard } = await setUp();
    await guard.adoptPolicy(loadPolicy(POLICY, 'test.yaml'), { actor: 'admin' });
    await guard.write(() => ledger.append({ caseId: 'T-1', type: 'case.opened', actor: 'clerk:li' }));
    // A second writer revokes the clerk and enrols another.
    const other = await Ledger.open(path, { signer: skey, signerState: stateOf(path) });
    const g2 = await oversee(other, { vkey });
    await g2.revoke('clerk:li', { actor: 'admin' });
    await g2.enrol('clerk:zhou', { unit: 'county-x', roles: ['clerk'], key: null }, { actor: 'admin' });
    g2.close();
    await other.close();
    // Outside its writer, the first guard will not judge by a directory it has not proven: nothing is written.
    const size = await ledger.size();
    expect(await codeOf(ledger.append({ caseId: 'T-2', type: 'case.opened', actor: 'clerk:zhou' }))).toBe('EXTENSION_FAILED');
    expect(await ledger.size()).toBe(size);
    // Through it, the new directory is proven and used: the new clerk may, the revoked one may not.
    await guard.write(() => ledger.append({ caseId: 'T-2', type: 'case.opened', actor: 'clerk:zhou' }));
    expect(await codeOf(guard.write(() => ledger.append({ caseId: 'T-3', type: 'case.opened', actor: 'clerk:li' })))).toBe('POLICY_DENIED');
    await ledger.close();
    expect((await auditLevels(path, { vkey })).ok).toBe(true);
  });

  test('the audit flags a step the policy in force did not permit, written by a process without the guard', async () => {
    const { path, vkey, skey, ledger, guard } = await setUp();
    await guard.adoptPolicy(loadPolicy(POLICY, 'test.yaml'), { actor: 'admin' });
    await ledger.close();
    const around = await Ledger.open(path, { signer: skey, signerState: stateOf(path) });
    const r = await around.append({ caseId: 'XK-1', type: 'approval.decided', actor: 'clerk:li' });
    await around.close();
    const a = await auditLevels(path, { vkey });
    expect(a.verification.ok).toBe(true);
    expect(a.findings!.map((f) => [f.code, f.seq])).toEqual([['POLICY_BYPASSED', r.seq]]);
  });
});

describe('attacker order: a directory or policy entry edited in the file, then the honest writer', () => {
  function rewritePayload(path: string, seq: number, edit: (text: string) => string): void {
    const db = new Database(path);
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
      const row = db.prepare('SELECT data FROM entries WHERE seq = ?').get(seq) as { data: Buffer };
      db.prepare('UPDATE entries SET data = ? WHERE seq = ?').run(Buffer.from(edit(row.data.toString('utf8'))), seq);
    } finally {
      db.close();
    }
  }

  test("an enrolment whose key was swapped for the attacker's is refused, never used to accept a signature", async () => {
    const { path, vkey, skey, ledger } = await setUp();
    await ledger.close();
    const attacker = generateSeed();
    // Entry 4 enrols clerk:li; the attacker puts its own key there.
    rewritePayload(path, 4, (t) => t.replace(/"key":"[0-9a-f]{64}"/, `"key":"${toHex(ed25519PublicKey(attacker))}"`));
    const honest = await Ledger.open(path, { signer: skey, signerState: stateOf(path) });
    expect(await codeOf(oversee(honest, { vkey }))).toBe('ADOPTION_UNVERIFIED');
    await honest.close();
    const a = await auditLevels(path, { vkey });
    expect(a.ok).toBe(false);
    expect(a.findings).toBeNull();
  });

  test('an enrolment after the latest signed checkpoint, by a writer that signs none, gives nobody rights until a checkpoint covers it', async () => {
    const { path, vkey, skey, ledger } = await setUp();
    await ledger.close();
    // Whoever can write the file appends without signing (as a database administrator can, docs/security.md).
    const loose = await Ledger.open(path, { signer: skey, signerState: stateOf(path), checkpointPolicy: 'manual' });
    const g = await oversee(loose, { vkey });
    await g.enrol('intruder', { unit: 'province', roles: ['inspector'], key: null }, { actor: 'admin' });
    g.close();
    await loose.close();
    const honest = await Ledger.open(path, { signer: skey, signerState: stateOf(path) });
    expect(await codeOf(oversee(honest, { vkey }))).toBe('ADOPTION_UNVERIFIED');
    // Signed by the ledger's key, it is the ledger's word: used.
    await honest.checkpoint();
    const guard = await oversee(honest, { vkey });
    expect(guard.directory().current('intruder')?.unit).toBe('province');
    guard.close();
    await honest.close();
  });

  test('a policy adoption edited in the file (a permit widened) is refused by the writer', async () => {
    const { path, vkey, skey, ledger, guard } = await setUp();
    const r = await guard.adoptPolicy(loadPolicy(POLICY, 'test.yaml'), { actor: 'admin' });
    await ledger.close();
    rewritePayload(path, r.seq, (t) => t.replace('"roles":["clerk"]', '"roles":null'));
    const honest = await Ledger.open(path, { signer: skey, signerState: stateOf(path) });
    expect(await codeOf(oversee(honest, { vkey }))).toBe('ADOPTION_UNVERIFIED');
    await honest.close();
  });
});

describe('one directory for units and rights (supervise’s takeDirectoryEntry)', () => {
  test('the entries the audit ignores are the ones the violations ledger’s units ignore, and both directories agree on who belongs where', async () => {
    const { LevelsReplay } = await import('../src/index.js');
    const { LedgerUnits, REDACTED, canonicalJson } = await import('@casetrail/supervise');
    const entries: { type: string; payload: string | undefined; caseId?: string }[] = [
      { type: LEVEL_TYPES.unitAdded, payload: canonicalJson({ parent: null, unit: 'city' }) },
      { type: LEVEL_TYPES.unitAdded, payload: canonicalJson({ parent: 'city', unit: 'county' }) },
      { type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'clerk:li', key: null, roles: ['clerk'], unit: 'county' }) },
      { type: LEVEL_TYPES.actorEnrolled, payload: '{"unit":"city","actor":"clerk:wu","key":null,"roles":["clerk"]}' },
      { type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'clerk:li', key: null, roles: ['clerk'], unit: 'city' }) },
      { type: LEVEL_TYPES.unitAdded, payload: canonicalJson({ parent: 'nowhere', unit: 'x' }) },
      { type: LEVEL_TYPES.actorRevoked, payload: canonicalJson({ actor: 'clerk:zhou' }) },
      { type: LEVEL_TYPES.actorEnrolled, payload: undefined },
      { type: LEVEL_TYPES.policyAdopted, payload: canonicalJson({ hash: '0'.repeat(64), policy: { format: 'no' } }) },
      { type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'clerk:wu', key: null, roles: ['clerk'], unit: 'city' }), caseId: 'casetrail.system' },
      { type: LEVEL_TYPES.actorRevoked, payload: canonicalJson({ actor: 'clerk:li' }) },
      { type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'clerk:li', key: null, roles: ['clerk'], unit: 'city' }) },
    ];
    const replay = new LevelsReplay(() => undefined);
    const units = new LedgerUnits();
    entries.forEach((x, seq) => {
      const caseId = x.caseId ?? DIRECTORY_CASE;
      replay.step({ seq, caseId, step: seq + 1, type: x.type, actor: 'admin', data: x.payload === undefined ? undefined : JSON.parse(x.payload), payload: x.payload, signers: [] });
      units.take({ seq, time: 0, caseId, step: seq + 1, type: x.type, actor: 'admin', data: x.payload === undefined ? REDACTED : JSON.parse(x.payload), ...(x.payload === undefined ? {} : { payload: x.payload }) });
    });
    const audited = replay.findings.filter((f) => f.code === 'DIRECTORY_INVALID').map((f) => f.seq);
    // The policy adoption that does not compile is the audit's alone: units do not read policies.
    expect(audited).toEqual([3, 4, 5, 6, 7, 8]);
    expect(units.ignored.map((x) => x.seq)).toEqual([3, 4, 5, 6, 7]);
    const end = entries.length;
    for (const who of ['clerk:li', 'clerk:wu', 'county', 'city', 'nobody']) {
      expect(units.unitOf(who, end), who).toBe(replay.directory.memberAt(who, end)?.unit ?? (replay.directory.units.has(who) ? who : null));
    }
    expect([units.unitOf('clerk:li', 10), units.unitOf('clerk:li', 11), units.unitOf('clerk:li', 12)]).toEqual(['county', 'county', 'city']);
  });
});
