/**
 * The options and the report of ledger verification (docs/api.md
 * `ledger.verify`).
 */
import type { CosignatureVerifier, Issue, NoteVerifier, SystemTypeValidator } from '@casetrail/verify';

/** The issues of a verification report are of the one issue type (@casetrail/verify checks/issues.ts). */
export type VerifyIssue = Issue;

export interface VerifyProgress {
  /** The entry scan, the one phase that reports progress (docs/api.md `onProgress`). */
  phase: 'entries';
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
   * signatures). Default: 2 on a machine with more than one core when more
   * than 65,536 entries are to be checked, else 0 (everything in this
   * thread). Workers open their own read-only handle of the store, so a
   * store that cannot be shared (in memory) is checked in this thread.
   */
  workers?: number;
  /**
   * Cases whose latest step is kept in memory during the scan (default
   * 32,768, ~200 bytes each). A case continued after being forgotten has its
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
  /**
   * The witness policy (format.md §6.4): with `witnesses`, how many of them
   * (1 to their number) must have cosigned the newest stored checkpoint that
   * carries a cosignature by any of them; that checkpoint must be one of
   * this ledger's. Not met: WITNESS_QUORUM_NOT_MET (or COSIGNATURE_INVALID).
   * Absent: no policy is applied.
   */
  witnessQuorum?: number;
  onProgress?: (p: VerifyProgress) => void;
}

/** The newest stored checkpoint cosigned by a witness of the policy, as the report shows it. */
export interface WitnessedCheckpoint {
  size: number;
  /** Its root, hex. */
  root: string;
  /** Whether it meets the policy. */
  ok: boolean;
  quorum: number;
  /** Witnesses in the policy. */
  of: number;
  /** Listed witnesses with a valid cosignature (timestamp in seconds since 1970). */
  cosigned: Array<{ name: string; keyId: string; timestamp: number }>;
  /** Listed witnesses without one, and those whose line does not verify (`name+keyid`). */
  missing: string[];
  invalid: string[];
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
  /** With `witnessQuorum`: the newest cosigned checkpoint and what the policy found on it. */
  witnessed?: WitnessedCheckpoint;
  issues: VerifyIssue[];
  /** Total issues found, including those beyond maxIssues. */
  issueCount: number;
  durationMs: number;
}
