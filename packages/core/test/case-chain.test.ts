/**
 * A ledger signed with the real key whose per-case chain is wrong (format.md
 * §8 item 6), in each way a writer that holds the file and the key but not
 * this library's rules could make it: a wrong `casePrev`, a skipped step, a
 * repeated step, a step moved to another case, a new case that does not
 * start at step 1. (A step 1 whose `casePrev` is not zero is refused by the
 * codec itself, format.md §4.2: such bytes are ENTRY_DECODE, tested with the
 * entry vectors.)
 *
 * Attacker's order: an honest ledger is written; the forged entry is then
 * encoded with the pure codec and written through the store interface as
 * the next entry, with its true leaf hash, the Merkle nodes it completes,
 * the global link, a payload matching its commitment, and a checkpoint of
 * the new size signed by the real key — so that every check but the per-case
 * one passes. Then the honest commands run: full and incremental
 * verification, `trace`, `exportBundle` and bundle verification. Each must
 * name the exact code at the forged entry's position, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError, decodeEntry, formatBundleHeader, formatBundleTrailer, verifyBundle, verifyLedger, type IssueCode } from '../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs } from './helpers/ledgers.js';
import { FORGED, forgeNext, honestLedger, where, type Claim, type Honest } from './helpers/forge.js';

afterAll(cleanupTempDirs);

let honest: Honest;
/** The checkpoint of size 5, as a client kept it. */
let kept: string;

beforeAll(async () => {
  honest = await honestLedger();
  kept = honest.kept;
});

const forge = (claim: Claim) => forgeNext(honest, claim);

const ZERO = new Uint8Array(32);
const leaf = (seq: number) => honest.leaves[seq]!;

/** Each way a case chain can be wrong, the entry that makes it, and the one code it must produce. */
const WAYS: Array<{ name: string; claim: () => Claim; code: IssueCode }> = [
  { name: 'wrong casePrev: step 4 of A links to step 2 (entry 2), not step 3', claim: () => ({ caseId: 'A', step: 4, casePrev: leaf(2) }), code: 'CASE_CHAIN_BROKEN' },
  { name: 'wrong casePrev: step 4 of A links to nothing (zero hash)', claim: () => ({ caseId: 'A', step: 4, casePrev: ZERO }), code: 'CASE_CHAIN_BROKEN' },
  { name: 'wrong casePrev: step 4 of A links to the global previous entry of another case', claim: () => ({ caseId: 'A', step: 4, casePrev: leaf(3) }), code: 'CASE_CHAIN_BROKEN' },
  { name: 'skipped step: step 5 of A after step 3, linked to step 3', claim: () => ({ caseId: 'A', step: 5, casePrev: leaf(4) }), code: 'CASE_STEP_MISMATCH' },
  { name: 'repeated step: a second step 3 of A, linked like the first', claim: () => ({ caseId: 'A', step: 3, casePrev: leaf(2) }), code: 'CASE_STEP_MISMATCH' },
  { name: 'repeated step: a second step 3 of A, linked to step 3', claim: () => ({ caseId: 'A', step: 3, casePrev: leaf(4) }), code: 'CASE_STEP_MISMATCH' },
  { name: 'repeated step: a second step 2 of B (a case the one-case memory forgot), linked like the first', claim: () => ({ caseId: 'B', step: 2, casePrev: leaf(1) }), code: 'CASE_STEP_MISMATCH' },
  { name: 'repeated step: case B starting again at step 1', claim: () => ({ caseId: 'B', step: 1, casePrev: ZERO }), code: 'CASE_STEP_MISMATCH' },
  { name: "moved: A's step 4 (linked to A's step 3) recorded in case B", claim: () => ({ caseId: 'B', step: 4, casePrev: leaf(4) }), code: 'CASE_STEP_MISMATCH' },
  { name: "moved: B's next step number, linked to A's step 3", claim: () => ({ caseId: 'B', step: 3, casePrev: leaf(4) }), code: 'CASE_CHAIN_BROKEN' },
  { name: "moved: A's step 4 recorded as a new case C", claim: () => ({ caseId: 'C', step: 4, casePrev: leaf(4) }), code: 'CASE_STEP_MISMATCH' },
  { name: 'new case C starting at step 2 with a zero link', claim: () => ({ caseId: 'C', step: 2, casePrev: ZERO }), code: 'CASE_STEP_MISMATCH' },
];

describe('a per-case chain broken by the key holder', () => {
  it('the honest ledger and the forger agree on everything else: a correct next step written the same way verifies', async () => {
    const path = await forge({ caseId: 'A', step: 4, casePrev: leaf(4) });
    const r = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ ok: true, size: FORGED + 1, signedSize: FORGED + 1 });
    const inc = await verifyLedger(path, { vkey: KEYS.vkey, trusted: kept, mode: 'incremental' });
    expect(inc.issues).toEqual([]);
    expect(inc.ok).toBe(true);
  });

  // One describe per way, named in full (describe.each's $name cuts a name after 40 characters).
  for (const { name, claim, code } of WAYS) describe(name, () => {
    let path: string;
    let c: Claim;
    beforeAll(async () => {
      c = claim();
      path = await forge(c);
    });

    it(`full verification: exactly ${code} at entry ${FORGED}`, async () => {
      const r = await verifyLedger(path, { vkey: KEYS.vkey });
      expect(where(r.issues)).toEqual([{ code, table: 'entries', seq: FORGED }]);
      expect(r.ok).toBe(false);
      expect(r.signedSize).toBe(FORGED + 1);
    });

    it(`full verification remembering one case at a time (the others read again): exactly ${code} at entry ${FORGED}`, async () => {
      const r = await verifyLedger(path, { vkey: KEYS.vkey, trackedCases: 1 });
      expect(where(r.issues)).toEqual([{ code, table: 'entries', seq: FORGED }]);
      expect(r.ok).toBe(false);
    });

    it(`incremental verification from the checkpoint of size ${FORGED}: exactly ${code} at entry ${FORGED}`, async () => {
      const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted: kept, mode: 'incremental' });
      expect(where(r.issues)).toEqual([{ code, table: 'entries', seq: FORGED }]);
      // The history before the checkpoint is intact (no TRUSTED_* issue); "extended" also requires no error after it.
      expect(r).toMatchObject({ ok: false, mode: 'incremental', trusted: { size: FORGED, extended: false } });
    });

    it(`trace of the forged entry's case marks that entry alone with ${code}`, async () => {
      const { Ledger } = await import('../src/index.js');
      const l = await Ledger.open(path, { readonly: true });
      try {
        const t = await l.trace(c.caseId);
        expect(t.ok).toBe(false);
        expect(where(t.issues)).toEqual([{ code, table: 'entries', seq: FORGED }]);
        const forged = t.steps.find((s) => s.seq === FORGED)!;
        expect(forged.ok).toBe(false);
        expect(t.steps.filter((s) => s.seq !== FORGED).every((s) => s.ok && s.issues.length === 0)).toBe(true);
        // The export of that case refuses it with the same code before writing its line (the caller discards what was written).
        let written = '';
        const err = await l.exportBundle((line) => void (written += line), { caseId: c.caseId, created: null }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LedgerError);
        expect(err).toMatchObject({ code, details: { seq: FORGED } });
        expect(written.split('\n').filter((x) => x.includes(`"seq":${FORGED},`))).toEqual([]);
      } finally {
        await l.close();
      }
    });

    it(`bundle verification of the whole ledger (as exported) and of the case alone: exactly ${code} at entry ${FORGED}`, async () => {
      const { Ledger } = await import('../src/index.js');
      const l = await Ledger.open(path, { readonly: true });
      let whole = '';
      try {
        // Without a case filter the export checks each entry as read, not the case chain: the bundle carries the forged entry.
        await l.exportBundle((line) => void (whole += line), { created: null });
      } finally {
        await l.close();
      }
      const lines = whole.split('\n').slice(0, -1);
      expect(lines).toHaveLength(FORGED + 3);
      const r = await verifyBundle(whole, KEYS.vkey);
      // Entry seq s is line s + 2 (line 1 is the header).
      expect(where(r.issues)).toEqual([{ code, line: FORGED + 2, seq: FORGED }]);
      expect(r.ok).toBe(false);

      // The case's own bundle, as an exporter that skipped the chain check would write it.
      const header = JSON.parse(lines[0]!) as { checkpoint: string };
      const ofCase = lines.slice(1, -1).filter((x) => decodeEntry(Buffer.from((JSON.parse(x) as { entry: string }).entry, 'base64')).caseId === c.caseId);
      const caseBundle = [formatBundleHeader({ origin: ORIGIN, checkpoint: header.checkpoint, payloads: true, filter: { case: c.caseId } }), ...ofCase.map((x) => `${x}\n`), formatBundleTrailer(ofCase.length)].join('');
      const rc = await verifyBundle(caseBundle, KEYS.vkey);
      expect(where(rc.issues)).toEqual([{ code, line: ofCase.length + 1, seq: FORGED }]);
      expect(rc.ok).toBe(false);
    });
  });
});
