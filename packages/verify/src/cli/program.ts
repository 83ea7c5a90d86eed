/**
 * `casetrail-verify`, the offline verifier: checks a proof, a witness body,
 * a bundle or a checkpoint with the ledger's verifier key alone — the same
 * functions as `casetrail verify-proof`, `verify-consistency` and
 * `verify-bundle` (commands/), with the same exit codes and --json shapes.
 *
 * Policy (docs/decisions/0003-offline-verifier.md): the command line is read
 * with Node's own `util.parseArgs` (strict: an unknown option, a missing
 * value or an option given as another's value is a usage error, exit 2), so
 * the verifier has no dependency beyond @noble and bundles into one file.
 * `run` never exits the process: it returns the exit code for the bin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyBundleFile } from './commands/bundle.js';
import { verifyCheckpointFile } from './commands/checkpoint.js';
import { verifyWitnessBodyFile } from './commands/consistency.js';
import { verifyProofFile } from './commands/proof.js';
import { EXIT, VERIFIER_EXIT_CODES_TEXT, reportError, usage } from './exit.js';
import { write, type Io } from './io.js';

/** The version of @casetrail/verify (a test keeps it equal to package.json's). */
export const VERIFY_VERSION = '0.1.0';
const PROGRAM = 'casetrail-verify';

type Values = Record<string, string | boolean | string[] | undefined>;
type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; value?: string; help: string; required?: boolean; count?: true };

/** One command of casetrail-verify. */
interface VerifyCommand {
  /** What it checks, one line. */
  summary: string;
  /** What a success proves, and what it does not. */
  proves: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  run(file: string, v: Values, io: Io): Promise<number>;
}

const VKEY: OptionSpec = { type: 'string', value: '<vkey|file>', help: "the ledger's verifier key, or a file holding it (required; never taken from the artifact)", required: true };
const TZ: OptionSpec = { type: 'string', value: '<zone>', help: 'IANA time zone of the times shown (default $TZ, else UTC)' };
const JSON_OPTION: OptionSpec = { type: 'boolean', help: 'print one JSON document' };
const WITNESS: OptionSpec = {
  type: 'string',
  multiple: true,
  value: '<key|file>',
  help: "a witness's cosignature key (or a file holding it) whose cosignature on the embedded checkpoint counts; repeat for several",
};
const WITNESS_QUORUM: OptionSpec = { type: 'string', value: '<k>', help: 'how many of the --witness keys must have cosigned (default: all of them)', count: true };

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
const opt = <K extends string, T>(k: K, value: T | undefined): { [P in K]?: T } => (value === undefined ? {} : ({ [k]: value } as { [P in K]?: T }));

/** The witness policy options of a command, for its typed options. */
function witnessOptions(v: Values): { witness?: string[]; witnessQuorum?: number } {
  return { ...opt('witness', Array.isArray(v['witness']) ? v['witness'] : undefined), ...opt('witnessQuorum', count(v, 'witness-quorum')) };
}

function count(v: Values, k: string): number | undefined {
  const s = str(v, k);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(Number(s.trim()))) throw usage(`--${k} must be a whole number; got ${JSON.stringify(s)}`);
  return Number(s.trim());
}

/** The commands, in the order --help lists them. */
export const VERIFY_COMMANDS: Readonly<Record<string, VerifyCommand>> = {
  proof: {
    summary: 'check a tlog-proof file (casetrail prove): one entry is in the signed tree',
    proves:
      'the entry in the file is entry <index> of the ledger in the tree its checkpoint signs: its case, step, type, actor and time, and the commitment to its payload (the payload itself is not in a proof). Whether that checkpoint is the one the world saw is a separate question: compare it with a published one, or pass --witness so that the witnesses you trust must have cosigned it.',
    options: { vkey: VKEY, witness: WITNESS, 'witness-quorum': WITNESS_QUORUM, tz: TZ, json: JSON_OPTION },
    examples: ['casetrail-verify proof decision.tlog-proof --vkey cases.vkey', 'casetrail-verify proof decision.tlog-proof --vkey cases.vkey --witness province.witness.vkey'],
    run: (file, v, io) => verifyProofFile({ file, vkey: str(v, 'vkey')!, ...witnessOptions(v), ...opt('tz', str(v, 'tz')), ...opt('json', v['json'] === true || undefined) }, io),
  },
  consistency: {
    summary: 'check an add-checkpoint body (casetrail consistency) against a checkpoint you trust',
    proves:
      'the new checkpoint in the body is signed by the key and extends the trusted one (--from): the ledger was appended to, not rewritten, between the two. With --from 0 only the signature is checked. With --witness, the witnesses you trust cosigned the new checkpoint too.',
    options: {
      vkey: VKEY,
      from: { type: 'string', value: '<checkpoint file|0>', help: 'the checkpoint you trust, saved earlier, or 0 when you trust none yet (required)', required: true },
      witness: WITNESS,
      'witness-quorum': WITNESS_QUORUM,
      tz: TZ,
      json: JSON_OPTION,
    },
    examples: ['casetrail-verify consistency add-checkpoint.body --vkey cases.vkey --from published.checkpoint'],
    run: (file, v, io) =>
      verifyWitnessBodyFile({ file, vkey: str(v, 'vkey')!, from: str(v, 'from')!, ...witnessOptions(v), ...opt('tz', str(v, 'tz')), ...opt('json', v['json'] === true || undefined) }, io),
  },
  bundle: {
    summary: 'check an evidence bundle (casetrail export) and show its case timeline',
    proves:
      "every entry shown is in the signed tree at its position, with its payload (or its proven erasure), its actor signatures verified, and each case's steps in it form an unbroken chain; an unfiltered bundle holds the whole ledger. It cannot prove that a filtered bundle holds the last step of a case. With --witness, the bundle's checkpoint was cosigned by the witnesses you trust: it is the one they saw, not a split view shown to you alone.",
    options: {
      vkey: VKEY,
      'max-issues': { type: 'string', value: '<n>', help: 'list at most n issues (default 1000; all are counted)', count: true },
      witness: WITNESS,
      'witness-quorum': WITNESS_QUORUM,
      tz: TZ,
      json: JSON_OPTION,
    },
    examples: ['casetrail-verify bundle case.bundle --vkey cases.vkey --tz Asia/Shanghai'],
    run: (file, v, io) =>
      verifyBundleFile(
        { file, vkey: str(v, 'vkey')!, ...opt('maxIssues', count(v, 'max-issues')), ...witnessOptions(v), ...opt('tz', str(v, 'tz')), ...opt('json', v['json'] === true || undefined) },
        io,
      ),
  },
  checkpoint: {
    summary: 'check a signed checkpoint note (casetrail checkpoint), and witnesses\' cosignatures on it',
    proves:
      "the ledger's key signed this tree size and root; with --witness, the witnesses you trust cosigned it too (all of them, or --witness-quorum of them). Keep it: a later proof, bundle or ledger must be consistent with it.",
    options: { vkey: VKEY, witness: WITNESS, 'witness-quorum': WITNESS_QUORUM, tz: TZ, json: JSON_OPTION },
    examples: ['casetrail-verify checkpoint published.checkpoint --vkey cases.vkey', 'casetrail-verify checkpoint cosigned.checkpoint --vkey cases.vkey --witness witness.vkey'],
    run: (file, v, io) => verifyCheckpointFile({ file, vkey: str(v, 'vkey')!, ...witnessOptions(v), ...opt('tz', str(v, 'tz')), ...opt('json', v['json'] === true || undefined) }, io),
  },
};

/**
 * Where the auditor's documentation is: beside the installed package
 * (docs/, copied there when it is packed) or in the repository. The
 * single-file build has none beside it: the help says where to find it.
 * @returns the absolute path of auditor.md, or undefined
 */
export function verifyDocsLocation(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const f = join(dir, 'docs', 'auditor.md');
    if (existsSync(f) && readFileSync(f, 'utf8').startsWith('# The offline verifier')) return f;
  }
  return undefined;
}

function docsLine(): string {
  const f = verifyDocsLocation();
  return f === undefined
    ? 'Documentation: docs/auditor.md and docs/errors.md of the @casetrail/verify package or of the casetrail repository'
    : `Documentation: ${f} (errors: errors.md beside it)`;
}

function optionLines(options: Record<string, OptionSpec>): string {
  const rows = [...Object.entries(options).map(([k, o]) => [`--${k}${o.value === undefined ? '' : ` ${o.value}`}`, o.help] as const), ['-h, --help', 'show this help'] as const];
  const w = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`).join('\n');
}

/** The help of the program, or of one command. */
export function verifyHelp(name?: string): string {
  const docs = docsLine();
  const c = name === undefined ? undefined : VERIFY_COMMANDS[name];
  if (c === undefined || name === undefined) {
    const names = Object.keys(VERIFY_COMMANDS);
    const w = Math.max(...names.map((n) => n.length)) + 8;
    return [
      `Usage: ${PROGRAM} <command> <file|-> --vkey <vkey|file> [options]`,
      '',
      "Checks casetrail evidence offline with the ledger's verifier key alone: no ledger, no database, no network.",
      '',
      'Commands:',
      ...names.map((n) => `  ${`${n} <file|->`.padEnd(w)}  ${VERIFY_COMMANDS[n]!.summary}`),
      `  ${'help [command]'.padEnd(w)}  show the help of a command`,
      '',
      'Options:',
      '  -h, --help     show help',
      '  -V, --version  print the version',
      '',
      'Example:',
      `  $ ${PROGRAM} bundle case.bundle --vkey cases.vkey`,
      '',
      VERIFIER_EXIT_CODES_TEXT,
      docs,
      '',
    ].join('\n');
  }
  return [
    `Usage: ${PROGRAM} ${name} <file|-> ${Object.entries(c.options)
      .map(([k, o]) => (o.required ? `--${k} ${o.value}` : `[--${k}${o.value === undefined ? '' : ` ${o.value}`}]`))
      .join(' ')}`,
    '',
    `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}; '-' reads standard input.`,
    '',
    `What it proves: ${c.proves}`,
    '',
    'Options:',
    optionLines(c.options),
    '',
    'Example:',
    ...c.examples.map((e) => `  $ ${e}`),
    '',
    VERIFIER_EXIT_CODES_TEXT,
    docs,
    '',
  ].join('\n');
}

/** Node's parseArgs errors as the usage errors of this program. */
function parse(args: string[], options: Record<string, OptionSpec>): { values: Values; positionals: string[] } {
  const config = Object.fromEntries([...Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }] as const), ['help', { type: 'boolean', short: 'h' }] as const]);
  try {
    const r = parseArgs({ args, options: config, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw usage((e as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ''));
  }
}

/**
 * Runs casetrail-verify in-process.
 * @param argv - the arguments after the program name
 * @returns the exit code: 0 ok, 1 verification failed, 2 usage error, 3 operational error
 */
export async function runVerify(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '') {
    await write(io.stderr, verifyHelp());
    return EXIT.USAGE;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined && VERIFY_COMMANDS[rest[0]] === undefined) return reportError(usage(`unknown command ${JSON.stringify(rest[0])}`), io, 'help', false, PROGRAM);
    await write(io.stdout, verifyHelp(name === 'help' ? rest[0] : undefined));
    return EXIT.OK;
  }
  if (name === '-V' || name === '--version') {
    await write(io.stdout, `${VERIFY_VERSION}\n`);
    return EXIT.OK;
  }
  const command = Object.hasOwn(VERIFY_COMMANDS, name) ? VERIFY_COMMANDS[name] : undefined;
  if (command === undefined) {
    return reportError(usage(`unknown command ${JSON.stringify(name)}: the commands are ${Object.keys(VERIFY_COMMANDS).join(', ')} (run ${PROGRAM} --help)`), io, name, false, PROGRAM);
  }
  // --json is honoured for the error document only once the command line itself is right.
  let json = false;
  try {
    const { values, positionals } = parse(rest, command.options);
    if (values['help'] === true) {
      await write(io.stdout, verifyHelp(name));
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw usage(positionals.length === 0 ? 'missing argument <file|->' : `one file at a time; got ${positionals.length}: ${positionals.join(' ')}`);
    for (const [k, o] of Object.entries(command.options)) {
      if (o.required && values[k] === undefined) throw usage(`required option --${k} ${o.value} not given`);
      if (o.count) count(values, k);
    }
    json = values['json'] === true;
    return await command.run(positionals[0]!, values, io);
  } catch (e) {
    return reportError(e, io, name, json, PROGRAM);
  }
}
