/**
 * `casetrail consistency <ledger> --from <checkpoint file | size> [--to <size>] [--out <file>]`:
 * the c2sp.org/tlog-witness add-checkpoint request body (format.md §9.2):
 * `old <size>`, the consistency proof hashes in base64, a blank line, and
 * the new signed checkpoint note.
 */
import { MAX_NOTE_BYTES, toBase64, toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, usage } from '../exit.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import { readTextFile, resolvePath } from '../inputs.js';
import { readVerifierKey } from '../keys.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, forceOption, jsonOption, num, outOption, req, str, vkeyOption } from '../options.js';
import { printJson } from '../output.js';

export interface ConsistencyOptions {
  ledger: string;
  /** A checkpoint file saved earlier (e.g. the one a witness last cosigned), or a tree size. */
  from: string;
  /** New tree size; a signed checkpoint of that size must exist. Default: the latest checkpoint. */
  to?: number;
  /** Verifier key: check the --from checkpoint's signature and the produced body. */
  vkey?: string;
  /** A new file to write the body to. */
  out?: string;
  /** Let --out replace an existing regular file. */
  force?: boolean;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError (from the library's `ledger.witnessBody`, which this
 *   command calls) INCONSISTENT (1) when the ledger does not extend the
 *   --from checkpoint; NOT_FOUND / INVALID_ARGUMENT (2) for sizes without
 *   checkpoints or beyond them; NO_CHECKPOINT (3); CHECKPOINT_INVALID (1)
 *   when the new checkpoint's row disagrees with its note
 */
export async function consistency(opts: ConsistencyOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  let from: number | string;
  if (/^\d+$/.test(opts.from.trim())) {
    from = Number(opts.from.trim());
    if (!Number.isSafeInteger(from)) throw usage('--from size is too large');
  } else {
    from = readTextFile(resolvePath(io, opts.from), MAX_NOTE_BYTES, 'checkpoint file', 'artifact');
  }
  const vkey = opts.vkey === undefined ? undefined : readVerifierKey(io, opts.vkey);
  const made = await withReadLedger(io, opts.ledger, (ledger) => ledger.witnessBody(from, { ...(opts.to === undefined ? {} : { to: opts.to }), ...(vkey === undefined ? {} : { vkey }) }));
  if (typeof from === 'string' && !made.fromChecked) {
    io.stderr.write("note: the --from checkpoint's signature was not checked (pass --vkey to check it); its root is compared with the ledger\n");
  }
  const body = made.body;
  if (opts.out !== undefined) writeOutputFile(resolvePath(io, opts.out), body, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, {
      oldSize: made.oldSize,
      newSize: made.newSize,
      oldRoot: made.oldRoot === undefined ? null : toHex(made.oldRoot),
      newRoot: toHex(made.newRoot),
      proof: made.proof.map(toBase64),
      body,
      ...(opts.out === undefined ? {} : { out: resolvePath(io, opts.out) }),
    });
  } else if (opts.out === undefined) {
    await write(io.stdout, body);
  } else {
    await write(io.stdout, `wrote the consistency proof from size ${made.oldSize} to ${made.newSize} to ${opts.out}\n`);
  }
  return EXIT.OK;
}

export const consistencyCli = defineCommand<ConsistencyOptions>({
  name: 'consistency',
  define: (cmd: Command) =>
    cmd
      .description('write a c2sp.org/tlog-witness add-checkpoint body: consistency proof + new checkpoint')
      .argument('<ledger>', 'ledger file')
      .requiredOption('--from <checkpoint|size>', 'the earlier checkpoint file (or its size; 0 for none)')
      .option('--to <size>', 'the new tree size (a signed checkpoint of that size must exist; default the latest)', countParser('--to', 1))
      .addOption(vkeyOption(false, 'also check the --from signature and the produced body'))
      .addOption(outOption('write the body to this new file'))
      .addOption(forceOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail consistency cases.ledger --from yesterday.checkpoint --out add-checkpoint.body')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    from: req(o['from'], '--from'),
    ...defined({ to: num(o, 'to'), vkey: str(o, 'vkey'), out: str(o, 'out'), force: flag(o, 'force'), json: flag(o, 'json') }),
  }),
  run: consistency,
});
