/**
 * `casetrail prove <ledger> <seq> [--size <n>] [--out <file>]`: a
 * c2sp.org/tlog-proof@v1 file whose `extra` line is the entry bytes, so any
 * RFC 9162 verifier hashes it as the leaf (format.md §9.1).
 */
import { toBase64, toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, forceOption, jsonOption, num, outOption, req, reqNum, str } from '../options.js';
import { printJson } from '../output.js';

export interface ProveOptions {
  ledger: string;
  seq: number;
  /** Tree size to prove in; a signed checkpoint of that size must exist. Default: the latest checkpoint. */
  size?: number;
  /** A new file to write the proof to. */
  out?: string;
  /** Let --out replace an existing regular file. */
  force?: boolean;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError (from the library's `ledger.tlogProof`, which this
 *   command calls) NO_CHECKPOINT (3); NOT_FOUND (2) when there is no
 *   checkpoint of the size asked for or the entry is not in it;
 *   CHECKPOINT_ROOT_MISMATCH (1) if the ledger disagrees with its own
 *   checkpoint; CHECKPOINT_INVALID (1) if the checkpoint's row disagrees with
 *   its note; the code of the entry's first issue (1) when its bytes do not
 *   check (LEAF_HASH_MISMATCH, …): no proof is written
 */
export async function prove(opts: ProveOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const made = await withReadLedger(io, opts.ledger, (ledger) => ledger.tlogProof(opts.seq, opts.size === undefined ? {} : { size: opts.size }));
  if (opts.out !== undefined) writeOutputFile(resolvePath(io, opts.out), made.text, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, {
      seq: opts.seq,
      treeSize: made.treeSize,
      root: toHex(made.root),
      leafHash: toHex(made.leafHash),
      proof: made.proof.map(toBase64),
      tlogProof: made.text,
      ...(opts.out === undefined ? {} : { out: resolvePath(io, opts.out) }),
    });
  } else if (opts.out === undefined) {
    await write(io.stdout, made.text);
  } else {
    await write(io.stdout, `wrote the proof of entry ${opts.seq} in the tree of size ${made.treeSize} to ${opts.out}\n`);
  }
  return EXIT.OK;
}

export const proveCli = defineCommand<ProveOptions>({
  name: 'prove',
  define: (cmd: Command) =>
    cmd
      .description('write a c2sp.org/tlog-proof@v1 inclusion proof of one entry')
      .argument('<ledger>', 'ledger file')
      .argument('<seq>', 'entry number', countParser('<seq>'))
      .option('--size <n>', 'tree size to prove in (a signed checkpoint of that size must exist; default the latest)', countParser('--size', 1))
      .addOption(outOption('write the proof to this new file (conventionally *.tlog-proof)'))
      .addOption(forceOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail prove cases.ledger 3 --out entry-3.tlog-proof')),
  options: ([ledger, seq], o) => ({
    ledger: req(ledger, '<ledger>'),
    seq: reqNum(seq, '<seq>'),
    ...defined({ size: num(o, 'size'), out: str(o, 'out'), force: flag(o, 'force'), json: flag(o, 'json') }),
  }),
  run: prove,
});
