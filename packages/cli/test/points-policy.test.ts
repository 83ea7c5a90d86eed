/**
 * The permission policy over the violations ledger (docs/oversight.md §9.2):
 * under the example policy, `violations record` is a `violation` act,
 * `violations revoke` a `revoke` act and `summary` a `summary` act of a
 * unit's staff — refused with exit 4 and the attempt recorded when the
 * policy does not permit them, 回避 included — and, in the attacker's order,
 * the same acts written around the guard are flagged by `audit`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, ledgerState, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { POINTS_TYPES, encodeRevocation, encodeSummary, encodeViolation } = await import('@casetrail/supervise');
const { supervisionRegistry } = await import('@casetrail/supervise/ledger');
const { levelsRegistry } = await import('@casetrail/oversight');

let dir = '';
const ct = runner(cli, () => dir);
const json = (r: Result) => JSON.parse(r.out) as any;
afterAll(cleanup);

async function ok(argv: string[]): Promise<any> {
  const r = await ct([...argv, '--json']);
  expect(r.code, `${argv.join(' ')}\n${r.err}${r.out}`).toBe(0);
  return json(r);
}

/** What a refused act gives: exit 4, the denial's reason and rules, and the attempt recorded as the next entry. */
async function denied(argv: string[]): Promise<{ reason: string; rules: string[]; recorded: number | null }> {
  const before = (await ledgerState(join(dir, 'cases.ledger'))).size;
  const r = await ct([...argv, '--json']);
  expect(r.code, r.err + r.out).toBe(4);
  expect(json(r).error.code).toBe('POLICY_DENIED');
  expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(before + 1);
  return json(r).denied;
}

let app = 0;
let fee = 0;
let alert = 0;

beforeAll(async () => {
  dir = tempDir();
  const t = ['--time', '2025-09-01T08:00+08:00', '--actor', 'admin'];
  await ok(['init', 'cases.ledger', '--origin', 'bureau.example.gov/approvals', '--vkey-out', 'cases.vkey']);
  await ok(['calendar', 'adopt', 'cases.ledger', ...t]);
  await ok(['rules', 'adopt', 'cases.ledger', join(repoRoot, 'examples/rules/approval-supervision.yaml'), ...t]);
  await ok(['units', 'add', 'cases.ledger', 'bureau', ...t]);
  for (const [actor, role] of [
    ['clerk:li', 'clerk'],
    ['cashier:zhao', 'clerk'],
    ['inspector:sun', 'inspector'],
    ['committee:qian', 'committee'],
    ['director:chen', 'director'],
  ]) {
    await ok(['actors', 'enrol', 'cases.ledger', actor!, '--unit', 'bureau', '--roles', role!, ...t]);
  }
  await ok(['policy', 'adopt', 'cases.ledger', join(repoRoot, 'examples/rules/approval-policy.yaml'), ...t]);
  app = (await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', 'clerk:li', '--data', '{"item":"XK-002","applicant":"李四","handler":"clerk:li"}', '--time', '2025-12-31T23:00+08:00'])).seq;
  const f = await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}', '--time', '2025-12-31T23:30+08:00']);
  fee = f.seq;
  alert = f.alerts[0].seq;
});

const record = (actor: string, subject: string, evidence: number, time: string, code = 'order.review-before-decision', points = '2') => [
  'violations', 'record', 'cases.ledger', '--subject', subject, '--code', code, '--points', points, '--evidence', String(evidence), '--actor', actor, '--reason', '受理不规范', '--time', time,
];

describe('the policy judges the violations ledger’s acts', () => {
  it('violations record: a clerk may not; an inspector may not about themselves (回避); an inspector may', async () => {
    expect(await denied(record('clerk:li', 'cashier:zhao', fee, '2026-01-02T09:00+08:00', 'fee.over-standard', '3'))).toMatchObject({ reason: 'NOT_PERMITTED', rules: [] });
    expect(await denied(record('inspector:sun', 'inspector:sun', app, '2026-01-02T09:01+08:00'))).toMatchObject({ reason: 'FORBIDDEN', rules: ['recusal'] });
    // The act is about the subject and the actors of its evidence: nobody records one on their own step.
    expect(await denied(record('clerk:li', 'clerk:li', app, '2026-01-02T09:02+08:00'))).toMatchObject({ reason: 'FORBIDDEN', rules: ['recusal'] });
    const v = await ok(record('inspector:sun', 'clerk:li', app, '2026-01-02T09:05+08:00'));
    expect(v.violation).toMatchObject({ subject: 'clerk:li', points: 2 });
    // A confirmation is judged as its disposition (violation, about the fee's author); its violation entry is not judged again.
    expect(await denied(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'cashier:zhao', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:06+08:00'])).toMatchObject({ reason: 'FORBIDDEN' });
    const d = await ok(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'inspector:sun', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:07+08:00']);
    expect(d.violation).toMatchObject({ subject: 'cashier:zhao', points: 3 });
  });

  it('violations revoke: only the committee; summary: only a director — each refusal exit 4 and recorded', async () => {
    const points = await ok(['points', 'cases.ledger', '--period', '2025', '--subject', 'clerk:li']);
    const seq = points.subjects[0].violations[0];
    expect(await denied(['violations', 'revoke', 'cases.ledger', String(seq), '--actor', 'inspector:sun', '--reason', '申诉成立', '--time', '2026-01-03T09:00+08:00'])).toMatchObject({ reason: 'NOT_PERMITTED' });
    await ok(['violations', 'revoke', 'cases.ledger', String(seq), '--actor', 'committee:qian', '--reason', '申诉成立', '--time', '2026-01-03T09:05+08:00']);
    expect(await denied(['summary', 'cases.ledger', '--period', '2025', '--actor', 'clerk:li', '--time', '2026-01-04T09:00+08:00'])).toMatchObject({ reason: 'NOT_PERMITTED' });
    const s = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-04T09:05+08:00']);
    expect(s.summary.period).toBe('2025');
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).levels.findings).toEqual([]);
  });

  it('attacker order: the same acts written around the guard, by actors the policy does not permit, are flagged by the audit', async () => {
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
    l.use(supervisionRegistry());
    l.use(levelsRegistry());
    const at = Date.parse('2026-01-05T01:00Z');
    const entry = (caseId: string, type: string, actor: string, payload: string) => ({ caseId, type, actor, payload: core.utf8(payload), time: at });
    const [v] = await l.appendSystem([entry('XK-1', POINTS_TYPES.violation, 'clerk:li', encodeViolation({ alert: null, at: Date.parse('2025-12-31T15:30Z'), code: 'fee.over-standard', evidence: [fee], points: 3, reason: '收费超标', subject: 'cashier:zhao' }))]);
    const [r] = await l.appendSystem([entry('XK-1', POINTS_TYPES.revoked, 'cashier:zhao', encodeRevocation({ reason: '自己撤销', violation: v!.seq }))]);
    const summaries = json(await ct(['points', 'cases.ledger', '--period', '2025', '--json'])).summaries;
    const [s] = await l.appendSystem([entry('casetrail.system', POINTS_TYPES.summary, 'clerk:li', encodeSummary({ amends: { reason: '重算', summary: summaries[0] }, entries: [], pack: '0'.repeat(64), period: '2025', root: '0'.repeat(64), subjects: [] }))]);
    await l.close();
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code).toBe(1);
    const found = json(audit).levels.findings.map((f: any) => [f.code, f.seq]);
    expect(found).toEqual([
      ['POLICY_BYPASSED', v!.seq],
      ['POLICY_BYPASSED', r!.seq],
      ['POLICY_BYPASSED', s!.seq],
    ]);
    expect(json(audit).levels.findings[1].message).toMatch(/may not revoke a violation/);
  });
});
