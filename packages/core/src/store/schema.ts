/**
 * The SQLite schema of format v1 (docs/format.md §7). Changing anything here
 * changes the on-disk format: the frozen fixture test will say so.
 */
export const FORMAT_ID = 'casetrail/v1';

export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE entries (
  seq     INTEGER PRIMARY KEY,
  leaf    BLOB NOT NULL,
  bytes   BLOB NOT NULL,
  case_id TEXT NOT NULL,
  step    INTEGER NOT NULL,
  type    TEXT NOT NULL,
  actor   TEXT NOT NULL,
  time    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX entries_case ON entries (case_id, step);
CREATE INDEX entries_actor ON entries (actor, seq);
CREATE INDEX entries_type ON entries (type, seq);
CREATE TABLE payloads (seq INTEGER PRIMARY KEY, salt BLOB NOT NULL, data BLOB NOT NULL) STRICT;
CREATE TABLE redactions (seq INTEGER PRIMARY KEY, by_seq INTEGER NOT NULL) STRICT;
CREATE TABLE nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL) STRICT;

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
  BEGIN SELECT RAISE(ABORT, 'casetrail: entries are append-only'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
  BEGIN SELECT RAISE(ABORT, 'casetrail: entries are append-only'); END;
CREATE TRIGGER nodes_no_update BEFORE UPDATE ON nodes
  BEGIN SELECT RAISE(ABORT, 'casetrail: nodes are append-only'); END;
CREATE TRIGGER nodes_no_delete BEFORE DELETE ON nodes
  BEGIN SELECT RAISE(ABORT, 'casetrail: nodes are append-only'); END;
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
CREATE TRIGGER payloads_no_update BEFORE UPDATE ON payloads
  BEGIN SELECT RAISE(ABORT, 'casetrail: payloads are erased only by redaction'); END;
CREATE TRIGGER payloads_delete_only_redacted BEFORE DELETE ON payloads
  WHEN NOT EXISTS (SELECT 1 FROM redactions WHERE seq = OLD.seq)
  BEGIN SELECT RAISE(ABORT, 'casetrail: payloads are erased only by redaction'); END;
`;

/** Tables of a v1 ledger, in a stable order (used by verification and tests). */
export const TABLES = ['meta', 'entries', 'payloads', 'redactions', 'nodes', 'checkpoints'] as const;
export type TableName = (typeof TABLES)[number];
