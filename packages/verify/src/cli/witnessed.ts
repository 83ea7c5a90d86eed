/**
 * How every verify command shows what the witness policy found on the
 * checkpoint an artifact embeds (format.md §6.4): the same JSON shape and
 * the same summary line for proofs, witness bodies, bundles, checkpoints
 * and ledgers.
 */
import type { WitnessPolicyResult } from '../tlog/witness-policy.js';
import { printable, utcIso } from './output.js';
import { formatTime, type Zone } from './times.js';

/** What every artifact-checking command takes: the artifact, the ledger's key, a witness policy, a zone, --json. */
export interface ArtifactFileOptions {
  /** The artifact file, or `-` for standard input. */
  file: string;
  /** The ledger's verifier key, or a file holding it. */
  vkey: string;
  /** Witness cosignature keys (or files holding them): the artifact's checkpoint must carry their cosignatures. */
  witness?: string[];
  /** How many of the witnesses must have cosigned (default all given). */
  witnessQuorum?: number;
  /** IANA time zone of the times shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/** The `witnesses` object of the --json outputs (docs/cli.md "Witness policy"). */
export function witnessedJson(r: WitnessPolicyResult) {
  return {
    ok: r.ok,
    quorum: r.quorum,
    of: r.of,
    cosigned: r.cosigned.map((c) => ({ name: c.name, keyId: c.keyId, timestamp: c.timestamp, timeIso: utcIso(c.timestamp * 1000) })),
    missing: r.missing,
    invalid: r.invalid,
  };
}

/** One line: `2 of 3 witnesses (quorum 2): w1 at …, w2 at …`. */
export function witnessedText(r: WitnessPolicyResult, zone: Zone): string {
  const who = r.cosigned.map((c) => `${printable(c.name)} at ${formatTime(c.timestamp * 1000, zone)}`).join(', ');
  return `cosigned by ${r.cosigned.length} of ${r.of} witness(es) (quorum ${r.quorum})${who === '' ? '' : `: ${who}`}`;
}
