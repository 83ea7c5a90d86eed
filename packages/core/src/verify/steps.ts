/**
 * The named steps of verification around the entry scan (format.md §8):
 * meta, the trusted checkpoint, the incremental start, stored checkpoints,
 * redactions, missing payloads, system entries, cosignatures, the unsigned
 * tail. Each is a function over the VerifyState with its own codes.
 */
import {
  LedgerError,
  MerkleAccumulator,
  checkEntryRow,
  decodeEntry,
  decodePayload,
  equalBytes,
  inclusionProof,
  isBytes,
  leafHash,
  openCheckpoint,
  openCosignature,
  parseCosignatureLine,
  perfectNodesOf,
  redactionProblem,
  systemEntryProblem,
  verifyInclusion,
  type Checkpoint,
  type Entry,
} from '@casetrail/verify';
import type { CheckpointRow } from '../store/store.js';
import type { VerifyState } from './state.js';

function isSafeNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Step: meta. Nothing in it is trusted; it must merely agree with the key (a damaged meta is reported by checkStructure). */
export function checkMeta(s: VerifyState): void {
  if (s.store.damage.some((d) => d.table === 'meta')) return;
  const meta = new Map(s.view.meta().map((r) => [r.key, r.value]));
  if (meta.get('origin') !== s.origin) {
    s.issues.add({ code: 'META_MISMATCH', table: 'meta', message: `the file says its origin is ${JSON.stringify(meta.get('origin'))}, the verifier key is for ${JSON.stringify(s.origin)}` });
  }
}

/**
 * Step: the trusted checkpoint, if one was given: it must open under the
 * key and not be beyond the ledger.
 * @returns false when verification cannot go on
 */
export function openTrustedCheckpoint(s: VerifyState): boolean {
  if (s.options.trusted === undefined) return true;
  try {
    const cp = openCheckpoint(s.options.trusted, [s.verifier]);
    if (cp.origin !== s.origin) throw new LedgerError('MALFORMED_CHECKPOINT', `origin ${cp.origin} is not ${s.origin}`);
    s.trusted = cp;
  } catch (e) {
    s.issues.add({ code: 'TRUSTED_CHECKPOINT_INVALID', table: 'trusted', message: `the trusted checkpoint does not verify under the key: ${(e as Error).message}` });
    return false;
  }
  if (s.trusted.size > s.size) {
    s.issues.add({
      code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER',
      table: 'trusted',
      size: s.trusted.size,
      message: `the trusted checkpoint covers ${s.trusted.size} entries but the ledger has only ${s.size}: the ledger was truncated or rolled back`,
    });
    if (s.mode === 'incremental') return false;
  }
  return true;
}

/**
 * Step: where an incremental verification starts. The compact range of the
 * trusted size (format.md §8, `perfectNodesOf(m)`) must hash to the trusted
 * root; the scan then extends it, and the entry before it is authenticated
 * to check the first new `prev`.
 * @returns false when verification cannot go on
 */
export function startFromTrustedCheckpoint(s: VerifyState): boolean {
  if (s.mode !== 'incremental' || s.trusted === undefined) return true;
  const m = s.trusted.size;
  try {
    s.acc = new MerkleAccumulator(m, perfectNodesOf(m).map(({ level, index }) => Uint8Array.from(s.view.node(level, index))));
  } catch (e) {
    s.issues.add({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', size: m, message: `cannot read the tree at the trusted size ${m}: ${(e as Error).message}` });
    return false;
  }
  if (!equalBytes(s.acc.root(), s.trusted.root)) {
    s.issues.add({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'trusted', size: m, message: `the ledger's tree at size ${m} does not match the trusted checkpoint: history before it was rewritten` });
    return false;
  }
  s.trustedExtended = true;
  s.start = m;
  s.signedSize = m;
  if (m > 0) {
    const last = authenticatedOldEntry(s, m - 1);
    if (last === undefined) return false;
    s.prevLeaf.set(last.leaf);
    s.lastTime = last.entry.time;
    s.version = last.entry.v;
  }
  return true;
}

/**
 * Reads entry seq (< trusted size), recomputes its leaf hash and proves it
 * is leaf seq of the trusted tree (O(log n) reads).
 */
export function authenticatedOldEntry(s: VerifyState, seq: number): { leaf: Uint8Array; entry: Entry } | undefined {
  const cp = s.trusted!;
  try {
    const row = s.view.entry(seq);
    if (row === undefined || !isBytes(row.bytes)) throw new Error(`entry ${seq} is missing`);
    const leaf = leafHash(row.bytes);
    if (!verifyInclusion(leaf, seq, cp.size, inclusionProof(s.view, seq, cp.size), cp.root)) throw new Error(`entry ${seq} is not leaf ${seq} of the trusted tree`);
    return { leaf, entry: decodeEntry(row.bytes) };
  } catch (e) {
    s.issues.add({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', seq, message: `entry ${seq} before the trusted checkpoint cannot be authenticated: ${(e as Error).message}` });
    return undefined;
  }
}

type OpenedRow = CheckpointRow & { opened?: Checkpoint | Error };

/** Checkpoint notes opened this many at a time, ahead of the scan that consumes them. */
const CHECKPOINT_BATCH = 256;

/**
 * Step, interleaved with the scan: every stored checkpoint must be a valid
 * note by the key whose body agrees with its row and whose root is the
 * recomputed root of its size (format.md §8 item 10); a trusted checkpoint
 * in full mode must match the tree when the scan reaches its size (item 11).
 *
 * Notes are opened CHECKPOINT_BATCH at a time ahead of the scan: verifying
 * Ed25519 signatures in a tight loop keeps OpenSSL's tables in cache
 * (interleaved with the scan, each took 1–1.6 ms instead of 0.1 ms).
 */
export class CheckpointCursor {
  private readonly rows: Iterator<CheckpointRow>;
  private batch: OpenedRow[] = [];
  private i = 0;
  private done = false;

  constructor(private readonly s: VerifyState) {
    // Incremental: from the trusted size itself — the trusted note vouches for the tree there, not for the stored row.
    this.rows = s.view.checkpoints(s.mode === 'incremental' ? s.start : 0);
  }

  private peek(): OpenedRow | undefined {
    if (this.i < this.batch.length) return this.batch[this.i];
    if (this.done) return undefined;
    this.batch = [];
    this.i = 0;
    for (let r = this.rows.next(); !r.done; r = this.rows.next()) {
      this.batch.push(r.value);
      if (this.batch.length === CHECKPOINT_BATCH) break;
    }
    if (this.batch.length < CHECKPOINT_BATCH) this.done = true;
    for (const row of this.batch) {
      if (typeof row.note !== 'string') continue;
      try {
        row.opened = openCheckpoint(row.note, [this.s.verifier]);
      } catch (e) {
        row.opened = e instanceof Error ? e : new Error(String(e));
      }
    }
    return this.batch[0];
  }

  /** Checks the stored checkpoints of sizes up to `treeSize`, now that the scan has the tree of that size. */
  checkUpTo(treeSize: number): void {
    const s = this.s;
    for (let row = this.peek(); row !== undefined && typeof row.size === 'number' && row.size <= treeSize; row = this.peek()) {
      if (row.size === treeSize) this.check(row, s.treeBroken ? undefined : s.acc.root());
      else this.check(row, undefined, 'no entry boundary at this size was seen');
      this.i++;
    }
    if (s.trusted !== undefined && s.mode === 'full' && s.trusted.size === treeSize) {
      if (!s.treeBroken && equalBytes(s.acc.root(), s.trusted.root)) s.trustedExtended = true;
      else {
        s.issues.add({
          code: 'TRUSTED_CHECKPOINT_MISMATCH',
          table: 'trusted',
          size: treeSize,
          message: `the ledger's tree at size ${treeSize} does not match the trusted checkpoint: history before it was rewritten`,
        });
      }
    }
  }

  /** Checks the checkpoints beyond the last entry. */
  checkRest(): void {
    for (let row = this.peek(); row !== undefined; row = this.peek()) {
      this.check(row, undefined, 'beyond the last entry');
      this.i++;
    }
  }

  close(): void {
    this.rows.return?.(undefined);
  }

  private check(row: OpenedRow, computed: Uint8Array | undefined, why?: string): void {
    const s = this.s;
    s.checked.checkpoints++;
    const at = { table: 'checkpoints' as const, ...(isSafeNat(row.size) ? { size: row.size } : {}) };
    if (!isSafeNat(row.size) || !isBytes(row.root, 32) || typeof row.note !== 'string') {
      s.issues.add({ code: 'ROW_INVALID', ...at, message: 'a checkpoints row has a wrong column type' });
      return;
    }
    const cp = row.opened;
    if (cp === undefined || cp instanceof Error) {
      s.issues.add({ code: 'CHECKPOINT_INVALID', ...at, message: `stored checkpoint of size ${row.size} does not verify: ${cp?.message ?? 'not a note'}` });
      return;
    }
    if (cp.origin !== s.origin || cp.size !== row.size || !equalBytes(cp.root, row.root)) {
      s.issues.add({ code: 'CHECKPOINT_INVALID', ...at, message: `stored checkpoint of size ${row.size} disagrees with its row (origin, size or root)` });
      return;
    }
    if (row.size > s.size) {
      s.issues.add({ code: 'CHECKPOINT_BEYOND_LEDGER', ...at, message: `a validly signed checkpoint covers ${row.size} entries but the ledger has ${s.size}: entries were removed` });
      return;
    }
    if (computed === undefined) {
      s.issues.add({ code: 'CHECKPOINT_ROOT_MISMATCH', ...at, message: `cannot recompute the root of size ${row.size}${why ? `: ${why}` : ': the tree before it is broken'}` });
      return;
    }
    if (!equalBytes(cp.root, computed)) {
      s.issues.add({ code: 'CHECKPOINT_ROOT_MISMATCH', ...at, message: `the signed root of size ${row.size} is not the root of the stored entries` });
      return;
    }
    s.signedSize = Math.max(s.signedSize, row.size);
    if (row.size === s.witnessTarget) s.witnessTargetVerified = true;
  }
}

/**
 * Scan step: a redaction record at `seq` naming entry `target` must prove
 * its erasure (the rule of checks/redaction.ts), and no entry is erased twice.
 */
export function checkRedactionRecord(s: VerifyState, seq: number, target: number): void {
  let problem: string | undefined;
  const t = target < seq ? s.view.entry(target) : undefined;
  const r = s.view.entry(seq);
  if (t === undefined || !isBytes(t.bytes) || r === undefined || !isBytes(r.bytes)) {
    problem = `it names entry ${target}, which is not an earlier entry`;
  } else {
    try {
      problem = redactionProblem(
        { seq: target, leaf: leafHash(t.bytes), entry: decodeEntry(t.bytes) },
        { seq, entry: decodeEntry(r.bytes), payload: isBytes(r.data) ? r.data : null, salt: isBytes(r.salt) ? r.salt : null },
      );
    } catch (e) {
      problem = `entry ${target} does not decode: ${(e as Error).message}`;
    }
  }
  if (problem === undefined && s.redactedBy.has(target)) problem = `entry ${target} was already erased by redaction entry ${s.redactedBy.get(target)}`;
  if (problem !== undefined) {
    s.issues.add({ code: 'REDACTION_INVALID', table: 'entries', seq, message: `redaction entry ${seq} is not valid: ${problem}` });
    return;
  }
  s.redactedBy.set(target, seq);
}

/** Step: a missing payload must have been erased by a valid redaction entry. */
export function checkMissingPayloads(s: VerifyState): void {
  for (const seq of s.missingPayloads) {
    if (s.redactedBy.has(seq)) continue;
    // A worker reads outside this snapshot: a payload erased by a redaction
    // made after it began is still here. Decide on this snapshot's row.
    const row = s.view.entry(seq);
    const again = row === undefined ? undefined : checkEntryRow(row, s.origin);
    if (again !== undefined && again.payload !== 'missing') {
      // Counted as the scan counts it: only a payload that matches its commitment.
      if (again.payload === 'ok') s.checked.payloads++;
      for (const i of again.issues) if (i.code === 'PAYLOAD_COMMITMENT_MISMATCH' || i.code === 'ROW_INVALID') s.issues.add({ ...i, table: 'entries' });
      continue;
    }
    s.issues.add({ code: 'PAYLOAD_MISSING', table: 'entries', seq, message: `the payload of entry ${seq} is missing and no redaction entry erased it` });
  }
}

/** Step: erased payloads stay erased, and the `redactions` table agrees with the redaction entries. */
export function checkRedactionsTable(s: VerifyState): void {
  const pending = new Map(s.redactedBy);
  for (const [seq, by] of pending) {
    const row = s.view.entry(seq);
    if (row !== undefined && (row.data !== null || row.salt !== null)) {
      s.issues.add({ code: 'REDACTION_INVALID', table: 'entries', seq, message: `the payload of entry ${seq}, erased by redaction entry ${by}, is present again` });
    }
  }
  for (const r of s.view.redactions()) {
    if (!isSafeNat(r.seq) || !isSafeNat(r.by_seq)) {
      s.issues.add({ code: 'ROW_INVALID', table: 'redactions', message: 'a redactions row has a wrong column type' });
      continue;
    }
    if (s.mode === 'incremental' && r.by_seq < s.start) continue;
    s.checked.redactions++;
    if (pending.get(r.seq) !== r.by_seq) {
      s.issues.add({ code: 'REDACTION_INVALID', table: 'redactions', seq: r.seq, message: `redactions row for entry ${r.seq} is not backed by redaction entry ${r.by_seq}` });
    }
    pending.delete(r.seq);
  }
  for (const [seq, by] of pending) {
    s.issues.add({ code: 'REDACTION_INVALID', table: 'redactions', seq, message: `redaction entry ${by} erased entry ${seq} but the redactions table does not record it` });
  }
}

/** Step (also run in batches during the scan): each collected system entry is well-formed for its type. */
export function checkSystemEntries(s: VerifyState): void {
  for (const seq of s.systemEntries.splice(0)) {
    const row = s.view.entry(seq);
    if (row === undefined || !isBytes(row.bytes) || !isBytes(row.data)) continue;
    let problem: string | undefined;
    try {
      const e = decodeEntry(row.bytes);
      const validator = s.systemTypes?.[e.type];
      if (validator === undefined) continue;
      s.checked.systemEntries++;
      problem = systemEntryProblem(validator, decodePayload(row.data), e);
    } catch (e) {
      problem = (e as Error)?.message ?? String(e);
    }
    if (problem !== undefined) {
      s.issues.add({ code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq, message: `system entry ${seq} is not well-formed for its type: ${problem}` });
    }
  }
}

/**
 * Step: every stored cosignature line (format.md §7.1) parses and belongs
 * to a stored checkpoint; one by a given witness key verifies over it.
 */
export function checkCosignatures(s: VerifyState): void {
  for (const row of s.view.allCosignatures(s.mode === 'incremental' ? s.start + 1 : 0)) {
    const at = { table: 'cosignatures' as const, ...(isSafeNat(row.size) ? { size: row.size } : {}) };
    if (!isSafeNat(row.size) || typeof row.line !== 'string') {
      s.issues.add({ code: 'ROW_INVALID', ...at, message: 'a cosignatures row has a wrong column type' });
      continue;
    }
    s.checked.cosignatures++;
    try {
      const c = parseCosignatureLine(row.line);
      if (c.line !== row.line) throw new Error('the stored line is not in its canonical form');
      const cp = s.view.checkpointAt(row.size);
      if (cp === undefined || typeof cp.note !== 'string') throw new Error(`there is no stored checkpoint of size ${row.size}`);
      const w = s.witnesses.filter((k) => k.name === c.name && k.keyId === c.keyId);
      if (w.length > 0) openCosignature(cp.note, row.line, w);
    } catch (e) {
      s.issues.add({ code: 'COSIGNATURE_INVALID', ...at, message: `a cosignature of the checkpoint of size ${row.size} is not valid: ${(e as Error).message}` });
    }
  }
}

/** Step: entries after the latest valid checkpoint are not proven to be the key holder's. */
export function checkUnsignedTail(s: VerifyState): void {
  if (s.treeBroken || s.signedSize >= s.size) return;
  const allow = s.options.allowUnsignedTail === true;
  s.issues.add({
    code: 'UNSIGNED_TAIL',
    severity: allow ? 'warning' : 'error',
    table: 'checkpoints',
    seq: s.signedSize,
    message: `entries ${s.signedSize} to ${s.size - 1} are not covered by any valid checkpoint: nothing proves the key holder wrote them`,
  });
}
