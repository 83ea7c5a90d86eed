/**
 * The witness policy steps of ledger verification (format.md §8 item 14,
 * §6.4): given witnesses and a quorum, the newest stored checkpoint that
 * carries a cosignature by one of them must be a checkpoint of this
 * verified ledger, and must meet the policy — through the one policy
 * function of @casetrail/verify, which proofs, bundles and checkpoint
 * files use too.
 */
import {
  consistencyProof,
  equalBytes,
  evaluateWitnessPolicy,
  openCheckpoint,
  parseCosignatureLine,
  toHex,
  verifyConsistency,
} from '@casetrail/verify';
import type { VerifyState } from './state.js';

/**
 * Step, before the scan: the size of the newest stored checkpoint with a
 * cosignature line by a witness of the policy (lines by other keys, and
 * lines that do not parse, do not make a checkpoint "witnessed"), so that
 * the scan can note whether that checkpoint verifies.
 */
export function findWitnessedCheckpoint(s: VerifyState): void {
  if (s.policy === undefined) return;
  const listed = new Set(s.policy.witnesses.map((w) => `${w.name}+${w.keyId}`));
  let newest: number | undefined;
  for (const row of s.view.allCosignatures(0)) {
    if (typeof row.size !== 'number' || !Number.isSafeInteger(row.size) || typeof row.line !== 'string') continue;
    try {
      const c = parseCosignatureLine(row.line);
      if (listed.has(`${c.name}+${c.keyId}`) && (newest === undefined || row.size > newest)) newest = row.size;
    } catch {
      // reported by checkCosignatures
    }
  }
  s.witnessTarget = newest;
}

/**
 * Whether the checkpoint of size `size` (before an incremental start) is
 * consistent with the trusted checkpoint, proven from the stored nodes
 * against the trusted root (RFC 9162 §2.1.4).
 */
function consistentWithTrusted(s: VerifyState, size: number, root: Uint8Array): boolean {
  const t = s.trusted!;
  if (size === t.size) return equalBytes(root, t.root);
  try {
    return verifyConsistency(size, t.size, root, t.root, consistencyProof(s.view, size, t.size));
  } catch {
    return false;
  }
}

/**
 * Step, after the scan: the witnessed checkpoint found before it must be
 * one this verification proved part of the ledger, and its note with its
 * cosignatures must meet the policy (WITNESS_QUORUM_NOT_MET or
 * COSIGNATURE_INVALID on the `cosignatures` table otherwise).
 */
export function checkWitnessPolicy(s: VerifyState): void {
  const policy = s.policy;
  if (policy === undefined) return;
  const size = s.witnessTarget;
  const at = { table: 'cosignatures' as const };
  if (size === undefined) {
    s.issues.add({
      code: 'WITNESS_QUORUM_NOT_MET',
      ...at,
      message: `no stored checkpoint carries a cosignature by the witness(es) given (${policy.quorum} of ${policy.witnesses.length} required): nothing shows that a witness saw this ledger`,
    });
    return;
  }
  const row = s.view.checkpointAt(size);
  let root: Uint8Array;
  try {
    if (row === undefined || typeof row.note !== 'string') throw new Error('it is missing');
    const cp = openCheckpoint(row.note, [s.verifier]);
    if (cp.origin !== s.origin || cp.size !== size) throw new Error('it is for another origin or size');
    root = cp.root;
  } catch (e) {
    s.issues.add({ code: 'WITNESS_QUORUM_NOT_MET', ...at, size, message: `the newest cosigned checkpoint, of size ${size}, does not verify under the key: ${(e as Error).message}` });
    return;
  }
  const proven = s.mode === 'incremental' && size <= s.start ? consistentWithTrusted(s, size, root) : s.witnessTargetVerified;
  if (!proven) {
    s.issues.add({ code: 'WITNESS_QUORUM_NOT_MET', ...at, size, message: `the newest cosigned checkpoint, of size ${size}, is not a checkpoint of the verified ledger` });
    return;
  }
  // Lines that do not parse are checkCosignatures' to report; the policy judges the rest.
  const lines = s.view.cosignatures(size).filter((l) => {
    try {
      return typeof l === 'string' && parseCosignatureLine(l).line === l;
    } catch {
      return false;
    }
  });
  const r = evaluateWitnessPolicy(row.note + lines.join(''), policy);
  s.witnessed = {
    size,
    root: toHex(root),
    ok: r.ok,
    quorum: r.quorum,
    of: r.of,
    cosigned: r.cosigned.map((c) => ({ ...c })),
    missing: [...r.missing],
    invalid: [...r.invalid],
  };
  if (!r.ok) s.issues.add({ code: r.code!, ...at, size, message: `the newest cosigned checkpoint, of size ${size}: ${r.message}` });
}
