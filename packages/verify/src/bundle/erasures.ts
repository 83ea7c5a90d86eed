/**
 * The first read of a bundle (format.md §9.3 item 6): which positions its own
 * redaction lines name as erased. A redaction entry comes after the entry it
 * erased, so a verifier that hands out each step as it is checked cannot
 * know, at the erased entry's line, that a later line erased it; with this
 * set, read before, it can refuse to hand out a payload the bundle itself
 * shows erased (bundle/steps.ts).
 *
 * Policy: the set errs on the side of withholding. A line counts when it
 * parses, its entry decodes and is a valid redaction record of an earlier
 * entry (checks/redaction.ts, the one rule), whether or not its proof
 * verifies and whether or not the line lies inside the checkpoint's tree: a
 * position it names is then not shown, and the second read reports what is
 * wrong with that line. Memory: one bit per position of the checkpoint's
 * tree that some redaction line names (a position past the tree is never
 * shown anyway).
 */
import { readRedactionRecord } from '../checks/redaction.js';
import { decodeEntry, type Entry } from '../entry/entry.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note-keys.js';
import { parseBundleLine } from './parse.js';
import { PositionSet } from './positions.js';

/**
 * Collects, line by line, the positions a bundle's redaction lines name as
 * erased; give it as `erasures` to the {@link BundleVerifier} that reads the
 * same bundle again.
 * @example
 * const erasures = new BundleErasures(vkey);
 * for (const line of lines) erasures.pushLine(line);
 * const v = new BundleVerifier(vkey, { erasures });
 */
export class BundleErasures {
  readonly #verifier: NoteVerifier;
  readonly #erased = new PositionSet();
  #size: number | undefined;
  #first = true;
  #dead = false;
  /** The read stopped before the end: what the rest would have erased is not known. */
  #incomplete = false;

  /**
   * @param vkey - the ledger's verifier key (string or parsed), from outside the bundle
   * @throws LedgerError MALFORMED_KEY for a bad vkey
   */
  constructor(vkey: string | NoteVerifier) {
    this.#verifier = typeof vkey === 'string' ? parseVerifierKey(vkey.trim()) : vkey;
  }

  /** Reads the next line (without its newline); a line that does not parse is skipped (the verifier reports it). */
  pushLine(line: string): void {
    if (this.#dead) return;
    const first = this.#first;
    this.#first = false;
    let parsed;
    try {
      parsed = parseBundleLine(line, first);
    } catch {
      if (first) this.#dead = true;
      return;
    }
    if (parsed.kind === 'header') {
      try {
        this.#size = openCheckpoint(parsed.header.checkpoint, [this.#verifier]).size;
      } catch {
        this.#dead = true; // nothing is proven then: no step carries a payload
      }
      return;
    }
    if (parsed.kind !== 'entry' || this.#size === undefined) return;
    const r = parsed.entry;
    // A line past the checkpoint counts too: the verifier refuses a payload shown again whatever the
    // redaction line's own position (verify.ts), and this read must withhold what that read refuses.
    if (r.payload === undefined || r.salt === undefined) return;
    let e: Entry;
    try {
      e = decodeEntry(r.entry);
    } catch {
      return;
    }
    const read = readRedactionRecord({ seq: r.seq, entry: e, payload: r.payload, salt: r.salt });
    // Only positions of the checkpoint's tree are kept (one bit each): a payload beyond it is never handed out.
    if ('named' in read && read.named.redacts < this.#size) this.#erased.add(read.named.redacts);
  }

  /** Records that the bundle could not be read to its end: every position counts as erased from then on. */
  fail(): void {
    this.#dead = true;
    this.#incomplete = true;
  }

  /** Whether a redaction line of the bundle names `seq` as erased (always true after a failed read: nothing is known). */
  has(seq: number): boolean {
    return this.#incomplete || this.#erased.has(seq);
  }
}
