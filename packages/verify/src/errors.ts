/**
 * The one error class of casetrail. Codes are API: they are listed in
 * docs/errors.md and never change meaning once released.
 */
export type ErrorCode =
  // misuse of the API (wrong type, out-of-range argument)
  | 'INVALID_ARGUMENT'
  | 'PAYLOAD_TOO_LARGE'
  | 'TIME_ORDER'
  | 'IDEMPOTENCY_CONFLICT'
  // decoding attacker-controlled bytes
  | 'MALFORMED_CBOR'
  | 'NON_CANONICAL_CBOR'
  | 'MALFORMED_ENTRY'
  | 'UNSUPPORTED_VERSION'
  | 'MALFORMED_BASE64'
  | 'MALFORMED_NOTE'
  | 'MALFORMED_CHECKPOINT'
  | 'MALFORMED_KEY'
  | 'MALFORMED_PROOF'
  | 'MALFORMED_BUNDLE'
  | 'INPUT_TOO_LARGE'
  // cryptographic verdicts
  | 'INVALID_SIGNATURE'
  | 'UNKNOWN_KEY'
  | 'PROOF_INVALID'
  | 'INCONSISTENT'
  // ledger / store
  | 'NOT_FOUND'
  | 'LEDGER_EXISTS'
  | 'LEDGER_NOT_FOUND'
  | 'NOT_A_LEDGER'
  | 'LEDGER_DAMAGED'
  | 'LEDGER_CLOSED'
  | 'LEDGER_BUSY'
  | 'READ_ONLY'
  | 'DISK_FULL'
  | 'STORAGE_ERROR'
  | 'ALREADY_REDACTED'
  | 'NOT_REDACTABLE'
  | 'IMMUTABLE'
  | 'KEY_MISMATCH'
  | 'KEY_FILE_PERMISSIONS'
  | 'KEY_FILE'
  | 'NO_SIGNER'
  | 'SIGNER_FAILED'
  // the signer state (format.md §10): the writer never signs what it has not verified
  | 'SIGNER_STATE_MISSING'
  | 'SIGNER_STATE_INVALID'
  | 'SIGNER_STATE_EXISTS'
  | 'LEDGER_ROLLED_BACK'
  | 'LEDGER_REWRITTEN'
  | 'LEDGER_TAMPERED'
  | 'LEDGER_FOREIGN_TAIL'
  | 'VERIFICATION_FAILED'
  // evidence made from a ledger (format.md §9)
  | 'NO_CHECKPOINT'
  | 'CHECKPOINT_ROOT_MISMATCH'
  | 'UNSIGNED_REDACTION'
  | 'PAYLOAD_MISSING'
  | 'CHECKPOINT_INVALID'
  // evidence refused for an entry that does not check: the code of its first issue
  | EntryIssueCode
  // layers on the ledger (in-transaction extensions)
  | 'REFUSED'
  | 'EXTENSION_FAILED'
  // witnesses and monitors (docs/oversight.md)
  | 'WITNESS_QUORUM_NOT_MET'
  | 'UNKNOWN_LOG'
  | 'OLD_SIZE_MISMATCH'
  | 'STATE_INVALID'
  | 'STATE_LOCKED'
  | 'STATE_EXISTS'
  | 'CONFIG_INVALID'
  // units, actors and the permission policy (docs/oversight.md §8–§9)
  | 'DIRECTORY_INVALID'
  | 'POLICY_INVALID'
  | 'POLICY_DENIED'
  // clue transfer between ledgers (docs/oversight.md §10)
  | 'TRANSFER_UNVERIFIED'
  | 'TRANSFER_WRONG_SENDER'
  | 'TRANSFER_STEP_MISSING'
  | 'TRANSFER_MISADDRESSED'
  | 'TRANSFER_INVALID'
  | 'TRANSFER_REPLAYED'
  | 'TRANSFER_CASE_EXISTS'
  | 'TRANSFER_CASE_UNKNOWN'
  | 'TRANSFER_UNIT_UNKNOWN';

/**
 * The codes of the issues a read can mark an entry with (docs/errors.md
 * "Verification issue codes"; PAYLOAD_MISSING is an error code already).
 * Evidence refused for an entry that does not check (`exportBundle`,
 * `tlogProof`) is an error with the code of its first issue, one of these.
 */
export const ENTRY_ISSUE_CODES = Object.freeze([
  'ROW_INVALID',
  'ENTRY_DECODE',
  'SEQ_MISMATCH',
  'LEAF_HASH_MISMATCH',
  'INDEX_MISMATCH',
  'CASE_STEP_MISMATCH',
  'CASE_CHAIN_BROKEN',
  'PAYLOAD_COMMITMENT_MISMATCH',
  'REDACTION_INVALID',
  'ACTOR_SIGNATURE_INVALID',
  'NONCE_REPLAYED',
  'NODE_MISMATCH',
  'NODE_MISSING',
  'NODE_EXTRA',
] as const);

export type EntryIssueCode = (typeof ENTRY_ISSUE_CODES)[number];

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: ErrorCode;
  /** Extra facts about the failure (position, sizes, paths); never secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** Throws a coded error; for use in expression position. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new LedgerError(code, message, details);
}

export function isLedgerError(e: unknown, code?: ErrorCode): e is LedgerError {
  return e instanceof LedgerError && (code === undefined || e.code === code);
}
