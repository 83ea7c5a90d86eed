/**
 * Evidence bundles (format.md §9.3): a streamable NDJSON file holding entries
 * of one ledger, their payloads, an RFC 9162 inclusion proof for each, and
 * the signed checkpoint they prove against, so that an auditor can check
 * them offline with the ledger's verifier key alone.
 *
 *     {"bundle":"casetrail-bundle/v1","origin":…,"checkpoint":…,"payloads":…,"filter":{…}}   header
 *     {"seq":…,"entry":…,"proof":[…],"payload":…,"salt":…}                                  one per entry
 *     {"end":"casetrail-bundle/v1","entries":n}                                              trailer
 *
 * Verification is streaming: memory grows with the number of distinct cases
 * in the bundle (one chain tail each), never with the number of entries.
 *
 * Limits, enforced before parsing: a line is at most
 * {@link MAX_BUNDLE_LINE_BYTES} (`INPUT_TOO_LARGE`); base64 fields are length
 * checked before decoding; a proof has at most 64 hashes.
 *
 * No Node-only imports: this file also runs in a browser.
 */
import { equalBytes, fromBase64, toBase64, toHex, utf8 } from './bytes.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import {
  HARD_MAX_PAYLOAD,
  MAX_ENTRY_BYTES,
  REDACTION_TYPE,
  decodeEntry,
  entryStatement,
  genesisLink,
  parseRedactionPayload,
  payloadCommitment,
  verifyActorSignature,
  type Entry,
} from './entry.js';
import { LedgerError } from './errors.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { MAX_NOTE_BYTES, parseVerifierKey, type NoteVerifier } from './note.js';

/** The format identifier in the header and trailer lines. */
export const BUNDLE_FORMAT = 'casetrail-bundle/v1';
/** Longest line accepted, in UTF-8 bytes (a 16 MiB payload in base64 fits). */
export const MAX_BUNDLE_LINE_BYTES = 24 * 1024 * 1024;
/** Most hashes in one inclusion proof (a tree of 2^64 leaves). */
const MAX_PROOF_HASHES = 64;
const HASH_LENGTH = 32;

/** Which entries the exporter selected (unauthenticated; checked against the entries). */
export interface BundleFilter {
  /** Only this case. */
  case?: string;
  /** Entries with time ≥ since (ms since epoch). */
  since?: number;
  /** Entries with time < until (ms since epoch). */
  until?: number;
}

/** The first line of a bundle. */
export interface BundleHeader {
  /** The ledger's origin (= its checkpoint key name). */
  origin: string;
  /** The signed checkpoint note every proof leads to, verbatim. */
  checkpoint: string;
  /** Whether entry lines carry payloads and salts. */
  payloads: boolean;
  filter: BundleFilter;
  /** When the bundle was written (ISO 8601); informational. */
  created?: string;
}

/** An entry and its inclusion proof in the checkpoint's tree. */
export interface BundleProvenEntry {
  seq: number;
  /** The entry bytes (deterministic CBOR, format.md §4.1). */
  entry: Uint8Array;
  /** RFC 9162 audit path of leaf `seq` in the tree of the checkpoint. */
  proof: Uint8Array[];
}

/** The redaction entry that erased a payload, with its own payload and proof. */
export interface BundleRedaction extends BundleProvenEntry {
  payload: Uint8Array;
  salt: Uint8Array;
}

/** One entry line. */
export interface BundleEntry extends BundleProvenEntry {
  payload?: Uint8Array;
  salt?: Uint8Array;
  /** Present instead of payload and salt when the payload was erased (format.md §4.5). */
  redaction?: BundleRedaction;
}

/** A parsed bundle line. */
export type BundleLine =
  | { kind: 'header'; header: BundleHeader }
  | { kind: 'entry'; entry: BundleEntry }
  | { kind: 'end'; entries: number };

/** Stable codes of bundle verification issues (docs/format.md §9.3). */
export type BundleIssueCode =
  | 'MALFORMED_BUNDLE'
  | 'INPUT_TOO_LARGE'
  | 'CHECKPOINT_INVALID'
  | 'ENTRY_DECODE'
  | 'SEQ_MISMATCH'
  | 'SEQ_ORDER'
  | 'SEQ_GAP'
  | 'BEYOND_CHECKPOINT'
  | 'PROOF_INVALID'
  | 'PREV_MISMATCH'
  | 'TIME_ORDER'
  | 'FILTER_MISMATCH'
  | 'CASE_STEP_MISMATCH'
  | 'CASE_CHAIN_BROKEN'
  | 'PAYLOAD_COMMITMENT_MISMATCH'
  | 'PAYLOAD_MISSING'
  | 'REDACTION_INVALID'
  | 'ACTOR_SIGNATURE_INVALID'
  | 'TRUNCATED';

export interface BundleIssue {
  code: BundleIssueCode;
  message: string;
  /** 1-based line number in the bundle. */
  line?: number;
  seq?: number;
}

/** The steps of one case found in a bundle. */
export interface BundleCaseSummary {
  caseId: string;
  firstStep: number;
  lastStep: number;
  firstSeq: number;
  lastSeq: number;
  steps: number;
}

export interface BundleReport {
  ok: boolean;
  /** The origin of the verifier key. */
  origin: string;
  /** The checkpoint the proofs lead to, once it verified. */
  checkpoint?: { size: number; root: string };
  payloads?: boolean;
  filter?: BundleFilter;
  created?: string;
  entries: number;
  checked: { proofs: number; payloads: number; redactions: number; actorSignatures: number };
  /** Entries exported without payload (`payloads: false`). */
  withheld: number;
  /** Erased payloads, each backed by a proven redaction entry. */
  redacted: number;
  /**
   * For a bundle without a filter: true when it holds every entry of the
   * checkpoint's tree, so nothing was left out. Undefined for filtered bundles.
   */
  complete?: boolean;
  /** One summary per case, in order of first appearance. */
  cases: BundleCaseSummary[];
  issues: BundleIssue[];
  /** Total issues, including those beyond maxIssues. */
  issueCount: number;
}

export interface BundleVerifyOptions {
  /** Stop recording issues after this many (they are still counted). Default 1000. */
  maxIssues?: number;
}

function malformed(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_BUNDLE', message, {}, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------
// Writing

function checkBytes(name: string, v: unknown, length?: number): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array) || (length !== undefined && v.length !== length)) {
    throw new LedgerError('INVALID_ARGUMENT', `${name}: expected ${length === undefined ? 'a Uint8Array' : `${length} bytes`}`);
  }
}

function checkSeq(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new LedgerError('INVALID_ARGUMENT', `${name}: expected an integer from 0 to 2^53 - 1`);
}

function provenJson(name: string, r: BundleProvenEntry): { seq: number; entry: string; proof: string[] } {
  checkSeq(`${name}.seq`, r.seq);
  checkBytes(`${name}.entry`, r.entry);
  if (r.entry.length > MAX_ENTRY_BYTES) throw new LedgerError('INVALID_ARGUMENT', `${name}.entry: longer than ${MAX_ENTRY_BYTES} bytes`);
  if (!Array.isArray(r.proof) || r.proof.length > MAX_PROOF_HASHES) throw new LedgerError('INVALID_ARGUMENT', `${name}.proof: at most ${MAX_PROOF_HASHES} hashes`);
  for (const h of r.proof) checkBytes(`${name}.proof[]`, h, HASH_LENGTH);
  return { seq: r.seq, entry: toBase64(r.entry), proof: r.proof.map(toBase64) };
}

/**
 * The header line of a bundle, with its newline.
 * @throws LedgerError INVALID_ARGUMENT naming the bad field
 */
export function formatBundleHeader(h: BundleHeader): string {
  if (h === null || typeof h !== 'object') throw new LedgerError('INVALID_ARGUMENT', 'header: expected an object');
  if (typeof h.origin !== 'string' || h.origin.length === 0) throw new LedgerError('INVALID_ARGUMENT', 'origin: expected a non-empty string');
  if (typeof h.checkpoint !== 'string' || !h.checkpoint.endsWith('\n')) throw new LedgerError('INVALID_ARGUMENT', 'checkpoint: expected a signed note');
  if (typeof h.payloads !== 'boolean') throw new LedgerError('INVALID_ARGUMENT', 'payloads: expected a boolean');
  const filter: BundleFilter = {};
  const f = h.filter ?? {};
  if (f.case !== undefined) {
    if (typeof f.case !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'filter.case: expected a string');
    filter.case = f.case;
  }
  if (f.since !== undefined) {
    checkSeq('filter.since', f.since);
    filter.since = f.since;
  }
  if (f.until !== undefined) {
    checkSeq('filter.until', f.until);
    filter.until = f.until;
  }
  const out: Record<string, unknown> = { bundle: BUNDLE_FORMAT, origin: h.origin, checkpoint: h.checkpoint, payloads: h.payloads, filter };
  if (h.created !== undefined) {
    if (typeof h.created !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'created: expected a string');
    out['created'] = h.created;
  }
  return `${JSON.stringify(out)}\n`;
}

/**
 * One entry line of a bundle, with its newline.
 * @throws LedgerError INVALID_ARGUMENT naming the bad field
 */
export function formatBundleEntry(e: BundleEntry): string {
  if (e === null || typeof e !== 'object') throw new LedgerError('INVALID_ARGUMENT', 'entry: expected an object');
  const out: Record<string, unknown> = provenJson('entry', e);
  if ((e.payload === undefined) !== (e.salt === undefined)) throw new LedgerError('INVALID_ARGUMENT', 'entry: give payload and salt together');
  if (e.payload !== undefined) {
    if (e.redaction !== undefined) throw new LedgerError('INVALID_ARGUMENT', 'entry: a redacted entry has no payload');
    checkBytes('entry.payload', e.payload);
    checkBytes('entry.salt', e.salt, 32);
    out['payload'] = toBase64(e.payload);
    out['salt'] = toBase64(e.salt!);
  }
  if (e.redaction !== undefined) {
    const r = e.redaction;
    const red: Record<string, unknown> = provenJson('redaction', r);
    checkBytes('redaction.payload', r.payload);
    checkBytes('redaction.salt', r.salt, 32);
    red['payload'] = toBase64(r.payload);
    red['salt'] = toBase64(r.salt);
    out['redaction'] = red;
  }
  return `${JSON.stringify(out)}\n`;
}

/**
 * The trailer line of a bundle, with its newline.
 * @param entries - the number of entry lines written
 * @throws LedgerError INVALID_ARGUMENT for a bad count
 */
export function formatBundleTrailer(entries: number): string {
  checkSeq('entries', entries);
  return `${JSON.stringify({ end: BUNDLE_FORMAT, entries })}\n`;
}

// ---------------------------------------------------------------------------
// Parsing

type Json = Record<string, unknown>;

function object(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what} is not a JSON object`);
  return v as Json;
}

function onlyKeys(o: Json, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw malformed(`${what} has an unknown key ${JSON.stringify(k)}`);
}

function natural(o: Json, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(`${what}.${key} is not an integer from 0 to 2^53 - 1`);
  return v;
}

function base64Field(o: Json, key: string, what: string, maxBytes: number, exact?: number): Uint8Array {
  const v = o[key];
  if (typeof v !== 'string') throw malformed(`${what}.${key} is not a string`);
  if (v.length > Math.ceil(maxBytes / 3) * 4) throw malformed(`${what}.${key} is longer than ${maxBytes} bytes`);
  let b: Uint8Array;
  try {
    b = fromBase64(v);
  } catch (e) {
    throw malformed(`${what}.${key} is not strict base64`, e);
  }
  if (b.length > maxBytes) throw malformed(`${what}.${key} is longer than ${maxBytes} bytes`);
  if (exact !== undefined && b.length !== exact) throw malformed(`${what}.${key} is ${b.length} bytes, not ${exact}`);
  return b;
}

function proofField(o: Json, what: string): Uint8Array[] {
  const v = o['proof'];
  if (!Array.isArray(v) || v.length > MAX_PROOF_HASHES) throw malformed(`${what}.proof is not an array of at most ${MAX_PROOF_HASHES} hashes`);
  return v.map((_, i) => base64Field(v as unknown as Json, String(i), `${what}.proof`, HASH_LENGTH, HASH_LENGTH));
}

function provenField(o: Json, what: string): BundleProvenEntry {
  return { seq: natural(o, 'seq', what), entry: base64Field(o, 'entry', what, MAX_ENTRY_BYTES), proof: proofField(o, what) };
}

/**
 * Parses one bundle line (without its newline) strictly: a JSON object with
 * exactly the keys of its kind, strict base64, hashes of 32 bytes.
 * @param line - the line text (attacker-controlled)
 * @param first - whether this is the first line (which must be the header)
 * @returns the header, an entry, or the trailer
 * @throws LedgerError MALFORMED_BUNDLE naming the problem; INPUT_TOO_LARGE
 *   for a line longer than {@link MAX_BUNDLE_LINE_BYTES}
 */
export function parseBundleLine(line: string, first: boolean): BundleLine {
  if (typeof line !== 'string') throw new LedgerError('INVALID_ARGUMENT', 'line: expected a string');
  if (line.length > MAX_BUNDLE_LINE_BYTES) {
    throw new LedgerError('INPUT_TOO_LARGE', `bundle line is longer than ${MAX_BUNDLE_LINE_BYTES} bytes`, { limit: MAX_BUNDLE_LINE_BYTES });
  }
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw malformed('the line is not JSON', e);
  }
  const o = object(v, 'the line');
  if (first) {
    onlyKeys(o, ['bundle', 'origin', 'checkpoint', 'payloads', 'filter', 'created'], 'the header');
    if (o['bundle'] !== BUNDLE_FORMAT) throw malformed(`the first line is not a ${BUNDLE_FORMAT} header`);
    const { origin, checkpoint, payloads, created } = o;
    if (typeof origin !== 'string' || origin.length === 0) throw malformed('header.origin is not a non-empty string');
    if (typeof checkpoint !== 'string' || checkpoint.length > MAX_NOTE_BYTES) throw malformed('header.checkpoint is not a note');
    if (typeof payloads !== 'boolean') throw malformed('header.payloads is not a boolean');
    if (created !== undefined && typeof created !== 'string') throw malformed('header.created is not a string');
    const f = object(o['filter'], 'header.filter');
    onlyKeys(f, ['case', 'since', 'until'], 'header.filter');
    const filter: BundleFilter = {};
    if (f['case'] !== undefined) {
      if (typeof f['case'] !== 'string') throw malformed('header.filter.case is not a string');
      filter.case = f['case'];
    }
    if (f['since'] !== undefined) filter.since = natural(f, 'since', 'header.filter');
    if (f['until'] !== undefined) filter.until = natural(f, 'until', 'header.filter');
    const header: BundleHeader = { origin, checkpoint, payloads, filter };
    if (created !== undefined) header.created = created;
    return { kind: 'header', header };
  }
  if ('end' in o) {
    onlyKeys(o, ['end', 'entries'], 'the end line');
    if (o['end'] !== BUNDLE_FORMAT) throw malformed(`the end line is not for ${BUNDLE_FORMAT}`);
    return { kind: 'end', entries: natural(o, 'entries', 'the end line') };
  }
  onlyKeys(o, ['seq', 'entry', 'proof', 'payload', 'salt', 'redaction'], 'the entry line');
  const entry: BundleEntry = provenField(o, 'entry');
  const hasPayload = o['payload'] !== undefined;
  if (hasPayload !== (o['salt'] !== undefined)) throw malformed('the entry line has a payload without salt, or a salt without payload');
  if (hasPayload) {
    if (o['redaction'] !== undefined) throw malformed('the entry line has both a payload and a redaction');
    entry.payload = base64Field(o, 'payload', 'entry', HARD_MAX_PAYLOAD);
    entry.salt = base64Field(o, 'salt', 'entry', 32, 32);
  }
  if (o['redaction'] !== undefined) {
    const r = object(o['redaction'], 'entry.redaction');
    onlyKeys(r, ['seq', 'entry', 'proof', 'payload', 'salt'], 'entry.redaction');
    entry.redaction = {
      ...provenField(r, 'entry.redaction'),
      payload: base64Field(r, 'payload', 'entry.redaction', HARD_MAX_PAYLOAD),
      salt: base64Field(r, 'salt', 'entry.redaction', 32, 32),
    };
  }
  return { kind: 'entry', entry };
}

/**
 * Splits a byte stream into lines ending in `\n`, each decoded as strict
 * UTF-8, never holding more than one line of at most `maxLineBytes`.
 */
export class BundleLineReader {
  readonly #max: number;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  #pending: Uint8Array[] = [];
  #pendingLength = 0;

  /** @param maxLineBytes - longest line accepted (default {@link MAX_BUNDLE_LINE_BYTES}) */
  constructor(maxLineBytes: number = MAX_BUNDLE_LINE_BYTES) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new LedgerError('INVALID_ARGUMENT', 'maxLineBytes: expected a positive integer');
    this.#max = maxLineBytes;
  }

  /**
   * @param chunk - the next bytes of the stream
   * @returns the lines completed by this chunk, without their newlines
   * @throws LedgerError INPUT_TOO_LARGE for an over-long line; MALFORMED_BUNDLE for invalid UTF-8
   */
  push(chunk: Uint8Array): string[] {
    if (!(chunk instanceof Uint8Array)) throw new LedgerError('INVALID_ARGUMENT', 'chunk: expected a Uint8Array');
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.#pendingLength + (end - start) > this.#max) {
        throw new LedgerError('INPUT_TOO_LARGE', `a bundle line is longer than ${this.#max} bytes`, { limit: this.#max });
      }
      if (nl < 0) {
        if (end > start) {
          this.#pending.push(chunk.slice(start, end));
          this.#pendingLength += end - start;
        }
        return lines;
      }
      lines.push(this.#decode(chunk.subarray(start, nl)));
      start = nl + 1;
    }
  }

  /** @returns the bytes after the last newline, decoded, or undefined if there are none */
  end(): string | undefined {
    if (this.#pendingLength === 0) return undefined;
    return this.#decode(new Uint8Array(0));
  }

  #decode(tail: Uint8Array): string {
    let bytes = tail;
    if (this.#pendingLength > 0) {
      bytes = new Uint8Array(this.#pendingLength + tail.length);
      let o = 0;
      for (const p of this.#pending) {
        bytes.set(p, o);
        o += p.length;
      }
      bytes.set(tail, o);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    try {
      return this.#decoder.decode(bytes);
    } catch (e) {
      throw malformed('a bundle line is not valid UTF-8', e);
    }
  }
}

// ---------------------------------------------------------------------------
// Verification

interface CaseState {
  summary: BundleCaseSummary;
  leaf: Uint8Array;
}

/**
 * Verifies a bundle line by line with memory independent of its length
 * (one chain tail per case). Checks, for every entry: its inclusion proof
 * against the signed checkpoint (the leaf hash recomputed from the entry
 * bytes), that it decodes and its seq is its position, the payload
 * commitment (or a proven redaction), actor signatures, the filter, and that
 * each case's steps form an unbroken per-case chain; for consecutive
 * positions the global chain (`prev`); for unfiltered bundles, that every
 * entry of the checkpoint is present.
 *
 * @example
 * const v = new BundleVerifier(vkey);
 * for (const line of lines) v.pushLine(line);
 * const report = v.finish();
 */
export class BundleVerifier {
  readonly #verifier: NoteVerifier;
  readonly #maxIssues: number;
  readonly #issues: BundleIssue[] = [];
  #issueCount = 0;
  #lineNo = 0;
  #state: 'header' | 'entries' | 'ended' | 'dead' = 'header';
  #header: BundleHeader | undefined;
  #cp: Checkpoint | undefined;
  #entries = 0;
  readonly #checked = { proofs: 0, payloads: 0, redactions: 0, actorSignatures: 0 };
  #withheld = 0;
  #redacted = 0;
  #lastSeq = -1;
  #lastLeaf: Uint8Array | undefined;
  #lastTime = 0;
  readonly #cases = new Map<string, CaseState>();
  #finished: BundleReport | undefined;

  /**
   * @param vkey - the ledger's verifier key (string or parsed), from outside the bundle
   * @param opts - `maxIssues` (default 1000)
   * @throws LedgerError MALFORMED_KEY for a bad vkey; INVALID_ARGUMENT for bad options
   */
  constructor(vkey: string | NoteVerifier, opts: BundleVerifyOptions = {}) {
    this.#verifier = typeof vkey === 'string' ? parseVerifierKey(vkey.trim()) : vkey;
    const max = opts.maxIssues ?? 1000;
    if (!Number.isSafeInteger(max) || max < 0) throw new LedgerError('INVALID_ARGUMENT', 'maxIssues: expected a non-negative integer');
    this.#maxIssues = max;
  }

  #issue(code: BundleIssueCode, message: string, seq?: number): void {
    this.#issueCount++;
    if (this.#issues.length < this.#maxIssues) {
      this.#issues.push({ code, message, line: this.#lineNo, ...(seq === undefined ? {} : { seq }) });
    }
  }

  /** Records a problem with the stream itself (over-long line, bad UTF-8) and stops. */
  fail(e: unknown): void {
    this.#lineNo++;
    const code = e instanceof LedgerError && e.code === 'INPUT_TOO_LARGE' ? 'INPUT_TOO_LARGE' : 'MALFORMED_BUNDLE';
    this.#issue(code, `cannot read the bundle: ${(e as Error)?.message ?? String(e)}`);
    this.#state = 'dead';
  }

  /**
   * Checks the next line of the bundle (without its newline).
   * @throws LedgerError INVALID_ARGUMENT if called after finish()
   */
  pushLine(line: string): void {
    if (this.#finished !== undefined) throw new LedgerError('INVALID_ARGUMENT', 'pushLine: the verifier has finished');
    if (this.#state === 'dead') return;
    this.#lineNo++;
    if (this.#state === 'ended') {
      this.#issue('MALFORMED_BUNDLE', 'there is a line after the end line');
      this.#state = 'dead';
      return;
    }
    let parsed: BundleLine;
    try {
      parsed = parseBundleLine(line, this.#state === 'header');
    } catch (e) {
      this.#issue('MALFORMED_BUNDLE', (e as Error).message);
      // An unreadable line between header and end still counts as an entry
      // line, so that the end line's count speaks only of lines added or removed.
      if (this.#state === 'header') this.#state = 'dead';
      else this.#entries++;
      return;
    }
    if (parsed.kind === 'header') this.#onHeader(parsed.header);
    else if (parsed.kind === 'end') this.#onEnd(parsed.entries);
    else this.#onEntry(parsed.entry);
  }

  #onHeader(h: BundleHeader): void {
    const origin = this.#verifier.name;
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(h.checkpoint, [this.#verifier]);
    } catch (e) {
      this.#issue('CHECKPOINT_INVALID', `the bundle's checkpoint does not verify under the key: ${(e as Error).message}`);
      this.#state = 'dead';
      return;
    }
    if (cp.origin !== origin || h.origin !== origin) {
      this.#issue('CHECKPOINT_INVALID', `the bundle is for origin ${JSON.stringify(h.origin)} (checkpoint ${JSON.stringify(cp.origin)}), the key is for ${JSON.stringify(origin)}`);
      this.#state = 'dead';
      return;
    }
    this.#header = h;
    this.#cp = cp;
    this.#state = 'entries';
  }

  #onEnd(count: number): void {
    this.#state = 'ended';
    if (count !== this.#entries) {
      this.#issue('TRUNCATED', `the end line counts ${count} entries but the bundle holds ${this.#entries}: entry lines were removed or added`);
    }
  }

  #onEntry(r: BundleEntry): void {
    const h = this.#header!;
    const cp = this.#cp!;
    const seq = r.seq;
    this.#entries++;
    const leaf = leafHash(r.entry);
    if (seq >= cp.size) {
      this.#issue('BEYOND_CHECKPOINT', `entry ${seq} is not in the checkpoint's tree of ${cp.size} entries`, seq);
    } else if (!verifyInclusion(leaf, seq, cp.size, r.proof, cp.root)) {
      this.#issue('PROOF_INVALID', `entry ${seq} is not leaf ${seq} of the signed tree: its bytes or its proof were changed`, seq);
    } else {
      this.#checked.proofs++;
    }
    const ordered = seq > this.#lastSeq;
    if (!ordered) this.#issue('SEQ_ORDER', `entry ${seq} comes after entry ${this.#lastSeq}: entries must be in ascending order`, seq);
    let e: Entry;
    try {
      e = decodeEntry(r.entry);
    } catch (err) {
      this.#issue('ENTRY_DECODE', `entry ${seq} does not decode: ${(err as Error).message}`, seq);
      if (ordered) this.#advance(seq, leaf, undefined);
      return;
    }
    if (e.seq !== seq) this.#issue('SEQ_MISMATCH', `the line says entry ${seq} but the entry says ${e.seq}`, seq);
    if (ordered) this.#checkOrder(e, seq, h.filter);
    this.#checkFilter(e, seq, h.filter);
    this.#checkCase(e, seq, leaf, h.filter);
    this.#checkPayload(r, e, leaf, cp);
    for (const sig of e.sigs) {
      this.#checked.actorSignatures++;
      if (!verifyActorSignature(entryStatement(e), sig)) {
        this.#issue('ACTOR_SIGNATURE_INVALID', `actor signature by key ${toHex(sig.publicKey)} on entry ${seq} does not verify`, seq);
      }
    }
    if (ordered) this.#advance(seq, leaf, e.time);
  }

  #advance(seq: number, leaf: Uint8Array, time: number | undefined): void {
    this.#lastSeq = seq;
    this.#lastLeaf = leaf;
    if (time !== undefined) this.#lastTime = Math.max(this.#lastTime, time);
  }

  #checkOrder(e: Entry, seq: number, f: BundleFilter): void {
    if (f.case === undefined) {
      const expected = this.#lastSeq >= 0 ? this.#lastSeq + 1 : f.since === undefined ? 0 : seq;
      if (seq !== expected) this.#issue('SEQ_GAP', `entries ${expected} to ${seq - 1} are missing from the bundle`, seq);
    }
    if (seq === 0) {
      if (!equalBytes(e.prev, genesisLink(this.#verifier.name))) this.#issue('PREV_MISMATCH', 'entry 0 does not carry the genesis link of this origin', seq);
    } else if (this.#lastLeaf !== undefined && seq === this.#lastSeq + 1 && !equalBytes(e.prev, this.#lastLeaf)) {
      this.#issue('PREV_MISMATCH', `entry ${seq} does not link to the leaf hash of entry ${seq - 1}`, seq);
    }
    if (e.time < this.#lastTime) this.#issue('TIME_ORDER', `entry ${seq} is earlier (${e.time}) than an entry before it (${this.#lastTime})`, seq);
  }

  #checkFilter(e: Entry, seq: number, f: BundleFilter): void {
    if (f.case !== undefined && e.caseId !== f.case) {
      this.#issue('FILTER_MISMATCH', `entry ${seq} belongs to case ${JSON.stringify(e.caseId)}, the bundle is for case ${JSON.stringify(f.case)}`, seq);
    }
    if ((f.since !== undefined && e.time < f.since) || (f.until !== undefined && e.time >= f.until)) {
      this.#issue('FILTER_MISMATCH', `entry ${seq} has time ${e.time}, outside the bundle's time range`, seq);
    }
  }

  #checkCase(e: Entry, seq: number, leaf: Uint8Array, f: BundleFilter): void {
    const c = this.#cases.get(e.caseId);
    if (c === undefined) {
      if (e.step !== 1 && f.since === undefined) {
        this.#issue('CASE_STEP_MISMATCH', `case ${JSON.stringify(e.caseId)} starts at step ${e.step} in the bundle: steps 1 to ${e.step - 1} are missing`, seq);
      }
      this.#cases.set(e.caseId, { summary: { caseId: e.caseId, firstStep: e.step, lastStep: e.step, firstSeq: seq, lastSeq: seq, steps: 1 }, leaf });
      return;
    }
    const s = c.summary;
    if (e.step !== s.lastStep + 1) {
      this.#issue(
        'CASE_STEP_MISMATCH',
        e.step > s.lastStep + 1
          ? `steps ${s.lastStep + 1} to ${e.step - 1} of case ${JSON.stringify(e.caseId)} are missing from the bundle`
          : `entry ${seq} is step ${e.step} of case ${JSON.stringify(e.caseId)}, expected step ${s.lastStep + 1}`,
        seq,
      );
    } else if (!equalBytes(e.casePrev, c.leaf)) {
      this.#issue('CASE_CHAIN_BROKEN', `entry ${seq} does not link to the previous step of case ${JSON.stringify(e.caseId)}`, seq);
    }
    s.lastStep = e.step;
    s.lastSeq = seq;
    s.steps++;
    c.leaf = leaf;
  }

  #checkPayload(r: BundleEntry, e: Entry, leaf: Uint8Array, cp: Checkpoint): void {
    const seq = r.seq;
    if (!this.#header!.payloads) {
      if (r.payload !== undefined || r.redaction !== undefined) {
        this.#issue('MALFORMED_BUNDLE', `entry ${seq} carries a payload but the header says the bundle has none`, seq);
      }
      this.#withheld++;
      return;
    }
    if (r.payload !== undefined && r.salt !== undefined) {
      this.#checked.payloads++;
      if (!equalBytes(payloadCommitment(r.salt, r.payload), e.commit)) {
        this.#issue('PAYLOAD_COMMITMENT_MISMATCH', `the payload of entry ${seq} does not match its commitment`, seq);
      } else if (e.type === REDACTION_TYPE) {
        try {
          const p = parseRedactionPayload(r.payload);
          if (p.redacts >= seq) throw new Error(`it names entry ${p.redacts}, which is not earlier`);
        } catch (err) {
          this.#issue('REDACTION_INVALID', `redaction entry ${seq} has an invalid payload: ${(err as Error).message}`, seq);
        }
      }
      return;
    }
    if (r.redaction === undefined) {
      this.#issue('PAYLOAD_MISSING', `the payload of entry ${seq} is missing and no redaction is given for it`, seq);
      return;
    }
    if (e.type === REDACTION_TYPE) {
      this.#issue('REDACTION_INVALID', `entry ${seq} is a redaction record, whose payload cannot be erased`, seq);
      return;
    }
    const why = redactionProblem(r.redaction, e, seq, leaf, cp);
    if (why !== undefined) {
      this.#issue('REDACTION_INVALID', `the redaction given for entry ${seq} is not valid: ${why}`, seq);
      return;
    }
    this.#checked.redactions++;
    this.#redacted++;
  }

  /**
   * Ends verification.
   * @returns the report (the same object on later calls)
   */
  finish(): BundleReport {
    if (this.#finished !== undefined) return this.#finished;
    if (this.#state === 'header') {
      this.#issue('MALFORMED_BUNDLE', 'the bundle is empty: it has no header line');
    } else if (this.#state === 'entries') {
      this.#issue('TRUNCATED', `the bundle ends after ${this.#entries} entries without its end line: it was cut short`);
    }
    const h = this.#header;
    const cp = this.#cp;
    let complete: boolean | undefined;
    if (cp !== undefined && h !== undefined && h.filter.case === undefined && h.filter.since === undefined && h.filter.until === undefined) {
      complete = this.#lastSeq === cp.size - 1 && this.#entries === cp.size;
      if (!complete && this.#lastSeq < cp.size - 1) {
        this.#lineNo++;
        this.#issue('SEQ_GAP', `the bundle has no filter but entries ${this.#lastSeq + 1} to ${cp.size - 1} of the checkpoint are missing`);
      }
    }
    const report: BundleReport = {
      ok: this.#issueCount === 0,
      origin: this.#verifier.name,
      entries: this.#entries,
      checked: { ...this.#checked },
      withheld: this.#withheld,
      redacted: this.#redacted,
      cases: [...this.#cases.values()].map((c) => ({ ...c.summary })),
      issues: this.#issues,
      issueCount: this.#issueCount,
    };
    if (cp !== undefined) report.checkpoint = { size: cp.size, root: toHex(cp.root) };
    if (h !== undefined) {
      report.payloads = h.payloads;
      report.filter = h.filter;
      if (h.created !== undefined) report.created = h.created;
    }
    if (complete !== undefined) report.complete = complete;
    this.#finished = report;
    return report;
  }
}

/** Why a bundle's redaction record does not justify erasing entry `seq`, or undefined if it does. */
function redactionProblem(rr: BundleRedaction, target: Entry, seq: number, targetLeaf: Uint8Array, cp: Checkpoint): string | undefined {
  const leaf = leafHash(rr.entry);
  if (rr.seq >= cp.size || !verifyInclusion(leaf, rr.seq, cp.size, rr.proof, cp.root)) return `entry ${rr.seq} is not proven in the signed tree`;
  let re: Entry;
  try {
    re = decodeEntry(rr.entry);
  } catch (e) {
    return `entry ${rr.seq} does not decode: ${(e as Error).message}`;
  }
  if (re.seq !== rr.seq) return `the record says entry ${rr.seq} but the entry says ${re.seq}`;
  if (re.type !== REDACTION_TYPE) return `entry ${rr.seq} is not a ${REDACTION_TYPE} entry`;
  if (re.caseId !== target.caseId) return `entry ${rr.seq} belongs to another case`;
  if (rr.seq <= seq) return `entry ${rr.seq} is not later than entry ${seq}`;
  if (!equalBytes(payloadCommitment(rr.salt, rr.payload), re.commit)) return `the payload of entry ${rr.seq} does not match its commitment`;
  try {
    const p = parseRedactionPayload(rr.payload);
    if (p.redacts !== seq || !equalBytes(p.leaf, targetLeaf)) return `entry ${rr.seq} erases entry ${p.redacts}, not entry ${seq} with this leaf hash`;
  } catch (e) {
    return `entry ${rr.seq} has an invalid redaction payload: ${(e as Error).message}`;
  }
  return undefined;
}

/** Anything a bundle can be read from. A Node Readable is an AsyncIterable of Buffers. */
export type BundleSource = string | Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/**
 * Verifies a whole bundle, streaming (see {@link BundleVerifier}).
 * Never throws for the bundle's contents: every problem is an issue in the
 * report.
 * @param source - the bundle text, bytes, or a (async) iterable of chunks
 * @param vkey - the ledger's verifier key, from outside the bundle
 * @param opts - `maxIssues`
 * @returns the report; `ok` is true only when there is no issue
 * @throws LedgerError MALFORMED_KEY for a bad vkey; INVALID_ARGUMENT for a
 *   bad source; whatever reading the source throws
 * @example
 * const report = await verifyBundle(createReadStream('case.bundle'), vkey);
 */
export async function verifyBundle(source: BundleSource, vkey: string | NoteVerifier, opts: BundleVerifyOptions = {}): Promise<BundleReport> {
  const verifier = new BundleVerifier(vkey, opts);
  const reader = new BundleLineReader();
  const feed = (chunk: Uint8Array | string): boolean => {
    try {
      for (const line of reader.push(typeof chunk === 'string' ? utf8(chunk) : chunk)) verifier.pushLine(line);
      return true;
    } catch (e) {
      verifier.fail(e);
      return false;
    }
  };
  if (typeof source === 'string' || source instanceof Uint8Array) {
    feed(source);
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    for await (const chunk of source) if (!feed(chunk)) break;
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    for (const chunk of source) if (!feed(chunk)) break;
  } else {
    throw new LedgerError('INVALID_ARGUMENT', 'source: expected a string, bytes, or an iterable of chunks');
  }
  try {
    const rest = reader.end();
    if (rest !== undefined) {
      verifier.pushLine(rest);
      // A last line without its newline: the file was cut short even if it parsed.
      verifier.fail(new Error('the last line does not end in a newline'));
    }
  } catch (e) {
    verifier.fail(e);
  }
  return verifier.finish();
}
