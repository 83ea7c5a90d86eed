/**
 * `casetrail keygen --name <name> [--out <path>]`: a new Ed25519 key pair in
 * the signed-note key forms. The signer key goes to a new 0600 file only;
 * the verifier key is printed. `casetrail keygen --show-vkey <key file>`
 * prints the verifier key of an existing signer key file, never the secret.
 */
import { formatVerifierKey, generateKeyPair, isValidKeyName, readSignerKeyFile } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { checkNewFilePath, fileNameFor, writeOutputFile, writeSecretFile } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, str } from '../options.js';
import { printJson } from '../output.js';
import { checkId } from '../text.js';

export interface KeygenOptions {
  /** The key name (for a ledger key: the ledger's origin). Required unless showVkey is given. */
  name?: string;
  /** Signer key file to create; default `<name>.key` in the working directory. */
  out?: string;
  /** Also write the verifier key to this new file (never overwritten). */
  vkeyOut?: string;
  /** Print the verifier key of this existing signer key file instead of generating one. */
  showVkey?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws CliError usage for a bad name; operational if the file exists;
 *   LedgerError KEY_FILE, KEY_FILE_PERMISSIONS, MALFORMED_KEY for --show-vkey
 */
export async function keygen(opts: KeygenOptions, io: Io): Promise<number> {
  if (opts.showVkey !== undefined) {
    if (opts.name !== undefined || opts.out !== undefined) throw usage('--show-vkey reads an existing key: drop --name and --out');
    return showVkey(opts, opts.showVkey, io);
  }
  if (opts.name === undefined) throw usage('keygen needs --name <name> (or --show-vkey <key file> to print the verifier key of an existing key)');
  checkId('--name', opts.name);
  if (!isValidKeyName(opts.name)) {
    throw usage(`--name ${JSON.stringify(opts.name)} is not a key name: use a non-empty name without spaces or "+"`);
  }
  const out = resolvePath(io, opts.out ?? `${fileNameFor(opts.name)}.key`);
  const vkeyFile = opts.vkeyOut === undefined ? undefined : resolvePath(io, opts.vkeyOut);
  if (vkeyFile !== undefined) checkNewFilePath(vkeyFile, '--vkey-out');
  const { skey, vkey } = generateKeyPair(opts.name);
  writeSecretFile(out, `${skey}\n`, '--out');
  if (vkeyFile !== undefined) writeOutputFile(vkeyFile, `${vkey}\n`, { option: '--vkey-out' });
  if (opts.json) {
    await printJson(io, { name: opts.name, keyFile: out, vkey, ...(vkeyFile === undefined ? {} : { vkeyFile }) });
  } else {
    await write(io.stdout, `${vkey}\n`);
    io.stderr.write(`Signer key written to ${out} (mode 0600); the verifier key is on stdout.\n`);
  }
  return EXIT.OK;
}

/** The verifier key of an existing signer key file (checked for mode 0600 like every key file). */
async function showVkey(opts: KeygenOptions, file: string, io: Io): Promise<number> {
  const keyFile = resolvePath(io, file);
  const signer = readSignerKeyFile(keyFile);
  const vkey = formatVerifierKey(signer.name, signer.publicKey);
  const vkeyFile = opts.vkeyOut === undefined ? undefined : resolvePath(io, opts.vkeyOut);
  if (vkeyFile !== undefined) {
    checkNewFilePath(vkeyFile, '--vkey-out');
    writeOutputFile(vkeyFile, `${vkey}\n`, { option: '--vkey-out' });
  }
  if (opts.json) await printJson(io, { name: signer.name, keyFile, vkey, ...(vkeyFile === undefined ? {} : { vkeyFile }) });
  else await write(io.stdout, `${vkey}\n`);
  return EXIT.OK;
}

export const keygenCli = defineCommand<KeygenOptions>({
  name: 'keygen',
  define: (cmd: Command) =>
    cmd
      .description('generate an Ed25519 key pair (signer key to a 0600 file, verifier key printed), or print the verifier key of a key file')
      .option('--name <name>', 'key name (for a ledger key: its origin)')
      .option('--out <path>', 'signer key file to create (default <name>.key)')
      .option('--vkey-out <path>', 'also write the verifier key to this new file')
      .option('--show-vkey <keyfile>', 'print the verifier key of this existing signer key file (never the secret)')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail keygen --name officer-7 --out officer-7.key --vkey-out officer-7.vkey', 'casetrail keygen --show-vkey cases.ledger.key > cases.vkey')),
  options: (_args, o) => defined({ name: str(o, 'name'), out: str(o, 'out'), vkeyOut: str(o, 'vkeyOut'), showVkey: str(o, 'showVkey'), json: flag(o, 'json') }),
  run: keygen,
});
