/**
 * `casetrail rules adopt <ledger> <pack>`: records the pack's canonical JSON
 * and hash as a `casetrail.rules.adopted` entry (docs/supervision.md §5.1);
 * from that entry on it is in force. Nothing earlier is recomputed.
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { FLAG_NAMES, inUserTerms } from '../../messages.js';
import { defined, example, flag, jsonOption, keyFileOption, req, str, tzOption } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';
import { loginName, readPack, withSupervisedLedger } from '../../supervision.js';
import { checkId } from '../../text.js';
import { formatTime, parseTime, zoneOf } from '../../times.js';

export interface RulesAdoptOptions {
  ledger: string;
  pack: string;
  /** Who adopts it (default the login name). */
  actor?: string;
  /** Entry time (ISO 8601 or ms); default now; never before the latest entry. */
  time?: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0; throws PACK_* (exit 2) for an invalid pack, TIME_ORDER (2) for a time before the latest entry */
export async function rulesAdopt(opts: RulesAdoptOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const actor = opts.actor ?? loginName();
  checkId(opts.actor === undefined ? 'the login name (the default --actor)' : '--actor', actor);
  const time = opts.time === undefined ? undefined : parseTime(opts.time, '--time', zone);
  const pack = readPack(io, opts.pack);
  let r;
  try {
    r = await withSupervisedLedger(io, opts.ledger, opts.keyFile, 'adopting a pack (it appends an entry and signs a checkpoint)', (sup) =>
      sup.adoptPack(pack, { actor, ...(time === undefined ? {} : { time }) }),
    );
  } catch (e) {
    throw inUserTerms(e, zone, FLAG_NAMES);
  }
  if (opts.json) {
    await printJson(io, { seq: r.seq, time: r.time, timeIso: utcIso(r.time), pack: { id: pack.id, version: pack.version, hash: pack.hash }, treeSize: r.treeSize });
  } else {
    await write(
      io.stdout,
      `adopted pack ${printable(pack.id)} v${pack.version} (${pack.rules.length} rules, hash ${pack.hash}) as entry ${r.seq} at ${formatTime(r.time, zone)}; it is in force from this entry on\n`,
    );
  }
  return EXIT.OK;
}

export const rulesAdoptCli = defineCommand<RulesAdoptOptions>({
  name: 'adopt',
  define: (cmd: Command) =>
    cmd
      .description('adopt a rule pack into a ledger: in force from this entry on')
      .argument('<ledger>', 'ledger file')
      .argument('<pack>', 'rule pack file (YAML)')
      .option('--actor <id>', 'who adopts it (default: your login name)')
      .option('--time <time>', 'entry time: ISO 8601 or ms since 1970 (default now; without an offset: in --tz)')
      .addOption(keyFileOption())
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail rules adopt cases.ledger approval-supervision.yaml --actor director:chen')),
  options: ([ledger, pack], o) => ({
    ledger: req(ledger, '<ledger>'),
    pack: req(pack, '<pack>'),
    ...defined({ actor: str(o, 'actor'), time: str(o, 'time'), keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: rulesAdopt,
});
