/**
 * The two steps of a clue transfer and their payloads (docs/oversight.md
 * §6.3), each written by one function and read by one strict parser:
 *
 * - `clue.transferred`, in the sender's case: `{"reason"?, "to"}`;
 * - `clue.received`, opening the case in the receiver's ledger: the
 *   citation of what was received — the sender's origin, key and case, its
 *   signed checkpoint, every entry received with its leaf hash and inclusion
 *   proof, the transfer step, and the SHA-256 of the bundle file.
 *
 * Both are ordinary steps, not system entries (decision in docs/oversight.md
 * §6.2). Payloads are RFC 8785 canonical JSON, so the same citation has one
 * byte form.
 */
import { LedgerError, checkString, fromBase64, fromHex, toBase64, toHex } from '@casetrail/verify';
import { canonicalJson, parseCanonicalJson } from '@casetrail/supervise';
import { MAX_UNIT_NAME, unitNameProblem } from '../levels/entries.js';

export { MAX_UNIT_NAME };

/** The sender's step: the case leaves for another unit. */
export const CLUE_TRANSFERRED = 'clue.transferred';
/** The receiver's step: the case opens with what was received. */
export const CLUE_RECEIVED = 'clue.received';

/** Longest unit name and transfer reason accepted (characters). */
export const MAX_TRANSFER_REASON = 4096;

/** What a `clue.transferred` step says. */
export interface TransferStepData {
  /** The receiving unit's name, as the sender names it. */
  to: string;
  /** Why the clue is transferred (optional, shown to people). */
  reason?: string;
}

/** One entry received: its position in the sender's tree, its leaf hash, its inclusion proof. */
export interface CitedEntry {
  seq: number;
  /** SHA-256(0x00 ‖ entry bytes), RFC 9162 leaf hash. */
  leafHash: Uint8Array;
  /** PATH(seq, D[size]) to the cited checkpoint's root (RFC 9162 §2.1.3.1). */
  proof: Uint8Array[];
}

/** What a `clue.received` step records: what was received, from whom, proven against what. */
export interface ClueReceipt {
  /** SHA-256 of the bundle file's bytes, as received. */
  bundle: Uint8Array;
  /** The sender's signed checkpoint every proof leads to: its note (with any cosignatures), size and root. */
  checkpoint: { note: string; size: number; root: Uint8Array };
  /** Every entry of the bundle, ascending seq. */
  entries: CitedEntry[];
  /** The sender: its origin, its verifier key (the one the receiver verified with) and its case id. */
  from: { origin: string; vkey: string; case: string };
  /** The sender's `clue.transferred` step the bundle carries, and the unit it names. */
  transfer: { seq: number; leafHash: Uint8Array; to: string };
}

function invalid(message: string): LedgerError {
  return new LedgerError('TRANSFER_INVALID', message);
}

/** A unit name by the directory's one rule (levels/entries.ts unitNameProblem). */
function checkUnitName(name: unknown, field: string, err: (m: string) => LedgerError): string {
  const problem = unitNameProblem(name);
  if (problem !== undefined) throw err(`${field} ${problem}`);
  return name as string;
}

/**
 * The payload of a `clue.transferred` step.
 * @throws LedgerError INVALID_ARGUMENT (a bad unit name or reason)
 */
export function encodeTransferStep(data: TransferStepData): string {
  const argument = (m: string) => new LedgerError('INVALID_ARGUMENT', m, { field: m.split(' ')[0] });
  checkUnitName(data.to, 'to', argument);
  const out: Record<string, string> = { to: data.to };
  if (data.reason !== undefined) {
    checkString(data.reason, 'reason');
    if (data.reason.length === 0 || data.reason.length > MAX_TRANSFER_REASON) throw argument(`reason must be 1 to ${MAX_TRANSFER_REASON} characters`);
    out['reason'] = data.reason;
  }
  return canonicalJson(out);
}

/**
 * Reads a `clue.transferred` payload (verified bytes of the sender's step).
 * @throws LedgerError TRANSFER_INVALID (not canonical JSON, other keys or types)
 */
export function parseTransferStep(bytes: Uint8Array): TransferStepData {
  const o = canonicalObject(bytes, 'the clue.transferred payload');
  onlyKeys(o, ['reason', 'to'], ['to'], 'the clue.transferred payload');
  const to = checkUnitName(o['to'], 'the clue.transferred payload\'s "to"', invalid);
  const reason = o['reason'];
  if (reason === undefined) return { to };
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_TRANSFER_REASON) throw invalid(`the clue.transferred payload's "reason" is not a text of 1 to ${MAX_TRANSFER_REASON} characters`);
  return { to, reason };
}

/** The payload of a `clue.received` step: canonical JSON, hashes in lowercase hex, proof hashes in base64 (as bundles write them). */
export function encodeClueReceipt(r: ClueReceipt): string {
  return canonicalJson({
    bundle: toHex(r.bundle),
    checkpoint: { note: r.checkpoint.note, root: toHex(r.checkpoint.root), size: r.checkpoint.size },
    entries: r.entries.map((e) => ({ leafHash: toHex(e.leafHash), proof: e.proof.map((h) => toBase64(h)), seq: e.seq })),
    from: { case: r.from.case, origin: r.from.origin, vkey: r.from.vkey },
    transfer: { leafHash: toHex(r.transfer.leafHash), seq: r.transfer.seq, to: r.transfer.to },
  });
}

/**
 * Reads a `clue.received` payload strictly: canonical JSON with exactly the
 * keys of {@link encodeClueReceipt}. Nothing in it is trusted by reading it:
 * {@link checkClueReceipt} checks it against the sender's key.
 * @throws LedgerError TRANSFER_INVALID naming the first problem
 */
export function parseClueReceipt(bytes: Uint8Array): ClueReceipt {
  const what = 'the clue.received payload';
  const o = canonicalObject(bytes, what);
  onlyKeys(o, ['bundle', 'checkpoint', 'entries', 'from', 'transfer'], undefined, what);
  const cp = object(o['checkpoint'], `${what}.checkpoint`);
  onlyKeys(cp, ['note', 'root', 'size'], undefined, `${what}.checkpoint`);
  const from = object(o['from'], `${what}.from`);
  onlyKeys(from, ['case', 'origin', 'vkey'], undefined, `${what}.from`);
  const transfer = object(o['transfer'], `${what}.transfer`);
  onlyKeys(transfer, ['leafHash', 'seq', 'to'], undefined, `${what}.transfer`);
  const entries = o['entries'];
  if (!Array.isArray(entries) || entries.length === 0) throw invalid(`${what}.entries is not a non-empty array`);
  return {
    bundle: hash(o['bundle'], `${what}.bundle`),
    checkpoint: { note: text(cp['note'], `${what}.checkpoint.note`), root: hash(cp['root'], `${what}.checkpoint.root`), size: nat(cp['size'], `${what}.checkpoint.size`) },
    entries: entries.map((v, i) => {
      const e = object(v, `${what}.entries[${i}]`);
      onlyKeys(e, ['leafHash', 'proof', 'seq'], undefined, `${what}.entries[${i}]`);
      const proof = e['proof'];
      if (!Array.isArray(proof) || proof.length > 64) throw invalid(`${what}.entries[${i}].proof is not an array of at most 64 hashes`);
      return { seq: nat(e['seq'], `${what}.entries[${i}].seq`), leafHash: hash(e['leafHash'], `${what}.entries[${i}].leafHash`), proof: proof.map((h, j) => base64Hash(h, `${what}.entries[${i}].proof[${j}]`)) };
    }),
    from: { case: text(from['case'], `${what}.from.case`), origin: text(from['origin'], `${what}.from.origin`), vkey: text(from['vkey'], `${what}.from.vkey`) },
    transfer: { seq: nat(transfer['seq'], `${what}.transfer.seq`), leafHash: hash(transfer['leafHash'], `${what}.transfer.leafHash`), to: checkUnitName(transfer['to'], `${what}.transfer.to`, invalid) },
  };
}

type Json = Record<string, unknown>;

function canonicalObject(bytes: Uint8Array, what: string): Json {
  let textValue: string;
  try {
    textValue = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(`${what} is not UTF-8`);
  }
  const parsed = parseCanonicalJson(textValue);
  if (parsed === undefined) throw invalid(`${what} is not RFC 8785 canonical JSON`);
  return object(parsed.value, what);
}

function object(v: unknown, what: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${what} is not an object`);
  return v as Json;
}

function onlyKeys(o: Json, allowed: readonly string[], required: readonly string[] | undefined, what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw invalid(`${what} has an unknown key ${JSON.stringify(k)}`);
  for (const k of required ?? allowed) if (!Object.hasOwn(o, k)) throw invalid(`${what} has no ${JSON.stringify(k)}`);
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(`${what} is not a non-empty string`);
  return v;
}

function nat(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(`${what} is not an integer from 0 to 2^53 − 1`);
  return v;
}

function hash(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw invalid(`${what} is not 64 lowercase hex digits`);
  return fromHex(v);
}

function base64Hash(v: unknown, what: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromBase64(text(v, what));
  } catch {
    throw invalid(`${what} is not strict base64`);
  }
  if (b.length !== 32) throw invalid(`${what} is not a 32-byte hash`);
  return b;
}
