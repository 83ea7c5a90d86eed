/**
 * Random bytes for salts (format.md §4.2) and nonces (§4.6), from the
 * platform's cryptographically secure generator. One generator call fills
 * a 64 KiB pool, from which each request takes its bytes once: a call per
 * salt cost more than hashing the entry.
 */

// 64 KiB, the most crypto.getRandomValues fills in one call.
const POOL_BYTES = 65_536;
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `n` fresh random bytes (1 to 1024).
 * @returns a new array, not a view of the pool
 */
export function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 1 || n > 1024) throw new RangeError('randomBytes: n must be from 1 to 1024');
  if (offset + n > POOL_BYTES) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + n);
  // Each byte is handed out once: the pool is wiped as it is taken.
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
