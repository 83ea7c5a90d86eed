// Proof artifacts made by a real ledger, checked by the pure verifiers and by
// the independent checker (the format tests live with @casetrail/verify).
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Ledger,
  LedgerError,
  equalBytes,
  generateKeyPair,
  verifyBundle,
  formatTlogProof,
  formatWitnessBody,
  parseVerifierKey,
  utf8,
  verifyEntryProof,
  verifyWitnessBody,
} from '../src/index.js';
import { indCheckTlogProof, indCheckWitnessBody } from './helpers/independent-tlog.js';
import { KEYS, cleanupTempDirs, newLedger, rawOpen, steps } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const verifier = parseVerifierKey(KEYS.vkey);

describe('tlog-proof files of a real ledger', () => {
  it('proves every entry of a real ledger, and the independent verifier agrees', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(13));
    const cp = (await ledger.latestCheckpoint())!;
    for (let seq = 0; seq < 13; seq++) {
      const e = await ledger.get(seq);
      const p = await ledger.proveInclusion(seq, cp.size);
      const text = formatTlogProof({ index: seq, proof: p.proof, checkpoint: cp.note, extra: e.bytes });
      const r = verifyEntryProof(text, KEYS.vkey);
      expect(r.entry).toEqual(e.entry);
      expect(r.entryBytes).toEqual(e.bytes);
      const ind = indCheckTlogProof(text, KEYS.vkey);
      expect(ind.extra).toEqual(Buffer.from(e.bytes));
      expect(ind.root).toEqual(Buffer.from(cp.root));
    }
    await ledger.close();
  });
});

describe('witness bodies of a real ledger', () => {
  it('proves every pair of sizes of a real ledger (each size signed), checked by both verifiers', async () => {
    const ledger = await newLedger();
    for (const s of steps(12)) await ledger.append(s);
    for (let n = 1; n <= 12; n++) {
      const cp = (await ledger.checkpointAt(n))!;
      for (let m = 1; m <= n; m++) {
        const p = await ledger.proveConsistency(m, n);
        const body = formatWitnessBody({ oldSize: m, proof: p.proof, checkpoint: cp.note });
        const got = verifyWitnessBody(body, [verifier], { size: m, root: p.oldRoot });
        expect(equalBytes(got.root, cp.root)).toBe(true);
        expect(indCheckWitnessBody(body, KEYS.vkey, { size: BigInt(m), root: p.oldRoot }).size).toBe(BigInt(n));
      }
    }
    await ledger.close();
  });

  it('a single-byte change at 1,000 random positions (random xor) of a body makes it fail against the trusted checkpoint', async () => {
    const ledger = await newLedger();
    for (const s of steps(11)) await ledger.append(s);
    const p = await ledger.proveConsistency(6, 11);
    const cp = (await ledger.checkpointAt(11))!;
    const bytes = utf8(formatWitnessBody({ oldSize: 6, proof: p.proof, checkpoint: cp.note }));
    await ledger.close();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const m = bytes.slice();
        m[pos]! ^= x;
        expect(() => verifyWitnessBody(m, [verifier], { size: 6, root: p.oldRoot })).toThrow(LedgerError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('evidence from the library: ledger.exportBundle, tlogProof, witnessBody', () => {
  const collect = async (l: Awaited<ReturnType<typeof newLedger>>, options: Parameters<Awaited<ReturnType<typeof newLedger>>['exportBundle']>[1] = {}) => {
    let text = '';
    const made = await l.exportBundle((line) => void (text += line), { created: null, ...options });
    return { text, made };
  };

  it('exportBundle streams a bundle that verifies; entries after the checkpoint are counted as unsigned', async () => {
    const ledger = await newLedger({ checkpointPolicy: 'manual' });
    await ledger.appendMany(steps(7));
    await ledger.checkpoint();
    await ledger.append(steps(1, 'LATE')[0]!);
    const chunks: string[] = [];
    const made = await ledger.exportBundle(async (line) => {
      await new Promise((r) => setImmediate(r));
      chunks.push(line);
    }, { created: null });
    expect(made).toMatchObject({ entries: 7, payloads: true, filter: {}, unsigned: 1, checkpoint: { size: 7 } });
    expect(chunks).toHaveLength(9); // header, 7 entries, trailer: one write each
    expect(await verifyBundle(chunks.join(''), KEYS.vkey)).toMatchObject({ ok: true, complete: true, entries: 7 });
    const c = await collect(ledger, { caseId: 'CASE-1', payloads: false });
    expect(c.made).toMatchObject({ entries: 2, payloads: false, filter: { case: 'CASE-1' } });
    expect(await verifyBundle(c.text, KEYS.vkey)).toMatchObject({ ok: true, withheld: 2 });
    // The same selection gives the same bytes (with created: null).
    expect((await collect(ledger, { caseId: 'CASE-1', payloads: false })).text).toBe(c.text);
    await ledger.close();
  });

  it('exportBundle refuses a ledger without a checkpoint, an erasure no checkpoint covers, and bad options', async () => {
    const ledger = await newLedger({ checkpointPolicy: 'manual' });
    await ledger.appendMany(steps(3));
    const written: string[] = [];
    await expect(ledger.exportBundle((l) => void written.push(l))).rejects.toMatchObject({ code: 'NO_CHECKPOINT' });
    expect(written).toEqual([]);
    await ledger.checkpoint();
    await ledger.redact(1, { reason: 'r', actor: 'dpo' });
    await expect(collect(ledger)).rejects.toMatchObject({ code: 'UNSIGNED_REDACTION', details: { seq: 1, redaction: 3 } });
    await expect(collect(ledger, { since: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ledger.exportBundle('out.bundle' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await ledger.checkpoint();
    expect(await verifyBundle((await collect(ledger)).text, KEYS.vkey)).toMatchObject({ ok: true, redacted: 1 });
    await ledger.close();
  });

  it('a payload deleted in the file before the export is refused as PAYLOAD_MISSING, not exported as erased', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(4));
    await ledger.close();
    const db = rawOpen(ledger.path);
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'payloads'").get() ? 'payloads' : 'entries';
    db.exec(`UPDATE ${table} SET data = NULL, salt = NULL WHERE seq = 2`);
    db.close();
    const reopened = await Ledger.open(ledger.path, { readonly: true });
    await expect(collect(reopened)).rejects.toMatchObject({ code: 'PAYLOAD_MISSING', details: { seq: 2 } });
    await reopened.close();
  });

  it('tlogProof makes the proof file verifyEntryProof accepts, in the latest tree or a signed older one', async () => {
    const ledger = await newLedger();
    for (const s of steps(6)) await ledger.append(s);
    const p = await ledger.tlogProof(4);
    expect(p).toMatchObject({ seq: 4, treeSize: 6 });
    expect(verifyEntryProof(p.text, KEYS.vkey).entry).toEqual((await ledger.get(4)).entry);
    expect(equalBytes(p.root, p.checkpoint.root)).toBe(true);
    expect((await ledger.tlogProof(1, { size: 3 })).treeSize).toBe(3);
    await expect(ledger.tlogProof(4, { size: 3 })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { seq: 4, treeSize: 3, size: 6 } });
    await expect(ledger.tlogProof(9)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'there is no entry 9: the ledger has 6 entries' });
    await ledger.close();
    const unsigned = await newLedger({ checkpointPolicy: 'manual' });
    await unsigned.appendMany(steps(2));
    await expect(unsigned.tlogProof(0)).rejects.toMatchObject({ code: 'NO_CHECKPOINT' });
    await expect(unsigned.tlogProof(0, { size: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { checkpointSize: 2 } });
    await unsigned.close();
  });

  it('a leaf changed in the file before the honest prove: CHECKPOINT_ROOT_MISMATCH, no proof made', async () => {
    const ledger = await newLedger();
    await ledger.appendMany(steps(5));
    await ledger.close();
    const db = rawOpen(ledger.path);
    db.prepare('UPDATE entries SET leaf = ? WHERE seq = 3').run(Buffer.alloc(32, 7));
    db.close();
    const reopened = await Ledger.open(ledger.path, { readonly: true });
    await expect(reopened.tlogProof(3)).rejects.toMatchObject({ code: 'CHECKPOINT_ROOT_MISMATCH', details: { size: 5 } });
    await reopened.close();
  });

  it('witnessBody from a size, from a saved note (checked with vkey or not), to a signed size', async () => {
    const ledger = await newLedger();
    for (const s of steps(9)) await ledger.append(s);
    const old = (await ledger.checkpointAt(4))!;
    const fromNote = await ledger.witnessBody(old.note, { vkey: KEYS.vkey });
    expect(fromNote).toMatchObject({ oldSize: 4, newSize: 9, fromChecked: true });
    expect(verifyWitnessBody(fromNote.body, [verifier], { size: 4, root: old.root }).size).toBe(9);
    expect((await ledger.witnessBody(old.note)).fromChecked).toBe(false);
    const fromZero = await ledger.witnessBody(0, { to: 6 });
    expect(fromZero).toMatchObject({ oldSize: 0, newSize: 6, proof: [], oldRoot: undefined });
    expect((await ledger.witnessBody(4)).body).toBe(fromNote.body);
    await expect(ledger.witnessBody(2, { to: 60 })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { checkpointSize: 60 } });
    await expect(ledger.witnessBody(12)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(ledger.witnessBody(7, { to: 6 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await ledger.close();
  });

  it('witnessBody refuses a saved checkpoint the ledger does not extend: a fork, a rollback, another origin, a forged signature', async () => {
    // The key holder keeps two histories under one key: the one published, and the one the ledger now holds.
    const published = await newLedger();
    const rewritten = await newLedger();
    const base = steps(5);
    await published.appendMany(base.slice(0, 3));
    await rewritten.appendMany(base.slice(0, 2));
    await rewritten.appendMany([{ ...base[2]!, data: { i: 2, note: 'rewritten' } }, ...base.slice(3)]);
    await published.appendMany(base.slice(3, 4));
    const fork = (await published.latestCheckpoint())!.note;
    await expect(rewritten.witnessBody(fork, { vkey: KEYS.vkey })).rejects.toMatchObject({ code: 'INCONSISTENT', details: { size: 4 } });
    await published.appendMany(steps(3, 'MORE'));
    const longer = (await published.latestCheckpoint())!.note;
    await expect(rewritten.witnessBody(longer, { vkey: KEYS.vkey })).rejects.toMatchObject({ code: 'INCONSISTENT', message: expect.stringMatching(/entries were removed/) });
    await expect(rewritten.witnessBody(longer.replace(/\n(\d+)\n/, '\n4\n'), { vkey: KEYS.vkey })).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    const other = generateKeyPair('other.example/log');
    const stranger = await Ledger.create(`memory:stranger-${Date.now()}`, { origin: 'other.example/log', signer: other.skey });
    await stranger.append(steps(1)[0]!);
    await expect(rewritten.witnessBody((await stranger.latestCheckpoint())!.note)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const l of [published, rewritten, stranger]) await l.close();
  });
});

describe('evidence carries nothing that does not check (the file is prepared first, then the honest call)', () => {
  /** A closed ledger of 5 steps (cases CASE-0 … CASE-4) and what the attacker does to its file; reopened read-only. */
  async function tampered(sql: (db: ReturnType<typeof rawOpen>) => void, prepare?: (l: Ledger) => Promise<void>): Promise<Ledger> {
    const ledger = await newLedger();
    await ledger.appendMany([...steps(5), { caseId: 'CASE-0', type: 'closed', actor: 'officer-0', data: { i: 5 } }]);
    await prepare?.(ledger);
    await ledger.close();
    const db = rawOpen(ledger.path);
    db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
    sql(db);
    db.close();
    return Ledger.open(ledger.path, { readonly: true });
  }
  const collect = async (l: Ledger, options = {}) => {
    const lines: string[] = [];
    await l.exportBundle((line) => void lines.push(line), { created: null, ...options });
    return lines;
  };

  it('a step relabelled into another case: exportBundle of that case refuses it with INDEX_MISMATCH', async () => {
    const l = await tampered((db) => db.prepare("UPDATE entries SET case_id = 'CASE-1', step = 2 WHERE seq = 5").run());
    await expect(collect(l, { caseId: 'CASE-1' })).rejects.toMatchObject({ code: 'INDEX_MISMATCH', details: { seq: 5 } });
    await expect(collect(l)).rejects.toMatchObject({ code: 'INDEX_MISMATCH', details: { seq: 5 } });
    await l.close();
  });

  it("a checkpoint row whose root column was changed: every kind of evidence refuses it (CHECKPOINT_INVALID), its note's values are never replaced", async () => {
    const l = await tampered((db) => db.prepare('UPDATE checkpoints SET root = ? WHERE size = (SELECT max(size) FROM checkpoints)').run(Buffer.alloc(32, 7)));
    await expect(collect(l)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', details: { size: 6 } });
    await expect(l.tlogProof(0)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    await expect(l.witnessBody(2)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    await l.close();
  });

  it('an entry whose bytes were changed (its leaf column kept): tlogProof makes no proof of them', async () => {
    let bytes: Buffer | undefined;
    const l = await tampered((db) => {
      bytes = Buffer.from(db.prepare('SELECT bytes FROM entries WHERE seq = 1').pluck().get() as Buffer);
      bytes[bytes.length - 1]! ^= 1;
      db.prepare('UPDATE entries SET bytes = ? WHERE seq = 1').run(bytes);
    });
    const e = await l.tlogProof(1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LedgerError);
    expect(e).toMatchObject({ code: 'LEAF_HASH_MISMATCH', details: { seq: 1 } });
    expect((await l.tlogProof(2)).seq).toBe(2);
    await l.close();
  });

  it('an erased payload written back, the redactions row deleted: exportBundle refuses it (REDACTION_INVALID)', async () => {
    let original: { payload: Uint8Array; salt: Uint8Array } | undefined;
    const l = await tampered(
      (db) => {
        db.prepare('UPDATE entries SET data = ?, salt = ? WHERE seq = 0').run(Buffer.from(original!.payload), Buffer.from(original!.salt));
        db.exec('DELETE FROM redactions WHERE seq = 0');
      },
      async (ledger) => {
        const e = await ledger.get(0);
        original = { payload: e.payload!, salt: e.salt! };
        await ledger.redact(0, { reason: 'erasure request', actor: 'dpo' });
      },
    );
    expect((await l.get(0)).payloadState).toBe('restored');
    await expect(collect(l)).rejects.toMatchObject({ code: 'REDACTION_INVALID' });
    await expect(collect(l, { caseId: 'CASE-0' })).rejects.toMatchObject({ code: 'REDACTION_INVALID' });
    await l.close();
  });
});
