// The monitor: its configuration read strictly, and rounds over real
// ledgers — a supervised history with its alerts, growth, a full pass every
// fullEvery, and, in the attacker's order, a rollback, a rewritten payload,
// a suppressed alert and a changed key, each caught with exit 1.
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, decodeEntry, encodeEntry, generateKeyPair, leafHash, payloadCommitment, utf8, verifyCosignature, verifyLedger } from '@casetrail/core';
import { initWitness, monitorRound, parseDuration, parseMonitorConfig, runMonitor, supervisionAuditor, type AuditInput, type MonitorConfig } from '../src/index.js';
import { buildExampleLedger } from '../../supervise/test/helpers/scenarios.js';
import { SimLedger, examplePack, sh } from '../../supervise/test/helpers/sim-ledger.js';
import { tempDir } from './helpers/dirs.js';
import { grow, stateOf, subordinate } from './helpers/ledgers.js';
import { writeSupervised } from './helpers/supervised.js';
import { supervise, supervisionRegistry } from '@casetrail/supervise/ledger';
import { POINTS_TYPES, encodeStanding, parsePointsPayload, standingCase } from '@casetrail/supervise';

const root = tempDir();
const Database = createRequire(join(import.meta.dirname, '../../core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');
let n = 0;
const dir = () => join(root, `m${++n}`);

function config(state: string, ledgers: MonitorConfig['ledgers'], extra: Partial<MonitorConfig> = {}): MonitorConfig {
  return { file: join(root, 'monitor.yaml'), state, ledgers, ...extra };
}

describe('the configuration, read strictly', () => {
  const { vkey } = generateKeyPair('city-a.example/cases');
  const file = join(root, 'cfg.yaml');
  const parse = (yaml: string) => parseMonitorConfig(yaml, file);
  it('reads state, ledgers, fullEvery and witness, paths relative to the file', () => {
    writeFileSync(join(root, 'a.vkey'), `${vkey}\n`);
    const c = parse(`state: ./st\nfullEvery: 1h30m\nwitness:\n  state: ./w\n  attach: true\nledgers:\n  - unit: 市纪委\n    ledger: a.ledger\n    vkey: a.vkey\n  - unit: b\n    ledger: /abs/b.ledger\n    vkey: ${vkey}\n`);
    expect(c).toMatchObject({ state: join(root, 'st'), fullEveryMs: 5_400_000, witness: { state: join(root, 'w'), key: join(root, 'w', 'witness.key'), attach: true } });
    expect(c.ledgers).toEqual([
      { unit: '市纪委', ledger: join(root, 'a.ledger'), vkey },
      { unit: 'b', ledger: '/abs/b.ledger', vkey },
    ]);
  });
  it.each([
    ['an unknown key', `state: s\nledgers: []\nextra: 1\n`],
    ['no ledgers', `state: s\nledgers: []\n`],
    ['a duplicate key', `state: s\nstate: t\nledgers:\n  - {unit: a, ledger: a, vkey: ${vkey}}\n`],
    ['an alias', `state: &s s\nledgers:\n  - {unit: *s, ledger: a, vkey: ${vkey}}\n`],
    ['a unit twice', `state: s\nledgers:\n  - {unit: a, ledger: a, vkey: ${vkey}}\n  - {unit: a, ledger: b, vkey: ${vkey}}\n`],
    ['a private key as vkey', `state: s\nledgers:\n  - {unit: a, ledger: a, vkey: "${generateKeyPair('x').skey}"}\n`],
    ['a vkey that is no key', `state: s\nledgers:\n  - {unit: a, ledger: a, vkey: nothing-here.vkey}\n`],
    ['a bad duration', `state: s\nfullEvery: soon\nledgers:\n  - {unit: a, ledger: a, vkey: ${vkey}}\n`],
    ['a unit with a bidirectional control', `state: s\nledgers:\n  - {unit: "a\\u202eb", ledger: a, vkey: ${vkey}}\n`],
    ['a policy that is not a policy hash', `state: s\nledgers:\n  - {unit: a, ledger: a, vkey: ${vkey}, policy: approval-policy.yaml}\n`],
  ])('refuses %s (CONFIG_INVALID)', (_n, yaml) => {
    expect(() => parse(yaml)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
  it('reads the hash of the policy issued to a unit', () => {
    const h = 'ab'.repeat(32);
    expect(parse(`state: s\nledgers:\n  - {unit: a, ledger: a, vkey: ${vkey}, policy: ${h}}\n`).ledgers[0]).toMatchObject({ unit: 'a', policy: h });
  });
  it('never prints a private key it was given', () => {
    const { skey } = generateKeyPair('x');
    let message = '';
    try {
      parse(`state: s\nledgers:\n  - {unit: a, ledger: a, vkey: "${skey}"}\n`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/private signing key/);
    // The key's base64 part, whole: it may itself hold a '+' (PRIVATE+KEY+<name>+<hash>+<base64>).
    expect(message).not.toContain(skey.split('+').slice(4).join('+'));
  });
  it('reads durations', () => {
    expect([parseDuration('500ms', 'x'), parseDuration('2h', 'x'), parseDuration('1d', 'x')]).toEqual([500, 7_200_000, 86_400_000]);
    expect(() => parseDuration('0s', 'x')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('rounds over a supervised ledger', () => {
  const { sim } = buildExampleLedger();
  it('verifies fully, audits, and counts the open alerts by level and the overdue cases', async () => {
    const s = subordinate(root, 'city-a.example/approvals', `sup${++n}.ledger`);
    await writeSupervised(s, sim.entries);
    const r = await monitorRound(config(dir(), [{ unit: 'city-a', ledger: s.path, vkey: s.vkey }]));
    const u = r.units[0]!;
    expect(r.exitCode).toBe(0);
    // Supervision's entries are judged by its validators, as `casetrail verify` judges them: no SYSTEM_TYPE_UNKNOWN.
    expect(u).toMatchObject({ size: sim.entries.length, consistent: true, verified: { mode: 'full', ok: true, issues: 0 }, audit: { ok: true, packs: 1, errors: 0 }, witness: { status: 'off' } });
    // The example pack has a points model; nobody was charged yet.
    expect(u.points).toEqual({ period: '2025', deducted: 0, subjects: 0, measures: {} });
    const byLevel: Record<string, number> = {};
    for (const [, , , level] of sim.alerts()) byLevel[level] = (byLevel[level] ?? 0) + 1;
    expect(u.alerts).toEqual(byLevel); // none disposed of in this history
    expect(u.overdue).toBeGreaterThan(0);
  });

  /**
   * A unit's ledger with three red cards confirmed — two fees over the standard charged by the cashier
   * (3 points each: 6 reaches 诫勉), a late decision of the handler's case (2) — and the standing its
   * tick records. Returns the ledger and the standing's seq.
   */
  async function withRedCards(origin: string): Promise<{ s: ReturnType<typeof subordinate>; standing: number }> {
    const s = subordinate(root, origin, `sup${++n}.ledger`);
    await writeSupervised(s, sim.entries);
    const ledger = await Ledger.open(s.path, { signer: s.skey, signerState: stateOf(s.path), durability: 'normal' });
    const sup = await supervise(ledger, { vkey: s.vkey });
    await sup.dispose(16, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:00') });
    await sup.dispose(19, { actor: 'chief:zhang', outcome: 'violation', reason: '收费超标属实', time: sh('2025-11-12T09:10') });
    await sup.dispose(44, { actor: 'chief:zhang', outcome: 'violation', reason: '超期属实', time: sh('2025-11-12T09:20') });
    const receipts = (await sup.recordStandings({ actor: 'casetrail:clock', time: sh('2025-11-12T10:00') })).receipts;
    expect(receipts).toHaveLength(1);
    await sup.close();
    await ledger.close();
    return { s, standing: receipts[0]!.seq };
  }

  it("shows the unit's points in the cycle: red cards confirmed, counted from the entries (its tick recorded a standing too)", async () => {
    const { s } = await withRedCards('city-v.example/approvals');
    const r = await monitorRound(config(dir(), [{ unit: 'city-v', ledger: s.path, vkey: s.vkey }]));
    expect(r.exitCode).toBe(0);
    expect(r.units[0]!.points).toEqual({ period: '2025', deducted: 8, subjects: 2, measures: { admonish: 1 } });
  });

  it('attacker order: a standing with lowered totals written around the writer fails the audit and does not lower the points shown', async () => {
    const { s, standing: honest } = await withRedCards('city-f.example/approvals');
    const ledger = await Ledger.open(s.path, { readonly: true });
    const got = await ledger.get(honest);
    const standing = parsePointsPayload(POINTS_TYPES.standing, new TextDecoder().decode(got.payload!), { seq: honest, time: got.entry!.time, caseId: got.entry!.caseId });
    await ledger.close();
    // The unit, holding its key, appends through the core alone a standing that clears every subject's points.
    const cleared = { ...standing, subjects: standing.subjects.map((x) => ({ ...x, months: x.months.map((m) => ({ ...m, points: 0 })) })) };
    const core = await Ledger.open(s.path, { signer: s.skey, signerState: stateOf(s.path), durability: 'normal' });
    core.use(supervisionRegistry());
    await core.appendSystem([{ caseId: standingCase(cleared.cycle), type: POINTS_TYPES.standing, actor: 'casetrail:clock', payload: utf8(encodeStanding(cleared)), time: sh('2025-11-12T10:10') }]);
    await core.close();
    const r = await monitorRound(config(dir(), [{ unit: 'city-f', ledger: s.path, vkey: s.vkey }]));
    expect(r.exitCode).toBe(1);
    expect(r.units[0]!.problems.map((p) => p.code)).toEqual(['AUDIT_FAILED']);
    expect(r.units[0]!.audit).toMatchObject({ ok: false, first: { code: 'STANDING_DIFFERS' } });
    expect(r.units[0]!.points).toEqual({ period: '2025', deducted: 8, subjects: 2, measures: { admonish: 1 } });
  });

  it('a unit whose configuration names a policy, and that adopted none: POLICY_MISMATCH, exit 1', async () => {
    const s = subordinate(root, 'city-p.example/approvals', `sup${++n}.ledger`);
    await writeSupervised(s, sim.entries);
    const r = await monitorRound(config(dir(), [{ unit: 'city-p', ledger: s.path, vkey: s.vkey, policy: 'ab'.repeat(32) }]));
    expect(r.exitCode).toBe(1);
    expect(r.units[0]!.policy).toBeNull();
    expect(r.units[0]!.problems.map((p) => p.code)).toEqual(['POLICY_MISMATCH']);
  });

  it('a history written without one of its alerts fails the audit: exit 1', async () => {
    const pack = examplePack();
    let dropped = 0;
    const careless = new SimLedger((a) => (dropped++ === 0 ? null : a.payload));
    careless.adoptPack(pack, sh('2025-09-01T08:00'));
    careless.append('XK-1', 'application.received', 'clerk:wang', { item: 'XK-002', applicant: '某某', handler: 'clerk:wang' }, sh('2025-09-30T10:00'));
    careless.append('XK-1', 'approval.decided', 'clerk:wang', { decision: 'granted' }, sh('2025-09-30T11:00'));
    expect(dropped).toBeGreaterThan(0);
    const s = subordinate(root, 'city-b.example/approvals', `sup${++n}.ledger`);
    await writeSupervised(s, careless.entries);
    const r = await monitorRound(config(dir(), [{ unit: 'city-b', ledger: s.path, vkey: s.vkey }]));
    expect(r.exitCode).toBe(1);
    expect(r.units[0]!.problems.map((p) => p.code)).toEqual(['AUDIT_FAILED']);
    expect(r.units[0]!.audit).toMatchObject({ ok: false, first: { code: 'ALERT_SUPPRESSED' } });
  });
});

describe('a supervised ledger and the system entries of a layer the monitor does not know', () => {
  it('a system entry of another layer is still SYSTEM_TYPE_UNKNOWN: the verification fails, exit 1', async () => {
    const { sim } = buildExampleLedger();
    const s = subordinate(root, 'city-d.example/approvals', `sup${++n}.ledger`);
    await writeSupervised(s, sim.entries);
    const l = await Ledger.open(s.path, { signer: s.skey, signerState: stateOf(s.path), clock: () => sim.entries[sim.entries.length - 1]!.time + 1 });
    l.use({ name: 'points', systemTypes: { 'casetrail.points.awarded': () => undefined } });
    await l.appendSystem([{ caseId: 'casetrail:points', type: 'casetrail.points.awarded', actor: 'casetrail:points', data: { unit: 'city-d', points: 3 } }]);
    await l.close();
    const r = await monitorRound(config(dir(), [{ unit: 'city-d', ledger: s.path, vkey: s.vkey }]));
    expect(r.exitCode).toBe(1);
    expect(r.units[0]!.problems.map((p) => p.code)).toEqual(['VERIFICATION_FAILED']);
    expect(r.units[0]!.problems[0]!.message).toMatch(/SYSTEM_TYPE_UNKNOWN/);
  });
});

describe('attacker first: the file rewritten after the round verified it', () => {
  it('a red alert re-encoded as a notice under a leaf hash of its own: the overview refuses it (INCONSISTENT), nothing forged is shown, the state stays', async () => {
    const { sim } = buildExampleLedger();
    const s = subordinate(root, 'city-e.example/approvals', `sup${++n}.ledger`);
    await writeSupervised(s, sim.entries);
    const red = sim.alerts().find(([, , , level]) => level === 'red')!;
    const state = dir();
    const cfg = config(state, [{ unit: 'city-e', ledger: s.path, vkey: s.vkey }]);
    // The rewrite lands between the round's verification (step 3) and its audit: the auditor seam runs it there.
    const auditor = async (input: AuditInput) => {
      const db = new Database(s.path);
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
      const row = db.prepare('SELECT bytes, salt, data FROM entries WHERE seq = ?').get(red[0]) as { bytes: Buffer; salt: Buffer; data: Buffer };
      const payload = utf8(row.data.toString('utf8').replace('"level":"red"', '"level":"notice"'));
      const bytes = encodeEntry({ ...decodeEntry(new Uint8Array(row.bytes)), commit: payloadCommitment(new Uint8Array(row.salt), payload) });
      db.prepare('UPDATE entries SET bytes = ?, leaf = ?, data = ? WHERE seq = ?').run(Buffer.from(bytes), Buffer.from(leafHash(bytes)), Buffer.from(payload), red[0]);
      db.close();
      return supervisionAuditor(input);
    };
    const r = await monitorRound(cfg, { auditor });
    const u = r.units[0]!;
    expect(r.exitCode).toBe(1);
    expect(u.verified).toMatchObject({ ok: true });
    expect(u.problems.map((p) => p.code)).toEqual(['INCONSISTENT']);
    expect(u.problems[0]!.message).toMatch(/not the checkpoint of size/);
    expect(u.alerts).toEqual({});
    expect(JSON.parse(readFileSync(join(state, 'monitor.json'), 'utf8')).units).toEqual([]);
    // The next round verifies the file afresh: the rewrite is a failed verification.
    const again = await monitorRound(cfg);
    expect(again.units[0]!.problems.map((p) => p.code)).toEqual(['VERIFICATION_FAILED']);
  });
});

describe('rounds over a growing ledger', () => {
  it('full the first time, incremental after, full again after fullEvery; the audit is a seam', async () => {
    const s = subordinate(root, 'county.example/cases', `c${++n}.ledger`);
    await grow(s, 4);
    let t = Date.UTC(2026, 10, 28);
    const seen: number[] = [];
    const options = { now: () => t, auditor: ({ checkpoint }: AuditInput) => (seen.push(checkpoint.size), { ok: true, findings: 0, errors: 0, packs: 0 }) };
    const cfg = config(dir(), [{ unit: 'county', ledger: s.path, vkey: s.vkey }], { fullEveryMs: 3_600_000 });
    expect((await monitorRound(cfg, options)).units[0]!.verified).toMatchObject({ mode: 'full', entries: 4 });
    await grow(s, 3);
    t += 60_000;
    expect((await monitorRound(cfg, options)).units[0]!.verified).toMatchObject({ mode: 'incremental', entries: 3 });
    t += 60_000;
    expect((await monitorRound(cfg, options)).units[0]!.verified).toMatchObject({ mode: 'incremental', entries: 0 });
    t += 3_600_000;
    expect((await monitorRound(cfg, options)).units[0]!.verified).toMatchObject({ mode: 'full', entries: 7 });
    expect(seen).toEqual([4, 7]); // audited again only when the ledger grew
  });
});

describe('caught by the monitor, in the attacker order', () => {
  it('a rollback to an older copy of the file: exit 1, both notes kept, and caught again next round', async () => {
    const s = subordinate(root, 'city-a.example/cases', `r${++n}.ledger`);
    await grow(s, 3);
    copyFileSync(s.path, `${s.path}.old`);
    await grow(s, 2);
    const state = dir();
    const cfg = config(state, [{ unit: 'city-a', ledger: s.path, vkey: s.vkey }]);
    expect((await monitorRound(cfg)).exitCode).toBe(0);
    copyFileSync(`${s.path}.old`, s.path);
    for (const f of ['-wal', '-shm']) rmSync(`${s.path}${f}`, { force: true });
    for (let round = 0; round < 2; round++) {
      const r = await monitorRound(cfg);
      expect(r.exitCode).toBe(1);
      expect(r.units[0]!).toMatchObject({ consistent: false, size: 3, problems: [{ code: 'ROLLBACK' }] });
    }
    const ev = readdirSync(join(state, 'evidence'));
    expect(ev).toHaveLength(1);
    expect(readFileSync(join(state, 'evidence', ev[0]!, 'seen.checkpoint'), 'utf8')).toMatch(/\n5\n/);
    expect(readFileSync(join(state, 'evidence', ev[0]!, 'now.checkpoint'), 'utf8')).toMatch(/\n3\n/);
  });

  it('a payload rewritten in the file by whoever holds it: the verification fails, exit 1, the state stays', async () => {
    const s = subordinate(root, 'city-b.example/cases', `p${++n}.ledger`);
    await grow(s, 3);
    const state = dir();
    const cfg = config(state, [{ unit: 'city-b', ledger: s.path, vkey: s.vkey }], { fullEveryMs: 1 });
    expect((await monitorRound(cfg)).exitCode).toBe(0);
    const before = readFileSync(join(state, 'monitor.json'), 'utf8');
    const db = new Database(s.path);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    db.prepare('UPDATE entries SET data = ? WHERE seq = 1').run(Buffer.from('{"i":1,"tag":"forged"}'));
    db.close();
    const r = await monitorRound(cfg, { now: () => Date.now() + 10 });
    expect(r.exitCode).toBe(1);
    expect(r.units[0]!.problems[0]).toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(r.units[0]!.problems[0]!.message).toMatch(/PAYLOAD_COMMITMENT_MISMATCH/);
    expect(readFileSync(join(state, 'monitor.json'), 'utf8')).toBe(before);
  });

  it('a key the configuration changes is not a fresh start: exit 1 until the unit\'s state is removed', async () => {
    const s = subordinate(root, 'county.example/x', `k${++n}.ledger`);
    await grow(s, 1);
    const state = dir();
    expect((await monitorRound(config(state, [{ unit: 'county', ledger: s.path, vkey: s.vkey }]))).exitCode).toBe(0);
    const other = generateKeyPair('county.example/x').vkey;
    const r = await monitorRound(config(state, [{ unit: 'county', ledger: s.path, vkey: other }]));
    expect(r.units[0]!.problems.map((p) => p.code)).toEqual(['KEY_CHANGED']);
  });

  it('a ledger it cannot open is an operational problem (exit 3), and a planted link for its state is refused', async () => {
    const state = dir();
    const { vkey } = generateKeyPair('gone.example/cases');
    const r = await monitorRound(config(state, [{ unit: 'gone', ledger: join(root, 'no-such.ledger'), vkey }]));
    expect(r.exitCode).toBe(3);
    expect(r.units[0]!.problems[0]!.code).toBe('UNREADABLE');
    rmSync(join(state, 'monitor.json'));
    writeFileSync(join(root, 'planted.json'), '{}');
    symlinkSync(join(root, 'planted.json'), join(state, 'monitor.json'));
    await expect(monitorRound(config(state, [{ unit: 'gone', ledger: join(root, 'no-such.ledger'), vkey }]))).rejects.toMatchObject({ code: 'STATE_INVALID' });
    expect(readFileSync(join(root, 'planted.json'), 'utf8')).toBe('{}');
  });
});

describe('the monitor as the units\' witness', () => {
  it('cosigns each new checkpoint after checking it, writes the line for the unit, and with attach stores it in the ledger', async () => {
    const s = subordinate(root, 'city-a.example/witnessed', `w${++n}.ledger`);
    await grow(s, 2);
    const wdir = dir();
    const { vkey: witness } = initWitness(wdir, 'province.example/witness');
    const state = dir();
    const cfg = config(state, [{ unit: 'city-a', ledger: s.path, vkey: s.vkey }], { witness: { state: wdir, key: join(wdir, 'witness.key'), attach: true } });
    const r1 = await monitorRound(cfg);
    expect(r1.units[0]!.witness).toMatchObject({ status: 'cosigned', size: 2, now: true, attached: true });
    const file = (r1.units[0]!.witness as { file: string }).file;
    const line = readFileSync(file, 'utf8');
    const l = await Ledger.open(s.path, { readonly: true });
    const cp = (await l.latestCheckpoint())!;
    await l.close();
    expect(cp.cosignatures).toEqual([line]);
    expect(verifyCosignature(cp.note, line, witness)).toBe(true);
    expect((await verifyLedger(s.path, { vkey: s.vkey, witnesses: [witness], witnessQuorum: 1 })).witnessed).toMatchObject({ size: 2, ok: true });
    // Same checkpoint next round: nothing new to cosign.
    expect((await monitorRound(cfg)).units[0]!.witness).toMatchObject({ status: 'cosigned', size: 2, now: false });
    await grow(s, 1);
    expect((await monitorRound(cfg)).units[0]!.witness).toMatchObject({ status: 'cosigned', size: 3, now: true });
    expect(existsSync(join(state, 'cosignatures'))).toBe(true);
  });

  it('runs rounds in a loop and stops at the first that fails', async () => {
    const s = subordinate(root, 'city-c.example/cases', `loop${++n}.ledger`);
    await grow(s, 2);
    copyFileSync(s.path, `${s.path}.old`);
    const cfg = config(dir(), [{ unit: 'city-c', ledger: s.path, vkey: s.vkey }]);
    const codes: number[] = [];
    const exit = await runMonitor(cfg, {
      everyMs: 10,
      rounds: 10,
      onRound: async (r) => {
        codes.push(r.exitCode);
        if (codes.length === 1) await grow(s, 1);
        if (codes.length === 2) {
          copyFileSync(`${s.path}.old`, s.path);
          for (const f of ['-wal', '-shm']) rmSync(`${s.path}${f}`, { force: true });
        }
      },
    });
    expect(exit).toBe(1);
    expect(codes).toEqual([0, 0, 1]);
  });
});
