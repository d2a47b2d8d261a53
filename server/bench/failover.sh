#!/usr/bin/env bash
# Standby and failover (issue #16), scripted end to end on loopback:
#   1. a PostgreSQL primary and a streaming-replication standby made with pg_basebackup,
#      replication synchronous (synchronous_standby_names), so a commit is acknowledged only
#      once the standby has it;
#   2. crm-server pointed at both with libpq's multi-host form and
#      target_session_attrs=read-write: it connects to whichever accepts writes;
#   3. writes running (each with an Idempotency-Key, retried until acknowledged), the primary
#      killed (pg_ctl stop -m immediate: no shutdown, as a crash), the standby promoted;
#   4. the writes carry on against the promoted standby, with no restart of crm-server;
#   5. every write acknowledged before, during and after the kill is looked up on the new
#      primary. PASS when all are there; FAIL (exit 1) otherwise.
# Usage: server/bench/failover.sh [WRITES] [KILL_AT]   (defaults 300 and 100)
# CRM_BIN=path runs a crm-server built elsewhere; otherwise a debug build is made.
set -euo pipefail
cd "$(dirname "$0")/../.."
writes=${1:-300}
kill_at=${2:-100}

pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  echo "PostgreSQL's server programs are missing: apt-get install postgresql" >&2; exit 1
}
PG=$(pg_bin)
# A program of PostgreSQL's: from the server's folder, else the PATH (Debian puts the clients
# in /usr/bin).
tool() { if [ -x "$PG/$1" ]; then echo "$PG/$1"; else command -v "$1"; fi; }
PSQL=$(tool psql)
BASEBACKUP=$(tool pg_basebackup)
if [ -n "${CRM_BIN:-}" ]; then bin=$CRM_BIN; else
  cargo build -q -p crm-server --bin crm-server; bin=${CARGO_TARGET_DIR:-target}/debug/crm-server
fi

dir=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  as_pg "$PG/pg_ctl" -D "$dir/primary" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$PG/pg_ctl" -D "$dir/standby" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
free_port() {
  local p=$((20000 + RANDOM % 20000))
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo $p
}
p1=$(free_port); p2=$((p1 + 1))

echo "== primary on $p1" >&2
as_pg "$PG/initdb" -D "$dir/primary" -U crm -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $p1
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
CONF
as_pg "$PG/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
as_pg "$PSQL" -h 127.0.0.1 -p "$p1" -U crm -d postgres -qc "CREATE DATABASE crm" 

echo "== standby on $p2 (pg_basebackup, streaming)" >&2
as_pg "$BASEBACKUP" -d "host=127.0.0.1 port=$p1 user=crm application_name=standby1" \
  -D "$dir/standby" -R -X stream -c fast
sed -i "s/^port = $p1/port = $p2/" "$dir/standby/postgresql.conf"
as_pg "$PG/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
# Synchronous from now on (not before: a commit would wait for a standby not yet there): a
# commit waits until the standby has flushed it, so acknowledged means on both.
as_pg "$PSQL" -h 127.0.0.1 -p "$p1" -U crm -d postgres -qc \
  "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" -c "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 100); do
  sync=$(as_pg "$PSQL" -h 127.0.0.1 -p "$p1" -U crm -d postgres -Atc \
    "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")
  [ "$sync" = sync ] && break; sleep 0.1
done
[ "$sync" = sync ] || { echo "FAIL: the standby is not a synchronous one ($sync)" >&2; exit 1; }

db="postgres://crm@127.0.0.1:$p1,127.0.0.1:$p2/crm?target_session_attrs=read-write&connect_timeout=2"
echo "== crm-server on $db" >&2
echo "failover-password" | $bin --db "$db" user add ops --role admin --password-stdin >/dev/null
port=$(free_port)
RUST_LOG=warn $bin --db "$db" serve --listen "127.0.0.1:$port" 2>"$dir/server.log" &
server=$!
base=http://127.0.0.1:$port/api/v1
for _ in $(seq 300); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "$base/auth/login" -d '{"username":"ops","password":"failover-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# One write, retried with the same key until acknowledged (at most 60 s); prints its id.
write() {
  local i=$1 key deadline answer
  key="failover-$i-$$"
  deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    answer=$(curl -s -m 10 -w '\n%{http_code}' "$base/customers" -H "Authorization: Bearer $token" \
      -H "Idempotency-Key: $key" -H 'Content-Type: application/json' \
      -d "{\"name\":\"Failover customer $i\"}" || true)
    case "${answer##*$'\n'}" in
      200|201) echo "${answer%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; return 0 ;;
    esac
    sleep 0.2
  done
  echo "FAIL: write $i was not acknowledged within 60 s" >&2; return 1
}

echo "== $writes writes; the primary is killed after $kill_at and the standby promoted" >&2
: >"$dir/acknowledged"
started=$SECONDS
for i in $(seq "$writes"); do
  if [ "$i" = "$kill_at" ]; then
    as_pg "$PG/pg_ctl" -D "$dir/primary" -m immediate stop >/dev/null
    echo "   primary killed at write $i; promoting the standby in 1 s" >&2
    (sleep 1; as_pg "$PG/pg_ctl" -D "$dir/standby" -w promote >/dev/null; echo "   standby promoted" >&2) &
    promoting=$!
    killed=$SECONDS
  fi
  write "$i" >>"$dir/acknowledged"
  [ "$i" = "$kill_at" ] && echo "   write $i acknowledged $((SECONDS - killed)) s after the kill" >&2
done
wait "$promoting"

acknowledged=$(wc -l <"$dir/acknowledged")
present=$(as_pg "$PSQL" -h 127.0.0.1 -p "$p2" -U crm -d crm -Atc "SELECT id FROM customers WHERE NOT deleted" | sort)
missing=$(sort "$dir/acknowledged" | comm -23 - <(echo "$present") | wc -l)
twice=$(as_pg "$PSQL" -h 127.0.0.1 -p "$p2" -U crm -d crm -Atc \
  "SELECT count(*) - count(DISTINCT name) FROM customers WHERE name LIKE 'Failover customer %'")
echo "acknowledged $acknowledged of $writes in $((SECONDS - started)) s; missing after failover: $missing; written twice: $twice" >&2
if [ "$acknowledged" = "$writes" ] && [ "$missing" = 0 ] && [ "$twice" = 0 ]; then
  echo "PASS"
else
  echo "FAIL"; tail -n 20 "$dir/server.log" >&2; exit 1
fi
