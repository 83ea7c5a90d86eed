/**
 * `casetrail transfer check <ledger> --from-vkey <vkey>`: an auditor's
 * check of the clue.received steps of a ledger (docs/oversight.md §10.5):
 * each is read as the ledger's reads check it (its bytes, its chain, its
 * payload against its commitment) and its citation is checked against the
 * sender's key given here — the checkpoint note opens under it with the
 * cited size and root, and every cited entry's proof leads to that root.
 * With --bundle (and --case), the bundle file must be the one cited. With
 * --vkey (the receiver's own key), each receipt must also be proven in the
 * receiver's latest signed checkpoint. Steps citing a sender whose key is
 * not given are listed as not checked.
 */
import { CLUE_RECEIVED, MAX_TRANSFER_BUNDLE_BYTES, checkClueReceipt, type CheckClueReceiptOptions, type ClueReceiptCheck } from '@casetrail/oversight';
import { Ledger, LedgerError, equalBytes, isLedgerError, parseVerifierKey, verifyEntryProof, type LedgerEntry } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, usage } from '../../exit.js';
import { readInput } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { readKeyText, readWitnessPolicy } from '../../keys.js';
import { withReadLedger } from '../../ledgers.js';
import { collect, defined, example, flag, jsonOption, req, str, strs, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../../options.js';
import { printJson, printable } from '../../output.js';
import { checkId } from '../../text.js';

export interface TransferCheckOptions {
  ledger: string;
  /** The senders' verifier keys (or files). */
  fromVkey: string[];
  /** Only the clue.received step of this case. */
  case?: string;
  /** The bundle received (with --case): it must be the one cited. */
  bundle?: string;
  /** The receiver's own verifier key (or file): each receipt proven in its latest signed checkpoint. */
  vkey?: string;
  witness?: string[];
  witnessQuorum?: number;
  json?: boolean;
}

interface Checked {
  seq: number;
  case: string;
  origin: string | null;
  verdict: 'ok' | 'failed' | 'not-checked';
  proven: number;
  bundleMatched?: boolean;
  /** With --vkey: whether the receipt entry is proven in the receiver's latest signed checkpoint. */
  signed?: boolean;
  problems: { code: string; message: string }[];
}

/**
 * @returns 0 when every clue.received step checked is true to the sender's
 *   checkpoint, 1 when one is not (or cannot be read)
 * @throws LedgerError NOT_FOUND (2: no clue.received step); CliError USAGE
 */
export async function transferCheck(opts: TransferCheckOptions, io: Io): Promise<number> {
  if (opts.case !== undefined) checkId('--case', opts.case);
  if (opts.bundle !== undefined && opts.case === undefined) throw usage('--bundle is the bundle of one receipt: give its --case too');
  const keys = opts.fromVkey.map((k) => readKeyText(io, k, '--from-vkey', "sender's verifier key"));
  const byOrigin = new Map(keys.map((k) => [parseVerifierKey(k).name, k]));
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  const receiverKey = opts.vkey === undefined ? undefined : readKeyText(io, opts.vkey, '--vkey');
  const bundle = opts.bundle === undefined ? undefined : await readInput(io, opts.bundle, MAX_TRANSFER_BUNDLE_BYTES, 'transfer bundle', 'artifact');
  const results: Checked[] = [];
  await withReadLedger(io, opts.ledger, async (ledger) => {
    for await (const e of ledger.stream({ type: CLUE_RECEIVED, ...defined({ caseId: opts.case }) })) {
      const r = await checkOne(e, byOrigin, { ...defined({ bundle, witnessPolicy: policy }) });
      if (receiverKey !== undefined) await signedByReceiver(ledger, e, receiverKey, r);
      results.push(r);
    }
  });
  if (results.length === 0) throw new LedgerError('NOT_FOUND', `${opts.ledger} holds no ${CLUE_RECEIVED} step${opts.case === undefined ? '' : ` in case ${JSON.stringify(opts.case)}`}`);
  const ok = results.every((r) => r.verdict !== 'failed');
  if (opts.json) {
    await printJson(io, { ok, receipts: results });
  } else {
    let out = '';
    for (const r of results) {
      const head = `entry ${r.seq} (case ${printable(r.case)}) from ${r.origin === null ? '?' : printable(r.origin)}`;
      if (r.verdict === 'ok') out += `✔ ${head}: ${r.proven} entries proven in the sender's checkpoint${r.bundleMatched === true ? '; the bundle is the one cited' : ''}${r.signed === true ? "; the receipt is in this ledger's signed checkpoint" : ''}\n`;
      else if (r.verdict === 'not-checked') out += `· ${head}: not checked (no --from-vkey for that sender)\n`;
      else out += `✘ ${head}: ${r.problems.map((p) => `${p.code}: ${printable(p.message)}`).join('; ')}\n`;
    }
    out += ok ? `✔ OK: ${results.filter((r) => r.verdict === 'ok').length} receipt(s) checked against their senders' checkpoints\n` : `✘ FAILED: ${results.filter((r) => r.verdict === 'failed').length} receipt(s) do not hold\n`;
    await write(io.stdout, out);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}

async function checkOne(e: LedgerEntry, byOrigin: Map<string, string>, options: CheckClueReceiptOptions): Promise<Checked> {
  const base = { seq: e.seq, case: e.entry?.caseId ?? '?', proven: 0 };
  if (!e.ok || e.payload === null) {
    const i = e.issues.find((x) => x.severity === 'error');
    const problem = i !== undefined ? { code: i.code, message: i.message } : { code: 'TRANSFER_INVALID', message: `its payload is ${e.payloadState}: the citation cannot be read` };
    return { ...base, origin: null, verdict: 'failed', problems: [problem] };
  }
  const origin = citedOrigin(e.payload);
  const key = origin === null ? undefined : byOrigin.get(origin);
  if (key === undefined) {
    if (origin === null) return { ...base, origin, verdict: 'failed', problems: [{ code: 'TRANSFER_INVALID', message: 'the payload names no sender' }] };
    return { ...base, origin, verdict: 'not-checked', problems: [] };
  }
  const c: ClueReceiptCheck = await checkClueReceipt(e.payload, key, options);
  return { ...base, origin, verdict: c.ok ? 'ok' : 'failed', proven: c.proven, ...(c.bundleMatched === undefined ? {} : { bundleMatched: c.bundleMatched }), problems: c.problems.map((p) => ({ code: p.code, message: p.message })) };
}

/**
 * With the receiver's key: the receipt entry's inclusion proof in the
 * ledger's latest signed checkpoint, checked as an auditor checks a proof
 * file (`verifyEntryProof`), for the entry bytes the read checked.
 */
async function signedByReceiver(ledger: Ledger, e: LedgerEntry, vkey: string, r: Checked): Promise<void> {
  try {
    const p = await ledger.tlogProof(e.seq);
    r.signed = equalBytes(verifyEntryProof(p.text, vkey).leafHash, e.leafHash);
    if (!r.signed) r.problems.push({ code: 'LEAF_HASH_MISMATCH', message: "the receipt's bytes are not those the receiver's checkpoint proves" });
  } catch (x) {
    if (!isLedgerError(x)) throw x;
    r.signed = false;
    const unsigned = x.code === 'NOT_FOUND' || x.code === 'NO_CHECKPOINT';
    r.problems.push(unsigned ? { code: 'UNSIGNED_TAIL', message: "the receipt comes after the receiver's latest signed checkpoint: sign one (checkpoint --sign)" } : { code: x.code, message: x.message });
  }
  if (!r.signed && r.verdict !== 'failed') r.verdict = 'failed';
}

/** The sender's origin a payload names, to pick its key; the check itself is checkClueReceipt's. */
function citedOrigin(payload: Uint8Array): string | null {
  try {
    const o = JSON.parse(new TextDecoder().decode(payload)) as { from?: { origin?: unknown } };
    return typeof o.from?.origin === 'string' ? o.from.origin : null;
  } catch {
    return null;
  }
}

export const transferCheckCli = defineCommand<TransferCheckOptions>({
  name: 'check',
  define: (cmd: Command) =>
    cmd
      .description("check a ledger's clue.received steps against their senders' checkpoints (exit 1 if one does not hold)")
      .argument('<ledger>', 'ledger file')
      .requiredOption('--from-vkey <key|file>', "a sender's verifier key, or a file holding it; repeat for several", collect)
      .option('--case <id>', 'only the clue.received step of this case')
      .option('--bundle <file>', 'with --case: the bundle received, which must be the one cited')
      .option('--vkey <key|file>', "this ledger's own verifier key: each receipt must be proven in its latest signed checkpoint")
      .addOption(witnessOption("the senders' cited checkpoints"))
      .addOption(witnessQuorumOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail transfer check province.ledger --from-vkey city-a.vkey --from-vkey city-b.vkey', 'casetrail transfer check province.ledger --from-vkey city-a.vkey --case CITY-A-2026-0001 --bundle clue.bundle --vkey province.vkey')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    fromVkey: strs(o, 'fromVkey') ?? [],
    ...defined({ case: str(o, 'case'), bundle: str(o, 'bundle'), vkey: str(o, 'vkey'), ...witnessPolicyValues(o), json: flag(o, 'json') }),
  }),
  run: transferCheck,
});
