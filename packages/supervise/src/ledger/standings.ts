/**
 * Standings on a ledger file (docs/supervision.md §14.12): the latest
 * standing of a cycle, continued with the violation and revocation entries
 * after it — what the writer records as the next standing and what the live
 * totals count from. Every row read is checked from its bytes (stored.ts).
 */
import type { ReadView } from '@casetrail/core';
import { REDACTED, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Pack } from '../pack-model.js';
import { PointsBook, revocationProblem } from '../points/book.js';
import { POINTS_LIMITS, POINTS_TYPES, encodeStanding, parsePointsPayload, standingCase, type Standing, type Violation } from '../points/entries.js';
import { periodAt, periodBounds, periodLabel, type Period } from '../points/periods.js';
import { Tally, standingCycle, tallyOf } from '../points/standing.js';
import type { ViolationRecord } from '../points/totals.js';
import { eachOfType, storedEntry } from './stored.js';

/** A stored entry's payload for its parser: the value the row check decoded, with its text to hold canonical. */
function payloadOf(e: LedgerEntry): string | { value: unknown; text?: string } {
  if (e.data === REDACTED) return e.payload ?? '';
  return e.payload === undefined ? { value: e.data } : { value: e.data, text: e.payload };
}

/** Standings looked at, newest first, when looking for a cycle's latest: past them the count starts from the beginning. */
const MAX_STANDINGS_SCANNED = 64;

/**
 * A cycle's standing is recorded again, its counts unchanged, once more than
 * this many violation and revocation entries follow it: a query of the
 * cycle then never reads many more (§14.12).
 */
export const STANDING_REFRESH = 500;

/** A cycle's tally at the end of a view: from which standing, and how many entries were taken in after it. */
export interface CycleTally {
  readonly tally: Tally;
  /** the standing it continues, or null when counted from the first entry */
  readonly standing: number | null;
  /** that standing's payload */
  readonly previous: Standing | null;
  /** violation and revocation entries read after the standing */
  readonly folded: number;
  /** entries of those two types whose payload does not parse (§14.3), ascending */
  readonly malformed: readonly number[];
  /** the cycles of the violations read that lie outside this cycle */
  readonly others: ReadonlySet<string>;
}

/**
 * The latest standing of `cycle` under `pack` before `before`: the newest
 * entries of the cycle's standings case (§14.12) that parse and name the
 * pack, among its newest MAX_STANDINGS_SCANNED.
 */
export function latestStanding(view: ReadView, origin: string, pack: Pack, cycle: string, before: number): { seq: number; standing: Standing } | null {
  const caseId = standingCase(cycle);
  // One row, then a few at a time: a standing is up to 1 MiB, and the latest is usually the first.
  let to = before;
  for (let seen = 0; seen < MAX_STANDINGS_SCANNED; ) {
    const rows = view.query({ caseId, toSeq: to, order: 'desc', limit: seen === 0 ? 1 : 4 });
    if (rows.length === 0) return null;
    for (const row of rows) {
      seen++;
      to = row.seq;
      const e = storedEntry(view, row, origin).entry;
      if (e.caseId !== caseId) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${e.seq} is not of case ${caseId}: its index column was changed (run \`casetrail verify\`)`, { seq: e.seq });
      if (e.type !== POINTS_TYPES.standing) continue;
      try {
        // Its value as the row check decoded it, not its text re-encoded: the canonical form of a standing
        // (up to 1 MiB) is what the audit compares byte for byte, and the core's validator checked at append.
        const s = parsePointsPayload(POINTS_TYPES.standing, e.data === REDACTED ? (e.payload ?? '') : { value: e.data }, e);
        if (s.pack === pack.hash) return { seq: e.seq, standing: s };
      } catch (err) {
        if (!(err instanceof SupervisionError)) throw err;
      }
    }
  }
  return null;
}

/** The violation and revocation entries from `from` to `before`, checked, in seq order. */
function entriesAfter(view: ReadView, origin: string, from: number, before: number): LedgerEntry[] {
  const out = [...eachOfType(view, origin, POINTS_TYPES.violation, before, from), ...eachOfType(view, origin, POINTS_TYPES.revoked, before, from)];
  return out.sort((a, b) => a.seq - b.seq);
}

/** How a fold judges the violations it takes in: counted as recorded, or checked at their position first (the writer). */
export type FoldCheck = ((records: ViolationRecord[]) => void) | null;

/**
 * The tally of `cycle` at `before`: the cycle's latest standing under
 * `pack` continued with the entries after it, or every entry counted when
 * there is none or `standings` is false (a reader that must not take a
 * standing's numbers on trust). `check` marks the violations read (`valid`);
 * one marked false is not counted. A revocation counts as the book takes it
 * (revocationProblem): of a violation of its own case not revoked before.
 */
export function cycleTally(view: ReadView, origin: string, pack: Pack, cycle: Period, before: number, check: FoldCheck, standings = true): CycleTally {
  const label = periodLabel(cycle);
  const latest = standings ? latestStanding(view, origin, pack, label, before) : null;
  const tally = latest === null ? new Tally(cycle, pack.zone) : Tally.of(latest.standing, cycle, pack.zone);
  const from = latest === null ? 0 : latest.seq + 1;
  const entries = entriesAfter(view, origin, from, before);
  const malformed: number[] = [];
  const parsed: { e: LedgerEntry; v: Violation | null; target: number | null; reason: string }[] = [];
  for (const e of entries) {
    try {
      if (e.type === POINTS_TYPES.violation) parsed.push({ e, v: parsePointsPayload(POINTS_TYPES.violation, payloadOf(e), e), target: null, reason: '' });
      else {
        const r = parsePointsPayload(POINTS_TYPES.revoked, payloadOf(e), e);
        parsed.push({ e, v: null, target: r.violation, reason: r.reason });
      }
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      malformed.push(e.seq);
    }
  }
  const records = new Map<number, ViolationRecord>();
  const others = new Set<string>();
  for (const p of parsed) {
    if (p.v === null) continue;
    const r: ViolationRecord = { seq: p.e.seq, caseId: p.e.caseId, time: p.e.time, actor: p.e.actor, leaf: null, v: p.v, valid: null, revokedBy: null };
    records.set(r.seq, r);
    if (!tally.holds(p.v.at)) others.add(periodLabel(periodAt(cycle.kind, p.v.at, pack.zone)));
  }
  check?.([...records.values()].filter((r) => tally.holds(r.v.at)));
  // Violations before the standing, as revocations need them: read from their rows.
  const earlier = (seq: number): { caseId: string; revoked: boolean; v: Violation } | undefined => {
    const r = records.get(seq);
    if (r !== undefined) return { caseId: r.caseId, revoked: r.revokedBy !== null, v: r.v };
    if (seq >= from) return undefined;
    const row = view.entry(seq);
    if (row === undefined) return undefined;
    const e = storedEntry(view, row, origin).entry;
    if (e.type !== POINTS_TYPES.violation) return undefined;
    try {
      // Revoked before the standing: the standing lists it as revoked, and a second revocation revokes nothing.
      return { caseId: e.caseId, revoked: tally.revoked(seq), v: parsePointsPayload(POINTS_TYPES.violation, payloadOf(e), e) };
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      return undefined;
    }
  };
  const revokedHere = new Set<number>();
  for (const p of parsed) {
    if (p.v !== null) {
      const r = records.get(p.e.seq)!;
      if (r.valid !== false) tally.violation(r.seq, r.v);
      continue;
    }
    const target = p.target!;
    const t = earlier(target);
    const lookup = (seq: number) => (seq !== target || t === undefined ? undefined : { caseId: t.caseId, revoked: t.revoked || revokedHere.has(seq) });
    if (revocationProblem({ violation: target, reason: p.reason }, p.e.caseId, lookup) !== null) continue;
    revokedHere.add(target);
    if (!tally.holds(t!.v.at)) others.add(periodLabel(periodAt(cycle.kind, t!.v.at, pack.zone)));
    const r = records.get(target);
    if (r !== undefined) r.revokedBy = { seq: p.e.seq, time: p.e.time, actor: p.e.actor, reason: p.reason, leaf: null };
    tally.revocation(target, t!.v);
  }
  return { tally, standing: latest?.seq ?? null, previous: latest?.standing ?? null, folded: entries.length, malformed, others };
}

/**
 * The writer never continues a standing the entries do not give (one
 * written around it, through the core alone): the cycle is counted again
 * from every violation and revocation entry, the violations the standing
 * leaves out (neither counted nor revoked) checked at their position, and
 * the count must be the continued tally.
 * @throws SupervisionError STANDING_INVALID naming the standing and the first subject that differs
 */
function recount(t: CycleTally, mine: Standing, book: PointsBook, check: FoldCheck): void {
  const listed = new Set<number>();
  for (const line of mine.subjects) for (const m of line.months) for (const s of [...m.violations, ...m.revoked]) listed.add(s);
  const left = [...book.records.values()].filter((r) => t.tally.holds(r.v.at) && !listed.has(r.seq));
  check?.(left);
  const want = tallyOf(book.records.values(), t.tally.cycle, t.tally.zone).standing(mine.pack);
  if (encodeStanding(want) === encodeStanding(mine)) return;
  const a = new Map(mine.subjects.map((x) => [x.subject, JSON.stringify(x.months)]));
  const b = new Map(want.subjects.map((x) => [x.subject, JSON.stringify(x.months)]));
  const subject = [...new Set([...a.keys(), ...b.keys()])].sort().find((k) => a.get(k) !== b.get(k)) ?? null;
  throw new SupervisionError('STANDING_INVALID', `standing ${t.standing} of ${periodLabel(t.tally.cycle)} is not what its entries give${subject === null ? '' : ` (subject ${subject} differs)`}: it was written around the writer; run \`casetrail audit\``, { seq: t.standing, subject });
}

/**
 * The standings to record as the next entries (§14.12): of the cycle
 * holding `time`, the cycle before it, and every other cycle a violation
 * read after a standing belongs to, each continued from its latest standing
 * with the violations after it checked at their position (`check`). A
 * cycle gets one when its counts changed since its latest standing, or more
 * than STANDING_REFRESH entries follow that standing; none when it would
 * list more than the limit of seqs (`skipped`). Counted at the end of the
 * view: the first is written at `at`, the others right after it.
 */
export function standingsAt(view: ReadView, origin: string, pack: Pack, time: number, check: FoldCheck): { standings: { caseId: string; payload: string }[]; at: number; skipped: string[] } {
  const model = pack.points;
  const size = view.size();
  if (model === null) return { standings: [], at: size, skipped: [] };
  const current = periodAt(model.period, time, pack.zone);
  const before = periodAt(model.period, periodBounds(current, pack.zone).start - 1, pack.zone);
  const todo = [periodLabel(current), periodLabel(before)];
  const done = new Set<string>();
  const standings: { caseId: string; payload: string }[] = [];
  const skipped: string[] = [];
  // Every violation and revocation entry, read once for all the cycles recounted (each recount checks only its own cycle's).
  let all: PointsBook | undefined;
  const book = (): PointsBook => (all ??= PointsBook.from(entriesAfter(view, origin, 0, size)));
  while (todo.length > 0) {
    const label = todo.shift()!;
    if (done.has(label)) continue;
    done.add(label);
    const cycle = standingCycle(label, model);
    if (cycle === undefined) continue;
    const t = cycleTally(view, origin, pack, cycle, size, check);
    for (const o of t.others) if (!done.has(o)) todo.push(o);
    const s = t.tally.standing(pack.hash);
    const payload = encodeStanding(s);
    if (t.previous === null ? s.subjects.length === 0 : payload === encodeStanding(t.previous) && t.folded <= STANDING_REFRESH) continue;
    if (t.standing !== null) recount(t, s, book(), check);
    if (t.tally.seqCount() > POINTS_LIMITS.standingSeqs || s.subjects.length > POINTS_LIMITS.summarySubjects) {
      skipped.push(label);
      continue;
    }
    standings.push({ caseId: standingCase(label), payload });
  }
  return { standings, at: size, skipped };
}
