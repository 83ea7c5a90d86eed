/** `casetrail show <ledger> <seq>`: one entry with every field; its time in --tz. */
import { toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, jsonOption, req, reqNum, str, tzOption } from '../options.js';
import { entryJson, fields, paint, printJson, printable } from '../output.js';
import { formatTime, zoneOf } from '../times.js';

export interface ShowOptions {
  ledger: string;
  seq: number;
  /** IANA time zone of the time shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns exit code 0
 * @throws LedgerError NOT_FOUND when there is no such entry
 */
export async function show(opts: ShowOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  return withReadLedger(io, opts.ledger, async (ledger) => {
    const e = await ledger.get(opts.seq);
    if (opts.json) {
      await printJson(io, entryJson(e));
      return EXIT.OK;
    }
    const p = paint(io);
    const indent = '\n' + ' '.repeat(14);
    const sigs = e.entry.sigs.length === 0 ? 'none' : e.entry.sigs.map((s) => toHex(s.publicKey)).join(indent);
    // Pretty JSON has its line breaks between values; each line is escaped on its own.
    const data = e.redacted ? p.warn('[erased by redaction]') : JSON.stringify(e.data ?? null, null, 2).split('\n').map(printable).join(indent);
    await write(
      io.stdout,
      `${p.bold(`entry ${e.seq}`)}\n` +
        fields(
          [
            ['case', `${printable(e.entry.caseId)} (step ${e.entry.step})`],
            ['type', printable(e.entry.type)],
            ['actor', printable(e.entry.actor)],
            ['time', formatTime(e.entry.time, zone)],
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
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail show cases.ledger 3', 'casetrail show cases.ledger 3 --tz Asia/Shanghai')),
  options: ([ledger, seq], o) => ({ ledger: req(ledger, '<ledger>'), seq: reqNum(seq, '<seq>'), ...defined({ tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: show,
});
