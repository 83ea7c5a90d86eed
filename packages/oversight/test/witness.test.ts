// The witness on casetrail ledgers, in the attacker's order: the hostile
// party prepares a history, a body or the witness's own state directory,
// then the honest witness runs; it must never cosign something false.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, parseVerifierKey, verifyCosignature } from '@casetrail/core';
import { Witness, initWitness, lockStateDir } from '../src/index.js';
import { tempDir } from './helpers/dirs.js';
import { witnessPlaces } from './helpers/witnesses.js';
import { body, bodyWithoutProof, grow, subordinate } from './helpers/ledgers.js';

const root = tempDir();
const { fresh, sub, seq } = witnessPlaces(root);

describe('witness init', () => {
  it('creates a 0700 directory, a 0600 key and a vkey of type 0x04, and never a second witness over the first', () => {
    const dir = join(root, 'init');
    const w = initWitness(dir, 'province.example/witness');
    expect(w.vkey).toMatch(/^province\.example\/witness\+[0-9a-f]{8}\+B[A-P]/); // base64 of 0x04 ‖ key: "B", then 00 and the key's first 4 bits
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'witness.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'witness.vkey'), 'utf8')).toBe(`${w.vkey}\n`);
    expect(() => initWitness(dir, 'other')).toThrow(expect.objectContaining({ code: 'STATE_EXISTS' }));
    expect(() => initWitness(join(root, 'bad-name'), 'two words')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('add-checkpoint on a casetrail ledger', () => {
  it('cosigns a first checkpoint (old 0), then only what extends it; a replay of the latest from 0 is 409', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 3);
    const first = await w.addCheckpoint(await body(s.path, 0));
    expect(first).toMatchObject({ status: 200, size: 3 });
    const cp = openCheckpoint((await body(s.path, 0)).split('\n\n').slice(1).join('\n\n'), [parseVerifierKey(s.vkey)]);
    expect(verifyCosignature(cp.note, first.cosignature!, w.vkey)).toBe(true);
    await grow(s, 2);
    const next = await w.addCheckpoint(await body(s.path, 3));
    expect(next).toMatchObject({ status: 200, size: 5 });
    expect(await w.addCheckpoint(await body(s.path, 0))).toMatchObject({ status: 409, code: 'OLD_SIZE_MISMATCH', latestSize: 5 });
    expect(w.evidence()).toEqual([]); // a stale client is not a split view
  });

  it('answers 404 for an origin it does not accept, and for a key it does not accept for it', async () => {
    const w = fresh();
    const s = sub('county.example/cases');
    await grow(s, 1);
    expect(await w.addCheckpoint(await body(s.path, 0))).toMatchObject({ status: 404, code: 'UNKNOWN_LOG' });
    await w.addLog(s.vkey);
    const other = subordinate(root, 'county.example/cases', 'unused.ledger');
    expect(await w.addCheckpoint(await body(s.path, 0), { logVkey: other.vkey })).toMatchObject({ status: 404, code: 'UNKNOWN_LOG' });
    expect(await w.addCheckpoint(await body(s.path, 0), { logVkey: s.vkey })).toMatchObject({ status: 200 });
  });

  it('answers 403 for a checkpoint signed by another key under the same name', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const impostor = { ...subordinate(root, s.origin, `imp${seq()}.ledger`) };
    await grow(impostor, 2);
    expect(await w.addCheckpoint(await body(impostor.path, 0))).toMatchObject({ status: 403, code: 'UNKNOWN_KEY' });
  });

  it('answers 400 for a body that does not parse, and for an old size above the checkpoint', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const note = await grow(s, 2);
    expect(await w.addCheckpoint('old 01\n\n' + note)).toMatchObject({ status: 400, code: 'MALFORMED_PROOF' });
    expect(await w.addCheckpoint(bodyWithoutProof(3, note))).toMatchObject({ status: 400, code: 'MALFORMED_PROOF' });
  });
});

describe('split views, shown by the key holder, are refused and kept', () => {
  it('a fork: another history of the same size, signed with the real key — 409, conclusive evidence with both notes', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const honest = await grow(s, 4);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    // The key holder builds another history of 4 entries with the same key.
    const forged = join(root, `forged${seq()}.ledger`);
    await grow(s, 4, 'forged', forged);
    const a = await w.addCheckpoint(await body(forged, 0, 4));
    expect(a).toMatchObject({ status: 409, code: 'INCONSISTENT', latestSize: 4, evidence: { kind: 'fork', conclusive: true, kept: true } });
    expect(a.cosignature).toBeUndefined();
    const [e] = w.evidence();
    expect(e).toMatchObject({ kind: 'fork', conclusive: true, origin: s.origin, cosigned: { size: 4 }, submitted: { size: 4 } });
    if (e === undefined || 'unreadable' in e) throw new Error('no evidence');
    // Both notes verify under the log's key, one size, two roots: anyone can check it.
    const v = [parseVerifierKey(s.vkey)];
    const x = openCheckpoint(readFileSync(join(e.path, 'cosigned.checkpoint'), 'utf8'), v);
    const y = openCheckpoint(readFileSync(join(e.path, 'submitted.checkpoint'), 'utf8'), v);
    expect(x.note).toBe(honest);
    expect([x.size, y.size]).toEqual([4, 4]);
    expect(Buffer.from(x.root).equals(Buffer.from(y.root))).toBe(false);
    // Shown again: refused again, kept once.
    expect((await w.addCheckpoint(await body(forged, 0, 4))).evidence).toMatchObject({ kept: false, why: 'duplicate' });
    expect(w.evidence()).toHaveLength(1);
    // The honest log goes on being cosigned.
    await grow(s, 1);
    expect((await w.addCheckpoint(await body(s.path, 4))).status).toBe(200);
  });

  it('a forged history that grows past the cosigned size: its proof fails (422), kept as inconclusive evidence', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 3);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    const forged = join(root, `forged${seq()}.ledger`);
    await grow(s, 6, 'forged', forged);
    // The forger proves consistency within its own tree, from size 3: the witness's root of size 3 is not its.
    const a = await w.addCheckpoint(await body(forged, 3));
    expect(a).toMatchObject({ status: 422, code: 'PROOF_INVALID', evidence: { kind: 'unproven', conclusive: false } });
    // Its checkpoint of size 3 shown instead is a fork: conclusive.
    const b = await w.addCheckpoint(await body(forged, 0, 3));
    expect(b).toMatchObject({ status: 409, evidence: { kind: 'fork', conclusive: true } });
    expect(w.latest(s.origin)!.size).toBe(3);
  });

  it('a rollback: a smaller checkpoint never cosigned is 409 and kept; one it cosigned before is a replay, not evidence', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    const at2 = await body(s.path, 0);
    expect((await w.addCheckpoint(at2)).status).toBe(200);
    await grow(s, 3); // checkpoints of sizes 3, 4 and 5 are signed; the witness sees 5
    expect((await w.addCheckpoint(await body(s.path, 2))).status).toBe(200);
    expect(await w.addCheckpoint(at2)).toMatchObject({ status: 409, code: 'OLD_SIZE_MISMATCH', latestSize: 5 });
    expect(w.evidence()).toEqual([]);
    const at4 = await body(s.path, 0, 4);
    expect(await w.addCheckpoint(at4)).toMatchObject({ status: 409, code: 'INCONSISTENT', evidence: { kind: 'rollback', conclusive: false } });
    expect(w.latest(s.origin)!.size).toBe(5);
  });
});

describe("the witness's state, prepared by a hostile party before the witness runs", () => {
  it('refuses a state file that is a symbolic link, writable by others, not its format, or another witness\'s', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 1);
    const state = join(w.dir, 'state.json');
    const good = readFileSync(state, 'utf8');
    const attempt = async () => (await Witness.open(w.dir).addCheckpoint(await body(s.path, 0))).status;

    writeFileSync(join(root, 'elsewhere.json'), good, { mode: 0o600 });
    rmSync(state);
    symlinkSync(join(root, 'elsewhere.json'), state);
    await expect(attempt()).rejects.toMatchObject({ code: 'STATE_INVALID' });

    rmSync(state);
    writeFileSync(state, good, { mode: 0o600 });
    chmodSync(state, 0o666);
    await expect(attempt()).rejects.toMatchObject({ code: 'STATE_INVALID' });

    chmodSync(state, 0o600);
    writeFileSync(state, good.replace('"cosigned": []', '"cosigned": [{"size": 9}]'));
    await expect(attempt()).rejects.toMatchObject({ code: 'STATE_INVALID' });

    const other = fresh('someone.else/witness');
    writeFileSync(state, readFileSync(join(other.dir, 'state.json'), 'utf8'));
    await expect(attempt()).rejects.toMatchObject({ code: 'STATE_INVALID' });

    writeFileSync(state, good);
    expect(await attempt()).toBe(200);
  });

  it('never writes evidence through a planted symbolic link, and cosigns nothing then', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    const target = join(root, `target${seq()}`);
    mkdirSync(target);
    symlinkSync(target, join(w.dir, 'evidence'));
    const forged = join(root, `forged${seq()}.ledger`);
    await grow(s, 2, 'forged', forged);
    await expect(w.addCheckpoint(await body(forged, 0))).rejects.toMatchObject({ code: 'STATE_INVALID' });
    expect(existsSync(join(target, 'x'))).toBe(false);
    expect(w.latest(s.origin)!.size).toBe(2);
  });
});

describe('the lock: two requests never interleave their check and write', () => {
  it('of many concurrent requests from one old size, exactly one is cosigned, and the state never goes back', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    await grow(s, 6); // checkpoints of sizes 3 … 8, each proven from 2
    const bodies = await Promise.all([3, 4, 5, 6, 7, 8].map((to) => body(s.path, 2, to)));
    const answers = await Promise.all(bodies.map((b) => w.addCheckpoint(b)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).every((a) => a.code === 'OLD_SIZE_MISMATCH')).toBe(true);
    const won = answers.find((a) => a.status === 200)!.size!;
    expect(w.latest(s.origin)!.size).toBe(won);
  });

  it('waits for a live holder, then reports STATE_LOCKED; breaks the lock of a process that is gone', async () => {
    const dir = join(root, `lockdir${seq()}`);
    mkdirSync(dir, { mode: 0o700 });
    const held = await lockStateDir(dir, 'test state');
    await expect(lockStateDir(dir, 'test state', 100)).rejects.toMatchObject({ code: 'STATE_LOCKED' });
    held.release();
    (await lockStateDir(dir, 'test state', 100)).release();
    // A lock left by a process that no longer runs (pid far above any live one).
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'gone' }), { mode: 0o600 });
    const again = await lockStateDir(dir, 'test state', 100);
    expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    again.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});
