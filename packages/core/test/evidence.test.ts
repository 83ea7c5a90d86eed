// Proof artifacts made by a real ledger, checked by the pure verifiers and by
// the independent checker (the format tests live with @casetrail/verify).
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LedgerError,
  equalBytes,
  formatTlogProof,
  formatWitnessBody,
  parseVerifierKey,
  utf8,
  verifyEntryProof,
  verifyWitnessBody,
} from '../src/index.js';
import { indCheckTlogProof, indCheckWitnessBody } from './helpers/independent-tlog.js';
import { KEYS, cleanupTempDirs, newLedger, steps } from './helpers/ledgers.js';

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

  it('any single-byte change to a body makes it fail against the trusted checkpoint', async () => {
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
