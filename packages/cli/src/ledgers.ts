/**
 * Opening ledgers for commands: read-only for everything that only reads,
 * with the checkpoint signer for commands that append.
 */
import { statSync } from 'node:fs';
import { Ledger, LedgerError } from '@casetrail/core';
import { operational } from './exit.js';
import { resolvePath } from './inputs.js';
import type { Io } from './io.js';
import { requireKeyFile } from './keys.js';

/**
 * The absolute path of a ledger argument, refused when it names a directory
 * (`verify /tmp`) or nothing.
 * @throws CliError IS_A_DIRECTORY (exit 3); LedgerError LEDGER_NOT_FOUND (exit 3)
 */
export function ledgerPath(io: Io, path: string): string {
  const full = resolvePath(io, path);
  let isDir: boolean;
  try {
    isDir = statSync(full).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LedgerError('LEDGER_NOT_FOUND', `no ledger at ${full}`, { path: full });
    throw e;
  }
  if (isDir) throw operational('IS_A_DIRECTORY', `${full} is a directory, not a ledger file; give the path of the ledger file`);
  return full;
}

/** Opens a ledger read-only, runs `fn`, and closes it. */
export async function withReadLedger<T>(io: Io, path: string, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = await Ledger.open(ledgerPath(io, path), { readonly: true });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/**
 * Opens a ledger with its checkpoint signer (see requireKeyFile), runs `fn`,
 * and closes it.
 * @param why - what needs the key, for the error message when none is found
 */
export async function withWriteLedger<T>(io: Io, path: string, keyFile: string | undefined, why: string, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const full = ledgerPath(io, path);
  const key = requireKeyFile(io, full, keyFile, why);
  const ledger = await Ledger.open(full, { signer: { keyFile: key } });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
