/**
 * The one explicit state of a verification (sigstore-js style): what the
 * steps of steps.ts and scan.ts read and update, and the report made from
 * it. Nothing else is shared between the steps.
 */
import {
  CaseTails,
  IssueList,
  LedgerError,
  MerkleAccumulator,
  checkIntIn,
  checkNat,
  genesisLink,
  parseCosignatureVerifierKey,
  parseVerifierKey,
  toHex,
  witnessPolicy,
  type Checkpoint,
  type CosignatureVerifier,
  type NoteVerifier,
  type SystemTypeValidator,
  type WitnessPolicy,
} from '@casetrail/verify';
import type { LedgerStore, ReadView } from '../store/store.js';
import type { VerifyOptions, VerifyReport, WitnessedCheckpoint } from './options.js';

/** Cases whose last step verification keeps in memory (~200 bytes each). */
const MAX_TRACKED_CASES = 32_768;

export class VerifyState {
  readonly verifier: NoteVerifier;
  readonly origin: string;
  readonly mode: 'full' | 'incremental';
  readonly issues: IssueList;
  readonly checked = { entries: 0, payloads: 0, redactions: 0, actorSignatures: 0, nodes: 0, checkpoints: 0, systemEntries: 0, cosignatures: 0 };
  readonly systemTypes: Readonly<Record<string, SystemTypeValidator>> | undefined;
  readonly witnesses: CosignatureVerifier[];
  /** The witness policy, when a quorum was asked for (format.md §6.4). */
  readonly policy: WitnessPolicy | undefined;
  /** The size of the newest stored checkpoint cosigned by a witness of the policy. */
  witnessTarget: number | undefined;
  /** Whether the scan verified that checkpoint (signature, body, root of the recomputed tree). */
  witnessTargetVerified = false;
  /** What the policy found on it. */
  witnessed: WitnessedCheckpoint | undefined;

  /** Entries in the store (max seq + 1), read once at the start of the snapshot. */
  readonly size: number;
  /** First seq the scan checks: 0, or the trusted size in incremental mode. */
  start = 0;
  /** Next seq the scan expects. */
  expected = 0;
  /** The tree recomputed from the leaves so far. */
  acc = new MerkleAccumulator();
  /** Once a leaf is missing, later roots cannot be recomputed. */
  treeBroken = false;
  /** The recomputed leaf hash of the entry before `expected` (the genesis link before entry 0). */
  prevLeaf: Uint8Array;
  lastTime = 0;
  /** The highest entry version seen so far (format.md §8 item 4). */
  version = 0;
  /** Size of the latest stored checkpoint that verified. */
  signedSize = 0;
  trusted: Checkpoint | undefined;
  trustedExtended = false;
  /** The latest step of each case seen, the first seen forgotten beyond trackedCases. */
  readonly cases: CaseTails;
  /** Erased payloads: target seq → the redaction entry that proves it. */
  readonly redactedBy = new Map<number, number>();
  /** Entries whose payload is absent, decided once the scan has seen every redaction. */
  readonly missingPayloads: number[] = [];
  /** System entries to check against their type's validator (in batches during the scan). */
  readonly systemEntries: number[] = [];
  /**
   * Version 2 entries whose index columns differ from their bytes: their
   * nonce column may hide a replay, so checkNonces looks them up by their
   * decoded nonce (at most MAX_NONCE_SUSPECTS of them are kept).
   */
  readonly nonceSuspects: number[] = [];

  constructor(
    readonly store: LedgerStore,
    readonly view: ReadView,
    readonly options: VerifyOptions,
    private readonly started: number,
  ) {
    this.verifier = typeof options.vkey === 'string' ? parseVerifierKey(options.vkey.trim()) : options.vkey;
    this.origin = this.verifier.name;
    this.mode = options.mode ?? 'full';
    this.issues = new IssueList(options.maxIssues ?? 1000);
    if (this.mode !== 'full' && this.mode !== 'incremental') throw new LedgerError('INVALID_ARGUMENT', 'mode must be "full" or "incremental"', { field: 'mode' });
    if (this.mode === 'incremental' && options.trusted === undefined) {
      throw new LedgerError('INVALID_ARGUMENT', 'incremental verification needs a trusted checkpoint', { field: 'trusted' });
    }
    const tracked = options.trackedCases ?? MAX_TRACKED_CASES;
    checkNat(tracked, 'trackedCases', 1);
    this.cases = new CaseTails(tracked);
    if (options.workers !== undefined) checkIntIn(options.workers, 'workers', 0, 64);
    this.systemTypes = options.systemTypes;
    this.witnesses = (options.witnesses ?? []).map((w) => (typeof w === 'string' ? parseCosignatureVerifierKey(w.trim()) : w));
    this.policy = options.witnessQuorum === undefined ? undefined : witnessPolicy(this.witnesses, options.witnessQuorum);
    this.prevLeaf = Uint8Array.from(genesisLink(this.origin));
    this.entriesReadable = !store.damage.some((d) => d.table === 'entries' || d.table === 'checkpoints');
    this.size = this.entriesReadable ? view.size() : 0;
  }

  /** Whether the entries and checkpoints tables can be read at all (format.md §8 item 15). */
  readonly entriesReadable: boolean;

  report(): VerifyReport {
    const r: VerifyReport = {
      ok: this.issues.errors === 0,
      mode: this.mode,
      origin: this.origin,
      size: this.size,
      root: toHex(this.acc.size === this.size && !this.treeBroken ? this.acc.root() : new Uint8Array(0)),
      signedSize: this.signedSize,
      checked: this.checked,
      issues: this.issues.list,
      issueCount: this.issues.count,
      durationMs: Date.now() - this.started,
    };
    if (this.witnessed !== undefined) r.witnessed = this.witnessed;
    if (this.trusted !== undefined) {
      r.trusted = { size: this.trusted.size, root: toHex(this.trusted.root), extended: this.trustedExtended && this.issues.errors === 0 };
    }
    return r;
  }
}
