/**
 * `casetrail show <ledger> <seq>`: one entry with every field, each from its
 * bytes; its time in --tz. An entry that does not check is shown marked with
 * its codes, and the command exits 1.
 */
import { toHex } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { withReadLedger } from '../ledgers.js';
import { countParser, defined, example, flag, jsonOption, req, reqNum, str, tzOption } from '../options.js';
import { dataSummary, entryJson, fields, paint, printJson, printable } from '../output.js';
import { issueLines } from '../messages.js';
import { formatTime, zoneOf } from '../times.js';

export interface ShowOptions {
  ledger: string;
  seq: number;
  /** IANA time zone of the time shown (default $TZ, else UTC). */
  tz?: string;
  json?: boolean;
}

/**
 * @returns exit code 0, or 1 when the entry does not check (it is shown marked)
 * @throws LedgerError NOT_FOUND when there is no such entry
 */
export async function show(opts: ShowOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  return withReadLedger(io, opts.ledger, async (ledger) => {
    const e = await ledger.get(opts.seq);
    if (opts.json) {
      await printJson(io, entryJson(e));
      return e.ok ? EXIT.OK : EXIT.FAILED;
    }
    const p = paint(io);
    const indent = '\n' + ' '.repeat(14);
    const d = e.entry;
    let body: Array<[string, string]>;
    if (d === undefined) {
      body = [['leaf hash', e.leafHash.length === 0 ? '(no entry bytes)' : toHex(e.leafHash)]];
    } else {
      const sigs = d.sigs.length === 0 ? 'none' : d.sigs.map((s) => toHex(s.publicKey)).join(indent);
      // Pretty JSON has its line breaks between values; each line is escaped on its own.
      const data =
        e.payloadState === 'present' && e.data !== undefined
          ? JSON.stringify(e.data, null, 2).split('\n').map(printable).join(indent)
          : p.warn(dataSummary(e).replace('[redacted]', '[erased by redaction]'));
      body = [
        ['case', `${printable(d.caseId)} (step ${d.step})`],
        ['type', printable(d.type)],
        ['actor', printable(d.actor)],
        ['time', formatTime(d.time, zone)],
        ['leaf hash', toHex(e.leafHash)],
        ['prev', toHex(d.prev)],
        ['case prev', toHex(d.casePrev)],
        ['commitment', toHex(d.commit)],
        ['nonce', d.nonce === undefined ? '(version 1 entry)' : toHex(d.nonce)],
        ['signed by', sigs],
        ['data', data],
      ];
    }
    let out = `${p.bold(`entry ${e.seq}`)}\n` + fields(body, p);
    out += issueLines(e.issues, p, zone);
    await write(io.stdout, out);
    return e.ok ? EXIT.OK : EXIT.FAILED;
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
