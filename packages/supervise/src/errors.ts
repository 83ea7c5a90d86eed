/**
 * The one error class of @casetrail/supervise. Codes are API: they are listed
 * in docs/errors.md ("Supervision") and never change meaning once released.
 * The core's `LedgerError` keeps its own closed set of codes; this package does
 * not depend on core internals, so it has its own class with the same shape.
 */
export type SupervisionErrorCode =
  // rule packs (checked before adoption; file:line:column in details when known)
  | 'PACK_SYNTAX'
  | 'PACK_SCHEMA'
  | 'PACK_RESERVED'
  | 'PACK_UNKNOWN_FIELD'
  | 'PACK_CEL_SYNTAX'
  | 'PACK_CEL_TYPE'
  | 'PACK_CEL_FORBIDDEN'
  | 'PACK_LIMIT'
  // calendars
  | 'CALENDAR_INVALID'
  // system entry payloads
  | 'MALFORMED_SYSTEM_ENTRY'
  // engine input
  | 'INVALID_INPUT'
  // the writer on a ledger (src/ledger/)
  | 'RULE_BLOCKED'
  | 'ADOPTION_UNVERIFIED'
  | 'STORED_ENTRY_INVALID'
  | 'DISPOSITION_INVALID'
  | 'WRITER_STALE'
  // the violations ledger (docs/supervision.md §14)
  | 'VIOLATION_INVALID'
  | 'REVOCATION_INVALID'
  | 'SUMMARY_INVALID'
  | 'STANDING_INVALID'
  | 'POINTS_MODEL_MISSING';

export interface SourcePosition {
  /** file name as given by the caller, or `<pack>` */
  readonly file: string;
  /** 1-based */
  readonly line: number;
  /** 1-based, in UTF-16 code units as the `yaml` package counts them */
  readonly column: number;
}

export class SupervisionError extends Error {
  override readonly name = 'SupervisionError';
  readonly code: SupervisionErrorCode;
  /** Extra facts: `position` ({file,line,column}), `path` (key path in the pack), sizes. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SupervisionErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** Throws a coded error; for use in expression position. */
export function fail(code: SupervisionErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new SupervisionError(code, message, details);
}

export function isSupervisionError(e: unknown, code?: SupervisionErrorCode): e is SupervisionError {
  return e instanceof SupervisionError && (code === undefined || e.code === code);
}

/** `file:line:column: message`, the form editors and terminals link. */
export function formatPosition(p: SourcePosition): string {
  return `${p.file}:${p.line}:${p.column}`;
}
