#!/usr/bin/env bash
# The scoring benchmark: starts a throw-away redis-server on a free port
# (no persistence: the figures are scoring's, not the disk's) and runs
# hotline-scoring-bench against it. Extra arguments go to the benchmark, e.g.
#   bash bench/run_scoring_bench.sh --orders 50000 --runs 20
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
bash tools/build.sh hotline-scoring-bench >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --save "" --appendonly no \
  --logfile "$DIR/redis.log" --daemonize no &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$BUILD_DIR/bench/hotline-scoring-bench" --redis "127.0.0.1:$PORT" --data_dir data "$@"
