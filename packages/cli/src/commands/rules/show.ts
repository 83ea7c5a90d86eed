/**
 * `casetrail rules show <ledger>`: the packs and calendars adopted in a
 * ledger, read from their checked entries, the one in force marked. Exit 1
 * if an adoption entry does not hold (its bytes, or a malformed payload).
 */
import type { Command } from 'commander';
import { ledgerAdoptions } from '@casetrail/supervise/ledger';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { ledgerPath } from '../../ledgers.js';
import { defined, example, flag, jsonOption, req, str, tzOption } from '../../options.js';
import { paint, printJson, printable, table, utcIso } from '../../output.js';
import { levelLabel, packJson } from '../../supervision.js';
import { formatTime, zoneOf } from '../../times.js';

export interface RulesShowOptions {
  ledger: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0, or 1 when an adoption entry is malformed */
export async function rulesShow(opts: RulesShowOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const { packs, calendars, malformed } = await ledgerAdoptions(ledgerPath(io, opts.ledger));
  const inForce = packs[packs.length - 1]?.seq;
  if (opts.json) {
    await printJson(io, {
      packs: packs.map((p) => ({ seq: p.seq, time: p.time, timeIso: utcIso(p.time), actor: p.actor, inForce: p.seq === inForce, engine: p.engine, ...packJson(p.pack) })),
      calendars: calendars.map((c) => ({ seq: c.seq, time: c.time, timeIso: utcIso(c.time), actor: c.actor, id: c.id, source: c.source, from: c.from, to: c.to, hash: c.hash })),
      malformed,
    });
  } else {
    const p = paint(io);
    let out = '';
    if (packs.length === 0) out += 'no rule pack adopted: appends are not screened (adopt one with `casetrail rules adopt`)\n';
    for (const a of packs) {
      out += `${p.bold(`pack ${printable(a.pack.id)} v${a.pack.version}`)}${a.seq === inForce ? p.ok(' (in force)') : ''}: entry ${a.seq}, adopted ${formatTime(a.time, zone)} by ${printable(a.actor)}\n`;
      out += `  hash ${a.pack.hash}; zone ${a.pack.zone}; calendar ${a.pack.calendar ?? '—'}; levels ${a.pack.levels.map(levelLabel).join(' < ')}\n`;
      out += table(
        [{ header: 'RULE' }, { header: 'V', align: 'right' }, { header: 'KIND' }, { header: 'POINT' }, { header: 'LEVEL' }, { header: 'MESSAGE' }],
        a.pack.rules.map((r) => [printable(r.id), String(r.version), r.kind, r.point, 'level' in r ? `${levelLabel(r.level)}${r.block ? ' (blocks)' : ''}` : '—', printable(r.message.en)]),
        p,
      ).replace(/^(?=.)/gm, '  ');
    }
    for (const c of calendars) {
      out += `calendar ${printable(c.id)} (${printable(c.source)}, ${c.from}..${c.to}, hash ${c.hash}): entry ${c.seq}, adopted ${formatTime(c.time, zone)} by ${printable(c.actor)}\n`;
    }
    for (const seq of malformed) out += p.bad(`✘ adoption entry ${seq} is malformed (docs/supervision.md §5): run \`casetrail audit\`\n`);
    await write(io.stdout, out);
  }
  return malformed.length > 0 ? EXIT.FAILED : EXIT.OK;
}

export const rulesShowCli = defineCommand<RulesShowOptions>({
  name: 'show',
  define: (cmd: Command) =>
    cmd
      .description('the rule packs and calendars adopted in a ledger, the one in force marked')
      .argument('<ledger>', 'ledger file')
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail rules show cases.ledger --tz Asia/Shanghai')),
  options: ([ledger], o) => ({ ledger: req(ledger, '<ledger>'), ...defined({ tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: rulesShow,
});
