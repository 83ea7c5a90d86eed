/**
 * RFC 9162 §2.1.1 hashing (format.md §5): the leaf and node hashes with
 * their one-byte domain prefixes, and the root of the empty tree.
 */
import { checkBytes } from '../args.js';
import { fromHex } from '../bytes.js';
import { sha256 } from '../hash.js';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_LEN = 32;

/**
 * Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
 * Shared constant: do not mutate it; functions of this module return copies.
 */
export const EMPTY_ROOT: Uint8Array = fromHex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

/**
 * Leaf hash `H(0x00 ‖ entry)` (RFC 9162 §2.1.1; format §5).
 *
 * @param entry - the stored entry bytes, hashed as they are.
 * @returns the 32-byte leaf hash.
 * @throws LedgerError INVALID_ARGUMENT if `entry` is not a Uint8Array.
 * @example leafHash(utf8('hello world')) // 4eccf346…
 */
export function leafHash(entry: Uint8Array): Uint8Array {
  checkBytes(entry, 'entry');
  const input = new Uint8Array(entry.length + 1);
  input.set(entry, 1);
  return sha256(input);
}

/** Reused input buffer for the common case of two 32-byte children. */
const nodeInput = new Uint8Array(1 + 2 * HASH_LEN);
nodeInput[0] = 0x01;

/**
 * Interior node hash `H(0x01 ‖ left ‖ right)` (RFC 9162 §2.1.1; format §5).
 * The children are concatenated as given, whatever their length.
 *
 * @returns the 32-byte node hash.
 * @throws LedgerError INVALID_ARGUMENT if a child is not a Uint8Array.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  checkBytes(left, 'left');
  checkBytes(right, 'right');
  return hashChildren(left, right);
}

/** nodeHash without argument checks, for callers that checked them. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_LEN && right.length === HASH_LEN) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_LEN);
    return sha256(nodeInput);
  }
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/**
 * A plain Uint8Array copy. `Buffer#slice` returns a view, not a copy, so
 * `.slice()` is not used on arrays that may be Buffers.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
