/**
 * Reading a transfer bundle as its receiver does (docs/oversight.md §10.4):
 * the offline verifier's own bundle verification (`verifyBundle` of
 * @casetrail/verify, format.md §9.3) under the sender's key, strict — one
 * issue refuses the bundle — and then only values from verified bytes: the
 * proven entries, their verified payloads, the proofs of the lines that
 * verified, the header's checkpoint note that opened under the key.
 *
 * Named steps, each with its code: the size; verification (a checkpoint not
 * signed by the sender's key is TRANSFER_WRONG_SENDER, any other issue
 * TRANSFER_UNVERIFIED); the shape of a transfer bundle (one whole case with
 * its payloads: TRANSFER_INVALID); the transfer step (TRANSFER_STEP_MISSING
 * when the case has none, TRANSFER_INVALID when its payload is not there
 * or not a transfer); given the receiving unit's name, the unit the transfer
 * names (TRANSFER_MISADDRESSED).
 */
import {
  LedgerError,
  formatVerifierKey,
  fromHex,
  parseBundleLine,
  parseNote,
  parseVerifierKey,
  sha256,
  stepVerified,
  verifyBundle,
  type BundleHeader,
  type BundleReport,
  type BundleStep,
  type Entry,
  type NoteVerifier,
  type WitnessPolicy,
} from '@casetrail/verify';
import { CLUE_TRANSFERRED, parseTransferStep, type CitedEntry, type TransferStepData } from './payloads.js';

/** Largest transfer bundle read: one case with its payloads (a payload is at most 16 MiB). */
export const MAX_TRANSFER_BUNDLE_BYTES = 64 * 1024 * 1024;

/** A transfer bundle that verified under the sender's key, with what it proves. */
export interface TransferBundle {
  /** SHA-256 of the bundle's bytes. */
  hash: Uint8Array;
  /** The sender's origin (its key's name). */
  origin: string;
  /** The sender's verifier key the bundle verified under, in its canonical form. */
  vkey: string;
  /** The case the bundle holds, whole from its first step. */
  caseId: string;
  /** The signed checkpoint note of the header (as written, with any cosignature lines), its size and root. */
  checkpoint: { note: string; size: number; root: Uint8Array };
  /** Every entry of the bundle, proven: its decoded entry, leaf hash and proof; the payload when verified. */
  entries: (CitedEntry & { entry: Entry; payload?: Uint8Array })[];
  /** The case's latest `clue.transferred` step in the bundle, and what it says. */
  transfer: CitedEntry & { entry: Entry; data: TransferStepData };
  /** The verification report (ok). */
  report: BundleReport;
}

export interface ReadTransferOptions {
  /** A witness policy the bundle's checkpoint must meet (format.md §6.4), as for every verifier. */
  witnessPolicy?: WitnessPolicy;
  /** The receiving unit's name: the transfer step must name it (`to`). */
  unit?: string;
}

/**
 * Verifies a transfer bundle fully, strictly, under the sender's key.
 * @param bytes - the bundle file's bytes (attacker-controlled)
 * @param fromVkey - the sender's verifier key, from outside the bundle
 * @returns what the bundle proves; nothing in it comes from bytes that did not verify
 * @throws LedgerError MALFORMED_KEY; INPUT_TOO_LARGE; TRANSFER_WRONG_SENDER;
 *   TRANSFER_UNVERIFIED (`details.issues`: the first issues, `details.issueCount`);
 *   TRANSFER_INVALID; TRANSFER_STEP_MISSING; TRANSFER_MISADDRESSED (with `unit`)
 */
export async function readTransferBundle(bytes: Uint8Array, fromVkey: string, options: ReadTransferOptions = {}): Promise<TransferBundle> {
  if (!(bytes instanceof Uint8Array)) throw new LedgerError('INVALID_ARGUMENT', 'bytes: expected a Uint8Array');
  if (bytes.length > MAX_TRANSFER_BUNDLE_BYTES) {
    throw new LedgerError('INPUT_TOO_LARGE', `the transfer bundle is larger than ${MAX_TRANSFER_BUNDLE_BYTES} bytes`, { limit: MAX_TRANSFER_BUNDLE_BYTES });
  }
  const key = parseVerifierKey(fromVkey);
  const { report, steps } = await verified(bytes, key, options);
  const lines = new TextDecoder().decode(bytes).split('\n');
  const header = (parseBundleLine(lines[0]!, true) as { header: BundleHeader }).header;
  const caseId = transferShape(header);
  const entries = steps.map((s) => proven(s, lines));
  const transfer = transferStep(entries, caseId);
  if (options.unit !== undefined && transfer.data.to !== options.unit) {
    throw new LedgerError('TRANSFER_MISADDRESSED', `the transfer step (entry ${transfer.seq}) sends the case to ${JSON.stringify(transfer.data.to)}, not to ${JSON.stringify(options.unit)}; nothing was recorded`, { to: transfer.data.to, unit: options.unit });
  }
  return {
    hash: sha256(bytes),
    origin: key.name,
    vkey: formatVerifierKey(key.name, key.publicKey),
    caseId,
    checkpoint: { note: header.checkpoint, size: report.checkpoint!.size, root: fromHex(report.checkpoint!.root) },
    entries,
    transfer,
    report,
  };
}

/** Step 1: the offline verifier's bundle verification, read twice (erasures first), no issue allowed. */
async function verified(bytes: Uint8Array, key: NoteVerifier, options: ReadTransferOptions): Promise<{ report: BundleReport; steps: BundleStep[] }> {
  const steps: BundleStep[] = [];
  const report = await verifyBundle(bytes, key, {
    maxIssues: 20,
    ...(options.witnessPolicy === undefined ? {} : { witnessPolicy: options.witnessPolicy }),
    onStep: (s) => void steps.push(s),
  });
  if (report.ok && report.checkpoint !== undefined && steps.every(stepVerified)) return { report, steps };
  if (!signedBy(bytes, key)) {
    throw new LedgerError('TRANSFER_WRONG_SENDER', `the bundle's checkpoint is not signed by the sender's key ${key.name} (${hex8(key.keyId)}): it is another ledger's, or forged; nothing was recorded`, {
      origin: key.name,
    });
  }
  const first = report.issues[0];
  throw new LedgerError(
    'TRANSFER_UNVERIFIED',
    `the transfer bundle does not verify (${report.issueCount} issue(s); first: ${first === undefined ? 'a step that did not verify' : `${first.code} on line ${String(first.line)}: ${first.message}`}); nothing was recorded`,
    { issues: report.issues.slice(0, 20).map((i) => ({ code: i.code, line: i.line, message: i.message })), issueCount: report.issueCount },
  );
}

/** Whether the header's checkpoint note carries a signature line by the key (its name and key ID), whatever it signs. */
function signedBy(bytes: Uint8Array, key: NoteVerifier): boolean {
  try {
    const first = new TextDecoder().decode(bytes.subarray(0, Math.max(0, bytes.indexOf(0x0a))));
    const header = (parseBundleLine(first, true) as { header: BundleHeader }).header;
    return parseNote(header.checkpoint).signatures.some((s) => s.name === key.name && s.keyId === key.keyId);
  } catch {
    // A header that does not parse is not the sender's signature: it is a bundle that does not verify.
    return true;
  }
}

/** Step 2: a transfer bundle holds one whole case (filter `case` only) with its payloads. */
function transferShape(header: BundleHeader): string {
  const f = header.filter;
  if (!header.payloads) throw new LedgerError('TRANSFER_INVALID', 'the bundle was exported without payloads: a transfer carries the case with its payloads; nothing was recorded');
  if (f.case === undefined || f.since !== undefined || f.until !== undefined) {
    throw new LedgerError('TRANSFER_INVALID', 'the bundle is not one whole case (its filter must name a case and nothing else): a transfer carries a case from its first step; nothing was recorded');
  }
  return f.case;
}

/** An entry line that verified: its entry, leaf hash, the proof that led to the root, its payload when present. */
function proven(s: BundleStep, lines: readonly string[]): CitedEntry & { entry: Entry; payload?: Uint8Array } {
  // stepVerified held for every step: proven, decoded, no issue on its line.
  const line = parseBundleLine(lines[s.line - 1]!, false);
  if (line.kind !== 'entry') throw new LedgerError('TRANSFER_UNVERIFIED', `line ${s.line} is not an entry line`);
  const out: CitedEntry & { entry: Entry; payload?: Uint8Array } = { seq: s.entry!.seq, leafHash: s.leafHash!, proof: line.entry.proof, entry: s.entry! };
  if (s.payload.state === 'verified') out.payload = s.payload.bytes;
  return out;
}

/** Step 3: the case's latest `clue.transferred` step, with a payload that says where it goes. */
function transferStep(entries: ReturnType<typeof proven>[], caseId: string): TransferBundle['transfer'] {
  const t = entries.filter((e) => e.entry.type === CLUE_TRANSFERRED && e.entry.caseId === caseId).at(-1);
  if (t === undefined) {
    throw new LedgerError('TRANSFER_STEP_MISSING', `the bundle holds no ${CLUE_TRANSFERRED} step of case ${JSON.stringify(caseId)}: it is evidence, not a transfer (the sender records one with \`transfer export\`); nothing was recorded`, { caseId });
  }
  if (t.payload === undefined) throw new LedgerError('TRANSFER_INVALID', `the ${CLUE_TRANSFERRED} step (entry ${t.seq}) has no payload: it was erased; nothing was recorded`, { seq: t.seq });
  return { seq: t.seq, leafHash: t.leafHash, proof: t.proof, entry: t.entry, data: parseTransferStep(t.payload) };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
