#!/usr/bin/env bash
# A thousand agents live (issue #16): POLLS long-polling clients and IDLE kept-alive connections
# against one server on SQLite, then one server and two servers on one PostgreSQL
# (CRM_BENCH_PG=postgres://…, a database this script may fill; skipped when unset). Prints the fan-out latency of
# writes to every long-poll (p50/p99) and the servers' memory per connected client.
# Usage: server/bench/live.sh [POLLS] [IDLE]   (defaults 1000 and 5000). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
polls=${1:-1000}
idle=${2:-5000}
writes=${WRITES:-20}
# CRM_BENCH_BIN and CRM_BENCH_LOAD run binaries built elsewhere (both, or neither).
if [ -n "${CRM_BENCH_BIN:-}" ]; then
  bin=$CRM_BENCH_BIN
  load=${CRM_BENCH_LOAD:?CRM_BENCH_LOAD names the live_load example beside CRM_BENCH_BIN}
else
  cargo build --release -q -p crm-server --bin crm-server --example live_load
  bin=${CARGO_TARGET_DIR:-target}/release/crm-server
  load=${CARGO_TARGET_DIR:-target}/release/examples/live_load
fi
# Each client is a socket on both sides: room for all of them.
ulimit -n $((2 * (polls + idle) + 1024))
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
limit=$((polls + idle + 256))

start() { # DB PORT: a server with room for every client
  RUST_LOG=warn $bin --db "$1" serve --listen "127.0.0.1:$2" --max-connections "$limit" 2>>"$dir/server.log" &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/api/v1/health" >/dev/null && return; sleep 0.1; done
  echo "the server on $2 did not start:" >&2; cat "$dir/server.log" >&2; exit 1
}
token_of() { # DB PORT
  echo "bench-password" | $bin --db "$1" user add "bench$2" --role admin --password-stdin >/dev/null
  curl -sf "http://127.0.0.1:$2/api/v1/auth/login" -d "{\"username\":\"bench$2\",\"password\":\"bench-password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

port=$((20000 + RANDOM % 20000))
echo "== one server, SQLite" >&2
start "$dir/live.db" "$port"
token=$(token_of "$dir/live.db" "$port")
$load --base "http://127.0.0.1:$port" --token "$token" --polls "$polls" --idle "$idle" --writes "$writes" --pids "${pids[-1]}"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

if [ -n "${CRM_BENCH_PG:-}" ]; then
  echo "== one server, PostgreSQL" >&2
  start "$CRM_BENCH_PG" $((port + 1))
  token=$(token_of "$CRM_BENCH_PG" $((port + 1)))
  $load --base "http://127.0.0.1:$((port + 1))" --token "$token" \
    --polls "$polls" --idle "$idle" --writes "$writes" --pids "${pids[-1]}"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

  echo "== two servers, one PostgreSQL" >&2
  start "$CRM_BENCH_PG" $((port + 2))
  start "$CRM_BENCH_PG" $((port + 3))
  token=$(token_of "$CRM_BENCH_PG" $((port + 2)))
  $load --base "http://127.0.0.1:$((port + 2)),http://127.0.0.1:$((port + 3))" --token "$token" \
    --polls "$polls" --idle "$idle" --writes "$writes" --pids "${pids[-2]},${pids[-1]}"
fi
