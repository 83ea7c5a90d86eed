// Reading and writing bundle lines (format.md §9.3), rule by rule: each
// malformed line with the code and the exact reason it is refused for, so
// that a rule which gave way to a later one with the same code (the
// one-form check refuses nearly everything in the end) is noticed. Nothing
// is built while the file loads: the lines are written inside the tests
// (docs/mutation.md, "No work while test files load").
import { describe, expect, it } from 'vitest';
import {
  BundleLineReader,
  LedgerError,
  MAX_BUNDLE_LINE_BYTES,
  MAX_NOTE_BYTES,
  formatBundleEntry,
  formatBundleHeader,
  formatBundleTrailer,
  parseBundleLine,
  toBase64,
  utf8,
  type BundleEntry,
  type BundleHeader,
} from '../src/index.js';

/** What `fn` throws: its code, message and details; 'none' when it returns. */
function refusal(fn: () => unknown): Record<string, unknown> | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e;
    return { code: e.code, message: e.message, ...e.details };
  }
}

const b64 = (n: number, fill = 0) => toBase64(new Uint8Array(n).fill(fill));
const H = () => b64(32, 7);
/** An entry line that parses: seq 1, a 1-byte entry, an empty proof. */
const E = '{"seq":1,"entry":"AQ==","proof":[]}';
const withPayload = (salt: string, payload = 'e30=') => `{"seq":1,"entry":"AQ==","proof":[],"payload":"${payload}","salt":"${salt}"}`;
const redaction = (r: Record<string, unknown>) => `{"seq":1,"entry":"AQ==","proof":[],"redaction":${JSON.stringify({ seq: 0, entry: 'AQ==', proof: [], payload: 'e30=', salt: b64(32), ...r })}}`;
const header = (h: Record<string, unknown> = {}) => JSON.stringify({ bundle: 'casetrail-bundle/v1', origin: 'o', checkpoint: 'c\n', payloads: true, filter: {}, ...h });
const MALFORMED = (message: string) => ({ code: 'MALFORMED_BUNDLE', message });

describe('parseBundleLine: each refusal with its reason', () => {
  // [what, the line (made inside the test), whether it is the first line, the exact message]
  const cases: Array<[string, () => string, boolean, string]> = [
    ['a line ending in CR', () => `${E}\r`, false, 'the line ends in CR LF: bundle lines end in LF only'],
    ['a space before the line', () => ` ${E}`, false, 'the line has white space around it'],
    ['a tab after the line', () => `${E}\t`, false, 'the line has white space around it'],
    ['an empty line', () => '', false, 'the line is not JSON'],
    ['a line nesting four deep', () => '[[[[1]]]]', false, 'the line nests arrays and objects more than 3 deep'],
    ['not JSON', () => '{"seq":', false, 'the line is not JSON'],
    ['an array', () => '[1]', false, 'the line is not a JSON object'],
    ['null', () => 'null', false, 'the line is not a JSON object'],
    ['a number', () => '5', false, 'the line is not a JSON object'],
    // Entry lines
    ['an unknown key in an entry line', () => '{"seq":1,"entry":"AQ==","proof":[],"note":1}', false, 'the entry line has an unknown key "note"'],
    ['seq negative', () => '{"seq":-1,"entry":"AQ==","proof":[]}', false, 'entry.seq is not an integer from 0 to 2^53 - 1'],
    ['seq a string', () => '{"seq":"1","entry":"AQ==","proof":[]}', false, 'entry.seq is not an integer from 0 to 2^53 - 1'],
    ['seq fractional', () => '{"seq":1.5,"entry":"AQ==","proof":[]}', false, 'entry.seq is not an integer from 0 to 2^53 - 1'],
    ['seq past 2^53 - 1', () => '{"seq":9007199254740992,"entry":"AQ==","proof":[]}', false, 'entry.seq is not an integer from 0 to 2^53 - 1'],
    ['entry a number', () => '{"seq":1,"entry":1,"proof":[]}', false, 'entry.entry is not a string'],
    ['entry not strict base64', () => '{"seq":1,"entry":"AQ=","proof":[]}', false, 'entry.entry is not strict base64'],
    // 8,193 bytes: base64 of that length passes the length check on the text, and is refused decoded.
    ['entry of 8,193 bytes', () => `{"seq":1,"entry":"${b64(8193)}","proof":[]}`, false, 'entry.entry is longer than 8192 bytes'],
    ['proof not an array', () => '{"seq":1,"entry":"AQ==","proof":"x"}', false, 'entry.proof is not an array of at most 64 hashes'],
    ['a proof of 65 hashes', () => `{"seq":1,"entry":"AQ==","proof":${JSON.stringify(Array.from({ length: 65 }, H))}}`, false, 'entry.proof is not an array of at most 64 hashes'],
    ['a proof hash of 31 bytes', () => `{"seq":1,"entry":"AQ==","proof":["${b64(31)}"]}`, false, 'entry.proof.0 is 31 bytes, not 32'],
    ['a proof hash of 33 bytes (44 characters, within the length check on the text)', () => `{"seq":1,"entry":"AQ==","proof":["${H()}","${b64(33)}"]}`, false, 'entry.proof.1 is longer than 32 bytes'],
    ['a proof hash that is a number', () => '{"seq":1,"entry":"AQ==","proof":[1]}', false, 'entry.proof.0 is not a string'],
    ['a payload without salt', () => '{"seq":1,"entry":"AQ==","proof":[],"payload":"e30="}', false, 'the entry line has a payload without salt, or a salt without payload'],
    ['a salt without payload', () => `{"seq":1,"entry":"AQ==","proof":[],"salt":"${b64(32)}"}`, false, 'the entry line has a payload without salt, or a salt without payload'],
    ['a payload and a redaction', () => `{"seq":1,"entry":"AQ==","proof":[],"payload":"e30=","salt":"${b64(32)}","redaction":{}}`, false, 'the entry line has both a payload and a redaction'],
    ['a salt of 31 bytes', () => withPayload(b64(31)), false, 'entry.salt is 31 bytes, not 32'],
    ['a salt of 33 bytes (44 characters)', () => withPayload(b64(33)), false, 'entry.salt is longer than 32 bytes'],
    // 45 characters that are not base64: the length of the text is refused before it is decoded.
    ['a salt of 45 characters that are not base64', () => withPayload('!'.repeat(45)), false, 'entry.salt is longer than 32 bytes'],
    ['a salt of 44 characters that are not base64', () => withPayload('!'.repeat(44)), false, 'entry.salt is not strict base64'],
    ['a payload not base64', () => withPayload(b64(32), 'e30'), false, 'entry.payload is not strict base64'],
    ['a redaction that is not an object', () => '{"seq":1,"entry":"AQ==","proof":[],"redaction":[]}', false, 'entry.redaction is not a JSON object'],
    ['an unknown key in a redaction', () => redaction({ note: 1 }), false, 'entry.redaction has an unknown key "note"'],
    ['a redaction seq negative', () => redaction({ seq: -1 }), false, 'entry.redaction.seq is not an integer from 0 to 2^53 - 1'],
    ['a redaction entry not base64', () => redaction({ entry: 'A' }), false, 'entry.redaction.entry is not strict base64'],
    ['a redaction proof hash short', () => redaction({ proof: [b64(31)] }), false, 'entry.redaction.proof.0 is 31 bytes, not 32'],
    ['a redaction without payload', () => redaction({ payload: undefined }), false, 'entry.redaction.payload is not a string'],
    ['a redaction salt of 31 bytes', () => redaction({ salt: b64(31) }), false, 'entry.redaction.salt is 31 bytes, not 32'],
    ['a redaction without salt', () => redaction({ salt: undefined }), false, 'entry.redaction.salt is not a string'],
    // End lines
    ['an end line of another format', () => '{"end":"casetrail-bundle/v2","entries":1}', false, 'the end line is not for casetrail-bundle/v1'],
    ['an unknown key in the end line', () => '{"end":"casetrail-bundle/v1","entries":1,"x":0}', false, 'the end line has an unknown key "x"'],
    ['an end line counting -1', () => '{"end":"casetrail-bundle/v1","entries":-1}', false, 'the end line.entries is not an integer from 0 to 2^53 - 1'],
    // Header lines
    ['an entry line where the header is due', () => E, true, 'the header has an unknown key "seq"'],
    ['the end line where the header is due', () => '{"end":"casetrail-bundle/v1","entries":0}', true, 'the header has an unknown key "end"'],
    ['a header of another format', () => header({ bundle: 'casetrail-bundle/v2' }), true, 'the first line is not a casetrail-bundle/v1 header'],
    ['a header without the format', () => header({ bundle: undefined }), true, 'the first line is not a casetrail-bundle/v1 header'],
    ['an empty origin', () => header({ origin: '' }), true, 'header.origin is not a non-empty string'],
    ['an origin that is a number', () => header({ origin: 1 }), true, 'header.origin is not a non-empty string'],
    ['a checkpoint that is not a string', () => header({ checkpoint: 1 }), true, 'header.checkpoint is not a note'],
    ['a checkpoint longer than a note', () => header({ checkpoint: `${'c'.repeat(MAX_NOTE_BYTES)}\n` }), true, 'header.checkpoint is not a note'],
    ['payloads not a boolean', () => header({ payloads: 1 }), true, 'header.payloads is not a boolean'],
    ['created not a string', () => header({ created: 1 }), true, 'header.created is not a string'],
    ['a filter that is not an object', () => header({ filter: [] }), true, 'header.filter is not a JSON object'],
    ['an unknown key in the filter', () => header({ filter: { actor: 'x' } }), true, 'header.filter has an unknown key "actor"'],
    ['a filter case that is a number', () => header({ filter: { case: 1 } }), true, 'header.filter.case is not a string'],
    ['a filter since that is negative', () => header({ filter: { since: -1 } }), true, 'header.filter.since is not an integer from 0 to 2^53 - 1'],
    ['a filter until that is fractional', () => header({ filter: { until: 0.5 } }), true, 'header.filter.until is not an integer from 0 to 2^53 - 1'],
    // The one form (format.md §9.3): what parses, written back, must be the line itself.
    ['a space after a colon', () => E.replace('"seq":', '"seq": '), false, 'the line is not in the one form of format.md §9.3 (JSON.stringify of its keys in their order: white space, a key out of order or twice, or another escape or number form)'],
    ['keys out of order', () => '{"entry":"AQ==","seq":1,"proof":[]}', false, 'the line is not in the one form of format.md §9.3 (JSON.stringify of its keys in their order: white space, a key out of order or twice, or another escape or number form)'],
    ['a number written 1.0', () => E.replace('"seq":1', '"seq":1.0'), false, 'the line is not in the one form of format.md §9.3 (JSON.stringify of its keys in their order: white space, a key out of order or twice, or another escape or number form)'],
    ['a key twice', () => E.replace('{"seq":1', '{"seq":1,"seq":1'), false, 'the line is not in the one form of format.md §9.3 (JSON.stringify of its keys in their order: white space, a key out of order or twice, or another escape or number form)'],
    ['a payload and a salt that are null', () => '{"seq":1,"entry":"AQ==","proof":[],"payload":null,"salt":null}', false, 'entry.payload is not a string'],
    ['a header checkpoint without its newline', () => header({ checkpoint: 'c' }), true, 'the line cannot be written back: checkpoint: expected a signed note'],
  ];

  it.each(cases)('%s', (_what, line, first, message) => {
    expect(refusal(() => parseBundleLine(line(), first))).toEqual(MALFORMED(message));
  });

  it('a line longer than the limit is INPUT_TOO_LARGE with the limit; a line of exactly the limit is read', () => {
    expect(refusal(() => parseBundleLine('x'.repeat(MAX_BUNDLE_LINE_BYTES + 1), false))).toEqual({
      code: 'INPUT_TOO_LARGE',
      message: `bundle line is longer than ${MAX_BUNDLE_LINE_BYTES} bytes`,
      limit: MAX_BUNDLE_LINE_BYTES,
    });
    expect(refusal(() => parseBundleLine('x'.repeat(MAX_BUNDLE_LINE_BYTES), false))).toEqual(MALFORMED('the line is not JSON'));
  });

  it('a line that is not a string is INVALID_ARGUMENT', () => {
    expect(refusal(() => parseBundleLine(5 as never, false))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(refusal(() => parseBundleLine(undefined as never, true))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('reads every kind of line at its limits: 64 proof hashes, an entry of 8,192 bytes, a checkpoint of exactly a note\'s size', () => {
    const proof = Array.from({ length: 64 }, H);
    const line = `{"seq":9007199254740991,"entry":"${b64(8192, 1)}","proof":${JSON.stringify(proof)},"payload":"","salt":"${b64(32, 2)}"}`;
    const read = parseBundleLine(line, false);
    expect(read).toEqual({ kind: 'entry', entry: { seq: 9007199254740991, entry: new Uint8Array(8192).fill(1), proof: proof.map(() => new Uint8Array(32).fill(7)), payload: new Uint8Array(0), salt: new Uint8Array(32).fill(2) } });
    const note = `${'c'.repeat(MAX_NOTE_BYTES - 1)}\n`;
    expect(parseBundleLine(header({ checkpoint: note, filter: { case: 'A', since: 0, until: 5 }, created: 'now' }), true)).toEqual({
      kind: 'header',
      header: { origin: 'o', checkpoint: note, payloads: true, filter: { case: 'A', since: 0, until: 5 }, created: 'now' },
    });
    expect(parseBundleLine('{"end":"casetrail-bundle/v1","entries":0}', false)).toEqual({ kind: 'end', entries: 0 });
    const erased = redaction({ seq: 0 });
    expect(parseBundleLine(erased, false)).toEqual({
      kind: 'entry',
      entry: { seq: 1, entry: Uint8Array.of(1), proof: [], redaction: { seq: 0, entry: Uint8Array.of(1), proof: [], payload: utf8('{}'), salt: new Uint8Array(32) } },
    });
  });

  it('a header where an entry is due is read as an entry line, and refused for its keys', () => {
    expect(refusal(() => parseBundleLine(header(), false))).toEqual(MALFORMED('the entry line has an unknown key "bundle"'));
  });
});

describe('BundleLineReader: lines of at most the limit, split on LF only, strict UTF-8', () => {
  it('splits chunks into lines, joining a line cut across chunks; the rest after the last newline is end()', () => {
    const r = new BundleLineReader(8);
    expect(r.push(utf8('ab'))).toEqual([]);
    expect(r.push(utf8('c\nd'))).toEqual(['abc']);
    expect(r.push(utf8('\n\nef\ngh'))).toEqual(['d', '', 'ef']);
    expect(r.end()).toBe('gh');
    expect(new BundleLineReader().end()).toBeUndefined();
    const done = new BundleLineReader();
    expect(done.push(utf8('x\n'))).toEqual(['x']);
    expect(done.end()).toBeUndefined();
  });

  it('a chunk that starts with a newline ends the line before it, and its length is not counted into that line', () => {
    const r = new BundleLineReader(8);
    expect(r.push(utf8('ab'))).toEqual([]);
    expect(r.push(utf8('\ncd\n'))).toEqual(['ab', 'cd']);
    expect(r.push(utf8('\n'))).toEqual(['']);
    expect(new BundleLineReader(4).push(utf8('\nabc\ndef\n'))).toEqual(['', 'abc', 'def']);
  });

  it('a line of exactly the limit is read, one byte more is INPUT_TOO_LARGE with the limit, whether in one chunk or several', () => {
    expect(new BundleLineReader(4).push(utf8('abcd\nefgh\n'))).toEqual(['abcd', 'efgh']);
    expect(new BundleLineReader(4).push(utf8('ab\ncd\nef\n'))).toEqual(['ab', 'cd', 'ef']);
    const tooLong = { code: 'INPUT_TOO_LARGE', message: 'a bundle line is longer than 4 bytes', limit: 4 };
    expect(refusal(() => new BundleLineReader(4).push(utf8('abcde')))).toEqual(tooLong);
    expect(refusal(() => new BundleLineReader(4).push(utf8('ab\nabcde\n')))).toEqual(tooLong);
    const split = new BundleLineReader(4);
    expect(split.push(utf8('abc'))).toEqual([]);
    expect(refusal(() => split.push(utf8('de\n')))).toEqual(tooLong);
    expect(new BundleLineReader(1).push(utf8('a\n'))).toEqual(['a']);
  });

  it('a byte-order mark is kept (and then refused as white space by the parser); invalid UTF-8 is MALFORMED_BUNDLE', () => {
    const [line] = new BundleLineReader().push(Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('{}\n')));
    expect(line).toBe('\uFEFF{}');
    expect(refusal(() => parseBundleLine(line!, false))).toEqual(MALFORMED('the line has white space around it'));
    expect(refusal(() => new BundleLineReader().push(Uint8Array.of(0x61, 0xff, 0x0a)))).toEqual(MALFORMED('a bundle line is not valid UTF-8'));
    const cut = new BundleLineReader();
    cut.push(Uint8Array.of(0xe4, 0xb8));
    expect(refusal(() => cut.end())).toEqual(MALFORMED('a bundle line is not valid UTF-8'));
  });

  it('refuses a limit that is not a positive integer and a chunk that is not bytes (INVALID_ARGUMENT)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) expect(refusal(() => new BundleLineReader(bad))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(refusal(() => new BundleLineReader().push('a\n' as never))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(refusal(() => new BundleLineReader().push([97, 10] as never))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('the writer refuses what the reader would not read, naming the field (INVALID_ARGUMENT details.field)', () => {
  const entry = (e: Partial<BundleEntry> = {}): BundleEntry => ({ seq: 0, entry: Uint8Array.of(1), proof: [], ...e });
  const head = (h: Partial<BundleHeader> = {}): BundleHeader => ({ origin: 'o', checkpoint: 'c\n', payloads: true, filter: {}, ...h });
  const rec = { seq: 0, entry: Uint8Array.of(1), proof: [], payload: Uint8Array.of(2), salt: new Uint8Array(32) };
  const field = (fn: () => unknown) => {
    const r = refusal(fn);
    return r === 'none' ? r : { code: r['code'], field: r['field'] };
  };
  const cases: Array<[string, () => unknown, string | undefined]> = [
    ['a header that is not an object', () => formatBundleHeader(null as never), 'header'],
    ['an empty origin', () => formatBundleHeader(head({ origin: '' })), 'origin'],
    ['payloads not a boolean', () => formatBundleHeader(head({ payloads: 1 as never })), 'payloads'],
    ['a filter case that is a number', () => formatBundleHeader(head({ filter: { case: 1 as never } })), 'filter.case'],
    ['a filter since that is negative', () => formatBundleHeader(head({ filter: { since: -1 } })), 'filter.since'],
    ['a filter until that is fractional', () => formatBundleHeader(head({ filter: { until: 0.5 } })), 'filter.until'],
    ['created not a string', () => formatBundleHeader(head({ created: 1 as never })), 'created'],
    ['a checkpoint without its newline', () => formatBundleHeader(head({ checkpoint: 'c' })), undefined],
    ['a checkpoint that is not a string', () => formatBundleHeader(head({ checkpoint: 1 as never })), undefined],
    ['an entry that is not an object', () => formatBundleEntry(null as never), 'entry'],
    ['a negative seq', () => formatBundleEntry(entry({ seq: -1 })), 'entry.seq'],
    ['entry bytes that are not bytes', () => formatBundleEntry(entry({ entry: [1] as never })), 'entry.entry'],
    ['an entry of 8,193 bytes', () => formatBundleEntry(entry({ entry: new Uint8Array(8193) })), undefined],
    ['a proof hash of 31 bytes', () => formatBundleEntry(entry({ proof: [new Uint8Array(31)] })), 'entry.proof[0]'],
    ['a payload without salt', () => formatBundleEntry(entry({ payload: Uint8Array.of(1) })), undefined],
    ['a salt without payload', () => formatBundleEntry(entry({ salt: new Uint8Array(32) })), undefined],
    ['a payload and a redaction', () => formatBundleEntry(entry({ payload: Uint8Array.of(1), salt: new Uint8Array(32), redaction: rec })), undefined],
    ['a payload that is not bytes', () => formatBundleEntry(entry({ payload: '{}' as never, salt: new Uint8Array(32) })), 'entry.payload'],
    ['a salt of 31 bytes', () => formatBundleEntry(entry({ payload: Uint8Array.of(1), salt: new Uint8Array(31) })), 'entry.salt'],
    ['a redaction seq that is negative', () => formatBundleEntry(entry({ redaction: { ...rec, seq: -1 } })), 'redaction.seq'],
    ['a redaction payload that is not bytes', () => formatBundleEntry(entry({ redaction: { ...rec, payload: 'x' as never } })), 'redaction.payload'],
    ['a redaction salt of 31 bytes', () => formatBundleEntry(entry({ redaction: { ...rec, salt: new Uint8Array(31) } })), 'redaction.salt'],
    ['an end line counting -1', () => formatBundleTrailer(-1), 'entries'],
  ];
  it.each(cases)('%s', (_what, fn, expected) => {
    expect(field(fn)).toEqual({ code: 'INVALID_ARGUMENT', field: expected });
  });

  it('writes each kind of line at its limits, keys in the documented order, and reads it back', () => {
    const h = head({ filter: { case: 'A', since: 0, until: 9 }, created: 'now' });
    const hl = formatBundleHeader(h);
    expect(hl).toBe('{"bundle":"casetrail-bundle/v1","origin":"o","checkpoint":"c\\n","payloads":true,"filter":{"case":"A","since":0,"until":9},"created":"now"}\n');
    expect(parseBundleLine(hl.slice(0, -1), true)).toEqual({ kind: 'header', header: h });
    expect(formatBundleHeader({ origin: 'o', checkpoint: 'c\n', payloads: false } as never)).toBe('{"bundle":"casetrail-bundle/v1","origin":"o","checkpoint":"c\\n","payloads":false,"filter":{}}\n');
    const big = entry({ entry: new Uint8Array(8192), proof: Array.from({ length: 64 }, () => new Uint8Array(32)) });
    const el = formatBundleEntry(big);
    expect(parseBundleLine(el.slice(0, -1), false)).toEqual({ kind: 'entry', entry: big });
    const erased = entry({ redaction: rec });
    const rl = formatBundleEntry(erased);
    expect(rl).toBe(`{"seq":0,"entry":"AQ==","proof":[],"redaction":{"seq":0,"entry":"AQ==","proof":[],"payload":"Ag==","salt":"${b64(32)}"}}\n`);
    expect(parseBundleLine(rl.slice(0, -1), false)).toEqual({ kind: 'entry', entry: erased });
    expect(formatBundleTrailer(0)).toBe('{"end":"casetrail-bundle/v1","entries":0}\n');
  });
});
