#!/usr/bin/env bash
# Load test of `hyoka serve` with wrk (Debian package `wrk`), loopback only,
# bounded in time. Not part of .ci/run. Numbers go to docs/performance.md.
#
#   bench/load/run.sh sqlite   [companies=10000] [duration=30s] [scripts]
#   bench/load/run.sh postgres [companies=10000] [duration=30s] [scripts]
#
# scripts: which of overview, flags, export, scs (JSON API, bearer token) and
# queue, workspace, overview-page (web UI, session cookie) to run; all by
# default.
#
# The first run for a backend and size fills a database with the demo group
# of that size (`hyoka demo --companies N --no-serve`, three fiscal years)
# and runs the group analysis of each year; later runs reuse it. SQLite
# files live under data/load/; PostgreSQL uses the database hyoka_load_N on
# $LOAD_POSTGRES_SERVER (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail

backend=${1:-sqlite}
companies=${2:-10000}
duration=${3:-30s}
scripts=${4:-overview flags export scs queue workspace overview-page}
root=$(cd "$(dirname "$0")/../.." && pwd)
export LOAD_DIR="$root/bench/load"
# LOAD_BIN: a release binary built beforehand (then nothing is rebuilt).
bin=${LOAD_BIN:-$root/target/release/hyoka}
work="$root/data/load"
port=${LOAD_PORT:-18080}
mkdir -p "$work"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
[ -n "${LOAD_BIN:-}" ] || (cd "$root" && cargo build --release --locked)

case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$work/hyoka-$companies.db" ;;
  postgres)
    server=${LOAD_POSTGRES_SERVER:-postgres://postgres@127.0.0.1:5432}
    db="hyoka_load_$companies"
    psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql "$server/postgres" -c "CREATE DATABASE $db" >/dev/null
    export DATABASE_URL="$server/$db"
    ;;
  *) echo "usage: $0 sqlite|postgres [companies] [duration]" >&2; exit 2 ;;
esac

marker="$work/filled-$backend-$companies"
if [ ! -e "$marker" ]; then
  echo "== filling $backend with $companies companies × 3 years (once)"
  /usr/bin/time -f "fill: %e s, %M KiB max RSS" "$bin" demo --companies "$companies" --no-serve
  for year in 2023 2024 2025; do
    /usr/bin/time -f "analyze $year: %e s, %M KiB max RSS" "$bin" analyze --year "$year"
  done
  touch "$marker"
fi

"$bin" serve --bind "127.0.0.1:$port" 2>"$work/serve-$backend.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done

TOKEN=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/login" -H 'Content-Type: application/json' \
  -d '{"login":"demo-reviewer","password":"hyoka-demo-reviewer"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
export TOKEN COMPANIES="$companies" YEAR=2025

echo "== data set"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/dashboards/overview?fiscal_year=2025&per_page=1" \
  | python3 -c 'import json,sys; g=json.load(sys.stdin)["group"]; print("FY2025: companies", g["companies"], "submitted", g["submitted"], "flags", g["flags"])'
case "$backend" in
  sqlite) du -h "$work/hyoka-$companies.db" ;;
  postgres) psql "$DATABASE_URL" -tAc "SELECT pg_size_pretty(pg_database_size(current_database()))" ;;
esac
for t in submissions answers flags company_year_summaries; do
  case "$backend" in
    sqlite) echo "$t: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM $t').fetchone()[0])" "$work/hyoka-$companies.db")" ;;
    postgres) echo "$t: $(psql "$DATABASE_URL" -tAc "SELECT COUNT(*) FROM $t")" ;;
  esac
done
echo "whole-group CSV export of FY2025: $(curl -s -o /dev/null -w '%{size_download} bytes in %{time_total} s' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/exports/flags.csv?fiscal_year=2025")"

# The web UI's session: the sign-in form's double-submit cookie and token,
# then the session cookie it sets (sent by wrk as a header).
login_page=$(curl -sf -D - "http://127.0.0.1:$port/ui/login")
login_cookie=$(printf '%s' "$login_page" | grep -i '^set-cookie:' | sed 's/^[^:]*: *\([^;]*\).*/\1/' | head -1)
csrf=$(printf '%s' "$login_page" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="\([^"]*\)"/\1/' | head -1)
SESSION_COOKIE=$(curl -s -o /dev/null -D - -X POST "http://127.0.0.1:$port/ui/login" -H "Cookie: $login_cookie" \
  --data-urlencode "login=demo-reviewer" --data-urlencode "password=hyoka-demo-reviewer" \
  --data-urlencode "csrf_token=$csrf" | grep -i '^set-cookie:' | grep -i 'hyoka_session=' \
  | sed 's/^[^:]*: *\([^;]*\).*/\1/' | head -1)
[ -n "$SESSION_COOKIE" ] || { echo "web UI sign-in failed" >&2; exit 1; }
export SHEETS="$work/queue-sheets-$backend.txt"
curl -sf -H "Cookie: $SESSION_COOKIE" "http://127.0.0.1:$port/ui/queue?fiscal_year=2025" \
  | grep -o '/ui/submissions/[0-9]*' | sed 's#.*/##' | sort -u >"$SHEETS"
echo "review queue of FY2025: $(wc -l <"$SHEETS") sheets; one workspace page: $(curl -s -o /dev/null -w '%{size_download} bytes' -H "Cookie: $SESSION_COOKIE" "http://127.0.0.1:$port/ui/submissions/$(head -1 "$SHEETS")")"

for script in $scripts; do
  case "$script" in
    queue|workspace|overview-page) export COOKIE="$SESSION_COOKIE" ;;
    *) unset COOKIE ;;
  esac
  wrk -t2 -c8 -d5s -s "$LOAD_DIR/$script.lua" "http://127.0.0.1:$port" >/dev/null # warm-up
  echo "== $script ($backend, $companies companies, wrk -t2 -c16 -d$duration)"
  wrk -t2 -c16 -d"$duration" --latency -s "$LOAD_DIR/$script.lua" "http://127.0.0.1:$port" | grep -E "RESULT|Non-2xx|Socket errors" || true
done
