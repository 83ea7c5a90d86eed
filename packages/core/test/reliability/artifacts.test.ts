/**
 * Proofs, witness bodies and bundles edited in any single byte are rejected
 * (issue 4, "Tamper matrix"), and the CLI's `verify --checkpoint` catches a
 * rollback and a truncation. The artifacts are the ones the CLI writes
 * (`prove`, `consistency`, `export`, run in-process); every byte of each
 * (of the unfiltered bundle, a seeded sample in CI) is changed and the
 * result checked with the library verifier, and a sample with the CLI's
 * verify commands, which must exit 1.
 *
 * One change is accepted by design: the bundle header's `created` time is
 * informational and unsigned (format.md §9.3); an edit there leaves the
 * verified content unchanged, which the test checks and counts.
 *
 * Counts: CASETRAIL_SOAK_ARTIFACT_MASKS xor masks per byte (CI 1),
 * CASETRAIL_SOAK_ARTIFACT_CLI_SAMPLES edited files given to the CLI per
 * artifact (CI 12), CASETRAIL_SOAK_FULL_BUNDLE_BYTES distinct seeded random
 * positions of the unfiltered bundle (CI 400 of its ~12,000 bytes; the soak
 * takes every byte). The proof file, the witness body and the case bundle
 * are edited at every byte in CI too.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Ledger, LedgerError, MemorySignerState, parseVerifierKey, verifyBundle, verifyEntryProof, verifyWitnessBody, type ErrorCode } from '../../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, rawOpen, steps, tempDir } from '../helpers/ledgers.js';
import { cli, makeArtifacts, type Artifacts } from '../helpers/reliability-artifacts.js';
import { SEED, budgetMs, knob, record, rng } from '../helpers/reliability-config.js';

afterAll(cleanupTempDirs);

const MASKS = knob('ARTIFACT_MASKS', 1);
const CLI_SAMPLES = knob('ARTIFACT_CLI_SAMPLES', 12);
const FULL_BUNDLE_BYTES = knob('FULL_BUNDLE_BYTES', 400);

const verifier = parseVerifierKey(KEYS.vkey);

let dir: string;
let files: Artifacts['files'];
let oldCheckpoint: Artifacts['old'];

beforeAll(async () => {
  const a = await makeArtifacts();
  ({ dir, files } = a);
  oldCheckpoint = a.old;
});

type Outcome = ErrorCode | 'ACCEPTED' | 'UNCODED';

function proofOutcome(bytes: Uint8Array): Outcome {
  try {
    verifyEntryProof(bytes, verifier);
    return 'ACCEPTED';
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'UNCODED';
  }
}

function bodyOutcome(bytes: Uint8Array): Outcome {
  try {
    verifyWitnessBody(bytes, [verifier], oldCheckpoint);
    return 'ACCEPTED';
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'UNCODED';
  }
}

/** Every position, or exactly `limit` distinct seeded random ones, each xor-ed with `MASKS` masks. */
function* edits(original: Uint8Array, limit = Infinity): Generator<{ at: number; bytes: Uint8Array }> {
  const next = rng(SEED ^ original.length);
  const positions = [...original.keys()];
  const picked = new Set<number>();
  while (limit < positions.length && picked.size < limit) picked.add(Math.floor(next() * positions.length));
  const chosen = limit >= positions.length ? positions : [...picked].sort((a, b) => a - b);
  for (const at of chosen) {
    for (let m = 0; m < MASKS; m++) {
      const bytes = original.slice();
      bytes[at]! ^= m === 0 ? 0x01 : 1 + Math.floor(next() * 255);
      yield { at, bytes };
    }
  }
}

/**
 * Gives a sample of edited files to a CLI verify command: each must exit 1.
 * @param exempt - a byte range not to edit (the bundle's unsigned `created`)
 */
async function cliRejects(kind: string, original: Uint8Array, argv: (file: string) => string[], exempt: [number, number] = [0, 0]): Promise<number> {
  const next = rng(SEED ^ 0xc11);
  let n = 0;
  for (let i = 0; i < CLI_SAMPLES; i++) {
    let at = Math.floor(next() * original.length);
    while (at >= exempt[0] && at < exempt[1]) at = Math.floor(next() * original.length);
    const bytes = original.slice();
    bytes[at]! ^= 0x04;
    const file = join(dir, `edited-${kind}-${i}`);
    writeFileSync(file, bytes);
    const r = await cli(dir, ...argv(file));
    expect(r.code, `${kind}, byte ${at}: ${r.err}`).toBe(1);
    n++;
  }
  return n;
}

describe('single-byte edits of the artifacts the CLI writes', () => {
  test('the originals verify, in the library and with the CLI', async () => {
    expect(verifyEntryProof(readFileSync(files.proof), verifier).entry.seq).toBe(1);
    expect(verifyWitnessBody(readFileSync(files.body), [verifier], oldCheckpoint).size).toBe(19);
    for (const b of [files.caseBundle, files.fullBundle]) {
      const r = await verifyBundle(readFileSync(b), KEYS.vkey);
      expect(r.issues).toEqual([]);
      expect(r.ok).toBe(true);
    }
    expect((await cli(dir, 'verify-proof', files.proof, '--vkey', files.vkey)).code).toBe(0);
    expect((await cli(dir, 'verify-consistency', files.body, '--vkey', files.vkey, '--from', files.old)).code).toBe(0);
    expect((await cli(dir, 'verify-bundle', files.caseBundle, '--vkey', files.vkey)).code).toBe(0);
  });

  test(
    `tlog-proof file: each byte changed in turn (${MASKS} xor mask(s) per byte) is rejected with a coded error`,
    async () => {
      const original = new Uint8Array(readFileSync(files.proof));
      const codes = new Map<string, number>();
      let tried = 0;
      for (const { at, bytes } of edits(original)) {
        const o = proofOutcome(bytes);
        expect(o, `byte ${at}`).not.toBe('ACCEPTED');
        expect(o, `byte ${at}`).not.toBe('UNCODED');
        codes.set(o, (codes.get(o) ?? 0) + 1);
        tried++;
      }
      const viaCli = await cliRejects('proof', original, (f) => ['verify-proof', f, '--vkey', files.vkey]);
      record('artifacts.proofEdits', tried);
      record('artifacts.cliRejections', viaCli);
      expect(tried).toBe(original.length * MASKS);
    },
    budgetMs(30_000),
  );

  test(
    `witness body: each byte changed in turn (${MASKS} xor mask(s) per byte) is rejected with a coded error`,
    async () => {
      const original = new Uint8Array(readFileSync(files.body));
      let tried = 0;
      for (const { at, bytes } of edits(original)) {
        const o = bodyOutcome(bytes);
        expect(o, `byte ${at}`).not.toBe('ACCEPTED');
        expect(o, `byte ${at}`).not.toBe('UNCODED');
        tried++;
      }
      const viaCli = await cliRejects('body', original, (f) => ['verify-consistency', f, '--vkey', files.vkey, '--from', files.old]);
      expect(tried).toBe(original.length * MASKS);
      record('artifacts.bodyEdits', tried);
      record('artifacts.cliRejections', viaCli);
    },
    budgetMs(30_000),
  );

  /** Positions inside the header's informational `created` value. */
  function createdRange(text: string): [number, number] {
    const key = '"created":"';
    const start = Buffer.byteLength(text.slice(0, text.indexOf(key) + key.length));
    const end = start + Buffer.byteLength(text.slice(text.indexOf(key) + key.length).split('"')[0]!);
    return [start, end];
  }

  for (const which of ['caseBundle', 'fullBundle'] as const) {
    test(
      which === 'caseBundle'
        ? `case bundle: each byte changed in turn (${MASKS} xor mask(s) per byte) is rejected, except in the unsigned "created" time`
        : `unfiltered bundle: ${FULL_BUNDLE_BYTES >= 1e9 ? 'each byte changed in turn' : `changed bytes at ${FULL_BUNDLE_BYTES} seeded random positions (every position in the soak)`} rejected, except in the unsigned "created" time`,
      async () => {
        const original = new Uint8Array(readFileSync(files[which]));
        const reference = await verifyBundle(original, KEYS.vkey);
        const [cs, ce] = createdRange(Buffer.from(original).toString('utf8'));
        let tried = 0;
        let benign = 0;
        for (const { at, bytes } of edits(original, which === 'fullBundle' ? FULL_BUNDLE_BYTES : Infinity)) {
          const r = await verifyBundle(bytes, KEYS.vkey);
          tried++;
          if (at >= cs && at < ce && r.ok) {
            // The verified content is exactly the original's.
            expect({ ...r, created: undefined }, `byte ${at}`).toEqual({ ...reference, created: undefined });
            benign++;
            continue;
          }
          expect(r.ok, `byte ${at} (${String.fromCharCode(original[at]!)}) was accepted`).toBe(false);
          // Nothing the edited bundle claims is counted as verified beyond what the original proved.
          expect(r.checked.proofs, `byte ${at}`).toBeLessThanOrEqual(reference.checked.proofs);
          expect(r.checked.payloads, `byte ${at}`).toBeLessThanOrEqual(reference.checked.payloads);
        }
        expect(tried).toBe(Math.min(original.length, which === 'fullBundle' ? FULL_BUNDLE_BYTES : Infinity) * MASKS);
        const viaCli = await cliRejects(which, original, (f) => ['verify-bundle', f, '--vkey', files.vkey], [cs, ce]);
        record('artifacts.bundleEdits', tried);
        record('artifacts.bundleEditsBenignCreated', benign);
        record('artifacts.cliRejections', viaCli);
      },
      budgetMs(60_000),
    );
  }
});

describe('the CLI verify --checkpoint', () => {
  test('catches a rollback re-signed with the real key, and a truncation, that verify alone cannot see', async () => {
    const d = tempDir();
    const path = join(d, 'l.ledger');
    const signerState = new MemorySignerState();
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState });
    await l.appendMany(steps(8));
    await l.close();
    const backup = join(d, 'backup.ledger');
    copyFileSync(path, backup);
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState });
    await again.appendMany(steps(8, 'MORE'));
    writeFileSync(join(d, 'saved.checkpoint'), (await again.latestCheckpoint())!.note);
    await again.close();
    writeFileSync(join(d, 'vkey'), KEYS.vkey);
    const verify = (file: string, ...extra: string[]) => cli(d, 'verify', file, '--vkey', join(d, 'vkey'), ...extra);
    expect((await verify(path, '--checkpoint', join(d, 'saved.checkpoint'))).code).toBe(0);

    // Rollback: the backup, extended with another history and re-signed by a
    // key holder who discards the signer's state (adopting the backup).
    const forked = await Ledger.open(backup, { signer: KEYS.skey, adoptState: true });
    await forked.appendMany(steps(12, 'REWRITTEN'));
    await forked.close();
    expect((await verify(backup)).code).toBe(0);
    for (const extra of [[], ['--full']]) {
      const r = await verify(backup, '--checkpoint', join(d, 'saved.checkpoint'), ...extra, '--json');
      expect(r.code).toBe(1);
      expect(r.out).toContain('TRUSTED_CHECKPOINT_MISMATCH');
    }

    // Truncation of the tail and its checkpoints.
    const cut = join(d, 'cut.ledger');
    copyFileSync(path, cut);
    const db = rawOpen(cut);
    db.exec('DELETE FROM entries WHERE seq >= 12; DELETE FROM checkpoints WHERE size > 12');
    db.close();
    const r = await verify(cut, '--checkpoint', join(d, 'saved.checkpoint'), '--json');
    expect(r.code).toBe(1);
    expect(r.out).toContain('TRUSTED_CHECKPOINT_BEYOND_LEDGER');
  });
});
