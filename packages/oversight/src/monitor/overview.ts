/**
 * What the monitor shows of a unit's supervision (docs/oversight.md
 * "Overview"): the supervision audit (docs/supervision.md §7) and the open
 * alerts by level and overdue cases, all from entries read back, each
 * re-hashed and bound to the checkpoint that verification and the
 * consistency proof established — so a value shown is one the unit signed.
 *
 * The audit is a seam: {@link Auditor} receives the verified entries; the
 * default runs @casetrail/supervise's `audit`, which replays every adopted
 * pack over the whole history (O(entries) time and memory, rerun only when
 * the ledger grew). A ledger-level audit call can replace it unchanged.
 */
import type { Ledger } from '@casetrail/core';
import { REDACTED, TYPES, adoptedPacks, audit, parseSystemPayload, type LedgerEntry as SupervisedEntry } from '@casetrail/supervise';
import { LedgerError, MerkleAccumulator, equalBytes, leafHash, payloadCommitment } from '@casetrail/verify';

/** What the monitor keeps and shows of an audit. */
export interface MonitorAudit {
  ok: boolean;
  /** Findings of every severity. */
  findings: number;
  /** Findings of severity error. */
  errors: number;
  /** Packs adopted in the ledger. */
  packs: number;
  /** The first finding of severity error, if any. */
  first?: { code: string; seq: number; message: string };
}

/** The supervision audit of one unit, given its verified entries in seq order. */
export type Auditor = (input: { unit: string; entries: readonly SupervisedEntry[] }) => MonitorAudit | Promise<MonitorAudit>;

/** The default auditor: @casetrail/supervise's replay of the adopted packs. */
export const supervisionAuditor: Auditor = ({ entries }) => {
  const r = audit(entries);
  const errors = r.findings.filter((f) => f.severity === 'error');
  const first = errors[0];
  return {
    ok: r.ok,
    findings: r.findings.length,
    errors: errors.length,
    packs: r.packs.length,
    ...(first === undefined ? {} : { first: { code: first.code, seq: first.seq, message: first.message } }),
  };
};

/** Open alerts by level, and how many cases have an open deadline or escalation alert. */
export interface AlertOverview {
  alerts: Record<string, number>;
  overdue: number;
}

/**
 * Reads entries 0 … size−1 of the ledger, re-hashing each from its bytes
 * and checking its payload against its commitment, and proves them to be
 * the tree of the checkpoint (size, root) by recomputing its root.
 * @returns the entries as the supervision engine reads them
 * @throws LedgerError INCONSISTENT (the entries read are not that tree: the
 *   file changed under the monitor), VERIFICATION_FAILED (a payload that
 *   does not match its commitment)
 */
export async function readCheckpointEntries(ledger: Ledger, cp: { size: number; root: Uint8Array }): Promise<SupervisedEntry[]> {
  const acc = new MerkleAccumulator();
  const out: SupervisedEntry[] = [];
  for await (const e of ledger.stream()) {
    if (e.seq >= cp.size) break;
    if (e.seq !== out.length) throw new LedgerError('INCONSISTENT', `entry ${out.length} is missing from the ledger read back`, { seq: out.length });
    acc.push(leafHash(e.bytes));
    // Reads show verified bytes only: an entry that does not decode has no `entry`.
    const x = e.entry;
    if (x === undefined) throw new LedgerError('VERIFICATION_FAILED', `entry ${e.seq} does not decode from its bytes`, { seq: e.seq });
    let payload: string | undefined;
    if (!e.redacted) {
      if (e.payload === null || e.salt === null || !equalBytes(payloadCommitment(e.salt, e.payload), x.commit)) {
        throw new LedgerError('VERIFICATION_FAILED', `the payload of entry ${e.seq} does not match its commitment`, { seq: e.seq });
      }
      payload = new TextDecoder().decode(e.payload);
    }
    out.push({ seq: x.seq, time: x.time, caseId: x.caseId, step: x.step, type: x.type, actor: x.actor, data: e.redacted ? REDACTED : e.data, ...(payload === undefined ? {} : { payload }) });
  }
  if (out.length !== cp.size || !equalBytes(acc.root(), cp.root)) {
    throw new LedgerError('INCONSISTENT', `the entries read back are not the tree of the checkpoint of size ${cp.size}: the ledger changed while it was being read`, { size: cp.size });
  }
  return out;
}

/**
 * Open alerts (recorded `casetrail.alert` entries not disposed of by a
 * `casetrail.alert.disposed` entry), by level, and the cases with an open
 * alert of a deadline or escalation rule. Malformed supervision entries are
 * not counted: the audit reports them.
 */
export function alertOverview(entries: readonly SupervisedEntry[]): AlertOverview {
  const kinds = new Map<string, ReadonlyMap<string, { kind: string }>>();
  for (const { pack } of adoptedPacks(entries)) kinds.set(pack.hash, pack.ruleById);
  const open = new Map<number, { level: string; caseId: string; overdue: boolean }>();
  for (const e of entries) {
    try {
      if (e.type === TYPES.alert && e.data !== REDACTED) {
        const a = parseSystemPayload(TYPES.alert, e.payload ?? { value: e.data }, e);
        const kind = kinds.get(a.pack)?.get(a.rule)?.kind;
        open.set(e.seq, { level: a.level, caseId: e.caseId, overdue: kind === 'deadline' || kind === 'escalate' });
      } else if (e.type === TYPES.alertDisposed && e.data !== REDACTED) {
        open.delete(parseSystemPayload(TYPES.alertDisposed, e.payload ?? { value: e.data }, e).alert);
      }
    } catch {
      // a malformed supervision entry: the audit's to report
    }
  }
  const alerts: Record<string, number> = {};
  const overdue = new Set<string>();
  for (const a of open.values()) {
    alerts[a.level] = (alerts[a.level] ?? 0) + 1;
    if (a.overdue) overdue.add(a.caseId);
  }
  return { alerts, overdue: overdue.size };
}
