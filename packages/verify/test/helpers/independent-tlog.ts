/**
 * An independent verifier for the CLI's artifacts, written from the specs
 * only, for tests: it imports nothing from packages/core/src. Hashing and
 * Ed25519 come from node:crypto (OpenSSL), not from noble.
 *
 * - RFC 9162 §2.1.1 hashes, §2.1.3.2 inclusion and §2.1.4.2 consistency
 *   verification, written out step by step as the RFC lists them;
 * - c2sp.org/signed-note (Ed25519 key ID and signature lines);
 * - c2sp.org/tlog-checkpoint bodies;
 * - c2sp.org/tlog-proof@v1 files and c2sp.org/tlog-witness add-checkpoint bodies.
 *
 * Every check failure throws a plain Error saying which step failed.
 */
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 9162 §2.1.1: leaf hash. */
export const indLeafHash = (data: Uint8Array): Buffer => sha256(Buffer.of(0x00), data);
/** RFC 9162 §2.1.1: interior node hash. */
export const indNodeHash = (l: Uint8Array, r: Uint8Array): Buffer => sha256(Buffer.of(0x01), l, r);

/** RFC 9162 §2.1.1 MTH over leaf hashes (recursive definition). */
export function indRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return Buffer.from(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return indNodeHash(indRoot(leaves.slice(0, k)), indRoot(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes (recursive definition). */
export function indPath(m: number, leaves: readonly Uint8Array[]): Buffer[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  if (m < k) return [...indPath(m, leaves.slice(0, k)), indRoot(leaves.slice(k))];
  return [...indPath(m - k, leaves.slice(k)), indRoot(leaves.slice(0, k))];
}

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** RFC 9162 §2.1.3.2, step by step. Sizes are uint64 (bigint). */
export function indVerifyInclusion(leafIndex: bigint, treeSize: bigint, hash: Uint8Array, path: readonly Uint8Array[], rootHash: Uint8Array): boolean {
  // 1. leaf_index >= tree_size fails.
  if (leafIndex >= treeSize) return false;
  // 2. fn = leaf_index, sn = tree_size - 1.
  let fn = leafIndex;
  let sn = treeSize - 1n;
  // 3. r = hash.
  let r: Buffer = Buffer.from(hash);
  // 4. for each p in inclusion_path:
  for (const p of path) {
    // a. if sn is 0, fail.
    if (sn === 0n) return false;
    // b. if LSB(fn) is set, or fn == sn:
    if ((fn & 1n) === 1n || fn === sn) {
      r = indNodeHash(p, r);
      // right-shift fn and sn until LSB(fn) is set or fn is 0.
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = indNodeHash(r, p);
    }
    // c. right-shift fn and sn once.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. sn is 0 and r equals root_hash.
  return sn === 0n && eq(r, rootHash);
}

/** RFC 9162 §2.1.4.2, step by step, for 0 < first < second. */
export function indVerifyConsistency(first: bigint, second: bigint, firstHash: Uint8Array, secondHash: Uint8Array, consistencyPath: readonly Uint8Array[]): boolean {
  if (first <= 0n || first >= second) throw new Error('indVerifyConsistency covers 0 < first < second only');
  // 1. an empty path fails.
  if (consistencyPath.length === 0) return false;
  // 2. if first is an exact power of 2, prepend first_hash.
  const path = (first & (first - 1n)) === 0n ? [firstHash, ...consistencyPath] : [...consistencyPath];
  // 3. fn = first - 1, sn = second - 1.
  let fn = first - 1n;
  let sn = second - 1n;
  // 4. if LSB(fn) is set, right-shift both until it is not.
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. fr = sr = the first value of the path.
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  // 6. for each subsequent value c:
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = indNodeHash(c, fr);
      sr = indNodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = indNodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7. fr = first_hash, sr = second_hash, sn = 0.
  return eq(fr, firstHash) && eq(sr, secondHash) && sn === 0n;
}

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 4648 §4 base64, refusing what does not round-trip. */
export function indBase64(s: string): Buffer {
  if (!STRICT_B64.test(s)) throw new Error(`not base64: ${JSON.stringify(s.slice(0, 20))}`);
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) throw new Error('non-canonical base64');
  return b;
}

/** A signed-note Ed25519 verifier key `name+hex8+base64(0x01 ‖ key)`. */
export interface IndKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
}

export function indParseVkey(vkey: string): IndKey {
  const [name, id, ...rest] = vkey.trim().split('+');
  const raw = indBase64(rest.join('+'));
  if (!name || !id || raw.length !== 33 || raw[0] !== 0x01) throw new Error('not an Ed25519 verifier key');
  const publicKey = raw.subarray(1);
  // signed-note: key ID = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4]
  const keyId = sha256(Buffer.from(name, 'utf8'), Buffer.of(0x0a, 0x01), publicKey).subarray(0, 4);
  if (keyId.toString('hex') !== id) throw new Error('key ID does not match');
  return { name, keyId, publicKey };
}

/**
 * Opens a signed note under one key (signed-note): the text is everything
 * up to and including the last "\n\n" minus one newline; a signature line is
 * "— name base64(keyID ‖ sig)".
 * @returns the note text
 */
export function indOpenNote(note: string, key: IndKey): string {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') };
  const pub = createPublicKey({ key: jwk, format: 'jwk' });
  let ok = false;
  for (const line of lines) {
    if (!line.startsWith('\u2014 ')) throw new Error('bad signature line');
    const [name, b64] = line.slice(2).split(' ');
    const blob = indBase64(b64 ?? '');
    if (name !== key.name || !eq(blob.subarray(0, 4), key.keyId)) continue;
    if (!cryptoVerify(null, Buffer.from(text, 'utf8'), pub, blob.subarray(4))) throw new Error('signature by the known key does not verify');
    ok = true;
  }
  if (!ok) throw new Error('not signed by the known key');
  return text;
}

/** c2sp.org/tlog-checkpoint body: origin, size, root (extension lines ignored). */
export function indParseCheckpoint(text: string): { origin: string; size: bigint; root: Buffer } {
  const [origin, size, root] = text.split('\n');
  if (!origin || !size || !/^(0|[1-9][0-9]*)$/.test(size) || root === undefined) throw new Error('bad checkpoint body');
  const r = indBase64(root);
  if (r.length !== 32) throw new Error('root is not 32 bytes');
  return { origin, size: BigInt(size), root: r };
}

/**
 * Checks a c2sp.org/tlog-proof@v1 file: checkpoint signed by `vkey`, leaf
 * hash SHA-256(0x00 ‖ extra) (or `leafHash`) included at `index`.
 */
export function indCheckTlogProof(file: string, vkey: string, leafHash?: Uint8Array): { index: bigint; size: bigint; root: Buffer; extra: Buffer | undefined } {
  const lines = file.split('\n');
  let i = 0;
  if (lines[i++] !== 'c2sp.org/tlog-proof@v1') throw new Error('bad header');
  let extra: Buffer | undefined;
  if (lines[i]!.startsWith('extra ')) extra = indBase64(lines[i++]!.slice(6));
  const idx = /^index (0|[1-9][0-9]*)$/.exec(lines[i++]!);
  if (!idx) throw new Error('bad index line');
  const path: Buffer[] = [];
  while (lines[i] !== '') {
    if (i >= lines.length) throw new Error('no empty line');
    const h = indBase64(lines[i++]!);
    if (h.length !== 32) throw new Error('proof hash not 32 bytes');
    path.push(h);
  }
  const note = lines.slice(i + 1).join('\n');
  const key = indParseVkey(vkey);
  const cp = indParseCheckpoint(indOpenNote(note, key));
  const leaf = leafHash ?? (extra !== undefined ? indLeafHash(extra) : undefined);
  if (leaf === undefined) throw new Error('nothing to hash');
  const index = BigInt(idx[1]!);
  if (!indVerifyInclusion(index, cp.size, leaf, path, cp.root)) throw new Error('inclusion proof does not verify');
  return { index, size: cp.size, root: cp.root, extra };
}

/**
 * Checks a c2sp.org/tlog-witness add-checkpoint body against a trusted
 * earlier tree head (size, root).
 */
export function indCheckWitnessBody(body: string, vkey: string, old: { size: bigint; root: Uint8Array }): { size: bigint; root: Buffer } {
  const lines = body.split('\n');
  const m = /^old (0|[1-9][0-9]*)$/.exec(lines[0]!);
  if (!m) throw new Error('bad old line');
  const oldSize = BigInt(m[1]!);
  let i = 1;
  const path: Buffer[] = [];
  while (lines[i] !== '') {
    if (i >= lines.length) throw new Error('no empty line');
    path.push(indBase64(lines[i++]!));
  }
  if (path.length > 63) throw new Error('more than 63 proof lines');
  const note = lines.slice(i + 1).join('\n');
  const cp = indParseCheckpoint(indOpenNote(note, indParseVkey(vkey)));
  if (oldSize !== old.size) throw new Error('old size is not the trusted size');
  if (oldSize > cp.size) throw new Error('old size beyond the checkpoint');
  if (oldSize === 0n) {
    if (path.length !== 0) throw new Error('proof from 0 must be empty');
  } else if (oldSize === cp.size) {
    if (path.length !== 0 || !eq(old.root, cp.root)) throw new Error('equal sizes need an empty proof and equal roots');
  } else if (!indVerifyConsistency(oldSize, cp.size, old.root, cp.root, path)) {
    throw new Error('consistency proof does not verify');
  }
  return { size: cp.size, root: cp.root };
}
