/**
 * Bounded memory and the writer's needs (docs/supervision.md §6.10): an
 * engine that keeps only a few case summaries and refolds the others from
 * their history gives exactly the verdicts of one that keeps them all; a
 * writer that observes what another writer appended, or rolls back a
 * transaction that did not commit, screens the next step as if it had
 * stepped everything itself.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REDACTED, TYPES, audit, createSupervisor, type LedgerEntry, type Supervisor } from '../src/index.js';
import { enginePack } from './helpers/engine-pack.js';
import { buildExampleLedger } from './helpers/scenarios.js';
import { SimLedger, cnCalendar, sh } from './helpers/sim-ledger.js';

const dir = new URL('./vectors/', import.meta.url);
const vectors = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const v = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { entries: { seq: number; time: number; caseId: string; step: number; type: string; actor: string; payload: string | null }[] };
    return [f, v.entries.map(({ payload, ...e }): LedgerEntry => (payload === null ? { ...e, data: REDACTED } : { ...e, data: JSON.parse(payload) as unknown, payload }))] as const;
  });

/** The ledger's case index, over an in-memory stream. */
const historyOf = (entries: readonly LedgerEntry[]) => (caseId: string, beforeSeq: number) => entries.filter((e) => e.caseId === caseId && e.seq < beforeSeq);

function hostileLedger(): LedgerEntry[] {
  // A writer that lowers one red card and drops a deadline alert: findings to reproduce.
  const sim = new SimLedger((a) => (a.rule === 'fee.over-standard' ? a.payload.replace('"level":"red"', '"level":"yellow"') : a.rule === 'deadline.approval' && a.level === 'notice' ? null : a.payload));
  const { sim: honest } = buildExampleLedger();
  for (const e of honest.entries) {
    if (e.type === TYPES.alert) continue;
    if (e.type === TYPES.rulesAdopted) sim.raw(e.caseId, e.type, e.actor, e.data, e.time, e.payload);
    else if (e.type === TYPES.calendarAdopted || e.type === TYPES.tick) sim.raw(e.caseId, e.type, e.actor, e.data, e.time, e.payload);
    else sim.append(e.caseId, e.type, e.actor, e.data, e.time);
  }
  return sim.entries;
}

describe('a bounded audit gives the verdicts of an unbounded one', () => {
  const ledgers: (readonly [string, readonly LedgerEntry[]])[] = [...vectors, ['example ledger', buildExampleLedger().sim.entries], ['hostile ledger', hostileLedger()]];
  for (const [name, entries] of ledgers) {
    it.each([1, 2, 5])(`${name}, at most %i case summaries`, (maxCases) => {
      const full = audit(entries);
      const bounded = audit(entries, { history: historyOf(entries), maxCases, adoptions: entries.filter((e) => e.type === TYPES.rulesAdopted) });
      expect(bounded).toEqual(full);
    });
  }
  it('the hostile ledger has findings to reproduce', () => {
    expect(audit(hostileLedger()).findings.map((f) => f.code)).toEqual(expect.arrayContaining(['ALERT_SUPPRESSED', 'ALERT_FABRICATED']));
  });
});

/** Alerts an engine wants after each non-alert entry, as `seq:rule:level`. */
function wanted(sup: Supervisor, entries: readonly LedgerEntry[], judge: (e: LedgerEntry) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (!judge(e)) {
      sup.observe(e);
      continue;
    }
    const r = sup.step(e);
    if (e.type !== TYPES.alert) for (const a of r.alerts) out.push(`${e.seq}:${a.caseId}:${a.rule}:${a.level}`);
  }
  return out;
}

describe('the writer: observing, forgetting, rolling back', () => {
  const { sim } = buildExampleLedger();
  const entries = sim.entries;
  const all = wanted(createSupervisor(), entries);

  it('a writer that judges only every other case and observes the rest wants the same alerts for the cases it judges', () => {
    const mine = new Set(['XK-A', 'XK-C', 'XK-E', 'XK-G', 'XK-D2', 'XK-D4', 'casetrail.system']);
    const sup = createSupervisor({ cache: { maxCases: 2, history: historyOf(entries) } });
    const got = wanted(sup, entries, (e) => mine.has(e.caseId) && e.type !== TYPES.alert);
    // Ticks judge every case; other ordinary steps only their own.
    const expected = all.filter((k) => {
      const [seq, caseId] = k.split(':');
      const e = entries[Number(seq)]!;
      return e.type === TYPES.tick || e.type === TYPES.calendarAdopted || e.type === TYPES.rulesAdopted || mine.has(caseId!);
    });
    expect(got).toEqual(expected);
  });

  it('a writer that starts from the system entries only screens steps right, and refuses a tick until it replays', () => {
    const sup = createSupervisor({ cache: { maxCases: 3, history: historyOf(entries) } });
    sup.forgetTimed();
    const cut = entries.findIndex((e) => e.caseId === 'XK-C' && e.type === 'approval.decided');
    for (const e of entries.slice(0, cut)) if (e.caseId === 'casetrail.system') sup.observe(e);
    const r = sup.step(entries[cut]!);
    expect(r.alerts.map((a) => [a.rule, a.level, a.payload])).toEqual(
      all.filter((k) => k.startsWith(`${cut}:`)).map((k) => [k.split(':')[2], k.split(':')[3], expect.any(String)]),
    );
    const tick = entries.find((e) => e.seq > cut && e.type === TYPES.tick)!;
    for (const e of entries.slice(cut + 1, tick.seq)) sup.observe(e);
    expect(() => sup.step(tick)).toThrow(/replay the ledger/);
    expect(sup.timedKnown).toBe(false);
  });

  it('a rolled-back transaction leaves no trace: the next steps want what they want without it', () => {
    const sup = createSupervisor({ cache: { maxCases: 4, history: historyOf(entries) } });
    const cut = entries.findIndex((e) => e.caseId === 'XK-B' && e.type === 'approval.decided');
    const before = wanted(sup, entries.slice(0, cut));
    // A transaction that would have appended a review and a decision to XK-B, then failed.
    sup.begin();
    sup.step({ seq: cut, time: entries[cut]!.time, caseId: 'XK-B', step: 2, type: 'review.completed', actor: 'r', data: { reviewer: 'r' } });
    sup.step({ seq: cut + 1, time: entries[cut]!.time, caseId: 'casetrail.system', step: 99, type: TYPES.tick, actor: 'c', data: { now: entries[cut]!.time } });
    sup.rollback();
    const after = wanted(sup, entries.slice(cut));
    expect([...before, ...after]).toEqual(all);
  });

  it('a calendar adopted by another writer is observed: deferred stops and the missing-calendar alert agree', () => {
    const pack = enginePack();
    const year = cnCalendar();
    const build = () => {
      const s = new SimLedger();
      s.adoptCalendar(year, sh('2026-12-01T08:00'));
      s.adoptPack(pack, sh('2026-12-01T08:00'));
      s.append('K', 'application.received', 'clerk', { item: 'XK-1', handler: 'clerk' }, sh('2026-12-30T09:00'));
      s.append('K', 'case.closed', 'clerk', {}, sh('2027-01-08T09:00'));
      s.adoptCalendar({ ...year, to: '2027-12-31', holidays: [...year.holidays, '2027-01-01'] }, sh('2027-01-09T09:00'));
      return s.entries;
    };
    const e = build();
    const full = wanted(createSupervisor(), e);
    expect(full.some((k) => k.includes('casetrail.calendar-missing'))).toBe(true);
    const sup = createSupervisor({ cache: { maxCases: 1, history: historyOf(e) } });
    expect(wanted(sup, e, (x) => x.type !== TYPES.alert)).toEqual(full);
  });
});
