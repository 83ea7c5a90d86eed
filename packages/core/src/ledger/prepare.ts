/**
 * Everything about a step that can be checked before the write transaction
 * starts: its text fields, its payload, its salt and commitment, its nonce,
 * and the actor signatures given with it (format.md §4). Nothing here reads
 * the store.
 */
import {
  LedgerError,
  NONCE_BYTES,
  RESERVED_PREFIX,
  REDACTION_TYPE,
  checkBytes,
  checkTime,
  codePointName,
  decodePayload,
  encodePayload,
  encodePayloadText,
  fail,
  idempotencyNonce,
  invisibleCharacter,
  isReserved,
  newNonce,
  newSalt,
  payloadCommitment,
  utf8,
  validateNewText,
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
  /** The entry's nonce (format.md §4.6). */
  nonce: Uint8Array;
  /**
   * The payload's JSON text when it was encoded here from `data`: the
   * committed step handed to extensions parses it rather than decoding and
   * checking the bytes again (they are its UTF-8). Undefined for given bytes.
   */
  json: string | undefined;
  /**
   * Where the nonce came from: an idempotency key (a step sent again is the
   * same step if its type, actor and payload are), given with the step (the
   * same step if its statement is), or drawn fresh.
   */
  nonceFrom: 'key' | 'given' | 'fresh';
}

/** What prepareStep needs of the ledger: its payload limit and its origin (which v2 statements name). */
export interface StepContext {
  maxPayload: number;
  origin: string;
}

/** Most steps in one transaction. */
export const MAX_BATCH = 100_000;

/** What the device that signs a statement knows: the ledger it is for, the step, and optionally its nonce. */
export interface StatementInput {
  /** The origin of the ledger the statement is for (its checkpoint key name): the signature verifies there only. */
  origin: string;
  caseId: string;
  type: string;
  actor: string;
  data?: unknown;
  time?: number;
  /** 16 bytes; default: derived from `idempotencyKey`, else fresh random bytes. */
  nonce?: Uint8Array;
  /** A key unique per step within its case, from which the nonce is derived (format.md §4.6). */
  idempotencyKey?: string;
}

/** The nonce of a step: given, derived from its idempotency key, or fresh (format.md §4.6). */
function nonceOf(caseId: string, nonce: Uint8Array | undefined, key: string | undefined, where: string): { nonce: Uint8Array; nonceFrom: PreparedStep['nonceFrom'] } {
  if (nonce !== undefined && key !== undefined) fail('INVALID_ARGUMENT', `${where}: give nonce or idempotencyKey, not both`, { field: 'nonce' });
  if (nonce !== undefined) {
    checkBytes(nonce, `${where === '' ? '' : `${where}.`}nonce`, NONCE_BYTES);
    return { nonce, nonceFrom: 'given' };
  }
  if (key !== undefined) return { nonce: idempotencyNonce(caseId, key), nonceFrom: 'key' };
  return { nonce: newNonce(), nonceFrom: 'fresh' };
}

/**
 * Builds the version 2 statement an actor signs before appending (format.md
 * §4.4): fixes the payload bytes, a fresh salt, the time and the nonce, and
 * names the ledger. Pass `payload`, `salt`, `time` and `nonce` of the result
 * with the signature to `append`.
 */
export function prepareStatement(input: StatementInput): PreparedStatement {
  if (input === null || typeof input !== 'object') fail('INVALID_ARGUMENT', 'input must be an object');
  validateNewText('case', input.caseId);
  validateNewText('type', input.type);
  validateNewText('actor', input.actor);
  if (typeof input.origin !== 'string' || input.origin.length === 0) {
    fail('INVALID_ARGUMENT', "origin must be the origin of the ledger the statement is for (its checkpoint key name)", { field: 'origin' });
  }
  const payload = encodePayload(input.data === undefined ? null : input.data);
  const salt = newSalt();
  const time = input.time ?? Date.now();
  checkTime(time, 'time');
  const { nonce } = nonceOf(input.caseId, input.nonce, input.idempotencyKey, '');
  return {
    statement: { v: 2, time, caseId: input.caseId, type: input.type, actor: input.actor, commit: payloadCommitment(salt, payload), nonce, origin: input.origin },
    payload,
    salt,
  };
}

/** Who is appending: the public API, the library itself (redactions), or a layer (system entries). */
export type StepOrigin = 'public' | 'redaction' | 'system';

/**
 * Checks one step and computes its commitment and nonce; `at` is its index
 * in the batch (named `steps[3]` in errors, and `details.index` in the
 * errors that concern the step's content) or a name for it. The public
 * append refuses the reserved `casetrail.` names for types and case ids
 * (format.md §4.1); redactions and system entries must use them. New text
 * must hold no invisible character (§4.1).
 * @throws INVALID_ARGUMENT, PAYLOAD_TOO_LARGE, INVALID_SIGNATURE
 */
export function prepareStep(s: StepInput, at: number | string, ctx: StepContext, origin: StepOrigin = 'public'): PreparedStep {
  if (typeof at !== 'number') return prepareOne(s, at, ctx, origin);
  try {
    return prepareOne(s, at, ctx, origin);
  } catch (e) {
    // Every refusal of a batch's step says which step (details.index), so that callers never parse messages.
    if (e instanceof LedgerError && e.details['index'] === undefined) throw new LedgerError(e.code, e.message, { ...e.details, index: at }, { cause: e.cause });
    throw e;
  }
}

function prepareOne(s: StepInput, at: number | string, ctx: StepContext, origin: StepOrigin): PreparedStep {
  const where = typeof at === 'number' ? `steps[${at}]` : at;
  const index = typeof at === 'number' ? { index: at } : {};
  const maxPayload = ctx.maxPayload;
  if (s === null || typeof s !== 'object') fail('INVALID_ARGUMENT', `${where} must be an object`);
  validateNewText('case', s.caseId);
  validateNewText('type', s.type);
  validateNewText('actor', s.actor);
  if (origin === 'public') {
    if (s.type === REDACTION_TYPE) fail('INVALID_ARGUMENT', `${where}.type: use redact() to record a redaction`);
    if (isReserved(s.type)) fail('INVALID_ARGUMENT', `${where}.type: names starting with "${RESERVED_PREFIX}" are reserved`);
    if (isReserved(s.caseId)) fail('INVALID_ARGUMENT', `${where}.caseId: case ids starting with "${RESERVED_PREFIX}" are reserved`);
  } else if (origin === 'system' && (!isReserved(s.type) || s.type === REDACTION_TYPE)) {
    fail('INVALID_ARGUMENT', `${where}.type: a system entry's type starts with "${RESERVED_PREFIX}" and is not ${REDACTION_TYPE}`);
  }
  if (s.data !== undefined && s.payload !== undefined) fail('INVALID_ARGUMENT', `${where}: give data or payload, not both`);
  let payload: Uint8Array;
  let json: string | undefined;
  if (s.payload !== undefined) {
    checkBytes(s.payload, `${where}.payload`);
    payload = s.payload;
    if (payload.length <= maxPayload) decodePayload(payload);
  } else {
    json = encodePayloadText(s.data === undefined ? null : s.data);
    payload = utf8(json);
  }
  if (payload.length > maxPayload) {
    fail('PAYLOAD_TOO_LARGE', `${where}: payload is ${payload.length} bytes, the limit is ${maxPayload}`, { size: payload.length, limit: maxPayload, ...index });
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
  const { nonce, nonceFrom } = nonceOf(s.caseId, s.nonce, s.idempotencyKey, where);
  const signatures = s.signatures ?? [];
  const signWith = s.signWith ?? [];
  if (!Array.isArray(signatures) || !Array.isArray(signWith)) fail('INVALID_ARGUMENT', `${where}: signatures and signWith must be arrays`);
  if (signatures.length > 0) {
    if (s.time === undefined || s.salt === undefined || nonceFrom === 'fresh') {
      fail('INVALID_ARGUMENT', `${where}: a pre-signed statement needs its time, salt and nonce (see prepareStatement)`, { field: 'signatures', ...index });
    }
    const statement: Statement = { v: 2, time: s.time, caseId: s.caseId, type: s.type, actor: s.actor, commit, nonce, origin: ctx.origin };
    for (const [j, sig] of signatures.entries()) {
      if (!verifyActorSignature(statement, sig)) {
        fail('INVALID_SIGNATURE', `${where}.signatures[${j}] does not verify over this statement (for ledger ${JSON.stringify(ctx.origin)}, with this case, time, nonce and payload)`, index);
      }
    }
  }
  if (signatures.length + signWith.length > 16) fail('INVALID_ARGUMENT', `${where}: at most 16 actor signatures`);
  return { caseId: s.caseId, type: s.type, actor: s.actor, payload, salt, commit, time: s.time, signatures, signWith, system: origin !== 'public', nonce, nonceFrom, json };
}

export function checkPolicy(p: CheckpointPolicy): void {
  if (p === 'transaction' || p === 'manual') return;
  if (typeof p === 'object' && p !== null && Number.isSafeInteger(p.everyEntries) && p.everyEntries >= 1) return;
  fail('INVALID_ARGUMENT', 'checkpointPolicy must be "transaction", "manual" or { everyEntries: n ≥ 1 }');
}

const ORIGIN_LINE = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;

/** The origin of a new ledger: one line of printable text (format.md §6.2), no invisible or reordering character (§4.1). */
export function checkNewOrigin(origin: unknown): asserts origin is string {
  if (typeof origin !== 'string' || !ORIGIN_LINE.test(origin) || origin.includes('\u2014')) {
    fail('INVALID_ARGUMENT', 'origin must be a non-empty line of printable text without leading or trailing space', { field: 'origin' });
  }
  const invisible = invisibleCharacter(origin);
  if (invisible !== undefined) {
    fail('INVALID_ARGUMENT', `origin holds ${codePointName(invisible.codePoint)}, a character that is invisible or reorders text (format.md §4.1); remove it`, { field: 'origin' });
  }
}
