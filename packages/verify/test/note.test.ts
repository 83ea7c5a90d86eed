/**
 * Signed notes (format.md §6.1) and checkpoints (§6.2) against every case of
 * signed-note.json and tlog-checkpoint.json, and the note-parsing side of
 * tlog-cosignature.json (cosignature lines are signature lines by keys we
 * do not know, so they are ignored), plus properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64, toBase64, toHex, utf8 } from '../src/bytes.js';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
} from '../src/index.js';
import { ed25519PublicKey, ed25519Verify } from '../src/ed25519.js';
import { isLedgerError, type ErrorCode } from '../src/errors.js';
import { sha256 } from '../src/hash.js';
import {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  generateKeyPair,
  isValidKeyName,
  keyId,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type NoteSigner,
  type NoteVerifier,
} from '../src/index.js';
import { hex, loadVectors } from './helpers/vectors.js';

// ---- vector file shapes ------------------------------------------------------

interface KeyVector {
  vkey: string;
  keyName: string;
  keyIdHex: string;
  sigType: number;
  publicKeyHex: string;
  keyIdPreimageHex: string;
  skey?: string;
  ed25519SeedHex?: string;
}
interface SigVector {
  keyName: string;
  keyIdHex: string;
  signatureHex: string;
}
interface SignedNoteFile {
  keys: Record<string, KeyVector>;
  validNotes: {
    desc: string;
    text: string;
    message: string;
    verifiers: string[];
    expectVerified: string[];
    expectUnverified: string[];
    signatures: SigVector[];
  }[];
  invalidNotes: {
    desc: string;
    message?: string;
    messageHex?: string;
    messageConstruction?: string;
    verifiers: string[];
    expect: string;
  }[];
  invalidVkeys: { vkey: string; why: string }[];
}
interface CheckpointFile {
  signedCheckpoints: {
    desc: string;
    vkey: string;
    publicKeyHex: string;
    origin: string;
    treeSize: string;
    rootHashBase64: string;
    rootHashHex: string;
    noteText: string;
    signedNote: string;
    signatures: SigVector[];
    expect: string;
    skey?: string;
    ed25519SeedHex?: string;
  }[];
  sigsumTreeHeadSignature: { publicKeyHex: string; signedMessage: string; signatureHex: string; expect: string };
  unsignedExamples: { desc: string; signedNote: string }[];
  bodyParsing: { body: string; expect: string }[];
}
interface CosignatureFile {
  messageFormatVectors: { timestamp: string; signedMessage: string; checkpointBody?: string }[];
  parsingVectors: { desc: string; base64: string; keyIdHex?: string; timestamp?: string; ed25519SigHex?: string; expect?: string }[];
  vkeys: { vkey: string; sigType: number; publicKeyHex: string }[];
  derivedCosignatures: {
    cosignerSkey: string;
    ed25519SeedHex: string;
    publicKeyHex: string;
    cosignatureVkey: string;
    vectors: {
      desc: string;
      cosignerName: string;
      timestamp: string;
      checkpointBody: string;
      signedMessage: string;
      signedMessageHex: string;
      cosignatureRawHex: string;
      signatureLine: string;
    }[];
  };
}

const notes = loadVectors<SignedNoteFile>('signed-note.json');
const checkpoints = loadVectors<CheckpointFile>('tlog-checkpoint.json');
const cosignatures = loadVectors<CosignatureFile>('tlog-cosignature.json');

// ---- helpers -------------------------------------------------------------------

/** The error code `fn` throws, or 'OK'. Any non-LedgerError fails the test. */
function outcome(fn: () => unknown): ErrorCode | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (!isLedgerError(e)) throw e;
    return e.code;
  }
}

async function outcomeAsync(fn: () => Promise<unknown>): Promise<ErrorCode | 'OK'> {
  try {
    await fn();
    return 'OK';
  } catch (e) {
    if (!isLedgerError(e)) throw e;
    return e.code;
  }
}

function verifierByName(name: string): NoteVerifier {
  const k = notes.keys[name];
  if (k === undefined) throw new Error(`no key ${name} in signed-note.json`);
  return parseVerifierKey(k.vkey);
}

function sigSummary(sigs: readonly { name: string; keyId: number; signature: Uint8Array }[]): SigVector[] {
  return sigs.map((s) => ({ keyName: s.name, keyIdHex: s.keyId.toString(16).padStart(8, '0'), signatureHex: toHex(s.signature) }));
}

/** The expected outcome named by an invalidNotes `expect` text. */
function expectedNoteCode(expectText: string): ErrorCode {
  if (expectText.startsWith('malformed note')) return 'MALFORMED_NOTE';
  if (expectText === 'reject: note has no verifiable signatures') return 'UNKNOWN_KEY';
  if (expectText.startsWith('reject: invalid signature for key')) return 'INVALID_SIGNATURE';
  throw new Error(`unmapped expectation: ${expectText}`);
}

/** The expected outcome of a bodyParsing case under format.md §6.2 (32-byte roots, strict extension lines). */
function expectedBodyOutcome(expectText: string): 'OK' | 'MALFORMED_CHECKPOINT' {
  if (expectText.startsWith('valid:')) return 'OK';
  if (expectText.startsWith('invalid:')) return 'MALFORMED_CHECKPOINT';
  if (expectText.startsWith('C2SP-strict: invalid')) return 'MALFORMED_CHECKPOINT';
  if (expectText.includes('a strict SHA-256 parser rejects')) return 'MALFORMED_CHECKPOINT';
  if (expectText.includes('strict parsers reject')) return 'MALFORMED_CHECKPOINT';
  throw new Error(`unmapped expectation: ${expectText}`);
}

const peter = notes.keys['PeterNeumann']!;
const enoch = notes.keys['EnochRoot']!;
const peterNote = notes.validNotes[0]!;

// ---- signed-note.json ------------------------------------------------------------

describe('signed-note.json: keys', () => {
  it.each(Object.entries(notes.keys))('%s: key ID, vkey and skey forms', (name, k) => {
    const pk = hex(k.publicKeyHex);
    expect(k.sigType).toBe(1);
    expect(toHex(concatBytes(utf8(k.keyName), Uint8Array.of(0x0a, 0x01), pk))).toBe(k.keyIdPreimageHex);
    expect(toHex(sha256(hex(k.keyIdPreimageHex)).subarray(0, 4))).toBe(k.keyIdHex);
    expect(keyId(k.keyName, pk)).toBe(parseInt(k.keyIdHex, 16));
    const v = parseVerifierKey(k.vkey);
    expect(v.name).toBe(name);
    expect(v.keyId).toBe(parseInt(k.keyIdHex, 16));
    expect(toHex(v.publicKey)).toBe(k.publicKeyHex);
    expect(formatVerifierKey(k.keyName, pk)).toBe(k.vkey);
    if (k.skey !== undefined) {
      const s = parseSignerKey(k.skey);
      expect(s.name).toBe(name);
      expect(s.keyId).toBe(v.keyId);
      expect(toHex(s.seed)).toBe(k.ed25519SeedHex);
      expect(toHex(s.publicKey)).toBe(k.publicKeyHex);
      expect(formatSignerKey(k.keyName, s.seed)).toBe(k.skey);
    }
  });

  it('covers the three keys, two with signer keys', () => {
    expect(Object.keys(notes.keys)).toEqual(['PeterNeumann', 'EnochRoot', 'example.com/foo']);
    expect(Object.values(notes.keys).filter((k) => k.skey !== undefined)).toHaveLength(2);
  });
});

describe('signed-note.json: valid notes', () => {
  it.each(notes.validNotes)('$desc', async (v) => {
    for (const input of [v.message, utf8(v.message)]) {
      const parsed = parseNote(input);
      expect(parsed.text).toBe(v.text);
      expect(sigSummary(parsed.signatures)).toEqual(v.signatures);
      const opened = openNote(input, v.verifiers.map(verifierByName));
      expect(opened.text).toBe(v.text);
      expect(opened.verified.map((x) => x.name)).toEqual(v.expectVerified);
      expect(opened.unverified.map((x) => x.name)).toEqual(v.expectUnverified);
    }
    // Ed25519 is deterministic: where the vector's signers' seeds are known,
    // signing the text again reproduces the note byte for byte.
    const signers = v.signatures.map((s) => notes.keys[s.keyName]!);
    if (signers.every((k) => k.skey !== undefined)) {
      expect(await signNote(v.text, signers.map((k) => parseSignerKey(k.skey!)))).toBe(v.message);
    }
  });

  it('holds 4 valid notes', () => {
    expect(notes.validNotes).toHaveLength(4);
  });
});

describe('signed-note.json: invalid notes', () => {
  it.each(notes.invalidNotes)('$desc → $expect', (v) => {
    const code = expectedNoteCode(v.expect);
    const inputs: (string | Uint8Array)[] = [];
    if (v.message !== undefined) inputs.push(v.message, utf8(v.message));
    if (v.messageHex !== undefined) inputs.push(hex(v.messageHex));
    if (v.messageConstruction !== undefined) {
      expect(v.messageConstruction).toBe('text + "\\n" + 101 x PeterNeumann signature line');
      const line = peterNote.message.slice(peterNote.text.length + 1);
      expect(line.startsWith('\u2014 PeterNeumann ')).toBe(true);
      inputs.push(`${peterNote.text}\n${line.repeat(101)}`);
    }
    expect(inputs.length).toBeGreaterThan(0);
    if (v.message !== undefined && v.messageHex !== undefined) expect(toHex(utf8(v.message))).toBe(v.messageHex);
    for (const input of inputs) {
      expect(outcome(() => openNote(input, v.verifiers.map(verifierByName)))).toBe(code);
      if (code === 'MALFORMED_NOTE') expect(outcome(() => parseNote(input))).toBe('MALFORMED_NOTE');
    }
  });

  it('holds 10 invalid notes', () => {
    expect(notes.invalidNotes).toHaveLength(10);
  });

  it('accepts exactly MAX_NOTE_SIGNATURES lines; repeats of one line are checked once', () => {
    const line = peterNote.message.slice(peterNote.text.length + 1);
    expect(MAX_NOTE_SIGNATURES).toBe(100);
    const opened = openNote(`${peterNote.text}\n${line.repeat(100)}`, [verifierByName('PeterNeumann')]);
    expect(opened.verified.map((v) => v.name)).toEqual(['PeterNeumann']);
    expect(parseNote(`${peterNote.text}\n${line.repeat(100)}`).signatures).toHaveLength(100);
  });
});

describe('signed-note.json: invalid verifier keys', () => {
  it.each(notes.invalidVkeys)('$why: $vkey', (v) => {
    expect(outcome(() => parseVerifierKey(v.vkey))).toBe('MALFORMED_KEY');
  });
});

// ---- tlog-checkpoint.json ----------------------------------------------------------

describe('tlog-checkpoint.json: signed checkpoints', () => {
  it.each(checkpoints.signedCheckpoints)('$desc', async (c) => {
    expect(c.expect).toBe('valid');
    const v = parseVerifierKey(c.vkey);
    expect(toHex(v.publicKey)).toBe(c.publicKeyHex);
    for (const input of [c.signedNote, utf8(c.signedNote)]) {
      const cp = openCheckpoint(input, [v]);
      expect(cp.origin).toBe(c.origin);
      expect(cp.size).toBe(Number(c.treeSize));
      expect(String(cp.size)).toBe(c.treeSize);
      expect(toHex(cp.root)).toBe(c.rootHashHex);
      expect(toBase64(cp.root)).toBe(c.rootHashBase64);
      expect(cp.extensions).toEqual([]);
      expect(cp.note).toBe(c.signedNote);
      expect(cp.verified).toEqual([v]);
    }
    const parsed = parseNote(c.signedNote);
    expect(parsed.text).toBe(c.noteText);
    expect(sigSummary(parsed.signatures)).toEqual(c.signatures);
    const cp: Checkpoint = { origin: c.origin, size: Number(c.treeSize), root: hex(c.rootHashHex), extensions: [] };
    expect(formatCheckpoint(cp)).toBe(c.noteText);
    const keyName = c.signatures[0]!.keyName;
    const skey = c.skey ?? (c.ed25519SeedHex !== undefined ? formatSignerKey(keyName, hex(c.ed25519SeedHex)) : undefined);
    if (skey !== undefined) expect(await signCheckpoint(cp, [parseSignerKey(skey)])).toBe(c.signedNote);
  });

  it('the production sum.golang.org note verifies although its key name is not its origin', () => {
    const c = checkpoints.signedCheckpoints[0]!;
    expect(c.desc).toMatch(/sum\.golang\.org/);
    const cp = openCheckpoint(c.signedNote, [parseVerifierKey(c.vkey)]);
    expect(cp.origin).toBe('go.sum database tree');
    expect(cp.verified[0]!.name).toBe('sum.golang.org');
    expect(cp.size).toBe(35225469);
  });

  it('holds 7 signed checkpoints, 3 with known seeds', () => {
    expect(checkpoints.signedCheckpoints).toHaveLength(7);
    expect(checkpoints.signedCheckpoints.filter((c) => c.skey !== undefined || c.ed25519SeedHex !== undefined)).toHaveLength(3);
  });

  it('a checkpoint is refused under any other key', () => {
    const [sumdb, sigsum, monkeys] = checkpoints.signedCheckpoints;
    expect(outcome(() => openCheckpoint(sumdb!.signedNote, [parseVerifierKey(monkeys!.vkey)]))).toBe('UNKNOWN_KEY');
    expect(outcome(() => openCheckpoint(sigsum!.signedNote, []))).toBe('UNKNOWN_KEY');
  });

  it('the raw Sigsum tree head signature verifies, and fails for size 5', () => {
    const s = checkpoints.sigsumTreeHeadSignature;
    const pk = hex(s.publicKeyHex);
    expect(ed25519Verify(pk, utf8(s.signedMessage), hex(s.signatureHex))).toBe(true);
    expect(ed25519Verify(pk, utf8(s.signedMessage.replace('\n4\n', '\n5\n')), hex(s.signatureHex))).toBe(false);
    const cp = parseCheckpoint(s.signedMessage);
    expect(cp.size).toBe(4);
    expect(cp.origin).toMatch(/^sigsum\.org\/v1\/tree\/[0-9a-f]{64}$/);
  });

  it.each(checkpoints.unsignedExamples)('$desc: parses, and opens under no key we hold', (u) => {
    const parsed = parseNote(u.signedNote);
    const cp = parseCheckpoint(parsed.text);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(parsed.signatures).toHaveLength(1);
    expect(parsed.signatures[0]!.name).toBe('example.com/behind-the-sofa');
    expect(parsed.signatures[0]!.signature).toHaveLength(64);
    const verifiers = checkpoints.signedCheckpoints.map((c) => parseVerifierKey(c.vkey));
    expect(outcome(() => openCheckpoint(u.signedNote, verifiers))).toBe('UNKNOWN_KEY');
  });
});

describe('tlog-checkpoint.json: body parsing', () => {
  it.each(checkpoints.bodyParsing)('$expect', (b) => {
    const want = expectedBodyOutcome(b.expect);
    expect(outcome(() => parseCheckpoint(b.body))).toBe(want);
    expect(outcome(() => parseCheckpoint(b.body, { allowExtensions: true }))).toBe(want);
    if (want === 'OK') {
      const cp = parseCheckpoint(b.body);
      expect(cp.size).toBe(123456789012);
      expect(toHex(cp.root)).toBe(toHex(sha256(concatBytes(Uint8Array.of(0), utf8('hello world')))));
      expect(formatCheckpoint(cp)).toBe(b.body);
    }
  });

  it('holds 13 cases', () => {
    expect(checkpoints.bodyParsing).toHaveLength(13);
  });

  it('the extension-line case, with a 32-byte root: extensions only when allowed', () => {
    const b = checkpoints.bodyParsing.find((x) => x.expect.startsWith('structure valid with extension lines'))!;
    const lines = b.body.split('\n');
    lines[2] = toBase64(new Uint8Array(32).fill(7));
    const body = lines.join('\n');
    expect(outcome(() => parseCheckpoint(body))).toBe('MALFORMED_CHECKPOINT');
    expect(parseCheckpoint(body, { allowExtensions: true }).extensions).toEqual(['lots', 'of', 'lines']);
    const empty = checkpoints.bodyParsing.find((x) => x.expect.startsWith('C2SP-strict'))!.body.split('\n');
    empty[2] = lines[2]!;
    expect(outcome(() => parseCheckpoint(empty.join('\n'), { allowExtensions: true }))).toBe('MALFORMED_CHECKPOINT');
  });
});

// ---- tlog-cosignature.json (note parsing only) ---------------------------------------

describe('tlog-cosignature.json: cosignature lines in notes', () => {
  const derived = cosignatures.derivedCosignatures;
  const monkeys = checkpoints.signedCheckpoints.filter((c) => c.origin === 'monkeys');
  const monkeysVerifier = parseVerifierKey(monkeys[0]!.vkey);
  const monkeysSigner = parseSignerKey(monkeys[0]!.skey!);
  // The witness's own Ed25519 (type 0x01) note key: same name, different key ID.
  const witnessSigner = parseSignerKey(derived.cosignerSkey);
  const witnessType1 = parseVerifierKey(formatVerifierKey(witnessSigner.name, witnessSigner.publicKey));

  it.each(derived.vectors)('$desc: the cosignature line is parsed and ignored', async (v) => {
    const log = monkeys.find((c) => c.noteText === v.checkpointBody);
    const extended = log === undefined;
    const logNote = log?.signedNote ?? (await signNote(v.checkpointBody, [monkeysSigner]));
    const note = logNote + v.signatureLine;
    const parsed = parseNote(note);
    expect(parsed.signatures).toHaveLength(2);
    const cosig = parsed.signatures[1]!;
    expect(cosig.name).toBe(v.cosignerName);
    expect(cosig.keyId).toBe(0x24b37851);
    expect(cosig.signature).toHaveLength(72);
    expect(toHex(concatBytes(Uint8Array.of(0x24, 0xb3, 0x78, 0x51), cosig.signature))).toBe(v.cosignatureRawHex);
    // The Ed25519 signature inside the cosignature is over the cosigned message.
    expect(toHex(utf8(v.signedMessage))).toBe(v.signedMessageHex);
    expect(ed25519Verify(hex(derived.publicKeyHex), utf8(v.signedMessage), cosig.signature.subarray(8))).toBe(true);

    const opened = openNote(note, [monkeysVerifier, witnessType1]);
    expect(opened.verified).toEqual([monkeysVerifier]);
    expect(opened.unverified).toEqual([cosig]);
    expect(outcome(() => openNote(note, [witnessType1]))).toBe('UNKNOWN_KEY');
    const cp = openCheckpoint(note, [monkeysVerifier], { allowExtensions: extended });
    expect(formatCheckpoint(cp)).toBe(v.checkpointBody);
    if (extended) {
      expect(cp.extensions).toEqual(['extension line']);
      expect(outcome(() => openCheckpoint(note, [monkeysVerifier]))).toBe('MALFORMED_CHECKPOINT');
    }
  });

  it('type-0x04 cosignature vkeys are refused as note verifier keys', () => {
    expect(witnessSigner.publicKey).toEqual(hex(derived.publicKeyHex));
    expect(toHex(ed25519PublicKey(hex(derived.ed25519SeedHex)))).toBe(derived.publicKeyHex);
    expect(outcome(() => parseVerifierKey(derived.cosignatureVkey))).toBe('MALFORMED_KEY');
    for (const k of cosignatures.vkeys) {
      if (k.sigType === 4) expect(outcome(() => parseVerifierKey(k.vkey))).toBe('MALFORMED_KEY');
      else expect(toHex(parseVerifierKey(k.vkey).publicKey)).toBe(k.publicKeyHex);
    }
  });

  it.each(cosignatures.parsingVectors)('$desc: as a signature line of a note', (p) => {
    const note = `${peterNote.message}\u2014 some.witness ${p.base64}\n`;
    const parsed = parseNote(note);
    const line = parsed.signatures[1]!;
    const raw = fromBase64(p.base64);
    expect(line.keyId).toBe(((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0);
    if (p.keyIdHex !== undefined) {
      expect(line.keyId).toBe(parseInt(p.keyIdHex, 16));
      expect(line.signature).toHaveLength(72);
      expect(toHex(line.signature.subarray(8))).toBe(p.ed25519SigHex);
    } else {
      expect(line.signature).toHaveLength(64);
    }
    expect(openNote(note, [verifierByName('PeterNeumann')]).unverified).toEqual([line]);
  });

  it.each(cosignatures.messageFormatVectors)('cosigned message at time $timestamp carries a parseable checkpoint body', (m) => {
    const prefix = `cosignature/v1\ntime ${m.timestamp}\n`;
    expect(m.signedMessage.startsWith(prefix)).toBe(true);
    const body = m.signedMessage.slice(prefix.length);
    if (m.checkpointBody !== undefined) expect(body).toBe(m.checkpointBody);
    expect(parseCheckpoint(body).origin.length).toBeGreaterThan(0);
  });
});

// ---- behaviour beyond the vectors --------------------------------------------------------

describe('keys', () => {
  it('key names follow signed-note', () => {
    for (const ok of ['a', 'example.com/foo', 'go.sum', 'ñandú', 'x\u007fy', 'emoji\u{1f600}']) expect(isValidKeyName(ok)).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\u0001b', 'a\ud800b']) {
      expect(isValidKeyName(bad)).toBe(false);
    }
    expect(outcome(() => keyId('a b', new Uint8Array(32)))).toBe('INVALID_ARGUMENT');
    expect(outcome(() => keyId('a', new Uint8Array(31)))).toBe('INVALID_ARGUMENT');
  });

  it('verifier keys are parsed strictly', () => {
    const upper = peter.vkey.replace(peter.keyIdHex, peter.keyIdHex.toUpperCase());
    expect(upper).not.toBe(peter.vkey);
    const wrongId = peter.vkey.replace(peter.keyIdHex, 'c74f20a4');
    const otherKey = `${peter.vkey.slice(0, -1)}X`;
    const padded = `${peter.vkey.slice(0, -4)}AAA=`;
    for (const bad of [upper, wrongId, otherKey, padded, `${peter.vkey}=`, ` ${peter.vkey}`, 'PeterNeumann', 'PeterNeumann+c74f20a3']) {
      expect(outcome(() => parseVerifierKey(bad))).toBe('MALFORMED_KEY');
    }
    expect(outcome(() => parseVerifierKey(42 as unknown as string))).toBe('INVALID_ARGUMENT');
  });

  it('a vkey holding a small-order or non-canonical Ed25519 key is refused', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(outcome(() => parseVerifierKey(formatVerifierKey('bad', identity)))).toBe('MALFORMED_KEY');
    const yEqualsP = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(outcome(() => parseVerifierKey(formatVerifierKey('bad', yEqualsP)))).toBe('MALFORMED_KEY');
  });

  it('signer keys are parsed strictly, and errors never echo the key', () => {
    const skey = peter.skey!;
    const cases = [
      skey.replace('PRIVATE+KEY+', 'PRIVATE+KEYS+'),
      skey.replace('PRIVATE+KEY+', ''),
      skey.replace(peter.keyIdHex, 'c74f20a4'),
      `${skey.slice(0, -1)}A`,
      skey.replace('+AYEK', '+AoEK'),
    ];
    for (const bad of cases) {
      try {
        parseSignerKey(bad);
        expect.unreachable();
      } catch (e) {
        expect(isLedgerError(e, 'MALFORMED_KEY')).toBe(true);
        const secret = bad.slice(bad.lastIndexOf('+') + 1);
        expect((e as Error).message).not.toContain(secret.slice(4, 20));
        expect(JSON.stringify((e as { details: unknown }).details)).not.toContain(secret.slice(4, 20));
      }
    }
  });

  it('generateKeyPair makes a working pair', async () => {
    const { skey, vkey } = generateKeyPair('example.com/log');
    const s = parseSignerKey(skey);
    const v = parseVerifierKey(vkey);
    expect(s.keyId).toBe(v.keyId);
    expect(s.publicKey).toEqual(v.publicKey);
    const note = await signNote('hello\n', [s]);
    expect(openNote(note, [v]).text).toBe('hello\n');
    expect(generateKeyPair('example.com/log').vkey).not.toBe(vkey);
    expect(outcome(() => generateKeyPair('bad name'))).toBe('INVALID_ARGUMENT');
  });
});

describe('signing and opening', () => {
  const peterSigner = parseSignerKey(peter.skey!);
  const enochSigner = parseSignerKey(enoch.skey!);

  it('an asynchronous signer (HSM/KMS) gives the same note', async () => {
    const asyncSigner: NoteSigner = {
      name: peterSigner.name,
      keyId: peterSigner.keyId,
      sign: async (msg) => peterSigner.sign(msg),
    };
    expect(await signNote(peterNote.text, [asyncSigner])).toBe(peterNote.message);
  });

  it('formatSignatureLine writes the line signNote writes', () => {
    const sig = hex(peterNote.signatures[0]!.signatureHex);
    expect(peterNote.text + '\n' + formatSignatureLine('PeterNeumann', peterSigner.keyId, sig)).toBe(peterNote.message);
    expect(outcome(() => formatSignatureLine('Peter Neumann', 1, sig))).toBe('INVALID_ARGUMENT');
    expect(outcome(() => formatSignatureLine('PeterNeumann', 2 ** 32, sig))).toBe('INVALID_ARGUMENT');
    expect(outcome(() => formatSignatureLine('PeterNeumann', 1, new Uint8Array(0)))).toBe('INVALID_ARGUMENT');
  });

  it('signNote refuses bad texts and signer lists', async () => {
    for (const text of ['no newline', 'tab\there\n', 'nul\u0000\n', 'cr\r\n', 'lone \udc00\n', 42 as unknown as string]) {
      expect(await outcomeAsync(() => signNote(text, [peterSigner]))).toBe('INVALID_ARGUMENT');
    }
    expect(await outcomeAsync(() => signNote('x\n', []))).toBe('INVALID_ARGUMENT');
    expect(await outcomeAsync(() => signNote('x\n', [peterSigner, peterSigner]))).toBe('INVALID_ARGUMENT');
    expect(await outcomeAsync(() => signNote('x\n', [{ name: 'a b', keyId: 1, sign: () => new Uint8Array(64) }]))).toBe('INVALID_ARGUMENT');
    expect(await outcomeAsync(() => signNote('x\n', [{ name: 'a', keyId: -1, sign: () => new Uint8Array(64) }]))).toBe('INVALID_ARGUMENT');
    expect(await outcomeAsync(() => signNote('x'.repeat(MAX_NOTE_BYTES) + '\n', [peterSigner]))).toBe('INPUT_TOO_LARGE');
  });

  it('a failing signer gives SIGNER_FAILED', async () => {
    const throws: NoteSigner = { name: 'hsm', keyId: 1, sign: () => Promise.reject(new Error('device unplugged')) };
    const empty: NoteSigner = { name: 'hsm', keyId: 1, sign: () => new Uint8Array(0) };
    const wrongType: NoteSigner = { name: 'hsm', keyId: 1, sign: () => 'sig' as unknown as Uint8Array };
    for (const s of [throws, empty, wrongType]) expect(await outcomeAsync(() => signNote('x\n', [s]))).toBe('SIGNER_FAILED');
  });

  it('accepts the 16 signatures signed-note requires verifiers to accept', async () => {
    const pairs = Array.from({ length: 16 }, (_, i) => generateKeyPair(`witness-${i}.example`));
    const note = await signNote('checkpoint\n', pairs.map((p) => parseSignerKey(p.skey)));
    const opened = openNote(note, pairs.map((p) => parseVerifierKey(p.vkey)));
    expect(opened.verified).toHaveLength(16);
  });

  it('one bad signature by a known key rejects the note even if another verifies', async () => {
    const note = await signNote(peterNote.text, [peterSigner, enochSigner]);
    const lines = note.split('\n');
    const enochLine = lines.findIndex((l) => l.startsWith('\u2014 EnochRoot '));
    const forged = formatSignatureLine('EnochRoot', enochSigner.keyId, enochSigner.sign(utf8('other text\n')) as Uint8Array);
    lines[enochLine] = forged.slice(0, -1);
    const tampered = lines.join('\n');
    expect(outcome(() => openNote(tampered, [verifierByName('PeterNeumann')]))).toBe('OK');
    expect(outcome(() => openNote(tampered, [verifierByName('PeterNeumann'), verifierByName('EnochRoot')]))).toBe('INVALID_SIGNATURE');
  });

  it('a known name with an unknown key ID (or the reverse) is ignored, not checked', () => {
    const line = peterNote.message.slice(peterNote.text.length + 1);
    const otherId = `${peterNote.text}\n${line.replace('x08go', 'x08gp')}`;
    expect(parseNote(otherId).signatures[0]!.keyId).not.toBe(peterSigner.keyId);
    expect(outcome(() => openNote(otherId, [verifierByName('PeterNeumann')]))).toBe('UNKNOWN_KEY');
    const otherName = `${peterNote.text}\n${line.replace('PeterNeumann', 'PeterNeumann2')}`;
    expect(outcome(() => openNote(otherName, [verifierByName('PeterNeumann')]))).toBe('UNKNOWN_KEY');
  });

  it('verifier lists: duplicates are merged, two keys under one name+ID are refused', () => {
    const v = verifierByName('PeterNeumann');
    expect(openNote(peterNote.message, [v, parseVerifierKey(peter.vkey)]).verified).toHaveLength(1);
    const impostor: NoteVerifier = { ...v, publicKey: hex(enoch.publicKeyHex), verify: () => true };
    expect(outcome(() => openNote(peterNote.message, [v, impostor]))).toBe('INVALID_ARGUMENT');
    expect(outcome(() => openNote(peterNote.message, 'x' as unknown as NoteVerifier[]))).toBe('INVALID_ARGUMENT');
    expect(outcome(() => openNote(peterNote.message, [{} as NoteVerifier]))).toBe('INVALID_ARGUMENT');
  });

  it('size limits are enforced before parsing', () => {
    expect(MAX_NOTE_BYTES).toBe(1_048_576);
    const big = `${'a'.repeat(MAX_NOTE_BYTES)}\n\n\u2014 x AAAAAAA=\n`;
    expect(outcome(() => parseNote(big))).toBe('INPUT_TOO_LARGE');
    expect(outcome(() => parseNote(utf8(big)))).toBe('INPUT_TOO_LARGE');
    // Under the limit in UTF-16 units, over it in UTF-8 bytes.
    const wide = `${'\u00e9'.repeat(MAX_NOTE_BYTES / 2)}\n\n\u2014 x AAAAAAA=\n`;
    expect(wide.length).toBeLessThan(MAX_NOTE_BYTES);
    expect(outcome(() => parseNote(wide))).toBe('INPUT_TOO_LARGE');
    expect(outcome(() => parseNote(42 as unknown as string))).toBe('INVALID_ARGUMENT');
  });

  it('parseNote splits at the last blank line; the text may hold blank lines', async () => {
    const text = 'a\n\nb\n\n';
    const note = await signNote(text, [peterSigner]);
    expect(parseNote(note).text).toBe(text);
    expect(openNote(note, [verifierByName('PeterNeumann')]).text).toBe(text);
  });

  it('an em dash spelled differently or a missing space is malformed', () => {
    const line = peterNote.message.slice(peterNote.text.length + 1);
    for (const bad of [line.replace('\u2014', '-'), line.replace('\u2014', '\u2013'), line.replace('\u2014 ', '\u2014'), line.replace(' x08', '  x08')]) {
      expect(outcome(() => parseNote(`${peterNote.text}\n${bad}`))).toBe('MALFORMED_NOTE');
    }
  });
});

describe('checkpoints beyond the vectors', () => {
  const monkeys = checkpoints.signedCheckpoints.find((c) => c.origin === 'monkeys')!;
  const signer = parseSignerKey(monkeys.skey!);
  const verifier = parseVerifierKey(monkeys.vkey);
  const root = new Uint8Array(32).fill(9);

  it('tree sizes: canonical decimal, at most 2^53 - 1', () => {
    const body = (size: string) => `log\n${size}\n${toBase64(root)}\n`;
    expect(parseCheckpoint(body('0')).size).toBe(0);
    expect(parseCheckpoint(body('9007199254740991')).size).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['9007199254740992', '18446744073709551615', '00', '01', '+1', '-0', ' 1', '1 ', '1e3', '', '١']) {
      expect(outcome(() => parseCheckpoint(body(bad)))).toBe('MALFORMED_CHECKPOINT');
    }
  });

  it('origins: non-empty, no control characters, no white space at either end', () => {
    const body = (origin: string) => `${origin}\n1\n${toBase64(root)}\n`;
    expect(parseCheckpoint(body('go.sum database tree')).origin).toBe('go.sum database tree');
    for (const bad of ['', ' log', 'log ', '\u00a0log', 'log\u3000', 'lo\u007fg', 'lo\u0085g']) {
      expect(outcome(() => parseCheckpoint(body(bad)))).toBe('MALFORMED_CHECKPOINT');
      expect(outcome(() => formatCheckpoint({ origin: bad, size: 1, root, extensions: [] }))).toBe('INVALID_ARGUMENT');
    }
  });

  it('roots: strict base64 of exactly 32 bytes', () => {
    const good = toBase64(root);
    for (const bad of [toBase64(new Uint8Array(31)), toBase64(new Uint8Array(33)), good.slice(0, -1), `${good.slice(0, -2)}J=`, ` ${good}`]) {
      expect(outcome(() => parseCheckpoint(`log\n1\n${bad}\n`))).toBe('MALFORMED_CHECKPOINT');
    }
  });

  it('formatCheckpoint refuses bad fields', () => {
    const ok: Checkpoint = { origin: 'log', size: 1, root, extensions: [] };
    for (const bad of [
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: 2 ** 53 },
      { ...ok, root: new Uint8Array(31) },
      { ...ok, extensions: [''] },
      { ...ok, extensions: ['a\nb'] },
      { ...ok, origin: 'a\nb' },
    ]) {
      expect(outcome(() => formatCheckpoint(bad))).toBe('INVALID_ARGUMENT');
    }
  });

  it('the signature is checked before the body is looked at', async () => {
    const note = await signNote('not a checkpoint\n', [signer]);
    expect(outcome(() => openCheckpoint(note, [verifier]))).toBe('MALFORMED_CHECKPOINT');
    const other = parseSignerKey(generateKeyPair('monkeys').skey);
    const forged = await signNote('not a checkpoint\n', [{ name: 'monkeys', keyId: verifier.keyId, sign: (m) => other.sign(m) }]);
    expect(outcome(() => openCheckpoint(forged, [verifier]))).toBe('INVALID_SIGNATURE');
  });

  it('property: format/parse round trip', () => {
    const origin = fc
      .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
      .filter((s) => !/\p{Cc}|\p{Cs}|^\p{White_Space}|\p{White_Space}$/u.test(s) && s.length > 0);
    const ext = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => !/[\x00-\x1f]|\p{Cs}/u.test(s) && s.length > 0);
    fc.assert(
      fc.property(
        origin,
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(ext, { maxLength: 3 }),
        (o, size, r, extensions) => {
          const cp = { origin: o, size, root: r, extensions };
          const parsed = parseCheckpoint(formatCheckpoint(cp), { allowExtensions: true });
          expect(parsed).toEqual(cp);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---- properties: base64, notes -------------------------------------------------------------

describe('properties', () => {
  it('base64: round trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(fromBase64(toBase64(b))).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('base64: every non-canonical or non-alphabet form is refused', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.constantFrom('-', '_', ' ', '\n', '=', '.', '\u00e9', '\u0000'),
        (b, pick, bad) => {
          const s = toBase64(b);
          const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
          const body = s.length - pad;
          const fails = (t: string) => expect(outcome(() => fromBase64(t))).toBe('MALFORMED_BASE64');
          // A character outside the alphabet anywhere in the data part.
          const i = pick % body;
          // ('=' as the last data character would be valid padding of a shorter string.)
          if (!(bad === '=' && i === body - 1)) fails(s.slice(0, i) + bad + s.slice(i + 1));
          // Padding removed or added.
          if (pad > 0) fails(s.slice(0, -pad));
          fails(`${s}=`);
          fails(`${s}====`);
          // Unused bits of the last group set (RFC 4648 §3.5).
          if (pad > 0) {
            const last = ALPHABET.indexOf(s[body - 1]!);
            const unused = pad === 1 ? 0b11 : 0b1111;
            const flipped = last | (1 + (pick % unused));
            expect(flipped).not.toBe(last);
            fails(s.slice(0, body - 1) + ALPHABET[flipped]! + s.slice(body));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  const keyName = fc.stringMatching(/^[a-z0-9][a-z0-9./_-]{0,24}$/);
  const textLine = fc.string({ maxLength: 40, unit: 'grapheme' }).map((s) => s.replace(/[\x00-\x1f]|\p{Cs}/gu, ''));
  const noteText = fc.array(textLine, { minLength: 1, maxLength: 6 }).map((lines) => `${lines.join('\n')}\n`);
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('note round trip: sign, parse, open', async () => {
    await fc.assert(
      fc.asyncProperty(noteText, fc.uniqueArray(fc.tuple(keyName, seed), { minLength: 1, maxLength: 3, selector: ([n]) => n }), async (text, keys) => {
        const signers = keys.map(([n, s]) => parseSignerKey(formatSignerKey(n, s)));
        const verifiers = keys.map(([n, s]) => parseVerifierKey(formatVerifierKey(n, ed25519PublicKey(s))));
        const note = await signNote(text, signers);
        const parsed = parseNote(note);
        expect(parsed.text).toBe(text);
        expect(parsed.signatures.map((s) => s.name)).toEqual(keys.map(([n]) => n));
        const opened = openNote(utf8(note), verifiers);
        expect(opened.text).toBe(text);
        expect(opened.verified).toEqual(verifiers);
        expect(openNote(note, [verifiers[0]!]).unverified).toHaveLength(keys.length - 1);
      }),
      { numRuns: 200 },
    );
  });

  it('a single-byte change at a random position of 2,000 random signed notes makes each fail to open', async () => {
    const signer = parseSignerKey(peter.skey!);
    const verifier = verifierByName('PeterNeumann');
    await fc.assert(
      fc.asyncProperty(noteText, fc.nat(), fc.integer({ min: 1, max: 255 }), async (text, at, delta) => {
        const bytes = utf8(await signNote(text, [signer]));
        const i = at % bytes.length;
        const mutated = bytes.slice();
        mutated[i] = (mutated[i]! + delta) & 255;
        const code = outcome(() => openNote(mutated, [verifier]));
        expect(['MALFORMED_NOTE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY']).toContain(code);
      }),
      { numRuns: 2000 },
    );
  });

  it('a single-byte change at a random position of the text of 500 random doubly signed notes makes each fail to open', async () => {
    const signers = [parseSignerKey(peter.skey!), parseSignerKey(enoch.skey!)];
    const verifiers = [verifierByName('PeterNeumann'), verifierByName('EnochRoot')];
    await fc.assert(
      fc.asyncProperty(noteText, fc.nat(), fc.integer({ min: 1, max: 255 }), async (text, at, delta) => {
        const bytes = utf8(await signNote(text, signers));
        const i = at % utf8(text).length;
        const mutated = bytes.slice();
        mutated[i] = (mutated[i]! + delta) & 255;
        const code = outcome(() => openNote(mutated, verifiers));
        expect(['MALFORMED_NOTE', 'INVALID_SIGNATURE']).toContain(code);
      }),
      { numRuns: 500 },
    );
  });
});
