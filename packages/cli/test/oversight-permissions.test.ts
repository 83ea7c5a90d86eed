/**
 * Units, actors and permissions across several ledgers (issue 13, items 1
 * and 2, "Done when"): a province, two cities and a county, each with its
 * own ledger, key, units and actors. The province issues one policy
 * (examples/rules/approval-policy.yaml); each subordinate adopts it itself,
 * and the province's monitor checks the hash. A forbidden append is refused
 * (exit 4) and recorded; a superior's rights over a subordinate follow from
 * the tree; 回避 is refused; a step signed with a revoked key and written
 * around the CLI is flagged by the audit; in the attacker's order, a policy
 * adoption edited in the file makes the honest writer refuse to use it.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '@casetrail/core';
import { cleanup, ledgerState, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');

let dir = '';
const ct = runner(cli, () => dir);
const json = (r: Result) => JSON.parse(r.out) as any;
afterAll(cleanup);

const LEDGERS = ['province', 'city-a', 'city-b', 'county'] as const;
const vkey = (u: string) => readFileSync(join(dir, `${u}.vkey`), 'utf8').trim();
let issued = '';

async function ok(argv: string[]): Promise<Result> {
  const r = await ct(argv);
  expect(r.code, `${argv.join(' ')}\n${r.err}${r.out}`).toBe(0);
  return r;
}

beforeAll(async () => {
  dir = tempDir();
  copyFileSync(join(repoRoot, 'examples/rules/approval-policy.yaml'), join(dir, 'approval-policy.yaml'));
  copyFileSync(join(repoRoot, 'examples/rules/approval-supervision.yaml'), join(dir, 'approval-supervision.yaml'));
  for (const who of ['chen', 'wang', 'zhao']) await ok(['keygen', '--name', `actor-${who}`, '--out', `${who}.key`, '--vkey-out', `${who}.vkey`]);
  issued = json(await ok(['policy', 'check', 'approval-policy.yaml', '--json'])).policy.hash;
  for (const u of LEDGERS) {
    const l = `${u}.ledger`;
    await ok(['init', l, '--origin', `${u}.example.gov/cases`, '--vkey-out', `${u}.vkey`]);
    // Each ledger records the part of the tree its actors act in: here, all of it.
    await ok(['units', 'add', l, 'province', '--actor', 'admin']);
    await ok(['units', 'add', l, 'city-a', '--parent', 'province', '--actor', 'admin']);
    await ok(['units', 'add', l, 'city-b', '--parent', 'province', '--actor', 'admin']);
    await ok(['units', 'add', l, 'county', '--parent', 'city-a', '--actor', 'admin']);
    await ok(['actors', 'enrol', l, 'inspector:wang', '--unit', 'province', '--roles', 'inspector', '--key', 'wang.vkey', '--actor', 'admin']);
    await ok(['actors', 'enrol', l, 'inspector:zhao', '--unit', 'city-b', '--roles', 'inspector', '--key', 'zhao.vkey', '--actor', 'admin']);
  }
  await ok(['actors', 'enrol', 'county.ledger', 'clerk:li', '--unit', 'county', '--roles', 'clerk', '--actor', 'admin']);
  await ok(['actors', 'enrol', 'county.ledger', 'director:chen', '--unit', 'county', '--roles', 'decider,inspector', '--key', 'chen.vkey', '--actor', 'admin']);
  await ok(['rules', 'adopt', 'county.ledger', 'approval-supervision.yaml', '--actor', 'admin']);
  // The subordinates adopt the policy themselves; city B adopts one of its own, without the guardrails.
  for (const u of ['province', 'city-a', 'county']) await ok(['policy', 'adopt', `${u}.ledger`, 'approval-policy.yaml', '--actor', 'admin']);
  const lax = readFileSync(join(dir, 'approval-policy.yaml'), 'utf8').replace(/\nforbid:[\s\S]*$/, '\n');
  writeFileSync(join(dir, 'lax-policy.yaml'), lax);
  await ok(['policy', 'adopt', 'city-b.ledger', 'lax-policy.yaml', '--actor', 'admin']);
});

describe('permissions across a province, two cities and a county', () => {
  it('a forbidden append is refused with exit 4 and the attempt recorded; nothing of the step is written', async () => {
    await ok(['append', 'county.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', 'clerk:li', '--data', '{"item":"XK-001","applicant":"张三","handler":"clerk:li"}']);
    const before = (await ledgerState(join(dir, 'county.ledger'))).size;
    const r = await ct(['append', 'county.ledger', '--case', 'XK-1', '--type', 'approval.decided', '--actor', 'clerk:li', '--data', '{"decision":"granted"}', '--json']);
    expect(r.code).toBe(4);
    expect(json(r)).toMatchObject({ ok: false, error: { code: 'POLICY_DENIED', exitCode: 4 }, denied: { reason: 'FORBIDDEN', rules: ['only-deciders-decide'], recorded: before } });
    expect(r.err).toContain(`the attempt is recorded as entry ${before} (casetrail.denied)`);
    const log = json(await ct(['log', 'county.ledger', '--json']));
    expect(log.entries.map((e: any) => e.type).slice(-1)).toEqual(['casetrail.denied']);
    expect(log.entries.some((e: any) => e.type === 'approval.decided')).toBe(false);
    // The decider without his signature: refused too; with it, written.
    expect((await ct(['append', 'county.ledger', '--case', 'XK-1', '--type', 'approval.decided', '--actor', 'director:chen', '--data', '{"decision":"granted"}'])).code).toBe(4);
    // --actor is a claim: someone else's key does not make it his.
    expect((await ct(['append', 'county.ledger', '--case', 'XK-1', '--type', 'approval.decided', '--actor', 'director:chen', '--data', '{"decision":"granted"}', '--sign-with', 'wang.key'])).code).toBe(4);
    // A dry run that the policy refuses writes nothing, not even the record.
    const size = (await ledgerState(join(dir, 'county.ledger'))).size;
    expect((await ct(['append', 'county.ledger', '--case', 'XK-1', '--type', 'approval.decided', '--actor', 'clerk:li', '--data', '{"decision":"granted"}', '--dry-run'])).code).toBe(4);
    expect((await ledgerState(join(dir, 'county.ledger'))).size).toBe(size);
  });

  it('--ndjson: a line the policy refuses refuses its batch; exit 4 names the file line and the recorded attempt', async () => {
    const lines = [
      { case: 'XK-3', type: 'application.received', actor: 'clerk:li', data: { item: 'XK-001', applicant: '李四', handler: 'clerk:li' } },
      { case: 'XK-3', type: 'approval.decided', actor: 'clerk:li', data: { decision: 'granted' } },
    ];
    writeFileSync(join(dir, 'steps.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const before = (await ledgerState(join(dir, 'county.ledger'))).size;
    const r = await ct(['append', 'county.ledger', '--ndjson', 'steps.ndjson', '--json']);
    expect(r.code).toBe(4);
    expect(json(r)).toMatchObject({ error: { code: 'POLICY_DENIED' }, denied: { reason: 'FORBIDDEN', recorded: before }, failedLine: 2, appended: 0 });
    expect((await ledgerState(join(dir, 'county.ledger'))).size).toBe(before + 1);
  });

  it("a superior's inspector disposes of a county's alert; another city's cannot; nobody disposes of an alert about themselves (回避)", async () => {
    // A decision without a review: the pack's red alert, about the decider.
    const d = json(await ok(['append', 'county.ledger', '--case', 'XK-1', '--type', 'approval.decided', '--actor', 'director:chen', '--data', '{"decision":"granted"}', '--sign-with', 'chen.key', '--json']));
    const alert = d.alerts.find((a: any) => a.rule === 'order.review-before-decision');
    expect(alert).toBeDefined();
    const dispose = (actor: string, outcome: string) => ct(['alerts', 'dispose', 'county.ledger', String(alert.seq), '--actor', actor, '--outcome', outcome, '--reason', '核实']);
    const other = await dispose('inspector:zhao', 'violation');
    expect(other.code).toBe(4);
    expect(other.err).toMatch(/POLICY_DENIED.*no rule of policy approval-policy v1 permits it[\s\S]*recorded as entry \d+ \(casetrail\.denied\)/);
    const self = await dispose('director:chen', 'explained');
    expect(self.code).toBe(4);
    expect(self.err).toMatch(/forbidden by recusal/);
    expect((await dispose('inspector:wang', 'violation')).code).toBe(0);
    const a = await ct(['audit', 'county.ledger', '--vkey', 'county.vkey', '--json']);
    expect(a.code, a.out).toBe(0);
    expect(json(a).levels).toMatchObject({ ok: true, units: 4, actors: 4, policy: { hash: issued }, findings: [] });
  });

  it('a step signed with a revoked key, written around the CLI, is flagged by the audit', async () => {
    copyFileSync(join(dir, 'county.ledger'), join(dir, 'county-copy.ledger'));
    copyFileSync(join(dir, 'county.ledger.key'), join(dir, 'county-copy.ledger.key'));
    // The key's signer state goes with it (format.md §10): the copy is that ledger, as far as its signer knows.
    copyFileSync(join(dir, 'county.ledger.key.state'), join(dir, 'county-copy.ledger.key.state'));
    await ok(['actors', 'revoke', 'county-copy.ledger', 'director:chen', '--actor', 'admin']);
    const refused = await ct(['append', 'county-copy.ledger', '--case', 'XK-2', '--type', 'approval.decided', '--actor', 'director:chen', '--data', '{"decision":"granted"}', '--sign-with', 'chen.key']);
    expect(refused.code).toBe(4); // no longer enrolled: no rights
    // A process that writes without the CLI's guard (the ledger's own key, the actor's old key).
    const seed = (await import('@casetrail/core')).readSignerKeyFile(join(dir, 'chen.key')).seed;
    const l = await Ledger.open(join(dir, 'county-copy.ledger'), { signer: { keyFile: join(dir, 'county-copy.ledger.key') } });
    const r = await l.append({ caseId: 'XK-2', type: 'approval.decided', actor: 'director:chen', data: { decision: 'granted' }, signWith: [seed] });
    await l.close();
    const a = await ct(['audit', 'county-copy.ledger', '--vkey', 'county.vkey', '--json']);
    expect(a.code).toBe(1);
    const findings = json(a).levels.findings.map((f: any) => [f.code, f.seq]);
    expect(findings).toEqual([
      ['ACTOR_KEY_NOT_ENROLLED', r.seq],
      ['POLICY_BYPASSED', r.seq],
    ]);
    expect(json(a).levels.findings[0].message).toMatch(/revoked at entry/);
  });

  it("attacker order: a policy adoption edited in the file (a guardrail removed) — the writer refuses to use it, nothing is appended", async () => {
    copyFileSync(join(dir, 'city-a.ledger'), join(dir, 'city-a-copy.ledger'));
    copyFileSync(join(dir, 'city-a.ledger.key'), join(dir, 'city-a-copy.ledger.key'));
    // The key's signer state goes with it (format.md §10): the copy is that ledger, as far as its signer knows.
    copyFileSync(join(dir, 'city-a.ledger.key.state'), join(dir, 'city-a-copy.ledger.key.state'));
    const db = new Database(join(dir, 'city-a-copy.ledger'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    const row = db.prepare("SELECT seq, data FROM entries WHERE type = 'casetrail.policy.adopted'").get() as { seq: number; data: Buffer };
    db.prepare('UPDATE entries SET data = ? WHERE seq = ?').run(Buffer.from(row.data.toString('utf8').replace('"unlessRoles":["decider"]', '"unlessRoles":["clerk"]')), row.seq);
    db.close();
    const before = await ledgerState(join(dir, 'city-a-copy.ledger'));
    const r = await ct(['append', 'city-a-copy.ledger', '--case', 'C-1', '--type', 'application.received', '--actor', 'inspector:wang', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).error.code).toBe('ADOPTION_UNVERIFIED');
    expect(await ledgerState(join(dir, 'city-a-copy.ledger'))).toEqual(before);
    expect((await ct(['policy', 'show', 'city-a-copy.ledger', '--vkey', 'city-a.vkey'])).code).toBe(1);
  });

  it("the province's monitor checks that each unit's policy in force is the one it issued", async () => {
    writeFileSync(
      join(dir, 'province-monitor.yaml'),
      ['state: ./province-monitor', 'ledgers:', ...['city-a', 'city-b', 'county'].flatMap((u) => [`  - unit: ${u}`, `    ledger: ./${u}.ledger`, `    vkey: ./${u}.vkey`, `    policy: ${issued}`])].join('\n') + '\n',
    );
    const r = await ct(['monitor', 'province-monitor.yaml', '--once', '--json']);
    expect(r.code, r.err).toBe(1);
    const units = json(r).units;
    expect(units.map((u: any) => [u.unit, u.verdict, u.policy === issued, u.problems.map((p: any) => p.code)])).toEqual([
      ['city-a', 'ok', true, []],
      ['city-b', 'failed', false, ['POLICY_MISMATCH']],
      ['county', 'ok', true, []],
    ]);
    expect(vkey('county')).toMatch(/^county\.example\.gov\/cases\+/);
  });
});
