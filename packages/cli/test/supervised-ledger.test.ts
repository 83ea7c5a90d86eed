/**
 * Supervision with v2 entries and idempotency keys through the command
 * line: a screened step sent again (`--idempotency-key`, an NDJSON "key")
 * raises its alerts once, a dry run of it writes nothing and says why;
 * `verify` and `audit` know supervision's entries, so a clean supervised
 * ledger verifies clean while another layer's entries are still reported;
 * the offline verifier checks a supervised case's bundle as before; and
 * exit 4 is `casetrail`'s alone, in its code and in both bins' --help.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ledger } from '@casetrail/core';
import { cleanup, ledgerState, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const verifyCli = await import('@casetrail/verify/cli');
const core = await import('@casetrail/core');
const { SupervisionError } = await import('@casetrail/supervise');

afterAll(cleanup);

const json = (r: Result) => JSON.parse(r.out) as any;
const EXAMPLE = join(repoRoot, 'examples/rules/approval-supervision.yaml');
/** Over the example pack's fee standard: fee.over-standard, red. */
const overCharge = ['--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}'];

async function supervised(): Promise<{ ct: ReturnType<typeof runner>; dir: string }> {
  const dir = tempDir();
  const ct = runner(cli, () => dir);
  expect((await ct(['init', 'cases.ledger', '--origin', 'audit.example.gov/approvals', '--vkey-out', 'cases.vkey'])).code).toBe(0);
  expect((await ct(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00+08:00'])).code).toBe(0);
  expect((await ct(['rules', 'adopt', 'cases.ledger', EXAMPLE, '--time', '2025-09-01T08:00+08:00'])).code).toBe(0);
  return { ct, dir };
}

async function alertCount(ct: ReturnType<typeof runner>): Promise<number> {
  return json(await ct(['alerts', 'cases.ledger', '--json'])).alerts.length;
}

describe('a screened step sent again is appended and screened once', () => {
  it('append --idempotency-key: the second run gets the first receipt, no alert a second time; the audit is clean', async () => {
    const { ct, dir } = await supervised();
    const step = ['append', 'cases.ledger', '--case', 'XK-7', ...overCharge, '--time', '2025-09-02T09:00+08:00', '--idempotency-key', 'req-8812'];
    const first = await ct([...step, '--json']);
    expect(first.code).toBe(0);
    expect(json(first)).toMatchObject({ duplicate: false, alerts: [{ seq: json(first).seq + 1, rule: 'fee.over-standard', level: 'red' }] });
    const size = (await ledgerState(join(dir, 'cases.ledger'))).size;
    const again = await ct([...step, '--json']);
    expect(again.code).toBe(0);
    expect(json(again)).toMatchObject({ seq: json(first).seq, duplicate: true, alerts: [] });
    const text = await ct(step);
    expect(text.out).toBe(`already appended as entry ${json(first).seq} (case XK-7 step 1, with this idempotency key): nothing new was appended\n`);
    expect(text.out).not.toContain('⚠');
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(size);
    expect(await alertCount(ct)).toBe(1);
    // A dry run of it: nothing written, and it says the step was appended before.
    const dry = await ct([...step, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(json(dry)).toEqual({ dryRun: true, alerts: [], blocked: null, duplicate: true });
    expect((await ct([...step, '--dry-run'])).out).toMatch(/^dry run, nothing written: the step was appended before with this idempotency key/);
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(size);
    const audit = await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(json(audit).audit).toMatchObject({ findings: [], recorded: 1 });
  });

  it('an NDJSON import with keys, run again whole: the lines appended before raise nothing; their alerts are counted once', async () => {
    const { ct, dir } = await supervised();
    const lines = [1, 2, 3].map((i) => JSON.stringify({ case: `XK-${i}`, type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: `2025-09-0${i + 1}T09:00+08:00`, key: `import:${i}` }));
    writeFileSync(join(dir, 'fees.ndjson'), `${lines.slice(0, 2).join('\n')}\n`);
    const first = await ct(['append', 'cases.ledger', '--ndjson', 'fees.ndjson', '--json']);
    expect(first.code, first.err).toBe(0);
    expect(json(first)).toMatchObject({ appended: 2, duplicates: 0, alerts: 2 });
    writeFileSync(join(dir, 'fees.ndjson'), `${lines.join('\n')}\n`);
    const again = await ct(['append', 'cases.ledger', '--ndjson', 'fees.ndjson', '--json']);
    expect(again.code, again.err).toBe(0);
    expect(json(again)).toMatchObject({ appended: 1, duplicates: 2, alerts: 1 });
    const text = await ct(['append', 'cases.ledger', '--ndjson', 'fees.ndjson']);
    expect(text.out).toBe(`appended 0 entries in 1 transaction(s); 3 line(s) had been appended before with the same key: skipped; the ledger has ${(await ledgerState(join(dir, 'cases.ledger'))).size} entries\n`);
    expect(await alertCount(ct)).toBe(3);
    expect((await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey'])).code).toBe(0);
  });

  it('a batch committed without its checkpoint (SIGNER_FAILED): the report counts its lines and alerts from what it wrote, not from its growth', async () => {
    const { ct, dir } = await supervised();
    const line = (i: number) => JSON.stringify({ case: `XK-${i}`, type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: `2025-09-0${i + 1}T09:00+08:00`, key: `import:${i}` });
    writeFileSync(join(dir, 'one.ndjson'), `${line(1)}\n`);
    expect((await ct(['append', 'cases.ledger', '--ndjson', 'one.ndjson'])).code).toBe(0);
    const before = (await ledgerState(join(dir, 'cases.ledger'))).size;
    writeFileSync(join(dir, 'fees.ndjson'), `${[1, 2, 3].map(line).join('\n')}\n`);
    // The host signer fails after the commit: the entries are stored, their checkpoint is not (docs/errors.md).
    const appendMany = core.Ledger.prototype.appendMany;
    core.Ledger.prototype.appendMany = async function (this: Ledger, steps) {
      const receipts = await appendMany.call(this, steps);
      throw new core.LedgerError('SIGNER_FAILED', 'the signer failed; the entries are stored', { size: receipts[0]!.treeSize });
    };
    let r: Result;
    try {
      r = await ct(['append', 'cases.ledger', '--ndjson', 'fees.ndjson', '--json']);
    } finally {
      core.Ledger.prototype.appendMany = appendMany;
    }
    expect(r.code).toBe(3);
    // Lines 2 and 3 at seq before and before + 2, each followed by its alert; line 1 was appended before.
    expect(json(r)).toMatchObject({ error: { code: 'SIGNER_FAILED' }, appended: 2, duplicates: 1, committed: [{ firstLine: 1, lastLine: 3, firstSeq: before, lastSeq: before + 2, duplicates: 1 }], treeSize: before + 4 });
    expect((await ledgerState(join(dir, 'cases.ledger'))).size).toBe(before + 4);
  });
});

describe('verify knows supervision\'s entries; the offline verifier of bundles is unchanged', () => {
  it('a clean supervised ledger verifies clean (no SYSTEM_TYPE_UNKNOWN); trace shows its alert from the verified payload', async () => {
    const { ct } = await supervised();
    expect((await ct(['append', 'cases.ledger', '--case', 'XK-7', ...overCharge, '--time', '2025-09-02T09:00+08:00'])).code).toBe(0);
    expect((await ct(['tick', 'cases.ledger', '--now', '2025-09-03T09:00+08:00'])).code).toBe(0);
    const v = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(v.code, v.out).toBe(0);
    expect(json(v).issues).toEqual([]);
    expect(json(v).checked.systemEntries).toBeGreaterThanOrEqual(4);
    const t = await ct(['trace', 'cases.ledger', 'XK-7']);
    expect(t.code).toBe(0);
    expect(t.out).toContain('⚠ red 红牌 fee.over-standard');
  });

  it('a system entry of another layer is still reported (SYSTEM_TYPE_UNKNOWN, exit 1)', async () => {
    const { ct, dir } = await supervised();
    const l = await core.Ledger.open(join(dir, 'cases.ledger'), { signer: { keyFile: join(dir, 'cases.ledger.key') } });
    l.use({ name: 'other-layer', systemTypes: { 'casetrail.other.note': () => undefined } });
    await l.appendSystem([{ caseId: 'casetrail.system', type: 'casetrail.other.note', actor: 'other', data: {} }]);
    await l.close();
    const v = await ct(['verify', 'cases.ledger', '--vkey', 'cases.vkey', '--json']);
    expect(v.code).toBe(1);
    expect(json(v).issues.map((i: any) => i.code)).toEqual(['SYSTEM_TYPE_UNKNOWN']);
    expect((await ct(['audit', 'cases.ledger', '--vkey', 'cases.vkey'])).code).toBe(1);
  });

  it('casetrail-verify checks a supervised case\'s bundle, alerts included, with the verifier key alone', async () => {
    const { ct, dir } = await supervised();
    expect((await ct(['append', 'cases.ledger', '--case', 'XK-7', ...overCharge, '--time', '2025-09-02T09:00+08:00'])).code).toBe(0);
    expect((await ct(['export', 'cases.ledger', '--case', 'XK-7', '--out', 'xk7.bundle'])).code).toBe(0);
    const io = verifyCli.captureIo({ cwd: dir, env: {} });
    expect(await verifyCli.runVerify(['bundle', 'xk7.bundle', '--vkey', 'cases.vkey', '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdoutText());
    expect(r.ok).toBe(true);
    expect(r.steps.map((s: any) => [s.entry.type, s.verified, s.payload])).toEqual([
      ['fee.charged', true, 'verified'],
      ['casetrail.alert', true, 'verified'],
    ]);
    expect(r.steps[1].entry.data).toMatchObject({ rule: 'fee.over-standard', level: 'red' });
  });
});

describe('exit 4 is casetrail\'s alone', () => {
  it('classify gives a SupervisionError its exit code in the one shared table, also wrapped for a stopped import', () => {
    const blocked = new SupervisionError('RULE_BLOCKED', 'refused');
    expect(cli.classify(blocked)).toEqual({ exitCode: 4, code: 'RULE_BLOCKED', message: 'refused' });
    expect(verifyCli.classify(new verifyCli.StoppedError(blocked, 'note', {})).exitCode).toBe(4);
    expect(cli.classify(new SupervisionError('PACK_SYNTAX', 'x')).exitCode).toBe(2);
    expect(cli.classify(new SupervisionError('WRITER_STALE', 'x')).exitCode).toBe(3);
    // An error that only names itself so, with no string code, is not one.
    expect(cli.classify(Object.assign(new Error('x'), { name: 'SupervisionError' })).code).toBe('INTERNAL');
  });

  it('casetrail\'s --help lists exit 4; casetrail-verify\'s does not, for the program and each command', async () => {
    const dir = tempDir();
    const ct = runner(cli, () => dir);
    for (const argv of [['--help'], ['append', '--help'], ['verify-bundle', '--help']]) {
      expect((await ct(argv)).out, argv.join(' ')).toContain('Exit codes: 0 ok, 1 verification failed or tampering found, 2 usage error, 3 operational error, 4 refused by a blocking rule.');
    }
    for (const argv of [['--help'], ['bundle', '--help'], ['proof', '--help']]) {
      const io = verifyCli.captureIo({ cwd: dir, env: {} });
      expect(await verifyCli.runVerify(argv, io)).toBe(0);
      expect(io.stdoutText(), argv.join(' ')).toContain('Exit codes: 0 ok, 1 verification failed or tampering found, 2 usage error, 3 operational error.\n');
      expect(io.stdoutText()).not.toMatch(/\b4 refused/);
    }
  });
});
