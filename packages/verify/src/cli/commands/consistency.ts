/**
 * Checking an add-checkpoint body offline (format.md §9.2), as a witness
 * would: the new checkpoint is signed by the ledger's key, and the proof
 * shows it extends the trusted earlier checkpoint. `casetrail
 * verify-consistency` and `casetrail-verify consistency` both run this.
 */
import { toHex } from '../../bytes.js';
import { EMPTY_ROOT } from '../../tlog/merkle-hash.js';
import { openCheckpoint } from '../../tlog/checkpoint.js';
import { MAX_NOTE_BYTES } from '../../tlog/note.js';
import { MAX_WITNESS_BODY_BYTES, verifyWitnessBody } from '../../tlog/witness-body.js';
import { assertWitnessPolicy } from '../../tlog/witness-policy.js';
import { EXIT, failed, usage } from '../exit.js';
import { readInput, readTextFile, resolvePath } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readVerifierKey, readWitnessPolicy } from '../keys.js';
import { paint, printJson } from '../output.js';
import { zoneOf } from '../times.js';
import { type ArtifactFileOptions, witnessedJson, witnessedText } from '../witnessed.js';

export interface WitnessBodyFileOptions extends ArtifactFileOptions {
  /** The trusted earlier checkpoint file, or `0` when none was trusted before. */
  from: string;
}

/**
 * @returns 0 when the body verifies against the trusted checkpoint
 * @throws LedgerError (exit 1): MALFORMED_PROOF, INVALID_SIGNATURE,
 *   UNKNOWN_KEY, INCONSISTENT, PROOF_INVALID; CliError MALFORMED_CHECKPOINT
 *   (1) for a checkpoint of another origin, INPUT_TOO_LARGE (1), USAGE (2);
 *   with a witness policy, WITNESS_QUORUM_NOT_MET (1) or INVALID_SIGNATURE (1)
 */
export async function verifyWitnessBodyFile(opts: WitnessBodyFileOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const verifier = readVerifierKey(io, opts.vkey);
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  let old: { size: number; root: Uint8Array };
  if (opts.from.trim() === '0') {
    old = { size: 0, root: EMPTY_ROOT };
  } else if (/^\d+$/.test(opts.from.trim())) {
    throw usage('--from takes the trusted checkpoint file (its root is needed), or 0');
  } else {
    const cp = openCheckpoint(readTextFile(resolvePath(io, opts.from), MAX_NOTE_BYTES, 'checkpoint file', 'artifact'), [verifier]);
    old = { size: cp.size, root: cp.root };
  }
  const body = await readInput(io, opts.file, MAX_WITNESS_BODY_BYTES, 'body file', 'artifact');
  const r = verifyWitnessBody(body, [verifier], old);
  if (r.origin !== verifier.name) {
    throw failed('MALFORMED_CHECKPOINT', `the checkpoint is for origin ${JSON.stringify(r.origin)}, the key is for ${JSON.stringify(verifier.name)} (format.md §6.2)`);
  }
  const witnessed = policy === undefined ? undefined : assertWitnessPolicy(r.note, policy);
  if (opts.json) {
    await printJson(io, {
      ok: true,
      origin: r.origin,
      oldSize: r.oldSize,
      newSize: r.size,
      newRoot: toHex(r.root),
      proofLength: r.proof.length,
      ...(witnessed === undefined ? {} : { witnesses: witnessedJson(witnessed) }),
    });
  } else {
    const w = witnessed === undefined ? '' : `  witnessed: ${witnessedText(witnessed, zone)}\n`;
    await write(io.stdout, paint(io).ok(`✔ the checkpoint of size ${r.size} (root ${toHex(r.root)}) extends the trusted one of size ${old.size}\n`) + w);
  }
  return EXIT.OK;
}
