import { LedgerError, type ErrorCode } from '../../src/index.js';

/** The code of the LedgerError `p` rejects with, or 'OK'; anything else is rethrown. */
export async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'OK'> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
}
