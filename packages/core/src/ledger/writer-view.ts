/**
 * The view of the file a write transaction builds on (format.md §10.3): the
 * running tree and links, a case's previous step, an earlier entry (a
 * redaction's target, an idempotent step's first receipt). With a signer it
 * is the trusted file of extension-proof.ts, every row authenticated before
 * it is used; without one, the store as it is.
 *
 * `TrustedFile.caseTail` finds a case's previous step through the case
 * index (untrusted), then decodes its bytes (case, step and seq must match)
 * and proves its recomputed leaf to be in the trusted tree. It cannot see a
 * later step of a case relabelled into another case in the index (the
 * case's tail then looks earlier); the writer would then write a step number
 * twice, and full verification reports the relabelled row (INDEX_MISMATCH)
 * and the repeated step (CASE_STEP_MISMATCH), never a false history
 * (docs/security.md).
 */
import { LedgerError, MerkleAccumulator, genesisLink, type CaseTail, type Entry } from '@casetrail/verify';
import type { WriteTx } from '../store/store.js';
import { checkStoredRow } from './rows.js';
import { decodedRow, inTree, isNat, rewritten, tampered, type TrustedStart } from './extension-proof.js';

export type { TrustedStart };

/**
 * What a write transaction builds on: the running tree and links, a case's
 * previous step, and an earlier entry (a redaction's target).
 */
export interface WriterView {
  readonly start: TrustedStart;
  caseTail(caseId: string): CaseTail | undefined;
  /** An earlier entry (a redaction's target), decoded, with whether its payload is erased. @throws NOT_FOUND */
  entry(seq: number): Target;
  /**
   * Checks that an earlier entry the index led to (a step sent again,
   * format.md §4.6) is entry `seq` of the trusted tree, or was written by
   * this transaction.
   * @throws LEDGER_REWRITTEN
   */
  authenticate(seq: number, leaf: Uint8Array): void;
}

/** An earlier entry as the writer reads it: decoded, its leaf recomputed. */
export interface Target {
  entry: Entry;
  leaf: Uint8Array;
  /** Its payload is gone, or a redaction names it. */
  erased: boolean;
}

/**
 * The writer's trusted view of the file for one transaction: the tree and
 * links it builds on, and the cases' previous steps, each authenticated
 * before it is used.
 */
export class TrustedFile implements WriterView {
  /** Size and root of the trusted tree at the start of the transaction (rows below it are proven against it; the tree then grows). */
  private readonly size: number;
  private readonly root: Uint8Array;
  /**
   * Cases the index has no step of, asked in this transaction (the write
   * lock is held: none appears but through this transaction, whose steps
   * are then known in `start.cases`, which is asked first).
   */
  private readonly absent = new Set<string>();

  constructor(
    private readonly tx: WriteTx,
    private readonly origin: string,
    readonly start: TrustedStart,
  ) {
    this.size = start.acc.size;
    this.root = start.acc.root();
  }

  private provenAt(seq: number, leaf: Uint8Array): boolean {
    return inTree(this.tx, seq, leaf, this.size, this.root);
  }

  /**
   * The latest step of a case before the transaction's new entries: known,
   * or found through the case index and authenticated.
   * @throws LEDGER_TAMPERED (the index names a row that is not that case's step), LEDGER_REWRITTEN
   */
  caseTail(caseId: string): CaseTail | undefined {
    const known = this.start.cases.get(caseId);
    if (known !== undefined) return known;
    if (this.absent.has(caseId)) return undefined;
    const t = this.tx.caseTail(caseId);
    if (t === undefined) {
      this.absent.add(caseId);
      return undefined;
    }
    if (!isNat(t.seq) || t.seq >= this.size || !isNat(t.step) || t.step < 1) {
      throw tampered({ code: 'INDEX_MISMATCH', ...(isNat(t.seq) ? { seq: t.seq } : {}), message: `the case index gives an impossible row for case ${JSON.stringify(caseId)}` });
    }
    const step = this.authenticated(t.seq, caseId, t.step, 'the latest step of its case');
    this.start.cases.set(caseId, step);
    return step;
  }

  /** Row `seq` as the case index names it: decoded, matching, and proven in the trusted tree. */
  private authenticated(seq: number, caseId: string, step: number, what: string): CaseTail {
    const r = decodedRow(this.tx.entry(seq), seq, what);
    if (r.entry.caseId !== caseId || r.entry.step !== step) {
      throw tampered({ code: 'INDEX_MISMATCH', seq, message: `the case index gives entry ${seq} as step ${step} of case ${JSON.stringify(caseId)}, but its bytes say step ${r.entry.step} of case ${JSON.stringify(r.entry.caseId)}` });
    }
    if (!this.provenAt(seq, r.leaf)) throw rewritten(this.start.proven, seq, 'its recomputed leaf hash is not in the trusted tree');
    return { step, leaf: r.leaf, seq };
  }

  /**
   * An earlier entry by its seq (the target of a redaction): decoded and
   * proven in the trusted tree, with its stored row.
   * @throws NOT_FOUND, LEDGER_TAMPERED, LEDGER_REWRITTEN
   */
  entry(seq: number): Target {
    if (seq >= this.size) throw new LedgerError('NOT_FOUND', `no entry ${seq}`, { seq });
    const r = decodedRow(this.tx.entry(seq), seq, 'the entry');
    if (!this.provenAt(seq, r.leaf)) throw rewritten(this.start.proven, seq, 'its recomputed leaf hash is not in the trusted tree');
    // A redaction must not erase the evidence of a change to the payload it
    // erases, nor record an erasure someone made without one (format.md §4.5).
    const { checked, findings, restored } = checkStoredRow(this.tx, r.row, this.origin);
    const payload = findings.find((f) => f.code === 'PAYLOAD_COMMITMENT_MISMATCH' || f.code === 'ROW_INVALID' || f.code === 'PAYLOAD_MISSING');
    const redacted = this.tx.redactionOf(seq) !== undefined;
    if (payload !== undefined && !(payload.code === 'PAYLOAD_MISSING' && redacted)) throw tampered(payload);
    // An erased payload written back (`restored`) stays erased: it is not redacted twice.
    return { entry: r.entry, leaf: r.leaf, erased: checked.payload === 'missing' || restored || redacted };
  }

  authenticate(seq: number, leaf: Uint8Array): void {
    if (seq >= this.size) return;
    if (!this.provenAt(seq, leaf)) throw rewritten(this.start.proven, seq, 'the entry the nonce index gives for a step sent again is not in the trusted tree');
  }
}

/**
 * The view of a writer without the signer (checkpointPolicy 'manual', no
 * signer): it signs nothing, so it proves nothing, and builds on the store
 * as it is. What it writes is not recorded in any signer's state: the
 * signer refuses it as a foreign tail (LEDGER_FOREIGN_TAIL) until it is
 * verified and adopted (format.md §10.4).
 */
export class StoredFile implements WriterView {
  readonly start: TrustedStart;
  /** Cases with no step in the index, asked in this transaction (as TrustedFile's). */
  private readonly absent = new Set<string>();

  constructor(
    private readonly tx: WriteTx,
    origin: string,
  ) {
    const size = tx.size();
    const tail = tx.tail();
    this.start = {
      acc: MerkleAccumulator.fromReader(tx, size),
      prev: tail === undefined ? Uint8Array.from(genesisLink(origin)) : tail.leaf,
      lastTime: tail === undefined ? 0 : tail.time,
      proven: { size: 0, root: new Uint8Array(32) },
      cases: new Map(),
    };
  }

  caseTail(caseId: string): CaseTail | undefined {
    const known = this.start.cases.get(caseId);
    if (known !== undefined) return known;
    if (this.absent.has(caseId)) return undefined;
    const t = this.tx.caseTail(caseId);
    if (t === undefined) this.absent.add(caseId);
    return t === undefined ? undefined : { step: t.step, leaf: t.leaf, seq: t.seq };
  }

  entry(seq: number): Target {
    const row = this.tx.entry(seq);
    if (row === undefined) throw new LedgerError('NOT_FOUND', `no entry ${seq}`, { seq });
    const r = decodedRow(row, seq, 'the entry');
    return { entry: r.entry, leaf: r.leaf, erased: row.data === null || this.tx.redactionOf(seq) !== undefined };
  }

  authenticate(): void {
    // Nothing is signed over it: the signer proves it later.
  }
}
