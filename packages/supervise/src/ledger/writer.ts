/**
 * Supervision wired into a ledger (docs/supervision.md §13): the engine
 * attached through the core's in-transaction extension, so that every
 * appended step is screened inside its transaction and its alerts are
 * written right after it; `block: true` rules refuse the step and the
 * refused attempt is recorded in a transaction of its own.
 *
 * The engine's state is never stale when it screens: before each step it
 * takes note of what other processes appended since (observe, through the
 * transaction's read view), a transaction that did not commit is rolled
 * back, summaries it let go of are refolded from the case's checked history,
 * and packs and calendars are believed only once their entries are proven
 * against the ledger's signed checkpoint (adoptions.ts). What cannot be done
 * inside the transaction (proving a new adoption, a long catch-up, the full
 * replay a tick needs after a fresh start) makes the attempt fail with
 * nothing written; the SupervisedLedger methods then do it and try again.
 */
import {
  LedgerError,
  openStore,
  toHex,
  utf8,
  type BatchStep,
  type CommittedStep,
  type ExtensionBatchContext,
  type ExtensionContext,
  type ExtensionView,
  type Ledger,
  type LedgerExtension,
  type LedgerStore,
  type ReadView,
} from '@casetrail/core';
import type { ExpectedAlert } from '../alerts.js';
import { SYSTEM_CASE, TYPES, isOrdinaryType, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import { createSupervisor, type Supervisor } from '../supervisor.js';
import type { Pack } from '../pack-model.js';
import { encodeRefusal, parseSystemPayload } from '../system-entries.js';
import { provenAdoptions, type ProvenAdoption } from './adoptions.js';
import { judgePoints, readUnits, type UnitsSnapshot } from './points-writer.js';
import { EXTENSION_NAME, SUPERVISION_TYPES, refusalOf, supervisionValidators } from './registry.js';
import { committedEntry, storedCaseHistory, storedEntries, storedEntry, viewCaseHistory } from './stored.js';

/** An alert written by this writer, right after the entry `after`. */
export interface WrittenAlert {
  readonly after: number;
  /** the index in its batch of the step it follows */
  readonly index: number;
  readonly seq: number;
  readonly caseId: string;
  readonly rule: string;
  readonly level: string;
  readonly reason: { readonly zh: string; readonly en: string };
}

/** What must be done outside a transaction before it is tried again. */
export type Need = 'catch-up' | 'replay' | 'reset' | 'units';

/** Thrown inside the transaction when the engine cannot screen from what it knows; nothing is written. */
export class StaleState extends Error {
  constructor(
    readonly need: Need,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A step of the batch as judged ahead (onBatch), with the alerts it raised
 * and the seqs they were given: written as planned only if the step is
 * written exactly as judged.
 */
interface PlannedStep {
  readonly seq: number;
  readonly step: number;
  readonly time: number;
  readonly caseId: string;
  readonly type: string;
  readonly actor: string;
  readonly data: unknown;
  readonly alerts: readonly { readonly alert: ExpectedAlert; readonly seq: number }[];
}

/** The batch cannot be judged ahead: it is judged step by step as it is written. */
class NoPlan extends Error {}

export interface HookOptions {
  readonly vkey: string;
  readonly actor: string;
  readonly maxCases: number;
  readonly maxCatchUp: number;
}

const ADOPTIONS: readonly string[] = [TYPES.rulesAdopted, TYPES.calendarAdopted];

/** Below this size a fresh writer replays the whole ledger (it then knows the timed cases at once). */
const REPLAY_AT_START = 20_000;

/**
 * The in-transaction half of the writer and the engine it keeps current.
 * `SupervisedLedger` (supervised-ledger.ts) drives it.
 */
export class SupervisionHook {
  sup: Supervisor;
  /** proven adoption entries, by seq (proven against the signed checkpoint, or written by this process) */
  readonly proven = new Map<number, ProvenAdoption>();
  /** 'dry': alerts are collected, and the transaction is refused at its end (onEnd) */
  mode: 'write' | 'dry' = 'write';
  written: WrittenAlert[] = [];
  /** in a dry run: the batch indexes of the steps judged (the others were appended before, format.md §4.6) */
  judged = new Set<number>();
  blocked: { line: number | null; caseId: string; type: string; rules: { id: string; level: string; reason: { zh: string; en: string } }[] } | undefined;
  /** what the next attempt must do first */
  need: Need | null = 'reset';
  /** the seq a summary being written was counted for (§14.6): written anywhere else, it is counted again */
  summaryAt: number | null = null;
  /** the seqs standings being written were counted for (§14.12) */
  standingsAt: ReadonlySet<number> | null = null;
  /** the units a violation is judged with, read from a snapshot with the directory case's tail (§14.7); null: not read yet */
  units: UnitsSnapshot | null = null;
  private txView: ExtensionView | null = null;
  /** the transaction's batch as judged ahead (onBatch), checked step by step as it is written; null: judged as written */
  private plan: PlannedStep[] | null = null;
  /** while judging ahead: the cases judged so far (their steps in the batch are not in the ledger yet) */
  private ahead: Set<string> | null = null;
  /** a plan did not hold in the last attempt: the next transaction is judged step by step */
  private planMissed = false;
  /** the adoption entries written in the transaction being judged: proven once it commits */
  private adoptedHere: CommittedStep[] = [];
  /** where the engine reads a case's history: the transaction's view, or the reader's snapshot */
  private source: { view: ExtensionView } | { snapshot: ReadView } | null = null;

  private constructor(
    readonly ledger: Ledger,
    /** a read-only handle of the ledger's store: snapshots and checked rows outside a transaction */
    readonly reader: LedgerStore,
    readonly opts: HookOptions,
  ) {
    this.sup = this.engine();
  }

  static async open(ledger: Ledger, opts: HookOptions): Promise<SupervisionHook> {
    return new SupervisionHook(ledger, await openStore(ledger.path, { readonly: true }), opts);
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  /** The core extension: the registry of supervision types and the screening hook. */
  extension(): LedgerExtension {
    return {
      name: EXTENSION_NAME,
      systemTypes: supervisionValidators(),
      unredactable: [...SUPERVISION_TYPES],
      // A tick raises the alerts of every case due; a fold reads a case's history through the view.
      limits: { maxAddedPerStep: 100_000, maxAddedPerTransaction: 100_000, maxReadsPerTransaction: 1_000_000 },
      onBatch: (steps, ctx) => this.onBatch(steps, ctx),
      onStep: (step, ctx) => this.onStep(step, ctx),
      // The transaction judged committed (a refused or failed one never gets here, nor a refusal's record).
      onCommit: () => this.committed(),
      // After the transaction's last step written: a batch's last step appended before never reaches onStep.
      onEnd: (ctx) => {
        if (this.mode === 'dry') ctx.refuse({ code: 'DRY_RUN', message: 'a dry run writes nothing' });
      },
    };
  }

  private engine(): Supervisor {
    return createSupervisor({
      cache: {
        maxCases: this.opts.maxCases,
        history: (caseId, beforeSeq) => {
          // Judging ahead, a case's earlier steps in the batch are not in the ledger yet: no refold can see them.
          if (this.ahead?.has(caseId)) throw new NoPlan();
          const src = this.source;
          if (src === null) throw new StaleState('reset', 'a case history was needed outside a transaction');
          return 'view' in src ? viewCaseHistory(src.view, caseId, beforeSeq) : storedCaseHistory(src.snapshot, this.reader.origin, caseId, beforeSeq);
        },
      },
    });
  }

  // ---- inside the transaction ---------------------------------------------------

  /** The engine enters the transaction of `view` (once per transaction: onBatch, or its first onStep). */
  private enter(view: ExtensionView): void {
    if (view === this.txView) return;
    // A transaction this engine saw and that never reported its commit did not commit.
    this.sup.rollback();
    this.plan = null;
    this.txView = view;
    this.adoptedHere = [];
    this.sup.begin();
  }

  /**
   * The whole batch, before its first step is written (docs/supervision.md
   * §13.2): each step judged as it will be written — its seq, step number,
   * time and payload are known now — and its alerts given the seqs that
   * follow it. The engine runs over the batch in one pass, its state warm;
   * `onStep` then only checks that each step was written as judged and adds
   * its alerts. A batch that cannot be judged ahead (a step without a time,
   * a system entry, a step a rule blocks, a refold that would need the
   * batch's own earlier steps) is judged step by step, as before.
   */
  private onBatch(steps: readonly BatchStep[], ctx: ExtensionBatchContext): void {
    const missed = this.planMissed;
    this.planMissed = false;
    if (this.mode !== 'write' || steps.length < 2 || missed) return;
    const tail = ctx.view.tail();
    let time = tail?.time ?? 0;
    for (const s of steps) {
      if (s.system || s.time === undefined || s.time < time || !isOrdinaryType(s.type)) return;
      time = s.time;
    }
    this.enter(ctx.view);
    this.source = { view: ctx.view };
    // The seq the batch's first step will get: nothing of the transaction is written yet.
    const first = ctx.view.size();
    try {
      this.catchUp(first, ctx.view);
      this.plan = this.judgeAhead(steps, first);
    } catch (e) {
      if (!(e instanceof NoPlan)) {
        this.source = null;
        throw e;
      }
      // What was judged ahead is forgotten; the steps are judged as they are written.
      this.restart();
    } finally {
      this.ahead = null;
    }
  }

  private judgeAhead(steps: readonly BatchStep[], start: number): PlannedStep[] {
    const sup = this.sup;
    const planned: PlannedStep[] = [];
    // A case's next step number: the core's for its first step in the batch, then one more per entry of the case (its alerts too).
    const next = new Map<string, number>();
    this.ahead = new Set();
    let seq = start;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const step = next.get(s.caseId) ?? s.step;
      const p = { seq, step, time: s.time!, caseId: s.caseId, type: s.type, actor: s.actor, data: s.data, alerts: [] as { alert: ExpectedAlert; seq: number }[] };
      const out = sup.step(p);
      this.ahead.add(s.caseId);
      if (out.blocked.length > 0 || out.findings.length > 0 || out.unknown.length > 0) throw new NoPlan();
      seq++;
      let n = step + 1;
      for (let j = 0; j < out.alerts.length; j++) {
        const a = out.alerts[j]!;
        // Only alerts of the step's own case (not the calendar request of the system case).
        if (a.caseId !== s.caseId) throw new NoPlan();
        sup.stepOwnAlert({ seq, time: p.time, caseId: a.caseId, step: n, type: TYPES.alert, actor: this.opts.actor, data: null, payload: a.payload }, a);
        p.alerts.push({ alert: a, seq });
        seq++;
        n++;
      }
      next.set(s.caseId, n);
      planned.push(p);
    }
    return planned;
  }

  /** The engine forgets the transaction so far; catching up then takes note of what it wrote. */
  private restart(): void {
    this.plan = null;
    this.sup.rollback();
    this.sup.begin();
  }

  private onStep(step: CommittedStep, ctx: ExtensionContext): void {
    this.enter(ctx.view);
    if (step.system && ADOPTIONS.includes(step.type)) this.adoptedHere.push(step);
    if (this.plan !== null) {
      if (this.follow(step, ctx)) return;
      // Written otherwise than judged (a step skipped as appended before, an entry another extension added):
      // judged as written from here, and the next attempt, if this one fails, judges step by step.
      this.planMissed = true;
      this.restart();
    }
    if (this.source === null || !('view' in this.source) || this.source.view !== ctx.view) this.source = { view: ctx.view };
    try {
      this.catchUp(step.seq, ctx.view);
      this.judge(step, ctx);
    } catch (e) {
      this.source = null;
      throw e;
    }
  }

  /** A step written exactly as judged ahead: its planned alerts are added. False: it was not, and nothing was added. */
  private follow(step: CommittedStep, ctx: ExtensionContext): boolean {
    const p = this.plan![ctx.batch.index];
    if (p === undefined || step.system || p.seq !== step.seq || p.step !== step.step || p.time !== step.time || p.caseId !== step.caseId || p.type !== step.type || p.actor !== step.actor || p.data !== step.data) {
      return false;
    }
    for (let i = 0; i < p.alerts.length; i++) {
      const { alert: a, seq } = p.alerts[i]!;
      const added = ctx.add({ caseId: a.caseId, type: TYPES.alert, actor: this.opts.actor, payload: utf8(a.payload) });
      if (added.seq !== seq) {
        // Another extension added entries to this step first: the engine noted this alert at another seq.
        this.planMissed = true;
        throw new StaleState('catch-up', `alert of entry ${step.seq} written at ${added.seq}, judged at ${seq}`);
      }
      this.written.push({ after: step.seq, index: ctx.batch.index, seq, caseId: a.caseId, rule: a.rule, level: a.level, reason: a.reason });
    }
    return true;
  }

  /** Takes note of the entries between the engine's position and `seq` (other writers', refusal records). */
  private catchUp(seq: number, view: ExtensionView): void {
    const from = this.sup.lastSeq + 1;
    if (from > seq) throw new StaleState('reset', `the engine is at entry ${from - 1}, past entry ${seq}`);
    if (seq - from > this.opts.maxCatchUp) throw new StaleState('catch-up', `${seq - from} entries to catch up on`);
    for (let s = from; s < seq; s++) {
      const c = view.entry(s);
      if (c === undefined) throw new StaleState('reset', `entry ${s} is not in the ledger`);
      this.sup.observe(this.adoptionOr(c.seq, c.type, toHex(c.leafHash), () => committedEntry(c)));
    }
  }

  /** An adoption entry only once proven (with the same leaf hash); any other entry as it is. */
  adoptionOr(seq: number, type: string, leaf: string, entry: () => LedgerEntry): LedgerEntry {
    if (!ADOPTIONS.includes(type)) return entry();
    const p = this.proven.get(seq);
    if (p === undefined) throw new StaleState('catch-up', `adoption entry ${seq} is not proven yet`);
    if (p.leaf !== leaf) throw new SupervisionError('ADOPTION_UNVERIFIED', `adoption entry ${seq} is not the entry that was proven (its leaf hash changed); supervision refuses to screen with it (run \`casetrail verify\`)`, { seq });
    return p.entry;
  }

  private judge(step: CommittedStep, ctx: ExtensionContext): void {
    const sup = this.sup;
    if ((step.type === TYPES.tick || step.type === TYPES.calendarAdopted) && !sup.timedKnown) throw new StaleState('replay', 'a tick needs the timed cases');
    if (this.mode === 'dry') this.judged.add(ctx.batch.index);
    const out = sup.step(committedEntry(step));
    if (step.system) {
      // Our own system entries (a disposition of something that is not an open alert, …) and redactions.
      const bad = out.findings.find((f) => f.severity === 'error');
      if (bad !== undefined) ctx.refuse({ code: bad.code, message: bad.message });
      // The violations ledger's entries: the checks of §14.4–§14.6 at this very position.
      const p = judgePoints(step, ctx.view, sup.pack, this.summaryAt, this.units, this.standingsAt);
      if (p === 'stale') throw new StaleState('catch-up', 'entries were appended while the summary or standing was counted');
      if (p === 'stale-units') throw new StaleState('units', 'the directory changed since its units were read');
      if (p !== null) ctx.refuse({ code: p.code, message: p.message });
    } else if (out.blocked.length > 0 && isOrdinaryType(step.type)) {
      const line = ctx.batch.size > 1 ? ctx.batch.index + 1 : null;
      const refusal = refusalOf(sup.pack!, step, line, out.blocked);
      this.blocked = {
        line,
        caseId: step.caseId,
        type: step.type,
        rules: out.blocked.map((b) => ({ id: b.rule.id, level: b.rule.level, reason: refusal.rules[0]?.id === b.rule.id ? refusal.reason : { zh: b.rule.message.zh, en: b.rule.message.en } })),
      };
      const names = refusal.rules.map((r) => `${r.id} (${r.level})`).join(', ');
      const where = line === null ? `step ${step.type} of case ${step.caseId}` : `line ${line} of the batch (${step.type} of case ${step.caseId})`;
      ctx.refuse({
        code: 'RULE_BLOCKED',
        message: `${where} is refused by ${names}: ${refusal.reason.en}`,
        ...(this.mode === 'dry' ? {} : { record: [{ caseId: SYSTEM_CASE, type: TYPES.refused, actor: this.opts.actor, payload: utf8(encodeRefusal(refusal)), time: step.time }] }),
      });
    }
    for (let i = 0; i < out.alerts.length; i++) {
      const a = out.alerts[i]!;
      const added = ctx.add({ caseId: a.caseId, type: TYPES.alert, actor: this.opts.actor, payload: utf8(a.payload) });
      sup.stepOwnAlert(committedEntry(added, a.payload), a);
      this.written.push({ after: step.seq, index: ctx.batch.index, seq: added.seq, caseId: a.caseId, rule: a.rule, level: a.level, reason: a.reason });
    }
  }

  /**
   * After the commit of the transaction this engine judged (the extension's
   * onCommit): it keeps what it learnt, and the adoptions written in it are
   * proven. Another transaction of this Ledger instance that committed
   * instead (a refusal's record, written without extensions) never gets
   * here: the engine is left in the transaction it judged, which the next
   * attempt (`ready`) or step rolls back.
   */
  committed(): void {
    const adopted = this.leave();
    if (!this.sup.inTransaction) return;
    this.sup.commit();
    for (const e of adopted) this.proven.set(e.seq, { entry: committedEntry(e), leaf: toHex(e.leafHash) });
  }

  /** After an attempt that failed: whatever the engine learnt in it is undone. */
  failed(): void {
    this.leave();
    this.sup.rollback();
  }

  /** The transaction's view, plan and adoptions end with it; returns its adoptions. */
  private leave(): CommittedStep[] {
    const adopted = this.adoptedHere;
    this.source = null;
    this.plan = null;
    this.txView = null;
    this.adoptedHere = [];
    return adopted;
  }

  // ---- outside a transaction ------------------------------------------------------

  /** Makes the engine current enough to try a transaction: bootstraps, catches up, replays. */
  async ready(needTimed: boolean): Promise<void> {
    // A transaction judged but never reported (a direct append that failed) taught the engine nothing.
    if (this.sup.inTransaction) this.failed();
    const size = await this.ledger.size();
    if (this.need === 'reset') await this.bootstrap(size);
    else if (this.need === 'catch-up' || size - 1 - this.sup.lastSeq > this.opts.maxCatchUp) await this.catchUpOutside(size);
    if (this.need === 'replay' || (needTimed && !this.sup.timedKnown)) await this.replay();
    if (this.need === 'units') this.units = await readUnits(this.reader);
    this.need = null;
  }

  private async prove(): Promise<ProvenAdoption[]> {
    const all = await provenAdoptions(this.ledger, this.opts.vkey, this.proven);
    for (const p of all) this.proven.set(p.entry.seq, p);
    return all;
  }

  /** A fresh engine: a whole replay on a small ledger, else the system entries only (ticks then need a replay). */
  private async bootstrap(size: number): Promise<void> {
    if (size <= REPLAY_AT_START) return this.replay();
    await this.prove();
    const sup = this.fresh();
    await this.reader.read((view) => {
      const n = view.size();
      sup.forgetTimed();
      let last = -1;
      for (const row of view.caseEntries(SYSTEM_CASE)) {
        if (row.seq >= n) break;
        sup.observe(this.stored(view, row));
        last = row.seq;
      }
      const tail = view.entry(n - 1);
      if (tail !== undefined && tail.seq > last) sup.observe(this.stored(view, tail));
    });
    this.sup = sup;
  }

  /** A new engine tracking every proven pack from the first entry. */
  private fresh(): Supervisor {
    const sup = this.engine();
    for (const p of [...this.proven.values()].sort((a, b) => a.entry.seq - b.entry.seq)) {
      if (p.entry.type === TYPES.rulesAdopted) sup.retrack(packOf(p));
    }
    return sup;
  }

  private stored(view: ReadView, row: Parameters<typeof storedEntry>[1]): LedgerEntry {
    const s = storedEntry(view, row, this.reader.origin);
    return this.adoptionOr(s.entry.seq, s.entry.type, toHex(s.leaf), () => s.entry);
  }

  private async catchUpOutside(size: number): Promise<void> {
    await this.prove();
    const from = this.sup.lastSeq + 1;
    await this.reader.read((view) => {
      for (const s of storedEntries(view, this.reader.origin, from, Math.min(size, view.size()))) {
        this.sup.observe(this.adoptionOr(s.entry.seq, s.entry.type, toHex(s.leaf), () => s.entry));
      }
    });
  }

  /** Replays the whole ledger with a fresh engine, from a snapshot (the engine then knows the timed cases). */
  private async replay(): Promise<void> {
    await this.prove();
    const sup = this.fresh();
    await this.reader.snapshot(async (view) => {
      this.source = { snapshot: view };
      try {
        for (const s of storedEntries(view, this.reader.origin, 0, view.size())) sup.step(this.adoptionOr(s.entry.seq, s.entry.type, toHex(s.leaf), () => s.entry));
      } finally {
        this.source = null;
      }
    });
    this.sup = sup;
  }

  /** The pack in force at `seq` by the proven adoptions (the latest rules adoption before it), or null. */
  packAt(seq: number): Pack | null {
    let best: ProvenAdoption | undefined;
    for (const p of this.proven.values()) {
      if (p.entry.type === TYPES.rulesAdopted && p.entry.seq < seq && (best === undefined || p.entry.seq > best.entry.seq)) best = p;
    }
    return best === undefined ? null : packOf(best);
  }
}

/** The pack a proven rules adoption records. */
export function packOf(p: ProvenAdoption): Pack {
  return parseSystemPayload(TYPES.rulesAdopted, p.entry.payload ?? { value: p.entry.data }, p.entry).pack;
}

/** The cause of a failed attempt, if the writer must do something first and try again. */
export function staleCause(e: unknown): StaleState | undefined {
  if (e instanceof StaleState) return e;
  if (e instanceof LedgerError && e.code === 'EXTENSION_FAILED' && e.cause instanceof StaleState) return e.cause;
  return undefined;
}
