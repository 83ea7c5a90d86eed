/**
 * node:crypto (OpenSSL) as the hash and Ed25519 provider. This is the one
 * module allowed to import `node:crypto`; the pure modules never load it.
 *
 * OpenSSL's Ed25519 verify is cofactorless and compares R by encoding, as
 * format.md §4.4 requires, but it accepts small-order public keys and the
 * x = 0 encoding with the sign bit set (ed25519-speccheck case 11). Those are
 * refused by the shared pre-checks of `ed25519Verify` before this provider
 * is asked, so its verdicts equal the portable provider's on every input.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { concatBytes, equalBytes, fromHex, toHex } from '@casetrail/verify';
import { KeyCache, setEd25519Provider, type Ed25519Provider } from '@casetrail/verify';
import { setHashProvider, type HashProvider } from '@casetrail/verify';

function digest(algorithm: 'sha256' | 'sha512', data: Uint8Array): Uint8Array {
  // crypto.hash (Node ≥ 20.12) skips the Hash object; createHash serves
  // runtimes that emulate node:crypto without it.
  const out =
    typeof nodeCrypto.hash === 'function'
      ? nodeCrypto.hash(algorithm, data, 'buffer')
      : createHash(algorithm).update(data).digest();
  return new Uint8Array(out);
}

/** SHA-256 / SHA-512 on node:crypto. */
export const nodeHashes: HashProvider = {
  name: 'node:crypto',
  sha256: (d) => digest('sha256', d),
  sha512: (d) => digest('sha512', d),
};

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS #8 private key
// (RFC 8410 §4 and §7), each followed by the 32 raw bytes.
const SPKI_PREFIX = fromHex('302a300506032b6570032100');
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

const publicKeys = new KeyCache<KeyObject | null>(256);

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = toHex(publicKey);
  const hit = publicKeys.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
  } catch {
    key = null;
  }
  return publicKeys.set(id, key);
}

// Private keys are cached by the identity of the caller's seed array (a
// signer reuses its seed), never by a string of the secret; the stored copy
// detects a seed array that was changed in place.
const privateKeys = new WeakMap<Uint8Array, { seed: Uint8Array; key: KeyObject }>();

function privateKeyObject(seed: Uint8Array): KeyObject {
  const hit = privateKeys.get(seed);
  if (hit !== undefined && equalBytes(hit.seed, seed)) return hit.key;
  const der = Buffer.from(concatBytes(PKCS8_PREFIX, seed));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  privateKeys.set(seed, { seed: seed.slice(), key });
  return key;
}

/** Ed25519 on node:crypto (OpenSSL); see the module comment for its policy. */
export const nodeEd25519: Ed25519Provider = {
  name: 'node:crypto',
  publicKey(seed) {
    const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  },
  sign(seed, msg) {
    return new Uint8Array(nodeSign(null, msg, privateKeyObject(seed)));
  },
  verify(publicKey, msg, sig) {
    if (publicKey.length !== 32 || sig.length !== 64) return false;
    const key = publicKeyObject(publicKey);
    if (key === null) return false;
    try {
      return nodeVerify(null, msg, key, sig);
    } catch {
      return false;
    }
  },
};

/**
 * Installs node:crypto as the hash provider (hash.ts) and the Ed25519
 * provider (ed25519.ts). Verdicts and outputs are identical to the portable
 * providers; only speed differs.
 * @example
 * import { installNodeCrypto } from '@casetrail/core';
 * installNodeCrypto();
 */
export function installNodeCrypto(): void {
  setHashProvider(nodeHashes);
  setEd25519Provider(nodeEd25519);
}
