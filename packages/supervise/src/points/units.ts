/**
 * The seam between the violations ledger and units (docs/supervision.md
 * §14.7): which unit a subject belongs to, as the ledger says at a position.
 * The ledger records no units yet, so every subject's unit is null; the
 * oversight layer's unit entries will fill `ledgerUnits` from the ledger
 * (the entries of its types before `beforeSeq`), so that a summary's units
 * replay the same at any later audit.
 */

/** Resolves a subject's unit as of a position of the ledger. */
export interface UnitResolver {
  /**
   * @param subject a subject id (`clerk:wang`)
   * @param beforeSeq the position: only entries before it count
   * @returns the unit's id, or null when the ledger assigns the subject none
   */
  unitOf(subject: string, beforeSeq: number): string | null;
}

/** No units: every subject's unit is null. */
export const NO_UNITS: UnitResolver = Object.freeze({ unitOf: () => null });

/**
 * The units of a ledger, read from its entries of the given types (the type
 * index). There are no unit entries yet: this returns NO_UNITS whatever the
 * ledger holds, and it is the one place that changes when they exist.
 * @param _entriesOfType reads a type's entries before a seq, checked from their bytes
 */
export function ledgerUnits(_entriesOfType: (type: string, beforeSeq: number) => Iterable<{ readonly seq: number; readonly data: unknown }>): UnitResolver {
  return NO_UNITS;
}
