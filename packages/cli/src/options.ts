/**
 * Option definitions shared by several commands (written once here), and the
 * typed readers that turn commander's option values into a command's typed
 * options. Commander hands values over as `unknown`: each reader checks the
 * type it returns instead of casting.
 */
import { InvalidArgumentError, Option, type OptionValues } from 'commander';
import { EXIT_CODES_TEXT } from './exit.js';

/** `--json`: one JSON document on stdout instead of the human output. */
export function jsonOption(what = 'print one JSON document'): Option {
  return new Option('--json', what);
}

/** `--tz <zone>`: the IANA time zone in which times are shown and parsed. */
export function tzOption(): Option {
  return new Option('--tz <zone>', 'IANA time zone for times shown and given without an offset (default $TZ, else UTC)');
}

/** `--key-file <path>`: the ledger's checkpoint signing key. */
export function keyFileOption(what = 'checkpoint signing key'): Option {
  return new Option('--key-file <path>', `${what} (default $CASETRAIL_KEY_FILE or <ledger>.key)`);
}

/** `--vkey <vkey|file>`: the ledger's verifier key, from outside the file under check. */
export function vkeyOption(required: boolean, what = "the ledger's verifier key, or a file holding it"): Option {
  const o = new Option('--vkey <vkey|file>', what);
  return required ? o.makeOptionMandatory() : o;
}

/** `--out <file>`: a new file to write (see files.ts for what is refused). */
export function outOption(what: string, required = false): Option {
  const o = new Option('--out <file>', what);
  return required ? o.makeOptionMandatory() : o;
}

/** `--force`: let --out replace an existing regular file. */
export function forceOption(): Option {
  return new Option('--force', 'let --out replace an existing file (never a key, state, ledger or symlink)');
}

/**
 * `--witness <key|file>` (repeatable), with {@link witnessQuorumOption} the
 * verifier's witness policy (format.md §6.4), read by readWitnessPolicy.
 */
export function witnessOption(what = 'the checkpoint the artifact embeds'): Option {
  return new Option('--witness <key|file>', `a witness's cosignature key (or a file holding it) whose cosignature on ${what} counts; repeat for several`).argParser(collect);
}

/** `--witness-quorum <k>`: how many of the --witness keys must have cosigned. */
export function witnessQuorumOption(): Option {
  return new Option('--witness-quorum <k>', 'how many of the --witness keys must have cosigned (default: all of them)').argParser(countParser('--witness-quorum', 1));
}

/** The witness policy options' values, for a command's typed options. */
export function witnessPolicyValues(values: OptionValues): { witness: string[] | undefined; witnessQuorum: number | undefined } {
  return { witness: strs(values, 'witness'), witnessQuorum: num(values, 'witnessQuorum') };
}

/** `--max-issues <n>`: how many issues a verification report lists. */
export function maxIssuesOption(): Option {
  return new Option('--max-issues <n>', 'list at most this many issues (default 1000)').argParser(countParser('--max-issues'));
}

/** `--since <time>` and `--until <time>`: a time range of entries. */
export function timeRangeOptions(): Option[] {
  return [
    new Option('--since <time>', 'entries at or after this time (ISO 8601, or ms since 1970)'),
    new Option('--until <time>', 'entries before this time (ISO 8601, or ms since 1970)'),
  ];
}

/**
 * An argument parser for a whole number of at least `min`, for commander.
 * @throws InvalidArgumentError (commander reports it, exit 2)
 */
export function countParser(name: string, min = 0): (value: string) => number {
  return (value: string): number => {
    const v = value.trim();
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
      throw new InvalidArgumentError(`${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}.`);
    }
    return Number(v);
  };
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A help text block with examples and the exit codes, as every command ends its --help. */
export function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n\n${EXIT_CODES_TEXT}\n`;
}

function wrongType(key: string, expected: string): never {
  // Commander produced something its definition does not allow: a bug here, not user input.
  throw new TypeError(`option ${key}: expected ${expected}`);
}

/** A string option's value, or undefined when absent. */
export function str(values: OptionValues, key: string): string | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : wrongType(key, 'a string');
}

/** A boolean flag: true when given, undefined when absent (false for a `--no-…` flag given). */
export function flag(values: OptionValues, key: string): boolean | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  return typeof v === 'boolean' ? v : wrongType(key, 'a flag');
}

/** A number option (parsed by countParser), or undefined when absent. */
export function num(values: OptionValues, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  return typeof v === 'number' ? v : wrongType(key, 'a number');
}

/** A repeatable string option's values, or undefined when absent. */
export function strs(values: OptionValues, key: string): string[] | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : wrongType(key, 'a list of strings');
}

/** A required string: an argument or a mandatory option commander has checked. */
export function req(value: unknown, name: string): string {
  return typeof value === 'string' ? value : wrongType(name, 'a string');
}

/** A required number argument (parsed by countParser). */
export function reqNum(value: unknown, name: string): number {
  return typeof value === 'number' ? value : wrongType(name, 'a number');
}

type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Drops the properties whose value is undefined, so that absent options stay
 * absent (the handlers' option types use exactOptionalPropertyTypes).
 */
export function defined<T extends object>(o: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Defined<T>;
}
