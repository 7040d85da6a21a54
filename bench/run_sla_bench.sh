#!/usr/bin/env bash
# The SLA monitor's benchmark: starts a throw-away redis-server on a free port
# (no persistence: the figures are the monitor's, not the disk's) and runs
# hotline-sla-bench against it. Extra arguments go to the benchmark, e.g.
#   bash bench/run_sla_bench.sh --big 100000 --seconds 5
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build hotline-sla-bench
bench_workdir sla-bench
start_redis --save "" --appendonly no
"$BIN/bench/hotline-sla-bench" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" "$@"
