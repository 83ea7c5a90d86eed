/**
 * `casetrail witness add-checkpoint --state <dir> <body|->`: the
 * c2sp.org/tlog-witness add-checkpoint call, run by the witness on a
 * request body (as `casetrail consistency` writes it). It cosigns and
 * prints the c2sp.org/tlog-cosignature line, or refuses with the
 * protocol's status: 400/403/409/422 exit 1, 404 (unknown log) exit 3. A
 * split view is refused and kept as evidence (`witness evidence`).
 */
import { MAX_WITNESS_BODY_BYTES } from '@casetrail/core';
import { Witness, type WitnessAnswer } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, type ExitCode } from '../../exit.js';
import { checkOutputPath, writeOutputFile } from '../../files.js';
import { readInput, resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { readKeyText } from '../../keys.js';
import { defined, example, flag, forceOption, jsonOption, outOption, req, str } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';

export interface WitnessAddCheckpointOptions {
  /** The request body file (old size, proof, new checkpoint), or `-`. */
  body: string;
  state: string;
  /** Only this ledger key may have signed the checkpoint (it must be one the witness accepts). */
  logVkey?: string;
  keyFile?: string;
  /** Also write the cosignature line to this new file. */
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** The exit code of a witness's answer: 0 cosigned, 3 unknown log, 1 every other refusal. */
export function answerExit(status: WitnessAnswer['status']): ExitCode {
  if (status === 200) return EXIT.OK;
  return status === 404 ? EXIT.OPERATIONAL : EXIT.FAILED;
}

/** The --json document of an answer (docs/cli.md "witness add-checkpoint"). */
export function answerJson(a: WitnessAnswer) {
  const common = {
    status: a.status,
    ...(a.origin === undefined ? {} : { origin: a.origin }),
    ...(a.size === undefined ? {} : { size: a.size }),
  };
  if (a.status === 200) return { ok: true, ...common, cosignature: a.cosignature, timestamp: a.timestamp, timeIso: utcIso(a.timestamp! * 1000) };
  return {
    ok: false,
    ...common,
    error: { code: a.code, message: a.message, exitCode: answerExit(a.status) },
    ...(a.latestSize === undefined ? {} : { latestSize: a.latestSize }),
    ...(a.evidence === undefined ? {} : { evidence: a.evidence }),
  };
}

/**
 * @returns 0 when cosigned; 1 or 3 for a refusal (reported here, with --json as one document)
 * @throws LedgerError STATE_INVALID, STATE_LOCKED, KEY_FILE…; CliError INPUT_TOO_LARGE
 */
export async function witnessAddCheckpoint(opts: WitnessAddCheckpointOptions, io: Io): Promise<number> {
  const out = opts.out === undefined ? undefined : resolvePath(io, opts.out);
  if (out !== undefined) checkOutputPath(out, opts.force === true);
  const logVkey = opts.logVkey === undefined ? undefined : readKeyText(io, opts.logVkey, '--log-vkey');
  const w = Witness.open(resolvePath(io, opts.state), opts.keyFile === undefined ? {} : { keyFile: resolvePath(io, opts.keyFile) });
  const body = await readInput(io, opts.body, MAX_WITNESS_BODY_BYTES, 'request body', 'artifact');
  const a = await w.addCheckpoint(body, logVkey === undefined ? {} : { logVkey });
  if (a.status === 200 && out !== undefined) writeOutputFile(out, a.cosignature!, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, answerJson(a));
  } else if (a.status === 200) {
    await write(io.stdout, a.cosignature!);
    io.stderr.write(`cosigned ${printable(a.origin!)} at size ${a.size}${out === undefined ? '' : `; the line is also in ${opts.out}`}\n`);
  }
  if (a.status !== 200) {
    const ev = a.evidence === undefined ? '' : a.evidence.kept ? `; kept as evidence in ${a.evidence.path}` : ` (evidence ${a.evidence.id}: ${a.evidence.why === 'duplicate' ? 'kept already' : 'not kept, the evidence directory is full'})`;
    const latest = a.latestSize === undefined ? '' : ` (latest cosigned size: ${a.latestSize})`;
    io.stderr.write(`casetrail witness add-checkpoint: refused, HTTP ${a.status} [${a.code}]: ${printable(a.message)}${latest}${ev}\n`);
  }
  return answerExit(a.status);
}

export const witnessAddCheckpointCli = defineCommand<WitnessAddCheckpointOptions>({
  name: 'add-checkpoint',
  define: (cmd: Command) =>
    cmd
      .description('tlog-witness add-checkpoint: check a consistency proof to a new checkpoint, and cosign it or refuse (exit 1; 3 for an unknown log)')
      .argument('<body>', 'the request body (casetrail consistency --out), or - for standard input')
      .requiredOption('--state <dir>', "the witness's state directory")
      .option('--log-vkey <vkey|file>', 'only this ledger key may have signed it (one the witness accepts)')
      .option('--key-file <path>', "the witness's key (default <state>/witness.key)")
      .addOption(outOption('also write the cosignature line to this new file'))
      .addOption(forceOption())
      .addOption(jsonOption('print the answer, with its HTTP status, as one JSON document'))
      .addHelpText(
        'after',
        example('casetrail consistency city-a.ledger --from 0 --out first.body', 'casetrail witness add-checkpoint --state province-witness first.body --out city-a.cosignature'),
      ),
  options: ([body], o) => ({
    body: req(body, '<body>'),
    state: req(o['state'], '--state'),
    ...defined({ logVkey: str(o, 'logVkey'), keyFile: str(o, 'keyFile'), out: str(o, 'out'), force: flag(o, 'force'), json: flag(o, 'json') }),
  }),
  run: witnessAddCheckpoint,
});
