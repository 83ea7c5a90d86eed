/**
 * The writer's half of units, actors and the policy (docs/oversight.md
 * §9.3): an extension of the ledger (`ledger.use`) that judges every step
 * inside its transaction under the policy in force, refusing a step the
 * policy does not permit (the core's refuse-with-record: nothing of the
 * transaction is written, a `casetrail.denied` entry is), and that checks
 * each directory entry against the directory before it is written.
 *
 * The directory and the policy are believed only once proven: each entry of
 * the directory case against the ledger's signed checkpoint under the
 * verifier key given (supervise's provenSystemEntries), so an enrolment or a
 * policy edited in the file is refused, never used. Inside the transaction
 * the directory case's tail must be the last entry proven; another
 * process's directory entry since makes the attempt fail with nothing
 * written, and the writer proves it and tries again.
 */
import { LedgerError, openCheckpoint, parseVerifierKey, toHex, utf8, type CommittedStep, type ExtensionContext, type Ledger, type LedgerExtension } from '@casetrail/core';
import { SupervisionError } from '@casetrail/supervise';
import { provenSystemEntries, type ProvenAdoption } from '@casetrail/supervise/ledger';
import { actOf } from './acts.js';
import { decide, type Decision } from './decide.js';
import { Directory } from './directory.js';
import {
  DIRECTORY_CASE,
  DIRECTORY_TYPES,
  LEVEL_TYPES,
  LEVELS_EXTENSION,
  REFUSALS_CASE,
  encodeLevelsPayload,
  levelsValidators,
  type LevelType,
} from './entries.js';
import { canonicalPolicy, policyHash, type Policy } from './policy.js';

const ATTEMPTS = 4;
/** Case units remembered (the oldest forgotten first). */
const MAX_CASE_UNITS = 10_000;

/** Thrown inside the transaction when another process changed the directory: nothing is written, the writer catches up. */
class StaleDirectory extends Error {}

export interface OverseeOptions {
  /** The ledger's verifier key: directory entries are proven against checkpoints it signed. */
  readonly vkey: string;
  /** Actor of the refusal records (default `casetrail:levels`). */
  readonly actor?: string;
}

/** Who writes a directory entry, and when (default now). */
export interface WrittenBy {
  readonly actor: string;
  readonly time?: number;
}

export class LevelsGuard {
  /** the directory proven or written by this process */
  private committed = new Directory();
  private count = 0;
  private lastLeaf = '';
  private readonly known = new Map<number, ProvenAdoption>();
  // the transaction being judged
  private txView: unknown = null;
  private txFirst = { seq: -1, leaf: '' };
  private work = this.committed;
  private workCount = 0;
  private workLeaf = '';
  private workKnown: ProvenAdoption[] = [];
  /** the ledger size up to which no entry escaped this guard's notice (proven, or committed by this instance after a check) */
  private seenSize = 0;
  /** each case's unit (its first step never changes), for the cases this process met; bounded */
  private readonly caseUnits = new Map<string, string | null>();
  private txCaseUnits = new Map<string, string | null>();
  private readonly detach: (() => void)[] = [];
  /** 'dry': a refused step is not recorded (a dry run writes nothing) */
  mode: 'write' | 'dry' = 'write';
  /** the decision of the last refused step (for the error the writer gives) */
  lastDenied: { decision: Decision; line: number | null } | undefined;

  private constructor(
    readonly ledger: Ledger,
    private readonly opts: { vkey: string; actor: string },
  ) {}

  /**
   * Attaches the guard to a ledger opened with its signer. Register it
   * before other layers' extensions: a step it refuses is then judged by
   * nothing else.
   */
  static async attach(ledger: Ledger, opts: OverseeOptions): Promise<LevelsGuard> {
    if (typeof opts?.vkey !== 'string') throw new TypeError('opts.vkey must be the ledger verifier key');
    const g = new LevelsGuard(ledger, { vkey: opts.vkey, actor: opts.actor ?? 'casetrail:levels' });
    g.detach.push(ledger.use(g.extension()));
    g.detach.push(ledger.onCommit((e) => g.onCommitted(e.entries)));
    try {
      await g.ready();
    } catch (e) {
      g.close();
      throw e;
    }
    return g;
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  /** The directory as proven (and written by this process). */
  directory(): Directory {
    return this.committed;
  }

  private extension(): LedgerExtension {
    return {
      name: LEVELS_EXTENSION,
      systemTypes: levelsValidators(),
      unredactable: [...DIRECTORY_TYPES, LEVEL_TYPES.denied],
      limits: { maxReadsPerTransaction: 100_000 },
      onStep: (step, ctx) => this.onStep(step, ctx),
    };
  }

  /** Proves the directory entries written since (by any process) and folds them. */
  async ready(): Promise<void> {
    // Taken before the entries are read: what is appended after it is checked inside the transaction.
    const size = await this.ledger.size();
    const proven = await provenSystemEntries(this.ledger, this.opts.vkey, DIRECTORY_TYPES, DIRECTORY_CASE, this.known, 'directory');
    const last = proven[proven.length - 1];
    // Rights come from signed history only: a directory entry after the latest checkpoint that this process did not
    // write could have been put there by anyone who can write the file (docs/security.md), and the next checkpoint
    // would sign it. Only its chain links it to the signed prefix; that is not enough to enrol an actor.
    if (last !== undefined && !this.known.has(last.entry.seq)) {
      const signed = await signedSize(this.ledger, this.opts.vkey);
      const loose = proven.find((p) => p.entry.seq >= signed && !this.known.has(p.entry.seq));
      if (loose !== undefined) {
        throw new SupervisionError('ADOPTION_UNVERIFIED', `directory entry ${loose.entry.seq} is not covered by a checkpoint signed by the ledger's key: it is not used (if it is yours, sign one: \`casetrail checkpoint --sign\`)`, { seq: loose.entry.seq });
      }
    }
    if (proven.length === this.count && (last === undefined || last.leaf === this.lastLeaf)) {
      this.seenSize = size;
      return;
    }
    const d = new Directory();
    for (const p of proven) {
      d.apply(p.entry.seq, p.entry.type as LevelType, p.entry.payload ?? { value: p.entry.data });
      this.known.set(p.entry.seq, p);
    }
    this.committed = d;
    this.count = proven.length;
    this.lastLeaf = last?.leaf ?? '';
    this.seenSize = size;
  }

  // ---- inside the transaction ---------------------------------------------------

  private onStep(step: CommittedStep, ctx: ExtensionContext): void {
    if (ctx.view !== this.txView) {
      this.txView = ctx.view;
      this.txFirst = { seq: step.seq, leaf: toHex(step.leafHash) };
      this.work = this.committed;
      this.workCount = this.count;
      this.workLeaf = this.lastLeaf;
      this.workKnown = [];
      this.lastDenied = undefined;
      this.txCaseUnits = new Map();
      // The directory case's tail must be the last entry proven (or this step, the next one); when
      // nothing was appended since this guard last looked, it is (no read needed).
      if (step.caseId === DIRECTORY_CASE) {
        if (step.step !== this.count + 1) throw new StaleDirectory('the directory changed since it was proven');
      } else if (step.seq !== this.seenSize) {
        const tail = ctx.view.caseTail(DIRECTORY_CASE);
        if (tail === undefined ? this.count !== 0 : tail.step !== this.count || toHex(tail.leafHash) !== this.lastLeaf) throw new StaleDirectory('the directory changed since it was proven');
      }
    }
    if (step.caseId === DIRECTORY_CASE) return this.applyDirectory(step, ctx);
    const policy = this.work.policy;
    if (policy === null) return;
    const act = actOf(step, (seq) => ctx.view.entry(seq));
    if (act === null) return;
    const { action, about } = act;
    const unit = act.caseless === true ? null : this.caseUnit(step, ctx);
    const decision = decide(policy.policy, this.work, {
      principal: step.actor,
      action,
      type: step.type,
      resource: { caseId: step.caseId, unit, ...(about === undefined ? {} : { about }) },
      at: step.seq,
      signers: step.signers.map(toHex),
    });
    if (decision.allowed) return;
    const line = ctx.batch.size > 1 ? ctx.batch.index + 1 : null;
    this.lastDenied = { decision, line };
    const payload = encodeLevelsPayload(LEVEL_TYPES.denied, {
      action,
      attempt: { actor: step.actor, case: step.caseId, line, type: step.type },
      policy: policy.hash,
      reason: decision.reason,
      rules: [...decision.forbids],
    });
    if (this.mode === 'dry') ctx.refuse({ code: 'POLICY_DENIED', message: decision.reason });
    ctx.refuse({ code: 'POLICY_DENIED', message: decision.reason, record: [{ caseId: REFUSALS_CASE, type: LEVEL_TYPES.denied, actor: this.opts.actor, payload: utf8(payload), time: step.time }] });
  }

  /** The unit of the step's case (its first step's actor's unit then): from the step itself, the cache, or one read. */
  private caseUnit(step: CommittedStep, ctx: ExtensionContext): string | null {
    const c = step.caseId;
    let unit = this.txCaseUnits.get(c) ?? this.caseUnits.get(c);
    if (unit === undefined) {
      unit = step.step === 1 ? (this.work.memberAt(step.actor, step.seq)?.unit ?? null) : caseUnit(this.work, ctx, c);
      this.txCaseUnits.set(c, unit);
    }
    return unit;
  }

  private applyDirectory(step: CommittedStep, ctx: ExtensionContext): void {
    if (this.work === this.committed) this.work = this.committed.clone();
    try {
      this.work.apply(step.seq, step.type as LevelType, { value: step.data });
    } catch (e) {
      if (e instanceof LedgerError) ctx.refuse({ code: e.code, message: e.message });
      throw e;
    }
    this.workCount++;
    this.workLeaf = toHex(step.leafHash);
    this.workKnown.push({ entry: { seq: step.seq, time: step.time, caseId: step.caseId, step: step.step, type: step.type, actor: step.actor, data: step.data }, leaf: this.workLeaf });
  }

  private onCommitted(entries: readonly CommittedStep[]): void {
    const first = entries[0];
    if (this.txView !== null && first !== undefined && first.seq === this.txFirst.seq && toHex(first.leafHash) === this.txFirst.leaf) {
      this.committed = this.work;
      this.count = this.workCount;
      this.lastLeaf = this.workLeaf;
      for (const p of this.workKnown) this.known.set(p.entry.seq, p);
      for (const [c, u] of this.txCaseUnits) {
        if (this.caseUnits.size >= MAX_CASE_UNITS) this.caseUnits.delete(this.caseUnits.keys().next().value!);
        this.caseUnits.set(c, u);
      }
      // The transaction was checked at its start: everything up to its end was seen.
      const end = entries[entries.length - 1]!;
      this.seenSize = end.seq + 1;
    }
    this.txView = null;
  }

  // ---- outside ------------------------------------------------------------------

  /**
   * Runs a write of the ledger (an append through any layer) with the
   * directory proven first, again when another process changed it; a step
   * the policy refuses becomes POLICY_DENIED.
   * @throws LedgerError POLICY_DENIED (details: reason code, rules, line, recorded), DIRECTORY_INVALID, POLICY_INVALID
   */
  async write<T>(fn: () => Promise<T>, opts: { attempts?: number } = {}): Promise<T> {
    const attempts = opts.attempts ?? ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      await this.ready();
      this.txView = null;
      try {
        return await fn();
      } catch (e) {
        this.txView = null;
        if (e instanceof LedgerError && e.code === 'EXTENSION_FAILED' && e.cause instanceof StaleDirectory) {
          if (attempt < attempts) continue;
          throw new LedgerError('DIRECTORY_INVALID', "the directory changed while the step was judged (another process wrote to it), or its case chain does not match its entries as the type index lists them; nothing was written: try again, and run `casetrail verify` if it persists", {}, { cause: e });
        }
        throw this.explain(e);
      }
    }
  }

  /** This guard's refusal (the core's REFUSED) → the error it stands for (POLICY_DENIED, DIRECTORY_INVALID, POLICY_INVALID); any other error as it is. */
  explain(e: unknown): unknown {
    if (!(e instanceof LedgerError && e.code === 'REFUSED' && e.details['extension'] === LEVELS_EXTENSION)) return e;
    const reason = e.details['reason'];
    const message = e.message.replace(/^extension levels refused the transaction \([A-Z_]+\): /, '');
    if (reason === 'POLICY_DENIED') {
      const d = this.lastDenied;
      return new LedgerError('POLICY_DENIED', message, {
        reason: d?.decision.code ?? null,
        rules: [...(d?.decision.forbids ?? [])],
        line: d?.line ?? null,
        recorded: e.details['recorded'],
        ...(e.details['recordFailed'] === undefined ? {} : { recordFailed: e.details['recordFailed'] }),
      }, { cause: e });
    }
    if (reason === 'DIRECTORY_INVALID' || reason === 'POLICY_INVALID') return new LedgerError(reason, message, {}, { cause: e });
    return e;
  }

  /** Writes one directory entry, checked against the directory first (DIRECTORY_INVALID, nothing written). */
  private async directoryEntry(type: LevelType, value: unknown, by: WrittenBy) {
    checkBy(by);
    const payload = encodeLevelsPayload(type, value);
    return this.write(async () => {
      this.committed.clone().apply(Math.max(this.committed.last + 1, await this.ledger.size()), type, payload);
      const [r] = await this.ledger.appendSystem([{ caseId: DIRECTORY_CASE, type, actor: by.actor, payload: utf8(payload), ...(by.time === undefined ? {} : { time: by.time }) }]);
      return r!;
    });
  }

  /** Adds a unit under `parent` (null: a root). @throws DIRECTORY_INVALID for a unit that exists or an unknown parent */
  addUnit(unit: string, parent: string | null, by: WrittenBy) {
    return this.directoryEntry(LEVEL_TYPES.unitAdded, { parent, unit }, by);
  }

  /** Enrols an actor with its unit, roles and (optionally) the hex of its Ed25519 public key. */
  enrol(actor: string, e: { unit: string; roles: readonly string[]; key: string | null }, by: WrittenBy) {
    return this.directoryEntry(LEVEL_TYPES.actorEnrolled, { actor, key: e.key, roles: [...new Set(e.roles)].sort(), unit: e.unit }, by);
  }

  /** Replaces the actor's key from this entry on; its old key stays valid for the entries before. */
  rotate(actor: string, key: string, by: WrittenBy) {
    return this.directoryEntry(LEVEL_TYPES.actorRotated, { actor, key }, by);
  }

  /** Ends the actor's enrolment: from this entry on it has no rights and its key verifies nothing. */
  revoke(actor: string, by: WrittenBy) {
    return this.directoryEntry(LEVEL_TYPES.actorRevoked, { actor }, by);
  }

  /** Adopts a policy: in force from this entry on. */
  adoptPolicy(policy: Policy, by: WrittenBy) {
    return this.directoryEntry(LEVEL_TYPES.policyAdopted, JSON.parse(`{"hash":${JSON.stringify(policyHash(policy))},"policy":${canonicalPolicy(policy)}}`), by);
  }
}

function checkBy(by: WrittenBy): void {
  if (typeof by?.actor !== 'string') throw new TypeError('by.actor must be the id of who writes the entry');
}

/** The unit a case belongs to: its first step's actor's unit then, or null. */
export function caseUnit(dir: Directory, ctx: ExtensionContext, caseId: string): string | null {
  const first = ctx.view.caseSteps(caseId, { limit: 1 })[0];
  return first === undefined ? null : (dir.memberAt(first.actor, first.seq)?.unit ?? null);
}

/** The size of the latest checkpoint, its note verified under `vkey`. */
async function signedSize(ledger: Ledger, vkey: string): Promise<number> {
  const cp = await ledger.latestCheckpoint();
  if (cp === undefined) return 0;
  try {
    return openCheckpoint(cp.note, [parseVerifierKey(vkey)]).size;
  } catch {
    return 0;
  }
}

/** Attaches the levels guard to a ledger. @see LevelsGuard.attach */
export function oversee(ledger: Ledger, opts: OverseeOptions): Promise<LevelsGuard> {
  return LevelsGuard.attach(ledger, opts);
}
