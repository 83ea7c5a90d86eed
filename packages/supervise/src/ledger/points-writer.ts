/**
 * The violations ledger on a ledger (docs/supervision.md §14.9): the
 * payloads the writer records — a confirmed alert's violation, a direct
 * record, a revocation, a period's summary — computed from checked rows
 * outside the transaction, and the checks each entry meets inside it (the
 * same functions the audit runs), so that nothing a rule forbids is written
 * even when the ledger changed between the two.
 */
import { toHex, type CommittedStep, type ExtensionView, type LedgerStore, type ReadView } from '@casetrail/core';
import { SYSTEM_CASE, type LedgerEntry } from '../entry-model.js';
import { SupervisionError, type SupervisionErrorCode } from '../errors.js';
import type { Pack } from '../pack-model.js';
import { PointsBook } from '../points/book.js';
import type { ViolationRecord } from '../points/totals.js';
import { checkRevocation, checkViolation, confirmationOf } from '../points/checks.js';
import { POINTS_TYPES, encodeRevocation, encodeViolation, isPointsType, parsePointsPayload, type Summary } from '../points/entries.js';
import { cycleOf, parsePeriod, periodBounds, periodLabel } from '../points/periods.js';
import { ledgerUnits, type LedgerUnits, type UnitResolver } from '../points/units.js';
import { DIRECTORY_CASE } from '../directory/entries.js';
import { standingsAt } from './standings.js';
import { committedEntry, storedCaseHistory, storedEntry, storedOfType, viewCaseHistory } from './stored.js';

/**
 * The units of the ledger a view reads as of its first `before` entries
 * (§14.7): the directory case's history, each row checked from its bytes
 * and linked to the one before it in its case.
 */
export function viewUnits(view: ReadView, origin: string, before = view.size()): LedgerUnits {
  return ledgerUnits(storedCaseHistory(view, origin, DIRECTORY_CASE, before));
}

/** The units a writer judges with, and the directory case's tail they were read at (its step and leaf hash). */
export interface UnitsSnapshot {
  readonly units: UnitResolver;
  readonly tail: { readonly step: number; readonly leaf: string } | null;
}

/** The units of a snapshot with the directory case's tail, for the writer's transactions. */
export function unitsSnapshot(view: ReadView, origin: string): UnitsSnapshot {
  const history = storedCaseHistory(view, origin, DIRECTORY_CASE, view.size());
  const last = history[history.length - 1];
  return { units: ledgerUnits(history), tail: last === undefined ? null : { step: last.step, leaf: toHex(last.leaf!) } };
}

/** The units of the store's current snapshot, for the writer (unitsSnapshot). */
export function readUnits(reader: LedgerStore): Promise<UnitsSnapshot> {
  return readChecked(reader, (view) => unitsSnapshot(view, reader.origin));
}

/**
 * The units inside a transaction: the snapshot's, when the directory case
 * still ends where it did (the same step and leaf hash, so the same
 * entries: one per-case hash chain); 'stale' otherwise. The snapshot was
 * read from the stored texts, which a transaction's view does not hand
 * out: so the writer judges by what the audit reads.
 */
function transactionUnits(view: ExtensionView, snap: UnitsSnapshot | null): UnitResolver | 'stale' {
  if (snap === null) return 'stale';
  const tail = view.caseTail(DIRECTORY_CASE);
  if (tail === undefined) return snap.tail === null ? snap.units : 'stale';
  return snap.tail !== null && snap.tail.step === tail.step && snap.tail.leaf === toHex(tail.leafHash) ? snap.units : 'stale';
}

function invalid(code: SupervisionErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new SupervisionError(code, message, details);
}

/**
 * Runs `fn` in one read of the store. A SupervisionError it throws comes
 * out as itself: the store reports anything thrown in a read as its own
 * STORAGE_ERROR.
 */
async function readChecked<T>(reader: LedgerStore, fn: (view: ReadView) => T): Promise<T> {
  const r = await reader.read((view): { ok: T } | { error: SupervisionError } => {
    try {
      return { ok: fn(view) };
    } catch (e) {
      if (e instanceof SupervisionError) return { error: e };
      throw e;
    }
  });
  if ('error' in r) throw r.error;
  return r.ok;
}

/** A verdict that is not null, as the error the writer refuses with. */
function verdictMessage(v: ReturnType<typeof checkViolation>): string | null {
  if (v === null) return null;
  return 'problem' in v ? v.problem : v.unknown;
}

/**
 * Inside the append transaction: whether a violations-ledger entry may be
 * written here (§14.4–§14.6). A summary must sit where its payload was
 * counted (`summaryAt`): `'stale'` when entries came in between.
 */
export function judgePoints(
  step: CommittedStep,
  view: ExtensionView,
  pack: Pack | null,
  summaryAt: number | null,
  units: UnitsSnapshot | null,
  standingsAt: ReadonlySet<number> | null = null,
): { code: SupervisionErrorCode; message: string } | 'stale' | 'stale-units' | null {
  if (!isPointsType(step.type)) return null;
  if (step.type === POINTS_TYPES.summary) return summaryAt === step.seq ? null : 'stale';
  // A standing is counted outside the transaction (standingPayloads) for the seq it must be written at.
  if (step.type === POINTS_TYPES.standing) return standingsAt?.has(step.seq) === true ? null : 'stale';
  const entry = committedEntry(step);
  const history = viewCaseHistory(view, step.caseId, step.seq);
  if (step.type === POINTS_TYPES.revoked) {
    const p = checkRevocation(parsePointsPayload(POINTS_TYPES.revoked, { value: step.data }, step), entry, history);
    return p === null ? null : { code: 'REVOCATION_INVALID', message: p };
  }
  const before = step.seq > 0 ? view.entry(step.seq - 1) : undefined;
  const v = parsePointsPayload(POINTS_TYPES.violation, { value: step.data }, step);
  const resolver = transactionUnits(view, units);
  if (resolver === 'stale') return 'stale-units';
  const m = verdictMessage(checkViolation(v, entry, { pack, history, previous: before === undefined ? undefined : committedEntry(before), units: resolver }));
  return m === null ? null : { code: 'VIOLATION_INVALID', message: m };
}

function caseHistory(view: ReadView, origin: string, caseId: string, before: number): LedgerEntry[] {
  return storedCaseHistory(view, origin, caseId, before);
}

/**
 * The violation confirming alert `alertSeq`, to write right after its
 * disposition; null when the pack in force gives its rule and level no
 * 情形 code (the confirmation deducts nothing).
 * @throws SupervisionError VIOLATION_INVALID (who it charges cannot be found; points outside the 情形's range)
 */
export async function confirmationPayload(reader: LedgerStore, pack: Pack | null, alert: { seq: number; caseId: string }, opts: { reason: string; points?: number }): Promise<string | null> {
  if (pack?.points == null) return null;
  return readChecked(reader, (view) => {
    const history = caseHistory(view, reader.origin, alert.caseId, view.size());
    const c = confirmationOf(pack, alert.seq, alert.caseId, history, viewUnits(view, reader.origin), view.size() + 1);
    if (c === null) return null;
    if (!('code' in c)) {
      if ('problem' in c && /has no 情形 code/.test(c.problem)) return null;
      return invalid('VIOLATION_INVALID', `alert ${alert.seq} cannot be confirmed as a violation: ${'problem' in c ? c.problem : c.unknown}`, { seq: alert.seq });
    }
    const code = pack.points!.codes.get(c.code)!;
    const points = opts.points ?? (code.min === code.max ? code.min : invalid('VIOLATION_INVALID', `${c.code} deducts ${code.min} to ${code.max} points: say how many`, { code: c.code }));
    return encodeViolation({ alert: alert.seq, at: c.at, code: c.code, evidence: c.evidence, points, reason: opts.reason, subject: c.subject });
  });
}

/** What a direct record names. */
export interface DirectViolation {
  readonly subject: string;
  readonly code: string;
  readonly points: number;
  /** seqs of steps of one case */
  readonly evidence: readonly number[];
  readonly reason: string;
}

/**
 * A direct record's case and payload: the evidence's case, and `at` the time
 * of its latest step, read from checked rows.
 * @throws SupervisionError VIOLATION_INVALID (evidence missing, of several cases, or not checking)
 */
export async function directPayload(reader: LedgerStore, v: DirectViolation): Promise<{ caseId: string; payload: string }> {
  const evidence = [...new Set(v.evidence)].sort((a, b) => a - b);
  if (evidence.length === 0 || evidence.length > 16) invalid('VIOLATION_INVALID', 'a violation cites 1 to 16 evidence entries');
  return readChecked(reader, (view) => {
    const rows = evidence.map((s) => {
      const row = view.entry(s);
      return row === undefined ? invalid('VIOLATION_INVALID', `evidence ${s} is not an entry of the ledger`, { seq: s }) : storedEntry(view, row, reader.origin).entry;
    });
    const caseId = rows[0]!.caseId;
    const other = rows.find((e) => e.caseId !== caseId);
    if (other !== undefined) invalid('VIOLATION_INVALID', `the evidence is of several cases (${caseId}, ${other.caseId}): a violation concerns one case`);
    const at = Math.max(...rows.map((e) => e.time));
    return { caseId, payload: encodeViolation({ alert: null, at, code: v.code, evidence, points: v.points, reason: v.reason, subject: v.subject }) };
  });
}

/**
 * The case a revocation of `seq` belongs to (the violation's) and its payload.
 * @throws SupervisionError REVOCATION_INVALID (seq is not a violation entry)
 */
export async function revocationPayload(reader: LedgerStore, seq: number, reason: string): Promise<{ caseId: string; payload: string }> {
  return readChecked(reader, (view) => {
    const row = view.entry(seq);
    const e = row === undefined ? undefined : storedEntry(view, row, reader.origin).entry;
    if (e === undefined || e.type !== POINTS_TYPES.violation) invalid('REVOCATION_INVALID', `${seq} is not a violation entry${e === undefined ? '' : ` (it is ${e.type} in ${e.caseId})`}`, { seq });
    return { caseId: e.caseId, payload: encodeRevocation({ reason, violation: seq }) };
  });
}

/** A violation that does not check at its position (§14.4). */
export interface ViolationProblem {
  readonly seq: number;
  readonly subject: string;
  readonly code: string;
  readonly problem: string;
}

/**
 * Checks violation records of a read view at their positions, as the audit
 * and the writer do (checkViolation, the pack in force at each from
 * `packAt`), and marks each record's `valid`: false for one that does not
 * check (never counted), true otherwise (one whose evidence was erased
 * since is counted). Returns the ones that do not check, ascending.
 */
export function checkStoredViolations(view: ReadView, origin: string, records: Iterable<ViolationRecord>, packAt: (seq: number) => Pack | null, units: UnitResolver): ViolationProblem[] {
  const out: ViolationProblem[] = [];
  for (const r of records) {
    const row = r.seq > 0 ? view.entry(r.seq - 1) : undefined;
    const previous = row === undefined ? undefined : storedEntry(view, row, origin).entry;
    const entry = { seq: r.seq, time: r.time, caseId: r.caseId, step: 0, type: POINTS_TYPES.violation, actor: r.actor, data: null };
    const verdict = checkViolation(r.v, entry, { pack: packAt(r.seq), history: caseHistory(view, origin, r.caseId, r.seq), previous, units });
    // As the audit counts: a violation that does not check is never counted; one whose evidence was erased since is.
    r.valid = verdict === null || !('problem' in verdict);
    if (verdict !== null && 'problem' in verdict) out.push({ seq: r.seq, subject: r.v.subject, code: r.v.code, problem: verdict.problem });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/**
 * The standings to record as the next entries at `time` (§14.12), counted
 * from a snapshot: each cycle's latest standing continued with the entries
 * after it, every violation among them checked at its position against the
 * pack then in force (one that does not check is not counted, as the audit
 * counts).
 * @returns the standings (case and payload), the seq the first must be written at, and the cycles left without one (too many seqs)
 */
export async function standingPayloads(reader: LedgerStore, packs: { readonly now: Pack | null; at(seq: number): Pack | null }, time: number): Promise<{ standings: { caseId: string; payload: string }[]; at: number; skipped: string[] }> {
  const pack = packs.now;
  if (pack?.points == null) return { standings: [], at: -1, skipped: [] };
  return readChecked(reader, (view) => {
    const units = viewUnits(view, reader.origin);
    return standingsAt(view, reader.origin, pack, time, (records) => void checkStoredViolations(view, reader.origin, records, (s) => packs.at(s), units));
  });
}

/** The violations ledger's entries of a view, checked, in seq order. */
export function storedBook(view: ReadView, origin: string, before: number): PointsBook {
  const all = [POINTS_TYPES.violation, POINTS_TYPES.revoked, POINTS_TYPES.summary].flatMap((t) => storedOfType(view, origin, t, before));
  return PointsBook.from(all.sort((a, b) => a.seq - b.seq));
}

/**
 * The summary of `period` to record at `time` as the next entry (§14.6),
 * counted from a snapshot: every violation it counts and nobody revoked
 * must check at its position, against the pack then in force (`packs.at`,
 * from the writer's proven adoptions) — the summary is never signed over
 * one that does not.
 * @returns the payload and the seq it must be written at
 * @throws SupervisionError POINTS_MODEL_MISSING | SUMMARY_INVALID
 */
export async function summaryPayload(
  reader: LedgerStore,
  packs: { readonly now: Pack | null; at(seq: number): Pack | null },
  periodText: string,
  time: number,
  amends: Summary['amends'],
): Promise<{ payload: string; at: number }> {
  const pack = packs.now;
  const period = parsePeriod(periodText) ?? invalid('SUMMARY_INVALID', `${periodText} is not a period: a year (2026), a quarter (2026-Q3) or a month (2026-11)`);
  if (pack?.points == null) invalid('POINTS_MODEL_MISSING', 'the pack in force has no points model: adopt a pack with points first');
  const model = pack.points;
  const cycle = cycleOf(period, model.period) ?? invalid('SUMMARY_INVALID', `${periodText} spans several ${model.period} cycles of the points model`);
  return readChecked(reader, (view) => {
    const size = view.size();
    const book = storedBook(view, reader.origin, size);
    const units = viewUnits(view, reader.origin, size);
    const problem = book.summaryProblem({ amends, entries: [], pack: pack.hash, period: periodLabel(period), root: '', subjects: [] }, { seq: size, time, caseId: SYSTEM_CASE, step: 0, type: POINTS_TYPES.summary, actor: '', data: null }, pack);
    if (problem !== null) invalid('SUMMARY_INVALID', `cannot summarize ${periodText}: ${problem}`, { period: periodText });
    const cycleStart = periodBounds(cycle, pack.zone).start;
    const end = periodBounds(period, pack.zone).end;
    const counted = [...book.records.values()].filter((r) => r.v.at >= cycleStart && r.v.at < end);
    const bad = checkStoredViolations(view, reader.origin, counted, (s) => packs.at(s), units).find((x) => book.records.get(x.seq)!.revokedBy === null);
    if (bad !== undefined) {
      invalid('SUMMARY_INVALID', `violation ${bad.seq} (${bad.code}, ${bad.subject}) does not check: ${bad.problem}; revoke it, or run \`casetrail audit\`, before summarizing`, { seq: bad.seq });
    }
    return { payload: book.expectedSummary(pack, periodLabel(period), units, size, amends), at: size };
  });
}

