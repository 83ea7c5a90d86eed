/**
 * The ledger read back with its directory (docs/oversight.md §9.4): every
 * entry in seq order, the directory folded as it goes, and at each step the
 * questions the writer asked — was the actor's signature by the key enrolled
 * for it then, did the policy in force permit the step — asked again. What
 * the replay finds is what a writer that did not run the guard (a step
 * written around the CLI) let through. It also keeps each case's unit, for
 * the host's scoped reads.
 */
import { isReserved, LedgerError } from '@casetrail/core';
import { takeDirectoryEntry } from '@casetrail/supervise';
import { actOf, type Lookup } from './acts.js';
import { decide } from './decide.js';
import { Directory } from './directory.js';
import { LEVEL_TYPES, parseLevelsPayload } from './entries.js';

/** An entry as the replay reads it: decoded from verified bytes. */
export interface ReplayEntry {
  readonly seq: number;
  readonly caseId: string;
  readonly step: number;
  readonly type: string;
  readonly actor: string;
  readonly data: unknown;
  /** the stored payload text (for the directory's canonical check); undefined when erased */
  readonly payload: string | undefined;
  /** hex of the public keys of its actor signatures */
  readonly signers: readonly string[];
}

export type LevelsFindingCode = 'POLICY_BYPASSED' | 'ACTOR_KEY_NOT_ENROLLED' | 'DIRECTORY_INVALID' | 'DENIAL_INVALID';

export interface LevelsFinding {
  readonly code: LevelsFindingCode;
  readonly seq: number;
  readonly caseId: string;
  readonly message: string;
}

/** Earlier entries the replay looks up: an alert, the steps it was raised on, a violation and its evidence. */
export type { Lookup } from './acts.js';

export class LevelsReplay {
  readonly directory = new Directory();
  readonly findings: LevelsFinding[] = [];
  /** each case's unit: its first step's actor's unit then (null: not enrolled) */
  readonly caseUnits = new Map<string, string | null>();
  entries = 0;

  constructor(private readonly lookup: Lookup) {}

  private find(code: LevelsFindingCode, e: ReplayEntry, message: string): void {
    this.findings.push({ code, seq: e.seq, caseId: e.caseId, message });
  }

  /** Takes the next entry, in seq order. */
  step(e: ReplayEntry): void {
    this.entries++;
    const dir = this.directory;
    // Taken as every reader of the directory takes it (supervise's takeDirectoryEntry): one that does not apply is ignored.
    const taken = takeDirectoryEntry(dir, e);
    if (taken !== 'other') {
      if (taken !== 'applied') this.find('DIRECTORY_INVALID', e, taken.ignored);
      return;
    }
    if (e.type === LEVEL_TYPES.denied) {
      try {
        const d = parseLevelsPayload(LEVEL_TYPES.denied, e.payload ?? { value: e.data });
        if (d.policy !== dir.policy?.hash) this.find('DENIAL_INVALID', e, `refusal ${e.seq} names policy ${d.policy}, which is not the policy in force`);
      } catch (x) {
        if (!(x instanceof LedgerError)) throw x;
        this.find('DENIAL_INVALID', e, `refusal ${e.seq}: ${x.message}`);
      }
      return;
    }
    const ordinary = !isReserved(e.type) && !isReserved(e.caseId);
    if (ordinary && e.step === 1) this.caseUnits.set(e.caseId, dir.memberAt(e.actor, e.seq)?.unit ?? null);
    if (ordinary && e.signers.length > 0 && dir.actors.size > 0) this.signatures(e);
    const policy = dir.policy;
    if (policy === null) return;
    const act = actOf(e, this.lookup);
    if (act === null) return;
    const { action, about } = act;
    const decision = decide(policy.policy, dir, {
      principal: e.actor,
      action,
      type: e.type,
      resource: { caseId: e.caseId, unit: act.caseless === true ? null : (this.caseUnits.get(e.caseId) ?? null), ...(about === undefined ? {} : { about }) },
      at: e.seq,
      signers: e.signers,
    });
    if (!decision.allowed) this.find('POLICY_BYPASSED', e, `entry ${e.seq} was written though the policy in force (entry ${policy.seq}, ${policy.hash.slice(0, 12)}…) does not permit it: ${decision.reason}`);
  }

  /** Each signature must be by the key enrolled for the step's actor at the step. */
  private signatures(e: ReplayEntry): void {
    const at = this.directory.keyAt(e.actor, e.seq);
    for (const key of e.signers) {
      if ('key' in at && at.key === key) continue;
      const was = this.directory.keyHistory(e.actor, key);
      let why: string;
      if (was === undefined) why = 'key' in at ? 'it is not the key enrolled for the actor' : at.none === 'not-enrolled' ? 'the actor is not enrolled then' : 'the actor has no key enrolled';
      else if (was.enrolment.to !== null && was.enrolment.to < e.seq && was.period.to === was.enrolment.to) why = `the key was revoked at entry ${was.enrolment.to}`;
      else if (was.period.to !== null && was.period.to < e.seq) why = `the key was replaced at entry ${was.period.to}`;
      else why = `the key is valid only from entry ${was.period.from}`;
      this.find('ACTOR_KEY_NOT_ENROLLED', e, `entry ${e.seq} is signed by ${key.slice(0, 16)}…, not by the key enrolled for ${JSON.stringify(e.actor)} at that entry: ${why}`);
    }
  }
}
