/**
 * The monitor (docs/oversight.md "Monitor"): rounds over the subordinate
 * ledgers of a configuration, each unit's steps in unit.ts and
 * cosigner.ts, under the lock of the monitor's state directory, whose
 * state is replaced atomically at the end of the round.
 */
import { join } from 'node:path';
import { Ledger } from '@casetrail/core';
import { LedgerError, toBase64 } from '@casetrail/verify';
import { lockStateDir } from '../durable/lock.js';
import { ensureStateDir, readStateFile, replaceStateFile } from '../durable/state-file.js';
import { Witness } from '../witness/witness.js';
import type { MonitorConfig } from './config.js';
import { cosigned, type CosignContext } from './cosigner.js';
import { supervisionAuditor, type Auditor } from './overview.js';
import { MONITOR_STATE_FORMAT, formatMonitorState, parseMonitorState, type MonitorStateData, type UnitState } from './state.js';
import { audited, newestCheckpoint, problem, provenConsistent, startUnit, verified, type UnitContext, type UnitReport } from './unit.js';

/** The monitor's state file in its state directory. */
export const MONITOR_STATE_FILE = 'monitor.json';

export interface MonitorOptions {
  /** The supervision audit (default: @casetrail/supervise's replay). */
  auditor?: Auditor;
  /** The clock, ms since 1970 (default Date.now). */
  now?: () => number;
}

/** One round's overview. */
export interface RoundReport {
  /** When the round started, ISO 8601 UTC. */
  at: string;
  ok: boolean;
  /** 0 ok; 1 an inconsistency, rollback, failed verification or audit; 3 an operational error only. */
  exitCode: 0 | 1 | 3;
  units: UnitReport[];
}

function openWitness(config: MonitorConfig): Witness | LedgerError {
  if (config.witness === undefined) return new LedgerError('CONFIG_INVALID', 'no witness configured');
  try {
    return Witness.open(config.witness.state, { keyFile: config.witness.key });
  } catch (e) {
    if (e instanceof LedgerError) return e;
    return new LedgerError('STATE_INVALID', (e as Error).message);
  }
}

async function unitRound(cfg: MonitorConfig['ledgers'][number], before: UnitState | undefined, ctx: UnitContext, witness: CosignContext | LedgerError | undefined): Promise<{ report: UnitReport; next: UnitState | undefined }> {
  const r = startUnit(cfg, before);
  if (before !== undefined && before.vkey !== cfg.vkey) {
    problem(r, 'KEY_CHANGED', `the configuration gives another key for ${cfg.unit} than the one its state was made with: remove the unit's state to start afresh under the new key`);
    return { report: r.report, next: before };
  }
  try {
    r.ledger = await Ledger.open(cfg.ledger, { readonly: true });
  } catch (e) {
    problem(r, 'UNREADABLE', `cannot open ${cfg.ledger}: ${(e as Error).message}`);
    return { report: r.report, next: before };
  }
  try {
    if (!(await newestCheckpoint(r, ctx)) || !(await provenConsistent(r, ctx)) || !(await verified(r, ctx))) return { report: r.report, next: before };
    const a = await audited(r, ctx);
    if (a === null) return { report: r.report, next: before };
    if (witness instanceof LedgerError) {
      r.report.witness = { status: 'error', code: witness.code, message: witness.message };
      problem(r, 'WITNESS_ERROR', witness.message);
    } else if (witness !== undefined) {
      await cosigned(r, witness);
    }
    const cp = r.newest!;
    const note = (await r.ledger.checkpointAt(cp.size))?.note ?? cp.note;
    return { report: r.report, next: { unit: cfg.unit, vkey: cfg.vkey, checkpoint: { size: cp.size, root: toBase64(cp.root), note }, fullAt: r.fullNow ? ctx.now : (before?.fullAt ?? null), audited: a } };
  } catch (e) {
    problem(r, 'UNREADABLE', `${cfg.ledger}: ${(e as Error).message}`);
    return { report: r.report, next: before };
  } finally {
    await r.ledger.close();
  }
}

/**
 * One round over every unit of the configuration (see the module comment).
 * @returns the overview; never throws for what a ledger holds
 * @throws LedgerError STATE_INVALID, STATE_LOCKED (the monitor's own state), CONFIG_INVALID
 */
export async function monitorRound(config: MonitorConfig, options: MonitorOptions = {}): Promise<RoundReport> {
  const now = (options.now ?? Date.now)();
  if (config.witness !== undefined && config.witness.state === config.state) {
    throw new LedgerError('CONFIG_INVALID', `${config.file}: the witness's state directory must not be the monitor's`);
  }
  ensureStateDir(config.state);
  const lock = await lockStateDir(config.state, 'monitor state');
  try {
    const path = join(config.state, MONITOR_STATE_FILE);
    const text = readStateFile(path);
    const state: MonitorStateData = text === undefined ? { format: MONITOR_STATE_FORMAT, units: [] } : parseMonitorState(text, path);
    const w = config.witness === undefined ? undefined : openWitness(config);
    const witness = w === undefined || w instanceof LedgerError ? w : { witness: w, attach: config.witness!.attach, stateDir: config.state, now: Math.floor(now / 1000) };
    const ctx: UnitContext = { stateDir: config.state, fullEveryMs: config.fullEveryMs, auditor: options.auditor ?? supervisionAuditor, now };
    const units: UnitReport[] = [];
    for (const cfg of config.ledgers) {
      const i = state.units.findIndex((u) => u.unit === cfg.unit);
      const { report, next } = await unitRound(cfg, i < 0 ? undefined : state.units[i], ctx, witness);
      units.push(report);
      if (next !== undefined) {
        if (i < 0) state.units.push(next);
        else state.units[i] = next;
      }
    }
    replaceStateFile(path, formatMonitorState(state));
    const failed = units.some((u) => u.verdict === 'failed');
    const error = units.some((u) => u.verdict === 'error');
    return { at: new Date(now).toISOString(), ok: !failed && !error, exitCode: failed ? 1 : error ? 3 : 0, units };
  } finally {
    lock.release();
  }
}

/** Options of {@link runMonitor}. */
export interface RunOptions extends MonitorOptions {
  /** Time between the starts of two rounds (ms); absent: one round. */
  everyMs?: number;
  /** Stop after this many rounds (default: one without everyMs, unbounded with it). */
  rounds?: number;
  /** Go on after a round that failed (default: stop with exit 1). */
  keepGoing?: boolean;
  signal?: AbortSignal;
  /** Called with each round's report, awaited. */
  onRound?: (r: RoundReport) => void | Promise<void>;
}

/**
 * Rounds, one after the other, `everyMs` apart, until `rounds` were run,
 * a round failed (unless `keepGoing`), or `signal` aborts.
 * @returns the exit code: 1 if a round failed, else 3 if one had an operational error, else 0
 */
export async function runMonitor(config: MonitorConfig, options: RunOptions = {}): Promise<0 | 1 | 3> {
  const rounds = options.rounds ?? (options.everyMs === undefined ? 1 : Infinity);
  let worst: 0 | 1 | 3 = 0;
  for (let n = 0; n < rounds && options.signal?.aborted !== true; n++) {
    const started = Date.now();
    const r = await monitorRound(config, options);
    await options.onRound?.(r);
    if (r.exitCode === 1) worst = 1;
    else if (r.exitCode === 3 && worst === 0) worst = 3;
    if (r.exitCode === 1 && options.keepGoing !== true) break;
    if (n + 1 >= rounds || options.everyMs === undefined) break;
    const wait = Math.max(0, options.everyMs - (Date.now() - started));
    await new Promise<void>((res) => {
      const t = setTimeout(res, wait);
      options.signal?.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
    });
  }
  return worst;
}
