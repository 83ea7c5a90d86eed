import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Ledger,
  MemorySignerState,
  ed25519PublicKey,
  formatSignerKey,
  formatVerifierKey,
  type CreateLedgerOptions,
  type LedgerOptions,
  type StepInput,
} from '../../src/index.js';

export const ORIGIN = 'casetrail.test/ledger';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

/** A fixed key pair so failures are reproducible. */
export const KEYS = { skey: formatSignerKey(ORIGIN, SEED), vkey: formatVerifierKey(ORIGIN, ed25519PublicKey(SEED)) };

const dirs: string[] = [];

/** A fresh temporary directory, removed by cleanupTempDirs(). */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'casetrail-test-'));
  dirs.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * The test signer's state of each ledger file (format.md §10), in memory:
 * what the host of a key-string signer keeps beside its key. A test that
 * copies a ledger file copies its state with it (copyState), as an operator
 * restoring both would.
 */
const states = new Map<string, MemorySignerState>();

export function stateOf(path: string): MemorySignerState {
  let s = states.get(path);
  if (s === undefined) states.set(path, (s = new MemorySignerState(`${path} (test signer state)`)));
  return s;
}

/** The state of `from` becomes the state of `to` (a copy of a ledger file with its signer state). */
export function copyState(from: string, to: string): void {
  const state = stateOf(from).read(ORIGIN);
  const target = new MemorySignerState(`${to} (test signer state)`);
  if (state !== undefined) target.write(ORIGIN, state);
  states.set(to, target);
}

/** Creates a ledger in a temp dir with the test key (and its state). */
export async function newLedger(options: Partial<CreateLedgerOptions> = {}): Promise<Ledger> {
  const path = join(tempDir(), 'test.ledger');
  return Ledger.create(path, { origin: ORIGIN, signer: KEYS.skey, signerState: stateOf(path), durability: 'normal', ...options });
}

/** Opens a ledger with the test key and the state its signer kept for it. */
export async function openSigned(path: string, options: LedgerOptions = {}): Promise<Ledger> {
  return Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path), ...options });
}

/** A realistic little case history: n steps spread over a few cases. */
export function steps(n: number, prefix = 'CASE'): StepInput[] {
  const types = ['opened', 'evidence-added', 'interview', 'approval', 'decision', 'closed'];
  return Array.from({ length: n }, (_, i) => ({
    caseId: `${prefix}-${i % 5}`,
    type: types[i % types.length]!,
    actor: `officer-${i % 3}`,
    data: { i, note: `第${i}步 审查记录`, amount: i * 1000 },
  }));
}

/** Opens the ledger file with raw SQLite, as an attacker holding the file would, triggers dropped. */
export function rawOpen(path: string): Database.Database {
  const db = new Database(path);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) {
    db.exec(`DROP TRIGGER "${name}"`);
  }
  return db;
}
