/**
 * Checking a signed checkpoint note offline (format.md §6): it is signed by
 * the ledger's key, its body parses, its origin is the key's name, and —
 * for each witness key given — it carries that witness's valid cosignature
 * (c2sp.org/tlog-cosignature, §6.3). `casetrail-verify checkpoint` runs this.
 */
import { toBase64, toHex } from '../../bytes.js';
import { LedgerError } from '../../errors.js';
import { openCheckpoint } from '../../tlog/checkpoint.js';
import { openCosignature, parseCosignatureLine, type CosignatureVerifier } from '../../tlog/cosignature.js';
import { hex8 } from '../../tlog/note-keys.js';
import { MAX_NOTE_BYTES } from '../../tlog/note.js';
import { EXIT, failed } from '../exit.js';
import { readInput } from '../inputs.js';
import { write, type Io } from '../io.js';
import { readVerifierKey, readWitnessKey } from '../keys.js';
import { fields, paint, printJson, printable, utcIso } from '../output.js';
import { formatTime, zoneOf } from '../times.js';

export interface CheckpointFileOptions {
  /** The checkpoint file (a signed note, as `casetrail checkpoint` prints it), or `-` for standard input. */
  file: string;
  /** The ledger's verifier key, or a file holding it. */
  vkey: string;
  /** Witness cosignature keys (or files holding them): each must have cosigned the checkpoint. */
  witness?: string[];
  /** IANA time zone of the cosignature times shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/** A witness's cosignature, verified. */
interface Cosigned {
  name: string;
  keyId: string;
  /** Seconds since 1970, as the witness signed it. */
  timestamp: number;
}

/**
 * The signature lines of a note as written (signed-note: after the last
 * blank line), for the cosignature check, which needs each line itself.
 */
function signatureLines(note: string): string[] {
  return note
    .slice(note.lastIndexOf('\n\n') + 2)
    .split('\n')
    .filter((l) => l !== '');
}

/**
 * The cosignature of `witness` on the checkpoint.
 * @throws LedgerError UNKNOWN_KEY when it has none; INVALID_SIGNATURE when its line does not verify
 */
function cosignatureBy(note: string, witness: CosignatureVerifier): Cosigned {
  for (const line of signatureLines(note)) {
    let c;
    try {
      c = parseCosignatureLine(line);
    } catch {
      continue; // a line of another signature type (the ledger's own Ed25519 line)
    }
    if (c.name !== witness.name || c.keyId !== witness.keyId) continue;
    const opened = openCosignature(note, line, [witness]);
    return { name: opened.name, keyId: hex8(opened.keyId), timestamp: Number(opened.timestamp) };
  }
  throw new LedgerError('UNKNOWN_KEY', `the checkpoint carries no cosignature by the witness ${witness.name}+${hex8(witness.keyId)}`, { witness: witness.name });
}

/**
 * @returns 0 when the checkpoint is signed by the key (and cosigned by every witness given)
 * @throws LedgerError (exit 1) MALFORMED_NOTE, INVALID_SIGNATURE, UNKNOWN_KEY,
 *   MALFORMED_CHECKPOINT; CliError MALFORMED_CHECKPOINT (1) for another
 *   origin, INPUT_TOO_LARGE (1) over 1 MiB
 */
export async function verifyCheckpointFile(opts: CheckpointFileOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const verifier = readVerifierKey(io, opts.vkey);
  const witnesses = (opts.witness ?? []).map((w) => readWitnessKey(io, w));
  const bytes = await readInput(io, opts.file, MAX_NOTE_BYTES, 'checkpoint file', 'artifact');
  const cp = openCheckpoint(bytes, [verifier]);
  if (cp.origin !== verifier.name) {
    throw failed('MALFORMED_CHECKPOINT', `the checkpoint is for origin ${JSON.stringify(cp.origin)}, the key is for ${JSON.stringify(verifier.name)} (format.md §6.2)`);
  }
  const cosigned = witnesses.map((w) => cosignatureBy(cp.note, w));
  const lines = signatureLines(cp.note).length;
  const unchecked = lines - cp.verified.length - cosigned.length;
  if (opts.json) {
    await printJson(io, {
      ok: true,
      origin: cp.origin,
      size: cp.size,
      root: toHex(cp.root),
      rootBase64: toBase64(cp.root),
      signedBy: cp.verified.map((v) => v.name),
      witnesses: cosigned.map((c) => ({ ...c, timeIso: utcIso(c.timestamp * 1000) })),
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
  if (unchecked > 0) rows.push(['other lines', `${unchecked} signature line(s) by keys not given (not checked: pass --witness <key> to check a witness's cosignature)`]);
  await write(io.stdout, p.ok(`✔ the checkpoint is signed by ${printable(verifier.name)}'s key${cosigned.length > 0 ? ` and cosigned by ${cosigned.length} witness(es)` : ''}\n`) + fields(rows, p));
  return EXIT.OK;
}
