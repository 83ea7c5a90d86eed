/**
 * `casetrail state adopt <ledger> [--key-file <path>]` and
 * `casetrail state show <ledger>`: the signer state beside the key
 * (`<key file>.state`, format.md §10). Adoption is the one explicit recovery
 * when the state is missing (a key moved to a new machine, a restore from a
 * backup): the ledger is verified in full under the key's own verifier key
 * first, and the command prints what it verified.
 */
import { FileSignerState, Ledger, readSignerKeyFile, stateFileOf, toHex, type Adoption, type SignerState } from '@casetrail/core';
import { Argument, type Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { requireKeyFile } from '../keys.js';
import { ledgerPath } from '../ledgers.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str } from '../options.js';
import { printJson, printable } from '../output.js';

export interface StateOptions {
  action: 'adopt' | 'show';
  ledger: string;
  keyFile?: string;
  json?: boolean;
}

function stateJson(s: SignerState) {
  const tree = (t: { size: number; root: Uint8Array }) => ({ size: t.size, root: toHex(t.root) });
  return { origin: s.origin, keyId: s.keyId.toString(16).padStart(8, '0'), signed: tree(s.signed), intended: s.intended === null ? null : tree(s.intended) };
}

/**
 * @returns exit code 0
 * @throws LedgerError VERIFICATION_FAILED (exit 1: the ledger does not verify, nothing adopted),
 *   LEDGER_ROLLED_BACK / LEDGER_REWRITTEN / LEDGER_TAMPERED (exit 1: a state exists and the file does not extend it),
 *   KEY_MISMATCH, SIGNER_STATE_INVALID (exit 3)
 */
export async function state(opts: StateOptions, io: Io): Promise<number> {
  const full = ledgerPath(io, opts.ledger);
  const key = requireKeyFile(io, full, opts.keyFile, opts.action === 'adopt' ? 'adopting the signer state' : 'showing the signer state');
  const file = stateFileOf(key);
  if (opts.action === 'show') {
    const s = new FileSignerState(file).read(readSignerKeyFile(key).name);
    if (opts.json) await printJson(io, { state: file, ...(s === undefined ? { missing: true } : stateJson(s)) });
    else if (s === undefined) await write(io.stdout, `no signer state at ${file}\n`);
    else {
      const j = stateJson(s);
      await write(
        io.stdout,
        `${file}: origin ${printable(j.origin)}, key ID ${j.keyId}\n  signed:   size ${j.signed.size}, root ${j.signed.root}\n  intended: ${j.intended === null ? 'none' : `size ${j.intended.size}, root ${j.intended.root}`}\n`,
      );
    }
    return EXIT.OK;
  }
  const ledger = await Ledger.open(full, { signer: { keyFile: key }, adoptState: true });
  let a: Adoption;
  try {
    a = ledger.adopted ?? (await ledger.adoptSignerState());
  } finally {
    await ledger.close();
  }
  const c = a.report?.checked;
  if (opts.json) {
    await printJson(io, { adopted: a.adopted, ledger: full, state: file, size: a.size, signed: a.signed, ...(c === undefined ? {} : { verified: c }) });
  } else if (a.adopted) {
    await write(
      io.stdout,
      `verified ${full} in full under the key in ${key}: ${c!.entries} entries, ${c!.payloads} payloads, ${c!.actorSignatures} actor signatures, ${c!.nodes} Merkle nodes, ${c!.checkpoints} checkpoints — no issue\n` +
        `adopted: ${file} now starts from the checkpoint of size ${a.signed.size} (root ${a.signed.root})${a.size > a.signed.size ? `; the ${a.size - a.signed.size} entries after it are verified again before they are signed` : ''}\n`,
    );
  } else {
    await write(io.stdout, `the signer already has a state for this ledger (${file}) and the file extends its checkpoint of size ${a.signed.size}: nothing adopted\n`);
  }
  return EXIT.OK;
}

export const stateCli = defineCommand<StateOptions>({
  name: 'state',
  define: (cmd: Command) =>
    cmd
      .description("the signer state beside the key: adopt a ledger after verifying it in full (a key moved or restored), or show it")
      .addArgument(new Argument('<action>', 'adopt | show').choices(['adopt', 'show']))
      .argument('<ledger>', 'ledger file')
      .addOption(keyFileOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail state adopt cases.ledger --key-file /secure/cases.ledger.key', 'casetrail state show cases.ledger')),
  options: ([action, ledger], o) => ({
    action: req(action, '<action>') as StateOptions['action'],
    ledger: req(ledger, '<ledger>'),
    ...defined({ keyFile: str(o, 'keyFile'), json: flag(o, 'json') }),
  }),
  run: state,
});
