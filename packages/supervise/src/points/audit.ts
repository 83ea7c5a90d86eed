/**
 * The audit of the violations ledger (docs/supervision.md §14.8), run by
 * `audit()` beside the alert replay over the same entries in ledger order:
 * each violation, revocation and summary is checked at its position with
 * the checks the writer applies, each violation disposition must be followed
 * by its violation, and every summary is recomputed from the book and
 * compared byte for byte, naming the subjects whose lines differ.
 */
import { finding, type Finding } from '../alerts.js';
import { canonicalJson } from '../canonical-json.js';
import { REDACTED, RESERVED_PREFIX, TYPES, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Pack } from '../pack-model.js';
import { PointsBook, differingSubjects } from './book.js';
import { checkViolation, violationDue } from './checks.js';
import { POINTS_TYPES, encodeStanding, isPointsType, parsePointsPayload, type PointsPayload, type PointsType, type Standing, type Summary } from './entries.js';
import { standingCycle, tallyOf } from './standing.js';
import type { UnitResolver } from './units.js';

export interface PointsCounts {
  readonly violations: number;
  readonly revocations: number;
  readonly summaries: number;
  readonly standings: number;
}

export class PointsAudit {
  readonly book = new PointsBook();
  private previous: LedgerEntry | undefined;
  /** a violation disposition waiting for its violation in the next entry */
  private due: { seq: number; caseId: string; alert: number; code: string } | null = null;
  /** without a history function: every ordinary case's entries, kept here */
  private readonly memory: Map<string, LedgerEntry[]> | null;
  private readonly counts = { violations: 0, revocations: 0, summaries: 0, standings: 0 };

  constructor(
    private readonly history: ((caseId: string, beforeSeq: number) => Iterable<LedgerEntry>) | undefined,
    private readonly units: UnitResolver,
  ) {
    this.memory = history === undefined ? new Map() : null;
  }

  get totals(): PointsCounts {
    return { ...this.counts };
  }

  private caseHistory(caseId: string, beforeSeq: number): LedgerEntry[] {
    if (this.memory !== null) return this.memory.get(caseId) ?? [];
    return [...(this.history as (c: string, b: number) => Iterable<LedgerEntry>)(caseId, beforeSeq)].filter((e) => e.seq < beforeSeq);
  }

  /**
   * Checks one entry; `pack` is the pack in force at it.
   * @returns the findings about it (and about a disposition before it that lacks its violation)
   */
  step(e: LedgerEntry, pack: Pack | null): Finding[] {
    const out: Finding[] = [];
    const due = this.due;
    this.due = null;
    if (due !== null && !this.confirms(e, due)) {
      out.push(finding('VIOLATION_MISSING', due.seq, due.caseId, `disposition ${due.seq} confirms alert ${due.alert} as a violation of ${due.code}, and no violation entry follows it`));
    }
    if (isPointsType(e.type)) out.push(...this.pointsEntry(e, e.type, pack));
    else if (e.type === TYPES.alertDisposed && !e.caseId.startsWith(RESERVED_PREFIX)) {
      const v = violationDue(e, pack, this.caseHistory(e.caseId, e.seq));
      if (v !== null) this.due = { seq: e.seq, caseId: e.caseId, ...v };
    }
    if (this.memory !== null && !e.caseId.startsWith(RESERVED_PREFIX)) {
      let list = this.memory.get(e.caseId);
      if (list === undefined) this.memory.set(e.caseId, (list = []));
      list.push(e);
    }
    this.previous = e;
    return out;
  }

  /** After the last entry. */
  finish(): Finding[] {
    const d = this.due;
    this.due = null;
    return d === null ? [] : [finding('VIOLATION_MISSING', d.seq, d.caseId, `disposition ${d.seq} confirms alert ${d.alert} as a violation of ${d.code}, and no violation entry follows it`)];
  }

  private confirms(e: LedgerEntry, due: { caseId: string; alert: number }): boolean {
    if (e.type !== POINTS_TYPES.violation || e.caseId !== due.caseId || e.data === REDACTED) return false;
    return (e.data as { alert?: unknown }).alert === due.alert;
  }

  private parse<T extends PointsType>(e: LedgerEntry, type: T): PointsPayload<T> | Finding {
    try {
      if (e.data === REDACTED) throw new SupervisionError('MALFORMED_SYSTEM_ENTRY', `${type}: an entry of the violations ledger cannot be redacted`);
      return parsePointsPayload(type, e.payload ?? { value: e.data }, e);
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      return finding('MALFORMED_SYSTEM_ENTRY', e.seq, e.caseId, err.message);
    }
  }

  private pointsEntry(e: LedgerEntry, type: PointsType, pack: Pack | null): Finding[] {
    const p = this.parse(e, type);
    if ('code' in p && 'severity' in p) return [p];
    if (type === POINTS_TYPES.violation) {
      this.counts.violations++;
      const v = p as PointsPayload<'casetrail.violation'>;
      const verdict = checkViolation(v, e, { pack, history: this.caseHistory(e.caseId, e.seq), previous: this.previous, units: this.units });
      this.book.addViolation(e, v, verdict === null || 'unknown' in verdict);
      if (verdict === null) return [];
      const where = { subject: v.subject };
      return 'problem' in verdict
        ? [finding('VIOLATION_INVALID', e.seq, e.caseId, `violation ${e.seq} (${v.code}, ${v.subject}): ${verdict.problem}`, where)]
        : [finding('NOT_REPLAYABLE', e.seq, e.caseId, `violation ${e.seq} (${v.code}, ${v.subject}): ${verdict.unknown}`, where)];
    }
    if (type === POINTS_TYPES.revoked) {
      this.counts.revocations++;
      const problem = this.book.addRevocation(e, p as PointsPayload<'casetrail.violation.revoked'>);
      return problem === null ? [] : [finding('REVOCATION_INVALID', e.seq, e.caseId, `revocation ${e.seq}: ${problem}`)];
    }
    if (type === POINTS_TYPES.standing) {
      this.counts.standings++;
      return this.standing(e, p as Standing, pack);
    }
    this.counts.summaries++;
    return this.summary(e, p as Summary, pack);
  }

  /** A standing must name the pack in force, a cycle of its points model, and hold the tally the book gives at its position (§14.12). */
  private standing(e: LedgerEntry, s: Standing, pack: Pack | null): Finding[] {
    const cycle = pack?.points == null ? undefined : standingCycle(s.cycle, pack.points);
    if (pack?.points == null || s.pack !== pack.hash || cycle === undefined) {
      const why = pack?.points == null ? 'no pack with a points model is in force' : s.pack !== pack.hash ? `it names pack ${s.pack.slice(0, 12)}…, not the pack in force (${pack.hash.slice(0, 12)}…)` : `${s.cycle} is not a ${pack.points.period} cycle of the points model`;
      return [finding('STANDING_INVALID', e.seq, e.caseId, `standing ${e.seq} of ${s.cycle}: ${why}`)];
    }
    const want = tallyOf(this.book.records.values(), cycle, pack.zone).standing(pack.hash);
    const expected = encodeStanding(want);
    const recorded = e.payload ?? canonicalJson(e.data);
    if (recorded === expected) return [];
    const key = (x: Standing['subjects'][number] | undefined) => (x === undefined ? 'absent' : x.months.map((m) => `${m.month}: ${m.points} points, violations [${m.violations.join(', ')}], revoked [${m.revoked.join(', ')}]`).join('; '));
    const a = new Map(s.subjects.map((x) => [x.subject, x]));
    const b = new Map(want.subjects.map((x) => [x.subject, x]));
    const names = [...new Set([...a.keys(), ...b.keys()])].filter((n) => key(a.get(n)) !== key(b.get(n))).sort();
    const out = names.map((subject) => finding('STANDING_DIFFERS', e.seq, e.caseId, `standing ${e.seq} of ${s.cycle}, subject ${subject}: recorded ${key(a.get(subject))}; the ledger gives ${key(b.get(subject))}`, { subject }));
    if (out.length === 0) out.push(finding('STANDING_DIFFERS', e.seq, e.caseId, `standing ${e.seq} of ${s.cycle} is not byte for byte the standing the ledger gives: ${expected}`));
    return out;
  }

  private summary(e: LedgerEntry, s: Summary, pack: Pack | null): Finding[] {
    const problem = this.book.summaryProblem(s, e, pack);
    if (problem !== null) {
      this.book.addSummary(e, s);
      return [finding('SUMMARY_INVALID', e.seq, e.caseId, `summary ${e.seq} of ${s.period}: ${problem}`)];
    }
    const expected = this.book.expectedSummary(pack as Pack, s.period, this.units, e.seq, s.amends);
    this.book.addSummary(e, s);
    const recorded = e.payload ?? canonicalJson(e.data);
    if (recorded === expected) return [];
    const want = parsePointsPayload(POINTS_TYPES.summary, expected, e);
    const subjects = differingSubjects(s, want);
    const out = subjects.map((subject) => {
      const a = s.subjects.find((x) => x.subject === subject);
      const b = want.subjects.find((x) => x.subject === subject);
      const line = (x: typeof a) => (x === undefined ? 'absent' : `deducted ${x.deducted}, total ${x.total}, remaining ${x.remaining}, measure ${x.measure ?? 'none'}, violations [${x.violations.join(', ')}]`);
      return finding('SUMMARY_DIFFERS', e.seq, e.caseId, `summary ${e.seq} of ${s.period}, subject ${subject}: recorded ${line(a)}; the ledger gives ${line(b)}`, { subject });
    });
    if (s.root !== want.root || s.entries.join() !== want.entries.join()) {
      out.push(finding('SUMMARY_DIFFERS', e.seq, e.caseId, `summary ${e.seq} of ${s.period}: it counts entries [${s.entries.join(', ')}] with root ${s.root.slice(0, 16)}…; the ledger gives [${want.entries.join(', ')}] with root ${want.root.slice(0, 16)}…`));
    }
    if (out.length === 0) out.push(finding('SUMMARY_DIFFERS', e.seq, e.caseId, `summary ${e.seq} of ${s.period} is not byte for byte the summary the ledger gives: ${expected}`));
    return out;
  }
}
