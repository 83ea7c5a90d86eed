/**
 * What a SQLite file holds, read when the store opens it (format.md §7,
 * "What makes a file a ledger"): a file with the tables `entries` and
 * `checkpoints` is a ledger; any other part of it that is missing or
 * damaged — a table, a column, the `meta` rows `format` and `origin` — is
 * listed as damage, for verification to report (LEDGER_DAMAGED) and for
 * writers and readers to refuse. Nothing here is trusted by verification:
 * it only says what can be read.
 */
import type Database from 'better-sqlite3';
import { fail } from '@casetrail/verify';
import type { StoreDamage } from '../store.js';
import { COLUMNS, FORMAT_ID, TABLE_SINCE } from './schema.js';

export interface FileStructure {
  /** The schema version of the file (format.md §7.1). */
  version: number;
  /** The origin of the `meta` table, '' when it is missing or damaged. */
  origin: string;
  /** Which optional parts can be read. */
  has: { redactions: boolean; cosignatures: boolean; nonce: boolean; entries: boolean };
  damage: StoreDamage[];
}

type Table = keyof typeof COLUMNS;

/** Reads a part of the file; a SQLite failure there (a corrupt page) is damage of that table. */
function readOrDamage<T>(damage: StoreDamage[], table: StoreDamage['table'], read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    damage.push({ table, message: `the ${table} table cannot be read (${(e as Error)?.message ?? String(e)})` });
    return undefined;
  }
}

/** The column names of each table of the file (an empty set for a missing table). */
function columnsOf(db: Database.Database, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: unknown }>;
  return new Set(rows.map((r) => String(r.name)));
}

/**
 * Reads the structure of an opened SQLite file.
 * @throws NOT_A_LEDGER when it lacks the `entries` or `checkpoints` table
 */
export function readStructure(db: Database.Database, path: string, version: number): FileStructure {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: unknown }>).map((r) => String(r.name)));
  if (!tables.has('entries') || !tables.has('checkpoints')) {
    fail('NOT_A_LEDGER', `${path} is an SQLite database but not a casetrail ledger (it has no entries and checkpoints tables)`, { path });
  }
  const damage: StoreDamage[] = [];
  const readable = new Map<Table, boolean>();
  for (const table of Object.keys(COLUMNS) as Table[]) {
    if (TABLE_SINCE[table] > version) {
      readable.set(table, tables.has(table));
      continue;
    }
    if (!tables.has(table)) {
      damage.push({ table, message: `the ${table} table is missing` });
      readable.set(table, false);
      continue;
    }
    const have = readOrDamage(damage, table, () => columnsOf(db, table));
    if (have === undefined) {
      readable.set(table, false);
      continue;
    }
    const missing = COLUMNS[table].filter(([c, since]) => since <= version && !have.has(c)).map(([c]) => c);
    if (missing.length > 0) damage.push({ table, message: `the ${table} table has no column ${missing.join(', ')}` });
    readable.set(table, missing.length === 0);
  }
  const nonce = columnsOf(db, 'entries').has('nonce');
  let origin = '';
  const rows = readable.get('meta') ? readOrDamage(damage, 'meta', () => db.prepare('SELECT key, value FROM meta').all() as Array<{ key: unknown; value: unknown }>) : undefined;
  if (rows !== undefined) {
    const values = (key: string) => rows.filter((r) => r.key === key).map((r) => r.value);
    const format = values('format');
    if (format.length !== 1 || format[0] !== FORMAT_ID) {
      damage.push({ table: 'meta', message: format.length === 0 ? 'the meta table has no format row' : `the meta format is ${JSON.stringify(format.length === 1 ? format[0] : format)}, not ${FORMAT_ID}` });
    }
    const origins = values('origin');
    if (origins.length === 1 && typeof origins[0] === 'string' && origins[0] !== '') origin = origins[0];
    else damage.push({ table: 'meta', message: origins.length === 0 ? 'the meta table has no origin row' : `the meta origin ${JSON.stringify(origins.length === 1 ? origins[0] : origins)} is not one non-empty text` });
  }
  return {
    version,
    origin,
    has: { redactions: readable.get('redactions') === true, cosignatures: readable.get('cosignatures') === true, nonce, entries: readable.get('entries') === true && readable.get('checkpoints') === true },
    damage,
  };
}
