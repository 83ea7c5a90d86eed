/**
 * `casetrail init <ledger> --origin <name> [--key-file <path>]`: creates a
 * ledger and its checkpoint signing key; prints the verifier key.
 */
import { existsSync, rmSync, unlinkSync } from 'node:fs';
import type { Command } from 'commander';
import { Ledger, LedgerError, formatVerifierKey, generateKeyPair, isValidKeyName, readSignerKeyFile, stateFileOf } from '@casetrail/core';
import { EXIT, usage } from '../exit.js';
import { checkNewFilePath, writeOutputFile, writeSecretFile } from '../files.js';
import { resolvePath } from '../inputs.js';
import { defineCommand } from '../command.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str } from '../options.js';
import { printJson } from '../output.js';
import { checkId } from '../text.js';

export interface InitOptions {
  ledger: string;
  /** The checkpoint origin, which is also the key name. */
  origin: string;
  /** Where the signer key is (or will be) kept; default $CASETRAIL_KEY_FILE, else `<ledger>.key`. */
  keyFile?: string;
  /** Also write the verifier key to this new file (never overwritten). */
  vkeyOut?: string;
  json?: boolean;
}

export interface InitResult {
  ledger: string;
  origin: string;
  keyFile: string;
  /** false when an existing key file was used. */
  keyCreated: boolean;
  vkey: string;
  /** Where the verifier key was written, with --vkey-out. */
  vkeyFile?: string;
}

/**
 * Creates the ledger. An existing key file is used (it must be mode 0600 and
 * named like the origin); otherwise a new key is written there with mode 0600.
 * @returns exit code 0
 * @throws CliError / LedgerError (LEDGER_EXISTS, KEY_MISMATCH, KEY_FILE_PERMISSIONS, …)
 */
export async function init(opts: InitOptions, io: Io): Promise<number> {
  checkId('--origin', opts.origin);
  if (!isValidKeyName(opts.origin)) {
    throw usage(`--origin ${JSON.stringify(opts.origin)} cannot name a key: use a non-empty name without spaces or "+", e.g. example.org/cases`);
  }
  const ledgerPath = resolvePath(io, opts.ledger);
  if (existsSync(ledgerPath)) throw new LedgerError('LEDGER_EXISTS', `${ledgerPath} already exists`, { path: ledgerPath });
  const env = io.env['CASETRAIL_KEY_FILE'];
  const keyFile = resolvePath(io, opts.keyFile ?? (env !== undefined && env !== '' ? env : `${opts.ledger}.key`));
  const vkeyFile = opts.vkeyOut === undefined ? undefined : resolvePath(io, opts.vkeyOut);
  if (vkeyFile !== undefined) checkNewFilePath(vkeyFile, '--vkey-out');

  let vkey: string;
  let keyCreated = false;
  if (existsSync(keyFile)) {
    const signer = readSignerKeyFile(keyFile);
    if (signer.name !== opts.origin) {
      throw new LedgerError('KEY_MISMATCH', `the key in ${keyFile} is named "${signer.name}" but the origin is "${opts.origin}"; the checkpoint key name must equal the origin: use --origin ${signer.name}, or another --key-file`);
    }
    vkey = formatVerifierKey(signer.name, signer.publicKey);
  } else {
    const pair = generateKeyPair(opts.origin);
    vkey = pair.vkey;
    writeSecretFile(keyFile, `${pair.skey}\n`, '--key-file');
    keyCreated = true;
  }
  try {
    // Through the key file: the signer's state starts beside it, as <key file>.state (format.md §10).
    const ledger = await Ledger.create(ledgerPath, { origin: opts.origin, signer: { keyFile } });
    await ledger.close();
  } catch (e) {
    if (keyCreated) {
      unlinkSync(keyFile);
      rmSync(stateFileOf(keyFile), { force: true });
    }
    throw e;
  }
  if (vkeyFile !== undefined) writeOutputFile(vkeyFile, `${vkey}\n`, { option: '--vkey-out' });
  const result: InitResult = { ledger: ledgerPath, origin: opts.origin, keyFile, keyCreated, vkey, ...(vkeyFile === undefined ? {} : { vkeyFile }) };
  if (opts.json) {
    await printJson(io, result);
  } else {
    await write(io.stdout, `${vkey}\n`);
    io.stderr.write(
      `Created ledger ${ledgerPath} (origin ${opts.origin}).\n` +
        (keyCreated ? `Signing key written to ${keyFile} (mode 0600): keep it secret, back it up.\n` : `Using the signing key in ${keyFile}.\n`) +
        `The verifier key is on stdout${vkeyFile === undefined ? '' : ` and in ${vkeyFile}`}: publish it; auditors pass it to \`casetrail verify --vkey\`.\n`,
    );
  }
  return EXIT.OK;
}

export const initCli = defineCommand<InitOptions>({
  name: 'init',
  define: (cmd: Command) =>
    cmd
      .description('create a ledger and its checkpoint signing key; print the verifier key')
      .argument('<ledger>', 'path of the new ledger file')
      .requiredOption('--origin <name>', 'the ledger identity and key name, e.g. example.org/cases')
      .addOption(keyFileOption('signing key file (created mode 0600 if missing)'))
      .option('--vkey-out <path>', 'also write the verifier key to this new file')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail init cases.ledger --origin example.org/cases --vkey-out cases.vkey')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    origin: req(o['origin'], '--origin'),
    ...defined({ keyFile: str(o, 'keyFile'), vkeyOut: str(o, 'vkeyOut'), json: flag(o, 'json') }),
  }),
  run: init,
});
