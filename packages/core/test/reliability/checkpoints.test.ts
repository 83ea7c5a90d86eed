/**
 * What a saved checkpoint protects against (issue 4, "Tamper matrix", the
 * list after it): rollback to an older copy of the file re-signed with the
 * real key, truncation of the tail with or without its checkpoints, and
 * forged checkpoints (another key, changed size or root, extra or
 * duplicated lines, any single changed byte).
 *
 * Every forged note is tried at the three places a checkpoint is read: the
 * note parser (openCheckpoint), the trusted checkpoint given to
 * verification (the CLI's --checkpoint), and a stored checkpoint row.
 *
 * Counts: CASETRAIL_SOAK_TRUNCATIONS cut points (CI 8; the soak cuts at every
 * size), CASETRAIL_SOAK_NOTE_MASKS xor masks per note byte (CI 2).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Ledger,
  LedgerError,
  ed25519Sign,
  formatCheckpoint,
  formatSignatureLine,
  generateKeyPair,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  utf8,
  verifyLedger,
  type ErrorCode,
} from '../../src/index.js';
import { KEYS, ORIGIN, cleanupTempDirs, copyState, newLedger, openSigned, rawOpen, steps, tempDir } from '../helpers/ledgers.js';
import { SEED, budgetMs, knob, record, rng } from '../helpers/reliability-config.js';

afterAll(cleanupTempDirs);

const TRUNCATIONS = knob('TRUNCATIONS', 8);
const NOTE_MASKS = knob('NOTE_MASKS', 2);

const verifier = parseVerifierKey(KEYS.vkey);
const realKey = parseSignerKey(KEYS.skey);

/** A note over `text` signed synchronously by a parsed signer key. */
function sign(text: string, key: ReturnType<typeof parseSignerKey>, keyId = key.keyId): string {
  return `${text}\n${formatSignatureLine(key.name, keyId, ed25519Sign(key.seed, utf8(text)))}`;
}

function codeOf(fn: () => unknown): ErrorCode | 'ACCEPTED' | 'UNCODED' {
  try {
    fn();
    return 'ACCEPTED';
  } catch (e) {
    return e instanceof LedgerError ? e.code : 'UNCODED';
  }
}

/** Copies a closed ledger file (WAL already folded in by close()). */
function snapshot(path: string): string {
  const copy = join(tempDir(), 'snapshot.ledger');
  copyFileSync(path, copy);
  return copy;
}

describe('rollback to an older copy, re-signed with the real key', () => {
  const plans = [
    { m1: 10, m2: 25, rewrite: 30 },
    { m1: 1, m2: 2, rewrite: 2 },
    { m1: 16, m2: 32, rewrite: 40 },
    { m1: 7, m2: 8, rewrite: 100 },
  ];
  test.each(plans)('older copy at $m1, saved checkpoint at $m2, $rewrite new entries: caught given the saved checkpoint', async ({ m1, m2, rewrite }) => {
    const l = await newLedger();
    await l.appendMany(steps(m1));
    await l.close();
    const old = snapshot(l.path);
    const l2 = await openSigned(l.path);
    await l2.appendMany(steps(m2 - m1, 'LATER'));
    const saved = (await l2.latestCheckpoint())!.note;
    const savedOld = (await l2.checkpointAt(m1))!.note;
    await l2.close();

    // Only the older copy, as restored from a backup, without new entries.
    const restored = await verifyLedger(old, { vkey: KEYS.vkey, trusted: saved });
    expect(restored.ok).toBe(false);
    expect(restored.issues[0]).toMatchObject({ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', size: m2 });

    // The signer, with its state, refuses to sign on the older copy.
    copyState(l.path, old);
    const refused = await openSigned(old);
    await expect(refused.appendMany(steps(rewrite, 'REWRITTEN'))).rejects.toMatchObject({ code: 'LEDGER_ROLLED_BACK' });
    expect(await refused.size()).toBe(m1);
    await refused.close();
    // A key holder who discards that state (adopting the older copy) appends a
    // different history on it and signs it.
    const forked = await Ledger.open(old, { signer: KEYS.skey, adoptState: true });
    await forked.appendMany(steps(rewrite, 'REWRITTEN'));
    await forked.close();
    const alone = await verifyLedger(old, { vkey: KEYS.vkey });
    // Without outside knowledge the rewritten file is a valid ledger: that is
    // why clients save checkpoints.
    expect(alone.ok).toBe(true);
    for (const mode of ['full', 'incremental'] as const) {
      const r = await verifyLedger(old, { vkey: KEYS.vkey, trusted: saved, mode });
      expect(r.ok, mode).toBe(false);
      if (m1 + rewrite >= m2) expect(r.issues[0], mode).toMatchObject({ code: 'TRUSTED_CHECKPOINT_MISMATCH', table: 'trusted', size: m2 });
      else expect(r.issues[0], mode).toMatchObject({ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', size: m2 });
      // A checkpoint saved before the fork point is still honoured.
      const before = await verifyLedger(old, { vkey: KEYS.vkey, trusted: savedOld, mode });
      expect(before.ok, mode).toBe(true);
    }
  });
});

describe('truncation of the tail', () => {
  let path: string;
  let size: number;
  let saved: string;
  let checkpointSizes: number[];
  beforeAll(async () => {
    const l = await newLedger();
    await l.appendMany(steps(9));
    for (const s of steps(6, 'ONE')) await l.append(s);
    await l.redact(3, { reason: 'erasure', actor: 'dpo' });
    await l.appendMany(steps(20, 'BULK'));
    await l.redact(20, { reason: 'erasure', actor: 'dpo' });
    await l.appendMany(steps(5, 'TAIL'));
    size = await l.size();
    saved = (await l.latestCheckpoint())!.note;
    await l.close();
    path = l.path;
    const db = rawOpen(path);
    checkpointSizes = db.prepare('SELECT size FROM checkpoints ORDER BY size').pluck().all() as number[];
    db.close();
  });

  test(
    `cuts at ${TRUNCATIONS} sizes (the first, the last, two signed sizes, seeded random others; every size in the soak), each with or without its checkpoints: caught given a saved checkpoint`,
    async () => {
      const next = rng(SEED);
      const all = [...Array(size - 1).keys()].map((k) => k + 1);
      // Distinct sizes: the named ones first, then seeded random others until TRUNCATIONS (or every size).
      const cuts = new Set(TRUNCATIONS >= all.length ? all : [1, size - 1, ...checkpointSizes.filter((k) => k < size).slice(0, 2)]);
      while (cuts.size < Math.min(TRUNCATIONS, all.length)) cuts.add(all[Math.floor(next() * all.length)]!);
      expect(cuts.size).toBe(Math.min(TRUNCATIONS, all.length));
      let undetectableAlone = 0;
      let tried = 0;
      for (const k of cuts) {
        for (const variant of ['entries only', 'with checkpoints', 'clean cut'] as const) {
          tried++;
          const copy = snapshot(path);
          const db = rawOpen(copy);
          db.prepare('DELETE FROM entries WHERE seq >= ?').run(k);
          if (variant !== 'entries only') db.prepare('DELETE FROM checkpoints WHERE size > ?').run(k);
          // A tidy attacker also removes the redactions recorded by removed entries.
          if (variant === 'clean cut') db.prepare('DELETE FROM redactions WHERE by_seq >= ?').run(k);
          db.close();
          const alone = await verifyLedger(copy, { vkey: KEYS.vkey });
          const context = `cut at ${k} (${variant})`;
          if (variant === 'entries only') {
            // The signed checkpoints beyond the cut remain: caught without help.
            expect(alone.issues, context).toContainEqual(expect.objectContaining({ code: 'CHECKPOINT_BEYOND_LEDGER', size }));
          }
          if (alone.ok) {
            undetectableAlone++;
            // Only a cut at a signed size that also removed the later
            // checkpoints (and any redaction record of a removed entry)
            // passes on its own.
            expect(variant, context).not.toBe('entries only');
            expect(checkpointSizes, context).toContain(k);
          }
          for (const mode of ['full', 'incremental'] as const) {
            const r = await verifyLedger(copy, { vkey: KEYS.vkey, trusted: saved, mode });
            expect(r.ok, `${context}, ${mode}`).toBe(false);
            expect(r.issues, `${context}, ${mode}`).toContainEqual(expect.objectContaining({ code: 'TRUSTED_CHECKPOINT_BEYOND_LEDGER', size }));
          }
        }
      }
      expect(tried).toBe(cuts.size * 3);
      record('truncation.tried', tried);
      record('truncation.caughtWithSavedCheckpoint', tried);
      record('truncation.undetectableWithoutSavedCheckpoint', undetectableAlone);
    },
    budgetMs(60_000),
  );
});

describe('forged checkpoints', () => {
  let path: string;
  let note: string;
  let size: number;
  beforeAll(async () => {
    const l = await newLedger();
    await l.appendMany(steps(21));
    await l.appendMany(steps(5, 'MORE'));
    note = (await l.latestCheckpoint())!.note;
    size = await l.size();
    path = l.path;
    await l.close();
  });

  /** Tries a note at the three places a checkpoint is read; returns the parser's verdict. */
  async function tryEverywhere(forged: string | Uint8Array, context: string, checkStore = true): Promise<ErrorCode | 'ACCEPTED' | 'UNCODED'> {
    const verdict = codeOf(() => openCheckpoint(forged, [verifier]));
    expect(verdict, context).not.toBe('UNCODED');
    const text = typeof forged === 'string' ? forged : Buffer.from(forged).toString('utf8');
    const trusted = await verifyLedger(path, { vkey: KEYS.vkey, trusted: text });
    if (verdict === 'ACCEPTED') {
      expect(trusted.ok, context).toBe(true);
    } else {
      expect(trusted.ok, context).toBe(false);
      expect(trusted.issues[0], context).toMatchObject({ code: 'TRUSTED_CHECKPOINT_INVALID' });
    }
    if (checkStore && typeof forged === 'string') {
      const copy = snapshot(path);
      const db = rawOpen(copy);
      db.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(forged, size);
      db.close();
      const stored = await verifyLedger(copy, { vkey: KEYS.vkey });
      if (verdict === 'ACCEPTED') expect(stored.ok, context).toBe(true);
      else expect(stored.issues, context).toContainEqual(expect.objectContaining({ code: 'CHECKPOINT_INVALID', size }));
    }
    return verdict;
  }

  test('whole-note forgeries are rejected with their codes', async () => {
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const cp = parseCheckpoint(body);
    const other = parseSignerKey(generateKeyPair(ORIGIN).skey);
    const stranger = parseSignerKey(generateKeyPair('someone.else/log').skey);
    const changedSize = formatCheckpoint({ ...cp, size: cp.size + 1 });
    const changedRoot = formatCheckpoint({ ...cp, root: cp.root.map((b, i) => (i === 5 ? b ^ 0x10 : b)) });
    const sigLine = note.slice(note.indexOf('\n\n') + 2);
    const cases: Array<[string, string, ErrorCode]> = [
      ['signed by another key of the same name', sign(body, other), 'UNKNOWN_KEY'],
      ['another key claiming the real key ID', sign(body, other, realKey.keyId), 'INVALID_SIGNATURE'],
      ['signed by a key of another name only', sign(body, stranger), 'UNKNOWN_KEY'],
      ['size changed, original signature', `${changedSize}\n${sigLine}`, 'INVALID_SIGNATURE'],
      ['root changed, original signature', `${changedRoot}\n${sigLine}`, 'INVALID_SIGNATURE'],
      ['size changed, re-signed by another key', sign(changedSize, other), 'UNKNOWN_KEY'],
      ['root changed, re-signed with the real key ID by another key', sign(changedRoot, other, realKey.keyId), 'INVALID_SIGNATURE'],
      ['extension line added, original signature', `${body}extra\n\n${sigLine}`, 'INVALID_SIGNATURE'],
      ['a second, bad line by the real key', `${note}${formatSignatureLine(ORIGIN, realKey.keyId, new Uint8Array(64).fill(3))}`, 'INVALID_SIGNATURE'],
      ['101 signature lines', `${body}\n${sigLine.repeat(101)}`, 'MALFORMED_NOTE'],
      ['no signature lines', `${body}\n`, 'MALFORMED_NOTE'],
      ['a line that is not a signature', `${note}hello\n`, 'MALFORMED_NOTE'],
      ['an extension line signed by the real key (refused by policy, format.md §6.2)', sign(`${body}extra\n`, realKey), 'MALFORMED_CHECKPOINT'],
    ];
    for (const [what, forged, code] of cases) {
      expect(await tryEverywhere(forged, what), what).toBe(code);
    }
    record('forgery.wholeNote', cases.length);
  });

  test('line edits: delete, duplicate, swap, insert at every line; only changes signed-note says to ignore are accepted', async () => {
    const lines = note.slice(0, -1).split('\n'); // origin, size, root, '', signature
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const other = parseSignerKey(generateKeyPair(ORIGIN).skey);
    const cosigner = parseSignerKey(generateKeyPair('witness.example/w1').skey);
    const extras: Array<[string, string, boolean]> = [
      // [what, line, ignorable when placed among the signature lines]
      ['unknown key of the same name', sign(body, other).split('\n').at(-2)!, true],
      ['a cosigner of another name', sign(body, cosigner).split('\n').at(-2)!, true],
      ['the real key name and ID with a bad signature', formatSignatureLine(ORIGIN, realKey.keyId, new Uint8Array(64).fill(9)).slice(0, -1), false],
      ['garbage', 'not a signature line', false],
      ['an empty line', '', false],
    ];
    const variants: Array<{ what: string; lines: string[]; acceptable: boolean }> = [];
    const sigStart = 4;
    for (let i = 0; i < lines.length; i++) {
      variants.push({ what: `delete line ${i}`, lines: lines.filter((_, j) => j !== i), acceptable: false });
      variants.push({ what: `duplicate line ${i}`, lines: [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)], acceptable: i >= sigStart });
      if (i + 1 < lines.length) {
        const swapped = [...lines];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        variants.push({ what: `swap lines ${i} and ${i + 1}`, lines: swapped, acceptable: false });
      }
      for (const [what, line, ignorable] of extras) {
        variants.push({
          what: `insert ${what} after line ${i}`,
          lines: [...lines.slice(0, i + 1), line, ...lines.slice(i + 1)],
          acceptable: ignorable && i >= sigStart - 1,
        });
      }
    }
    let accepted = 0;
    for (const v of variants) {
      const forged = `${v.lines.join('\n')}\n`;
      const verdict = await tryEverywhere(forged, v.what);
      if (v.acceptable) {
        expect(verdict, v.what).toBe('ACCEPTED');
        const cp = openCheckpoint(forged, [verifier]);
        expect([cp.origin, cp.size, Buffer.from(cp.root).toString('hex')], v.what).toEqual([ORIGIN, size, Buffer.from(parseCheckpoint(body).root).toString('hex')]);
        accepted++;
      } else {
        expect(verdict, v.what).not.toBe('ACCEPTED');
      }
    }
    record('forgery.lineEdits', variants.length);
    record('forgery.lineEditsIgnorableAccepted', accepted);
  });

  test(
    'every single changed byte of the note is rejected',
    async () => {
      const bytes = utf8(note);
      const next = rng(SEED ^ 0x5eed);
      let tried = 0;
      const codes = new Map<string, number>();
      for (let p = 0; p < bytes.length; p++) {
        for (let m = 0; m < NOTE_MASKS; m++) {
          const forged = bytes.slice();
          forged[p]! ^= m === 0 ? 1 : 1 + Math.floor(next() * 255);
          const verdict = codeOf(() => openCheckpoint(forged, [verifier]));
          expect(verdict, `byte ${p}`).not.toBe('ACCEPTED');
          expect(['MALFORMED_NOTE', 'INVALID_SIGNATURE', 'UNKNOWN_KEY', 'MALFORMED_CHECKPOINT'], `byte ${p}: ${verdict}`).toContain(verdict);
          codes.set(verdict, (codes.get(verdict) ?? 0) + 1);
          tried++;
        }
      }
      // A sample through verification as the trusted checkpoint and as a stored row.
      for (const p of [0, 3, 30, bytes.length - 10, bytes.length - 1]) {
        const forged = bytes.slice();
        forged[p]! ^= 0x02;
        const text = Buffer.from(forged).toString('utf8');
        if (Buffer.from(text, 'utf8').equals(Buffer.from(forged))) await tryEverywhere(text, `byte ${p}`);
      }
      record('forgery.singleBytes', tried);
      expect(tried).toBe(bytes.length * NOTE_MASKS);
    },
    budgetMs(30_000),
  );
});
