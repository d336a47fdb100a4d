#!/usr/bin/env bash
# Build and start three MediaWiki wikis from Debian's one code tree (see /work/shared/TESTBED.md).
#
#   testbed/up.sh BASE [PORT]
#
#   src      English, Wikipedia-like     dbname srcwiki      port PORT
#   other    German (Datei:, Kategorie:) dbname otherwiki    port PORT+1
#   commons  English, Commons-like       dbname commonswiki  port PORT+2 (shared file repo of src/other)
#
# Without PORT, three free ports are picked. Writes BASE/testbed.json. Refuses if BASE already runs.
# Stop with testbed/down.sh BASE [--purge]. Seed content with testbed/seed.py BASE.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BASE [PORT]" >&2
  exit 2
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
MW=/usr/share/mediawiki
PHP=${PHP:-php}
WIKIS=(src other commons)
ADMIN_PASS='AdminPass-1234'
# name:user password:bot password (exactly 32 characters)
ADMIN_BOTPASS='testbedadminbotpassword123456789'
ALICE_PASS='AlicePass-1234'
ALICE_BOTPASS='testbedalicebotpassword123456789'
BOB_PASS='BobPass-123456'
BOB_BOTPASS='testbedbobbotpassword12345678901'
GRANTS_ALL='basic,highvolume,editpage,createeditmovepage,uploadfile,uploadeditmovefile,import,delete,protect'
GRANTS_USER='basic,editpage,createeditmovepage,uploadfile,uploadeditmovefile'

# Loopback traffic (curl inside MediaWiki, our readiness checks) must never go to a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

t0=$(date +%s.%N)
mkdir -p "$1"
BASE="$(cd "$1" && pwd)"

if [ ! -d "$MW" ] || ! command -v "$PHP" >/dev/null 2>&1; then
  echo "up.sh: MediaWiki or php missing; run testbed/install.sh first" >&2
  exit 1
fi

# ---- refuse if running; clean a stale testbed of ours; refuse a foreign non-empty folder ----
for w in "${WIKIS[@]}"; do
  pidf="$BASE/$w/server.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    echo "up.sh: $BASE is already running ($w, pid $(cat "$pidf")); use testbed/down.sh $BASE first" >&2
    exit 1
  fi
done
if [ -n "$(ls -A "$BASE")" ]; then
  if [ -f "$BASE/testbed.json" ]; then
    rm -rf "${BASE:?}/src" "${BASE:?}/other" "${BASE:?}/commons" "$BASE/testbed.json"
  else
    echo "up.sh: $BASE is not empty and holds no testbed; refusing to touch it" >&2
    exit 1
  fi
fi

# ---- ports ----
port_free() {
  "$PHP" -r '$s = @stream_socket_server("tcp://127.0.0.1:" . $argv[1]); exit($s ? 0 : 1);' "$1"
}
if [ $# -ge 2 ]; then
  P0=$2
  PORTS=("$P0" "$((P0 + 1))" "$((P0 + 2))")
else
  # Bind three sockets to port 0 at once so the kernel hands out three distinct free ports.
  read -r -a PORTS <<<"$("$PHP" -r '
    $ss = []; $ps = [];
    for ($i = 0; $i < 3; $i++) {
      $s = stream_socket_server("tcp://127.0.0.1:0");
      $ss[] = $s;
      $ps[] = (int)substr(strrchr(stream_socket_get_name($s, false), ":"), 1);
    }
    echo implode(" ", $ps);')"
fi
for p in "${PORTS[@]}"; do
  if ! port_free "$p"; then
    echo "up.sh: port $p on 127.0.0.1 is taken" >&2
    exit 1
  fi
done

declare -A PORT LANGS DBNAME SITENAME
for i in 0 1 2; do PORT[${WIKIS[$i]}]=${PORTS[$i]}; done
LANGS=([src]=en [other]=de [commons]=en)
DBNAME=([src]=srcwiki [other]=otherwiki [commons]=commonswiki)
SITENAME=([src]="Source Wikipedia" [other]="Andere Wikipedia" [commons]="Testbed Commons")
url_of() { echo "http://127.0.0.1:${PORT[$1]}"; }

cp "$HERE/router.php" "$HERE/TestbedSettings.php" "$BASE/"

# ---- install one wiki (runs in the background, one per wiki) ----
build_wiki() {
  local w=$1 d="$BASE/$1" server
  server=$(url_of "$w")
  mkdir -p "$d/data" "$d/images" "$d/cache" "$d/logs"
  echo '{}' >"$d/runtime.json"
  export MW_CONFIG_FILE="$d/LocalSettings.php"
  "$PHP" "$MW/maintenance/install.php" --quiet --dbtype sqlite --dbpath "$d/data" \
    --dbname "${DBNAME[$w]}" --server "$server" --scriptpath "" --lang "${LANGS[$w]}" \
    --confpath "$d" --skins Vector --pass "$ADMIN_PASS" "${SITENAME[$w]}" Admin

  local shared=""
  if [ "$w" != commons ]; then
    shared="\$tbSharedRepo = ['api' => '$(url_of commons)/api.php', 'server' => '$(url_of commons)'];"
  fi
  cat >>"$d/LocalSettings.php" <<EOF

# ---- testbed (appended by testbed/up.sh) ----
\$tbDir = __DIR__;
\$tbWiki = '$w';
$shared
require_once '$BASE/TestbedSettings.php';
EOF

  local m="$MW/maintenance"
  "$PHP" "$m/createAndPromote.php" --force --bot Admin >/dev/null
  "$PHP" "$m/createAndPromote.php" Alice "$ALICE_PASS" >/dev/null
  "$PHP" "$m/createAndPromote.php" Bob "$BOB_PASS" >/dev/null
  "$PHP" "$m/createBotPassword.php" --appid testbot --grants "$GRANTS_ALL" Admin "$ADMIN_BOTPASS" >/dev/null
  "$PHP" "$m/createBotPassword.php" --appid testbot --grants "$GRANTS_USER" Alice "$ALICE_BOTPASS" >/dev/null
  "$PHP" "$m/createBotPassword.php" --appid testbot --grants "$GRANTS_USER" Bob "$BOB_BOTPASS" >/dev/null
  # Interwiki / language links, before the first web request (lookups are cached in APCu).
  local rows="" pfx target
  for pfx in en de commons; do
    case $pfx in en) target=src ;; de) target=other ;; commons) target=commons ;; esac
    rows+="${rows:+,}('$pfx','$(url_of $target)/wiki/\$1','$(url_of $target)/api.php','${DBNAME[$target]}',1,0)"
  done
  "$PHP" "$m/sql.php" --query \
    "REPLACE INTO interwiki (iw_prefix,iw_url,iw_api,iw_wikiid,iw_local,iw_trans) VALUES $rows" >/dev/null
}

pids=()
for w in "${WIKIS[@]}"; do
  build_wiki "$w" >"$BASE/build-$w.log" 2>&1 &
  pids+=($!)
done
fail=0
for i in 0 1 2; do
  if ! wait "${pids[$i]}"; then
    echo "up.sh: building ${WIKIS[$i]} failed:" >&2
    cat "$BASE/build-${WIKIS[$i]}.log" >&2
    fail=1
  fi
done
[ "$fail" -eq 0 ] || exit 1
t_built=$(date +%s.%N)

# ---- start one php -S per wiki, each in its own session / process group ----
for w in "${WIKIS[@]}"; do
  d="$BASE/$w"
  # setsid may fork (gotcha 8), so the server records its own PID ($$ before exec) = its PGID.
  MW_CONFIG_FILE="$d/LocalSettings.php" PHP_CLI_SERVER_WORKERS="${TB_WORKERS:-4}" setsid sh -c \
    'echo $$ >"$1/server.pid"; shift; exec "$@"' sh "$d" \
    "$PHP" -d upload_max_filesize=200M -d post_max_size=210M -d memory_limit=512M \
    -d opcache.enable_cli=1 -d max_execution_time=300 -d display_errors=0 -d log_errors=1 \
    -S "127.0.0.1:${PORT[$w]}" -t "$MW" "$BASE/router.php" \
    >"$d/logs/server.log" 2>&1 </dev/null &
done

# ---- wait until every wiki answers; this also warms the caches ----
for w in "${WIKIS[@]}"; do
  ok=0
  for _ in $(seq 1 200); do
    if curl -fsS --noproxy '*' -o /dev/null --max-time 10 \
      "$(url_of "$w")/api.php?action=query&meta=siteinfo&format=json" 2>/dev/null; then
      ok=1
      break
    fi
    if [ -f "$BASE/$w/server.pid" ] && ! kill -0 "$(cat "$BASE/$w/server.pid")" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  if [ "$ok" -ne 1 ]; then
    echo "up.sh: $w did not start on port ${PORT[$w]}:" >&2
    tail -n 20 "$BASE/$w/logs/server.log" >&2 || true
    "$HERE/down.sh" "$BASE" >/dev/null 2>&1 || true
    exit 1
  fi
done
# Render one page per wiki in parallel so the first test does not pay for skin/parser warm-up.
warm=()
for w in "${WIKIS[@]}"; do
  curl -fsSL --noproxy '*' -o /dev/null --max-time 20 "$(url_of "$w")/index.php" &
  warm+=($!)
done
for p in "${warm[@]}"; do wait "$p" || true; done  # a bare `wait` would wait for the servers

# ---- testbed.json ----
wiki_json() {
  local w=$1 u shared=""
  u=$(url_of "$w")
  [ "$w" = commons ] || shared=', "shared_repo": "commons"'
  printf '    "%s": {"url": "%s/", "api": "%s/api.php", "index": "%s/index.php", "lang": "%s", "dir": "%s", "dbname": "%s", "port": %s, "sitename": "%s"%s}' \
    "$w" "$u" "$u" "$u" "${LANGS[$w]}" "$BASE/$w" "${DBNAME[$w]}" "${PORT[$w]}" "${SITENAME[$w]}" "$shared"
}
{
  echo '{'
  echo "  \"base\": \"$BASE\","
  echo '  "wikis": {'
  wiki_json src; echo ','
  wiki_json other; echo ','
  wiki_json commons; echo
  echo '  },'
  echo '  "users": {'
  echo "    \"admin\": {\"name\": \"Admin\", \"login\": \"Admin@testbot\", \"password\": \"$ADMIN_BOTPASS\", \"grants\": \"all\", \"user_password\": \"$ADMIN_PASS\"},"
  echo "    \"alice\": {\"name\": \"Alice\", \"login\": \"Alice@testbot\", \"password\": \"$ALICE_BOTPASS\", \"grants\": \"$GRANTS_USER\", \"user_password\": \"$ALICE_PASS\"},"
  echo "    \"bob\": {\"name\": \"Bob\", \"login\": \"Bob@testbot\", \"password\": \"$BOB_BOTPASS\", \"grants\": \"$GRANTS_USER\", \"user_password\": \"$BOB_PASS\"}"
  echo '  },'
  echo '  "files": {}'
  echo '}'
} >"$BASE/testbed.json.tmp"
mv "$BASE/testbed.json.tmp" "$BASE/testbed.json"
rm -f "$BASE"/build-*.log

t1=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
echo "up.sh: testbed up in $(elapsed "$t1" "$t0") s (build $(elapsed "$t_built" "$t0") s): $BASE/testbed.json"
for w in "${WIKIS[@]}"; do
  printf '  %-8s %s/  (%s, %s)\n' "$w" "$(url_of "$w")" "${LANGS[$w]}" "${DBNAME[$w]}"
done
