#!/usr/bin/env bash
# Exit 0 when all three testbed wikis in BASE are running and answer the API, 1 otherwise.
#
#   testbed/status.sh BASE
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BASE" >&2
  exit 2
fi
BASE=$1
[ -f "$BASE/testbed.json" ] || { echo "no testbed in $BASE"; exit 1; }
rc=0
for w in src other commons; do
  pidf="$BASE/$w/server.pid"
  api=$(sed -n "s|.*\"$w\": {\"url\": \"[^\"]*\", \"api\": \"\([^\"]*\)\".*|\1|p" "$BASE/testbed.json")
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null &&
    curl -fsS --noproxy '*' -o /dev/null --max-time 5 "$api?action=query&meta=siteinfo&format=json"; then
    echo "$w: running ($api)"
  else
    echo "$w: not running"
    rc=1
  fi
done
exit "$rc"
