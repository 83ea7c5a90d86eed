/**
 * Packs and calendars in force are read from the ledger (its type index)
 * and believed only once their entry is proven: the payload against the
 * entry's commitment, the entry bytes against the ledger's signed
 * checkpoint (an RFC 9162 inclusion proof, or for an entry after the latest
 * checkpoint the chain of `prev` links from an entry it covers), under the
 * verifier key the caller gives — never one read from the file. A pack
 * adoption edited in the file is refused with ADOPTION_UNVERIFIED rather
 * than screened with (docs/supervision.md §13).
 */
import {
  decodeEntry,
  decodePayload,
  equalBytes,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyInclusion,
  type Ledger,
  type LedgerEntry as StoredRow,
} from '@casetrail/core';
import { SYSTEM_CASE, TYPES, type LedgerEntry } from '../entry-model.js';
import { SupervisionError } from '../errors.js';
import { parseSystemPayload } from '../system-entries.js';
import { payloadText } from './stored.js';

/** An adoption entry whose bytes were proven, as the engine's input. */
export interface ProvenAdoption {
  readonly entry: LedgerEntry;
  /** hex of its leaf hash: a row read later must have this one */
  readonly leaf: string;
}

const ADOPTION_TYPES = [TYPES.rulesAdopted, TYPES.calendarAdopted] as const;

/** Why an adoption's payload cannot be believed, by the state the core's reads give it. */
const PAYLOAD_PROBLEM: Readonly<Record<string, string>> = {
  erased: 'its payload was erased',
  missing: 'its payload is missing and no valid redaction erased it',
  mismatch: 'its payload does not match the commitment in its bytes',
  restored: 'its payload was erased by a redaction and is present again',
};

function unverified(seq: number, why: string, what = 'adoption'): never {
  throw new SupervisionError('ADOPTION_UNVERIFIED', `${what} entry ${seq} cannot be trusted: ${why}; ${what === 'adoption' ? 'supervision refuses to screen with it' : 'it is not used'} (run \`casetrail verify\`)`, { seq });
}

/**
 * Every pack and calendar adoption of the ledger, each proven, in seq order;
 * those in `known` (seq → leaf hex, proven before or written by this
 * process) are not proven again.
 * @throws SupervisionError ADOPTION_UNVERIFIED, MALFORMED_SYSTEM_ENTRY
 */
export async function provenAdoptions(ledger: Ledger, vkey: string, known: ReadonlyMap<number, ProvenAdoption>): Promise<ProvenAdoption[]> {
  const proven = await provenSystemEntries(ledger, vkey, ADOPTION_TYPES, SYSTEM_CASE, known, 'adoption');
  // The pack's own checks: canonical JSON, the hash of the pack, a valid pack (MALFORMED_SYSTEM_ENTRY otherwise).
  for (const p of proven) if (!known.has(p.entry.seq)) parseSystemPayload(p.entry.type as (typeof ADOPTION_TYPES)[number], p.entry.payload!, p.entry);
  return proven;
}

/**
 * The entries of `types` in the case `caseId`, each proven as an adoption
 * is (its payload against its commitment, its bytes against the latest
 * checkpoint signed under `vkey`), in seq order; those in `known` with the
 * same leaf hash are not proven again. The one proof of a layer's records
 * it decides by (a policy, a directory of actors): an entry edited in the
 * file is refused with ADOPTION_UNVERIFIED, never used.
 * @param what - the records' name in messages ("adoption", "directory entry")
 * @throws SupervisionError ADOPTION_UNVERIFIED
 */
export async function provenSystemEntries(
  ledger: Ledger,
  vkey: string,
  types: readonly string[],
  caseId: string,
  known: ReadonlyMap<number, ProvenAdoption>,
  what: string,
): Promise<ProvenAdoption[]> {
  const rows: StoredRow[] = [];
  for (const type of types) {
    for await (const row of ledger.stream({ type })) rows.push(row);
  }
  rows.sort((a, b) => a.seq - b.seq);
  const out: ProvenAdoption[] = [];
  let anchor: Anchor | undefined;
  for (const row of rows) {
    const leaf = leafHash(row.bytes);
    const was = known.get(row.seq);
    if (was !== undefined && was.leaf === toHex(leaf)) {
      out.push(was);
      continue;
    }
    anchor ??= await Anchor.latest(ledger, vkey, what);
    out.push(await prove(ledger, anchor, row, leaf, types, caseId, what));
  }
  return out;
}

async function prove(ledger: Ledger, anchor: Anchor, row: StoredRow, leaf: Uint8Array, types: readonly string[], caseId: string, what: string): Promise<ProvenAdoption> {
  const seq = row.seq;
  const e = decodeEntry(row.bytes);
  if (e.seq !== seq || !types.includes(e.type) || e.caseId !== caseId) unverified(seq, `its bytes are not ${what === 'adoption' ? 'an adoption entry' : `a ${what}`} of the case ${caseId} at this position`, what);
  // The core's reads hand out a payload only when it matches the commitment in the bytes (payloadState 'present').
  if (row.payloadState !== 'present' || row.payload === null) unverified(seq, PAYLOAD_PROBLEM[row.payloadState] ?? `its payload is ${row.payloadState}`, what);
  const issue = row.issues.find((i) => i.severity === 'error');
  if (issue !== undefined) unverified(seq, `its row does not check (${issue.code}: ${issue.message})`, what);
  await anchor.covers(ledger, seq, leaf, row.bytes);
  const payload = payloadText(row.payload);
  const entry: LedgerEntry = { seq, time: e.time, caseId: e.caseId, step: e.step, type: e.type, actor: e.actor, data: decodePayload(row.payload), payload };
  return { entry, leaf: toHex(leaf) };
}

/** The latest checkpoint signed by the ledger's key, and the leaf of its last entry once proven. */
class Anchor {
  private lastLeaf: Uint8Array | undefined;

  private constructor(
    readonly size: number,
    readonly root: Uint8Array,
    readonly what: string,
  ) {}

  static async latest(ledger: Ledger, vkey: string, what: string): Promise<Anchor> {
    const cp = await ledger.latestCheckpoint();
    if (cp === undefined) throw new SupervisionError('ADOPTION_UNVERIFIED', `the ledger has no signed checkpoint to prove its ${what} entries against: sign one (\`casetrail checkpoint --sign\`)`);
    let opened;
    try {
      opened = openCheckpoint(cp.note, [parseVerifierKey(vkey)]);
    } catch (e) {
      throw new SupervisionError('ADOPTION_UNVERIFIED', `the ledger's latest checkpoint does not verify under the verifier key given (${(e as Error).message})`, {}, { cause: e });
    }
    if (opened.size !== cp.size) throw new SupervisionError('ADOPTION_UNVERIFIED', 'the latest checkpoint row disagrees with its signed note');
    return new Anchor(opened.size, opened.root, what);
  }

  /** Proves that `bytes` (whose leaf hash is `leaf`) are entry `seq` of the ledger the checkpoint signed, or of its chain beyond it. */
  async covers(ledger: Ledger, seq: number, leaf: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (seq < this.size) {
      const p = await ledger.proveInclusion(seq, this.size);
      if (!verifyInclusion(leaf, seq, this.size, p.proof, this.root)) unverified(seq, 'it is not the entry the signed checkpoint includes at that position', this.what);
      return;
    }
    if (this.size === 0) unverified(seq, 'no signed checkpoint covers any entry before it', this.what);
    // After the latest checkpoint: follow `prev` back to the last entry it covers.
    for (let s = seq; ; s--) {
      const prev = decodeEntry(bytes).prev;
      if (s === this.size) {
        this.lastLeaf ??= await this.provenLast(ledger);
        if (!equalBytes(prev, this.lastLeaf)) unverified(seq, `the chain from it does not lead to entry ${this.size - 1}, which the signed checkpoint covers`, this.what);
        return;
      }
      bytes = (await ledger.get(s - 1)).bytes;
      if (!equalBytes(leafHash(bytes), prev)) unverified(seq, `entry ${s} does not link to entry ${s - 1}`, this.what);
    }
  }

  private async provenLast(ledger: Ledger): Promise<Uint8Array> {
    const last = this.size - 1;
    const leaf = leafHash((await ledger.get(last)).bytes);
    const p = await ledger.proveInclusion(last, this.size);
    if (!verifyInclusion(leaf, last, this.size, p.proof, this.root)) unverified(last, 'the last entry the signed checkpoint covers does not match it', this.what);
    return leaf;
  }
}

