/**
 * The entry scan of verification (format.md §8 items 1–10): every row in
 * seq order gets the single-row checks (checks/row.ts, in worker threads on
 * large ledgers) and then, in this thread, the ordered checks — no gap, the
 * global and per-case links, redaction targets, the stored Merkle nodes —
 * and every stored checkpoint is checked when the scan reaches its size.
 */
import { availableParallelism } from 'node:os';
import {
  caseLinkFinding,
  checkEntryRow,
  decodeEntry,
  globalLinkFindings,
  versionOrderFinding,
  isBytes,
  leafHash,
  storedNodesFindings,
  type CaseTail,
  type RowEntry,
  type RowFacts,
} from '@casetrail/verify';
import type { VerifyState } from './state.js';
import { authenticatedOldEntry, CheckpointCursor, checkRedactionRecord, checkSystemEntries } from './steps.js';
import { checkRowsInWorkers } from './workers.js';

const PROGRESS_EVERY = 65_536;
/** Below this many entries, workers do not pay for their start. */
const PARALLEL_THRESHOLD = 65_536;
/** System entries collected before they are checked against their validators. */
const SYSTEM_BATCH = 1024;
/**
 * Rows with edited index columns whose nonce is looked up by its bytes
 * (file-checks.ts): beyond this many, verification has failed on their
 * INDEX_MISMATCH already, and a replay among them is named by that code.
 */
const MAX_NONCE_SUSPECTS = 65_536;

/**
 * Two workers beside the calling thread on a machine with more than one
 * core: the single-row checks are the expensive part, and the calling
 * thread's ordered checks keep it busy. At 1M entries on the 2-core
 * machine of docs/performance.md two workers verified 1.2× faster than one
 * and 1.7× faster than none, with peak RSS under 180 MB.
 */
function defaultWorkerCount(): number {
  return availableParallelism() > 1 ? 2 : 0;
}

/** Scans entries [start, size), then the checkpoints beyond the last entry. */
export async function scanEntries(s: VerifyState): Promise<void> {
  // Rows, not the seq range: a row with a huge seq must not make work of the empty range before it.
  const total = s.view.entryCount(s.start, s.size);
  const cursor = new CheckpointCursor(s);
  s.expected = s.start;
  try {
    // The stored checkpoint of the start size (0, or the trusted size: its tree is the trusted one).
    cursor.checkUpTo(s.start);
    let lastProgress = 0;
    const onRow = (r: RowFacts): void => {
      checkOrdered(s, r, cursor);
      if (s.options.onProgress !== undefined && s.checked.entries - lastProgress >= PROGRESS_EVERY) {
        lastProgress = s.checked.entries;
        s.options.onProgress({ phase: 'entries', done: s.checked.entries, total });
      }
    };
    const workers = s.options.workers ?? (total >= PARALLEL_THRESHOLD ? defaultWorkerCount() : 0);
    // Workers take seq ranges: only for rows without gaps (a gap is a SEQ_GAP, found as well in one thread).
    const dense = total === s.size - s.start;
    if (!(workers > 0 && dense && s.store.shareable && (await checkRowsInWorkers(s.store.location, s.origin, s.start, s.size, workers, onRow)))) {
      for (const row of s.view.entries(s.start, s.size)) onRow(checkEntryRow(row, s.origin));
    }
    s.options.onProgress?.({ phase: 'entries', done: s.checked.entries, total });
    cursor.checkRest();
  } finally {
    cursor.close();
  }
  if (s.trusted !== undefined && s.mode === 'full' && s.trusted.size > s.size) s.trustedExtended = false;
}

const where = { table: 'entries' as const };

/** The ordered checks of one row, given its single-row facts. */
function checkOrdered(s: VerifyState, r: RowFacts, cursor: CheckpointCursor): void {
  const seq = r.seq;
  if (seq !== s.expected) {
    s.issues.add({ ...where, code: 'SEQ_GAP', seq: s.expected, message: `entries ${s.expected} to ${seq - 1} are missing` });
    s.treeBroken = true;
    s.expected = seq;
  }
  s.expected++;
  s.checked.entries++;
  s.checked.actorSignatures += r.actorSignatures;
  s.issues.addAll(r.issues, where);
  const e = r.entry;
  if (r.leaf !== undefined && e !== undefined) {
    s.issues.addAll(globalLinkFindings(seq, e, s.prevLeaf, s.lastTime), where);
    s.lastTime = Math.max(s.lastTime, e.time);
    const downgrade = versionOrderFinding(seq, e.v, s.version);
    if (downgrade !== undefined) s.issues.add({ ...where, ...downgrade });
    s.version = Math.max(s.version, e.v);
    const link = caseLinkFinding(seq, e, priorStep(s, seq, e));
    if (link !== undefined) s.issues.add({ ...where, ...link });
    s.cases.set(e.caseId, e.step, r.leaf, seq);
    if (r.payload === 'missing') s.missingPayloads.push(seq);
    else if (r.payload === 'ok') s.checked.payloads++;
    if (r.redacts !== undefined) checkRedactionRecord(s, seq, r.redacts.seq);
    if (r.systemType !== undefined) checkSystemType(s, seq, r.systemType, r.payload);
    if (e.v === 2 && s.nonceSuspects.length < MAX_NONCE_SUSPECTS && r.issues.some((i) => i.code === 'INDEX_MISMATCH')) s.nonceSuspects.push(seq);
  }
  if (r.leaf === undefined) {
    s.treeBroken = true;
  } else {
    // Copied into the state's own array: a worker's result is reused for the next row.
    s.prevLeaf.set(r.leaf);
    if (!s.treeBroken) {
      const completed = s.acc.push(r.leaf);
      s.checked.nodes += completed.length;
      s.issues.addAll(storedNodesFindings(seq, r.nodes, completed), where);
    }
  }
  cursor.checkUpTo(seq + 1);
}

/**
 * A system entry (format.md §4.1) is judged by its type's validator: queued
 * for it when its payload is there; a reserved type no validator was given
 * for is reported (SYSTEM_TYPE_UNKNOWN), never accepted silently.
 */
function checkSystemType(s: VerifyState, seq: number, type: string, payload: RowFacts['payload']): void {
  if (s.systemTypes === undefined || !Object.hasOwn(s.systemTypes, type)) {
    s.issues.add({
      ...where,
      code: 'SYSTEM_TYPE_UNKNOWN',
      seq,
      message: `entry ${seq} is a system entry of type ${JSON.stringify(type)}, whose rules verification was not given: pass the validators of the layer that writes it (systemTypes)`,
    });
    return;
  }
  if (payload !== 'ok') return;
  s.systemEntries.push(seq);
  if (s.systemEntries.length >= SYSTEM_BATCH) checkSystemEntries(s);
}

/**
 * The case's previous step: its latest step before `seq`. Usually
 * remembered; when it is not (a case continued after being forgotten, or
 * one that started before the trusted size in incremental mode) it is read
 * again through the case index and its leaf hash recomputed from its bytes
 * — before the trusted size it is also proven to be that leaf of the trusted
 * tree. The step the entry names is looked up first: an entry that repeats
 * a step names an earlier one as its predecessor, and only an earlier row
 * holding its own step number shows the case is already past it.
 */
function priorStep(s: VerifyState, seq: number, e: RowEntry): CaseTail | undefined {
  const known = s.cases.get(e.caseId);
  if (known !== undefined) return known;
  // A full scan that forgot nothing has seen every earlier step: the case is new.
  if (s.start === 0 && s.cases.forgotten === 0) return undefined;
  return earlierStep(s, seq, e.caseId, e.step) ?? (e.step > 1 ? earlierStep(s, seq, e.caseId, e.step - 1) : undefined);
}

/** Step `step` of the case, read again through the case index, when it is an entry before `seq` whose bytes (or, before the trusted size, proof) confirm it. */
function earlierStep(s: VerifyState, seq: number, caseId: string, step: number): CaseTail | undefined {
  const row = s.view.caseStep(caseId, step);
  if (row === undefined || typeof row.seq !== 'number' || !Number.isSafeInteger(row.seq) || row.seq < 0 || row.seq >= seq) return undefined;
  if (row.seq < s.start) {
    if (s.mode !== 'incremental' || s.trusted === undefined) return undefined;
    const old = authenticatedOldEntry(s, row.seq);
    if (old === undefined || old.entry.caseId !== caseId || old.entry.step !== step) return undefined;
    return { step: old.entry.step, leaf: old.leaf, seq: row.seq };
  }
  if (s.cases.forgotten === 0 || !isBytes(row.bytes)) return undefined;
  try {
    const again = decodeEntry(row.bytes);
    if (again.caseId !== caseId || again.step !== step || again.seq !== row.seq) return undefined;
    return { step: again.step, leaf: leafHash(row.bytes), seq: row.seq };
  } catch {
    return undefined;
  }
}
