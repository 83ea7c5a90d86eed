/**
 * The entry scan of ledger verification and the steps after it
 * (src/verify/scan.ts, steps.ts, file-checks.ts), tried on files prepared
 * by a hostile party before the honest `verify` runs: rows of the wrong
 * type in tables rebuilt without their column types, redaction records and
 * the redactions table, system entries, time order, and nonces replayed
 * behind edited index columns — each with the exact list of issues, in
 * full and, where it differs, in incremental verification.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeEntry,
  parseVerifierKey,
  redactionPayload,
  verifyLedger,
  type NoteVerifier,
  type SystemTypeValidator,
  type VerifyOptions,
} from '../src/index.js';
import { hostileAppend } from './helpers/hostile-writer.js';
import { KEYS, cleanupTempDirs, copyState, newLedger, openSigned, rawOpen } from './helpers/ledgers.js';
import { changedCopy, where } from './helpers/forge.js';

/** Issues in one line each: code, table, position. */
const brief = (issues: ReadonlyArray<{ code: string; table?: string; seq?: number; size?: number }>) =>
  issues.map((i) => `${i.code} ${i.table ?? '-'} ${i.seq ?? (i.size === undefined ? '-' : `size ${i.size}`)}`);

afterAll(cleanupTempDirs);

type Db = ReturnType<typeof rawOpen>;

/** Rebuilds `table` without STRICT and without column types, as the file's holder can, keeping its rows. */
function loosen(db: Db, table: string, key: string): void {
  const cols = (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map((c) => c.name);
  db.exec(`ALTER TABLE ${table} RENAME TO old_${table}`);
  db.exec(`CREATE TABLE ${table} (${cols.map((c) => (c === key ? `${c} INTEGER PRIMARY KEY` : c)).join(', ')})`);
  db.exec(`INSERT INTO ${table} SELECT * FROM old_${table}`);
  db.exec(`DROP TABLE old_${table}`);
}

const T0 = Date.UTC(2026, 1, 2, 8);
const salt = (n: number) => new Uint8Array(32).fill(n);

/**
 * seq 0 A1, 1 B1, 2 A2, 3 B2, 4 A3; 5 erases entry 2 (case A), 6 erases entry 0; 7 B3.
 * Checkpoints: one per transaction (sizes 1–5, 6, 7, 8).
 */
let redacted: string;
/** Leaf hashes of redacted's entries, by seq. */
let leaves: Uint8Array[] = [];
let checkpointAt: Map<number, string>;
beforeAll(async () => {
  let t = T0;
  const l = await newLedger({ clock: () => (t += 60_000) });
  for (const c of ['A', 'B', 'A', 'B', 'A']) await l.append({ caseId: c, type: 'note', actor: 'clerk', data: { c } });
  await l.redact(2, { reason: 'r', actor: 'dpo' });
  await l.redact(0, { reason: 'r', actor: 'dpo' });
  await l.append({ caseId: 'B', type: 'note', actor: 'clerk', data: { c: 'B' } });
  leaves = (await l.query({})).entries.map((e) => e.leafHash);
  checkpointAt = new Map();
  for (const size of [5, 6, 7, 8]) checkpointAt.set(size, (await l.checkpointAt(size))!.note);
  await l.close();
  redacted = l.path;
});

const verify = (path: string, options: Partial<VerifyOptions> = {}) => verifyLedger(path, { vkey: KEYS.vkey, ...options });

describe('redactions', () => {
  it('two valid erasures, one of entry 0: clean, both counted, in full mode', async () => {
    const r = await verify(redacted);
    expect([r.ok, r.issues]).toEqual([true, []]);
    expect(r.checked).toEqual({ entries: 8, payloads: 6, redactions: 2, actorSignatures: 0, nodes: 7, checkpoints: 8, systemEntries: 0, cosignatures: 0 });
  });

  it('incremental from size 5 (the first erasure is the first new entry): clean, both rows of the redactions table counted', async () => {
    const r = await verify(redacted, { trusted: checkpointAt.get(5)!, mode: 'incremental' });
    expect([r.ok, r.issues, r.checked.redactions, r.checked.entries]).toEqual([true, [], 2, 3]);
  });

  it('incremental from size 7 (both erasures before it): clean, and their rows are not counted again', async () => {
    const r = await verify(redacted, { trusted: checkpointAt.get(7)!, mode: 'incremental' });
    expect([r.ok, r.issues, r.checked.redactions, r.checked.entries]).toEqual([true, [], 0, 1]);
  });

  it('a second erasure of entry 2 written by the key holder: REDACTION_INVALID at the second record only', async () => {
    const path = changedCopy(redacted, () => undefined);
    const seq = hostileAppend(path, { caseId: 'A', type: 'casetrail.redaction', actor: 'dpo', payload: redactionPayload(2, leaves[2]!, 'again'), salt: salt(1), nonce: salt(1).subarray(0, 16) });
    const r = await verify(path);
    expect(where(r.issues)).toEqual([{ code: 'REDACTION_INVALID', table: 'entries', seq }]);
  });

  it('a record by the key holder naming entry 3 with the leaf hash of entry 1: REDACTION_INVALID at the record', async () => {
    const path = changedCopy(redacted, () => undefined);
    const seq = hostileAppend(path, { caseId: 'B', type: 'casetrail.redaction', actor: 'dpo', payload: redactionPayload(3, leaves[1]!, 'wrong leaf'), salt: salt(2), nonce: salt(2).subarray(0, 16) });
    const r = await verify(path);
    expect(where(r.issues)).toEqual([{ code: 'REDACTION_INVALID', table: 'entries', seq }]);
  });

  it('a record by the key holder naming entry 99, which is not an earlier entry: REDACTION_INVALID at the record, nothing erased', async () => {
    const path = changedCopy(redacted, () => undefined);
    const seq = hostileAppend(path, { caseId: 'B', type: 'casetrail.redaction', actor: 'dpo', payload: redactionPayload(99, leaves[1]!, 'no such entry'), salt: salt(4), nonce: salt(4).subarray(0, 16) });
    expect(where((await verify(path)).issues)).toEqual([{ code: 'REDACTION_INVALID', table: 'entries', seq }]);
  });

  it('the erased entry 2 replaced by bytes that do not decode: the row, and the record that names it, are reported', async () => {
    const path = changedCopy(redacted, (db) => db.prepare("UPDATE entries SET bytes = x'00' WHERE seq = 2").run());
    const r = await verify(path);
    // Its leaf changes the tree from size 3 on; the record at 5 cannot be checked against an entry that does not decode.
    expect(brief(r.issues)).toEqual([
      'LEAF_HASH_MISMATCH entries 2',
      'ENTRY_DECODE entries 2',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 3',
      'PREV_MISMATCH entries 3',
      'NODE_MISMATCH entries 3',
      'NODE_MISMATCH entries 3',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 4',
      'CASE_STEP_MISMATCH entries 4',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 5',
      'REDACTION_INVALID entries 5',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 6',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 7',
      'NODE_MISMATCH entries 7',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 8',
      'REDACTION_INVALID redactions 2',
      'UNSIGNED_TAIL checkpoints 2',
    ]);
  });

  for (const [name, set] of [
    ['its salt', 'salt = zeroblob(32)'],
    ['its data', "data = x'7b7d'"],
  ] as const) {
    it(`${name} alone written back into erased entry 2: REDACTION_INVALID at entry 2`, async () => {
      const path = changedCopy(redacted, (db) => db.exec(`UPDATE entries SET ${set} WHERE seq = 2`));
      const r = await verify(path);
      // Half a payload is not a valid row; a payload present again after its erasure is REDACTION_INVALID.
      expect(brief(r.issues)).toEqual([
        'ROW_INVALID entries 2',
        'REDACTION_INVALID entries 2',
      ]);
    });
  }

  it('the redactions row of entry 2 deleted: REDACTION_INVALID on the redactions table at entry 2', async () => {
    const path = changedCopy(redacted, (db) => db.exec('DELETE FROM redactions WHERE seq = 2'));
    expect(where((await verify(path)).issues)).toEqual([{ code: 'REDACTION_INVALID', table: 'redactions', seq: 2 }]);
  });

  it('a redactions row with a negative by_seq: ROW_INVALID (its key, and its row), never compared with the erasures', async () => {
    const path = changedCopy(redacted, (db) => db.exec('INSERT INTO redactions VALUES (1, -2)'));
    expect(brief((await verify(path)).issues)).toEqual(['ROW_INVALID redactions -', 'ROW_INVALID redactions -']);
  });

  it('the redactions table rebuilt without types, a row given a by_seq that is text: ROW_INVALID on it', async () => {
    const path = changedCopy(redacted, (db) => {
      loosen(db, 'redactions', 'seq');
      db.exec("UPDATE redactions SET by_seq = 'five' WHERE seq = 2");
    });
    // Once by checkKeys, once where the redactions are compared; the erasure of entry 2 is then not recorded.
    expect(brief((await verify(path)).issues)).toEqual([
      'ROW_INVALID redactions -',
      'ROW_INVALID redactions -',
      'REDACTION_INVALID redactions 2',
    ]);
  });
});

/**
 * Workers read the rows through handles of their own, outside verification's
 * snapshot (src/verify/workers.ts): a payload erased after the snapshot began
 * — by a redaction committing, or by anyone writing the file — is missing for
 * a worker and still there in the snapshot, which decides (steps.ts,
 * checkMissingPayloads). The erasure is made deterministic by the verifier
 * key: a NoteVerifier is asked to check its first checkpoint signature after
 * the snapshot began and before the workers start.
 */
describe('a payload erased while verification runs, after its snapshot began', () => {
  /** The ledger's verifier key, running `during` (once) when it is first asked to check a signature. */
  const keyRunning = (during: () => void): NoteVerifier => {
    const key = parseVerifierKey(KEYS.vkey);
    let ran = false;
    return {
      name: key.name,
      keyId: key.keyId,
      publicKey: key.publicKey,
      verify(msg, sig) {
        if (!ran) {
          ran = true;
          during();
        }
        return key.verify(msg, sig);
      },
    };
  };

  /** seq 0–5 in cases A and B, one checkpoint per append. */
  const sixEntries = async (): Promise<string> => {
    const l = await newLedger();
    for (const c of ['A', 'B', 'A', 'B', 'A', 'B']) await l.append({ caseId: c, type: 'note', actor: 'clerk', data: { c } });
    await l.close();
    return l.path;
  };

  it('a redaction of entry 1 committed while the worker reads: the snapshot still holds the payload, so it is checked and counted there, and the report is clean', async () => {
    const path = await sixEntries();
    // The redaction the ledger itself would write (seq 6 erasing entry 1, its redactions row, the checkpoint
    // of size 7), made on a copy through the API and committed into the file by another connection.
    const copy = changedCopy(path, () => undefined);
    copyState(path, copy);
    const other = await openSigned(copy);
    await other.redact(1, { reason: 'erasure request', actor: 'dpo' });
    await other.close();
    const redactNow = () => {
      const db = new Database(path);
      db.exec(`ATTACH '${copy}' AS c`);
      db.transaction(() => {
        db.exec('INSERT INTO redactions SELECT * FROM c.redactions');
        db.exec('UPDATE entries SET salt = NULL, data = NULL WHERE seq = 1');
        db.exec('INSERT INTO entries SELECT * FROM c.entries WHERE seq >= 6');
        db.exec('INSERT INTO checkpoints SELECT * FROM c.checkpoints WHERE size > 6');
      })();
      db.close();
    };
    const r = await verifyLedger(path, { vkey: keyRunning(redactNow), workers: 1 });
    expect([r.ok, r.issues, r.size]).toEqual([true, [], 6]);
    expect(r.checked).toEqual({ entries: 6, payloads: 6, redactions: 0, actorSignatures: 0, nodes: 4, checkpoints: 6, systemEntries: 0, cosignatures: 0 });
    // The next verification sees the redaction: entry 1 erased, its record's payload counted instead.
    const after = await verify(path);
    expect([after.ok, after.issues, after.size, after.checked.payloads, after.checked.redactions]).toEqual([true, [], 7, 6, 1]);
  });

  it('erased while the worker reads, after the file\'s holder changed them: entry 1\'s payload (and its case column), entry 3\'s salt — the snapshot\'s rows are reported, each problem once', async () => {
    const path = changedCopy(await sixEntries(), (db) => {
      db.prepare("UPDATE entries SET data = x'00', case_id = 'Z' WHERE seq = 1").run();
      db.prepare("UPDATE entries SET salt = x'0102' WHERE seq = 3").run();
    });
    const eraseNow = () => {
      const db = rawOpen(path);
      db.exec('UPDATE entries SET salt = NULL, data = NULL WHERE seq IN (1, 3)');
      db.close();
    };
    const expected = ['INDEX_MISMATCH entries 1', 'PAYLOAD_COMMITMENT_MISMATCH entries 1', 'ROW_INVALID entries 3'];
    const before = await verify(path, { workers: 1 });
    expect([brief(before.issues), before.checked.payloads]).toEqual([expected, 4]);
    const r = await verifyLedger(path, { vkey: keyRunning(eraseNow), workers: 1 });
    // The same issues as before the erasure: INDEX_MISMATCH from the worker's row (its bytes and columns are
    // those of the snapshot), the payload problems from the snapshot's rows after the scan, each once. Not
    // PAYLOAD_MISSING: the snapshot has both payloads. Neither is counted as a checked payload: they do
    // not match, as in the scan (entries 0, 2, 4 and 5 are).
    expect(brief(r.issues)).toEqual(expected);
    expect([r.ok, r.checked.entries, r.checked.payloads]).toEqual([false, 6, 4]);
    // The next verification sees them erased, and no redaction that did it.
    const after = await verify(path, { workers: 1 });
    expect(brief(after.issues)).toEqual(['INDEX_MISMATCH entries 1', 'PAYLOAD_MISSING entries 1', 'PAYLOAD_MISSING entries 3']);
  });
});

describe('rows of the wrong type (tables rebuilt without their column types)', () => {
  it('entry 3 without bytes: ROW_INVALID at 3, and the tree is broken from there', async () => {
    const path = changedCopy(redacted, (db) => {
      loosen(db, 'entries', 'seq');
      db.exec('UPDATE entries SET bytes = NULL WHERE seq = 3');
    });
    const r = await verify(path);
    // Entry 4 links to entry 3's leaf, which cannot be computed; case B's step 3 follows step 1 as far as can be read.
    expect(brief(r.issues)).toEqual([
      'ROW_INVALID entries 3',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 4',
      'PREV_MISMATCH entries 4',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 5',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 6',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 7',
      'CASE_STEP_MISMATCH entries 7',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 8',
    ]);
    expect([r.root, r.signedSize]).toEqual(['', 3]);
  });

  for (const [name, set] of [
    ['a root that is NULL', 'root = NULL'],
    ['a root of 31 bytes', 'root = zeroblob(31)'],
    ['a note that is a number', 'note = 5'],
  ] as const) {
    it(`the checkpoint row of size 6 with ${name}: ROW_INVALID at size 6`, async () => {
      const path = changedCopy(redacted, (db) => {
        loosen(db, 'checkpoints', 'size');
        db.exec(`UPDATE checkpoints SET ${set} WHERE size = 6`);
      });
      const r = await verify(path);
      expect(where(r.issues)).toEqual([{ code: 'ROW_INVALID', table: 'checkpoints', size: 6 }]);
      expect(r.signedSize).toBe(8);
    });
  }
});

describe('time order', () => {
  it('an entry by the key holder dated between the first and the last entry: exactly TIME_ORDER at it', async () => {
    const path = changedCopy(redacted, () => undefined);
    const row = rawOpen(path);
    const third = decodeEntry(Uint8Array.from((row.prepare('SELECT bytes FROM entries WHERE seq = 3').get() as { bytes: Buffer }).bytes));
    row.close();
    const seq = hostileAppend(path, { caseId: 'C', type: 'note', actor: 'clerk', payload: new TextEncoder().encode('{}'), salt: salt(3), nonce: salt(3).subarray(0, 16), time: third.time });
    expect(where((await verify(path)).issues)).toEqual([{ code: 'TIME_ORDER', table: 'entries', seq }]);
  });
});

/** Alerts about decisions, as a layer writes them (system type casetrail.alert). */
const isAlert: SystemTypeValidator = (data) =>
  typeof data === 'object' && data !== null && typeof (data as { about?: unknown }).about === 'number' ? undefined : 'an alert names the entry it is about';

async function alerted(decisions?: number): Promise<string> {
  let t = T0;
  const l = await newLedger({ clock: () => (t += 60_000) });
  l.use({
    name: 'alerts',
    systemTypes: { 'casetrail.alert': isAlert },
    onStep(step, ctx) {
      if (step.type === 'decision') ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: step.seq } });
    },
  });
  if (decisions !== undefined) {
    // seq 2k a decision, 2k + 1 the alert about it
    // (an extension adds at most 1,000 entries to one transaction)
    for (let from = 0; from < decisions; from += 500) {
      await l.appendMany(Array.from({ length: Math.min(500, decisions - from) }, (_, i) => ({ caseId: `D-${(from + i) % 9}`, type: 'decision', actor: 'judge' })));
    }
    await l.close();
    return l.path;
  }
  // seq 0 A opened, 1 A decision, 2 alert; 3 B decision, 4 alert; 5 B closed
  await l.appendMany([
    { caseId: 'A', type: 'opened', actor: 'clerk', data: { n: 1 } },
    { caseId: 'A', type: 'decision', actor: 'judge', data: { n: 2 } },
    { caseId: 'B', type: 'decision', actor: 'judge', data: { n: 3 } },
    { caseId: 'B', type: 'closed', actor: 'clerk', data: { n: 4 } },
  ]);
  await l.close();
  return l.path;
}

describe('system entries', () => {
  let path: string;
  beforeAll(async () => {
    path = await alerted();
  });

  it('each alert checked by its validator; without one, SYSTEM_TYPE_UNKNOWN at each', async () => {
    const r = await verify(path, { systemTypes: { 'casetrail.alert': isAlert } });
    expect([r.ok, r.issues, r.checked.systemEntries]).toEqual([true, [], 2]);
    expect(where((await verify(path)).issues)).toEqual([
      { code: 'SYSTEM_TYPE_UNKNOWN', table: 'entries', seq: 2 },
      { code: 'SYSTEM_TYPE_UNKNOWN', table: 'entries', seq: 4 },
    ]);
  });

  it('a validator that throws has refused the entry: SYSTEM_ENTRY_INVALID at each', async () => {
    const throwing: SystemTypeValidator = () => {
      throw new Error('validator failed');
    };
    const r = await verify(path, { systemTypes: { 'casetrail.alert': throwing } });
    expect(where(r.issues)).toEqual([
      { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 2 },
      { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 4 },
    ]);
  });

  it('an alert whose payload no longer matches its commitment is reported for that, and not judged by its validator', async () => {
    const edited = changedCopy(path, (db) => db.prepare('UPDATE entries SET data = ? WHERE seq = 2').run(Buffer.from('{"x":1}')));
    const r = await verify(edited, { systemTypes: { 'casetrail.alert': isAlert } });
    expect(where(r.issues)).toEqual([{ code: 'PAYLOAD_COMMITMENT_MISMATCH', table: 'entries', seq: 2 }]);
    // A payload that does not match is not counted as checked.
    expect([r.checked.systemEntries, r.checked.payloads]).toEqual([1, 5]);
  });

  it('a validator that throws null or undefined has refused the entry too', async () => {
    for (const thrown of [null, undefined]) {
      const validator: SystemTypeValidator = () => {
        throw thrown;
      };
      const r = await verify(path, { systemTypes: { 'casetrail.alert': validator } });
      expect([thrown, where(r.issues)]).toEqual([
        thrown,
        [
          { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 2 },
          { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 4 },
        ],
      ]);
    }
  });

  it('an alert by the key holder whose committed payload is not JSON: SYSTEM_ENTRY_INVALID at it', async () => {
    const p = changedCopy(path, () => undefined);
    const seq = hostileAppend(p, { caseId: 'B', type: 'casetrail.alert', actor: 'casetrail:alerts', payload: new TextEncoder().encode('{"about":'), salt: salt(5), nonce: salt(5).subarray(0, 16) });
    const r = await verify(p, { systemTypes: { 'casetrail.alert': isAlert } });
    expect(where(r.issues)).toEqual([{ code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq }]);
  });

  it('system entries are judged after the scan: an invalid alert at 2 is reported after a later row\'s problem', async () => {
    const edited = changedCopy(path, (db) => db.prepare('UPDATE entries SET data = ? WHERE seq = 5').run(Buffer.from('{"x":1}')));
    const strict: SystemTypeValidator = (data) => ((data as { about: number }).about > 1 ? undefined : 'about an early entry');
    const r = await verify(edited, { systemTypes: { 'casetrail.alert': strict } });
    expect(where(r.issues)).toEqual([
      { code: 'PAYLOAD_COMMITMENT_MISMATCH', table: 'entries', seq: 5 },
      { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 2 },
    ]);
  });
});

describe('system entries past one batch (checked 1,024 at a time during the scan)', () => {
  it('the batch is checked when its 1,024th alert is read: an invalid alert at 1 is reported before a changed payload at 2048, after the 1,024th alert', async () => {
    const path = changedCopy(await alerted(1025), (db) => db.prepare('UPDATE entries SET data = ? WHERE seq = 2048').run(Buffer.from('{"x":1}')));
    // Only the alert about entry 0 is refused.
    const strict: SystemTypeValidator = (data) => ((data as { about: number }).about > 0 ? undefined : 'about the first entry');
    const r = await verify(path, { systemTypes: { 'casetrail.alert': strict } });
    expect(where(r.issues)).toEqual([
      { code: 'SYSTEM_ENTRY_INVALID', table: 'entries', seq: 1 },
      { code: 'PAYLOAD_COMMITMENT_MISMATCH', table: 'entries', seq: 2048 },
    ]);
    expect([r.checked.entries, r.checked.systemEntries]).toEqual([2050, 1025]);
  });
});

describe('nonces replayed by the key holder', () => {
  const N1 = new Uint8Array(16).fill(0x11);
  const N2 = new Uint8Array(16).fill(0x22);
  const step = (nonce: Uint8Array, n: number) => ({ caseId: 'R', type: 'decision', actor: 'judge', payload: new TextEncoder().encode(`{"n":${n}}`), salt: salt(n), nonce });

  it('one nonce written four times (seq 8–11): each later one is NONCE_REPLAYED; incremental from size 10 reports those from 10 on', async () => {
    const path = changedCopy(redacted, () => undefined);
    for (let i = 0; i < 4; i++) hostileAppend(path, step(N1, 10 + i));
    const full = await verify(path);
    expect(where(full.issues)).toEqual([9, 10, 11].map((seq) => ({ code: 'NONCE_REPLAYED', table: 'entries', seq })));
    const trusted = (() => {
      const db = rawOpen(path);
      const row = db.prepare('SELECT note FROM checkpoints WHERE size = 10').get() as { note: string };
      db.close();
      return row.note;
    })();
    const inc = await verify(path, { trusted, mode: 'incremental' });
    expect(where(inc.issues)).toEqual([10, 11].map((seq) => ({ code: 'NONCE_REPLAYED', table: 'entries', seq })));
  });

  it('replays hidden behind edited nonce columns, one with its payload changed too, and a replay found both ways, are each reported once', async () => {
    const path = changedCopy(redacted, () => undefined);
    // 8 N1, 9 N1, 10 N1 (column edited, payload changed), 11 N2, 12 N2 (column edited)
    for (const [nonce, n] of [[N1, 1], [N1, 2], [N1, 3], [N2, 4], [N2, 5]] as const) hostileAppend(path, step(nonce, n));
    const db = rawOpen(path);
    db.prepare('UPDATE entries SET nonce = ?, data = ? WHERE seq = 10').run(Buffer.alloc(16, 0x77), Buffer.from('{"n":0}'));
    db.prepare('UPDATE entries SET nonce = ? WHERE seq = 12').run(Buffer.alloc(16, 0x78));
    db.close();
    const r = await verify(path);
    expect(brief(r.issues)).toEqual([
      'INDEX_MISMATCH entries 10',
      'PAYLOAD_COMMITMENT_MISMATCH entries 10',
      'INDEX_MISMATCH entries 12',
      'NONCE_REPLAYED entries 9',
      'NONCE_REPLAYED entries 10',
      'NONCE_REPLAYED entries 12',
    ]);
  });

  it('the first of a pair with its nonce column edited: the replay is reported at the later entry, not at the first', async () => {
    const path = changedCopy(redacted, () => undefined);
    hostileAppend(path, step(N1, 1));
    hostileAppend(path, step(N1, 2));
    const db = rawOpen(path);
    db.prepare('UPDATE entries SET nonce = ? WHERE seq = 8').run(Buffer.alloc(16, 0x77));
    db.close();
    expect(where((await verify(path)).issues)).toEqual([
      { code: 'INDEX_MISMATCH', table: 'entries', seq: 8 },
      { code: 'NONCE_REPLAYED', table: 'entries', seq: 9 },
    ]);
  });
});

describe('a forgotten case\'s previous step, read again through index columns the file\'s holder edited', () => {
  /** seq 0 A1, 1 B1, 2 A2, 3 B2, 4 B3, 5 A3, one checkpoint each; the unique (case, step) and (case, nonce) indexes dropped. */
  let cases: string;
  let trusted5: string;
  beforeAll(async () => {
    let t = T0;
    const l = await newLedger({ clock: () => (t += 60_000) });
    for (const c of ['A', 'B', 'A', 'B', 'B', 'A']) await l.append({ caseId: c, type: 'note', actor: 'clerk' });
    trusted5 = (await l.checkpointAt(5))!.note;
    await l.close();
    cases = changedCopy(l.path, (db) => db.exec('DROP INDEX entries_case; DROP INDEX entries_nonce'));
  });

  it('untouched: clean with one case remembered, in full and incremental mode', async () => {
    for (const options of [{ trackedCases: 1 }, { trackedCases: 1, trusted: trusted5, mode: 'incremental' as const }]) {
      expect((await verify(cases, options)).issues).toEqual([]);
    }
  });

  it('entry 4 (case B, step 3) given the case column A: the lookup of step 3 of A finds it, and it is not taken for A\'s step', async () => {
    const p = changedCopy(cases, (db) => db.exec("UPDATE entries SET case_id = 'A' WHERE seq = 4"));
    expect(where((await verify(p, { trackedCases: 1 })).issues)).toEqual([{ code: 'INDEX_MISMATCH', table: 'entries', seq: 4 }]);
    // Before the trusted size its bytes are proven against the trusted tree, and are still B's.
    expect((await verify(p, { trackedCases: 1, trusted: trusted5, mode: 'incremental' })).issues).toEqual([]);
  });

  it('a copy of entry 5 stored at seq -5: never taken for a step before the trusted size (its key is ROW_INVALID, nothing else)', async () => {
    const p = changedCopy(cases, (db) => db.exec('INSERT INTO entries SELECT -5, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, NULL FROM entries WHERE seq = 5'));
    // The lookup of step 3 of case A meets the copy first; its seq is not an entry's, so it is neither proven nor used.
    expect(brief((await verify(p, { trusted: trusted5, mode: 'incremental' })).issues)).toEqual(['ROW_INVALID entries -']);
  });

  it('entry 3 replaced by a copy of entry 2 (case A, step 2, decoded seq 2) and entry 2 given the step column 9: the copy is not taken for A\'s step 2', async () => {
    const p = changedCopy(cases, (db) => {
      db.exec('DELETE FROM entries WHERE seq = 3');
      db.exec('INSERT INTO entries SELECT 3, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, nonce FROM entries WHERE seq = 2');
      db.exec('UPDATE entries SET step = 9 WHERE seq = 2');
    });
    // Case A is forgotten by entry 5 (case B came after it); its step 2 is looked up through the columns, and the row found
    // there decodes to seq 2, not its own seq 3: entry 5 has no proven predecessor.
    expect(brief((await verify(p, { trackedCases: 1 })).issues)).toEqual([
      'INDEX_MISMATCH entries 2',
      'SEQ_MISMATCH entries 3',
      'PREV_MISMATCH entries 3',
      'CASE_STEP_MISMATCH entries 3',
      'NODE_MISSING entries 3',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 4',
      'PREV_MISMATCH entries 4',
      'CASE_STEP_MISMATCH entries 4',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 5',
      'CASE_STEP_MISMATCH entries 5',
      'CHECKPOINT_ROOT_MISMATCH checkpoints size 6',
      'NONCE_REPLAYED entries 3',
      'UNSIGNED_TAIL checkpoints 3',
    ]);
  });

  it('entry 2 (case A, step 2) given the step column 3: it is not taken for step 2 of A, which the index no longer finds', async () => {
    const p = changedCopy(cases, (db) => db.exec('UPDATE entries SET step = 3 WHERE seq = 2'));
    // Remembered, A's step 2 needs no lookup; forgotten, it cannot be found through the edited column, and entry 5 has no proven predecessor.
    expect(where((await verify(p)).issues)).toEqual([{ code: 'INDEX_MISMATCH', table: 'entries', seq: 2 }]);
    expect(where((await verify(p, { trackedCases: 1 })).issues)).toEqual([
      { code: 'INDEX_MISMATCH', table: 'entries', seq: 2 },
      { code: 'CASE_STEP_MISMATCH', table: 'entries', seq: 5 },
    ]);
    expect(where((await verify(p, { trackedCases: 1, trusted: trusted5, mode: 'incremental' })).issues)).toEqual([
      { code: 'CASE_STEP_MISMATCH', table: 'entries', seq: 5 },
    ]);
  });
});
