// The attack battery of issue 8 ("Done when"), in the attacker's order: a
// database administrator (who can write the ledger file but holds neither
// the key nor its state) prepares the file with direct SQLite edits, the
// triggers dropped; THEN the operator runs an ordinary append, redaction or
// checkpoint, through the library and through the CLI. Each attack either
// is refused with the code that names what was found, the file and the
// signer state byte for byte unchanged; or, where the writer may go on, what
// it signs is the true extension and full verification with the verifier
// key still reports exactly the tampering (docs/security.md "The signer
// state"). The tamper matrix runs the same order over every column of every
// table (reliability/tamper.test.ts).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  decodeEntry,
  ed25519Sign,
  encodeEntry,
  formatCheckpoint,
  formatSignatureLine,
  generateKeyPair,
  leafHash,
  parseSignerKey,
  utf8,
  verifyLedger,
  type ErrorCode,
  type IssueCode,
  type StepInput,
} from '../src/index.js';
import { codeOf } from './helpers/codes.js';
import { KEYS, ORIGIN, cleanupTempDirs, rawOpen, steps, tempDir } from './helpers/ledgers.js';
import { cli } from './helpers/reliability-artifacts.js';

afterAll(cleanupTempDirs);

/** The example rule pack of @casetrail/supervise (fee over standard: a red alert). */
const SUPERVISION_PACK = fileURLToPath(new URL('../../../examples/rules/approval-supervision.yaml', import.meta.url));

/** A ledger signed through its key file (its state beside it), as `casetrail init` leaves it. */
interface Op {
  dir: string;
  path: string;
  key: string;
  /** A copy of the file when it held 10 entries (an older backup). */
  backup: string;
  /** A copy of the signer state made with that backup. */
  backupState: string;
  size: number;
}

/**
 * 16 entries over six cases in four transactions, each with its checkpoint:
 * seq 0–9 steps(10) (cases CASE-0…4), 10 an approval in CASE-1 (its step
 * 3), 11–15 steps(5, 'LATE').
 */
async function signedLedger(): Promise<Op> {
  const dir = tempDir();
  const path = join(dir, 'l.ledger');
  const key = `${path}.key`;
  writeFileSync(key, `${KEYS.skey}\n`, { mode: 0o600 });
  let now = 1_800_000_000_000;
  const clock = () => (now += 1000);
  const l = await Ledger.create(path, { origin: ORIGIN, signer: { keyFile: key }, clock });
  await l.appendMany(steps(10));
  await l.close();
  const backup = join(dir, 'backup.ledger');
  copyFileSync(path, backup);
  const backupState = join(dir, 'backup.state');
  copyFileSync(`${key}.state`, backupState);
  const again = await Ledger.open(path, { signer: { keyFile: key }, clock });
  await again.append({ caseId: 'CASE-1', type: 'approval', actor: 'director', data: { ok: true } });
  await again.appendMany(steps(5, 'LATE'));
  await again.close();
  return { dir, path, key, backup, backupState, size: 16 };
}

const open = (op: Op) => Ledger.open(op.path, { signer: { keyFile: op.key } });

/** The bytes the attack must leave alone when the operator is refused: the file (and its WAL), and the state. */
function digest(op: Op): string {
  const h = createHash('sha256');
  // An empty WAL and none are the same state of the file (a reader may create it).
  for (const f of [op.path, `${op.path}-wal`]) h.update(existsSync(f) ? readFileSync(f) : Buffer.alloc(0)).update('|');
  h.update(existsSync(`${op.key}.state`) ? readFileSync(`${op.key}.state`) : Buffer.from('no state'));
  return h.digest('hex');
}

const NEXT: StepInput = { caseId: 'CASE-1', type: 'decision', actor: 'committee', data: { outcome: 'warning' } };

/** The operator's three ordinary writes, through the library. */
const actions: Record<string, (op: Op) => Promise<unknown>> = {
  append: async (op) => {
    const l = await open(op);
    try {
      return await l.append(NEXT);
    } finally {
      await l.close();
    }
  },
  redact: async (op) => {
    const l = await open(op);
    try {
      return await l.redact(3, { reason: 'court order', actor: 'dpo' });
    } finally {
      await l.close();
    }
  },
  checkpoint: async (op) => {
    const l = await open(op);
    try {
      await l.appendMany([NEXT]).catch(() => undefined);
      return await l.checkpoint();
    } finally {
      await l.close();
    }
  },
};

/** The operator's three ordinary writes, through the CLI (key file beside the ledger). */
const cliActions: Record<string, (op: Op) => Promise<{ code: number; out: string; err: string }>> = {
  append: (op) => cli(op.dir, 'append', op.path, '--case', 'CASE-1', '--type', 'decision', '--actor', 'committee', '--json'),
  redact: (op) => cli(op.dir, 'redact', op.path, '3', '--reason', 'court order', '--actor', 'dpo', '--json'),
  checkpoint: (op) => cli(op.dir, 'checkpoint', op.path, '--sign', '--json'),
};

/**
 * Every operator write is refused with `code`, through the library and the CLI (exit 1), and leaves file and state untouched.
 * `screened`: the CLI's append is screened by supervision, which replays the ledger's rows with verification's checks
 * before the core's guard runs; a row it reads that does not check is refused there first, as STORED_ENTRY_INVALID
 * naming that issue (docs/errors.md) — still exit 1, nothing written or signed.
 */
async function refusedEverywhere(prepare: () => Promise<Op>, code: ErrorCode, only: string[] = Object.keys(actions), screened?: IssueCode): Promise<void> {
  for (const name of only) {
    const op = await prepare();
    const before = digest(op);
    expect(await codeOf(actions[name]!(op)), `library ${name}`).toBe(code);
    expect(digest(op), `library ${name}: file or state changed`).toBe(before);
    const r = await cliActions[name]!(op);
    const cliCode = name === 'append' && screened !== undefined ? 'STORED_ENTRY_INVALID' : code;
    const error = JSON.parse(r.out).error;
    expect([r.code, error?.code], `cli ${name}: ${r.err}`).toEqual([1, cliCode]);
    if (cliCode !== code) expect(error?.message, `cli ${name}`).toContain(`(${screened}:`);
    expect(digest(op), `cli ${name}: file or state changed`).toBe(before);
  }
}

/** Full verification's issues as [code, seq or size]. */
async function issuesOf(path: string): Promise<Array<[IssueCode, number | undefined]>> {
  const r = await verifyLedger(path, { vkey: KEYS.vkey });
  return r.issues.map((i) => [i.code, i.seq ?? i.size]);
}

/** Applies SQL to the file as the attacker does: triggers and the unique case and nonce indexes dropped. */
function tamper(op: Op, ...sql: Array<[string, unknown[]]>): void {
  const db = rawOpen(op.path);
  db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
  for (const [q, params] of sql) db.prepare(q).run(...params);
  db.close();
}

/** One row of the file, as stored. */
function row(op: Op, seq: number): Record<string, unknown> {
  const db = rawOpen(op.path);
  try {
    return db.prepare('SELECT * FROM entries WHERE seq = ?').get(seq) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

/** The file with the nodes blob of `seq` changed at level `level`. */
function plantNode(op: Op, seq: number, level: number): void {
  const nodes = Buffer.from(row(op, seq)['nodes'] as Uint8Array);
  nodes[(level - 1) * 32]! ^= 0x01;
  tamper(op, ['UPDATE entries SET nodes = ? WHERE seq = ?', [nodes, seq]]);
}

/**
 * Entries k … k+n−1 of another history of the same origin, built without
 * the key (an unsigned writer on a copy of the file cut at k): every link,
 * leaf and node consistent, only the checkpoints missing.
 */
async function forgedRows(op: Op, k: number, n: number): Promise<Array<Record<string, unknown>>> {
  const copy = join(tempDir(), 'forge.ledger');
  copyFileSync(op.path, copy);
  const db = rawOpen(copy);
  db.prepare('DELETE FROM entries WHERE seq >= ?').run(k);
  db.prepare('DELETE FROM checkpoints WHERE size > ?').run(k);
  db.prepare('DELETE FROM redactions').run();
  db.close();
  const forger = await Ledger.open(copy, { checkpointPolicy: 'manual' });
  await forger.appendMany(steps(n, 'FORGED'));
  await forger.close();
  const read = rawOpen(copy);
  try {
    return read.prepare('SELECT * FROM entries WHERE seq >= ? ORDER BY seq').all(k) as Array<Record<string, unknown>>;
  } finally {
    read.close();
  }
}

function insertRows(op: Op, rows: Array<Record<string, unknown>>): void {
  const db = rawOpen(op.path);
  db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
  const cols = Object.keys(rows[0]!);
  const ins = db.prepare(`INSERT INTO entries (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  for (const r of rows) ins.run(...cols.map((c) => r[c]));
  db.close();
}

describe('rewritten history, rolled back files, planted nodes: refused, nothing written or signed', () => {
  test('signed history rewritten from entry 10 (links, leaves and nodes consistent) and the checkpoints that no longer match deleted', async () => {
    const prepare = async () => {
      const op = await signedLedger();
      const rows = await forgedRows(op, 10, 6);
      tamper(op, ['DELETE FROM entries WHERE seq >= 10', []], ['DELETE FROM checkpoints WHERE size > 10', []]);
      insertRows(op, rows);
      return op;
    };
    // Without the state, nothing in the file shows it: only the unsigned tail after size 10 is flagged.
    const op = await prepare();
    expect(await issuesOf(op.path)).toEqual([['UNSIGNED_TAIL', 10]]);
    await refusedEverywhere(prepare, 'LEDGER_REWRITTEN');
  });

  test('an older copy of the file put back: LEDGER_ROLLED_BACK; extended past the signed size with another history: LEDGER_REWRITTEN', async () => {
    await refusedEverywhere(async () => {
      const op = await signedLedger();
      rmSync(op.path);
      copyFileSync(op.backup, op.path);
      return op;
    }, 'LEDGER_ROLLED_BACK');
    await refusedEverywhere(async () => {
      const op = await signedLedger();
      const rows = await forgedRows(op, 10, 8);
      rmSync(op.path);
      copyFileSync(op.backup, op.path);
      insertRows(op, rows);
      return op;
    }, 'LEDGER_REWRITTEN');
  });

  test('a planted Merkle node the writer relies on (the compact range, an inclusion path) is refused; one it does not read is found by verify', async () => {
    // (4, 0) in row 15 is the whole compact range of size 16.
    await refusedEverywhere(async () => {
      const op = await signedLedger();
      plantNode(op, 15, 4);
      return op;
    }, 'LEDGER_REWRITTEN');
    // (3, 0) in row 7 is on the inclusion path of entry 10, CASE-1's latest step.
    const op = await signedLedger();
    plantNode(op, 7, 3);
    const before = digest(op);
    expect(await codeOf(actions['append']!(op))).toBe('LEDGER_REWRITTEN');
    expect(digest(op)).toBe(before);
    // (1, 0) in row 1 is on no path this append reads: it goes on, and verify names the node.
    const other = await signedLedger();
    plantNode(other, 1, 1);
    const r = (await actions['append']!(other)) as { seq: number; treeSize: number };
    expect(r).toMatchObject({ seq: 16, treeSize: 17 });
    expect(await issuesOf(other.path)).toEqual([['NODE_MISMATCH', 1]]);
  });

  test('a row inserted beyond the end (a gap): LEDGER_TAMPERED naming SEQ_GAP', async () => {
    const prepare = async () => {
      const op = await signedLedger();
      const last = row(op, 15);
      insertRows(op, [{ ...last, seq: 20 }]);
      return op;
    };
    await refusedEverywhere(prepare, 'LEDGER_TAMPERED', undefined, 'SEQ_GAP');
    const op = await prepare();
    const e = await actions['append']!(op).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'LEDGER_TAMPERED', details: { seq: 16, issue: 'SEQ_GAP' } });
  });
});

describe('poisoned columns: the writer takes nothing from them', () => {
  test('time, type and actor of the last entries: the append goes on with the decoded values; verify reports each column', async () => {
    const op = await signedLedger();
    tamper(op, ['UPDATE entries SET time = 4102444800000 WHERE seq = 15', []], ['UPDATE entries SET type = ?, actor = ? WHERE seq = 14', ['forged', 'mallory']]);
    const r = (await actions['append']!(op)) as { seq: number; time: number };
    // The next time comes from the decoded bytes, not the poisoned column (year 2100).
    expect(r.time).toBeLessThan(4102444800000);
    expect(await issuesOf(op.path)).toEqual([
      ['INDEX_MISMATCH', 14],
      ['INDEX_MISMATCH', 15],
    ]);
  });

  test('a leaf column on an inclusion path the writer reads: refused; one it does not read: found by verify', async () => {
    // Leaf 11 is the sibling of entry 10 (CASE-1's latest step).
    await refusedEverywhere(async () => {
      const op = await signedLedger();
      tamper(op, ['UPDATE entries SET leaf = ? WHERE seq = 11', [Buffer.alloc(32, 7)]]);
      return op;
    }, 'LEDGER_REWRITTEN', ['append'], 'LEAF_HASH_MISMATCH');
    const op = await signedLedger();
    tamper(op, ['UPDATE entries SET leaf = ? WHERE seq = 15', [Buffer.alloc(32, 7)]]);
    expect(await codeOf(actions['append']!(op))).toBe('OK');
    expect(await issuesOf(op.path)).toEqual([['LEAF_HASH_MISMATCH', 15]]);
  });

  test('the bytes of the last entry changed with their leaf recomputed: refused (not leaf 15 of the signed tree)', async () => {
    await refusedEverywhere(async () => {
      const op = await signedLedger();
      const e = decodeEntry(row(op, 15)['bytes'] as Uint8Array);
      const bytes = encodeEntry({ ...e, actor: 'mallory' });
      tamper(op, ['UPDATE entries SET bytes = ?, leaf = ?, actor = ? WHERE seq = 15', [Buffer.from(bytes), Buffer.from(leafHash(bytes)), 'mallory']]);
      return op;
    }, 'LEDGER_REWRITTEN');
  });

  test('a case tail relabelled onto another case (case_id, step): refused as INDEX_MISMATCH', async () => {
    for (const set of [
      ["UPDATE entries SET case_id = 'CASE-1', step = 9 WHERE seq = 12", []],
      ['UPDATE entries SET step = 7 WHERE seq = 10', []],
    ] as Array<[string, unknown[]]>) {
      const op = await signedLedger();
      tamper(op, set);
      const before = digest(op);
      expect(await actions['append']!(op).catch((x: unknown) => x), set[0]).toMatchObject({ code: 'LEDGER_TAMPERED', details: { issue: 'INDEX_MISMATCH' } });
      expect(digest(op)).toBe(before);
    }
  });

  test('a later step hidden from the case index (relabelled away): the writer repeats a step, and verify blames the index, not the key holder', async () => {
    for (const set of ["UPDATE entries SET case_id = 'CASE-9' WHERE seq = 10", 'UPDATE entries SET step = 1 WHERE seq = 10']) {
      const op = await signedLedger();
      tamper(op, [set, []]);
      const r = (await actions['append']!(op)) as { seq: number; step: number };
      // CASE-1's real latest step is 3 (entry 10); the index showed step 2.
      expect(r).toMatchObject({ seq: 16, step: 3 });
      expect(await issuesOf(op.path), set).toEqual([
        ['INDEX_MISMATCH', 10],
        ['CASE_STEP_MISMATCH', 16],
      ]);
    }
  });
});

describe('rows added after the last checkpoint', () => {
  test('a well-formed, correctly linked tail appended without the key is never signed: LEDGER_FOREIGN_TAIL, nothing written (issue 8 item 2)', async () => {
    const prepare = async () => {
      const op = await signedLedger();
      insertRows(op, await forgedRows(op, 16, 3));
      return op;
    };
    // Every link, leaf and node checks: full verification sees only an unsigned tail.
    const op = await prepare();
    expect(await issuesOf(op.path)).toEqual([['UNSIGNED_TAIL', 16]]);
    await refusedEverywhere(prepare, 'LEDGER_FOREIGN_TAIL');
    const e = await actions['append']!(await prepare()).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'LEDGER_FOREIGN_TAIL', details: { seq: 16, size: 19, writtenSize: 16 } });
    // The CLI's message names the explicit recovery.
    const r = await cliActions['append']!(await prepare());
    expect(r.err).toMatch(/casetrail state adopt/);
  });

  test('the same tail appended by a writer without the key, as a program would: refused until verified and adopted explicitly', async () => {
    const op = await signedLedger();
    const keyless = await Ledger.open(op.path, { checkpointPolicy: 'manual' });
    await keyless.appendMany(steps(2, 'KEYLESS'));
    await keyless.close();
    expect(await codeOf(actions['append']!(op))).toBe('LEDGER_FOREIGN_TAIL');
    const l = await open(op);
    const a = await l.adoptSignerState();
    expect(a).toMatchObject({ adopted: true, size: 18, recorded: 16, signed: { size: 16 }, written: { size: 18 } });
    expect(a.report!.ok).toBe(true);
    expect((await l.append(NEXT)).treeSize).toBe(19);
    await l.close();
    expect(await issuesOf(op.path)).toEqual([]);
  });

  test('an honest tail of a writer sharing the state (manual policy, then everyEntries) is recorded as written and signed by the next append', async () => {
    const op = await signedLedger();
    const manual = await Ledger.open(op.path, { signer: { keyFile: op.key }, checkpointPolicy: 'manual' });
    await manual.appendMany(steps(3, 'MANUAL'));
    await manual.close();
    const every = await Ledger.open(op.path, { signer: { keyFile: op.key }, checkpointPolicy: { everyEntries: 100 } });
    await every.append(NEXT);
    await every.close();
    expect(await issuesOf(op.path)).toEqual([['UNSIGNED_TAIL', 16]]);
    // Another process (the CLI) with the same key file signs the tail: its writers wrote it.
    const r = await cliActions['checkpoint']!(op);
    expect([r.code, JSON.parse(r.out).size], r.err).toEqual([0, 20]);
    expect(await issuesOf(op.path)).toEqual([]);
  });

  test('a supervised ledger: a forged, well-linked over-standard fee without its alert, then the screened append (CLI): LEDGER_FOREIGN_TAIL, nothing written', async () => {
    // The operator's ledger, as the CLI makes it: key file and state beside it, calendar and rule pack adopted, one screened step.
    const dir = tempDir();
    const origin = 'audit.example.gov/approvals';
    const init = await cli(dir, 'init', 'cases.ledger', '--origin', origin, '--vkey-out', 'cases.vkey');
    expect(init.code, init.err).toBe(0);
    const vkey = init.out.trim();
    const at = '2025-09-01T08:00+08:00';
    expect((await cli(dir, 'calendar', 'adopt', 'cases.ledger', '--time', at)).code).toBe(0);
    expect((await cli(dir, 'rules', 'adopt', 'cases.ledger', SUPERVISION_PACK, '--time', at)).code).toBe(0);
    const honest = ['append', 'cases.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', 'clerk:wang', '--data', '{"item":"XK-001","applicant":"a","handler":"clerk:wang"}'];
    expect((await cli(dir, ...honest, '--time', '2025-09-02T08:00+08:00')).code).toBe(0);
    const op = { dir, path: join(dir, 'cases.ledger'), key: join(dir, 'cases.ledger.key') } as Op;
    const size = (await verifyLedger(op.path, { vkey })).size;
    // The DBA: on a copy, a writer without the key and without the supervisor appends the fee its rule would alert on; the rows go into the file.
    const copy = join(tempDir(), 'forge.ledger');
    copyFileSync(op.path, copy);
    const forger = await Ledger.open(copy, { checkpointPolicy: 'manual' });
    await forger.append({ caseId: 'XK-1', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: Date.parse('2025-09-02T09:00+08:00') });
    await forger.close();
    const read = rawOpen(copy);
    const forged = read.prepare('SELECT * FROM entries WHERE seq >= ? ORDER BY seq').all(size) as Array<Record<string, unknown>>;
    read.close();
    insertRows(op, forged);
    const shown = await verifyLedger(op.path, { vkey });
    // (The core's verifier alone does not know supervision's system types: it notes them, SYSTEM_TYPE_UNKNOWN.)
    expect(shown.issues.filter((i) => i.code !== 'SYSTEM_TYPE_UNKNOWN').map((i) => [i.code, i.seq])).toEqual([['UNSIGNED_TAIL', size]]);
    // The operator's screened append: refused by the core's guard, the file and the state untouched.
    const before = digest(op);
    const r = await cli(dir, ...honest.map((a) => (a === 'XK-1' ? 'XK-2' : a)), '--time', '2025-09-02T10:00+08:00', '--json');
    expect([r.code, JSON.parse(r.out).error?.code], r.err).toEqual([1, 'LEDGER_FOREIGN_TAIL']);
    expect(digest(op)).toBe(before);
    // Nothing signs it on the way: a checkpoint is refused the same way.
    const c = await cli(dir, 'checkpoint', 'cases.ledger', '--sign', '--json');
    expect([c.code, JSON.parse(c.out).error?.code]).toEqual([1, 'LEDGER_FOREIGN_TAIL']);
    expect(digest(op)).toBe(before);
  });

  test('an unsigned tail changed before it is signed: checkpoint, append and the CLI refuse it with the issue found', async () => {
    const prepare = async (edit: (op: Op) => void) => {
      const op = await signedLedger();
      const l = await Ledger.open(op.path, { signer: { keyFile: op.key }, checkpointPolicy: 'manual' });
      await l.appendMany(steps(4, 'UNSIGNED'));
      await l.close();
      edit(op);
      return op;
    };
    const edits: Array<[string, (op: Op) => void, IssueCode, number]> = [
      ['a payload', (op) => tamper(op, ["UPDATE entries SET data = CAST('{\"i\":1}' AS BLOB) WHERE seq = 18", []]), 'PAYLOAD_COMMITMENT_MISMATCH', 18],
      [
        'bytes with their leaf recomputed',
        (op) => {
          const e = decodeEntry(row(op, 16)['bytes'] as Uint8Array);
          const bytes = encodeEntry({ ...e, type: 'other' });
          tamper(op, ['UPDATE entries SET bytes = ?, leaf = ?, type = ? WHERE seq = 16', [Buffer.from(bytes), Buffer.from(leafHash(bytes)), 'other']]);
        },
        'PREV_MISMATCH',
        17,
      ],
      ['a stored node', (op) => plantNode(op, 17, 1), 'NODE_MISMATCH', 17],
      ['a payload erased without a redaction', (op) => tamper(op, ['UPDATE entries SET data = NULL, salt = NULL WHERE seq = 19', []]), 'PAYLOAD_MISSING', 19],
    ];
    for (const [what, edit, issue, seq] of edits) {
      for (const name of ['append', 'checkpoint'] as const) {
        const op = await prepare(edit);
        const before = digest(op);
        const e = await actions[name]!(op).catch((x: unknown) => x);
        expect(e, `${what}, ${name}`).toMatchObject({ code: 'LEDGER_TAMPERED', details: { issue, seq } });
        expect(digest(op), `${what}, ${name}`).toBe(before);
      }
      const op = await prepare(edit);
      const before = digest(op);
      const r = await cliActions['checkpoint']!(op);
      expect([r.code, JSON.parse(r.out).error?.code], what).toEqual([1, 'LEDGER_TAMPERED']);
      expect(digest(op)).toBe(before);
    }
  });
});

describe('redaction', () => {
  test('the target rewritten (bytes and leaf) between signature and redaction: refused, nothing erased', async () => {
    const op = await signedLedger();
    const e = decodeEntry(row(op, 3)['bytes'] as Uint8Array);
    const bytes = encodeEntry({ ...e, actor: 'mallory' });
    tamper(op, ['UPDATE entries SET bytes = ?, leaf = ?, actor = ? WHERE seq = 3', [Buffer.from(bytes), Buffer.from(leafHash(bytes)), 'mallory']]);
    const before = digest(op);
    expect(await codeOf(actions['redact']!(op))).toBe('LEDGER_REWRITTEN');
    expect(digest(op)).toBe(before);
    expect(row(op, 3)['data']).not.toBeNull();
  });

  test('a redaction never erases the evidence of a changed payload, nor records an erasure made without one', async () => {
    const changed = await signedLedger();
    tamper(changed, ["UPDATE entries SET data = CAST('{\"i\":77}' AS BLOB) WHERE seq = 3", []]);
    expect(await actions['redact']!(changed).catch((x: unknown) => x)).toMatchObject({ code: 'LEDGER_TAMPERED', details: { seq: 3, issue: 'PAYLOAD_COMMITMENT_MISMATCH' } });
    expect(await issuesOf(changed.path)).toEqual([['PAYLOAD_COMMITMENT_MISMATCH', 3]]);
    const erased = await signedLedger();
    tamper(erased, ['UPDATE entries SET data = NULL, salt = NULL WHERE seq = 3', []]);
    expect(await actions['redact']!(erased).catch((x: unknown) => x)).toMatchObject({ code: 'LEDGER_TAMPERED', details: { seq: 3, issue: 'PAYLOAD_MISSING' } });
    expect(await issuesOf(erased.path)).toEqual([['PAYLOAD_MISSING', 3]]);
  });
});

describe('the signer state and the key', () => {
  test('the state file deleted: SIGNER_STATE_MISSING, nothing written; an older state file put back: the true extension is signed', async () => {
    const gone = await signedLedger();
    rmSync(`${gone.key}.state`);
    const before = digest(gone);
    expect(await codeOf(actions['append']!(gone))).toBe('SIGNER_STATE_MISSING');
    const r = await cliActions['append']!(gone);
    expect([r.code, JSON.parse(r.out).error.code]).toEqual([3, 'SIGNER_STATE_MISSING']);
    expect(r.err).toMatch(/casetrail state adopt/);
    expect(digest(gone)).toBe(before);

    // An older state (the administrator can write the key's directory but not read the key):
    // the file extends what it signed, but it does not record the entries after it as written
    // by its writers: refused, until the operator verifies and adopts them; then the truth is signed.
    const old = await signedLedger();
    const l = await Ledger.create(join(tempDir(), 'scratch.ledger'), { origin: ORIGIN, signer: KEYS.skey, signerState: { file: join(old.dir, 'older.state') } });
    await l.close();
    renameSync(join(old.dir, 'older.state'), `${old.key}.state`);
    const put = digest(old);
    expect(await codeOf(actions['append']!(old))).toBe('LEDGER_FOREIGN_TAIL');
    expect(digest(old)).toBe(put);
    const adopting = await open(old);
    expect(await adopting.adoptSignerState()).toMatchObject({ adopted: true, recorded: 0, written: { size: 16 } });
    await adopting.close();
    expect(await codeOf(actions['append']!(old))).toBe('OK');
    expect(await issuesOf(old.path)).toEqual([]);
  });

  test('an older state file together with an older copy of the file is the key holder row: signed, and caught only by a checkpoint kept outside', async () => {
    const op = await signedLedger();
    const reader = await Ledger.open(op.path);
    const saved = (await reader.latestCheckpoint())!.note; // published: kept outside the file
    await reader.close();
    rmSync(op.path);
    copyFileSync(op.backup, op.path);
    copyFileSync(op.backupState, `${op.key}.state`);
    expect(await codeOf(actions['append']!(op))).toBe('OK');
    const r = await verifyLedger(op.path, { vkey: KEYS.vkey, trusted: saved });
    // The rolled-back file (10 entries, one more signed on it) is shorter than the published 16.
    expect(r.issues.map((i) => i.code)).toEqual(['TRUSTED_CHECKPOINT_BEYOND_LEDGER']);
    expect((await verifyLedger(op.path, { vkey: KEYS.vkey })).ok).toBe(true);
  });

  test("another key of the ledger's name: KEY_MISMATCH before anything is written", async () => {
    const op = await signedLedger();
    writeFileSync(op.key, `${generateKeyPair(ORIGIN).skey}\n`, { mode: 0o600 });
    const before = digest(op);
    for (const name of Object.keys(actions)) expect(await codeOf(actions[name]!(op)), name).toBe('KEY_MISMATCH');
    expect((await cliActions['append']!(op)).code).toBe(3);
    expect(digest(op)).toBe(before);
  });

  test('garbage checkpoints planted at the latest and at future sizes brick nothing: the writer signs on, verify reports the planted rows', async () => {
    const op = await signedLedger();
    const forger = parseSignerKey(generateKeyPair(ORIGIN).skey);
    const plant = (size: number): [string, unknown[]] => {
      const text = formatCheckpoint({ origin: ORIGIN, size, root: new Uint8Array(32).fill(size), extensions: [] });
      return ['INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)', [size, Buffer.alloc(32, size), `${text}\n${formatSignatureLine(ORIGIN, forger.keyId, ed25519Sign(forger.seed, utf8(text)))}`]];
    };
    tamper(op, plant(17), plant(19), ['UPDATE checkpoints SET note = ? WHERE size = 16', [plant(16)[1][2]]]);
    const l = await open(op);
    const receipts = [await l.append(NEXT), await l.append(NEXT), await l.append(NEXT)];
    expect(receipts.map((x) => x.seq)).toEqual([16, 17, 18]);
    for (const x of receipts) expect(x.checkpoint).toMatch(/^casetrail\.test\/ledger\n/);
    await l.close();
    // Sizes 17 and 19 keep the planted rows (the store is append-only); 18 holds the writer's checkpoint.
    expect(await issuesOf(op.path)).toEqual([
      ['CHECKPOINT_INVALID', 16],
      ['CHECKPOINT_INVALID', 17],
      ['CHECKPOINT_INVALID', 19],
      ['UNSIGNED_TAIL', 18],
    ]);
  });
});
