#!/usr/bin/env bash
# The units merge benchmark: `hotline-admin units merge OLD NEW` with ORDERS
# open orders (default 5,000) held by OLD (a street), in a fresh
# redis-server on a free port (no persistence: the figures are the merge's,
# not the disk's). Prints the orders moved per second (the units version and
# the access-log entries included; --settle 0s, no service is running).
#   bash bench/run_merge_bench.sh [ORDERS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ORDERS=${1:-5000}
OLD=440106001 NEW=440106002
bench_build hotline-merge-gen hotline-admin
bench_workdir merge-bench
start_redis --save "" --appendonly no
"$BIN/bench/hotline-merge-gen" --redis "127.0.0.1:$REDIS_PORT" --unit "$OLD" --district 440106 --orders "$ORDERS"
start=$(date +%s.%N)
"$BIN/tools/admin/hotline-admin" units merge "$OLD" "$NEW" --user bench --settle 0s \
  --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" >"$WORK/merge.out"
end=$(date +%s.%N)
tail -1 "$WORK/merge.out"
queued=$(redis-cli -p "$REDIS_PORT" zcard "hotline:idx:queue:$NEW:2")
left=$(redis-cli -p "$REDIS_PORT" zcard "hotline:idx:queue:$OLD:2")
/usr/bin/python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2])-float(sys.argv[3]); print(f'merge: {n} open orders in {s:.2f} s, {n/s:.0f} orders/s')" "$ORDERS" "$end" "$start"
echo "in $NEW's queue: $queued; left in $OLD's: $left"
[[ $queued -eq $ORDERS && $left -eq 0 ]]
