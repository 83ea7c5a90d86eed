/**
 * @casetrail/verify/cli: the command-line toolkit shared by `casetrail` (the
 * ledger's command, @casetrail/cli) and `casetrail-verify` (the offline
 * verifier, this package's bin) — so that an artifact is checked, shown and
 * answered with an exit code the same way by both. Node only; the rest of
 * @casetrail/verify runs anywhere.
 *
 * Floor 6 of docs/decisions/0002-layout.md: it imports the pure floors below
 * it and `node:` modules; nothing below imports it.
 */
export { captureIo, processIo, write, type Io, type CapturedIo, type OutStream } from './io.js';
export { EXIT, EXIT_CODES_TEXT, VERIFIER_EXIT_CODES_TEXT, CliError, StoppedError, usage, operational, failed, exitCodeOf, supervisionExitOf, classify, reportError, type ExitCode } from './exit.js';
export { resolvePath, readBytesFile, readTextFile, readInput, inputStream, type InputKind } from './inputs.js';
export { zoneOf, formatTime, parseTime, type Zone } from './times.js';
export { paint, printJson, width, truncate, INVISIBLE, printable, table, fields, utcIso, entryObject, Progress, type Paint, type Column, type EntryJson, type EntryFacts, type EntryPayloadState } from './output.js';
export { readKeyText, readVerifierKey, readWitnessKey, readWitnessPolicy, SIGNER_KEY_PREFIX } from './keys.js';
export { witnessedJson, witnessedText } from './witnessed.js';
export { issueText, issueLines } from './issue-text.js';
export { TimelineWriter, stepJson, payloadLines, TIMELINE_WINDOW, MAX_DATA_LINES, MAX_DATA_COLUMNS, type BundleStepJson } from './timeline.js';
export { verifyProofFile, type ProofFileOptions } from './commands/proof.js';
export { verifyWitnessBodyFile, type WitnessBodyFileOptions } from './commands/consistency.js';
export { verifyBundleFile, bundleSummary, type BundleFileOptions } from './commands/bundle.js';
export { verifyCheckpointFile, type CheckpointFileOptions } from './commands/checkpoint.js';
export { runVerify, verifyHelp, verifyDocsLocation, VERIFY_COMMANDS, VERIFY_VERSION } from './program.js';
