/**
 * Ledger verification (format.md §8). Everything read from the store is
 * attacker-controlled: every value is type-checked, every hash recomputed
 * from stored bytes, and the verifier key comes from the caller only.
 *
 * The verifier is a sequence of named steps (meta, entries, nodes,
 * payloads, redactions, checkpoints, trusted checkpoint); each problem becomes
 * an issue with a stable code and a position, and verification carries on so
 * that the report shows everything that is wrong (up to maxIssues).
 */
import { equalBytes, toHex } from '@casetrail/verify';
import { openCheckpoint, type Checkpoint } from '@casetrail/verify';
import { LedgerError } from '@casetrail/verify';
import { availableParallelism } from 'node:os';
import { REDACTION_TYPE, ZERO_HASH, decodeEntry, genesisLink, type Entry } from '@casetrail/verify';
import { MerkleAccumulator, inclusionProof, leafHash, perfectNodesOf, verifyInclusion } from '@casetrail/verify';
import { parseVerifierKey, type IssueCode, type NoteVerifier } from '@casetrail/verify';
import type { SqliteStore } from './store/sqlite-store.js';
import { checkRowLocally, isBytes, type LocalResult } from './verify-local.js';
import { checkRowsInWorkers } from './verify-workers.js';

type LocalEntry = NonNullable<LocalResult['entry']>;

export interface VerifyIssue {
  code: IssueCode;
  severity: 'error' | 'warning';
  message: string;
  /** Which table the problem was found in. */
  table?: 'meta' | 'entries' | 'redactions' | 'checkpoints' | 'trusted';
  seq?: number;
  size?: number;
  level?: number;
  index?: number;
}

export interface VerifyProgress {
  phase: 'entries' | 'checkpoints';
  done: number;
  total: number;
}

export interface VerifyOptions {
  /** The ledger's verifier key (`name+hexid+base64`), from outside the file. */
  vkey: string | NoteVerifier;
  /** A signed checkpoint saved earlier (for example a published one). */
  trusted?: string;
  /**
   * 'full' (default) checks every entry; 'incremental' needs `trusted` and
   * checks only what came after it, in O(new entries + log n).
   */
  mode?: 'full' | 'incremental';
  /** Entries after the latest valid checkpoint are an error unless this is true (then a warning). */
  allowUnsignedTail?: boolean;
  /**
   * Worker threads for the single-row checks (hashing, decoding, payloads,
   * signatures). Default: 1 on a machine with more than one core when more
   * than 65,536 entries are to be checked, else 0 (everything in this
   * thread). More workers are faster and use ~40 MB more memory each.
   */
  workers?: number;
  /**
   * Cases whose latest step is kept in memory during the scan (default
   * 32,768, ~150 bytes each). A case continued after being forgotten has its
   * previous step read again through the case index; the verdict is the same.
   */
  trackedCases?: number;
  /** Stop recording issues after this many (they are still counted). Default 1000. */
  maxIssues?: number;
  onProgress?: (p: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  mode: 'full' | 'incremental';
  origin: string;
  /** Entries in the ledger (max seq + 1). */
  size: number;
  /** Root of the first `size` leaves as recomputed, hex. */
  root: string;
  /** Size of the latest stored checkpoint that verified, 0 if none. */
  signedSize: number;
  checked: {
    entries: number;
    payloads: number;
    redactions: number;
    actorSignatures: number;
    nodes: number;
    checkpoints: number;
  };
  trusted?: { size: number; root: string; extended: boolean };
  issues: VerifyIssue[];
  /** Total issues found, including those beyond maxIssues. */
  issueCount: number;
  durationMs: number;
}

/** Throws VERIFICATION_FAILED carrying the report when it is not ok. */
export function assertReport(report: VerifyReport): VerifyReport {
  if (!report.ok) {
    const first = report.issues[0];
    throw new LedgerError(
      'VERIFICATION_FAILED',
      `ledger verification failed with ${report.issueCount} issue(s)${first ? `; first: ${first.code}: ${first.message}` : ''}`,
      { report },
    );
  }
  return report;
}

const PROGRESS_EVERY = 65_536;
const PARALLEL_THRESHOLD = 65_536;

/** A case's latest step; the leaf hash as a 32-character byte string (~50 bytes, not ~200 for a Uint8Array). */
interface CaseState {
  step: number;
  leaf: string;
  seq: number;
}

function byteString(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

const ZERO_HASH_STRING = byteString(ZERO_HASH);
/** Cases whose last step verification keeps in memory (~150 bytes each). */
const MAX_TRACKED_CASES = 32_768;

/**
 * One worker beside the calling thread: at 1M entries it verified at ~100k/s
 * against ~76k/s in one thread, with peak RSS 164 MB; two workers reached
 * ~137k/s but ~200–240 MB (docs/performance.md).
 */
function defaultWorkerCount(): number {
  return availableParallelism() > 1 ? 1 : 0;
}

class Issues {
  readonly list: VerifyIssue[] = [];
  count = 0;
  errors = 0;
  constructor(private readonly max: number) {}
  add(issue: Omit<VerifyIssue, 'severity'> & { severity?: 'error' | 'warning' }): void {
    const full: VerifyIssue = { severity: 'error', ...issue };
    this.count++;
    if (full.severity === 'error') this.errors++;
    if (this.list.length < this.max) this.list.push(full);
  }
}

function isSafeNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Verifies a ledger store inside one read snapshot, so that every read sees
 * the same committed state even while other processes append. The caller
 * must not write on this connection until the promise settles.
 */
export async function verifyStore(store: SqliteStore, options: VerifyOptions): Promise<VerifyReport> {
  store.beginRead();
  try {
    return await verifyInSnapshot(store, options);
  } finally {
    store.endRead();
  }
}

async function verifyInSnapshot(store: SqliteStore, options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const verifier = typeof options.vkey === 'string' ? parseVerifierKey(options.vkey.trim()) : options.vkey;
  const origin = verifier.name;
  const mode = options.mode ?? 'full';
  const issues = new Issues(options.maxIssues ?? 1000);
  const checked = { entries: 0, payloads: 0, redactions: 0, actorSignatures: 0, nodes: 0, checkpoints: 0 };
  if (mode !== 'full' && mode !== 'incremental') {
    throw new LedgerError('INVALID_ARGUMENT', 'mode must be "full" or "incremental"');
  }
  if (mode === 'incremental' && options.trusted === undefined) {
    throw new LedgerError('INVALID_ARGUMENT', 'incremental verification needs a trusted checkpoint');
  }

  // Step 1: meta. Nothing here is trusted; it must merely agree with the key.
  const meta = new Map(store.meta().map((r) => [r.key, r.value]));
  if (meta.get('origin') !== origin) {
    issues.add({ code: 'META_MISMATCH', table: 'meta', message: `the file says its origin is ${JSON.stringify(meta.get('origin'))}, the verifier key is for ${JSON.stringify(origin)}` });
  }

  const size = store.size();
  let start = 0;
  let acc = new MerkleAccumulator();
  let prevLeaf: Uint8Array = genesisLink(origin);
  let lastTime = 0;
  let treeBroken = false;
  let signedSize = 0;
  let trusted: Checkpoint | undefined;
  const trustedState = { extended: false };

  // Step 2: the trusted checkpoint, if any.
  if (options.trusted !== undefined) {
    try {
      trusted = openCheckpoint(options.trusted, [verifier]);
      if (trusted.origin !== origin) throw new LedgerError('MALFORMED_CHECKPOINT', `origin ${trusted.origin} is not ${origin}`);
    } catch (e) {
      issues.add({ code: 'TRUSTED_CHECKPOINT_INVALID', table: 'trusted', message: `the trusted checkpoint does not verify under the key: ${(e as Error).message}` });
      return report();
    }
    if (trusted.size > size) {
      issues.add({
        code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER',
        table: 'trusted',
        size: trusted.size,
        message: `the trusted checkpoint covers ${trusted.size} entries but the ledger has only ${size}: the ledger was truncated or rolled back`,
      });
      if (mode === 'incremental') return report();
    }
  }

  // Step 3: where to start, and the Merkle state there.
  if (mode === 'incremental' && trusted !== undefined) {
    const m = trusted.size;
    try {
      const peaks = perfectNodesOf(m).map(({ level, index }) => Uint8Array.from(store.node(level, index)));
      acc = new MerkleAccumulator(m, peaks);
    } catch (e) {
      issues.add({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', size: m, message: `cannot read the tree at the trusted size ${m}: ${(e as Error).message}` });
      return report();
    }
    if (!equalBytes(acc.root(), trusted.root)) {
      issues.add({
        code: 'TRUSTED_CHECKPOINT_MISMATCH',
        table: 'trusted',
        size: m,
        message: `the ledger's tree at size ${m} does not match the trusted checkpoint: history before it was rewritten`,
      });
      return report();
    }
    trustedState.extended = true;
    start = m;
    signedSize = m;
    if (m > 0) {
      const last = authenticatedOldEntry(m - 1, trusted);
      if (last === undefined) return report();
      prevLeaf = last.leaf;
      lastTime = last.entry.time;
    }
  }

  // Step 4: entries, streamed in seq order.
  const cases = new Map<string, CaseState>();
  let casesForgotten = 0;
  const trackedCases = options.trackedCases ?? MAX_TRACKED_CASES;
  if (!Number.isSafeInteger(trackedCases) || trackedCases < 1) throw new LedgerError('INVALID_ARGUMENT', 'trackedCases must be a positive integer');
  const redactedBy = new Map<number, number>();
  const missingPayloads: number[] = [];
  const checkpointRows = openedAhead(store.iterateCheckpoints(mode === 'incremental' ? start + 1 : 0), verifier);
  let nextCheckpoint = checkpointRows.next();
  let expected = start;
  const total = size - start;

  const checkCheckpointsAt = (treeSize: number) => {
    while (!nextCheckpoint.done && typeof nextCheckpoint.value.size === 'number' && nextCheckpoint.value.size <= treeSize) {
      const row = nextCheckpoint.value;
      if (row.size === treeSize) checkCheckpoint(row, treeBroken ? undefined : acc.root());
      else checkCheckpoint(row, undefined, 'no entry boundary at this size was seen');
      nextCheckpoint = checkpointRows.next();
    }
    if (trusted !== undefined && mode === 'full' && trusted.size === treeSize) {
      if (!treeBroken && equalBytes(acc.root(), trusted.root)) trustedState.extended = true;
      else {
        issues.add({
          code: 'TRUSTED_CHECKPOINT_MISMATCH',
          table: 'trusted',
          size: treeSize,
          message: `the ledger's tree at size ${treeSize} does not match the trusted checkpoint: history before it was rewritten`,
        });
      }
    }
  };

  const checkCheckpoint = (row: { size: unknown; root: unknown; note: unknown }, computed: Uint8Array | undefined, why?: string) => {
    checked.checkpoints++;
    const at = { table: 'checkpoints' as const, ...(isSafeNat(row.size) ? { size: row.size } : {}) };
    if (!isSafeNat(row.size) || !isBytes(row.root, 32) || typeof row.note !== 'string') {
      issues.add({ code: 'ROW_INVALID', ...at, message: 'a checkpoints row has a wrong column type' });
      return;
    }
    let cp: Checkpoint;
    try {
      const pre = (row as { opened?: Checkpoint | Error }).opened;
      if (pre instanceof Error) throw pre;
      cp = pre ?? openCheckpoint(row.note, [verifier]);
    } catch (e) {
      issues.add({ code: 'CHECKPOINT_INVALID', ...at, message: `stored checkpoint of size ${row.size} does not verify: ${(e as Error).message}` });
      return;
    }
    if (cp.origin !== origin || cp.size !== row.size || !equalBytes(cp.root, row.root)) {
      issues.add({ code: 'CHECKPOINT_INVALID', ...at, message: `stored checkpoint of size ${row.size} disagrees with its row (origin, size or root)` });
      return;
    }
    if (row.size > size) {
      issues.add({
        code: 'CHECKPOINT_BEYOND_LEDGER',
        ...at,
        message: `a validly signed checkpoint covers ${row.size} entries but the ledger has ${size}: entries were removed`,
      });
      return;
    }
    if (computed === undefined) {
      issues.add({ code: 'CHECKPOINT_ROOT_MISMATCH', ...at, message: `cannot recompute the root of size ${row.size}${why ? `: ${why}` : ': the tree before it is broken'}` });
      return;
    }
    if (!equalBytes(cp.root, computed)) {
      issues.add({ code: 'CHECKPOINT_ROOT_MISMATCH', ...at, message: `the signed root of size ${row.size} is not the root of the stored entries` });
      return;
    }
    signedSize = Math.max(signedSize, row.size);
  };

  try {
    if (start === 0) checkCheckpointsAt(0);
    let lastProgress = 0;
    const onResult = (r: LocalResult): void => {
      processLocal(r);
      if (options.onProgress !== undefined && checked.entries - lastProgress >= PROGRESS_EVERY) {
        lastProgress = checked.entries;
        options.onProgress({ phase: 'entries', done: checked.entries, total });
      }
    };
    const workers = options.workers ?? (total >= PARALLEL_THRESHOLD ? defaultWorkerCount() : 0);
    if (!Number.isSafeInteger(workers) || workers < 0 || workers > 64) throw new LedgerError('INVALID_ARGUMENT', 'workers must be an integer from 0 to 64');
    if (workers > 0 && (await checkRowsInWorkers(store, start, size, workers, onResult))) {
      // every row was checked by the workers
    } else {
      for (const row of store.iterateEntries(start, size)) onResult(checkRowLocally(row));
    }
    options.onProgress?.({ phase: 'entries', done: checked.entries, total });
    while (!nextCheckpoint.done) {
      checkCheckpoint(nextCheckpoint.value, undefined, 'beyond the last entry');
      nextCheckpoint = checkpointRows.next();
    }
  } finally {
    checkpointRows.return(undefined);
  }
  if (trusted !== undefined && mode === 'full' && trusted.size > size) trustedState.extended = false;

  // Step 5: redactions and missing payloads.
  for (const seq of missingPayloads) {
    if (redactedBy.has(seq)) continue;
    // A worker reads outside this snapshot: a payload erased by a redaction
    // made after it began is still here. Decide on this snapshot's row.
    const row = store.entry(seq);
    const again = row === undefined ? undefined : checkRowLocally(row);
    if (again !== undefined && again.payload !== 'missing') {
      checked.payloads++;
      for (const i of again.issues) if (i.code === 'PAYLOAD_COMMITMENT_MISMATCH' || i.code === 'ROW_INVALID') issues.add({ ...i, table: 'entries' });
      continue;
    }
    issues.add({ code: 'PAYLOAD_MISSING', table: 'entries', seq, message: `the payload of entry ${seq} is missing and no redaction entry erased it` });
  }
  for (const [seq, by] of redactedBy) {
    const row = store.entry(seq);
    if (row !== undefined && (row.data !== null || row.salt !== null)) {
      issues.add({ code: 'REDACTION_INVALID', table: 'entries', seq, message: `the payload of entry ${seq}, erased by redaction entry ${by}, is present again` });
    }
  }
  for (const r of store.iterateRedactions()) {
    if (!isSafeNat(r.seq) || !isSafeNat(r.by_seq)) {
      issues.add({ code: 'ROW_INVALID', table: 'redactions', message: 'a redactions row has a wrong column type' });
      continue;
    }
    if (mode === 'incremental' && r.by_seq < start) continue;
    checked.redactions++;
    if (redactedBy.get(r.seq) !== r.by_seq) {
      issues.add({ code: 'REDACTION_INVALID', table: 'redactions', seq: r.seq, message: `redactions row for entry ${r.seq} is not backed by redaction entry ${r.by_seq}` });
    }
    redactedBy.delete(r.seq);
  }
  for (const [seq, by] of redactedBy) {
    issues.add({ code: 'REDACTION_INVALID', table: 'redactions', seq, message: `redaction entry ${by} erased entry ${seq} but the redactions table does not record it` });
  }

  if (!treeBroken && signedSize < size) {
    const allow = options.allowUnsignedTail === true;
    issues.add({
      code: 'UNSIGNED_TAIL',
      severity: allow ? 'warning' : 'error',
      table: 'checkpoints',
      seq: signedSize,
      message: `entries ${signedSize} to ${size - 1} are not covered by any valid checkpoint: nothing proves the key holder wrote them`,
    });
  }
  return report();

  // ---- per-entry checks ----------------------------------------------------

  /** The ordered checks of one row, given its single-row results (verify-local.ts). */
  function processLocal(r: LocalResult): void {
    const seq = r.seq;
    if (seq !== expected) {
      issues.add({ code: 'SEQ_GAP', table: 'entries', seq: expected, message: `entries ${expected} to ${seq - 1} are missing` });
      treeBroken = true;
      expected = seq;
    }
    expected++;
    checked.entries++;
    checked.actorSignatures += r.actorSignatures;
    for (const i of r.issues) issues.add({ ...i, table: 'entries' });
    const e = r.entry;
    if (r.leaf !== undefined && e !== undefined) {
      if (!equalBytes(e.prev, prevLeaf)) {
        issues.add({ code: 'PREV_MISMATCH', table: 'entries', seq, message: `entry ${seq} does not link to the leaf hash of entry ${seq - 1}${seq === 0 ? ' (the genesis link of this origin)' : ''}` });
      }
      if (e.time < lastTime) issues.add({ code: 'TIME_ORDER', table: 'entries', seq, message: `entry ${seq} is earlier (${e.time}) than entry ${seq - 1} (${lastTime})` });
      lastTime = Math.max(lastTime, e.time);
      checkCaseChain(seq, e, r.leaf);
      if (r.payload === 'missing') missingPayloads.push(seq);
      else if (r.payload === 'ok') checked.payloads++;
      if (r.redacts !== undefined) checkRedactionTarget(seq, e.caseId, r.redacts);
    }
    if (r.leaf === undefined) {
      treeBroken = true;
    } else {
      prevLeaf = Uint8Array.from(r.leaf);
      if (!treeBroken) checkNodes(seq, r.nodes, acc.push(r.leaf));
    }
    checkCheckpointsAt(seq + 1);
  }

  /** The row's `nodes` must be exactly the nodes its leaf completes (format.md §7). */
  function checkNodes(seq: number, stored: Uint8Array | undefined, completed: readonly { level: number; index: number; hash: Uint8Array }[]): void {
    checked.nodes += completed.length;
    if (!isBytes(stored) || stored.length !== completed.length * 32) {
      const have = isBytes(stored) ? stored.length / 32 : 0;
      const level = Math.min(have, completed.length) + 1;
      issues.add({
        code: have < completed.length ? 'NODE_MISSING' : 'NODE_EXTRA',
        table: 'entries',
        seq,
        level,
        message: `entry ${seq} should carry ${completed.length} Merkle node(s), its row holds ${isBytes(stored) ? `${stored.length} bytes` : 'no blob'}`,
      });
      return;
    }
    for (const n of completed) {
      if (!equalBytes(stored.subarray((n.level - 1) * 32, n.level * 32), n.hash)) {
        issues.add({ code: 'NODE_MISMATCH', table: 'entries', seq, level: n.level, index: n.index, message: `node (${n.level}, ${n.index}) stored with entry ${seq} is not the hash of its children` });
      }
    }
  }

  function checkCaseChain(seq: number, e: LocalEntry, leaf: Uint8Array): void {
    let prior = cases.get(e.caseId);
    if (prior === undefined && e.step > 1) prior = priorCaseStep(seq, e);
    const expectedStep = prior === undefined ? 1 : prior.step + 1;
    if (e.step !== expectedStep) {
      issues.add({ code: 'CASE_STEP_MISMATCH', table: 'entries', seq, message: `entry ${seq} is step ${e.step} of case ${JSON.stringify(e.caseId)}, expected step ${expectedStep}` });
    }
    const expectedPrev = prior === undefined ? ZERO_HASH_STRING : prior.leaf;
    if (byteString(e.casePrev) !== expectedPrev) {
      issues.add({ code: 'CASE_CHAIN_BROKEN', table: 'entries', seq, message: `entry ${seq} does not link to the previous step of case ${JSON.stringify(e.caseId)}` });
    }
    // Least recently continued cases are forgotten beyond MAX_TRACKED_CASES,
    // so memory does not grow with the number of cases in the ledger.
    cases.delete(e.caseId);
    cases.set(e.caseId, { step: e.step, leaf: byteString(leaf), seq });
    if (cases.size > trackedCases) {
      cases.delete(cases.keys().next().value!);
      casesForgotten++;
    }
  }

  /**
   * The case's previous step when it is not in `cases`: before the trusted
   * size (incremental mode), read and proven against the trusted tree; after
   * it, already scanned but forgotten, so read again by the case index and
   * its leaf hash recomputed from the same bytes the scan hashed.
   */
  function priorCaseStep(seq: number, e: LocalEntry): CaseState | undefined {
    const row = store.caseStep(e.caseId, e.step - 1);
    if (row === undefined || !isSafeNat(row.seq) || row.seq >= seq) return undefined;
    if (row.seq < start) {
      if (mode !== 'incremental' || trusted === undefined) return undefined;
      const old = authenticatedOldEntry(row.seq, trusted);
      if (old === undefined || old.entry.caseId !== e.caseId || old.entry.step !== e.step - 1) return undefined;
      return { step: old.entry.step, leaf: byteString(old.leaf), seq: row.seq };
    }
    if (casesForgotten === 0 || !isBytes(row.bytes)) return undefined;
    try {
      const again = decodeEntry(row.bytes);
      if (again.caseId !== e.caseId || again.step !== e.step - 1 || again.seq !== row.seq) return undefined;
      return { step: again.step, leaf: byteString(leafHash(row.bytes)), seq: row.seq };
    } catch {
      return undefined;
    }
  }

  /** A redaction record must name an earlier, non-redaction entry of its case by its leaf hash, once. */
  function checkRedactionTarget(seq: number, caseId: string, target: { seq: number; leaf: Uint8Array }): void {
    const t = target.seq < seq ? store.entry(target.seq) : undefined;
    let ok = t !== undefined && isBytes(t.bytes) && equalBytes(leafHash(t.bytes), target.leaf);
    if (ok) {
      try {
        const te = decodeEntry(t!.bytes);
        ok = te.type !== REDACTION_TYPE && te.caseId === caseId;
      } catch {
        ok = false;
      }
    }
    if (!ok || redactedBy.has(target.seq)) {
      issues.add({ code: 'REDACTION_INVALID', table: 'entries', seq, message: `redaction entry ${seq} does not name an earlier entry of its case by its leaf hash, or repeats a redaction` });
      return;
    }
    redactedBy.set(target.seq, seq);
  }

  /**
   * Reads entry seq (< trusted size), recomputes its leaf hash and proves it
   * is leaf seq of the trusted tree (O(log n) reads).
   */
  function authenticatedOldEntry(seq: number, cp: Checkpoint): { leaf: Uint8Array; entry: Entry } | undefined {
    try {
      const row = store.entry(seq);
      if (row === undefined || !isBytes(row.bytes)) throw new Error(`entry ${seq} is missing`);
      const leaf = leafHash(row.bytes);
      const proof = inclusionProof(store, seq, cp.size);
      if (!verifyInclusion(leaf, seq, cp.size, proof, cp.root)) throw new Error(`entry ${seq} is not leaf ${seq} of the trusted tree`);
      return { leaf, entry: decodeEntry(row.bytes) };
    } catch (e) {
      issues.add({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'entries', seq, message: `entry ${seq} before the trusted checkpoint cannot be authenticated: ${(e as Error).message}` });
      return undefined;
    }
  }

  function report(): VerifyReport {
    const r: VerifyReport = {
      ok: issues.errors === 0,
      mode,
      origin,
      size,
      root: toHex(acc.size === size && !treeBroken ? acc.root() : new Uint8Array(0)),
      signedSize,
      checked,
      issues: issues.list,
      issueCount: issues.count,
      durationMs: Date.now() - started,
    };
    if (trusted !== undefined) r.trusted = { size: trusted.size, root: toHex(trusted.root), extended: trustedState.extended && issues.errors === 0 };
    return r;
  }
}

/**
 * Opens stored checkpoint notes CHECKPOINT_BATCH at a time, ahead of the entry
 * scan that consumes them: verifying the Ed25519 signatures in a tight loop
 * keeps OpenSSL's tables in cache (interleaved with the scan, each
 * verification took 1–1.6 ms instead of 0.1 ms). Memory stays bounded.
 */
function* openedAhead<R extends { note: unknown }>(rows: Iterator<R>, verifier: NoteVerifier): Generator<R & { opened?: Checkpoint | Error }> {
  try {
    for (;;) {
      const batch: Array<R & { opened?: Checkpoint | Error }> = [];
      for (let r = rows.next(); !r.done; r = rows.next()) {
        batch.push(r.value);
        if (batch.length === CHECKPOINT_BATCH) break;
      }
      for (const row of batch) {
        if (typeof row.note !== 'string') continue;
        try {
          row.opened = openCheckpoint(row.note, [verifier]);
        } catch (e) {
          row.opened = e instanceof Error ? e : new Error(String(e));
        }
      }
      yield* batch;
      if (batch.length < CHECKPOINT_BATCH) return;
    }
  } finally {
    rows.return?.(undefined);
  }
}

const CHECKPOINT_BATCH = 256;
