/**
 * What a writer holding the ledger file and the real signing key, but not
 * this library's rules, can make: an honest little ledger, then a next entry
 * encoded with the pure codec and written through the store interface with
 * its true leaf hash, the Merkle nodes it completes and a checkpoint signed
 * by the real key — so that every check but the one under test passes.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MerkleAccumulator,
  decodeEntry,
  ed25519Sign,
  encodeEntry,
  formatCheckpoint,
  formatSignatureLine,
  leafHash,
  nodesBlob,
  parseSignerKey,
  payloadCommitment,
  utf8,
  type Entry,
} from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { KEYS, newLedger, rawOpen, tempDir } from './ledgers.js';

const T0 = Date.UTC(2026, 0, 5, 9);
/** The honest history: seq 0 A1, 1 B1, 2 A2, 3 B2, 4 A3; checkpoints signed up to size 5. */
const PLAN: Array<[string, string]> = [
  ['A', 'opened'],
  ['B', 'opened'],
  ['A', 'evidence'],
  ['B', 'decision'],
  ['A', 'interview'],
];
/** The seq of the forged entry: the one after the honest history. */
export const FORGED = PLAN.length;

export interface Honest {
  path: string;
  /** Leaf hashes of the honest entries, by seq. */
  leaves: Uint8Array[];
  /** The checkpoint of size 5, as a client kept it. */
  kept: string;
}

export async function honestLedger(): Promise<Honest> {
  let t = T0;
  const l = await newLedger({ clock: () => (t += 60_000) });
  for (const [caseId, type] of PLAN) await l.append({ caseId, type, actor: `officer-${caseId}`, data: { type } });
  const kept = (await l.latestCheckpoint())!.note;
  const leaves = (await l.query({})).entries.map((e) => e.leafHash);
  await l.close();
  return { path: l.path, leaves, kept };
}

/** A checkpoint note over (size, root) signed by the real key. */
export function signedCheckpoint(size: number, root: Uint8Array): string {
  const signer = parseSignerKey(KEYS.skey);
  const body = formatCheckpoint({ origin: signer.name, size, root, extensions: [] });
  return `${body}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(body)))}`;
}

/** What the forged entry claims about its links. */
export interface Claim {
  caseId: string;
  step: number;
  casePrev: Uint8Array;
  /** Its global link; the leaf hash of the entry before it when absent. */
  prev?: Uint8Array;
}

/**
 * A copy of the honest ledger with a forged entry at seq 5 carrying `claim`,
 * written through the store, and a checkpoint of size 6 signed by the real
 * key. The unique (case, step) index is dropped first, as the file's holder
 * can, so that a repeated step number can be stored.
 */
export async function forgeNext(honest: Honest, claim: Claim): Promise<string> {
  const path = join(tempDir(), 'forged.ledger');
  copyFileSync(honest.path, path);
  const db = rawOpen(path);
  db.exec('DROP INDEX entries_case');
  db.close();
  const store = await openStore(path);
  try {
    await store.write((tx) => {
      const last = tx.entry(FORGED - 1)!;
      const acc = new MerkleAccumulator();
      for (let seq = 0; seq < FORGED; seq++) acc.push(Uint8Array.from(tx.entry(seq)!.leaf));
      const salt = new Uint8Array(32).fill(9);
      const data = utf8('{"forged":true}');
      // A version 2 entry like the honest ones (a version 1 entry after them would be VERSION_DOWNGRADE), with a fresh nonce.
      const nonce = new Uint8Array(16).fill(0x5a);
      const entry: Entry = {
        v: 2,
        seq: FORGED,
        prev: claim.prev ?? Uint8Array.from(last.leaf),
        time: decodeEntry(last.bytes).time + 60_000,
        caseId: claim.caseId,
        step: claim.step,
        casePrev: claim.casePrev,
        type: 'decision',
        actor: 'officer-X',
        commit: payloadCommitment(salt, data),
        sigs: [],
        nonce,
      };
      const bytes = encodeEntry(entry);
      const leaf = leafHash(bytes);
      const nodes = nodesBlob(acc.push(leaf));
      tx.insertEntry({ seq: FORGED, leaf, bytes, nodes, case_id: entry.caseId, step: entry.step, type: entry.type, actor: entry.actor, time: entry.time, salt, data, nonce });
      tx.insertCheckpoint(FORGED + 1, acc.root(), signedCheckpoint(FORGED + 1, acc.root()));
    });
  } finally {
    await store.close();
  }
  return path;
}

/** Issues reduced to what a test can compare exactly: code, table or line, position. */
export const where = (issues: ReadonlyArray<{ code: string; table?: string; line?: number; seq?: number; size?: number }>) =>
  issues.map((i) => ({ code: i.code, ...(i.table === undefined ? {} : { table: i.table }), ...(i.line === undefined ? {} : { line: i.line }), ...(i.seq === undefined ? {} : { seq: i.seq }), ...(i.size === undefined ? {} : { size: i.size }) }));

/** The stored checkpoint rows of a ledger file, by size. */
export function checkpointRows(path: string): Map<number, { root: Uint8Array; note: string }> {
  const rows = new Map<number, { root: Uint8Array; note: string }>();
  const db = rawOpen(path);
  for (const r of db.prepare('SELECT size, root, note FROM checkpoints').all() as Array<{ size: number; root: Buffer; note: string }>) rows.set(r.size, { root: new Uint8Array(r.root), note: r.note });
  db.close();
  return rows;
}

/** A copy of the ledger file at `path`, changed in place by `change` through a raw connection (triggers as they are). */
export function changedCopy(path: string, change: (db: ReturnType<typeof rawOpen>) => void): string {
  const copy = join(tempDir(), 'changed.ledger');
  copyFileSync(path, copy);
  const db = rawOpen(copy);
  change(db);
  db.close();
  return copy;
}
