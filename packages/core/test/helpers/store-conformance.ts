/**
 * The store conformance suite: what every implementation of the store
 * interface (src/store/store.ts) must do. A second store (PostgreSQL, …)
 * only has to pass it — and then a Ledger on it verifies like one on SQLite.
 *
 *     describeStoreConformance('sqlite', async () => ({ create, open }));
 */
import { describe, expect, test } from 'vitest';
import {
  LedgerError,
  MerkleAccumulator,
  ZERO_HASH,
  encodeEntry,
  genesisLink,
  inclusionProof,
  leafHash,
  nodesBlob,
  payloadCommitment,
  rootAt,
  type EntryRow,
  type ErrorCode,
  type LedgerStore,
} from '../../src/index.js';
import { ORIGIN } from './ledgers.js';

/** How the suite gets stores: a new empty one, and another handle on an existing one. */
export interface StoreMaker {
  create(origin: string): Promise<LedgerStore>;
  open(location: string, options?: { readonly?: boolean }): Promise<LedgerStore>;
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<ErrorCode | 'OK' | 'other'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'other';
  }
}

/** Well-formed rows of a little ledger: n entries over three cases, with their Merkle nodes. */
export function sampleRows(n: number, origin = ORIGIN, start = 0, acc = new MerkleAccumulator(), prevLeaf?: Uint8Array): EntryRow[] {
  const rows: EntryRow[] = [];
  let prev = prevLeaf ?? genesisLink(origin);
  const cases = new Map<string, { step: number; leaf: Uint8Array }>();
  for (let seq = start; seq < start + n; seq++) {
    const caseId = `C-${seq % 3}`;
    const tail = cases.get(caseId) ?? { step: 0, leaf: ZERO_HASH };
    const salt = Uint8Array.from({ length: 32 }, (_, i) => (seq + i) & 255);
    const data = new TextEncoder().encode(JSON.stringify({ seq }));
    const entry = { v: 1 as const, seq, prev, time: 1_000 + seq, caseId, step: tail.step + 1, casePrev: tail.leaf, type: seq % 2 ? 'odd' : 'even', actor: 'tester', commit: payloadCommitment(salt, data), sigs: [] };
    const bytes = encodeEntry(entry);
    const leaf = leafHash(bytes);
    rows.push({ seq, leaf, bytes, nodes: nodesBlob(acc.push(leaf)), case_id: caseId, step: entry.step, type: entry.type, actor: 'tester', time: entry.time, salt, data, nonce: null });
    cases.set(caseId, { step: entry.step, leaf });
    prev = leaf;
  }
  return rows;
}

export function describeStoreConformance(name: string, make: () => StoreMaker): void {
  describe(`store conformance: ${name}`, () => {
    test('a new store is empty and remembers its origin', async () => {
      const store = await make().create(ORIGIN);
      expect(store.origin).toBe(ORIGIN);
      expect(store.isOpen).toBe(true);
      await store.read((v) => {
        expect(v.size()).toBe(0);
        expect(v.tail()).toBeUndefined();
        expect(v.latestCheckpoint()).toBeUndefined();
        expect([...v.entries(0, 10)]).toEqual([]);
        expect([...v.entryColumns(0, 10)]).toEqual([]);
        expect(new Map(v.meta().map((m) => [m.key, m.value])).get('origin')).toBe(ORIGIN);
      });
      await store.close();
      expect(store.isOpen).toBe(false);
    });

    test('written rows read back exactly, by every access path', async () => {
      const store = await make().create(ORIGIN);
      const rows = sampleRows(11);
      expect(await store.write((tx) => (rows.forEach((r) => tx.insertEntry(r)), 'done'))).toBe('done');
      await store.read((v) => {
        expect(v.size()).toBe(11);
        expect(v.tail()).toMatchObject({ seq: 10, time: 1010 });
        expect(Uint8Array.from(v.tail()!.leaf)).toEqual(rows[10]!.leaf);
        const norm = (r: EntryRow | undefined) => (r === undefined ? r : { ...r, leaf: Uint8Array.from(r.leaf), bytes: Uint8Array.from(r.bytes), nodes: Uint8Array.from(r.nodes), salt: r.salt && Uint8Array.from(r.salt), data: r.data && Uint8Array.from(r.data) });
        for (const r of rows) expect(norm(v.entry(r.seq))).toEqual(r);
        expect(v.entry(11)).toBeUndefined();
        expect([...v.entries(3, 6)].map((r) => r.seq)).toEqual([3, 4, 5]);
        // entryColumns: the same rows, only their index columns, leaf hash and payload.
        const cols = [...v.entryColumns(3, 6)].map((c) => ({ ...c, leaf: Uint8Array.from(c.leaf), data: c.data && Uint8Array.from(c.data) }));
        expect(cols).toEqual(rows.slice(3, 6).map((r) => ({ seq: r.seq, leaf: r.leaf, case_id: r.case_id, step: r.step, type: r.type, actor: r.actor, time: r.time, data: r.data })));
        expect([...v.entryColumns(9, 99)].map((c) => c.seq)).toEqual([9, 10]);
        expect([...v.entryColumns(11, 20)]).toEqual([]);
        expect(v.caseTail('C-1')).toMatchObject({ seq: 10, step: 4 });
        expect(v.caseStep('C-2', 2)?.seq).toBe(5);
        expect(v.caseEntries('C-0').map((r) => r.step)).toEqual([1, 2, 3, 4]);
        expect(v.caseEntries('C-0', 2, 2).map((r) => r.seq)).toEqual([3, 6]);
        expect(v.query({ type: 'odd', fromSeq: 2, limit: 3 }).map((r) => r.seq)).toEqual([3, 5, 7]);
        expect(v.query({ caseId: 'C-1', actor: 'tester', toSeq: 8 }).map((r) => r.seq)).toEqual([1, 4, 7]);
        expect(v.query({ order: 'desc', limit: 2 }).map((r) => r.seq)).toEqual([10, 9]);
        expect(v.firstSeqAtOrAfter(1004)).toBe(4);
        expect(v.firstSeqAtOrAfter(99_999)).toBe(11);
      });
      await store.close();
    });

    test('the stored Merkle nodes are read as a NodeReader, directly and prefetched', async () => {
      const store = await make().create(ORIGIN);
      const acc = new MerkleAccumulator();
      const rows = sampleRows(13, ORIGIN, 0, acc);
      await store.write((tx) => rows.forEach((r) => tx.insertEntry(r)));
      await store.read((v) => {
        expect(rootAt(v, 13)).toEqual(acc.root());
        const plan = (r: typeof v) => inclusionProof(r, 5, 13);
        expect(plan(v.prefetch((r) => plan(r as typeof v)) as typeof v)).toEqual(plan(v));
      });
      expect(await codeOf(store.read((v) => v.node(3, 1)))).toBe('STORAGE_ERROR');
      await store.close();
    });

    test('a write whose function throws writes nothing, and rejects with what it threw', async () => {
      const store = await make().create(ORIGIN);
      const rows = sampleRows(4);
      await store.write((tx) => tx.insertEntry(rows[0]!));
      const boom = new Error('boom');
      await expect(
        store.write((tx) => {
          tx.insertEntry(rows[1]!);
          tx.insertCheckpoint(2, rows[1]!.leaf, 'note');
          tx.redactPayload(0, 1);
          expect(tx.size()).toBe(2); // a write sees its own rows
          throw boom;
        }),
      ).rejects.toBe(boom);
      await store.read((v) => {
        expect(v.size()).toBe(1);
        expect(v.checkpointAt(2)).toBeUndefined();
        expect(v.redactionOf(0)).toBeUndefined();
        expect(v.entry(0)!.data).not.toBeNull();
        expect(v.caseTail('C-1')).toBeUndefined();
      });
      await store.close();
    });

    test('checkpoints: stored once per size, listed in size order', async () => {
      const store = await make().create(ORIGIN);
      const root = new Uint8Array(32).fill(7);
      await store.write((tx) => {
        tx.insertCheckpoint(5, root, 'five');
        tx.insertCheckpoint(2, root, 'two');
        tx.insertCheckpoint(5, root, 'another five');
      });
      await store.read((v) => {
        expect(v.latestCheckpoint()).toMatchObject({ size: 5, note: 'five' });
        expect(v.checkpointAt(2)).toMatchObject({ size: 2, note: 'two' });
        expect([...v.checkpoints(0)].map((c) => c.size)).toEqual([2, 5]);
        expect([...v.checkpoints(3)].map((c) => c.size)).toEqual([5]);
      });
      await store.close();
    });

    test('nonces: the rows of a case by nonce, no repeated pair, no impossible key, rows counted, nothing damaged', async () => {
      const store = await make().create(ORIGIN);
      const rows = sampleRows(6).map((r, i) => ({ ...r, nonce: i % 2 === 0 ? new Uint8Array(16).fill(i + 1) : null }));
      await store.write((tx) => rows.forEach((r) => tx.insertEntry(r)));
      expect(store.damage).toEqual([]);
      await store.read((v) => {
        expect(v.caseNonce('C-0', new Uint8Array(16).fill(1)).map((r) => r.seq)).toEqual([0]);
        expect(v.caseNonce('C-1', new Uint8Array(16).fill(1))).toEqual([]);
        expect(Uint8Array.from(v.entry(2)!.nonce!)).toEqual(new Uint8Array(16).fill(3));
        expect(v.entry(1)!.nonce).toBeNull();
        expect([...v.repeatedNonces(0)]).toEqual([]);
        expect([...v.repeatedNonces(3)]).toEqual([]);
        expect(v.invalidKeys()).toEqual([]);
        expect(v.entryCount(0, 6)).toBe(6);
        expect(v.entryCount(2, 100)).toBe(4);
      });
      // The same nonce twice in a case is refused by the store itself (the unique index of format.md §7).
      const dup = { ...sampleRows(1, ORIGIN, 6, undefined, rows[5]!.leaf)[0]!, case_id: 'C-0', step: 3, nonce: new Uint8Array(16).fill(1) };
      expect(await codeOf(store.write((tx) => tx.insertEntry(dup)))).not.toBe('OK');
      await store.close();
    });

    test('redactions erase a payload and are recorded', async () => {
      const store = await make().create(ORIGIN);
      const rows = sampleRows(3);
      await store.write((tx) => rows.forEach((r) => tx.insertEntry(r)));
      await store.write((tx) => tx.redactPayload(1, 2));
      await store.read((v) => {
        expect(v.entry(1)).toMatchObject({ salt: null, data: null });
        expect([...v.entryColumns(0, 3)].map((c) => c.data === null)).toEqual([false, true, false]);
        expect(v.redactionOf(1)).toEqual({ seq: 1, by_seq: 2 });
        expect([...v.redactions()]).toEqual([{ seq: 1, by_seq: 2 }]);
      });
      await store.close();
    });

    test('cosignatures: kept in the order stored, a repeated line once', async () => {
      const store = await make().create(ORIGIN);
      await store.write((tx) => {
        tx.insertCheckpoint(3, new Uint8Array(32), 'n');
        tx.insertCosignature(3, '— b x\n');
        tx.insertCosignature(3, '— a y\n');
        tx.insertCosignature(3, '— b x\n');
        tx.insertCosignature(1, '— c z\n');
      });
      await store.read((v) => {
        expect(v.cosignatures(3)).toEqual(['— b x\n', '— a y\n']);
        expect(v.cosignatures(2)).toEqual([]);
        expect([...v.allCosignatures(0)].map((c) => [c.size, c.line])).toEqual([[1, '— c z\n'], [3, '— b x\n'], [3, '— a y\n']]);
        expect([...v.allCosignatures(2)].map((c) => c.size)).toEqual([3, 3]);
      });
      await store.close();
    });

    test('another handle sees what was committed; a read-only one cannot write', async () => {
      const maker = make();
      const store = await maker.create(ORIGIN);
      await store.write((tx) => sampleRows(2).forEach((r) => tx.insertEntry(r)));
      const other = await maker.open(store.location);
      expect(other.origin).toBe(ORIGIN);
      expect(await other.read((v) => v.size())).toBe(2);
      await other.write((tx) => sampleRows(1, ORIGIN, 2).forEach((r) => tx.insertEntry(r)));
      expect(await store.read((v) => v.size())).toBe(3);
      const ro = await maker.open(store.location, { readonly: true });
      expect(ro.readonly).toBe(true);
      expect(await codeOf(ro.write(() => undefined))).toBe('READ_ONLY');
      for (const s of [store, other, ro]) await s.close();
    });

    test('a snapshot keeps its state across awaits while another handle writes', async () => {
      const maker = make();
      const store = await maker.create(ORIGIN);
      await store.write((tx) => sampleRows(2).forEach((r) => tx.insertEntry(r)));
      const other = await maker.open(store.location);
      let written = false;
      const seen = await store.snapshot(async (v) => {
        const before = v.size();
        const w = other.write((tx) => sampleRows(1, ORIGIN, 2).forEach((r) => tx.insertEntry(r))).then(() => (written = true));
        await new Promise((r) => setTimeout(r, 50));
        const after = v.size();
        return { before, after, w };
      });
      expect(seen.before).toBe(2);
      expect(seen.after).toBe(2);
      await seen.w;
      expect(written).toBe(true);
      expect(await store.read((v) => v.size())).toBe(3);
      for (const s of [store, other]) await s.close();
    });
  });
}
