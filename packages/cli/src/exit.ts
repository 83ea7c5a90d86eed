/**
 * Exit codes (docs/cli.md "Exit codes") and the one place where errors
 * become exit codes and messages. They live in @casetrail/verify/cli, shared
 * with the offline verifier casetrail-verify, so that both answer an
 * artifact with the same code.
 */
export {
  EXIT,
  EXIT_CODES_TEXT,
  CliError,
  StoppedError,
  usage,
  operational,
  failed,
  exitCodeOf,
  supervisionExitOf,
  classify,
  reportError,
  type ExitCode,
} from '@casetrail/verify/cli';
