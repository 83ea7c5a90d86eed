/**
 * The `casetrail` command line: one commander program whose actions call the
 * command functions in ./commands. `run` never exits the process: it returns
 * the exit code (docs/cli.md "Exit codes") for the bin to set.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { append } from './commands/append.js';
import { checkpoint } from './commands/checkpoint.js';
import { consistency } from './commands/consistency.js';
import { exportBundle } from './commands/export.js';
import { init } from './commands/init.js';
import { keygen } from './commands/keygen.js';
import { log } from './commands/log.js';
import { prove } from './commands/prove.js';
import { redact } from './commands/redact.js';
import { show } from './commands/show.js';
import { trace } from './commands/trace.js';
import { verifyBundleCommand } from './commands/verify-bundle.js';
import { verifyConsistencyCommand } from './commands/verify-consistency.js';
import { verifyProof } from './commands/verify-proof.js';
import { verify } from './commands/verify.js';
import { EXIT, reportError } from './exit.js';
import type { Io } from './io.js';

export const VERSION = '0.1.0';

type Opts = Record<string, unknown>;

function count(name: string, min = 0) {
  return (value: string): number => {
    const v = value.trim();
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
      throw new InvalidArgumentError(`${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}.`);
    }
    return Number(v);
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Copies the options that are set, so that absent options stay absent (exactOptionalPropertyTypes). */
function pick<T extends object>(o: Opts, keys: readonly string[]): Partial<T> {
  const out: Opts = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out as Partial<T>;
}

function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Builds the program. Commander errors (unknown option, missing argument)
 * are thrown as CommanderError instead of exiting; `setExit` receives each
 * action's exit code.
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('casetrail');
  program
    .description('Tamper-evident, hash-chained audit ledger for case systems: record, verify, prove, export.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 verification failed or tampering found, 2 usage error, 3 operational error.\nDocumentation: docs/cli.md\n');

  const action = (name: string, fn: (args: string[], o: Opts) => Promise<number>) => async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const o = cmd.opts<Opts>();
    const args = raw.slice(0, -2) as string[];
    try {
      setExit(await fn(args, o));
    } catch (e) {
      setExit(reportError(e, io, name, o['json'] === true));
    }
  };

  program
    .command('init')
    .description('create a ledger and its checkpoint signing key; print the verifier key')
    .argument('<ledger>', 'path of the new ledger file')
    .requiredOption('--origin <name>', 'the ledger identity and key name, e.g. example.org/cases')
    .option('--key-file <path>', 'signing key file (created mode 0600 if missing; default $CASETRAIL_KEY_FILE or <ledger>.key)')
    .option('--vkey-out <path>', 'also write the verifier key to this new file')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail init cases.ledger --origin example.org/cases --vkey-out cases.vkey'))
    .action(action('init', ([ledger], o) => init({ ledger: ledger!, origin: o['origin'] as string, ...pick(o, ['keyFile', 'vkeyOut', 'json']) }, io)));

  program
    .command('keygen')
    .description('generate an Ed25519 key pair: signer key to a 0600 file, verifier key printed')
    .requiredOption('--name <name>', 'key name (for a ledger key: its origin)')
    .option('--out <path>', 'signer key file to create (default <name>.key)')
    .option('--vkey-out <path>', 'also write the verifier key to this new file')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail keygen --name officer-7 --out officer-7.key --vkey-out officer-7.vkey'))
    .action(action('keygen', (_a, o) => keygen({ name: o['name'] as string, ...pick(o, ['out', 'vkeyOut', 'json']) }, io)));

  program
    .command('append')
    .description('append a step (or many, from NDJSON) and sign a checkpoint')
    .argument('<ledger>', 'ledger file')
    .option('--case <id>', 'case id')
    .option('--type <type>', 'step type, e.g. opened, decision, closed')
    .option('--actor <id>', 'who performed the step')
    .option('--data <json>', 'the step data as JSON')
    .option('--data-file <file>', 'file (or -) holding the step data as JSON')
    .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now)')
    .option('--ndjson <file>', 'bulk: file (or -) with one {"case","type","actor","data","time"?} per line')
    .option('--batch-size <n>', 'bulk: entries per transaction', count('--batch-size', 1), 1000)
    .option('--sign-with <keyfile>', 'actor signer key file (0600); repeat for several', collect)
    .option('--key-file <path>', 'checkpoint signing key (default $CASETRAIL_KEY_FILE or <ledger>.key)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      example(
        `casetrail append cases.ledger --case C-1 --type opened --actor clerk-2 --data '{"subject":"permit"}'`,
        'casetrail append cases.ledger --ndjson steps.ndjson',
      ),
    )
    .action(
      action('append', ([ledger], o) =>
        append({ ledger: ledger!, ...pick(o, ['case', 'type', 'actor', 'data', 'dataFile', 'time', 'ndjson', 'batchSize', 'signWith', 'keyFile', 'json']) }, io),
      ),
    );

  program
    .command('log')
    .description('list entries, filtered, in ledger order')
    .argument('<ledger>', 'ledger file')
    .option('--case <id>', 'only this case')
    .option('--actor <id>', 'only this actor')
    .option('--type <type>', 'only this step type')
    .option('--since <time>', 'entries at or after this time (ISO 8601 or ms)')
    .option('--until <time>', 'entries before this time (ISO 8601 or ms)')
    .option('--limit <n>', 'at most this many (default 100; with --ndjson: no limit)', count('--limit', 1))
    .option('--after <seq>', 'start after this entry (the next page)', count('--after'))
    .option('--json', 'print one JSON document {entries, next}')
    .option('--ndjson', 'stream every matching entry as one JSON object per line')
    .addHelpText('after', example('casetrail log cases.ledger --case C-1', 'casetrail log cases.ledger --since 2024-05-01 --ndjson > may.ndjson'))
    .action(action('log', ([ledger], o) => log({ ledger: ledger!, ...pick(o, ['case', 'actor', 'type', 'since', 'until', 'limit', 'after', 'json', 'ndjson']) }, io)));

  program
    .command('show')
    .description('show one entry with every field')
    .argument('<ledger>', 'ledger file')
    .argument('<seq>', 'entry number', count('<seq>'))
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail show cases.ledger 3'))
    .action(action('show', ([ledger, seq], o) => show({ ledger: ledger!, seq: seq as unknown as number, ...pick(o, ['json']) }, io)));

  program
    .command('trace')
    .description("a case's timeline, with its per-case chain checked (exit 1 if broken)")
    .argument('<ledger>', 'ledger file')
    .argument('<case>', 'case id')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail trace cases.ledger C-1'))
    .action(action('trace', ([ledger, c], o) => trace({ ledger: ledger!, case: c!, ...pick(o, ['json']) }, io)));

  program
    .command('verify')
    .description('verify the whole ledger, or incrementally from a trusted checkpoint (exit 1 on any problem)')
    .argument('<ledger>', 'ledger file')
    .requiredOption('--vkey <vkey|file>', "the ledger's verifier key, or a file holding it")
    .option('--checkpoint <file>', 'a checkpoint saved earlier: verify only what came after it')
    .option('--full', 'with --checkpoint: check every entry anyway')
    .option('--allow-unsigned-tail', 'entries after the latest checkpoint are a warning, not an error')
    .option('--max-issues <n>', 'list at most this many issues (default 1000)', count('--max-issues'))
    .option('--json', 'print the report as one JSON document')
    .addHelpText('after', example('casetrail verify cases.ledger --vkey cases.vkey', 'casetrail verify cases.ledger --vkey cases.vkey --checkpoint yesterday.checkpoint'))
    .action(action('verify', ([ledger], o) => verify({ ledger: ledger!, vkey: o['vkey'] as string, ...pick(o, ['checkpoint', 'full', 'allowUnsignedTail', 'maxIssues', 'json']) }, io)));

  program
    .command('checkpoint')
    .description('print the latest signed checkpoint, byte for byte')
    .argument('<ledger>', 'ledger file')
    .option('--out <file>', 'write it to this file instead')
    .option('--sign', 'first sign a checkpoint of the current size if the latest is older (needs the key)')
    .option('--key-file <path>', 'signing key for --sign (default $CASETRAIL_KEY_FILE or <ledger>.key)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail checkpoint cases.ledger --out today.checkpoint'))
    .action(action('checkpoint', ([ledger], o) => checkpoint({ ledger: ledger!, ...pick(o, ['out', 'sign', 'keyFile', 'json']) }, io)));

  program
    .command('prove')
    .description('write a c2sp.org/tlog-proof@v1 inclusion proof of one entry')
    .argument('<ledger>', 'ledger file')
    .argument('<seq>', 'entry number', count('<seq>'))
    .option('--size <n>', 'tree size to prove in (a signed checkpoint of that size must exist; default the latest)', count('--size', 1))
    .option('--out <file>', 'write the proof to this file (conventionally *.tlog-proof)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail prove cases.ledger 3 --out entry-3.tlog-proof'))
    .action(action('prove', ([ledger, seq], o) => prove({ ledger: ledger!, seq: seq as unknown as number, ...pick(o, ['size', 'out', 'json']) }, io)));

  program
    .command('verify-proof')
    .description('check a tlog-proof file offline against the verifier key')
    .argument('<file>', 'proof file, or - for standard input')
    .requiredOption('--vkey <vkey|file>', "the ledger's verifier key, or a file holding it")
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail verify-proof entry-3.tlog-proof --vkey cases.vkey'))
    .action(action('verify-proof', ([file], o) => verifyProof({ file: file!, vkey: o['vkey'] as string, ...pick(o, ['json']) }, io)));

  program
    .command('consistency')
    .description('write a c2sp.org/tlog-witness add-checkpoint body: consistency proof + new checkpoint')
    .argument('<ledger>', 'ledger file')
    .requiredOption('--from <checkpoint|size>', 'the earlier checkpoint file (or its size; 0 for none)')
    .option('--to <size>', 'the new tree size (a signed checkpoint of that size must exist; default the latest)', count('--to', 1))
    .option('--vkey <vkey|file>', 'also check the --from signature and the produced body')
    .option('--out <file>', 'write the body to this file')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail consistency cases.ledger --from yesterday.checkpoint --out add-checkpoint.body'))
    .action(action('consistency', ([ledger], o) => consistency({ ledger: ledger!, from: o['from'] as string, ...pick(o, ['to', 'vkey', 'out', 'json']) }, io)));

  program
    .command('verify-consistency')
    .description('check an add-checkpoint body offline against a trusted earlier checkpoint')
    .argument('<file>', 'body file, or - for standard input')
    .requiredOption('--vkey <vkey|file>', "the ledger's verifier key, or a file holding it")
    .requiredOption('--from <checkpoint>', 'the trusted earlier checkpoint file, or 0 when none')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example('casetrail verify-consistency add-checkpoint.body --vkey cases.vkey --from yesterday.checkpoint'))
    .action(action('verify-consistency', ([file], o) => verifyConsistencyCommand({ file: file!, vkey: o['vkey'] as string, from: o['from'] as string, ...pick(o, ['json']) }, io)));

  program
    .command('export')
    .description('write an evidence bundle: entries, payloads, inclusion proofs, signed checkpoint')
    .argument('<ledger>', 'ledger file')
    .option('--case <id>', 'only this case')
    .option('--since <time>', 'entries at or after this time (ISO 8601 or ms)')
    .option('--until <time>', 'entries before this time (ISO 8601 or ms)')
    .requiredOption('--out <file>', 'bundle file to write, or - for standard output')
    .option('--no-payloads', 'leave payloads out (entries and proofs only)')
    .option('--json', 'print a summary as one JSON document')
    .addHelpText('after', example('casetrail export cases.ledger --case C-1 --out C-1.bundle'))
    .action(action('export', ([ledger], o) => exportBundle({ ledger: ledger!, out: o['out'] as string, ...pick(o, ['case', 'since', 'until', 'payloads', 'json']) }, io)));

  program
    .command('verify-bundle')
    .description('check an evidence bundle offline (exit 1 on any problem)')
    .argument('<file>', 'bundle file, or - for standard input')
    .requiredOption('--vkey <vkey|file>', "the ledger's verifier key, or a file holding it")
    .option('--max-issues <n>', 'list at most this many issues (default 1000)', count('--max-issues'))
    .option('--json', 'print the report as one JSON document')
    .addHelpText('after', example('casetrail verify-bundle C-1.bundle --vkey cases.vkey'))
    .action(action('verify-bundle', ([file], o) => verifyBundleCommand({ file: file!, vkey: o['vkey'] as string, ...pick(o, ['maxIssues', 'json']) }, io)));

  program
    .command('redact')
    .description("erase an entry's payload lawfully, recorded as a redaction entry")
    .argument('<ledger>', 'ledger file')
    .argument('<seq>', 'entry number', count('<seq>'))
    .requiredOption('--reason <text>', 'why (recorded in the ledger)')
    .option('--actor <id>', 'who orders the erasure (default: your login name)')
    .option('--key-file <path>', 'signing key (default $CASETRAIL_KEY_FILE or <ledger>.key)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', example(`casetrail redact cases.ledger 3 --reason "GDPR art. 17 request 2024-118" --actor dpo`))
    .action(action('redact', ([ledger, seq], o) => redact({ ledger: ledger!, seq: seq as unknown as number, reason: o['reason'] as string, ...pick(o, ['actor', 'keyFile', 'json']) }, io)));

  return program;
}

/**
 * Runs the command line in-process.
 * @param argv - the arguments after the program name
 * @returns the exit code: 0 ok, 1 verification failed, 2 usage error, 3 operational error
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
