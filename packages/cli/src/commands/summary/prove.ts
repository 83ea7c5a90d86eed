/**
 * `casetrail summary prove <ledger> <summary> <seq> [--json]`: proves that
 * entry `seq` (a violation or a revocation) is counted by summary entry
 * `summary` (docs/supervision.md §14.6): the RFC 9162 audit path of its
 * leaf hash in the tree over the leaf hashes of the entries the summary
 * lists, after recomputing that tree's root from the entries' checked
 * bytes. Anyone checks it with `verifyInclusion(leaf, index, size, proof,
 * root)` of @casetrail/verify; the entry itself is proven in the ledger by
 * `casetrail prove`. Exit 2 (SUMMARY_INVALID) when `summary` is not a
 * summary or does not count `seq`; 2 also when the summary's root is not
 * that of its entries (run `audit`).
 */
import type { Command } from 'commander';
import { fromHex, verifyInclusion } from '@casetrail/core';
import { proveInSummary } from '@casetrail/supervise/ledger';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { ledgerPath } from '../../ledgers.js';
import { countParser, defined, example, flag, jsonOption, req, reqNum } from '../../options.js';
import { printJson } from '../../output.js';

export interface SummaryProveOptions {
  ledger: string;
  summary: number;
  seq: number;
  json?: boolean;
}

/** @returns 0; SUMMARY_INVALID (exit 2) when the summary does not count the entry */
export async function summaryProve(opts: SummaryProveOptions, io: Io): Promise<number> {
  const p = await proveInSummary(ledgerPath(io, opts.ledger), opts.summary, opts.seq);
  // What a reader of the output will do, done once here: a path that did not verify is a bug, never printed as a proof.
  if (!verifyInclusion(fromHex(p.leaf), p.index, p.size, p.proof.map(fromHex), fromHex(p.root))) throw new Error('the audit path computed does not verify');
  if (opts.json) {
    await printJson(io, p);
  } else {
    let out = `entry ${p.seq} is leaf ${p.index} of the ${p.size} entries summary ${p.summary} of ${p.period} counts\n`;
    out += `  leaf ${p.leaf}\n  root ${p.root} (the summary's, recomputed from its entries)\n  audit path (RFC 9162, leaf first):\n`;
    out += p.proof.length === 0 ? '    (none: the only leaf)\n' : p.proof.map((h) => `    ${h}\n`).join('');
    await write(io.stdout, out);
  }
  return EXIT.OK;
}

export const summaryProveCli = defineCommand<SummaryProveOptions>({
  name: 'prove',
  define: (cmd: Command) =>
    cmd
      .description('prove that a violation or revocation entry is counted by a summary (its RFC 9162 audit path in the summary\'s root)')
      .argument('<ledger>', 'ledger file')
      .argument('<summary>', 'the summary entry', countParser('<summary>'))
      .argument('<seq>', 'the violation or revocation entry', countParser('<seq>'))
      .addOption(jsonOption('print {"summary","period","seq","index","size","leaf","root","proof":[hex…]}'))
      .addHelpText('after', example('casetrail summary prove cases.ledger 912 57 --json')),
  options: ([ledger, summary, seq], o) => ({ ledger: req(ledger, '<ledger>'), summary: reqNum(summary, '<summary>'), seq: reqNum(seq, '<seq>'), ...defined({ json: flag(o, 'json') }) }),
  run: summaryProve,
});
