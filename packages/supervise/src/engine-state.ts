/**
 * Everything the engine remembers between entries, in one place: the pack
 * and calendars in force, the case table, the calendar-missing alerts raised,
 * what is tracked, the adoptions seen, and the position. A journal makes a
 * writer's transaction undoable (`begin`/`commit`/`rollback`): the state
 * after a rollback is the state before `begin`, except that summaries the
 * transaction touched are dropped and refolded from what was committed.
 */
import { CaseTable, JournaledMap, JournaledSet, type CaseCache } from './case-table.js';
import type { LedgerEntry } from './entry-model.js';
import { fail } from './errors.js';
import type { Pack } from './pack-model.js';
import type { CalendarAdopted, RulesAdopted } from './system-entries.js';
import type { CalendarInForce } from './time-rules.js';
import { TrackingSet } from './tracking.js';

/** An adoption entry and its payload, parsed once. */
export interface Adoption {
  readonly entry: LedgerEntry;
  readonly payload: RulesAdopted | CalendarAdopted;
}

export class EngineState {
  packInForce: Pack | null = null;
  readonly calendars = new JournaledMap<string, CalendarInForce>();
  readonly table: CaseTable;
  /** `calendar id \u0000 hash in force`: one calendar-missing alert each (docs/supervision.md §6.5) */
  readonly missingRaised = new JournaledSet<string>();
  lastSeq = -1;
  lastTime = 0;
  /** whether `table.timed` holds every case a tick must look at */
  timedComplete = true;
  /** whether any case has been seen (tracking that grows before the first case loses nothing) */
  casesSeen = false;
  private journal: { pack: Pack | null; lastSeq: number; lastTime: number; timedComplete: boolean; adoptions: number; tracked: number } | null = null;

  constructor(
    readonly track: TrackingSet,
    /** adoption entries seen, in seq order (shared with this engine's folds) */
    readonly adoptions: Adoption[],
    cache: CaseCache | undefined,
  ) {
    this.table = new CaseTable(cache);
  }

  /** Seq strictly increasing, time never decreasing. */
  order(entry: LedgerEntry): void {
    if (!Number.isSafeInteger(entry.seq) || entry.seq <= this.lastSeq) fail('INVALID_INPUT', `entry seq ${entry.seq} does not follow ${this.lastSeq}`);
    if (!Number.isSafeInteger(entry.time) || entry.time < this.lastTime) fail('INVALID_INPUT', `entry ${entry.seq}: time ${entry.time} is earlier than ${this.lastTime}`);
    this.lastSeq = entry.seq;
    this.lastTime = entry.time;
  }

  /** The calendar `pack` counts with: the latest adopted with its id, if its zone is the pack's. */
  calendarFor(pack: Pack): CalendarInForce | null {
    if (pack.calendar === null) return null;
    const c = this.calendars.get(pack.calendar);
    return c !== undefined && c.calendar.table.zone === pack.zone ? c : null;
  }

  /** A case that changed and may be due: the next tick looks at it. */
  markTimed(caseId: string): void {
    this.table.timed.add(caseId);
    this.table.dormant.delete(caseId);
    this.table.nextDue.delete(caseId);
  }

  /** Tracking grew: summaries in memory lack what is now tracked, and so may the timed cases. */
  tracksGrew(): void {
    this.table.dropAll();
    if (this.casesSeen) this.timedComplete = false;
  }

  begin(): void {
    if (this.journal !== null) throw new TypeError('a transaction is already open');
    this.journal = { pack: this.packInForce, lastSeq: this.lastSeq, lastTime: this.lastTime, timedComplete: this.timedComplete, adoptions: this.adoptions.length, tracked: this.track.size };
    this.table.begin();
    this.calendars.begin();
    this.missingRaised.begin();
  }

  get inTransaction(): boolean {
    return this.journal !== null;
  }

  commit(): void {
    this.journal = null;
    this.table.commit();
    this.calendars.commit();
    this.missingRaised.commit();
  }

  rollback(): void {
    const j = this.journal;
    if (j === null) return;
    this.journal = null;
    this.packInForce = j.pack;
    this.lastSeq = j.lastSeq;
    this.lastTime = j.lastTime;
    // Tracking only grows; if it grew, the timed cases are no longer known.
    this.timedComplete = j.timedComplete && this.track.size === j.tracked;
    this.adoptions.length = j.adoptions;
    this.table.rollback();
    this.calendars.rollback();
    this.missingRaised.rollback();
  }
}

export function missingKey(calendar: string, inForce: string | null): string {
  return `${calendar}\u0000${inForce ?? ''}`;
}
