/**
 * The lock of a state directory, so that two processes never interleave a
 * read-check-write of one state (tlog-witness: "checking the old size
 * against the latest checkpoint and persisting the new checkpoint must be
 * performed atomically, otherwise [a rollback can be cosigned]").
 *
 * Policy: the lock is a file `lock` in the directory, created with
 * O_CREAT|O_EXCL|O_NOFOLLOW and holding its owner's pid, host and a random
 * token; it is removed on release and when the process exits. A lock whose
 * owner is a process of this host that no longer runs (it was killed) is
 * stale and broken: renamed away atomically, then checked to be the one
 * judged stale (if another process took the lock in between, it is put
 * back). A lock of another host is never broken: its owner cannot be asked.
 * Caveat: three processes breaking the same stale lock at the same moment
 * could, in the window between the rename and the put-back, both believe
 * they hold it; node:fs offers no flock(2) to close that window.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, linkSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from '@casetrail/verify';

/** A held lock. */
export interface StateLock {
  /** Removes the lock if it is still this holder's. */
  release(): void;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

const LOCK_FILE = 'lock';
/** How long a lock file may stay unreadable (being written) before it counts as stale. */
const UNREADABLE_GRACE_MS = 5_000;

function readOwner(path: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tries to create the lock file; false when it exists. */
function tryCreate(path: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify({ ...owner, since: new Date().toISOString() }));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Whether the existing lock is stale, and the token it holds. */
function staleness(path: string): { stale: boolean; token: string | undefined; holder: string } {
  const o = readOwner(path);
  if (o === undefined) {
    let age = 0;
    try {
      age = Date.now() - lstatSync(path).mtimeMs;
    } catch {
      return { stale: false, token: undefined, holder: 'nobody (it was just removed)' };
    }
    return { stale: age > UNREADABLE_GRACE_MS, token: undefined, holder: 'an unreadable lock file' };
  }
  const holder = `process ${o.pid} on ${o.host}`;
  if (o.host !== hostname()) return { stale: false, token: o.token, holder };
  return { stale: !running(o.pid), token: o.token, holder };
}

/** Breaks a stale lock (see the policy above). */
function breakStale(path: string, token: string | undefined): void {
  const aside = `${path}.stale.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke it
    throw e;
  }
  const moved = readOwner(aside);
  if (moved !== undefined && moved.token !== token) {
    // A live lock was taken between our look and our rename: give it back.
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the name now; see the caveat above
    }
  }
  unlinkSync(aside);
}

const held = new Set<string>();
let exitHook = false;

/**
 * Takes the lock of a state directory, waiting up to `timeoutMs` for
 * another process to release it.
 * @param what - what the directory is, for the message (`witness state`)
 * @throws LedgerError STATE_LOCKED when another live process holds it that long
 */
export async function lockStateDir(dir: string, what: string, timeoutMs = 10_000): Promise<StateLock> {
  const path = join(dir, LOCK_FILE);
  const owner: Owner = { pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    if (tryCreate(path, owner)) break;
    const s = staleness(path);
    if (s.stale) {
      breakStale(path, s.token);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LedgerError('STATE_LOCKED', `the ${what} in ${dir} is locked by ${s.holder}; retry when it is done (or remove ${path} if that process is gone)`, { path });
    }
    await new Promise((r) => setTimeout(r, wait));
  }
  held.add(path);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of held) release(p, undefined);
    });
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release(path, owner.token);
    },
  };
}

function release(path: string, token: string | undefined): void {
  held.delete(path);
  const o = readOwner(path);
  if (o === undefined || (token !== undefined && o.token !== token) || (token === undefined && o.pid !== process.pid)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
