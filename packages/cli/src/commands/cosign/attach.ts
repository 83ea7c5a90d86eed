/**
 * `casetrail cosign attach <ledger> <cosignature-file|->`: stores a
 * witness's cosignature (the answer of tlog-witness add-checkpoint) with
 * the checkpoint it cosigns, through the library's attachCosignature. The
 * checkpoint is named by `--size`, by `--for` (the note, or the request
 * body, that was sent to the witness), or is the latest. Every line by a
 * `--witness` key must verify over that stored checkpoint before any is
 * stored; lines by other keys are ignored (c2sp.org/tlog-witness: "the
 * client MUST ignore any cosignatures from unknown keys").
 */
import { Ledger, MAX_WITNESS_BODY_BYTES, parseCheckpoint, parseCosignatureLine, parseNote, parseWitnessBody, verifyCosignature, LedgerError, type Cosignature } from '@casetrail/core';
import type { Command } from 'commander';
import { defineCommand } from '../../command.js';
import { EXIT, operational, usage } from '../../exit.js';
import { readInput, readTextFile, resolvePath } from '../../inputs.js';
import { write, type Io } from '../../io.js';
import { readWitnessKey } from '../../keys.js';
import { ledgerPath } from '../../ledgers.js';
import { collect, countParser, defined, example, flag, jsonOption, num, req, str, strs } from '../../options.js';
import { printJson, printable, utcIso } from '../../output.js';

export interface CosignAttachOptions {
  ledger: string;
  /** The cosignature line(s): the witness's answer, or `-`. */
  file: string;
  /** The witnesses' cosignature keys (or files); lines by them are stored. */
  witness: string[];
  /** The size of the checkpoint cosigned. */
  size?: number;
  /** The checkpoint note, or the add-checkpoint body, that was cosigned. */
  for?: string;
  json?: boolean;
}

/** Largest cosignature file read: a response holds at most 100 lines of about 150 bytes. */
const MAX_COSIGNATURE_FILE = 64 * 1024;

/** The checkpoint text, origin and size a --for file names (a note, or a request body carrying one). */
function cosignedText(io: Io, file: string): { origin: string; size: number; text: string } {
  const content = readTextFile(resolvePath(io, file), MAX_WITNESS_BODY_BYTES, '--for file', 'artifact');
  const note = content.startsWith('old ') ? parseWitnessBody(content).checkpoint : content;
  const text = parseNote(note).text;
  const cp = parseCheckpoint(text);
  return { origin: cp.origin, size: cp.size, text };
}

/**
 * @returns 0 when every line by a given witness verified and was stored
 * @throws LedgerError (exit 1) MALFORMED_NOTE (a line that is not a
 *   cosignature), INVALID_SIGNATURE (a witness's line that does not verify
 *   over the checkpoint), UNKNOWN_KEY (no line by a given witness),
 *   INCONSISTENT (the ledger's checkpoint of that size is not the one
 *   cosigned); NOT_FOUND (2, no checkpoint of that size, or a --for
 *   checkpoint of another ledger); NO_CHECKPOINT (3)
 */
export async function cosignAttach(opts: CosignAttachOptions, io: Io): Promise<number> {
  if (opts.size !== undefined && opts.for !== undefined) throw usage('give --size or --for, not both');
  const witnesses = opts.witness.map((w) => readWitnessKey(io, w));
  const raw = new TextDecoder().decode(await readInput(io, opts.file, MAX_COSIGNATURE_FILE, 'cosignature file', 'artifact'));
  const parsed: Cosignature[] = raw
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseCosignatureLine(l));
  if (parsed.length === 0) throw new LedgerError('MALFORMED_NOTE', `${opts.file} holds no cosignature line`);
  const named = opts.for === undefined ? undefined : cosignedText(io, opts.for);
  const ledger = await Ledger.open(ledgerPath(io, opts.ledger));
  try {
    if (named !== undefined && named.origin !== ledger.origin) {
      throw new LedgerError('NOT_FOUND', `${opts.for} holds a checkpoint of ${JSON.stringify(named.origin)}, not of this ledger (${JSON.stringify(ledger.origin)})`, { field: '--for' });
    }
    const size = opts.size ?? named?.size;
    const cp = size === undefined ? await ledger.latestCheckpoint() : await ledger.checkpointAt(size);
    if (cp === undefined) {
      if (size === undefined) throw operational('NO_CHECKPOINT', `${opts.ledger} has no signed checkpoint yet`);
      throw new LedgerError('NOT_FOUND', `the ledger holds no checkpoint of size ${size}: the cosignature is not for a checkpoint of this ledger`, { checkpointSize: size });
    }
    const stored = parseNote(cp.note).text;
    if (named !== undefined && named.text !== stored) {
      throw new LedgerError('INCONSISTENT', `the ledger's checkpoint of size ${cp.size} is not the checkpoint in ${opts.for}: the witness cosigned another tree of that size`, { size: cp.size });
    }
    const ours = parsed.filter((c) => witnesses.some((w) => w.name === c.name && w.keyId === c.keyId));
    if (ours.length === 0) throw new LedgerError('UNKNOWN_KEY', `no line of ${opts.file} is by a --witness key given`);
    for (const c of ours) {
      const w = witnesses.find((k) => k.name === c.name && k.keyId === c.keyId)!;
      if (!verifyCosignature(cp.note, c.line, w)) {
        throw new LedgerError('INVALID_SIGNATURE', `the cosignature by ${c.name} does not verify over the ledger's checkpoint of size ${cp.size}: it is for another checkpoint (nothing was stored)`, { name: c.name });
      }
    }
    let result = cp;
    for (const c of ours) result = await ledger.attachCosignature(cp.size, c.line, witnesses.find((k) => k.name === c.name && k.keyId === c.keyId)!);
    const ignored = parsed.length - ours.length;
    if (opts.json) {
      await printJson(io, {
        size: result.size,
        attached: ours.map((c) => ({ name: c.name, timestamp: Number(c.timestamp), timeIso: utcIso(Number(c.timestamp) * 1000) })),
        ignored,
        note: result.note,
      });
    } else {
      await write(io.stdout, result.note);
      io.stderr.write(`attached ${ours.length} cosignature(s) to the checkpoint of size ${result.size}: ${ours.map((c) => printable(c.name)).join(', ')}${ignored > 0 ? `; ${ignored} line(s) by other keys ignored` : ''}\n`);
    }
    return EXIT.OK;
  } finally {
    await ledger.close();
  }
}

export const cosignAttachCli = defineCommand<CosignAttachOptions>({
  name: 'attach',
  define: (cmd: Command) =>
    cmd
      .description("store a witness's cosignature with the checkpoint it cosigns (each line checked first)")
      .argument('<ledger>', 'ledger file')
      .argument('<file>', 'the cosignature line(s), as the witness answered, or - for standard input')
      .requiredOption('--witness <key|file>', "the witness's cosignature key, or a file holding it; repeat for several", collect)
      .option('--size <n>', 'the size of the checkpoint cosigned (default: the latest)', countParser('--size', 1))
      .option('--for <file>', 'the checkpoint note, or the add-checkpoint body, that was cosigned')
      .addOption(jsonOption())
      .addHelpText('after', example('casetrail cosign attach city-a.ledger city-a.cosignature --witness province.witness.vkey --for city-a.body')),
  options: ([ledger, file], o) => ({
    ledger: req(ledger, '<ledger>'),
    file: req(file, '<file>'),
    witness: strs(o, 'witness') ?? [],
    ...defined({ size: num(o, 'size'), for: str(o, 'for'), json: flag(o, 'json') }),
  }),
  run: cosignAttach,
});
