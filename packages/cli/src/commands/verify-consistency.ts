/**
 * `casetrail verify-consistency <body> --vkey <vkey|file> --from <checkpoint file | 0>`:
 * checks an add-checkpoint body offline, as a witness would: the new
 * checkpoint is signed, and the proof shows it extends the trusted one.
 */
import { EMPTY_ROOT, MAX_NOTE_BYTES, MAX_WITNESS_BODY_BYTES, openCheckpoint, toHex, verifyWitnessBody } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, failed, usage } from '../exit.js';
import { readInput, readTextFile, resolvePath } from '../inputs.js';
import { readVerifierKey } from '../keys.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, req, vkeyOption } from '../options.js';
import { paint, printJson } from '../output.js';

export interface VerifyConsistencyOptions {
  /** The body file, or `-` for standard input. */
  file: string;
  vkey: string;
  /** The trusted earlier checkpoint file, or `0` when none was trusted before. */
  from: string;
  json?: boolean;
}

/**
 * @returns 0 when the body verifies against the trusted checkpoint
 * @throws LedgerError (exit 1): MALFORMED_PROOF, INVALID_SIGNATURE,
 *   UNKNOWN_KEY, INCONSISTENT, PROOF_INVALID
 */
export async function verifyConsistencyCommand(opts: VerifyConsistencyOptions, io: Io): Promise<number> {
  const verifier = readVerifierKey(io, opts.vkey);
  let old: { size: number; root: Uint8Array };
  if (opts.from.trim() === '0') {
    old = { size: 0, root: EMPTY_ROOT };
  } else if (/^\d+$/.test(opts.from.trim())) {
    throw usage('--from takes the trusted checkpoint file (its root is needed), or 0');
  } else {
    const cp = openCheckpoint(readTextFile(resolvePath(io, opts.from), MAX_NOTE_BYTES, 'checkpoint file', 'artifact'), [verifier]);
    old = { size: cp.size, root: cp.root };
  }
  const body = await readInput(io, opts.file, MAX_WITNESS_BODY_BYTES, 'body file', 'artifact');
  const r = verifyWitnessBody(body, [verifier], old);
  if (r.origin !== verifier.name) {
    throw failed('MALFORMED_CHECKPOINT', `the checkpoint is for origin ${JSON.stringify(r.origin)}, the key is for ${JSON.stringify(verifier.name)} (format.md §6.2)`);
  }
  if (opts.json) {
    await printJson(io, { ok: true, origin: r.origin, oldSize: r.oldSize, newSize: r.size, newRoot: toHex(r.root), proofLength: r.proof.length });
  } else {
    await write(io.stdout, paint(io).ok(`✔ the checkpoint of size ${r.size} (root ${toHex(r.root)}) extends the trusted one of size ${old.size}\n`));
  }
  return EXIT.OK;
}

export const verifyConsistencyCli = defineCommand<VerifyConsistencyOptions>({
  name: 'verify-consistency',
  define: (cmd: Command) =>
    cmd
      .description('check an add-checkpoint body offline against a trusted earlier checkpoint')
      .argument('<file>', 'body file, or - for standard input')
      .addOption(vkeyOption(true))
      .requiredOption('--from <checkpoint>', 'the trusted earlier checkpoint file, or 0 when none')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail verify-consistency add-checkpoint.body --vkey cases.vkey --from yesterday.checkpoint')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), from: req(o['from'], '--from'), ...defined({ json: flag(o, 'json') }) }),
  run: verifyConsistencyCommand,
});
