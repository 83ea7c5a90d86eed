/**
 * Hostile input, CLI arguments (issue 4, "Hostile input"): random command
 * lines built from the CLI's own vocabulary (commands, options, real and
 * missing files, hostile values), run in-process against a small ledger and
 * its artifacts. Every run ends with a documented exit code (0 ok,
 * 1 verification failed, 2 usage, 3 operational, 4 refused by a blocking
 * rule of the supervision pack in force), an error is printed with
 * its stable code, never as an unexpected internal error or a stack trace,
 * and with --json stdout holds one JSON document.
 *
 * Counts: CASETRAIL_SOAK_FUZZ_SCALE × 1,000 command lines.
 */
import { dirname, join, resolve } from 'node:path';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KEYS, cleanupTempDirs } from '../helpers/ledgers.js';
import { cli, makeArtifacts, type Artifacts } from '../helpers/reliability-artifacts.js';
import { SEED, budgetMs, record } from '../helpers/reliability-config.js';
import { runs } from '../helpers/reliability-fuzz.js';

afterAll(cleanupTempDirs);

/** Every code docs/errors.md and docs/cli.md name (the error codes, and the CLI's own). */
const docs = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs');
const DOCUMENTED_CODES = new Set(['errors.md', 'cli.md'].flatMap((f) => [...readFileSync(join(docs, f), 'utf8').matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((x) => x[1]!)));

let a: Artifacts;
let keyFile: string;
let pack: string;
let blocking: string;
beforeAll(async () => {
  a = await makeArtifacts();
  keyFile = join(a.dir, 'cases.key');
  writeFileSync(keyFile, `${KEYS.skey}\n`, { mode: 0o600 });
  // Rule packs for the supervision commands: the example, and one whose blocking rule refuses every `opened` step.
  pack = join(a.dir, 'approval.yaml');
  copyFileSync(fileURLToPath(new URL('../../../../examples/rules/approval-supervision.yaml', import.meta.url)), pack);
  blocking = join(a.dir, 'blocking.yaml');
  writeFileSync(
    blocking,
    'casetrail: supervise/1\npack: blocking\nversion: 1\nsteps:\n  opened: {}\nrules:\n  - { id: no-open, version: 1, point: other, kind: order, on: [opened], forbids: [opened], level: red, block: true, message: { zh: 重复立案, en: opened twice } }\n',
  );
});

/** The commands of the CLI (a group's subcommand as its second word). */
const REAL = [
  'init', 'keygen', 'append', 'log', 'show', 'trace', 'verify', 'checkpoint', 'prove', 'verify-proof',
  'consistency', 'verify-consistency', 'export', 'verify-bundle', 'redact', 'rules', 'calendar', 'alerts', 'tick', 'audit',
];
const COMMANDS = [...REAL, 'help', 'bogus', '--help', '--version', ''];
const OPTIONS = [
  '--json', '--vkey', '--case', '--type', '--actor', '--data', '--data-file', '--time', '--since', '--until', '--limit',
  '--after', '--size', '--to', '--from', '--out', '--key-file', '--checkpoint', '--full', '--max-issues', '--reason',
  '--ndjson', '--batch-size', '--no-payloads', '--payloads', '--sign', '--origin', '--name', '--allow-unsigned-tail',
  '--vkey-out', '--sign-with', '-h', '--', '--json=1', '--limit=0', '-x',
  '--dry-run', '--level', '--open', '--outcome', '--now', '--max-cases', 'check', 'adopt', 'dispose',
];

function values(): fc.Arbitrary<string> {
  const files = () => [a.ledger, a.files.vkey, a.files.old, a.files.proof, a.files.body, a.files.caseBundle, a.files.fullBundle, keyFile];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...files()) },
    fc.constantFrom(
      'missing.ledger', 'no/such/dir/x', '-', '', ' ', '.', '..', '/', 'new.ledger', 'out.file',
      '0', '1', '3', '11', '19', '-1', '1.5', '1e9', 'abc', '9007199254740993', '0x10', 'NaN',
      '{"a":1}', '{', '[]', 'null', '"str"', '2024-01-01', '2024-13-45', 'yesterday', '1800000000000',
      'CASE-1', 'example.org/cases', 'casetrail.test/ledger', 'a+b', 'PRIVATE+KEY+x', KEYS.vkey, KEYS.vkey.slice(0, -4),
      '\u0000', '\n', 'é审😀', '\ud800', 'x'.repeat(10_000), '--json',
    ),
    fc.string({ maxLength: 16 }),
  );
}

/** Positionals and options of each command (docs/cli.md), to build command lines that get past parsing. */
const GRAMMAR: Record<string, { args: Array<'ledger' | 'file' | 'seq' | 'case' | 'new' | 'pack' | 'calendar'>; options: string[] }> = {
  init: { args: ['new'], options: ['--origin', '--key-file', '--vkey-out', '--json'] },
  keygen: { args: [], options: ['--name', '--out', '--vkey-out', '--json'] },
  append: { args: ['ledger'], options: ['--case', '--type', '--actor', '--data', '--data-file', '--time', '--ndjson', '--batch-size', '--sign-with', '--key-file', '--dry-run', '--json'] },
  log: { args: ['ledger'], options: ['--case', '--actor', '--type', '--since', '--until', '--limit', '--after', '--json', '--ndjson'] },
  show: { args: ['ledger', 'seq'], options: ['--json'] },
  trace: { args: ['ledger', 'case'], options: ['--json'] },
  verify: { args: ['ledger'], options: ['--vkey', '--checkpoint', '--full', '--allow-unsigned-tail', '--max-issues', '--json'] },
  checkpoint: { args: ['ledger'], options: ['--out', '--sign', '--key-file', '--json'] },
  prove: { args: ['ledger', 'seq'], options: ['--size', '--out', '--json'] },
  'verify-proof': { args: ['file'], options: ['--vkey', '--json'] },
  consistency: { args: ['ledger'], options: ['--from', '--to', '--vkey', '--out', '--json'] },
  'verify-consistency': { args: ['file'], options: ['--vkey', '--from', '--json'] },
  export: { args: ['ledger'], options: ['--case', '--since', '--until', '--out', '--no-payloads', '--json'] },
  'verify-bundle': { args: ['file'], options: ['--vkey', '--max-issues', '--json'] },
  redact: { args: ['ledger', 'seq'], options: ['--reason', '--actor', '--time', '--key-file', '--json'] },
  'rules check': { args: ['pack'], options: ['--json'] },
  'rules adopt': { args: ['ledger', 'pack'], options: ['--actor', '--time', '--key-file', '--json'] },
  'rules show': { args: ['ledger'], options: ['--json'] },
  'rules try': { args: ['ledger', 'pack'], options: ['--limit', '--json'] },
  'calendar adopt': { args: ['ledger', 'calendar'], options: ['--actor', '--time', '--key-file', '--json'] },
  alerts: { args: ['ledger'], options: ['--level', '--case', '--open', '--json'] },
  'alerts dispose': { args: ['ledger', 'seq'], options: ['--actor', '--outcome', '--reason', '--time', '--key-file', '--json'] },
  tick: { args: ['ledger'], options: ['--now', '--actor', '--key-file', '--json'] },
  audit: { args: ['ledger'], options: ['--vkey', '--max-cases', '--json'] },
};
const FLAGS = new Set(['--json', '--full', '--allow-unsigned-tail', '--sign', '--no-payloads', '--ndjson', '--dry-run', '--open']);

let outCounter = 0;
/** Plausible values for one option or positional, with hostile ones mixed in. */
function valueFor(what: string): fc.Arbitrary<string> {
  const plausible: Record<string, () => string[]> = {
    ledger: () => [a.ledger, a.ledger, 'missing.ledger', a.files.proof],
    file: () => [a.files.proof, a.files.body, a.files.caseBundle, a.files.fullBundle, a.files.old, '-', 'missing.file'],
    seq: () => ['0', '1', '6', '18', '19', '99'],
    case: () => ['CASE-1', 'CASE-9', 'LATER-2'],
    new: () => [`new-${outCounter++}.ledger`, a.ledger, 'no/such/dir/x.ledger'],
    pack: () => [pack, blocking, a.files.vkey, 'missing.yaml'],
    calendar: () => [a.files.old, 'missing.json', '-'],
    '--level': () => ['notice', 'yellow', 'red', 'purple'],
    '--outcome': () => ['explained', 'escalated', 'violation', 'forgotten'],
    '--now': () => ['2030-01-01', '1800000009000', '0', 'later'],
    '--max-cases': () => ['1', '0', '20000'],
    '--vkey': () => [a.files.vkey, KEYS.vkey, 'other+00000000+AQ==', 'missing.vkey'],
    '--checkpoint': () => [a.files.old, a.files.proof, 'missing.checkpoint'],
    '--from': () => [a.files.old, '0', '11', '5', 'missing.checkpoint'],
    '--to': () => ['19', '11', '5', '100'],
    '--out': () => [`out-${outCounter++}.file`, '-', 'no/such/dir/out'],
    '--key-file': () => [keyFile, a.files.vkey, 'missing.key'],
    '--data': () => ['{"a":1}', '{', '[]', 'null', '"s"'],
    '--data-file': () => ['-', a.files.old, 'missing.json'],
    '--ndjson': () => ['-', a.files.caseBundle, 'missing.ndjson'],
    '--time': () => ['2024-01-01', '1800000000000', '0', 'yesterday'],
    '--since': () => ['2024-01-01', '0', '1800000005000', 'x'],
    '--until': () => ['2030-01-01', '1800000009000', '-5'],
    '--origin': () => ['casetrail.test/ledger', 'example.org/new', ' bad', ''],
    '--name': () => ['officer-7', 'a+b', ''],
  };
  const p = plausible[what]?.() ?? ['1', 'CASE-1', 'alice', 'opened'];
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...p) }, values());
}

/** Options a command cannot run without (commander's requiredOption). */
const REQUIRED: Record<string, string[]> = {
  init: ['--origin'],
  keygen: ['--name'],
  verify: ['--vkey'],
  'verify-proof': ['--vkey'],
  consistency: ['--from'],
  'verify-consistency': ['--vkey', '--from'],
  export: ['--out'],
  'verify-bundle': ['--vkey'],
  redact: ['--reason'],
  'alerts dispose': ['--actor', '--outcome', '--reason'],
  audit: ['--vkey'],
};

const optionArb = (o: string) => (FLAGS.has(o) ? fc.constant([o]) : valueFor(o).map((v) => [o, v]));

const structuredArgv = () =>
  fc.constantFrom(...Object.keys(GRAMMAR)).chain((cmd) => {
    const g = GRAMMAR[cmd]!;
    const required = REQUIRED[cmd] ?? [];
    const optional = g.options.filter((o) => !required.includes(o));
    return fc
      .tuple(
        fc.tuple(...g.args.map((x) => valueFor(x))),
        fc.tuple(...required.map((o) => fc.oneof({ weight: 9, arbitrary: optionArb(o) }, fc.constant([] as string[])))),
        fc.subarray(optional, { maxLength: Math.min(3, optional.length) }).chain((opts) => fc.tuple(...opts.map(optionArb))),
        fc.oneof({ weight: 6, arbitrary: fc.constant([] as string[]) }, fc.array(fc.oneof(values(), fc.constantFrom(...OPTIONS)), { minLength: 1, maxLength: 2 })),
      )
      .map(([args, req, opts, noise]) => [...cmd.split(' '), ...args, ...req.flat(), ...opts.flat(), ...noise]);
  });

const soupArgv = () =>
  fc
    .tuple(
      fc.constantFrom(...COMMANDS),
      fc.array(fc.oneof({ weight: 2, arbitrary: values() }, fc.constantFrom(...OPTIONS), fc.tuple(fc.constantFrom(...OPTIONS), values()).map(([o, v]) => `${o}=${v}`)), { maxLength: 7 }),
    )
    .map(([cmd, rest]) => (cmd === '' ? rest : [cmd, ...rest]));

const argvArb = () => fc.oneof({ weight: 4, arbitrary: structuredArgv() }, soupArgv());

describe('CLI arguments', () => {
  test(
    'random command lines: documented exit codes, coded errors, JSON with --json, no internal errors (1,000 runs)',
    async () => {
      const exits = new Map<number, number>();
      let n = 0;
      let coded = 0;
      await fc.assert(
        fc.asyncProperty(argvArb(), async (argv) => {
          n++;
          const r = await cli(a.dir, ...argv);
          exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
          expect([0, 1, 2, 3, 4], `${JSON.stringify(argv)} → ${r.code}: ${r.err}`).toContain(r.code);
          expect(r.err, JSON.stringify(argv)).not.toMatch(/\[INTERNAL\]|unexpected error|\n\s+at .+:\d+:\d+/);
          // An error line names a code the documentation lists, and only a failed run prints one.
          const m = /error \[([A-Z_0-9]+)\]/.exec(r.err);
          if (m !== null) {
            expect(DOCUMENTED_CODES, `${JSON.stringify(argv)}: ${r.err}`).toContain(m[1]);
            expect(r.code, `${JSON.stringify(argv)}: ${r.err}`).not.toBe(0);
          }
          // An operational failure is always explained with its code.
          if (r.code === 3) expect(m, `${JSON.stringify(argv)}: ${r.err}`).not.toBeNull();
          if (m !== null) coded++;
          const helpish = argv.some((x) => ['--help', '-h', 'help', '--version', '-V'].includes(x)) || argv[0] === undefined || !REAL.includes(argv[0]) || (['rules', 'calendar'].includes(argv[0]) && !['check', 'adopt', 'show', 'try'].includes(argv[1] ?? ''));
          if (argv.includes('--json') && !helpish && r.out.trim() !== '' && !argv.includes('--ndjson') && !/--out(=| )-/.test(argv.join(' ')) && argv[argv.indexOf('--out') + 1] !== '-') {
            expect(() => JSON.parse(r.out), `${JSON.stringify(argv)}: stdout is not one JSON document: ${r.out.slice(0, 200)}`).not.toThrow();
          }
        }),
        { numRuns: runs(1000), seed: (SEED ^ 0xc1) | 0 },
      );
      record('fuzz.cliArgs', n);
      record('fuzz.cliCodedErrors', coded);
      // The command lines reach coded errors, not only usage messages.
      expect(coded).toBeGreaterThan(n / 20);
      for (const [code, count] of exits) record(`fuzz.cliExit${code}`, count);
      expect(exits.size).toBeGreaterThan(2);
    },
    budgetMs(120_000),
  );
});
