/**
 * Durable file writes, for every file casetrail's Node packages write
 * beside a ledger — the CLI's outputs, a witness's or monitor's state —
 * (docs/api.md "Durable files").
 *
 * Policy: the content goes to a temporary file created in the target's
 * directory with O_CREAT|O_EXCL|O_NOFOLLOW (so nothing planted under that
 * name is opened or written through), is fsynced and closed, and is then
 * moved into place by the caller: linked (which refuses an existing name)
 * or renamed over the old file (which replaces the name, never what a link
 * points to); the directory is fsynced last. A crash leaves the old file or
 * the new one, never half of one. What may sit at the target — and whether
 * it may be replaced — is each caller's policy, checked before.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Creates a new temporary file beside `target` (`.<name>.<random>.tmp`),
 * O_EXCL|O_NOFOLLOW, for a caller that writes it as a stream.
 * @param mode - the new file's mode (e.g. 0o600 for state, 0o644 for output)
 * @returns its descriptor, open for writing, and its path
 * @throws the system error of open (EEXIST is practically impossible, EACCES, ENOSPC …)
 */
export function openTempFile(target: string, mode: number): { fd: number; path: string } {
  const path = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  return { fd, path };
}

/**
 * Writes `content` to a new temporary file beside `target` (as
 * {@link openTempFile}), fsyncs and closes it. On a failure the temporary
 * file is removed and the error thrown.
 * @returns the temporary file's path, for the caller to move into place
 */
export function writeTempFile(target: string, content: string | Uint8Array, mode: number): string {
  const { fd, path } = openTempFile(target, mode);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeFile(path);
    throw e;
  }
  closeSync(fd);
  return path;
}

/**
 * Moves a complete temporary file to `target`, refusing an existing name:
 * a hard link, then the temporary name removed (node:fs has no
 * renameat2(RENAME_NOREPLACE)). The directory is not fsynced here.
 * @throws the system error of link: EEXIST when `target` exists (the
 *   temporary file is then left for the caller to remove)
 */
export function linkNewFile(temp: string, target: string): void {
  linkSync(temp, target);
  unlinkSync(temp);
}

/** Removes a file, if it is still there (a temporary file on a failure path). */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already moved or removed
  }
}

/**
 * fsyncs the directory holding `path`, so that a rename or link into it
 * survives a crash. Best effort by default: not every file system lets a
 * directory be fsynced, and the file itself already is. `required` (the
 * signer state, whose rename must be on disk before the checkpoint it names
 * is stored) throws the system error instead.
 */
export function syncDirectoryOf(path: string, required = false): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch (e) {
    if (required) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
