/**
 * A verifier's witness policy (format.md §6.4): which witnesses it trusts
 * and how many of them must have cosigned a checkpoint before it believes
 * that checkpoint is the one the world sees — the k-of-n policy of Sigsum's
 * witness configuration (sigsum.org "policy": `quorum` over a group of
 * witnesses), applied to c2sp.org/tlog-cosignature lines carried in the
 * checkpoint's signed note.
 *
 * Policy, from c2sp.org/signed-note ("verifiers MUST ignore signatures from
 * unknown keys"; a known key's signature that does not verify fails the
 * note): a cosignature line by a key not in the policy is ignored; a line
 * by a listed witness must verify over the checkpoint text, else the note
 * fails (COSIGNATURE_INVALID) whatever the others say. A witness counts
 * once however many lines it left. Every verifier of casetrail — ledger
 * verification, proof files, witness bodies, bundles, checkpoint notes —
 * applies the policy through {@link evaluateWitnessPolicy}, and nowhere
 * else.
 */
import { checkIntIn } from '../args.js';
import { LedgerError } from '../errors.js';
import { openCosignature, parseCosignatureVerifierKey, type CosignatureVerifier } from './cosignature.js';
import { hex8 } from './note-keys.js';
import { formatSignatureLine, parseNote } from './note.js';

/** Bytes of a cosignature/v1 signature after its key ID: timestamp and Ed25519 signature. */
const COSIGNATURE_SIGNATURE_LENGTH = 8 + 64;

/** k of n witnesses; build one with {@link witnessPolicy}. */
export interface WitnessPolicy {
  /** The trusted witnesses, each once. */
  readonly witnesses: readonly CosignatureVerifier[];
  /** How many of them must have cosigned: 1 to `witnesses.length`. */
  readonly quorum: number;
}

/** One valid cosignature counted for the policy. */
export interface WitnessCosigned {
  readonly name: string;
  /** The key ID, 8 hex digits. */
  readonly keyId: string;
  /**
   * Seconds since 1970 when the witness cosigned (the earliest of its valid
   * lines), as a number: exact up to 2^53 s, some 285 million years.
   */
  readonly timestamp: number;
}

/** What a checkpoint note shows under a policy. */
export interface WitnessPolicyResult {
  /** Quorum met and no listed witness's line failed. */
  readonly ok: boolean;
  /** `WITNESS_QUORUM_NOT_MET` or `COSIGNATURE_INVALID` when not ok. */
  readonly code?: 'WITNESS_QUORUM_NOT_MET' | 'COSIGNATURE_INVALID';
  /** Why not, in words; absent when ok. */
  readonly message?: string;
  readonly quorum: number;
  /** Witnesses in the policy. */
  readonly of: number;
  /** Listed witnesses with a valid cosignature, in the policy's order. */
  readonly cosigned: readonly WitnessCosigned[];
  /** Listed witnesses without one (`name+keyid`). */
  readonly missing: readonly string[];
  /** Listed witnesses whose line does not verify (`name+keyid`). */
  readonly invalid: readonly string[];
  /** Signature lines by keys outside the policy (the log's own, other witnesses'): ignored. */
  readonly ignored: number;
}

const id = (w: { name: string; keyId: number }): string => `${w.name}+${hex8(w.keyId)}`;

/**
 * A witness policy: `quorum` of `witnesses` (default all of them) must
 * have cosigned.
 * @param witnesses - cosignature verifier keys (`name+hex8+base64(0x04 ‖ key)`) or parsed ones; a key given twice counts once
 * @param quorum - 1 to the number of distinct witnesses; default all
 * @throws LedgerError MALFORMED_KEY (a key that does not parse);
 *   INVALID_ARGUMENT (no witness, a quorum out of range, two different keys with one name and key ID)
 * @example
 * const policy = witnessPolicy([cityWitness, provinceWitness], 1);
 */
export function witnessPolicy(witnesses: ReadonlyArray<string | CosignatureVerifier>, quorum?: number): WitnessPolicy {
  if (!Array.isArray(witnesses) || witnesses.length === 0) {
    throw new LedgerError('INVALID_ARGUMENT', 'witnesses must be a non-empty array of cosignature verifier keys', { field: 'witnesses' });
  }
  const byId = new Map<string, CosignatureVerifier>();
  for (const w of witnesses) {
    const v = typeof w === 'string' ? parseCosignatureVerifierKey(w.trim()) : w;
    if (v === null || typeof v !== 'object' || !(v.publicKey instanceof Uint8Array)) {
      throw new LedgerError('INVALID_ARGUMENT', 'witnesses: every item must be a key string or a CosignatureVerifier', { field: 'witnesses' });
    }
    const seen = byId.get(id(v));
    if (seen !== undefined && seen.publicKey.some((b, i) => b !== v.publicKey[i])) {
      throw new LedgerError('INVALID_ARGUMENT', `witnesses: two different keys named ${id(v)}`, { field: 'witnesses' });
    }
    if (seen === undefined) byId.set(id(v), v);
  }
  const list = [...byId.values()];
  const k = quorum ?? list.length;
  checkIntIn(k, 'quorum', 1, list.length);
  return Object.freeze({ witnesses: Object.freeze(list), quorum: k });
}

/**
 * Applies a witness policy to a checkpoint note and the cosignature lines
 * it carries (format.md §6.4). The note's own signature by the log is not
 * judged here: open it with the log's key first (openCheckpoint).
 * @param note - the signed note with its cosignature lines, as carried by the artifact (attacker-controlled)
 * @returns the verdict; never throws for a cosignature that does not verify
 * @throws LedgerError MALFORMED_NOTE / INPUT_TOO_LARGE for a note that does not parse; INVALID_ARGUMENT for a bad policy
 * @example
 * const r = evaluateWitnessPolicy(cp.note, witnessPolicy([witnessVkey]));
 * if (!r.ok) console.log(r.code, r.message);
 */
export function evaluateWitnessPolicy(note: string | Uint8Array, policy: WitnessPolicy): WitnessPolicyResult {
  if (policy === null || typeof policy !== 'object' || !Array.isArray(policy.witnesses)) {
    throw new LedgerError('INVALID_ARGUMENT', 'policy must be a WitnessPolicy (see witnessPolicy)', { field: 'policy' });
  }
  checkIntIn(policy.quorum, 'policy.quorum', 1, Math.max(1, policy.witnesses.length));
  const parsed = parseNote(note);
  const listed = new Map(policy.witnesses.map((w) => [id(w), w]));
  const valid = new Map<string, WitnessCosigned>();
  const invalid = new Set<string>();
  let ignored = 0;
  for (const sig of parsed.signatures) {
    const w = listed.get(id(sig));
    if (w === undefined) {
      ignored++;
      continue;
    }
    if (sig.signature.length !== COSIGNATURE_SIGNATURE_LENGTH) {
      invalid.add(id(w));
      continue;
    }
    try {
      const c = openCosignature(parsed.text, formatSignatureLine(sig.name, sig.keyId, sig.signature), [w]);
      const before = valid.get(id(w));
      const timestamp = Number(c.timestamp);
      if (before === undefined || timestamp < before.timestamp) valid.set(id(w), { name: w.name, keyId: hex8(w.keyId), timestamp });
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      invalid.add(id(w));
    }
  }
  const cosigned = policy.witnesses.filter((w) => valid.has(id(w)) && !invalid.has(id(w))).map((w) => valid.get(id(w))!);
  const missing = policy.witnesses.filter((w) => !valid.has(id(w)) && !invalid.has(id(w))).map(id);
  const base = { quorum: policy.quorum, of: policy.witnesses.length, cosigned, missing, invalid: [...invalid], ignored };
  if (invalid.size > 0) {
    return {
      ok: false,
      code: 'COSIGNATURE_INVALID',
      message: `the cosignature of ${[...invalid].join(', ')} does not verify over this checkpoint: the note fails, whatever the other witnesses say`,
      ...base,
    };
  }
  if (cosigned.length < policy.quorum) {
    return {
      ok: false,
      code: 'WITNESS_QUORUM_NOT_MET',
      message: `the checkpoint is cosigned by ${cosigned.length} of the ${policy.witnesses.length} witness(es) given, ${policy.quorum} required${missing.length > 0 ? `; no cosignature by ${missing.join(', ')}` : ''}`,
      ...base,
    };
  }
  return { ok: true, ...base };
}

/**
 * {@link evaluateWitnessPolicy}, throwing when the policy is not met.
 * @throws LedgerError WITNESS_QUORUM_NOT_MET (too few valid cosignatures),
 *   INVALID_SIGNATURE (a listed witness's line does not verify;
 *   `details.witnesses`), and what evaluateWitnessPolicy throws
 */
export function assertWitnessPolicy(note: string | Uint8Array, policy: WitnessPolicy): WitnessPolicyResult {
  const r = evaluateWitnessPolicy(note, policy);
  if (r.ok) return r;
  if (r.code === 'COSIGNATURE_INVALID') throw new LedgerError('INVALID_SIGNATURE', r.message!, { witnesses: r.invalid });
  throw new LedgerError('WITNESS_QUORUM_NOT_MET', r.message!, { quorum: r.quorum, cosigned: r.cosigned.length, missing: r.missing });
}
