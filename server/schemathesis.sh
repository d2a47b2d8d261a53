#!/usr/bin/env bash
# Checks that the server does what its OpenAPI document says: schemathesis generates requests
# from /api/v1/openapi.json (valid and invalid ones) and runs every check on the answers, once as
# an admin and once as a salesperson, against a throwaway server on loopback.
#
#   server/schemathesis.sh                 # a few minutes; prints what it found
#   MAX_EXAMPLES=50 SEED=7 server/schemathesis.sh
#
# Needs python3 (schemathesis is installed into a venv in the temp dir when `st` is not on
# PATH) and curl. Not part of .ci/run: it takes minutes and needs PyPI the first time.
set -euo pipefail

SEED="${SEED:-20261203}"
MAX_EXAMPLES="${MAX_EXAMPLES:-10}"
# Per user: the whole run stays within a few minutes.
TIME_LIMIT="${TIME_LIMIT:-150}"
PASSWORD="schemathesis-password"

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/crm-schemathesis.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

echo "building crm-server…"
(cd "$root" && cargo build --quiet -p crm-server)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/crm-server"

st="$(command -v st || true)"
if [[ -z "$st" ]]; then
    echo "installing schemathesis into $work/venv…"
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet schemathesis
    st="$work/venv/bin/st"
fi

db="$work/server.db"
add_user() { # username role [team]
    local team=()
    [[ $# -ge 3 ]] && team=(--team "$3")
    printf '%s\n' "$PASSWORD" |
        "$bin" --db "$db" user add "$1" --role "$2" "${team[@]}" --password-stdin >/dev/null
}
add_user admin admin
add_user li sales North

# A free loopback port: bind 0 and ask.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port/api/v1"
"$bin" --db "$db" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/health" >/dev/null

token() {
    curl -fsS -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" "$base/auth/login" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# Long-polls wait up to a minute when nothing changes: generated waits are cut to a second so
# the run is about the contract, not the clock.
cat >"$work/hooks.py" <<'EOF'
import schemathesis

@schemathesis.hook
def before_call(ctx, case, **kwargs):
    query = case.query or {}
    wait = query.get("wait")
    if isinstance(wait, int) and wait > 1 or isinstance(wait, str) and wait.isdigit() and int(wait) > 1:
        query["wait"] = 1
EOF

# Valid-looking requests the server rightly refuses for what no schema can say: 422 for a value
# whose validity depends on stored data or another field (a link to a record that must exist, a
# list cursor the server gave, an Idempotency-Key already used for another request, a
# satisfaction score only on a resolved ticket), 412 for a stale If-Match. Every other check runs
# as schemathesis ships it.
cat >"$work/schemathesis.toml" <<'EOF'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "429"]
EOF

status=0
for user in admin li; do
    echo
    echo "== as $user =="
    bearer="$(token "$user")"
    # Signing out would end the run's own session; it is covered by the server's tests.
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$work" timeout "$TIME_LIMIT" "$st" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
        --checks all \
        --seed "$SEED" \
        --max-examples "$MAX_EXAMPLES" \
        --exclude-path /auth/logout \
        --header "Authorization: Bearer $bearer" \
        --request-timeout 10 \
        --workers 1 \
        --generation-database none \
        --no-color || status=$?
done
if grep -q "panicked" "$work/server.log"; then
    echo "the server panicked; see its log:" >&2
    grep -n "panicked" "$work/server.log" >&2
    status=1
fi
exit "$status"
