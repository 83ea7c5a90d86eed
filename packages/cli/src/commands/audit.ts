/**
 * `casetrail audit <ledger> --vkey <vkey|file>`: full verification of the
 * ledger first (an audit of an unverified file means nothing), then the
 * supervision replay (docs/supervision.md §7): every adopted pack over the
 * whole history, comparing the alerts recorded after each entry with those
 * the packs require. Exit 0 clean, 1 on any finding of severity error (or
 * when verification fails: the replay is then not run).
 */
import type { Command } from 'commander';
import { auditLedger } from '@casetrail/supervise/ledger';
import { auditLevels, levelsValidators } from '@casetrail/oversight';
import { formatVerifierKey } from '@casetrail/core';
import type { Finding } from '@casetrail/supervise';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit.js';
import { write, type Io } from '../io.js';
import { readVerifierKey } from '../keys.js';
import { ledgerPath } from '../ledgers.js';
import { countParser, defined, example, flag, jsonOption, num, req, str, tzOption, vkeyOption } from '../options.js';
import { Progress, fields, paint, printJson, printable } from '../output.js';
import { levelLabel } from '../supervision.js';
import { zoneOf } from '../times.js';
import { verifySummary } from './verify.js';

export interface AuditOptions {
  ledger: string;
  vkey: string;
  /** Case summaries kept in memory during the replay (default 20,000). */
  maxCases?: number;
  tz?: string;
  json?: boolean;
}

function findingLine(f: Finding): string {
  const what = f.rule === undefined ? '' : `, rule ${printable(f.rule)}${f.level === undefined ? '' : ` (${levelLabel(f.level)})`}`;
  return `${f.severity === 'error' ? '✘' : '!'} ${f.code} at entry ${f.seq}: case ${printable(f.caseId)}${what}: ${printable(f.message)}`;
}

/** @returns 0 when the ledger verifies and the replay finds no error, 1 otherwise */
export async function audit(opts: AuditOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const vkey = readVerifierKey(io, opts.vkey);
  const path = ledgerPath(io, opts.ledger);
  const progress = new Progress(io, 'verifying');
  let r;
  try {
    r = await auditLedger(path, { vkey, systemTypes: levelsValidators(), ...(opts.maxCases === undefined ? {} : { maxCases: opts.maxCases }), onProgress: (pr) => progress.update(pr.done, pr.total) });
  } finally {
    progress.done();
  }
  const a = r.audit;
  // Units, actors and the policy (docs/oversight.md §9.4): the same verified file, replayed once more.
  const lv = a === null ? null : await auditLevels(path, { vkey: formatVerifierKey(vkey.name, vkey.publicKey), verification: r.verification });
  const ok = r.ok && (lv === null || lv.ok);
  const levelsJson =
    lv === null
      ? null
      : { ok: lv.ok, units: lv.units, actors: lv.actors, policy: lv.policy, findings: (lv.findings ?? []).map((f) => ({ code: f.code, severity: 'error', seq: f.seq, case: f.caseId, message: f.message })) };
  if (opts.json) {
    const v = r.verification;
    await printJson(io, {
      ok: r.ok,
      verification: { ok: v.ok, size: v.size, root: v.root, signedSize: v.signedSize, issues: v.issues, issueCount: v.issueCount },
      audit:
        a === null
          ? null
          : {
              ok: a.ok,
              entries: a.entries,
              expected: a.expected,
              recorded: a.recorded,
              replayedFromFacts: a.replayedFromFacts,
              repeatedSuppressions: a.repeatedSuppressions,
              packs: a.packs,
              findings: a.findings.map((f) => ({ code: f.code, severity: f.severity, seq: f.seq, case: f.caseId, ...(f.rule === undefined ? {} : { rule: f.rule }), ...(f.level === undefined ? {} : { level: f.level }), message: f.message })),
            },
      levels: levelsJson,
    });
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  const p = paint(io);
  if (a === null) {
    await write(io.stdout, verifySummary(r.verification, opts.ledger, p, zone) + p.bad('✘ the supervision audit was not run: the ledger does not verify, and an audit of an unverified ledger means nothing\n'));
    return EXIT.FAILED;
  }
  let out = `${p.bold(`audit ${opts.ledger}`)}\n`;
  out += fields(
    [
      ['verified', `${r.verification.size} entries, checkpoints signed by the key given (\`casetrail verify\` for the details)`],
      ['packs', a.packs.length === 0 ? 'none adopted: nothing to replay' : a.packs.map((x) => `${printable(x.id)} v${x.version} (entry ${x.seq})`).join(', ')],
      ['replayed', `${a.entries} entries; ${a.expected} alert(s) required, ${a.recorded} recorded${a.replayedFromFacts > 0 ? `, ${a.replayedFromFacts} replayed from their recorded facts (step erased)` : ''}`],
      ...(lv !== null && (lv.policy !== null || lv.units > 0 || (lv.findings ?? []).length > 0)
        ? [['directory', `${lv.units} unit(s), ${lv.actors} actor(s) enrolled; policy ${lv.policy === null ? 'none adopted' : `${printable(lv.policy.id)} v${lv.policy.version} (entry ${lv.policy.seq}, ${lv.policy.hash.slice(0, 16)}…)`}`] as [string, string]]
        : []),
    ],
    p,
  );
  for (const f of a.findings) out += (f.severity === 'error' ? p.bad(findingLine(f)) : p.warn(findingLine(f))) + '\n';
  if (a.repeatedSuppressions > 0) out += p.dim(`  (${a.repeatedSuppressions} later tick(s) where a suppressed alert was still due are not listed again)\n`);
  const errors = a.findings.filter((f) => f.severity === 'error').length;
  for (const f of lv?.findings ?? []) out += p.bad(`✘ ${f.code} at entry ${f.seq}: case ${printable(f.caseId)}: ${printable(f.message)}`) + '\n';
  const levelErrors = lv?.findings?.length ?? 0;
  out += ok
    ? p.ok(`✔ OK: every alert the packs require is recorded where it belongs, and none other${lv !== null && lv.policy !== null ? '; every step the policy judges was permitted' : ''}${a.findings.length > 0 ? ` (${a.findings.length} warning(s))` : ''}\n`)
    : p.bad(`✘ FAILED: ${errors + levelErrors} finding(s)\n`);
  await write(io.stdout, out);
  return ok ? EXIT.OK : EXIT.FAILED;
}

export const auditCli = defineCommand<AuditOptions>({
  name: 'audit',
  define: (cmd: Command) =>
    cmd
      .description('verify the ledger, then replay its supervision: exit 1 if an alert was suppressed, fabricated or altered')
      .argument('<ledger>', 'ledger file')
      .addOption(vkeyOption(true))
      .option('--max-cases <n>', 'case summaries kept in memory during the replay (default 20000)', countParser('--max-cases', 1))
      .addOption(tzOption())
      .addOption(jsonOption('print the report as one JSON document'))
      .addHelpText('after', example('casetrail audit cases.ledger --vkey cases.vkey')),
  options: ([ledger], o) => ({
    ledger: req(ledger, '<ledger>'),
    vkey: req(o['vkey'], '--vkey'),
    ...defined({ maxCases: num(o, 'maxCases'), tz: str(o, 'tz'), json: flag(o, 'json') }),
  }),
  run: audit,
});
