#!/usr/bin/env bash
# Uploads against the load-test group (issue 16): how long from an upload to
# the end of the analysis run it queues, and an upload's latency with and
# without a run of its year going on. Loopback only; not part of .ci/run.
#
#   bench/load/upload.sh sqlite|postgres [companies=10000] [uploads=60]
#
# Needs the database bench/load/run.sh filled (run it first for the same
# backend and size). Each upload is a reviewer's CSV upload of one FY2025
# sheet on a company's behalf (`company` field): the company's current
# answers with one evidence text changed, so each is a new revision judged
# in full. The uploads change the data set (new revisions): run this after
# the read-only load tests.
set -euo pipefail

backend=${1:-sqlite}
companies=${2:-10000}
uploads=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
# LOAD_BIN: a release binary built beforehand (then nothing is rebuilt).
bin=${LOAD_BIN:-$root/target/release/hyoka}
work="$root/data/load"
port=${LOAD_PORT:-18081}
sheets="$work/upload-sheets"
[ -e "$work/filled-$backend-$companies" ] || { echo "run bench/load/run.sh $backend $companies first" >&2; exit 2; }
[ -n "${LOAD_BIN:-}" ] || (cd "$root" && cargo build --release --locked)

case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$work/hyoka-$companies.db" ;;
  postgres) export DATABASE_URL="${LOAD_POSTGRES_SERVER:-postgres://postgres@127.0.0.1:5432}/hyoka_load_$companies" ;;
  *) echo "usage: $0 sqlite|postgres [companies] [uploads]" >&2; exit 2 ;;
esac

# Sheets: companies whose FY2025 sheet is still `submitted` (replaceable),
# their current answers as the demo's CSV, evidence of No.1 changed.
rm -rf "$sheets"; mkdir -p "$sheets"
query="SELECT c.code, a.item_number, a.level, a.evaluation, a.evidence FROM submissions s
  JOIN companies c ON c.id = s.company_id JOIN answers a ON a.submission_id = s.id
  WHERE s.fiscal_year = 2025 AND s.is_current AND s.status = 'submitted' AND s.department_id IS NULL
  AND c.id IN (SELECT s2.company_id FROM submissions s2 WHERE s2.fiscal_year = 2025 AND s2.is_current
               AND s2.status = 'submitted' ORDER BY s2.company_id DESC LIMIT $((uploads * 2 + 1)))
  ORDER BY c.code, a.item_number"
case "$backend" in
  sqlite) python3 - "$work/hyoka-$companies.db" "$query" >"$sheets/rows.tsv" <<'PY'
import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("\t".join(str(v).replace("\t", " ").replace("\n", " ") for v in r))
PY
  ;;
  postgres) psql "$DATABASE_URL" -tA -F $'\t' -c "$query" >"$sheets/rows.tsv" ;;
esac
python3 - "$sheets" "$(date +%s)" <<'PY'
import csv, sys, collections
labels = {"2": "2", "1": "1", "0": "0", "na": "該当なし", "unanswered": ""}
rows = collections.defaultdict(list)
for line in open(f"{sys.argv[1]}/rows.tsv", encoding="utf-8"):
    code, item, level, ev, text = line.rstrip("\n").split("\t", 4)
    rows[code].append((int(item), level, ev, text))
for n, (code, answers) in enumerate(sorted(rows.items())):
    for k in (1, 2):
        with open(f"{sys.argv[1]}/{code}-{k}.csv", "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(["No.", "レベル", "達成条件評価", "評価の根拠記入欄"])
            for item, level, ev, text in answers:
                if item == 1:
                    text = f"{text}（再提出 {k} / {sys.argv[2]}）"
                w.writerow([item, f"Lv{level}", labels.get(ev, ev), text])
PY
rm "$sheets/rows.tsv"
count=$(ls "$sheets" | grep -c -- '-1.csv$' || true)
echo "== $count sheets to upload ($backend, $companies companies)"
[ "$count" -gt 0 ] || { echo "no replaceable FY2025 sheet found" >&2; exit 1; }

server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; server_pid=; }
trap stop_server EXIT
start_server() {
  env "$@" "$bin" serve --bind "127.0.0.1:$port" 2>>"$work/upload-$backend.log" &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  TOKEN=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"demo-reviewer","password":"hyoka-demo-reviewer"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
}
# One upload: prints its status and seconds.
upload() {
  local file=$1 code
  code=$(basename "$file" | sed 's/-[0-9]*\.csv$//')
  local out
  out=$(curl -s -o "$work/upload-reply.json" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" \
    -F "file=@$file;type=text/csv" -F "company=$code" -F "fiscal_year=2025" "http://127.0.0.1:$port/api/v1/submissions")
  case "$out" in 2*) ;; *) { echo "$file: $out"; cat "$work/upload-reply.json"; echo; } >>"$work/upload-refused.log" ;; esac
  echo "$out"
}
stats() { # label, then "status seconds" lines on stdin
  python3 -c '
import sys
label = sys.argv[1]
rows = [l.split() for l in sys.stdin if l.strip()]
bad = [r for r in rows if not r[0].startswith("2")]
t = sorted(float(r[1]) * 1000 for r in rows)
if not t: print(f"{label}: no uploads"); sys.exit()
p = lambda q: t[min(len(t) - 1, int(round(q * (len(t) - 1))))]
print(f"RESULT {label}: uploads={len(t)} non_2xx={len(bad)} p50_ms={p(0.5):.0f} p90_ms={p(0.9):.0f} p99_ms={p(0.99):.0f} max_ms={t[-1]:.0f}")
' "$1"
}
runs() {
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/analysis/runs?fiscal_year=2025&limit=50"
}
# The runs of FY2025 as "id state" lines, newest first.
run_states() { runs | python3 -c 'import json,sys; [print(r["id"], r["state"]) for r in json.load(sys.stdin)]'; }
newest_run() { runs | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["id"] if r else "")'; }
# Waits until no run of the year is queued or running.
settle() { while [ -n "$(run_states | grep -vE ' (done|failed)$' || true)" ]; do sleep 0.5; done; }
# The state of the run with this id.
state_of() { run_states | awk -v id="$1" '$1 == id { print $2 }'; }

# 1. Uploads with no run of the year going on (the worker off).
start_server HYOKA_ANALYSIS_WORKER=false
ls "$sheets"/*-1.csv | head -n "$uploads" | while read -r f; do upload "$f"; done | stats "upload, no run pending"
stop_server

# 2. Upload → run finished: the worker on, a 1 s debounce. The run the
# uploads of step 1 queued is let finish first, so one upload queues one
# new run and the time is that run's.
start_server HYOKA_ANALYSIS_DEBOUNCE_SECS=1 HYOKA_ANALYSIS_POLL_SECS=1
settle
before=$(newest_run)
first=$(ls "$sheets"/*-2.csv | head -1)
t0=$(date +%s.%N)
upload "$first" >/dev/null
while :; do
  id=$(newest_run)
  [ "$id" != "$before" ] && [ "$(state_of "$id")" = done ] && break
  sleep 0.2
done
t1=$(date +%s.%N)
echo "RESULT upload → its analysis run finished: $(python3 -c "print(f'{$t1 - $t0:.1f}')") s (debounce 1 s, poll 1 s)"
runs | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
print("  run:", {k: r.get(k) for k in ("id", "trigger", "state", "requested_at", "started_at", "finished_at", "sheets", "new_flags", "attempts")})'

# 3. Uploads while a run of the year is going on: one upload queues a run;
# once it is running, the rest are sent one after another until it ends.
before=$(newest_run)
ls "$sheets"/*-2.csv | sed -n 2p | while read -r f; do upload "$f" >/dev/null; done
while :; do id=$(newest_run); [ "$id" != "$before" ] && [ "$(state_of "$id")" = running ] && break; sleep 0.2; done
ls "$sheets"/*-2.csv | tail -n +3 | head -n "$uploads" | while read -r f; do
  [ "$(state_of "$id")" = running ] || break
  upload "$f"
done | stats "upload, a run of its year going on"
settle
