/**
 * SHA-256 / SHA-512 behind one switch. The portable implementation is
 * @noble/hashes; a Node host may install node:crypto as a faster provider
 * (see node-crypto.ts). Both are tested against the same vectors.
 */
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';

export interface HashProvider {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
}

export const nobleHashes: HashProvider = {
  name: 'noble',
  sha256: (d) => nobleSha256(d),
  sha512: (d) => nobleSha512(d),
};

let provider: HashProvider = nobleHashes;

export function setHashProvider(p: HashProvider): void {
  provider = p;
}

export function hashProvider(): HashProvider {
  return provider;
}

export function sha256(data: Uint8Array): Uint8Array {
  return provider.sha256(data);
}

export function sha512(data: Uint8Array): Uint8Array {
  return provider.sha512(data);
}
