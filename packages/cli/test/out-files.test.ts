/**
 * Files the CLI writes (issue 8.7), in the attacker's order: someone who can
 * write the working directory plants a link or a name first, then the
 * operator runs an ordinary command with --out. Nothing the link points at
 * may change, and no key, state, ledger or WAL file may be replaced.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');

let dir: string;
let elsewhere: string;
const ct = runner(cli, () => dir);

/** Every file of the directory with its bytes (links as their target text). */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[f] = `-> ${readlinkSync(p)}`;
    else if (st.isFile()) out[f] = readFileSync(p).toString('base64');
  }
  return out;
}

beforeAll(async () => {
  dir = tempDir();
  elsewhere = tempDir();
  expect((await ct(['init', 'cases.ledger', '--origin', 'example.org/out', '--vkey-out', 'cases.vkey'])).code).toBe(0);
  expect((await ct(['append', 'cases.ledger', '--case', 'C-1', '--type', 'opened', '--actor', 'clerk'])).code).toBe(0);
  expect((await ct(['append', 'cases.ledger', '--case', 'C-1', '--type', 'closed', '--actor', 'clerk'])).code).toBe(0);
  writeFileSync(join(elsewhere, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(dir, 'cases.ledger.key.state'), 'size 2\n');
});

afterAll(cleanup);

/** The commands that write --out, each writing to `out`. */
const writers = (out: string): string[][] => [
  ['checkpoint', 'cases.ledger', '--out', out],
  ['prove', 'cases.ledger', '1', '--out', out],
  ['consistency', 'cases.ledger', '--from', '1', '--out', out],
  ['export', 'cases.ledger', '--out', out],
];

describe('a symbolic link planted at the --out path is never written through', () => {
  const targets: Array<[string, () => string]> = [
    ['the ledger', () => join(dir, 'cases.ledger')],
    ['the signing key', () => join(dir, 'cases.ledger.key')],
    ['an /etc-like file elsewhere', () => join(elsewhere, 'passwd')],
    ['a file that does not exist yet', () => join(elsewhere, 'created-by-link')],
  ];
  for (const [name, target] of targets) {
    it.each(writers('planted.out'))(`pointing at ${name}: %s`, async (...argv) => {
      const link = join(dir, 'planted.out');
      symlinkSync(target(), link);
      try {
        const before = { here: snapshot(dir), there: snapshot(elsewhere) };
        for (const force of [[], ['--force']]) {
          const r = await ct([...argv, ...force]);
          expect(r.code).toBe(2);
          expect(r.err).toMatch(/error \[OUTPUT_IS_SYMLINK\]: --out .*planted\.out is a symbolic link .*never writes through a link/);
        }
        expect({ here: snapshot(dir), there: snapshot(elsewhere) }).toEqual(before);
        expect(existsSync(join(elsewhere, 'created-by-link'))).toBe(false);
      } finally {
        unlinkSync(link);
      }
    });
  }
});

describe('files that are never replaced, with or without --force', () => {
  const rows: Array<[string, string, RegExp]> = [
    ['the ledger', 'cases.ledger', /is an SQLite database/],
    ['the signing key', 'cases.ledger.key', /is a key file/],
    ['a signer-state file', 'cases.ledger.key.state', /signer-state file/],
    ['the ledger\'s -wal (not there yet)', 'cases.ledger-wal', /is the wal file of the database cases\.ledger/],
    ['the ledger\'s -shm', 'cases.ledger-shm', /is the shm file/],
    ['a file holding a private key under another name', 'notes.txt', /holds a private key/],
  ];
  it.each(rows)('%s', async (_n, file, message) => {
    if (file === 'notes.txt') writeFileSync(join(dir, file), readFileSync(join(dir, 'cases.ledger.key')), { mode: 0o600 });
    const before = snapshot(dir);
    for (const argv of writers(file)) {
      for (const force of [[], ['--force']]) {
        const r = await ct([...argv, ...force]);
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.err).toMatch(/error \[OUTPUT_PROTECTED\]/);
        expect(r.err).toMatch(message);
      }
    }
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('an existing file', () => {
  it('is refused without --force (FILE_EXISTS, exit 3) and replaced with it', async () => {
    writeFileSync(join(dir, 'old.checkpoint'), 'yesterday\n');
    const refused = await ct(['checkpoint', 'cases.ledger', '--out', 'old.checkpoint']);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/FILE_EXISTS.*pass --force to replace it/);
    expect(readFileSync(join(dir, 'old.checkpoint'), 'utf8')).toBe('yesterday\n');
    const forced = await ct(['checkpoint', 'cases.ledger', '--out', 'old.checkpoint', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'old.checkpoint'), 'utf8')).toBe((await ct(['checkpoint', 'cases.ledger'])).out);
  });

  it('a directory at --out is IS_A_DIRECTORY', async () => {
    mkdirSync(join(dir, 'a-dir'));
    const r = await ct(['prove', 'cases.ledger', '0', '--out', 'a-dir']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/IS_A_DIRECTORY/);
  });

  it('new files are complete and 0644; key files 0600; nothing temporary is left', async () => {
    expect((await ct(['export', 'cases.ledger', '--out', 'new.bundle'])).code).toBe(0);
    expect(lstatSync(join(dir, 'new.bundle')).mode & 0o777).toBe(0o644);
    expect((await ct(['verify-bundle', 'new.bundle', '--vkey', 'cases.vkey'])).code).toBe(0);
    expect((await ct(['keygen', '--name', 'officer', '--out', 'officer.key'])).code).toBe(0);
    expect(lstatSync(join(dir, 'officer.key')).mode & 0o777).toBe(0o600);
    const again = await ct(['keygen', '--name', 'officer', '--out', 'officer.key']);
    expect(again.code).toBe(3);
    expect(again.err).toMatch(/KEY_FILE_EXISTS/);
    symlinkSync(join(elsewhere, 'passwd'), join(dir, 'linked.key'));
    const linked = await ct(['keygen', '--name', 'officer', '--out', 'linked.key']);
    expect(linked.code).toBe(3);
    expect(readFileSync(join(elsewhere, 'passwd'), 'utf8')).toMatch(/^root:/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('--vkey-out is checked before anything is created', () => {
  it.each([
    ['init', ['init', 'x.ledger', '--origin', 'example.org/x', '--vkey-out', 'v-link']],
    ['keygen', ['keygen', '--name', 'x', '--out', 'x.key', '--vkey-out', 'v-link']],
  ])('%s refuses a link at --vkey-out and creates no ledger or key', async (_n, argv) => {
    symlinkSync(join(elsewhere, 'passwd'), join(dir, 'v-link'));
    try {
      const r = await ct(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/OUTPUT_IS_SYMLINK/);
      expect(existsSync(join(dir, 'x.ledger'))).toBe(false);
      expect(existsSync(join(dir, 'x.key'))).toBe(false);
      expect(existsSync(join(dir, 'x.ledger.key'))).toBe(false);
      expect(readFileSync(join(elsewhere, 'passwd'), 'utf8')).toMatch(/^root:/);
    } finally {
      unlinkSync(join(dir, 'v-link'));
    }
  });
});
