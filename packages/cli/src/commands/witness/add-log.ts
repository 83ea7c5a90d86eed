/**
 * `casetrail witness add-log --state <dir> --log-vkey <vkey|file>`: the
 * witness accepts a ledger (a log): checkpoints of its origin signed by
 * that key may be cosigned. Checkpoints of any other origin are answered
 * 404 (tlog-witness: unknown log).
 */
import { Witness } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { readKeyText } from '../../keys.js';
import { defined, example, flag, jsonOption, req, str } from '../../options.js';
import { printJson, printable } from '../../output.js';
import { checkId } from '../../text.js';

export interface WitnessAddLogOptions {
  state: string;
  /** The ledger's verifier key, or a file holding it. */
  logVkey: string;
  /** The checkpoints' origin, if it is not the key's name (casetrail ledgers: it is). */
  origin?: string;
  keyFile?: string;
  json?: boolean;
}

/** @returns 0 @throws LedgerError MALFORMED_KEY, STATE_INVALID, STATE_LOCKED (3) */
export async function witnessAddLog(opts: WitnessAddLogOptions, io: Io): Promise<number> {
  if (opts.origin !== undefined) checkId('--origin', opts.origin);
  const vkey = readKeyText(io, opts.logVkey, '--log-vkey');
  const w = Witness.open(resolvePath(io, opts.state), opts.keyFile === undefined ? {} : { keyFile: resolvePath(io, opts.keyFile) });
  const r = await w.addLog(vkey, opts.origin);
  if (opts.json) await printJson(io, r);
  else await write(io.stdout, `${r.added ? 'accepted' : 'already accepted'}: ${printable(r.origin)} (${r.vkeys.length} key(s))\n`);
  return EXIT.OK;
}

export const witnessAddLogCli = defineCommand<WitnessAddLogOptions>({
  name: 'add-log',
  define: (cmd: Command) =>
    cmd
      .description('accept a ledger: its checkpoints, signed by this key, may be cosigned')
      .requiredOption('--state <dir>', "the witness's state directory")
      .requiredOption('--log-vkey <vkey|file>', "the ledger's verifier key, or a file holding it")
      .option('--origin <origin>', "the checkpoints' origin, when it is not the key's name")
      .option('--key-file <path>', "the witness's key (default <state>/witness.key)")
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail witness add-log --state province-witness --log-vkey city-a.vkey')),
  options: (_a, o) => ({ state: req(o['state'], '--state'), logVkey: req(o['logVkey'], '--log-vkey'), ...defined({ origin: str(o, 'origin'), keyFile: str(o, 'keyFile'), json: flag(o, 'json') }) }),
  run: witnessAddLog,
});
