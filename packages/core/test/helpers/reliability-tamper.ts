/**
 * The tamper matrix of the reliability battery: every table of a ledger file
 * × every kind of change, generated from the schema, applied as an attacker
 * holding the file would (triggers and the unique case index dropped first),
 * each with the verification issue (code and position) it must produce.
 *
 * Kinds (issue 4, "Tamper matrix"):
 * - `byte`: one byte of one value changed (a BLOB byte, an ASCII character
 *   of a TEXT, one bit of an INTEGER);
 * - `copy`: a column set to another row's (different) value;
 * - `delete`: a row deleted;
 * - `insert`: a row inserted, as well-formed as the attacker can make it;
 * - `swap`: the non-key columns of two rows exchanged;
 * - `rehash` (entries.bytes only): one byte changed and the stored leaf hash
 *   recomputed to match, as a smarter attacker would;
 * - `erase` (entries only): a payload and its salt set to NULL without a
 *   redaction, as the redaction path would but without its record.
 *
 * A change that leaves the table as it was (e.g. swapping two equal values)
 * is skipped as `noop`; one the schema itself refuses (a primary key
 * collision) is skipped as `refused`; both are counted, never hidden.
 * A few changes touch nothing that any signature or hash covers (meta
 * `created`, extra meta rows, deleting a checkpoint that a later one
 * supersedes): they are `benign` by design, and the test proves that the
 * signed history is unchanged instead of expecting a failure.
 */
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Ledger,
  MerkleAccumulator,
  cosignatureKeyId,
  decodeEntry,
  ed25519PublicKey,
  formatCosignatureVerifierKey,
  parseCosignatureLine,
  signCosignature,
  toBase64,
  ed25519Sign,
  encodeEntry,
  formatCheckpoint,
  formatSignatureLine,
  generateKeyPair,
  leafHash,
  parseSignerKey,
  payloadCommitment,
  rootFromLeaves,
  utf8,
  type ErrorCode,
  type IssueCode,
  type VerifyIssue,
} from '../../src/index.js';
import { TABLES as V1_TABLES } from '../../src/store/sqlite/schema.js';
import { KEYS, ORIGIN, newLedger, rawOpen, steps, tempDir } from './ledgers.js';

export const KINDS = ['byte', 'copy', 'delete', 'insert', 'swap', 'rehash', 'erase'] as const;

/** Every table of a ledger file: those of v1 and the cosignatures of schema 2 (format.md §7.1). */
export const TABLES = [...V1_TABLES, 'cosignatures'] as const;
export type TableName = (typeof TABLES)[number];

/** The witness whose cosignatures the fixture keeps, and which verification is given. */
const WITNESS_SEED = Uint8Array.from({ length: 32 }, (_, i) => 90 + i);
export const WITNESS_NAME = 'witness.casetrail.test';
export const WITNESS_VKEY = formatCosignatureVerifierKey(WITNESS_NAME, ed25519PublicKey(WITNESS_SEED));
const WITNESS_KEY_ID = cosignatureKeyId(WITNESS_NAME, ed25519PublicKey(WITNESS_SEED));
export type Kind = (typeof KINDS)[number];

type Row = Record<string, unknown>;

interface Column {
  name: string;
  type: 'INTEGER' | 'BLOB' | 'TEXT';
  pk: boolean;
}

/** Facts about the clean fixture that expectations depend on. */
export interface Fixture {
  path: string;
  size: number;
  root: string;
  checkpointSizes: number[];
  redacted: number[];
  signedEntries: number[];
  redactionEntries: number[];
  /** A checkpoint note saved by a client before the latest append. */
  earlyCheckpoint: { size: number; note: string };
  columns: Record<TableName, Column[]>;
  rows: Record<TableName, Row[]>;
}

/** One cell of the matrix, applied to one target row. */
export interface TamperCase {
  table: TableName;
  kind: Kind;
  column?: string;
  /** Primary key of the target row. */
  key: Row;
  /** Which byte/character/bit to change, or which donor row to use. */
  pick: number;
}

/** What verification of the changed file must show. */
export type Expectation =
  | { type: 'issue'; codes: IssueCode[]; at: Partial<Pick<VerifyIssue, 'table' | 'seq' | 'size' | 'level' | 'index'>> }
  | { type: 'open'; code: ErrorCode }
  | { type: 'benign'; why: string };

export type Applied =
  | { applied: true; expect: Expectation; description: string }
  | { applied: false; reason: 'noop' | 'refused'; description: string };

const SIGNER_SEED = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

/**
 * Builds the fixture ledger: several transactions (so several checkpoints),
 * five interleaved cases, actor-signed entries and two redactions, so that
 * every table has rows worth changing.
 */
export async function buildFixture(): Promise<Fixture> {
  let now = 1_800_000_000_000;
  const l = await newLedger({ clock: () => (now += 1_000) });
  await l.appendMany(steps(12));
  await l.append({ caseId: 'CASE-1', type: 'approval', actor: 'director', data: { ok: true }, signWith: [SIGNER_SEED] });
  await l.appendMany([
    { caseId: 'CASE-2', type: 'approval', actor: 'director', data: { ok: false }, signWith: [SIGNER_SEED, SIGNER_SEED.map((b) => b ^ 0x55)] },
    ...steps(6, 'SIGNED'),
  ]);
  await l.redact(4, { reason: 'court order', actor: 'dpo' });
  for (const s of steps(3, 'ONE')) await l.append(s);
  await l.appendMany(steps(9, 'LATE'));
  const early = (await l.latestCheckpoint())!;
  await l.redact(15, { reason: 'erasure request', actor: 'dpo' });
  await l.appendMany(steps(4, 'TAIL'));
  // A witness cosigned two checkpoints (schema 2: the cosignatures table).
  for (const cp of [early, (await l.latestCheckpoint())!]) {
    await l.attachCosignature(cp.size, signCosignature(cp.note, WITNESS_NAME, WITNESS_SEED, 1_800_000_100 + cp.size), WITNESS_VKEY);
  }
  const report = await l.verify({ vkey: KEYS.vkey, witnesses: [WITNESS_VKEY] });
  if (!report.ok) throw new Error(`fixture does not verify: ${JSON.stringify(report.issues)}`);
  await l.close();

  const db = new Database(l.path, { readonly: true });
  try {
    const columns = {} as Record<TableName, Column[]>;
    const rows = {} as Record<TableName, Row[]>;
    for (const t of TABLES) {
      columns[t] = (db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string; type: string; pk: number }>).map((c) => ({
        name: c.name,
        type: c.type as Column['type'],
        pk: c.pk > 0,
      }));
      rows[t] = db.prepare(`SELECT * FROM ${t} ORDER BY ${pkOf(columns[t]).join(', ')}`).all() as Row[];
    }
    const entries = rows.entries.map((r) => ({ seq: r['seq'] as number, e: decodeEntry(r['bytes'] as Uint8Array) }));
    return {
      path: l.path,
      size: report.size,
      root: report.root,
      checkpointSizes: rows.checkpoints.map((r) => r['size'] as number),
      redacted: rows.redactions.map((r) => r['seq'] as number),
      signedEntries: entries.filter((x) => x.e.sigs.length > 0).map((x) => x.seq),
      redactionEntries: entries.filter((x) => x.e.type === 'casetrail.redaction').map((x) => x.seq),
      earlyCheckpoint: { size: early.size, note: early.note },
      columns,
      rows,
    };
  } finally {
    db.close();
  }
}

function pkOf(columns: Column[]): string[] {
  return columns.filter((c) => c.pk).map((c) => c.name);
}

function keyOf(f: Fixture, table: TableName, row: Row): Row {
  return Object.fromEntries(pkOf(f.columns[table]).map((k) => [k, row[k]]));
}

function keyText(key: Row): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

/**
 * Rows of a table worth targeting, most telling first (first and last rows,
 * signed, redacted and redaction entries), then the rest.
 */
export function targetRows(f: Fixture, table: TableName): Row[] {
  const rows = f.rows[table];
  const n = f.size;
  if (table === 'entries') {
    // first, last, signed, redacted, a redaction record, a row holding three nodes, the middle
    const preferred = [0, n - 1, f.signedEntries[0]!, f.redacted[0]!, f.redactionEntries[0]!, 7, Math.floor(n / 2), n - 2, 1];
    const first = preferred.map((s) => rows.find((r) => r['seq'] === s)).filter((r): r is Row => r !== undefined);
    return [...new Set([...first, ...rows])];
  }
  // first, last, then the middle outwards
  return [...new Set([rows[0]!, rows[rows.length - 1]!, ...rows.slice(1, -1)])];
}

/**
 * Every case of the matrix: each table × each kind (× each column for the
 * column-wise kinds) × the first `rowsPerTable` target rows × `picksPerValue`
 * byte choices.
 */
export function enumerateCases(f: Fixture, rowsPerTable: number, picksPerValue: number, next: () => number): TamperCase[] {
  const cases: TamperCase[] = [];
  for (const table of TABLES) {
    const rows = targetRows(f, table).slice(0, rowsPerTable);
    for (const row of rows) {
      const key = keyOf(f, table, row);
      for (const kind of KINDS) {
        if (kind === 'byte' || kind === 'copy') {
          for (const c of f.columns[table]) {
            for (let p = 0; p < (kind === 'byte' ? picksPerValue : 1); p++) {
              cases.push({ table, kind, column: c.name, key, pick: Math.floor(next() * 2 ** 31) });
            }
          }
          // The first row's entry bytes also get their first byte (the CBOR map's head) changed in every
          // run: random picks land mostly in hashes and signatures, and reached ENTRY_DECODE only in most
          // runs, not all.
          if (kind === 'byte' && table === 'entries' && row === rows[0]) cases.push({ table, kind, column: 'bytes', key, pick: 0 });
        } else if (kind === 'rehash') {
          if (table === 'entries') {
            for (let p = 0; p < picksPerValue; p++) cases.push({ table, kind, column: 'bytes', key, pick: Math.floor(next() * 2 ** 31) });
            // And, for the first row that is not its case's first step, a byte of its casePrev: the leaf
            // recomputed, the entry decodes, and only its case link is wrong (CASE_CHAIN_BROKEN; a first step's
            // casePrev must be zero, so there it is ENTRY_DECODE). Random picks reached that code in most runs, not all.
            if (row === rows.find((r) => decodeEntry(r['bytes'] as Uint8Array).step > 1)) {
              cases.push({ table, kind, column: 'bytes', key, pick: casePrevOffset(row['bytes'] as Uint8Array) });
            }
          }
        } else if (kind === 'erase') {
          if (table === 'entries') cases.push({ table, kind, key, pick: 0 });
        } else {
          cases.push({ table, kind, key, pick: Math.floor(next() * 2 ** 31) });
        }
      }
    }
  }
  return cases;
}

/**
 * Where an entry's casePrev starts in its bytes (a pick of that index changes
 * its first byte): after its key (6) and the head of a 32-byte string (format.md
 * §4.1) — `prev` may hold the same 32 bytes, under key 2.
 */
function casePrevOffset(bytes: Uint8Array): number {
  const at = Buffer.from(bytes).indexOf(Buffer.concat([Buffer.from([0x06, 0x58, 0x20]), decodeEntry(bytes).casePrev]));
  if (at < 0) throw new Error('casePrev not found in the entry bytes');
  return at + 3;
}

function where(key: Row): { sql: string; params: unknown[] } {
  const names = Object.keys(key);
  return { sql: names.map((k) => `${k} = ?`).join(' AND '), params: names.map((k) => key[k]) };
}

function changeOneByte(value: unknown, type: Column['type'], pick: number): unknown {
  if (type === 'BLOB' && (value === null || (value as Uint8Array).length === 0)) {
    // NULL or empty: the one-byte change is a byte where there was none.
    return Buffer.from([1 + (pick % 255)]);
  }
  if (type === 'BLOB') {
    const b = Buffer.from(value as Uint8Array);
    const i = pick % b.length;
    b[i]! ^= 1 + ((pick >>> 8) % 255);
    return b;
  }
  if (type === 'TEXT') {
    const s = value as string;
    const ascii = [...s.matchAll(/[\x20-\x7e]/g)].map((m) => m.index);
    const i = ascii[pick % ascii.length]!;
    let c = s.charCodeAt(i) ^ (1 << ((pick >>> 8) % 5));
    if (c < 0x20 || c === 0x7f) c = s.charCodeAt(i) === 0x41 ? 0x42 : 0x41;
    return s.slice(0, i) + String.fromCharCode(c) + s.slice(i + 1);
  }
  return (value as number) ^ (1 << (pick % 21));
}

function isConstraint(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * Applies one case to a fresh copy of the fixture.
 * @returns the copy's path and what its verification must show, or why the case was skipped
 */
export async function applyCase(f: Fixture, c: TamperCase): Promise<{ path: string } & Applied> {
  const path = join(tempDir(), 'tampered.ledger');
  copyFileSync(f.path, path);
  const db = rawOpen(path);
  try {
    db.exec('DROP INDEX IF EXISTS entries_case');
    db.exec('DROP INDEX IF EXISTS entries_nonce');
    const applied = mutate(db, f, c);
    return { path, ...applied };
  } finally {
    db.close();
  }
}

function mutate(db: Database.Database, f: Fixture, c: TamperCase): Applied {
  const cols = f.columns[c.table];
  const w = where(c.key);
  const target = db.prepare(`SELECT * FROM ${c.table} WHERE ${w.sql}`).get(...w.params) as Row;
  const label = `${c.table}[${keyText(c.key)}]`;
  const others = f.rows[c.table].filter((r) => keyText(keyOf(f, c.table, r)) !== keyText(c.key));
  const donorOrder = others.map((_, i) => others[(i + c.pick) % others.length]!);

  switch (c.kind) {
    case 'byte':
    case 'rehash': {
      const col = cols.find((x) => x.name === c.column)!;
      for (let attempt = 0; attempt < 64; attempt++) {
        const value = changeOneByte(target[col.name], col.type, c.pick + attempt);
        const set: Row = { [col.name]: value };
        if (c.kind === 'rehash') set['leaf'] = Buffer.from(leafHash(value as Uint8Array));
        try {
          update(db, c.table, set, c.key);
        } catch (e) {
          if (isConstraint(e) && col.pk) continue; // another bit: this one hits an existing key
          throw e;
        }
        const newKey = col.pk ? { ...c.key, [col.name]: value } : c.key;
        return { applied: true, expect: expectation(f, c, target, rowAt(db, c.table, newKey), newKey), description: `${c.kind} ${label}.${col.name}` };
      }
      return { applied: false, reason: 'refused', description: `${c.kind} ${label}.${col.name}: every bit collides with a key` };
    }
    case 'copy': {
      const col = cols.find((x) => x.name === c.column)!;
      const donor = donorOrder.find((r) => !sameValue(r[col.name], target[col.name]));
      if (donor === undefined) return { applied: false, reason: 'noop', description: `copy ${label}.${col.name}: every other row holds the same value` };
      try {
        update(db, c.table, { [col.name]: donor[col.name] }, c.key);
      } catch (e) {
        if (isConstraint(e)) return { applied: false, reason: 'refused', description: `copy ${label}.${col.name}: the primary key refuses a second row with that key` };
        throw e;
      }
      const newKey = col.pk ? { ...c.key, [col.name]: donor[col.name] } : c.key;
      return { applied: true, expect: expectation(f, c, target, rowAt(db, c.table, newKey), newKey, donor), description: `copy ${label}.${col.name} ← ${keyText(keyOf(f, c.table, donor))}` };
    }
    case 'delete':
      db.prepare(`DELETE FROM ${c.table} WHERE ${w.sql}`).run(...w.params);
      return { applied: true, expect: expectation(f, c, target, undefined, c.key), description: `delete ${label}` };
    case 'erase':
      if (target['data'] === null) return { applied: false, reason: 'noop', description: `erase ${label}: its payload is already erased by a redaction` };
      update(db, c.table, { salt: null, data: null }, c.key);
      return { applied: true, expect: { type: 'issue', codes: ['PAYLOAD_MISSING'], at: { table: 'entries', seq: c.key['seq'] as number } }, description: `erase ${label} payload without a redaction` };
    case 'swap': {
      const payload = cols.filter((x) => !x.pk).map((x) => x.name);
      const donor = donorOrder.find((r) => payload.some((k) => !sameValue(r[k], target[k])));
      if (donor === undefined) return { applied: false, reason: 'noop', description: `swap ${label}: every other row is equal` };
      update(db, c.table, Object.fromEntries(payload.map((k) => [k, donor[k]])), c.key);
      update(db, c.table, Object.fromEntries(payload.map((k) => [k, target[k]])), keyOf(f, c.table, donor));
      return { applied: true, expect: expectation(f, c, target, rowAt(db, c.table, c.key), c.key, donor), description: `swap ${label} ↔ ${keyText(keyOf(f, c.table, donor))}` };
    }
    case 'insert':
      return insertRow(db, f, c);
  }
}

function rowAt(db: Database.Database, table: string, key: Row): Row {
  const w = where(key);
  return db.prepare(`SELECT * FROM ${table} WHERE ${w.sql}`).get(...w.params) as Row;
}

function update(db: Database.Database, table: string, set: Row, key: Row): void {
  const w = where(key);
  const names = Object.keys(set);
  db.prepare(`UPDATE ${table} SET ${names.map((k) => `${k} = ?`).join(', ')} WHERE ${w.sql}`).run(...names.map((k) => set[k]), ...w.params);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return a === b;
}

/** The most convincing row an attacker without the key can add to each table. */
function insertRow(db: Database.Database, f: Fixture, c: TamperCase): Applied {
  const n = f.size;
  switch (c.table) {
    case 'entries': {
      // A correctly chained next entry (prev, casePrev, step, time, Merkle
      // nodes, a payload matching its commitment), lacking only the key.
      const last = decodeEntry(f.rows.entries[n - 1]!['bytes'] as Uint8Array);
      const caseRows = f.rows.entries.filter((r) => r['case_id'] === last.caseId);
      const tail = caseRows[caseRows.length - 1]!;
      const salt = new Uint8Array(32).fill(7);
      const data = utf8('{"forged":true}');
      const nonce = new Uint8Array(16).fill(0x6d);
      const bytes = encodeEntry({
        v: 2,
        seq: n,
        prev: f.rows.entries[n - 1]!['leaf'] as Uint8Array,
        time: last.time + 1,
        caseId: last.caseId,
        step: (tail['step'] as number) + 1,
        casePrev: tail['leaf'] as Uint8Array,
        type: 'forged',
        actor: 'mallory',
        commit: payloadCommitment(salt, data),
        sigs: [],
        nonce,
      });
      const acc = new MerkleAccumulator();
      for (const r of f.rows.entries) acc.push(r['leaf'] as Uint8Array);
      const completed = acc.push(leafHash(bytes));
      const nodes = Buffer.concat(completed.map((x) => Buffer.from(x.hash)));
      db.prepare('INSERT INTO entries (seq, leaf, bytes, nodes, case_id, step, type, actor, time, salt, data, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        n,
        Buffer.from(leafHash(bytes)),
        Buffer.from(bytes),
        nodes,
        last.caseId,
        (tail['step'] as number) + 1,
        'forged',
        'mallory',
        last.time + 1,
        Buffer.from(salt),
        Buffer.from(data),
        Buffer.from(nonce),
      );
      return { applied: true, expect: { type: 'issue', codes: ['UNSIGNED_TAIL'], at: { seq: n } }, description: `insert entries[seq=${n}] (well formed and chained, unsigned)` };
    }
    case 'redactions': {
      const free = f.rows.entries.map((r) => r['seq'] as number).filter((s) => !f.redacted.includes(s) && !f.redactionEntries.includes(s));
      const victim = free[c.pick % free.length]!;
      db.prepare('INSERT INTO redactions (seq, by_seq) VALUES (?, ?)').run(victim, f.redactionEntries[0]!);
      return {
        applied: true,
        expect: { type: 'issue', codes: ['REDACTION_INVALID'], at: { table: 'redactions', seq: victim } },
        description: `insert redactions[seq=${victim}] (not backed by a redaction entry)`,
      };
    }
    case 'checkpoints': {
      // A checkpoint of a size that has none, with the true root, signed by
      // another key under the ledger's name (the attacker lacks the real key).
      const free = [...Array(n).keys()].map((i) => i + 1).filter((s) => !f.checkpointSizes.includes(s));
      const size = free[c.pick % free.length]!;
      const forger = parseSignerKey(generateKeyPair(ORIGIN).skey);
      const root = rootOfPrefix(db, size);
      const note = signNoteSync(formatCheckpoint({ origin: ORIGIN, size, root, extensions: [] }), forger);
      db.prepare('INSERT INTO checkpoints (size, root, note) VALUES (?, ?, ?)').run(size, Buffer.from(root), note);
      return { applied: true, expect: { type: 'issue', codes: ['CHECKPOINT_INVALID'], at: { table: 'checkpoints', size } }, description: `insert checkpoints[size=${size}] (signed by another key of the same name)` };
    }
    case 'cosignatures': {
      // A line in the trusted witness's name and key ID, for a stored checkpoint, with a signature the attacker made up.
      const size = f.checkpointSizes[c.pick % f.checkpointSizes.length]!;
      const raw = new Uint8Array(76).fill(0x5a);
      new DataView(raw.buffer).setUint32(0, WITNESS_KEY_ID);
      const line = `\u2014 ${WITNESS_NAME} ${toBase64(raw)}\n`;
      db.prepare('INSERT INTO cosignatures (size, line) VALUES (?, ?)').run(size, line);
      return { applied: true, expect: { type: 'issue', codes: ['COSIGNATURE_INVALID'], at: { table: 'cosignatures', size } }, description: `insert cosignatures[size=${size}] (in the witness's name, forged)` };
    }
    case 'meta':
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`x-extra-${c.pick % 100}`, 'added later');
      return { applied: true, expect: { type: 'benign', why: 'meta is not covered by any hash or signature; verification trusts nothing in it but checks the origin' }, description: 'insert meta[x-extra]' };
  }
}

function rootOfPrefix(db: Database.Database, size: number): Uint8Array {
  const leaves = db.prepare('SELECT leaf FROM entries WHERE seq < ? ORDER BY seq').pluck().all(size) as Buffer[];
  return rootFromLeaves(leaves.map((b) => Uint8Array.from(b)));
}

/** A note signed synchronously by a parsed signer key (format.md §6.1). */
function signNoteSync(text: string, signer: ReturnType<typeof parseSignerKey>): string {
  return `${text}\n${formatSignatureLine(signer.name, signer.keyId, ed25519Sign(signer.seed, utf8(text)))}`;
}

/**
 * The issue (code and position) a change must produce, from the facts of the
 * fixture and the changed row (`after`, undefined when deleted).
 */
function expectation(f: Fixture, c: TamperCase, target: Row, after: Row | undefined, newKey: Row, donor?: Row): Expectation {
  const n = f.size;
  const issue = (codes: IssueCode[], at: Extract<Expectation, { type: 'issue' }>['at']): Expectation => ({ type: 'issue', codes, at });
  switch (c.table) {
    case 'entries': {
      const s = target['seq'] as number;
      const at = { table: 'entries' as const, seq: s };
      if (c.kind === 'rehash') {
        // The bytes and their leaf agree; the next entry's prev and the signed roots do not.
        return s < n - 1 ? issue(['PREV_MISMATCH'], { table: 'entries', seq: s + 1 }) : issue(['CHECKPOINT_ROOT_MISMATCH'], { table: 'checkpoints', size: n });
      }
      if (c.kind === 'delete') return s < n - 1 ? issue(['SEQ_GAP'], at) : issue(['CHECKPOINT_BEYOND_LEDGER'], { table: 'checkpoints', size: n });
      if (c.kind === 'swap') return issue(['SEQ_MISMATCH'], at);
      switch (c.column) {
        case 'seq':
          return issue(['SEQ_GAP'], at);
        case 'leaf':
        case 'bytes':
          return issue(['LEAF_HASH_MISMATCH'], at);
        case 'nodes': {
          const had = (target['nodes'] as Uint8Array).length;
          const has = (after!['nodes'] as Uint8Array).length;
          return issue([has === had ? 'NODE_MISMATCH' : has < had ? 'NODE_MISSING' : 'NODE_EXTRA'], at);
        }
        case 'salt':
        case 'data': {
          // Half a payload (one of salt and data NULL) is a malformed row.
          const half = (after!['salt'] === null) !== (after!['data'] === null);
          return issue([half ? 'ROW_INVALID' : 'PAYLOAD_COMMITMENT_MISMATCH'], at);
        }
        default:
          return issue(['INDEX_MISMATCH'], at);
      }
    }
    case 'redactions':
      return issue(['REDACTION_INVALID'], { table: 'redactions', seq: target['seq'] as number });
    case 'checkpoints': {
      const size = target['size'] as number;
      const latest = f.checkpointSizes[f.checkpointSizes.length - 1]!;
      if (c.kind === 'delete') {
        if (size === latest) {
          const before = f.checkpointSizes[f.checkpointSizes.length - 2] ?? 0;
          return issue(['UNSIGNED_TAIL'], { table: 'checkpoints', seq: before });
        }
        // A witness's cosignature of the deleted checkpoint is left with nothing to belong to.
        if (f.rows.cosignatures.some((r) => r['size'] === size)) return issue(['COSIGNATURE_INVALID'], { table: 'cosignatures', size });
        return { type: 'benign', why: `checkpoint ${size} is superseded by checkpoint ${latest}, which signs the same history; a client that saved it still verifies` };
      }
      return issue(['CHECKPOINT_INVALID'], { table: 'checkpoints', size: newKey['size'] as number });
    }
    case 'cosignatures': {
      if (c.kind === 'delete') return { type: 'benign', why: 'a cosignature removed: what it proves lives with the witness and whoever kept the cosigned note (docs/security.md)' };
      const line = after!['line'] as string;
      try {
        const parsed = parseCosignatureLine(line);
        if (parsed.line === line && (parsed.name !== WITNESS_NAME || parsed.keyId !== WITNESS_KEY_ID)) {
          return { type: 'benign', why: "the line now names a key nobody trusts: such lines are only parsed (format.md §6.1)" };
        }
      } catch {
        // does not parse: invalid, below
      }
      return issue(['COSIGNATURE_INVALID'], { table: 'cosignatures', size: newKey['size'] as number });
    }
    case 'meta': {
      const key = target['key'] as string;
      const involved = [key, ...(donor === undefined || c.kind === 'copy' ? [] : [donor['key'] as string])];
      // A file with the entries and checkpoints tables is a ledger: a damaged format or origin row is reported, not refused (format.md §7).
      if (involved.includes('format') || (c.column === 'key' && key === 'origin') || (c.kind === 'delete' && key === 'origin')) {
        return issue(['LEDGER_DAMAGED'], { table: 'meta' });
      }
      if (involved.includes('origin')) return issue(['META_MISMATCH'], { table: 'meta' });
      return { type: 'benign', why: `meta "${key}" is not covered by any hash or signature (format.md §7: nothing in meta is trusted)` };
    }
  }
}

/** Whether a report holds an issue matching the expectation. */
export function matches(issues: readonly VerifyIssue[], e: Extract<Expectation, { type: 'issue' }>): boolean {
  return issues.some(
    (i) =>
      e.codes.includes(i.code) &&
      Object.entries(e.at).every(([k, v]) => (i as unknown as Record<string, unknown>)[k] === v),
  );
}

/** Opens a changed file with the library (for benign cases: the history it signs). */
export async function signedHistory(path: string): Promise<{ size: number; root: string }> {
  const l = await Ledger.open(path);
  try {
    const r = await l.verify({ vkey: KEYS.vkey, witnesses: [WITNESS_VKEY] });
    return { size: r.size, root: r.root };
  } finally {
    await l.close();
  }
}
