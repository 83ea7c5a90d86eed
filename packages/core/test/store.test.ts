// The store seam: the SQLite store and the in-memory store pass the same
// conformance suite, the factory picks a store from a location, and a
// Ledger on the in-memory store behaves like one on SQLite.
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Ledger, LedgerError, MemoryStore, SqliteStore, createStore, openStore, registerStoreDriver, verifyInclusion, verifyLedger } from '../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, steps, tempDir } from './helpers/ledgers.js';
import { describeStoreConformance } from './helpers/store-conformance.js';

afterAll(cleanupTempDirs);

let n = 0;
describeStoreConformance('SQLite', () => ({
  create: (origin) => createStore(join(tempDir(), 'conformance.ledger'), origin, { durability: 'normal' }),
  open: (location, options) => openStore(location, { durability: 'normal', ...options }),
}));
describeStoreConformance('in memory', () => ({
  create: (origin) => createStore(`memory:conformance-${++n}`, origin),
  open: (location, options) => openStore(location, options ?? {}),
}));

describe('the store factory', () => {
  test('a path or a file: URL is SQLite, memory:<name> is in memory, a registered scheme its driver', async () => {
    const path = join(tempDir(), 'factory.ledger');
    const s = await createStore(path, ORIGIN);
    expect(s).toBeInstanceOf(SqliteStore);
    await s.close();
    const u = await openStore(`file://${path}`, { readonly: true });
    expect(u).toBeInstanceOf(SqliteStore);
    expect(u.location).toBe(path);
    await u.close();
    const m = await createStore('memory:factory', ORIGIN);
    expect(m).toBeInstanceOf(MemoryStore);
    expect(m.shareable).toBe(false);
    await expect(createStore('memory:factory', ORIGIN)).rejects.toMatchObject({ code: 'LEDGER_EXISTS' });
    await expect(openStore('memory:nothing-here')).rejects.toMatchObject({ code: 'LEDGER_NOT_FOUND' });
    let opened = '';
    registerStoreDriver('test-scheme', { create: (l, o) => MemoryStore.create(`memory:${l}`, o), open: (l) => ((opened = l), MemoryStore.open('memory:factory')) });
    expect(await (await openStore('test-scheme://x')).read((v) => v.size())).toBe(0);
    expect(opened).toBe('test-scheme://x');
    expect(() => registerStoreDriver('file', { create: () => m, open: () => m })).toThrow(LedgerError);
  });
});

describe('a Ledger on the in-memory store', () => {
  test('appends, redacts, reads, traces, proves and verifies as on SQLite', async () => {
    const make = async (location: string) => {
      let now = 1_700_000_000_000;
      const l = await Ledger.create(location, { origin: ORIGIN, signer: KEYS.skey, clock: () => (now += 1000) });
      await l.appendMany(steps(20));
      await l.append({ caseId: 'CASE-1', type: 'decision', actor: 'director', data: { ok: true }, signWith: [new Uint8Array(32).fill(9)] });
      await l.redact(3, { reason: 'test', actor: 'dpo' });
      return l;
    };
    const mem = await make('memory:ledger-like-sqlite');
    const sql = await make(join(tempDir(), 'same.ledger'));
    for (const l of [mem, sql]) expect((await l.verify({ vkey: KEYS.vkey })).issues).toEqual([]);
    const [a, b] = [await mem.verify({ vkey: KEYS.vkey }), await sql.verify({ vkey: KEYS.vkey })];
    // Salts are random, so roots differ; everything else is the same.
    const same = (r: typeof a) => ({ ...r, root: r.root.length, durationMs: 0 });
    expect(same(a)).toEqual(same(b));
    expect((await mem.trace('CASE-3')).ok).toBe(true);
    expect((await mem.get(3)).redacted).toBe(true);
    const shape = (p: object) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.isArray(v) ? v.length : v instanceof Uint8Array ? v.length : v]));
    expect(shape(await mem.proveInclusion(7))).toEqual(shape(await sql.proveInclusion(7)));
    expect(shape(await mem.proveConsistency(5, 22))).toEqual(shape(await sql.proveConsistency(5, 22)));
    const p = await mem.proveInclusion(7);
    expect(verifyInclusion(p.leafHash, 7, p.treeSize, p.proof, (await mem.latestCheckpoint())!.root)).toBe(true);
    expect((await mem.query({ caseId: 'CASE-2' })).entries.map((e) => e.seq)).toEqual((await sql.query({ caseId: 'CASE-2' })).entries.map((e) => e.seq));
    // A second handle on the same in-memory ledger verifies it too (workers are not used: it cannot be shared).
    expect((await verifyLedger('memory:ledger-like-sqlite', { vkey: KEYS.vkey, workers: 2 })).ok).toBe(true);
    await mem.close();
    await sql.close();
  });
});
