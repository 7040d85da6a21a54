#!/usr/bin/env bash
# The scoring benchmark: starts a throw-away redis-server on a free port
# (no persistence: the figures are scoring's, not the disk's) and runs
# hotline-scoring-bench against it. Extra arguments go to the benchmark, e.g.
#   bash bench/run_scoring_bench.sh --orders 50000 --runs 20
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build hotline-scoring-bench
bench_workdir scoring-bench
start_redis --save "" --appendonly no
"$BIN/bench/hotline-scoring-bench" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" "$@"
