/**
 * The positions a bundle verifier remembers (format.md §9.3): which entries
 * the bundle carried with their payloads, so that a redaction record that
 * erased one of them is caught (an erased payload shown again).
 */

/**
 * A set of tree positions with one bit each, in chunks of 32,768 positions
 * allocated as they are touched (4 KiB each): at most size/8 bytes for a
 * tree of `size` entries, whatever the bundle holds.
 */
export class PositionSet {
  readonly #chunks = new Map<number, Uint32Array>();

  add(seq: number): void {
    const key = Math.floor(seq / 32_768);
    let c = this.#chunks.get(key);
    if (c === undefined) this.#chunks.set(key, (c = new Uint32Array(1024)));
    const bit = seq % 32_768;
    c[bit >>> 5]! |= 1 << (bit & 31);
  }

  has(seq: number): boolean {
    const c = this.#chunks.get(Math.floor(seq / 32_768));
    const bit = seq % 32_768;
    return c !== undefined && (c[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}
