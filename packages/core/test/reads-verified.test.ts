// Reads show verified bytes only (issue 8 items 5 and 7, format.md §4.2,
// §4.5): a hostile party edits the file first — index columns, payloads,
// redactions, rows — or stores hostile payload JSON; then get, query,
// stream and trace run, and every field they hand out comes from the
// entry's bytes, with what does not check marked, never shown as true.
import { afterAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  LedgerError,
  encodeEntry,
  decodeEntry,
  leafHash,
  toHex,
  utf8,
  verifyLedger,
  type LedgerEntry,
} from '../src/index.js';
import { hostileAppend } from './helpers/hostile-writer.js';
import { KEYS, cleanupTempDirs, newLedger, openSigned, rawOpen } from './helpers/ledgers.js';

afterAll(cleanupTempDirs);

const codes = (e: { issues: ReadonlyArray<{ code: string }> }) => e.issues.map((i) => i.code);

/** A ledger of two cases, closed; returns its path. */
async function twoCases(): Promise<string> {
  const l = await newLedger();
  await l.appendMany([
    { caseId: 'A', type: 'opened', actor: 'clerk', data: { n: 0 } },
    { caseId: 'A', type: 'reviewed', actor: 'officer', data: { n: 1 } },
    { caseId: 'B', type: 'opened', actor: 'clerk', data: { n: 2 } },
    { caseId: 'A', type: 'decided', actor: 'director', data: { n: 3 } },
    { caseId: 'B', type: 'closed', actor: 'clerk', data: { n: 4 } },
  ]);
  await l.close();
  return l.path;
}

function edit(path: string, sql: string, ...params: unknown[]): void {
  const db = rawOpen(path);
  try {
    db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function reading<T>(path: string, fn: (l: Ledger) => Promise<T>): Promise<T> {
  const l = await Ledger.open(path, { readonly: true });
  try {
    return await fn(l);
  } finally {
    await l.close();
  }
}

describe('index columns are never shown', () => {
  const columns: Array<[string, string | number, unknown]> = [
    ['case_id', 'B', 'A'],
    ['type', 'approved', 'reviewed'],
    ['actor', 'director', 'officer'],
    ['time', 1, undefined],
    ['step', 7, 2],
  ];
  test.each(columns)('entry 1 with its %s column edited is shown with its bytes’ value, marked INDEX_MISMATCH', async (column, forged) => {
    const path = await twoCases();
    edit(path, `UPDATE entries SET ${column} = ? WHERE seq = 1`, forged);
    await reading(path, async (l) => {
      const e = await l.get(1);
      expect(e.ok).toBe(false);
      expect(codes(e)).toEqual(['INDEX_MISMATCH']);
      expect(e.entry).toMatchObject({ caseId: 'A', type: 'reviewed', actor: 'officer', step: 2 });
      expect(e.entry!.time).toBeGreaterThan(1);
      expect(e.data).toEqual({ n: 1 }); // the payload itself matches its commitment
    });
    expect((await verifyLedger(path, { vkey: KEYS.vkey })).issues).toEqual([expect.objectContaining({ code: 'INDEX_MISMATCH', seq: 1 })]);
  });

  test('a leaf column edited: the recomputed leaf hash is shown, marked LEAF_HASH_MISMATCH', async () => {
    const path = await twoCases();
    const true1 = await reading(path, (l) => l.get(1));
    edit(path, 'UPDATE entries SET leaf = ? WHERE seq = 1', Buffer.alloc(32, 0xee));
    const e = await reading(path, (l) => l.get(1));
    expect(toHex(e.leafHash)).toBe(toHex(true1.leafHash));
    expect(toHex(e.leafHash)).toBe(toHex(leafHash(e.bytes)));
    expect(codes(e)).toEqual(['LEAF_HASH_MISMATCH']);
  });

  test('a step relabelled into another case: query by case marks it; trace of the other case keeps it out of the chain', async () => {
    const path = await twoCases();
    edit(path, "UPDATE entries SET case_id = 'B', step = 3 WHERE seq = 3");
    await reading(path, async (l) => {
      const page = await l.query({ caseId: 'B' });
      expect(page.entries.map((e) => [e.seq, e.ok])).toEqual([
        [2, true],
        [3, false],
        [4, true],
      ]);
      expect(page.entries[1]!.entry!.caseId).toBe('A');
      const b = await l.trace('B');
      expect(b.steps.map((s) => [s.seq, s.ok])).toEqual([
        [2, true],
        [3, false],
        [4, true],
      ]);
      expect(codes(b)).toEqual(['INDEX_MISMATCH']);
      // Case A lost its last step to the edit: trace cannot know (completeness is verify's), and says nothing false.
      const a = await l.trace('A');
      expect(a.steps.map((s) => s.seq)).toEqual([0, 1]);
      expect(a.ok).toBe(true);
    });
    expect((await verifyLedger(path, { vkey: KEYS.vkey })).issues.map((i) => [i.code, i.seq])).toContainEqual(['INDEX_MISMATCH', 3]);
  });

  test('a middle step relabelled out of its case: trace shows the gap at the next step', async () => {
    const path = await twoCases();
    edit(path, "UPDATE entries SET case_id = 'Z' WHERE seq = 1");
    const a = await reading(path, (l) => l.trace('A'));
    expect(a.ok).toBe(false);
    expect(a.issues).toEqual([expect.objectContaining({ code: 'CASE_STEP_MISMATCH', seq: 3 })]);
  });

  test('two rows swapped: each is shown as its bytes say, marked', async () => {
    const path = await twoCases();
    const db = rawOpen(path);
    const r1 = db.prepare('SELECT * FROM entries WHERE seq = 1').get() as Record<string, unknown>;
    const r2 = db.prepare('SELECT * FROM entries WHERE seq = 2').get() as Record<string, unknown>;
    const cols = Object.keys(r1).filter((k) => k !== 'seq');
    const set = cols.map((c) => `${c} = ?`).join(', ');
    db.exec('DROP INDEX IF EXISTS entries_case; DROP INDEX IF EXISTS entries_nonce');
    db.prepare(`UPDATE entries SET ${set} WHERE seq = 1`).run(...cols.map((c) => r2[c]));
    db.prepare(`UPDATE entries SET ${set} WHERE seq = 2`).run(...cols.map((c) => r1[c]));
    db.close();
    const e = await reading(path, (l) => l.get(1));
    expect(e.entry!.seq).toBe(2);
    expect(codes(e)).toContain('SEQ_MISMATCH');
  });

  test('entry bytes that do not decode: no entry, no payload, marked ENTRY_DECODE', async () => {
    const path = await twoCases();
    const junk = utf8('not an entry');
    edit(path, 'UPDATE entries SET bytes = ?, leaf = ? WHERE seq = 1', Buffer.from(junk), Buffer.from(leafHash(junk)));
    await reading(path, async (l) => {
      const e = await l.get(1);
      expect(e.entry).toBeUndefined();
      expect(e).toMatchObject({ ok: false, payloadState: 'unchecked', payload: null, data: undefined, redacted: false });
      expect(codes(e)).toEqual(['ENTRY_DECODE']);
      expect((await l.query({})).entries.map((x) => x.ok)).toEqual([true, false, true, true, true]);
    });
  });
});

describe('payloads are shown only when they check', () => {
  test('erased without a redaction: missing, never "redacted"', async () => {
    const path = await twoCases();
    edit(path, 'UPDATE entries SET data = NULL, salt = NULL WHERE seq = 1');
    const e = await reading(path, (l) => l.get(1));
    expect(e).toMatchObject({ payloadState: 'missing', redacted: false, payload: null, data: undefined, ok: false });
    expect(codes(e)).toEqual(['PAYLOAD_MISSING']);
  });

  test('changed: mismatch, not shown', async () => {
    const path = await twoCases();
    edit(path, 'UPDATE entries SET data = ? WHERE seq = 1', Buffer.from('{"n":999}'));
    const e = await reading(path, (l) => l.get(1));
    expect(e).toMatchObject({ payloadState: 'mismatch', payload: null, data: undefined });
    expect(codes(e)).toEqual(['PAYLOAD_COMMITMENT_MISMATCH']);
  });

  test('erased by a redaction: redacted; written back: restored, an issue and no data — with or without its redactions row', async () => {
    const path = await twoCases();
    const l = await openSigned(path);
    const before = await l.get(1);
    await l.redact(1, { reason: 'court order', actor: 'dpo' });
    const erased = await l.get(1);
    expect(erased).toMatchObject({ payloadState: 'erased', redacted: true, ok: true, data: undefined });
    await l.close();
    edit(path, 'UPDATE entries SET data = ?, salt = ? WHERE seq = 1', Buffer.from(before.payload!), Buffer.from(before.salt!));
    const check = async (all: boolean) =>
      reading(path, async (r) => {
        for (const e of [await r.get(1), ...(await r.trace('A')).steps.filter((s) => s.seq === 1), ...(all ? (await r.query({ caseId: 'A' })).entries.filter((s) => s.seq === 1) : [])]) {
          expect(e).toMatchObject({ payloadState: 'restored', payload: null, data: undefined, redacted: false, ok: false });
          expect(codes(e)).toEqual(['REDACTION_INVALID']);
        }
      });
    await check(true);
    // The redactions row deleted too: get and trace read the case's records themselves.
    edit(path, 'DELETE FROM redactions WHERE seq = 1');
    await check(false);
    const report = await verifyLedger(path, { vkey: KEYS.vkey });
    expect(report.issues.map((i) => i.code)).toContain('REDACTION_INVALID');
  });
});

describe('hostile payload JSON never crashes a reader (format.md §4.2)', () => {
  test('a payload nesting 100 000 deep, stored with a valid commitment by a key holder: marked, not parsed, verification unaffected', async () => {
    const l = await newLedger();
    await l.append({ caseId: 'A', type: 'opened', actor: 'clerk' });
    await l.close();
    const deep = utf8('['.repeat(100_000) + ']'.repeat(100_000));
    const seq = hostileAppend(l.path, { caseId: 'A', type: 'note', actor: 'x', payload: deep, salt: new Uint8Array(32).fill(1), nonce: new Uint8Array(16).fill(5) });
    await reading(l.path, async (r) => {
      const reads: LedgerEntry[] = [await r.get(seq), ...(await r.query({})).entries.slice(seq), ...(await r.trace('A')).steps.slice(1)];
      for (const e of reads) {
        expect(e).toMatchObject({ payloadState: 'present', data: undefined, ok: true });
        expect(e.issues).toEqual([expect.objectContaining({ code: 'PAYLOAD_MALFORMED', severity: 'warning' })]);
      }
    });
    expect((await verifyLedger(l.path, { vkey: KEYS.vkey })).ok).toBe(true);
  });

  test('the writer refuses payloads nesting more than 64 deep, as data (INVALID_ARGUMENT) and as bytes (MALFORMED_ENTRY)', async () => {
    const l = await newLedger();
    const deep = JSON.parse('['.repeat(65) + ']'.repeat(65));
    await expect(l.append({ caseId: 'A', type: 't', actor: 'x', data: deep })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'payload', index: 0 } });
    await expect(l.append({ caseId: 'A', type: 't', actor: 'x', payload: utf8('['.repeat(65) + ']'.repeat(65)) })).rejects.toMatchObject({ code: 'MALFORMED_ENTRY' });
    await l.append({ caseId: 'A', type: 't', actor: 'x', data: JSON.parse('['.repeat(64) + ']'.repeat(64)) });
    expect(await l.size()).toBe(1);
    await l.close();
  });
});

describe('new ids hold no invisible character (format.md §4.1)', () => {
  test('append, appendMany, redact and create refuse them; nothing is written', async () => {
    const l = await newLedger();
    for (const [field, step] of [
      ['case', { caseId: 'C\u202e1', type: 't', actor: 'a' }],
      ['type', { caseId: 'C', type: 't\u200b', actor: 'a' }],
      ['actor', { caseId: 'C', type: 't', actor: '\u2066a' }],
    ] as const) {
      const e = await l.appendMany([{ caseId: 'ok', type: 't', actor: 'a' }, step]).catch((x: unknown) => x as LedgerError);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field, index: 1 } });
    }
    await l.append({ caseId: 'C', type: 't', actor: 'a' });
    await expect(l.redact(0, { reason: 'r', actor: 'dpo\u200f' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'actor' } });
    expect(await l.size()).toBe(1);
    await l.close();
    await expect(Ledger.create(`${l.path}.2`, { origin: 'audit\u200b.example/x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'origin' } });
  });

  test('an entry written before the rule still decodes and verifies', () => {
    const e = decodeEntry(encodeEntry({ v: 1, seq: 0, prev: new Uint8Array(32), time: 0, caseId: 'C\u202e1', step: 1, casePrev: new Uint8Array(32), type: 't', actor: 'a', commit: new Uint8Array(32), sigs: [] }));
    expect(e.caseId).toBe('C\u202e1');
  });
});

describe('system entries are judged by their type’s rules (format.md §4.1, §8)', () => {
  const validator = (d: unknown) => (typeof (d as { about?: unknown })?.about === 'number' ? undefined : 'an alert names its step');

  test('a reserved type nobody gave rules for is reported, not accepted silently', async () => {
    const l = await newLedger();
    l.use({ name: 'alerts', systemTypes: { 'casetrail.alert': validator } });
    await l.append({ caseId: 'A', type: 'opened', actor: 'clerk' });
    await l.appendSystem([{ caseId: 'A', type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: 0 } }]);
    expect((await l.verify({ vkey: KEYS.vkey })).ok).toBe(true); // the extension in use gives its rules
    await l.close();
    const bare = await verifyLedger(l.path, { vkey: KEYS.vkey });
    expect(bare.ok).toBe(false);
    expect(bare.issues).toEqual([expect.objectContaining({ code: 'SYSTEM_TYPE_UNKNOWN', seq: 1 })]);
    const told = await verifyLedger(l.path, { vkey: KEYS.vkey, systemTypes: { 'casetrail.alert': validator } });
    expect(told.ok).toBe(true);
    expect(told.checked.systemEntries).toBe(1);
    // A redaction is the core's own type: judged by format.md §4.5, never unknown.
    const w = await openSigned(l.path);
    await w.redact(0, { reason: 'r', actor: 'dpo' });
    await w.close();
    expect((await verifyLedger(l.path, { vkey: KEYS.vkey, systemTypes: { 'casetrail.alert': validator } })).ok).toBe(true);
  });

  test('a reserved type written by a key holder with no layer behind it is reported', async () => {
    const l = await newLedger();
    await l.append({ caseId: 'A', type: 'opened', actor: 'clerk' });
    await l.close();
    const seq = hostileAppend(l.path, { caseId: 'A', type: 'casetrail.approved-by-system', actor: 'casetrail:x', payload: utf8('{}'), salt: new Uint8Array(32), nonce: new Uint8Array(16).fill(2) });
    expect((await verifyLedger(l.path, { vkey: KEYS.vkey })).issues).toEqual([expect.objectContaining({ code: 'SYSTEM_TYPE_UNKNOWN', seq })]);
  });
});
