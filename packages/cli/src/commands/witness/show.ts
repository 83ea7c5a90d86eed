/**
 * `casetrail witness show --state <dir>`: the witness's name and key, the
 * ledgers it accepts, and the latest checkpoint it cosigned for each.
 */
import { Witness } from '@casetrail/oversight';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { defined, example, flag, jsonOption, req, str, tzOption } from '../../options.js';
import { paint, printJson, printable, table } from '../../output.js';
import { formatTime, zoneOf } from '../../times.js';

export interface WitnessShowOptions {
  state: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0 @throws LedgerError STATE_INVALID (3) */
export async function witnessShow(opts: WitnessShowOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const w = Witness.open(resolvePath(io, opts.state), opts.keyFile === undefined ? {} : { keyFile: resolvePath(io, opts.keyFile) });
  const s = w.state();
  const logs = s.logs.map((l) => ({ origin: l.origin, vkeys: l.vkeys, latest: l.cosigned.at(-1) ?? null }));
  if (opts.json) {
    await printJson(io, { name: s.name, vkey: s.vkey, logs: logs.map((l) => ({ ...l, latest: l.latest === null ? null : { size: l.latest.size, root: l.latest.root, timestamp: l.latest.timestamp } })), evidence: w.evidence().length });
    return EXIT.OK;
  }
  const rows = logs.map((l) => [printable(l.origin), l.latest === null ? '-' : String(l.latest.size), l.latest === null ? 'never' : formatTime(l.latest.timestamp * 1000, zone)]);
  await write(
    io.stdout,
    `witness ${printable(s.name)}\nkey     ${s.vkey}\n` +
      (rows.length === 0 ? 'no ledger accepted yet: `casetrail witness add-log`\n' : table([{ header: 'ORIGIN' }, { header: 'COSIGNED SIZE', align: 'right' }, { header: 'AT' }], rows, paint(io))),
  );
  return EXIT.OK;
}

export const witnessShowCli = defineCommand<WitnessShowOptions>({
  name: 'show',
  define: (cmd: Command) =>
    cmd
      .description('the witness, the ledgers it accepts, and the latest checkpoint it cosigned for each')
      .requiredOption('--state <dir>', "the witness's state directory")
      .option('--key-file <path>', "the witness's key (default <state>/witness.key)")
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail witness show --state province-witness')),
  options: (_a, o) => ({ state: req(o['state'], '--state'), ...defined({ keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: witnessShow,
});
