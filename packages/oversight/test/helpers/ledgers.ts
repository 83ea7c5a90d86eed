/**
 * Ledgers for the oversight tests, built with the core's public API: a
 * subordinate's ledger with its real key, and the same key's forged
 * history (the "key holder" adversary).
 */
import { join } from 'node:path';
import { Ledger, MemorySignerState, generateKeyPair, formatWitnessBody } from '@casetrail/core';

/**
 * The signer state of each ledger file (format.md §10), shared by every
 * handle a test opens on it with the key, as a key file's state beside it
 * would be. A forged history of the same key in another file has its own:
 * the key holder keeps whatever state he likes.
 */
const states = new Map<string, MemorySignerState>();

export function stateOf(path: string): MemorySignerState {
  let s = states.get(path);
  if (s === undefined) states.set(path, (s = new MemorySignerState(`${path} (test signer state)`)));
  return s;
}

export interface Subordinate {
  origin: string;
  skey: string;
  vkey: string;
  path: string;
}

export function subordinate(dir: string, origin: string, file = `${origin.replace(/[^a-z0-9]/gi, '_')}.ledger`): Subordinate {
  const { skey, vkey } = generateKeyPair(origin);
  return { origin, skey, vkey, path: join(dir, file) };
}

/** Appends `n` steps to the subordinate's ledger (created if needed); returns the newest checkpoint note. */
export async function grow(s: Subordinate, n: number, tag = 'honest', path = s.path): Promise<string> {
  let ledger: Ledger;
  try {
    ledger = await Ledger.open(path, { signer: s.skey, signerState: stateOf(path) });
  } catch {
    ledger = await Ledger.create(path, { origin: s.origin, signer: s.skey, signerState: stateOf(path) });
  }
  try {
    for (let i = 0; i < n; i++) await ledger.append({ caseId: `${tag}-${i % 3}`, type: i % 2 === 0 ? 'case.opened' : 'evidence.added', actor: `officer:${tag}`, data: { i, tag } });
    return (await ledger.latestCheckpoint())!.note;
  } finally {
    await ledger.close();
  }
}

/** The add-checkpoint body from `from` (a note, or a size) to the ledger's newest checkpoint (or `to`). */
export async function body(path: string, from: string | number, to?: number): Promise<string> {
  const ledger = await Ledger.open(path, { readonly: true });
  try {
    return (await ledger.witnessBody(from, to === undefined ? {} : { to })).body;
  } finally {
    await ledger.close();
  }
}

/** A body whose proof is left out (as a careless or lying client sends it). */
export function bodyWithoutProof(oldSize: number, note: string): string {
  return formatWitnessBody({ oldSize, proof: [], checkpoint: note });
}
