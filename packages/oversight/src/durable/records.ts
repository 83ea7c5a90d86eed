/**
 * Records kept as small directories of files (the witness's and the
 * monitor's evidence): written whole into a temporary directory, every file
 * created with O_EXCL|O_NOFOLLOW and fsynced, then renamed into place, so
 * that a record is there complete or not at all, and an existing record is
 * never replaced (a second one with the same id is a duplicate).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir } from './state-file.js';

function writeNew(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const b = Buffer.from(text, 'utf8');
    for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, b.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps a record `id` in `dir` (created 0700 if needed) holding `files`.
 * @param max - records kept at most in `dir`; beyond it nothing is written
 * @returns where it is, and whether it was written now
 */
export function keepRecord(dir: string, id: string, files: Readonly<Record<string, string>>, max: number): { id: string; path: string; kept: boolean; why?: 'duplicate' | 'full' } {
  ensureStateDir(dir);
  const path = join(dir, id);
  const existing = readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (existing.includes(id)) return { id, path, kept: false, why: 'duplicate' };
  if (existing.length >= max) return { id, path, kept: false, why: 'full' };
  const tmp = join(dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    for (const [name, text] of Object.entries(files)) writeNew(join(tmp, name), text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') return { id, path, kept: false, why: 'duplicate' };
    throw e;
  }
  return { id, path, kept: true };
}
