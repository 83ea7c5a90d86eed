// tlog/checkpoint.ts rule by rule (format.md §6.2): each argument check of
// formatCheckpoint on its own, the size limit of a body exactly, the final
// newline, and extension lines only when allowed — the rules mutation testing
// found that no other test pinned down.
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../src/bytes.js';
import { LedgerError, formatCheckpoint, openCheckpoint, parseCheckpoint, parseSignerKey, parseVerifierKey, signCheckpoint, type Checkpoint } from '../src/index.js';
import { MAX_NOTE_BYTES } from '../src/tlog/note.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, ORIGIN } from './helpers/keys.js';

const root = new Uint8Array(32).fill(3);
const good: Checkpoint = { origin: ORIGIN, size: 5, root, extensions: [] };
const body = `${ORIGIN}\n5\n${toBase64(root)}\n`;

describe('formatCheckpoint', () => {
  it('writes origin, size, root and extension lines; refuses each bad field on its own with INVALID_ARGUMENT naming it in details.field', () => {
    expect(formatCheckpoint(good)).toBe(body);
    expect(formatCheckpoint({ ...good, extensions: ['a b', 'c'] })).toBe(`${body}a b\nc\n`);
    const bad: Array<[string, unknown, string]> = [
      ['null', null, 'checkpoint'],
      ['a string', body, 'checkpoint'],
      ['a function carrying the fields', Object.assign(() => undefined, good), 'checkpoint'],
      ['origin not a string', { ...good, origin: 5 }, 'origin'],
      ['origin empty', { ...good, origin: '' }, 'origin'],
      ['size negative', { ...good, size: -1 }, 'size'],
      ['size not an integer', { ...good, size: 1.5 }, 'size'],
      ['size a string', { ...good, size: '5' }, 'size'],
      ['size above 2^53 - 1', { ...good, size: 2 ** 53 }, 'size'],
      ['root of 31 bytes', { ...good, root: root.slice(1) }, 'root'],
      ['root an array', { ...good, root: [...root] }, 'root'],
      ['extensions not an array', { ...good, extensions: 'x' }, 'extensions'],
      ['an extension not a string', { ...good, extensions: [5] }, 'extensions'],
      ['an empty extension line', { ...good, extensions: [''] }, 'extensions'],
    ];
    for (const [what, cp, field] of bad) {
      expect(codeOf(() => formatCheckpoint(cp as Checkpoint)), what).toBe('INVALID_ARGUMENT');
      expect(() => formatCheckpoint(cp as Checkpoint), what).toThrow(expect.objectContaining({ details: { field } }));
    }
  });
});

describe('parseCheckpoint', () => {
  it('a body that is not a string is INVALID_ARGUMENT', () => {
    expect(codeOf(() => parseCheckpoint(utf8(body) as unknown as string))).toBe('INVALID_ARGUMENT');
  });

  it('a body of exactly 1 MiB is parsed (with extensions allowed); one character more is INPUT_TOO_LARGE naming the limit, before any parsing', () => {
    const pad = (n: number) => `${body}${'x'.repeat(n - body.length - 1)}\n`;
    expect(parseCheckpoint(pad(MAX_NOTE_BYTES), { allowExtensions: true }).extensions).toHaveLength(1);
    let err: unknown;
    try {
      parseCheckpoint(pad(MAX_NOTE_BYTES + 1), { allowExtensions: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'INPUT_TOO_LARGE', details: { limit: MAX_NOTE_BYTES } });
  });

  it('extension lines: refused unless allowExtensions is true (also when it is false or absent)', () => {
    const withExt = `${body}ext\n`;
    expect(parseCheckpoint(withExt, { allowExtensions: true }).extensions).toEqual(['ext']);
    expect(codeOf(() => parseCheckpoint(withExt, { allowExtensions: false }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => parseCheckpoint(withExt, {}))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => parseCheckpoint(withExt))).toBe('MALFORMED_CHECKPOINT');
  });

  it('a body must end in a newline: its last line is not cut short to make it parse', () => {
    expect(codeOf(() => parseCheckpoint(`${body}ext`, { allowExtensions: true }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => parseCheckpoint(body.slice(0, -1)))).toBe('MALFORMED_CHECKPOINT');
    expect(parseCheckpoint(body)).toEqual(good);
  });
});

describe('openCheckpoint', () => {
  it('returns the note as text whether it was given as text or as UTF-8 bytes, and the keys that verified it', async () => {
    const note = await signCheckpoint(good, [parseSignerKey(KEYS.skey)]);
    const v = parseVerifierKey(KEYS.vkey);
    for (const input of [note, utf8(note)]) {
      const cp = openCheckpoint(input, [v]);
      expect(cp.note).toBe(note);
      expect(cp.verified).toEqual([v]);
      expect({ origin: cp.origin, size: cp.size, root: cp.root, extensions: cp.extensions }).toEqual(good);
    }
  });
});
