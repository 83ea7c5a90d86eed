/**
 * The monitor's state file, `monitor.json` in its state directory
 * (docs/oversight.md "The monitor state"): per unit, the last checkpoint
 * seen — proven consistent with the one before it and covered by a
 * verification that passed — when the last full verification ran, and the
 * overview of the last audit with the size it was made at. A unit's state
 * only moves forward after a round that found nothing wrong, so a
 * subordinate that rewrites its history is compared with the last good
 * checkpoint at every round until someone looks.
 */
import { LedgerError, fromBase64, parseCheckpoint, parseNote, parseVerifierKey, toBase64 } from '@casetrail/verify';
import type { AlertOverview, MonitorAudit } from './overview.js';

export const MONITOR_STATE_FORMAT = 'casetrail-monitor/v1';

/** A checkpoint the monitor saw and accepted. */
export interface SeenCheckpoint {
  size: number;
  /** base64, as in the note */
  root: string;
  /** the signed note as read from the ledger */
  note: string;
}

export interface UnitState {
  unit: string;
  /** The unit's verifier key when the state was made: a changed key starts nothing over silently. */
  vkey: string;
  checkpoint: SeenCheckpoint | null;
  /** When the last full verification passed, ms since 1970. */
  fullAt: number | null;
  /** The last audit and overview, and the size they were made at. */
  audited: ({ size: number; audit: MonitorAudit } & AlertOverview) | null;
}

export interface MonitorStateData {
  format: typeof MONITOR_STATE_FORMAT;
  units: UnitState[];
}

function invalid(path: string, message: string): LedgerError {
  return new LedgerError('STATE_INVALID', `${path}: ${message}`, { path });
}

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseSeen(v: unknown, origin: string, where: string, path: string): SeenCheckpoint | null {
  if (v === null) return null;
  if (!isObj(v) || !isNat(v['size']) || typeof v['root'] !== 'string' || typeof v['note'] !== 'string') throw invalid(path, `${where} is not a checkpoint`);
  try {
    const cp = parseCheckpoint(parseNote(v['note']).text);
    if (cp.origin !== origin || cp.size !== v['size'] || toBase64(cp.root) !== v['root']) throw new Error('it disagrees with its note');
  } catch (e) {
    throw invalid(path, `${where}: ${(e as Error).message}`);
  }
  return { size: v['size'], root: v['root'], note: v['note'] };
}

function parseAudited(v: unknown, where: string, path: string): UnitState['audited'] {
  if (v === null) return null;
  const ok =
    isObj(v) &&
    isNat(v['size']) &&
    isNat(v['overdue']) &&
    isObj(v['alerts']) &&
    Object.values(v['alerts']).every(isNat) &&
    isObj(v['audit']) &&
    typeof v['audit']['ok'] === 'boolean' &&
    isNat(v['audit']['findings']) &&
    isNat(v['audit']['errors']) &&
    isNat(v['audit']['packs']) &&
    (v['audit']['policy'] === undefined || v['audit']['policy'] === null || (typeof v['audit']['policy'] === 'string' && /^[0-9a-f]{64}$/.test(v['audit']['policy'])));
  if (!ok) throw invalid(path, `${where} is not an audit overview`);
  return v as unknown as UnitState['audited'];
}

/**
 * Parses the monitor state.
 * @throws LedgerError STATE_INVALID
 */
export function parseMonitorState(text: string, path: string): MonitorStateData {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw invalid(path, `not JSON: ${(e as Error).message}`);
  }
  if (!isObj(v) || v['format'] !== MONITOR_STATE_FORMAT || !Array.isArray(v['units'])) throw invalid(path, `not a ${MONITOR_STATE_FORMAT} state`);
  const seen = new Set<string>();
  const units = v['units'].map((u, i): UnitState => {
    const where = `units[${i}]`;
    if (!isObj(u) || typeof u['unit'] !== 'string' || typeof u['vkey'] !== 'string' || !(u['fullAt'] === null || isNat(u['fullAt']))) throw invalid(path, `${where} is not a unit`);
    if (seen.has(u['unit'])) throw invalid(path, `${where}: unit ${JSON.stringify(u['unit'])} appears twice`);
    seen.add(u['unit']);
    let origin: string;
    try {
      origin = parseVerifierKey(u['vkey']).name;
    } catch (e) {
      throw invalid(path, `${where}.vkey: ${(e as Error).message}`);
    }
    return { unit: u['unit'], vkey: u['vkey'], checkpoint: parseSeen(u['checkpoint'], origin, `${where}.checkpoint`, path), fullAt: u['fullAt'], audited: parseAudited(u['audited'], `${where}.audited`, path) };
  });
  return { format: MONITOR_STATE_FORMAT, units };
}

export function formatMonitorState(s: MonitorStateData): string {
  return `${JSON.stringify({ format: s.format, units: s.units }, null, 2)}\n`;
}

/** The root of a seen checkpoint as bytes. */
export function seenRoot(c: SeenCheckpoint): Uint8Array {
  return fromBase64(c.root);
}
