/**
 * Which unit a subject of the violations ledger belongs to, as the ledger
 * says at a position (docs/supervision.md §14.7): the directory's
 * membership entries before the position (directory/membership.ts), taken
 * the one way every reader takes them (`takeDirectoryEntry`: an entry that
 * is malformed or breaks a rule where it stands is ignored, as the
 * oversight layer's audit ignores it). Since only entries before the
 * position count, a summary's units replay the same at any later audit.
 */
import { REDACTED, type LedgerEntry } from '../entry-model.js';
import { UnitDirectory, takeDirectoryEntry } from '../directory/membership.js';

/** Resolves a subject's unit as of a position of the ledger. */
export interface UnitResolver {
  /**
   * @param subject a subject id (`clerk:wang`), or a unit's name
   * @param beforeSeq the position: only entries before it count
   * @returns the unit's id, or null when the ledger assigns the subject none
   */
  unitOf(subject: string, beforeSeq: number): string | null;
}

/** No units: every subject's unit is null. */
export const NO_UNITS: UnitResolver = Object.freeze({ unitOf: () => null });

/** An entry's payload as the directory takes it: the stored text when known, its value otherwise, undefined when erased. */
function payloadOf(e: LedgerEntry): string | { value: unknown } | undefined {
  if (e.data === REDACTED) return undefined;
  return e.payload ?? { value: e.data };
}

/**
 * The units of a ledger, folded from its entries in seq order (any entries:
 * those not of the directory are passed over). Feed it the entries as they
 * come (`take`) — the audit does, in its one pass — and ask at any
 * position up to the last entry taken.
 */
export class LedgerUnits implements UnitResolver {
  readonly directory = new UnitDirectory();
  /** directory entries ignored (erased, malformed, breaking a rule where they stand), in seq order */
  readonly ignored: { readonly seq: number; readonly problem: string }[] = [];

  /** Takes the next entry of the ledger (seq order). */
  take(e: LedgerEntry): void {
    const r = takeDirectoryEntry(this.directory, { seq: e.seq, caseId: e.caseId, type: e.type, payload: payloadOf(e) });
    if (typeof r !== 'string') this.ignored.push({ seq: e.seq, problem: r.ignored });
  }

  unitOf(subject: string, beforeSeq: number): string | null {
    return this.directory.unitOf(subject, beforeSeq);
  }
}

/**
 * The units of a ledger from its directory entries (the directory case's
 * entries, in seq order, as read from checked rows).
 * @param entries the entries to fold, in seq order; only those of the directory count
 */
export function ledgerUnits(entries: Iterable<LedgerEntry>): LedgerUnits {
  const units = new LedgerUnits();
  for (const e of entries) units.take(e);
  return units;
}
