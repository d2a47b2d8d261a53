#!/usr/bin/env bash
# Server throughput over loopback with the server pinned to ONE core and wrk on another.
# Usage: server/bench/run.sh [CUSTOMERS]   (default 100000). Needs wrk (apt-get install wrk).
# Prints requests/s and latency percentiles for GET by id, a list page, create, a sync page.
# CRM_SYNCHRONOUS=normal benches the server as `--synchronous normal` (the default is full);
# CONNECTIONS=N sets wrk's connections (default 32), DURATION each run's length (default 10s).
# CRM_BENCH_PG=postgres://… benches on PostgreSQL instead of an SQLite file (an EMPTY database:
# the seed refuses a used one); INSTANCES=2 starts a second server on it (both on the same core)
# and runs one wrk per server side by side, each with half the connections: add their req/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
customers=${1:-100000}
duration=${DURATION:-10s}
instances=${INSTANCES:-1}
connections=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# CRM_BENCH_BIN benches a binary built elsewhere (an older commit, to compare).
if [ -n "${CRM_BENCH_BIN:-}" ]; then
  bin=$CRM_BENCH_BIN
else
  cargo build --release -p crm-server -q
  bin=${CARGO_TARGET_DIR:-target}/release/crm-server
fi
dir=$(mktemp -d)
servers=()
trap 'for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
db=${CRM_BENCH_PG:-$dir/bench.db}
echo "seeding $customers customers (${CRM_BENCH_PG:+PostgreSQL, }synchronous=${CRM_SYNCHRONOUS:-full})…" >&2
$bin --db "$db" seed --demo --customers "$customers" 2>&1 | tail -n 1 >&2
echo "bench-password" | $bin --db "$db" user add bench --role admin --password-stdin >/dev/null
port=$((20000 + RANDOM % 20000))
bases=()
for i in $(seq "$instances"); do
  RUST_LOG=warn TOKIO_WORKER_THREADS=1 taskset -c 0 $bin --db "$db" serve --listen 127.0.0.1:$((port + i)) 2>>"$dir/server.log" &
  servers+=($!)
  bases+=("http://127.0.0.1:$((port + i))/api/v1")
done
base=${bases[0]}
# serve checks every page of the file first (quick_check): a few seconds at 100k customers.
for b in "${bases[@]}"; do
  for _ in $(seq 600); do curl -sf $b/health >/dev/null && break; sleep 0.1; done
  curl -sf $b/health >/dev/null || { echo "the server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
done
token=$(curl -sf $base/auth/login -d '{"username":"bench","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export CRM_BENCH_TOKEN=$token
id=$(curl -sf "$base/customers?limit=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
since=$(curl -sf "$base/sync?since=0&limit=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')
run() { # NAME PATH [wrk options]: one wrk per server at once, the connections split between them
  local name=$1 path=$2; shift 2
  echo "== $name"
  local i=0 runs=()
  for b in "${bases[@]}"; do
    i=$((i + 1))
    CRM_BENCH_TAG=$i taskset -c 1 wrk -t1 -c$((connections / instances)) -d"$duration" --latency "$@" "$b$path" \
      | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx' | sed "s/^/[server $i] /" &
    runs+=($!)
  done
  wait "${runs[@]}"
}
auth=(-H "Authorization: Bearer $token")
run "GET by id" "/customers/$id" "${auth[@]}"
run "list page (50, sorted by name)" "/customers?limit=50" "${auth[@]}"
run "sync page of 1000" "/sync?since=$since&limit=1000" "${auth[@]}"
run "create customer" "/customers" -s server/bench/create.lua
