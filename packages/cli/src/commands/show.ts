/** `casetrail show <ledger> <seq>`: one entry with every field. */
import { toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, jsonOption, req, reqNum } from '../options.js';
import { entryJson, fields, isoTime, paint, printJson, printable } from '../output.js';

export interface ShowOptions {
  ledger: string;
  seq: number;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError NOT_FOUND when there is no such entry
 */
export async function show(opts: ShowOptions, io: Io): Promise<number> {
  return withReadLedger(io, opts.ledger, async (ledger) => {
    const e = await ledger.get(opts.seq);
    if (opts.json) {
      await printJson(io, entryJson(e));
      return EXIT.OK;
    }
    const p = paint(io);
    const sigs = e.entry.sigs.length === 0 ? 'none' : e.entry.sigs.map((s) => toHex(s.publicKey)).join('\n' + ' '.repeat(14));
    const data = e.redacted ? p.warn('[erased by redaction]') : printable(JSON.stringify(e.data ?? null, null, 2)).replace(/\\u000a/g, '\n').split('\n').join('\n' + ' '.repeat(14));
    await write(
      io.stdout,
      `${p.bold(`entry ${e.seq}`)}\n` +
        fields(
          [
            ['case', `${printable(e.entry.caseId)} (step ${e.entry.step})`],
            ['type', printable(e.entry.type)],
            ['actor', printable(e.entry.actor)],
            ['time', `${isoTime(e.entry.time)} (${e.entry.time})`],
            ['leaf hash', toHex(e.leafHash)],
            ['prev', toHex(e.entry.prev)],
            ['case prev', toHex(e.entry.casePrev)],
            ['commitment', toHex(e.entry.commit)],
            ['signed by', sigs],
            ['data', data],
          ],
          p,
        ),
    );
    return EXIT.OK;
  });
}

export const showCli = defineCommand<ShowOptions>({
  name: 'show',
  define: (cmd: Command) =>
    cmd
      .description('show one entry with every field')
      .argument('<ledger>', 'ledger file')
      .argument('<seq>', 'entry number', countParser('<seq>'))
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail show cases.ledger 3')),
  options: ([ledger, seq], o) => ({ ledger: req(ledger, '<ledger>'), seq: reqNum(seq, '<seq>'), ...defined({ json: flag(o, 'json') }) }),
  run: show,
});
