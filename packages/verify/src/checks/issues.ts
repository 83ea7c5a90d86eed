/**
 * The one issue type of casetrail: what ledger verification, `trace` and
 * bundle verification report, each problem with a stable code (listed in
 * docs/errors.md) and a position. Verification outcomes are data; nothing
 * here throws.
 */

/** Stable codes of verification issues (docs/errors.md, "Verification issue codes"). */
export type IssueCode =
  // ledger verification, trace (format.md §8)
  | 'META_MISMATCH'
  | 'ROW_INVALID'
  | 'SEQ_GAP'
  | 'ENTRY_DECODE'
  | 'SEQ_MISMATCH'
  | 'LEAF_HASH_MISMATCH'
  | 'PREV_MISMATCH'
  | 'TIME_ORDER'
  | 'VERSION_DOWNGRADE'
  | 'INDEX_MISMATCH'
  | 'CASE_STEP_MISMATCH'
  | 'CASE_CHAIN_BROKEN'
  | 'PAYLOAD_COMMITMENT_MISMATCH'
  | 'PAYLOAD_MISSING'
  | 'REDACTION_INVALID'
  | 'ACTOR_SIGNATURE_INVALID'
  | 'NONCE_REPLAYED'
  | 'SYSTEM_ENTRY_INVALID'
  | 'SYSTEM_TYPE_UNKNOWN'
  | 'NODE_MISMATCH'
  | 'NODE_MISSING'
  | 'NODE_EXTRA'
  | 'CHECKPOINT_INVALID'
  | 'CHECKPOINT_ROOT_MISMATCH'
  | 'CHECKPOINT_BEYOND_LEDGER'
  | 'COSIGNATURE_INVALID'
  | 'WITNESS_QUORUM_NOT_MET'
  | 'UNSIGNED_TAIL'
  | 'TRUSTED_CHECKPOINT_INVALID'
  | 'TRUSTED_CHECKPOINT_BEYOND_LEDGER'
  | 'TRUSTED_CHECKPOINT_MISMATCH'
  | 'LEDGER_DAMAGED'
  | 'STORAGE_ERROR'
  // reads (get, query, stream, trace): a payload that checks but cannot be shown
  | 'PAYLOAD_MALFORMED'
  // evidence bundles (format.md §9.3)
  | 'MALFORMED_BUNDLE'
  | 'INPUT_TOO_LARGE'
  | 'SEQ_ORDER'
  | 'BEYOND_CHECKPOINT'
  | 'PROOF_INVALID'
  | 'FILTER_MISMATCH'
  | 'TRUNCATED';

/** Where in a ledger file an issue was found. */
export type IssueTable = 'meta' | 'entries' | 'redactions' | 'checkpoints' | 'cosignatures' | 'trusted';

/** One problem found by verification, trace or bundle verification. */
export interface Issue {
  code: IssueCode;
  /** `warning` only where an option asks for it (e.g. `allowUnsignedTail`). */
  severity: 'error' | 'warning';
  message: string;
  /** Ledger verification and trace: the table the problem was found in. */
  table?: IssueTable;
  /** Bundle verification: the 1-based line. */
  line?: number;
  seq?: number;
  size?: number;
  level?: number;
  index?: number;
  /** TIME_ORDER, FILTER_MISMATCH: the entry's time (ms since the epoch), for a display in the reader's zone. */
  time?: number;
  /** TIME_ORDER: the time of the entry before it, which it must not precede. */
  previousTime?: number;
}

/** What a format rule found, before its caller says where (table, line) and how severe. */
export type Finding = Pick<Issue, 'code' | 'message'> & Partial<Pick<Issue, 'seq' | 'size' | 'level' | 'index' | 'time' | 'previousTime'>>;

/** A time as messages write it: ISO 8601 in UTC (a display shows the fields in the reader's zone). */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}

/** An issue as added: severity defaults to `error`. */
export type NewIssue = Omit<Issue, 'severity'> & { severity?: Issue['severity'] };

/**
 * The issues of one report: all are counted, the first `max` are kept, and
 * errors are counted apart from warnings (a report is ok when there is none).
 */
export class IssueList {
  readonly list: Issue[] = [];
  count = 0;
  errors = 0;

  constructor(readonly max: number) {}

  add(issue: NewIssue): void {
    const full: Issue = { severity: 'error', ...issue };
    this.count++;
    if (full.severity === 'error') this.errors++;
    if (this.list.length < this.max) this.list.push(full);
  }

  /** Adds each finding with the same place (table or line) and severity. */
  addAll(findings: readonly Finding[], where: Omit<NewIssue, 'code' | 'message'>): void {
    for (let i = 0; i < findings.length; i++) this.add({ ...where, ...findings[i]! });
  }
}
