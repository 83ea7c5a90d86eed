/**
 * Evidence for someone without the ledger (format.md §9): an evidence bundle
 * (§9.3, streamed), a c2sp.org/tlog-proof file of one entry (§9.1), and a
 * c2sp.org/tlog-witness add-checkpoint body (§9.2). Each is made against a
 * signed checkpoint the ledger stores, so that it checks with the verifier
 * key alone. These functions read through the Ledger's public reads only
 * (the {@link EvidenceSource} below); `Ledger` exposes them as methods.
 *
 * Policy: evidence carries nothing false. A stored checkpoint's size, root
 * and origin are read from its signed note, never from its row's columns (a
 * row that disagrees with its note is refused); every entry put into evidence
 * is checked against its bytes first, as reads check it (with a case,
 * against its case's chain too, as trace does), and one that does not check
 * stops the evidence with the code of its first issue — nothing is handed
 * out half-written for the caller to keep.
 */
import {
  ENTRY_ISSUE_CODES,
  LedgerError,
  REDACTION_TYPE,
  type ErrorCode,
  checkBoolean,
  checkFunction,
  checkNat,
  checkObject,
  checkString,
  checkTime,
  equalBytes,
  formatBundleEntry,
  formatBundleHeader,
  formatBundleTrailer,
  formatTlogProof,
  formatWitnessBody,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseRedactionPayload,
  parseVerifierKey,
  verifyWitnessBody,
  type BundleEntry,
  type BundleFilter,
  type NoteVerifier,
} from '@casetrail/verify';
import type { ConsistencyProof, InclusionProof, LedgerEntry, QueryOptions, SignedCheckpoint, Trace } from './types.js';

/** The reads evidence is made from (the Ledger's public methods). */
export interface EvidenceSource {
  readonly origin: string;
  size(): Promise<number>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  checkpointAt(size: number): Promise<SignedCheckpoint | undefined>;
  get(seq: number): Promise<LedgerEntry>;
  stream(options?: Omit<QueryOptions, 'limit'>): AsyncGenerator<LedgerEntry>;
  trace(caseId: string): Promise<Trace>;
  proveInclusion(seq: number, treeSize?: number): Promise<InclusionProof>;
  proveConsistency(oldSize: number, newSize?: number): Promise<ConsistencyProof>;
}

/** Where a bundle goes: called with each line in order; a returned promise is awaited (back-pressure). */
export type BundleWriter = (line: string) => void | Promise<void>;

/** Which entries a bundle holds, and how. */
export interface BundleExportOptions {
  /** Only this case. */
  caseId?: string;
  /** Only entries with time ≥ since (ms since 1970). */
  since?: number;
  /** Only entries with time < until (ms since 1970). */
  until?: number;
  /** Include payloads and salts (default true); false writes entries and proofs only. */
  payloads?: boolean;
  /** The header's informational `created` time; default now (ISO 8601), null to leave it out. */
  created?: string | null;
  /** Called after each entry line with the number written so far. */
  onProgress?: (entries: number) => void;
}

/** What {@link exportBundle} wrote. */
export interface BundleExport {
  /** Entry lines written. */
  entries: number;
  payloads: boolean;
  /** The signed checkpoint every proof in the bundle leads to (the latest stored one). */
  checkpoint: SignedCheckpoint;
  filter: BundleFilter;
  /** Entries matching the filter after that checkpoint: left out, since nothing signed proves them yet. */
  unsigned: number;
}

/** A tlog-proof file and what it proves. */
export interface TlogProofFile extends InclusionProof {
  /** The file (c2sp.org/tlog-proof@v1), its `extra` line holding the entry bytes. */
  text: string;
  /** The signed checkpoint embedded in it. */
  checkpoint: SignedCheckpoint;
}

/** An add-checkpoint request body and what it proves. */
export interface WitnessBodyFile {
  /** The body (c2sp.org/tlog-witness add-checkpoint), to POST as it is. */
  body: string;
  oldSize: number;
  newSize: number;
  /** The ledger's root at oldSize; undefined when oldSize is 0. */
  oldRoot: Uint8Array | undefined;
  newRoot: Uint8Array;
  /** RFC 9162 consistency proof from oldSize to newSize (empty from 0). */
  proof: Uint8Array[];
  /** The new signed checkpoint the body carries. */
  checkpoint: SignedCheckpoint;
  /** Whether `from` was a checkpoint note whose signature was checked (with `vkey`). */
  fromChecked: boolean;
}

function noCheckpoint(): LedgerError {
  return new LedgerError('NO_CHECKPOINT', 'the ledger has no signed checkpoint yet to prove entries against');
}

function rootMismatch(size: number): LedgerError {
  return new LedgerError('CHECKPOINT_ROOT_MISMATCH', `the ledger's tree of size ${size} does not match its own signed checkpoint of that size: the ledger was changed (run verify)`, { size });
}

/**
 * A stored checkpoint as evidence uses it: its origin, size and root read
 * from the signed note itself, never from the row's columns. (Its signature
 * is checked by verify, which has the verifier key; evidence carries the
 * note, which the receiver checks.)
 * @returns the checkpoint with every field from its note
 * @throws LedgerError CHECKPOINT_INVALID when the note does not parse as a
 *   checkpoint or the row's columns disagree with it (`details.size`)
 */
export function checkedCheckpoint(cp: SignedCheckpoint): SignedCheckpoint {
  let body;
  try {
    body = parseCheckpoint(parseNote(cp.note).text);
  } catch (e) {
    throw new LedgerError('CHECKPOINT_INVALID', `the stored checkpoint of size ${cp.size} is not a checkpoint note (${(e as Error).message}): run verify`, { size: cp.size });
  }
  if (body.size !== cp.size || !equalBytes(body.root, cp.root) || body.origin !== cp.origin) {
    throw new LedgerError('CHECKPOINT_INVALID', `the stored checkpoint row of size ${cp.size} does not match its own note (size ${body.size}): run verify`, { size: cp.size });
  }
  return { ...cp, origin: body.origin, size: body.size, root: body.root };
}

/** The checkpoint of `size`, or the latest, every field from its note. */
async function checkpointOf(src: EvidenceSource, size: number | undefined, name: string): Promise<SignedCheckpoint> {
  if (size === undefined) return checkedCheckpoint((await src.latestCheckpoint()) ?? fail(noCheckpoint()));
  checkNat(size, name);
  const cp = await src.checkpointAt(size);
  if (cp === undefined) throw new LedgerError('NOT_FOUND', `there is no signed checkpoint of size ${size}`, { checkpointSize: size });
  return checkedCheckpoint(cp);
}

/**
 * Refuses an entry that does not check (an issue of severity error, as the
 * reads mark it): evidence must carry nothing false.
 * @throws LedgerError with the code of its first issue (`details.seq`, `details.issues`)
 */
function refuseUnchecked(e: LedgerEntry, what: string): void {
  const first = e.issues.find((i) => i.severity === 'error');
  if (first === undefined) return;
  // Every error a read marks an entry with is one of these; another code would mean a new read check, still exit 1.
  const code: ErrorCode = (ENTRY_ISSUE_CODES as readonly string[]).includes(first.code) || first.code === 'PAYLOAD_MISSING' ? (first.code as ErrorCode) : 'VERIFICATION_FAILED';
  throw new LedgerError(code, `entry ${e.seq} does not match its stored bytes or its chain (${first.code}: ${first.message}); ${what}: run verify`, {
    seq: e.seq,
    issues: e.issues.map((i) => ({ ...i })),
  });
}

function fail(e: LedgerError): never {
  throw e;
}

/**
 * Writes an evidence bundle (format.md §9.3) of the entries matching the
 * filter, against the latest signed checkpoint, line by line: memory does
 * not grow with the ledger (with `caseId`, with the case, which is checked
 * as trace checks it). Every entry is checked before its line is written;
 * the caller discards what was written when this throws.
 * @throws NO_CHECKPOINT; CHECKPOINT_INVALID (the checkpoint's row disagrees
 *   with its note); the code of an entry's first issue when it does not
 *   check (INDEX_MISMATCH, LEAF_HASH_MISMATCH, PAYLOAD_MISSING — a payload
 *   gone without a redaction —, REDACTION_INVALID — an erased payload
 *   present again —, CASE_CHAIN_BROKEN, …: run verify); UNSIGNED_REDACTION
 *   (a payload erased by a redaction no checkpoint covers yet);
 *   INVALID_ARGUMENT; what `write` throws
 */
export async function exportBundle(src: EvidenceSource, write: BundleWriter, options: BundleExportOptions = {}): Promise<BundleExport> {
  checkFunction(write, 'write');
  checkObject(options, 'options');
  const { caseId, since, until, onProgress } = options;
  if (caseId !== undefined) checkString(caseId, 'caseId', 1);
  if (since !== undefined) checkTime(since, 'since');
  if (until !== undefined) checkTime(until, 'until');
  const payloads = options.payloads ?? true;
  checkBoolean(payloads, 'payloads');
  if (onProgress !== undefined) checkFunction(onProgress, 'onProgress');
  const created = options.created === undefined ? new Date().toISOString() : options.created;
  if (created !== null) checkString(created, 'created');
  const filter: BundleFilter = {};
  if (caseId !== undefined) filter.case = caseId;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;

  const cp = await checkpointOf(src, undefined, 'size');
  await write(formatBundleHeader({ origin: src.origin, checkpoint: cp.note, payloads, filter, ...(created === null ? {} : { created }) }));
  let entries = 0;
  let unsigned = 0;
  const query = { ...(caseId === undefined ? {} : { caseId }), ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
  for await (const e of selected(src, query)) {
    if (e.seq >= cp.size) {
      unsigned++;
      continue;
    }
    refuseUnchecked(e, 'nothing was exported');
    await refuseRestoredTarget(src, e);
    const line: BundleEntry = { seq: e.seq, entry: e.bytes, proof: (await src.proveInclusion(e.seq, cp.size)).proof };
    if (payloads) {
      if (e.payloadState === 'present') {
        line.payload = e.payload!;
        line.salt = e.salt!;
      } else {
        line.redaction = await redactionOf(src, e, cp.size);
      }
    }
    await write(formatBundleEntry(line));
    entries++;
    onProgress?.(entries);
  }
  await write(formatBundleTrailer(entries));
  return { entries, payloads, checkpoint: cp, filter, unsigned };
}

/**
 * The entries to export, in seq order. With a case, the case is checked as
 * trace checks it (every step against its bytes, the per-case chain) and
 * the time range is applied to the decoded times; otherwise the rows of the
 * filter, each checked as read.
 */
async function* selected(src: EvidenceSource, q: Omit<QueryOptions, 'limit'>): AsyncGenerator<LedgerEntry> {
  if (q.caseId === undefined) {
    yield* src.stream(q);
    return;
  }
  const t = await src.trace(q.caseId);
  for (const e of t.steps) {
    refuseUnchecked(e, 'nothing was exported');
    const time = e.entry!.time;
    if ((q.since !== undefined && time < q.since) || (q.until !== undefined && time >= q.until)) continue;
    yield e;
  }
}

/**
 * A redaction record exported after the entry it erased: that entry's
 * payload must not be there again (format.md §4.5). Read with get(), which
 * reads the case's records itself, so a payload written back is found even
 * when the `redactions` table lost its row and the entry was exported earlier.
 * @throws LedgerError REDACTION_INVALID
 */
async function refuseRestoredTarget(src: EvidenceSource, e: LedgerEntry): Promise<void> {
  if (e.entry?.type !== REDACTION_TYPE || e.payloadState !== 'present') return;
  let target: number;
  try {
    target = parseRedactionPayload(e.payload!).redacts;
  } catch {
    return;
  }
  if (target >= e.seq) return;
  const t = await src.get(target);
  if (t.payloadState === 'restored') {
    throw new LedgerError('REDACTION_INVALID', `the payload of entry ${target}, erased by redaction entry ${e.seq}, is present again; nothing was exported: run verify`, {
      seq: target,
      redaction: e.seq,
    });
  }
}

/** The redaction entry that erased e's payload, with its payload and proof (format.md §9.3). */
async function redactionOf(src: EvidenceSource, e: LedgerEntry, size: number): Promise<NonNullable<BundleEntry['redaction']>> {
  if (e.payloadState !== 'erased') {
    throw new LedgerError('PAYLOAD_MISSING', `the payload of entry ${e.seq} is ${e.payloadState} and no valid redaction entry erased it: the ledger was tampered with (run verify)`, { seq: e.seq });
  }
  for await (const r of src.stream({ caseId: e.entry!.caseId, type: REDACTION_TYPE, after: e.seq })) {
    if (!r.ok || r.payload === null || r.salt === null) continue;
    let redacts: number;
    try {
      redacts = parseRedactionPayload(r.payload).redacts;
    } catch {
      continue;
    }
    if (redacts !== e.seq) continue;
    if (r.seq >= size) {
      throw new LedgerError('UNSIGNED_REDACTION', `the payload of entry ${e.seq} was erased by entry ${r.seq}, which no checkpoint covers yet: sign a checkpoint and export again`, {
        seq: e.seq,
        redaction: r.seq,
      });
    }
    return { seq: r.seq, entry: r.bytes, proof: (await src.proveInclusion(r.seq, size)).proof, payload: r.payload, salt: r.salt };
  }
  throw new LedgerError('PAYLOAD_MISSING', `the payload of entry ${e.seq} is missing and no redaction entry erased it: the ledger was tampered with (run verify)`, { seq: e.seq });
}

/**
 * The c2sp.org/tlog-proof@v1 file of entry `seq` (format.md §9.1), in the
 * tree of the latest signed checkpoint or of the one of `size`.
 * The proof carries the entry's bytes: they must check and be the tree's
 * leaf, or no proof is made.
 * @throws NO_CHECKPOINT; NOT_FOUND (no checkpoint of that size, or the
 *   entry is not in its tree); CHECKPOINT_INVALID (the checkpoint's row
 *   disagrees with its note); CHECKPOINT_ROOT_MISMATCH (the ledger's tree
 *   disagrees with its own checkpoint); the code of the entry's first issue
 *   when it does not check (LEAF_HASH_MISMATCH, …: run verify)
 */
export async function tlogProof(src: EvidenceSource, seq: number, options: { size?: number } = {}): Promise<TlogProofFile> {
  checkNat(seq, 'seq');
  checkObject(options, 'options');
  const cp = await checkpointOf(src, options.size, 'size');
  if (seq >= cp.size) {
    const size = await src.size();
    throw new LedgerError(
      'NOT_FOUND',
      seq < size ? `entry ${seq} is after the checkpoint of size ${cp.size}: sign a newer checkpoint to prove it` : `there is no entry ${seq}: the ledger has ${size} entries`,
      { seq, treeSize: cp.size, size },
    );
  }
  const entry = await src.get(seq);
  const p = await src.proveInclusion(seq, cp.size);
  if (!equalBytes(p.root, cp.root)) throw rootMismatch(cp.size);
  refuseUnchecked(entry, 'no proof was made');
  if (!equalBytes(p.leafHash, entry.leafHash)) {
    throw new LedgerError('LEAF_HASH_MISMATCH', `the tree's leaf ${seq} is not the hash of the entry's bytes; no proof was made: run verify`, { seq });
  }
  return { ...p, checkpoint: cp, text: formatTlogProof({ index: seq, proof: p.proof, checkpoint: cp.note, extra: entry.bytes }) };
}

/** Options of {@link witnessBody}. */
export interface WitnessBodyOptions {
  /** The size of the new checkpoint (a signed one must exist); default the latest. */
  to?: number;
  /** The ledger's verifier key: checks a `from` note's signature, and the body made. */
  vkey?: string | NoteVerifier;
}

/**
 * The c2sp.org/tlog-witness add-checkpoint body (format.md §9.2) from an
 * earlier checkpoint to a signed one of the ledger.
 * @param from - the earlier checkpoint: its signed note as saved (its root
 *   must be the ledger's root at its size), or a size (0 when the witness
 *   has no checkpoint of this log)
 * @throws NO_CHECKPOINT; NOT_FOUND (no checkpoint of size `to`);
 *   INCONSISTENT (the ledger does not extend `from`); INVALID_ARGUMENT (a
 *   `from` of another origin, or beyond the new checkpoint);
 *   CHECKPOINT_INVALID (the new checkpoint's row disagrees with its note);
 *   CHECKPOINT_ROOT_MISMATCH; the note codes for `from` (MALFORMED_NOTE,
 *   INVALID_SIGNATURE, UNKNOWN_KEY, MALFORMED_CHECKPOINT); MALFORMED_KEY
 */
export async function witnessBody(src: EvidenceSource, from: number | string, options: WitnessBodyOptions = {}): Promise<WitnessBodyFile> {
  checkObject(options, 'options');
  const verifier = options.vkey === undefined ? undefined : typeof options.vkey === 'string' ? parseVerifierKey(options.vkey.trim()) : options.vkey;
  let old: { size: number; root?: Uint8Array };
  if (typeof from === 'number') {
    checkNat(from, 'from');
    old = { size: from };
  } else {
    checkString(from, 'from');
    const cp = verifier !== undefined ? openCheckpoint(from, [verifier]) : parseCheckpoint(parseNote(from).text);
    if (cp.origin !== src.origin) {
      throw new LedgerError('INVALID_ARGUMENT', `the earlier checkpoint is for origin ${JSON.stringify(cp.origin)}, this ledger is ${JSON.stringify(src.origin)}`, { field: 'from' });
    }
    old = { size: cp.size, root: cp.root };
  }
  const current = await src.size();
  if (old.size > current) {
    if (old.root === undefined) throw new LedgerError('INVALID_ARGUMENT', `from ${old.size} is beyond the ledger's ${current} entries`, { field: 'from' });
    throw new LedgerError('INCONSISTENT', `the earlier checkpoint covers ${old.size} entries but the ledger has only ${current}: entries were removed`, { size: old.size });
  }
  const cp = await checkpointOf(src, options.to, 'to');
  if (old.size > cp.size) throw new LedgerError('INVALID_ARGUMENT', `from size ${old.size} is beyond the new checkpoint's size ${cp.size}`, { field: 'from' });
  let proof: Uint8Array[] = [];
  let oldRoot: Uint8Array | undefined;
  if (old.size > 0) {
    const p = await src.proveConsistency(old.size, cp.size);
    if (!equalBytes(p.newRoot, cp.root)) throw rootMismatch(cp.size);
    if (old.root !== undefined && !equalBytes(p.oldRoot, old.root)) {
      throw new LedgerError('INCONSISTENT', `the ledger's tree of size ${old.size} does not match the earlier checkpoint: the history it covered was rewritten`, { size: old.size });
    }
    proof = p.proof;
    oldRoot = p.oldRoot;
  }
  const body = formatWitnessBody({ oldSize: old.size, proof, checkpoint: cp.note });
  if (verifier !== undefined) verifyWitnessBody(body, [verifier], oldRoot === undefined ? undefined : { size: old.size, root: oldRoot });
  return { body, oldSize: old.size, newSize: cp.size, oldRoot, newRoot: cp.root, proof, checkpoint: cp, fromChecked: typeof from === 'string' && verifier !== undefined };
}
