/**
 * Everything about a step that can be checked before the write transaction
 * starts: its text fields, its payload, its salt and commitment, and the
 * actor signatures given with it (format.md §4). Nothing here reads the store.
 */
import {
  RESERVED_PREFIX,
  REDACTION_TYPE,
  checkBytes,
  checkTime,
  decodePayload,
  encodePayload,
  fail,
  isReserved,
  newSalt,
  payloadCommitment,
  validateText,
  verifyActorSignature,
  type ActorSignature,
  type Statement,
} from '@casetrail/verify';
import type { CheckpointPolicy, PreparedStatement, StepInput } from './types.js';

/** A step ready for the write transaction. */
export interface PreparedStep {
  caseId: string;
  type: string;
  actor: string;
  payload: Uint8Array;
  salt: Uint8Array;
  commit: Uint8Array;
  time: number | undefined;
  signatures: ActorSignature[];
  signWith: Uint8Array[];
  /** Written by the library or a layer (reserved `casetrail.` names), not by the public append. */
  system: boolean;
}

/** Most steps in one transaction. */
export const MAX_BATCH = 100_000;

/**
 * Builds the statement an actor signs before appending (format.md §4.4):
 * fixes the payload bytes, a fresh salt and the time.
 */
export function prepareStatement(input: { caseId: string; type: string; actor: string; data?: unknown; time?: number }): PreparedStatement {
  validateText('case', input.caseId);
  validateText('type', input.type);
  validateText('actor', input.actor);
  const payload = encodePayload(input.data === undefined ? null : input.data);
  const salt = newSalt();
  const time = input.time ?? Date.now();
  checkTime(time, 'time');
  return {
    statement: { time, caseId: input.caseId, type: input.type, actor: input.actor, commit: payloadCommitment(salt, payload) },
    payload,
    salt,
  };
}

/** Who is appending: the public API, the library itself (redactions), or a layer (system entries). */
export type StepOrigin = 'public' | 'redaction' | 'system';

/**
 * Checks one step and computes its commitment; `at` is its index in the
 * batch (named `steps[3]` in errors) or a name for it. The public append refuses the reserved `casetrail.` names
 * for types and case ids (format.md §4.1); redactions and system entries
 * must use them.
 * @throws INVALID_ARGUMENT, PAYLOAD_TOO_LARGE, INVALID_SIGNATURE
 */
export function prepareStep(s: StepInput, at: number | string, maxPayload: number, origin: StepOrigin = 'public'): PreparedStep {
  const where = typeof at === 'number' ? `steps[${at}]` : at;
  if (s === null || typeof s !== 'object') fail('INVALID_ARGUMENT', `${where} must be an object`);
  validateText('case', s.caseId);
  validateText('type', s.type);
  validateText('actor', s.actor);
  if (origin === 'public') {
    if (s.type === REDACTION_TYPE) fail('INVALID_ARGUMENT', `${where}.type: use redact() to record a redaction`);
    if (isReserved(s.type)) fail('INVALID_ARGUMENT', `${where}.type: names starting with "${RESERVED_PREFIX}" are reserved`);
    if (isReserved(s.caseId)) fail('INVALID_ARGUMENT', `${where}.caseId: case ids starting with "${RESERVED_PREFIX}" are reserved`);
  } else if (origin === 'system' && (!isReserved(s.type) || s.type === REDACTION_TYPE)) {
    fail('INVALID_ARGUMENT', `${where}.type: a system entry's type starts with "${RESERVED_PREFIX}" and is not ${REDACTION_TYPE}`);
  }
  if (s.data !== undefined && s.payload !== undefined) fail('INVALID_ARGUMENT', `${where}: give data or payload, not both`);
  let payload: Uint8Array;
  if (s.payload !== undefined) {
    checkBytes(s.payload, `${where}.payload`);
    payload = s.payload;
    if (payload.length <= maxPayload) decodePayload(payload);
  } else {
    payload = encodePayload(s.data === undefined ? null : s.data);
  }
  if (payload.length > maxPayload) {
    fail('PAYLOAD_TOO_LARGE', `${where}: payload is ${payload.length} bytes, the limit is ${maxPayload}`, { size: payload.length, limit: maxPayload });
  }
  if (s.time !== undefined) checkTime(s.time, `${where}.time`);
  let salt: Uint8Array;
  if (s.salt !== undefined) {
    checkBytes(s.salt, `${where}.salt`, 32);
    salt = s.salt;
  } else {
    salt = newSalt();
  }
  const commit = payloadCommitment(salt, payload);
  const signatures = s.signatures ?? [];
  const signWith = s.signWith ?? [];
  if (!Array.isArray(signatures) || !Array.isArray(signWith)) fail('INVALID_ARGUMENT', `${where}: signatures and signWith must be arrays`);
  if (signatures.length > 0) {
    if (s.time === undefined || s.salt === undefined) {
      fail('INVALID_ARGUMENT', `${where}: a pre-signed statement needs its time and salt (see prepareStatement)`);
    }
    const statement: Statement = { time: s.time, caseId: s.caseId, type: s.type, actor: s.actor, commit };
    for (const [j, sig] of signatures.entries()) {
      if (!verifyActorSignature(statement, sig)) fail('INVALID_SIGNATURE', `${where}.signatures[${j}] does not verify over this statement`, typeof at === 'number' ? { index: at } : {});
    }
  }
  if (signatures.length + signWith.length > 16) fail('INVALID_ARGUMENT', `${where}: at most 16 actor signatures`);
  return { caseId: s.caseId, type: s.type, actor: s.actor, payload, salt, commit, time: s.time, signatures, signWith, system: origin !== 'public' };
}

export function checkPolicy(p: CheckpointPolicy): void {
  if (p === 'transaction' || p === 'manual') return;
  if (typeof p === 'object' && p !== null && Number.isSafeInteger(p.everyEntries) && p.everyEntries >= 1) return;
  fail('INVALID_ARGUMENT', 'checkpointPolicy must be "transaction", "manual" or { everyEntries: n ≥ 1 }');
}
