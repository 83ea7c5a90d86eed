/**
 * A writer that holds the ledger file and its checkpoint key but not this
 * library's rules (a compromised operator, or another implementation): it
 * appends whatever entry it likes with raw SQLite — correctly chained, with
 * its Merkle nodes, a payload matching its commitment — and signs a new
 * checkpoint with the real key, so that everything a key holder can make
 * verify does. The attack tests use it to prepare a file, then run the
 * honest command.
 */
import {
  MerkleAccumulator,
  ZERO_HASH,
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
  type ActorSignature,
  type Entry,
} from '../../src/index.js';
import { KEYS, rawOpen } from './ledgers.js';

export interface HostileStep {
  caseId: string;
  type: string;
  actor: string;
  payload: Uint8Array;
  salt: Uint8Array;
  time?: number;
  /** Version 2 with this nonce; version 1 when absent. */
  nonce?: Uint8Array;
  sigs?: ActorSignature[];
}

/**
 * Appends `step` to the ledger file as the next entry and signs a
 * checkpoint of the new size with the ledger's key. The file's triggers
 * and the unique nonce index are dropped first.
 * @returns the seq written
 */
export function hostileAppend(path: string, step: HostileStep, skey = KEYS.skey): number {
  const db = rawOpen(path);
  try {
    db.exec('DROP INDEX IF EXISTS entries_nonce');
    const rows = db.prepare('SELECT seq, leaf, bytes FROM entries ORDER BY seq').all() as Array<{ seq: number; leaf: Uint8Array; bytes: Uint8Array }>;
    const acc = new MerkleAccumulator();
    let caseTail: { step: number; leaf: Uint8Array } = { step: 0, leaf: ZERO_HASH };
    let last: Entry | undefined;
    for (const r of rows) {
      acc.push(Uint8Array.from(r.leaf));
      last = decodeEntry(Uint8Array.from(r.bytes));
      if (last.caseId === step.caseId) caseTail = { step: last.step, leaf: Uint8Array.from(r.leaf) };
    }
    const seq = rows.length;
    const signer = parseSignerKey(skey);
    const entry: Entry = {
      v: step.nonce === undefined ? 1 : 2,
      seq,
      prev: seq === 0 ? (() => { throw new Error('hostileAppend needs an entry to follow'); })() : Uint8Array.from(rows[seq - 1]!.leaf),
      time: step.time ?? last!.time + 1,
      caseId: step.caseId,
      step: caseTail.step + 1,
      casePrev: caseTail.leaf,
      type: step.type,
      actor: step.actor,
      commit: payloadCommitment(step.salt, step.payload),
      sigs: step.sigs ?? [],
      ...(step.nonce === undefined ? {} : { nonce: step.nonce }),
    };
    const bytes = encodeEntry(entry);
    const leaf = leafHash(bytes);
    const nodes = nodesBlob(acc.push(leaf));
    db.prepare('INSERT INTO entries (seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      seq,
      Buffer.from(leaf),
      Buffer.from(bytes),
      Buffer.from(nodes),
      entry.caseId,
      entry.step,
      entry.type,
      entry.actor,
      entry.time,
      Buffer.from(step.salt),
      Buffer.from(step.payload),
      step.nonce === undefined ? null : Buffer.from(step.nonce),
    );
    const body = formatCheckpoint({ origin: signer.name, size: seq + 1, root: acc.root(), extensions: [] });
    const note = `${body}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(body)))}`;
    db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)').run(seq + 1, Buffer.from(acc.root()), note);
    return seq;
  } finally {
    db.close();
  }
}
