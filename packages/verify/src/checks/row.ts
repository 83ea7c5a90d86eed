/**
 * The checks of format.md §8 that need one stored entry row and nothing
 * else: the leaf hash, decoding, the index columns, the payload commitment,
 * actor signatures, and the parse of a redaction record. They are the
 * expensive part of verification (worker threads run them on large
 * ledgers); ledger verification, `trace` and the extension read view all
 * call {@link checkEntryRow}, and the ordered checks are done by their
 * callers with the chain rules (chain.ts).
 */
import { equalBytes } from '../bytes.js';
import { decodeEntry, isReserved, REDACTION_TYPE, type Entry } from '../entry/entry.js';
import { payloadCommitment } from '../entry/payload.js';
import { parseRedactionPayload } from '../entry/redaction.js';
import { leafHash } from '../tlog/merkle-hash.js';
import type { Finding } from './issues.js';
import { actorSignatureFindings } from './signatures.js';

/**
 * One row of the `entries` table (format.md §7), as read from the file:
 * every field is untrusted and may have any type.
 */
export interface StoredEntryRow {
  seq: number;
  leaf: Uint8Array;
  bytes: Uint8Array;
  /** Hashes of the Merkle nodes this leaf completes, levels 1, 2, … (format.md §7). */
  nodes: Uint8Array;
  case_id: string;
  step: number;
  type: string;
  actor: string;
  time: number;
  /** 32 bytes; null once erased by a redaction. */
  salt: Uint8Array | null;
  /** The payload; null once erased by a redaction. */
  data: Uint8Array | null;
  /** The nonce of a version 2 entry (schema 2); null for a version 1 entry, and in a schema 1 file. */
  nonce: Uint8Array | null;
}

/** The decoded fields the ordered checks use. */
export type RowEntry = Pick<Entry, 'v' | 'prev' | 'time' | 'caseId' | 'step' | 'casePrev'>;

/** What the ordered checks need to know about one row. */
export interface RowFacts {
  seq: number;
  /** SHA-256(0x00 ‖ bytes), or undefined when the row has no byte string. */
  leaf: Uint8Array | undefined;
  /** The decoded fields the ordered checks use; undefined if it did not decode. */
  entry: RowEntry | undefined;
  /** The stored `nodes` column, or undefined when it is not a byte string. */
  nodes: Uint8Array | undefined;
  /** 'missing': salt and data are both NULL (valid only if a redaction names it). */
  payload: 'ok' | 'bad' | 'missing';
  /** For a redaction record with a well-formed payload: the entry it names. */
  redacts: { seq: number; leaf: Uint8Array } | undefined;
  /** The type of a system entry (`casetrail.` other than redaction), for the system-type registry. */
  systemType: string | undefined;
  actorSignatures: number;
  issues: Finding[];
}

/** The facts of a row and, when it decoded, the whole entry. */
export interface CheckedRow extends RowFacts {
  decoded: Entry | undefined;
}

/** A byte string (of length `len`, if given): how rows read from a file are type-checked. */
export function isBytes(v: unknown, len?: number): v is Uint8Array {
  return v instanceof Uint8Array && (len === undefined || v.length === len);
}

/** Whether the stored `nonce` column holds the decoded nonce (NULL for a version 1 entry). */
function nonceColumnMatches(stored: unknown, nonce: Uint8Array | undefined): boolean {
  if (nonce === undefined) return stored === null || stored === undefined;
  return isBytes(stored) && equalBytes(stored, nonce);
}

/**
 * Runs every single-row check on a stored row (all of it untrusted).
 * @param origin the origin the row's actor signatures are checked with
 *   (version 2 statements name it): the verifier key's name where there is one
 */
export function checkEntryRow(row: StoredEntryRow, origin: string): CheckedRow {
  const seq = row.seq;
  const issues: Finding[] = [];
  const nodes = isBytes(row.nodes) ? row.nodes : undefined;
  const result: CheckedRow = {
    seq,
    leaf: undefined,
    entry: undefined,
    nodes,
    payload: 'ok',
    redacts: undefined,
    systemType: undefined,
    actorSignatures: 0,
    issues,
    decoded: undefined,
  };
  if (!isBytes(row.bytes) || !isBytes(row.leaf, 32)) {
    issues.push({ code: 'ROW_INVALID', seq, message: `entry ${seq} has a wrong column type` });
    return result;
  }
  const leaf = leafHash(row.bytes);
  result.leaf = leaf;
  if (!equalBytes(leaf, row.leaf)) {
    issues.push({ code: 'LEAF_HASH_MISMATCH', seq, message: `the stored leaf hash of entry ${seq} is not the hash of its bytes` });
  }
  let e: Entry;
  try {
    e = decodeEntry(row.bytes);
  } catch (err) {
    issues.push({ code: 'ENTRY_DECODE', seq, message: `entry ${seq} does not decode: ${(err as Error).message}` });
    return result;
  }
  result.decoded = e;
  result.entry = e;
  if (e.seq !== seq) issues.push({ code: 'SEQ_MISMATCH', seq, message: `entry ${seq} says it is entry ${e.seq}` });
  if (row.case_id !== e.caseId || row.step !== e.step || row.type !== e.type || row.actor !== e.actor || row.time !== e.time || !nonceColumnMatches(row.nonce, e.nonce)) {
    issues.push({ code: 'INDEX_MISMATCH', seq, message: `the index columns of entry ${seq} do not match its bytes` });
  }
  if (row.data === null && row.salt === null) {
    result.payload = 'missing';
  } else if (!isBytes(row.data) || !isBytes(row.salt, 32)) {
    result.payload = 'bad';
    issues.push({ code: 'ROW_INVALID', seq, message: `the payload columns of entry ${seq} have a wrong type` });
  } else if (!equalBytes(payloadCommitment(row.salt, row.data), e.commit)) {
    result.payload = 'bad';
    issues.push({ code: 'PAYLOAD_COMMITMENT_MISMATCH', seq, message: `the payload of entry ${seq} does not match its commitment` });
  }
  const sigs = actorSignatureFindings(seq, e, origin);
  result.actorSignatures = sigs.checked;
  issues.push(...sigs.findings);
  if (e.type === REDACTION_TYPE) {
    // A redaction record must keep its payload (a missing one is PAYLOAD_MISSING).
    if (result.payload === 'ok') {
      try {
        const named = parseRedactionPayload(row.data!);
        result.redacts = { seq: named.redacts, leaf: named.leaf };
      } catch (err) {
        issues.push({ code: 'REDACTION_INVALID', seq, message: `redaction entry ${seq} has an invalid payload: ${(err as Error).message}` });
      }
    }
  } else if (isReserved(e.type)) {
    result.systemType = e.type;
  }
  return result;
}
