/**
 * The monitor's configuration (docs/oversight.md "Monitor configuration"):
 * a YAML file, read strictly (YAML 1.2 core schema; duplicate keys,
 * anchors, aliases and custom tags refused; unknown keys refused).
 *
 *     state: ./monitor-state            # required: the monitor's state directory
 *     fullEvery: 1d                     # optional: a full verification at least this often
 *     witness:                          # optional: cosign as the units' witness
 *       state: ./province-witness       #   its state directory (casetrail witness init)
 *       key: ./province-witness/witness.key   # optional (default <state>/witness.key)
 *       attach: false                   #   also store each cosignature in the unit's ledger file
 *     ledgers:                          # required: 1 to 1000 units
 *       - unit: city-a
 *         ledger: ./city-a.ledger
 *         vkey: ./city-a.vkey           # the key itself, or a file holding it
 *         policy: <64 hex>              # optional: the hash of the policy issued to it (policy check)
 *
 * Relative paths are relative to the configuration file's directory. Each
 * unit's verifier key comes from this file — the superior's own record of
 * its subordinates' keys — never from the ledger.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LedgerError, parseVerifierKey } from '@casetrail/verify';
import { parseStrictYaml } from '../strict-yaml.js';
import { parseDuration } from './duration.js';

/** One subordinate ledger. */
export interface MonitoredLedger {
  /** The unit's name as the overview shows it (unique in the config). */
  unit: string;
  /** Absolute path of the ledger file. */
  ledger: string;
  /** The ledger's verifier key. */
  vkey: string;
  /** The hash of the permission policy the superior issued for the unit: the one in force must be it (docs/oversight.md §9.6). */
  policy?: string;
}

export interface MonitorConfig {
  /** The configuration file, absolute. */
  file: string;
  /** The monitor's state directory, absolute. */
  state: string;
  /** A full verification at least this often (ms); absent: only the first. */
  fullEveryMs?: number;
  /** Cosign as the units' witness. */
  witness?: { state: string; key: string; attach: boolean };
  ledgers: MonitoredLedger[];
}

/** Largest configuration file read. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Units one monitor follows at most. */
export const MAX_UNITS = 1000;
const KEY_SHAPE = /^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;

function invalid(file: string, message: string, line?: number): LedgerError {
  return new LedgerError('CONFIG_INVALID', `${file}${line === undefined ? '' : `:${line}`}: ${message}`, { file, ...(line === undefined ? {} : { line }) });
}

function only(o: Record<string, unknown>, keys: readonly string[], where: string, file: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(file, `${where}: unknown key ${JSON.stringify(k)} (allowed: ${keys.join(', ')})`);
}

function text(v: unknown, where: string, file: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalid(file, `${where} must be a non-empty string`);
  return v;
}

/** A unit's verifier key: the key itself, or a file (relative to the config) holding it. */
function unitKey(v: string, where: string, file: string): string {
  let key = v.trim();
  if (key.startsWith('PRIVATE+KEY+')) throw invalid(file, `${where} is a private signing key: give the public verifier key (it was not printed)`);
  if (!KEY_SHAPE.test(key)) {
    const path = resolve(dirname(file), key);
    try {
      if (statSync(path).size > 4096) throw new Error('larger than 4 KiB');
      key = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw invalid(file, `${where} ${JSON.stringify(v)} is neither a verifier key nor a readable key file: ${(e as Error).message}`);
    }
    if (key.startsWith('PRIVATE+KEY+')) throw invalid(file, `${where}: ${v} holds a private signing key: give the public verifier key (it was not printed)`);
  }
  try {
    parseVerifierKey(key);
  } catch (e) {
    throw invalid(file, `${where} is not a verifier key: ${(e as Error).message}`);
  }
  return key;
}

/**
 * Parses a monitor configuration.
 * @param source - the YAML text
 * @param file - its absolute path (relative paths in it are resolved against its directory)
 * @throws LedgerError CONFIG_INVALID naming the file, the line where known, and what is wrong
 */
export function parseMonitorConfig(source: string, file: string): MonitorConfig {
  const v = parseStrictYaml(source, (message, line) => invalid(file, message, line));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(file, 'the configuration must be a map with at least `state` and `ledgers`');
  const o = v as Record<string, unknown>;
  only(o, ['state', 'fullEvery', 'witness', 'ledgers'], 'the configuration', file);
  const base = dirname(file);
  const cfg: MonitorConfig = { file, state: resolve(base, text(o['state'], 'state', file)), ledgers: [] };
  if (o['fullEvery'] !== undefined) cfg.fullEveryMs = parseDuration(text(o['fullEvery'], 'fullEvery', file), `${file}: fullEvery`);
  if (o['witness'] !== undefined) {
    const w = o['witness'];
    if (w === null || typeof w !== 'object' || Array.isArray(w)) throw invalid(file, 'witness must be a map with `state` (and optionally `key`, `attach`)');
    const wo = w as Record<string, unknown>;
    only(wo, ['state', 'key', 'attach'], 'witness', file);
    const state = resolve(base, text(wo['state'], 'witness.state', file));
    if (wo['attach'] !== undefined && typeof wo['attach'] !== 'boolean') throw invalid(file, 'witness.attach must be true or false');
    cfg.witness = { state, key: wo['key'] === undefined ? resolve(state, 'witness.key') : resolve(base, text(wo['key'], 'witness.key', file)), attach: wo['attach'] === true };
  }
  const ledgers = o['ledgers'];
  if (!Array.isArray(ledgers) || ledgers.length === 0 || ledgers.length > MAX_UNITS) throw invalid(file, `ledgers must be a list of 1 to ${MAX_UNITS} units`);
  const units = new Set<string>();
  ledgers.forEach((l, i) => {
    const where = `ledgers[${i}]`;
    if (l === null || typeof l !== 'object' || Array.isArray(l)) throw invalid(file, `${where} must be a map with unit, ledger and vkey`);
    const lo = l as Record<string, unknown>;
    only(lo, ['unit', 'ledger', 'vkey', 'policy'], where, file);
    const unit = text(lo['unit'], `${where}.unit`, file);
    if (unit.length > 128 || /[\p{Cc}\p{Cf}]/u.test(unit)) throw invalid(file, `${where}.unit must be at most 128 characters, none of them control or format characters`);
    if (units.has(unit)) throw invalid(file, `${where}: unit ${JSON.stringify(unit)} appears twice`);
    units.add(unit);
    const policy = lo['policy'];
    if (policy !== undefined && (typeof policy !== 'string' || !/^[0-9a-f]{64}$/.test(policy))) throw invalid(file, `${where}.policy must be a policy hash: 64 lowercase hex digits (\`casetrail policy check\` prints it)`);
    cfg.ledgers.push({ unit, ledger: resolve(base, text(lo['ledger'], `${where}.ledger`, file)), vkey: unitKey(text(lo['vkey'], `${where}.vkey`, file), `${where}.vkey`, file), ...(policy === undefined ? {} : { policy }) });
  });
  return cfg;
}

/**
 * Reads and parses a monitor configuration file (at most 1 MiB).
 * @throws LedgerError CONFIG_INVALID; system errors reading it (ENOENT…)
 */
export function loadMonitorConfig(path: string): MonitorConfig {
  const file = resolve(path);
  if (statSync(file).size > MAX_CONFIG_BYTES) throw invalid(file, `larger than ${MAX_CONFIG_BYTES} bytes`);
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    throw invalid(file, `not UTF-8: ${(e as Error).message}`);
  }
  return parseMonitorConfig(source, file);
}
