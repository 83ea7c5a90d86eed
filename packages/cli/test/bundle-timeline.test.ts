/**
 * verify-bundle shows what a bundle proves (issue 9.3): the case timeline
 * like `trace` — step, time in --tz with its offset, type, actor, the data
 * pretty-printed, erasures — each marked verified or with its issue codes,
 * only from verified bytes, Chinese text aligned; --json gives the same
 * steps; counts never contradict the issues. Attacks follow the attacker's
 * order: the bundle is changed first, then the auditor runs the command.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild, restoredPayloadBundle, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { width, TIMELINE_WINDOW } = await import('@casetrail/verify/cli');

let dir: string;
const ct = runner(cli, () => dir);
const T0 = Date.UTC(2026, 10, 28, 0, 30); // 08:30 in Beijing

beforeAll(async () => {
  dir = tempDir();
  expect((await ct(['init', 'cases.ledger', '--origin', 'audit.example.gov/inspection', '--vkey-out', 'cases.vkey'])).code).toBe(0);
  const add = (c: string, type: string, actor: string, data: unknown, minutes: number) =>
    ct(['append', 'cases.ledger', '--case', c, '--type', type, '--actor', actor, '--data', JSON.stringify(data), '--time', String(T0 + minutes * 60_000)]);
  await add('JJ-2026-0042', 'case.opened', '办案人员:李明', { 来源: '举报电话', 摘要: '反映某局长违规收受礼金' }, 0);
  await add('JJ-2026-0042', 'evidence.added', 'clerk:li', { doc: 'bank statement', pages: 12 }, 30);
  await add('JJ-2026-0042', 'decision.made', '纪委常委会', { outcome: '警告', vote: { for: 5, against: 2 } }, 90);
  await add('OTHER-1', 'case.opened', 'clerk:wang', null, 100);
  expect((await ct(['redact', 'cases.ledger', '1', '--reason', '个人信息 — court order 17/2026', '--actor', 'dpo:wu'])).code).toBe(0);
  expect((await ct(['export', 'cases.ledger', '--case', 'JJ-2026-0042', '--out', 'case.bundle'])).code).toBe(0);
});
afterAll(cleanup);

const verifyBundle = (file: string, ...extra: string[]) => ct(['verify-bundle', file, '--vkey', 'cases.vkey', '--tz', 'Asia/Shanghai', ...extra]);
/** The rows of the timeline table (header included), without the data lines below them. */
const rows = (out: string) => out.split('\n').filter((l) => /^ {2}[✔✘] |^ +SEQ +CASE/.test(l));

describe('the timeline of a bundle', () => {
  it('shows each step with its time in the zone, type, actor and pretty data, marked verified', async () => {
    const r = await verifyBundle('case.bundle');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^evidence bundle case\.bundle\ntimeline \(times in Asia\/Shanghai;/);
    const [header, ...steps] = rows(r.out);
    expect(header).toMatch(/SEQ\s+CASE\s+STEP\s+TIME\s+TYPE\s+ACTOR\s+ISSUES$/);
    expect(steps).toHaveLength(4);
    expect(steps[0]).toMatch(/^ {2}✔ +0 {2}JJ-2026-0042 +1 {2}2026-11-28T08:30:00\+08:00 +case\.opened +办案人员:李明$/);
    expect(steps[2]).toMatch(/✔ +2 {2}JJ-2026-0042 +3 {2}2026-11-28T10:00:00\+08:00 +decision\.made +纪委常委会$/);
    expect(r.out).toContain('    data  {\n            "来源": "举报电话",\n            "摘要": "反映某局长违规收受礼金"\n          }\n');
    expect(r.out).toContain('            "vote": {\n              "for": 5,');
  });

  it('aligns the columns with wide characters counted as two', async () => {
    const lines = rows((await verifyBundle('case.bundle')).out);
    // Each row's TYPE column starts at the same display column as the header's.
    const at = (l: string, word: string) => width(l.slice(0, l.indexOf(word)));
    const typeAt = at(lines[0]!, 'TYPE');
    for (const [l, t] of [[lines[1], 'case.opened'], [lines[2], 'evidence.added'], [lines[3], 'decision.made']] as const) expect(at(l!, t)).toBe(typeAt);
    const actorAt = at(lines[0]!, 'ACTOR');
    expect(at(lines[1]!, '办案人员')).toBe(actorAt);
    expect(at(lines[3]!, '纪委常委会')).toBe(actorAt);
  });

  it('shows an erased payload with its proven redaction: by whom, when, why', async () => {
    const out = (await verifyBundle('case.bundle')).out;
    expect(out).toMatch(/\n {4}data {2}erased by entry 4 \(casetrail\.redaction by dpo:wu at \d{4}-\d\d-\d\dT[\d:.]+\+08:00\): "个人信息 — court order 17\/2026"\n/);
    expect(out).toMatch(/payloads\s+3 matched their commitments, 1 erased by proven redaction/);
  });

  it('--json gives the same steps decoded, then the report, in one document', async () => {
    const r = await verifyBundle('case.bundle', '--json');
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ ok: true, entries: 4, checked: { proofs: 4, payloads: 3, redactions: 1 } });
    expect(doc.steps).toHaveLength(4);
    expect(doc.steps[0]).toMatchObject({ line: 2, seq: 0, proven: true, verified: true, issues: [], payload: 'verified', entry: { case: 'JJ-2026-0042', step: 1, actor: '办案人员:李明', time: T0, data: { 来源: '举报电话' } } });
    expect(doc.steps[1]).toMatchObject({ payload: 'erased', entry: { redacted: true, data: null }, redaction: { seq: 4, actor: 'dpo:wu', reason: '个人信息 — court order 17/2026' } });
    // The entry object is the one of trace and show.
    const show = JSON.parse((await ct(['show', 'cases.ledger', '2', '--json'])).out);
    expect(doc.steps[2].entry).toEqual(show);
  });
});

describe('values only from verified bytes, counts only of what verified', () => {
  const text = () => readFileSync(join(dir, 'case.bundle'), 'utf8').split('\n');
  const write = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n'));

  it('a payload changed in the bundle: the step is marked, its data not shown, the count says 2 matched', async () => {
    const ls = text();
    const o = JSON.parse(ls[3]!);
    o.payload = Buffer.from(Buffer.from(o.payload, 'base64').toString().replace('警告', '无罪')).toString('base64');
    ls[3] = JSON.stringify(o);
    write('payload.bundle', ls);
    for (const r of [await verifyBundle('payload.bundle'), await verifyBundle('payload.bundle', '--json')]) {
      expect(r.code).toBe(1);
      expect(r.out).not.toContain('无罪');
    }
    const r = await verifyBundle('payload.bundle');
    expect(rows(r.out)[3]).toMatch(/^ {2}✘ +2 .*纪委常委会 +PAYLOAD_COMMITMENT_MISMATCH$/);
    expect(r.out).toContain("    data  not shown: the payload does not match the entry's commitment\n");
    expect(r.out).toMatch(/payloads\s+2 matched their commitments, 1 erased by proven redaction/);
    expect(r.out).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH \(line 4\)/);
    const doc = JSON.parse((await verifyBundle('payload.bundle', '--json')).out);
    expect(doc.checked.payloads).toBe(2);
    expect(doc.steps[2]).toMatchObject({ proven: true, verified: false, payload: 'failed', issues: ['PAYLOAD_COMMITMENT_MISMATCH'], entry: { data: null } });
  });

  it('an entry whose bytes were changed: no field of it is shown, nor counted, nor summarised as a case', async () => {
    const ls = text();
    const o = JSON.parse(ls[1]!);
    const e = core.decodeEntry(Buffer.from(o.entry, 'base64'));
    o.entry = Buffer.from(core.encodeEntry({ ...e, caseId: 'JJ-FORGED', actor: '假冒者' })).toString('base64');
    ls[1] = JSON.stringify(o);
    write('forged.bundle', ls);
    const r = await verifyBundle('forged.bundle');
    expect(r.code).toBe(1);
    // The timeline and the summary (everything before the issue list) show nothing of the forged line;
    // an issue may quote what the line claims, as the claim it refuses.
    expect(r.out.slice(0, r.out.indexOf('\n✘ '))).not.toMatch(/JJ-FORGED|假冒者/);
    expect(rows(r.out)[1]).toMatch(/^ {2}✘ +— +PROOF_INVALID FILTER_MISMATCH$/);
    expect(r.out).toContain('    data  not shown: line 2 is not proven by the signed checkpoint\n');
    expect(r.out).toMatch(/entries\s+4, 3 proven by inclusion proof/);
    const doc = JSON.parse((await verifyBundle('forged.bundle', '--json')).out);
    expect(doc.steps[0]).toEqual({ line: 2, seq: 0, proven: false, verified: false, issues: expect.arrayContaining(['PROOF_INVALID']), payload: 'failed' });
    expect(doc.cases.map((c: { caseId: string }) => c.caseId)).toEqual(['JJ-2026-0042']);
    expect(JSON.stringify(doc.steps)).not.toMatch(/JJ-FORGED|假冒者/);
  });
});

describe('a payload carried together with the redaction that erased it', () => {
  it('is shown neither at its own row nor in --json, from a file or from standard input, though its row comes before the redaction', async () => {
    expect((await ct(['init', 'erased.ledger', '--origin', 'audit.example.gov/erased', '--vkey-out', 'erased.vkey'])).code).toBe(0);
    expect((await ct(['append', 'erased.ledger', '--case', 'E-1', '--type', 'complaint', '--actor', 'clerk', '--data', '{"举报人":"刘某某"}'])).code).toBe(0);
    expect((await ct(['append', 'erased.ledger', '--case', 'E-1', '--type', 'reviewed', '--actor', 'officer', '--data', '{"ok":true}'])).code).toBe(0);
    // The holder puts the erased payload back into its line of an honest bundle (written to restored.bundle).
    const hostile = await restoredPayloadBundle(ct, dir, 'erased.ledger', 'E-1');
    const check = (...extra: string[]) => ct(['verify-bundle', ...extra, '--vkey', 'erased.vkey', '--tz', 'Asia/Shanghai']);
    for (const [r, where] of [[await check('restored.bundle'), 'file'], [await check('-', '--json'), 'stdin'], [await check('restored.bundle', '--json'), 'file']] as const) {
      expect(r.code, where).toBe(1);
      expect(r.out, where).not.toContain('刘某某');
    }
    // Standard input is read twice through a private copy, removed at the end.
    const spool = join(dir, 'spool');
    mkdirSync(spool);
    const tmp = process.env['TMPDIR'];
    process.env['TMPDIR'] = spool;
    let piped;
    try {
      piped = await ct(['verify-bundle', '-', '--vkey', 'erased.vkey', '--tz', 'Asia/Shanghai'], { stdin: hostile });
    } finally {
      if (tmp === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = tmp;
    }
    expect(readdirSync(spool)).toEqual([]);
    const r = await check('restored.bundle');
    expect(piped.out.replace('evidence bundle -', 'evidence bundle restored.bundle')).toBe(r.out);
    expect(piped.out).not.toContain('刘某某');
    expect(rows(r.out)[1]).toMatch(/^ {2}✘ +0 {2}E-1 +1 .*complaint +clerk$/);
    expect(r.out).toContain('    data  not shown: a redaction entry later in this bundle erased this payload');
    expect(r.out).toMatch(/✘ REDACTION_INVALID \(line 4\): redaction entry 2 erased the payload of entry 0/);
    const doc = JSON.parse((await ct(['verify-bundle', '-', '--vkey', 'erased.vkey', '--json'], { stdin: hostile })).out);
    expect(doc.steps[0]).toMatchObject({ seq: 0, proven: true, verified: false, payload: 'refused', entry: { ok: false, payload: 'restored', data: null, version: 2 } });
    expect(doc.issues.map((i: { code: string; line: number }) => [i.code, i.line])).toEqual([['REDACTION_INVALID', 4]]);
  });
});

describe('a large bundle', () => {
  it('prints the timeline in aligned windows as it verifies, without holding the bundle', async () => {
    const ledger = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
    await ledger.appendMany(Array.from({ length: 150 }, (_, i) => ({ caseId: `BULK-${i % 7}`, type: 'step', actor: i % 2 ? '审查员' : 'x', data: { i } })));
    let bundle = '';
    await ledger.exportBundle((l) => void (bundle += l));
    await ledger.close();
    writeFileSync(join(dir, 'large.bundle'), bundle);
    const io = cli.captureIo({ cwd: dir });
    const writes: string[] = [];
    const out = io.stdout.write.bind(io.stdout);
    (io.stdout as { write: (s: string) => boolean }).write = (s: string) => (writes.push(s), out(s));
    expect(await cli.run(['verify-bundle', 'large.bundle', '--vkey', 'cases.vkey'], io)).toBe(0);
    const windows = Math.ceil(155 / TIMELINE_WINDOW);
    expect(rows(io.stdoutText()).filter((l) => /SEQ\s+CASE/.test(l))).toHaveLength(windows);
    // One write per window of steps, then the summary: the rows were not held until the end.
    expect(writes.length).toBeGreaterThanOrEqual(windows + 2);
  });
});
