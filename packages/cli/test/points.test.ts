/**
 * The violations ledger through the command line (docs/cli.md "Violations
 * and points"): a red card confirmed with `alerts dispose --outcome
 * violation` counts in the Beijing year of its cause, a direct record and
 * its revocation, `points` as text, JSON and CSV, `summary` recomputed by
 * `audit`, a person's `record`, the HTML report with hostile text shown as
 * text — and, in the attacker's order, a summary with a wrong total
 * appended through the core that `audit` names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, ledgerState, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { POINTS_TYPES, encodeSummary, encodeViolation } = await import('@casetrail/supervise');
const { supervisionRegistry } = await import('@casetrail/supervise/ledger');
const { csvCell } = await import('../src/points-view.js');
const { html } = await import('../src/report-html.js');

afterAll(cleanup);

const json = (r: Result) => JSON.parse(r.out) as any;
const EXAMPLE = join(repoRoot, 'examples/rules/approval-supervision.yaml');
const HOSTILE = 'clerk:<script>alert(1)</script>';

/**
 * A ledger under the example pack with one case, XK-1: the application
 * (handler clerk:wang) and, at 23:30 on 31 December 2025 Beijing time, a fee
 * over the standard charged by cashier:zhao (a red card, 情形
 * fee.over-standard, 3 points).
 */
async function ledger(): Promise<{ ct: ReturnType<typeof runner>; dir: string; app: number; fee: number; alert: number }> {
  const dir = tempDir();
  const ct = runner(cli, () => dir);
  const ok = async (argv: string[]) => {
    const r = await ct([...argv, '--json']);
    expect(r.code, r.err + r.out).toBe(0);
    return json(r);
  };
  await ok(['init', 'cases.ledger', '--origin', 'audit.example.gov/approvals', '--vkey-out', 'cases.vkey']);
  await ok(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00+08:00']);
  await ok(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-01T08:00+08:00']);
  const app = await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', HOSTILE, '--data', '{"item":"XK-002","applicant":"李四","handler":"clerk:wang"}', '--time', '2025-12-31T23:00+08:00']);
  const fee = await ok(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}', '--time', '2025-12-31T23:30+08:00']);
  expect(fee.alerts).toMatchObject([{ rule: 'fee.over-standard', level: 'red' }]);
  return { ct, dir, app: app.seq, fee: fee.seq, alert: fee.alerts[0].seq };
}

describe('violations and points', () => {
  it('a red card confirmed on 2 January counts in the Beijing year of its cause (23:30 on 31 December = 15:30 UTC)', async () => {
    const { ct, alert, fee } = await ledger();
    const d = await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '收费超标属实', '--time', '2026-01-02T09:00+08:00', '--json']);
    expect(d.code, d.err).toBe(0);
    const v = json(d).violation;
    expect(v).toMatchObject({ seq: json(d).seq + 1, subject: 'cashier:zhao', code: 'fee.over-standard', points: 3, atIso: '2025-12-31T15:30:00.000Z' });
    const y2025 = await ct(['points', 'cases.ledger', '--period', '2025', '--json']);
    expect(y2025.code).toBe(0);
    expect(json(y2025)).toMatchObject({ period: '2025', ended: true, subjects: [{ subject: 'cashier:zhao', unit: null, deducted: 3, remaining: 9, measure: 'talk', violations: [v.seq] }] });
    expect(json(y2025).violations[0]).toMatchObject({ seq: v.seq, evidence: [fee, alert], alert, period: '2025', revoked: null });
    expect(json(await ct(['points', 'cases.ledger', '--period', '2026', '--json'])).subjects).toEqual([]);
    // Without --period: the cycle of the ledger's clock (its latest entry, 2 January 2026).
    expect(json(await ct(['points', 'cases.ledger', '--json'])).period).toBe('2026');
    expect(json(await ct(['points', 'cases.ledger', '--period', '2025-Q4', '--json'])).subjects[0]).toMatchObject({ deducted: 3, total: 3 });
    const text = await ct(['points', 'cases.ledger', '--period', '2025', '--subject', 'cashier:zhao', '--tz', 'Asia/Shanghai']);
    expect(text.out).toMatch(/cashier:zhao +— +3 +3 +9 +talk 谈话提醒/);
    expect(text.out).toContain('fee.over-standard −3  at 2025-12-31T23:30:00+08:00');
  });

  it('a direct record, refused when it does not check, and its revocation: nothing deleted, no longer counted', async () => {
    const { ct, dir, app } = await ledger();
    const base = ['violations', 'record', 'cases.ledger', '--subject', 'clerk:wang', '--code', 'order.review-before-decision', '--actor', 'inspector:sun', '--reason', '受理不规范', '--time', '2026-01-05T09:00+08:00'];
    const size = (await ledgerState(join(dir, 'cases.ledger'))).size;
    for (const [points, evidence, code] of [
      ['3', String(app), 'VIOLATION_INVALID'],
      ['2', '9999', 'VIOLATION_INVALID'],
      ['2', 'x', 'USAGE'],
    ] as const) {
      const r = await ct([...base, '--points', points, '--evidence', evidence, '--json']);
      expect(r.code, r.err).toBe(2);
      if (code !== 'USAGE') expect(json(r).error.code).toBe(code);
    }
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(size);
    const rec = await ct([...base, '--points', '2', '--evidence', String(app), '--json']);
    expect(rec.code, rec.err).toBe(0);
    const seq = json(rec).seq;
    expect(json(rec)).toMatchObject({ case: 'XK-1', violation: { subject: 'clerk:wang', points: 2, atIso: '2025-12-31T15:00:00.000Z' } });
    expect(json(await ct(['points', 'cases.ledger', '--period', '2025', '--json'])).subjects).toMatchObject([{ subject: 'clerk:wang', deducted: 2, violations: [seq] }]);
    const rv = await ct(['violations', 'revoke', 'cases.ledger', String(seq), '--actor', 'committee:li', '--reason', '申诉成立', '--time', '2026-01-06T09:00+08:00', '--json']);
    expect(rv.code, rv.err).toBe(0);
    const again = await ct(['violations', 'revoke', 'cases.ledger', String(seq), '--actor', 'committee:li', '--reason', '又一次', '--json']);
    expect([again.code, json(again).error.code]).toEqual([2, 'REVOCATION_INVALID']);
    const notViolation = await ct(['violations', 'revoke', 'cases.ledger', String(app), '--actor', 'committee:li', '--reason', 'x', '--json']);
    expect([notViolation.code, json(notViolation).error.code]).toEqual([2, 'REVOCATION_INVALID']);
    const after = json(await ct(['points', 'cases.ledger', '--period', '2025', '--json']));
    expect(after.subjects).toMatchObject([{ subject: 'clerk:wang', deducted: 0, remaining: 12, measure: null, violations: [], revoked: [seq] }]);
    expect(after.violations[0].revoked).toMatchObject({ seq: json(rv).seq, actor: 'committee:li', reason: '申诉成立' });
    expect((await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey'])).code).toBe(0);
  });

  it('CSV opens in Excel: a UTF-8 BOM, CRLF, and a cell a spreadsheet would run as a formula is made text', async () => {
    const { ct, alert } = await ledger();
    await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00']);
    const csv = await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.out.startsWith('\ufeffperiod,subject,unit,deducted,total,remaining,measure,measure_zh,violations,revoked\r\n')).toBe(true);
    expect(csv.out).toContain(`\r\n2025,cashier:zhao,,3,3,9,talk,谈话提醒,${alert + 2},\r\n`);
    expect([csvCell('=HYPERLINK("x")'), csvCell('a,b'), csvCell('-1'), csvCell(3)]).toEqual([`"'=HYPERLINK(""x"")"`, '"a,b"', "'-1", '3']);
    expect((await ct(['points', 'cases.ledger', '--format', 'pdf'])).code).toBe(2);
    expect((await ct(['points', 'cases.ledger', '--period', '2025-13'])).code).toBe(2);
  });

  it('a ledger whose pack has no points model: POINTS_MODEL_MISSING (exit 2), nothing written', async () => {
    const dir = tempDir();
    const ct = runner(cli, () => dir);
    expect((await ct(['init', 'plain.ledger', '--origin', 'plain.example'])).code).toBe(0);
    for (const argv of [
      ['points', 'plain.ledger', '--json'],
      ['record', 'plain.ledger', 'clerk:wang', '--json'],
      ['summary', 'plain.ledger', '--period', '2025', '--actor', 'director:chen', '--json'],
    ]) {
      const r = await ct(argv);
      expect([r.code, json(r).error.code], argv.join(' ')).toEqual([2, 'POINTS_MODEL_MISSING']);
    }
    expect((await ledgerState(join(dir, 'plain.ledger'))).size).toBe(0);
  });
});

describe('standings: tick records them, points continues the latest', () => {
  it('tick --json lists the standing; points reads it and the entries after it; --details and --subject read the rows; the audit recomputes it', async () => {
    const { ct, alert } = await ledger();
    const d = await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '收费超标属实', '--time', '2026-01-02T09:00+08:00', '--json']);
    expect(d.code, d.err).toBe(0);
    const violation = json(d).violation.seq;
    const t = await ct(['tick', 'cases.ledger', '--now', '2026-01-02T10:00+08:00', '--json']);
    expect(t.code, t.err).toBe(0);
    const standing = json(t).standings[0];
    expect(json(t).standings).toEqual([standing]);
    expect(standing).toBeGreaterThan(json(t).seq);
    expect(json(t).treeSize).toBe(standing + 1);
    // A second tick with nothing new records no standing.
    const t2 = await ct(['tick', 'cases.ledger', '--now', '2026-01-02T11:00+08:00', '--json']);
    expect(json(t2).standings).toEqual([]);
    const p = json(await ct(['points', 'cases.ledger', '--period', '2025', '--json']));
    expect(p.basis).toEqual({ standing, folded: 0 });
    expect(p.subjects).toMatchObject([{ subject: 'cashier:zhao', deducted: 3, violations: [violation] }]);
    // One subject shown: its violation is read and listed.
    expect(p.violations.map((v: { seq: number }) => v.seq)).toEqual([violation]);
    const text = await ct(['points', 'cases.ledger', '--period', '2025']);
    expect(text.out).toContain(`from standing ${standing} and 0 later entries`);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).audit.points).toMatchObject({ violations: 1, standings: 1 });
  });
});

describe('--time on every command that writes, and times never go back', () => {
  it('alerts dispose, violations record and revoke, summary: a time before the latest entry is TIME_ORDER (exit 2), nothing written', async () => {
    const { ct, dir, app, alert } = await ledger();
    const size = (await ledgerState(join(dir, 'cases.ledger'))).size;
    const early = '2025-12-31T22:00+08:00';
    for (const argv of [
      ['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', early],
      ['violations', 'record', 'cases.ledger', '--subject', 'clerk:wang', '--code', 'order.review-before-decision', '--points', '2', '--evidence', String(app), '--actor', 'inspector:sun', '--reason', 'x', '--time', early],
      ['summary', 'cases.ledger', '--period', '2024', '--actor', 'director:chen', '--time', early],
    ]) {
      const r = await ct([...argv, '--json']);
      expect([r.code, json(r).error.code], argv.slice(0, 2).join(' ')).toEqual([2, 'TIME_ORDER']);
    }
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(size);
    const d = json(await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00', '--json']));
    const rv = await ct(['violations', 'revoke', 'cases.ledger', String(d.violation.seq), '--actor', 'committee:li', '--reason', 'x', '--time', early, '--json']);
    expect([rv.code, json(rv).error.code]).toEqual([2, 'TIME_ORDER']);
  });
});

describe('the points model as rules check shows it', () => {
  it('rules check --json: the example pack’s base, floor, measures, 情形 and who each rule charges', async () => {
    const ct = runner(cli, () => tempDir());
    const r = await ct(['rules', 'check', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    const pack = json(r).pack;
    expect(pack.points).toMatchObject({ period: 'year', base: 12, floor: 0, subjects: null, measures: [{ at: 3, measure: 'talk' }, { at: 6, measure: 'admonish' }, { at: 12, measure: 'accountability' }] });
    expect(pack.points.codes['fee.over-standard']).toMatchObject({ min: 3, max: 3, title: { zh: '违规收费' } });
    const rule = (id: string) => pack.rules.find((x: any) => x.id === id);
    expect(rule('deadline.approval')).toMatchObject({ code: { red: 'deadline.approval' }, charge: { kind: 'field', field: 'handler', of: 'application.received' } });
    expect(rule('fee.over-standard')).toMatchObject({ code: { red: 'fee.over-standard' }, charge: { kind: 'actor' } });
    expect(rule('content.decision-basis').code).toBeUndefined();
  });
});

describe('summaries and the audit', () => {
  it('summary of an ended period only, once unless amended; audit recomputes it', async () => {
    const { ct, alert } = await ledger();
    await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00']);
    const early = await ct(['summary', 'cases.ledger', '--period', '2026-01', '--actor', 'director:chen', '--time', '2026-01-31T23:59+08:00', '--json']);
    expect([early.code, json(early).error.code]).toEqual([2, 'SUMMARY_INVALID']);
    const s = await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-03T09:00+08:00', '--json']);
    expect(s.code, s.err).toBe(0);
    expect(json(s).summary).toMatchObject({ period: '2025', amends: null, entries: [alert + 2], subjects: [{ subject: 'cashier:zhao', deducted: 3, remaining: 9, measure: 'talk' }] });
    expect((await ct(['summary', 'cases.ledger', '--actor', 'director:chen'])).code).toBe(2);
    expect((await ct(['summary', 'cases.ledger', '--period', '2025'])).code).toBe(2);
    const twice = await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--json']);
    expect([twice.code, json(twice).error.code]).toEqual([2, 'SUMMARY_INVALID']);
    expect((await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--amends', String(json(s).seq)])).code).toBe(2);
    const amended = await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--amends', String(json(s).seq), '--reason', '复核', '--json']);
    expect(amended.code, amended.err).toBe(0);
    expect(json(await ct(['points', 'cases.ledger', '--period', '2025', '--json'])).summaries).toEqual([json(s).seq, json(amended).seq]);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).audit.points).toEqual({ violations: 1, revocations: 0, summaries: 2, standings: 0 });
    expect((await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey'])).out).toContain('every summary matches the ledger');
  });

  it('attacker order: a summary with a lowered total appended through the core fails the audit, naming the subject', async () => {
    const { ct, dir, alert } = await ledger();
    await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00']);
    // What an honest summary would record, taken from a copy the attacker makes, with cashier:zhao's deduction removed.
    const honest = await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-03T09:00+08:00', '--json']);
    const forged = json(honest).summary;
    forged.amends = { reason: '更正', summary: json(honest).seq };
    forged.subjects = forged.subjects.map((x: any) => ({ ...x, deducted: 0, total: 0, remaining: 12, measure: null }));
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
    l.use(supervisionRegistry());
    const [r] = await l.appendSystem([{ caseId: 'casetrail.system', type: POINTS_TYPES.summary, actor: 'mallory', payload: core.utf8(encodeSummary(forged)), time: Date.parse('2026-01-04T01:00Z') }]);
    await l.close();
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code).toBe(1);
    expect(json(audit).audit.findings).toMatchObject([{ code: 'SUMMARY_DIFFERS', seq: r!.seq, subject: 'cashier:zhao' }]);
    expect((await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey'])).out).toMatch(/✘ SUMMARY_DIFFERS at entry \d+: case casetrail\.system, subject cashier:zhao: .*recorded deducted 0/);
  });
});

describe('attacker order: a violation planted through the core', () => {
  it('points says it counts entries as recorded; points --check and the HTML report check each, and do not count it', async () => {
    const { ct, dir, fee } = await ledger();
    // Someone with write access to the file, without supervision's checks, charges an innocent clerk.
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
    l.use(supervisionRegistry());
    const planted = encodeViolation({ alert: null, at: Date.parse('2025-12-31T15:30:00Z'), code: 'fee.over-standard', evidence: [fee], points: 3, reason: '栽赃', subject: 'clerk:innocent' });
    const [p] = await l.appendSystem([{ caseId: 'XK-1', type: POINTS_TYPES.violation, actor: 'mallory', payload: core.utf8(planted), time: Date.parse('2026-01-02T01:00Z') }]);
    await l.close();
    const plain = await ct(['points', 'cases.ledger', '--period', '2025']);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('violations counted as recorded: --check (or `casetrail audit`) checks each at its position');
    const checked = await ct(['points', 'cases.ledger', '--period', '2025', '--check', '--json']);
    expect(checked.code).toBe(1);
    expect(json(checked)).toMatchObject({ checked: true, subjects: [], invalid: [{ seq: p!.seq, subject: 'clerk:innocent', code: 'fee.over-standard', problem: expect.stringMatching(/not concerned by the evidence/) }] });
    expect((await ct(['points', 'cases.ledger', '--period', '2025', '--check'])).out).toMatch(new RegExp(`✘ violation ${p!.seq} \\(fee.over-standard, clerk:innocent\\) does not check at its position, not counted`));
    const page = await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'html', '--vkey', 'cases.vkey']);
    expect(page.code).toBe(1);
    expect(page.out).toContain('✘ 未通过 failed');
    expect(page.out).toContain(`违规记录 #${p!.seq} (fee.over-standard, clerk:innocent) 校验不通过，未计入`);
    expect(page.out).toContain('本期无违规 No violation in this period.');
    // The innocent clerk's record — what a superior reads before an appointment — shows it as not counted.
    const rec = await ct(['record', 'cases.ledger', 'clerk:innocent', '--json']);
    expect(rec.code).toBe(1);
    expect(json(rec)).toMatchObject({ periods: [{ period: '2025', deducted: 0, remaining: 12, measure: null, violations: [] }], invalid: [{ seq: p!.seq, code: 'fee.over-standard' }] });
    expect((await ct(['record', 'cases.ledger', 'clerk:innocent'])).out).toMatch(/✘ does not check at its position, not counted: subject clerk:innocent is not concerned/);
    const recPage = await ct(['record', 'cases.ledger', 'clerk:innocent', '--format', 'html', '--vkey', 'cases.vkey']);
    expect(recPage.code).toBe(1);
    expect(recPage.out).toContain('✘ 校验不通过，未计入 does not check, not counted');
    // The honest summary refuses to count it (supervision's writer), and the audit names it.
    const s = await ct(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--json']);
    expect([s.code, json(s).error.code]).toEqual([2, 'SUMMARY_INVALID']);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(json(audit).audit.findings).toMatchObject([{ code: 'VIOLATION_INVALID', seq: p!.seq, subject: 'clerk:innocent' }]);
  });
});

describe("a person's record and the HTML report", () => {
  it('record: violations with their revocation, points by period, alerts and steps — text, JSON', async () => {
    const { ct, alert, fee } = await ledger();
    await ct(['alerts', 'dispose', 'cases.ledger', String(alert), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00']);
    const r = await ct(['record', 'cases.ledger', 'cashier:zhao', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(json(r)).toMatchObject({
      subject: 'cashier:zhao',
      periods: [{ period: '2025', ended: true, deducted: 3, remaining: 9, measure: 'talk', violations: [alert + 2] }],
      violations: [{ seq: alert + 2, code: 'fee.over-standard' }],
      alerts: [{ seq: alert, rule: 'fee.over-standard', level: 'red' }],
      steps: [{ seq: fee, type: 'fee.charged', role: 'actor' }],
    });
    const text = await ct(['record', 'cases.ledger', 'cashier:zhao', '--tz', 'Asia/Shanghai']);
    expect(text.out).toMatch(/2025 +3 +9 +talk 谈话提醒/);
    expect(json(await ct(['record', 'cases.ledger', 'nobody:x', '--json']))).toMatchObject({ periods: [], violations: [], alerts: [], steps: [] });
  });

  it('HTML: self-contained, the verification stated, and a subject or reason holding <script> shown as text', async () => {
    const { ct, dir, app } = await ledger();
    const rec = await ct(['violations', 'record', 'cases.ledger', '--subject', HOSTILE, '--code', 'order.review-before-decision', '--points', '2', '--evidence', String(app), '--actor', 'inspector:sun', '--reason', '<img src=x onerror=alert(2)>"\'&', '--time', '2026-01-05T09:00+08:00']);
    expect(rec.code, rec.err).toBe(0);
    expect((await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'html'])).code).toBe(2);
    const r = await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'html', '--vkey', 'cases.vkey', '--out', 'report.html']);
    expect(r.code, r.err + r.out).toBe(0);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(page).not.toMatch(/<script|<img|src=["']?http|<link|@import|url\(/i);
    expect(page).toContain('clerk:&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('&#60;img src=x onerror=alert(2)&#62;&#34;&#39;&#38;');
    expect(page).toContain('✔ 验证通过 verified');
    expect(page).toContain('✔ 通过 passed');
    expect(page).toContain(readFileSync(join(dir, 'cases.vkey'), 'utf8').trim());
    expect(page).toMatch(/<a href="#e\d+">#\d+<\/a> <span class="muted">XK-1 第1步 application.received<\/span>/);
    expect(page).toContain('@media print');
    // Invisible and bidirectional characters are shown as escapes, not obeyed.
    expect(html('a\u202eb')).toBe('a\\u{202e}b');
    const rec2 = await ct(['record', 'cases.ledger', HOSTILE, '--format', 'html', '--vkey', 'cases.vkey']);
    expect(rec2.code, rec2.err).toBe(0);
    expect(rec2.out).not.toMatch(/<script|<img/i);
    expect(rec2.out).toContain('廉政档案 clerk:&#60;script&#62;');
  });

  it('HTML of a ledger that does not verify under the key given: no report, exit 1', async () => {
    const { ct } = await ledger();
    const other = await ct(['init', 'other.ledger', '--origin', 'other.example', '--vkey-out', 'other.vkey']);
    expect(other.code).toBe(0);
    const r = await ct(['points', 'cases.ledger', '--period', '2025', '--format', 'html', '--vkey', 'other.vkey']);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('<html');
  });
});

describe('the worked example of docs/supervision.md §14.11, number for number', () => {
  it('four red cards confirmed, a summary, an appeal upheld, the amendment; quarters; the audit', async () => {
    const dir = tempDir();
    const ct = runner(cli, () => dir);
    const ok = async (argv: string[]) => {
      const r = await ct([...argv, '--json']);
      expect(r.code, r.err + r.out).toBe(0);
      return json(r);
    };
    const app = (c: string, t: string) => ok(['append', 'cases.ledger', '--case', c, '--type', 'application.received', '--actor', 'clerk:wang', '--data', '{"item":"XK-002","applicant":"李四","handler":"clerk:wang"}', '--time', t]);
    const overFee = (c: string, t: string) => ok(['append', 'cases.ledger', '--case', c, '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}', '--time', t]);
    const confirm = (seq: number) => ok(['alerts', 'dispose', 'cases.ledger', String(seq), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '属实', '--time', '2026-01-02T09:00+08:00']);
    await ok(['init', 'cases.ledger', '--origin', 'audit.example.gov/approvals', '--vkey-out', 'cases.vkey']);
    await ok(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00+08:00']);
    await ok(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-01T08:00+08:00']);
    await app('B', '2025-09-30T10:00+08:00');
    await app('A', '2025-10-14T09:00+08:00');
    const feeA = await overFee('A', '2025-10-14T09:05+08:00');
    const tick = await ok(['tick', 'cases.ledger', '--now', '2025-11-12T09:00+08:00']);
    const redB = tick.alerts.find((a: any) => a.case === 'B' && a.level === 'red');
    expect(redB).toBeDefined();
    await app('C', '2025-12-01T09:00+08:00');
    const decC = await ok(['append', 'cases.ledger', '--case', 'C', '--type', 'approval.decided', '--actor', 'director:chen', '--data', '{"decision":"granted","basis":"《行政许可法》第三十八条"}', '--time', '2025-12-02T10:00+08:00']);
    const redC = decC.alerts.find((a: any) => a.rule === 'order.review-before-decision');
    await app('D', '2025-12-31T23:00+08:00');
    const feeD = await overFee('D', '2025-12-31T23:30+08:00');
    const v1 = (await confirm(feeA.alerts[0].seq)).violation;
    const v2 = (await confirm(redB.seq)).violation;
    const v3 = (await confirm(redC.seq)).violation;
    const v4 = (await confirm(feeD.alerts[0].seq)).violation;
    expect([v1, v2, v3, v4].map((v: any) => [v.subject, v.points, v.atIso])).toEqual([
      ['cashier:zhao', 3, '2025-10-14T01:05:00.000Z'],
      ['clerk:wang', 2, '2025-11-12T01:00:00.000Z'],
      ['director:chen', 2, '2025-12-02T02:00:00.000Z'],
      ['cashier:zhao', 3, '2025-12-31T15:30:00.000Z'],
    ]);
    const line = (x: any) => [x.subject, x.deducted, x.total, x.remaining, x.measure, x.violations];
    const q4 = async () => json(await ct(['points', 'cases.ledger', '--period', '2025-Q4', '--json'])).subjects.map(line);
    expect((await q4())[0]).toEqual(['cashier:zhao', 6, 6, 6, 'admonish', [v1.seq, v4.seq]]);
    expect(json(await ct(['points', 'cases.ledger', '--period', '2025-Q3', '--json'])).subjects).toEqual([]);
    const s1 = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--time', '2026-01-03T09:00+08:00']);
    expect(s1.summary.entries).toEqual([v1.seq, v2.seq, v3.seq, v4.seq]);
    expect(s1.summary.subjects.map(line)).toEqual([
      ['cashier:zhao', 6, 6, 6, 'admonish', [v1.seq, v4.seq]],
      ['clerk:wang', 2, 2, 10, null, [v2.seq]],
      ['director:chen', 2, 2, 10, null, [v3.seq]],
    ]);
    const r1 = await ok(['violations', 'revoke', 'cases.ledger', String(v1.seq), '--actor', 'committee:li', '--reason', '申诉成立', '--time', '2026-01-05T09:00+08:00']);
    const s2 = await ok(['summary', 'cases.ledger', '--period', '2025', '--actor', 'director:chen', '--amends', String(s1.seq), '--reason', '申诉成立，撤销一项', '--time', '2026-01-05T10:00+08:00']);
    expect(s2.summary.entries).toEqual([v1.seq, v2.seq, v3.seq, v4.seq, r1.seq]);
    expect(s2.summary.subjects[0]).toEqual({ subject: 'cashier:zhao', unit: null, deducted: 3, total: 3, remaining: 9, measure: 'talk', violations: [v4.seq], revoked: [v1.seq] });
    expect(s2.summary.subjects.slice(1)).toEqual(s1.summary.subjects.slice(1));
    expect((await q4())[0]).toEqual(['cashier:zhao', 3, 3, 9, 'talk', [v4.seq]]);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).audit.points).toEqual({ violations: 4, revocations: 1, summaries: 2, standings: 0 });
    // Each counted entry is proven in the summary: V4 and the revocation in S2.
    for (const [seq, index] of [[v4.seq, 3], [r1.seq, 4]] as const) {
      const pr = await ct(['summary', 'prove', 'cases.ledger', String(s2.seq), String(seq), '--json']);
      expect(pr.code, pr.err).toBe(0);
      const p = json(pr);
      expect(p).toMatchObject({ summary: s2.seq, period: '2025', seq, index, size: 5, root: s2.summary.root });
      expect(core.verifyInclusion(core.fromHex(p.leaf), p.index, p.size, p.proof.map(core.fromHex), core.fromHex(p.root))).toBe(true);
    }
    const notCounted = await ct(['summary', 'prove', 'cases.ledger', String(s1.seq), String(r1.seq), '--json']);
    expect([notCounted.code, json(notCounted).error.code]).toEqual([2, 'SUMMARY_INVALID']);
    expect((await ct(['summary', 'prove', 'cases.ledger', String(v1.seq), String(v1.seq)])).code).toBe(2);
    expect((await ct(['summary', 'prove', 'cases.ledger', String(s1.seq), String(v2.seq)])).out).toMatch(/^entry \d+ is leaf 1 of the 4 entries summary \d+ of 2025 counts/);
  });
});
