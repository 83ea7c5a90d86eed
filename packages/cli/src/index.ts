/**
 * @casetrail/cli as a library: run the command line in-process, or call a
 * command function directly (each takes typed options and an Io).
 */
export { run, buildProgram, docsLocation, COMMANDS, VERSION } from './program.js';
export { defineCommand, type CommandSpec, type ProgramCommand } from './command.js';
export { EXIT, CliError, StoppedError, classify, exitCodeOf, supervisionExitOf, type ExitCode } from './exit.js';
export { formatTime, parseTime, zoneOf, type Zone } from './times.js';
export { captureIo, processIo, type Io, type CapturedIo, type OutStream } from './io.js';
export { init, type InitOptions, type InitResult } from './commands/init.js';
export { keygen, type KeygenOptions } from './commands/keygen.js';
export { append, type AppendOptions } from './commands/append.js';
export { log, type LogOptions } from './commands/log.js';
export { show, type ShowOptions } from './commands/show.js';
export { trace, type TraceOptions } from './commands/trace.js';
export { verify, type VerifyCommandOptions } from './commands/verify.js';
export { checkpoint, type CheckpointOptions } from './commands/checkpoint.js';
export { prove, type ProveOptions } from './commands/prove.js';
export { verifyProof, type VerifyProofOptions } from './commands/verify-proof.js';
export { consistency, type ConsistencyOptions } from './commands/consistency.js';
export { verifyConsistencyCommand, type VerifyConsistencyOptions } from './commands/verify-consistency.js';
export { exportBundle, type ExportOptions, type ExportResult } from './commands/export.js';
export { verifyBundleCommand, type VerifyBundleOptions } from './commands/verify-bundle.js';
export { redact, type RedactOptions } from './commands/redact.js';
export { rulesCheck, type RulesCheckOptions } from './commands/rules/check.js';
export { rulesAdopt, type RulesAdoptOptions } from './commands/rules/adopt.js';
export { rulesShow, type RulesShowOptions } from './commands/rules/show.js';
export { rulesTry, type RulesTryOptions } from './commands/rules/try.js';
export { calendarAdopt, type CalendarAdoptOptions } from './commands/calendar/adopt.js';
export { alerts, type AlertsOptions } from './commands/alerts.js';
export { alertsDispose, type AlertsDisposeOptions } from './commands/alerts/dispose.js';
export { tick, type TickOptions } from './commands/tick.js';
export { audit, type AuditOptions } from './commands/audit.js';
