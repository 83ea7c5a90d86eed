/**
 * What the violations ledger says about a ledger file (docs/supervision.md
 * §14.10), read in one snapshot of its store through the type index, every
 * row decoded from its bytes and checked (stored.ts; never an index column):
 * the live totals of a period (`points`) and the details a report shows,
 * and the helpers a person's record (person-record.ts) and a proof in a
 * summary (summary-proof.ts) share. The pack whose points model counts is the
 * pack in force at the end of the ledger; the period's end is compared with
 * the ledger's own clock (its latest entry's time).
 *
 * What is counted is what the entries say: a violation written through the
 * core without supervision's checks is counted as recorded unless `check`
 * is asked for (each then checked at its position, as `audit` does);
 * `summary` refuses to count one that does not check.
 */
import type { ReadView } from '@casetrail/core';
import { inSnapshot } from './reports.js';
import { TYPES, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Message, Pack } from '../pack-model.js';
import { PointsBook } from '../points/book.js';
import { POINTS_TYPES } from '../points/entries.js';
import { measureReached, type Measure, type PointsModel } from '../points/model.js';
import { cycleOf, parsePeriod, periodAt, periodBounds, periodFinder, periodLabel, type Period } from '../points/periods.js';
import { countPeriod, type ViolationRecord } from '../points/totals.js';
import type { UnitResolver } from '../points/units.js';
import { parseSystemPayload } from '../system-entries.js';
import { checkStoredViolations, viewUnits, type ViolationProblem } from './points-writer.js';
import { cycleTally } from './standings.js';
import { storedEntry, storedOfType } from './stored.js';

/** The pack whose points model counts: the latest adopted, with its entry. */
export interface PointsPack {
  readonly seq: number;
  readonly id: string;
  readonly version: number;
  readonly hash: string;
  readonly zone: string;
  readonly model: PointsModel;
  readonly pack: Pack;
  readonly titles: ReadonlyMap<string, Message>;
}

/** A step cited as evidence, or a step of a person's record: from its checked bytes. */
export interface StepRef {
  readonly seq: number;
  readonly caseId: string;
  readonly step: number;
  readonly type: string;
  readonly actor: string;
  readonly time: number;
}

/** One violation entry as the reports show it. */
export interface ViolationRow {
  readonly seq: number;
  readonly caseId: string;
  /** the time of the entry (its confirmation) */
  readonly time: number;
  /** who recorded it */
  readonly actor: string;
  readonly subject: string;
  readonly code: string;
  readonly points: number;
  /** the instant that decides its period: its latest evidence's time */
  readonly at: number;
  /** the period of the points model's cycle it counts in */
  readonly period: string;
  readonly evidence: readonly number[];
  readonly alert: number | null;
  readonly reason: string;
  readonly revokedBy: { readonly seq: number; readonly time: number; readonly actor: string; readonly reason: string } | null;
}

/** A subject's line of a period. */
export interface SubjectLine {
  readonly subject: string;
  readonly unit: string | null;
  /** points deducted by the period's violations */
  readonly deducted: number;
  /** points deducted in the cycle up to the period's end (= deducted for a whole cycle) */
  readonly total: number;
  readonly remaining: number;
  readonly measure: Measure | null;
  /** the violations counted, ascending */
  readonly violations: readonly number[];
  /** the period's violations that were revoked, ascending */
  readonly revoked: readonly number[];
}

export interface PointsReport {
  /** entries in the snapshot read */
  readonly size: number;
  /** the ledger's clock: its latest entry's time (null when empty) */
  readonly clock: number | null;
  readonly pack: PointsPack;
  readonly period: string;
  /** [start, end) of the period, ms UTC */
  readonly start: number;
  readonly end: number;
  /** whether the ledger's clock has passed the period's end */
  readonly ended: boolean;
  readonly subjects: readonly SubjectLine[];
  /** every violation the lines cite (counted or revoked), by seq */
  readonly violations: ReadonlyMap<number, ViolationRow>;
  /** the summaries recorded for the period, ascending (the latest stands) */
  readonly summaries: readonly number[];
  /** entries of the violations ledger whose payload does not parse */
  readonly malformed: readonly number[];
  /** whether each violation the period counts was checked at its position (opts.check) */
  readonly checked: boolean;
  /** checked: the violations that do not check at their position, not counted */
  readonly invalid: readonly ViolationProblem[];
  /**
   * What was counted (§14.12): the standing the totals continue (null: every
   * entry of the cycle was read) and the violation and revocation entries
   * read after it.
   */
  readonly basis: { readonly standing: number | null; readonly folded: number };
}

/**
 * The latest pack adopted in the view, which must have a points model.
 * @throws SupervisionError POINTS_MODEL_MISSING (none adopted, or the latest has no points model)
 */
export function pointsPackIn(view: ReadView, origin: string, before = view.size()): PointsPack {
  const adoptions = storedOfType(view, origin, TYPES.rulesAdopted, before);
  for (let i = adoptions.length - 1; i >= 0; i--) {
    const e = adoptions[i]!;
    let pack: Pack;
    try {
      pack = parseSystemPayload(TYPES.rulesAdopted, e.payload ?? '', e).pack;
    } catch (err) {
      // A malformed adoption is the audit's to report; the one before it is then in force for no one, so stop.
      if (err instanceof SupervisionError) throw new SupervisionError('POINTS_MODEL_MISSING', `pack adoption ${e.seq} is malformed (${err.message}): run \`casetrail audit\``, { seq: e.seq });
      throw err;
    }
    if (pack.points === null) throw new SupervisionError('POINTS_MODEL_MISSING', `the pack in force (${pack.id} v${pack.version}, entry ${e.seq}) has no points model`, { seq: e.seq });
    return { seq: e.seq, id: pack.id, version: pack.version, hash: pack.hash, zone: pack.zone, model: pack.points, pack, titles: new Map([...pack.points.codes].map(([k, c]) => [k, c.title])) };
  }
  throw new SupervisionError('POINTS_MODEL_MISSING', 'no rule pack is adopted in this ledger: adopt one with a points model first');
}

/**
 * The entries a report reads: the first `size` (a report of what a
 * verification just checked), or all of the snapshot.
 */
export function sizeOf(view: ReadView, size: number | undefined): number {
  const all = view.size();
  if (size === undefined) return all;
  if (!Number.isSafeInteger(size) || size < 0 || size > all) throw new RangeError(`opts.size must be an integer from 0 to ${all}`);
  return size;
}

/** The pack in force at each seq of the view (the latest adoption before it that parses), for the checks of §14.4. */
export function packsIn(view: ReadView, origin: string, before: number): (seq: number) => Pack | null {
  const adopted = adoptedIn(view, origin, before);
  return (seq) => {
    let pack: Pack | null = null;
    for (const a of adopted) if (a.seq < seq) pack = a.pack;
    return pack;
  };
}

/** Every pack adopted before `before` whose adoption parses, in seq order. */
export function adoptedIn(view: ReadView, origin: string, before: number): { seq: number; pack: Pack }[] {
  const adopted: { seq: number; pack: Pack }[] = [];
  for (const e of storedOfType(view, origin, TYPES.rulesAdopted, before)) {
    try {
      adopted.push({ seq: e.seq, pack: parseSystemPayload(TYPES.rulesAdopted, e.payload ?? '', e).pack });
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
    }
  }
  return adopted;
}

/** The ledger's clock: the time of its latest entry, from its checked bytes. */
export function clockOf(view: ReadView, origin: string, size: number): number | null {
  const row = size === 0 ? undefined : view.entry(size - 1);
  return row === undefined ? null : storedEntry(view, row, origin).entry.time;
}

/** The violations ledger's entries of the view, checked from their bytes, in seq order. */
export function bookOf(view: ReadView, origin: string, before: number): PointsBook {
  const all: LedgerEntry[] = [POINTS_TYPES.violation, POINTS_TYPES.revoked, POINTS_TYPES.summary].flatMap((t) => storedOfType(view, origin, t, before));
  return PointsBook.from(all.sort((a, b) => a.seq - b.seq));
}

/**
 * A period as the user names it, or the cycle of the points model that holds the ledger's clock.
 * @throws SupervisionError SUMMARY_INVALID (not a period, or longer than a cycle)
 */
export function choosePeriod(pack: PointsPack, text: string | undefined, clock: number | null): Period {
  if (text === undefined) return periodAt(pack.model.period, clock ?? 0, pack.zone);
  const p = parsePeriod(text);
  if (p === undefined) throw new SupervisionError('SUMMARY_INVALID', `${text} is not a period: a year (2026), a quarter (2026-Q3) or a month (2026-11)`, { period: text });
  if (cycleOf(p, pack.model.period) === undefined) throw new SupervisionError('SUMMARY_INVALID', `${text} spans several ${pack.model.period} cycles of the points model: ask for a ${pack.model.period} or a shorter period`, { period: text });
  return p;
}

export function rowOf(r: ViolationRecord, cycleOfInstant: (t: number) => Period): ViolationRow {
  const b = r.revokedBy;
  return {
    seq: r.seq,
    caseId: r.caseId,
    time: r.time,
    actor: r.actor,
    subject: r.v.subject,
    code: r.v.code,
    points: r.v.points,
    at: r.v.at,
    period: periodLabel(cycleOfInstant(r.v.at)),
    evidence: r.v.evidence,
    alert: r.v.alert,
    reason: r.v.reason,
    revokedBy: b === null ? null : { seq: b.seq, time: b.time, actor: b.actor, reason: b.reason },
  };
}

/** The lines of a period counted from a book (the function summaries use: the same numbers). */
export function linesOf(pack: PointsPack, period: Period, book: PointsBook, units: UnitResolver, size: number): SubjectLine[] {
  const t = countPeriod(pack.pack, pack.model, period, book.records.values(), units, size);
  return t.subjects.map((s) => ({
    subject: s.subject,
    unit: s.unit,
    deducted: s.deducted,
    total: s.total,
    remaining: s.remaining,
    measure: measureReached(pack.model, s.total),
    violations: s.violations,
    revoked: s.revoked,
  }));
}

/**
 * The live totals of a period (`points`): per subject the points deducted,
 * what remains and the measure reached, with the violations behind them.
 * @param opts.period `2026`, `2026-Q3` or `2026-11` (default: the cycle holding the ledger's clock)
 * @param opts.subject only this subject; opts.unit only subjects of this unit; opts.under only subjects of this unit or a unit below it (both by the directory at the end of what is read)
 * @param opts.size read only the first `size` entries (what a verification checked)
 * @param opts.check check each violation the period counts at its position, as the audit does (§14.4), and count only those that check (it reads every violation of the cycle and each one's case history)
 * @param opts.details fill `violations` with the rows of every violation cited (always when `subject` is given or one subject is shown); without it (and without `check`) only the standing and the entries after it are read (§14.12)
 * @param opts.standings false: count every violation and revocation of the cycle instead of continuing its latest standing (same numbers unless a standing was written around the writer; the oversight monitor's reading)
 * @throws SupervisionError POINTS_MODEL_MISSING, SUMMARY_INVALID (a period that is none), STORED_ENTRY_INVALID
 */
export async function ledgerPoints(location: string, opts: { period?: string; subject?: string; unit?: string; under?: string; size?: number; check?: boolean; details?: boolean; standings?: boolean } = {}): Promise<PointsReport> {
  return inSnapshot(location, (view, origin) => {
    const size = sizeOf(view, opts.size);
    const pack = pointsPackIn(view, origin, size);
    const clock = clockOf(view, origin, size);
    const period = choosePeriod(pack, opts.period, clock);
    const { start, end } = periodBounds(period, pack.zone);
    const units = viewUnits(view, origin, size);
    const label = periodLabel(period);
    const under = opts.under;
    const keep = (s: SubjectLine) =>
      (opts.subject === undefined || s.subject === opts.subject) &&
      (opts.unit === undefined || s.unit === opts.unit) &&
      (under === undefined || (s.unit !== null && units.directory.within(s.unit, under)));
    const head = { size, clock, pack, period: label, start, end, ended: clock !== null && clock >= end };
    if (opts.check !== true) {
      // The live totals: the cycle's latest standing and the entries after it (§14.12), or every entry.
      const t = cycleTally(view, origin, pack.pack, cycleOf(period, pack.model.period)!, size, null, opts.standings !== false);
      const subjects = t.tally.lines(pack.model, period, units, size).filter(keep);
      const details = opts.details === true || opts.subject !== undefined || subjects.length === 1;
      const violations = details ? violationRows(view, origin, pack, subjects, size) : new Map<number, ViolationRow>();
      return { ...head, subjects, violations, summaries: summariesOf(view, origin, label, size), malformed: t.malformed, checked: false, invalid: [], basis: { standing: t.standing, folded: t.folded } };
    }
    const book = bookOf(view, origin, size);
    const cycleStart = periodBounds(cycleOf(period, pack.model.period)!, pack.zone).start;
    const inPeriod = [...book.records.values()].filter((r) => r.v.at >= cycleStart && r.v.at < end && (opts.subject === undefined || r.v.subject === opts.subject));
    const invalid = checkStoredViolations(view, origin, inPeriod, packsIn(view, origin, size), units);
    const subjects = linesOf(pack, period, book, units, size).filter(keep);
    const violations = new Map<number, ViolationRow>();
    const cycleAt = periodFinder(pack.model.period, pack.zone);
    for (const s of subjects) for (const seq of [...s.violations, ...s.revoked]) violations.set(seq, rowOf(book.records.get(seq)!, cycleAt));
    const summaries = storedSummaries(book, label);
    const folded = book.records.size + [...book.records.values()].filter((r) => r.revokedBy !== null).length;
    return { ...head, subjects, violations, summaries, malformed: book.malformed, checked: true, invalid, basis: { standing: null, folded } };
  });
}

/** The rows of the violations the lines cite, from their checked bytes, with the revocation of each revoked one. */
function violationRows(view: ReadView, origin: string, pack: PointsPack, lines: readonly SubjectLine[], size: number): Map<number, ViolationRow> {
  const cited = lines.flatMap((s) => [...s.violations, ...s.revoked]);
  const out = new Map<number, ViolationRow>();
  if (cited.length === 0) return out;
  const book = new PointsBook();
  for (const seq of cited.sort((a, b) => a - b)) {
    const row = view.entry(seq);
    if (row !== undefined) book.add(storedEntry(view, row, origin).entry);
  }
  const wanted = new Set(cited);
  for (const e of storedOfType(view, origin, POINTS_TYPES.revoked, size)) {
    if (wanted.has((e.data as { violation?: unknown } | null)?.violation as number)) book.add(e);
  }
  const cycleAt = periodFinder(pack.model.period, pack.zone);
  for (const seq of cited) {
    const r = book.records.get(seq);
    if (r !== undefined) out.set(seq, rowOf(r, cycleAt));
  }
  return out;
}

/** The seqs of the summaries of a period recorded before `size` (the ones that parse), ascending. */
function summariesOf(view: ReadView, origin: string, label: string, size: number): number[] {
  const book = new PointsBook();
  for (const e of storedOfType(view, origin, POINTS_TYPES.summary, size)) book.add(e);
  return storedSummaries(book, label);
}

/** The seqs of the summaries recorded for a period (parsed ones), ascending. */
function storedSummaries(book: PointsBook, label: string): number[] {
  return book.summaryLog.filter((s) => s.period === label).map((s) => s.seq);
}

/** Evidence and record steps by seq, from their checked bytes (the reports' links: seq, case, step). */
export async function ledgerSteps(location: string, seqs: Iterable<number>): Promise<Map<number, StepRef>> {
  return inSnapshot(location, (view, origin) => stepsIn(view, origin, seqs));
}

export function stepsIn(view: ReadView, origin: string, seqs: Iterable<number>): Map<number, StepRef> {
  const out = new Map<number, StepRef>();
  for (const seq of seqs) {
    if (out.has(seq)) continue;
    const row = view.entry(seq);
    if (row === undefined) continue;
    const e = storedEntry(view, row, origin).entry;
    out.set(seq, { seq, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, time: e.time });
  }
  return out;
}
