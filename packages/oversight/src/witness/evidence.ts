/**
 * Split-view evidence a witness keeps (docs/oversight.md "Evidence"): when
 * a log shows it a validly signed checkpoint that cannot be true together
 * with one it cosigned, the witness refuses it and keeps both notes — each
 * verifiable by anyone with the log's key — in `evidence/<kind>-<hash>/`:
 *
 *     record.json            what, when, and both checkpoints (below)
 *     cosigned.checkpoint    the note the witness had cosigned, verbatim
 *     submitted.checkpoint   the note it was shown, verbatim
 *     request.body           the add-checkpoint request body, verbatim
 *
 * Kinds: `fork` (two signed checkpoints of one size with different roots:
 * conclusive), `rollback` (a signed checkpoint smaller than the latest
 * cosigned one and not among those cosigned: conclusive only together with
 * the log's claim that it is current, since anyone can replay an old
 * checkpoint), `unproven` (a signed checkpoint larger than the latest
 * cosigned one whose consistency proof fails — tlog-witness: "MAY log the
 * request ... as it might be proof of log misbehavior"; not conclusive, the
 * proof may just be wrong). Requests are unauthenticated, so records are
 * deduplicated by content and capped at {@link MAX_EVIDENCE}.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { keepRecord } from '../durable/records.js';
import { readStateFile } from '../durable/state-file.js';

export const EVIDENCE_FORMAT = 'casetrail-witness-evidence/v1';
/** Records kept at most; beyond it new ones are refused (and the answer says so). */
export const MAX_EVIDENCE = 1000;

export type EvidenceKind = 'fork' | 'rollback' | 'unproven';

/** One checkpoint in a record. */
export interface EvidenceCheckpoint {
  size: number;
  /** base64, as in the note */
  root: string;
  note: string;
}

export interface EvidenceRecord {
  format: typeof EVIDENCE_FORMAT;
  kind: EvidenceKind;
  /** Whether the two notes alone prove that the log misbehaved. */
  conclusive: boolean;
  origin: string;
  /** When it was recorded, seconds since 1970. */
  recorded: number;
  explanation: string;
  /** What the witness had cosigned (the latest, or the one of the same size). */
  cosigned: EvidenceCheckpoint & { timestamp: number };
  submitted: EvidenceCheckpoint & { oldSize: number };
  /** The request body, verbatim. */
  body: string;
}

/** A record as listed, with where it is. */
export interface StoredEvidence extends EvidenceRecord {
  id: string;
  path: string;
}

/**
 * Keeps a record (see above).
 * @returns where it is, or why it was not kept (`duplicate`: the same two notes are kept already; `full`)
 */
export function recordEvidence(stateDir: string, r: EvidenceRecord): { id: string; path: string; kept: boolean; why?: 'duplicate' | 'full' } {
  const hash = createHash('sha256').update(`${r.kind}\n${r.cosigned.note}\n\u0000${r.submitted.note}`).digest('hex').slice(0, 16);
  return keepRecord(
    join(stateDir, 'evidence'),
    `${r.kind}-${hash}`,
    { 'record.json': `${JSON.stringify(r, null, 2)}\n`, 'cosigned.checkpoint': r.cosigned.note, 'submitted.checkpoint': r.submitted.note, 'request.body': r.body },
    MAX_EVIDENCE,
  );
}

/**
 * The records kept, oldest first. A record that does not parse is listed
 * by its directory only (kind and origin unknown), never skipped silently.
 */
export function listEvidence(stateDir: string): Array<StoredEvidence | { id: string; path: string; unreadable: string }> {
  const dir = join(stateDir, 'evidence');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: Array<StoredEvidence | { id: string; path: string; unreadable: string }> = [];
  for (const id of names.sort()) {
    const path = join(dir, id);
    try {
      const text = readStateFile(join(path, 'record.json'));
      if (text === undefined) throw new Error('record.json is missing');
      const r = JSON.parse(text) as EvidenceRecord;
      if (r.format !== EVIDENCE_FORMAT) throw new Error(`format is not ${EVIDENCE_FORMAT}`);
      out.push({ ...r, id, path });
    } catch (e) {
      out.push({ id, path, unreadable: (e as Error).message });
    }
  }
  return out.sort((a, b) => ('recorded' in a ? a.recorded : 0) - ('recorded' in b ? b.recorded : 0));
}
