import { LedgerError, type ErrorCode } from '../../src/index.js';

/** The code of the LedgerError `fn` throws, or 'none'; anything else is rethrown. */
export function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
}

/** The code and details of the LedgerError `fn` throws, or 'none'; anything else is rethrown. */
export function detailsOf(fn: () => unknown): ({ code: ErrorCode } & Record<string, unknown>) | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (e instanceof LedgerError) return { code: e.code, ...e.details };
    throw e;
  }
}
