/**
 * Opening a ledger with a signer, and adopting a signer state (format.md
 * §10.4, docs/security.md "Recovery"): the key must be the ledger's, a
 * state must be there, and where it is missing — or where the file holds
 * entries the state does not record as written (a writer without the key, a
 * power cut that lost the state's last update) — the only way forward is an
 * explicit adoption after the ledger verified in full under the signer's
 * own key. Nothing here is silent.
 */
import { EMPTY_ROOT, LedgerError, fail, isLedgerError, openCheckpoint, parseNote, toHex } from '@casetrail/verify';
import type { LedgerStore, ReadView } from '../store/store.js';
import { verifyStore, type VerifyReport } from '../verify/verify.js';
import { fileExtends } from './extension-proof.js';
import type { SignerGuard } from './signer-guard.js';
import { hex8, newestTree, newestWritten, sameState, zeroState, type SignerState, type SignerStateStore, type TreeHead } from '../node/signer-state.js';

/** What `adoptSignerState` verified and adopted (docs/api.md). */
export interface Adoption {
  /** false when the signer already had a state for this ledger, and the file extends it. */
  adopted: boolean;
  /** Entries in the file when it was verified. */
  size: number;
  /** The checkpoint the state now starts from (its size and hex root). */
  signed: { size: number; root: string };
  /** The tree the state now records as written by its writers (its size and hex root). */
  written: { size: number; root: string };
  /** Entries the state recorded as written before, when a state existed and the file did not match it. */
  recorded?: number;
  /** The full verification report (only when adopted). */
  report?: VerifyReport;
}

const hexTree = (t: TreeHead) => ({ size: t.size, root: toHex(t.root) });

/**
 * The state of a ledger being created: size 0, written before the file
 * exists. A state that already names entries signed or written belongs to
 * another ledger of this origin and key, which a new one would fork.
 * @throws SIGNER_STATE_EXISTS, SIGNER_STATE_INVALID, storage codes
 */
export function startState(states: SignerStateStore, origin: string, keyId: number): void {
  const existing = states.read(origin);
  if (existing !== undefined && newestWritten(existing).size > 0) {
    fail(
      'SIGNER_STATE_EXISTS',
      `the signer already signed ${newestTree(existing).size} and wrote ${newestWritten(existing).size} entries of another ledger of origin ${origin} (${states.location}): a new ledger under the same origin and key would fork it; use a new key and origin`,
      { state: states.location },
    );
  }
  states.write(origin, zeroState(origin, keyId));
}

/**
 * The check at open: the state names this signer's key; without a state,
 * a ledger that holds nothing may start, any other is refused (or adopted).
 * @throws KEY_MISMATCH, SIGNER_STATE_MISSING, SIGNER_STATE_INVALID
 */
export async function checkAtOpen(guard: SignerGuard, store: LedgerStore): Promise<'ok' | 'missing'> {
  if (guard.readState() !== undefined) return 'ok';
  const { empty, mismatch } = await store.read((v) => ({ empty: v.size() === 0 && v.latestCheckpoint() === undefined, mismatch: otherKey(guard, v) }));
  if (empty) return 'ok';
  if (mismatch !== undefined) throw mismatch;
  return 'missing';
}

/** The state is missing: a ledger none of whose checkpoints this key signed, but another key of its name did, is KEY_MISMATCH. */
function otherKey(guard: SignerGuard, v: ReadView): LedgerError | undefined {
  const verifier = guard.verifier;
  if (verifier === undefined) return undefined;
  const verifies = (note: unknown): boolean => {
    try {
      return typeof note === 'string' && openCheckpoint(note, [verifier]).origin === guard.origin;
    } catch {
      return false;
    }
  };
  if (verifies(v.latestCheckpoint()?.note)) return undefined;
  const others = new Set<number>();
  for (const row of v.checkpoints(0)) {
    if (verifies(row.note)) return undefined;
    try {
      for (const s of parseNote(String(row.note)).signatures) if (s.name === guard.origin && s.keyId !== guard.signer.keyId) others.add(s.keyId);
    } catch {
      // a malformed note: verification reports it
    }
  }
  if (others.size === 0) return undefined;
  return new LedgerError(
    'KEY_MISMATCH',
    `no checkpoint of ledger ${guard.origin} is signed by this key (key ID ${hex8(guard.signer.keyId)}); they are signed by key ID ${[...others].map(hex8).join(', ')}: use the ledger's own key`,
    { keyId: hex8(guard.signer.keyId), ledgerKeyIds: [...others].map(hex8) },
  );
}

/** Whether the extension proof refused the file only for what the state says its writers wrote (format.md §10.3 step 4). */
function unrecordedTail(e: unknown): boolean {
  return isLedgerError(e, 'LEDGER_FOREIGN_TAIL') || (isLedgerError(e, 'LEDGER_ROLLED_BACK') && (e.details as { unsigned?: unknown } | undefined)?.unsigned === true);
}

/**
 * Adopts the file as the signer's state after verifying it in full with
 * the signer's own verifier key (docs/security.md "Recovery"):
 *
 * - no state: the state starts from the file's latest valid checkpoint,
 *   and records the whole verified file as written;
 * - a state the file extends and matches: nothing is adopted;
 * - a state whose signed trees the file extends, but whose record of what
 *   was written it does not match (entries not written by its writers, or
 *   unsigned entries gone): the file as verified is recorded as written;
 * - anything else (a signed checkpoint rolled back or rewritten) is
 *   refused, as by an append.
 * @throws INVALID_ARGUMENT (a host signer without publicKey), KEY_MISMATCH, VERIFICATION_FAILED (details.report), as SignerGuard.begin()
 */
export async function adopt(guard: SignerGuard, store: LedgerStore): Promise<Adoption> {
  const before = guard.readState();
  if (before !== undefined) {
    try {
      const g = await store.write((tx) => guard.begin(tx));
      guard.committed(g, { state: g.state, file: g.file }, undefined);
      return { adopted: false, size: g.file.size, signed: hexTree(g.trusted.start.proven), written: hexTree(g.file) };
    } catch (e) {
      if (!unrecordedTail(e)) throw e;
    }
  }
  const report = await verifiedInFull(guard, store, before === undefined);
  const out = await store.write((tx) => {
    const now = guard.readState();
    if (before === undefined ? now !== undefined : now === undefined || !sameState(now, before)) {
      throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${guard.states.location} changed while the ledger was verified for adoption; nothing was adopted — run the adoption again`, { state: guard.states.location });
    }
    let base: SignerState;
    if (before !== undefined) base = before;
    else {
      const row = report.signedSize === 0 ? undefined : tx.checkpointAt(report.signedSize);
      const signed: TreeHead = row === undefined ? { size: 0, root: Uint8Array.from(EMPTY_ROOT) } : { size: report.signedSize, root: openCheckpoint(row.note, [guard.verifier!]).root };
      if (!fileExtends(tx, signed)) throw changed(signed.size);
      base = { ...zeroState(guard.origin, guard.signer.keyId), signed, written: signed };
    }
    // Steps 1–3 again under the write lock: the signed trees extended, every entry after them verified.
    const start = guard.prove(tx, base);
    if (start.acc.size !== report.size) throw changed(report.size);
    const file: TreeHead = { size: start.acc.size, root: start.acc.root() };
    const next: SignerState = { ...base, signed: start.proven, intended: null, written: file, writing: null };
    guard.writeState(next, true);
    return { proven: start.proven, file };
  });
  return {
    adopted: true,
    size: report.size,
    signed: hexTree(out.proven),
    written: hexTree(out.file),
    ...(before === undefined ? {} : { recorded: newestWritten(before).size }),
    report,
  };
}

function changed(size: number): LedgerError {
  return new LedgerError('LEDGER_REWRITTEN', `the ledger changed while it was verified for adoption (${size} entries were verified); nothing was adopted — run the adoption again`, { signedSize: size });
}

/** Full verification under the signer's own key, unsigned tail allowed. @throws INVALID_ARGUMENT, KEY_MISMATCH, VERIFICATION_FAILED */
async function verifiedInFull(guard: SignerGuard, store: LedgerStore, missing: boolean): Promise<VerifyReport> {
  const verifier = guard.verifier;
  if (verifier === undefined) {
    throw new LedgerError('INVALID_ARGUMENT', "adopting a signer state needs the signer's public key: give a host signer a publicKey property (the raw 32-byte Ed25519 key)", { field: 'signer' });
  }
  const report = await verifyStore(store, { vkey: verifier, allowUnsignedTail: true });
  if (report.ok) return report;
  const other = missing && report.signedSize === 0 ? await store.read((v) => otherKey(guard, v)) : undefined;
  if (other !== undefined) throw other;
  throw new LedgerError(
    'VERIFICATION_FAILED',
    `the ledger does not verify in full under the signer's key (${report.issueCount} issue(s); first: ${report.issues[0]?.code}: ${report.issues[0]?.message}): its state is not adopted — run verify`,
    { report },
  );
}
