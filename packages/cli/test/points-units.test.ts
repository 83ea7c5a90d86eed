/**
 * Units in the violations ledger through the command line (docs/supervision.md
 * §14.7): actors enrolled with `actors enrol` show their unit in `points`,
 * `--unit` selects them, a summary records the units of its position and
 * `audit` recomputes it, a move after a violation changes only later
 * summaries — and, in the attacker's order, a summary with a wrong unit and
 * hostile directory entries written through the core. And a person's record
 * (§14.10) lists the steps naming them in a field the pack charges.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { POINTS_TYPES, encodeSummary, canonicalJson } = await import('@casetrail/supervise');
const { supervisionRegistry } = await import('@casetrail/supervise/ledger');
const { levelsRegistry, LEVEL_TYPES } = await import('@casetrail/oversight');

afterAll(cleanup);

const json = (r: Result) => JSON.parse(r.out) as any;
const EXAMPLE = join(repoRoot, 'examples/rules/approval-supervision.yaml');

/**
 * A ledger under the example pack with a bureau and its finance and
 * licensing units, cashier:zhao enrolled in finance, and a fee over the
 * standard zhao charged at 23:30 on 31 December 2025 (Beijing), confirmed
 * as a violation on 2 January.
 */
async function ledger() {
  const dir = tempDir();
  const ct = runner(cli, () => dir);
  const ok = async (argv: string[]) => {
    const r = await ct([...argv, '--json']);
    expect(r.code, r.err + r.out).toBe(0);
    return json(r);
  };
  const t = '--time';
  await ok(['init', 'cases.ledger', '--origin', 'audit.example.gov/approvals', '--vkey-out', 'cases.vkey']);
  await ok(['calendar', 'adopt', 'cases.ledger', t, '2025-09-01T08:00+08:00']);
  await ok(['rules', 'adopt', 'cases.ledger', EXAMPLE, t, '2025-09-01T08:00+08:00']);
  await ok(['units', 'add', 'cases.ledger', 'bureau', '--actor', 'admin:root', t, '2025-09-01T08:00+08:00']);
  await ok(['units', 'add', 'cases.ledger', 'finance', '--parent', 'bureau', '--actor', 'admin:root', t, '2025-09-01T08:00+08:00']);
  await ok(['units', 'add', 'cases.ledger', 'licensing', '--parent', 'bureau', '--actor', 'admin:root', t, '2025-09-01T08:00+08:00']);
  await ok(['actors', 'enrol', 'cases.ledger', 'cashier:zhao', '--unit', 'finance', '--roles', 'cashier', '--actor', 'admin:root', t, '2025-09-01T08:00+08:00']);
  const app = await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', 'reception:li', '--data', '{"item":"XK-002","applicant":"李四","handler":"clerk:wang"}', t, '2025-12-31T23:00+08:00']);
  const fee = await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}', t, '2025-12-31T23:30+08:00']);
  const d = await ok(['alerts', 'dispose', 'cases.ledger', String(fee.alerts[0].seq), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '收费超标属实', t, '2026-01-02T09:00+08:00']);
  return { ct, ok, dir, app: app.seq as number, violation: d.violation.seq as number };
}

const lines = async (ct: ReturnType<typeof runner>, ...extra: string[]) => json(await ct(['points', 'cases.ledger', '--period', '2025', '--json', ...extra])).subjects.map((s: any) => [s.subject, s.unit]);

/** Entries written through the core alone, as someone with write access to the file could. */
async function throughTheCore(dir: string, entries: { caseId: string; type: string; payload: string; time: number }[]): Promise<number[]> {
  const l = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
  l.use(supervisionRegistry());
  l.use(levelsRegistry());
  const rs = await l.appendSystem(entries.map((e) => ({ caseId: e.caseId, type: e.type, actor: 'mallory', payload: core.utf8(e.payload), time: e.time })));
  await l.close();
  return rs.map((r) => r.seq);
}

describe('units of enrolled actors', () => {
  it('points shows the unit, --unit selects it; a summary records it and audit recomputes it; a later move changes only later summaries', async () => {
    const { ct, ok, violation } = await ledger();
    expect(await lines(ct)).toEqual([['cashier:zhao', 'finance']]);
    expect([await lines(ct, '--unit', 'finance'), await lines(ct, '--unit', 'licensing')]).toEqual([[['cashier:zhao', 'finance']], []]);
    // --unit is exactly that unit; --under takes the units below it too (finance and licensing are under bureau).
    expect([await lines(ct, '--unit', 'bureau'), await lines(ct, '--under', 'bureau'), await lines(ct, '--under', 'finance'), await lines(ct, '--under', 'licensing')]).toEqual([[], [['cashier:zhao', 'finance']], [['cashier:zhao', 'finance']], []]);
    expect(await lines(ct, '--under', 'bureau', '--unit', 'licensing')).toEqual([]);
    const bad = await ct(['points', 'cases.ledger', '--under', 'bur\u202eeau']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/INVISIBLE_CHARACTER.*--under/)]);
    expect((await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'csv'])).out).toContain(`\r\n2025,cashier:zhao,finance,3,3,9,talk,谈话提醒,${violation},\r\n`);
    const s = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-03T09:00+08:00']);
    expect(s.summary.subjects).toMatchObject([{ subject: 'cashier:zhao', unit: 'finance', deducted: 3 }]);
    // zhao moves to licensing after the violation: a revocation and an enrolment there.
    await ok(['actors', 'revoke', 'cases.ledger', 'cashier:zhao', '--actor', 'admin:root', '--time', '2026-01-04T09:00+08:00']);
    expect(await lines(ct)).toEqual([['cashier:zhao', 'finance']]);
    await ok(['actors', 'enrol', 'cases.ledger', 'cashier:zhao', '--unit', 'licensing', '--roles', 'cashier', '--actor', 'admin:root', '--time', '2026-01-04T09:05+08:00']);
    expect([await lines(ct, '--unit', 'licensing'), await lines(ct, '--unit', 'finance')]).toEqual([[['cashier:zhao', 'licensing']], []]);
    expect([await lines(ct, '--under', 'bureau'), await lines(ct, '--under', 'finance')]).toEqual([[['cashier:zhao', 'licensing']], []]);
    const a = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--amends', String(s.seq), '--reason', '调动后重报', '--time', '2026-01-05T09:00+08:00']);
    expect(a.summary.subjects).toMatchObject([{ subject: 'cashier:zhao', unit: 'licensing' }]);
    // The first summary keeps finance: the audit recomputes each at its own position.
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).audit.points).toEqual({ violations: 1, revocations: 0, summaries: 2, standings: 0 });
    const rec = json(await ct(['record', 'cases.ledger', 'cashier:zhao', '--json']));
    expect(rec.unit).toBe('licensing');
  });

  it('attacker order: a summary with a wrong unit appended through the core fails the audit, naming the subject', async () => {
    const { ct, ok, dir } = await ledger();
    const honest = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-03T09:00+08:00']);
    const forged = { ...honest.summary, amends: { reason: '更正', summary: honest.seq }, subjects: honest.summary.subjects.map((x: any) => ({ ...x, unit: 'licensing' })) };
    const [seq] = await throughTheCore(dir, [{ caseId: 'casetrail.system', type: POINTS_TYPES.summary, payload: encodeSummary(forged), time: Date.parse('2026-01-04T01:00Z') }]);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code).toBe(1);
    expect(json(audit).audit.findings).toMatchObject([{ code: 'SUMMARY_DIFFERS', seq, subject: 'cashier:zhao' }]);
  });

  it('attacker order: hostile directory entries through the core (not canonical, breaking a rule) are ignored by points and record as by the audit, which names them', async () => {
    const { ct, dir } = await ledger();
    const at = Date.parse('2026-01-03T01:00Z');
    const noncanonical = '{"unit":"finance","actor":"clerk:wang","key":null,"roles":["clerk"]}';
    const seqs = await throughTheCore(dir, [
      { caseId: 'casetrail.directory', type: LEVEL_TYPES.actorEnrolled, payload: noncanonical, time: at },
      { caseId: 'casetrail.directory', type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'cashier:zhao', key: null, roles: ['cashier'], unit: 'licensing' }), time: at },
      { caseId: 'casetrail.directory', type: LEVEL_TYPES.actorEnrolled, payload: canonicalJson({ actor: 'clerk:wang', key: null, roles: ['clerk'], unit: 'nowhere' }), time: at },
    ]);
    const p = await ct(['points', 'cases.ledger', '--period', '2025', '--json']);
    expect(p.code, p.err).toBe(0);
    expect(json(p).subjects.map((s: any) => [s.subject, s.unit])).toEqual([['cashier:zhao', 'finance']]);
    const rec = await ct(['record', 'cases.ledger', 'clerk:wang', '--json']);
    expect([rec.code, json(rec).unit]).toEqual([0, null]);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code).toBe(1);
    expect(json(audit).audit.findings).toEqual([]);
    expect(json(audit).levels.findings.map((f: any) => [f.code, f.seq])).toEqual(seqs.map((s) => ['DIRECTORY_INVALID', s]));
  });
});

describe("a person's record: steps naming the subject in a charging field", () => {
  it('the handler who took no step: the application naming it is in its record (role named, field handler); other fields, and erased payloads, name no one', async () => {
    const { ct, ok, app } = await ledger();
    // Another application: clerk:wang only as the applicant, which is not a field the pack charges.
    await ok(['append', 'cases.ledger', '--case', 'XK-2', '--type', 'application.received', '--actor', 'reception:li', '--data', '{"item":"XK-003","applicant":"clerk:wang","handler":"clerk:zhou"}', '--time', '2026-01-02T10:00+08:00']);
    // A third naming wang as handler, whose payload is then erased.
    const gone = await ok(['append', 'cases.ledger', '--case', 'XK-3', '--type', 'application.received', '--actor', 'reception:li', '--data', '{"item":"XK-004","applicant":"王五","handler":"clerk:wang"}', '--time', '2026-01-02T10:05+08:00']);
    const kept = await ok(['append', 'cases.ledger', '--case', 'XK-4', '--type', 'application.received', '--actor', 'reception:li', '--data', '{"item":"XK-005","applicant":"赵六","handler":"clerk:wang"}', '--time', '2026-01-02T10:10+08:00']);
    await ok(['redact', 'cases.ledger', String(gone.seq), '--reason', '个人信息', '--actor', 'dpo:wu']);
    // The clock runs on: the applications are past their deadline, and the alerts raised on them concern their handlers.
    await ok(['tick', 'cases.ledger']);
    const r = await ct(['record', 'cases.ledger', 'clerk:wang', '--json']);
    expect(r.code, r.err).toBe(0);
    expect([...new Set(json(r).alerts.map((a: any) => `${a.case} ${a.rule}`))]).toEqual(['XK-1 deadline.approval', 'XK-4 deadline.approval']);
    expect(json(r).steps).toEqual([
      expect.objectContaining({ seq: app, case: 'XK-1', type: 'application.received', actor: 'reception:li', role: 'named', field: 'handler' }),
      expect.objectContaining({ seq: kept.seq, case: 'XK-4', role: 'named', field: 'handler' }),
    ]);
    expect((await ct(['record', 'cases.ledger', 'clerk:wang'])).out).toMatch(/application\.received +reception:li +named \(handler\)/);
    // The receptionist's own record lists the same step as theirs; --max-steps bounds what is listed.
    const li = json(await ct(['record', 'cases.ledger', 'reception:li', '--json'])).steps;
    expect([li[0], li.every((x: any) => x.role === 'actor')]).toEqual([expect.objectContaining({ seq: app, role: 'actor' }), true]);
    const bounded = json(await ct(['record', 'cases.ledger', 'clerk:wang', '--max-steps', '1', '--json']));
    expect([bounded.steps.map((x: any) => x.seq), bounded.moreSteps]).toEqual([[app], 1]);
  });
});
