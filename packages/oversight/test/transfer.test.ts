/**
 * The library's clue transfer (docs/oversight.md §10): transferClue,
 * receiveClue, readTransferBundle and checkClueReceipt on file ledgers built
 * with the core's public API. The command line's attacker-order tests are in
 * packages/cli/test/transfer.test.ts; these cover what the library itself
 * promises: the in-transaction guard against two receivers racing, a case
 * with a redacted step, the payload formats' strictness, and the auditor's
 * check of a citation edited field by field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, generateKeyPair, isLedgerError, toHex, utf8 } from '@casetrail/core';
import { checkUnitName } from '../src/levels/entries.js';
import { CLUE_RECEIVED, checkClueReceipt, encodeClueReceipt, encodeTransferStep, parseClueReceipt, parseTransferStep, readTransferBundle, receiveClue, transferClue } from '../src/index.js';
import { stateOf } from './helpers/ledgers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function unit(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'casetrail-transfer-'));
  dirs.push(dir);
  const origin = `${name}.example.gov/cases`;
  const { skey, vkey } = generateKeyPair(origin);
  const path = join(dir, `${name}.ledger`);
  const ledger = await Ledger.create(path, { origin, signer: skey, signerState: stateOf(path) });
  return { origin, skey, vkey, path, ledger };
}

const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isLedgerError(e) ? e.code : String(e)));

describe('transferClue and receiveClue', async () => {
  const city = await unit('city-b');
  const province = await unit('province');
  afterAll(async () => {
    await city.ledger.close();
    await province.ledger.close();
  });
  await city.ledger.append({ caseId: 'B-1', type: 'case.opened', actor: 'clerk', data: { informant: '王某', phone: '138…' } });
  await city.ledger.append({ caseId: 'B-1', type: 'clue.checked', actor: 'officer', data: { finding: 'x' } });
  // The informant's details are erased before the case leaves the city: the bundle carries the proven redaction.
  await city.ledger.redact(0, { reason: '保护举报人', actor: 'dpo' });

  it('a case with a redacted step transfers: the erasure is proven, the payload is not shown', async () => {
    const t = await transferClue(city.ledger, { caseId: 'B-1', to: 'province', actor: 'director', vkey: city.vkey, created: null });
    expect(t.read.entries.map((e) => [e.seq, e.entry.type, e.payload === undefined])).toEqual([
      [0, 'case.opened', true],
      [1, 'clue.checked', false],
      [2, 'casetrail.redaction', false],
      [3, 'clue.transferred', false],
    ]);
    expect(t.read.transfer.data).toEqual({ to: 'province' });
    const r = await receiveClue(province.ledger, t.bundle, { fromVkey: city.vkey, actor: 'clerk' });
    expect([r.receipt.caseId, r.receipt.step]).toEqual(['B-1', 1]);
    const stored = await province.ledger.get(r.receipt.seq);
    expect(stored.entry!.type).toBe(CLUE_RECEIVED);
    expect(toHex(stored.payload!)).toBe(toHex(utf8(encodeClueReceipt(r.citation))));
    expect((await checkClueReceipt(stored.payload!, city.vkey, { bundle: t.bundle })).ok).toBe(true);
  });

  it('two receivers racing with one bundle under two case ids: exactly one records it (the guard runs inside the transaction)', async () => {
    await city.ledger.append({ caseId: 'B-2', type: 'case.opened', actor: 'clerk' });
    const t = await transferClue(city.ledger, { caseId: 'B-2', to: 'province', actor: 'director', vkey: city.vkey });
    const second = await Ledger.open(province.path, { signer: province.skey, signerState: stateOf(province.path) });
    try {
      const results = await Promise.all([
        code(receiveClue(province.ledger, t.bundle, { fromVkey: city.vkey, actor: 'clerk', caseId: 'P-1' })),
        code(receiveClue(second, t.bundle, { fromVkey: city.vkey, actor: 'clerk', caseId: 'P-2' })),
      ]);
      expect(results.sort()).toEqual(['TRANSFER_REPLAYED', 'resolved']);
    } finally {
      await second.close();
    }
    const received = await province.ledger.query({ type: CLUE_RECEIVED });
    expect(received.entries.filter((e) => (e.data as { transfer: { seq: number } }).transfer.seq === t.receipt.seq)).toHaveLength(1);
  });

  it('each export records a new transfer step; the receiver takes the latest, which a first receipt did not cite', async () => {
    await city.ledger.append({ caseId: 'B-3', type: 'case.opened', actor: 'clerk' });
    const first = await transferClue(city.ledger, { caseId: 'B-3', to: 'province', actor: 'director', vkey: city.vkey });
    const again = await transferClue(city.ledger, { caseId: 'B-3', to: 'province', actor: 'director', vkey: city.vkey, reason: '第二次移送' });
    expect(again.read.transfer.seq).toBeGreaterThan(first.read.transfer.seq);
    expect(again.read.transfer.data).toEqual({ reason: '第二次移送', to: 'province' });
    await receiveClue(province.ledger, first.bundle, { fromVkey: city.vkey, actor: 'clerk', caseId: 'P-3a' });
    const r = await receiveClue(province.ledger, again.bundle, { fromVkey: city.vkey, actor: 'clerk', caseId: 'P-3b' });
    expect(r.citation.transfer.seq).toBe(again.receipt.seq);
  });

  it('refusals write nothing: an unknown case on the sender, a bundle not of the sender on the receiver', async () => {
    const [cs, ps] = [await city.ledger.size(), await province.ledger.size()];
    expect(await code(transferClue(city.ledger, { caseId: 'NONE', to: 'province', actor: 'director', vkey: city.vkey }))).toBe('TRANSFER_CASE_UNKNOWN');
    expect(await code(transferClue(city.ledger, { caseId: 'B-1', to: 'pro\u202evince', actor: 'director', vkey: city.vkey }))).toBe('INVALID_ARGUMENT');
    await city.ledger.append({ caseId: 'B-4', type: 'case.opened', actor: 'clerk' });
    const t = await transferClue(city.ledger, { caseId: 'B-4', to: 'province', actor: 'director', vkey: city.vkey });
    expect(await code(receiveClue(province.ledger, t.bundle, { fromVkey: province.vkey, actor: 'clerk' }))).toBe('TRANSFER_WRONG_SENDER');
    expect(await code(receiveClue(province.ledger, t.bundle.subarray(0, t.bundle.length - 10), { fromVkey: city.vkey, actor: 'clerk' }))).toBe('TRANSFER_UNVERIFIED');
    expect(await province.ledger.size()).toBe(ps);
    expect(await city.ledger.size()).toBe(cs + 2);
  });

  it('readTransferBundle: no issue is tolerated, and the values it hands out are those that verified', async () => {
    await city.ledger.append({ caseId: 'B-5', type: 'case.opened', actor: 'clerk', data: { n: 1 } });
    const t = await transferClue(city.ledger, { caseId: 'B-5', to: 'province', actor: 'director', vkey: city.vkey });
    const read = await readTransferBundle(t.bundle, city.vkey);
    expect(read.report.ok).toBe(true);
    expect(read.entries.every((e) => e.proof.length > 0)).toBe(true);
    const e = await code(readTransferBundle(utf8(new TextDecoder().decode(t.bundle).replace('"payloads":true', '"payloads":true ')), city.vkey));
    expect(e).toBe('TRANSFER_UNVERIFIED');
  });
});

describe('the payloads, strictly', () => {
  it('clue.transferred: canonical JSON with "to" and an optional "reason", nothing else', () => {
    expect(encodeTransferStep({ to: 'province', reason: '按管理权限' })).toBe('{"reason":"按管理权限","to":"province"}');
    expect(parseTransferStep(utf8('{"to":"province"}'))).toEqual({ to: 'province' });
    for (const bad of ['{"to":"province","x":1}', '{ "to":"province"}', '{"reason":"","to":"p"}', '{"to":""}', '{"to":"a\u200bb"}', '[]', '{"reason":"r"}']) {
      expect(() => parseTransferStep(utf8(bad)), bad).toThrow(expect.objectContaining({ code: 'TRANSFER_INVALID' }));
    }
  });

  it("a unit name follows the directory's one rule: a name the directory refuses is refused in a transfer, with each side's code", () => {
    for (const name of ['a\u202eb', 'a\u00adb', 'a\u0007b', 'a\u3164b', 'x'.repeat(129)]) {
      expect(() => checkUnitName(name, 'unit'), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'DIRECTORY_INVALID' }));
      expect(() => parseTransferStep(utf8(JSON.stringify({ to: name }))), JSON.stringify(name)).toThrow(expect.objectContaining({ code: 'TRANSFER_INVALID' }));
    }
    expect(checkUnitName('市纪委监委-第三室', 'unit')).toBe('市纪委监委-第三室');
    expect(parseTransferStep(utf8(JSON.stringify({ to: '市纪委监委-第三室' })))).toEqual({ to: '市纪委监委-第三室' });
  });

  it('clue.received: a receipt round-trips; any other key, a hash that is not one, or a non-canonical form is refused', () => {
    const h = new Uint8Array(32).fill(7);
    const r = { bundle: h, checkpoint: { note: 'n', size: 3, root: h }, entries: [{ seq: 2, leafHash: h, proof: [h] }], from: { origin: 'o', vkey: 'k', case: 'c' }, transfer: { seq: 2, leafHash: h, to: 'province' } };
    const text = encodeClueReceipt(r);
    expect(parseClueReceipt(utf8(text))).toEqual(r);
    const variants = [text.replace('"bundle"', '"bundlE"'), text.replace('"size":3', '"size":3.5'), text.replace(toHex(h), 'AB'.repeat(32)), text.replace('{"bundle"', '{ "bundle"'), text.replace('"entries":[', '"entries":[],"x":['), text.replace('"to":"province"', '"to":""')];
    for (const v of variants) expect(() => parseClueReceipt(utf8(v)), v).toThrow(expect.objectContaining({ code: 'TRANSFER_INVALID' }));
  });
});

describe("checkClueReceipt: an auditor's check of every field of a citation", async () => {
  const city = await unit('city-c');
  const other = generateKeyPair('city-c.example.gov/cases');
  await city.ledger.append({ caseId: 'C-1', type: 'case.opened', actor: 'clerk' });
  await city.ledger.append({ caseId: 'C-2', type: 'case.opened', actor: 'clerk' });
  await city.ledger.append({ caseId: 'C-1', type: 'clue.checked', actor: 'officer' });
  const t = await transferClue(city.ledger, { caseId: 'C-1', to: 'province', actor: 'director', vkey: city.vkey });
  await city.ledger.close();
  const read = t.read;
  const citation = { bundle: read.hash, checkpoint: read.checkpoint, entries: read.entries.map((e) => ({ seq: e.seq, leafHash: e.leafHash, proof: e.proof })), from: { origin: read.origin, vkey: read.vkey, case: read.caseId }, transfer: { seq: read.transfer.seq, leafHash: read.transfer.leafHash, to: 'province' } };
  const check = async (c: typeof citation, key = city.vkey) => (await checkClueReceipt(utf8(encodeClueReceipt(c)), key)).problems.map((p) => p.code);
  const flip = (b: Uint8Array) => b.map((x, i) => (i === 0 ? x ^ 1 : x));

  it('the true citation holds', async () => {
    expect(await check(citation)).toEqual([]);
  });

  it.each([
    ['another sender key', async () => check(citation, other.vkey), ['TRANSFER_WRONG_SENDER']],
    ['a root edited', async () => check({ ...citation, checkpoint: { ...citation.checkpoint, root: flip(citation.checkpoint.root) } }), ['CHECKPOINT_INVALID']],
    ['a size edited', async () => check({ ...citation, checkpoint: { ...citation.checkpoint, size: citation.checkpoint.size + 1 } }), ['CHECKPOINT_INVALID']],
    ['a leaf hash edited', async () => check({ ...citation, entries: citation.entries.map((e, i) => (i === 0 ? { ...e, leafHash: flip(e.leafHash) } : e)) }), ['PROOF_INVALID']],
    ['a proof edited', async () => check({ ...citation, entries: citation.entries.map((e, i) => (i === 1 ? { ...e, proof: [flip(e.proof[0]!), ...e.proof.slice(1)] } : e)) }), ['PROOF_INVALID']],
    ['an entry moved', async () => check({ ...citation, entries: citation.entries.map((e, i) => (i === 0 ? { ...e, seq: 1 } : e)) }), ['PROOF_INVALID']],
    ['the transfer step left out', async () => check({ ...citation, entries: citation.entries.slice(0, -1) }), ['TRANSFER_STEP_MISSING']],
  ] as const)('%s is caught', async (_what, run, codes) => {
    expect(await run()).toEqual(codes);
  });

  it('a payload that is not a citation is reported, not thrown', async () => {
    expect((await checkClueReceipt(utf8('{"note":"hello"}'), city.vkey)).problems.map((p) => p.code)).toEqual(['TRANSFER_INVALID']);
  });
});

describe('any single byte of a transfer bundle changed (property)', async () => {
  const city = await unit('city-d');
  await city.ledger.append({ caseId: 'D-1', type: 'case.opened', actor: 'clerk', data: { source: '12388', subject: '某局' } });
  await city.ledger.append({ caseId: 'D-2', type: 'case.opened', actor: 'clerk' });
  await city.ledger.append({ caseId: 'D-1', type: 'clue.checked', actor: 'officer', data: { finding: '属实' } });
  const t = await transferClue(city.ledger, { caseId: 'D-1', to: 'province', actor: 'director', vkey: city.vkey });
  await city.ledger.close();
  const cited = (r: Awaited<ReturnType<typeof readTransferBundle>>) =>
    JSON.stringify({ cp: r.checkpoint.note, e: r.entries.map((e) => [e.seq, toHex(e.leafHash), e.proof.map(toHex), e.payload === undefined ? null : toHex(e.payload)]), t: [r.transfer.seq, r.transfer.data] });
  const original = cited(t.read);

  it('is refused with a coded error, or changes nothing the receiver would record but the bundle hash (the informational "created")', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: t.bundle.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, x) => {
        const b = t.bundle.slice();
        b[at] = b[at]! ^ x;
        let read;
        try {
          read = await readTransferBundle(b, city.vkey);
        } catch (e) {
          expect(isLedgerError(e), String(e)).toBe(true);
          return;
        }
        expect(cited(read)).toBe(original);
        // Byte positions: the header's value of "created", the one field nothing signs.
        expect(at).toBeGreaterThan(Buffer.from(t.bundle).indexOf('"created":"'));
        expect(at).toBeLessThan(Buffer.from(t.bundle).indexOf(0x0a));
      }),
      { numRuns: 300 },
    );
  });
});
