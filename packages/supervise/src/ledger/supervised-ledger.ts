/**
 * `supervise(ledger, { vkey })`: a ledger whose every append is screened
 * (docs/supervision.md §13). The methods here make the engine current,
 * run the ledger's own write, and try again when the transaction found the
 * engine behind (nothing was written then); blocked steps become
 * RULE_BLOCKED with the refusal recorded.
 */
import { LedgerError, utf8, type Ledger, type Receipt, type StepInput } from '@casetrail/core';
import type { CalendarTable } from '../calendar.js';
import { SYSTEM_CASE, TYPES } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import type { Pack } from '../pack-model.js';
import { encodeCalendarAdopted, encodeDisposition, encodeRulesAdopted, encodeTick, type Outcome } from '../system-entries.js';
import { POINTS_TYPES, parsePointsPayload } from '../points/entries.js';
import { confirmationPayload, directPayload, revocationPayload, standingPayloads, summaryPayload, type DirectViolation } from './points-writer.js';
import { EXTENSION_NAME } from './registry.js';
import { SupervisionHook, staleCause } from './writer.js';

export interface SuperviseOptions {
  /** The ledger's verifier key: pack and calendar adoptions are proven against checkpoints it signed. */
  readonly vkey: string;
  /** Actor of the alert and refusal entries (default `casetrail:supervise`). */
  readonly actor?: string;
  /** Case summaries kept in memory (default 10,000; each about 1 KB with a 20-rule pack). */
  readonly maxCases?: number;
  /** Entries by other writers taken note of inside a transaction; beyond it, outside first (default 1,000). */
  readonly maxCatchUp?: number;
}

/** An alert as a receipt lists it. */
export interface AlertRef {
  readonly seq: number;
  readonly caseId: string;
  readonly rule: string;
  readonly level: string;
  readonly reason: { readonly zh: string; readonly en: string };
}

const NO_ALERTS: readonly AlertRef[] = Object.freeze([]);

export interface SupervisedReceipt extends Receipt {
  /** the alerts written right after this entry */
  readonly alerts: readonly AlertRef[];
}

/**
 * What a dry run found: the alerts each step would raise, or the blocking
 * rules that would refuse it; and the steps the ledger had appended before
 * (their idempotency key or nonce, format.md §4.6), which would get their
 * first receipt and are not screened again.
 */
export interface DryRun {
  readonly alerts: readonly { readonly index: number; readonly caseId: string; readonly rule: string; readonly level: string; readonly reason: { readonly zh: string; readonly en: string } }[];
  readonly blocked?: { readonly index: number; readonly caseId: string; readonly type: string; readonly rules: readonly { readonly id: string; readonly level: string; readonly reason: { readonly zh: string; readonly en: string } }[] };
  /** batch indexes of the steps appended before (up to the blocked one, if a step is blocked) */
  readonly duplicates: readonly number[];
}

/** A violation as a receipt lists it. */
export interface ViolationRef {
  readonly seq: number;
  readonly caseId: string;
  readonly subject: string;
  readonly code: string;
  readonly points: number;
  /** ms UTC: the instant that decides its period */
  readonly at: number;
}

/** A disposition's receipt, and the violation written right after it when it confirmed a counted 情形. */
export interface DisposeReceipt extends SupervisedReceipt {
  readonly violation: ViolationRef | null;
}

/** Attempts of one write before the writer gives up catching up with other writers. */
const ATTEMPTS = 6;

export class SupervisedLedger {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly detach: (() => void)[] = [];

  private constructor(
    readonly ledger: Ledger,
    private readonly hook: SupervisionHook,
  ) {
    // The hook keeps what it judged at the extension's own onCommit: no commit listener, so no
    // transaction keeps its committed steps to its end for one.
    this.detach.push(ledger.use(hook.extension()));
  }

  /**
   * Attaches supervision to an open ledger (opened with its signer).
   * @throws INVALID_ARGUMENT (an extension named `supervise` is already in use)
   * @example const sup = await supervise(ledger, { vkey }); await sup.append({ caseId: 'XK-7', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 } });
   */
  static async attach(ledger: Ledger, opts: SuperviseOptions): Promise<SupervisedLedger> {
    if (typeof opts?.vkey !== 'string') throw new TypeError('opts.vkey must be the ledger verifier key');
    const maxCases = opts.maxCases ?? 10_000;
    const maxCatchUp = opts.maxCatchUp ?? 1_000;
    if (!Number.isSafeInteger(maxCases) || maxCases < 1) throw new RangeError('opts.maxCases must be an integer ≥ 1');
    if (!Number.isSafeInteger(maxCatchUp) || maxCatchUp < 0) throw new RangeError('opts.maxCatchUp must be an integer ≥ 0');
    const hook = await SupervisionHook.open(ledger, { vkey: opts.vkey, actor: opts.actor ?? 'casetrail:supervise', maxCases, maxCatchUp });
    try {
      return new SupervisedLedger(ledger, hook);
    } catch (e) {
      await hook.close();
      throw e;
    }
  }

  /** Removes supervision from the ledger (the ledger stays open). */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    for (const off of this.detach.splice(0)) off();
    await this.hook.close();
  }

  /** Appends one step, screened; its alerts follow it. @throws SupervisionError RULE_BLOCKED, as Ledger.append */
  async append(step: StepInput): Promise<SupervisedReceipt> {
    const [r] = await this.appendMany([step]);
    return r!;
  }

  /**
   * Appends steps in one transaction, each screened; one blocked step refuses
   * the whole batch (the refusal names its line, from 1, and its rules).
   * @throws SupervisionError RULE_BLOCKED (details: line, rules, recorded), as Ledger.appendMany
   */
  async appendMany(steps: readonly StepInput[]): Promise<SupervisedReceipt[]> {
    return this.write(false, async () => {
      return this.withAlerts(await this.ledger.appendMany(steps));
    });
  }

  /**
   * What appending `steps` (one transaction) would raise, or which rules
   * would refuse it: the append's own transaction, refused at its end, so
   * nothing is written. Needs the signer like an append.
   */
  async dryRun(steps: readonly StepInput[]): Promise<DryRun> {
    return this.write(false, async () => {
      this.hook.mode = 'dry';
      this.hook.judged = new Set();
      let receipts: Receipt[];
      try {
        receipts = await this.ledger.appendMany(steps);
      } catch (e) {
        if (!(e instanceof LedgerError && e.code === 'REFUSED' && e.details['extension'] === EXTENSION_NAME)) throw e;
        const b = this.hook.blocked;
        const blocked = b === undefined ? undefined : { index: (b.line ?? 1) - 1, caseId: b.caseId, type: b.type, rules: b.rules };
        // Every step up to the end (or the blocked one) was written and judged, or skipped as appended before.
        const end = blocked === undefined ? steps.length : blocked.index;
        return {
          alerts: this.hook.written.map((a) => ({ index: a.index, caseId: a.caseId, rule: a.rule, level: a.level, reason: a.reason })),
          ...(blocked === undefined ? {} : { blocked }),
          duplicates: [...Array(end).keys()].filter((i) => !this.hook.judged.has(i)),
        };
      } finally {
        this.hook.mode = 'write';
      }
      // Not refused: no step reached the writer, so each was appended before and nothing was written.
      if (receipts.some((r) => r.duplicate !== true)) throw new Error('a dry run wrote a step: it was not refused');
      return { alerts: [], duplicates: receipts.map((_r, i) => i) };
    });
  }

  /** Adopts a rule pack (its canonical JSON and hash): in force from this entry on. */
  async adoptPack(pack: Pack, opts: { actor: string; time?: number }): Promise<SupervisedReceipt> {
    return this.system(false, { caseId: SYSTEM_CASE, type: TYPES.rulesAdopted, actor: opts.actor, payload: encodeRulesAdopted(pack), time: opts.time }, () => this.hook.sup.retrack(pack));
  }

  /** Adopts a working-day calendar table; deferred deadlines are evaluated right after it. */
  async adoptCalendar(table: CalendarTable, opts: { actor: string; time?: number }): Promise<SupervisedReceipt> {
    return this.system(true, { caseId: SYSTEM_CASE, type: TYPES.calendarAdopted, actor: opts.actor, payload: encodeCalendarAdopted(table), time: opts.time });
  }

  /** Records "now is T" and the deadline and escalation alerts due by then. @throws TIME_ORDER when T is before the latest entry */
  async tick(opts: { now: number; actor?: string }): Promise<SupervisedReceipt> {
    return this.system(true, { caseId: SYSTEM_CASE, type: TYPES.tick, actor: opts.actor ?? 'casetrail:clock', payload: encodeTick(opts.now), time: opts.now });
  }

  /**
   * Disposes of alert `seq` in its case: explained (closes it), escalated,
   * or violation. A violation of a rule whose level has a 情形 code in the
   * pack in force is also recorded, as the entry right after the
   * disposition, in the same transaction (docs/supervision.md §14.4).
   * @param opts.points the points, when the 情形 allows a range
   * @throws SupervisionError DISPOSITION_INVALID (not an alert of a case, or already disposed of), VIOLATION_INVALID
   */
  async dispose(seq: number, opts: { actor: string; outcome: Outcome; reason: string; time?: number; points?: number }): Promise<DisposeReceipt> {
    const alert = await this.ledger.get(seq).catch((e: unknown) => {
      if (e instanceof LedgerError && e.code === 'NOT_FOUND') throw new SupervisionError('DISPOSITION_INVALID', `there is no entry ${seq} to dispose of`, { seq });
      throw e;
    });
    // Only an entry whose bytes check is judged (the core's reads mark one that does not).
    const entry = alert.ok ? alert.entry : undefined;
    if (entry === undefined) {
      const i = alert.issues.find((x) => x.severity === 'error');
      throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${seq} does not match its stored bytes or its chain (${i?.code ?? 'ENTRY_DECODE'}: ${i?.message ?? 'it does not decode'}); run \`casetrail verify\``, { seq, issue: i?.code });
    }
    if (entry.type !== TYPES.alert || entry.caseId === SYSTEM_CASE) {
      throw new SupervisionError('DISPOSITION_INVALID', `entry ${seq} is not an alert of a case (it is ${entry.type} in ${entry.caseId})`, { seq });
    }
    if (opts.points !== undefined && opts.outcome !== 'violation') throw new TypeError('opts.points goes with the outcome violation');
    const caseId = entry.caseId;
    const disposition = { caseId, type: TYPES.alertDisposed, actor: opts.actor, payload: encodeDisposition({ alert: seq, outcome: opts.outcome, reason: opts.reason }), time: opts.time };
    return this.write(false, async () => {
      const v =
        opts.outcome === 'violation'
          ? await confirmationPayload(this.hook.reader, this.hook.sup.pack, { seq, caseId }, { reason: opts.reason, ...(opts.points === undefined ? {} : { points: opts.points }) })
          : null;
      const rs = await this.appendSystemEntries([disposition, ...(v === null ? [] : [{ caseId, type: POINTS_TYPES.violation, actor: opts.actor, payload: v, time: opts.time }])]);
      return { ...rs[0]!, violation: v === null ? null : violationRef(rs[1]!, v) };
    });
  }

  /**
   * Records a violation directly (not from an alert): the subject, the 情形
   * code and its points, and the evidence — steps of one case, whose latest
   * time decides the period (docs/supervision.md §14.4).
   * @throws SupervisionError VIOLATION_INVALID
   */
  async recordViolation(v: DirectViolation, opts: { actor: string; time?: number }): Promise<SupervisedReceipt & { violation: ViolationRef }> {
    return this.write(false, async () => {
      const { caseId, payload } = await directPayload(this.hook.reader, v);
      const [r] = await this.appendSystemEntries([{ caseId, type: POINTS_TYPES.violation, actor: opts.actor, payload, time: opts.time }]);
      return { ...r!, violation: violationRef(r!, payload) };
    });
  }

  /**
   * Revokes violation `seq` (an appeal upheld): a new entry in its case; the
   * violation stays, and no longer counts (docs/supervision.md §14.5).
   * @throws SupervisionError REVOCATION_INVALID (not a violation, or revoked already)
   */
  async revokeViolation(seq: number, opts: { actor: string; reason: string; time?: number }): Promise<SupervisedReceipt> {
    return this.write(false, async () => {
      const { caseId, payload } = await revocationPayload(this.hook.reader, seq, opts.reason);
      const [r] = await this.appendSystemEntries([{ caseId, type: POINTS_TYPES.revoked, actor: opts.actor, payload, time: opts.time }]);
      return r!;
    });
  }

  /**
   * Records the summary of an ended period (docs/supervision.md §14.6): per
   * subject the points deducted, what remains and the measure reached, and
   * the root over the violations and revocations counted. A second summary
   * of a period amends the latest one (`amends`: its seq and why).
   * @param opts.time the summary's time (default now): the period must have ended by then
   * @throws SupervisionError POINTS_MODEL_MISSING, SUMMARY_INVALID (not ended, summarized before, a counted violation that does not check)
   */
  async summarize(period: string, opts: { actor: string; time?: number; amends?: { summary: number; reason: string } }): Promise<SupervisedReceipt> {
    return this.write(false, async () => {
      // As an append's: the clock, never before the latest entry.
      const size = await this.ledger.size();
      const time = opts.time ?? Math.max(Date.now(), size === 0 ? 0 : ((await this.ledger.get(size - 1)).entry?.time ?? 0));
      const packs = { now: this.hook.sup.pack, at: (s: number) => this.hook.packAt(s) };
      const { payload, at } = await summaryPayload(this.hook.reader, packs, period, time, opts.amends === undefined ? null : { reason: opts.amends.reason, summary: opts.amends.summary });
      this.hook.summaryAt = at;
      try {
        const [r] = await this.appendSystemEntries([{ caseId: SYSTEM_CASE, type: POINTS_TYPES.summary, actor: opts.actor, payload, time }]);
        return r!;
      } finally {
        this.hook.summaryAt = null;
      }
    });
  }

  /**
   * Records the standings of the points cycles (docs/supervision.md §14.12):
   * the cycle holding `time`, the one before it, and every cycle a violation
   * or revocation after its latest standing concerns, each continued from
   * that standing when its counts changed or many entries follow it —
   * what the live totals (`ledgerPoints`) count from, so that they read the
   * entries after it only. Nothing is written when no pack with a points
   * model is in force or nothing changed since the latest standings; a
   * cycle whose standing would list more than 40,000 seqs gets none
   * (`skipped`). `tick` records them after its clock entry.
   * @param opts.time the standings' time (default now, never before the latest entry)
   */
  async recordStandings(opts: { actor: string; time?: number }): Promise<{ receipts: SupervisedReceipt[]; skipped: string[] }> {
    return this.write(false, async () => {
      const size = await this.ledger.size();
      const time = opts.time ?? Math.max(Date.now(), size === 0 ? 0 : ((await this.ledger.get(size - 1)).entry?.time ?? 0));
      const packs = { now: this.hook.sup.pack, at: (s: number) => this.hook.packAt(s) };
      const { standings, at, skipped } = await standingPayloads(this.hook.reader, packs, time);
      if (standings.length === 0) return { receipts: [], skipped };
      this.hook.standingsAt = new Set(standings.map((_, i) => at + i));
      try {
        const receipts = await this.appendSystemEntries(standings.map(({ caseId, payload }) => ({ caseId, type: POINTS_TYPES.standing, actor: opts.actor, payload, time })));
        return { receipts, skipped };
      } finally {
        this.hook.standingsAt = null;
      }
    });
  }

  private system(needTimed: boolean, e: SystemWrite, before?: () => void): Promise<SupervisedReceipt> {
    return this.write(needTimed, async () => {
      before?.();
      const [r] = await this.appendSystemEntries([e]);
      return r!;
    });
  }

  /** System entries in one transaction, inside a write: each one's receipt with the alerts written after it. */
  private async appendSystemEntries(es: readonly SystemWrite[]): Promise<SupervisedReceipt[]> {
    const rs = await this.ledger.appendSystem(es.map((e) => ({ caseId: e.caseId, type: e.type, actor: e.actor, payload: utf8(e.payload), ...(e.time === undefined ? {} : { time: e.time }) })));
    return this.withAlerts(rs);
  }

  /**
   * The core's receipts of the last write, each given the alerts written
   * after its entry. They are the core's own, made for this call: the field is
   * added in place (a copy of each cost more than the screening of its step).
   */
  private withAlerts(receipts: Receipt[]): SupervisedReceipt[] {
    const after = this.alertsBySeq();
    for (const r of receipts) (r as Receipt & { alerts: readonly AlertRef[] }).alerts = after.get(r.seq) ?? NO_ALERTS;
    return receipts as SupervisedReceipt[];
  }

  /** The alerts written by the last write, by the seq of the entry each follows (one pass: a batch of 1,000 steps has 1,000 receipts). */
  private alertsBySeq(): Map<number, AlertRef[]> {
    const out = new Map<number, AlertRef[]>();
    for (const a of this.hook.written) {
      let list = out.get(a.after);
      if (list === undefined) out.set(a.after, (list = []));
      list.push({ seq: a.seq, caseId: a.caseId, rule: a.rule, level: a.level, reason: a.reason });
    }
    return out;
  }

  /** One write at a time: the engine is made current, the write tried, and tried again after a catch-up. */
  private write<T>(needTimed: boolean, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.hook.ready(needTimed);
        this.hook.written = [];
        this.hook.blocked = undefined;
        try {
          return await fn();
        } catch (e) {
          this.hook.failed();
          const stale = staleCause(e);
          if (stale !== undefined) {
            this.hook.need = stale.need;
            if (attempt < ATTEMPTS) continue;
            throw new SupervisionError('WRITER_STALE', `supervision could not catch up with the ledger (${stale.message}); nothing was written: try again`, {}, { cause: e });
          }
          throw this.refusal(e);
        }
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** REFUSED by this writer → the supervision error it stands for. */
  private refusal(e: unknown): unknown {
    if (!(e instanceof LedgerError && e.code === 'REFUSED' && e.details['extension'] === EXTENSION_NAME)) return e;
    const reason = e.details['reason'];
    if (reason === 'RULE_BLOCKED') {
      const b = this.hook.blocked;
      return new SupervisionError('RULE_BLOCKED', e.message.replace(/^extension supervise refused the transaction \(RULE_BLOCKED\): /, ''), {
        line: b?.line ?? null,
        caseId: b?.caseId,
        type: b?.type,
        rules: b?.rules ?? [],
        recorded: e.details['recorded'],
        ...(e.details['recordFailed'] === undefined ? {} : { recordFailed: e.details['recordFailed'] }),
      });
    }
    if (reason === 'DISPOSITION_INVALID' || reason === 'VIOLATION_INVALID' || reason === 'REVOCATION_INVALID') {
      return new SupervisionError(reason, e.message.replace(/^extension supervise refused the transaction \([A-Z_]+\): /, ''), {}, { cause: e });
    }
    return e;
  }
}

/** A system entry the writer appends. */
interface SystemWrite {
  readonly caseId: string;
  readonly type: string;
  readonly actor: string;
  readonly payload: string;
  readonly time: number | undefined;
}

function violationRef(r: Receipt, payload: string): ViolationRef {
  const v = parsePointsPayload(POINTS_TYPES.violation, payload, { seq: r.seq, time: r.time, caseId: r.caseId });
  return { seq: r.seq, caseId: r.caseId, subject: v.subject, code: v.code, points: v.points, at: v.at };
}

/** Attaches supervision to a ledger. @see SupervisedLedger.attach */
export function supervise(ledger: Ledger, opts: SuperviseOptions): Promise<SupervisedLedger> {
  return SupervisedLedger.attach(ledger, opts);
}
