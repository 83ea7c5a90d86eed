/**
 * `casetrail keygen --name <name> [--out <path>]`: a new Ed25519 key pair in
 * the signed-note key forms. The signer key goes to a new 0600 file only;
 * the verifier key is printed.
 */
import { generateKeyPair, isValidKeyName } from '@casetrail/core';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, operational, usage } from '../exit.js';
import { fileNameFor, resolvePath, writeNewFile, writeSecretFile } from '../inputs.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, req, str } from '../options.js';
import { printJson } from '../output.js';

export interface KeygenOptions {
  /** The key name (for a ledger key: the ledger's origin). */
  name: string;
  /** Signer key file to create; default `<name>.key` in the working directory. */
  out?: string;
  /** Also write the verifier key to this new file (never overwritten). */
  vkeyOut?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws CliError usage for a bad name; operational if the file exists
 */
export async function keygen(opts: KeygenOptions, io: Io): Promise<number> {
  if (!isValidKeyName(opts.name)) {
    throw usage(`--name ${JSON.stringify(opts.name)} is not a key name: use a non-empty name without spaces or "+"`);
  }
  const out = resolvePath(io, opts.out ?? `${fileNameFor(opts.name)}.key`);
  const vkeyFile = opts.vkeyOut === undefined ? undefined : resolvePath(io, opts.vkeyOut);
  if (vkeyFile !== undefined && existsSync(vkeyFile)) throw operational('FILE_EXISTS', `${vkeyFile} already exists; choose another --vkey-out path`);
  const { skey, vkey } = generateKeyPair(opts.name);
  writeSecretFile(out, `${skey}\n`);
  if (vkeyFile !== undefined) writeNewFile(vkeyFile, `${vkey}\n`);
  if (opts.json) {
    await printJson(io, { name: opts.name, keyFile: out, vkey, ...(vkeyFile === undefined ? {} : { vkeyFile }) });
  } else {
    await write(io.stdout, `${vkey}\n`);
    io.stderr.write(`Signer key written to ${out} (mode 0600); the verifier key is on stdout.\n`);
  }
  return EXIT.OK;
}

export const keygenCli = defineCommand<KeygenOptions>({
  name: 'keygen',
  define: (cmd: Command) =>
    cmd
      .description('generate an Ed25519 key pair: signer key to a 0600 file, verifier key printed')
      .requiredOption('--name <name>', 'key name (for a ledger key: its origin)')
      .option('--out <path>', 'signer key file to create (default <name>.key)')
      .option('--vkey-out <path>', 'also write the verifier key to this new file')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail keygen --name officer-7 --out officer-7.key --vkey-out officer-7.vkey')),
  options: (_args, o) => ({
    name: req(o['name'], '--name'),
    ...defined({ out: str(o, 'out'), vkeyOut: str(o, 'vkeyOut'), json: flag(o, 'json') }),
  }),
  run: keygen,
});
