/**
 * casetrail-verify, the offline verifier (issue 9.2): each command checks an
 * artifact exactly as the main CLI's verify command does — same exit code,
 * same stdout (human and --json), same error code — because both call the
 * same functions of @casetrail/verify/cli. Artifacts are made by the CLI,
 * then changed as an attacker would before the auditor runs the check.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const verify = await import('@casetrail/verify/cli');
const core = await import('@casetrail/core');

let dir: string;
let vkey: string;
const ct = runner(cli, () => dir);
async function cv(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Result> {
  const io = verify.captureIo({ cwd: dir, env: options.env ?? {}, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
  const code = await verify.runVerify(argv, io);
  return { code, out: io.stdoutText(), err: io.stderrText() };
}
const WITNESS_SEED = Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 1);
let witness: string;
const other = core.generateKeyPair('other.example/log').vkey;

beforeAll(async () => {
  dir = tempDir();
  vkey = (await ct(['init', 'cases.ledger', '--origin', 'audit.example.gov/inspection', '--vkey-out', 'cases.vkey'])).out.trim();
  const add = (c: string, type: string, actor: string, data: string) => ct(['append', 'cases.ledger', '--case', c, '--type', type, '--actor', actor, '--data', data]);
  await add('JJ-2026-0042', 'case.opened', 'clerk:李', '{"source":"举报电话"}');
  await add('JJ-2026-0042', 'decision.made', 'committee', '{"outcome":"warning"}');
  await ct(['checkpoint', 'cases.ledger', '--out', 'old.checkpoint']);
  await add('JJ-2026-0043', 'case.opened', 'clerk:li', '{"source":"letter"}');
  await ct(['redact', 'cases.ledger', '0', '--reason', 'court order 17/2026', '--actor', 'dpo:wu']);
  expect((await ct(['prove', 'cases.ledger', '1', '--out', 'p1.tlog-proof'])).code).toBe(0);
  expect((await ct(['consistency', 'cases.ledger', '--from', 'old.checkpoint', '--out', 'add.body'])).code).toBe(0);
  expect((await ct(['export', 'cases.ledger', '--case', 'JJ-2026-0042', '--out', 'case.bundle'])).code).toBe(0);
  expect((await ct(['export', 'cases.ledger', '--out', 'all.bundle'])).code).toBe(0);
  expect((await ct(['checkpoint', 'cases.ledger', '--out', 'latest.checkpoint'])).code).toBe(0);
  // A witness cosigns the latest checkpoint; the ledger keeps the line.
  witness = core.formatCosignatureVerifierKey('witness.example.org', core.ed25519PublicKey(WITNESS_SEED));
  writeFileSync(join(dir, 'witness.vkey'), `${witness}\n`);
  const ledger = await core.Ledger.open(join(dir, 'cases.ledger'));
  const cp = (await ledger.latestCheckpoint())!;
  const cosigned = await ledger.attachCosignature(cp.size, core.signCosignature(cp.note, 'witness.example.org', WITNESS_SEED, 1_795_000_000), witness);
  await ledger.close();
  writeFileSync(join(dir, 'cosigned.checkpoint'), cosigned.note);
  // What an attacker hands the auditor instead.
  const text = (f: string) => readFileSync(join(dir, f), 'utf8');
  writeFileSync(join(dir, 'index.tlog-proof'), text('p1.tlog-proof').replace(/^index 1$/m, 'index 0'));
  writeFileSync(join(dir, 'hash.tlog-proof'), text('p1.tlog-proof').replace(/\n\n/, '\n').replace(/\n([A-Za-z0-9+/]{43}=)\n/, (_m, h: string) => `\n${h.startsWith('A') ? 'B' : 'A'}${h.slice(1)}\n`) + '');
  writeFileSync(join(dir, 'size.body'), text('add.body').replace(/^old 2$/m, 'old 1'));
  const lines = text('case.bundle').split('\n');
  const o = JSON.parse(lines[2]!);
  o.payload = Buffer.from(Buffer.from(o.payload, 'base64').toString().replace('warning', 'acquitted')).toString('base64');
  writeFileSync(join(dir, 'payload.bundle'), [...lines.slice(0, 2), JSON.stringify(o), ...lines.slice(3)].join('\n'));
  writeFileSync(join(dir, 'cut.bundle'), lines.slice(0, 3).join('\n') + '\n');
  writeFileSync(join(dir, 'size.checkpoint'), text('latest.checkpoint').replace(/\n(\d+)\n/, '\n9\n'));
  writeFileSync(join(dir, 'private.vkey'), readFileSync(join(dir, 'cases.ledger.key')));
  writeFileSync(join(dir, 'big.tlog-proof'), Buffer.alloc(1_048_576 + 131_072 + 1, 0x41));
});
afterAll(cleanup);

describe('casetrail-verify checks an artifact exactly as casetrail does', () => {
  const rows: Array<[string, string[], string[], number]> = [
    ['a proof', ['verify-proof', 'p1.tlog-proof'], ['proof', 'p1.tlog-proof'], 0],
    ['a proof moved to another index', ['verify-proof', 'index.tlog-proof'], ['proof', 'index.tlog-proof'], 1],
    ['a proof with a changed hash', ['verify-proof', 'hash.tlog-proof'], ['proof', 'hash.tlog-proof'], 1],
    ['a proof too large to read', ['verify-proof', 'big.tlog-proof'], ['proof', 'big.tlog-proof'], 1],
    ['a missing proof', ['verify-proof', 'none.tlog-proof'], ['proof', 'none.tlog-proof'], 3],
    ['a body', ['verify-consistency', 'add.body', '--from', 'old.checkpoint'], ['consistency', 'add.body', '--from', 'old.checkpoint'], 0],
    ['a body from another size', ['verify-consistency', 'size.body', '--from', 'old.checkpoint'], ['consistency', 'size.body', '--from', 'old.checkpoint'], 1],
    ['a body checked from nothing trusted', ['verify-consistency', 'add.body', '--from', '0'], ['consistency', 'add.body', '--from', '0'], 1],
    ['a case bundle', ['verify-bundle', 'case.bundle', '--tz', 'Asia/Shanghai'], ['bundle', 'case.bundle', '--tz', 'Asia/Shanghai'], 0],
    ['a whole-ledger bundle', ['verify-bundle', 'all.bundle'], ['bundle', 'all.bundle'], 0],
    ['a bundle with a changed payload', ['verify-bundle', 'payload.bundle'], ['bundle', 'payload.bundle'], 1],
    ['a bundle cut short', ['verify-bundle', 'cut.bundle', '--max-issues', '1'], ['bundle', 'cut.bundle', '--max-issues', '1'], 1],
  ];
  const keyed = (argv: string[], key: string) => [argv[0]!, argv[1]!, '--vkey', key, ...argv.slice(2)];

  it.each(rows)('%s: same exit code and output, human and --json', async (_n, main, offline, exit) => {
    for (const json of [[], ['--json']]) {
      const a = await ct([...keyed(main, 'cases.vkey'), ...json]);
      const b = await cv([...keyed(offline, 'cases.vkey'), ...json]);
      expect(a.code).toBe(exit);
      expect(b.code).toBe(exit);
      expect(b.out).toBe(a.out);
      expect(b.err).toBe(a.err.replace(`casetrail ${main[0]}:`, `casetrail-verify ${offline[0]}:`));
    }
  });

  it.each([
    ['another ledger\'s key', other, 1, 'UNKNOWN_KEY'],
    ['a private key', 'private.vkey', 2, 'PRIVATE_KEY_AS_VKEY'],
    ['an empty key', ' ', 2, 'USAGE'],
  ] as const)('with %s: the same refusal', async (_n, key, exit, code) => {
    for (const [main, offline] of rows.slice(0, 1).concat(rows.slice(5, 6), rows.slice(8, 9)).map((r) => [r[1], r[2]] as const)) {
      const a = await ct([...keyed(main, key), '--json']);
      const b = await cv([...keyed(offline, key), '--json']);
      expect([a.code, b.code]).toEqual([exit, exit]);
      expect(b.out).toBe(a.out);
      if (code !== 'UNKNOWN_KEY' || main[0] !== 'verify-bundle') expect(JSON.parse(b.out).error.code).toBe(code);
    }
  });
});

describe('casetrail-verify checkpoint', () => {
  it('checks the signature, the origin and the witnesses it is asked to', async () => {
    const ok = await cv(['checkpoint', 'latest.checkpoint', '--vkey', 'cases.vkey']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/✔ the checkpoint is signed by audit\.example\.gov\/inspection's key\n/);
    expect(ok.out).toMatch(/size\s+4 entries/);
    const j = JSON.parse((await cv(['checkpoint', 'cosigned.checkpoint', '--vkey', vkey, '--witness', 'witness.vkey', '--json', '--tz', 'Asia/Shanghai'])).out);
    expect(j).toMatchObject({ ok: true, origin: 'audit.example.gov/inspection', size: 4, signedBy: ['audit.example.gov/inspection'], unchecked: 0 });
    expect(j.witnesses).toEqual([{ name: 'witness.example.org', keyId: expect.stringMatching(/^[0-9a-f]{8}$/), timestamp: 1_795_000_000, timeIso: '2026-11-18T11:06:40.000Z' }]);
    const human = await cv(['checkpoint', 'cosigned.checkpoint', '--vkey', vkey, '--witness', witness, '--tz', 'Asia/Shanghai']);
    expect(human.out).toMatch(/cosigned\s+by witness\.example\.org\+[0-9a-f]{8} at 2026-11-18T19:06:40\+08:00/);
    const unchecked = await cv(['checkpoint', 'cosigned.checkpoint', '--vkey', vkey]);
    expect(unchecked.out).toMatch(/other lines\s+1 signature line\(s\) by keys not given \(not checked/);
  });

  const refusals: Array<[string, string[], number, string]> = [
    ['a changed size', ['checkpoint', 'size.checkpoint', '--vkey', 'cases.vkey'], 1, 'INVALID_SIGNATURE'],
    ["another ledger's key", ['checkpoint', 'latest.checkpoint', '--vkey', other], 1, 'UNKNOWN_KEY'],
    ['a witness that did not cosign (its policy is not met)', ['checkpoint', 'latest.checkpoint', '--vkey', 'cases.vkey', '--witness', 'witness.vkey'], 1, 'WITNESS_QUORUM_NOT_MET'],
    ['a witness key that is not one', ['checkpoint', 'cosigned.checkpoint', '--vkey', 'cases.vkey', '--witness', 'cases.vkey'], 3, 'MALFORMED_KEY'],
    ['a proof given as a checkpoint', ['checkpoint', 'p1.tlog-proof', '--vkey', 'cases.vkey'], 1, 'INVALID_SIGNATURE'],
    ['a bundle given as a checkpoint', ['checkpoint', 'case.bundle', '--vkey', 'cases.vkey'], 1, 'MALFORMED_NOTE'],
    ['a file too large to be a checkpoint', ['checkpoint', 'big.tlog-proof', '--vkey', 'cases.vkey'], 1, 'INPUT_TOO_LARGE'],
  ];
  it.each(refusals)('refuses %s', async (_n, argv, exit, code) => {
    const r = await cv([...argv, '--json']);
    expect(r.code).toBe(exit);
    expect(JSON.parse(r.out).error.code).toBe(code);
    expect(r.err).toMatch(new RegExp(`^casetrail-verify checkpoint: error \\[${code}\\]`));
  });

  it("refuses a witness's line that does not verify", async () => {
    const note = readFileSync(join(dir, 'cosigned.checkpoint'), 'utf8');
    const line = note.trimEnd().split('\n').pop()!;
    const forged = line.slice(0, -8) + (line.slice(-8, -7) === 'A' ? 'B' : 'A') + line.slice(-7);
    writeFileSync(join(dir, 'forged.checkpoint'), note.replace(line, forged));
    const r = await cv(['checkpoint', 'forged.checkpoint', '--vkey', 'cases.vkey', '--witness', 'witness.vkey']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error \[(INVALID_SIGNATURE|MALFORMED_NOTE)\]/);
  });
});

describe('the casetrail-verify command line', () => {
  const usage: Array<[string, string[], RegExp]> = [
    ['no command', [], /Usage: casetrail-verify <command>/],
    ['an unknown command', ['frobnicate', 'x'], /unknown command "frobnicate"/],
    ['an unknown option', ['proof', 'p1.tlog-proof', '--vkey', 'cases.vkey', '--colour'], /Unknown option '--colour'/],
    ['no file', ['bundle', '--vkey', 'cases.vkey'], /missing argument <file\|->/],
    ['two files', ['bundle', 'a', 'b', '--vkey', 'cases.vkey'], /one file at a time/],
    ['no --vkey', ['proof', 'p1.tlog-proof'], /required option --vkey/],
    ['an option where --vkey needs its value', ['proof', 'p1.tlog-proof', '--vkey', '--json'], /--vkey.*argument is ambiguous/s],
    ['a --max-issues that is not a number', ['bundle', 'case.bundle', '--vkey', 'cases.vkey', '--max-issues', 'x', '--json'], /--max-issues must be a whole number/],
    ['no --from', ['consistency', 'add.body', '--vkey', 'cases.vkey'], /required option --from/],
    ['help for an unknown command', ['help', 'nope'], /unknown command "nope"/],
  ];
  it.each(usage)('exits 2 for %s, on stderr only', async (_n, argv, message) => {
    const r = await cv(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it.each(['proof', 'consistency', 'bundle', 'checkpoint'])('%s --help: usage, what it proves, an example, --json, the documentation', async (c) => {
    for (const argv of [[c, '--help'], ['help', c], [c, '-h']]) {
      const r = await cv(argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: casetrail-verify ${c} <file|-> --vkey <vkey|file>`);
      expect(r.out).toMatch(/What it proves: /);
      expect(r.out).toMatch(/Example:\n {2}\$ casetrail-verify /);
      expect(r.out).toContain('--json');
      const docs = /Documentation: (\S+)/.exec(r.out)![1]!;
      expect(readFileSync(docs, 'utf8')).toMatch(/^# The offline verifier/);
    }
  });

  it('--help lists the commands; --version is the package version', async () => {
    const h = await cv(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['proof', 'consistency', 'bundle', 'checkpoint']) expect(h.out).toMatch(new RegExp(`\\n  ${c} <file\\|->`));
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages/verify/package.json'), 'utf8'));
    expect((await cv(['--version'])).out).toBe(`${pkg.version}\n`);
  });

  it('the installed bin runs it in a child process, reading standard input for -', () => {
    const bin = join(repoRoot, 'packages/verify/bin/casetrail-verify.js');
    const r = spawnSync(process.execPath, [bin, 'proof', '-', '--vkey', vkey, '--json'], { cwd: dir, input: readFileSync(join(dir, 'p1.tlog-proof')), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, index: 1, entry: { case: 'JJ-2026-0042', type: 'decision.made' } });
    const bad = spawnSync(process.execPath, [bin, 'bundle', 'payload.bundle', '--vkey', 'cases.vkey'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(bad.status).toBe(1);
    expect(bad.stdout).not.toContain('acquitted');
  });
});

describe('casetrail-verify.mjs, the single file for a machine with no registry', () => {
  const dist = join(repoRoot, 'packages/verify/dist');

  it('is one ES module that imports nothing but node: modules, with its SHA-256 beside it', async () => {
    const bytes = readFileSync(join(dist, 'casetrail-verify.mjs'));
    const { createHash } = await import('node:crypto');
    expect(readFileSync(join(dist, 'casetrail-verify.mjs.sha256'), 'utf8')).toBe(`${createHash('sha256').update(bytes).digest('hex')}  casetrail-verify.mjs\n`);
    const specifiers = [...bytes.toString('utf8').matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((s) => !s.startsWith('node:'))).toEqual([]);
    expect(bytes.toString('utf8')).not.toMatch(/\brequire\(|better-sqlite3|@casetrail\/core/);
  });

  it('runs with node alone from a folder with no node_modules, and answers as casetrail does', async () => {
    const alone = tempDir();
    for (let d = alone; d !== join(d, '..'); d = join(d, '..')) expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
    copyFileSync(join(dist, 'casetrail-verify.mjs'), join(alone, 'casetrail-verify.mjs'));
    for (const f of ['p1.tlog-proof', 'case.bundle', 'payload.bundle', 'add.body', 'old.checkpoint', 'cosigned.checkpoint', 'cases.vkey', 'witness.vkey']) copyFileSync(join(dir, f), join(alone, f));
    const run = (...argv: string[]) => spawnSync(process.execPath, ['casetrail-verify.mjs', ...argv], { cwd: alone, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', TZ: 'Asia/Shanghai' } });
    const cases: Array<[string[], string[], number]> = [
      [['proof', 'p1.tlog-proof'], ['verify-proof', 'p1.tlog-proof'], 0],
      [['bundle', 'case.bundle'], ['verify-bundle', 'case.bundle'], 0],
      [['bundle', 'payload.bundle', '--json'], ['verify-bundle', 'payload.bundle', '--json'], 1],
      [['consistency', 'add.body', '--from', 'old.checkpoint'], ['verify-consistency', 'add.body', '--from', 'old.checkpoint'], 0],
    ];
    for (const [offline, main, exit] of cases) {
      const r = run(...offline, '--vkey', 'cases.vkey');
      const expected = await ct([main[0]!, main[1]!, '--vkey', 'cases.vkey', ...main.slice(2)], { env: { TZ: 'Asia/Shanghai' } });
      expect(r.status, r.stderr).toBe(exit);
      expect(r.stdout).toBe(expected.out);
    }
    const cp = run('checkpoint', 'cosigned.checkpoint', '--vkey', 'cases.vkey', '--witness', 'witness.vkey');
    expect(cp.status).toBe(0);
    expect(run('--help').stdout).toMatch(/Documentation: docs\/auditor\.md and docs\/errors\.md of the @casetrail\/verify package/);
  });
});
