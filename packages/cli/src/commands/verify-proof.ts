/**
 * `casetrail verify-proof <file> --vkey <vkey|file>`: checks a tlog-proof
 * file offline: the checkpoint signature, the inclusion proof, and that the
 * `extra` line is the entry at that position. No ledger needed.
 */
import { MAX_TLOG_PROOF_BYTES, toHex, verifyEntryProof } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { readInput } from '../inputs.js';
import { readVerifierKey } from '../keys.js';
import { write, type Io } from '../io.js';
import { defined, example, flag, jsonOption, req, str, tzOption, vkeyOption } from '../options.js';
import { fields, paint, printJson, printable, utcIso } from '../output.js';
import { formatTime, zoneOf } from '../times.js';

export interface VerifyProofOptions {
  /** The proof file, or `-` for standard input. */
  file: string;
  vkey: string;
  /** IANA time zone of the time shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns 0 when the proof verifies
 * @throws LedgerError (exit 1) naming why it does not: MALFORMED_PROOF,
 *   INVALID_SIGNATURE, UNKNOWN_KEY, PROOF_INVALID, MALFORMED_ENTRY, …
 */
export async function verifyProof(opts: VerifyProofOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const bytes = await readInput(io, opts.file, MAX_TLOG_PROOF_BYTES, 'proof file', 'artifact');
  const r = verifyEntryProof(bytes, vkey);
  const e = r.entry;
  if (opts.json) {
    await printJson(io, {
      ok: true,
      origin: r.checkpoint.origin,
      index: r.index,
      treeSize: r.checkpoint.size,
      root: toHex(r.checkpoint.root),
      leafHash: toHex(r.leafHash),
      signedBy: r.checkpoint.verified.map((v) => v.name),
      entry: { seq: e.seq, case: e.caseId, step: e.step, type: e.type, actor: e.actor, time: e.time, timeIso: utcIso(e.time), commit: toHex(e.commit), version: e.v, nonce: e.nonce === undefined ? null : toHex(e.nonce), actorSignatures: e.sigs.length },
    });
    return EXIT.OK;
  }
  const p = paint(io);
  await write(
    io.stdout,
    p.ok(`✔ entry ${r.index} is in the tree of ${r.checkpoint.size} entries signed by ${printable(r.checkpoint.origin)}\n`) +
      fields(
        [
          ['case', `${printable(e.caseId)} (step ${e.step})`],
          ['type', printable(e.type)],
          ['actor', printable(e.actor)],
          ['time', formatTime(e.time, zone)],
          ['leaf hash', toHex(r.leafHash)],
          ['root', toHex(r.checkpoint.root)],
          ['commitment', `${toHex(e.commit)} (the payload is not in the proof)`],
        ],
        p,
      ),
  );
  return EXIT.OK;
}

export const verifyProofCli = defineCommand<VerifyProofOptions>({
  name: 'verify-proof',
  define: (cmd: Command) =>
    cmd
      .description('check a tlog-proof file offline against the verifier key')
      .argument('<file>', 'proof file, or - for standard input')
      .addOption(vkeyOption(true))
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail verify-proof entry-3.tlog-proof --vkey cases.vkey')),
  options: ([file], o) => ({ file: req(file, '<file>'), vkey: req(o['vkey'], '--vkey'), ...defined({ tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: verifyProof,
});
