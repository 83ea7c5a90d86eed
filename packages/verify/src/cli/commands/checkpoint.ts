/**
 * Checking a signed checkpoint note offline (format.md §6): it is signed by
 * the ledger's key, its body parses, its origin is the key's name, and —
 * for each witness key given — it carries that witness's valid cosignature
 * (c2sp.org/tlog-cosignature, §6.3). `casetrail-verify checkpoint` runs this.
 */
import { toBase64, toHex } from '../../bytes.js';
import { openCheckpoint } from '../../tlog/checkpoint.js';
import { hex8 } from '../../tlog/note-keys.js';
import { MAX_NOTE_BYTES, parseNote } from '../../tlog/note.js';
import { assertWitnessPolicy } from '../../tlog/witness-policy.js';
import { EXIT, failed } from '../exit.js';
import { readInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readVerifierKey, readWitnessPolicy } from '../keys.js';
import { fields, paint, printJson, printable } from '../output.js';
import { formatTime, zoneOf } from '../times.js';
import { type ArtifactFileOptions, witnessedJson } from '../witnessed.js';

export type CheckpointFileOptions = ArtifactFileOptions;

/**
 * @returns 0 when the checkpoint is signed by the key (and meets the witness policy given)
 * @throws LedgerError (exit 1) MALFORMED_NOTE, INVALID_SIGNATURE (also a
 *   given witness's cosignature that does not verify), UNKNOWN_KEY,
 *   MALFORMED_CHECKPOINT, WITNESS_QUORUM_NOT_MET; CliError
 *   MALFORMED_CHECKPOINT (1) for another origin, INPUT_TOO_LARGE (1) over 1 MiB
 */
export async function verifyCheckpointFile(opts: CheckpointFileOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const verifier = readVerifierKey(io, opts.vkey);
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  const bytes = await readInput(io, opts.file, MAX_NOTE_BYTES, 'checkpoint file', 'artifact');
  const cp = openCheckpoint(bytes, [verifier]);
  if (cp.origin !== verifier.name) {
    throw failed('MALFORMED_CHECKPOINT', `the checkpoint is for origin ${JSON.stringify(cp.origin)}, the key is for ${JSON.stringify(verifier.name)} (format.md §6.2)`);
  }
  const witnessed = policy === undefined ? undefined : assertWitnessPolicy(cp.note, policy);
  const cosigned = witnessed?.cosigned ?? [];
  // Lines by keys neither the log's nor a witness of the policy: ignored, as signed-note says.
  const lines = parseNote(cp.note).signatures;
  const logLines = lines.filter((l) => l.name === verifier.name && hex8(l.keyId) === hex8(verifier.keyId)).length;
  const unchecked = (witnessed === undefined ? lines.length : witnessed.ignored) - logLines;
  if (opts.json) {
    const w = witnessed === undefined ? undefined : witnessedJson(witnessed);
    await printJson(io, {
      ok: true,
      origin: cp.origin,
      size: cp.size,
      root: toHex(cp.root),
      rootBase64: toBase64(cp.root),
      signedBy: cp.verified.map((v) => v.name),
      witnesses: w?.cosigned ?? [],
      ...(w === undefined ? {} : { quorum: w.quorum }),
      unchecked,
    });
    return EXIT.OK;
  }
  const p = paint(io);
  const rows: Array<[string, string]> = [
    ['origin', printable(cp.origin)],
    ['size', `${cp.size} entries`],
    ['root', `${toHex(cp.root)} (base64 ${toBase64(cp.root)})`],
  ];
  for (const c of cosigned) rows.push(['cosigned', `by ${printable(c.name)}+${c.keyId} at ${formatTime(c.timestamp * 1000, zone)}`]);
  if (witnessed !== undefined && witnessed.missing.length > 0) rows.push(['not cosigned', `by ${witnessed.missing.map(printable).join(', ')} (quorum ${witnessed.quorum} of ${witnessed.of} met)`]);
  if (unchecked > 0) rows.push(['other lines', `${unchecked} signature line(s) by keys not given (not checked: pass --witness <key> to check a witness's cosignature)`]);
  await write(io.stdout, p.ok(`✔ the checkpoint is signed by ${printable(verifier.name)}'s key${cosigned.length > 0 ? ` and cosigned by ${cosigned.length} witness(es)` : ''}\n`) + fields(rows, p));
  return EXIT.OK;
}
