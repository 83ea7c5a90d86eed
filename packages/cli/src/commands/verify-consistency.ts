/**
 * `casetrail verify-consistency <body> --vkey <vkey|file> --from <checkpoint file | 0>`:
 * checks an add-checkpoint body offline, as a witness would: the new
 * checkpoint is signed, and the proof shows it extends the trusted one. The
 * check is the offline verifier's (`casetrail-verify consistency`,
 * @casetrail/verify/cli).
 */
import { verifyWitnessBodyFile, type WitnessBodyFileOptions } from '@casetrail/verify/cli';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';
import { defined, example, flag, jsonOption, req, str, tzOption, vkeyOption, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../options.js';

export type VerifyConsistencyOptions = WitnessBodyFileOptions;

/**
 * @returns 0 when the body verifies against the trusted checkpoint
 * @throws LedgerError (exit 1): MALFORMED_PROOF, INVALID_SIGNATURE,
 *   UNKNOWN_KEY, INCONSISTENT, PROOF_INVALID
 */
export async function verifyConsistencyCommand(opts: VerifyConsistencyOptions, io: Io): Promise<number> {
  return verifyWitnessBodyFile(opts, io);
}

export const verifyConsistencyCli = defineCommand<VerifyConsistencyOptions>({
  name: 'verify-consistency',
  define: (cmd: Command) =>
    cmd
      .description('check an add-checkpoint body offline against a trusted earlier checkpoint')
      .argument('<file>', 'body file, or - for standard input')
      .addOption(vkeyOption(true))
      .requiredOption('--from <checkpoint>', 'the trusted earlier checkpoint file, or 0 when none')
      .addOption(witnessOption("the body's new checkpoint"))
      .addOption(witnessQuorumOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail verify-consistency add-checkpoint.body --vkey cases.vkey --from yesterday.checkpoint')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), from: req(o['from'], '--from'), ...defined({ ...witnessPolicyValues(o), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: verifyConsistencyCommand,
});
