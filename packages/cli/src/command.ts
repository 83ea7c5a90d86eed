/**
 * The shape of one command (after changesets / cspell: one file per command,
 * each a plain typed function callable without argv). A command file holds
 * its commander definition, the conversion of commander's parsed values into
 * its typed options, and its handler; program.ts only lists the commands.
 */
import type { Command, OptionValues } from 'commander';
import { usage } from './exit.js';
import type { Io } from './io.js';

/** One command of the program, with the type of its options. */
export interface CommandSpec<O> {
  /** The command's name on the command line, e.g. `verify-proof`. */
  readonly name: string;
  /** Adds description, arguments, options and the help example to `cmd`. */
  define(cmd: Command): void;
  /**
   * The typed options of one invocation.
   * @param args - the command's arguments, after their argument parsers ran
   * @param values - commander's option values (checked here, not trusted)
   */
  options(args: readonly unknown[], values: OptionValues): O;
  /** The handler: returns the exit code; throws CliError or LedgerError. */
  run(opts: O, io: Io): Promise<number>;
  /** Commands under this one (`alerts dispose`), each in its own file. */
  readonly subcommands?: readonly ProgramCommand[];
}

/** How program.ts runs an action: it reports errors and records the exit code. */
export type RunAction = (name: string, json: boolean, action: (io: Io) => Promise<number>) => Promise<void>;

/** A command with its option type erased, as program.ts lists them. */
export interface ProgramCommand {
  readonly name: string;
  attach(program: Command, runAction: RunAction): Command;
}

/**
 * Wraps a command spec for the program's list: commander parses argv, `options`
 * turns the result into typed options, and `run` is called with them.
 */
export function defineCommand<O>(spec: CommandSpec<O>): ProgramCommand {
  return {
    name: spec.name,
    attach(program, runAction) {
      const cmd = program.command(spec.name);
      spec.define(cmd);
      // Options after a subcommand's name are the subcommand's: without this,
      // `alerts dispose … --json` gave --json to `alerts`, and dispose printed text.
      if (spec.subcommands !== undefined && spec.subcommands.length > 0) cmd.enablePositionalOptions();
      for (const sub of spec.subcommands ?? []) sub.attach(cmd, runAction);
      const name = fullName(program, spec.name);
      cmd.action(async (...raw: unknown[]) => {
        const self = raw[raw.length - 1] as Command;
        const values = self.opts();
        const swallowed = swallowedOption(self, values);
        // `--name --json`: commander gives "--json" to --name as its value. The
        // user meant the flag, so the error is reported as they asked for it.
        const json = values['json'] === true || swallowed?.value === '--json';
        await runAction(name, json, (io) => {
          if (swallowed !== undefined) {
            throw usage(`${swallowed.flag} needs a value, but the next argument is the option ${swallowed.value}`);
          }
          return spec.run(spec.options(raw.slice(0, -2), values), io);
        });
      });
      return cmd;
    },
  };
}

/** `rules check` for a subcommand, `verify` for a command of the program. */
function fullName(parent: Command, name: string): string {
  return parent.parent === null ? name : `${fullName(parent.parent, parent.name())} ${name}`;
}

/**
 * A command that only groups others (`rules check|adopt|show|try`, `witness
 * init|add-log|…`): its file lists them; each is defined in its own file
 * under commands/<group>/, and errors name it `<group> <subcommand>`
 * (defineCommand's fullName).
 */
export function defineGroup(spec: { name: string; description: string; subcommands: readonly ProgramCommand[]; help: string }): ProgramCommand {
  return {
    name: spec.name,
    attach(program, runAction) {
      const cmd = program.command(spec.name).description(spec.description).addHelpText('after', spec.help);
      for (const sub of spec.subcommands) sub.attach(cmd, runAction);
      return cmd;
    },
  };
}

/**
 * An option whose value is one of this command's own option flags (or
 * --help): commander takes the next argument as an option's value even when
 * it is another option, which is never what was meant.
 */
function swallowedOption(cmd: Command, values: OptionValues): { flag: string; value: string } | undefined {
  const flags = new Set(['--help', ...cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined)]);
  for (const o of cmd.options) {
    if (!o.required && !o.optional) continue;
    const v = values[o.attributeName()];
    for (const one of Array.isArray(v) ? v : [v]) {
      if (typeof one === 'string' && flags.has(one)) return { flag: o.long ?? o.flags, value: one };
    }
  }
  return undefined;
}
