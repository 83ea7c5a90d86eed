/**
 * The audit (docs/supervision.md §7): replay every adopted pack over the whole
 * history and compare, at each position, the recorded alert entries following
 * an entry with the expected ones. Also shadow replay of a candidate pack
 * (`tryPack`) and the rebuild of one case's summary (`foldCase`).
 */
import { finding, type ExpectedAlert, type Finding } from './alerts.js';
import type { CaseState } from './case-state.js';
import { canonicalJson } from './canonical-json.js';
import { REDACTED, TYPES, type LedgerEntry } from './entry-model.js';
import type { Pack } from './pack-model.js';
import { buildAlert } from './alerts.js';
import { replayStepRule } from './step-rules.js';
import { Supervisor, type StepOutcome, type UnknownVerdict } from './supervisor.js';
import { parseSystemPayload, type AlertPayload } from './system-entries.js';
import { PointsAudit, type PointsCounts } from './points/audit.js';
import { LedgerUnits } from './points/units.js';

/** An array, or a function giving a fresh iterator each call (the audit reads the entries twice). */
export type EntrySource = readonly LedgerEntry[] | (() => Iterable<LedgerEntry>);

/** Bounded memory for a long ledger (docs/supervision.md §6.10). */
export interface AuditOptions {
  /**
   * A case's entries before `beforeSeq`, in ledger order, as stored (the
   * ledger's case index): with it, at most `maxCases` case summaries are
   * kept and the others refolded when needed.
   */
  readonly history?: (caseId: string, beforeSeq: number) => Iterable<LedgerEntry>;
  /** default 20,000 (about 20 MB with a 20-rule pack) */
  readonly maxCases?: number;
  /** the `casetrail.rules.adopted` entries (the ledger's type index): the audit then reads `src` once */
  readonly adoptions?: Iterable<LedgerEntry>;
}

/** Summaries kept by a bounded audit unless told otherwise. */
export const DEFAULT_MAX_CASES = 20_000;

export interface AuditReport {
  /** true when no finding has severity `error` */
  readonly ok: boolean;
  /** in seq order */
  readonly findings: readonly Finding[];
  readonly entries: number;
  /** alerts the packs require, and alert entries recorded */
  readonly expected: number;
  readonly recorded: number;
  /** alerts accepted by replaying their recorded facts (their step's payload was erased) */
  readonly replayedFromFacts: number;
  /** later repeats of a suppression already reported (the alert stays due at each tick) */
  readonly repeatedSuppressions: number;
  readonly packs: readonly { readonly seq: number; readonly id: string; readonly version: number; readonly hash: string }[];
  /** the violations ledger's entries checked (§14.8) */
  readonly points: PointsCounts;
}

const iterate = (src: EntrySource): Iterable<LedgerEntry> => (typeof src === 'function' ? src() : src);

/** The packs adopted in a stream (first pass of the audit). Malformed adoptions are skipped here and reported by the replay. */
export function adoptedPacks(src: EntrySource): { seq: number; pack: Pack }[] {
  const out: { seq: number; pack: Pack }[] = [];
  for (const e of iterate(src)) {
    if (e.type !== TYPES.rulesAdopted || e.data === REDACTED) continue;
    try {
      out.push({ seq: e.seq, pack: parseSystemPayload(TYPES.rulesAdopted, e.payload ?? { value: e.data }, e).pack });
    } catch {
      // reported in the second pass
    }
  }
  return out;
}

const keyOf = (caseId: string, rule: string, level: string): string => `${caseId}\u0000${rule}\u0000${level}`;

function recordedText(e: LedgerEntry): string | null {
  if (e.payload !== undefined) return e.payload;
  try {
    return canonicalJson(e.data);
  } catch {
    return null;
  }
}

interface Group {
  readonly after: LedgerEntry;
  readonly expected: readonly ExpectedAlert[];
  readonly unknown: readonly UnknownVerdict[];
  readonly recorded: { entry: LedgerEntry; alert: AlertPayload | null }[];
}

/**
 * Replays `entries` and reports every difference between the recorded alerts
 * and the alerts the adopted packs require.
 * @example const report = audit(entries); if (!report.ok) for (const f of report.findings) console.log(f.code, f.caseId, f.rule, f.seq);
 */
export function audit(src: EntrySource, opts: AuditOptions = {}): AuditReport {
  const packs = adoptedPacks(opts.adoptions === undefined ? src : [...opts.adoptions]);
  const cache = opts.history === undefined ? {} : { cache: { maxCases: opts.maxCases ?? DEFAULT_MAX_CASES, history: opts.history } };
  const sup = new Supervisor({ track: packs.map((p) => p.pack), ...cache });
  // The subjects' units (§14.7): the directory's entries folded as the replay passes them.
  const units = new LedgerUnits();
  const points = new PointsAudit(opts.history, units);
  const findings: Finding[] = [];
  const suppressed = new Set<string>();
  let repeated = 0;
  let entries = 0;
  let expected = 0;
  let recorded = 0;
  let replayed = 0;
  let group: Group | null = null;

  const close = (g: Group | null): void => {
    // Most entries are followed by no alert and expect none: nothing to compare.
    if (g === null || (g.expected.length === 0 && g.unknown.length === 0 && g.recorded.length === 0)) return;
    expected += g.expected.length;
    const want = new Map<string, ExpectedAlert>();
    for (const a of g.expected) want.set(keyOf(a.caseId, a.rule, a.level), a);
    const unknown = new Map<string, UnknownVerdict>();
    for (const u of g.unknown) unknown.set(keyOf(u.caseId, u.rule.id, u.rule.level), u);
    const matched: string[] = [];
    for (const { entry, alert } of g.recorded) {
      if (alert === null) continue; // malformed: already a MALFORMED_SYSTEM_ENTRY finding
      const k = keyOf(entry.caseId, alert.rule, alert.level);
      const where = { rule: alert.rule, level: alert.level };
      const exp = want.get(k);
      const u = unknown.get(k);
      if (exp !== undefined) {
        want.delete(k);
        matched.push(k);
        if (entry.time !== g.after.time) {
          // An alert takes its cause's time (§6.7): a violation confirming it counts in that time's period (§14.4).
          findings.push(finding('ALERT_DIFFERS', entry.seq, entry.caseId, `alert ${entry.seq} (${alert.rule} ${alert.level}) is dated ${entry.time}, not the time of its cause, seq ${g.after.seq} (${g.after.time})`, where));
        } else if (recordedText(entry) !== exp.payload) {
          findings.push(finding('ALERT_DIFFERS', entry.seq, entry.caseId, `alert ${entry.seq} (${alert.rule} ${alert.level}) after seq ${g.after.seq} differs from the expected ${exp.payload}`, where));
        }
      } else if (u !== undefined) {
        unknown.delete(k);
        const facts = replayStepRule(u.rule, alert.facts, u.entry, u.pack);
        const exp2 = facts === null ? null : buildAlert(u.pack, u.caseId, u.rule, u.rule.level, [u.entry.seq], facts);
        if (exp2 === null || recordedText(entry) !== exp2.payload) {
          findings.push(finding('ALERT_DIFFERS', entry.seq, entry.caseId, `alert ${entry.seq} (${alert.rule}): the step's payload is erased and the recorded facts do not reproduce the alert`, where));
        } else {
          replayed++;
        }
      } else {
        findings.push(finding('ALERT_FABRICATED', entry.seq, entry.caseId, `alert ${entry.seq} (${alert.rule} ${alert.level}) after seq ${g.after.seq} is not justified by the pack in force`, where));
      }
    }
    for (const [k, a] of want) {
      if (suppressed.has(k)) {
        repeated++;
        continue;
      }
      suppressed.add(k);
      findings.push(finding('ALERT_SUPPRESSED', g.after.seq, a.caseId, `missing alert ${a.rule} ${a.level} in case ${a.caseId} after seq ${g.after.seq}`, { rule: a.rule, level: a.level }));
    }
    for (const u of unknown.values()) {
      findings.push(
        finding('NOT_REPLAYABLE', u.entry.seq, u.caseId, `rule ${u.rule.id} reads a payload erased after seq ${u.entry.seq}; no alert recorded its facts, so whether it fired is unknown`, { rule: u.rule.id, level: u.rule.level }),
      );
    }
    const order = g.expected.map((a) => keyOf(a.caseId, a.rule, a.level)).filter((k) => matched.includes(k));
    if (order.some((k, i) => k !== matched[i])) {
      findings.push(finding('ALERT_DIFFERS', g.after.seq, g.after.caseId, `the alerts after seq ${g.after.seq} are not in the required order (case, rule id, level)`));
    }
  };

  for (const e of iterate(src)) {
    entries++;
    findings.push(...points.step(e, sup.pack));
    units.take(e);
    if (e.type === TYPES.alert) {
      recorded++;
      const out = sup.step(e);
      findings.push(...out.findings);
      // The payload as the engine parsed it (once per entry); a malformed one is a finding already.
      const alert: AlertPayload | null = out.findings.length === 0 ? (out.alert ?? null) : null;
      if (group === null) {
        if (alert !== null) findings.push(finding('ALERT_FABRICATED', e.seq, e.caseId, `alert ${e.seq} is the first entry: nothing caused it`, { rule: alert.rule, level: alert.level }));
      } else {
        group.recorded.push({ entry: e, alert });
      }
      continue;
    }
    close(group);
    const out: StepOutcome = sup.step(e);
    findings.push(...out.findings);
    for (const b of out.blocked) {
      findings.push(finding('BLOCK_BYPASSED', e.seq, e.caseId, `step ${e.seq} (${e.type}) is refused by blocking rule ${b.rule.id} but was appended`, { rule: b.rule.id, level: b.rule.level }));
    }
    group = { after: e, expected: out.alerts, unknown: out.unknown, recorded: [] };
  }
  close(group);
  findings.push(...points.finish());
  // Stable: findings of one entry keep the order they were found in.
  findings.sort((a, b) => a.seq - b.seq);
  return {
    ok: !findings.some((f) => f.severity === 'error'),
    findings,
    entries,
    expected,
    recorded,
    replayedFromFacts: replayed,
    repeatedSuppressions: repeated,
    packs: packs.map((p) => ({ seq: p.seq, id: p.pack.id, version: p.pack.version, hash: p.pack.hash })),
    points: points.totals,
  };
}

export interface ShadowAlert {
  /** the seq of the entry the alert would follow */
  readonly after: number;
  readonly caseId: string;
  readonly rule: string;
  readonly level: string;
  readonly reason: AlertPayload['reason'];
  readonly triggeredBy: readonly number[];
}

export interface TryReport {
  readonly pack: { readonly id: string; readonly version: number; readonly hash: string };
  readonly entries: number;
  readonly alerts: readonly ShadowAlert[];
  /** rule → level → count */
  readonly byRule: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * Shadow mode: which alerts `candidate` would have raised over the history,
 * had it been in force from the first entry. Adopts nothing; recorded
 * alerts are not compared, but recorded dispositions dispose of the shadow
 * alert with the same case, rule and level.
 */
export function tryPack(src: EntrySource, candidate: Pack): TryReport {
  const sup = new Supervisor({ shadow: candidate });
  const alerts: ShadowAlert[] = [];
  const byRule: Record<string, Record<string, number>> = {};
  let entries = 0;
  for (const e of iterate(src)) {
    entries++;
    for (const a of sup.step(e).alerts) {
      alerts.push({ after: e.seq, caseId: a.caseId, rule: a.rule, level: a.level, reason: a.reason, triggeredBy: a.triggeredBy });
      const r = (byRule[a.rule] ??= {});
      r[a.level] = (r[a.level] ?? 0) + 1;
    }
  }
  return { pack: { id: candidate.id, version: candidate.version, hash: candidate.hash }, entries, alerts, byRule };
}

/**
 * Rebuilds one case's summary by folding its entries (from the ledger's case
 * index) together with the ledger's pack and calendar adoptions, as the
 * engine would have built it incrementally. Alerts raised at ticks are taken
 * from the case's recorded alert entries.
 * @param caseEntries the case's entries in ledger order
 * @param adoptions the `casetrail.rules.adopted` and `casetrail.calendar.adopted` entries of the ledger
 * @param track packs to track besides those adopted (e.g. one about to be adopted)
 */
export function foldCase(caseId: string, caseEntries: Iterable<LedgerEntry>, adoptions: Iterable<LedgerEntry>, track: Iterable<Pack> = []): CaseState | undefined {
  const merged = [...caseEntries, ...adoptions].sort((a, b) => a.seq - b.seq);
  const packs = adoptedPacks(merged).map((p) => p.pack);
  const sup = new Supervisor({ track: [...packs, ...track] });
  for (const e of merged) sup.step(e);
  return sup.caseState(caseId);
}
