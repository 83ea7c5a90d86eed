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
 * This module holds the line types and the writer; parse.ts reads lines
 * strictly, verify.ts checks them.
 */
import { checkBoolean, checkBytes, checkBytesArray, checkNat, checkObject, checkString } from '../args.js';
import { toBase64 } from '../bytes.js';
import { MAX_ENTRY_BYTES } from '../entry/entry.js';
import { LedgerError } from '../errors.js';

/** The format identifier in the header and trailer lines. */
export const BUNDLE_FORMAT = 'casetrail-bundle/v1';
/** Longest line accepted, in UTF-8 bytes (a 16 MiB payload in base64 fits). */
export const MAX_BUNDLE_LINE_BYTES = 24 * 1024 * 1024;
/** Most hashes in one inclusion proof (a tree of 2^64 leaves). */
export const MAX_PROOF_HASHES = 64;
export const HASH_LENGTH = 32;

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

// ---------------------------------------------------------------------------
// Writing

function provenJson(name: string, r: BundleProvenEntry): { seq: number; entry: string; proof: string[] } {
  checkNat(r.seq, `${name}.seq`);
  checkBytes(r.entry, `${name}.entry`);
  if (r.entry.length > MAX_ENTRY_BYTES) throw new LedgerError('INVALID_ARGUMENT', `${name}.entry: longer than ${MAX_ENTRY_BYTES} bytes`);
  checkBytesArray(r.proof, `${name}.proof`, HASH_LENGTH, MAX_PROOF_HASHES);
  return { seq: r.seq, entry: toBase64(r.entry), proof: r.proof.map(toBase64) };
}

/**
 * The header line of a bundle, with its newline.
 * @throws LedgerError INVALID_ARGUMENT naming the bad field
 */
export function formatBundleHeader(h: BundleHeader): string {
  checkObject(h, 'header');
  checkString(h.origin, 'origin', 1);
  if (typeof h.checkpoint !== 'string' || !h.checkpoint.endsWith('\n')) throw new LedgerError('INVALID_ARGUMENT', 'checkpoint: expected a signed note');
  checkBoolean(h.payloads, 'payloads');
  const filter: BundleFilter = {};
  const f = h.filter ?? {};
  if (f.case !== undefined) {
    checkString(f.case, 'filter.case');
    filter.case = f.case;
  }
  if (f.since !== undefined) {
    checkNat(f.since, 'filter.since');
    filter.since = f.since;
  }
  if (f.until !== undefined) {
    checkNat(f.until, 'filter.until');
    filter.until = f.until;
  }
  const out: Record<string, unknown> = { bundle: BUNDLE_FORMAT, origin: h.origin, checkpoint: h.checkpoint, payloads: h.payloads, filter };
  if (h.created !== undefined) {
    checkString(h.created, 'created');
    out['created'] = h.created;
  }
  return `${JSON.stringify(out)}\n`;
}

/**
 * One entry line of a bundle, with its newline.
 * @throws LedgerError INVALID_ARGUMENT naming the bad field
 */
export function formatBundleEntry(e: BundleEntry): string {
  checkObject(e, 'entry');
  const out: Record<string, unknown> = provenJson('entry', e);
  if ((e.payload === undefined) !== (e.salt === undefined)) throw new LedgerError('INVALID_ARGUMENT', 'entry: give payload and salt together');
  if (e.payload !== undefined) {
    if (e.redaction !== undefined) throw new LedgerError('INVALID_ARGUMENT', 'entry: a redacted entry has no payload');
    checkBytes(e.payload, 'entry.payload');
    checkBytes(e.salt, 'entry.salt', 32);
    out['payload'] = toBase64(e.payload);
    out['salt'] = toBase64(e.salt!);
  }
  if (e.redaction !== undefined) {
    const r = e.redaction;
    const red: Record<string, unknown> = provenJson('redaction', r);
    checkBytes(r.payload, 'redaction.payload');
    checkBytes(r.salt, 'redaction.salt', 32);
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
  checkNat(entries, 'entries');
  return `${JSON.stringify({ end: BUNDLE_FORMAT, entries })}\n`;
}

