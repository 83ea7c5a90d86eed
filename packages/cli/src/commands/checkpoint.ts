/**
 * `casetrail checkpoint <ledger> [--out <file>] [--sign]`: the latest signed
 * checkpoint note, byte for byte as stored.
 */
import { checkedCheckpoint, toBase64, toHex, type SignedCheckpoint } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, operational } from '../exit.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { withReadLedger, withWriteLedger } from '../ledgers.js';
import { defined, example, flag, forceOption, jsonOption, keyFileOption, outOption, req, str } from '../options.js';
import { printJson } from '../output.js';

export interface CheckpointOptions {
  ledger: string;
  /** Write the note to this new file instead of stdout. */
  out?: string;
  /** Let --out replace an existing regular file. */
  force?: boolean;
  /** Sign a checkpoint of the current size first if the latest one is older (needs the key). */
  sign?: boolean;
  keyFile?: string;
  json?: boolean;
}

/**
 * The JSON shape of a checkpoint (docs/cli.md), every field from the signed
 * note, never from the row's columns (the library's checkedCheckpoint: a row
 * that disagrees with its note is CHECKPOINT_INVALID, exit 1).
 */
export function checkpointJson(cp: SignedCheckpoint) {
  const c = checkedCheckpoint(cp);
  return { origin: c.origin, size: c.size, root: toHex(c.root), rootBase64: toBase64(c.root), note: c.note };
}

/**
 * @returns exit code 0
 * @throws CliError (operational) when the ledger has no checkpoint yet;
 *   LedgerError CHECKPOINT_INVALID (exit 1) when its row disagrees with its note
 */
export async function checkpoint(opts: CheckpointOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const { cp: stored, size } = opts.sign
    ? await withWriteLedger(io, opts.ledger, opts.keyFile, 'signing a checkpoint', async (l) => ({ cp: await l.checkpoint(), size: await l.size() }))
    : await withReadLedger(io, opts.ledger, async (l) => ({ cp: await l.latestCheckpoint(), size: await l.size() }));
  if (stored === undefined) {
    throw operational('NO_CHECKPOINT', `${opts.ledger} has no signed checkpoint yet: append an entry, or run \`casetrail checkpoint ${opts.ledger} --sign\``);
  }
  const cp = checkedCheckpoint(stored);
  if (cp.size < size) {
    io.stderr.write(`warning: the latest checkpoint covers ${cp.size} of ${size} entries; run with --sign to sign one for all of them\n`);
  }
  if (opts.out !== undefined) writeOutputFile(resolvePath(io, opts.out), cp.note, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, { ...checkpointJson(cp), ...(opts.out === undefined ? {} : { out: resolvePath(io, opts.out) }) });
  } else if (opts.out === undefined) {
    await write(io.stdout, cp.note);
  } else {
    await write(io.stdout, `wrote the checkpoint of size ${cp.size} to ${opts.out}\n`);
  }
  return EXIT.OK;
}

export const checkpointCli = defineCommand<CheckpointOptions>({
  name: 'checkpoint',
  define: (cmd: Command) =>
    cmd
      .description('print the latest signed checkpoint, byte for byte')
      .argument('<ledger>', 'ledger file')
      .addOption(outOption('write it to this new file instead'))
      .addOption(forceOption())
      .option('--sign', 'first sign a checkpoint of the current size if the latest is older (needs the key)')
      .addOption(keyFileOption('signing key for --sign'))
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail checkpoint cases.ledger --out today.checkpoint', 'casetrail checkpoint cases.ledger --sign --out /srv/www/latest.checkpoint --force')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    ...defined({ out: str(o, 'out'), force: flag(o, 'force'), sign: flag(o, 'sign'), keyFile: str(o, 'keyFile'), json: flag(o, 'json') }),
  }),
  run: checkpoint,
});
