/**
 * "Is this redaction proven?" (format.md §4.5), written once and called by
 * ledger verification, `trace` and bundle verification: a payload may be
 * missing only if a later redaction entry of the same case, whose own
 * payload is present and matches its commitment, names that entry by its
 * `seq` and recomputed leaf hash; a redaction entry is never itself erased.
 */
import { equalBytes } from '../bytes.js';
import { REDACTION_TYPE, type Entry } from '../entry/entry.js';
import { payloadCommitment } from '../entry/payload.js';
import { parseRedactionPayload, type RedactionPayload } from '../entry/redaction.js';

/** A redaction entry as stored or carried: its decoded entry and its payload (null once absent). */
export interface RedactionRecord {
  seq: number;
  entry: Pick<Entry, 'caseId' | 'type' | 'commit'>;
  payload: Uint8Array | null;
  salt: Uint8Array | null;
}

/** The entry a redaction claims to erase: its decoded entry and its recomputed leaf hash. */
export interface RedactionTarget {
  seq: number;
  leaf: Uint8Array;
  entry: Pick<Entry, 'caseId' | 'type'>;
}

/**
 * The record side of the rule: `record` is a redaction entry with its
 * payload intact, matching its commitment, in the exact form of §4.5, and
 * naming an earlier entry.
 * @returns what it names, or why it is not a valid redaction record
 */
export function readRedactionRecord(record: RedactionRecord): { named: RedactionPayload } | { problem: string } {
  if (record.entry.type !== REDACTION_TYPE) return { problem: `entry ${record.seq} is not a ${REDACTION_TYPE} entry` };
  if (record.payload === null || record.salt === null) return { problem: `the payload of redaction entry ${record.seq} is missing` };
  if (!equalBytes(payloadCommitment(record.salt, record.payload), record.entry.commit)) {
    return { problem: `the payload of entry ${record.seq} does not match its commitment` };
  }
  let named: RedactionPayload;
  try {
    named = parseRedactionPayload(record.payload);
  } catch (e) {
    return { problem: `entry ${record.seq} has an invalid redaction payload: ${(e as Error).message}` };
  }
  if (named.redacts >= record.seq) return { problem: `redaction entry ${record.seq} names entry ${named.redacts}, which is not earlier` };
  return { named };
}

/** The target side of the rule: a redaction record's own payload is never erased. */
export function erasureTargetProblem(target: RedactionTarget): string | undefined {
  return target.entry.type === REDACTION_TYPE ? `entry ${target.seq} is a redaction record, whose payload cannot be erased` : undefined;
}

/**
 * The whole rule: does `record` prove the erasure of `target`'s payload?
 * @returns undefined if it does, else why not
 */
export function redactionProblem(target: RedactionTarget, record: RedactionRecord): string | undefined {
  const targetProblem = erasureTargetProblem(target);
  if (targetProblem !== undefined) return targetProblem;
  const read = readRedactionRecord(record);
  if ('problem' in read) return read.problem;
  if (record.entry.caseId !== target.entry.caseId) return `entry ${record.seq} belongs to another case`;
  if (read.named.redacts !== target.seq || !equalBytes(read.named.leaf, target.leaf)) {
    return `entry ${record.seq} erases entry ${read.named.redacts}, not entry ${target.seq} with this leaf hash`;
  }
  return undefined;
}
