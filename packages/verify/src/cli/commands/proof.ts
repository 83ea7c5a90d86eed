/**
 * Checking a tlog-proof file offline (format.md §9.1): the checkpoint is
 * signed by the ledger's key, the audit path leads from SHA-256(0x00 ‖ extra)
 * to its root, and the `extra` bytes are the casetrail entry at that index.
 * `casetrail verify-proof` and `casetrail-verify proof` both run this.
 */
import { toHex } from '../../bytes.js';
import { MAX_TLOG_PROOF_BYTES, verifyEntryProof } from '../../tlog/tlog-proof.js';
import { assertWitnessPolicy } from '../../tlog/witness-policy.js';
import { EXIT } from '../exit.js';
import { readInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readVerifierKey, readWitnessPolicy } from '../keys.js';
import { fields, paint, printJson, printable, utcIso } from '../output.js';
import { formatTime, zoneOf } from '../times.js';
import { type ArtifactFileOptions, witnessedJson, witnessedText } from '../witnessed.js';

export type ProofFileOptions = ArtifactFileOptions;

/**
 * @returns 0 when the proof verifies
 * @throws LedgerError (exit 1) naming why it does not: MALFORMED_PROOF,
 *   INVALID_SIGNATURE, UNKNOWN_KEY, PROOF_INVALID, MALFORMED_ENTRY, …;
 *   CliError INPUT_TOO_LARGE (1) for a file over 1 MiB + 128 KiB; with a
 *   witness policy, WITNESS_QUORUM_NOT_MET (1) or INVALID_SIGNATURE (1, a
 *   given witness's cosignature does not verify)
 */
export async function verifyProofFile(opts: ProofFileOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  const bytes = await readInput(io, opts.file, MAX_TLOG_PROOF_BYTES, 'proof file', 'artifact');
  const r = verifyEntryProof(bytes, vkey);
  const witnessed = policy === undefined ? undefined : assertWitnessPolicy(r.checkpoint.note, policy);
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
      ...(witnessed === undefined ? {} : { witnesses: witnessedJson(witnessed) }),
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
          ...(witnessed === undefined ? [] : [['witnessed', witnessedText(witnessed, zone)] as [string, string]]),
        ],
        p,
      ),
  );
  return EXIT.OK;
}
