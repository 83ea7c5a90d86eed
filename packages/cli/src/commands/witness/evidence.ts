/**
 * `casetrail witness evidence --state <dir>`: the split-view evidence the
 * witness kept — each record with its kind, whether it is conclusive, and
 * the two checkpoint notes (files beside the record, verifiable with
 * `casetrail-verify checkpoint … --vkey <the log's key>`).
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

export interface WitnessEvidenceOptions {
  state: string;
  keyFile?: string;
  tz?: string;
  json?: boolean;
}

/** @returns 0 (evidence is listed, not judged again) @throws LedgerError STATE_INVALID (3) */
export async function witnessEvidence(opts: WitnessEvidenceOptions, io: Io): Promise<number> {
  const zone = zoneOf(io, opts.tz);
  const w = Witness.open(resolvePath(io, opts.state), opts.keyFile === undefined ? {} : { keyFile: resolvePath(io, opts.keyFile) });
  const records = w.evidence();
  if (opts.json) {
    await printJson(io, { evidence: records });
    return EXIT.OK;
  }
  if (records.length === 0) {
    await write(io.stdout, 'no evidence: the witness has not been shown a split view\n');
    return EXIT.OK;
  }
  const rows = records.map((r) =>
    'unreadable' in r
      ? [r.id, '?', '?', '?', '', '', `unreadable: ${printable(r.unreadable)}`]
      : [r.id, r.kind, r.conclusive ? 'yes' : 'no', printable(r.origin), String(r.cosigned.size), String(r.submitted.size), formatTime(r.recorded * 1000, zone)],
  );
  await write(
    io.stdout,
    table([{ header: 'ID' }, { header: 'KIND' }, { header: 'CONCLUSIVE' }, { header: 'ORIGIN' }, { header: 'COSIGNED', align: 'right' }, { header: 'SHOWN', align: 'right' }, { header: 'RECORDED' }], rows, paint(io)) +
      `the notes of each record are in ${resolvePath(io, opts.state)}/evidence/<ID>/ (cosigned.checkpoint, submitted.checkpoint)\n`,
  );
  return EXIT.OK;
}

export const witnessEvidenceCli = defineCommand<WitnessEvidenceOptions>({
  name: 'evidence',
  define: (cmd: Command) =>
    cmd
      .description('list the split-view evidence the witness kept (both checkpoint notes of each)')
      .requiredOption('--state <dir>', "the witness's state directory")
      .option('--key-file <path>', "the witness's key (default <state>/witness.key)")
      .addOption(tzOption())
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail witness evidence --state province-witness --tz Asia/Shanghai')),
  options: (_a, o) => ({ state: req(o['state'], '--state'), ...defined({ keyFile: str(o, 'keyFile'), tz: str(o, 'tz'), json: flag(o, 'json') }) }),
  run: witnessEvidence,
});
