#!/bin/sh
# 100,000 customers imported from a CSV with Chinese headers through `crm customers import`
# against a release server on loopback (BENCHMARKS.md, "Import"). Usage:
#   server/bench/import_100k.sh BIN_DIR WORK_DIR [ROWS]
# BIN_DIR holds crm and crm-server (target/release); WORK_DIR gets the database, the client's
# home and the CSV (about 12 MB for 100k rows), and is removed by the caller.
set -eu
bin=$1
work=$2
rows=${3:-100000}
mkdir -p "$work"
python3 - "$work/customers.csv" "$rows" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
levels = "ABCD"
with open(path, "w", encoding="utf-8") as f:
    f.write("客户名称,电话,邮箱,地址,级别,备注\n")
    for i in range(n):
        f.write(f"导入测试公司{i:06d},010-{6000_0000 + i:08d},c{i}@import.example,北京市朝阳区建国路{i % 500}号,{levels[i % 4]},批量导入\n")
PY
export CRM_CONFIG_DIR="$work/config" CRM_DATA_DIR="$work/data"
printf 'secret-pass-1\n' | "$bin/crm-server" --db "$work/server.db" user add admin --role admin --password-stdin >/dev/null
"$bin/crm-server" --db "$work/server.db" serve --listen 127.0.0.1:7979 >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
printf 'secret-pass-1\n' | "$bin/crm" login --server http://127.0.0.1:7979 --user admin --password-stdin --store file >/dev/null
/usr/bin/time -f '%e s wall, %M KB max RSS (client)' "$bin/crm" customers import "$work/customers.csv"
