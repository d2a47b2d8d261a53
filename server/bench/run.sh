#!/usr/bin/env bash
# Server throughput over loopback with the server pinned to ONE core and wrk on another.
# Usage: server/bench/run.sh [CUSTOMERS]   (default 100000). Needs wrk (apt-get install wrk).
# Prints requests/s and latency percentiles for GET by id, a list page, create, a sync page.
# CRM_SYNCHRONOUS=normal benches the server as `--synchronous normal` (the default is full);
# CONNECTIONS=N sets wrk's connections (default 32), DURATION each run's length (default 10s).
set -euo pipefail
cd "$(dirname "$0")/../.."
customers=${1:-100000}
duration=${DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# CRM_BENCH_BIN benches a binary built elsewhere (an older commit, to compare).
if [ -n "${CRM_BENCH_BIN:-}" ]; then
  bin=$CRM_BENCH_BIN
else
  cargo build --release -p crm-server -q
  bin=${CARGO_TARGET_DIR:-target}/release/crm-server
fi
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
db="$dir/bench.db"
echo "seeding $customers customers (synchronous=${CRM_SYNCHRONOUS:-full})…" >&2
$bin --db "$db" seed --demo --customers "$customers" 2>&1 | tail -n 1 >&2
echo "bench-password" | $bin --db "$db" user add bench --role admin --password-stdin >/dev/null
port=$((20000 + RANDOM % 20000))
RUST_LOG=warn TOKIO_WORKER_THREADS=1 taskset -c 0 $bin --db "$db" serve --listen 127.0.0.1:$port 2>"$dir/server.log" &
server=$!
base=http://127.0.0.1:$port/api/v1
# serve checks every page of the file first (quick_check): a few seconds at 100k customers.
for _ in $(seq 600); do curl -sf $base/health >/dev/null && break; sleep 0.1; done
curl -sf $base/health >/dev/null || { echo "the server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
token=$(curl -sf $base/auth/login -d '{"username":"bench","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export CRM_BENCH_TOKEN=$token
id=$(curl -sf "$base/customers?limit=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
since=$(curl -sf "$base/sync?since=0&limit=1" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')
run() {
  local name=$1; shift
  echo "== $name"
  taskset -c 1 wrk -t1 -c"${CONNECTIONS:-32}" -d"$duration" --latency "$@" | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx'
}
auth=(-H "Authorization: Bearer $token")
run "GET by id" "${auth[@]}" "$base/customers/$id"
run "list page (50, sorted by name)" "${auth[@]}" "$base/customers?limit=50"
run "sync page of 1000" "${auth[@]}" "$base/sync?since=$since&limit=1000"
run "create customer" -s server/bench/create.lua "$base/customers"
