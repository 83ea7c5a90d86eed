/**
 * `casetrail policy adopt <ledger> <file>`: records the policy's canonical
 * JSON and hash as a `casetrail.policy.adopted` entry (docs/oversight.md
 * §8.1); from that entry on every append is judged by it. A subordinate
 * adopts its policy itself; its superior's monitor checks the hash.
 */
import type { Command } from 'commander';
import { policyHash } from '@casetrail/oversight';
import { defineCommand } from '../../command.js';
import type { Io } from '../../io.js';
import { readPolicy, writeDirectory, type DirectoryWriteOptions } from '../../levels.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../../options.js';
import { printable } from '../../output.js';

export interface PolicyAdoptOptions extends DirectoryWriteOptions {
  file: string;
}

/** @returns 0; POLICY_INVALID (exit 2) for an invalid policy */
export async function policyAdopt(opts: PolicyAdoptOptions, io: Io): Promise<number> {
  const policy = readPolicy(io, opts.file);
  const hash = policyHash(policy);
  return writeDirectory(
    io,
    opts,
    'adopting a policy',
    () => `adopted policy ${printable(policy.id)} v${policy.version} (${policy.rules.length} rules, hash ${hash}); every append is judged by it from this entry on, recorded`,
    (g, by) => g.adoptPolicy(policy, by),
    { policy: { id: policy.id, version: policy.version, hash } },
  );
}

export const policyAdoptCli = defineCommand<PolicyAdoptOptions>({
  name: 'adopt',
  define: (cmd: Command) =>
    cmd
      .description('adopt a permission policy into a ledger: every append is judged by it from this entry on')
      .argument('<ledger>', 'ledger file')
      .argument('<file>', 'policy file (YAML)')
      .option('--actor <id>', 'who adopts it (default: your login name)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail policy adopt county-x.ledger approval-policy.yaml --actor director:chen')),
  options: ([ledger, file], o) => ({
    ledger: req(ledger, '<ledger>'),
    file: req(file, '<file>'),
    ...defined({ actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: policyAdopt,
});
