// c2sp.org/tlog-cosignature (cosignature/v1, type 0x04): the public vectors of
// ../shared/vectors/tlog-cosignature.json, run as they are, and the strictness
// and attack cases of tlog/cosignature.ts.
import { describe, expect, it } from 'vitest';
import {
  cosignatureKeyId,
  ed25519PublicKey,
  cosignatureMessage,
  formatCosignatureVerifierKey,
  fromBase64,
  openCosignature,
  openNote,
  parseCheckpoint,
  parseCosignatureLine,
  parseCosignatureVerifierKey,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signCosignature,
  toHex,
  verifyCosignature,
} from '../src/index.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { hex, loadVectors } from './helpers/vectors.js';
import { codeOf, detailsOf } from './helpers/codes.js';

interface CosignatureVectors {
  messageFormatVectors: Array<{ desc: string; timestamp: string; checkpointBody?: string; signedMessage: string }>;
  parsingVectors: Array<{ desc: string; base64: string; keyIdHex?: string; timestamp?: string; ed25519SigHex?: string; expect?: string }>;
  vkeys: Array<{ vkey: string; sigType: number; publicKeyHex: string; cosignatureKeyIdHex?: string }>;
  derivedCosignatures: {
    cosignerSkey: string;
    ed25519SeedHex: string;
    publicKeyHex: string;
    cosignatureVkey: string;
    vectors: Array<{ desc: string; cosignerName: string; timestamp: string; checkpointBody: string; signedMessage: string; signedMessageHex: string; cosignatureRawHex: string; signatureLine: string }>;
  };
}

const V = loadVectors<CosignatureVectors>('tlog-cosignature.json');

describe('cosignature/v1 vectors (tlog-cosignature.json)', () => {
  it.each(V.messageFormatVectors)('signed message: $desc', (v) => {
    const body = v.checkpointBody ?? v.signedMessage.split('\n').slice(2).join('\n');
    expect(new TextDecoder().decode(cosignatureMessage(body, BigInt(v.timestamp)))).toBe(v.signedMessage);
  });

  it.each(V.parsingVectors)('payload parsing: $desc', (v) => {
    const line = `— witness ${v.base64}\n`;
    if (v.expect !== undefined) {
      expect(codeOf(() => parseCosignatureLine(line))).toBe('MALFORMED_NOTE');
      return;
    }
    const c = parseCosignatureLine(line);
    expect(c.keyId.toString(16).padStart(8, '0')).toBe(v.keyIdHex);
    expect(c.timestamp).toBe(BigInt(v.timestamp!));
    expect(toHex(c.signature)).toBe(v.ed25519SigHex);
    expect(c.line).toBe(line);
  });

  it.each(V.vkeys)('verifier keys: $vkey', (v) => {
    if (v.sigType === 4) {
      const k = parseCosignatureVerifierKey(v.vkey);
      expect(toHex(k.publicKey)).toBe(v.publicKeyHex);
      expect(formatCosignatureVerifierKey(k.name, k.publicKey)).toBe(v.vkey);
    } else {
      // A type-0x01 note key is not a cosignature key; its 0x04 key ID is recomputed.
      expect(codeOf(() => parseCosignatureVerifierKey(v.vkey))).toBe('MALFORMED_KEY');
      const k = parseVerifierKey(v.vkey);
      expect(cosignatureKeyId(k.name, k.publicKey).toString(16).padStart(8, '0')).toBe(v.cosignatureKeyIdHex);
    }
  });

  const D = V.derivedCosignatures;
  it('the derived cosigner key', () => {
    const seed = hex(D.ed25519SeedHex);
    expect(toHex(parseSignerKey(D.cosignerSkey).publicKey)).toBe(D.publicKeyHex);
    expect(formatCosignatureVerifierKey('witness', hex(D.publicKeyHex))).toBe(D.cosignatureVkey);
    expect(seed.length).toBe(32);
  });

  it.each(D.vectors)('derived cosignature: $desc', (v) => {
    expect(toHex(cosignatureMessage(v.checkpointBody, BigInt(v.timestamp)))).toBe(v.signedMessageHex);
    // Ed25519 is deterministic: signing again gives the line byte for byte.
    expect(signCosignature(v.checkpointBody, v.cosignerName, hex(D.ed25519SeedHex), BigInt(v.timestamp))).toBe(v.signatureLine);
    expect(toHex(fromBase64(v.signatureLine.slice(`— ${v.cosignerName} `.length, -1)))).toBe(v.cosignatureRawHex);
    expect(verifyCosignature(v.checkpointBody, v.signatureLine, D.cosignatureVkey)).toBe(true);
    const opened = openCosignature(parseCheckpoint(v.checkpointBody, { allowExtensions: true }), v.signatureLine, [parseCosignatureVerifierKey(D.cosignatureVkey)]);
    expect(opened.timestamp).toBe(BigInt(v.timestamp));
  });
});

describe('cosignatures of a casetrail checkpoint', () => {
  const witnessSeed = new Uint8Array(32).fill(42);
  const witness = formatCosignatureVerifierKey('witness.example', ed25519PublicKey(witnessSeed));
  const notePromise = signCheckpoint({ origin: ORIGIN, size: 5, root: new Uint8Array(32).fill(3), extensions: [] }, [parseSignerKey(KEYS.skey)]);

  it('a cosignature line of a signed note verifies over its text, and the note still opens with the line appended', async () => {
    const note = await notePromise;
    const line = signCosignature(note, 'witness.example', witnessSeed, 1_700_000_000n);
    expect(verifyCosignature(note, line, witness)).toBe(true);
    const cosigned = note + line;
    expect(openNote(cosigned, [parseVerifierKey(KEYS.vkey)]).unverified).toHaveLength(1);
    expect(verifyCosignature(cosigned, line, witness)).toBe(true);
  });

  it('attacks: another checkpoint, another time, another key, a flipped bit', async () => {
    const note = await notePromise;
    const line = signCosignature(note, 'witness.example', witnessSeed, 1_700_000_000n);
    const other = await signCheckpoint({ origin: ORIGIN, size: 6, root: new Uint8Array(32).fill(3), extensions: [] }, [parseSignerKey(KEYS.skey)]);
    expect(verifyCosignature(other, line, witness)).toBe(false);
    const c = parseCosignatureLine(line);
    const blob = fromBase64(line.slice('— witness.example '.length, -1));
    blob[11]! ^= 1; // the timestamp's last byte
    const retimed = `— witness.example ${Buffer.from(blob).toString('base64')}\n`;
    expect(verifyCosignature(note, retimed, witness)).toBe(false);
    const stranger = formatCosignatureVerifierKey('witness.example', ed25519PublicKey(new Uint8Array(32).fill(43)));
    expect(verifyCosignature(note, line, stranger)).toBe(false);
    expect(codeOf(() => openCosignature(note, line, []))).toBe('UNKNOWN_KEY');
    for (let i = 12; i < blob.length; i += 7) {
      const b = fromBase64(line.slice('— witness.example '.length, -1));
      b[i]! ^= 0x40;
      expect(verifyCosignature(note, `— witness.example ${Buffer.from(b).toString('base64')}\n`, witness)).toBe(false);
    }
    expect(c.timestamp).toBe(1_700_000_000n);
  });

  it('malformed lines are MALFORMED_NOTE', () => {
    for (const bad of ['', 'witness AAAA', '— witness', '— witness AAA=', '— wit ness AAAA\n', '— witness AAAA\n\n', `— witness ${'A'.repeat(2000)}`]) {
      expect(codeOf(() => parseCosignatureLine(bad)), JSON.stringify(bad)).toBe('MALFORMED_NOTE');
    }
  });
});

describe('cosignature.ts rule by rule: the arguments, the line form, the timestamp bytes, who may cosign', () => {
  const seed = new Uint8Array(32).fill(42);
  const body = formatCheckpointBody();
  function formatCheckpointBody(): string {
    return `${ORIGIN}\n5\n${Buffer.from(new Uint8Array(32).fill(3)).toString('base64')}\n`;
  }

  it('arguments of the wrong type are INVALID_ARGUMENT naming the field', () => {
    const w = parseCosignatureVerifierKey(formatCosignatureVerifierKey('w', ed25519PublicKey(seed)));
    const line = signCosignature(body, 'w', seed, 1n);
    expect(detailsOf(() => parseCosignatureVerifierKey(42 as unknown as string))).toEqual({ code: 'INVALID_ARGUMENT', field: 'vkey' });
    expect(detailsOf(() => parseCosignatureLine(null as unknown as string))).toEqual({ code: 'INVALID_ARGUMENT', field: 'line' });
    expect(detailsOf(() => cosignatureMessage(7 as unknown as string, 1n))).toEqual({ code: 'INVALID_ARGUMENT', field: 'checkpoint' });
    expect(detailsOf(() => cosignatureMessage(body, -1))).toEqual({ code: 'INVALID_ARGUMENT', field: 'timestamp' });
    expect(detailsOf(() => signCosignature(body, 'a b', seed, 1n))).toEqual({ code: 'INVALID_ARGUMENT', field: 'name' });
    expect(detailsOf(() => signCosignature(body, 'w', seed.slice(1), 1n))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'seed' });
    expect(detailsOf(() => signCosignature(body, 'w', seed, 2n ** 64n))).toEqual({ code: 'INVALID_ARGUMENT', field: 'timestamp' });
    expect(detailsOf(() => openCosignature(body, line, w as unknown as never[]))).toEqual({ code: 'INVALID_ARGUMENT', field: 'witnesses' });
  });

  it('a verifier key whose key ID is not its own, or whose point the Ed25519 policy refuses, is MALFORMED_KEY', () => {
    const good = formatCosignatureVerifierKey('w', ed25519PublicKey(seed));
    // The base64 key may itself hold '+': split at the first two only.
    const [name, id] = good.split('+') as [string, string];
    const key = good.slice(name.length + id.length + 2);
    const otherId = (parseInt(id, 16) ^ 1).toString(16).padStart(8, '0');
    expect(codeOf(() => parseCosignatureVerifierKey(`${name}+${otherId}+${key}`))).toBe('MALFORMED_KEY');
    // The identity point (small order), with the key ID it would have.
    const identity = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
    expect(codeOf(() => parseCosignatureVerifierKey(formatCosignatureVerifierKey('w', identity)))).toBe('MALFORMED_KEY');
    expect(parseCosignatureVerifierKey(good).keyId).toBe(parseInt(id, 16));
  });

  it('a line without its final newline parses as the same cosignature; a body over 1,024 characters is refused even if it would parse', () => {
    const line = signCosignature(body, 'w', seed, 1_700_000_000n);
    expect(parseCosignatureLine(line.slice(0, -1))).toEqual(parseCosignatureLine(line));
    // "— " (2) + name + " " (1) + 104 base64 characters: a name of 917 makes exactly 1,024.
    const at = (n: number) => signCosignature(body, 'n'.repeat(n), seed, 1n);
    expect(at(917).length - 1).toBe(1024);
    expect(parseCosignatureLine(at(917)).name).toBe('n'.repeat(917));
    expect(codeOf(() => parseCosignatureLine(at(918)))).toBe('MALFORMED_NOTE');
  });

  it('the timestamp is written and read as 8 big-endian bytes, the first one too', () => {
    for (const t of [0n, 1n, 0x0102030405060708n, 2n ** 56n, 2n ** 64n - 1n]) {
      const line = signCosignature(body, 'w', seed, t);
      expect(parseCosignatureLine(line).timestamp, String(t)).toBe(t);
      expect(verifyCosignature(body, line, formatCosignatureVerifierKey('w', ed25519PublicKey(seed))), String(t)).toBe(true);
    }
  });

  it('only a witness of the same name and key ID is tried: another key is UNKNOWN_KEY with the signer, a bad signature INVALID_SIGNATURE with name and key ID', () => {
    const w = parseCosignatureVerifierKey(formatCosignatureVerifierKey('w', ed25519PublicKey(seed)));
    const sameNameOtherKey = parseCosignatureVerifierKey(formatCosignatureVerifierKey('w', ed25519PublicKey(new Uint8Array(32).fill(43))));
    const otherNameSameKey = parseCosignatureVerifierKey(formatCosignatureVerifierKey('v', ed25519PublicKey(seed)));
    const line = signCosignature(body, 'w', seed, 1n);
    const id = w.keyId.toString(16).padStart(8, '0');
    expect(detailsOf(() => openCosignature(body, line, [sameNameOtherKey, otherNameSameKey]))).toEqual({ code: 'UNKNOWN_KEY', signer: `w+${id}` });
    expect(openCosignature(body, line, [otherNameSameKey, w]).witness).toBe(w);
    // A verifier object made by hand with the right key ID and key but another name is not the witness that signed.
    expect(codeOf(() => openCosignature(body, line, [{ name: 'v', keyId: w.keyId, publicKey: w.publicKey }]))).toBe('UNKNOWN_KEY');
    const other = body.replace('\n5\n', '\n6\n');
    expect(detailsOf(() => openCosignature(other, line, [w]))).toEqual({ code: 'INVALID_SIGNATURE', name: 'w', keyId: id });
  });

  it('verifyCosignature: a key given as text may end in a newline; a malformed line or key is thrown, not answered false', () => {
    const vkey = formatCosignatureVerifierKey('w', ed25519PublicKey(seed));
    const line = signCosignature(body, 'w', seed, 1n);
    expect(verifyCosignature(body, line, `${vkey}\n`)).toBe(true);
    expect(codeOf(() => verifyCosignature(body, '— w AAAA\n', vkey))).toBe('MALFORMED_NOTE');
    expect(codeOf(() => verifyCosignature('not a checkpoint', line, vkey))).toBe('MALFORMED_CHECKPOINT');
  });
});
