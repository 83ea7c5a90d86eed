/**
 * A small ledger and the artifacts the CLI writes from it (inclusion proof,
 * witness body, case and full bundles), made by running the CLI in-process;
 * shared by artifacts.test.ts and fuzz-proofs.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureIo } from '../../../cli/src/io.js';
import { run } from '../../../cli/src/program.js';
import { Ledger, openCheckpoint, parseVerifierKey } from '../../src/index.js';
import { KEYS, ORIGIN, steps, tempDir } from './ledgers.js';
import { requireDist } from './reliability-children.js';

/** Runs the CLI in-process with `dir` as working directory. */
export async function cli(dir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({ cwd: dir });
  const code = await run(argv, io);
  return { code, out: io.stdoutText(), err: io.stderrText() };
}

export interface Artifacts {
  dir: string;
  ledger: string;
  files: { vkey: string; old: string; proof: string; body: string; caseBundle: string; fullBundle: string };
  /** The trusted checkpoint the witness body starts from. */
  old: { size: number; root: Uint8Array };
}

/**
 * 19 entries over five cases, one actor-signed, one redacted; a checkpoint
 * saved at size 11; the CLI's proof of entry 1, its witness body from size
 * 11, the bundle of CASE-1 and the unfiltered bundle.
 */
export async function makeArtifacts(): Promise<Artifacts> {
  requireDist();
  const dir = tempDir();
  const ledger = join(dir, 'cases.ledger');
  let now = 1_800_000_000_000;
  const l = await Ledger.create(ledger, { origin: ORIGIN, signer: KEYS.skey, clock: () => (now += 1000) });
  await l.appendMany(steps(10));
  await l.append({ caseId: 'CASE-1', type: 'approval', actor: 'director', data: { ok: true }, signWith: [Uint8Array.from({ length: 32 }, (_, i) => i + 9)] });
  const old = (await l.latestCheckpoint())!;
  await l.redact(6, { reason: 'erasure request', actor: 'dpo' });
  await l.appendMany(steps(7, 'LATER'));
  await l.close();
  const files = {
    vkey: join(dir, 'cases.vkey'),
    old: join(dir, 'old.checkpoint'),
    proof: join(dir, 'e1.tlog-proof'),
    body: join(dir, 'add.body'),
    caseBundle: join(dir, 'case1.bundle'),
    fullBundle: join(dir, 'all.bundle'),
  };
  writeFileSync(files.vkey, `${KEYS.vkey}\n`);
  writeFileSync(files.old, old.note);
  for (const argv of [
    ['prove', ledger, '1', '--out', files.proof],
    ['consistency', ledger, '--from', files.old, '--out', files.body],
    ['export', ledger, '--case', 'CASE-1', '--out', files.caseBundle],
    ['export', ledger, '--out', files.fullBundle],
  ]) {
    const r = await cli(dir, ...argv);
    if (r.code !== 0) throw new Error(`casetrail ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  }
  return { dir, ledger, files, old: openCheckpoint(old.note, [parseVerifierKey(KEYS.vkey)]) };
}
