#!/usr/bin/env bash
# Stop the testbed wikis started by testbed/up.sh (each php -S runs in its own process group).
#
#   testbed/down.sh BASE [--purge]      --purge also deletes BASE
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != --purge ]; }; then
  echo "usage: $0 BASE [--purge]" >&2
  exit 2
fi
if [ ! -d "$1" ]; then
  echo "down.sh: $1 does not exist; nothing to stop"
  exit 0
fi
BASE="$(cd "$1" && pwd)"

# A process group is alive while it has a member that is not a zombie (the init of a container may
# reap late, and kill -0 also succeeds for zombies).
group_alive() {
  ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

stopped=0
for w in src other commons; do
  pidf="$BASE/$w/server.pid"
  [ -f "$pidf" ] || continue
  pgid=$(cat "$pidf")
  if [ -n "$pgid" ] && group_alive "$pgid"; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      group_alive "$pgid" || break
      sleep 0.1
    done
    if group_alive "$pgid"; then
      kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
    stopped=$((stopped + 1))
  fi
  rm -f "$pidf"
done
echo "down.sh: stopped $stopped server(s) in $BASE"

if [ $# -eq 2 ]; then
  if [ -f "$BASE/testbed.json" ] || [ -d "$BASE/src" ] || [ -z "$(ls -A "$BASE")" ]; then
    rm -rf "${BASE:?}"
    echo "down.sh: removed $BASE"
  else
    echo "down.sh: $BASE does not look like a testbed; not removing it" >&2
    exit 1
  fi
fi
