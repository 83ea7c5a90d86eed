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
import { LedgerError, type CosignatureVerifier, type Issue, type NoteVerifier } from '@casetrail/verify';
import type { SystemTypeValidator } from '../ledger/extensions.js';
import type { LedgerStore } from '../store/store.js';
import { scanEntries } from './scan.js';
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

/** The issues of a verification report are of the one issue type (@casetrail/verify checks/issues.ts). */
export type VerifyIssue = Issue;

export interface VerifyProgress {
  phase: 'entries' | 'checkpoints';
  done: number;
  total: number;
}

export interface VerifyOptions {
  /** The ledger's verifier key (`name+hexid+base64`), from outside the file. */
  vkey: string | NoteVerifier;
  /** A signed checkpoint saved earlier (for example a published one). */
  trusted?: string;
  /**
   * 'full' (default) checks every entry; 'incremental' needs `trusted` and
   * checks only what came after it, in O(new entries + log n).
   */
  mode?: 'full' | 'incremental';
  /** Entries after the latest valid checkpoint are an error unless this is true (then a warning). */
  allowUnsignedTail?: boolean;
  /**
   * Worker threads for the single-row checks (hashing, decoding, payloads,
   * signatures). Default: 1 on a machine with more than one core when more
   * than 65,536 entries are to be checked, else 0 (everything in this
   * thread). Workers open their own read-only handle of the store, so a
   * store that cannot be shared (in memory) is checked in this thread.
   */
  workers?: number;
  /**
   * Cases whose latest step is kept in memory during the scan (default
   * 32,768, ~150 bytes each). A case continued after being forgotten has its
   * previous step read again through the case index; the verdict is the same.
   */
  trackedCases?: number;
  /** Stop recording issues after this many (they are still counted). Default 1000. */
  maxIssues?: number;
  /**
   * Validators of system entry types (as declared by extensions): each
   * system entry of a listed type whose payload is present must be
   * well-formed for it (SYSTEM_ENTRY_INVALID). Types not listed are not judged.
   */
  systemTypes?: Readonly<Record<string, SystemTypeValidator>>;
  /**
   * Witness cosignature keys (c2sp.org/tlog-cosignature, type 0x04): stored
   * cosignature lines by these keys must verify over their checkpoint
   * (COSIGNATURE_INVALID). Lines by other keys are only parsed.
   */
  witnesses?: ReadonlyArray<string | CosignatureVerifier>;
  onProgress?: (p: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  mode: 'full' | 'incremental';
  origin: string;
  /** Entries in the ledger (max seq + 1). */
  size: number;
  /** Root of the first `size` leaves as recomputed, hex. */
  root: string;
  /** Size of the latest stored checkpoint that verified, 0 if none. */
  signedSize: number;
  checked: {
    entries: number;
    payloads: number;
    redactions: number;
    actorSignatures: number;
    nodes: number;
    checkpoints: number;
    /** System entries checked against their type's validator. */
    systemEntries: number;
    /** Cosignature lines parsed (and, by a given witness, verified). */
    cosignatures: number;
  };
  trusted?: { size: number; root: string; extended: boolean };
  issues: VerifyIssue[];
  /** Total issues found, including those beyond maxIssues. */
  issueCount: number;
  durationMs: number;
}

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
    checkMeta(s);
    if (openTrustedCheckpoint(s) && startFromTrustedCheckpoint(s)) {
      await scanEntries(s);
      checkMissingPayloads(s);
      checkRedactionsTable(s);
      checkSystemEntries(s);
      checkCosignatures(s);
      checkUnsignedTail(s);
    }
    return s.report();
  });
}
