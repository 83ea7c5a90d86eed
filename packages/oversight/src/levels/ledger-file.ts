/**
 * Units, actors and the policy read from a ledger file (docs/oversight.md
 * §9.4–§9.5): the audit — verification first (an audit of an unverified
 * file means nothing), then the replay of replay.ts over the entries — and
 * the host application's view: `can(principal, action, resource)` under the
 * policy in force, and scoped reads (a unit sees its own cases and its
 * subordinates').
 */
import {
  LedgerError,
  MerkleAccumulator,
  checkStoredRow,
  decodePayload,
  equalBytes,
  toHex,
  verifyLedger,
  type EntryRow,
  type ReadView,
  type SystemTypeValidator,
  type VerifyReport,
} from '@casetrail/core';
import { SupervisionError } from '@casetrail/supervise';
import { inSnapshot, supervisionValidators, type CheckpointRef } from '@casetrail/supervise/ledger';
import { decide, type Decision, type Resource } from './decide.js';
import type { Directory, PolicyInForce } from './directory.js';
import { levelsValidators, type Action } from './entries.js';
import { LevelsReplay, type LevelsFinding, type ReplayEntry } from './replay.js';

// The WHATWG decoder, present in Node and browsers.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Every system type casetrail's layers write: supervision's and this layer's, for verification. */
export function casetrailValidators(): Record<string, SystemTypeValidator> {
  return { ...supervisionValidators(), ...levelsValidators() };
}

function replayEntry(view: ReadView, row: EntryRow, origin: string): { entry: ReplayEntry; leaf: Uint8Array } {
  const { checked: c, findings } = checkStoredRow(view, row, origin);
  const f = findings[0];
  if (f !== undefined) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${row.seq} does not match its stored bytes or its chain (${f.code}: ${f.message}); run \`casetrail verify\``, { seq: row.seq, issue: f.code });
  const e = c.decoded!;
  const present = c.payload !== 'missing' && row.data !== null;
  return {
    entry: {
      seq: e.seq,
      caseId: e.caseId,
      step: e.step,
      type: e.type,
      actor: e.actor,
      data: present ? decodePayload(row.data!) : undefined,
      payload: present ? UTF8.decode(row.data!) : undefined,
      signers: e.sigs.map((s) => toHex(s.publicKey)),
    },
    leaf: c.leaf!,
  };
}

/** The replay over entries 0 … size−1 of a read view; with a checkpoint, their root must be its root. */
function replayView(view: ReadView, origin: string, size: number, cp?: CheckpointRef): LevelsReplay {
  const lookup = (seq: number) => {
    const row = seq < size ? view.entry(seq) : undefined;
    if (row === undefined) return undefined;
    const { entry } = replayEntry(view, row, origin);
    return { actor: entry.actor, data: entry.data };
  };
  const replay = new LevelsReplay(lookup);
  const acc = cp === undefined ? undefined : new MerkleAccumulator();
  let expected = 0;
  for (const row of view.entries(0, size)) {
    if (row.seq !== expected) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${expected} is missing (run \`casetrail verify\`)`, { seq: expected });
    const { entry, leaf } = replayEntry(view, row, origin);
    acc?.push(leaf);
    replay.step(entry);
    expected++;
  }
  if (expected !== size) throw new SupervisionError('STORED_ENTRY_INVALID', `entry ${expected} is missing (run \`casetrail verify\`)`, { seq: expected });
  if (cp !== undefined && !equalBytes(acc!.root(), cp.root)) {
    throw new SupervisionError('STORED_ENTRY_INVALID', `the entries read are not the checkpoint of size ${cp.size}'s: the ledger changed after it was verified (run \`casetrail verify\`)`, { size: cp.size });
  }
  return replay;
}

export interface LevelsAudit {
  readonly ok: boolean;
  readonly verification: VerifyReport;
  /** null when verification failed (nothing is replayed then) */
  readonly findings: readonly LevelsFinding[] | null;
  readonly units: number;
  readonly actors: number;
  /** the policy in force at the end of what was audited */
  readonly policy: { readonly seq: number; readonly hash: string; readonly id: string; readonly version: number } | null;
}

export interface AuditLevelsOptions {
  readonly vkey: string;
  /** audit the history of this checkpoint (its signature checked by the caller); see supervise's auditLedger */
  readonly checkpoint?: CheckpointRef;
  /** a verification of this file under `vkey` with casetrailValidators, just made (it is not made again) */
  readonly verification?: VerifyReport;
}

function policyRef(p: PolicyInForce | null): LevelsAudit['policy'] {
  return p === null ? null : { seq: p.seq, hash: p.hash, id: p.policy.source.id, version: p.policy.source.version };
}

/**
 * Verifies the ledger (every casetrail system type judged by its validator),
 * then replays its directory and policy: steps the policy in force did not
 * permit (POLICY_BYPASSED), signatures not by the key enrolled for the
 * actor at that entry (ACTOR_KEY_NOT_ENROLLED), directory entries that
 * break the directory's rules (DIRECTORY_INVALID), refusals naming another
 * policy (DENIAL_INVALID).
 * @throws SupervisionError STORED_ENTRY_INVALID when the file changed after it was verified
 */
export async function auditLevels(location: string, opts: AuditLevelsOptions): Promise<LevelsAudit> {
  const cp = opts.checkpoint;
  const verification = opts.verification ?? (await verifyLedger(location, { vkey: opts.vkey, systemTypes: casetrailValidators(), ...(cp === undefined ? {} : { allowUnsignedTail: true }) }));
  if (!verification.ok) return { ok: false, verification, findings: null, units: 0, actors: 0, policy: null };
  const size = cp?.size ?? verification.size;
  if (size > verification.size) throw new SupervisionError('STORED_ENTRY_INVALID', `the checkpoint covers ${size} entries, the ledger verified holds ${verification.size}`, { size });
  const r = await inSnapshot(location, (view, origin) => replayView(view, origin, size, cp));
  return { ok: r.findings.length === 0, verification, findings: r.findings, units: r.directory.units.size, actors: r.directory.actors.size, policy: policyRef(r.directory.policy) };
}

/**
 * What a host application asks of a ledger: who may do what, and which
 * cases a unit sees. Built from a verified ledger (`readLevels`).
 */
export class LevelsView {
  constructor(
    readonly directory: Directory,
    private readonly caseUnits: ReadonlyMap<string, string | null>,
  ) {}

  /** The policy in force (its adoption entry, hash, rules), or null. */
  get policy(): PolicyInForce | null {
    return this.directory.policy;
  }

  /** The unit a case belongs to (its first step's actor's unit then), null if none, undefined for no such case. */
  caseUnit(caseId: string): string | null | undefined {
    return this.caseUnits.get(caseId);
  }

  /**
   * The decision on a request now (docs/oversight.md §9.2): false with no
   * policy adopted (default deny). The resource is a case id, or the case
   * and the actors an alert is about.
   */
  decide(principal: string, action: Action, resource: string | { caseId: string; about?: readonly string[] }, opts: { type?: string; signers?: readonly string[] } = {}): Decision {
    const r = typeof resource === 'string' ? { caseId: resource } : resource;
    const res: Resource = { caseId: r.caseId, unit: this.caseUnits.get(r.caseId) ?? null, ...(r.about === undefined ? {} : { about: r.about }) };
    const p = this.directory.policy;
    if (p === null) return { allowed: false, forbids: [], permits: [], code: 'NOT_PERMITTED', reason: 'no policy is adopted (default deny)' };
    return decide(p.policy, this.directory, { principal, action, resource: res, ...opts });
  }

  /** Whether `principal` may do `action` (record: give `type`) on the resource now. */
  can(principal: string, action: Action, resource: string | { caseId: string; about?: readonly string[] }, opts: { type?: string; signers?: readonly string[] } = {}): boolean {
    return this.decide(principal, action, resource, opts).allowed;
  }

  /** The cases a unit sees: its own and its subordinates', in the order they were opened. */
  casesOf(unit: string): string[] {
    const out: string[] = [];
    for (const [c, u] of this.caseUnits) if (u !== null && this.directory.within(u, unit)) out.push(c);
    return out;
  }

  /** The cases an actor sees now: those of its unit's subtree (none when it is not enrolled). */
  casesFor(actor: string): string[] {
    const m = this.directory.current(actor);
    return m === undefined ? [] : this.casesOf(m.unit);
  }
}

/**
 * Reads a ledger's directory, policy and case units, after verifying it
 * under `vkey` (STORED_ENTRY_INVALID / VERIFICATION_FAILED otherwise).
 * @throws LedgerError VERIFICATION_FAILED (details.report)
 */
export async function readLevels(location: string, opts: { vkey: string }): Promise<LevelsView> {
  const verification = await verifyLedger(location, { vkey: opts.vkey, systemTypes: casetrailValidators() });
  if (!verification.ok) {
    throw new LedgerError('VERIFICATION_FAILED', `the ledger does not verify (${verification.issues[0]?.code ?? 'see the report'}): its directory is not read`, { report: verification });
  }
  const r = await inSnapshot(location, (view, origin) => replayView(view, origin, verification.size));
  return new LevelsView(r.directory, r.caseUnits);
}
