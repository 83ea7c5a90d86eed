/**
 * `casetrail verify-bundle <file|-> --vkey <vkey|file>`: checks an evidence
 * bundle offline (format.md §9.3), streaming, and shows its case timeline
 * step by step, each marked verified or with its issue codes. Exit 1 on any
 * issue. The check is the offline verifier's (`casetrail-verify bundle`,
 * @casetrail/verify/cli).
 */
import { verifyBundleFile, type BundleFileOptions } from '@casetrail/verify/cli';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import type { Io } from '../io.js';
import { defined, example, flag, jsonOption, maxIssuesOption, num, req, str, tzOption, vkeyOption, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../options.js';

export type VerifyBundleOptions = BundleFileOptions;

/**
 * @returns 0 when the bundle verifies, 1 when any issue was found
 * @throws LedgerError MALFORMED_KEY; CliError when the file is missing
 */
export async function verifyBundleCommand(opts: VerifyBundleOptions, io: Io): Promise<number> {
  return verifyBundleFile(opts, io);
}

export const verifyBundleCli = defineCommand<VerifyBundleOptions>({
  name: 'verify-bundle',
  define: (cmd: Command) =>
    cmd
      .description('check an evidence bundle offline and show its case timeline (exit 1 on any problem)')
      .argument('<file>', 'bundle file, or - for standard input')
      .addOption(vkeyOption(true))
      .addOption(maxIssuesOption())
      .addOption(witnessOption("the bundle's checkpoint"))
      .addOption(witnessQuorumOption())
      .addOption(tzOption())
      .addOption(jsonOption('print the steps and the report as one JSON document'))
      .addHelpText('after', example('casetrail verify-bundle C-1.bundle --vkey cases.vkey', 'casetrail verify-bundle C-1.bundle --vkey cases.vkey --tz Asia/Shanghai', 'casetrail verify-bundle C-1.bundle --vkey cases.vkey --witness province.witness.vkey')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), ...defined({ maxIssues: num(o, 'maxIssues'), ...witnessPolicyValues(o), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: verifyBundleCommand,
});
