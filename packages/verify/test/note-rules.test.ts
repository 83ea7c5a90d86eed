// tlog/note.ts and note-keys.ts rule by rule (signed-note, format.md §6.1):
// the exact size limit, each malformed signature line on its own, the
// verifier and signer lists, a repeated unknown line, and the details of
// each refusal — the rules mutation testing found that no other test pinned.
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../src/bytes.js';
import {
  LedgerError,
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  generateKeyPair,
  keyId,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type NoteSigner,
  type NoteVerifier,
} from '../src/index.js';
import { MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES } from '../src/tlog/note.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, ORIGIN } from './helpers/keys.js';

const detailsOf = async (fn: () => unknown) => {
  try {
    await fn();
  } catch (e) {
    if (e instanceof LedgerError) return { code: e.code, ...e.details };
    throw e;
  }
  return 'none';
};
const signer = parseSignerKey(KEYS.skey);
const verifier = parseVerifierKey(KEYS.vkey);
const b64 = (n: number) => toBase64(new Uint8Array(n).fill(1));
/** A function carrying an object's fields (a function's own `name` is read-only, so each is defined). */
const asFunction = (o: object) => {
  const f = () => undefined;
  for (const [k, v] of Object.entries(o)) Object.defineProperty(f, k, { value: v, enumerable: true });
  return f;
};

describe('note size', () => {
  it('a note of exactly 1 MiB is read, as text or as bytes; one byte more is INPUT_TOO_LARGE with the limit and the size', async () => {
    const sig = formatSignatureLine('k', 1, new Uint8Array(64));
    // The em dash of a signature line is 3 bytes of UTF-8.
    const pad = (n: number) => `${'x'.repeat(n - Buffer.byteLength(sig) - 2)}\n\n${sig}`;
    expect(Buffer.byteLength(pad(MAX_NOTE_BYTES))).toBe(MAX_NOTE_BYTES);
    expect(parseNote(pad(MAX_NOTE_BYTES)).signatures).toHaveLength(1);
    expect(parseNote(Buffer.from(pad(MAX_NOTE_BYTES))).signatures).toHaveLength(1);
    expect(await detailsOf(() => parseNote(pad(MAX_NOTE_BYTES + 1)))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES, size: MAX_NOTE_BYTES + 1 });
    expect(await detailsOf(() => parseNote(Buffer.from(pad(MAX_NOTE_BYTES + 1))))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES, size: MAX_NOTE_BYTES + 1 });
    // 1 MiB of text without a signature line is refused for its form, not its size.
    expect(codeOf(() => parseNote(`${'x'.repeat(MAX_NOTE_BYTES - 1)}\n`))).toBe('MALFORMED_NOTE');
    // Counted in UTF-8 bytes for a string: fewer characters than the limit, more bytes.
    const wide = `${'é'.repeat((MAX_NOTE_BYTES - sig.length) / 2 - 1)}\n\n${sig}`;
    expect(wide.length).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    expect(await detailsOf(() => parseNote(wide))).toMatchObject({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES });
  });
});

describe('signature lines', () => {
  const note = (block: string) => `text\n\n${block}`;
  it('each malformed line on its own is MALFORMED_NOTE; a line of 5 bytes (key ID and one byte) is well formed', () => {
    expect(parseNote(note(`— k ${b64(5)}\n`)).signatures[0]!.signature).toHaveLength(1);
    const bad: Array<[string, string]> = [
      ['no space between name and signature', note(`— ${b64(6)}\n`)],
      ['a key name with "+"', note(`— a+b ${b64(8)}\n`)],
      ['4 bytes: a key ID and no signature', note(`— k ${b64(4)}\n`)],
      ['no blank line before the signatures', `text\n— k ${b64(8)}\n`],
      ['no signature lines', 'text\n\n'],
      ['the last line without its newline', note(`— k ${b64(8)}`)],
      ['no blank line, a signature line after one character', `x— k ${b64(8)}\n`],
    ];
    for (const [what, n] of bad) expect(codeOf(() => parseNote(n)), what).toBe('MALFORMED_NOTE');
  });

  it('more than 100 signature lines: MALFORMED_NOTE with the limit and the count', async () => {
    const line = `— k ${b64(8)}\n`;
    expect(parseNote(note(line.repeat(MAX_NOTE_SIGNATURES))).signatures).toHaveLength(MAX_NOTE_SIGNATURES);
    expect(await detailsOf(() => parseNote(note(line.repeat(MAX_NOTE_SIGNATURES + 1))))).toEqual({ code: 'MALFORMED_NOTE', limit: MAX_NOTE_SIGNATURES, lines: MAX_NOTE_SIGNATURES + 1 });
  });
});

describe('openNote', () => {
  it('a line by an unknown key repeated byte for byte is listed once; a known key is listed once', async () => {
    const signed = await signNote('text\n', [signer]);
    const stranger = formatSignatureLine('stranger', 7, new Uint8Array(64).fill(2));
    const opened = openNote(`${signed}${stranger}${stranger}`, [verifier]);
    expect(opened.unverified).toHaveLength(1);
    expect(opened.verified).toEqual([verifier]);
  });

  it('the verifier list: not an array, or an item that is not a verifier, is INVALID_ARGUMENT; a bad name or key ID names its field', async () => {
    const signed = await signNote('text\n', [signer]);
    expect(codeOf(() => openNote(signed, verifier as unknown as NoteVerifier[]))).toBe('INVALID_ARGUMENT');
    const items: Array<[string, unknown]> = [
      ['null', null],
      ['a function carrying the fields', asFunction(verifier)],
      ['no verify function', { ...verifier, verify: undefined }],
      ['a public key that is not bytes', { ...verifier, publicKey: [...verifier.publicKey] }],
    ];
    for (const [what, v] of items) expect(codeOf(() => openNote(signed, [v as NoteVerifier])), what).toBe('INVALID_ARGUMENT');
    expect(await detailsOf(() => openNote(signed, [{ ...verifier, name: 'a b' }]))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'verifiers[].name' });
    expect(await detailsOf(() => openNote(signed, [{ ...verifier, keyId: -1 }]))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'verifiers[].keyId' });
  });

  it('the same key given twice: the first verifier object is the one reported', async () => {
    const signed = await signNote('text\n', [signer]);
    const copy = parseVerifierKey(KEYS.vkey);
    expect(openNote(signed, [verifier, copy]).verified[0]).toBe(verifier);
    expect(openNote(signed, [copy, verifier]).verified[0]).toBe(copy);
  });

  it('refusals carry their details: INVALID_SIGNATURE the key, UNKNOWN_KEY every signer seen', async () => {
    const signed = await signNote('text\n', [signer]);
    const forged = signed.replace('text\n', 'txet\n');
    const id = signer.keyId.toString(16).padStart(8, '0');
    expect(await detailsOf(() => openNote(forged, [verifier]))).toEqual({ code: 'INVALID_SIGNATURE', name: ORIGIN, keyId: id });
    const other = parseVerifierKey(generateKeyPair('other').vkey);
    const stranger = formatSignatureLine('stranger', 7, new Uint8Array(64).fill(2));
    expect(await detailsOf(() => openNote(`${signed}${stranger}`, [other]))).toEqual({ code: 'UNKNOWN_KEY', signers: [`${ORIGIN}+${id}`, 'stranger+00000007'] });
  });
});

describe('signNote', () => {
  it('the signer list: an item that is not a signer is INVALID_ARGUMENT; a bad name or key ID names its field', async () => {
    for (const [what, s] of [
      ['null', null],
      ['a function carrying the fields', asFunction(signer)],
      ['no sign function', { ...signer, sign: undefined }],
    ] as Array<[string, unknown]>) {
      expect(await detailsOf(() => signNote('text\n', [s as NoteSigner])), what).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(await detailsOf(() => signNote('text\n', [{ ...signer, name: 'a b' }]))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'signers[].name' });
    expect(await detailsOf(() => signNote('text\n', [{ ...signer, keyId: 2 ** 32 }]))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'signers[].keyId' });
    expect(await detailsOf(() => signNote('text\n', Array.from({ length: MAX_NOTE_SIGNATURES + 1 }, (_, i) => ({ ...signer, keyId: i }))))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a signer that throws is SIGNER_FAILED naming it (a LedgerError it throws passes through); one that returns no bytes too', async () => {
    const failing = (sign: NoteSigner['sign']): NoteSigner => ({ name: 'hsm', keyId: 1, sign });
    expect(await detailsOf(() => signNote('text\n', [failing(() => { throw new Error('offline'); })]))).toEqual({ code: 'SIGNER_FAILED', name: 'hsm' });
    expect(await detailsOf(() => signNote('text\n', [failing(() => { throw new LedgerError('DISK_FULL', 'full', { x: 1 }); })]))).toEqual({ code: 'DISK_FULL', x: 1 });
    expect(await detailsOf(() => signNote('text\n', [failing(() => new Uint8Array(0))]))).toEqual({ code: 'SIGNER_FAILED', name: 'hsm' });
  });

  it('each signer gets its own copy of the text: a signer that changes it does not change what the next one signs', async () => {
    const vandal: NoteSigner = {
      name: 'vandal',
      keyId: 9,
      sign: (msg) => {
        msg.fill(0);
        return new Uint8Array(64).fill(1);
      },
    };
    const note = await signNote('text\n', [vandal, signer]);
    expect(openNote(note, [verifier]).verified).toEqual([verifier]);
  });

  it('the text is at most 1 MiB of UTF-8', async () => {
    const text = (n: number) => `${'x'.repeat(n - 1)}\n`;
    expect(await detailsOf(() => signNote(text(MAX_NOTE_BYTES + 1), [signer]))).toMatchObject({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES });
    expect(await detailsOf(() => signNote(text(MAX_NOTE_BYTES - 200), [signer]))).toBe('none');
  });
});

describe('keys', () => {
  it('argument errors name their field; an unsupported key type names the type', async () => {
    expect(await detailsOf(() => formatSignatureLine('k', -1, new Uint8Array(64)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'id' });
    expect(await detailsOf(() => generateKeyPair('a b'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name' });
    const [name, id] = KEYS.vkey.split('+') as [string, string];
    const key = Buffer.from(KEYS.vkey.slice(name.length + id.length + 2), 'base64');
    key[0] = 0x04;
    expect(await detailsOf(() => parseVerifierKey(`${name}+${id}+${key.toString('base64')}`))).toEqual({ code: 'MALFORMED_KEY', type: 4 });
    expect(parseVerifierKey(formatVerifierKey(name, verifier.publicKey)).keyId).toBe(verifier.keyId);
  });

  it('key IDs are unsigned 32-bit: 0 and 2^32 - 1 are accepted, -1 and 2^32 refused', () => {
    const sig = new Uint8Array(64);
    expect(formatSignatureLine('k', 0, sig)).toContain('— k ');
    expect(formatSignatureLine('k', 0xffffffff, sig)).toContain('— k ');
    expect(codeOf(() => formatSignatureLine('k', -1, sig))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatSignatureLine('k', 2 ** 32, sig))).toBe('INVALID_ARGUMENT');
  });

  it('every key function names the bad field', async () => {
    const pk = verifier.publicKey;
    expect(await detailsOf(() => formatSignatureLine('a b', 1, new Uint8Array(64)))).toMatchObject({ field: 'name' });
    expect(await detailsOf(() => formatSignatureLine('k', 1, 'x' as unknown as Uint8Array))).toMatchObject({ field: 'signature' });
    expect(await detailsOf(() => keyId('a b', pk))).toMatchObject({ field: 'name' });
    expect(await detailsOf(() => keyId('k', pk.slice(1)))).toMatchObject({ field: 'publicKey' });
    expect(await detailsOf(() => formatSignerKey('a b', new Uint8Array(32)))).toMatchObject({ field: 'name' });
    expect(await detailsOf(() => formatSignerKey('k', new Uint8Array(31)))).toMatchObject({ field: 'seed' });
  });

  it('key strings: an empty key, a signer key that is not a string or lacks its prefix, are refused', async () => {
    const [name, id] = KEYS.vkey.split('+') as [string, string];
    expect(await detailsOf(() => parseVerifierKey(`${name}+${id}+`))).toStrictEqual({ code: 'MALFORMED_KEY' });
    // The key ID is exactly 8 lowercase hex digits: not with a leading zero or a trailing character that parse to the same number.
    const key = KEYS.vkey.slice(name.length + id.length + 2);
    for (const bad of [`0${id}`, `${id}g`, id.toUpperCase()]) {
      if (bad === id) continue;
      expect(codeOf(() => parseVerifierKey(`${name}+${bad}+${key}`)), bad).toBe('MALFORMED_KEY');
    }
    expect(codeOf(() => parseSignerKey(5 as unknown as string))).toBe('INVALID_ARGUMENT');
    // Another 12-character prefix in front of a valid signer key's body.
    expect(KEYS.skey.startsWith('PRIVATE+KEY+')).toBe(true);
    expect(codeOf(() => parseSignerKey(`PRIVATE-KEY+${KEYS.skey.slice(12)}`))).toBe('MALFORMED_KEY');
    expect(parseSignerKey(KEYS.skey).keyId).toBe(verifier.keyId);
  });
});

describe('signNote limits, exactly', () => {
  it('up to 100 signers; 101 are refused', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...signer, keyId: i }));
    expect((await signNote('text\n', many(MAX_NOTE_SIGNATURES))).split('\n— ')).toHaveLength(MAX_NOTE_SIGNATURES + 1);
    expect(await detailsOf(() => signNote('text\n', many(MAX_NOTE_SIGNATURES + 1)))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a signed note of exactly 1 MiB is written; a text over 1 MiB is refused with its own size, and a note over it with the note\'s', async () => {
    const line = Buffer.byteLength(formatSignatureLine(signer.name, signer.keyId, new Uint8Array(64)));
    const text = (n: number) => `${'x'.repeat(n - 1)}\n`;
    const exact = await signNote(text(MAX_NOTE_BYTES - 1 - line), [signer]);
    expect(Buffer.byteLength(exact)).toBe(MAX_NOTE_BYTES);
    expect(await detailsOf(() => signNote(text(MAX_NOTE_BYTES - line), [signer]))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES, size: MAX_NOTE_BYTES + 1 });
    expect(await detailsOf(() => signNote(text(MAX_NOTE_BYTES), [signer]))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES, size: MAX_NOTE_BYTES + 1 + line });
    expect(await detailsOf(() => signNote(text(MAX_NOTE_BYTES + 1), [signer]))).toEqual({ code: 'INPUT_TOO_LARGE', limit: MAX_NOTE_BYTES, size: MAX_NOTE_BYTES + 1 });
  });
});

