/**
 * `casetrail transfer receive <ledger> <bundle> --from-vkey <vkey>`: the
 * receiver's side of a clue transfer (docs/oversight.md §10.4). The bundle is
 * verified first, before the ledger is opened — by the offline verifier's
 * bundle verification, strictly, under the sender's key given here (never
 * one read from the bundle), with the witness policy of --witness like every
 * verifier — and must carry a `clue.transferred` step of its case. Then a
 * `clue.received` step citing the sender's origin, checkpoint and entry
 * hashes opens the case (the sender's case id unless --case), screened by
 * the rule pack in force. A bundle refused, replayed, or for a case that
 * exists records nothing. `--as` names this unit: a transfer to another is
 * refused.
 */
import { toHex } from '@casetrail/core';
import { MAX_TRANSFER_BUNDLE_BYTES, readTransferBundle, receiveClue } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { readInput } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { readKeyText, readWitnessPolicy } from '../../keys.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption, witnessOption, witnessPolicyValues, witnessQuorumOption } from '../../options.js';
import { printJson, printable } from '../../output.js';
import { receiptJson } from '../append.js';
import { alertLines, blockedError, loginName, withSupervisedLedger } from '../../supervision.js';
import { checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface TransferReceiveOptions {
  ledger: string;
  /** The bundle file, or `-`. */
  file: string;
  /** The sender's verifier key, or a file holding it. */
  fromVkey: string;
  /** The case id in this ledger (default the sender's). */
  case?: string;
  /** This unit's name: the transfer must name it. */
  as?: string;
  actor?: string;
  time?: string;
  witness?: string[];
  witnessQuorum?: number;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError TRANSFER_WRONG_SENDER, TRANSFER_UNVERIFIED,
 *   TRANSFER_INVALID, TRANSFER_STEP_MISSING, TRANSFER_MISADDRESSED,
 *   INPUT_TOO_LARGE (1: the bundle; the ledger is not opened), TRANSFER_REPLAYED, TRANSFER_CASE_EXISTS (2);
 *   SupervisionError RULE_BLOCKED (4). Nothing is recorded for any of them
 *   (a blocking rule records its refusal, as for every append).
 */
export async function transferReceive(opts: TransferReceiveOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  if (opts.case !== undefined) checkId('--case', opts.case);
  if (opts.as !== undefined) checkId('--as', opts.as);
  const actor = opts.actor ?? loginName();
  checkId('--actor', actor);
  const fromVkey = readKeyText(io, opts.fromVkey, '--from-vkey', "sender's verifier key");
  const policy = readWitnessPolicy(io, opts.witness, opts.witnessQuorum);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  const bundle = await readInput(io, opts.file, MAX_TRANSFER_BUNDLE_BYTES, 'transfer bundle', 'artifact');
  const checks = defined({ witnessPolicy: policy, unit: opts.as });
  // Verified before the ledger is opened (receiveClue verifies it again, before its append).
  await readTransferBundle(bundle, fromVkey, checks);
  let got;
  try {
    got = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'receiving a clue (it appends a step and signs a checkpoint)', (sup, ledger) =>
      receiveClue(ledger, bundle, { fromVkey, actor, writer: sup, ...checks, ...defined({ caseId: opts.case, time }) }),
    );
  } catch (e) {
    throw blockedError(inUserTerms(e, zone, FLAG_NAMES), () => null);
  }
  const r = got.receipt;
  const c = got.citation;
  if (opts.json) {
    await printJson(io, {
      ...receiptJson(r),
      from: { origin: c.from.origin, case: c.from.case },
      checkpoint: { size: c.checkpoint.size, root: toHex(c.checkpoint.root) },
      entries: c.entries.length,
      transfer: { seq: c.transfer.seq, to: c.transfer.to },
      bundleSha256: toHex(c.bundle),
    });
  } else {
    await write(
      io.stdout,
      `verified the transfer bundle: ${c.entries.length} entries of case ${printable(c.from.case)} of ${printable(c.from.origin)}, proven against its checkpoint of size ${c.checkpoint.size}; transferred to ${printable(c.transfer.to)} by entry ${c.transfer.seq}\n` +
        `recorded clue.received as entry ${r.seq} (case ${printable(r.caseId)} step ${r.step}) at ${formatTime(r.time, zone)}, citing the checkpoint and the ${c.entries.length} entry hashes\n` +
        alertLines(r.alerts),
    );
  }
  return EXIT.OK;
}

export const transferReceiveCli = defineCommand<TransferReceiveOptions>({
  name: 'receive',
  define: (cmd: Command) =>
    cmd
      .description("verify a transfer bundle under the sender's key and open the case with a clue.received step citing it")
      .argument('<ledger>', 'ledger file')
      .argument('<file>', 'the transfer bundle, or - for standard input')
      .requiredOption('--from-vkey <key|file>', "the sender's verifier key, or a file holding it (from your records, never from the bundle)")
      .option('--case <id>', "the case id in this ledger (default: the sender's)")
      .option('--as <unit>', 'this unit: the transfer step must name it (refused otherwise)')
      .option('--actor <id>', 'who receives it (default: the login name)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(witnessOption("the sender's checkpoint in the bundle"))
      .addOption(witnessQuorumOption())
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail transfer receive province.ledger clue.bundle --from-vkey city-a.vkey', 'casetrail transfer receive province.ledger clue.bundle --from-vkey city-a.vkey --case PROV-2026-0042 --witness province.witness.vkey')),
  options: ([ledger, file], o) => ({
    ledger: req(ledger, '<ledger>'),
    file: req(file, '<file>'),
    fromVkey: req(o['fromVkey'], '--from-vkey'),
    ...defined({ case: str(o, 'case'), as: str(o, 'as'), actor: str(o, 'actor'), time: str(o, 'time'), ...witnessPolicyValues(o), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: transferReceive,
});
