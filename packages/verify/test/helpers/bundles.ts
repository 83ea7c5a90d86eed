/**
 * Evidence bundles as a hostile party holding the ledger's signing key can
 * write them (format.md §9.3), without this library's writer: entries
 * encoded with the codec, linked (or not) as the test says, a checkpoint
 * signed by the real key over whatever leaves it is given, and each line
 * written with JSON.stringify in the documented key order. Nothing here runs
 * while a test file loads: every bundle is made inside the test that reads
 * it (docs/mutation.md, "No work while test files load").
 */
import {
  ZERO_HASH,
  ed25519Sign,
  encodeEntry,
  encodePayload,
  formatCheckpoint,
  formatSignatureLine,
  genesisLink,
  leafHash,
  parseSignerKey,
  payloadCommitment,
  redactionPayload,
  toBase64,
  utf8,
  type Entry,
} from '../../src/index.js';
import { indPath, indRoot } from './independent-tlog.js';
import { KEYS, ORIGIN } from './keys.js';

export const T0 = Date.UTC(2026, 10, 29, 5);
export const REDACTION = 'casetrail.redaction';

/** One entry of a forged history; `change` edits the entry before it is encoded (links are computed first). */
export interface Planned {
  caseId: string;
  type?: string;
  data?: unknown;
  /** Erase the payload of this earlier seq: the entry is a redaction record of it. */
  redacts?: number;
  change?: (e: Entry) => void;
  /** Replace the encoded bytes (after `change`). */
  bytes?: (b: Uint8Array) => Uint8Array;
}

export interface Forged {
  entries: Entry[];
  bytes: Uint8Array[];
  leaves: Uint8Array[];
  payloads: Uint8Array[];
  salts: Uint8Array[];
}

/** A history of entries linked as format.md §4 says (unless `change` says otherwise), v2, one minute apart. */
export function forgeHistory(plan: readonly Planned[], origin: string = ORIGIN): Forged {
  const out: Forged = { entries: [], bytes: [], leaves: [], payloads: [], salts: [] };
  const tails = new Map<string, { step: number; leaf: Uint8Array }>();
  plan.forEach((p, seq) => {
    const salt = new Uint8Array(32).fill(seq + 1);
    const payload = p.redacts === undefined ? encodePayload(p.data ?? { seq }) : redactionPayload(p.redacts, out.leaves[p.redacts]!, 'court order');
    const tail = tails.get(p.caseId);
    const e: Entry = {
      v: 2,
      seq,
      prev: seq === 0 ? genesisLink(origin) : out.leaves[seq - 1]!,
      time: T0 + seq * 60_000,
      caseId: p.caseId,
      step: tail === undefined ? 1 : tail.step + 1,
      casePrev: tail === undefined ? ZERO_HASH : tail.leaf,
      type: p.redacts === undefined ? (p.type ?? 'note') : REDACTION,
      actor: 'clerk',
      commit: payloadCommitment(salt, payload),
      sigs: [],
      nonce: new Uint8Array(16).fill(0x40 + seq),
    };
    p.change?.(e);
    let bytes = encodeEntry(e);
    if (p.bytes !== undefined) bytes = p.bytes(bytes);
    const leaf = leafHash(bytes);
    out.entries.push(e);
    out.bytes.push(bytes);
    out.leaves.push(leaf);
    out.payloads.push(payload);
    out.salts.push(salt);
    tails.set(e.caseId, { step: e.step, leaf });
  });
  return out;
}

/** A checkpoint note of `size` over `leaves`' first `size` leaf hashes, signed by the real key (or the one given). */
export function checkpointOf(leaves: readonly Uint8Array[], size: number = leaves.length, skey: string = KEYS.skey): string {
  const signer = parseSignerKey(skey);
  const root = Uint8Array.from(indRoot(leaves.slice(0, size)));
  const body = formatCheckpoint({ origin: signer.name, size, root, extensions: [] });
  return `${body}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(body)))}`;
}

/** The audit path of `seq` in the tree of the first `size` leaves, in base64. */
export function proofOf(leaves: readonly Uint8Array[], seq: number, size: number = leaves.length): string[] {
  return indPath(seq, leaves.slice(0, size)).map((h) => toBase64(h));
}

export interface HeaderFields {
  origin?: string;
  checkpoint: string;
  payloads?: boolean;
  filter?: Record<string, unknown>;
  created?: string;
}

/** A header line, keys in the documented order. */
export function headerLine(h: HeaderFields): string {
  const line: Record<string, unknown> = { bundle: 'casetrail-bundle/v1', origin: h.origin ?? ORIGIN, checkpoint: h.checkpoint, payloads: h.payloads ?? true, filter: h.filter ?? {} };
  if (h.created !== undefined) line['created'] = h.created;
  return JSON.stringify(line);
}

/** An end line. */
export function endLine(entries: number): string {
  return JSON.stringify({ end: 'casetrail-bundle/v1', entries });
}

export interface LineOptions {
  /** The tree the proof is in (default: every leaf of the history). */
  size?: number;
  /** Leave the payload out (a bundle without payloads). */
  withhold?: boolean;
  /** Carry the erasure by this redaction seq instead of the payload. */
  erasedBy?: number;
  /** The seq the line states (default: the entry's). */
  seq?: number;
  payload?: Uint8Array;
}

/** The entry line of `seq` of a forged history, as an honest exporter would write it unless told otherwise. */
export function entryLine(h: Forged, seq: number, o: LineOptions = {}): string {
  const size = o.size ?? h.leaves.length;
  const line: Record<string, unknown> = { seq: o.seq ?? seq, entry: toBase64(h.bytes[seq]!), proof: proofOf(h.leaves, seq, size) };
  if (o.erasedBy !== undefined) {
    const r = o.erasedBy;
    line['redaction'] = { seq: r, entry: toBase64(h.bytes[r]!), proof: proofOf(h.leaves, r, size), payload: toBase64(h.payloads[r]!), salt: toBase64(h.salts[r]!) };
  } else if (o.withhold !== true) {
    line['payload'] = toBase64(o.payload ?? h.payloads[seq]!);
    line['salt'] = toBase64(h.salts[seq]!);
  }
  return JSON.stringify(line);
}

/** A whole bundle text: header, the given entry lines, end line counting them. */
export function bundleText(header: string, entryLines: readonly string[], end: number | null = entryLines.length): string {
  return [header, ...entryLines, ...(end === null ? [] : [endLine(end)])].map((l) => `${l}\n`).join('');
}

/** The whole history as an honest bundle of every entry, with payloads (an erased one where `erased` says so). */
export function wholeBundle(h: Forged, erased: ReadonlyMap<number, number> = new Map()): string {
  const ls = h.entries.map((_, seq) => entryLine(h, seq, erased.has(seq) ? { erasedBy: erased.get(seq)! } : {}));
  return bundleText(headerLine({ checkpoint: checkpointOf(h.leaves) }), ls);
}
