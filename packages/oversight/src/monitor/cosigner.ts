/**
 * Step 5 of a unit's round (unit.ts): the monitor as the units' witness.
 * After the newest checkpoint was proven consistent and the ledger
 * verified, it asks its witness to cosign that checkpoint with a
 * consistency proof from the last one the witness cosigned — the same
 * add-checkpoint call a subordinate makes, so the witness's own checks and
 * evidence apply. Decision (docs/oversight.md "Where cosignatures go"):
 * the line is written to `<monitor state>/cosignatures/<unit>/<size>.cosignature`
 * for the subordinate to `cosign attach`; with `witness.attach: true` the
 * monitor also stores it in the unit's ledger file itself (it then needs
 * write access to that file).
 */
import { join } from 'node:path';
import { Ledger } from '@casetrail/core';
import { equalBytes } from '@casetrail/verify';
import { createFileOnce, ensureStateDir } from '../durable/state-file.js';
import { rootOf } from '../witness/state.js';
import type { Witness } from '../witness/witness.js';
import { problem, unitFileName, type UnitRound } from './unit.js';

export interface CosignContext {
  witness: Witness;
  attach: boolean;
  stateDir: string;
  /** The witness's clock, seconds since 1970. */
  now: number;
}

export async function cosigned(r: UnitRound, ctx: CosignContext): Promise<void> {
  const cp = r.newest!;
  const w = ctx.witness;
  const log = w.state().logs.find((l) => l.origin === cp.origin);
  if (log !== undefined && !log.vkeys.includes(r.cfg.vkey)) {
    r.report.witness = { status: 'error', code: 'UNKNOWN_LOG', message: `the witness accepts ${cp.origin} under another key than the configuration's` };
    problem(r, 'WITNESS_ERROR', r.report.witness.message);
    return;
  }
  // The configuration is the superior's own record of the unit's key: accepting it is that decision.
  if (log === undefined) await w.addLog(r.cfg.vkey);
  const latest = w.latest(cp.origin);
  if (latest !== undefined && latest.size === cp.size && equalBytes(rootOf(latest), cp.root)) {
    r.report.witness = { status: 'cosigned', size: latest.size, timestamp: latest.timestamp, now: false };
    return;
  }
  let body: string;
  try {
    body = (await r.ledger!.witnessBody(latest?.note ?? 0, { to: cp.size, vkey: r.verifier })).body;
  } catch (e) {
    // The ledger does not extend what the witness cosigned (it cosigned more, or another tree).
    r.report.witness = { status: 'refused', httpStatus: 409, code: 'INCONSISTENT', message: `the ledger does not extend the checkpoint the witness cosigned: ${(e as Error).message}` };
    problem(r, 'WITNESS_REFUSED', r.report.witness.message);
    return;
  }
  const a = await w.addCheckpoint(body, { logVkey: r.cfg.vkey, now: ctx.now });
  if (a.status !== 200) {
    const evidence = a.evidence?.path;
    r.report.witness = { status: 'refused', httpStatus: a.status, code: a.code ?? 'UNKNOWN', message: a.message, ...(evidence === undefined ? {} : { evidence }) };
    problem(r, 'WITNESS_REFUSED', `the witness refused the checkpoint of size ${cp.size} (HTTP ${a.status}, ${a.code}): ${a.message}`, evidence);
    return;
  }
  const dir = join(ctx.stateDir, 'cosignatures');
  ensureStateDir(dir);
  ensureStateDir(join(dir, unitFileName(r.cfg.unit)));
  const file = join(dir, unitFileName(r.cfg.unit), `${cp.size}.cosignature`);
  createFileOnce(file, a.cosignature!, 0o644);
  let attached: boolean | undefined;
  if (ctx.attach) {
    const writable = await Ledger.open(r.cfg.ledger);
    try {
      await writable.attachCosignature(cp.size, a.cosignature!, w.vkey);
      attached = true;
    } finally {
      await writable.close();
    }
  }
  r.report.witness = { status: 'cosigned', size: cp.size, timestamp: a.timestamp!, now: true, file, ...(attached === undefined ? {} : { attached }) };
}
