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
 * in the bundle (one chain tail each) and by one bit per tree position whose
 * entry the bundle carries with a payload (so that a payload shown together
 * with the redaction that erased it is refused), never with the bytes of
 * the entries.
 *
 * Limits, enforced before parsing: a line is at most
 * {@link MAX_BUNDLE_LINE_BYTES} (`INPUT_TOO_LARGE`); base64 fields are length
 * checked before decoding; a proof has at most 64 hashes.
 *
 * Each format rule is the one in checks/ that ledger verification and
 * `trace` use too.
 */
import { checkNat } from '../args.js';
import { equalBytes, toHex } from '../bytes.js';
import { caseLinkFinding, globalLinkFindings, versionOrderFinding, type CaseTail } from '../checks/chain.js';
import { IssueList, isoTime, type Finding, type Issue, type IssueCode } from '../checks/issues.js';
import { erasureTargetProblem, readRedactionRecord, redactionProblem, type RedactionTarget } from '../checks/redaction.js';
import { actorSignatureFindings } from '../checks/signatures.js';
import { decodeEntry, REDACTION_TYPE, type Entry } from '../entry/entry.js';
import { genesisLink, payloadCommitment } from '../entry/payload.js';
import { parseRedactionPayload } from '../entry/redaction.js';
import { LedgerError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from '../tlog/checkpoint.js';
import { leafHash } from '../tlog/merkle-hash.js';
import { verifyInclusion } from '../tlog/merkle-proof.js';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note-keys.js';
import { evaluateWitnessPolicy, type WitnessPolicy, type WitnessPolicyResult } from '../tlog/witness-policy.js';
import { BundleErasures } from './erasures.js';
import type { BundleEntry, BundleFilter, BundleHeader, BundleLine, BundleRedaction } from './format.js';
import { parseBundleLine } from './parse.js';
import { PositionSet } from './positions.js';
import type { BundleCaseSummary, BundleReport, BundleVerifyOptions } from './report.js';
import type { BundleStep, BundleStepPayload } from './steps.js';

export type { BundleCaseSummary, BundleIssue, BundleIssueCode, BundleReport, BundleVerifyOptions } from './report.js';

// ---------------------------------------------------------------------------
// Verification

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
  readonly #issues: IssueList;
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
  /** The highest entry version seen so far (format.md §8 item 4). */
  #version = 0;
  /** Positions whose entry the bundle carried with its payload (format.md §9.3 item 6). */
  readonly #shownPayloads = new PositionSet();
  readonly #erasures: BundleErasures | undefined;
  /** One chain tail (and, once a proven step was seen, a summary) per case: the only state that grows, with the number of cases. */
  readonly #cases = new Map<string, { summary?: BundleCaseSummary; tail: CaseTail }>();
  /** The issues of the line being checked, for its step. */
  #lineIssues: Issue[] = [];
  #finished: BundleReport | undefined;
  readonly #policy: WitnessPolicy | undefined;
  #witnessed: WitnessPolicyResult | undefined;

  /**
   * @param vkey - the ledger's verifier key (string or parsed), from outside the bundle
   * @param opts - `maxIssues` (default 1000); `erasures`, from a first read
   *   of the same bundle, for steps that carry payloads; `witnessPolicy`, for
   *   the header's checkpoint note
   * @throws LedgerError MALFORMED_KEY for a bad vkey; INVALID_ARGUMENT for bad options
   */
  constructor(vkey: string | NoteVerifier, opts: BundleVerifyOptions = {}) {
    this.#verifier = typeof vkey === 'string' ? parseVerifierKey(vkey.trim()) : vkey;
    const max = opts.maxIssues ?? 1000;
    checkNat(max, 'maxIssues');
    this.#issues = new IssueList(max);
    if (opts.erasures !== undefined && !(opts.erasures instanceof BundleErasures)) throw new LedgerError('INVALID_ARGUMENT', 'erasures: expected a BundleErasures', { field: 'erasures' });
    this.#erasures = opts.erasures;
    this.#policy = opts.witnessPolicy;
  }

  #issue(code: IssueCode, message: string, seq?: number, extra: Pick<Issue, 'time'> = {}): void {
    this.#record({ code, severity: 'error', message, line: this.#lineNo, ...(seq === undefined ? {} : { seq }), ...extra });
  }

  #finding(f: Finding | undefined): void {
    if (f !== undefined) this.#record({ severity: 'error', ...f, line: this.#lineNo });
  }

  #record(issue: Issue): void {
    this.#issues.add(issue);
    this.#lineIssues.push(issue);
  }

  /** Records a problem with the stream itself (over-long line, bad UTF-8) and stops. */
  fail(e: unknown): void {
    this.#lineNo++;
    this.#lineIssues = []; // the step of the line before was handed out: its issues stay its own

    const code = e instanceof LedgerError && e.code === 'INPUT_TOO_LARGE' ? 'INPUT_TOO_LARGE' : 'MALFORMED_BUNDLE';
    this.#issue(code, `cannot read the bundle: ${(e as Error)?.message ?? String(e)}`);
    this.#state = 'dead';
  }

  /**
   * Checks the next line of the bundle (without its newline).
   * @returns for an entry line (or an unreadable line where one was due), its
   *   {@link BundleStep}; undefined for the header and end lines
   * @throws LedgerError INVALID_ARGUMENT if called after finish()
   */
  pushLine(line: string): BundleStep | undefined {
    if (this.#finished !== undefined) throw new LedgerError('INVALID_ARGUMENT', 'pushLine: the verifier has finished');
    if (this.#state === 'dead') return undefined;
    this.#lineNo++;
    this.#lineIssues = [];
    if (this.#state === 'ended') {
      this.#issue('MALFORMED_BUNDLE', 'there is a line after the end line');
      this.#state = 'dead';
      return undefined;
    }
    let parsed: BundleLine;
    try {
      parsed = parseBundleLine(line, this.#state === 'header');
    } catch (e) {
      this.#issue('MALFORMED_BUNDLE', (e as Error).message);
      // An unreadable line between header and end still counts as an entry
      // line, so that the end line's count speaks only of lines added or removed.
      if (this.#state === 'header') {
        this.#state = 'dead';
        return undefined;
      }
      this.#entries++;
      return { line: this.#lineNo, proven: false, payload: { state: 'failed' }, issues: this.#lineIssues };
    }
    if (parsed.kind === 'header') this.#onHeader(parsed.header);
    else if (parsed.kind === 'end') this.#onEnd(parsed.entries);
    else return this.#onEntry(parsed.entry);
    return undefined;
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
    if (this.#policy !== undefined) {
      this.#witnessed = evaluateWitnessPolicy(h.checkpoint, this.#policy);
      if (!this.#witnessed.ok) this.#issue(this.#witnessed.code!, `the bundle's checkpoint does not meet the witness policy: ${this.#witnessed.message}`);
    }
  }

  #onEnd(count: number): void {
    this.#state = 'ended';
    if (count !== this.#entries) {
      this.#issue('TRUNCATED', `the end line counts ${count} entries but the bundle holds ${this.#entries}: entry lines were removed or added`);
    }
  }

  #onEntry(r: BundleEntry): BundleStep {
    const h = this.#header!;
    const cp = this.#cp!;
    const seq = r.seq;
    this.#entries++;
    const leaf = leafHash(r.entry);
    let proven = false;
    if (seq >= cp.size) {
      this.#issue('BEYOND_CHECKPOINT', `entry ${seq} is not in the checkpoint's tree of ${cp.size} entries`, seq);
    } else if (!verifyInclusion(leaf, seq, cp.size, r.proof, cp.root)) {
      this.#issue('PROOF_INVALID', `entry ${seq} is not leaf ${seq} of the signed tree: its bytes or its proof were changed`, seq);
    } else {
      proven = true;
      this.#checked.proofs++;
    }
    const step: BundleStep = { line: this.#lineNo, seq, proven, payload: { state: 'failed' }, issues: this.#lineIssues };
    if (proven) step.leafHash = leaf;
    const ordered = seq > this.#lastSeq;
    if (!ordered) this.#issue('SEQ_ORDER', `entry ${seq} comes after entry ${this.#lastSeq}: entries must be in ascending order`, seq);
    let e: Entry;
    try {
      e = decodeEntry(r.entry);
    } catch (err) {
      this.#issue('ENTRY_DECODE', `entry ${seq} does not decode: ${(err as Error).message}`, seq);
      if (ordered) this.#advance(seq, leaf, undefined);
      return step;
    }
    if (e.seq !== seq) this.#issue('SEQ_MISMATCH', `the line says entry ${seq} but the entry says ${e.seq}`, seq);
    if (ordered) this.#checkOrder(e, seq, h.filter);
    this.#checkFilter(e, seq, h.filter);
    this.#checkCase(e, seq, leaf, h.filter, proven);
    const payload = this.#checkPayload(r, e, leaf, cp, proven);
    const sigs = actorSignatureFindings(seq, e, this.#verifier.name);
    // Only signatures that verified, on proven entries, are counted (never one an issue names).
    if (proven) this.#checked.actorSignatures += sigs.checked - sigs.findings.length;
    for (const f of sigs.findings) this.#finding(f);
    if (ordered) this.#advance(seq, leaf, e.time);
    if (proven) {
      step.entry = e;
      step.payload = payload;
    }
    return step;
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
    // The global link is checked where the entry before is known: entry 0
    // (the genesis link) and consecutive positions.
    const prevLeaf = seq === 0 ? genesisLink(this.#verifier.name) : seq === this.#lastSeq + 1 ? this.#lastLeaf : undefined;
    for (const finding of globalLinkFindings(seq, e, prevLeaf, this.#lastTime)) this.#finding(finding);
    this.#finding(versionOrderFinding(seq, e.v, this.#version));
    this.#version = Math.max(this.#version, e.v);
  }

  #checkFilter(e: Entry, seq: number, f: BundleFilter): void {
    if (f.case !== undefined && e.caseId !== f.case) {
      this.#issue('FILTER_MISMATCH', `entry ${seq} belongs to case ${JSON.stringify(e.caseId)}, the bundle is for case ${JSON.stringify(f.case)}`, seq);
    }
    if ((f.since !== undefined && e.time < f.since) || (f.until !== undefined && e.time >= f.until)) {
      this.#issue('FILTER_MISMATCH', `entry ${seq} has time ${isoTime(e.time)}, outside the bundle's time range`, seq, { time: e.time });
    }
  }

  #checkCase(e: Entry, seq: number, leaf: Uint8Array, f: BundleFilter, proven: boolean): void {
    let c = this.#cases.get(e.caseId);
    const tail: CaseTail = { step: e.step, leaf, seq };
    // With `since`, a case may start at any step: its earlier steps are before the range.
    if (c !== undefined || f.since === undefined) this.#finding(caseLinkFinding(seq, e, c?.tail));
    if (c === undefined) {
      c = { tail };
      this.#cases.set(e.caseId, c);
    }
    c.tail = tail;
    // A case summary is a value shown to people: made from proven entries only.
    if (!proven) return;
    if (c.summary === undefined) {
      c.summary = { caseId: e.caseId, firstStep: e.step, lastStep: e.step, firstSeq: seq, lastSeq: seq, steps: 1 };
      return;
    }
    c.summary.lastStep = e.step;
    c.summary.lastSeq = seq;
    c.summary.steps++;
  }

  /** Checks the payload (or its erasure) of an entry line; counts only what verified on a proven entry. */
  #checkPayload(r: BundleEntry, e: Entry, leaf: Uint8Array, cp: Checkpoint, proven: boolean): BundleStepPayload {
    const seq = r.seq;
    if (!this.#header!.payloads) {
      this.#withheld++;
      if (r.payload !== undefined || r.redaction !== undefined) {
        this.#issue('MALFORMED_BUNDLE', `entry ${seq} carries a payload but the header says the bundle has none`, seq);
        return { state: 'failed' };
      }
      return { state: 'withheld' };
    }
    if (r.payload !== undefined && r.salt !== undefined) {
      if (seq < cp.size) this.#shownPayloads.add(seq);
      if (!equalBytes(payloadCommitment(r.salt, r.payload), e.commit)) {
        this.#issue('PAYLOAD_COMMITMENT_MISMATCH', `the payload of entry ${seq} does not match its commitment`, seq);
        return { state: 'failed' };
      }
      if (proven) this.#checked.payloads++;
      if (e.type === REDACTION_TYPE) {
        const read = readRedactionRecord({ seq, entry: e, payload: r.payload, salt: r.salt });
        if ('problem' in read) this.#issue('REDACTION_INVALID', `redaction entry ${seq} is not valid: ${read.problem}`, seq);
        else if (this.#shownPayloads.has(read.named.redacts)) {
          this.#issue(
            'REDACTION_INVALID',
            `redaction entry ${seq} erased the payload of entry ${read.named.redacts}, which this bundle carries: an erased payload is shown again (format.md §4.5)`,
            seq,
          );
          if (this.#erasures !== undefined && !this.#erasures.has(read.named.redacts)) {
            // The first read did not see this line: the payload was handed out with its step.
            this.#issue('MALFORMED_BUNDLE', `the bundle changed between its two reads: the step of entry ${read.named.redacts} was shown with the payload this line erased`, seq);
          }
        }
      }
      // A payload is handed out only once the whole bundle was read for the
      // redactions that erase one (a first read): a line after this one could
      // erase it. What the report says does not depend on this.
      if (this.#erasures === undefined) return { state: 'unconfirmed' };
      if (this.#erasures.has(seq)) return { state: 'refused' };
      return { state: 'verified', bytes: r.payload };
    }
    if (r.redaction === undefined) {
      this.#issue('PAYLOAD_MISSING', `the payload of entry ${seq} is missing and no redaction is given for it`, seq);
      return { state: 'failed' };
    }
    const rr = r.redaction;
    const why = this.#redactionProblem(rr, { seq, leaf, entry: e }, cp);
    if (why !== undefined) {
      this.#issue('REDACTION_INVALID', `the redaction given for entry ${seq} is not valid: ${why}`, seq);
      return { state: 'failed' };
    }
    if (proven) {
      this.#checked.redactions++;
      this.#redacted++;
    }
    // #redactionProblem proved, decoded and parsed the record: these cannot throw here.
    return { state: 'erased', redaction: { seq: rr.seq, entry: decodeEntry(rr.entry), reason: parseRedactionPayload(rr.payload).reason } };
  }

  /** Why the redaction record given for `target` does not prove its erasure: it must be proven in the same tree, then pass the rule of checks/redaction.ts. */
  #redactionProblem(rr: BundleRedaction, target: RedactionTarget, cp: Checkpoint): string | undefined {
    const targetProblem = erasureTargetProblem(target);
    if (targetProblem !== undefined) return targetProblem;
    const leaf = leafHash(rr.entry);
    if (rr.seq >= cp.size || !verifyInclusion(leaf, rr.seq, cp.size, rr.proof, cp.root)) return `entry ${rr.seq} is not proven in the signed tree`;
    let re: Entry;
    try {
      re = decodeEntry(rr.entry);
    } catch (e) {
      return `entry ${rr.seq} does not decode: ${(e as Error).message}`;
    }
    if (re.seq !== rr.seq) return `the record says entry ${rr.seq} but the entry says ${re.seq}`;
    return redactionProblem(target, { seq: rr.seq, entry: re, payload: rr.payload, salt: rr.salt });
  }

  /**
   * Ends verification.
   * @returns the report (the same object on later calls)
   */
  finish(): BundleReport {
    if (this.#finished !== undefined) return this.#finished;
    this.#lineIssues = [];
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
      ok: this.#issues.count === 0,
      origin: this.#verifier.name,
      entries: this.#entries,
      checked: { ...this.#checked },
      withheld: this.#withheld,
      redacted: this.#redacted,
      cases: [...this.#cases.values()].flatMap((c) => (c.summary === undefined ? [] : [{ ...c.summary }])),
      issues: this.#issues.list,
      issueCount: this.#issues.count,
    };
    if (cp !== undefined) report.checkpoint = { size: cp.size, root: toHex(cp.root) };
    if (h !== undefined) {
      report.payloads = h.payloads;
      report.filter = h.filter;
      if (h.created !== undefined) report.created = h.created;
    }
    if (complete !== undefined) report.complete = complete;
    if (this.#witnessed !== undefined) report.witnessed = this.#witnessed;
    this.#finished = report;
    return report;
  }
}
