/**
 * Bad input to the commands, table-driven (issue 9.4, 9.5, 9.8): for each
 * case the code, the exit status, the message, and that the ledger is
 * unchanged.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, ledgerState, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');

let dir: string;
const transcript: string[] = [];
const ct = runner(cli, () => dir, transcript);
const ORIGIN = 'example.org/bad-input';
let vkey: string;
let secret: string;

/** Invalid UTF-8 as Node hands it to a program: each bad byte decoded as U+FFFD. */
const BAD_UTF8 = 'case-\ufffd\ufffd';
/** 案件 (case) in GBK, as a Chinese office's tools write it: not UTF-8. */
const GBK = Buffer.from([0xb0, 0xb8, 0xbc, 0xfe]);

beforeAll(async () => {
  dir = tempDir();
  const init = await ct(['init', 'l.ledger', '--origin', ORIGIN, '--vkey-out', 'l.vkey']);
  expect(init.code).toBe(0);
  vkey = init.out.trim();
  secret = (await import('node:fs')).readFileSync(join(dir, 'l.ledger.key'), 'utf8').trim();
  expect((await ct(['append', 'l.ledger', '--case', 'C-1', '--type', 'opened', '--actor', 'clerk', '--data', '{"a":1}'])).code).toBe(0);
  writeFileSync(join(dir, 'gbk.json'), Buffer.concat([Buffer.from('{"subject":"'), GBK, Buffer.from('"}')]));
  writeFileSync(join(dir, 'gbk.ndjson'), Buffer.concat([Buffer.from('{"case":"N","type":"t","actor":"a"}\n{"case":"N","type":"t","actor":"a","data":"'), GBK, Buffer.from('"}\n')]));
  writeFileSync(join(dir, 'bidi.ndjson'), '{"case":"N","type":"t","actor":"a"}\n{"case":"N\u202eX","type":"t","actor":"a"}\n');
  writeFileSync(join(dir, 'private.vkey'), `${secret}\n`);
  chmodSync(join(dir, 'private.vkey'), 0o600);
  writeFileSync(join(dir, 'big.json'), Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
  mkdirSync(join(dir, 'a-directory'));
});

afterAll(() => {
  for (const t of transcript) expect(t).not.toContain('PRIVATE+KEY');
  cleanup();
});

const append = (...more: string[]) => ['append', 'l.ledger', '--case', 'C-1', '--type', 't', '--actor', 'a', ...more];

type Row = [name: string, argv: string[], exit: number, code: string, message: RegExp, stdin?: string | Uint8Array];

describe('text that is not UTF-8 is refused, naming the field and the fix; nothing is stored', () => {
  const rows: Row[] = [
    ['--case', ['append', 'l.ledger', '--case', BAD_UTF8, '--type', 't', '--actor', 'a'], 2, 'INVALID_UTF8', /--case is not valid UTF-8.*iconv -f GBK -t UTF-8/],
    ['--type', ['append', 'l.ledger', '--case', 'C-1', '--type', BAD_UTF8, '--actor', 'a'], 2, 'INVALID_UTF8', /--type is not valid UTF-8/],
    ['--actor', ['append', 'l.ledger', '--case', 'C-1', '--type', 't', '--actor', BAD_UTF8], 2, 'INVALID_UTF8', /--actor is not valid UTF-8/],
    ['--data', append('--data', `{"s":"${BAD_UTF8}"}`), 2, 'INVALID_UTF8', /--data is not valid UTF-8.*\\ufffd/],
    ['a GBK --data-file', append('--data-file', 'gbk.json'), 2, 'INVALID_UTF8', /--data-file gbk\.json is not valid UTF-8 \(byte 12 is 0xb0\).*iconv -f GBK -t UTF-8 gbk\.json > gbk\.json\.utf8/],
    ['GBK on stdin (--data-file -)', append('--data-file', '-'), 2, 'INVALID_UTF8', /--data-file - \(standard input\) is not valid UTF-8.*iconv -f GBK -t UTF-8 < input/, Buffer.concat([Buffer.from('"'), GBK, Buffer.from('"')])],
    ['a GBK line of --ndjson', ['append', 'l.ledger', '--ndjson', 'gbk.ndjson'], 2, 'INVALID_UTF8', /line 2 of gbk\.ndjson is not valid UTF-8.*iconv -f GBK -t UTF-8 gbk\.ndjson/],
    ['init --origin', ['init', 'new.ledger', '--origin', `example.org/${BAD_UTF8}`], 2, 'INVALID_UTF8', /--origin is not valid UTF-8/],
    ['keygen --name', ['keygen', '--name', BAD_UTF8, '--out', 'n.key'], 2, 'INVALID_UTF8', /--name is not valid UTF-8/],
    ['redact --reason', ['redact', 'l.ledger', '0', '--reason', `court order ${BAD_UTF8}`, '--actor', 'dpo'], 2, 'INVALID_UTF8', /--reason is not valid UTF-8/],
    ['redact --actor', ['redact', 'l.ledger', '0', '--reason', 'court order', '--actor', BAD_UTF8], 2, 'INVALID_UTF8', /--actor is not valid UTF-8/],
  ];
  it.each(rows)('%s', async (_n, argv, exit, code, message, stdin) => {
    const before = await ledgerState(join(dir, 'l.ledger'));
    const r = await ct([...argv, '--json'], stdin === undefined ? {} : { stdin });
    expect(r.code).toBe(exit);
    expect(r.err).toContain(`error [${code}]`);
    expect(r.err).toMatch(message);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code, exitCode: exit } });
    expect(r.err).not.toMatch(/bundle line/);
    expect(await ledgerState(join(dir, 'l.ledger'))).toEqual(before);
    for (const f of ['new.ledger', 'n.key']) expect(existsSync(join(dir, f))).toBe(false);
  });

  it('real invalid bytes in argv (a GBK terminal) are refused by the binary', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${binPath}" append l.ledger --case "$(printf 'C-\\xb0\\xb8')" --type t --actor a`], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error \[INVALID_UTF8\]: --case is not valid UTF-8/);
  });
});

describe('invisible and bidirectional characters in ids are refused', () => {
  const chars: Array<[string, string]> = [
    ['U+202E right-to-left override', '\u202e'],
    ['U+200B zero width space', '\u200b'],
    ['U+200F right-to-left mark', '\u200f'],
    ['U+2066 left-to-right isolate', '\u2066'],
    ['U+FEFF byte order mark', '\ufeff'],
    ['U+00AD soft hyphen', '\u00ad'],
    ['U+2028 line separator', '\u2028'],
  ];
  const fields = ['--case', '--type', '--actor'] as const;
  const rows: Row[] = chars.flatMap(([name, c], i) => {
    const field = fields[i % fields.length]!;
    const argv = ['append', 'l.ledger', '--case', 'C-1', '--type', 't', '--actor', 'a'];
    argv[argv.indexOf(field) + 1] = `X${c}Y`;
    const cp = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return [[`${name} in ${field}`, argv, 2, 'INVISIBLE_CHARACTER', new RegExp(`${field} "X\\\\u\\{${c.codePointAt(0)!.toString(16)}\\}Y" holds U\\+${cp}`)]] as Row[];
  });
  rows.push(
    ['in a line of --ndjson', ['append', 'l.ledger', '--ndjson', 'bidi.ndjson'], 2, 'INVISIBLE_CHARACTER', /line 2: "case" "N\\u\{202e\}X" holds U\+202E/],
    ['in init --origin', ['init', 'new.ledger', '--origin', 'example.org/\u202ecases'], 2, 'INVISIBLE_CHARACTER', /--origin/],
    ['in keygen --name', ['keygen', '--name', 'officer\u200b7', '--out', 'n.key'], 2, 'INVISIBLE_CHARACTER', /--name/],
    ['in redact --actor', ['redact', 'l.ledger', '0', '--reason', 'x', '--actor', 'dpo\u2069'], 2, 'INVISIBLE_CHARACTER', /--actor/],
  );
  it.each(rows)('%s', async (_n, argv, exit, code, message) => {
    const before = await ledgerState(join(dir, 'l.ledger'));
    const r = await ct(argv);
    expect(r.code).toBe(exit);
    expect(r.err).toContain(`error [${code}]`);
    expect(r.err).toMatch(message);
    // The message shows the character escaped, never raw.
    expect(r.err).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad\u2028]/);
    expect(await ledgerState(join(dir, 'l.ledger'))).toEqual(before);
    expect(existsSync(join(dir, 'new.ledger'))).toBe(false);
  });
});

describe('times, keys, paths and sizes', () => {
  const rows: Row[] = [
    ['an unknown --tz', append('--tz', 'Mars/Olympus_Mons'), 2, 'UNKNOWN_TIME_ZONE', /--tz "Mars\/Olympus_Mons" is not an IANA time zone/],
    ['an unknown --tz on log', ['log', 'l.ledger', '--tz', 'CEST'], 2, 'UNKNOWN_TIME_ZONE', /not an IANA time zone/],
    ['a wall time the clocks skip', append('--time', '2026-03-29T02:30', '--tz', 'Europe/Berlin'), 2, 'USAGE', /does not exist in Europe\/Berlin/],
    ['a date that is not in the calendar', append('--time', '2026-02-29'), 2, 'USAGE', /not a date of the calendar/],
    ['a time before the ledger\'s latest, shown as ISO times', append('--time', '2001-01-01', '--tz', 'Asia/Shanghai'), 2, 'TIME_ORDER', /--time 2001-01-01T00:00:00\+08:00 is before the latest entry's time \d{4}-\d\d-\d\dT[\d:.]+\+08:00/],
    ['a private key as --vkey', ['verify', 'l.ledger', '--vkey', 'SECRET'], 2, 'PRIVATE_KEY_AS_VKEY', /--vkey is a private signing key, not a verifier key \(it was not printed/],
    ['a file holding a private key as --vkey', ['verify-proof', 'p.tlog-proof', '--vkey', 'private.vkey'], 2, 'PRIVATE_KEY_AS_VKEY', /--vkey private\.vkey holds a private signing key/],
    ['a directory as the ledger', ['verify', 'a-directory', '--vkey', 'l.vkey'], 3, 'IS_A_DIRECTORY', /a-directory is a directory, not a ledger file/],
    ['/tmp as the ledger', ['verify', '/tmp', '--vkey', 'l.vkey'], 3, 'IS_A_DIRECTORY', /\/tmp is a directory/],
    ['a directory as the ledger of append', append().map((a) => (a === 'l.ledger' ? 'a-directory' : a)), 3, 'IS_A_DIRECTORY', /is a directory/],
    ['a --data-file over 16 MiB', append('--data-file', 'big.json'), 3, 'FILE_TOO_LARGE', /big\.json is 16777217 bytes; the limit is 16777216/],
    ['--incremental with --full', ['verify', 'l.ledger', '--vkey', 'l.vkey', '--checkpoint', 'x', '--incremental', '--full'], 2, 'USAGE', /not both/],
    ['--from-line without --ndjson', append('--from-line', '3'), 2, 'USAGE', /--from-line resumes an --ndjson import/],
    ['keygen without --name', ['keygen'], 2, 'USAGE', /keygen needs --name/],
    ['an option given where --name needs its value', ['keygen', '--name', '--json'], 2, 'USAGE', /--name needs a value, but the next argument is the option --json/],
    ['an option given where --case needs its value', ['append', 'l.ledger', '--case', '--tz', '--type', 't', '--actor', 'a'], 2, 'USAGE', /--case needs a value, but the next argument is the option --tz/],
  ];
  it.each(rows)('%s', async (_n, argv, exit, code, message) => {
    const before = await ledgerState(join(dir, 'l.ledger'));
    const r = await ct(argv.map((a) => (a === 'SECRET' ? secret : a)));
    expect(r.code).toBe(exit);
    expect(r.err).toContain(`error [${code}]`);
    expect(r.err).toMatch(message);
    expect(await ledgerState(join(dir, 'l.ledger'))).toEqual(before);
  });

  it('TZ from the environment is used, and a bad one is named', async () => {
    const shanghai = await ct(['log', 'l.ledger'], { env: { TZ: 'Asia/Shanghai' } });
    expect(shanghai.out).toMatch(/\+08:00/);
    const posix = await ct(['log', 'l.ledger'], { env: { TZ: ':Europe/Berlin' } });
    expect(posix.out).toMatch(/\+0[12]:00/);
    const bad = await ct(['log', 'l.ledger'], { env: { TZ: 'Nowhere/Land' } });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/UNKNOWN_TIME_ZONE.*\$TZ "Nowhere\/Land".*pass --tz/);
  });
});

describe('artifacts over their size limit fail closed (exit 1); inputs to writes are operational (exit 3)', () => {
  const big = (name: string, bytes: number) => writeFileSync(join(dir, name), Buffer.alloc(bytes, 0x41));
  const rows: Array<[string, () => void, string[], number, string]> = [
    ['a proof file', () => big('big.tlog-proof', 1_048_576 + 131_072 + 1), ['verify-proof', 'big.tlog-proof', '--vkey', 'l.vkey'], 1, 'INPUT_TOO_LARGE'],
    ['a witness body', () => big('big.body', 1_048_576 + 4096 + 1), ['verify-consistency', 'big.body', '--vkey', 'l.vkey', '--from', '0'], 1, 'INPUT_TOO_LARGE'],
    ['a trusted checkpoint for verify', () => big('big.checkpoint', 1_048_577), ['verify', 'l.ledger', '--vkey', 'l.vkey', '--checkpoint', 'big.checkpoint'], 1, 'INPUT_TOO_LARGE'],
    ['a trusted checkpoint for verify-consistency', () => big('big2.checkpoint', 1_048_577), ['verify-consistency', 'x.body', '--vkey', 'l.vkey', '--from', 'big2.checkpoint'], 1, 'INPUT_TOO_LARGE'],
    ['a --from checkpoint for consistency', () => big('big3.checkpoint', 1_048_577), ['consistency', 'l.ledger', '--from', 'big3.checkpoint'], 1, 'INPUT_TOO_LARGE'],
    ['a proof on stdin', () => undefined, ['verify-proof', '-', '--vkey', 'l.vkey'], 1, 'INPUT_TOO_LARGE'],
  ];
  it.each(rows)('%s', async (_n, prepare, argv, exit, code) => {
    prepare();
    const r = await ct([...argv, '--json'], argv.includes('-') ? { stdin: 'A'.repeat(1_048_576 + 131_073) } : {});
    expect(r.code).toBe(exit);
    expect(r.err).toContain(`error [${code}]`);
    expect(r.err).toMatch(/refused unread/);
    expect(JSON.parse(r.out).error).toMatchObject({ code, exitCode: exit });
  });
});

describe('keys', () => {
  it('keygen --show-vkey prints the verifier key of a key file, never the secret', async () => {
    const r = await ct(['keygen', '--show-vkey', 'l.ledger.key']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${vkey}\n`);
    const j = await ct(['keygen', '--show-vkey', 'l.ledger.key', '--json']);
    expect(JSON.parse(j.out)).toEqual({ name: ORIGIN, keyFile: join(dir, 'l.ledger.key'), vkey });
    expect((await ct(['keygen', '--show-vkey', 'l.ledger.key', '--name', 'x'])).code).toBe(2);
    chmodSync(join(dir, 'private.vkey'), 0o644);
    const loose = await ct(['keygen', '--show-vkey', 'private.vkey']);
    expect(loose.code).toBe(3);
    expect(loose.err).toMatch(/KEY_FILE_PERMISSIONS/);
    chmodSync(join(dir, 'private.vkey'), 0o600);
  });

  it('a key under which no checkpoint of the ledger is signed gets one leading line, still exit 1', async () => {
    // Same name, other key material: what a forger re-signing under the ledger's name would hold.
    const other = await ct(['keygen', '--name', ORIGIN, '--out', 'other.key']);
    const r = await ct(['verify', 'l.ledger', '--vkey', other.out.trim()]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe("no checkpoint in this ledger is signed by this key — is it the ledger's key?");
    expect(r.out).toMatch(/✘ CHECKPOINT_INVALID/);
    const j = await ct(['verify', 'l.ledger', '--vkey', other.out.trim(), '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).ok).toBe(false);
    expect(j.err).toMatch(/^no checkpoint in this ledger is signed by this key/);
    const right = await ct(['verify', 'l.ledger', '--vkey', 'l.vkey']);
    expect(right.code).toBe(0);
    expect(right.out).not.toMatch(/no checkpoint in this ledger/);
  });

  it('leaves no temporary file behind after the refusals above', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
