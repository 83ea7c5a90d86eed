#!/usr/bin/env node
/**
 * What a clue transfer costs (docs/oversight.md §10): a sender's ledger file
 * of --entries entries in which one case has --steps steps, then --rounds
 * times: `transferClue` (trace the case, record clue.transferred, sign,
 * export the case, read it back), `receiveClue` into a receiver's ledger
 * file (verify the bundle strictly, record clue.received inside the guard),
 * and `checkClueReceipt` with the bundle. Medians in ms, sizes in bytes, as
 * one JSON document on stdout. Built packages are used (pnpm run build).
 *
 *   node packages/bench/src/transfer.mjs                       10,000 entries, a case of 200 steps, 5 rounds
 *   node packages/bench/src/transfer.mjs --entries 100000 --steps 500
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger, generateKeyPair } from '@casetrail/core';
import { checkClueReceipt, receiveClue, transferClue } from '../../oversight/dist/index.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '10000' }, steps: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } } });
const entries = Number(values.entries);
const steps = Number(values.steps);
const rounds = Number(values.rounds);
if (![entries, steps, rounds].every((n) => Number.isSafeInteger(n) && n > 0) || steps > entries) throw new Error('--entries, --steps and --rounds are positive integers, steps ≤ entries');

const dir = mkdtempSync(join(tmpdir(), 'casetrail-bench-transfer-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const city = generateKeyPair('city-a.example.gov/cases');
  const province = generateKeyPair('province.example.gov/cases');
  const sender = await Ledger.create(join(dir, 'city-a.ledger'), { origin: 'city-a.example.gov/cases', signer: city.skey });
  const receiver = await Ledger.create(join(dir, 'province.ledger'), { origin: 'province.example.gov/cases', signer: province.skey });
  // The case's steps spread evenly over the history; the other entries in 1,000 other cases.
  const every = Math.floor(entries / steps);
  const batch = [];
  for (let i = 0; i < entries; i++) {
    const inCase = i % every === 0 && i / every < steps;
    batch.push({ caseId: inCase ? 'CITY-A-2026-0007' : `CITY-A-${i % 1000}`, type: inCase ? 'clue.checked' : 'case.step', actor: 'city-a:officer', data: { i, note: '核查情况说明，材料齐全' } });
    if (batch.length === 1000) await sender.appendMany(batch.splice(0));
  }
  if (batch.length > 0) await sender.appendMany(batch.splice(0));
  const t = { export: [], receive: [], check: [] };
  let sizes;
  for (let r = 0; r < rounds; r++) {
    let at = performance.now();
    const sent = await transferClue(sender, { caseId: 'CITY-A-2026-0007', to: 'province', actor: 'city-a:director', vkey: city.vkey });
    t.export.push(performance.now() - at);
    at = performance.now();
    const got = await receiveClue(receiver, sent.bundle, { fromVkey: city.vkey, actor: 'province:clerk', caseId: `PROV-${r}` });
    t.receive.push(performance.now() - at);
    const payload = (await receiver.get(got.receipt.seq)).payload;
    at = performance.now();
    const c = await checkClueReceipt(payload, city.vkey, { bundle: sent.bundle });
    t.check.push(performance.now() - at);
    if (!c.ok) throw new Error('the receipt does not check');
    sizes = { caseEntries: sent.read.entries.length, proofHashes: sent.read.entries.at(-1).proof.length, bundleBytes: sent.bundle.length, receiptBytes: payload.length };
  }
  await sender.close();
  await receiver.close();
  console.log(JSON.stringify({ entries, steps, rounds, node: process.version, ...sizes, receiptBytesPerEntry: Math.round(sizes.receiptBytes / sizes.caseEntries), ms: { export: median(t.export), receive: median(t.receive), check: median(t.check) } }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
