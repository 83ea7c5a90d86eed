/**
 * What bundle verification (verify.ts, format.md §9.3) is given and what it
 * reports.
 */
import type { Issue, IssueCode } from '../checks/issues.js';
import type { WitnessPolicy, WitnessPolicyResult } from '../tlog/witness-policy.js';
import type { BundleErasures } from './erasures.js';
import type { BundleFilter } from './format.js';

/** Bundle verification reports issues of the one issue type (checks/issues.ts). */
export type BundleIssue = Issue;
/** The codes of bundle issues: the one {@link IssueCode} type. */
export type BundleIssueCode = IssueCode;

/** The steps of one case found in a bundle. */
export interface BundleCaseSummary {
  caseId: string;
  firstStep: number;
  lastStep: number;
  firstSeq: number;
  lastSeq: number;
  steps: number;
}

/**
 * What bundle verification found. The counts in `checked` and `redacted`
 * count only what verified, for entries whose inclusion proof verified, so
 * they never contradict the issues; `cases` lists only proven entries.
 */
export interface BundleReport {
  ok: boolean;
  /** The origin of the verifier key. */
  origin: string;
  /** The checkpoint the proofs lead to, once it verified. */
  checkpoint?: { size: number; root: string };
  payloads?: boolean;
  filter?: BundleFilter;
  created?: string;
  entries: number;
  /** Proofs that verified; payloads that matched; erasures proven; actor signatures that verified. */
  checked: { proofs: number; payloads: number; redactions: number; actorSignatures: number };
  /** Entries exported without payload (`payloads: false`). */
  withheld: number;
  /** Erased payloads, each backed by a proven redaction entry. */
  redacted: number;
  /**
   * For a bundle without a filter: true when it holds every entry of the
   * checkpoint's tree, so nothing was left out. Undefined for filtered bundles.
   */
  complete?: boolean;
  /** With a witness policy: what the header's checkpoint note shows under it (format.md §6.4). */
  witnessed?: WitnessPolicyResult;
  /** One summary per case, in order of first appearance. */
  cases: BundleCaseSummary[];
  issues: BundleIssue[];
  /** Total issues, including those beyond maxIssues. */
  issueCount: number;
}

export interface BundleVerifyOptions {
  /** Stop recording issues after this many (they are still counted). Default 1000. */
  maxIssues?: number;
  /**
   * The positions this bundle's own redaction lines name as erased, from a
   * first read of the same bundle ({@link BundleErasures}). Only with them
   * does a step carry a payload: without them a later line could still show
   * it erased (format.md §9.3 item 6), and a step's payload that matched is
   * `unconfirmed`. They change the steps only, never the report.
   */
  erasures?: BundleErasures;
  /**
   * The verifier's witness policy: the header's checkpoint note must carry
   * the cosignatures it requires (WITNESS_QUORUM_NOT_MET, COSIGNATURE_INVALID
   * on line 1 otherwise; the entries are still checked).
   */
  witnessPolicy?: WitnessPolicy;
}
