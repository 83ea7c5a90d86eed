/**
 * The signer state in a file (format.md §10.1): by default
 * `<key file>.state`, beside the key, where the database administrator who
 * can rewrite the ledger file cannot (docs/security.md "The signer state").
 *
 * Layout: two slots of SLOT_BYTES each, so that a state is replaced with
 * one write in place and, when it must be durable, one fdatasync — not a
 * temporary file, its fsync, a rename and a directory fsync per signature.
 * Each slot holds a header line with a counter, whether its write was
 * durable, the length and SHA-256 of the state text, then the text, zero
 * padded. A reader takes the valid slot with the larger counter; a slot
 * whose checksum fails is what a crash in the middle of its write leaves,
 * and the other slot then holds the state before it.
 *
 * Which slot is written (the rule that keeps every crash guarantee): if the
 * newest slot was written durably, the other one; otherwise the newest one
 * again. So a write never overwrites the newest durable state unless a
 * later durable one is in the other slot; a power cut loses at most states
 * written without fsync, which format.md §10.2 allows.
 *
 * Policy: the file is opened without following a symbolic link and refused
 * when it is not a regular file of exactly two slots or when group or
 * others may access it (like the key file). It is created whole through
 * the durable-write module (node/durable-file.ts): a temporary file, mode
 * 0600, fsynced, linked into place (an existing name is never replaced),
 * the directory fsynced.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { LedgerError } from '@casetrail/verify';
import { linkNewFile, removeFile, syncDirectoryOf, writeTempFile } from './durable-file.js';
import { MAX_SIGNER_STATE_BYTES, formatSignerState, parseSignerState, type SignerState, type SignerStateStore } from './signer-state.js';

/** The size of one slot (format.md §10.1): a header line and a state of at most MAX_SIGNER_STATE_BYTES fit. */
export const SLOT_BYTES = 8192;
/** The first word of a slot's header line. */
export const SLOT_TAG = 'casetrail-signer-state-slot/v1';
const HEADER = /^casetrail-signer-state-slot\/v1 (0|[1-9][0-9]{0,15}) ([01]) (0|[1-9][0-9]{0,4}) ([0-9a-f]{64})\n/;

function ioError(path: string, e: unknown, doing: string): LedgerError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const message = `cannot ${doing} the signer state ${path}: ${(e as Error)?.message ?? String(e)}`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new LedgerError('DISK_FULL', message, { path }, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new LedgerError('READ_ONLY', message, { path }, { cause: e });
  return new LedgerError('STORAGE_ERROR', message, { path }, { cause: e });
}

function invalid(path: string, why: string): LedgerError {
  return new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} ${why}; it is never repaired silently — see docs/security.md "The signer state" for the recovery`, { path });
}

/** A slot's content: one function writes it (format.md §10.1). */
export function formatSlot(counter: number, durable: boolean, text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  // A longer state would not fit its slot whole (parseSignerState refuses it too).
  if (body.length > MAX_SIGNER_STATE_BYTES) throw new RangeError(`a signer state is at most ${MAX_SIGNER_STATE_BYTES} bytes (format.md §10.1), this one is ${body.length}`);
  const prefix = `${SLOT_TAG} ${counter} ${durable ? 1 : 0} ${body.length} `;
  const sum = createHash('sha256').update(prefix).update(body).digest('hex');
  const head = Buffer.from(`${prefix}${sum}\n`, 'utf8');
  const slot = Buffer.alloc(SLOT_BYTES);
  head.copy(slot, 0);
  body.copy(slot, head.length);
  return slot;
}

interface Slot {
  index: 0 | 1;
  counter: number;
  durable: boolean;
  text: string;
}

/** A slot read back, or undefined when it does not check (empty, or torn by a crash during its write). */
function parseSlot(bytes: Uint8Array, index: 0 | 1): Slot | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || nl > 200) return undefined;
  const m = HEADER.exec(buf.subarray(0, nl + 1).toString('latin1'));
  if (m === null) return undefined;
  const counter = Number(m[1]);
  const length = Number(m[3]);
  if (!Number.isSafeInteger(counter) || length > MAX_SIGNER_STATE_BYTES || nl + 1 + length > SLOT_BYTES) return undefined;
  const body = buf.subarray(nl + 1, nl + 1 + length);
  const prefix = `${SLOT_TAG} ${m[1]} ${m[2]} ${m[3]} `;
  if (createHash('sha256').update(prefix).update(body).digest('hex') !== m[4]) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
  return { index, counter, durable: m[2] === '1', text };
}

export class FileSignerState implements SignerStateStore {
  constructor(readonly location: string) {}

  /**
   * Opens the state file without following a link, and checks it is a
   * regular file of two slots that only its owner may access.
   * @returns undefined when there is no file
   */
  private open(flags: number): number | undefined {
    const path = this.location;
    let fd: number;
    try {
      fd = openSync(path, flags | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw invalid(path, 'is a symbolic link; casetrail never reads a state through one');
      throw ioError(path, e, 'open');
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw invalid(path, 'is not a regular file');
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${path} is accessible by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`, {
          path,
          mode: st.mode & 0o777,
        });
      }
      if (st.size !== 2 * SLOT_BYTES) throw invalid(path, `is not ${2 * SLOT_BYTES} bytes long (two slots of format.md §10.1)`);
    } catch (e) {
      closeSync(fd);
      if (e instanceof LedgerError) throw e;
      throw ioError(path, e, 'read');
    }
    return fd;
  }

  /** The newest slot that checks. @throws SIGNER_STATE_INVALID when none does */
  private newest(fd: number): Slot {
    const buf = Buffer.alloc(2 * SLOT_BYTES);
    let got = 0;
    try {
      for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, got)) > 0; ) got += n;
    } catch (e) {
      throw ioError(this.location, e, 'read');
    }
    if (got !== buf.length) throw invalid(this.location, 'changed length while it was read');
    const slots = [parseSlot(buf.subarray(0, SLOT_BYTES), 0), parseSlot(buf.subarray(SLOT_BYTES), 1)].filter((s): s is Slot => s !== undefined);
    const [a, b] = slots;
    if (a === undefined) throw invalid(this.location, 'holds no slot that checks (format.md §10.1)');
    if (b !== undefined && a.counter === b.counter) throw invalid(this.location, 'holds two slots with the same counter');
    return b !== undefined && b.counter > a.counter ? b : a;
  }

  /** @throws SIGNER_STATE_INVALID (not a regular file of two slots, readable by others, no slot that checks, malformed), STORAGE_ERROR */
  read(origin: string): SignerState | undefined {
    const fd = this.open(constants.O_RDONLY);
    if (fd === undefined) return undefined;
    let slot: Slot;
    try {
      slot = this.newest(fd);
    } finally {
      closeSync(fd);
    }
    const state = parseSignerState(slot.text, this.location);
    if (state.origin !== origin) {
      throw new LedgerError('SIGNER_STATE_INVALID', `the signer state ${this.location} is for origin "${state.origin}", not "${origin}"`, { path: this.location, origin: state.origin });
    }
    return state;
  }

  /**
   * Records a new state: in place, in the slot the rule of this module
   * names, fdatasynced unless `durable` is false (format.md §10.1); a new
   * file is created whole and durably.
   * @throws DISK_FULL, READ_ONLY, STORAGE_ERROR, SIGNER_STATE_INVALID; the newest durable state is then unchanged
   */
  write(_origin: string, state: SignerState, durable = true): void {
    this.put(formatSignerState(state), durable, false);
  }

  private put(text: string, durable: boolean, raced: boolean): void {
    const fd = this.open(constants.O_RDWR);
    if (fd === undefined) return this.create(text, raced);
    try {
      const cur = this.newest(fd);
      const index = cur.durable ? 1 - cur.index : cur.index;
      const slot = formatSlot(cur.counter + 1, durable, text);
      try {
        for (let off = 0; off < slot.length; ) off += writeSync(fd, slot, off, slot.length - off, index * SLOT_BYTES + off);
        if (durable) fdatasyncSync(fd);
      } catch (e) {
        throw ioError(this.location, e, 'write');
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The first state: slot 0, durable; slot 1 empty. Never replaces a file that appeared meanwhile. */
  private create(text: string, raced: boolean): void {
    const path = this.location;
    const content = Buffer.concat([formatSlot(1, true, text), Buffer.alloc(SLOT_BYTES)]);
    let tmp: string | undefined;
    try {
      tmp = writeTempFile(path, content, 0o600);
      linkNewFile(tmp, path);
      tmp = undefined;
      syncDirectoryOf(path, true);
    } catch (e) {
      if (tmp !== undefined) removeFile(tmp);
      // Another writer created it meanwhile: the state is written in place, as any other.
      if ((e as NodeJS.ErrnoException)?.code === 'EEXIST' && !raced) return this.put(text, true, true);
      throw ioError(path, e, 'create');
    }
  }
}

/** The default place of a key file's signer state. */
export function stateFileOf(keyFile: string): string {
  return `${keyFile}.state`;
}
