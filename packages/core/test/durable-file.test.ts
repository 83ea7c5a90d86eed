// The durable file writes of node/durable-file.ts (docs/api.md "Durable
// files"), on their own: the temporary file beside its target, with its
// mode, never written through a planted name; a link into place that
// refuses whatever stands at the target, a symbolic link first of all
// (the attacker's order: the link is planted, then the honest write runs).
import { lstatSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkNewFile, openTempFile, removeFile, syncDirectoryOf, writeTempFile } from '../src/index.js';
import { cleanupTempDirs, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

describe('durable file writes', () => {
  it('writes a temporary file beside the target, hidden, with the mode asked for, and links it into place', () => {
    const dir = tempDir();
    const target = join(dir, 'state.json');
    const temp = writeTempFile(target, '{"a":1}\n', 0o600);
    expect(temp).toMatch(new RegExp(`^${dir}/\\.state\\.json\\.[0-9a-f]{12}\\.tmp$`));
    expect(lstatSync(temp).mode & 0o777).toBe(0o600);
    linkNewFile(temp, target);
    syncDirectoryOf(target);
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('replaces a file by rename, the caller\'s choice', () => {
    const dir = tempDir();
    const target = join(dir, 'out.txt');
    writeFileSync(target, 'old');
    renameSync(writeTempFile(target, new Uint8Array([110, 101, 119]), 0o644), target);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it.each([
    ['a regular file', (p: string) => writeFileSync(p, 'kept'), (p: string) => expect(readFileSync(p, 'utf8')).toBe('kept')],
    [
      'a symbolic link to a file that must not change',
      (p: string) => (writeFileSync(`${p}.victim`, 'kept'), symlinkSync(`${p}.victim`, p)),
      (p: string) => (expect(lstatSync(p).isSymbolicLink()).toBe(true), expect(readFileSync(`${p}.victim`, 'utf8')).toBe('kept')),
    ],
    ['a dangling symbolic link', (p: string) => symlinkSync(`${p}.nowhere`, p), (p: string) => expect(readdirSync(dirname(p))).toEqual(['proof.txt'])],
  ])('attacker first: %s at the target — linkNewFile refuses it (EEXIST), nothing is written through it', (_what, plant, unchanged) => {
    const dir = tempDir();
    const target = join(dir, 'proof.txt');
    plant(target);
    const temp = writeTempFile(target, 'honest', 0o644);
    let code: string | undefined;
    try {
      linkNewFile(temp, target);
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code;
    }
    expect(code).toBe('EEXIST');
    removeFile(temp);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    unchanged(target);
  });

  it('opens a stream\'s temporary file exclusively, and fails where the directory is missing', () => {
    const dir = tempDir();
    const { fd, path } = openTempFile(join(dir, 'bundle.ndjson'), 0o644);
    expect(typeof fd).toBe('number');
    expect(path.startsWith(join(dir, '.bundle.ndjson.'))).toBe(true);
    expect(() => writeTempFile(join(dir, 'no-such-dir', 'x'), 'x', 0o600)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    removeFile(path);
    removeFile(path); // already gone: nothing thrown
    expect(() => syncDirectoryOf(join(dir, 'no-such-dir', 'x'))).not.toThrow();
  });
});
