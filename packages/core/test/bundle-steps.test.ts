// The verified step stream of bundle verification (format.md §9.3, issue
// 9.3): one step per entry line, values only from verified bytes, counts
// that never contradict the issues. Bundles are made by the library's own
// exporter (ledger.exportBundle); attacks follow the attacker's order: the
// ledger file or the bundle is prepared first, then the honest export and
// verification run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BundleErasures,
  BundleVerifier,
  Ledger,
  decodeEntry,
  decodePayload,
  encodeEntry,
  fromBase64,
  parseSignerKey,
  signCheckpoint,
  stepVerified,
  toBase64,
  verifyBundle,
  type BundleExportOptions,
  type BundleReport,
  type BundleStep,
} from '../src/index.js';
import { indLeafHash, indPath, indRoot } from './helpers/independent-tlog.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger, rawOpen, tempDir } from './helpers/ledgers.js';

const ACTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
let ledger: Ledger;

beforeAll(async () => {
  let t = Date.UTC(2026, 10, 28, 0, 30);
  ledger = await newLedger({ clock: () => (t += 60_000) });
  await ledger.append({ caseId: 'JJ-1', type: 'case.opened', actor: 'clerk:李', data: { source: '举报电话', note: '第一次' } });
  await ledger.append({ caseId: 'JJ-2', type: 'case.opened', actor: 'clerk:li', data: { source: 'letter' } });
  await ledger.append({ caseId: 'JJ-1', type: 'decision.made', actor: '主任:王', data: { outcome: 'warning' }, signWith: [ACTOR_SEED] });
  await ledger.append({ caseId: 'JJ-1', type: 'case.closed', actor: 'clerk:李', data: null });
  await ledger.redact(0, { reason: 'court order 17/2026', actor: 'dpo:wu' });
});
afterAll(async () => {
  await ledger.close();
  cleanupTempDirs();
});

async function bundleOf(l: Ledger, options: BundleExportOptions = {}): Promise<string> {
  let out = '';
  await l.exportBundle((line) => void (out += line), { created: null, ...options });
  return out;
}

async function stepsOf(bundle: string): Promise<{ steps: BundleStep[]; report: BundleReport }> {
  const steps: BundleStep[] = [];
  const report = await verifyBundle(bundle, KEYS.vkey, { onStep: (s) => void steps.push(s) });
  return { steps, report };
}

const lines = (b: string) => b.split('\n').slice(0, -1);
const editLine = (b: string, i: number, f: (o: Record<string, any>) => void) => {
  const ls = lines(b);
  const o = JSON.parse(ls[i]!);
  f(o);
  ls[i] = JSON.stringify(o);
  return ls.map((l) => `${l}\n`).join('');
};

describe('the verified step stream', () => {
  it('hands out one step per entry line, in order, each decoded from proven bytes', async () => {
    const { steps, report } = await stepsOf(await bundleOf(ledger));
    expect(report.ok).toBe(true);
    expect(steps.map((s) => [s.line, s.seq])).toEqual([0, 1, 2, 3, 4].map((seq) => [seq + 2, seq]));
    for (const s of steps) {
      const stored = await ledger.get(s.seq!);
      expect(s.proven).toBe(true);
      expect(s.issues).toEqual([]);
      expect(s.entry).toEqual(stored.entry);
      expect(s.leafHash).toEqual(stored.leafHash);
      if (stored.payload !== null) expect(s.payload).toEqual({ state: 'verified', bytes: stored.payload });
    }
    expect(decodePayload((steps[2]!.payload as { bytes: Uint8Array }).bytes)).toEqual({ outcome: 'warning' });
    expect(steps[2]!.entry!.actor).toBe('主任:王');
  });

  it('an erased payload is a step with its proven redaction: who, when, why', async () => {
    const { steps } = await stepsOf(await bundleOf(ledger, { caseId: 'JJ-1' }));
    const erased = steps[0]!.payload;
    expect(erased.state).toBe('erased');
    if (erased.state !== 'erased') return;
    expect(erased.redaction).toMatchObject({ seq: 4, reason: 'court order 17/2026', entry: { actor: 'dpo:wu', type: 'casetrail.redaction', caseId: 'JJ-1' } });
  });

  it('a bundle without payloads: every payload withheld, entries still proven', async () => {
    const { steps, report } = await stepsOf(await bundleOf(ledger, { payloads: false }));
    expect(report.ok).toBe(true);
    expect(steps.every((s) => s.proven && s.payload.state === 'withheld')).toBe(true);
  });

  it('onStep is awaited before the next line is read', async () => {
    const log: string[] = [];
    const text = lines(await bundleOf(ledger));
    const source = (async function* () {
      for (let i = 0; i < text.length; i++) {
        log.push(`read ${i + 1}`);
        yield `${text[i]}\n`;
      }
    })();
    await verifyBundle(source, KEYS.vkey, {
      onStep: async (s) => {
        await new Promise((r) => setTimeout(r, 2));
        log.push(`step ${s.line}`);
      },
    });
    expect(log).toEqual(['read 1', ...[2, 3, 4, 5, 6].flatMap((n) => [`read ${n}`, `step ${n}`]), 'read 7']);
  });

  it('what onStep throws ends verification and is thrown as it is', async () => {
    const boom = new Error('disk full');
    await expect(verifyBundle(await bundleOf(ledger), KEYS.vkey, { onStep: () => Promise.reject(boom) })).rejects.toBe(boom);
    await expect(verifyBundle('', KEYS.vkey, { onStep: 'no' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a bundle cut before its end line: the report says so, the steps already handed out keep their own issues', async () => {
    const ls = lines(await bundleOf(ledger));
    const { steps, report } = await stepsOf(ls.slice(0, -1).map((l) => `${l}\n`).join(''));
    expect(report.issues.map((i) => i.code)).toEqual(['TRUNCATED']);
    expect(steps).toHaveLength(5);
    expect(steps.every((s) => s.issues.length === 0)).toBe(true);
  });

  it('an unreadable line where an entry was due is a step with its issue and no values', async () => {
    const ls = lines(await bundleOf(ledger));
    ls[2] = '{"seq":1,"entry":"not base64!"}';
    const { steps, report } = await stepsOf(ls.map((l) => `${l}\n`).join(''));
    expect(steps[1]).toMatchObject({ line: 3, proven: false, payload: { state: 'failed' } });
    expect(steps[1]!.seq).toBeUndefined();
    expect(steps[1]!.issues.map((i) => i.code)).toEqual(['MALFORMED_BUNDLE']);
    expect(report.ok).toBe(false);
  });
});

describe('values come only from verified bytes, and counts only from what verified', () => {
  it('a payload changed in the ledger file before the export: the export refuses it; put into a bundle by hand, shown as failed, never as data; "matched" counts the others', async () => {
    // The attacker edits the stored payload of entry 2 ("warning" → "acquitted").
    const acquitted = Buffer.from(JSON.stringify({ outcome: 'acquitted' }));
    const dir = tempDir();
    copyFileSync(ledger.path, join(dir, 'copy.ledger'));
    if (existsSync(`${ledger.path}-wal`)) copyFileSync(`${ledger.path}-wal`, join(dir, 'copy.ledger-wal'));
    const db = rawOpen(join(dir, 'copy.ledger'));
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'payloads'").get() ? 'payloads' : 'entries';
    db.prepare(`UPDATE ${table} SET data = ? WHERE seq = 2`).run(acquitted);
    db.close();
    // The honest operator exports the case: the library checks every entry first and refuses.
    const copy = await Ledger.open(join(dir, 'copy.ledger'), { readonly: true });
    await expect(bundleOf(copy, { caseId: 'JJ-1' })).rejects.toMatchObject({ code: 'PAYLOAD_COMMITMENT_MISMATCH', details: { seq: 2 } });
    await copy.close();
    // The attacker writes the changed payload into an honest bundle themselves; the auditor checks it.
    const bundle = editLine(await bundleOf(ledger, { caseId: 'JJ-1' }), 2, (o) => {
      expect(o.seq).toBe(2);
      o.payload = toBase64(acquitted);
    });
    const { steps, report } = await stepsOf(bundle);
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => [i.code, i.line])).toEqual([['PAYLOAD_COMMITMENT_MISMATCH', 3]]);
    expect(report.checked.payloads).toBe(2); // entry 3 and the redaction record; never entry 2
    expect(report.checked.redactions).toBe(1);
    const bad = steps.find((s) => s.seq === 2)!;
    expect(bad).toMatchObject({ proven: true, payload: { state: 'failed' } });
    expect(bad.issues.map((i) => i.code)).toEqual(['PAYLOAD_COMMITMENT_MISMATCH']);
    expect(JSON.stringify(steps.map((s) => (s.payload.state === 'verified' ? new TextDecoder().decode(s.payload.bytes) : '')))).not.toContain('acquitted');
  });

  it('an entry line whose bytes were changed is not proven: no entry, no payload, no case summary, not counted', async () => {
    const bundle = await bundleOf(ledger);
    // The attacker moves entry 1 into a case of their own; its payload still matches its commitment.
    const forged = editLine(bundle, 2, (o) => {
      const e = decodeEntry(fromBase64(o.entry));
      o.entry = toBase64(encodeEntry({ ...e, caseId: 'FORGED' }));
    });
    const { steps, report } = await stepsOf(forged);
    const s = steps[1]!;
    expect(s).toMatchObject({ seq: 1, proven: false, payload: { state: 'failed' } });
    expect(s.entry).toBeUndefined();
    expect(s.leafHash).toBeUndefined();
    expect(s.issues.map((i) => i.code)).toContain('PROOF_INVALID');
    expect(report.cases.map((c) => c.caseId)).not.toContain('FORGED');
    expect(report.checked).toMatchObject({ proofs: 4, payloads: 3 });
  });

  it('a key holder who re-signs a history with a broken actor signature: that signature is not counted', async () => {
    // The key holder flips a byte of the actor signature in entry 2, rebuilds the tree and signs it.
    const ls = lines(await bundleOf(ledger));
    const entries = ls.slice(1, -1).map((l) => JSON.parse(l));
    const bytes = entries.map((o) => fromBase64(o.entry));
    const e2 = decodeEntry(bytes[2]!);
    const sig = e2.sigs[0]!.signature;
    const at = bytes[2]!.findIndex((_, i) => bytes[2]!.subarray(i, i + 64).every((b, k) => b === sig[k]));
    bytes[2]![at + 10]! ^= 1;
    const leaves = bytes.map(indLeafHash);
    const note = await signCheckpoint({ origin: ORIGIN, size: leaves.length, root: indRoot(leaves), extensions: [] }, [parseSignerKey(KEYS.skey)]);
    const header = { ...JSON.parse(ls[0]!), checkpoint: note };
    const body = entries.map((o, i) => ({ ...o, entry: toBase64(bytes[i]!), proof: indPath(i, leaves).map(toBase64) }));
    // The redaction record carried for entry 0 is entry 4, re-proven in the new tree.
    body[0].redaction = { ...body[0].redaction, proof: indPath(4, leaves).map(toBase64) };
    const forged = [header, ...body, JSON.parse(ls[ls.length - 1]!)].map((o) => `${JSON.stringify(o)}\n`).join('');
    const { steps, report } = await stepsOf(forged);
    // Entry 3 no longer links to the changed entry 2: its own line says so.
    expect(report.issues.map((i) => [i.code, i.line])).toEqual([
      ['ACTOR_SIGNATURE_INVALID', 4],
      ['PREV_MISMATCH', 5],
      ['CASE_CHAIN_BROKEN', 5],
    ]);
    expect(report.checked).toMatchObject({ proofs: 5, actorSignatures: 0 });
    expect(steps[2]!.issues.map((i) => i.code)).toEqual(['ACTOR_SIGNATURE_INVALID']);
  });
});

describe('no step carries a payload the bundle itself shows erased (format.md §9.3 item 6)', () => {
  /** A ledger whose entry 0 was erased by entry 2, the erased payload kept as its holder would keep it, and an honest bundle of the case. */
  async function erasedCase(): Promise<{ honest: string; hostile: string; secret: Uint8Array }> {
    const l = await newLedger();
    await l.append({ caseId: 'P', type: 'complaint', actor: 'clerk', data: { name: '刘某', phone: '13800000000' } });
    const original = await l.get(0);
    await l.append({ caseId: 'P', type: 'reviewed', actor: 'officer', data: { ok: true } });
    await l.redact(0, { reason: 'erasure request', actor: 'dpo' });
    const honest = await bundleOf(l, { caseId: 'P' });
    await l.close();
    // The exporter (or anyone holding the bundle) puts the erased payload back into its line.
    const hostile = editLine(honest, 1, (o) => {
      delete o.redaction;
      o.payload = toBase64(original.payload!);
      o.salt = toBase64(original.salt!);
    });
    return { honest, hostile, secret: original.payload! };
  }
  const carries = (steps: BundleStep[], secret: Uint8Array) =>
    steps.some((s) => s.payload.state === 'verified' && toBase64(s.payload.bytes) === toBase64(secret));

  it('the erased payload is refused at its own step, before the redaction line that erases it is reached; the report is the same as without steps', async () => {
    const { hostile, secret } = await erasedCase();
    const { steps, report } = await stepsOf(hostile);
    expect(carries(steps, secret)).toBe(false);
    expect(steps[0]).toMatchObject({ seq: 0, proven: true, payload: { state: 'refused' }, issues: [] });
    expect(stepVerified(steps[0]!)).toBe(false);
    // The redaction record itself is the redaction entry's true payload: it is handed out, and its line carries the issue.
    expect(steps[2]).toMatchObject({ seq: 2, payload: { state: 'verified' } });
    expect(steps[2]!.issues.map((i) => i.code)).toEqual(['REDACTION_INVALID']);
    expect(report.issues.map((i) => [i.code, i.line])).toEqual([['REDACTION_INVALID', 4]]);
    expect(await verifyBundle(hostile, KEYS.vkey)).toEqual(report);
  });

  it('an honest bundle: every payload that matched is handed out, the erasure as its redaction', async () => {
    const { honest } = await erasedCase();
    const { steps, report } = await stepsOf(honest);
    expect(report.ok).toBe(true);
    expect(steps.map((s) => s.payload.state)).toEqual(['erased', 'verified', 'verified']);
    expect(steps.every(stepVerified)).toBe(true);
  });

  it('from a one-shot stream, which cannot be read twice, no step carries payload bytes; an opener is read twice', async () => {
    const { hostile, honest, secret } = await erasedCase();
    const once = (text: string) => (async function* () { yield text; })();
    const fromStream: BundleStep[] = [];
    const report = await verifyBundle(once(hostile), KEYS.vkey, { onStep: (s) => void fromStream.push(s) });
    expect(fromStream.map((s) => s.payload.state)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed']);
    expect(report).toEqual(await verifyBundle(hostile, KEYS.vkey));
    let opened = 0;
    const fromOpener: BundleStep[] = [];
    await verifyBundle(() => (opened++, once(honest)), KEYS.vkey, { onStep: (s) => void fromOpener.push(s) });
    expect(opened).toBe(2);
    expect(fromOpener.map((s) => s.payload.state)).toEqual(['erased', 'verified', 'verified']);
    const again: BundleStep[] = [];
    await verifyBundle(() => once(hostile), KEYS.vkey, { onStep: (s) => void again.push(s) });
    expect(carries(again, secret)).toBe(false);
  });

  it('BundleVerifier hands out payloads only with the erasures of a first read', async () => {
    const { hostile, honest, secret } = await erasedCase();
    const run = (text: string, erasures?: BundleErasures) => {
      const v = new BundleVerifier(KEYS.vkey, erasures === undefined ? {} : { erasures });
      return lines(text).map((l) => v.pushLine(l)).filter((s): s is BundleStep => s !== undefined);
    };
    expect(run(honest).map((s) => s.payload.state)).toEqual(['erased', 'unconfirmed', 'unconfirmed']);
    const first = (text: string) => {
      const e = new BundleErasures(KEYS.vkey);
      for (const l of lines(text)) e.pushLine(l);
      return e;
    };
    expect(run(honest, first(honest)).map((s) => s.payload.state)).toEqual(['erased', 'verified', 'verified']);
    expect(carries(run(hostile, first(hostile)), secret)).toBe(false);
    expect(() => new BundleVerifier(KEYS.vkey, { erasures: { has: () => false } as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // A first read that stopped early knows nothing of the rest: every payload is withheld.
    const cut = first(honest);
    cut.fail();
    expect(run(honest, cut).map((s) => s.payload.state)).toEqual(['erased', 'refused', 'refused']);
  });

  it('a last line without its newline was still read by the first read: payloads are handed out, the report says the file was cut', async () => {
    const { honest } = await erasedCase();
    const { steps, report } = await stepsOf(honest.slice(0, -1));
    expect(report.ok).toBe(false);
    expect(steps.map((s) => s.payload.state)).toEqual(['erased', 'verified', 'verified']);
  });

  it('a bundle that changes between its two reads: the step already shown is named, and the report fails', async () => {
    const { hostile, honest } = await erasedCase();
    // Changed the other way (the first read sees the redaction line), the payload is withheld: safe.
    const safe: BundleStep[] = [];
    let k = 0;
    await verifyBundle(() => (k++ === 0 ? honest : hostile), KEYS.vkey, { onStep: (s) => void safe.push(s) });
    expect(safe[0]!.payload.state).toBe('refused');
    // The first read sees a redaction line that names nothing (its payload changed); the second the hostile bundle.
    const blind = editLine(hostile, 3, (o) => {
      o.payload = toBase64(new TextEncoder().encode('{}'));
    });
    let n = 0;
    const shown: BundleStep[] = [];
    const report = await verifyBundle(() => (n++ === 0 ? blind : hostile), KEYS.vkey, { onStep: (s) => void shown.push(s) });
    expect(shown[0]!.payload.state).toBe('verified'); // what a race against the file can do; the report then fails and says so
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => [i.code, i.line])).toEqual([
      ['REDACTION_INVALID', 4],
      ['MALFORMED_BUNDLE', 4],
    ]);
    expect(report.issues[1]!.message).toMatch(/changed between its two reads/);
  });
});
