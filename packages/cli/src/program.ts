/**
 * The `casetrail` command line: the list of commands (each defined in its own
 * file under ./commands) and the one place where an action's outcome becomes
 * an exit code. `run` never exits the process: it returns the exit code
 * (docs/cli.md "Exit codes") for the bin to set.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { ProgramCommand } from './command.js';
import { alertsCli } from './commands/alerts.js';
import { appendCli } from './commands/append.js';
import { auditCli } from './commands/audit.js';
import { calendarCli } from './commands/calendar.js';
import { checkpointCli } from './commands/checkpoint.js';
import { consistencyCli } from './commands/consistency.js';
import { cosignCli } from './commands/cosign.js';
import { exportCli } from './commands/export.js';
import { initCli } from './commands/init.js';
import { keygenCli } from './commands/keygen.js';
import { logCli } from './commands/log.js';
import { monitorCli } from './commands/monitor.js';
import { proveCli } from './commands/prove.js';
import { redactCli } from './commands/redact.js';
import { rulesCli } from './commands/rules.js';
import { showCli } from './commands/show.js';
import { stateCli } from './commands/state.js';
import { tickCli } from './commands/tick.js';
import { traceCli } from './commands/trace.js';
import { transferCli } from './commands/transfer.js';
import { verifyBundleCli } from './commands/verify-bundle.js';
import { verifyConsistencyCli } from './commands/verify-consistency.js';
import { verifyProofCli } from './commands/verify-proof.js';
import { verifyCli } from './commands/verify.js';
import { witnessCli } from './commands/witness.js';
import { unitsCli } from './commands/units.js';
import { actorsCli } from './commands/actors.js';
import { policyCli } from './commands/policy.js';
import { EXIT, EXIT_CODES_TEXT, reportError } from './exit.js';
import type { Io } from './io.js';

export const VERSION = '0.1.0';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly ProgramCommand[] = [
  initCli,
  keygenCli,
  appendCli,
  logCli,
  showCli,
  traceCli,
  verifyCli,
  checkpointCli,
  proveCli,
  verifyProofCli,
  consistencyCli,
  verifyConsistencyCli,
  exportCli,
  verifyBundleCli,
  redactCli,
  rulesCli,
  calendarCli,
  alertsCli,
  tickCli,
  auditCli,
  stateCli,
  witnessCli,
  cosignCli,
  monitorCli,
  unitsCli,
  actorsCli,
  policyCli,
  transferCli,
];

/**
 * Where the documentation of the installed command is: the package ships
 * docs/ (packed by `prepack`); in a checkout it is the repository's docs/.
 * Printed as an absolute path so that --help works from any directory.
 */
export function docsLocation(): string {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const dir of [join(pkg, 'docs'), join(pkg, '..', '..', 'docs')]) {
    if (existsSync(join(dir, 'cli.md'))) return join(dir, 'cli.md');
  }
  return 'the docs/ folder of the casetrail repository (docs/cli.md)';
}

/**
 * Builds the program. Commander errors (unknown option, missing argument)
 * are thrown as CommanderError instead of exiting; `setExit` receives each
 * action's exit code.
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('casetrail');
  program
    .description('Tamper-evident, hash-chained audit ledger for case systems: record, verify, prove, export, supervise.')
    .version(VERSION, '-V, --version')
    // Needed, with the same on each command that has subcommands (command.ts),
    // for a subcommand's options to be its own (`alerts dispose … --json`).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      () => `\n${EXIT_CODES_TEXT}\nDocumentation: ${docsLocation()} (errors: errors.md beside it)\n`,
    );

  for (const c of COMMANDS) {
    c.attach(program, async (name, json, action) => {
      try {
        setExit(await action(io));
      } catch (e) {
        setExit(reportError(e, io, name, json));
      }
    });
  }
  return program;
}

/**
 * Runs the command line in-process.
 * @param argv - the arguments after the program name
 * @returns the exit code: 0 ok, 1 verification failed, 2 usage error, 3 operational error, 4 refused by a blocking rule
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    return reportError(e, io, 'casetrail', false);
  }
  return code;
}
