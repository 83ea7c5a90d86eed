/**
 * `casetrail policy check <file>`: validates a policy file as adoption
 * would (docs/oversight.md §9.1), without a ledger, and prints its hash —
 * the value a superior's monitor is configured with. Invalid: exit 2 with
 * `file:line:` where known.
 */
import type { Command } from 'commander';
import { policyHash } from '@casetrail/oversight';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { policyLines, readPolicy } from '../../levels.js';
import { defined, example, flag, jsonOption, req } from '../../options.js';
import { paint, printJson, printable } from '../../output.js';

export interface PolicyCheckOptions {
  file: string;
  json?: boolean;
}

/** @returns 0 when the policy is valid; throws POLICY_INVALID (exit 2) when it is not */
export async function policyCheck(opts: PolicyCheckOptions, io: Io): Promise<number> {
  const policy = readPolicy(io, opts.file);
  const hash = policyHash(policy);
  if (opts.json) {
    await printJson(io, { ok: true, file: opts.file, policy: { id: policy.id, version: policy.version, hash, rules: policy.rules.length, signatures: policy.signatures } });
  } else {
    await write(io.stdout, `${paint(io).ok('✔')} ${printable(opts.file)}: policy ${printable(policy.id)} v${policy.version}, ${policy.rules.length} rule(s)\n  hash ${hash}\n${policyLines(policy)}`);
  }
  return EXIT.OK;
}

export const policyCheckCli = defineCommand<PolicyCheckOptions>({
  name: 'check',
  define: (cmd: Command) =>
    cmd
      .description('check a policy file (YAML) as adoption would, and print its hash; exit 2 with file:line when invalid')
      .argument('<file>', 'policy file')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail policy check examples/rules/approval-policy.yaml')),
  options: ([file], o) => ({ file: req(file, '<file>'), ...defined({ json: flag(o, 'json') }) }),
  run: policyCheck,
});
