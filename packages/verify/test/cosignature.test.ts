// c2sp.org/tlog-cosignature (cosignature/v1, type 0x04): the public vectors of
// ../shared/vectors/tlog-cosignature.json, run as they are, and the strictness
// and attack cases of tlog/cosignature.ts.
import { describe, expect, it } from 'vitest';
import {
  LedgerError,
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
  type ErrorCode,
} from '../src/index.js';
import { KEYS, ORIGIN } from './helpers/keys.js';
import { hex, loadVectors } from './helpers/vectors.js';
import { codeOf } from './helpers/codes.js';

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
