/**
 * Reading what the user points the CLI at: paths, whole files under a size
 * limit (an artifact over its limit fails closed with INPUT_TOO_LARGE, exit
 * 1; an input to a writing command is FILE_TOO_LARGE, exit 3), and streams.
 * Shared with the offline verifier casetrail-verify (@casetrail/verify/cli).
 */
export { resolvePath, readBytesFile, readTextFile, readInput, inputStream, type InputKind } from '@casetrail/verify/cli';
