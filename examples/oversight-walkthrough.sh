#!/usr/bin/env bash
# casetrail oversight walkthrough: a province, two cities and a county, each
# with its own ledger and key. The province runs a witness and a monitor over
# the three below it; city A runs a witness over its county. The units record
# cases; the monitors check them; the witnesses cosign; the county stores its
# cosignatures and an auditor demands them; city A transfers a case clue to
# the province with proof on both sides — a tampered copy is refused, the
# province's deadline for disposing of it fires, an auditor checks the
# receipt; then city B rewrites its history with its real key — the witness
# refuses it and keeps the evidence, the monitor exits 1. Before that, the
# county records its units and actors and adopts the province's permission
# policy: a forbidden append is refused and recorded, a superior's inspector
# disposes of a county's alert, nobody of an alert about themselves, and the
# province's monitor checks the policy's hash. docs/oversight.md explains
# each step.
#
# Run from the repository root after
#   npx -y pnpm@10 install && npx -y pnpm@10 run build
# with
#   bash examples/oversight-walkthrough.sh
# It works in a temporary directory (KEEP=1 keeps it). The walkthrough is a
# list of sections (SECTIONS below), each a function: a later layer adds its
# own (units and permissions, clue transfer) by defining section_<name> and
# naming it in SECTIONS.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/walkthrough-lib.sh"

# Runs a casetrail command that must exit with the code given first.
expect_exit() {
  local want=$1 status
  shift
  show "$@"
  set +e
  casetrail "$@"
  status=$?
  set -e
  echo "exit code: $status"
  if [ "$status" -ne "$want" ]; then
    echo "expected exit code $want" >&2
    exit 1
  fi
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/casetrail-oversight.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "working in $WORK (kept)"; else trap 'rm -rf "$WORK"' EXIT; fi
cd "$WORK"
export TZ=Asia/Shanghai
echo "To paste the commands below into your own shell, first run:"
echo "  alias casetrail=$(quote "node $BIN"); cd $(quote "$WORK")   # KEEP=1 keeps this directory"

UNITS=(province city-a city-b county)
origin() { printf '%s.example.gov/cases' "$1"; }

section_ledgers() {
  step "Each unit creates its ledger; its key stays with it, its verifier key is handed to its superiors."
  for u in "${UNITS[@]}"; do run_quiet init "$u.ledger" --origin "$(origin "$u")" --vkey-out "$u.vkey"; done
  cat county.vkey
}

section_witnesses() {
  step "The province runs a witness for the cities and the county; city A one for its county."
  for w in province city-a; do
    printf '%s > %s\n' "$(show witness init --name "$w.example.gov/witness" --state "$w-witness")" "$w.witness.vkey"
    casetrail witness init --name "$w.example.gov/witness" --state "$w-witness" > "$w.witness.vkey" 2>/dev/null
    cat "$w.witness.vkey"
  done
  cat > province-monitor.yaml <<'YAML'
state: ./province-monitor
witness:
  state: ./province-witness
ledgers:
  - unit: city-a
    ledger: ./city-a.ledger
    vkey: ./city-a.vkey
  - unit: city-b
    ledger: ./city-b.ledger
    vkey: ./city-b.vkey
  - unit: county
    ledger: ./county.ledger
    vkey: ./county.vkey
YAML
  cat > city-a-monitor.yaml <<'YAML'
state: ./city-a-monitor
witness:
  state: ./city-a-witness
ledgers:
  - unit: county
    ledger: ./county.ledger
    vkey: ./county.vkey
YAML
  echo '$ cat province-monitor.yaml'
  cat province-monitor.yaml
}

section_work() {
  step "The units record cases (each append signs a checkpoint)."
  for u in city-a city-b county; do
    for n in 1 2; do
      run_quiet append "$u.ledger" --case "${u^^}-2026-000$n" --type case.opened --actor "$u:clerk" --data "{\"source\":\"hotline\",\"n\":$n}"
    done
    run_quiet append "$u.ledger" --case "${u^^}-2026-0001" --type decision.made --actor "$u:committee" --data '{"outcome":"warning"}'
  done
}

section_monitor() {
  step "The province's monitor: consistency, verification, supervision audit, overview; as the witness it cosigns."
  run monitor province-monitor.yaml --once
  run_quiet monitor city-a-monitor.yaml --once
  step "More steps, and the next round proves they extend what it saw (an incremental verification)."
  run_quiet append county.ledger --case COUNTY-2026-0002 --type decision.made --actor county:committee --data '{"outcome":"no action"}'
  run monitor province-monitor.yaml --once
  run_quiet monitor city-a-monitor.yaml --once
}

section_cosign() {
  step "The county stores both witnesses' cosignatures with its newest checkpoint."
  local size
  size=$(casetrail checkpoint county.ledger --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).size))')
  for w in province city-a; do
    run_quiet cosign attach county.ledger "$(ls -d "$w-monitor/cosignatures/county-"*)/$size.cosignature" --witness "$w.witness.vkey" --size "$size"
  done
  run checkpoint county.ledger
}

section_verify() {
  step "An auditor demands both witnesses' cosignatures: 2 of 2, in every verifier."
  run verify county.ledger --vkey county.vkey --witness province.witness.vkey --witness city-a.witness.vkey
  run_quiet prove county.ledger 0 --out county-0.tlog-proof
  run verify-proof county-0.tlog-proof --vkey county.vkey --witness province.witness.vkey --witness city-a.witness.vkey
  run_quiet export county.ledger --out county.bundle
  run verify-bundle county.bundle --vkey county.vkey --witness province.witness.vkey --witness-quorum 1 --witness city-a.witness.vkey >/dev/null
  echo "verify-bundle: exit 0"
}

# The working-day calendar the province adopts: the shipped mainland-China
# table, extended Monday–Friday past its last day when this run's dates go
# beyond it (a real deployment adopts the next official table instead:
# docs/supervision.md §6.5).
calendar_for_this_run() {
  node -e '
    const fs = require("fs");
    const t = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const until = new Date(Date.now() + 60 * 864e5).toISOString().slice(0, 10);
    if (t.to < until) { t.source += ", extended Monday–Friday from " + t.to + " for this walkthrough"; t.to = until; }
    fs.writeFileSync("calendar.json", JSON.stringify(t));
  ' "$ROOT/packages/supervise/calendars/cn-mainland.json"
  echo calendar.json
}

section_transfer() {
  step "The province supervises the clues it receives: the working-day calendar and the example pack (its rule deadline.clue-disposition)."
  run_quiet calendar adopt province.ledger "$(calendar_for_this_run)"
  run_quiet rules adopt province.ledger "$ROOT/examples/rules/approval-supervision.yaml"
  step "City A's case concerns a cadre the province manages: city A records the transfer in the case and writes the case as a bundle with inclusion proofs."
  run transfer export city-a.ledger --case CITY-A-2026-0001 --to province --out clue.bundle --actor city-a:director --reason '涉及省管干部，按管理权限移送'
  step "A copy altered on its way (a word of the first step's payload) is refused before the province's ledger is opened: nothing is recorded."
  node -e '
    const fs = require("fs");
    const ls = fs.readFileSync("clue.bundle", "utf8").split("\n");
    const o = JSON.parse(ls[1]);
    o.payload = Buffer.from(Buffer.from(o.payload, "base64").toString().replace("hotline", "letters")).toString("base64");
    ls[1] = JSON.stringify(o);
    fs.writeFileSync("tampered.bundle", ls.join("\n"));
  '
  expect_exit 1 transfer receive province.ledger tampered.bundle --from-vkey city-a.vkey
  step "The province verifies the bundle under city A's key (from its own records) and opens the case with clue.received, citing city A's checkpoint and entries."
  run transfer receive province.ledger clue.bundle --from-vkey city-a.vkey --as province --actor province:clerk
  step "The same bundle again is a replay, under any case id: refused, nothing recorded."
  expect_exit 2 transfer receive province.ledger clue.bundle --from-vkey city-a.vkey --case PROV-2026-0001
  step "Nobody disposes of the clue: 15 working days later the province's clock raises a yellow card."
  run tick province.ledger --now "$(node -e 'console.log(new Date(Date.now() + 30 * 864e5).toISOString())')"
  step "A disposition that is not one of 谈话函询, 初步核实, 暂存待查, 予以了结 is refused (exit 4); 初步核实 is recorded."
  expect_exit 4 append province.ledger --case CITY-A-2026-0001 --type clue.disposed --actor province:chief --data '{"disposition":"转办"}'
  run append province.ledger --case CITY-A-2026-0001 --type clue.disposed --actor province:chief --data '{"disposition":"初步核实"}'
  step "An auditor checks the province's receipt against city A's checkpoint, that the bundle kept is the one received, and that the receipt is in the province's signed history."
  run transfer check province.ledger --from-vkey city-a.vkey --case CITY-A-2026-0001 --bundle clue.bundle --vkey province.vkey
}

section_permissions() {
  step "The county records its units and actors: who may act, in which unit, with which roles and signature key."
  run_quiet units add county.ledger province --actor county:admin
  run_quiet units add county.ledger city-a --parent province --actor county:admin
  run_quiet units add county.ledger city-b --parent province --actor county:admin
  run units add county.ledger county --parent city-a --actor county:admin
  run_quiet keygen --name actor-chen --out chen.key --vkey-out chen.vkey
  run_quiet actors enrol county.ledger county:clerk --unit county --roles clerk --actor county:admin
  run actors enrol county.ledger county:chen --unit county --roles decider,inspector --key chen.vkey --actor county:admin
  run_quiet actors enrol county.ledger province:wang --unit province --roles inspector --actor county:admin
  run_quiet actors enrol county.ledger city-b:zhao --unit city-b --roles inspector --actor county:admin
  step "The province issues the permission policy (its hash goes into the province's monitor); the county adopts it, and the supervision pack."
  cp "$ROOT/examples/rules/approval-policy.yaml" "$ROOT/examples/rules/approval-supervision.yaml" .
  run policy check approval-policy.yaml
  run policy adopt county.ledger approval-policy.yaml --actor county:admin
  run_quiet rules adopt county.ledger approval-supervision.yaml --actor county:admin
  step "Every append is judged: a clerk's intake is permitted; a clerk's decision is refused (exit 4) and the attempt recorded."
  run append county.ledger --case XK-2026-0001 --type application.received --actor county:clerk --data '{"item":"XK-001","applicant":"某某有限公司","handler":"county:clerk"}'
  expect_exit 4 append county.ledger --case XK-2026-0001 --type approval.decided --actor county:clerk --data '{"decision":"granted"}'
  step "--actor is a claim: a decision needs the decider's signature by his enrolled key."
  expect_exit 4 append county.ledger --case XK-2026-0001 --type approval.decided --actor county:chen --data '{"decision":"granted"}'
  show append county.ledger --case XK-2026-0001 --type approval.decided --actor county:chen --data '{"decision":"granted"}' --sign-with chen.key --json
  local alert
  alert=$(casetrail append county.ledger --case XK-2026-0001 --type approval.decided --actor county:chen --data '{"decision":"granted"}' --sign-with chen.key --json |
    node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).alerts.find((a)=>a.rule==="order.review-before-decision").seq))')
  echo "decided without a review: alert $alert (red), about county:chen"
  step "The alert: another city's inspector may not dispose of it; the decider may not dispose of an alert about himself (回避); the province's inspector may."
  expect_exit 4 alerts dispose county.ledger "$alert" --actor city-b:zhao --outcome violation --reason '核实属实'
  expect_exit 4 alerts dispose county.ledger "$alert" --actor county:chen --outcome explained --reason '已补审查'
  run alerts dispose county.ledger "$alert" --actor province:wang --outcome violation --reason '未经审查即作出许可决定，属实'
  step "The audit: every step the policy judges was permitted, every signature by the key enrolled for its actor then."
  run audit county.ledger --vkey county.vkey
  step "The province's monitor checks that the county adopted the policy the province issued."
  local hash
  hash=$(casetrail policy check approval-policy.yaml --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).policy.hash))')
  printf 'state: ./province-policy-monitor\nledgers:\n  - unit: county\n    ledger: ./county.ledger\n    vkey: ./county.vkey\n    policy: %s\n' "$hash" > province-policy-monitor.yaml
  echo '$ cat province-policy-monitor.yaml'
  cat province-policy-monitor.yaml
  run monitor province-policy-monitor.yaml --once
}

section_fork() {
  step "City B rewrites its history with its real key, and shows the witness the rewritten checkpoint."
  # A copy of the key: the signer state beside the real one would refuse a second ledger (SIGNER_STATE_EXISTS).
  echo "$ cp -p city-b.ledger.key forged.key"; cp -p city-b.ledger.key forged.key
  run_quiet init forged.ledger --origin "$(origin city-b)" --key-file forged.key
  for n in 1 2 3; do run_quiet append forged.ledger --case CITY-B-2026-0001 --type case.opened --actor city-b:clerk --key-file forged.key --data "{\"rewritten\":$n}"; done
  rm -f city-b.ledger city-b.ledger-wal city-b.ledger-shm
  cp forged.ledger city-b.ledger
  run consistency city-b.ledger --from 0 --out forged.body
  expect_exit 1 witness add-checkpoint --state province-witness forged.body
  run witness evidence --state province-witness
  step "The province's monitor sees the rewrite: exit 1, both checkpoints kept."
  expect_exit 1 monitor province-monitor.yaml --once
  step "Its proofs no longer meet the witness policy."
  run_quiet prove city-b.ledger 0 --out forged.tlog-proof
  expect_exit 1 verify-proof forged.tlog-proof --vkey city-b.vkey --witness province.witness.vkey
}

SECTIONS=(ledgers witnesses work monitor cosign verify permissions transfer fork)
for s in "${SECTIONS[@]}"; do "section_$s"; done
step "Done: the policy refused what it forbids and the monitor checked it; the clue moved with proof on both sides; the witness refused the fork, the monitor reported it, and the verifiers demand the witnesses."
