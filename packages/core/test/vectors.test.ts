// casetrail's own format v1 vectors (test/vectors/casetrail-v1.json, made by
// scripts/make-vectors.mjs): every value is recomputed here from its inputs.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  LedgerError,
  actorSignatureMessage,
  decodeEntry,
  encodeEntry,
  encodeStatement,
  formatCheckpoint,
  fromHex,
  genesisLink,
  leafHash,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  payloadCommitment,
  rootFromLeaves,
  signStatement,
  statementDigest,
  toHex,
  utf8,
  verifyActorSignature,
  verifyConsistency,
  verifyInclusion,
  type Entry,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const V = JSON.parse(readFileSync(resolve(here, 'vectors/casetrail-v1.json'), 'utf8'));

describe('casetrail-v1 vectors', () => {
  const leaves = V.entries.map((e: { leafHash: string }) => fromHex(e.leafHash));

  test('keys', () => {
    const signer = parseSignerKey(V.keys.log.skey);
    expect(toHex(signer.publicKey)).toBe(V.keys.log.publicKey);
    expect(toHex(signer.seed)).toBe(V.keys.log.seed);
    expect(parseVerifierKey(V.keys.log.vkey).keyId.toString(16).padStart(8, '0')).toBe(V.keys.log.keyId);
    expect(toHex(genesisLink(V.origin))).toBe(V.genesis);
  });

  test.each((V.entries as Array<{ seq: number }>).map((e): [number, unknown] => [e.seq, e]))('entry %i: statement → commitment → bytes → leaf', (_seq, v: any) => {
    const payload = utf8(v.payload);
    expect(toHex(payload)).toBe(v.payloadHex);
    const commit = payloadCommitment(fromHex(v.salt), payload);
    expect(toHex(commit)).toBe(v.commit);
    const statement = { time: v.time, caseId: v.caseId, type: v.type, actor: v.actor, commit };
    expect(toHex(encodeStatement(statement))).toBe(v.statement);
    expect(toHex(statementDigest(statement))).toBe(v.statementDigest);
    expect(toHex(actorSignatureMessage(statement))).toBe(v.actorSignatureMessage);
    const sigs = v.sigs.map((s: { publicKey: string; signature: string }) => ({ publicKey: fromHex(s.publicKey), signature: fromHex(s.signature) }));
    for (const sig of sigs) expect(verifyActorSignature(statement, sig)).toBe(true);
    const resigned = v.actorSigners.map((name: string) => signStatement(statement, fromHex(V.keys.actors[name].seed)));
    expect(new Set(resigned.map((s: { signature: Uint8Array }) => toHex(s.signature)))).toEqual(new Set(v.sigs.map((s: { signature: string }) => s.signature)));
    const entry: Entry = {
      v: 1,
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
    };
    const bytes = encodeEntry(entry);
    expect(toHex(bytes)).toBe(v.entry);
    expect(decodeEntry(bytes)).toEqual(entry);
    expect(toHex(leafHash(bytes))).toBe(v.leafHash);
  });

  test('chains: prev is the previous leaf (genesis first), casePrev the case’s previous leaf', () => {
    const tails = new Map<string, string>();
    V.entries.forEach((v: any, i: number) => {
      expect(v.prev).toBe(i === 0 ? V.genesis : V.entries[i - 1].leafHash);
      expect(v.casePrev).toBe(tails.get(v.caseId) ?? '00'.repeat(32));
      tails.set(v.caseId, v.leafHash);
    });
  });

  test('roots of every size, and the signed checkpoint', () => {
    V.tree.roots.forEach((r: string, i: number) => expect(toHex(rootFromLeaves(leaves.slice(0, i + 1)))).toBe(r));
    const body = formatCheckpoint({ origin: V.origin, size: V.tree.size, root: fromHex(V.tree.root), extensions: [] });
    expect(body).toBe(V.tree.checkpointBody);
    const cp = openCheckpoint(V.tree.checkpointNote, [parseVerifierKey(V.keys.log.vkey)]);
    expect(cp.size).toBe(V.tree.size);
    expect(toHex(cp.root)).toBe(V.tree.root);
  });

  test('inclusion and consistency proofs', () => {
    for (const p of V.inclusion) {
      const root = fromHex(V.tree.roots[p.treeSize - 1]);
      expect(verifyInclusion(leaves[p.index], p.index, p.treeSize, p.proof.map(fromHex), root)).toBe(true);
    }
    for (const p of V.consistency) {
      const oldRoot = fromHex(V.tree.roots[p.oldSize - 1]);
      const newRoot = fromHex(V.tree.roots[p.newSize - 1]);
      expect(verifyConsistency(p.oldSize, p.newSize, oldRoot, newRoot, p.proof.map(fromHex))).toBe(true);
    }
  });

  test.each((V.negative.entries as Array<{ name: string }>).map((n): [string, unknown] => [n.name, n]))('negative entry: %s', (_name, n: any) => {
    let err: unknown;
    try {
      decodeEntry(fromHex(n.entry));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe(n.expect);
  });

  test.each((V.negative.checkpoints as Array<{ name: string }>).map((n): [string, unknown] => [n.name, n]))('negative checkpoint: %s', (_name, n: any) => {
    let err: unknown;
    try {
      openCheckpoint(n.note, [parseVerifierKey(V.keys.log.vkey)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe(n.expect);
  });
});
