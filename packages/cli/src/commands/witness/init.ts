/**
 * `casetrail witness init --name <name> --state <dir>`: creates a witness —
 * its state directory, its cosignature key (type 0x04,
 * c2sp.org/tlog-cosignature) and an empty state — and prints its
 * cosignature verifier key, which verifiers pass as `--witness`.
 */
import { initWitness } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, usage } from '../../exit.js';
import { resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { defined, example, flag, jsonOption, req } from '../../options.js';
import { printJson } from '../../output.js';
import { checkId } from '../../text.js';
import { isValidKeyName } from '@casetrail/core';

export interface WitnessInitOptions {
  /** The witness's own name (its key name), e.g. `province.example.gov/witness`. */
  name: string;
  /** The state directory to create (or an empty one). */
  state: string;
  json?: boolean;
}

/**
 * @returns 0
 * @throws CliError USAGE (a bad name); LedgerError STATE_EXISTS, STATE_INVALID (3)
 */
export async function witnessInit(opts: WitnessInitOptions, io: Io): Promise<number> {
  checkId('--name', opts.name);
  if (!isValidKeyName(opts.name)) throw usage(`--name ${JSON.stringify(opts.name)} is not a key name: use a non-empty name without spaces or "+"`);
  const dir = resolvePath(io, opts.state);
  const w = initWitness(dir, opts.name);
  if (opts.json) {
    await printJson(io, { name: w.name, vkey: w.vkey, state: dir, keyFile: w.keyFile, vkeyFile: `${dir}/witness.vkey` });
  } else {
    await write(io.stdout, `${w.vkey}\n`);
    io.stderr.write(`Witness created in ${dir}: its key is witness.key (mode 0600), its verifier key (above) is also in witness.vkey. Accept a ledger with \`casetrail witness add-log --state ${opts.state} --log-vkey <its vkey>\`.\n`);
  }
  return EXIT.OK;
}

export const witnessInitCli = defineCommand<WitnessInitOptions>({
  name: 'init',
  define: (cmd: Command) =>
    cmd
      .description("create a witness: its state directory, its cosignature key, and an empty state; prints the witness's verifier key")
      .requiredOption('--name <name>', "the witness's own name (its key name)")
      .requiredOption('--state <dir>', 'the state directory to create')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail witness init --name province.example.gov/witness --state province-witness > province.witness.vkey')),
  options: (_a, o) => ({ name: req(o['name'], '--name'), state: req(o['state'], '--state'), ...defined({ json: flag(o, 'json') }) }),
  run: witnessInit,
});
