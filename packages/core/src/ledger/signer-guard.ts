/**
 * The signer's guard: the only way the ledger signs a checkpoint. It keeps
 * the signer state (signer-state.ts) and, for one Ledger, a cache of what
 * this instance wrote and verified, revalidated at the start of every write
 * transaction; it signs only a tree it has just proven to extend what the
 * signer signed and to hold only what the writers sharing the state wrote
 * (extension-proof.ts), and records every transaction in the state before it
 * commits (format.md §10.2):
 *
 * - inside the write transaction (the store's write lock held): read the
 *   state; prove that the file extends `intended` (its transaction
 *   committed) or else `signed`, and that the file is `writing` (committed)
 *   or `written` (not); write the entries; sign if a checkpoint is due;
 *   write `{signed: <proven>, intended: <new checkpoint or null>, written:
 *   <the file as found>, writing: <the file with the new entries>}` — durably
 *   when it names a new checkpoint, else without fsync —; store the
 *   checkpoint; commit. A crash before the commit leaves the file at
 *   `signed`/`written`, after it at `intended`/`writing`: both are accepted
 *   by the next transaction;
 * - when the ledger is idle again (and on close), the state is promoted to
 *   `{signed: <new>, intended: null, written: <new>, writing: null}` once the
 *   file is seen to hold it, so that a file rolled back to before that
 *   transaction is refused even by another process.
 *
 * Opening a ledger with a signer and adopting a state are in
 * signer-adoption.ts.
 */
import { LedgerError, consistencyProof, equalBytes, formatVerifierKey, openCheckpoint, parseVerifierKey, verifyConsistency, type NoteSigner, type NoteVerifier } from '@casetrail/verify';
import type { LedgerStore, WriteTx } from '../store/store.js';
import { checkpointBody, noteWithSignature, signBody, signedCheckpoint, signerFailed } from './checkpoints.js';
import { fileExtends, lastEntryOf, provenBase, verifyTail, writtenTree } from './extension-proof.js';
import { TrustedFile, type TrustedStart } from './writer-view.js';
import type { SignedCheckpoint } from './types.js';
import { hex8, newestTree, newestWritten, sameState, zeroState, type SignerState, type SignerStateStore, type TreeHead } from '../node/signer-state.js';

/** Cases whose latest step the cache keeps between transactions (beyond it, they are authenticated again). */
const MAX_CACHED_CASES = 100_000;

/** What a write transaction got from the guard. */
export interface Guarded {
  trusted: TrustedFile;
  /** The state as read at the start of the transaction. */
  state: SignerState;
  /** The file's tree at the start of the transaction: one the writers sharing the state wrote. */
  file: TreeHead;
}

/** What `finish` did inside the transaction, before its commit. */
export interface Finished {
  /** The state now recorded (the one read, when nothing changed). */
  state: SignerState;
  /** The tree the file holds once the transaction commits. */
  file: TreeHead;
  /** The signed note stored in the transaction. */
  checkpoint?: string;
  /** An asynchronous signer's signature, to be stored after the commit (`signAfterCommit`). */
  pending?: { head: TreeHead; signature: Promise<Uint8Array> };
  /** A synchronous signer that failed: the entries are committed without their checkpoint. */
  signerFailure?: LedgerError;
}

export class SignerGuard {
  /** The running state: valid while the state and the file's size are what this instance left. */
  #cache: { state: SignerState; start: TrustedStart; file: TreeHead } | undefined;
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

  missing(): LedgerError {
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
   * Writes the state inside the transaction, before its commit; a state
   * that cannot be written rolls the transaction back (entries the state
   * does not record would be refused as foreign by the next one).
   * @throws DISK_FULL, READ_ONLY, STORAGE_ERROR (nothing was written)
   */
  writeState(next: SignerState, durable: boolean): void {
    try {
      this.states.write(this.origin, next, durable);
    } catch (e) {
      const why = `the signer state ${this.states.location} could not be written (${(e as Error)?.message ?? String(e)}); nothing was written or signed`;
      if (e instanceof LedgerError && (e.code === 'DISK_FULL' || e.code === 'READ_ONLY')) throw new LedgerError(e.code, why, { state: this.states.location }, { cause: e });
      throw new LedgerError('STORAGE_ERROR', why, { state: this.states.location }, { cause: e });
    }
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
   * signed and to hold what the writers sharing its state wrote: from the
   * cache when the state and the file's size are what this instance left,
   * else by the extension proof.
   * @throws SIGNER_STATE_MISSING, SIGNER_STATE_INVALID, KEY_MISMATCH, LEDGER_ROLLED_BACK, LEDGER_REWRITTEN, LEDGER_TAMPERED, LEDGER_FOREIGN_TAIL
   */
  begin(tx: WriteTx): Guarded {
    const cache = this.#cache;
    // Taken for the transaction (its tree and case map are extended in place); given back by `committed`.
    this.#cache = undefined;
    const state = this.stateIn(tx);
    if (cache !== undefined && sameState(cache.state, state) && tx.size() === cache.start.acc.size) {
      return { trusted: new TrustedFile(tx, this.origin, cache.start), state, file: cache.file };
    }
    const known = this.#known;
    if (known !== undefined && newestTree(state).size < known.size) {
      throw new LedgerError(
        'SIGNER_STATE_INVALID',
        `the signer state ${this.states.location} names a checkpoint of ${newestTree(state).size} entries, older than the one of ${known.size} this Ledger stored: the state was replaced by an older one`,
        { state: this.states.location },
      );
    }
    const start = this.prove(tx, state);
    return { trusted: new TrustedFile(tx, this.origin, start), state, file: writtenTree(tx, state, start.acc) };
  }

  /** Steps 1–3 of the extension proof (format.md §10.3): the trusted start of the whole file. */
  prove(tx: WriteTx, state: SignerState): TrustedStart {
    const candidates = state.intended !== null && state.intended.size > state.signed.size ? [state.intended, state.signed] : [state.signed];
    const base = provenBase(tx, candidates, this.#known);
    const last = lastEntryOf(tx, base.proven, this.origin);
    return verifyTail(tx, this.origin, { ...base, ...last }, tx.size());
  }

  /**
   * Ends a transaction before its commit: signs the checkpoint of the
   * trusted tree if `sign` (a synchronous signature is stored in the
   * transaction, an asynchronous one after the commit), and records the
   * transaction in the state: durably when it names a new checkpoint, before
   * that checkpoint is stored. A synchronous signer that fails leaves the
   * entries to be committed without it (SIGNER_FAILED, checkpoints.ts); a
   * state that cannot be written rolls everything back.
   * @throws DISK_FULL, READ_ONLY, STORAGE_ERROR (the state), nothing written
   */
  finish(tx: WriteTx, g: Guarded, sign: boolean): Finished {
    const acc = g.trusted.start.acc;
    const proven = g.trusted.start.proven;
    const end: TreeHead = acc.size === g.file.size ? g.file : { size: acc.size, root: acc.root() };
    const out: Omit<Finished, 'state'> = { file: end };
    let note: string | undefined;
    if (sign) {
      const body = checkpointBody(this.origin, end.size, end.root);
      try {
        const sig = signBody(this.signer, end.size, body);
        if (sig instanceof Promise) out.pending = { head: end, signature: sig };
        else note = noteWithSignature(body, this.signer, sig);
      } catch (e) {
        out.signerFailure = e as LedgerError;
      }
    }
    // A checkpoint inside the proven tree needs no record (a prefix of one the state vouches for).
    const intended = note !== undefined && end.size > proven.size ? end : null;
    const next: SignerState = { origin: this.origin, keyId: this.signer.keyId, signed: proven, intended, written: g.file, writing: end.size > g.file.size ? end : null };
    const changed = !sameState(next, g.state);
    if (changed) this.writeState(next, intended !== null);
    if (note !== undefined) {
      // A row an attacker planted at this size is kept (the store is append-only)
      // and reported by verification; the signed note is the caller's.
      tx.insertCheckpoint(end.size, end.root, note);
      out.checkpoint = note;
    }
    return { ...out, state: changed ? next : g.state };
  }

  /** After a commit: what this transaction left becomes the cache. */
  committed(g: Guarded, f: Pick<Finished, 'state' | 'file'>, stored: TreeHead | undefined): void {
    const start = g.trusted.start;
    // A checkpoint just stored is in the file: proven, and known to this instance.
    if (stored !== undefined && stored.size >= start.proven.size) start.proven = stored;
    if (start.cases.size > MAX_CACHED_CASES) start.cases.clear();
    this.#cache = { state: f.state, start, file: f.file };
    if (this.#known === undefined || start.proven.size > this.#known.size) this.#known = start.proven;
    if (f.state.intended !== null || f.state.writing !== null) this.promotionDue = true;
  }

  /**
   * Signs (unless the signature was already asked for) and stores the
   * checkpoint of a tree whose entries were committed: that of an
   * asynchronous signer, or one deferred out of a transaction that was not
   * durable. `head` was computed from the verified tree of that transaction.
   * @throws SIGNER_FAILED (the signer failed), as storeSigned
   */
  async signAfterCommit(store: LedgerStore, head: TreeHead, signature: Promise<Uint8Array> | undefined): Promise<string> {
    let sig: Uint8Array;
    try {
      sig = await (signature ?? signBody(this.signer, head.size, checkpointBody(this.origin, head.size, head.root)));
    } catch (e) {
      throw signerFailed(this.signer, head.size, e);
    }
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
        const root = g.file.root;
        // Every tree extends the empty one (format.md §5: no proof from size 0).
        const consistent =
          head.size === acc.size ? equalBytes(root, head.root) : head.size === 0 || verifyConsistency(head.size, acc.size, head.root, root, consistencyProof(tx, head.size, acc.size));
        if (!consistent) {
          throw new LedgerError('LEDGER_REWRITTEN', `the ledger no longer holds the tree of ${head.size} entries that was signed: history was rewritten since its entries were committed; nothing was stored — run verify`, { signedSize: head.size });
        }
        // A checkpoint inside the proven tree needs no record (a prefix of one the state vouches for).
        const proven = g.trusted.start.proven;
        const next: SignerState = head.size > proven.size ? { ...g.state, signed: proven, intended: head, written: g.file, writing: null } : g.state;
        if (next !== g.state) this.writeState(next, true);
        const note = noteWithSignature(checkpointBody(this.origin, head.size, head.root), this.signer, signature);
        tx.insertCheckpoint(head.size, head.root, note);
        return { state: next, note };
      },
      { durable: true },
    );
    this.committed(g!, { state: out.state, file: g!.file }, head);
    return out.note;
  }

  /**
   * `checkpoint()`: the signed checkpoint of the current size, signed only
   * once the file verified (extension-proof.ts). A stored one of that size
   * is returned if it verifies under the signer's key; otherwise a new one
   * is signed (a row planted at that size is left where it is, and the note
   * returned is the signer's).
   * @throws SIGNER_FAILED (nothing was signed or stored), as begin()
   */
  async checkpoint(store: LedgerStore): Promise<SignedCheckpoint> {
    let g: Guarded | undefined;
    const r = await store.write(
      (tx) => {
        g = this.begin(tx);
        const head = g.file;
        const latest = tx.latestCheckpoint();
        if (latest !== undefined && latest.size === head.size && this.signs(latest.note, head)) return { existing: signedCheckpoint(tx, this.origin, latest), f: { state: g.state, file: head } };
        const f = this.finish(tx, g, true);
        if (f.signerFailure !== undefined) throw signerFailed(this.signer, head.size, f.signerFailure);
        return { head, f };
      },
      { durable: true },
    );
    if ('existing' in r) {
      this.committed(g!, r.f, undefined);
      return r.existing;
    }
    const { head, f } = r;
    if (f.pending !== undefined) {
      this.committed(g!, f, undefined);
      const note = await this.signAfterCommit(store, head, f.pending.signature);
      return { origin: this.origin, size: head.size, root: head.root, note, cosignatures: [] };
    }
    this.committed(g!, f, head);
    return { origin: this.origin, size: head.size, root: head.root, note: f.checkpoint!, cosignatures: [] };
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
   * Promotes `intended` to `signed` and `writing` to `written` once the file
   * is seen to hold them, under the store's write lock, if no other writer
   * changed the state meanwhile. A failure changes nothing: the next
   * transaction resolves the state.
   */
  async promote(store: LedgerStore): Promise<void> {
    const cache = this.#cache;
    if (!this.promotionDue || cache === undefined || (cache.state.intended === null && cache.state.writing === null)) return;
    this.promotionDue = false;
    const was = cache.state;
    try {
      await store.write((tx) => {
        const now = this.readState();
        const signed = was.intended ?? was.signed;
        const written = newestWritten(was);
        if (now === undefined || !sameState(now, was) || !fileExtends(tx, signed) || !fileExtends(tx, written)) return;
        const next: SignerState = { ...now, signed, intended: null, written, writing: null };
        // Without fsync: the state it replaces was durable when it named a checkpoint, and a power cut
        // that loses the promotion leaves that state, which the next transaction accepts (format.md §10.2).
        this.states.write(this.origin, next, false);
        if (this.#cache === cache) cache.state = next;
      });
    } catch {
      // Left as it was: the next transaction accepts intended or signed, writing or written.
    }
  }
}
