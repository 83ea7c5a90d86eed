/**
 * `casetrail policy show <ledger> --vkey <vkey|file>`: the policy in force
 * and the directory it judges by (units, actors enrolled now), read from
 * the ledger after verifying it under the key given (exit 1 if it does not
 * verify: nothing is shown then).
 */
import type { Command } from 'commander';
import { readLevels } from '@casetrail/oversight';
import { defineCommand } from '../../command.js';
import { EXIT } from '../../exit.js';
import { write, type Io } from '../../io.js';
import { readVerifierKey } from '../../keys.js';
import { ledgerPath } from '../../ledgers.js';
import { policyLines } from '../../levels.js';
import { defined, example, flag, jsonOption, req, vkeyOption } from '../../options.js';
import { printJson, printable } from '../../output.js';
import { formatVerifierKey } from '@casetrail/core';

export interface PolicyShowOptions {
  ledger: string;
  vkey: string;
  json?: boolean;
}

/** @returns 0; VERIFICATION_FAILED (exit 1) when the ledger does not verify */
export async function policyShow(opts: PolicyShowOptions, io: Io): Promise<number> {
  const v = readVerifierKey(io, opts.vkey);
  const view = await readLevels(ledgerPath(io, opts.ledger), { vkey: formatVerifierKey(v.name, v.publicKey) });
  const d = view.directory;
  const p = view.policy;
  const units = [...d.units.values()].map((u) => ({ unit: u.unit, parent: u.parent, seq: u.seq }));
  const actors = [...d.actors.keys()].flatMap((a) => {
    const e = d.current(a);
    return e === undefined ? [] : [{ actor: a, unit: e.unit, roles: [...e.roles], key: e.keys.find((k) => k.to === null)?.key ?? null, since: e.from }];
  });
  if (opts.json) {
    await printJson(io, { policy: p === null ? null : { seq: p.seq, hash: p.hash, id: p.policy.source.id, version: p.policy.source.version, policy: p.policy.source }, units, actors });
    return EXIT.OK;
  }
  let out = p === null ? 'no policy adopted: appends are not judged\n' : `policy ${printable(p.policy.source.id)} v${p.policy.source.version}, adopted as entry ${p.seq}\n  hash ${p.hash}\n${policyLines(p.policy.source)}`;
  out += `units (${units.length}):\n` + units.map((u) => `  ${printable(u.unit)}${u.parent === null ? '' : ` ⊂ ${printable(u.parent)}`}\n`).join('');
  out += `actors enrolled now (${actors.length}):\n` + actors.map((a) => `  ${printable(a.actor)}: ${printable(a.unit)}, ${a.roles.map(printable).join(', ')}${a.key === null ? '' : `, key ${a.key.slice(0, 16)}…`}\n`).join('');
  await write(io.stdout, out);
  return EXIT.OK;
}

export const policyShowCli = defineCommand<PolicyShowOptions>({
  name: 'show',
  define: (cmd: Command) =>
    cmd
      .description('show the policy in force and the directory it judges by, from a verified ledger')
      .argument('<ledger>', 'ledger file')
      .addOption(vkeyOption(true))
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail policy show county-x.ledger --vkey county-x.vkey')),
  options: ([ledger], o) => ({ ledger: req(ledger, '<ledger>'), vkey: req(o['vkey'], '--vkey'), ...defined({ json: flag(o, 'json') }) }),
  run: policyShow,
});
