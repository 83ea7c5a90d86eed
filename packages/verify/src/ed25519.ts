/**
 * Ed25519 (RFC 8032 §5.1, pure Ed25519, no context) under the casetrail
 * verification policy of docs/format.md §4.4, behind a switchable provider
 * like hash.ts. The portable provider is @noble/ed25519; a Node host may
 * install node:crypto (node-crypto.ts). Whatever the provider, every caller
 * goes through {@link ed25519Verify}, whose shared pre-checks make both
 * providers give the same verdict on every input.
 *
 * No Node-only imports: this file also runs in a browser.
 */
import * as ed from '@noble/ed25519';
import { Point } from '@noble/ed25519';
import { concatBytes, equalBytes, toHex } from './bytes.js';
import { LedgerError } from './errors.js';
import { sha512 } from './hash.js';

// noble's synchronous API needs a SHA-512; route it through the hash
// provider so that one switch governs every SHA-512 casetrail computes.
ed.hashes.sha512 = (m) => sha512(m) as Uint8Array<ArrayBuffer>;

/** Length in bytes of an Ed25519 public key, private seed, and signature. */
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SEED_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** The order L of the prime-order subgroup (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * An Ed25519 implementation. `verify` is RFC 8032 §5.1.7 with the
 * cofactorless equation and R compared by encoding; it need not apply the
 * rest of the §4.4 policy (small-order keys), which {@link ed25519Verify}
 * enforces for every provider. Providers never throw on bad signature or key
 * bytes; `verify` returns false.
 */
export interface Ed25519Provider {
  readonly name: string;
  /** The 32-byte public key of a 32-byte seed (RFC 8032 §5.1.5). */
  publicKey(seed: Uint8Array): Uint8Array;
  /** The 64-byte signature R ‖ S of `msg` (RFC 8032 §5.1.6). */
  sign(seed: Uint8Array, msg: Uint8Array): Uint8Array;
  /** true if `sig` is a valid signature of `msg` by `publicKey`. */
  verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
}

/**
 * A small bounded map for per-key derived objects (decoded points, imported
 * keys). Keys repeat (one checkpoint key, a few actor keys), so a few hundred
 * entries cover real workloads; the oldest entry is dropped when full.
 * @internal shared with node-crypto.ts
 */
export class KeyCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): V {
    if (this.map.size >= this.capacity && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
    return value;
  }
}

interface DecodedKey {
  readonly point: Point;
  readonly smallOrder: boolean;
}

const decodedKeys = new KeyCache<DecodedKey | null>(256);

/**
 * Strict RFC 8032 §5.1.3 decoding of a public key, cached: null if the bytes
 * are not a canonical encoding of a curve point (y ≥ p, x = 0 with the sign
 * bit set, or no square root).
 */
function decodeKey(publicKey: Uint8Array): DecodedKey | null {
  const id = toHex(publicKey);
  const hit = decodedKeys.get(id);
  if (hit !== undefined) return hit;
  let decoded: DecodedKey | null = null;
  try {
    const point = Point.fromBytes(publicKey, false);
    decoded = { point, smallOrder: point.isSmallOrder() };
  } catch {
    decoded = null;
  }
  return decodedKeys.set(id, decoded);
}

function scalarFromLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * The portable provider on @noble/ed25519 v3. noble's own `verify` is
 * cofactored even with `{ zip215: false }`, so `verify` here implements the
 * cofactorless check itself: A decoded strictly, S < L,
 * k = SHA-512(R ‖ A ‖ M) mod L, and encode([S]B − [k]A) compared with the R
 * bytes. The encoding of a point is always canonical, so an R that is
 * non-canonical or not on the curve never matches, which is what strict
 * decoding of R would reject.
 */
export const nobleEd25519: Ed25519Provider = {
  name: 'noble',
  publicKey: (seed) => ed.getPublicKey(seed),
  sign: (seed, msg) => ed.sign(msg, seed),
  verify(publicKey, msg, sig) {
    if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || sig.length !== ED25519_SIGNATURE_LENGTH) {
      return false;
    }
    const key = decodeKey(publicKey);
    if (key === null) return false;
    const r = sig.subarray(0, 32);
    const s = scalarFromLE(sig.subarray(32, 64));
    if (s >= L) return false;
    const k = scalarFromLE(sha512(concatBytes(r, publicKey, msg))) % L;
    const check = Point.BASE.multiply(s, false).subtract(key.point.multiply(k, false));
    return equalBytes(check.toBytes(), r);
  },
};

let provider: Ed25519Provider = nobleEd25519;

/**
 * Installs the Ed25519 implementation used by every function below.
 * @param p - a provider, e.g. {@link nobleEd25519} or node-crypto's `nodeEd25519`
 * @throws LedgerError INVALID_ARGUMENT if `p` lacks the provider methods
 */
export function setEd25519Provider(p: Ed25519Provider): void {
  if (
    p === null ||
    typeof p !== 'object' ||
    typeof p.verify !== 'function' ||
    typeof p.sign !== 'function' ||
    typeof p.publicKey !== 'function'
  ) {
    throw new LedgerError('INVALID_ARGUMENT', 'provider: expected an Ed25519Provider');
  }
  provider = p;
}

/** The Ed25519 provider currently installed. */
export function ed25519Provider(): Ed25519Provider {
  return provider;
}

function requireBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new LedgerError('INVALID_ARGUMENT', `${name}: expected a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new LedgerError('INVALID_ARGUMENT', `${name}: expected ${length} bytes, got ${value.length}`);
  }
}

/**
 * Whether `publicKey` is acceptable as an Ed25519 key under format.md §4.4:
 * 32 bytes, a canonical point encoding (y < p, not x = 0 with the sign bit
 * set), and not of small order. Strict mode refuses small-order keys because
 * a signature under such a key proves nothing about who made it (any S with
 * [S]B = R verifies for every message when [k]A is the identity).
 * @param publicKey - the raw 32-byte key
 * @returns true if the key passes the policy
 * @throws LedgerError INVALID_ARGUMENT if `publicKey` is not a Uint8Array
 */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  requireBytes(publicKey, 'publicKey');
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  const key = decodeKey(publicKey);
  return key !== null && !key.smallOrder;
}

/**
 * Verifies an Ed25519 signature under the casetrail policy (format.md §4.4):
 * the key passes {@link isValidEd25519PublicKey}, the signature is 64 bytes
 * with S < L, and the provider's cofactorless check holds. Inputs are
 * treated as attacker-controlled: wrong lengths give false, never a throw.
 * @param publicKey - raw 32-byte public key
 * @param msg - the signed message
 * @param sig - 64-byte signature R ‖ S
 * @returns true if the signature is valid under the policy
 * @throws LedgerError INVALID_ARGUMENT if an argument is not a Uint8Array
 * @example
 * ed25519Verify(ed25519PublicKey(seed), msg, ed25519Sign(seed, msg)); // true
 */
export function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  requireBytes(publicKey, 'publicKey');
  requireBytes(msg, 'msg');
  requireBytes(sig, 'sig');
  if (sig.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!isValidEd25519PublicKey(publicKey)) return false;
  if (scalarFromLE(sig.subarray(32, 64)) >= L) return false;
  try {
    return provider.verify(publicKey, msg, sig) === true;
  } catch {
    return false;
  }
}

/**
 * Signs `msg` with a 32-byte Ed25519 seed (RFC 8032 §5.1.6; deterministic).
 * @param seed - the 32-byte private seed
 * @param msg - the message
 * @returns the 64-byte signature
 * @throws LedgerError INVALID_ARGUMENT on a wrong argument type or seed length
 */
export function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  requireBytes(seed, 'seed', ED25519_SEED_LENGTH);
  requireBytes(msg, 'msg');
  return provider.sign(seed, msg);
}

/**
 * The public key of a 32-byte Ed25519 seed (RFC 8032 §5.1.5).
 * @param seed - the 32-byte private seed
 * @returns the 32-byte public key
 * @throws LedgerError INVALID_ARGUMENT on a wrong argument type or seed length
 */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  requireBytes(seed, 'seed', ED25519_SEED_LENGTH);
  return provider.publicKey(seed);
}

/**
 * A fresh random 32-byte Ed25519 seed from `crypto.getRandomValues`.
 * @returns the seed
 */
export function generateSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(ED25519_SEED_LENGTH));
}
