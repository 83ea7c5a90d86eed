// Bundle verification (format.md §9.3) against bundles a hostile party
// holding the ledger's signing key wrote by hand (helpers/bundles.ts): each
// rule of the verifier met on its own, with the exact issues (code, line,
// seq) it must produce and nothing else, then the report's counts and the
// step stream. In the attacker's order: the bundle is prepared first, then
// the honest verifier reads it. Every bundle is made inside its test
// (docs/mutation.md, "No work while test files load").
import { describe, expect, it } from 'vitest';
import {
  BundleErasures,
  BundleVerifier,
  LedgerError,
  ed25519PublicKey,
  entryStatement,
  formatCosignatureVerifierKey,
  formatVerifierKey,
  fromBase64,
  signCosignature,
  signStatement,
  stepVerified,
  toBase64,
  utf8,
  verifyBundle,
  witnessPolicy,
  type BundleReport,
  type BundleStep,
  type BundleStreamOptions,
} from '../src/index.js';
import { PositionSet } from '../src/bundle/positions.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { T0, bundleText, checkpointOf, endLine, entryLine, forgeHistory, headerLine, wholeBundle, type Planned } from './helpers/bundles.js';

/** Issues reduced to what a test compares exactly. */
const where = (r: BundleReport) => r.issues.map((i) => ({ code: i.code, line: i.line, ...(i.seq === undefined ? {} : { seq: i.seq }) }));

async function run(source: Parameters<typeof verifyBundle>[0], opts: BundleStreamOptions = {}): Promise<{ report: BundleReport; steps: BundleStep[] }> {
  const steps: BundleStep[] = [];
  const report = await verifyBundle(source, KEYS.vkey, { ...opts, onStep: (s) => void steps.push(s) });
  return { report, steps };
}

const four: Planned[] = [{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A' }, { caseId: 'B' }];
const header = (h: ReturnType<typeof forgeHistory>, extra: Partial<Parameters<typeof headerLine>[0]> = {}) => headerLine({ checkpoint: checkpointOf(h.leaves), ...extra });

describe('an honest hand-written bundle verifies (the baseline of every attack below)', () => {
  it('every entry proven, payloads matched, an erasure proven, complete; a key given with white space around it', async () => {
    const h = forgeHistory([...four, { caseId: 'A', redacts: 0 }]);
    const { report, steps } = await run(() => wholeBundle(h, new Map([[0, 4]])), {});
    expect(report).toMatchObject({ ok: true, entries: 5, complete: true, checked: { proofs: 5, payloads: 4, redactions: 1, actorSignatures: 0 }, redacted: 1, withheld: 0 });
    expect(report.cases).toEqual([
      { caseId: 'A', firstStep: 1, lastStep: 3, firstSeq: 0, lastSeq: 4, steps: 3 },
      { caseId: 'B', firstStep: 1, lastStep: 2, firstSeq: 1, lastSeq: 3, steps: 2 },
    ]);
    expect(steps.map((s) => [s.line, s.seq, s.payload.state, stepVerified(s)])).toEqual([
      [2, 0, 'erased', true],
      [3, 1, 'verified', true],
      [4, 2, 'verified', true],
      [5, 3, 'verified', true],
      [6, 4, 'verified', true],
    ]);
    expect(report).toMatchObject({ payloads: true, filter: {}, checkpoint: { size: 5 } });
    expect(report.created).toBeUndefined();
    const created = await run(bundleText(headerLine({ checkpoint: checkpointOf(h.leaves), payloads: false, filter: { case: 'A' }, created: '2026-11-29T05:00:00Z' }), []));
    expect(created.report).toMatchObject({ ok: true, payloads: false, filter: { case: 'A' }, created: '2026-11-29T05:00:00Z', entries: 0 });
    const spaced = await verifyBundle(wholeBundle(h, new Map([[0, 4]])), ` ${KEYS.vkey}\n`);
    expect(spaced).toEqual(report);
    const v = new BundleVerifier(`\n${KEYS.vkey} `);
    for (const l of wholeBundle(h, new Map([[0, 4]])).split('\n').slice(0, -1)) v.pushLine(l);
    expect(v.finish()).toEqual(report);
  });
});

describe('entries a hostile key holder put into the tree: exact code, line and seq', () => {
  it('an entry line whose seq is the checkpoint size is BEYOND_CHECKPOINT, not PROOF_INVALID', async () => {
    const h = forgeHistory(four);
    const cp = checkpointOf(h.leaves, 3);
    const text = bundleText(headerLine({ checkpoint: cp }), [0, 1, 2, 3].map((s) => entryLine(h, s, { size: 3 })));
    const { report, steps } = await run(text);
    expect(where(report)).toEqual([{ code: 'BEYOND_CHECKPOINT', line: 5, seq: 3 }]);
    expect(report).toMatchObject({ complete: false, entries: 4, checked: { proofs: 3, payloads: 3 } });
    expect(steps[3]).toMatchObject({ proven: false, payload: { state: 'failed' } });
    expect(steps[3]!.entry).toBeUndefined();
  });

  it('payloads beyond the checkpoint are not remembered: a redaction beyond it naming one is only BEYOND_CHECKPOINT', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A' }, { caseId: 'A', redacts: 2 }]);
    const cp = checkpointOf(h.leaves, 2);
    const text = bundleText(headerLine({ checkpoint: cp }), [0, 1, 2, 3].map((s) => entryLine(h, s, { size: 2 })));
    const { report } = await run(text);
    expect(where(report)).toEqual([
      { code: 'BEYOND_CHECKPOINT', line: 4, seq: 2 },
      { code: 'BEYOND_CHECKPOINT', line: 5, seq: 3 },
    ]);
  });

  it('entry bytes that do not decode, proven in the tree: ENTRY_DECODE alone, and the next entry links to its leaf', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'A', bytes: () => Uint8Array.of(0xa0) }, { caseId: 'B' }]);
    const { report, steps } = await run(wholeBundle(h));
    expect(where(report)).toEqual([{ code: 'ENTRY_DECODE', line: 3, seq: 1 }]);
    expect(report.complete).toBe(true);
    expect(steps[1]).toMatchObject({ proven: true, payload: { state: 'failed' } });
    expect(stepVerified(steps[1]!)).toBe(false);
  });

  it('an undecodable entry out of order does not move the order back: SEQ_ORDER and ENTRY_DECODE, the bundle still complete', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'A', bytes: () => Uint8Array.of(0xa0) }, { caseId: 'B' }]);
    const text = bundleText(header(h), [0, 2, 1].map((s) => entryLine(h, s)));
    const { report } = await run(text);
    expect(where(report)).toEqual([
      { code: 'SEQ_GAP', line: 3, seq: 2 },
      { code: 'SEQ_ORDER', line: 4, seq: 1 },
      { code: 'ENTRY_DECODE', line: 4, seq: 1 },
    ]);
    expect(report.complete).toBe(true);
  });

  it('an entry out of order does not move the order back either', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'C' }]);
    const text = bundleText(header(h), [0, 2, 1].map((s) => entryLine(h, s)));
    const { report } = await run(text);
    expect(where(report)).toEqual([
      { code: 'SEQ_GAP', line: 3, seq: 2 },
      { code: 'SEQ_ORDER', line: 4, seq: 1 },
    ]);
    expect(report.complete).toBe(true);
  });

  it('a line whose seq is not its entry\'s: SEQ_MISMATCH where the entry is proven at the stated position', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B', change: (e) => void (e.seq = 7) }, { caseId: 'C' }]);
    const { report } = await run(wholeBundle(h));
    expect(where(report)).toEqual([{ code: 'SEQ_MISMATCH', line: 3, seq: 1 }]);
  });

  it('an unfiltered bundle that starts after entry 0: SEQ_GAP at its first line', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'C' }, { caseId: 'D' }]);
    const text = bundleText(header(h), [1, 2, 3].map((s) => entryLine(h, s)));
    const { report } = await run(text);
    expect(where(report)).toEqual([{ code: 'SEQ_GAP', line: 2, seq: 1 }]);
    expect(report.complete).toBe(false);
  });

  it('entry 0 without the genesis link of the origin: PREV_MISMATCH at entry 0', async () => {
    const h = forgeHistory([{ caseId: 'A', change: (e) => void (e.prev = new Uint8Array(32)) }, { caseId: 'B' }]);
    const { report } = await run(wholeBundle(h));
    expect(where(report)).toEqual([{ code: 'PREV_MISMATCH', line: 2, seq: 0 }]);
  });

  it('an entry earlier than the one before it: TIME_ORDER', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'C', change: (e) => void (e.time = T0 + 30_000) }]);
    const { report } = await run(wholeBundle(h));
    expect(where(report)).toEqual([{ code: 'TIME_ORDER', line: 4, seq: 2 }]);
  });

  it('a version 1 entry after a version 2 entry: VERSION_DOWNGRADE', async () => {
    const h = forgeHistory([
      { caseId: 'A' },
      {
        caseId: 'B',
        change: (e) => {
          e.v = 1;
          delete e.nonce;
        },
      },
    ]);
    const { report } = await run(wholeBundle(h));
    expect(where(report)).toEqual([{ code: 'VERSION_DOWNGRADE', line: 3, seq: 1 }]);
  });

  it('a redaction record that says another seq than its position: REDACTION_INVALID for the erasure it claims', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0, change: (e) => void (e.seq = 7) }]);
    const { report, steps } = await run(wholeBundle(h, new Map([[0, 2]])));
    expect(where(report)).toEqual([
      { code: 'REDACTION_INVALID', line: 2, seq: 0 },
      { code: 'SEQ_MISMATCH', line: 4, seq: 2 },
    ]);
    expect(steps[0]!.payload).toEqual({ state: 'failed' });
    expect(report).toMatchObject({ redacted: 0, checked: { redactions: 0 } });
  });

  it('an erasure whose redaction record is not proven in the signed tree: REDACTION_INVALID, no payload, not counted', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0 }]);
    const ls = wholeBundle(h, new Map([[0, 2]])).split('\n');
    const line = JSON.parse(ls[1]!);
    line.redaction.proof = line.redaction.proof.slice(1);
    ls[1] = JSON.stringify(line);
    const { report, steps } = await run(ls.join('\n'));
    expect(where(report)).toEqual([{ code: 'REDACTION_INVALID', line: 2, seq: 0 }]);
    expect(steps[0]).toMatchObject({ proven: true, payload: { state: 'failed' } });
    expect(report).toMatchObject({ redacted: 0, checked: { redactions: 0, proofs: 3 } });
  });

  it('an erasure carried by a line whose own proof was changed is not counted', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'A', redacts: 0 }]);
    const ls = wholeBundle(h, new Map([[0, 1]])).split('\n');
    const line = JSON.parse(ls[1]!);
    const p = fromBase64(line.proof[0]);
    p[0]! ^= 1;
    line.proof[0] = toBase64(p);
    ls[1] = JSON.stringify(line);
    const { report, steps } = await run(ls.join('\n'));
    expect(where(report)).toEqual([{ code: 'PROOF_INVALID', line: 2, seq: 0 }]);
    expect(report).toMatchObject({ redacted: 0, checked: { redactions: 0, proofs: 1, payloads: 1 } });
    expect(steps[0]).toMatchObject({ proven: false, payload: { state: 'failed' } });
  });

  it('a redaction entry whose payload names a later entry: REDACTION_INVALID at its own line', async () => {
    const again = forgeHistory([{ caseId: 'A' }, { caseId: 'A', type: 'casetrail.redaction', data: { redacts: 5, leaf: '00'.repeat(32), reason: 'x' } }]);
    const { report } = await run(wholeBundle(again));
    expect(where(report)).toEqual([{ code: 'REDACTION_INVALID', line: 3, seq: 1 }]);
  });

  it('an actor signature is counted only on a proven entry that it verifies', async () => {
    const seed = new Uint8Array(32).fill(5);
    const sign = (e: Parameters<NonNullable<Planned['change']>>[0]) => void (e.sigs = [signStatement(entryStatement(e, ORIGIN), seed)]);
    const h = forgeHistory([{ caseId: 'A', change: sign }, { caseId: 'B', change: sign }]);
    expect((await run(wholeBundle(h))).report).toMatchObject({ ok: true, checked: { actorSignatures: 2 } });
    const ls = wholeBundle(h).split('\n');
    const line = JSON.parse(ls[2]!);
    line.proof = [];
    ls[2] = JSON.stringify(line);
    const { report } = await run(ls.join('\n'));
    expect(where(report)).toEqual([{ code: 'PROOF_INVALID', line: 3, seq: 1 }]);
    expect(report.checked).toEqual({ proofs: 1, payloads: 1, redactions: 0, actorSignatures: 1 });
  });
});

describe('the header: key, origin, checkpoint, filter, payloads', () => {
  it('a checkpoint signed by the real key for another origin, or a header naming another origin: CHECKPOINT_INVALID on line 1, and nothing more', async () => {
    const h = forgeHistory(four);
    const body = checkpointOf(h.leaves).replace(`${ORIGIN}\n`, 'other.example/log\n');
    // The signature line is the key's, over the changed body: re-sign it.
    const { ed25519Sign, formatSignatureLine, parseSignerKey } = await import('../src/index.js');
    const signer = parseSignerKey(KEYS.skey);
    const text = body.split('\n\n')[0]! + '\n';
    const forged = `${text}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(text)))}`;
    for (const hl of [headerLine({ checkpoint: forged }), headerLine({ checkpoint: checkpointOf(h.leaves), origin: 'other.example/log' })]) {
      const { report, steps } = await run(bundleText(hl, [0, 1, 2, 3].map((s) => entryLine(h, s))));
      expect(where(report)).toEqual([{ code: 'CHECKPOINT_INVALID', line: 1 }]);
      expect(steps).toEqual([]);
      expect(report.checkpoint).toBeUndefined();
    }
  });

  it('a witness policy the checkpoint does not meet: the policy\'s code on line 1, the entries still checked; one it meets: witnessed', async () => {
    const seed = new Uint8Array(32).fill(9);
    const w = { name: 'witness.example/w1', vkey: formatCosignatureVerifierKey('witness.example/w1', ed25519PublicKey(seed)) };
    const h = forgeHistory(four);
    const cp = checkpointOf(h.leaves);
    const policy = witnessPolicy([w.vkey]);
    const bare = await run(bundleText(headerLine({ checkpoint: cp }), [0, 1, 2, 3].map((s) => entryLine(h, s))), { witnessPolicy: policy });
    expect(where(bare.report)).toEqual([{ code: 'WITNESS_QUORUM_NOT_MET', line: 1 }]);
    expect(bare.report).toMatchObject({ ok: false, witnessed: { ok: false, code: 'WITNESS_QUORUM_NOT_MET' }, checked: { proofs: 4 } });
    const cosigned = cp + signCosignature(cp, w.name, seed, 1_795_000_000);
    const met = await run(bundleText(headerLine({ checkpoint: cosigned }), [0, 1, 2, 3].map((s) => entryLine(h, s))), { witnessPolicy: policy });
    expect(met.report).toMatchObject({ ok: true, witnessed: { ok: true, quorum: 1 } });
    expect((await run(wholeBundle(h))).report.witnessed).toBeUndefined();
  });

  it('a case filter: every entry of another case is FILTER_MISMATCH; no completeness for a filtered bundle', async () => {
    const h = forgeHistory(four);
    const { report } = await run(bundleText(header(h, { filter: { case: 'A' } }), [0, 1, 2].map((s) => entryLine(h, s))));
    expect(where(report)).toEqual([{ code: 'FILTER_MISMATCH', line: 3, seq: 1 }]);
    expect(report.complete).toBeUndefined();
  });

  it('a time filter: an entry before since or at until is FILTER_MISMATCH with its time; at since it is in range', async () => {
    const h = forgeHistory(four);
    const since = T0 + 60_000;
    const until = T0 + 3 * 60_000;
    const { report } = await run(bundleText(header(h, { filter: { since, until } }), [0, 1, 2, 3].map((s) => entryLine(h, s))));
    expect(report.issues.map((i) => ({ code: i.code, line: i.line, seq: i.seq, time: i.time }))).toEqual([
      { code: 'FILTER_MISMATCH', line: 2, seq: 0, time: T0 },
      { code: 'FILTER_MISMATCH', line: 5, seq: 3, time: until },
    ]);
    expect(report.complete).toBeUndefined();
    const sinceOnly = await run(bundleText(header(h, { filter: { since } }), [1, 2, 3].map((s) => entryLine(h, s))));
    expect(sinceOnly.report).toMatchObject({ ok: true });
    expect(sinceOnly.report.complete).toBeUndefined();
    const untilOnly = await run(bundleText(header(h, { filter: { until } }), [0, 1, 2].map((s) => entryLine(h, s))));
    expect(untilOnly.report).toMatchObject({ ok: true });
    expect(untilOnly.report.complete).toBeUndefined();
  });

  it('with since, a case may start at any step, but a step missing after its first one in the bundle is CASE_STEP_MISMATCH', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'A' }, { caseId: 'A' }, { caseId: 'A' }, { caseId: 'B' }]);
    const since = T0 + 60_000;
    const ok = await run(bundleText(header(h, { filter: { since } }), [1, 2, 3, 4].map((s) => entryLine(h, s))));
    expect(ok.report.ok).toBe(true);
    expect(ok.report.cases[0]).toEqual({ caseId: 'A', firstStep: 2, lastStep: 4, firstSeq: 1, lastSeq: 3, steps: 3 });
    // With a case filter too, positions may be missing (no SEQ_GAP): the case's own chain is what is left.
    const gap = await run(bundleText(header(h, { filter: { case: 'A', since } }), [1, 3].map((s) => entryLine(h, s))));
    expect(where(gap.report)).toEqual([{ code: 'CASE_STEP_MISMATCH', line: 3, seq: 3 }]);
  });

  it('a bundle without payloads: an entry line that carries one anyway, or an erasure, is MALFORMED_BUNDLE at that line', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0 }]);
    const ls = [entryLine(h, 0, { erasedBy: 2 }), entryLine(h, 1), entryLine(h, 2, { withhold: true })];
    const { report, steps } = await run(bundleText(header(h, { payloads: false }), ls));
    expect(where(report)).toEqual([
      { code: 'MALFORMED_BUNDLE', line: 2, seq: 0 },
      { code: 'MALFORMED_BUNDLE', line: 3, seq: 1 },
    ]);
    expect(steps.map((s) => s.payload.state)).toEqual(['failed', 'failed', 'withheld']);
    expect(report).toMatchObject({ withheld: 3, checked: { payloads: 0 } });
  });
});

describe('the end of the bundle and what completeness says', () => {
  it('the last entries left out of an unfiltered bundle: SEQ_GAP on the line after the end line, not complete', async () => {
    const h = forgeHistory(four);
    const { report } = await run(bundleText(header(h), [0, 1].map((s) => entryLine(h, s))));
    expect(where(report)).toEqual([{ code: 'SEQ_GAP', line: 5 }]);
    expect(report.complete).toBe(false);
  });

  it('a line repeated at the end: every position is there but one line too many — not complete, SEQ_ORDER only', async () => {
    const h = forgeHistory(four);
    const { report } = await run(bundleText(header(h), [0, 1, 2, 3, 3].map((s) => entryLine(h, s))));
    expect(where(report)).toEqual([
      { code: 'SEQ_ORDER', line: 6, seq: 3 },
      { code: 'CASE_STEP_MISMATCH', line: 6, seq: 3 },
    ]);
    expect(report.complete).toBe(false);
  });

  it('a line repeated where the last entry is due: as many lines as the tree has entries, but not complete (SEQ_GAP after the end line)', async () => {
    const h = forgeHistory(four);
    const { report } = await run(bundleText(header(h), [0, 1, 2, 2].map((s) => entryLine(h, s))));
    expect(where(report)).toEqual([
      { code: 'SEQ_ORDER', line: 5, seq: 2 },
      { code: 'CASE_STEP_MISMATCH', line: 5, seq: 2 },
      { code: 'SEQ_GAP', line: 7 },
    ]);
    expect(report).toMatchObject({ entries: 4, complete: false });
  });

  it('an empty bundle: MALFORMED_BUNDLE, before any line', async () => {
    const { report, steps } = await run('');
    expect(where(report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 0 }]);
    expect(steps).toEqual([]);
    expect(report.entries).toBe(0);
    expect(report.checkpoint).toBeUndefined();
  });

  it('a last line without its newline is read, and the cut is an issue on the line after it', async () => {
    const h = forgeHistory(four);
    const text = wholeBundle(h);
    const { report, steps } = await run(text.slice(0, -1));
    expect(where(report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 7 }]);
    expect(report).toMatchObject({ entries: 4, complete: true });
    expect(steps).toHaveLength(4);
    const lastEntry = text.slice(0, text.lastIndexOf('{"end"') - 1);
    const cut = await run(lastEntry);
    expect(where(cut.report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 6 }]);
    expect(cut.steps.map((s) => s.seq)).toEqual([0, 1, 2, 3]);
  });

  it('a line after the end line: MALFORMED_BUNDLE on it, no step, and nothing read after it', async () => {
    const h = forgeHistory(four);
    const v = new BundleVerifier(KEYS.vkey);
    const ls = wholeBundle(h).split('\n').slice(0, -1);
    for (const l of ls) v.pushLine(l);
    expect(v.pushLine(entryLine(h, 0))).toBeUndefined();
    expect(v.pushLine('{')).toBeUndefined();
    const report = v.finish();
    expect(where(report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 7 }]);
    expect(report).toMatchObject({ entries: 4, complete: true });
    expect(v.finish()).toBe(report);
    expect(() => v.pushLine('{}')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('an unreadable header: MALFORMED_BUNDLE on line 1, no step, nothing after it read', async () => {
    const h = forgeHistory(four);
    const v = new BundleVerifier(KEYS.vkey);
    expect(v.pushLine('{')).toBeUndefined();
    expect(v.pushLine(header(h))).toBeUndefined();
    expect(v.pushLine(entryLine(h, 0))).toBeUndefined();
    const report = v.finish();
    expect(where(report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 1 }]);
    expect(report.entries).toBe(0);
  });

  it('a stream that fails after the header: the issue is on the next line, and the verifier stops', async () => {
    const h = forgeHistory(four);
    const v = new BundleVerifier(KEYS.vkey);
    v.pushLine(header(h));
    v.pushLine(entryLine(h, 0));
    v.fail(new LedgerError('INPUT_TOO_LARGE', 'too long', { limit: 1 }));
    expect(v.pushLine(entryLine(h, 1))).toBeUndefined();
    const report = v.finish();
    expect(where(report)).toEqual([
      { code: 'INPUT_TOO_LARGE', line: 3 },
      { code: 'SEQ_GAP', line: 4 },
    ]);
    const other = new BundleVerifier(KEYS.vkey);
    other.fail(null);
    other.fail(new Error('x'));
    expect(where(other.finish())).toEqual([
      { code: 'MALFORMED_BUNDLE', line: 1 },
      { code: 'MALFORMED_BUNDLE', line: 2 },
    ]);
  });

  it('options are checked, naming the field', () => {
    expect(() => new BundleVerifier(KEYS.vkey, { maxIssues: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { field: 'maxIssues' } }));
    expect(() => new BundleVerifier(KEYS.vkey, { erasures: {} as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { field: 'erasures' } }));
  });
});

describe('stepVerified: proven, no issue on its line, and a payload handed out verified, erased or withheld', () => {
  it('each condition on its own makes a step not verified', async () => {
    const h = forgeHistory([{ caseId: 'A' }]);
    const { steps } = await run(wholeBundle(h));
    const good = steps[0]!;
    expect(stepVerified(good)).toBe(true);
    const issue = { code: 'PROOF_INVALID' as const, severity: 'error' as const, message: 'x', line: 2 };
    const variants: Array<[string, BundleStep, boolean]> = [
      ['not proven', { ...good, proven: false }, false],
      ['no entry', { ...good, entry: undefined } as never, false],
      ['an issue on its line', { ...good, issues: [issue] }, false],
      ['a payload refused', { ...good, payload: { state: 'refused' } }, false],
      ['a payload unconfirmed', { ...good, payload: { state: 'unconfirmed' } }, false],
      ['a payload failed', { ...good, payload: { state: 'failed' } }, false],
      ['a payload withheld', { ...good, payload: { state: 'withheld' } }, true],
      ['a payload erased', { ...good, payload: { state: 'erased', redaction: { seq: 1, entry: good.entry!, reason: 'r' } } }, true],
    ];
    expect(variants.map(([n, s]) => [n, stepVerified(s)])).toEqual(variants.map(([n, , v]) => [n, v]));
  });

  it('from the verifier: a proven step with an issue (PREV_MISMATCH) and an unconfirmed payload are not verified', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B', change: (e) => void (e.prev = new Uint8Array(32)) }]);
    const { steps } = await run(wholeBundle(h));
    expect(steps[1]).toMatchObject({ proven: true, payload: { state: 'verified' } });
    expect(steps[1]!.issues.map((i) => i.code)).toEqual(['PREV_MISMATCH']);
    expect(stepVerified(steps[1]!)).toBe(false);
    const v = new BundleVerifier(KEYS.vkey);
    const ls = wholeBundle(forgeHistory([{ caseId: 'A' }])).split('\n');
    v.pushLine(ls[0]!);
    const step = v.pushLine(ls[1]!)!;
    expect(step).toMatchObject({ proven: true, payload: { state: 'unconfirmed' }, issues: [] });
    expect(stepVerified(step)).toBe(false);
  });
});

describe('the first read (BundleErasures): what a later line erases is never handed out', () => {
  const erasedAgain = (h: ReturnType<typeof forgeHistory>, middle: string[] = []) =>
    // A hostile exporter shows entry 0's payload and, later, the redaction that erased it.
    bundleText(header(h), [entryLine(h, 0), ...middle, entryLine(h, 1), entryLine(h, 2)], 3 + middle.length);

  it('an unreadable line between them does not stop the first read: the payload is refused at its own step', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0 }]);
    const { report, steps } = await run(erasedAgain(h, ['{']));
    expect(steps[0]!.payload).toEqual({ state: 'refused' });
    expect(steps[2]!.payload).toEqual({ state: 'verified', bytes: h.payloads[1] });
    expect(where(report)).toEqual([
      { code: 'MALFORMED_BUNDLE', line: 3 },
      { code: 'REDACTION_INVALID', line: 5, seq: 2 },
    ]);
  });

  it('a first read that stops early (invalid UTF-8 in a line, or at the cut end) refuses every payload', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'C' }]);
    const text = utf8(wholeBundle(h));
    const ends = text.lastIndexOf(0x0a, text.length - 2) + 1;
    // Two chunks: the lines before the bad one are read from the first.
    const badMiddle = [text.subarray(0, ends), Uint8Array.of(0xff, 0x0a, ...text.subarray(ends))];
    const { report, steps } = await run(() => badMiddle);
    expect(steps.map((s) => s.payload.state)).toEqual(['refused', 'refused', 'refused']);
    expect(where(report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 5 }]);
    const cutEnd = Uint8Array.of(...text, 0xe4, 0xb8);
    const cut = await run(() => cutEnd);
    expect(cut.steps.map((s) => s.payload.state)).toEqual(['refused', 'refused', 'refused']);
    expect(where(cut.report)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 6 }]);
  });

  it('a redaction line beyond the checkpoint naming a payload shown before it: that payload is refused too, and the report does not say the bundle changed between its reads', async () => {
    // A hostile exporter shows entry 0's payload, then appends the redaction that erased it past the
    // signed tree (its proof cannot verify): the first read must count it as the verifier does.
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0 }]);
    const text = bundleText(headerLine({ checkpoint: checkpointOf(h.leaves, 2) }), [0, 1, 2].map((s) => entryLine(h, s, { size: 2 })));
    const { report, steps } = await run(() => text);
    expect(steps[0]!.payload).toEqual({ state: 'refused' });
    expect(steps[1]!.payload).toEqual({ state: 'verified', bytes: h.payloads[1] });
    expect(where(report)).toEqual([
      { code: 'BEYOND_CHECKPOINT', line: 4, seq: 2 },
      { code: 'REDACTION_INVALID', line: 4, seq: 2 },
    ]);
    expect(report).toEqual(await verifyBundle(text, KEYS.vkey));
  });

  it('a first read whose header is unreadable, or whose checkpoint the key does not open, erases nothing; the verifier then proves nothing either', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'A', redacts: 0 }]);
    const lines = wholeBundle(h).split('\n').slice(0, -1);
    const unreadable = new BundleErasures(KEYS.vkey);
    for (const l of ['{', ...lines]) unreadable.pushLine(l);
    expect([0, 1].map((s) => unreadable.has(s))).toEqual([false, false]);
    const otherKey = new BundleErasures(KEYS.vkey);
    const { formatSignerKey } = await import('../src/index.js');
    const foreign = checkpointOf(h.leaves, 2, formatSignerKey(ORIGIN, new Uint8Array(32).fill(3)));
    for (const l of [headerLine({ checkpoint: foreign }), ...lines.slice(1)]) otherKey.pushLine(l);
    expect([0, 1].map((s) => otherKey.has(s))).toEqual([false, false]);
    const { report, steps } = await run(bundleText(headerLine({ checkpoint: foreign }), lines.slice(1, -1)));
    expect(where(report)).toEqual([{ code: 'CHECKPOINT_INVALID', line: 1 }]);
    expect(steps).toEqual([]);
  });

  it('BundleErasures on its own: a key with white space, a redaction line beyond the checkpoint counted, a position beyond it not kept, everything after a failed read', () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A', redacts: 0 }, { caseId: 'B', redacts: 1 }]);
    const e = new BundleErasures(` ${KEYS.vkey}\n`);
    e.pushLine(headerLine({ checkpoint: checkpointOf(h.leaves, 3) }));
    for (const s of [0, 1, 2, 3]) e.pushLine(entryLine(h, s, { size: 3 }));
    expect([0, 1, 2, 3].map((s) => e.has(s))).toEqual([true, true, false, false]);
    const small = new BundleErasures(KEYS.vkey);
    small.pushLine(headerLine({ checkpoint: checkpointOf(h.leaves, 1) }));
    for (const s of [0, 1, 2, 3]) small.pushLine(entryLine(h, s, { size: 1 }));
    expect([0, 1, 2, 3].map((s) => small.has(s))).toEqual([true, false, false, false]);
    e.fail();
    expect([1, 2, 1e9].map((s) => e.has(s))).toEqual([true, true, true]);
    const sized = new BundleErasures(KEYS.vkey);
    sized.pushLine(headerLine({ checkpoint: checkpointOf(h.leaves, 4) }));
    for (const s of [0, 1, 2, 3]) sized.pushLine(entryLine(h, s));
    expect([0, 1, 2, 3].map((s) => sized.has(s))).toEqual([true, true, false, false]);
  });
});

describe('PositionSet: one bit per position, in chunks of 32,768', () => {
  it('remembers exactly the positions added, across chunks', () => {
    const set = new PositionSet();
    const added = [0, 1, 31, 32, 32_767, 32_768, 32_769, 65_536 + 5, 1_000_000, 2 ** 40 + 3];
    for (const s of added) set.add(s);
    expect(added.filter((s) => !set.has(s))).toEqual([]);
    const absent = [2, 30, 33, 32_766, 32_770, 5, 65_536, 65_536 + 4, 999_999, 2 ** 40 + 2, 3 + 32_768 * 3];
    expect(absent.filter((s) => set.has(s))).toEqual([]);
  });
});

describe('verifyBundle: sources, reads and arguments', () => {
  it('reads a string, bytes, an iterable and an async iterable of chunks alike; an opener is opened twice only with onStep', async () => {
    const h = forgeHistory(four);
    const text = wholeBundle(h);
    const expected = await verifyBundle(text, KEYS.vkey);
    expect(expected.ok).toBe(true);
    const pieces = [text.slice(0, 50), utf8(text.slice(50, 400)), text.slice(400)];
    expect(await verifyBundle(utf8(text), KEYS.vkey)).toEqual(expected);
    expect(await verifyBundle(pieces, KEYS.vkey)).toEqual(expected);
    expect(
      await verifyBundle(
        (async function* () {
          yield* pieces;
        })(),
        KEYS.vkey,
      ),
    ).toEqual(expected);
    let opened = 0;
    expect(await verifyBundle(() => (opened++, text), KEYS.vkey)).toEqual(expected);
    expect(opened).toBe(1);
    const { report } = await run(() => (opened++, text));
    expect(report).toEqual(expected);
    expect(opened).toBe(3);
  });

  it('stops reading a source at the first chunk it cannot read', async () => {
    const text = wholeBundle(forgeHistory(four));
    let pulled = 0;
    const bad = [utf8(text.slice(0, 10)), Uint8Array.of(0xff, 0x0a), utf8('x\n'), utf8('y\n')];
    function* source() {
      for (const c of bad) {
        pulled++;
        yield c;
      }
    }
    const r = await verifyBundle(source(), KEYS.vkey);
    expect(pulled).toBe(2);
    expect(where(r)).toEqual([{ code: 'MALFORMED_BUNDLE', line: 1 }]);
    let asyncPulled = 0;
    async function* asyncSource() {
      for (const c of bad) {
        asyncPulled++;
        yield c;
      }
    }
    await verifyBundle(asyncSource(), KEYS.vkey);
    expect(asyncPulled).toBe(2);
  });

  it('refuses a source that is none of these, and bad options, naming the field', async () => {
    for (const bad of [null, 5, {}, true, () => 5, () => null]) {
      await expect(verifyBundle(bad as never, KEYS.vkey)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(verifyBundle('', KEYS.vkey, { onStep: 5 as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'onStep' } });
    await expect(verifyBundle('', KEYS.vkey, { erasures: new BundleErasures(KEYS.vkey) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'erasures' } });
    await expect(verifyBundle('', formatVerifierKey('x.example/y', new Uint8Array(32).fill(1)).replace('+', '-'))).rejects.toMatchObject({ code: 'MALFORMED_KEY' });
  });

  it('a key given with white space around it reads the same', async () => {
    const text = wholeBundle(forgeHistory(four));
    expect(await verifyBundle(text, ` ${KEYS.vkey}\n`)).toEqual(await verifyBundle(text, KEYS.vkey));
    expect((await verifyBundle(text, `${KEYS.vkey}\n`, { onStep: () => undefined })).ok).toBe(true);
  });
});

describe('an end line that miscounts', () => {
  it('TRUNCATED on the end line', async () => {
    const h = forgeHistory(four);
    const text = [header(h), ...[0, 1, 2, 3].map((s) => entryLine(h, s)), endLine(3)].map((l) => `${l}\n`).join('');
    expect(where((await run(text)).report)).toEqual([{ code: 'TRUNCATED', line: 6 }]);
  });
});
