/**
 * The witness's state file, `state.json` in its state directory
 * (docs/oversight.md "The witness state"): the logs it accepts and, per
 * log, the checkpoints it cosigned — the latest one, which tlog-witness
 * requires it to keep, and the last {@link MAX_HISTORY} before it, which let
 * it tell a replayed old checkpoint from a fork at an older size. Read
 * strictly: a state that does not parse is STATE_INVALID, and the witness
 * refuses to work on it rather than cosign from a state it cannot trust.
 */
import {
  LedgerError,
  fromBase64,
  parseCheckpoint,
  parseCosignatureVerifierKey,
  parseNote,
  parseVerifierKey,
  toBase64,
} from '@casetrail/verify';

/** The `format` of every witness state file. */
export const WITNESS_STATE_FORMAT = 'casetrail-witness/v1';
/**
 * Cosigned checkpoints kept per log, the latest included. The state is
 * rewritten at every cosignature, so it is bounded; a checkpoint older than
 * these, shown again, can no longer be told from a rollback.
 */
export const MAX_HISTORY = 64;
/** Logs one witness accepts. */
export const MAX_LOGS = 10_000;

/** A checkpoint the witness cosigned. */
export interface CosignedCheckpoint {
  size: number;
  /** Its root, base64 (as in the note). */
  root: string;
  /** The signed note as it was submitted and verified. */
  note: string;
  /** When the witness cosigned it, seconds since 1970. */
  timestamp: number;
}

/** One log the witness accepts. */
export interface LogState {
  origin: string;
  /** The log's verifier keys the witness trusts for this origin. */
  vkeys: string[];
  /** Cosigned checkpoints, oldest first; the last one is the latest. Empty before the first. */
  cosigned: CosignedCheckpoint[];
}

export interface WitnessStateData {
  format: typeof WITNESS_STATE_FORMAT;
  /** The witness's name (its key name). */
  name: string;
  /** Its cosignature verifier key. */
  vkey: string;
  logs: LogState[];
}

function invalid(path: string, message: string): LedgerError {
  return new LedgerError('STATE_INVALID', `${path}: ${message}`, { path });
}

function exactKeys(o: unknown, keys: readonly string[], where: string, path: string): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalid(path, `${where} is not an object`);
  const got = Object.keys(o);
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) throw invalid(path, `${where} must have exactly the keys ${keys.join(', ')}, in that order`);
  return o as Record<string, unknown>;
}

function str(v: unknown, where: string, path: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(path, `${where} is not a non-empty string`);
  return v;
}

function nat(v: unknown, where: string, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(path, `${where} is not a whole number`);
  return v;
}

function parseCosigned(v: unknown, origin: string, where: string, path: string): CosignedCheckpoint {
  const o = exactKeys(v, ['size', 'root', 'note', 'timestamp'], where, path);
  const c = { size: nat(o['size'], `${where}.size`, path), root: str(o['root'], `${where}.root`, path), note: str(o['note'], `${where}.note`, path), timestamp: nat(o['timestamp'], `${where}.timestamp`, path) };
  let body;
  try {
    body = parseCheckpoint(parseNote(c.note).text);
  } catch (e) {
    throw invalid(path, `${where}.note is not a signed checkpoint: ${(e as Error).message}`);
  }
  if (body.origin !== origin || body.size !== c.size || toBase64(body.root) !== c.root) throw invalid(path, `${where} disagrees with its note (origin, size or root)`);
  return c;
}

/**
 * Parses the witness state strictly (exact keys in order, every key and
 * note well-formed, sizes increasing, no origin twice).
 * @throws LedgerError STATE_INVALID naming what is wrong
 */
export function parseWitnessState(text: string, path: string): WitnessStateData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(path, `not JSON: ${(e as Error).message}`);
  }
  const o = exactKeys(json, ['format', 'name', 'vkey', 'logs'], 'the state', path);
  if (o['format'] !== WITNESS_STATE_FORMAT) throw invalid(path, `format is not ${WITNESS_STATE_FORMAT}`);
  const name = str(o['name'], 'name', path);
  const vkey = str(o['vkey'], 'vkey', path);
  try {
    if (parseCosignatureVerifierKey(vkey).name !== name) throw new Error('its name is not the witness name');
  } catch (e) {
    throw invalid(path, `vkey is not this witness's cosignature key: ${(e as Error).message}`);
  }
  if (!Array.isArray(o['logs']) || o['logs'].length > MAX_LOGS) throw invalid(path, `logs is not a list of at most ${MAX_LOGS}`);
  const seen = new Set<string>();
  const logs = o['logs'].map((l, i): LogState => {
    const w = `logs[${i}]`;
    const lo = exactKeys(l, ['origin', 'vkeys', 'cosigned'], w, path);
    const origin = str(lo['origin'], `${w}.origin`, path);
    if (seen.has(origin)) throw invalid(path, `${w}: origin ${JSON.stringify(origin)} appears twice`);
    seen.add(origin);
    if (!Array.isArray(lo['vkeys']) || lo['vkeys'].length === 0) throw invalid(path, `${w}.vkeys is not a non-empty list`);
    const vkeys = lo['vkeys'].map((k, j) => {
      const s = str(k, `${w}.vkeys[${j}]`, path);
      try {
        parseVerifierKey(s);
      } catch (e) {
        throw invalid(path, `${w}.vkeys[${j}] is not a verifier key: ${(e as Error).message}`);
      }
      return s;
    });
    if (!Array.isArray(lo['cosigned']) || lo['cosigned'].length > MAX_HISTORY) throw invalid(path, `${w}.cosigned is not a list of at most ${MAX_HISTORY}`);
    const cosigned = lo['cosigned'].map((c, j) => parseCosigned(c, origin, `${w}.cosigned[${j}]`, path));
    for (let j = 1; j < cosigned.length; j++) {
      if (cosigned[j]!.size < cosigned[j - 1]!.size) throw invalid(path, `${w}.cosigned goes back from size ${cosigned[j - 1]!.size} to ${cosigned[j]!.size}`);
    }
    return { origin, vkeys, cosigned };
  });
  return { format: WITNESS_STATE_FORMAT, name, vkey, logs };
}

/** The state file's text: JSON, two-space indented, keys in the documented order. */
export function formatWitnessState(s: WitnessStateData): string {
  return `${JSON.stringify(
    {
      format: s.format,
      name: s.name,
      vkey: s.vkey,
      logs: s.logs.map((l) => ({
        origin: l.origin,
        vkeys: l.vkeys,
        cosigned: l.cosigned.map((c) => ({ size: c.size, root: c.root, note: c.note, timestamp: c.timestamp })),
      })),
    },
    null,
    2,
  )}\n`;
}

/** The root of a cosigned checkpoint as bytes. */
export function rootOf(c: CosignedCheckpoint): Uint8Array {
  return fromBase64(c.root);
}
