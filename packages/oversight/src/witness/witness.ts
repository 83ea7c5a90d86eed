/**
 * A witness (c2sp.org/tlog-witness) run by a superior office for its
 * subordinates' ledgers: it keeps, per log origin, the checkpoints it
 * cosigned (state.ts), and answers an add-checkpoint request exactly as
 * tlog-witness v1.0.0 says — 404 unknown origin, 403 no trusted signature,
 * 400 old size above the checkpoint size, 409 old size not the latest
 * cosigned one (with that size) or one size with two roots, 422 a proof that
 * does not verify, else 200 with a c2sp.org/tlog-cosignature line, persisted
 * before it is returned, the check and the write under one lock.
 *
 * Besides the protocol, it keeps split-view evidence (evidence.ts) of
 * validly signed checkpoints that conflict with what it cosigned. The
 * HTTP status is the protocol's in every case; the evidence is a record.
 */
import { join } from 'node:path';
import { readSignerKeyFile } from '@casetrail/core';
import {
  EMPTY_ROOT,
  LedgerError,
  ed25519PublicKey,
  equalBytes,
  formatCosignatureVerifierKey,
  formatSignerKey,
  generateSeed,
  isValidKeyName,
  openCheckpoint,
  parseVerifierKey,
  parseWitnessBody,
  signCosignature,
  toBase64,
  verifyConsistency,
  verifyWitnessBody,
  type Checkpoint,
  type ErrorCode,
  type NoteVerifier,
  type ParsedWitnessBody,
} from '@casetrail/verify';
import { lockStateDir } from '../durable/lock.js';
import { checkStateDir, createFileOnce, ensureStateDir, readStateFile, replaceStateFile } from '../durable/state-file.js';
import { listEvidence, recordEvidence, EVIDENCE_FORMAT, type EvidenceKind } from './evidence.js';
import { MAX_HISTORY, MAX_LOGS, WITNESS_STATE_FORMAT, formatWitnessState, parseWitnessState, rootOf, type CosignedCheckpoint, type LogState, type WitnessStateData } from './state.js';

/** Files of a witness state directory. */
export const WITNESS_FILES = { key: 'witness.key', vkey: 'witness.vkey', state: 'state.json' } as const;

/** The HTTP status tlog-witness gives each outcome. */
export type WitnessStatus = 200 | 400 | 403 | 404 | 409 | 422;

/** What a witness answers to an add-checkpoint request. */
export interface WitnessAnswer {
  status: WitnessStatus;
  /** The error code (docs/errors.md) of a refusal; absent with 200. */
  code?: ErrorCode;
  message: string;
  /** The checkpoint's origin, once the body parsed. */
  origin?: string;
  /** The submitted checkpoint's size, once its signature verified. */
  size?: number;
  /** 200: the cosignature line (c2sp.org/tlog-cosignature), ending in "\n". */
  cosignature?: string;
  /** 200: when it was made, seconds since 1970. */
  timestamp?: number;
  /** 409 for an old size that is not the latest: the size of the latest cosigned checkpoint (the tlog-witness response body). */
  latestSize?: number;
  /** Split-view evidence this request produced. */
  evidence?: { id: string; path: string; kind: EvidenceKind; conclusive: boolean; kept: boolean; why?: string };
}

/** Options of {@link Witness.addCheckpoint}. */
export interface AddCheckpointOptions {
  /** Only this log key may have signed it (it must be one the witness trusts for the origin, else 404). */
  logVkey?: string;
  /** The witness's clock, seconds since 1970 (default now). */
  now?: number;
}

function stateInvalid(message: string, path: string): LedgerError {
  return new LedgerError('STATE_INVALID', message, { path });
}

/** What a note's refusal code means to tlog-witness: a checkpoint no trusted key signed is 403. */
const SIGNATURE_CODES: ReadonlySet<string> = new Set(['MALFORMED_NOTE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY', 'MALFORMED_CHECKPOINT', 'INPUT_TOO_LARGE']);

/**
 * Creates a witness: its state directory (mode 0700; it may exist, empty),
 * its cosignature key (`witness.key`, 0600: a signed-note signer key whose
 * Ed25519 key makes type 0x04 cosignatures), its verifier key
 * (`witness.vkey`) and an empty state.
 * @returns the witness's cosignature verifier key (`name+hex8+base64(0x04 ‖ key)`)
 * @throws LedgerError INVALID_ARGUMENT (a name that is not a key name),
 *   STATE_EXISTS (a witness is there already), STATE_INVALID (the directory
 *   is a link, not a directory, or writable by others)
 */
export function initWitness(dir: string, name: string): { name: string; vkey: string; dir: string; keyFile: string } {
  if (typeof name !== 'string' || !isValidKeyName(name)) {
    throw new LedgerError('INVALID_ARGUMENT', 'name must be a key name: non-empty, no spaces, no "+"', { field: 'name' });
  }
  ensureStateDir(dir);
  for (const f of Object.values(WITNESS_FILES)) {
    if (readStateFileExists(join(dir, f))) throw new LedgerError('STATE_EXISTS', `${dir} already holds a witness (${f}); a witness is never created over another`, { path: dir });
  }
  const seed = generateSeed();
  const vkey = formatCosignatureVerifierKey(name, ed25519PublicKey(seed));
  const keyFile = join(dir, WITNESS_FILES.key);
  if (!createFileOnce(keyFile, `${formatSignerKey(name, seed)}\n`, 0o600)) throw new LedgerError('STATE_EXISTS', `${keyFile} exists`, { path: keyFile });
  const state: WitnessStateData = { format: WITNESS_STATE_FORMAT, name, vkey, logs: [] };
  if (!createFileOnce(join(dir, WITNESS_FILES.state), formatWitnessState(state), 0o600)) throw new LedgerError('STATE_EXISTS', `${dir} already holds a state`, { path: dir });
  createFileOnce(join(dir, WITNESS_FILES.vkey), `${vkey}\n`, 0o644);
  return { name, vkey, dir, keyFile };
}

function readStateFileExists(path: string): boolean {
  try {
    return readStateFile(path) !== undefined;
  } catch {
    return true; // something is there (a link, a directory): not ours to overwrite
  }
}

export class Witness {
  private constructor(
    readonly dir: string,
    readonly name: string,
    readonly vkey: string,
    private readonly seed: Uint8Array,
  ) {}

  /**
   * Opens a witness state directory with its key (default `witness.key` in it).
   * @throws LedgerError STATE_INVALID (no state, a state that does not
   *   parse or is not this key's), KEY_FILE, KEY_FILE_PERMISSIONS, MALFORMED_KEY
   */
  static open(dir: string, options: { keyFile?: string } = {}): Witness {
    checkStateDir(dir);
    const signer = readSignerKeyFile(options.keyFile ?? join(dir, WITNESS_FILES.key));
    const vkey = formatCosignatureVerifierKey(signer.name, signer.publicKey);
    const w = new Witness(dir, signer.name, vkey, signer.seed);
    const s = w.state();
    if (s.name !== signer.name || s.vkey !== vkey) throw stateInvalid(`the witness state in ${dir} belongs to ${s.vkey}, not to the key given (${vkey})`, dir);
    return w;
  }

  private get statePath(): string {
    return join(this.dir, WITNESS_FILES.state);
  }

  /** The state as stored now. @throws LedgerError STATE_INVALID */
  state(): WitnessStateData {
    const text = readStateFile(this.statePath);
    if (text === undefined) throw stateInvalid(`there is no witness state in ${this.dir}: create one with \`casetrail witness init\``, this.statePath);
    return parseWitnessState(text, this.statePath);
  }

  /** Runs `fn` on the state under the directory's lock, and stores what it returns (if anything). */
  private async update<T>(fn: (s: WitnessStateData) => { result: T; changed: boolean }): Promise<T> {
    const lock = await lockStateDir(this.dir, 'witness state');
    try {
      const s = this.state();
      const { result, changed } = fn(s);
      if (changed) replaceStateFile(this.statePath, formatWitnessState(s));
      return result;
    } finally {
      lock.release();
    }
  }

  /**
   * Accepts a log: checkpoints of `origin` (default the key's name) signed
   * by `vkey` may be cosigned. Adding a second key to an origin is allowed
   * (a log's key rotation); adding one twice changes nothing.
   * @returns the log as configured, and whether this call changed it
   * @throws LedgerError MALFORMED_KEY, INVALID_ARGUMENT (an origin that is not a checkpoint origin), STATE_INVALID, STATE_LOCKED
   */
  async addLog(vkey: string, origin?: string): Promise<{ origin: string; vkeys: string[]; added: boolean }> {
    const key = parseVerifierKey(vkey.trim());
    const o = origin ?? key.name;
    if (typeof o !== 'string' || o === '' || /[\p{Cc}]/u.test(o) || o.trim() !== o) {
      throw new LedgerError('INVALID_ARGUMENT', 'origin must be a checkpoint origin line (printable, no leading or trailing space)', { field: 'origin' });
    }
    const k = vkey.trim();
    return this.update((s) => {
      let log = s.logs.find((l) => l.origin === o);
      if (log === undefined) {
        if (s.logs.length >= MAX_LOGS) throw new LedgerError('INVALID_ARGUMENT', `the witness accepts at most ${MAX_LOGS} logs`);
        log = { origin: o, vkeys: [], cosigned: [] };
        s.logs.push(log);
      }
      const added = !log.vkeys.includes(k);
      if (added) log.vkeys.push(k);
      return { result: { origin: o, vkeys: [...log.vkeys], added }, changed: added };
    });
  }

  /** The latest checkpoint cosigned for `origin`, if any. */
  latest(origin: string): CosignedCheckpoint | undefined {
    return this.state().logs.find((l) => l.origin === origin)?.cosigned.at(-1);
  }

  /** The evidence kept in this witness's state directory. */
  evidence(): ReturnType<typeof listEvidence> {
    return listEvidence(this.dir);
  }

  /**
   * The add-checkpoint call of c2sp.org/tlog-witness (see the module
   * comment). Never throws for what the body holds: every refusal is an
   * answer with its status and code.
   * @param body - the request body (attacker-controlled)
   * @throws LedgerError STATE_INVALID, STATE_LOCKED; system errors writing the state
   */
  async addCheckpoint(body: string | Uint8Array, options: AddCheckpointOptions = {}): Promise<WitnessAnswer> {
    let parsed: ParsedWitnessBody;
    try {
      parsed = parseWitnessBody(body);
    } catch (e) {
      return refusal(400, e);
    }
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const logVkey = options.logVkey?.trim();
    return this.update((s) => {
      const log = s.logs.find((l) => l.origin === parsed.claimedOrigin);
      const keys = log === undefined ? [] : logVkey === undefined ? log.vkeys : log.vkeys.filter((k) => k === logVkey);
      if (log === undefined || keys.length === 0) {
        const why = log === undefined ? 'is not a log this witness accepts (add it with `casetrail witness add-log`)' : 'is accepted, but not under the --log-vkey given';
        return { result: { status: 404, code: 'UNKNOWN_LOG', message: `origin ${JSON.stringify(parsed.claimedOrigin)} ${why}`, origin: parsed.claimedOrigin }, changed: false };
      }
      const verifiers = keys.map((k) => parseVerifierKey(k));
      let cp: Checkpoint & { note: string };
      try {
        cp = openCheckpoint(parsed.checkpoint, verifiers);
      } catch (e) {
        return { result: { ...refusal(403, e), origin: log.origin }, changed: false };
      }
      const split = this.splitView(log, parsed, cp, now);
      const answer = this.check(log, parsed, cp, verifiers, split, now);
      if (answer.status !== 200) return { result: answer, changed: false };
      log.cosigned.push({ size: cp.size, root: toBase64(cp.root), note: parsed.checkpoint, timestamp: now });
      if (log.cosigned.length > MAX_HISTORY) log.cosigned.splice(0, log.cosigned.length - MAX_HISTORY);
      return { result: answer, changed: true };
    });
  }

  /** The protocol's checks after the signature, in its order; 200 with the cosignature line. */
  private check(log: LogState, body: ParsedWitnessBody, cp: Checkpoint & { note: string }, verifiers: NoteVerifier[], split: SplitView | undefined, now: number): WitnessAnswer {
    const latest = log.cosigned.at(-1);
    const old = latest === undefined ? { size: 0, root: EMPTY_ROOT } : { size: latest.size, root: rootOf(latest) };
    const base = { origin: log.origin, size: cp.size, ...(split === undefined ? {} : { evidence: split.evidence }) };
    try {
      verifyWitnessBody(body, verifiers, old);
    } catch (e) {
      const code = e instanceof LedgerError ? e.code : undefined;
      if (code === 'MALFORMED_PROOF') return { ...refusal(400, e), ...base };
      if (code === 'INCONSISTENT' && (e as LedgerError).details['expectedOldSize'] !== undefined) {
        return {
          ...refusal(409, e, split !== undefined ? 'INCONSISTENT' : 'OLD_SIZE_MISMATCH'),
          message:
            split !== undefined
              ? split.explanation
              : `the old size is ${body.oldSize} but the latest checkpoint this witness cosigned for this log has size ${old.size}: prove consistency from it`,
          latestSize: old.size,
          ...base,
        };
      }
      if (code === 'INCONSISTENT') return { ...refusal(409, e), ...(split === undefined ? {} : { message: split.explanation }), latestSize: old.size, ...base };
      if (code === 'PROOF_INVALID') return { ...refusal(422, e), ...base };
      if (code !== undefined && SIGNATURE_CODES.has(code)) return { ...refusal(403, e), ...base };
      throw e;
    }
    const cosignature = signCosignature(cp.note, this.name, this.seed, now);
    return { status: 200, message: `cosigned the checkpoint of size ${cp.size}`, cosignature, timestamp: now, ...base };
  }

  /**
   * Split-view evidence (evidence.ts): whether this validly signed
   * checkpoint conflicts with one the witness cosigned, kept if it does.
   */
  private splitView(log: LogState, body: ParsedWitnessBody, cp: Checkpoint & { note: string }, now: number): SplitView | undefined {
    const latest = log.cosigned.at(-1);
    if (latest === undefined) return undefined;
    const sameSize = log.cosigned.filter((c) => c.size === cp.size);
    let kind: EvidenceKind;
    let against: CosignedCheckpoint;
    let explanation: string;
    if (sameSize.length > 0) {
      const differs = sameSize.find((c) => !equalBytes(rootOf(c), cp.root));
      if (differs === undefined) return undefined; // the same checkpoint again
      kind = 'fork';
      against = differs;
      explanation = `the log signed two different checkpoints of size ${cp.size}: a split view`;
    } else if (cp.size < latest.size) {
      kind = 'rollback';
      against = latest;
      explanation = `the log shows a checkpoint of size ${cp.size}, older than the one of size ${latest.size} this witness cosigned: a rollback, or an old checkpoint replayed`;
    } else if (cp.size > latest.size && body.oldSize === latest.size && !verifyConsistency(latest.size, cp.size, rootOf(latest), cp.root, body.proof)) {
      kind = 'unproven';
      against = latest;
      explanation = `the log signed a checkpoint of size ${cp.size} whose consistency proof from the cosigned size ${latest.size} does not verify`;
    } else {
      return undefined;
    }
    const kept = recordEvidence(this.dir, {
      format: EVIDENCE_FORMAT,
      kind,
      conclusive: kind === 'fork',
      origin: log.origin,
      recorded: now,
      explanation,
      cosigned: { size: against.size, root: against.root, note: against.note, timestamp: against.timestamp },
      submitted: { size: cp.size, root: toBase64(cp.root), note: body.checkpoint, oldSize: body.oldSize },
      body: `old ${body.oldSize}\n${body.proof.map((h) => `${toBase64(h)}\n`).join('')}\n${body.checkpoint}`,
    });
    return { evidence: { ...kept, kind, conclusive: kind === 'fork' }, explanation };
  }
}

/** Evidence a request produced, and what it shows in words. */
interface SplitView {
  evidence: NonNullable<WitnessAnswer['evidence']>;
  explanation: string;
}

function refusal(status: WitnessStatus, e: unknown, code?: ErrorCode): WitnessAnswer {
  if (!(e instanceof LedgerError)) throw e;
  return { status, code: code ?? e.code, message: e.message };
}
