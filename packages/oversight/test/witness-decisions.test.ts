// Each decision of the witness (docs/oversight.md §2.1–§2.4), exactly: the
// status, the code and every field of the answer, what is persisted and what
// is not, in the attacker's order — the hostile party prepares the log, the
// body or the witness's own state directory, then the honest witness runs.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatWitnessBody, generateKeyPair, openCheckpoint, parseVerifierKey, toBase64, verifyCosignature } from '@casetrail/verify';
import { MAX_HISTORY, Witness, formatWitnessState, initWitness } from '../src/index.js';
import { tempDir } from './helpers/dirs.js';
import { witnessPlaces } from './helpers/witnesses.js';
import { body, grow, subordinate } from './helpers/ledgers.js';

const root = tempDir();
const { fresh, sub, seq } = witnessPlaces(root);
/** The identity of the state file: a write replaces it (a new file renamed over it), so a refusal must leave it as it was. */
const stateFile = (w: Witness) => statSync(join(w.dir, 'state.json')).ino;
const rootOf = (note: string, vkey: string) => toBase64(openCheckpoint(note, [parseVerifierKey(vkey)]).root);
const checkpointOf = (b: string) => b.slice(b.indexOf('\n\n') + 2);
const anyText = expect.any(String);

describe('witness init, over a directory a hostile party prepared', () => {
  it.each(['witness.vkey', 'state.json', 'witness.key'])('refuses a directory that holds a planted %s, and writes no key', (file) => {
    const dir = join(root, `planted-${file}`);
    mkdirSync(dir, { mode: 0o700 });
    // A verifier key planted before init would be the one verifiers are told to trust.
    writeFileSync(join(dir, file), 'planted\n', { mode: 0o600 });
    expect(() => initWitness(dir, 'province.example/witness')).toThrow(expect.objectContaining({ code: 'STATE_EXISTS', details: { path: dir } }));
    expect(readFileSync(join(dir, file), 'utf8')).toBe('planted\n');
    if (file !== 'witness.key') expect(existsSync(join(dir, 'witness.key'))).toBe(false);
  });

  it('refuses a directory where a file of the witness is a symbolic link or a directory, and writes no key', () => {
    const linked = join(root, 'planted-link');
    mkdirSync(linked, { mode: 0o700 });
    writeFileSync(join(root, 'attacker.vkey'), 'attacker\n');
    symlinkSync(join(root, 'attacker.vkey'), join(linked, 'witness.vkey'));
    expect(() => initWitness(linked, 'province.example/witness')).toThrow(expect.objectContaining({ code: 'STATE_EXISTS' }));
    expect(existsSync(join(linked, 'witness.key'))).toBe(false);
    const nested = join(root, 'planted-dir');
    mkdirSync(join(nested, 'state.json'), { recursive: true, mode: 0o700 });
    expect(() => initWitness(nested, 'province.example/witness')).toThrow(expect.objectContaining({ code: 'STATE_EXISTS' }));
    expect(existsSync(join(nested, 'witness.key'))).toBe(false);
  });

  it('refuses a name that is not a key name, or not a string, naming the field', () => {
    for (const name of ['two words', 'a+b', '', 42 as unknown as string]) {
      const dir = join(root, `bad${seq()}`);
      expect(() => initWitness(dir, name)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { field: 'name' } }));
      expect(existsSync(dir)).toBe(false); // refused before anything is made
    }
  });
});

describe('opening a witness', () => {
  it('takes its key from elsewhere when told, and refuses a state without a state file or of another key of the same name', async () => {
    const w = fresh();
    const away = join(root, `away${seq()}.key`);
    renameSync(join(w.dir, 'witness.key'), away);
    expect(() => Witness.open(w.dir)).toThrow(expect.objectContaining({ code: 'KEY_FILE' }));
    expect(Witness.open(w.dir, { keyFile: away }).vkey).toBe(w.vkey);
    // Another witness's state, under the same name but its own key.
    const twin = fresh();
    writeFileSync(join(w.dir, 'state.json'), readFileSync(join(twin.dir, 'state.json'), 'utf8'));
    expect(() => Witness.open(w.dir, { keyFile: away })).toThrow(expect.objectContaining({ code: 'STATE_INVALID', details: { path: w.dir } }));
    rmSync(join(w.dir, 'state.json'));
    expect(() => Witness.open(w.dir, { keyFile: away })).toThrow(expect.objectContaining({ code: 'STATE_INVALID', details: { path: join(w.dir, 'state.json') } }));
  });
});

describe('add-log', () => {
  it('refuses an origin that is not a checkpoint origin line, naming the field, and stores nothing', async () => {
    const w = fresh();
    const s = sub();
    const before = stateFile(w);
    for (const origin of ['', ' city-a.example/cases', 'city-a.example/cases ', 'city\nb', 'city\u0007b', 42 as unknown as string]) {
      await expect(w.addLog(s.vkey, origin)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'origin' } });
    }
    expect(stateFile(w)).toBe(before);
    expect(w.state().logs).toEqual([]);
  });

  it('stores a key read from a file without its newline; a second key is a rotation; the same key again changes nothing', async () => {
    const w = fresh();
    const s = sub();
    expect(await w.addLog(`${s.vkey}\n`)).toEqual({ origin: s.origin, vkeys: [s.vkey], added: true });
    const before = stateFile(w);
    expect(await w.addLog(`${s.vkey}\n`)).toEqual({ origin: s.origin, vkeys: [s.vkey], added: false });
    expect(stateFile(w)).toBe(before);
    // The log's next key, under the same origin: both are trusted.
    const next = subordinate(root, s.origin, `rotated${seq()}.ledger`);
    expect(await w.addLog(next.vkey)).toEqual({ origin: s.origin, vkeys: [s.vkey, next.vkey], added: true });
    expect(Witness.open(w.dir).state().logs).toEqual([{ origin: s.origin, vkeys: [s.vkey, next.vkey], cosigned: [] }]);
    await grow(next, 2);
    expect(await w.addCheckpoint(await body(next.path, 0), { logVkey: `${next.vkey}\n` })).toMatchObject({ status: 200, size: 2 });
    expect(w.latest(s.origin)!.size).toBe(2);
    expect(w.latest('not.accepted/log')).toBeUndefined();
  });

  it('accepts at most 10 000 logs: the next origin is refused, a key for one of them is not', async () => {
    const w = fresh();
    const { vkey } = generateKeyPair('many.example/log');
    const state = w.state();
    state.logs = Array.from({ length: 10_000 }, (_, i) => ({ origin: `log-${i}.example/cases`, vkeys: [vkey], cosigned: [] }));
    writeFileSync(join(w.dir, 'state.json'), formatWitnessState(state));
    await expect(w.addLog(vkey, 'one-too-many.example/cases')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await w.addLog(generateKeyPair('log-9999.example/cases').vkey, 'log-9999.example/cases')).toMatchObject({ added: true });
    expect(Witness.open(w.dir).state().logs).toHaveLength(10_000);
  });
});

describe('add-checkpoint: every field of each answer', () => {
  it('400 for a body that does not parse: no origin, no size; nothing written', async () => {
    const w = fresh();
    const before = stateFile(w);
    expect(await w.addCheckpoint('old 1\n')).toEqual({ status: 400, code: 'MALFORMED_PROOF', message: anyText });
    expect(stateFile(w)).toBe(before);
  });

  it('404 names the origin it does not accept; nothing written', async () => {
    const w = fresh();
    const s = sub('unknown.example/cases');
    await grow(s, 1);
    const before = stateFile(w);
    expect(await w.addCheckpoint(await body(s.path, 0))).toEqual({ status: 404, code: 'UNKNOWN_LOG', message: anyText, origin: s.origin });
    expect(stateFile(w)).toBe(before);
  });

  it('403 for a note whose signature fails under the trusted key (a changed size line), with its origin; nothing written', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const note = await grow(s, 2);
    const forged = note.replace(/\n2\n/, '\n3\n');
    expect(forged).not.toBe(note);
    const before = stateFile(w);
    expect(await w.addCheckpoint(formatWitnessBody({ oldSize: 0, proof: [], checkpoint: forged }))).toEqual({ status: 403, code: 'INVALID_SIGNATURE', message: anyText, origin: s.origin });
    expect(stateFile(w)).toBe(before);
  });

  it('400 for an old size above the checkpoint, with origin and size; nothing written', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const note = await grow(s, 2);
    const before = stateFile(w);
    expect(await w.addCheckpoint(formatWitnessBody({ oldSize: 3, proof: [], checkpoint: note }))).toEqual({ status: 400, code: 'MALFORMED_PROOF', message: anyText, origin: s.origin, size: 2 });
    expect(stateFile(w)).toBe(before);
  });

  it('409 for a stale old size gives the latest size, and 422 for a bad proof from the right one; neither is written', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    const note = await grow(s, 3);
    const before = stateFile(w);
    expect(await w.addCheckpoint(await body(s.path, 1))).toEqual({ status: 409, code: 'OLD_SIZE_MISMATCH', message: anyText, latestSize: 2, origin: s.origin, size: 5 });
    // From the right size, with no proof: not the honest log's misbehaviour, but it proves nothing.
    const answer = await w.addCheckpoint(formatWitnessBody({ oldSize: 2, proof: [], checkpoint: note }));
    expect(answer).toMatchObject({ status: 422, code: 'PROOF_INVALID', origin: s.origin, size: 5 });
    expect(answer.cosignature).toBeUndefined();
    expect(answer.evidence).toMatchObject({ kind: 'unproven', conclusive: false, kept: true });
    expect(w.latest(s.origin)!.size).toBe(2);
    expect(JSON.stringify(Witness.open(w.dir).state())).not.toContain('"size":5');
    expect(stateFile(w)).toBe(before);
  });

  it('200 with its clock when none is given, persisted before the answer, with every field', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const note = await grow(s, 2);
    const from = Math.floor(Date.now() / 1000);
    const a = await w.addCheckpoint(await body(s.path, 0));
    const to = Math.ceil(Date.now() / 1000);
    expect(a).toEqual({ status: 200, message: anyText, origin: s.origin, size: 2, cosignature: anyText, timestamp: expect.any(Number) });
    expect(a.timestamp).toBeGreaterThanOrEqual(from);
    expect(a.timestamp).toBeLessThanOrEqual(to);
    expect(verifyCosignature(note, a.cosignature!, w.vkey)).toBe(true);
    expect(Witness.open(w.dir).state().logs[0]!.cosigned).toEqual([{ size: 2, root: rootOf(note, s.vkey), note, timestamp: a.timestamp }]);
  });

  it(`keeps the ${MAX_HISTORY} latest cosigned checkpoints: the state stays readable and the latest is the last one`, async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const note = await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0), { now: 1000 })).status).toBe(200);
    // The same checkpoint again from its own size is consistent, and is cosigned again each time.
    const same = formatWitnessBody({ oldSize: 2, proof: [], checkpoint: note });
    for (let i = 1; i <= MAX_HISTORY + 1; i++) expect((await w.addCheckpoint(same, { now: 1000 + i })).status).toBe(200);
    const cosigned = Witness.open(w.dir).state().logs[0]!.cosigned;
    expect(cosigned).toHaveLength(MAX_HISTORY);
    expect(cosigned.map((c) => c.timestamp)).toEqual(Array.from({ length: MAX_HISTORY }, (_, i) => 1000 + 2 + i));
  });
});

describe('split views: the answer and the record, exactly', () => {
  it('a fork shown from the cosigned size (old = size, another root): 409 INCONSISTENT with the latest size and a complete record', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const honest = await grow(s, 4);
    expect((await w.addCheckpoint(await body(s.path, 0), { now: 500 })).status).toBe(200);
    const forged = join(root, `forged${seq()}.ledger`);
    const fork = await grow(s, 4, 'forged', forged);
    const sent = formatWitnessBody({ oldSize: 4, proof: [], checkpoint: fork });
    const a = await w.addCheckpoint(sent, { now: 600 });
    expect(a).toEqual({ status: 409, code: 'INCONSISTENT', message: anyText, latestSize: 4, origin: s.origin, size: 4, evidence: { id: expect.stringMatching(/^fork-[0-9a-f]{16}$/), path: anyText, kind: 'fork', conclusive: true, kept: true } });
    const [e] = w.evidence();
    if (e === undefined || 'unreadable' in e) throw new Error('no evidence');
    expect(e).toEqual({
      format: 'casetrail-witness-evidence/v1', // docs/oversight.md §2.4
      kind: 'fork',
      conclusive: true,
      origin: s.origin,
      recorded: 600,
      explanation: anyText,
      cosigned: { size: 4, root: rootOf(honest, s.vkey), note: honest, timestamp: 500 },
      submitted: { size: 4, root: rootOf(fork, s.vkey), note: fork, oldSize: 4 },
      body: sent,
      id: a.evidence!.id,
      path: a.evidence!.path,
    });
    expect(readFileSync(join(e.path, 'request.body'), 'utf8')).toBe(sent);
    expect(readFileSync(join(e.path, 'submitted.checkpoint'), 'utf8')).toBe(fork);
    expect(w.latest(s.origin)).toMatchObject({ size: 4, note: honest });
    // A second, different fork of the same size is another record: records are told apart by both notes.
    const other = join(root, `forged${seq()}.ledger`);
    const fork2 = await grow(s, 4, 'forged-again', other);
    const b = await w.addCheckpoint(formatWitnessBody({ oldSize: 4, proof: [], checkpoint: fork2 }), { now: 650 });
    expect(b.evidence).toMatchObject({ kind: 'fork', kept: true });
    expect(b.evidence!.id).not.toBe(a.evidence!.id);
    expect(w.evidence().map((r) => r.id)).toEqual([a.evidence!.id, b.evidence!.id]);
  });

  it('an unproven extension keeps the request as sent, proof lines included, against the latest cosigned checkpoint', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    const honest = await grow(s, 3);
    expect((await w.addCheckpoint(await body(s.path, 0), { now: 700 })).status).toBe(200);
    const forged = join(root, `forged${seq()}.ledger`);
    await grow(s, 6, 'forged', forged);
    const sent = await body(forged, 3);
    expect(sent.split('\n\n')[0]!.split('\n').length).toBeGreaterThan(2); // "old 3" and at least two proof lines
    const a = await w.addCheckpoint(sent, { now: 800 });
    expect(a).toEqual({ status: 422, code: 'PROOF_INVALID', message: anyText, origin: s.origin, size: 6, evidence: { id: expect.stringMatching(/^unproven-/), path: anyText, kind: 'unproven', conclusive: false, kept: true } });
    const [e] = w.evidence();
    if (e === undefined || 'unreadable' in e) throw new Error('no evidence');
    expect(e).toMatchObject({ kind: 'unproven', conclusive: false, recorded: 800, cosigned: { size: 3, note: honest, timestamp: 700 }, submitted: { size: 6, note: checkpointOf(sent), oldSize: 3 }, body: sent });
    expect(readFileSync(join(e.path, 'request.body'), 'utf8')).toBe(sent);
  });

  it('a rollback is recorded against the latest cosigned checkpoint, not an older one', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0), { now: 10 })).status).toBe(200);
    const latest = await grow(s, 3);
    expect((await w.addCheckpoint(await body(s.path, 2), { now: 20 })).status).toBe(200);
    const at4 = await body(s.path, 0, 4);
    expect(await w.addCheckpoint(at4, { now: 30 })).toMatchObject({ status: 409, code: 'INCONSISTENT', latestSize: 5, origin: s.origin, size: 4, evidence: { kind: 'rollback', conclusive: false } });
    expect(w.evidence()[0]).toMatchObject({ kind: 'rollback', recorded: 30, cosigned: { size: 5, note: latest, timestamp: 20 }, submitted: { size: 4, oldSize: 0 } });
  });

  it('a stale client extending the log from an older size is told the latest size, and is not evidence', async () => {
    const w = fresh();
    const s = sub();
    await w.addLog(s.vkey);
    await grow(s, 2);
    expect((await w.addCheckpoint(await body(s.path, 0))).status).toBe(200);
    await grow(s, 1);
    expect((await w.addCheckpoint(await body(s.path, 2))).status).toBe(200);
    await grow(s, 2);
    // Proven from 2, not from the latest 3: honest but stale.
    expect(await w.addCheckpoint(await body(s.path, 2))).toMatchObject({ status: 409, code: 'OLD_SIZE_MISMATCH', latestSize: 3, size: 5 });
    expect(w.evidence()).toEqual([]);
    // A state file of the witness's own format, reopened: nothing about size 5.
    expect(Witness.open(w.dir).state()).toMatchObject({ format: 'casetrail-witness/v1', logs: [{ cosigned: [{ size: 2 }, { size: 3 }] }] });
  });
});
