# What the walkthroughs of examples/ share: the built `casetrail`, and
# printing each command as it can be pasted back into a shell before running
# it. Sourced by walkthrough.sh and oversight-walkthrough.sh.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/packages/cli/dist/bin.js"
if [ ! -f "$BIN" ]; then
  echo "casetrail is not built: run 'npx -y pnpm@10 install && npx -y pnpm@10 run build' in $ROOT first" >&2
  exit 3
fi

casetrail() { node "$BIN" "$@"; }
if [ -t 1 ]; then bold=$'\033[1m'; off=$'\033[0m'; else bold=''; off=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
# Each command is printed as it can be pasted back into a shell: arguments
# that need it are single-quoted.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9._/:=@%+,-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
show() {
  local line='$ casetrail' a
  for a in "$@"; do line+=" $(quote "$a")"; done
  printf '%s\n' "$line"
}
run() { show "$@"; casetrail "$@"; }
run_quiet() { show "$@"; casetrail "$@" >/dev/null; }
