// The signer state (format.md §10): its strict layout, the file store beside
// the key, and how the writer uses it — created with the ledger, checked at
// open (KEY_MISMATCH, SIGNER_STATE_MISSING), adopted only explicitly after a
// full verification, written in two phases and promoted when idle, durable
// under 'normal', and an extension proof that reads O(log n) rows.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  EMPTY_ROOT,
  FileSignerState,
  Ledger,
  MemorySignerState,
  SqliteStore,
  ed25519Sign,
  formatCheckpoint,
  formatSignatureLine,
  formatSignerState,
  decodeEntry,
  encodeEntry,
  generateKeyPair,
  leafHash,
  parseSignerKey,
  parseSignerState,
  toHex,
  utf8,
  type LedgerStore,
  type NodeReader,
  type SignerState,
  type SignerStateStore,
} from '../src/index.js';
import { SLOT_BYTES, formatSlot } from '../src/node/signer-state-file.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, ORIGIN, cleanupTempDirs, rawOpen, steps, tempDir } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const KEY = parseSignerKey(KEYS.skey);
const root = (b: number) => new Uint8Array(32).fill(b);
const tree = (n: number) => ({ size: n, root: n === 0 ? Uint8Array.from(EMPTY_ROOT) : root(n) });
/** A state whose writers wrote what it signed (`written`), or `writing` beyond it. */
const state = (signed: number, intended?: number, writing?: number): SignerState => ({
  origin: ORIGIN,
  keyId: KEY.keyId,
  signed: tree(signed),
  intended: intended === undefined ? null : tree(intended),
  written: tree(signed),
  writing: writing === undefined ? (intended === undefined ? null : tree(intended)) : tree(writing),
});

/** A key file (0600) in a fresh directory; its state is `<key file>.state`. */
function keyFile(): string {
  const f = join(tempDir(), 'ledger.key');
  writeFileSync(f, `${KEYS.skey}\n`, { mode: 0o600 });
  return f;
}

const readState = (keyPath: string) => new FileSignerState(`${keyPath}.state`).read(ORIGIN)!;
/** A state file of two slots (format.md §10.1): `text` in slot 0 (counter 1, durable), slot 1 empty. */
const slotFile = (text: string) => Buffer.concat([formatSlot(1, true, text), Buffer.alloc(SLOT_BYTES)]);

describe('the layout (format.md §10.1)', () => {
  test('one JSON line, keys in order; parsed back exactly', () => {
    const s = state(12, 15, 17);
    const text = formatSignerState(s);
    expect(text).toBe(
      `{"format":"casetrail-signer-state/v1","origin":"${ORIGIN}","keyId":"${KEY.keyId.toString(16).padStart(8, '0')}","signed":{"size":12,"root":"${'0c'.repeat(32)}"},"intended":{"size":15,"root":"${'0f'.repeat(32)}"},"written":{"size":12,"root":"${'0c'.repeat(32)}"},"writing":{"size":17,"root":"${'11'.repeat(32)}"}}\n`,
    );
    expect(parseSignerState(text, 'x')).toEqual(s);
    expect(parseSignerState(formatSignerState(state(0)), 'x')).toMatchObject({ intended: null, writing: null });
  });

  test('anything but the exact form is SIGNER_STATE_INVALID', () => {
    const good = formatSignerState(state(3, 4));
    const bad: Record<string, string> = {
      'no final newline': good.trimEnd(),
      'CRLF': good.replace('\n', '\r\n'),
      'a space': good.replace('"origin":', '"origin": '),
      'keys reordered': good.replace(/"signed":(\{[^}]*\}),"intended":(\{[^}]*\})/, '"intended":$2,"signed":$1'),
      'an extra key': good.replace('"intended"', '"extra":1,"intended"'),
      'upper-case hex': good.replace('"signed":{"size":3,"root":"03', '"signed":{"size":3,"root":"0C'),
      'a short root': good.replace(`"root":"${'03'.repeat(32)}"`, `"root":"${'03'.repeat(31)}"`),
      'a negative size': good.replace('"size":3', '"size":-3'),
      'a size above 2^53 - 1': good.replace('"size":4', '"size":9007199254740993'),
      'a fractional size': good.replace('"size":4', '"size":4.5'),
      'intended before signed': formatSignerState({ ...state(5, 4), written: tree(5) }),
      'written before signed': formatSignerState({ ...state(5), written: tree(4) }),
      'writing not after written': formatSignerState({ ...state(5), writing: tree(5) }),
      'intended beyond what was written': formatSignerState({ ...state(5, 7), writing: null }),
      'no written': good.replace(/,"written":\{[^}]*\},"writing":\{[^}]*\}/, ''),
      'written null': good.replace(/"written":\{[^}]*\}/, '"written":null'),
      'size 0 with another root': formatSignerState({ ...state(0), signed: { size: 0, root: root(1) } }),
      'another format': good.replace('signer-state/v1', 'signer-state/v2'),
      'a key ID of 7 digits': good.replace(/"keyId":"[0-9a-f]{8}"/, '"keyId":"1234567"'),
      'not JSON': 'size=3\n',
      'an array': '[]\n',
      'too long': `${good.slice(0, -2)}${' '.repeat(5000)}}\n`,
    };
    for (const [why, text] of Object.entries(bad)) {
      expect(() => parseSignerState(text, 'x'), why).toThrow(expect.objectContaining({ code: 'SIGNER_STATE_INVALID' }));
    }
  });
});

describe('the state file beside the key (format.md §10.1)', () => {
  test('written 0600, atomically, leaving no temporary file; read back; missing is undefined', () => {
    const dir = tempDir();
    const store = new FileSignerState(join(dir, 'k.state'));
    expect(store.read(ORIGIN)).toBeUndefined();
    store.write(ORIGIN, state(7, 9));
    expect(readdirSync(dir)).toEqual(['k.state']);
    if (process.platform !== 'win32') expect(statSync(join(dir, 'k.state')).mode & 0o777).toBe(0o600);
    expect(store.read(ORIGIN)).toEqual(state(7, 9));
    store.write(ORIGIN, state(9));
    expect(store.read(ORIGIN)).toEqual(state(9));
  });

  test('a link, a directory, a file others may access, another origin, garbage: refused with a code', () => {
    const dir = tempDir();
    const real = join(dir, 'real.state');
    new FileSignerState(real).write(ORIGIN, state(1));
    const cases: Array<[string, () => void, string]> = [
      ['symlink', () => symlinkSync(real, join(dir, 'link.state')), join(dir, 'link.state')],
      ['directory', () => mkdirSync(join(dir, 'dir.state')), join(dir, 'dir.state')],
      ['mode 644', () => writeFileSync(join(dir, 'open.state'), slotFile(formatSignerState(state(1))), { mode: 0o644 }), join(dir, 'open.state')],
      ['mode 660', () => writeFileSync(join(dir, 'group.state'), slotFile(formatSignerState(state(1))), { mode: 0o660 }), join(dir, 'group.state')],
      ['another origin', () => writeFileSync(join(dir, 'other.state'), slotFile(formatSignerState({ ...state(1), origin: 'another/origin' })), { mode: 0o600 }), join(dir, 'other.state')],
      ['garbage', () => writeFileSync(join(dir, 'junk.state'), '\u0000\u0001junk', { mode: 0o600 }), join(dir, 'junk.state')],
      ['the bare state text (no slots)', () => writeFileSync(join(dir, 'bare.state'), formatSignerState(state(1)), { mode: 0o600 }), join(dir, 'bare.state')],
      ['two empty slots', () => writeFileSync(join(dir, 'empty.state'), Buffer.alloc(2 * SLOT_BYTES), { mode: 0o600 }), join(dir, 'empty.state')],
      [
        'two slots with the same counter',
        () => writeFileSync(join(dir, 'twice.state'), Buffer.concat([formatSlot(3, true, formatSignerState(state(1))), formatSlot(3, true, formatSignerState(state(2)))]), { mode: 0o600 }),
        join(dir, 'twice.state'),
      ],
      ['a slot that checks, holding a malformed state', () => writeFileSync(join(dir, 'bad.state'), slotFile(formatSignerState(state(1)).replace('\n', ' \n')), { mode: 0o600 }), join(dir, 'bad.state')],
    ];
    for (const [why, make, path] of cases) {
      make();
      if (why.startsWith('mode')) chmodSync(path, Number.parseInt(why.slice(5), 8));
      expect(() => new FileSignerState(path).read(ORIGIN), why).toThrow(expect.objectContaining({ code: 'SIGNER_STATE_INVALID' }));
    }
  });

  test('two slots (format.md §10.1): a torn write of the newest leaves the one before; a write without fsync never overwrites the newest durable state', () => {
    const dir = tempDir();
    const path = join(dir, 'k.state');
    const store = new FileSignerState(path);
    const slotOf = (i: 0 | 1) => readFileSync(path).subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES);
    const tear = (i: 0 | 1) => {
      const b = readFileSync(path);
      b[i * SLOT_BYTES + 150]! ^= 0xff;
      writeFileSync(path, b, { mode: 0o600 });
    };
    store.write(ORIGIN, state(1)); // created: slot 0, durable
    store.write(ORIGIN, state(2)); // durable: the other slot
    expect(statSync(path).size).toBe(2 * SLOT_BYTES);
    expect(slotOf(1).toString('latin1')).toContain('"signed":{"size":2');
    store.write(ORIGIN, state(2, 3), false); // without fsync: not over slot 1, the newest durable
    store.write(ORIGIN, state(2, 4), false); // again: over slot 0, its own
    expect(store.read(ORIGIN)).toEqual(state(2, 4));
    expect(slotOf(1).toString('latin1')).toContain('"signed":{"size":2');
    // A power cut tore what was written without fsync: the newest durable state is whole.
    tear(0);
    expect(store.read(ORIGIN)).toEqual(state(2));
    // A durable write after a state written without fsync goes over that one, never over the durable one before it.
    store.write(ORIGIN, state(5));
    expect(store.read(ORIGIN)).toEqual(state(5));
    expect(slotOf(1).toString('latin1')).toContain('"signed":{"size":2');
    tear(0);
    expect(store.read(ORIGIN)).toEqual(state(2));
    // Both torn: nothing is guessed.
    tear(1);
    expect(() => store.read(ORIGIN)).toThrow(expect.objectContaining({ code: 'SIGNER_STATE_INVALID' }));
  });

  // Root writes into any directory: the case needs an ordinary user.
  test.skipIf(process.getuid?.() === 0)('a state file or directory the writer cannot write: READ_ONLY, and the previous state stays whole', () => {
    const dir = tempDir();
    const store = new FileSignerState(join(dir, 'k.state'));
    store.write(ORIGIN, state(2));
    // The state is written in place: a file it may not write is refused.
    chmodSync(join(dir, 'k.state'), 0o400);
    try {
      expect(() => store.write(ORIGIN, state(3))).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    } finally {
      chmodSync(join(dir, 'k.state'), 0o600);
    }
    expect(store.read(ORIGIN)).toEqual(state(2));
    // It is created in its directory: one it may not write is refused.
    chmodSync(dir, 0o500);
    try {
      expect(() => new FileSignerState(join(dir, 'new.state')).write(ORIGIN, state(0))).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('the state and the ledger', () => {
  test('a key file signer keeps its state beside the key: created at size 0, moved on by each checkpoint, promoted when idle', async () => {
    const key = keyFile();
    const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: { keyFile: key } });
    expect(readState(key)).toEqual(state(0));
    const [r] = await l.appendMany(steps(4));
    // The transaction recorded its checkpoint as intended before storing it...
    const after = readState(key);
    expect(after.intended?.size ?? after.signed.size).toBe(4);
    // ... and once the ledger is idle, the state says it is signed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const promoted = readState(key);
    expect(promoted).toMatchObject({ signed: { size: 4 }, intended: null });
    expect(toHex(promoted.signed.root)).toBe(toHex((await l.latestCheckpoint())!.root));
    expect(r!.checkpoint).toBe((await l.latestCheckpoint())!.note);
    await l.close();
  });

  test('close() promotes what the last transaction signed', async () => {
    const key = keyFile();
    const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: { keyFile: key } });
    await l.appendMany(steps(3));
    await l.close();
    expect(readState(key)).toMatchObject({ signed: { size: 3 }, intended: null });
  });

  test('a new ledger never takes over a state that names checkpoints of another: SIGNER_STATE_EXISTS', async () => {
    const key = keyFile();
    const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: { keyFile: key } });
    await l.appendMany(steps(2));
    await l.close();
    const before = readFileSync(`${key}.state`);
    const other = join(tempDir(), 'b.ledger');
    expect(await codeOf(Ledger.create(other, { origin: ORIGIN, signer: { keyFile: key } }))).toBe('SIGNER_STATE_EXISTS');
    expect(existsSync(other)).toBe(false);
    expect(readFileSync(`${key}.state`).equals(before)).toBe(true);
  });

  test('another key of the same name: KEY_MISMATCH at open, against the state or (without one) the stored checkpoints', async () => {
    const key = keyFile();
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: { keyFile: key } });
    await l.appendMany(steps(3));
    await l.close();
    const other = generateKeyPair(ORIGIN).skey;
    expect(await codeOf(Ledger.open(path, { signer: other, signerState: { file: `${key}.state` } }))).toBe('KEY_MISMATCH');
    // No state for the other key: none of the ledger's checkpoints verifies under it.
    expect(await codeOf(Ledger.open(path, { signer: other }))).toBe('KEY_MISMATCH');
    expect(await codeOf(Ledger.open(path, { signer: other, adoptState: true }))).toBe('KEY_MISMATCH');
    // Its own key without a state: the state is missing, not the key wrong.
    expect(await codeOf(Ledger.open(path, { signer: KEYS.skey }))).toBe('SIGNER_STATE_MISSING');
  });

  test('checkpoints planted with another key do not make the right key a mismatch', async () => {
    const key = keyFile();
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: { keyFile: key } });
    await l.appendMany(steps(3));
    await l.close();
    const forger = parseSignerKey(generateKeyPair(ORIGIN).skey);
    const db = rawOpen(path);
    const note = formatCheckpoint({ origin: ORIGIN, size: 99, root: root(1), extensions: [] });
    db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)').run(99, Buffer.from(root(1)), `${note}\n${formatSignatureLine(ORIGIN, forger.keyId, ed25519Sign(forger.seed, utf8(note)))}`);
    db.close();
    // With the state: the planted row is never consulted.
    const again = await Ledger.open(path, { signer: { keyFile: key } });
    expect((await again.append(steps(1)[0]!)).seq).toBe(3);
    await again.close();
    // Without it: still SIGNER_STATE_MISSING (an older checkpoint verifies under the key).
    expect(await codeOf(Ledger.open(path, { signer: KEYS.skey }))).toBe('SIGNER_STATE_MISSING');
  });

  test('adoption verifies in full under the signer\'s key first: a tampered file is not adopted', async () => {
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey });
    await l.appendMany(steps(6));
    await l.close();
    const db = rawOpen(path);
    db.prepare("UPDATE entries SET data = CAST('{\"i\":99}' AS BLOB) WHERE seq = 2").run();
    db.close();
    const e = await Ledger.open(path, { signer: KEYS.skey, adoptState: true }).catch((x: unknown) => x as { code: string; details: { report: { issues: Array<{ code: string; seq?: number }> } } });
    expect((e as { code: string }).code).toBe('VERIFICATION_FAILED');
    expect((e as { details: { report: { issues: Array<{ code: string; seq?: number }> } } }).details.report.issues[0]).toMatchObject({ code: 'PAYLOAD_COMMITMENT_MISMATCH', seq: 2 });
    // A host signer that does not tell its public key cannot adopt (nothing to verify with).
    const host = { name: KEY.name, keyId: KEY.keyId, sign: (m: Uint8Array) => KEY.sign(m) };
    expect(await codeOf(Ledger.open(path, { signer: host, adoptState: true }))).toBe('INVALID_ARGUMENT');
  });

  test('adoption of a ledger with an unsigned tail starts at its latest valid checkpoint; the tail is verified before it is signed', async () => {
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, checkpointPolicy: 'manual' });
    await l.appendMany(steps(4));
    await l.checkpoint();
    await l.appendMany(steps(3, 'TAIL'));
    await l.close();
    const signerState = new MemorySignerState();
    const a = await Ledger.open(path, { signer: KEYS.skey, signerState, adoptState: true });
    expect(a.adopted).toMatchObject({ adopted: true, size: 7, signed: { size: 4 } });
    expect(signerState.read(ORIGIN)).toMatchObject({ signed: { size: 4 }, intended: null });
    expect((await a.checkpoint()).size).toBe(7);
    await a.close();
  });

  test('an unsigned tail that continues cases begun before the signed size is verified step by step, then signed', async () => {
    const signerState = new MemorySignerState();
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState });
    await l.appendMany(steps(10));
    await l.close();
    // Another writer of the same state, signing nothing (manual policy), continues the same cases (and redacts one of the signed entries).
    const unsigned = await Ledger.open(path, { signer: KEYS.skey, signerState, checkpointPolicy: 'manual' });
    await unsigned.appendMany(steps(10, 'CASE'));
    await unsigned.redact(3, { reason: 'erasure', actor: 'dpo' });
    await unsigned.close();
    expect(signerState.read(ORIGIN)).toMatchObject({ signed: { size: 10 }, written: { size: 21 }, writing: null });
    // A fresh Ledger (no cache) verifies the 11 entries after the signed size before it signs them.
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState });
    const cp = await again.checkpoint();
    expect(cp.size).toBe(21);
    expect((await again.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await again.close();
    // The same tail with one case link broken is refused, naming it.
    const broken = join(tempDir(), 'b.ledger');
    const bState = new MemorySignerState();
    const b = await Ledger.create(broken, { origin: ORIGIN, signer: KEYS.skey, signerState: bState });
    await b.appendMany(steps(10));
    await b.close();
    const w = await Ledger.open(broken, { signer: KEYS.skey, signerState: bState, checkpointPolicy: 'manual' });
    await w.appendMany(steps(3, 'CASE'));
    await w.close();
    const db = rawOpen(broken);
    // Entry 11 (step 3 of CASE-1) is re-encoded with a casePrev that is not its previous step's leaf, its leaf and nodes recomputed.
    const row = db.prepare('SELECT bytes FROM entries WHERE seq = 11').get() as { bytes: Uint8Array };
    const e = decodeEntry(row.bytes);
    const bytes = encodeEntry({ ...e, casePrev: new Uint8Array(32).fill(3) });
    db.prepare('UPDATE entries SET bytes = ?, leaf = ? WHERE seq = 11').run(Buffer.from(bytes), Buffer.from(leafHash(bytes)));
    db.close();
    const signer = await Ledger.open(broken, { signer: KEYS.skey, signerState: bState });
    // CASE-1's step 2 (entry 6) is before the signed size: found by the index, authenticated, and its leaf is not the casePrev.
    expect(await signer.checkpoint().catch((x: unknown) => x)).toMatchObject({ code: 'LEDGER_TAMPERED', details: { seq: 11, issue: 'CASE_CHAIN_BROKEN' } });
    await signer.close();
    expect(await codeOf(Ledger.open(broken, { signer: KEYS.skey, adoptState: true }))).toBe('VERIFICATION_FAILED');
  });

  test('the state is never older than what this Ledger stored: an older state file put back is SIGNER_STATE_INVALID', async () => {
    const key = keyFile();
    const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: { keyFile: key } });
    await l.appendMany(steps(2));
    const old = readFileSync(`${key}.state`);
    await l.appendMany(steps(2, 'B'));
    await l.appendMany(steps(2, 'C'));
    writeFileSync(`${key}.state`, old, { mode: 0o600 });
    expect(await codeOf(l.append(steps(1)[0]!))).toBe('SIGNER_STATE_INVALID');
    expect(await l.size()).toBe(6);
    await l.close();
  });
});

describe('two phases (format.md §10.2)', () => {
  /** A state store that fails on demand, before or after it writes. */
  class Flaky implements SignerStateStore {
    readonly inner = new MemorySignerState();
    readonly location = 'flaky';
    fail: 'before' | 'after' | undefined;
    read(origin: string) {
      return this.inner.read(origin);
    }
    write(origin: string, s: SignerState) {
      if (this.fail === 'before') throw new Error('disk gone');
      this.inner.write(origin, s);
      if (this.fail === 'after') throw new Error('fsync of the directory failed');
    }
  }

  test('a state that cannot be written: the transaction is rolled back (nothing written, nothing signed), the next append succeeds', async () => {
    for (const when of ['before', 'after'] as const) {
      const signerState = new Flaky();
      const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: KEYS.skey, signerState });
      await l.appendMany(steps(3));
      signerState.fail = when;
      // Entries committed without the state's record of them would be refused as foreign by the next transaction.
      const e = await l.appendMany(steps(2, 'X')).catch((x: unknown) => x as { code: string; message: string });
      expect(e, when).toMatchObject({ code: 'STORAGE_ERROR', details: { state: 'flaky' } });
      expect(await l.size()).toBe(3);
      expect((await l.latestCheckpoint())!.size).toBe(3);
      signerState.fail = undefined;
      // 'after': the state names a transaction that never committed; the file is at what it records as signed and written.
      const r = await l.append(steps(1, 'Y')[0]!);
      expect(r.treeSize).toBe(4);
      expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
      // A fresh process with the same state accepts the file too.
      await l.close();
      const again = await Ledger.open(l.path, { signer: KEYS.skey, signerState });
      expect((await again.append(steps(1, 'Z')[0]!)).seq).toBe(4);
      await again.close();
    }
  });

  test('a crash after the state names the new checkpoint but before the commit: the next append succeeds', async () => {
    const signerState = new MemorySignerState();
    const path = join(tempDir(), 'a.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState });
    await l.appendMany(steps(5));
    await l.close();
    // The state as a transaction leaves it just before COMMIT: intended and writing name a tree the file never held.
    const s = signerState.read(ORIGIN)!;
    signerState.write(ORIGIN, { ...s, intended: { size: 9, root: root(9) }, writing: { size: 9, root: root(9) } });
    const again = await Ledger.open(path, { signer: KEYS.skey, signerState });
    expect((await again.append(steps(1)[0]!)).seq).toBe(5);
    await again.close();
    expect(signerState.read(ORIGIN)).toMatchObject({ signed: { size: 6 }, intended: null });
  });

  test("under durability 'normal', a transaction that stores a checkpoint is committed with synchronous=FULL, others are not", async () => {
    const path = join(tempDir(), 'a.ledger');
    const signerState = new MemorySignerState();
    const seen: string[] = [];
    const spy = (l: Ledger) => {
      const db = (l as unknown as { store: { db: Database.Database } }).store.db;
      const pragma = db.pragma.bind(db);
      db.pragma = ((src: string, o?: Database.PragmaOptions) => {
        if (src.startsWith('synchronous')) seen.push(src);
        return pragma(src, o);
      }) as typeof db.pragma;
    };
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState, durability: 'normal' });
    spy(l);
    await l.append(steps(1)[0]!);
    expect(seen).toEqual(['synchronous = FULL', 'synchronous = NORMAL']);
    await l.close();
    seen.length = 0;
    const manual = await Ledger.open(path, { signer: KEYS.skey, signerState, durability: 'normal', checkpointPolicy: 'manual' });
    spy(manual);
    await manual.appendMany(steps(3));
    expect(seen).toEqual([]);
    await manual.checkpoint();
    expect(seen).toEqual(['synchronous = FULL', 'synchronous = NORMAL']);
    await manual.close();
  });

  test("an asynchronous signer's checkpoint is stored after another writer moved on, if consistent (also from the empty tree)", async () => {
    const signerState = new MemorySignerState();
    const path = join(tempDir(), 'a.ledger');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hsm = { name: KEY.name, keyId: KEY.keyId, publicKey: KEY.publicKey, sign: async (m: Uint8Array) => (await gate, KEY.sign(m) as Uint8Array) };
    const a = await Ledger.create(path, { origin: ORIGIN, signer: hsm, signerState });
    const b = await Ledger.open(path, { signer: KEYS.skey, signerState });
    const empty = a.checkpoint(); // proves and computes the tree of size 0, then waits for the HSM
    await new Promise((r) => setTimeout(r, 20));
    await b.appendMany(steps(3)); // another writer signs size 3 meanwhile
    release();
    expect((await empty).size).toBe(0);
    expect(signerState.read(ORIGIN)).toMatchObject({ signed: { size: 0 }, intended: { size: 3 } });
    expect((await a.append(steps(1, 'A')[0]!)).treeSize).toBe(4);
    expect((await a.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await a.close();
    await b.close();
  });

  test('everyEntries under normal: a checkpoint due in a transaction that was not made durable is signed in one of its own', async () => {
    const signerState = new MemorySignerState();
    const l = await Ledger.create(join(tempDir(), 'a.ledger'), { origin: ORIGIN, signer: KEYS.skey, signerState, durability: 'normal', checkpointPolicy: { everyEntries: 4 } });
    await l.appendMany(steps(2));
    // An extension adds entries the writer could not foresee: the policy is reached anyway.
    l.use({ name: 'more', systemTypes: { 'casetrail.more': () => undefined }, onStep: (s, ctx) => void (s.system ? undefined : ctx.add({ caseId: s.caseId, type: 'casetrail.more', actor: 'x' })) });
    const [r] = await l.appendMany(steps(1, 'M'));
    expect(r!.treeSize).toBe(4);
    expect(r!.checkpoint).toBeDefined();
    expect((await l.latestCheckpoint())!.size).toBe(4);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true);
    await l.close();
  });
});

/** A store that counts the rows every write transaction reads (test-only). */
function counting(inner: LedgerStore): { store: LedgerStore; reads: () => number; reset: () => void } {
  let reads = 0;
  const countView = (v: object): object =>
    new Proxy(v, {
      get(target, prop, receiver) {
        const f = Reflect.get(target, prop, receiver) as unknown;
        if (typeof f !== 'function') return f;
        return (...args: unknown[]) => {
          const out = (f as (...a: unknown[]) => unknown).apply(target, args);
          if (['entry', 'caseStep', 'caseTail', 'tail', 'node'].includes(String(prop)) && out !== undefined) reads++;
          if (prop === 'entries') return (function* () {
            for (const row of out as Iterable<unknown>) {
              reads++;
              yield row;
            }
          })();
          if (prop === 'prefetch') return { node: (l: number, i: number) => (reads++, (out as NodeReader).node(l, i)) };
          return out;
        };
      },
    });
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'write') return (fn: (tx: object) => unknown, hints?: object) => target.write((tx) => fn(countView(tx)) as never, hints as never);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as LedgerStore;
  return { store, reads: () => reads, reset: () => void (reads = 0) };
}

describe('the extension proof costs O(new entries + log n) (format.md §10.3)', () => {
  test('a new process appending to a ledger of n entries reads O(log n) rows; a warm one reads none for the cases it wrote', async () => {
    const signerState = new MemorySignerState();
    const path = join(tempDir(), 'big.ledger');
    const l = await Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState, durability: 'normal', checkpointPolicy: { everyEntries: 50_000 } });
    for (let i = 0; i < 4; i++) await l.appendMany(steps(5000, `B${i}`));
    await l.checkpoint();
    await l.close();
    const n = 20_000;
    const c = counting(SqliteStore.open(path, { durability: 'normal' }));
    const fresh = await Ledger.fromStore(c.store, { signer: KEYS.skey, signerState });
    c.reset();
    await fresh.append({ caseId: 'B3-2', type: 'next', actor: 'x' });
    const cold = c.reads();
    expect(cold).toBeGreaterThan(0);
    // Compact range (≤ log n nodes), the last entry and its proof, the case's tail and its proof.
    expect(cold).toBeLessThanOrEqual(4 * Math.ceil(Math.log2(n)) + 8);
    c.reset();
    await fresh.append({ caseId: 'B3-2', type: 'again', actor: 'x' });
    expect(c.reads()).toBe(0); // the file's size and the state: no row
    await fresh.close();
  });
});
