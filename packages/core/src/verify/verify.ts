/**
 * Ledger verification (format.md §8). Everything read from the store is
 * attacker-controlled: every value is type-checked, every hash recomputed
 * from stored bytes, and the verifier key comes from the caller only.
 *
 * The verifier is a sequence of named steps (steps.ts, scan.ts) over one
 * explicit VerifyState (state.ts), in the manner of sigstore-js: each step
 * is its own function and reports its problems as issues with stable codes
 * and positions; verification carries on so that the report shows
 * everything that is wrong (up to maxIssues). The format rules themselves
 * are those of checks/ in @casetrail/verify, shared with trace and bundles.
 */
import { LedgerError, isLedgerError } from '@casetrail/verify';
import { openStore } from '../store/open.js';
import type { LedgerStore } from '../store/store.js';
import { checkKeys, checkNonces, checkStructure } from './file-checks.js';
import { scanEntries } from './scan.js';
import type { VerifyOptions, VerifyReport } from './options.js';
import { VerifyState } from './state.js';
import {
  checkCosignatures,
  checkMeta,
  checkMissingPayloads,
  checkRedactionsTable,
  checkSystemEntries,
  checkUnsignedTail,
  openTrustedCheckpoint,
  startFromTrustedCheckpoint,
} from './steps.js';
import { checkWitnessPolicy, findWitnessedCheckpoint } from './witnessed.js';

/** Throws VERIFICATION_FAILED carrying the report when it is not ok. */
export function assertReport(report: VerifyReport): VerifyReport {
  if (!report.ok) {
    const first = report.issues[0];
    throw new LedgerError(
      'VERIFICATION_FAILED',
      `ledger verification failed with ${report.issueCount} issue(s)${first ? `; first: ${first.code}: ${first.message}` : ''}`,
      { report },
    );
  }
  return report;
}

/**
 * Verifies a ledger store inside one read snapshot, so that every read sees
 * the same committed state even while other processes append. The caller
 * must not write through this handle until the promise settles.
 */
export async function verifyStore(store: LedgerStore, options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  return store.snapshot(async (view) => {
    const s = new VerifyState(store, view, options, started);
    if (!checkStructure(s)) return s.report();
    try {
      checkKeys(s);
      checkMeta(s);
      if (openTrustedCheckpoint(s) && startFromTrustedCheckpoint(s)) {
        findWitnessedCheckpoint(s);
        await scanEntries(s);
        checkMissingPayloads(s);
        checkRedactionsTable(s);
        checkSystemEntries(s);
        checkNonces(s);
        checkCosignatures(s);
        checkWitnessPolicy(s);
        checkUnsignedTail(s);
      }
    } catch (e) {
      // A page of the file that SQLite cannot read is damage of the ledger (format.md §8 item 15): reported, not thrown.
      if (!isLedgerError(e, 'LEDGER_DAMAGED')) throw e;
      s.issues.add({ code: 'LEDGER_DAMAGED', table: 'entries', message: e.message });
    }
    return s.report();
  });
}

/** Opens the ledger read-only, verifies it, and closes it. */
export async function verifyLedger(location: string, options: VerifyOptions & { busyTimeoutMs?: number }): Promise<VerifyReport> {
  const store = await openStore(location, { readonly: true, ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }) });
  try {
    return await verifyStore(store, options);
  } finally {
    await store.close();
  }
}

export type { VerifyIssue, VerifyOptions, VerifyProgress, VerifyReport, WitnessedCheckpoint } from './options.js';
