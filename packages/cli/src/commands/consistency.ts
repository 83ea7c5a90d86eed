/**
 * `casetrail consistency <ledger> --from <checkpoint file | size> [--to <size>] [--out <file>]`:
 * the c2sp.org/tlog-witness add-checkpoint request body (format.md §9.2):
 * `old <size>`, the consistency proof hashes in base64, a blank line, and
 * the new signed checkpoint note.
 */
import {
  MAX_NOTE_BYTES,
  equalBytes,
  formatWitnessBody,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  toBase64,
  toHex,
  verifyWitnessBody,
  type Checkpoint,
} from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT, failed, operational, usage } from '../exit.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import { readTextFile, resolvePath } from '../inputs.js';
import { readVerifierKey } from '../keys.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, forceOption, jsonOption, num, outOption, req, str, vkeyOption } from '../options.js';
import { printJson } from '../output.js';
import { checkedCheckpoint } from './checkpoint.js';

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
 * @throws CliError failed (1) when the ledger does not extend the --from
 *   checkpoint; usage (2) for sizes without checkpoints
 */
export async function consistency(opts: ConsistencyOptions, io: Io): Promise<number> {
  if (opts.out !== undefined) checkOutputPath(resolvePath(io, opts.out), opts.force === true);
  const verifier = opts.vkey === undefined ? undefined : readVerifierKey(io, opts.vkey);
  let old: { size: number; root?: Uint8Array; origin?: string };
  if (/^\d+$/.test(opts.from.trim())) {
    old = { size: Number(opts.from.trim()) };
    if (!Number.isSafeInteger(old.size)) throw usage('--from size is too large');
  } else {
    const note = readTextFile(resolvePath(io, opts.from), MAX_NOTE_BYTES, 'checkpoint file', 'artifact');
    let cp: Checkpoint;
    if (verifier !== undefined) {
      cp = openCheckpoint(note, [verifier]);
    } else {
      cp = parseCheckpoint(parseNote(note).text);
      io.stderr.write("note: the --from checkpoint's signature was not checked (pass --vkey to check it); its root is compared with the ledger\n");
    }
    old = { size: cp.size, root: cp.root, origin: cp.origin };
  }
  const made = await withReadLedger(io, opts.ledger, async (ledger) => {
    if (old.origin !== undefined && old.origin !== ledger.origin) {
      throw usage(`the --from checkpoint is for origin ${JSON.stringify(old.origin)}, this ledger is ${JSON.stringify(ledger.origin)}`);
    }
    const current = await ledger.size();
    if (old.size > current) {
      if (old.root === undefined) throw usage(`--from ${old.size} is beyond the ledger's ${current} entries`);
      throw failed('INCONSISTENT', `the --from checkpoint covers ${old.size} entries but the ledger has only ${current}: entries were removed`);
    }
    const stored = opts.to === undefined ? await ledger.latestCheckpoint() : await ledger.checkpointAt(opts.to);
    if (stored === undefined) {
      if (opts.to !== undefined) throw usage(`there is no signed checkpoint of size ${opts.to}; omit --to to use the latest, or sign one with \`casetrail checkpoint --sign\``);
      throw operational('NO_CHECKPOINT', `${opts.ledger} has no signed checkpoint yet: run \`casetrail checkpoint ${opts.ledger} --sign\``);
    }
    const cp = checkedCheckpoint(stored);
    if (old.size > cp.size) throw usage(`--from size ${old.size} is beyond the new checkpoint's size ${cp.size}`);
    let proof: Uint8Array[] = [];
    let oldRoot: Uint8Array | undefined;
    if (old.size > 0) {
      const p = await ledger.proveConsistency(old.size, cp.size);
      if (!equalBytes(p.newRoot, cp.root)) throw failed('CHECKPOINT_ROOT_MISMATCH', `the ledger's tree of size ${cp.size} does not match its own signed checkpoint; run \`casetrail verify\``);
      if (old.root !== undefined && !equalBytes(p.oldRoot, old.root)) {
        throw failed('INCONSISTENT', `the ledger's tree of size ${old.size} does not match the --from checkpoint: the history it covered was rewritten`);
      }
      proof = p.proof;
      oldRoot = p.oldRoot;
    }
    return { cp, proof, oldRoot };
  });
  const body = formatWitnessBody({ oldSize: old.size, proof: made.proof, checkpoint: made.cp.note });
  if (verifier !== undefined) verifyWitnessBody(body, [verifier], old.size === 0 ? undefined : { size: old.size, root: made.oldRoot! });
  if (opts.out !== undefined) writeOutputFile(resolvePath(io, opts.out), body, { force: opts.force === true });
  if (opts.json) {
    await printJson(io, {
      oldSize: old.size,
      newSize: made.cp.size,
      oldRoot: made.oldRoot === undefined ? null : toHex(made.oldRoot),
      newRoot: toHex(made.cp.root),
      proof: made.proof.map(toBase64),
      body,
      ...(opts.out === undefined ? {} : { out: resolvePath(io, opts.out) }),
    });
  } else if (opts.out === undefined) {
    await write(io.stdout, body);
  } else {
    await write(io.stdout, `wrote the consistency proof from size ${old.size} to ${made.cp.size} to ${opts.out}\n`);
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
