#!/usr/bin/env bash
# The rebuild benchmark: `hotline-admin rebuild scoring` and `rebuild sla`
# over ORDERS orders (default 100,000) with their whole history, in a fresh
# redis-server on a free port (no persistence: the figures are the rebuild's,
# not the disk's). Prints each rebuild's orders per second.
#   bash bench/run_rebuild_bench.sh [ORDERS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ORDERS=${1:-100000}
bench_build hotline-rebuild-gen hotline-admin
bench_workdir rebuild-bench
start_redis --save "" --appendonly no
"$BIN/bench/hotline-rebuild-gen" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" --orders "$ORDERS"
admin() { "$BIN/tools/admin/hotline-admin" rebuild "$@" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data"; }
echo "== scoring, from an empty scoring keyspace (every order's facts written)"
admin scoring
echo "== scoring again, over what is stored (nothing is newer: reads only)"
admin scoring
echo "== sla, no deadline filed yet (every order settled)"
admin sla
echo "== sla again (every order up to date)"
admin sla
echo "redis used_memory: $(redis-cli -p "$REDIS_PORT" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"
