/**
 * The signer's state (format.md §10): the last checkpoint the ledger's
 * signer signed for an origin, kept where the database administrator
 * cannot rewrite it together with the file (beside the key, or in a host's
 * own store). The writer proves that the file extends it before it signs
 * anything (docs/security.md "The signer state").
 *
 * This module holds the layout (one function each to write and to parse
 * it), the store interface, and the in-memory store. The file store is
 * node/signer-state-file.ts.
 */
import { EMPTY_ROOT, LedgerError, equalBytes, fromHex, toHex } from '@casetrail/verify';

/** The format tag of a signer-state file (format.md §10). */
export const SIGNER_STATE_FORMAT = 'casetrail-signer-state/v1';

/** Largest signer-state file read (a state is about 300 bytes). */
export const MAX_SIGNER_STATE_BYTES = 4096;

/** A tree of the log: its size and its RFC 9162 root. */
export interface TreeHead {
  size: number;
  root: Uint8Array;
}

/**
 * What the signer remembers for one origin: the checkpoint the file was
 * last proven to extend (`signed`) and, between signing a new checkpoint
 * and confirming that its transaction committed, that new one (`intended`);
 * and, likewise in two phases, the tree the writers sharing this state
 * wrote (`written`, proven in the file) and the one their latest
 * transaction is writing (`writing`). A file with entries beyond them was
 * appended to by someone else (format.md §10.2).
 */
export interface SignerState {
  origin: string;
  /** The key ID of the signer (format.md §6.1), which must sign every checkpoint of this origin. */
  keyId: number;
  signed: TreeHead;
  intended: TreeHead | null;
  written: TreeHead;
  writing: TreeHead | null;
}

/**
 * Where a signer keeps its state: beside a key file by default, or a host's
 * own store for a key string or an HSM/KMS signer (docs/api.md "Signer
 * state").
 *
 * Both calls are synchronous: the ledger calls them inside its write
 * transaction, while it holds the store's write lock, so that several
 * processes appending to one ledger read and update one state in turn.
 * `write` must be durable when it returns (the checkpoint is stored right
 * after it). A failure is thrown; the ledger turns it into a coded error.
 */
export interface SignerStateStore {
  /** The state of `origin`, or undefined if there is none. */
  read(origin: string): SignerState | undefined;
  /**
   * Replaces the state of `origin`, durably unless `durable` is false: a
   * state written by a transaction that stores no checkpoint may be lost on
   * a power cut (format.md §10.2), and the store may skip its fsync.
   */
  write(origin: string, state: SignerState, durable?: boolean): void;
  /** Where it is, for messages (a path). */
  readonly location: string;
}

/** The state of a ledger that has nothing signed yet. */
export function zeroState(origin: string, keyId: number): SignerState {
  return { origin, keyId, signed: emptyTree(), intended: null, written: emptyTree(), writing: null };
}

/** The tree of size 0. */
export function emptyTree(): TreeHead {
  return { size: 0, root: Uint8Array.from(EMPTY_ROOT) };
}

export function sameTree(a: TreeHead | null, b: TreeHead | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && equalBytes(a.root, b.root);
}

export function sameState(a: SignerState, b: SignerState): boolean {
  return (
    a.origin === b.origin &&
    a.keyId === b.keyId &&
    sameTree(a.signed, b.signed) &&
    sameTree(a.intended, b.intended) &&
    sameTree(a.written, b.written) &&
    sameTree(a.writing, b.writing)
  );
}

/** The largest signed tree a state names. */
export function newestTree(s: SignerState): TreeHead {
  return s.intended !== null && s.intended.size > s.signed.size ? s.intended : s.signed;
}

/** The largest tree a state says its writers wrote. */
export function newestWritten(s: SignerState): TreeHead {
  return s.writing ?? s.written;
}

export function hex8(keyId: number): string {
  return (keyId >>> 0).toString(16).padStart(8, '0');
}

/**
 * The bytes of a signer state (format.md §10): one JSON object, keys in
 * this order, no white space, then "\n".
 */
export function formatSignerState(s: SignerState): string {
  const tree = (t: TreeHead) => ({ size: t.size, root: toHex(t.root) });
  return `${JSON.stringify({
    format: SIGNER_STATE_FORMAT,
    origin: s.origin,
    keyId: hex8(s.keyId),
    signed: tree(s.signed),
    intended: s.intended === null ? null : tree(s.intended),
    written: tree(s.written),
    writing: s.writing === null ? null : tree(s.writing),
  })}\n`;
}

function invalid(where: string, why: string): never {
  throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${where} is not valid: ${why}; it is never repaired silently — see docs/security.md "The signer state" for the recovery`, { path: where });
}

function treeOf(v: unknown, where: string, name: string): TreeHead {
  const t = v as { size?: unknown; root?: unknown } | null;
  if (t === null || typeof t !== 'object' || !Number.isSafeInteger(t.size) || (t.size as number) < 0 || typeof t.root !== 'string' || !/^[0-9a-f]{64}$/.test(t.root)) {
    invalid(where, `"${name}" must be {"size":<n>,"root":"<64 lowercase hex digits>"}`);
  }
  return { size: t.size as number, root: fromHex(t.root) };
}

/**
 * Parses a signer state strictly: the text must be byte for byte the
 * serialization of the values it holds (formatSignerState), and the trees
 * must be possible (a tree of size 0 has the empty root; `intended` is not
 * smaller than `signed`).
 * @param where - the state's location, for messages
 * @throws SIGNER_STATE_INVALID
 */
export function parseSignerState(text: string, where: string): SignerState {
  if (text.length > MAX_SIGNER_STATE_BYTES) invalid(where, `it is longer than ${MAX_SIGNER_STATE_BYTES} bytes`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    invalid(where, 'it is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(where, 'it is not a JSON object');
  if (v['format'] !== SIGNER_STATE_FORMAT) invalid(where, `its format is not ${SIGNER_STATE_FORMAT}`);
  if (typeof v['origin'] !== 'string' || v['origin'] === '') invalid(where, 'it names no origin');
  if (typeof v['keyId'] !== 'string' || !/^[0-9a-f]{8}$/.test(v['keyId'])) invalid(where, '"keyId" must be 8 lowercase hex digits');
  const state: SignerState = {
    origin: v['origin'],
    keyId: Number.parseInt(v['keyId'], 16),
    signed: treeOf(v['signed'], where, 'signed'),
    intended: v['intended'] === null ? null : treeOf(v['intended'], where, 'intended'),
    written: treeOf(v['written'], where, 'written'),
    writing: v['writing'] === null ? null : treeOf(v['writing'], where, 'writing'),
  };
  if (formatSignerState(state) !== text) invalid(where, 'it is not in the exact form of format.md §10 (key order, spacing, final newline)');
  for (const t of [state.signed, state.intended, state.written, state.writing]) {
    if (t !== null && t.size === 0 && !equalBytes(t.root, EMPTY_ROOT)) invalid(where, 'a tree of size 0 must have the empty root');
  }
  if (state.intended !== null && state.intended.size < state.signed.size) invalid(where, '"intended" is smaller than "signed"');
  // What was signed was written first (format.md §10.1).
  if (state.writing !== null && state.writing.size <= state.written.size) invalid(where, '"writing" is not larger than "written"');
  if (state.signed.size > state.written.size) invalid(where, '"signed" is larger than "written"');
  if (state.intended !== null && state.intended.size > newestWritten(state).size) invalid(where, '"intended" is larger than what was written');
  return state;
}

/**
 * A signer state kept in memory: the default of a key string or a host
 * signer given without a store, for the life of one Ledger; and a store for
 * tests. It keeps copies, so a caller cannot change a state behind it.
 */
export class MemorySignerState implements SignerStateStore {
  readonly #states = new Map<string, string>();

  constructor(readonly location = 'memory') {}

  read(origin: string): SignerState | undefined {
    const text = this.#states.get(origin);
    return text === undefined ? undefined : parseSignerState(text, this.location);
  }

  write(origin: string, state: SignerState, _durable?: boolean): void {
    this.#states.set(origin, formatSignerState(state));
  }

  /** Forgets the state of `origin` (tests: a state lost with a machine). */
  delete(origin: string): void {
    this.#states.delete(origin);
  }
}
