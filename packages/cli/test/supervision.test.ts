/**
 * Supervision through the command line, from outside the rule engine: the
 * example pack on a ledger of realistic cases (国庆/中秋 and 调休 weekends)
 * written by one `casetrail` invocation per step, exactly the expected
 * alerts at the expected seqs; rules check/adopt/show/try, alerts and their
 * dispositions, ticks, blocking rules (exit 4), hostile packs refused before
 * adoption, and `audit` failing on what a writer did not do.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, ledgerState, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { buildExampleLedger } = await import('../../supervise/test/helpers/scenarios.js');
const { examplePack, repoRoot } = await import('../../supervise/test/helpers/sim-ledger.js');
const { supervisionRegistry } = await import('@casetrail/supervise/ledger');

afterAll(cleanup);

const json = (r: Result) => JSON.parse(r.out) as any;
const EXAMPLE = join(repoRoot, 'examples/rules/approval-supervision.yaml');
const ENGINE_TEST = join(repoRoot, 'packages/supervise/test/vectors/inputs/engine-test.yaml');

/** A fresh ledger (init) in its own directory; returns the runner, the directory and the verifier key. */
async function fresh(): Promise<{ ct: ReturnType<typeof runner>; dir: string; vkey: string }> {
  const dir = tempDir();
  const ct = runner(cli, () => dir);
  const init = await ct(['init', 'cases.ledger', '--origin', 'audit.example.gov/approvals', '--vkey-out', 'cases.vkey']);
  expect(init.code).toBe(0);
  return { ct, dir, vkey: init.out.trim() };
}

describe('the example pack on realistic cases, one command per step', () => {
  let ct: ReturnType<typeof runner>;
  let dir: string;
  const { sim } = buildExampleLedger();

  beforeAll(async () => {
    ({ ct, dir } = await fresh());
    for (const e of sim.entries) {
      let argv: string[];
      if (e.type === 'casetrail.alert') continue;
      else if (e.type === 'casetrail.calendar.adopted') argv = ['calendar', 'adopt', 'cases.ledger', '--actor', e.actor, '--time', String(e.time)];
      else if (e.type === 'casetrail.rules.adopted') argv = ['rules', 'adopt', 'cases.ledger', EXAMPLE, '--actor', e.actor, '--time', String(e.time)];
      else if (e.type === 'casetrail.tick') argv = ['tick', 'cases.ledger', '--now', String(e.time)];
      else argv = ['append', 'cases.ledger', '--case', e.caseId, '--type', e.type, '--actor', e.actor, '--data', JSON.stringify(e.data), '--time', String(e.time)];
      const r = await ct(argv);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
    }
  });

  it('raises exactly the alerts of the worked example (docs/supervision.md §9), at the same seqs', async () => {
    const r = await ct(['alerts', 'cases.ledger', '--json']);
    expect(r.code).toBe(0);
    expect(json(r).alerts.map((a: any) => [a.seq, a.case, a.rule, a.level])).toEqual(sim.alerts());
    expect(Object.keys(json(r).alerts[0]).sort()).toEqual(['case', 'disposition', 'level', 'reason', 'rule', 'ruleVersion', 'seq', 'status', 'time', 'timeIso', 'triggeredBy']);
  });

  it('the pause over 国庆 and the make-up Saturday: XK-G gets its notice at the 25 Oct tick, not before', async () => {
    const r = json(await ct(['alerts', 'cases.ledger', '--case', 'XK-G', '--json']));
    expect(r.alerts.map((a: any) => [a.rule, a.level, a.reason.zh])).toEqual([
      ['deadline.approval', 'notice', '受理于 2025-09-22，16 个工作日已满（2025-10-24）仍未作出决定'],
      ['deadline.approval', 'yellow', '受理于 2025-09-22，20 个工作日已满（2025-10-30）仍未作出决定'],
      ['deadline.approval', 'red', '受理于 2025-09-22，25 个工作日已满（2025-11-06）仍未作出决定'],
    ]);
  });

  it('--level is "at least", in the order of the pack: yellow lists yellow and red', async () => {
    const levels = json(await ct(['alerts', 'cases.ledger', '--level', 'yellow', '--json'])).alerts.map((a: any) => a.level);
    expect(new Set(levels)).toEqual(new Set(['yellow', 'red']));
    expect((await ct(['alerts', 'cases.ledger', '--level', 'purple'])).code).toBe(2);
  });

  it('shows levels as 提示/黄牌/红牌 and times in --tz; trace shows alerts and dispositions as steps of the case', async () => {
    const list = await ct(['alerts', 'cases.ledger', '--case', 'XK-G', '--tz', 'Asia/Shanghai']);
    expect(list.out).toMatch(/notice 提示 +deadline\.approval +open/);
    expect(list.out).toContain('2025-10-25T00:00:00+08:00');
    const red = json(await ct(['alerts', 'cases.ledger', '--case', 'XK-G', '--level', 'red', '--json'])).alerts[0].seq;
    const d = await ct(['alerts', 'dispose', 'cases.ledger', String(red), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '逾期属实', '--time', '2025-11-11T09:00+08:00']);
    expect(d.code, d.err).toBe(0);
    const open = json(await ct(['alerts', 'cases.ledger', '--case', 'XK-G', '--open', '--json'])).alerts.map((a: any) => a.level);
    expect(open).toEqual(['notice', 'yellow']);
    const t = await ct(['trace', 'cases.ledger', 'XK-G', '--tz', 'Asia/Shanghai']);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/casetrail\.alert +casetrail:supervise +⚠ red 红牌 deadline\.approval: 受理于 2025-09-22/);
    expect(t.out).toContain(`disposed of alert ${red}: violation — 逾期属实`);
    expect((await ct(['alerts', 'dispose', 'cases.ledger', String(red), '--actor', 'chief:zhang', '--outcome', 'explained', '--reason', 'again'])).code).toBe(2);
  });

  it("alerts dispose --json is dispose's own flag: the result and a refusal are JSON documents", async () => {
    const yellow = json(await ct(['alerts', 'cases.ledger', '--case', 'XK-G', '--level', 'yellow', '--open', '--json'])).alerts.find((a: any) => a.level === 'yellow').seq;
    const d = await ct(['alerts', 'dispose', 'cases.ledger', String(yellow), '--actor', 'chief:zhang', '--outcome', 'explained', '--reason', '已说明', '--json']);
    expect(d.code, d.err).toBe(0);
    expect(json(d)).toMatchObject({ disposed: yellow, outcome: 'explained', case: 'XK-G' });
    const again = await ct(['alerts', 'dispose', 'cases.ledger', String(yellow), '--actor', 'chief:zhang', '--outcome', 'explained', '--reason', 'again', '--json']);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.out)).toMatchObject({ ok: false, error: { code: expect.any(String), exitCode: 2 } });
    expect(again.err).toMatch(/^casetrail alerts dispose: error \[/);
  });

  it('audit: the ledger verifies and every alert is where it belongs (exit 0); redacting an alert is refused (exit 2)', async () => {
    const a = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(a.code, a.out).toBe(0);
    expect(json(a)).toMatchObject({ ok: true, verification: { ok: true }, audit: { ok: true, findings: [], packs: [{ id: 'approval-supervision', version: 2 }] } });
    const alert = json(await ct(['alerts', 'cases.ledger', '--json'])).alerts[0].seq;
    const r = await ct(['redact', 'cases.ledger', String(alert), '--reason', 'embarrassing', '--actor', 'dpo']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/NOT_REDACTABLE/);
  });

  it('rules show and rules try (shadow replay, nothing written)', async () => {
    const show = json(await ct(['rules', 'show', 'cases.ledger', '--json']));
    expect(show.packs.map((p: any) => [p.id, p.version, p.inForce, p.hash])).toEqual([['approval-supervision', 2, true, examplePack().hash]]);
    expect(show.calendars.map((c: any) => [c.id, c.source, c.from, c.to])).toEqual([['cn-mainland', 'chinese-days@1.5.7', '2020-01-01', '2026-12-31']]);
    const before = await ledgerState(join(dir, 'cases.ledger'));
    // A stricter candidate: the notice after 10 working days instead of 16.
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, readFileSync(EXAMPLE, 'utf8').replace('{ days: 16, level: notice }', '{ days: 10, level: notice }').replace('version: 2\ntitle', 'version: 3\ntitle'));
    const tr = await ct(['rules', 'try', 'cases.ledger', strict, '--json']);
    expect(tr.code, tr.err).toBe(0);
    expect(Object.keys(json(tr)).sort()).toEqual(['alerts', 'byRule', 'entries', 'pack']);
    expect(json(tr).byRule['deadline.approval'].notice).toBeGreaterThan(0);
    expect(await ledgerState(join(dir, 'cases.ledger'))).toEqual(before);
  });
});

describe('rules check, and hostile packs refused before adoption', () => {
  it('a valid pack: exit 0 and its id, version, hash and rules', async () => {
    const { ct } = await fresh();
    const r = await ct(['rules', 'check', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ ok: true, pack: { id: 'approval-supervision', version: 2, hash: examplePack().hash, levels: ['notice', 'yellow', 'red'] } });
  });

  it('an invalid pack: exit 2 with file:line:column, and the position with --json', async () => {
    const { ct, dir } = await fresh();
    writeFileSync(join(dir, 'bad.yaml'), 'casetrail: supervise/1\npack: t\nversion: 1\nsteps: {}\nrules: []\nrulez: 1\n');
    const r = await ct(['rules', 'check', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error \[PACK_SCHEMA\]: bad\.yaml:6:1: /);
    const j = await ct(['rules', 'check', 'bad.yaml', '--json']);
    expect(json(j)).toMatchObject({ ok: false, error: { code: 'PACK_SCHEMA', exitCode: 2 }, position: { file: 'bad.yaml', line: 6, column: 1 } });
  });

  const head = 'casetrail: supervise/1\npack: hostile\nversion: 1\nsteps:\n  fee.charged: { fields: { item: string, tags: { type: list, of: string } } }\nrules:\n  - id: r\n    version: 1\n    point: other\n    kind: cel\n    on: [fee.charged]\n    level: red\n    message: { zh: x, en: y }\n';
  const hostile: [string, string, string][] = [
    ['deep CEL', `${'('.repeat(2000)}true${')'.repeat(2000)}`, 'PACK_LIMIT'],
    ['a huge literal', `step.data.item == "${'a'.repeat(200_000)}"`, 'PACK_LIMIT'],
    ['nested comprehensions', 'step.data.tags.all(a, step.data.tags.all(b, step.data.tags.exists(c, a + b == c)))', 'PACK_LIMIT'],
    ['matches() (a JavaScript RegExp: ReDoS)', 'step.data.item.matches("^(a+)+$")', 'PACK_CEL_FORBIDDEN'],
  ];
  it.each(hostile)('%s: rules adopt refuses it quickly with its code (exit 2), nothing written', async (_name, when, code) => {
    const { ct, dir } = await fresh();
    writeFileSync(join(dir, 'hostile.yaml'), `${head}    when: ${JSON.stringify(when)}\n`);
    const before = await ledgerState(join(dir, 'cases.ledger'));
    const t0 = performance.now();
    const r = await ct(['rules', 'adopt', 'cases.ledger', 'hostile.yaml']);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`[${code}]`);
    expect(await ledgerState(join(dir, 'cases.ledger'))).toEqual(before);
  });
});

describe('blocking rules: exit 4, the attempt recorded', () => {
  async function blocking() {
    const f = await fresh();
    expect((await f.ct(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00Z'])).code).toBe(0);
    expect((await f.ct(['rules', 'adopt', 'cases.ledger', ENGINE_TEST, '--time', '2025-09-01T08:00Z'])).code).toBe(0);
    expect((await f.ct(['append', 'cases.ledger', '--case', 'K1', '--type', 'application.received', '--actor', 'clerk:wang', '--data', '{"item":"XK-1","handler":"clerk:wang"}', '--time', '2025-09-02T01:00Z'])).code).toBe(0);
    return f;
  }
  const selfDecided = ['--case', 'K1', '--type', 'approval.decided', '--actor', 'clerk:wang', '--data', '{"decision":"granted"}', '--time', '2025-09-03T01:00Z'];

  it('append: exit 4, the JSON error names the rule and the recorded refusal; the step is not in the ledger', async () => {
    const { ct, dir, vkey } = await blocking();
    const before = (await ledgerState(join(dir, 'cases.ledger'))).size;
    const r = await ct(['append', 'cases.ledger', ...selfDecided, '--json']);
    expect(r.code).toBe(4);
    expect(json(r)).toMatchObject({ ok: false, error: { code: 'RULE_BLOCKED', exitCode: 4 }, blocked: { line: null, rules: [{ rule: 'cel.decided-by-handler', level: 'red' }], recorded: before } });
    expect(r.err).toContain(`the attempt is recorded as entry ${before} (casetrail.refused)`);
    const log = json(await ct(['log', 'cases.ledger', '--json']));
    expect(log.entries.map((e: any) => e.type).slice(-1)).toEqual(['casetrail.refused']);
    expect(log.entries.some((e: any) => e.type === 'approval.decided')).toBe(false);
    const a = await ct(['audit', 'cases.ledger', '--vkey', vkey]);
    expect(a.code, a.out).toBe(0);
  });

  it('--dry-run: exit 4 when it would be refused, the alerts it would raise otherwise; nothing written either way', async () => {
    const { ct, dir } = await blocking();
    const before = await ledgerState(join(dir, 'cases.ledger'));
    const b = await ct(['append', 'cases.ledger', ...selfDecided, '--dry-run', '--json']);
    expect(b.code).toBe(4);
    // A refused step raises nothing: it would not be in the ledger.
    expect(json(b)).toMatchObject({ dryRun: true, alerts: [], blocked: { rules: [{ rule: 'cel.decided-by-handler', level: 'red' }] } });
    const ok = await ct(['append', 'cases.ledger', '--case', 'K1', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-1","amountFen":60000}', '--dry-run']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('the step would raise 1 alert(s)');
    expect(ok.out).toContain('yellow 黄牌 cel.big-fee: 大额收费 60000 分 / Large fee: 60000 fen');
    expect(await ledgerState(join(dir, 'cases.ledger'))).toEqual(before);
  });

  it('--ndjson: one refused line refuses its batch; exit 4 names the file line', async () => {
    const { ct, dir } = await blocking();
    const lines = [
      { case: 'K2', type: 'application.received', actor: 'clerk:li', data: { item: 'XK-1', handler: 'clerk:li' } },
      { case: 'K2', type: 'case.closed', actor: 'clerk:li', data: {} },
      { case: 'K2', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-1', amountFen: 100 } },
    ];
    writeFileSync(join(dir, 'steps.ndjson'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const size = (await ledgerState(join(dir, 'cases.ledger'))).size;
    const r = await ct(['append', 'cases.ledger', '--ndjson', 'steps.ndjson', '--json']);
    expect(r.code).toBe(4);
    expect(json(r)).toMatchObject({ error: { code: 'RULE_BLOCKED' }, blocked: { line: 3, recorded: size }, appended: 0, failedLine: 3 });
    expect(json(r).error.message).toMatch(/^line 3 \(fee\.charged of case K2\) is refused by order\.closed-last/);
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(size + 1);
  });
});

describe('audit fails (exit 1) on what a writer did not do, naming case, rule and seq', () => {
  async function adopted() {
    const f = await fresh();
    expect((await f.ct(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00+08:00'])).code).toBe(0);
    expect((await f.ct(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-01T08:00+08:00'])).code).toBe(0);
    const path = join(f.dir, 'cases.ledger');
    return { ...f, path };
  }
  // Through the key file: a writer with the key shares the signer state beside it (format.md §10); it only skips the supervisor.
  const keyFileOf = (dir: string) => join(dir, 'cases.ledger.key');

  it('a violating step appended through the core alone (no supervisor attached)', async () => {
    const { ct, dir, path } = await adopted();
    const l = await core.Ledger.open(path, { signer: { keyFile: keyFileOf(dir) } });
    const r = await l.append({ caseId: 'XK-X', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: Date.parse('2025-09-02T09:00+08:00') });
    await l.close();
    const a = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(a.code).toBe(1);
    expect(a.out).toContain(`✘ ALERT_SUPPRESSED at entry ${r.seq}: case XK-X, rule fee.over-standard (red 红牌)`);
    expect(json(await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json'])).audit.findings).toEqual([
      expect.objectContaining({ code: 'ALERT_SUPPRESSED', severity: 'error', seq: r.seq, case: 'XK-X', rule: 'fee.over-standard', level: 'red' }),
    ]);
  });

  it('an alert suppressed by a writer that skipped the hook: a tick recorded without the deadline alert due at it', async () => {
    const { ct, dir, path } = await adopted();
    expect((await ct(['append', 'cases.ledger', '--case', 'XK-T', '--type', 'application.received', '--actor', 'clerk:wang', '--data', '{"item":"XK-001","applicant":"a","handler":"clerk:wang"}', '--time', '2025-09-30T10:00+08:00'])).code).toBe(0);
    const l = await core.Ledger.open(path, { signer: { keyFile: keyFileOf(dir) } });
    l.use(supervisionRegistry());
    const now = Date.parse('2025-10-30T08:00+08:00');
    const [t] = await l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.tick', actor: 'casetrail:clock', data: { now }, time: now }]);
    await l.close();
    const a = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(a.code).toBe(1);
    expect(a.out).toContain(`✘ ALERT_SUPPRESSED at entry ${t!.seq}: case XK-T, rule deadline.approval (notice 提示)`);
  });

  it('an alert fabricated through the system-entry call', async () => {
    const { ct, dir, path } = await adopted();
    const ok = await ct(['append', 'cases.ledger', '--case', 'XK-F', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":100}', '--time', '2025-09-02T09:00+08:00', '--json']);
    const l = await core.Ledger.open(path, { signer: { keyFile: keyFileOf(dir) } });
    l.use(supervisionRegistry());
    const fake = { facts: { amount: 100, item: 'XK-002', schedule: 'approval-fees', standard: 20000 }, level: 'red', pack: examplePack().hash, reason: { en: 'x', zh: 'x' }, rule: 'fee.over-standard', ruleVersion: 1, triggeredBy: [json(ok).seq] };
    const [f] = await l.appendSystem([{ caseId: 'XK-F', type: 'casetrail.alert', actor: 'casetrail:supervise', data: fake, time: Date.parse('2025-09-02T09:00+08:00') }]);
    await l.close();
    const a = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(a.code).toBe(1);
    expect(a.out).toContain(`✘ ALERT_FABRICATED at entry ${f!.seq}: case XK-F, rule fee.over-standard (red 红牌)`);
  });

  it('a ledger that does not verify is not replayed: exit 1, verification first', async () => {
    const { ct } = await adopted();
    const other = core.generateKeyPair('audit.example.gov/approvals').vkey;
    const a = await ct(['audit', 'cases.ledger', '--vkey', other, '--json']);
    expect(a.code).toBe(1);
    expect(json(a)).toMatchObject({ ok: false, verification: { ok: false }, audit: null });
  });
});

describe('ticks and calendars', () => {
  it('a tick earlier than the latest entry is refused (exit 2); an invalid calendar is CALENDAR_INVALID (exit 2)', async () => {
    const { ct, dir } = await fresh();
    expect((await ct(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00Z'])).code).toBe(0);
    const r = await ct(['tick', 'cases.ledger', '--now', '2025-08-01T00:00Z']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/TIME_ORDER.*--now 2025-08-01T00:00:00Z is before the latest entry's time 2025-09-01T08:00:00Z/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'x', zone: 'Asia/Shanghai', utcOffset: '+08:00', source: 's', from: '2027-01-01', to: '2026-01-01', holidays: [], workdays: [] }));
    const c = await ct(['calendar', 'adopt', 'cases.ledger', 'bad.json']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('[CALENDAR_INVALID]');
  });

  it('every command that writes an entry takes --time (redact too), and times never go back', async () => {
    const { ct } = await fresh();
    expect((await ct(['append', 'cases.ledger', '--case', 'C', '--type', 'note', '--actor', 'a', '--data', '{"x":1}', '--time', '2025-09-01T08:00Z'])).code).toBe(0);
    expect((await ct(['redact', 'cases.ledger', '0', '--reason', 'r', '--actor', 'dpo', '--time', '2025-08-01T00:00Z'])).code).toBe(2);
    const r = await ct(['redact', 'cases.ledger', '0', '--reason', 'r', '--actor', 'dpo', '--time', '2025-09-02T08:00Z', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(json(r).time).toBe(Date.parse('2025-09-02T08:00Z'));
    expect((await ct(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-01T00:00Z'])).code).toBe(2);
    expect((await ct(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-03T00:00Z', '--json'])).code).toBe(0);
  });
});

describe('two processes appending to one supervised ledger', () => {
  /** Steps of case `c`: most of them raise something under the example pack. */
  const caseSteps = (c: string, i: number) => {
    const rec = { item: i % 2 === 0 ? 'XK-002' : 'XK-001', applicant: 'a', handler: 'clerk:wang' };
    const steps = [
      { case: c, type: 'application.received', actor: 'clerk:wang', data: rec },
      { case: c, type: 'fee.charged', actor: 'cashier:zhao', data: { item: rec.item, amountFen: i % 3 === 0 ? 90000 : 0 } },
      ...(i % 4 === 0 ? [] : [{ case: c, type: 'review.completed', actor: i % 5 === 0 ? 'director:chen' : 'reviewer:liu', data: { reviewer: 'x' } }]),
      { case: c, type: 'approval.decided', actor: 'director:chen', data: i % 2 === 0 ? { decision: 'granted' } : { decision: 'granted', basis: 'art. 38' } },
    ];
    return steps.map((x) => JSON.stringify(x));
  };
  const file = (dir: string, name: string, cases: string[]): string => {
    writeFileSync(join(dir, name), `${cases.flatMap((c) => caseSteps(c, Number(c.slice(2)))).join('\n')}\n`);
    return name;
  };
  const byCase = (r: Result) => {
    const m: Record<string, string[]> = {};
    for (const a of json(r).alerts) (m[a.case] ??= []).push(`${a.rule}:${a.level}:${JSON.stringify(a.reason)}`);
    return m;
  };
  const A = Array.from({ length: 12 }, (_, i) => `P-${2 * i}`);
  const B = Array.from({ length: 12 }, (_, i) => `P-${2 * i + 1}`);

  it('give the same alerts as one process, and the ledger audits clean', async () => {
    const one = await fresh();
    expect((await one.ct(['calendar', 'adopt', 'cases.ledger'])).code).toBe(0);
    expect((await one.ct(['rules', 'adopt', 'cases.ledger', EXAMPLE])).code).toBe(0);
    expect((await one.ct(['append', 'cases.ledger', '--ndjson', file(one.dir, 'a.ndjson', A)])).code).toBe(0);
    expect((await one.ct(['append', 'cases.ledger', '--ndjson', file(one.dir, 'b.ndjson', B)])).code).toBe(0);

    const two = await fresh();
    expect((await two.ct(['calendar', 'adopt', 'cases.ledger'])).code).toBe(0);
    expect((await two.ct(['rules', 'adopt', 'cases.ledger', EXAMPLE])).code).toBe(0);
    // Each writer reads its steps from standard input as they come, one transaction per line, so the two interleave.
    const writers = [A, B].map((cases) => {
      const child = spawn(process.execPath, [binPath, 'append', 'cases.ledger', '--ndjson', '-', '--batch-size', '1'], { cwd: two.dir, env: { ...process.env, CASETRAIL_KEY_FILE: '' } });
      const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      return { child, lines: cases.flatMap((c) => caseSteps(c, Number(c.slice(2)))), done };
    });
    // Both processes start (and open the ledger) before the first line comes.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; writers.some((w) => i < w.lines.length); i++) {
      for (const w of writers) if (i < w.lines.length) w.child.stdin.write(`${w.lines[i]}\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    for (const w of writers) w.child.stdin.end();
    expect(await Promise.all(writers.map((w) => w.done))).toEqual([0, 0]);
    const log = json(await two.ct(['log', 'cases.ledger', '--json', '--limit', '1000'])).entries.map((e: any) => e.case);
    // The writers did interleave: the ledger switches between their cases more than once.
    const owner = log.filter((c: string) => c.startsWith('P-')).map((c: string) => (A.includes(c) ? 'a' : 'b'));
    const switches = owner.filter((o: string, i: number) => i > 0 && o !== owner[i - 1]).length;
    expect(switches).toBeGreaterThan(1);

    const expected = byCase(await one.ct(['alerts', 'cases.ledger', '--json']));
    expect(Object.keys(expected).length).toBeGreaterThan(10);
    expect(byCase(await two.ct(['alerts', 'cases.ledger', '--json']))).toEqual(expected);
    const audit = await two.ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey']);
    expect(audit.code, audit.out).toBe(0);
  });
});
