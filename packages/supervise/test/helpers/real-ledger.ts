/**
 * Supervision on real ledgers (SQLite files in a temporary directory), for
 * the integration tests: a fixed key, a supervised writer, the engine's
 * view of what is stored, and the replay of a SimLedger scenario through the
 * writer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, MemorySignerState, ed25519PublicKey, formatSignerKey, formatVerifierKey, openStore } from '@casetrail/core';
import { REDACTED, TYPES, type LedgerEntry, type Pack } from '../../src/index.js';
import { storedEntries, supervise, type SupervisedLedger } from '../../src/ledger/index.js';
import { cnCalendar, examplePack, sh, type SimLedger } from './sim-ledger.js';

export const ORIGIN = 'supervise.test/approvals';
const SEED = Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 3);
export const KEYS = { skey: formatSignerKey(ORIGIN, SEED), vkey: formatVerifierKey(ORIGIN, ed25519PublicKey(SEED)) };

const dirs: string[] = [];

/**
 * The signer state of each test ledger (format.md §10), shared by every
 * handle a test opens on it with the key, as a key file's state beside it
 * would be: a key string alone has a state for the life of one Ledger.
 */
const states = new Map<string, MemorySignerState>();

export function stateOf(path: string): MemorySignerState {
  let s = states.get(path);
  if (s === undefined) states.set(path, (s = new MemorySignerState(`${path} (test signer state)`)));
  return s;
}

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'casetrail-supervise-'));
  dirs.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function newSupervised(opts: { path?: string; maxCases?: number; maxCatchUp?: number } = {}): Promise<{ path: string; ledger: Ledger; sup: SupervisedLedger }> {
  const path = opts.path ?? join(tempDir(), 'approvals.ledger');
  const ledger = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
  const sup = await supervise(ledger, { vkey: KEYS.vkey, ...(opts.maxCases === undefined ? {} : { maxCases: opts.maxCases }), ...(opts.maxCatchUp === undefined ? {} : { maxCatchUp: opts.maxCatchUp }) });
  return { path, ledger, sup };
}

/** A new supervised ledger with the mainland calendar and `pack` (default the example pack) adopted on 2025-09-01. */
export async function newAdopted(pack: Pack = examplePack()): Promise<{ path: string; ledger: Ledger; sup: SupervisedLedger }> {
  const s = await newSupervised();
  await s.sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
  await s.sup.adoptPack(pack, { actor: 'operator:li', time: sh('2025-09-01T08:00') });
  return s;
}

export async function openSupervised(path: string, opts: { maxCases?: number; maxCatchUp?: number } = {}): Promise<{ ledger: Ledger; sup: SupervisedLedger }> {
  const ledger = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), durability: 'normal' });
  const sup = await supervise(ledger, { vkey: KEYS.vkey, ...opts });
  return { ledger, sup };
}

/** What is stored, as the engine reads it (decoded from the bytes, checked). */
export async function storedStream(path: string): Promise<LedgerEntry[]> {
  const store = await openStore(path, { readonly: true });
  try {
    return await store.read((v) => [...storedEntries(v, store.origin, 0, v.size())].map((s) => s.entry));
  } finally {
    await store.close();
  }
}

/**
 * Writes a SimLedger scenario's steps, adoptions, ticks and dispositions
 * through the supervised writer (the alerts are the writer's own), and
 * returns the packs the scenario adopted.
 */
export async function replayScenario(sim: SimLedger, sup: SupervisedLedger, packs: readonly Pack[]): Promise<void> {
  for (const e of sim.entries) {
    if (e.type === TYPES.alert) continue;
    if (e.type === TYPES.rulesAdopted) {
      const hash = (e.data as { hash: string }).hash;
      await sup.adoptPack(packs.find((p) => p.hash === hash)!, { actor: e.actor, time: e.time });
    } else if (e.type === TYPES.calendarAdopted) {
      await sup.adoptCalendar((e.data as { calendar: never }).calendar, { actor: e.actor, time: e.time });
    } else if (e.type === TYPES.tick) {
      await sup.tick({ now: e.time, actor: e.actor });
    } else if (e.type === TYPES.alertDisposed) {
      const d = e.data as { alert: number; outcome: 'explained'; reason: string };
      await sup.dispose(d.alert, { actor: e.actor, outcome: d.outcome, reason: d.reason, time: e.time });
    } else if (e.type.startsWith('casetrail.')) {
      throw new Error(`replayScenario: ${e.type} is not replayed`);
    } else {
      if (e.data === REDACTED) throw new Error('replayScenario: a redacted step');
      await sup.append({ caseId: e.caseId, type: e.type, actor: e.actor, data: e.data, time: e.time });
    }
  }
}

/** Entries as `seq type case` and, for supervision entries, their payload text. */
export function shape(entries: readonly LedgerEntry[]): string[] {
  return entries.map((e) => `${e.seq} ${e.type} ${e.caseId}${e.type.startsWith('casetrail.') ? ` ${e.payload ?? JSON.stringify(e.data)}` : ''}`);
}
