/**
 * The verified step stream of bundle verification: one {@link BundleStep}
 * per entry line, handed out in bundle order as the line is checked, so that
 * a reader can show a case's timeline while the bundle streams (memory does
 * not grow with the bundle).
 *
 * Policy: a step carries values only from bytes that verified. The entry
 * fields are there only when the line's inclusion proof led to the signed
 * checkpoint (`proven`); the payload only when it also matched the proven
 * entry's commitment; an erasure only when its redaction entry was proven in
 * the same tree and names this entry. Everything else is `failed`, with the
 * line's issues saying why.
 *
 * A payload that matched is handed out only when no line of the bundle,
 * before or after it, is a redaction entry that erased it (format.md §9.3
 * item 6: a payload and the redaction that erased it are never both in a
 * bundle). The redaction comes after the entry it erased, so this needs a
 * first read of the whole bundle ({@link BundleErasures}): without it the
 * payload is `unconfirmed`; when such a line exists it is `refused` (and that
 * line has REDACTION_INVALID).
 */
import type { Issue } from '../checks/issues.js';
import type { Entry } from '../entry/entry.js';

/** The payload of a step, as far as it verified. */
export type BundleStepPayload =
  /** Present and matching the commitment of the proven entry. */
  | { state: 'verified'; bytes: Uint8Array }
  /**
   * Erased (format.md §4.5), by the redaction entry `seq`, which is proven in
   * the same tree, matches its own commitment and names this entry.
   */
  | { state: 'erased'; redaction: { seq: number; entry: Entry; reason: string } }
  /** The bundle was exported without payloads (`"payloads":false`). */
  | { state: 'withheld' }
  /** It matched the proven entry's commitment, but a redaction line of this bundle erased it: an erased payload shown again, not handed out. */
  | { state: 'refused' }
  /** It matched the proven entry's commitment, but the bundle was not read for its erasures first, so it is not handed out. */
  | { state: 'unconfirmed' }
  /** Missing, not matching, its redaction not proven, or the entry itself not proven: see the step's issues. */
  | { state: 'failed' };

/** One entry line of a bundle, as verification found it. */
export interface BundleStep {
  /** The 1-based line of the bundle. */
  line: number;
  /** The seq the line states (unauthenticated unless `proven`); absent when the line could not be read. */
  seq?: number;
  /** Whether the line's inclusion proof led to the signed checkpoint's root: the entry bytes are those it covers at `seq`. */
  proven: boolean;
  /** The entry, decoded from the proven bytes; absent when they are not proven or do not decode. */
  entry?: Entry;
  /** SHA-256(0x00 ‖ entry bytes), when proven. */
  leafHash?: Uint8Array;
  payload: BundleStepPayload;
  /** Every issue found on this line (all of them, whatever `maxIssues` says). */
  issues: Issue[];
}

/** Whether a step verified completely: proven, no issue on its line, and its payload (if the bundle has payloads) handed out verified or proven erased. */
export function stepVerified(step: BundleStep): boolean {
  const s = step.payload.state;
  return step.proven && step.entry !== undefined && step.issues.length === 0 && s !== 'refused' && s !== 'unconfirmed' && s !== 'failed';
}
