/**
 * `casetrail verify-proof <file> --vkey <vkey|file>`: checks a tlog-proof
 * file offline: the checkpoint signature, the inclusion proof, and that the
 * `extra` line is the entry at that position. No ledger needed. The check is
 * the offline verifier's (`casetrail-verify proof`, @casetrail/verify/cli).
 */
import { verifyProofFile, type ProofFileOptions } from '@casetrail/verify/cli';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';
import { defined, example, flag, jsonOption, req, str, tzOption, vkeyOption, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../options.js';

export type VerifyProofOptions = ProofFileOptions;

/**
 * @returns 0 when the proof verifies
 * @throws LedgerError (exit 1) naming why it does not: MALFORMED_PROOF,
 *   INVALID_SIGNATURE, UNKNOWN_KEY, PROOF_INVALID, MALFORMED_ENTRY, …
 */
export async function verifyProof(opts: VerifyProofOptions, io: Io): Promise<number> {
  return verifyProofFile(opts, io);
}

export const verifyProofCli = defineCommand<VerifyProofOptions>({
  name: 'verify-proof',
  define: (cmd: Command) =>
    cmd
      .description('check a tlog-proof file offline against the verifier key')
      .argument('<file>', 'proof file, or - for standard input')
      .addOption(vkeyOption(true))
      .addOption(witnessOption("the proof's checkpoint"))
      .addOption(witnessQuorumOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail verify-proof entry-3.tlog-proof --vkey cases.vkey', 'casetrail verify-proof entry-3.tlog-proof --vkey cases.vkey --witness province.witness.vkey')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), ...defined({ ...witnessPolicyValues(o), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: verifyProof,
});
