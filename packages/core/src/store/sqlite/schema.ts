/**
 * The SQLite schema (docs/format.md §7): the schema of format v1, and the
 * versioned migrations that extend it (format.md §7.1). Changing anything
 * here changes the on-disk format: the frozen fixture test will say so.
 *
 * One row per entry holds everything an append writes: the entry, its leaf
 * hash, the Merkle nodes that leaf completes, the payload and its salt, and
 * the query columns. An append therefore costs one table insert plus the
 * three query indexes, which is what makes bulk appends fast.
 */
export const FORMAT_ID = 'casetrail/v1';

/** The schema of a v1 file (schema version 1, `PRAGMA user_version` 0). */
export const SCHEMA_V1_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE entries (
  seq     INTEGER PRIMARY KEY,
  leaf    BLOB NOT NULL,
  bytes   BLOB NOT NULL,
  nodes   BLOB NOT NULL,
  case_id TEXT NOT NULL,
  step    INTEGER NOT NULL,
  type    TEXT NOT NULL,
  actor   TEXT NOT NULL,
  time    INTEGER NOT NULL,
  salt    BLOB,
  data    BLOB
) STRICT;
CREATE UNIQUE INDEX entries_case ON entries (case_id, step);
CREATE INDEX entries_actor ON entries (actor, seq);
CREATE INDEX entries_type ON entries (type, seq);
CREATE TABLE redactions (seq INTEGER PRIMARY KEY, by_seq INTEGER NOT NULL) STRICT;
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL) STRICT;

CREATE TRIGGER entries_update_only_to_redact BEFORE UPDATE ON entries
  WHEN NOT (NEW.seq IS OLD.seq AND NEW.leaf IS OLD.leaf AND NEW.bytes IS OLD.bytes AND NEW.nodes IS OLD.nodes
            AND NEW.case_id IS OLD.case_id AND NEW.step IS OLD.step AND NEW.type IS OLD.type
            AND NEW.actor IS OLD.actor AND NEW.time IS OLD.time
            AND NEW.salt IS NULL AND NEW.data IS NULL
            AND EXISTS (SELECT 1 FROM redactions WHERE seq = OLD.seq))
  BEGIN SELECT RAISE(ABORT, 'casetrail: entries are append-only; a payload is erased only by redaction'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
  BEGIN SELECT RAISE(ABORT, 'casetrail: entries are append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'casetrail: checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'casetrail: checkpoints are append-only'); END;
CREATE TRIGGER redactions_no_update BEFORE UPDATE ON redactions
  BEGIN SELECT RAISE(ABORT, 'casetrail: redactions are append-only'); END;
CREATE TRIGGER redactions_no_delete BEFORE DELETE ON redactions
  BEGIN SELECT RAISE(ABORT, 'casetrail: redactions are append-only'); END;
CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta
  BEGIN SELECT RAISE(ABORT, 'casetrail: meta is append-only'); END;
CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta
  BEGIN SELECT RAISE(ABORT, 'casetrail: meta is append-only'); END;
`;

/** Tables of a v1 ledger, which every ledger has, in a stable order (used by verification and tests). */
export const TABLES = ['meta', 'entries', 'redactions', 'checkpoints'] as const;
export type TableName = (typeof TABLES)[number];

/**
 * The columns each table must have (format.md §7) from the schema version
 * that introduced them: what the store checks when it opens a file, so that
 * a damaged ledger is named as such (LEDGER_DAMAGED), not mistaken for
 * another kind of file.
 */
export const COLUMNS: Readonly<Record<TableName | 'cosignatures', ReadonlyArray<readonly [column: string, since: number]>>> = {
  meta: [
    ['key', 1],
    ['value', 1],
  ],
  entries: [
    ['seq', 1],
    ['leaf', 1],
    ['bytes', 1],
    ['nodes', 1],
    ['case_id', 1],
    ['step', 1],
    ['type', 1],
    ['actor', 1],
    ['time', 1],
    ['salt', 1],
    ['data', 1],
    ['nonce', 2],
  ],
  redactions: [
    ['seq', 1],
    ['by_seq', 1],
  ],
  checkpoints: [
    ['size', 1],
    ['root', 1],
    ['note', 1],
  ],
  cosignatures: [
    ['size', 2],
    ['line', 2],
  ],
};

/** The schema version from which a table exists. */
export const TABLE_SINCE: Readonly<Record<TableName | 'cosignatures', number>> = { meta: 1, entries: 1, redactions: 1, checkpoints: 1, cosignatures: 2 };

/**
 * One step of the schema (format.md §7.1). A migration's statements run in
 * the write transaction that first finds the file at an older version, and
 * set `PRAGMA user_version` to its version in the same transaction; a new
 * file is created at the latest version by running the v1 schema and then
 * every migration, so that a migrated file and a new one have the same
 * schema (the compatibility test checks it).
 *
 * To add to an unreleased version, add statements to its `sql`; to change a
 * released one, add a new version.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    description:
      'cosignatures: witness cosignature lines of stored checkpoints (c2sp.org/tlog-cosignature), append-only; ' +
      'entries.nonce: the nonce of a version 2 entry (format.md §4.6), unique per case, NULL for version 1 entries',
    sql: `
CREATE TABLE cosignatures (size INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, line)) STRICT;
CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
  BEGIN SELECT RAISE(ABORT, 'casetrail: cosignatures are append-only'); END;
CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
  BEGIN SELECT RAISE(ABORT, 'casetrail: cosignatures are append-only'); END;
ALTER TABLE entries ADD COLUMN nonce BLOB;
CREATE UNIQUE INDEX entries_nonce ON entries (case_id, nonce) WHERE nonce IS NOT NULL;
DROP TRIGGER entries_update_only_to_redact;
CREATE TRIGGER entries_update_only_to_redact BEFORE UPDATE ON entries
  WHEN NOT (NEW.seq IS OLD.seq AND NEW.leaf IS OLD.leaf AND NEW.bytes IS OLD.bytes AND NEW.nodes IS OLD.nodes
            AND NEW.case_id IS OLD.case_id AND NEW.step IS OLD.step AND NEW.type IS OLD.type
            AND NEW.actor IS OLD.actor AND NEW.time IS OLD.time AND NEW.nonce IS OLD.nonce
            AND NEW.salt IS NULL AND NEW.data IS NULL
            AND EXISTS (SELECT 1 FROM redactions WHERE seq = OLD.seq))
  BEGIN SELECT RAISE(ABORT, 'casetrail: entries are append-only; a payload is erased only by redaction'); END;
`,
  },
];

/** The schema version this code writes (the last migration's). A v1 file is version 1. */
export const SCHEMA_VERSION = MIGRATIONS.length === 0 ? 1 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The schema version of a file from its `PRAGMA user_version` (0 on a v1 file, which never set it). */
export function schemaVersionOf(userVersion: number): number {
  return userVersion === 0 ? 1 : userVersion;
}
