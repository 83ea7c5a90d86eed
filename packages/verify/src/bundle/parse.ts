/**
 * Reading evidence bundles (format.md §9.3) strictly: one line at a time,
 * each a JSON object with exactly the keys of its kind in their order, in
 * the one form JSON.stringify writes (no white space, no CR, no key twice),
 * strict base64, hashes of 32 bytes, limits checked before parsing.
 */
import { fromBase64 } from '../bytes.js';
import { HARD_MAX_PAYLOAD } from '../entry/payload.js';
import { MAX_ENTRY_BYTES } from '../entry/entry.js';
import { LedgerError } from '../errors.js';
import { jsonNestsDeeperThan } from '../json-depth.js';
import { MAX_NOTE_BYTES } from '../tlog/note.js';
import {
  BUNDLE_FORMAT,
  HASH_LENGTH,
  MAX_BUNDLE_LINE_BYTES,
  MAX_PROOF_HASHES,
  formatBundleEntry,
  formatBundleHeader,
  formatBundleTrailer,
  type BundleEntry,
  type BundleFilter,
  type BundleHeader,
  type BundleLine,
  type BundleProvenEntry,
} from './format.js';

/** MALFORMED_BUNDLE, naming what is wrong. */
export function malformedBundle(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_BUNDLE', message, {}, cause === undefined ? undefined : { cause });
}

const malformed = malformedBundle;

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

/** Arrays and objects a bundle line nests at most: an entry line's redaction record's proof. */
const MAX_LINE_DEPTH = 3;

/**
 * Parses one bundle line (without its newline) strictly (format.md §9.3):
 * a JSON object with exactly the keys of its kind, in their order, in the
 * one form JSON.stringify writes — no white space, no CR before the
 * newline, no key twice, strict base64, hashes of 32 bytes. The depth is
 * checked on the text before it is parsed.
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
  if (line.endsWith('\r')) throw malformed('the line ends in CR LF: bundle lines end in LF only');
  if (line.length > 0 && (/^\s/.test(line) || /\s$/.test(line))) throw malformed('the line has white space around it');
  if (jsonNestsDeeperThan(line, MAX_LINE_DEPTH)) throw malformed(`the line nests arrays and objects more than ${MAX_LINE_DEPTH} deep`);
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw malformed('the line is not JSON', e);
  }
  const parsed = parseLineObject(object(v, 'the line'), first);
  // One form only: the line must be what the writer writes for what it holds.
  let canonical: string;
  try {
    canonical = parsed.kind === 'header' ? formatBundleHeader(parsed.header) : parsed.kind === 'end' ? formatBundleTrailer(parsed.entries) : formatBundleEntry(parsed.entry);
  } catch (e) {
    throw malformed(`the line cannot be written back: ${(e as Error).message}`, e);
  }
  if (canonical.length !== line.length + 1 || !canonical.startsWith(line)) {
    throw malformed('the line is not in the one form of format.md §9.3 (JSON.stringify of its keys in their order: white space, a key out of order or twice, or another escape or number form)');
  }
  return parsed;
}

function parseLineObject(o: Json, first: boolean): BundleLine {
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

