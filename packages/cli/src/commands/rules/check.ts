/**
 * `casetrail rules check <pack>`: validates a rule pack file as adoption
 * would (docs/supervision.md §2), without a ledger. An invalid pack is exit 2
 * with `file:line:column:` in the message (and `position` with --json).
 */
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { defined, example, flag, jsonOption, req } from '../../options.js';
import { paint, printJson, printable } from '../../output.js';
import { packJson, readPack } from '../../supervision.js';

export interface RulesCheckOptions {
  pack: string;
  json?: boolean;
}

/** @returns 0 when the pack is valid; throws (exit 2) when it is not */
export async function rulesCheck(opts: RulesCheckOptions, io: Io): Promise<number> {
  const pack = readPack(io, opts.pack);
  if (opts.json) {
    await printJson(io, { ok: true, file: opts.pack, pack: packJson(pack) });
  } else {
    const p = paint(io);
    const kinds = pack.rules.map((r) => r.kind);
    const count = (k: string) => kinds.filter((x) => x === k).length;
    const summary = ['cel', 'order', 'fee', 'required-fields', 'separation', 'deadline', 'escalate'].filter((k) => count(k) > 0).map((k) => `${count(k)} ${k}`).join(', ');
    await write(
      io.stdout,
      `${p.ok('✔')} ${printable(opts.pack)}: pack ${printable(pack.id)} v${pack.version}, ${pack.rules.length} rule(s) (${summary}), levels ${pack.levels.join(' < ')}\n  hash ${pack.hash}\n`,
    );
  }
  return EXIT.OK;
}

export const rulesCheckCli = defineCommand<RulesCheckOptions>({
  name: 'check',
  define: (cmd: Command) =>
    cmd
      .description('check a rule pack file (YAML) as adoption would; exit 2 with file:line:column when invalid')
      .argument('<pack>', 'rule pack file')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail rules check examples/rules/approval-supervision.yaml')),
  options: ([pack], o) => ({ pack: req(pack, '<pack>'), ...defined({ json: flag(o, 'json') }) }),
  run: rulesCheck,
});
