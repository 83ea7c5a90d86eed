/**
 * The signer's guard: the only way the ledger signs a checkpoint. It keeps
 * the signer state (signer-state.ts) and, for one Ledger, a cache of what
 * this instance wrote and verified, revalidated at the start of every write
 * transaction; it signs only a tree it has just proven to extend what the
 * signer signed before (extension-proof.ts), and records the new checkpoint
 * in the state before the checkpoint is stored (format.md §10.2):
 *
 * - inside the write transaction (the store's write lock held): read the
 *   state; prove that the file extends `intended` (its transaction
 *   committed) or else `signed`; sign; write `{signed: <what the file was
 *   proven to extend>, intended: <new>}` durably; store the checkpoint;
 *   commit. A crash before the commit leaves the file at `signed`, after it
 *   at `intended`: both are accepted by the next transaction;
 * - when the ledger is idle again (and on close), the state is promoted to
 *   `{signed: <new>, intended: null}` once the file is seen to hold it, so
 *   that a file rolled back to before that transaction is refused even by
 *   another process.
 */
import {
  EMPTY_ROOT,
  LedgerError,
  consistencyProof,
  equalBytes,
  formatVerifierKey,
  openCheckpoint,
  parseNote,
  toHex,
  verifyConsistency,
  type NoteSigner,
  type NoteVerifier,
} from '@casetrail/verify';
import { parseVerifierKey } from '@casetrail/verify';
import type { LedgerStore, ReadView, WriteTx } from '../store/store.js';
import { verifyStore, type VerifyReport } from '../verify/verify.js';
import { checkpointBody, noteWithSignature, signBody, signedCheckpoint, signerFailed } from './checkpoints.js';
import { TrustedFile, fileExtends, lastEntryOf, provenBase, verifyTail, type TrustedStart } from './extension-proof.js';
import type { SignedCheckpoint } from './types.js';
import { hex8, newestTree, sameState, sameTree, zeroState, type SignerState, type SignerStateStore, type TreeHead } from '../node/signer-state.js';

/** Cases whose latest step the cache keeps between transactions (beyond it, they are authenticated again). */
const MAX_CACHED_CASES = 100_000;

/** What a write transaction got from the guard. */
export interface Guarded {
  trusted: TrustedFile;
  /** The state as read at the start of the transaction. */
  state: SignerState;
}

/** The outcome of signing inside a transaction. */
export type Signed =
  | { checkpoint: string; state: SignerState }
  | { pending: { head: TreeHead; body: string; signature: Promise<Uint8Array> } }
  | { signerFailure: LedgerError };

/** What `adoptSignerState` verified and adopted (docs/api.md). */
export interface Adoption {
  /** false when the signer already had a state for this ledger, and the file extends it. */
  adopted: boolean;
  /** Entries in the file when it was verified. */
  size: number;
  /** The checkpoint the state now starts from (its size and hex root). */
  signed: { size: number; root: string };
  /** The full verification report (only when adopted). */
  report?: VerifyReport;
}

export class SignerGuard {
  /** The running state: valid while the state and the file's size are what this instance left. */
  #cache: { state: SignerState; start: TrustedStart } | undefined;
  /** The largest checkpoint this instance knows the file held (it stored it, or proved it). Survives failed transactions. */
  #known: TreeHead | undefined;
  /** A promotion is due once the ledger is idle. */
  promotionDue = false;
  /** The signer's verifier key, when its public key is known (key strings and files; a host signer with `publicKey`). */
  readonly verifier: NoteVerifier | undefined;

  constructor(
    readonly origin: string,
    readonly signer: NoteSigner,
    readonly states: SignerStateStore,
  ) {
    const pk = (signer as { publicKey?: unknown }).publicKey;
    this.verifier = pk instanceof Uint8Array ? parseVerifierKey(formatVerifierKey(signer.name, pk)) : undefined;
  }

  // ---- the state --------------------------------------------------------------------

  private missing(): LedgerError {
    return new LedgerError(
      'SIGNER_STATE_MISSING',
      `the signer has no state for ledger ${this.origin} (${this.states.location}): it cannot tell whether the file still extends what it signed. If the key was moved to a new machine or restored from a backup, verify the ledger in full with the signer's own verifier key, then adopt: \`casetrail state adopt <ledger> --key-file <key>\`, or Ledger.open(path, { signer, adoptState: true })`,
      { origin: this.origin, state: this.states.location },
    );
  }

  /** The stored state, checked against this ledger and signer; undefined when there is none. */
  readState(): SignerState | undefined {
    const s = this.states.read(this.origin);
    if (s === undefined) return undefined;
    if (s.origin !== this.origin) {
      throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${this.states.location} is for origin "${s.origin}", not "${this.origin}"`, { state: this.states.location });
    }
    if (s.keyId !== this.signer.keyId) {
      throw new LedgerError(
        'KEY_MISMATCH',
        `the signer's key (key ID ${hex8(this.signer.keyId)}) is not the key that signs ledger ${this.origin} (key ID ${hex8(s.keyId)}, recorded in ${this.states.location}): use the ledger's own key`,
        { keyId: hex8(this.signer.keyId), ledgerKeyId: hex8(s.keyId) },
      );
    }
    return s;
  }

  /** Inside a transaction: the state, or the empty state of a ledger that holds nothing yet. */
  private stateIn(tx: WriteTx): SignerState {
    const s = this.readState();
    if (s !== undefined) return s;
    if (this.#known === undefined && tx.size() === 0 && tx.latestCheckpoint() === undefined) return zeroState(this.origin, this.signer.keyId);
    throw this.missing();
  }

  /**
   * Records a checkpoint about to be stored: `{signed: proven, intended:
   * head}`, durably. A checkpoint inside the tree the file was just proven
   * to extend needs no record (it is a prefix of one the state vouches for).
   */
  private record(state: SignerState, proven: TreeHead, head: TreeHead): SignerState {
    if (head.size <= proven.size) return state;
    const next: SignerState = { origin: this.origin, keyId: this.signer.keyId, signed: proven, intended: head };
    this.states.write(this.origin, next);
    return next;
  }

  /**
   * Whether a transaction of `steps` entries may reach a checkpoint policy
   * of `every` entries (decides whether it is committed durably; a wrong
   * guess only defers the checkpoint to a transaction of its own).
   */
  mayBeDue(every: number, steps: number): boolean {
    const c = this.#cache;
    return c === undefined || c.start.acc.size + steps - c.start.proven.size >= every;
  }

  // ---- inside a write transaction ---------------------------------------------------

  /**
   * Starts a write transaction on a file proven to extend what the signer
   * signed: from the cache when the state and the file's size are what this
   * instance left, else by the extension proof.
   * @throws SIGNER_STATE_MISSING, SIGNER_STATE_INVALID, KEY_MISMATCH, LEDGER_ROLLED_BACK, LEDGER_REWRITTEN, LEDGER_TAMPERED
   */
  begin(tx: WriteTx): Guarded {
    const cache = this.#cache;
    // Taken for the transaction (its tree and case map are extended in place); given back by `committed`.
    this.#cache = undefined;
    const state = this.stateIn(tx);
    if (cache !== undefined && sameState(cache.state, state) && tx.size() === cache.start.acc.size) {
      return { trusted: new TrustedFile(tx, cache.start), state };
    }
    const known = this.#known;
    if (known !== undefined && newestTree(state).size < known.size) {
      throw new LedgerError(
        'SIGNER_STATE_INVALID',
        `the signer state ${this.states.location} names a checkpoint of ${newestTree(state).size} entries, older than the one of ${known.size} this Ledger stored: the state was replaced by an older one`,
        { state: this.states.location },
      );
    }
    const candidates = state.intended !== null && state.intended.size > state.signed.size ? [state.intended, state.signed] : [state.signed];
    const base = provenBase(tx, candidates, known);
    const last = lastEntryOf(tx, base.proven, this.origin);
    return { trusted: new TrustedFile(tx, verifyTail(tx, { ...base, ...last }, tx.size())), state };
  }

  /**
   * Signs the checkpoint of the trusted tree inside the transaction: the
   * state records it (durably) before it is stored. A synchronous signer or
   * state that fails leaves the entries to be committed without it
   * (SIGNER_FAILED, checkpoints.ts); an asynchronous signer's signature is
   * stored after the commit (`storeSigned`).
   */
  sign(tx: WriteTx, g: Guarded): Signed {
    const acc = g.trusted.start.acc;
    const head: TreeHead = { size: acc.size, root: acc.root() };
    const body = checkpointBody(this.origin, head.size, head.root);
    let sig: Uint8Array | Promise<Uint8Array>;
    try {
      sig = signBody(this.signer, head.size, body);
    } catch (e) {
      return { signerFailure: e as LedgerError };
    }
    if (sig instanceof Promise) return { pending: { head, body, signature: sig } };
    let state: SignerState;
    try {
      state = this.record(g.state, g.trusted.start.proven, head);
    } catch (e) {
      return { signerFailure: signerFailed(this.signer, head.size, e) };
    }
    const note = noteWithSignature(body, this.signer, sig);
    // A row an attacker planted at this size is kept (the store is append-only)
    // and reported by verification; the signed note is the caller's.
    tx.insertCheckpoint(head.size, head.root, note);
    return { checkpoint: note, state };
  }

  /** After a commit: what this transaction left becomes the cache. */
  committed(g: Guarded, state: SignerState, stored: TreeHead | undefined): void {
    const start = g.trusted.start;
    // A checkpoint just stored is in the file: proven, and known to this instance.
    if (stored !== undefined && stored.size >= start.proven.size) start.proven = stored;
    if (start.cases.size > MAX_CACHED_CASES) start.cases.clear();
    this.#cache = { state, start };
    if (this.#known === undefined || start.proven.size > this.#known.size) this.#known = start.proven;
    if (state.intended !== null && stored !== undefined && sameTree(state.intended, stored)) this.promotionDue = true;
  }

  /**
   * Signs (unless the signature was already asked for) and stores the
   * checkpoint of a tree whose entries were committed: that of an
   * asynchronous signer, or one deferred out of a transaction that was not
   * durable. `head` was computed from the verified tree of that transaction.
   * @throws SIGNER_FAILED (the signer failed), as storeSigned
   */
  async signAfterCommit(store: LedgerStore, head: TreeHead, signature: Promise<Uint8Array> | undefined): Promise<string> {
    const sig = await (signature ?? signBody(this.signer, head.size, checkpointBody(this.origin, head.size, head.root)));
    return this.storeSigned(store, head, sig);
  }

  /**
   * Stores a checkpoint signed after its entries were committed, in a
   * durable transaction of its own: the file must still extend it,
   * consistently with the trusted tree (RFC 9162 §2.1.4), and the state
   * records it first.
   * @returns the stored note
   */
  async storeSigned(store: LedgerStore, head: TreeHead, signature: Uint8Array): Promise<string> {
    let g: Guarded | undefined;
    const out = await store.write(
      (tx) => {
        g = this.begin(tx);
        const acc = g.trusted.start.acc;
        if (head.size > acc.size) {
          throw new LedgerError('LEDGER_ROLLED_BACK', `the ledger holds ${acc.size} entries, fewer than the ${head.size} of the checkpoint being stored: the file was rolled back; nothing was stored`, { size: acc.size, signedSize: head.size });
        }
        const root = acc.root();
        // Every tree extends the empty one (format.md §5: no proof from size 0).
        const consistent =
          head.size === acc.size ? equalBytes(root, head.root) : head.size === 0 || verifyConsistency(head.size, acc.size, head.root, root, consistencyProof(tx, head.size, acc.size));
        if (!consistent) {
          throw new LedgerError('LEDGER_REWRITTEN', `the ledger no longer holds the tree of ${head.size} entries that was signed: history was rewritten since its entries were committed; nothing was stored — run verify`, { signedSize: head.size });
        }
        const state = this.record(g.state, g.trusted.start.proven, head);
        const note = noteWithSignature(checkpointBody(this.origin, head.size, head.root), this.signer, signature);
        tx.insertCheckpoint(head.size, head.root, note);
        return { note, state };
      },
      { durable: true },
    );
    this.committed(g!, out.state, head);
    return out.note;
  }

  /**
   * `checkpoint()`: the signed checkpoint of the current size, signed only
   * once the unsigned tail verified (extension-proof.ts). A stored one of
   * that size is returned if it verifies under the signer's key; otherwise a
   * new one is signed (a row planted at that size is left where it is, and
   * the note returned is the signer's).
   * @throws SIGNER_FAILED (nothing was signed or stored), as begin()
   */
  async checkpoint(store: LedgerStore): Promise<SignedCheckpoint> {
    let g: Guarded | undefined;
    const r = await store.write(
      (tx) => {
        g = this.begin(tx);
        const acc = g.trusted.start.acc;
        const head: TreeHead = { size: acc.size, root: acc.root() };
        const latest = tx.latestCheckpoint();
        if (latest !== undefined && latest.size === head.size && this.signs(latest.note, head)) return { existing: signedCheckpoint(tx, this.origin, latest) };
        const s = this.sign(tx, g);
        if ('signerFailure' in s) throw s.signerFailure;
        if ('pending' in s) return { pending: s.pending };
        return { head, note: s.checkpoint, state: s.state };
      },
      { durable: true },
    );
    if ('existing' in r) {
      this.committed(g!, g!.state, undefined);
      return r.existing;
    }
    if ('pending' in r) {
      this.committed(g!, g!.state, undefined);
      const note = await this.signAfterCommit(store, r.pending.head, r.pending.signature);
      return { origin: this.origin, size: r.pending.head.size, root: r.pending.head.root, note, cosignatures: [] };
    }
    this.committed(g!, r.state, r.head);
    return { origin: this.origin, size: r.head.size, root: r.head.root, note: r.note, cosignatures: [] };
  }

  /** Whether a stored note is this signer's checkpoint of `head` (false when its public key is unknown: it is signed again). */
  private signs(note: unknown, head: TreeHead): boolean {
    if (this.verifier === undefined || typeof note !== 'string') return false;
    try {
      const cp = openCheckpoint(note, [this.verifier]);
      return cp.origin === this.origin && cp.size === head.size && equalBytes(cp.root, head.root);
    } catch {
      return false;
    }
  }

  // ---- when idle ------------------------------------------------------------------------

  /**
   * Promotes `intended` to `signed` once the file is seen to hold it, under
   * the store's write lock, if no other writer changed the state meanwhile.
   * A failure changes nothing: the next transaction resolves the state.
   */
  async promote(store: LedgerStore): Promise<void> {
    const cache = this.#cache;
    if (!this.promotionDue || cache === undefined || cache.state.intended === null) return;
    this.promotionDue = false;
    const intended = cache.state.intended;
    try {
      await store.write((tx) => {
        const now = this.readState();
        if (now === undefined || !sameState(now, cache.state) || !fileExtends(tx, intended)) return;
        const next: SignerState = { ...now, signed: intended, intended: null };
        this.states.write(this.origin, next);
        if (this.#cache === cache) cache.state = next;
      });
    } catch {
      // Left as it was: the next transaction accepts intended or signed.
    }
  }

  // ---- opening an existing ledger -------------------------------------------------------

  /**
   * The check at open: the state names this signer's key; without a state,
   * a ledger that holds nothing may start, any other is refused (or adopted).
   * @throws KEY_MISMATCH, SIGNER_STATE_MISSING, SIGNER_STATE_INVALID
   */
  async checkAtOpen(store: LedgerStore): Promise<'ok' | 'missing'> {
    if (this.readState() !== undefined) return 'ok';
    const { empty, mismatch } = await store.read((v) => ({ empty: v.size() === 0 && v.latestCheckpoint() === undefined, mismatch: this.otherKey(v) }));
    if (empty) return 'ok';
    if (mismatch !== undefined) throw mismatch;
    return 'missing';
  }

  /** The state is missing: a ledger none of whose checkpoints this key signed, but another key of its name did, is KEY_MISMATCH. */
  private otherKey(v: ReadView): LedgerError | undefined {
    if (this.verifier === undefined) return undefined;
    const verifies = (note: unknown): boolean => {
      try {
        return typeof note === 'string' && openCheckpoint(note, [this.verifier!]).origin === this.origin;
      } catch {
        return false;
      }
    };
    if (verifies(v.latestCheckpoint()?.note)) return undefined;
    const others = new Set<number>();
    for (const row of v.checkpoints(0)) {
      if (verifies(row.note)) return undefined;
      try {
        for (const s of parseNote(String(row.note)).signatures) if (s.name === this.origin && s.keyId !== this.signer.keyId) others.add(s.keyId);
      } catch {
        // a malformed note: verification reports it
      }
    }
    if (others.size === 0) return undefined;
    return new LedgerError(
      'KEY_MISMATCH',
      `no checkpoint of ledger ${this.origin} is signed by this key (key ID ${hex8(this.signer.keyId)}); they are signed by key ID ${[...others].map(hex8).join(', ')}: use the ledger's own key`,
      { keyId: hex8(this.signer.keyId), ledgerKeyIds: [...others].map(hex8) },
    );
  }

  /** Throws SIGNER_STATE_MISSING. */
  refuseMissing(): never {
    throw this.missing();
  }

  /**
   * Adopts the file as the signer's state after verifying it in full with
   * the signer's own verifier key (docs/security.md "Recovery"): the state
   * starts from its latest valid checkpoint. With a state already present,
   * only proves that the file extends it.
   * @throws INVALID_ARGUMENT (a host signer without publicKey), KEY_MISMATCH, VERIFICATION_FAILED (details.report), as begin()
   */
  async adopt(store: LedgerStore): Promise<Adoption> {
    if (this.readState() !== undefined) {
      const g = await store.write((tx) => {
        const got = this.begin(tx);
        return got;
      });
      this.committed(g, g.state, undefined);
      return { adopted: false, size: g.trusted.start.acc.size, signed: { size: g.trusted.start.proven.size, root: toHex(g.trusted.start.proven.root) } };
    }
    const verifier = this.verifier;
    if (verifier === undefined) {
      throw new LedgerError('INVALID_ARGUMENT', 'adopting a signer state needs the signer\'s public key: give a host signer a publicKey property (the raw 32-byte Ed25519 key)', { field: 'signer' });
    }
    const report = await verifyStore(store, { vkey: verifier, allowUnsignedTail: true });
    if (!report.ok) {
      const other = report.signedSize === 0 ? await store.read((v) => this.otherKey(v)) : undefined;
      if (other !== undefined) throw other;
      throw new LedgerError('VERIFICATION_FAILED', `the ledger does not verify in full under the signer's key (${report.issueCount} issue(s); first: ${report.issues[0]?.code}: ${report.issues[0]?.message}): its state is not adopted — run verify`, { report });
    }
    const signed = await store.write((tx) => {
      const row = report.signedSize === 0 ? undefined : tx.checkpointAt(report.signedSize);
      const root = row === undefined ? Uint8Array.from(EMPTY_ROOT) : openCheckpoint(row.note, [verifier]).root;
      const head = { size: report.signedSize, root };
      if (!fileExtends(tx, head)) throw new LedgerError('LEDGER_REWRITTEN', 'the ledger changed while it was verified for adoption; nothing was adopted — run the adoption again', { signedSize: head.size });
      if (this.readState() === undefined) this.states.write(this.origin, { ...zeroState(this.origin, this.signer.keyId), signed: head });
      return head;
    });
    return { adopted: true, size: report.size, signed: { size: signed.size, root: toHex(signed.root) }, report };
  }
}

