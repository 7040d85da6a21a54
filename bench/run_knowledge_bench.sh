#!/usr/bin/env bash
# The knowledge base at scale: BENCH_POINTS (default 100 000) points generated
# from the seed are stored in Redis (hotline-kb-gen, which also prints the
# in-process index build time and memory per point); a knowledge replica then
# builds its own index from Redis (its build time and resident memory are
# printed), keeping it on disk (--index_dir); it is killed, 800 points are
# added, and it is started again on its kept index (the time until it serves
# is printed beside the build's); then, open loop at BENCH_RATE calls/s (default 100), three runs
# through the same two gRPC hops:
#   echo       loadgen -> hotline-echo proxy -> hotline-echo server (the bare hops)
#   kb_lookup  loadgen -> gateway -> knowledge (ListKnowledgePoints of a topic
#              prefix, 20 a page, from Redis)
#   kb_search  loadgen -> gateway -> knowledge (SearchKnowledge of the citizen
#              questions of tests/knowledge/search_questions.tsv, top 10)
# each printing p50/p99. Targets: lookup p99 < 1 ms, search p99 < 10 ms.
#
#   bash bench/run_knowledge_bench.sh
#
# Settings (environment): BUILD_DIR (default build), BENCH_POINTS, BENCH_RATE,
# BENCH_DURATION seconds per run (default 20). Loopback only; everything
# started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_workdir knowledge-bench
bench_identity_secret
POINTS=${BENCH_POINTS:-100000}
RATE=${BENCH_RATE:-100}
DURATION=${BENCH_DURATION:-20}

bench_build hotline-loadgen hotline-gateway hotline-knowledge \
  hotline-healthcheck hotline-echo hotline-kb-gen
TOKEN=$(grep -m1 -o 'demo-agent-[0-9a-f]*' "$ROOT/config/tokens.textproto")

start_redis --appendonly yes --appendfsync everysec --save ""

echo "== $POINTS points generated from the seed"
"$BIN/bench/hotline-kb-gen" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --points "$POINTS" --prefixes_out "$WORK/prefixes"
echo "redis: $(redis-cli -p "$REDIS_PORT" info memory | grep -m1 used_memory_human | tr -d '\r')"

KB_PORT=$(free_port); KB_METRICS=$(free_port); GATEWAY_PORT=$(free_port)
# start_knowledge LOG: a replica keeping its index in WORK/kb-index (--index_dir);
# returns once it serves searches, with STARTED and READY (seconds since the epoch) set.
start_knowledge() {
  STARTED=$(date +%s.%N)
  "$BIN/services/knowledge/hotline-knowledge" --host 127.0.0.1 --grpc_port "$KB_PORT" \
    --metrics_port "$KB_METRICS" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
    --index_dir "$WORK/kb-index" 2>"$1" &
  KB_PID=$!
  pids+=($KB_PID)
  for _ in $(seq 60000); do grep -q '"search index built"' "$1" && break; sleep 0.01; done
  READY=$(date +%s.%N)
  # CPU seconds the process used until then: on a busy machine the wall time says little.
  READY_CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$KB_PID/stat")
  grep -q '"search index built"' "$1" || { echo "the index was not ready in 10 min" >&2; exit 1; }
}
ready_s() { curl -s "http://127.0.0.1:$KB_METRICS/metrics" | sed -n 's/^hotline_knowledge_index_build_seconds \(.*\)/\1/p'; }

# Before: the first start, with nothing kept, builds from Redis.
start_knowledge "$WORK/knowledge-first.log"
"$BIN/services/gateway/hotline-gateway" --host 127.0.0.1 --grpc_port "$GATEWAY_PORT" \
  --metrics_port "$(free_port)" --intake 127.0.0.1:1 --dispatch 127.0.0.1:1 \
  --knowledge "127.0.0.1:$KB_PORT" --demo_tokens "$ROOT/config/tokens.textproto" 2>"$WORK/gateway.log" &
pids+=($!)
wait_healthy "$KB_PORT" "$GATEWAY_PORT"
build_s=$(ready_s)
rss_kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$KB_PID/status")
awk -v s="$build_s" -v r="$rss_kb" -v n="$POINTS" -v t0="$STARTED" -v t1="$READY" -v cpu="$READY_CPU" 'BEGIN {
  printf "knowledge replica: index of %d points built from Redis in %.1f s (%.1f s after start, %.1f s CPU), RSS %.0f MB = %.0f bytes/point (whole process)\n",
         n, s, t1 - t0, cpu, r / 1024, r * 1024 / n }'

# After: killed (SIGKILL, no clean shutdown), CHANGED points added while it
# is down, started again on its kept index: it opens it and catches up from
# the change stream.
CHANGED=$(( POINTS + 800 > 100800 ? 100800 - POINTS : 800 ))
kill -KILL "$KB_PID"; wait "$KB_PID" 2>/dev/null || true
"$BIN/bench/hotline-kb-gen" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --points "$((POINTS + CHANGED))" --measure_index=false >/dev/null
start_knowledge "$WORK/knowledge.log"
wait_healthy "$KB_PORT"
awk -v s="$(ready_s)" -v n="$POINTS" -v c="$CHANGED" -v t0="$STARTED" -v t1="$READY" -v cpu="$READY_CPU" 'BEGIN {
  printf "knowledge replica restarted after SIGKILL on its kept index (--index_dir), %d points added meanwhile: serving %.2f s after start (%.2f s CPU; catching up took %.2f s of it)\n",
         c, t1 - t0, cpu, s }'
grep -q '"from":"kept index and change stream"' "$WORK/knowledge.log" ||
  { echo "the restarted replica did not use its kept index:" >&2; grep -m3 'index' "$WORK/knowledge.log" >&2; exit 1; }
# Where the time went, from the log's timestamps: the kept index read back
# (before the follower starts), then the catch-up.
log_s() { date -d "$(grep -m1 "\"msg\":\"$1\"" "$WORK/knowledge.log" | sed 's/.*"ts":"\([^"]*\)".*/\1/')" +%s.%N; }
awk -v t0="$STARTED" -v opened="$(log_s 'search index folder')" -v ready="$(log_s 'search index built')" 'BEGIN {
  printf "  of which: process start and the kept index read back %.2f s, catching up %.2f s\n", opened - t0, ready - opened }'
echo "kept index: $(du -sh "$WORK/kb-index" | cut -f1) on disk"

start_echo_pair

echo "== open loop, $RATE calls/s, ${DURATION}s each, 2 gRPC hops"
run() {
  "$BIN/bench/hotline-loadgen" --rate "$RATE" --concurrency 100 --duration "$DURATION" --warmup 2 \
    --channels 1 --data_dir "$ROOT/data" "$@" | head -1
}
run --target "127.0.0.1:$PROXY_PORT" --rpc echo --payload 64
run --target "127.0.0.1:$GATEWAY_PORT" --rpc kb_lookup --token "$TOKEN" --lines "$WORK/prefixes"
run --target "127.0.0.1:$GATEWAY_PORT" --rpc kb_search --token "$TOKEN" \
  --lines "$ROOT/tests/knowledge/search_questions.tsv"
echo "knowledge: $(curl -s "http://127.0.0.1:$KB_METRICS/metrics" | grep '^hotline_knowledge_searches_total' | tr '\n' ' ')"
