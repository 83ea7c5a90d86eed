/**
 * What the engine remembers per case is the union of what every tracked pack
 * reads (pack-model.ts `Tracking`). An auditor tracks every pack adopted in the
 * ledger from the first entry on, so a pack adopted later still sees each
 * case's whole history; a writer that adopts a new pack refolds its cases
 * (`foldCase`) with the new pack tracked.
 */
import type { Aggregate, ClockDef, Pack, Tracking, TypeTracking } from './pack-model.js';
import { aggregateKey } from './pack-model.js';

export class TrackingSet implements Tracking {
  readonly counted = new Set<string>();
  readonly latestFields = new Map<string, Set<string>>();
  readonly actorTypes = new Set<string>();
  readonly aggregates = new Map<string, Aggregate>();
  readonly clocks = new Map<string, ClockDef>();
  private readonly packs = new Set<string>();
  /** forType's answers, until tracking grows */
  private readonly byType = new Map<string, TypeTracking>();

  /** Adds what `pack` reads; returns true when something new had to be added. */
  add(pack: Pack): boolean {
    if (this.packs.has(pack.hash)) return false;
    this.packs.add(pack.hash);
    let grew = false;
    const addTo = <T>(set: Set<T>, v: T): void => {
      if (!set.has(v)) {
        set.add(v);
        grew = true;
      }
    };
    for (const t of pack.steps.keys()) addTo(this.counted, t);
    for (const r of pack.rules) {
      if (r.kind === 'separation') for (const t of r.types) addTo(this.actorTypes, t);
      if (r.kind === 'cel') {
        for (const prog of r.programs.values()) {
          for (const [t, l] of prog.reads.latest) {
            let f = this.latestFields.get(t);
            if (f === undefined) {
              this.latestFields.set(t, (f = new Set()));
              grew = true;
            }
            for (const x of l.data) addTo(f, x);
          }
        }
      }
      if (r.kind === 'deadline' && !this.clocks.has(r.clock)) {
        this.clocks.set(r.clock, { key: r.clock, start: r.start, stop: r.stop, pause: r.pause, resume: r.resume });
        grew = true;
      }
    }
    for (const a of pack.aggregates.values()) {
      const k = aggregateKey(a);
      if (!this.aggregates.has(k)) {
        this.aggregates.set(k, a);
        grew = true;
      }
    }
    if (grew) this.byType.clear();
    return grew;
  }

  forType(type: string): TypeTracking {
    let t = this.byType.get(type);
    if (t === undefined) this.byType.set(type, (t = this.typeTracking(type)));
    return t;
  }

  // Apart from forType, which runs twice per step: its closures would make V8 allocate a context on every call.
  private typeTracking(type: string): TypeTracking {
    const latest = this.latestFields.get(type);
    return {
      counted: this.counted.has(type),
      latestFields: latest === undefined ? undefined : [...latest],
      actors: this.actorTypes.has(type),
      aggregates: [...this.aggregates].filter(([, a]) => a.of === type),
      clocks: [...this.clocks.values()].filter((c) => c.start === type || c.stop.includes(type) || c.pause.includes(type) || c.resume.includes(type)),
    };
  }

  has(pack: Pack): boolean {
    return this.packs.has(pack.hash);
  }

  /** Number of packs tracked. */
  get size(): number {
    return this.packs.size;
  }
}
