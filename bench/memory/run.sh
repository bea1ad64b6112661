#!/usr/bin/env bash
# Peak resident memory of `hyoka serve` while one subsidiary user sends eight
# parallel worst-case uploads of each kind (issue 17). Usage:
#   bench/memory/run.sh path/to/hyoka   (a release build)
# Prints /usr/bin/time -v's "Maximum resident set size" of the server.
set -euo pipefail
HYOKA=$(realpath "${1:-target/release/hyoka}")
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
cd "$W"
python3 "$HERE/make_files.py" "$W"
export DATABASE_URL="sqlite://$W/h.db" HYOKA_LOG_LEVEL=warn
echo 'admin-password-1234' | "$HYOKA" admin create-admin --login adm --password-stdin >/dev/null
PORT=${PORT:-18781}
/usr/bin/time -v -o "$W/time.txt" "$HYOKA" serve --bind "127.0.0.1:$PORT" >"$W/serve.log" 2>&1 &
TIMER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
API="http://127.0.0.1:$PORT/api/v1"
ADM=$(curl -sf "$API/login" -H 'content-type: application/json' -d '{"login":"adm","password":"admin-password-1234"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
CO=$(curl -sf "$API/companies" -H "authorization: Bearer $ADM" -H 'content-type: application/json' \
  -d '{"code":"M-1","name":"株式会社メモリ","target_level":1,"impact_tier":2}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf "$API/users" -H "authorization: Bearer $ADM" -H 'content-type: application/json' \
  -d "{\"login\":\"sub\",\"display_name\":\"sub\",\"role\":\"subsidiary\",\"company_id\":$CO,\"password\":\"sub-password-12345\"}" >/dev/null
SUB=$(curl -sf "$API/login" -H 'content-type: application/json' -d '{"login":"sub","password":"sub-password-12345"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for f in ${FILES:-commas.csv dup.json sst.xlsx}; do
  pids=()
  for _ in $(seq 8); do
    curl -s -o /dev/null -w "$f %{http_code} %{size_download} bytes %{time_total} s\n" "$API/submissions" \
      -H "authorization: Bearer $SUB" -F "file=@$W/$f" &
    pids+=($!)
  done
  wait "${pids[@]}"
done
SERVER=$(pgrep -P "$TIMER" | head -1 || true)
grep VmHWM "/proc/$SERVER/status" 2>/dev/null || true
kill -INT "$SERVER" 2>/dev/null || true
wait "$TIMER" || true
grep -E "Maximum resident set size" "$W/time.txt"
