/**
 * Clue transfer between two ledgers (docs/oversight.md §10; issue 13 item 5):
 *
 * - `transferClue` — the sender records a `clue.transferred` step in the
 *   case, signs a checkpoint that covers it, and exports the case as an
 *   evidence bundle (the ledger's `exportBundle`), which it reads back as its
 *   receiver will before handing it out;
 * - `receiveClue` — the receiver verifies the bundle under the sender's key
 *   (`readTransferBundle`) before it touches its own ledger, then records a
 *   `clue.received` step citing what it received, opening the case.
 *
 * The conditions that depend on the ledger — the sender's case exists, the
 * receiver's case is new, the bundle was not received before — are checked
 * inside the append's transaction (an extension's `onStep`, the core's
 * refuse-with-nothing-written), so two processes cannot both pass them.
 */
import { LedgerError, type CommittedStep, type ExtensionContext, type Ledger, type LedgerExtension, type Receipt, type StepInput } from '@casetrail/core';
import { equalBytes, fromHex, utf8, type ErrorCode, type WitnessPolicy } from '@casetrail/verify';
import { readTransferBundle, type TransferBundle } from './bundle.js';
import { CLUE_RECEIVED, CLUE_TRANSFERRED, encodeClueReceipt, encodeTransferStep, type ClueReceipt } from './payloads.js';

/** Whatever appends a step: the ledger itself, or a supervised writer on it (`supervise(ledger)`), so that the step is screened. */
export interface StepWriter<R extends Receipt = Receipt> {
  append(step: StepInput): Promise<R>;
}

export interface TransferOptions<R extends Receipt = Receipt> {
  /** The case transferred: it must have steps already. */
  caseId: string;
  /** The receiving unit's name. */
  to: string;
  /** Who transfers it. */
  actor: string;
  /** Why (optional, recorded in the step). */
  reason?: string;
  /** The step's time (ms since 1970; default the ledger's clock). */
  time?: number;
  /** The ledger's own verifier key: the bundle is read back under it before it is handed out. */
  vkey: string;
  /**
   * The units the sender's ledger registers (its directory, docs/oversight.md
   * §8: `guard.directory().units`): when there are any, `to` must be one of
   * them (TRANSFER_UNIT_UNKNOWN). Without a registry the name is recorded as given.
   */
  units?: Iterable<string>;
  /** Appends the step (default the ledger): pass the supervised writer when the ledger is supervised. */
  writer?: StepWriter<R>;
  /** The bundle header's informational `created` (default now; null leaves it out). */
  created?: string | null;
}

export interface TransferExport<R extends Receipt = Receipt> {
  /** The `clue.transferred` step's receipt (the writer's: a supervised writer's lists the alerts it raised). */
  receipt: R;
  /** The bundle's bytes (casetrail-bundle/v1), read back as its receiver reads it. */
  bundle: Uint8Array;
  /** What the receiver will find in it. */
  read: TransferBundle;
}

export interface ReceiveOptions<R extends Receipt = Receipt> {
  /** The sender's verifier key, from outside the bundle (its superior's records, a monitor configuration). */
  fromVkey: string;
  /** The case id in this ledger (default the sender's). */
  caseId?: string;
  /** Who receives it. */
  actor: string;
  /** The step's time (ms since 1970; default the ledger's clock). */
  time?: number;
  /** A witness policy the sender's checkpoint must meet. */
  witnessPolicy?: WitnessPolicy;
  /** This unit's name: the transfer step must name it (TRANSFER_MISADDRESSED otherwise). */
  unit?: string;
  /** Appends the step (default the ledger): pass the supervised writer when the ledger is supervised. */
  writer?: StepWriter<R>;
}

export interface ReceivedClue<R extends Receipt = Receipt> {
  /** The `clue.received` step's receipt: step 1 of the case (the writer's). */
  receipt: R;
  /** What it cites. */
  citation: ClueReceipt;
  /** The bundle as verified. */
  read: TransferBundle;
}

/** The extension's name: refusals carry it in `details.extension`. */
const GUARD = 'transfer';

/**
 * Sender: records `clue.transferred` in the case and exports the case as a
 * transfer bundle proven against a checkpoint that covers that step. The
 * ledger must be open with its signer. Each call records a new transfer
 * step; if writing the bundle out fails afterwards, call it again: the
 * receiver takes the latest transfer step of the case in the bundle.
 * @throws LedgerError INVALID_ARGUMENT (a bad unit name or reason),
 *   TRANSFER_UNIT_UNKNOWN (`to` is not a unit of the `units` given),
 *   TRANSFER_CASE_UNKNOWN (the case has no step; nothing written), the code
 *   of the first issue of a step of the case that does not check (as `trace`
 *   finds it: PAYLOAD_COMMITMENT_MISMATCH, CASE_CHAIN_BROKEN, …; nothing
 *   written), the
 *   append's and `exportBundle`'s errors; `RULE_BLOCKED` from a supervised writer
 */
export async function transferClue<R extends Receipt = Receipt>(ledger: Ledger, opts: TransferOptions<R>): Promise<TransferExport<R>> {
  const payload = utf8(encodeTransferStep({ to: opts.to, ...(opts.reason === undefined ? {} : { reason: opts.reason }) }));
  const units = [...(opts.units ?? [])];
  if (units.length > 0 && !units.includes(opts.to)) {
    throw new LedgerError('TRANSFER_UNIT_UNKNOWN', `${JSON.stringify(opts.to)} is not a unit of this ledger's directory (${units.length} unit(s): ${units.slice(0, 8).map((u) => JSON.stringify(u)).join(', ')}${units.length > 8 ? ', …' : ''}); nothing was recorded`, { to: opts.to });
  }
  await caseChecks(ledger, opts.caseId);
  const step: StepInput = { caseId: opts.caseId, type: CLUE_TRANSFERRED, actor: opts.actor, payload, ...(opts.time === undefined ? {} : { time: opts.time }) };
  const receipt = await guarded(ledger, { caseId: opts.caseId, type: CLUE_TRANSFERRED }, (s) => {
    if (s.step === 1) return { code: 'TRANSFER_CASE_UNKNOWN', message: `case ${JSON.stringify(opts.caseId)} has no step in this ledger: there is nothing to transfer; nothing was recorded` };
    return undefined;
  }, () => (opts.writer === undefined ? (ledger.append(step) as Promise<R>) : opts.writer.append(step)));
  // The bundle proves against the latest checkpoint: make sure it covers the transfer step.
  if (((await ledger.latestCheckpoint())?.size ?? 0) <= receipt.seq) await ledger.checkpoint();
  const chunks: string[] = [];
  await ledger.exportBundle((line) => void chunks.push(line), { caseId: opts.caseId, payloads: true, ...(opts.created === undefined ? {} : { created: opts.created }) });
  const bundle = utf8(chunks.join(''));
  const read = await readTransferBundle(bundle, opts.vkey);
  if (read.transfer.seq < receipt.seq || (read.transfer.seq === receipt.seq && !equalBytes(read.transfer.leafHash, receipt.leafHash))) {
    throw new LedgerError('TRANSFER_INVALID', `the bundle exported does not carry the transfer step just recorded (entry ${receipt.seq}): run verify`, { seq: receipt.seq });
  }
  return { receipt, bundle, read };
}

/**
 * Before anything is recorded: the case exists and its steps check as
 * `trace` checks them (bytes, payloads, chain), so that a case the export
 * would refuse never gets a transfer step without a bundle. The guard
 * inside the transaction still judges the step itself.
 */
async function caseChecks(ledger: Ledger, caseId: string): Promise<void> {
  const t = await ledger.trace(caseId);
  if (t.steps.length === 0) throw new LedgerError('TRANSFER_CASE_UNKNOWN', `case ${JSON.stringify(caseId)} has no step in this ledger: there is nothing to transfer; nothing was recorded`, { caseId });
  const first = t.issues.find((i) => i.severity === 'error');
  if (!t.ok && first !== undefined) {
    throw new LedgerError(first.code as ErrorCode, `the case does not check (${first.code} at entry ${String(first.seq)}: ${first.message}): run verify; nothing was recorded`, { seq: first.seq, issues: t.issues });
  }
}

/**
 * Receiver: verifies the bundle under the sender's key — before the ledger
 * is touched — then records `clue.received` as step 1 of the case, citing
 * the sender's origin, key and case, its checkpoint, every entry received
 * with its leaf hash and proof, the transfer step and the bundle's SHA-256.
 * A refused bundle records nothing.
 * @throws LedgerError TRANSFER_WRONG_SENDER, TRANSFER_UNVERIFIED,
 *   TRANSFER_INVALID, TRANSFER_STEP_MISSING, TRANSFER_MISADDRESSED (the
 *   bundle; the ledger is not touched), TRANSFER_REPLAYED (this transfer step was received before:
 *   `details.seq`), TRANSFER_CASE_EXISTS (the case has steps already: give
 *   another case id), the append's errors (PAYLOAD_TOO_LARGE for a case
 *   whose citation is over the ledger's payload limit); `RULE_BLOCKED` from
 *   a supervised writer
 */
export async function receiveClue<R extends Receipt = Receipt>(ledger: Ledger, bundle: Uint8Array, opts: ReceiveOptions<R>): Promise<ReceivedClue<R>> {
  const read = await readTransferBundle(bundle, opts.fromVkey, { ...(opts.witnessPolicy === undefined ? {} : { witnessPolicy: opts.witnessPolicy }), ...(opts.unit === undefined ? {} : { unit: opts.unit }) });
  const caseId = opts.caseId ?? read.caseId;
  const citation: ClueReceipt = {
    bundle: read.hash,
    checkpoint: read.checkpoint,
    entries: read.entries.map((e) => ({ seq: e.seq, leafHash: e.leafHash, proof: e.proof })),
    from: { origin: read.origin, vkey: read.vkey, case: read.caseId },
    transfer: { seq: read.transfer.seq, leafHash: read.transfer.leafHash, to: read.transfer.data.to },
  };
  const step: StepInput = { caseId, type: CLUE_RECEIVED, actor: opts.actor, payload: utf8(encodeClueReceipt(citation)), ...(opts.time === undefined ? {} : { time: opts.time }) };
  const receipt = await guarded(ledger, { caseId, type: CLUE_RECEIVED }, (s, ctx) => {
    const earlier = receivedBefore(ctx, s.seq, read);
    if (earlier !== undefined) return { code: 'TRANSFER_REPLAYED', message: `this transfer (entry ${read.transfer.seq} of ${read.origin}) was received before, as entry ${earlier}: nothing was recorded`, seq: earlier };
    if (s.step !== 1) return { code: 'TRANSFER_CASE_EXISTS', message: `case ${JSON.stringify(caseId)} already has ${s.step - 1} step(s) in this ledger: receive the clue under another case id (--case); nothing was recorded` };
    return undefined;
  }, () => (opts.writer === undefined ? (ledger.append(step) as Promise<R>) : opts.writer.append(step)));
  return { receipt, citation, read };
}

/** The seq of an earlier `clue.received` step citing the same transfer step of the same origin, if any. */
function receivedBefore(ctx: ExtensionContext, seq: number, read: TransferBundle): number | undefined {
  let after: number | undefined;
  for (;;) {
    const page = ctx.view.entriesOfType(CLUE_RECEIVED, after === undefined ? { limit: 1000 } : { after, limit: 1000 });
    for (const e of page) {
      if (e.seq !== seq && cites(e.data, read)) return e.seq;
    }
    if (page.length < 1000) return undefined;
    after = page[page.length - 1]!.seq;
  }
}

/**
 * Whether a recorded `clue.received` payload (as the view parsed it) cites
 * this transfer. Policy: an earlier step whose payload was erased, or does
 * not parse, cites nothing that can be compared: it does not stop a receipt.
 */
function cites(data: unknown, read: TransferBundle): boolean {
  if (data === null || typeof data !== 'object') return false;
  const d = data as { from?: { origin?: unknown }; transfer?: { leafHash?: unknown } };
  const leaf = d.transfer?.leafHash;
  return d.from?.origin === read.origin && typeof leaf === 'string' && /^[0-9a-f]{64}$/.test(leaf) && equalBytes(fromHex(leaf), read.transfer.leafHash);
}

type Refusal = { code: 'TRANSFER_CASE_UNKNOWN' | 'TRANSFER_CASE_EXISTS' | 'TRANSFER_REPLAYED'; message: string; seq?: number };

/**
 * Runs `append` with the transfer guard in use on the ledger: `check` judges
 * the step of that case and type inside the transaction; a refusal writes
 * nothing and is thrown with its own code. The guard is removed afterwards.
 */
async function guarded<R extends Receipt>(ledger: Ledger, target: { caseId: string; type: string }, check: (s: CommittedStep, ctx: ExtensionContext) => Refusal | undefined, append: () => Promise<R>): Promise<R> {
  let refusal: Refusal | undefined;
  const extension: LedgerExtension = {
    name: GUARD,
    limits: { maxReadsPerTransaction: 1_000_000 },
    onStep(s, ctx) {
      if (s.caseId !== target.caseId || s.type !== target.type) return;
      refusal = check(s, ctx);
      if (refusal !== undefined) ctx.refuse({ code: refusal.code, message: refusal.message });
    },
  };
  const off = ledger.use(extension);
  let receipt: R;
  try {
    receipt = await append();
  } catch (e) {
    if (refusal !== undefined && e instanceof LedgerError && e.code === 'REFUSED' && e.details['extension'] === GUARD) {
      throw new LedgerError(refusal.code, refusal.message, { caseId: target.caseId, ...(refusal.seq === undefined ? {} : { seq: refusal.seq }) });
    }
    throw e;
  } finally {
    off();
  }
  if (receipt.duplicate === true) throw new LedgerError('TRANSFER_REPLAYED', `the ${target.type} step was appended before (entry ${receipt.seq}): nothing was recorded`, { seq: receipt.seq });
  return receipt;
}
