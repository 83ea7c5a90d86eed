/**
 * The progress calls of ledger verification (docs/api.md `ledger.verify`,
 * `onProgress`; src/verify/scan.ts): one call with phase 'entries' each
 * time another 65,536 entries have been checked, and one when the entry
 * scan ends, each with the entries checked so far and the entries the scan
 * was to check. The rhythm is only seen past 65,536 entries, so this file
 * builds one ledger of 65,539 entries (3, then 65,536 in batches of 8,192
 * through the public API: about 2 s here, and each verification about 2 s
 * more) and asks for the exact list of calls, in full mode with the
 * default workers and in incremental mode in this thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger, type VerifyProgress } from '../src/index.js';
import { KEYS, cleanupTempDirs, newLedger } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const EVERY = 65_536;
const BATCH = 8_192;

let path: string;
/** The checkpoint of size 3 the ledger signed before the 65,536 other entries were appended. */
let trusted: string;

beforeAll(async () => {
  const l = await newLedger();
  const first = await l.appendMany(Array.from({ length: 3 }, (_, i) => ({ caseId: `C-${i}`, type: 'opened', actor: 'clerk' })));
  trusted = first.at(-1)!.checkpoint!;
  for (let at = 0; at < EVERY; at += BATCH) {
    await l.appendMany(Array.from({ length: BATCH }, (_, i) => ({ caseId: `C-${(at + i) % 61}`, type: 'note', actor: 'clerk', data: { i: at + i } })));
  }
  path = l.path;
  await l.close();
}, 120_000);

describe('progress every 65,536 entries checked, and at the end of the scan', () => {
  it('full, with the default workers: 65,536 of 65,539, then 65,539 of 65,539, and nothing else', async () => {
    const calls: VerifyProgress[] = [];
    const r = await verifyLedger(path, { vkey: KEYS.vkey, onProgress: (p) => calls.push({ ...p }) });
    expect(calls).toEqual([
      { phase: 'entries', done: 65_536, total: 65_539 },
      { phase: 'entries', done: 65_539, total: 65_539 },
    ]);
    expect([r.ok, r.issueCount, r.size, r.checked.entries, r.checked.payloads]).toEqual([true, 0, 65_539, 65_539, 65_539]);
  });

  it('incremental from the checkpoint of size 3, in this thread: 65,536 of 65,536 during the scan, then again at its end', async () => {
    const calls: VerifyProgress[] = [];
    const r = await verifyLedger(path, { vkey: KEYS.vkey, trusted, mode: 'incremental', workers: 0, onProgress: (p) => calls.push({ ...p }) });
    expect(calls).toEqual([
      { phase: 'entries', done: 65_536, total: 65_536 },
      { phase: 'entries', done: 65_536, total: 65_536 },
    ]);
    expect([r.ok, r.issueCount, r.mode, r.checked.entries, r.trusted?.size, r.trusted?.extended]).toEqual([true, 0, 'incremental', 65_536, 3, true]);
  });
});
