// The shared c2sp.org/tlog-witness and tlog-cosignature vectors, run as they
// are through the witness of @casetrail/oversight: the request sequence with
// its expected HTTP statuses, and cosignatures reproduced byte for byte.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatWitnessBody, fromHex, verifyCosignature } from '@casetrail/verify';
import { Witness, WITNESS_STATE_FORMAT, formatWitnessState, initWitness } from '../src/index.js';
import { tempDir } from './helpers/dirs.js';
import { loadVectors } from './helpers/vectors.js';

interface WitnessVectors {
  logVkey: string;
  requests: Array<{ step: number; desc: string; body: string; expectStatus: number }>;
  otherProofs: { size1: string; size2: string; proof: string[] };
}
interface CheckpointVectors {
  signedCheckpoints: Array<{ desc: string; vkey: string; origin: string; treeSize: string; signedNote: string }>;
}
interface CosignatureVectors {
  derivedCosignatures: { cosignerSkey: string; cosignatureVkey: string; vectors: Array<{ desc: string; timestamp: string; checkpointBody: string; signatureLine: string }> };
}
const W = loadVectors<WitnessVectors>('tlog-witness.json');
const CP = loadVectors<CheckpointVectors>('tlog-checkpoint.json');
const CS = loadVectors<CosignatureVectors>('tlog-cosignature.json').derivedCosignatures;

const root = tempDir();

let runs = 0;
/**
 * The request sequence against a fresh witness. Run inside each test, not while the file loads: the
 * witness's code then runs within a test, where mutation testing can see which test reaches it
 * (docs/mutation.md, "No work while test files load").
 */
async function addCheckpointSequence() {
  const dir = join(root, `sigsum-witness-${++runs}`);
  const { vkey } = initWitness(dir, 'example.com/witness');
  const witness = Witness.open(dir);
  await witness.addLog(W.logVkey);
  const answers: Array<Awaited<ReturnType<Witness['addCheckpoint']>>> = [];
  for (const r of W.requests) answers.push(await witness.addCheckpoint(r.body, { now: 1_795_000_000 + r.step }));
  return { dir, vkey, witness, answers };
}

describe('tlog-witness.json: the add-checkpoint sequence, in order, against a fresh witness', () => {
  it.each(W.requests.map((r, i) => [r.step, r.desc, r.expectStatus, i] as const))('step %i, %s: HTTP %i', async (_step, _desc, status, i) => {
    const { vkey, answers } = await addCheckpointSequence();
    const a = answers[i]!;
    expect(a.status).toBe(status);
    if (status === 200) {
      expect(verifyCosignature(W.requests[i]!.body.slice(W.requests[i]!.body.indexOf('\n\n') + 2), a.cosignature!, vkey)).toBe(true);
    } else {
      expect(a.cosignature).toBeUndefined();
    }
  });

  it('answers each refusal with its code, and a 409 with the size of the latest cosigned checkpoint', async () => {
    const { answers } = await addCheckpointSequence();
    expect(answers.map((a) => a.code ?? 'OK')).toEqual(['OK', 'MALFORMED_NOTE', 'UNKNOWN_LOG', 'PROOF_INVALID', 'PROOF_INVALID', 'OK', 'OLD_SIZE_MISMATCH', 'OK', 'OLD_SIZE_MISMATCH']);
    expect(answers[6]!.latestSize).toBe(3);
    expect(answers[8]!.latestSize).toBe(5);
  });

  it('persists the latest cosigned checkpoint before answering', async () => {
    const { dir, answers } = await addCheckpointSequence();
    const latest = Witness.open(dir).latest(answers[0]!.origin!)!;
    expect(latest.size).toBe(5);
    expect(latest.timestamp).toBe(1_795_000_008);
  });

  it('keeps a request whose proof failed as (inconclusive) evidence, once per checkpoint', async () => {
    const { witness } = await addCheckpointSequence();
    const ev = witness.evidence();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'unproven', conclusive: false, submitted: { size: 3, oldSize: 1 }, cosigned: { size: 1 } });
  });
});

describe('tlog-cosignature.json: the witness reproduces the derived cosignatures byte for byte', () => {
  it('cosigns monkeys 5, then 8 with the 5→8 proof of tlog-witness.json, at the vectors\' times', async () => {
    const dir = join(root, 'monkeys-witness');
    mkdirSync(dir, { mode: 0o700 });
    // The state directory's documented layout, with the vectors' cosigner key.
    writeFileSync(join(dir, 'witness.key'), `${CS.cosignerSkey}\n`, { mode: 0o600 });
    chmodSync(join(dir, 'witness.key'), 0o600);
    writeFileSync(join(dir, 'state.json'), formatWitnessState({ format: WITNESS_STATE_FORMAT, name: 'witness', vkey: CS.cosignatureVkey, logs: [] }), { mode: 0o600 });
    const witness = Witness.open(dir);
    expect(witness.vkey).toBe(CS.cosignatureVkey);
    const m5 = CP.signedCheckpoints.find((c) => c.desc === 'monkeys log, size 5')!;
    const m8 = CP.signedCheckpoints.find((c) => c.desc === 'monkeys log, size 8')!;
    await witness.addLog(m5.vkey);
    const first = await witness.addCheckpoint(formatWitnessBody({ oldSize: 0, proof: [], checkpoint: m5.signedNote }), { now: Number(CS.vectors[0]!.timestamp) });
    expect(first.status).toBe(200);
    expect(first.cosignature).toBe(CS.vectors[0]!.signatureLine);
    const proof = W.otherProofs.proof.map(fromHex);
    const next = await witness.addCheckpoint(formatWitnessBody({ oldSize: 5, proof, checkpoint: m8.signedNote }), { now: Number(CS.vectors[1]!.timestamp) });
    expect(next.status).toBe(200);
    expect(next.cosignature).toBe(CS.vectors[1]!.signatureLine);
  });
});
