import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64, toBase64, utf8 } from '../src/index.js';
import {
  BUNDLE_FORMAT,
  BundleLineReader,
  BundleVerifier,
  formatBundleEntry,
  formatBundleHeader,
  formatBundleTrailer,
  parseBundleLine,
  verifyBundle,
  type BundleFilter,
  type BundleIssueCode,
  type BundleReport,
} from '../src/index.js';
import { LedgerError, type ErrorCode } from '../src/index.js';
import { Ledger } from '../src/index.js';
import { generateKeyPair } from '../src/index.js';
import { indCheckTlogProof } from './helpers/independent-tlog.js';
import { KEYS, ORIGIN, cleanupTempDirs, newLedger } from './helpers/ledgers.js';

const T0 = Date.UTC(2024, 4, 1);
let ledger: Ledger;
const ACTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

beforeAll(async () => {
  let t = T0;
  const clock = () => (t += 60_000);
  ledger = await newLedger({ clock });
  // Three interleaved cases; A has an actor signature and a redacted step.
  const plan: Array<[string, string, unknown]> = [
    ['A', 'opened', { subject: 'permit' }],
    ['B', 'opened', { subject: 'grant' }],
    ['A', 'evidence', { doc: 'scan-1' }],
    ['C', 'opened', null],
    ['A', 'interview', { with: 'Ms. Example', notes: '第一次面谈' }],
    ['B', 'decision', { result: 'denied' }],
    ['A', 'decision', { result: 'approved' }],
    ['C', 'closed', null],
    ['A', 'closed', {}],
  ];
  for (const [caseId, type, data] of plan) {
    await ledger.append({ caseId, type, actor: `officer-${caseId}`, data, ...(type === 'decision' ? { signWith: [ACTOR_SEED] } : {}) });
  }
  await ledger.redact(4, { reason: 'data minimisation', actor: 'dpo' });
});
afterAll(async () => {
  await ledger.close();
  cleanupTempDirs();
});

/** A bundle as the library writes it (ledger.exportBundle, format.md §9.3), without its informational `created` time. */
async function exportBundle(l: Ledger, filter: BundleFilter = {}, payloads = true): Promise<string> {
  let out = '';
  await l.exportBundle((line) => void (out += line), {
    ...(filter.case === undefined ? {} : { caseId: filter.case }),
    ...(filter.since === undefined ? {} : { since: filter.since }),
    ...(filter.until === undefined ? {} : { until: filter.until }),
    payloads,
    created: null,
  });
  return out;
}

const codes = (r: BundleReport) => [...new Set(r.issues.map((i) => i.code))].sort();
const lines = (b: string) => b.split('\n').slice(0, -1);
const join = (ls: string[]) => ls.map((l) => `${l}\n`).join('');
const edit = (b: string, i: number, f: (o: Record<string, any>) => void) => {
  const ls = lines(b);
  const o = JSON.parse(ls[i]!);
  f(o);
  ls[i] = JSON.stringify(o);
  return join(ls);
};

describe('bundle round trip on a real ledger', () => {
  it('a whole-ledger bundle verifies and is complete; every proof also passes the independent verifier', async () => {
    const b = await exportBundle(ledger);
    const r = await verifyBundle(b, KEYS.vkey);
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ ok: true, entries: 10, complete: true, redacted: 1, withheld: 0, checkpoint: { size: 10 } });
    expect(r.checked).toEqual({ proofs: 10, payloads: 9, redactions: 1, actorSignatures: 2 });
    expect(r.cases.map((c) => [c.caseId, c.firstStep, c.lastStep])).toEqual([
      ['A', 1, 6],
      ['B', 1, 2],
      ['C', 1, 2],
    ]);
    const header = parseBundleLine(lines(b)[0]!, true);
    if (header.kind !== 'header') throw new Error('no header');
    for (const line of lines(b).slice(1, -1)) {
      const p = parseBundleLine(line, false);
      if (p.kind !== 'entry') throw new Error('not an entry');
      const file = `c2sp.org/tlog-proof@v1\nextra ${toBase64(p.entry.entry)}\nindex ${p.entry.seq}\n${p.entry.proof.map((x) => `${toBase64(x)}\n`).join('')}\n${header.header.checkpoint}`;
      expect(indCheckTlogProof(file, KEYS.vkey).index).toBe(BigInt(p.entry.seq));
    }
  });

  it('a case bundle: the case from step 1, unbroken, with its redaction proven', async () => {
    const r = await verifyBundle(await exportBundle(ledger, { case: 'A' }), KEYS.vkey);
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ ok: true, entries: 6, redacted: 1, filter: { case: 'A' } });
    expect(r.complete).toBeUndefined();
    expect(r.cases).toEqual([{ caseId: 'A', firstStep: 1, lastStep: 6, firstSeq: 0, lastSeq: 9, steps: 6 }]);
  });

  it('a time-range bundle: contiguous entries, cases may start after step 1', async () => {
    const r = await verifyBundle(await exportBundle(ledger, { since: T0 + 3 * 60_000, until: T0 + 7 * 60_000 }), KEYS.vkey);
    expect(r.issues).toEqual([]);
    expect(r.entries).toBe(4);
    expect(r.cases.find((c) => c.caseId === 'A')).toMatchObject({ firstStep: 2, lastStep: 3 });
  });

  it('a bundle without payloads', async () => {
    const b = await exportBundle(ledger, { case: 'B' }, false);
    expect(b).not.toContain('"payload"');
    const r = await verifyBundle(b, KEYS.vkey);
    expect(r).toMatchObject({ ok: true, entries: 2, withheld: 2, payloads: false });
  });

  it('reads the same from a stream cut at every byte, and from async chunks', async () => {
    const b = utf8(await exportBundle(ledger, { case: 'A' }));
    const bytes = Array.from(b, (x) => Uint8Array.of(x));
    const one = await verifyBundle(bytes, KEYS.vkey);
    const whole = await verifyBundle(b, KEYS.vkey);
    expect(one).toEqual(whole);
    async function* chunks() {
      for (let i = 0; i < b.length; i += 97) yield b.subarray(i, i + 97);
    }
    expect(await verifyBundle(chunks(), KEYS.vkey)).toEqual(whole);
  });
});

describe('what verifyBundle finds', () => {
  let full: string;
  let caseA: string;
  beforeAll(async () => {
    full = await exportBundle(ledger);
    caseA = await exportBundle(ledger, { case: 'A' });
  });

  const flipPayload = (o: Record<string, any>) => {
    const p = fromBase64(o['payload']);
    p[p.length - 2]! ^= 1;
    o['payload'] = toBase64(p);
  };
  const cases: Array<[string, () => string, BundleIssueCode[], string?]> = [
    ['one payload byte changed', () => edit(caseA, 1, flipPayload), ['PAYLOAD_COMMITMENT_MISMATCH']],
    // The changed bytes also carry another commitment, and the next step links to the true leaf.
    ['one entry byte changed', () => edit(caseA, 2, (o) => {
      const e = fromBase64(o['entry']);
      // The last byte of `commit`: a version 2 entry ends with key 11 and its 16-byte nonce.
      e[e.length - 19]! ^= 1;
      o['entry'] = toBase64(e);
    }), ['CASE_CHAIN_BROKEN', 'PAYLOAD_COMMITMENT_MISMATCH', 'PROOF_INVALID']],
    ['a step left out of a case', () => { const ls = lines(caseA); ls.splice(3, 1); return join(ls); }, ['CASE_STEP_MISMATCH', 'TRUNCATED']],
    ['a step left out and the count fixed', () => { const ls = lines(caseA); ls.splice(3, 1); ls[ls.length - 1] = JSON.stringify({ end: BUNDLE_FORMAT, entries: 5 }); return join(ls); }, ['CASE_STEP_MISMATCH']],
    ['the first step left out', () => { const ls = lines(caseA); ls.splice(1, 1); ls[ls.length - 1] = JSON.stringify({ end: BUNDLE_FORMAT, entries: 5 }); return join(ls); }, ['CASE_STEP_MISMATCH']],
    ['an entry left out of a whole-ledger bundle', () => { const ls = lines(full); ls.splice(4, 1); ls[ls.length - 1] = JSON.stringify({ end: BUNDLE_FORMAT, entries: 9 }); return join(ls); }, ['CASE_STEP_MISMATCH', 'SEQ_GAP']],
    ['the last entries of a whole-ledger bundle left out', () => { const ls = lines(full); ls.splice(9, 3); ls.push(JSON.stringify({ end: BUNDLE_FORMAT, entries: 8 })); return join(ls); }, ['SEQ_GAP']],
    ['no end line', () => join(lines(caseA).slice(0, -1)), ['TRUNCATED']],
    ['cut in the middle of a line', () => caseA.slice(0, caseA.length - 40), ['MALFORMED_BUNDLE']],
    ['two lines swapped', () => { const ls = lines(caseA); [ls[2], ls[3]] = [ls[3]!, ls[2]!]; return join(ls); }, ['CASE_STEP_MISMATCH', 'SEQ_ORDER']],
    ['a line repeated', () => { const ls = lines(caseA); ls.splice(2, 0, ls[2]!); ls[ls.length - 1] = JSON.stringify({ end: BUNDLE_FORMAT, entries: 7 }); return join(ls); }, ['CASE_STEP_MISMATCH', 'SEQ_ORDER']],
    ['the redaction left out', () => edit(caseA, 3, (o) => delete o['redaction']), ['PAYLOAD_MISSING']],
    ['the redaction record moved to another position', () => edit(caseA, 3, (o) => (o['redaction'].seq = 8)), ['REDACTION_INVALID']],
    ['a redaction record that is another entry', () => edit(caseA, 3, (o) => {
      const other = JSON.parse(lines(caseA)[2]!);
      o['redaction'] = { seq: other.seq, entry: other.entry, proof: other.proof, payload: other.payload, salt: other.salt };
    }), ['REDACTION_INVALID']],
    ['the header names another case', () => edit(caseA, 0, (o) => (o['filter'] = { case: 'B' })), ['FILTER_MISMATCH']],
    ['the header says no payloads', () => edit(caseA, 0, (o) => (o['payloads'] = false)), ['MALFORMED_BUNDLE']],
    ['the checkpoint edited', () => edit(caseA, 0, (o) => (o['checkpoint'] = o['checkpoint'].replace('\n10\n', '\n11\n'))), ['CHECKPOINT_INVALID']],
    // An unreadable line is a missing step: the case then starts at step 2.
    ['an unknown key', () => edit(caseA, 1, (o) => (o['note'] = 'x')), ['CASE_STEP_MISMATCH', 'MALFORMED_BUNDLE']],
    // Entry 4 then follows the line that claims to be entry 3, and does not link to it.
    ['a seq that is not the entry', () => edit(caseA, 2, (o) => (o['seq'] = 3)), ['PREV_MISMATCH', 'PROOF_INVALID', 'SEQ_MISMATCH']],
    ['a line that is not JSON added', () => join([...lines(caseA).slice(0, 2), '{', ...lines(caseA).slice(2)]), ['MALFORMED_BUNDLE', 'TRUNCATED']],
    ['an empty line added', () => join([...lines(caseA).slice(0, 2), '', ...lines(caseA).slice(2)]), ['MALFORMED_BUNDLE', 'TRUNCATED']],
    ['a line after the end', () => caseA + '{}\n', ['MALFORMED_BUNDLE']],
    ['no header', () => join(lines(caseA).slice(1)), ['MALFORMED_BUNDLE']],
    ['empty input', () => '', ['MALFORMED_BUNDLE']],
    ['another format', () => edit(caseA, 0, (o) => (o['bundle'] = 'casetrail-bundle/v2')), ['MALFORMED_BUNDLE']],
  ];
  it.each(cases)('%s', async (_name, make, expected) => {
    const r = await verifyBundle(make(), KEYS.vkey);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual([...expected].sort());
    expect(r.issueCount).toBeGreaterThanOrEqual(r.issues.length);
  });

  it('a bundle checked with another key fails on its checkpoint', async () => {
    const r = await verifyBundle(caseA, generateKeyPair(ORIGIN).vkey);
    expect(codes(r)).toEqual(['CHECKPOINT_INVALID']);
    const other = generateKeyPair('other.example/log').vkey;
    expect(codes(await verifyBundle(caseA, other))).toEqual(['CHECKPOINT_INVALID']);
  });

  it('invalid UTF-8 and over-long lines are issues, not exceptions', async () => {
    const bad = Uint8Array.of(...utf8(lines(caseA)[0]! + '\n'), 0xff, 0x0a);
    expect(codes(await verifyBundle(bad, KEYS.vkey))).toEqual(['MALFORMED_BUNDLE']);
    const reader = new BundleLineReader(16);
    expect(reader.push(utf8('short\nline'))).toEqual(['short']);
    expect(() => reader.push(utf8('0123456789abcdef'))).toThrow(LedgerError);
    const v = new BundleVerifier(KEYS.vkey);
    v.fail(new LedgerError('INPUT_TOO_LARGE', 'a bundle line is longer than 16 bytes'));
    expect(codes(v.finish())).toEqual(['INPUT_TOO_LARGE']);
  });

  it('maxIssues caps the list, not the count', async () => {
    const ls = lines(full);
    const bad = join(ls.map((l, i) => (i > 0 && i < ls.length - 1 ? JSON.stringify({ ...JSON.parse(l), seq: 99 }) : l)));
    const r = await verifyBundle(bad, KEYS.vkey, { maxIssues: 3 });
    expect(r.issues).toHaveLength(3);
    expect(r.issueCount).toBeGreaterThan(10);
  });

  it('a single-byte change at 300 random positions (random xor) of a case bundle is found', async () => {
    const bytes = utf8(caseA);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (pos, x) => {
        const m = bytes.slice();
        m[pos]! ^= x;
        expect((await verifyBundle(m, KEYS.vkey)).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('bundle line format', () => {
  const errs = (fn: () => unknown): ErrorCode | 'none' => {
    try {
      fn();
      return 'none';
    } catch (e) {
      return (e as LedgerError).code;
    }
  };

  it('writes the documented lines, keys in order', () => {
    const hdr = formatBundleHeader({ origin: 'o', checkpoint: 'c\n', payloads: true, filter: { case: 'A', since: 1 }, created: '2024-05-01T00:00:00.000Z' });
    expect(hdr).toBe('{"bundle":"casetrail-bundle/v1","origin":"o","checkpoint":"c\\n","payloads":true,"filter":{"case":"A","since":1},"created":"2024-05-01T00:00:00.000Z"}\n');
    const e = formatBundleEntry({ seq: 2, entry: Uint8Array.of(1, 2), proof: [new Uint8Array(32)], payload: utf8('{}'), salt: new Uint8Array(32) });
    expect(e).toBe(`{"seq":2,"entry":"AQI=","proof":["${toBase64(new Uint8Array(32))}"],"payload":"e30=","salt":"${toBase64(new Uint8Array(32))}"}\n`);
    expect(formatBundleTrailer(4)).toBe('{"end":"casetrail-bundle/v1","entries":4}\n');
    expect(parseBundleLine(e.trimEnd(), false)).toMatchObject({ kind: 'entry', entry: { seq: 2, entry: Uint8Array.of(1, 2) } });
    expect(parseBundleLine(hdr.trimEnd(), true)).toMatchObject({ kind: 'header', header: { origin: 'o', filter: { case: 'A', since: 1 } } });
  });

  it('refuses to write what it would not read', () => {
    const base = { seq: 0, entry: Uint8Array.of(1), proof: [] as Uint8Array[] };
    expect(errs(() => formatBundleEntry({ ...base, payload: utf8('1') }))).toBe('INVALID_ARGUMENT');
    expect(errs(() => formatBundleEntry({ ...base, salt: new Uint8Array(31), payload: utf8('1') }))).toBe('INVALID_ARGUMENT');
    expect(errs(() => formatBundleEntry({ ...base, seq: -1 }))).toBe('INVALID_ARGUMENT');
    expect(errs(() => formatBundleEntry({ ...base, proof: [new Uint8Array(31)] }))).toBe('INVALID_ARGUMENT');
    expect(errs(() => formatBundleHeader({ origin: '', checkpoint: 'c\n', payloads: true, filter: {} }))).toBe('INVALID_ARGUMENT');
  });

  const entryCases: Array<[string, string]> = [
    ['seq not a number', '{"seq":"1","entry":"AQ==","proof":[]}'],
    ['seq negative', '{"seq":-1,"entry":"AQ==","proof":[]}'],
    ['seq fractional', '{"seq":1.5,"entry":"AQ==","proof":[]}'],
    ['entry not base64', '{"seq":1,"entry":"AQ=","proof":[]}'],
    ['proof not an array', '{"seq":1,"entry":"AQ==","proof":"x"}'],
    ['proof hash short', `{"seq":1,"entry":"AQ==","proof":["${toBase64(new Uint8Array(31))}"]}`],
    ['payload without salt', '{"seq":1,"entry":"AQ==","proof":[],"payload":"e30="}'],
    ['salt of 31 bytes', `{"seq":1,"entry":"AQ==","proof":[],"payload":"e30=","salt":"${toBase64(new Uint8Array(31))}"}`],
    ['entry longer than 8192 bytes', `{"seq":1,"entry":"${toBase64(new Uint8Array(8193))}","proof":[]}`],
    ['an array', '[1]'],
    ['end with a wrong format', '{"end":"x","entries":1}'],
  ];
  it.each(entryCases)('refuses an entry line with %s', (_n, line) => {
    expect(errs(() => parseBundleLine(line, false))).toBe('MALFORMED_BUNDLE');
  });
});

describe('bundle lines have one form (format.md §9.3)', () => {
  let caseA: string;
  beforeAll(async () => {
    caseA = await exportBundle(ledger, { case: 'A' });
  });
  const at = (b: string, i: number, f: (line: string) => string) => {
    const ls = lines(b);
    ls[i] = f(ls[i]!);
    return join(ls);
  };
  const malformedAt = async (b: string, line: number, message: RegExp) => {
    const r = await verifyBundle(b, KEYS.vkey);
    expect(r.ok).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ code: 'MALFORMED_BUNDLE', line, message: expect.stringMatching(message) }));
  };

  it('the exporter’s lines are accepted as they are', async () => {
    expect((await verifyBundle(caseA, KEYS.vkey)).ok).toBe(true);
  });

  const variants: Array<[string, number, (l: string) => string, RegExp]> = [
    ['a line ending in CR LF', 2, (l) => `${l}\r`, /CR LF/],
    ['the header ending in CR LF', 1, (l) => `${l}\r`, /CR LF/],
    ['a space before a line', 2, (l) => ` ${l}`, /white space/],
    ['a space after a line', 3, (l) => `${l} `, /white space/],
    ['a tab after the end line', 8, (l) => `${l}\t`, /white space/],
    ['a space after a colon', 2, (l) => l.replace('"seq":', '"seq": '), /one form/],
    ['keys out of order (proof before entry)', 2, (l) => { const o = JSON.parse(l); return JSON.stringify({ seq: o.seq, proof: o.proof, entry: o.entry, payload: o.payload, salt: o.salt }); }, /one form/],
    ['header keys out of order', 1, (l) => { const o = JSON.parse(l); return JSON.stringify({ origin: o.origin, bundle: o.bundle, checkpoint: o.checkpoint, payloads: o.payloads, filter: o.filter, created: o.created }); }, /one form/],
    ['a key twice', 2, (l) => l.replace('{"seq":', '{"seq":0,"seq":'), /one form/],
    ['a number written 0.0', 2, (l) => l.replace('{"seq":0,', '{"seq":0.0,'), /one form/],
    ['a number written 0e0', 2, (l) => l.replace('{"seq":0,', '{"seq":0e0,'), /one form/],
    ['a character escaped that JSON.stringify writes as itself', 1, (l) => l.replace('casetrail-bundle/v1', 'casetrail-bundle\\/v1'), /one form/],
    ['a line nesting far deeper than a bundle line', 2, () => '['.repeat(100_000) + ']'.repeat(100_000), /nests/],
  ];
  it.each(variants)('%s is MALFORMED_BUNDLE', async (_name, line, f, message) => {
    await malformedAt(at(caseA, line - 1, f), line, message);
  });

  it('a parsed line re-serialises to itself: parseBundleLine refuses every variant above', () => {
    for (const [, line, f] of variants) {
      const text = f(lines(caseA)[line - 1]!);
      expect(() => parseBundleLine(text, line === 1), text.slice(0, 60)).toThrow(LedgerError);
    }
  });
});

describe('a payload is never shown together with the redaction that erased it (format.md §9.3 item 6)', () => {
  it('a hostile exporter puts the erased payload back into its line: the redaction record is REDACTION_INVALID', async () => {
    const l = await newLedger();
    await l.append({ caseId: 'P', type: 'complaint', actor: 'clerk', data: { name: '刘某' } });
    const original = await l.get(0);
    await l.append({ caseId: 'P', type: 'reviewed', actor: 'officer' });
    await l.redact(0, { reason: 'erasure request', actor: 'dpo' });
    for (const filter of [{ case: 'P' }, {}] as BundleFilter[]) {
      const honest = await exportBundle(l, filter);
      expect((await verifyBundle(honest, KEYS.vkey)).ok).toBe(true);
      const ls = lines(honest);
      const o = JSON.parse(ls[1]!);
      expect(o.redaction).toBeDefined();
      ls[1] = JSON.stringify({ seq: o.seq, entry: o.entry, proof: o.proof, payload: toBase64(original.payload!), salt: toBase64(original.salt!) });
      const r = await verifyBundle(join(ls), KEYS.vkey);
      expect(r.ok).toBe(false);
      // The payload line itself checks (it matches its commitment); the record that erased it says it must not be there.
      expect(r.issues).toEqual([expect.objectContaining({ code: 'REDACTION_INVALID', seq: 2, line: 4 })]);
    }
    await l.close();
  });

  it('a line carrying both a payload and a redaction is MALFORMED_BUNDLE', async () => {
    const l = await newLedger();
    await l.append({ caseId: 'P', type: 'complaint', actor: 'clerk', data: { name: 'x' } });
    const original = await l.get(0);
    await l.redact(0, { reason: 'r', actor: 'dpo' });
    const ls = lines(await exportBundle(l, { case: 'P' }));
    const o = JSON.parse(ls[1]!);
    ls[1] = JSON.stringify({ seq: o.seq, entry: o.entry, proof: o.proof, payload: toBase64(original.payload!), salt: toBase64(original.salt!), redaction: o.redaction });
    const r = await verifyBundle(join(ls), KEYS.vkey);
    expect(r.issues).toContainEqual(expect.objectContaining({ code: 'MALFORMED_BUNDLE', line: 2 }));
    await l.close();
  });
});
