// casetrail's own vectors of version 2 entries (test/vectors/casetrail-v2.json,
// made by scripts/make-vectors.mjs): every value is recomputed here from its
// inputs, and every replay of a signed statement fails.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  LedgerError,
  actorSignatureMessage,
  decodeEntry,
  ed25519Verify,
  encodeEntry,
  encodeStatement,
  fromHex,
  idempotencyNonce,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  payloadCommitment,
  rootFromLeaves,
  sha256,
  signStatement,
  statementDigest,
  toHex,
  utf8,
  verifyActorSignature,
  verifyInclusion,
  type Entry,
  type Statement,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const V = JSON.parse(readFileSync(resolve(here, 'vectors/casetrail-v2.json'), 'utf8'));

describe('casetrail-v2 vectors', () => {
  const leaves = V.entries.map((e: { leafHash: string }) => fromHex(e.leafHash));

  test.each((V.entries as Array<{ seq: number }>).map((e): [number, unknown] => [e.seq, e]))('entry %i: statement → commitment → bytes → leaf', (_seq, v: any) => {
    const commit = payloadCommitment(fromHex(v.salt), utf8(v.payload));
    expect(toHex(commit)).toBe(v.commit);
    if (v.idempotencyKey !== undefined) expect(toHex(idempotencyNonce(v.caseId, v.idempotencyKey))).toBe(v.nonce);
    const statement: Statement = { v: 2, time: v.time, caseId: v.caseId, type: v.type, actor: v.actor, commit, nonce: fromHex(v.nonce), origin: V.origin };
    expect(toHex(encodeStatement(statement))).toBe(v.statement);
    expect(toHex(statementDigest(statement))).toBe(v.statementDigest);
    expect(toHex(actorSignatureMessage(statement))).toBe(v.actorSignatureMessage);
    const sigs = v.sigs.map((s: { publicKey: string; signature: string }) => ({ publicKey: fromHex(s.publicKey), signature: fromHex(s.signature) }));
    for (const sig of sigs) expect(verifyActorSignature(statement, sig)).toBe(true);
    const resigned = v.actorSigners.map((name: string) => signStatement(statement, fromHex(V.keys.actors[name].seed)));
    expect(new Set(resigned.map((s: { signature: Uint8Array }) => toHex(s.signature)))).toEqual(new Set(v.sigs.map((s: { signature: string }) => s.signature)));
    const entry: Entry = {
      v: 2,
      seq: v.seq,
      prev: fromHex(v.prev),
      time: v.time,
      caseId: v.caseId,
      step: v.step,
      casePrev: fromHex(v.casePrev),
      type: v.type,
      actor: v.actor,
      commit,
      sigs,
      nonce: fromHex(v.nonce),
    };
    const bytes = encodeEntry(entry);
    expect(toHex(bytes)).toBe(v.entry);
    expect(decodeEntry(bytes)).toEqual(entry);
    expect(toHex(leafHash(bytes))).toBe(v.leafHash);
  });

  test('roots, the signed checkpoint and inclusion proofs', () => {
    V.tree.roots.forEach((r: string, i: number) => expect(toHex(rootFromLeaves(leaves.slice(0, i + 1)))).toBe(r));
    const cp = openCheckpoint(V.tree.checkpointNote, [parseVerifierKey(V.keys.log.vkey)]);
    expect(toHex(cp.root)).toBe(V.tree.root);
    for (const p of V.inclusion) expect(verifyInclusion(leaves[p.index], p.index, p.treeSize, p.proof.map(fromHex), fromHex(V.tree.roots[p.treeSize - 1]))).toBe(true);
  });

  test('idempotency keys: the documented hash of tag, case and key', () => {
    for (const k of V.idempotency) {
      expect(toHex(idempotencyNonce(k.caseId, k.key))).toBe(k.nonce);
      expect(toHex(sha256(utf8(`casetrail-v2-idempotency\0${k.caseId}\0${k.key}`)).slice(0, 16))).toBe(k.nonce);
    }
  });

  test.each((V.negative.entries as Array<{ name: string }>).map((n): [string, unknown] => [n.name, n]))('negative entry: %s', (_name, n: any) => {
    let err: unknown;
    try {
      decodeEntry(fromHex(n.entry));
    } catch (e) {
      err = e;
    }
    expect((err as LedgerError).code).toBe(n.expect);
  });

  test.each((V.negative.replays as Array<{ name: string }>).map((n): [string, unknown] => [n.name, n]))('a replayed signature does not verify: %s', (_name, n: any) => {
    const message = new Uint8Array([...utf8('casetrail-v2-actor-sig\0'), ...fromHex(n.statementDigest)]);
    expect(toHex(sha256(new Uint8Array([...utf8('casetrail-v2-statement\0'), ...fromHex(n.statement)])))).toBe(n.statementDigest);
    expect(ed25519Verify(fromHex(n.publicKey), message, fromHex(n.signature))).toBe(n.expect);
  });
});
