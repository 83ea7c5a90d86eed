#!/usr/bin/env bash
# casetrail walkthrough: create a ledger, record a case from opening to
# closing, verify it, prove one step, export the case as evidence, then change
# one byte of the database behind casetrail's back and watch `verify` fail
# with exit code 1 and a precise message.
#
# Run from the repository root after
#   npx -y pnpm@10 install && npx -y pnpm@10 run build
# with
#   bash examples/walkthrough.sh
# It works in a temporary directory (set KEEP=1 to keep it). It needs node;
# it uses the sqlite3 command line tool when installed, and otherwise the
# better-sqlite3 module the project already depends on.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/walkthrough-lib.sh"

# Runs a command that must fail with exit code 1 (tampering found).
expect_exit_1() {
  local status
  set +e
  "$@"
  status=$?
  set -e
  echo "exit code: $status"
  if [ "$status" -ne 1 ]; then
    echo "expected exit code 1" >&2
    exit 1
  fi
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/casetrail-walkthrough.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "working in $WORK (kept)"; else trap 'rm -rf "$WORK"' EXIT; fi
cd "$WORK"
echo "To paste the commands below into your own shell, first run:"
echo "  alias casetrail=$(quote "node $BIN"); cd $(quote "$WORK")   # KEEP=1 keeps this directory"

step "1. Create a ledger. Its signing key goes to permits.ledger.key (mode 0600); the verifier key is printed."
printf '%s > permits.vkey\n' "$(show init permits.ledger --origin example.org/permits)"
casetrail init permits.ledger --origin example.org/permits > permits.vkey
cat permits.vkey
ls -l permits.ledger.key

step "2. Record a case from opening to closing (each append signs a checkpoint)."
CASE=PERMIT-2024-0042
run append permits.ledger --case "$CASE" --type opened            --actor clerk.jansen   --time 2024-05-01T09:12:00Z --data '{"applicant":"A. Example","subject":"roof extension"}'
run append permits.ledger --case "$CASE" --type documents-received --actor clerk.jansen   --time 2024-05-03T14:30:00Z --data '{"documents":["floor plan","structural report"]}'
run append permits.ledger --case "$CASE" --type site-inspection    --actor inspector.ali  --time 2024-05-10T10:00:00Z --data '{"result":"compliant"}'
run append permits.ledger --case "$CASE" --type decision           --actor officer.moreau --time 2024-05-14T16:45:00Z --data '{"decision":"approved","conditions":2}'
run append permits.ledger --case "$CASE" --type closed             --actor clerk.jansen   --time 2024-05-15T08:00:00Z --data '{}'

step "3. Read it back: the case timeline, with its per-case chain checked."
run trace permits.ledger "$CASE"

step "4. Verify the whole ledger with the verifier key (exit 0)."
run verify permits.ledger --vkey permits.vkey
run checkpoint permits.ledger --out published.checkpoint
echo '$ cat published.checkpoint'
cat published.checkpoint

step "5. Prove one step: a c2sp.org/tlog-proof@v1 file anyone can check offline."
run prove permits.ledger 3 --out decision.tlog-proof
echo '$ cat decision.tlog-proof'
cat decision.tlog-proof
run verify-proof decision.tlog-proof --vkey permits.vkey

step "6. Export the case as an evidence bundle and check it offline."
run export permits.ledger --case "$CASE" --out "$CASE.bundle"
run verify-bundle "$CASE.bundle" --vkey permits.vkey

step "7. Someone with access to the database file changes one byte: 'approved' becomes 'approveD'."
# Whoever holds the file can drop casetrail's triggers; verification is what
# finds the change. Payloads live in the table 'payloads' or, in later
# schema versions, in columns of 'entries'.
if command -v sqlite3 >/dev/null 2>&1; then
  echo "(using the sqlite3 command line tool)"
  echo "\$ sqlite3 permits.ledger \"SELECT 'DROP TRIGGER \\\"' || name || '\\\";' FROM sqlite_master WHERE type = 'trigger'\" | sqlite3 permits.ledger"
  sqlite3 permits.ledger "SELECT 'DROP TRIGGER \"' || name || '\";' FROM sqlite_master WHERE type = 'trigger'" | sqlite3 permits.ledger
  TABLE="$(sqlite3 permits.ledger "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'payloads') THEN 'payloads' ELSE 'entries' END")"
  echo "\$ sqlite3 permits.ledger \"UPDATE $TABLE SET data = CAST(replace(CAST(data AS TEXT), 'approved', 'approveD') AS BLOB) WHERE seq = 3\""
  sqlite3 permits.ledger "UPDATE $TABLE SET data = CAST(replace(CAST(data AS TEXT), 'approved', 'approveD') AS BLOB) WHERE seq = 3"
else
  echo "(sqlite3 is not installed: using better-sqlite3 through node)"
  node -e '
    const Database = require(require.resolve("better-sqlite3", { paths: [process.argv[1]] }));
    const db = new Database(process.argv[2]);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = ?").all("trigger")) db.exec("DROP TRIGGER \"" + name + "\"");
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get("payloads") ? "payloads" : "entries";
    db.prepare("UPDATE " + table + " SET data = CAST(replace(CAST(data AS TEXT), ?, ?) AS BLOB) WHERE seq = 3").run("approved", "approveD");
    db.close();
  ' "$ROOT/packages/core" permits.ledger
fi
run show permits.ledger 3

step "8. verify now fails with exit code 1 and names the entry; so does verify against the published checkpoint."
expect_exit_1 run verify permits.ledger --vkey permits.vkey
expect_exit_1 run_quiet verify permits.ledger --vkey permits.vkey --checkpoint published.checkpoint

step "9. The evidence exported before the change still verifies: it holds the original payload."
run verify-bundle "$CASE.bundle" --vkey permits.vkey

printf '\n%sDone.%s casetrail found the changed byte; the published checkpoint and the exported evidence still prove what was recorded.\n' "$bold" "$off"
