/**
 * `casetrail prove <ledger> <seq> [--size <n>] [--out <file>]`: a
 * c2sp.org/tlog-proof@v1 file whose `extra` line is the entry bytes, so any
 * RFC 9162 verifier hashes it as the leaf (format.md §9.1).
 */
import { equalBytes, formatTlogProof, toBase64, toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, failed, operational, usage } from '../exit.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import { resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, forceOption, jsonOption, num, outOption, req, reqNum, str } from '../options.js';
import { printJson } from '../output.js';
import { checkedCheckpoint } from './checkpoint.js';

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
 * @throws CliError: usage when there is no checkpoint of the size asked for or
 *   the entry is not in it; failed (1) if the ledger disagrees with its own
 *   signed checkpoint
 */
export async function prove(opts: ProveOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const made = await withReadLedger(io, opts.ledger, async (ledger) => {
    const stored = opts.size === undefined ? await ledger.latestCheckpoint() : await ledger.checkpointAt(opts.size);
    if (stored === undefined) {
      if (opts.size !== undefined) throw usage(`there is no signed checkpoint of size ${opts.size}; omit --size to use the latest, or sign one with \`casetrail checkpoint --sign\``);
      throw operational('NO_CHECKPOINT', `${opts.ledger} has no signed checkpoint yet: run \`casetrail checkpoint ${opts.ledger} --sign\``);
    }
    const cp = checkedCheckpoint(stored);
    if (opts.seq >= cp.size) {
      const size = await ledger.size();
      throw usage(
        opts.seq < size
          ? `entry ${opts.seq} is after the checkpoint of size ${cp.size}; sign a newer one with \`casetrail checkpoint ${opts.ledger} --sign\``
          : `there is no entry ${opts.seq}: the ledger has ${size} entries`,
      );
    }
    // The proof carries the entry's bytes: they must check, and be the leaf the tree holds.
    const entry = await ledger.get(opts.seq);
    const bad = entry.issues.find((i) => i.severity === 'error');
    if (bad !== undefined) throw failed(bad.code, `entry ${opts.seq} does not match its stored bytes (${bad.code}: ${bad.message}); no proof was written: run \`casetrail verify\``);
    const p = await ledger.proveInclusion(opts.seq, cp.size);
    if (!equalBytes(p.leafHash, entry.leafHash)) {
      throw failed('LEAF_HASH_MISMATCH', `the tree's leaf ${opts.seq} is not the hash of the entry's bytes; no proof was written: run \`casetrail verify\``);
    }
    if (!equalBytes(p.root, cp.root)) {
      throw failed('CHECKPOINT_ROOT_MISMATCH', `the ledger's tree of size ${cp.size} does not match its own signed checkpoint; run \`casetrail verify\``);
    }
    return { cp, proof: p, leaf: entry.leafHash, text: formatTlogProof({ index: opts.seq, proof: p.proof, checkpoint: cp.note, extra: entry.bytes }) };
  });
  if (opts.out !== undefined) writeOutputFile(resolvePath(io, opts.out), made.text, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, {
      seq: opts.seq,
      treeSize: made.cp.size,
      root: toHex(made.cp.root),
      leafHash: toHex(made.leaf),
      proof: made.proof.proof.map(toBase64),
      tlogProof: made.text,
      ...(opts.out === undefined ? {} : { out: resolvePath(io, opts.out) }),
    });
  } else if (opts.out === undefined) {
    await write(io.stdout, made.text);
  } else {
    await write(io.stdout, `wrote the proof of entry ${opts.seq} in the tree of size ${made.cp.size} to ${opts.out}\n`);
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
