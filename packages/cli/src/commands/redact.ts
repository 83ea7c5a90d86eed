/**
 * `casetrail redact <ledger> <seq> --reason <text> [--actor <id>]`: erases
 * the payload of an entry lawfully, recorded as a `casetrail.redaction`
 * entry in the same case (format.md §4.5). No hash changes.
 */
import { userInfo } from 'node:os';
import { toHex } from '@casetrail/core';
import { EXIT, usage } from '../exit.js';
import { write, type Io } from '../io.js';
import { withWriteLedger } from '../ledgers.js';
import { printJson } from '../output.js';

export interface RedactOptions {
  ledger: string;
  seq: number;
  reason: string;
  /** Who orders the erasure; default the login name. */
  actor?: string;
  keyFile?: string;
  json?: boolean;
}

function loginName(): string {
  try {
    return userInfo().username || 'casetrail-cli';
  } catch {
    return 'casetrail-cli';
  }
}

/**
 * @returns exit code 0
 * @throws LedgerError NOT_FOUND, ALREADY_REDACTED, NOT_REDACTABLE (exit 2)
 */
export async function redact(opts: RedactOptions, io: Io): Promise<number> {
  if (opts.reason.trim() === '') throw usage('--reason must say why the payload is erased');
  const actor = opts.actor ?? loginName();
  const r = await withWriteLedger(io, opts.ledger, opts.keyFile, 'redaction (it appends an entry and signs a checkpoint)', (l) => l.redact(opts.seq, { reason: opts.reason, actor }));
  if (opts.json) {
    await printJson(io, { redacted: opts.seq, seq: r.seq, case: r.caseId, step: r.step, time: r.time, leafHash: toHex(r.leafHash), treeSize: r.treeSize });
  } else {
    await write(io.stdout, `erased the payload of entry ${opts.seq}; recorded as entry ${r.seq} (case ${r.caseId} step ${r.step})\n`);
  }
  return EXIT.OK;
}
