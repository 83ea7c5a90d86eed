/**
 * What supervision says about a ledger file, read in one snapshot of its
 * store, every row decoded from its bytes and checked (stored.ts): the
 * audit (after the ledger's full verification: an audit of an unverified
 * file means nothing), the shadow replay of a candidate pack, the packs
 * adopted, and the list of alerts with their dispositions.
 *
 * Given a checkpoint (its size and root, its signature checked by the
 * caller), the audit and the alert list speak of the entries it covers
 * only, each proven to be its tree's (checkpoint.ts): what they say is then
 * about a history the ledger's key signed, whatever the file became after
 * it was verified.
 */
import { openStore, verifyLedger, type NoteVerifier, type ReadView, type SystemTypeValidator, type VerifyProgress, type VerifyReport } from '@casetrail/core';
import { audit, tryPack, type AuditReport, type TryReport } from '../audit.js';
import { SYSTEM_CASE, TYPES, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Message, Pack, Rule } from '../pack-model.js';
import { parseSystemPayload, type AlertPayload, type Disposition } from '../system-entries.js';
import { checkpointEntries, provenIn, type CheckpointRef } from './checkpoint.js';
import { supervisionValidators } from './registry.js';
import { storedCaseHistory, storedEntries, storedEntry, verifiedEntries } from './stored.js';

/** Runs `fn` on one read snapshot of the ledger's store (opened read-only, closed after): what every report of a ledger file reads. */
export async function inSnapshot<T>(location: string, fn: (view: ReadView, origin: string) => T): Promise<T> {
  const store = await openStore(location, { readonly: true });
  try {
    return await store.snapshot(async (view) => fn(view, store.origin));
  } finally {
    await store.close();
  }
}

/** Entries of one type, checked, in seq order (the type index); those the checkpoint covers only, each proven in its tree, when one is given. */
function ofType(view: ReadView, origin: string, type: string, before = Infinity, checkpoint?: CheckpointRef): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  const end = Math.min(before, checkpoint?.size ?? Infinity);
  for (let from = 0; ; ) {
    const rows = view.query({ type, fromSeq: from, limit: 1000 });
    for (const row of rows) {
      const { entry: e, leaf } = storedEntry(view, row, origin);
      if (e.type !== type) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${e.seq} is not of type ${type}: its index column was changed (run \`casetrail verify\`)`, { seq: e.seq });
      if (e.seq >= end) return out;
      if (checkpoint !== undefined) provenIn(view, checkpoint, e.seq, leaf);
      out.push(e);
    }
    if (rows.length < 1000) return out;
    from = rows[rows.length - 1]!.seq + 1;
  }
}

export interface LedgerAudit {
  /** true when the ledger verifies and the replay found no error */
  readonly ok: boolean;
  readonly verification: VerifyReport;
  /** null when verification failed (nothing is replayed then) */
  readonly audit: AuditReport | null;
}

/** Options of {@link auditLedger}. */
export interface AuditLedgerOptions {
  /** The ledger's verifier key, from outside the file. */
  vkey: string | NoteVerifier;
  /** Case summaries kept (docs/supervision.md §6.10). */
  maxCases?: number;
  onProgress?: (p: VerifyProgress) => void;
  /**
   * Audit the history of this checkpoint (its signature checked by the
   * caller): the entries it covers, each row checked again and their tree's
   * root recomputed and compared with its root (STORED_ENTRY_INVALID
   * otherwise). Entries after it are verified but not audited, and may be
   * unsigned yet.
   */
  checkpoint?: CheckpointRef;
  /**
   * Validators of other layers' system types (docs/api.md `systemTypes`),
   * added to supervision's: a ledger that also holds their entries verifies
   * instead of SYSTEM_TYPE_UNKNOWN.
   */
  systemTypes?: Readonly<Record<string, SystemTypeValidator>>;
}

/**
 * Verifies the ledger under `vkey`, supervision's entries with the
 * validators of its system types (supervisionValidators), then replays
 * every adopted pack over the entries verified, with bounded memory. The
 * replay reads the file again right after the verification and only decodes
 * its rows: audit a copy that nobody writes to meanwhile, or name the
 * checkpoint whose history is audited (docs/supervision.md §13.3).
 * @throws SupervisionError STORED_ENTRY_INVALID when, with `checkpoint`, the
 *   entries read are not that checkpoint's tree
 */
export async function auditLedger(location: string, opts: AuditLedgerOptions): Promise<LedgerAudit> {
  const cp = opts.checkpoint;
  const verification = await verifyLedger(location, {
    vkey: opts.vkey,
    systemTypes: { ...opts.systemTypes, ...supervisionValidators() },
    ...(cp === undefined ? {} : { allowUnsignedTail: true }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  if (!verification.ok) return { ok: false, verification, audit: null };
  const size = cp?.size ?? verification.size;
  if (size > verification.size) {
    throw new SupervisionError('STORED_ENTRY_INVALID', `the checkpoint covers ${size} entries, the ledger verified holds ${verification.size}`, { size });
  }
  const report = await inSnapshot(location, (view, origin) =>
    audit(
      function* () {
        yield* cp === undefined ? verifiedEntries(view, 0, size) : checkpointEntries(view, origin, cp);
      },
      {
        history: (caseId, beforeSeq) => storedCaseHistory(view, origin, caseId, beforeSeq, 'verified'),
        adoptions: ofType(view, origin, TYPES.rulesAdopted, size, cp),
        ...(opts.maxCases === undefined ? {} : { maxCases: opts.maxCases }),
      },
    ),
  );
  return { ok: report.ok, verification, audit: report };
}

/** Shadow mode over a ledger file: the alerts `candidate` would have raised; nothing is written. */
export async function tryPackOnLedger(location: string, candidate: Pack): Promise<TryReport> {
  return inSnapshot(location, (view, origin) =>
    tryPack(function* () {
      for (const s of storedEntries(view, origin, 0, view.size())) yield s.entry;
    }, candidate),
  );
}

export interface AdoptedPack {
  readonly seq: number;
  readonly time: number;
  readonly actor: string;
  readonly pack: Pack;
  readonly engine: { readonly cel: string; readonly supervise: string };
}

export interface AdoptedCalendar {
  readonly seq: number;
  readonly time: number;
  readonly actor: string;
  readonly hash: string;
  readonly id: string;
  readonly source: string;
  readonly from: string;
  readonly to: string;
}

function adoptionsIn(view: ReadView, origin: string, checkpoint?: CheckpointRef): { packs: AdoptedPack[]; calendars: AdoptedCalendar[]; malformed: number[] } {
  const packs: AdoptedPack[] = [];
  const calendars: AdoptedCalendar[] = [];
  const malformed: number[] = [];
  for (const e of ofType(view, origin, TYPES.rulesAdopted, Infinity, checkpoint)) {
    try {
      const p = parseSystemPayload(TYPES.rulesAdopted, e.payload ?? '', e);
      packs.push({ seq: e.seq, time: e.time, actor: e.actor, pack: p.pack, engine: p.engine });
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      malformed.push(e.seq);
    }
  }
  for (const e of ofType(view, origin, TYPES.calendarAdopted, Infinity, checkpoint)) {
    try {
      const c = parseSystemPayload(TYPES.calendarAdopted, e.payload ?? '', e);
      const t = c.calendar.table;
      calendars.push({ seq: e.seq, time: e.time, actor: e.actor, hash: c.hash, id: t.id, source: t.source, from: t.from, to: t.to });
    } catch (err) {
      if (!(err instanceof SupervisionError)) throw err;
      malformed.push(e.seq);
    }
  }
  return { packs, calendars, malformed };
}

/** The packs and calendars adopted in the ledger, in seq order; malformed adoption entries by seq. */
export async function ledgerAdoptions(location: string): Promise<{ packs: AdoptedPack[]; calendars: AdoptedCalendar[]; malformed: number[] }> {
  return inSnapshot(location, (view, origin) => adoptionsIn(view, origin));
}

export interface AlertRow {
  readonly seq: number;
  readonly time: number;
  readonly caseId: string;
  readonly rule: string;
  readonly ruleVersion: number;
  readonly level: string;
  /** the level's rank in its pack (0 lowest), or -1 when the pack is unknown */
  readonly rank: number;
  readonly status: 'open' | 'disposed';
  /** the kind of the rule that raised it, or null when its pack is unknown */
  readonly kind: Rule['kind'] | null;
  readonly triggeredBy: readonly number[];
  readonly reason: Message;
  readonly pack: string;
  readonly facts: AlertPayload['facts'];
  /** the first disposition, if any */
  readonly disposition?: Disposition & { readonly seq: number; readonly time: number; readonly actor: string };
}

/**
 * Every alert of the ledger with its status, in seq order; malformed
 * supervision entries are counted apart. With `checkpoint` (its signature
 * checked by the caller), the alerts, dispositions and adoptions it covers
 * only, each entry proven in its tree by an inclusion proof from the stored
 * nodes (STORED_ENTRY_INVALID otherwise).
 */
export async function ledgerAlerts(location: string, opts: { checkpoint?: CheckpointRef } = {}): Promise<{ alerts: AlertRow[]; malformed: number[]; packs: { hash: string; levels: readonly string[] }[] }> {
  const cp = opts.checkpoint;
  return inSnapshot(location, (view, origin) => {
    const { packs, malformed } = adoptionsIn(view, origin, cp);
    const levels = new Map(packs.map((p) => [p.pack.hash, p.pack.levels]));
    const rules = new Map(packs.map((p) => [p.pack.hash, p.pack.ruleById]));
    const disposed = new Map<number, Disposition & { seq: number; time: number; actor: string; caseId: string }>();
    for (const e of ofType(view, origin, TYPES.alertDisposed, Infinity, cp)) {
      try {
        const d = parseSystemPayload(TYPES.alertDisposed, e.payload ?? '', e);
        if (!disposed.has(d.alert)) disposed.set(d.alert, { ...d, seq: e.seq, time: e.time, actor: e.actor, caseId: e.caseId });
      } catch (err) {
        if (!(err instanceof SupervisionError)) throw err;
        malformed.push(e.seq);
      }
    }
    const alerts: AlertRow[] = [];
    for (const e of ofType(view, origin, TYPES.alert, Infinity, cp)) {
      let a: AlertPayload;
      try {
        a = parseSystemPayload(TYPES.alert, e.payload ?? '', e);
      } catch (err) {
        if (!(err instanceof SupervisionError)) throw err;
        malformed.push(e.seq);
        continue;
      }
      const d = disposed.get(e.seq);
      // A disposition counts only in the alert's own case (the audit reports any other).
      const own = d !== undefined && e.caseId !== SYSTEM_CASE && d.caseId === e.caseId;
      alerts.push({
        seq: e.seq,
        time: e.time,
        caseId: e.caseId,
        rule: a.rule,
        ruleVersion: a.ruleVersion,
        level: a.level,
        rank: levels.get(a.pack)?.indexOf(a.level) ?? -1,
        status: own ? 'disposed' : 'open',
        kind: rules.get(a.pack)?.get(a.rule)?.kind ?? null,
        triggeredBy: a.triggeredBy,
        reason: a.reason,
        pack: a.pack,
        facts: a.facts,
        ...(own ? { disposition: { alert: d.alert, outcome: d.outcome, reason: d.reason, seq: d.seq, time: d.time, actor: d.actor } } : {}),
      });
    }
    return { alerts, malformed: malformed.sort((x, y) => x - y), packs: packs.map((p) => ({ hash: p.pack.hash, levels: p.pack.levels })) };
  });
}

/** What is still open among a ledger's alerts: the overview a superior reads (docs/oversight.md "The overview"). */
export interface OpenAlerts {
  /** open alerts by level */
  readonly byLevel: Record<string, number>;
  /** cases with an open alert of a deadline or escalation rule: a time limit passed and nobody has dealt with it */
  readonly overdueCases: number;
}

/** Counts the open alerts of {@link ledgerAlerts} by level, and the cases they make overdue. */
export function openAlerts(alerts: readonly AlertRow[]): OpenAlerts {
  const byLevel = new Map<string, number>();
  const overdue = new Set<string>();
  for (const a of alerts) {
    if (a.status !== 'open') continue;
    byLevel.set(a.level, (byLevel.get(a.level) ?? 0) + 1);
    if (a.kind === 'deadline' || a.kind === 'escalate') overdue.add(a.caseId);
  }
  // Own properties whatever the level's name (Object.fromEntries defines them).
  return { byLevel: Object.fromEntries(byLevel), overdueCases: overdue.size };
}
