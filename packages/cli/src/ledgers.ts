/**
 * Opening ledgers for commands: read-only for everything that only reads,
 * with the checkpoint signer for commands that append.
 */
import { existsSync } from 'node:fs';
import { Ledger, LedgerError } from '@casetrail/core';
import { requireKeyFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';

/** Opens a ledger read-only, runs `fn`, and closes it. */
export async function withReadLedger<T>(io: Io, path: string, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = await Ledger.open(resolvePath(io, path), { readonly: true });
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
  const full = resolvePath(io, path);
  if (!existsSync(full)) throw new LedgerError('LEDGER_NOT_FOUND', `no ledger at ${full}`, { path: full });
  const key = requireKeyFile(io, full, keyFile, why);
  const ledger = await Ledger.open(full, { signer: { keyFile: key } });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
