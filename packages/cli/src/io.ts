/**
 * The command's view of the outside world (stdout, stderr, stdin, the
 * environment, the working directory). It lives in @casetrail/verify/cli,
 * shared with the offline verifier casetrail-verify.
 */
export { captureIo, processIo, write, type Io, type CapturedIo, type OutStream } from '@casetrail/verify/cli';
