/**
 * Exit codes (docs/cli.md "Exit codes") and the one place where errors
 * become exit codes and messages, for both commands: `casetrail` and the
 * offline verifier `casetrail-verify`.
 */
import { ENTRY_ISSUE_CODES, LedgerError, type ErrorCode } from '../errors.js';
import type { Io } from './io.js';
import { printable } from './output.js';

export const EXIT = {
  /** Success; for verify commands: everything checked out. */
  OK: 0,
  /** Verification failed or tampering was found. */
  FAILED: 1,
  /** The command line is wrong (unknown option, bad value, missing argument). */
  USAGE: 2,
  /** Something outside the command failed: missing file, locked database, bad key, disk full. */
  OPERATIONAL: 3,
  /**
   * A `block: true` rule of the pack in force refused the step (事前); the
   * attempt is recorded. Only `casetrail`'s screened writes give it: the
   * offline verifier writes nothing and never exits 4.
   */
  BLOCKED: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_MEANING: Readonly<Record<ExitCode, string>> = {
  0: 'ok',
  1: 'verification failed or tampering found',
  2: 'usage error',
  3: 'operational error',
  4: 'refused by a blocking rule',
};

function exitCodesLine(codes: readonly ExitCode[]): string {
  return `Exit codes: ${codes.map((c) => `${c} ${EXIT_MEANING[c]}`).join(', ')}.`;
}

/** The exit codes as every `casetrail` --help lists them. */
export const EXIT_CODES_TEXT = exitCodesLine([EXIT.OK, EXIT.FAILED, EXIT.USAGE, EXIT.OPERATIONAL, EXIT.BLOCKED]);

/** The exit codes as every `casetrail-verify` --help lists them: it writes nothing, so no rule can refuse it (no 4). */
export const VERIFIER_EXIT_CODES_TEXT = exitCodesLine([EXIT.OK, EXIT.FAILED, EXIT.USAGE, EXIT.OPERATIONAL]);

/** An error of the command line itself, with its exit code and a stable code for --json. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error after which a command has more to report: a note for stderr
 * (e.g. which lines of an import were committed) and fields for the --json
 * error document. Its code and exit code are those of its cause.
 */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
  constructor(
    override readonly cause: unknown,
    readonly note: string,
    readonly extra: Readonly<Record<string, unknown>>,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** A usage error (exit 2). */
export function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, 'USAGE', message);
}

/** An operational error (exit 3). */
export function operational(code: string, message: string): CliError {
  return new CliError(EXIT.OPERATIONAL, code, message);
}

/** A verification failure (exit 1). */
export function failed(code: string, message: string): CliError {
  return new CliError(EXIT.FAILED, code, message);
}

/**
 * Exit code of each library error code. Codes not listed are operational (3).
 * Decoding and cryptographic codes mean that bytes under check (a ledger row,
 * a proof, a bundle, a checkpoint file) are not what was signed: exit 1, as
 * does a damaged ledger (a file with casetrail's entries and checkpoints
 * tables whose other parts are damaged or missing, format.md §7), while
 * NOT_A_LEDGER (a file without them) stays 3. Evidence refused because the
 * ledger does not check (a stored checkpoint row that disagrees with its
 * note, an entry that does not match its bytes or its chain: the error has
 * the code of the entry's first issue) is tampering too: exit 1, as are a
 * witness policy not met and a witness's refusal of a checkpoint that does
 * not extend what it cosigned (docs/oversight.md); a log a witness does not
 * know (UNKNOWN_LOG) and a witness or monitor state that cannot be used
 * (STATE_*) are operational. Keyed by string: a code is looked up by its own
 * key only.
 */
const LEDGER_EXIT: Readonly<Record<string, ExitCode>> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  PAYLOAD_TOO_LARGE: EXIT.USAGE,
  TIME_ORDER: EXIT.USAGE,
  NOT_FOUND: EXIT.USAGE,
  ALREADY_REDACTED: EXIT.USAGE,
  NOT_REDACTABLE: EXIT.USAGE,
  NO_SIGNER: EXIT.USAGE,
  IDEMPOTENCY_CONFLICT: EXIT.USAGE,
  CONFIG_INVALID: EXIT.USAGE,
  DIRECTORY_INVALID: EXIT.USAGE,
  POLICY_INVALID: EXIT.USAGE,
  // An append the adopted policy forbids: refused and recorded, as a blocking rule's (docs/oversight.md §9).
  POLICY_DENIED: EXIT.BLOCKED,
  TRANSFER_REPLAYED: EXIT.USAGE,
  TRANSFER_CASE_EXISTS: EXIT.USAGE,
  TRANSFER_CASE_UNKNOWN: EXIT.USAGE,
  TRANSFER_UNIT_UNKNOWN: EXIT.USAGE,

  VERIFICATION_FAILED: EXIT.FAILED,
  INVALID_SIGNATURE: EXIT.FAILED,
  UNKNOWN_KEY: EXIT.FAILED,
  PROOF_INVALID: EXIT.FAILED,
  INCONSISTENT: EXIT.FAILED,
  MALFORMED_CBOR: EXIT.FAILED,
  NON_CANONICAL_CBOR: EXIT.FAILED,
  MALFORMED_ENTRY: EXIT.FAILED,
  UNSUPPORTED_VERSION: EXIT.FAILED,
  MALFORMED_BASE64: EXIT.FAILED,
  MALFORMED_NOTE: EXIT.FAILED,
  MALFORMED_CHECKPOINT: EXIT.FAILED,
  MALFORMED_PROOF: EXIT.FAILED,
  MALFORMED_BUNDLE: EXIT.FAILED,
  INPUT_TOO_LARGE: EXIT.FAILED,
  LEDGER_DAMAGED: EXIT.FAILED,
  CHECKPOINT_ROOT_MISMATCH: EXIT.FAILED,
  CHECKPOINT_INVALID: EXIT.FAILED,
  PAYLOAD_MISSING: EXIT.FAILED,
  // The writer found that the file does not extend what its signer signed, or
  // holds entries its writers did not write (format.md §10.3): tampering, or
  // a recovery to make explicitly (`casetrail state adopt`). SIGNER_STATE_*
  // name the state itself (missing, invalid, another ledger's): exit 3.
  LEDGER_ROLLED_BACK: EXIT.FAILED,
  LEDGER_REWRITTEN: EXIT.FAILED,
  LEDGER_TAMPERED: EXIT.FAILED,
  LEDGER_FOREIGN_TAIL: EXIT.FAILED,
  WITNESS_QUORUM_NOT_MET: EXIT.FAILED,
  OLD_SIZE_MISMATCH: EXIT.FAILED,
  // A transfer bundle that does not verify, is not the sender's, or is not a transfer (docs/oversight.md §10).
  TRANSFER_UNVERIFIED: EXIT.FAILED,
  TRANSFER_WRONG_SENDER: EXIT.FAILED,
  TRANSFER_STEP_MISSING: EXIT.FAILED,
  TRANSFER_MISADDRESSED: EXIT.FAILED,
  TRANSFER_INVALID: EXIT.FAILED,
  // The issues of an entry as reads mark it, when evidence is refused for it.
  ...Object.fromEntries(ENTRY_ISSUE_CODES.map((c) => [c, EXIT.FAILED])),
};

/** The exit code of a library error code (docs/errors.md "CLI exit"). */
export function exitCodeOf(code: string): ExitCode {
  return Object.hasOwn(LEDGER_EXIT, code) ? LEDGER_EXIT[code]! : EXIT.OPERATIONAL;
}

/**
 * Exit code of each supervision error code (docs/errors.md "Supervision").
 * A pack, calendar, disposition, violation, revocation or summary that is
 * refused, or a points command on a ledger without a points model, is the
 * user's input (2);
 * stored bytes that do not hold are tampering (1); a blocking rule is 4.
 * Codes not listed are operational (3).
 */
const SUPERVISION_EXIT: Readonly<Record<string, ExitCode>> = {
  PACK_SYNTAX: EXIT.USAGE,
  PACK_SCHEMA: EXIT.USAGE,
  PACK_RESERVED: EXIT.USAGE,
  PACK_UNKNOWN_FIELD: EXIT.USAGE,
  PACK_CEL_SYNTAX: EXIT.USAGE,
  PACK_CEL_TYPE: EXIT.USAGE,
  PACK_CEL_FORBIDDEN: EXIT.USAGE,
  PACK_LIMIT: EXIT.USAGE,
  CALENDAR_INVALID: EXIT.USAGE,
  DISPOSITION_INVALID: EXIT.USAGE,
  VIOLATION_INVALID: EXIT.USAGE,
  REVOCATION_INVALID: EXIT.USAGE,
  SUMMARY_INVALID: EXIT.USAGE,
  POINTS_MODEL_MISSING: EXIT.USAGE,
  MALFORMED_SYSTEM_ENTRY: EXIT.FAILED,
  ADOPTION_UNVERIFIED: EXIT.FAILED,
  STORED_ENTRY_INVALID: EXIT.FAILED,
  // A standing that the entries do not give: written around the writer (docs/supervision.md §14.12).
  STANDING_INVALID: EXIT.FAILED,
  RULE_BLOCKED: EXIT.BLOCKED,
};

/** The exit code of a supervision error code (docs/errors.md "Supervision", "CLI exit"). */
export function supervisionExitOf(code: string): ExitCode {
  return Object.hasOwn(SUPERVISION_EXIT, code) ? SUPERVISION_EXIT[code]! : EXIT.OPERATIONAL;
}

/**
 * A SupervisionError of @casetrail/supervise, known by its class name and
 * string code: this floor depends on no layer (decision 0002), and only the
 * `casetrail` command, which does, can meet one.
 */
function isSupervisionError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === 'SupervisionError' && typeof (e as { code?: unknown }).code === 'string';
}

const SIGN_FIRST = 'sign one first with `casetrail checkpoint <ledger> --sign`';

/** What to do about NOT_FOUND: it names a checkpoint size, an entry after the checkpoint, or an entry that is not there. */
function notFoundHint(d: Readonly<Record<string, unknown>>): string {
  if (d['checkpointSize'] !== undefined) return 'omit --size (or --to) to use the latest checkpoint, or ' + SIGN_FIRST;
  if (typeof d['seq'] === 'number' && typeof d['size'] === 'number' && d['seq'] < d['size']) return SIGN_FIRST;
  return 'list the entries with `casetrail log <ledger>`';
}

/** What to do about a library error, where its message does not already say. */
const HINTS: Partial<Record<ErrorCode, string | ((details: Readonly<Record<string, unknown>>) => string)>> = {
  LEDGER_NOT_FOUND: 'check the path, or create a ledger with `casetrail init <ledger> --origin <name>`',
  NOT_A_LEDGER: 'the file is not a casetrail ledger; check the path',
  LEDGER_EXISTS: 'choose another path; casetrail never overwrites a ledger',
  LEDGER_BUSY: 'another process holds the write lock; retry when it is done',
  NOT_FOUND: notFoundHint,
  NO_CHECKPOINT: SIGN_FIRST,
  UNSIGNED_REDACTION: 'run `casetrail checkpoint <ledger> --sign`',
  PAYLOAD_MISSING: 'run `casetrail verify <ledger> --vkey <vkey>`',
  CHECKPOINT_ROOT_MISMATCH: 'run `casetrail verify <ledger> --vkey <vkey>`',
  NO_SIGNER: 'pass the ledger signing key with --key-file or CASETRAIL_KEY_FILE',
  DISK_FULL: 'free some disk space and run the command again',
  READ_ONLY: 'the ledger was opened read-only or the file is not writable; check its permissions',
  MALFORMED_KEY: "pass the ledger's verifier key (name+keyid+key, printed by `casetrail init`) or a file holding it",
  UNKNOWN_KEY: 'check that --vkey is the verifier key of the ledger that produced this file',
  INVALID_SIGNATURE: 'the signed text was changed after signing, or --vkey names another key with the same name',
  IDEMPOTENCY_CONFLICT: 'an idempotency key names one step of its case: give this step another key',
  LEDGER_DAMAGED: 'run `casetrail verify <ledger> --vkey <vkey>` to see every damaged part',
  CHECKPOINT_INVALID: 'run `casetrail verify <ledger> --vkey <vkey>`',
  WITNESS_QUORUM_NOT_MET: 'get the checkpoint cosigned by the witnesses (`casetrail cosign attach`), or check --witness and --witness-quorum',
  STATE_LOCKED: 'another process holds the lock; retry when it is done',
};

/** Exit code and stable code of any thrown value. */
export function classify(e: unknown): { exitCode: ExitCode; code: string; message: string } {
  if (e instanceof StoppedError) return classify(e.cause);
  if (e instanceof CliError) return { exitCode: e.exitCode, code: e.code, message: e.message };
  if (isSupervisionError(e)) return { exitCode: supervisionExitOf(e.code), code: e.code, message: e.message };
  if (e instanceof LedgerError) {
    const h = HINTS[e.code];
    const hint = typeof h === 'function' ? h(e.details) : h;
    const message = hint !== undefined && !e.message.includes(hint) ? `${e.message}: ${hint}` : e.message;
    return { exitCode: exitCodeOf(e.code), code: e.code, message };
  }
  const sys = e as NodeJS.ErrnoException;
  if (sys !== null && typeof sys === 'object' && typeof sys.code === 'string') {
    const path = typeof sys.path === 'string' ? sys.path : undefined;
    switch (sys.code) {
      case 'ENOENT':
        return { exitCode: EXIT.OPERATIONAL, code: 'FILE_NOT_FOUND', message: `no such file: ${path ?? sys.message}; check the path` };
      case 'EACCES':
      case 'EPERM':
        return { exitCode: EXIT.OPERATIONAL, code: 'PERMISSION_DENIED', message: `permission denied: ${path ?? sys.message}; check the file's owner and mode` };
      case 'ENOSPC':
      case 'EDQUOT':
        return { exitCode: EXIT.OPERATIONAL, code: 'DISK_FULL', message: `the disk is full writing ${path ?? 'a file'}; free some space and run the command again` };
      case 'EISDIR':
        return { exitCode: EXIT.OPERATIONAL, code: 'IS_A_DIRECTORY', message: `${path ?? 'the path'} is a directory; give a file path` };
      default:
        // Another refusal of the operating system (a name too long, a path through a file, …): one
        // documented code, the system's own in the message. A coded error that is not the system's
        // (Node's ERR_…) is a bug.
        if (typeof sys.syscall === 'string') return { exitCode: EXIT.OPERATIONAL, code: 'FILE_ERROR', message: `${sys.message}; check the path` };
        // Node refuses a path with a NUL character before any system call: the command line is wrong.
        if (sys.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(sys.message)) return { exitCode: EXIT.USAGE, code: 'USAGE', message: 'a path holds a NUL character' };
    }
  }
  return { exitCode: EXIT.OPERATIONAL, code: 'INTERNAL', message: `unexpected error: ${(e as Error)?.message ?? String(e)}` };
}

/**
 * Prints an error (stderr; with --json also one JSON document on stdout)
 * and returns its exit code.
 * @param program - the executable's name in the message (`casetrail`, `casetrail-verify`)
 */
export function reportError(e: unknown, io: Io, command: string, json: boolean, program = 'casetrail'): ExitCode {
  const { exitCode, code, message } = classify(e);
  // Messages can quote stored or given text: escaped like every display (output.ts).
  io.stderr.write(`${program} ${command}: error [${code}]: ${printable(message)}\n`);
  const stopped = e instanceof StoppedError ? e : undefined;
  if (stopped !== undefined && stopped.note !== '') io.stderr.write(`${printable(stopped.note)}\n`);
  if (io.env['CASETRAIL_DEBUG'] && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code, message, exitCode }, ...stopped?.extra })}\n`);
  return exitCode;
}
