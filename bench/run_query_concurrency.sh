#!/usr/bin/env bash
# Queries under concurrency: scoring's rankings and top lists and knowledge
# search, each through the gateway with 1 caller and then with BENCH_CALLERS
# (default 32) callers at once, closed loop, beside a bare gRPC echo through
# the same two hops (loadgen -> hotline-echo proxy -> hotline-echo server).
#
# Data: a year of a city of BENCH_CONTACTS contacts (default 1 000 000;
# hotline-scoring-bench --city_contacts, as run_scoring_city_bench.sh) and
# BENCH_POINTS knowledge points generated from the seed (default 100 000;
# hotline-kb-gen, as run_knowledge_bench.sh), in one Redis. Scoring's clock
# is on 2026-11-28 15:00 (the last generated day); knowledge searches are the
# citizen questions of tests/knowledge/search_questions.tsv.
#
# Prints one line per query: p50/p99 and throughput with 1 caller and with
# N, and "mean" = N / throughput (what Little's law gives for the average
# latency at N callers): a p99 far above it means some callers wait much
# longer than others (a lock, a queue), not just a busy machine.
#
#   bash bench/run_query_concurrency.sh
#
# Settings (environment): BUILD_DIR (default build), BENCH_CONTACTS,
# BENCH_POINTS, BENCH_CALLERS, BENCH_DURATION seconds per run (default 10),
# BENCH_KNOWLEDGE_BIN (another hotline-knowledge binary, e.g. a base
# revision's, to compare).
# Loopback only; everything started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONTACTS=${BENCH_CONTACTS:-1000000}
POINTS=${BENCH_POINTS:-100000}
CALLERS=${BENCH_CALLERS:-32}
DURATION=${BENCH_DURATION:-10}
bench_build hotline-scoring-bench hotline-scoring hotline-kb-gen hotline-knowledge hotline-gateway \
  hotline-loadgen hotline-healthcheck hotline-echo
bench_workdir query-concurrency
bench_identity_secret
SUPERVISOR=$(grep -m1 -o 'demo-supervisor-[0-9a-f]*' "$ROOT/config/tokens.textproto")
AGENT=$(grep -m1 -o 'demo-agent-[0-9a-f]*' "$ROOT/config/tokens.textproto")

start_redis --save "" --appendonly no
echo "== data: a city year of $CONTACTS contacts, $POINTS knowledge points"
"$BIN/bench/hotline-scoring-bench" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --city_contacts "$CONTACTS" --orders 1000 --writers 2 | grep "^city year" || true
"$BIN/bench/hotline-kb-gen" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --points "$POINTS" --measure_index=false

SCORING_PORT=$(free_port); KB_PORT=$(free_port); GATEWAY_PORT=$(free_port)
"$BIN/services/scoring/hotline-scoring" --host 127.0.0.1 --grpc_port "$SCORING_PORT" \
  --metrics_port "$(free_port)" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --clock_start 2026-11-28T15:00:00+08:00 2>"$WORK/scoring.log" &
pids+=($!)
"${BENCH_KNOWLEDGE_BIN:-$BIN/services/knowledge/hotline-knowledge}" --host 127.0.0.1 --grpc_port "$KB_PORT" \
  --metrics_port "$(free_port)" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  2>"$WORK/knowledge.log" &
pids+=($!)
"$BIN/services/gateway/hotline-gateway" --host 127.0.0.1 --grpc_port "$GATEWAY_PORT" \
  --metrics_port "$(free_port)" --intake 127.0.0.1:1 --dispatch 127.0.0.1:1 \
  --scoring "127.0.0.1:$SCORING_PORT" --knowledge "127.0.0.1:$KB_PORT" \
  --demo_tokens "$ROOT/config/tokens.textproto" 2>"$WORK/gateway.log" &
pids+=($!)
start_echo_pair
wait_healthy "$SCORING_PORT" "$KB_PORT" "$GATEWAY_PORT"
for _ in $(seq 12000); do grep -q '"search index built"' "$WORK/knowledge.log" && break; sleep 0.1; done
grep -q '"search index built"' "$WORK/knowledge.log" || { echo "the index was not built in 20 min" >&2; exit 1; }

# run CALLERS ARGS...: one closed-loop loadgen run; prints "p50 p99 throughput".
run() {
  local callers=$1 line
  shift
  line=$("$BIN/bench/hotline-loadgen" --concurrency "$callers" --duration "$DURATION" --warmup 2 \
    --channels 1 --timeout 30s --data_dir "$ROOT/data" "$@" 2>"$WORK/loadgen.err") ||
    { cat "$WORK/loadgen.err" >&2; return 1; }
  grep -q ' errors=0 ' <<<"$line" || { echo "errors: $line" >&2; return 1; }
  sed -n 's/.*throughput=\([0-9.]*\)\/s p50=\([0-9.]*\)ms p90=[0-9.]*ms p99=\([0-9.]*\)ms.*/\2 \3 \1/p' <<<"$line"
}
# query NAME ARGS...: 1 caller, then CALLERS; one line of the table.
query() {
  local name=$1 one many
  shift
  one=$(run 1 "$@")
  many=$(run "$CALLERS" "$@")
  awk -v name="$name" -v n="$CALLERS" -v a="$one" -v b="$many" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%-30s %8.2f %8.2f %8.0f | %8.2f %8.2f %8.0f %8.2f\n", name, x[1], x[2], x[3], y[1], y[2], y[3], n * 1000 / y[3] }'
}

echo "== closed loop through 2 gRPC hops, ${DURATION}s a run (ms; throughput in calls/s)"
printf '%-30s %8s %8s %8s | %8s %8s %8s %8s\n' "" "1 caller" "" "" "$CALLERS callers" "" "" ""
printf '%-30s %8s %8s %8s | %8s %8s %8s %8s\n' query p50 p99 calls/s p50 p99 calls/s mean
YEAR='period { kind: PERIOD_KIND_YEAR }'
scoring() { query "$1" --target "127.0.0.1:$GATEWAY_PORT" --token "$SUPERVISOR" --rpc "$2" --request "$3"; }
query "echo (the bare hops)" --target "127.0.0.1:$PROXY_PORT" --rpc echo --payload 64
scoring "top 10 matters (today)" hot 'kind: HOT_KIND_MATTERS period { kind: PERIOD_KIND_DAY }'
scoring "top 10 streets (month)" hot 'kind: HOT_KIND_LOCATIONS'
scoring "top 10 matters (year)" hot "kind: HOT_KIND_MATTERS $YEAR"
scoring "district ranking (month)" rank 'level: UNIT_LEVEL_DISTRICT'
scoring "street ranking (month)" rank 'level: UNIT_LEVEL_STREET'
scoring "department ranking (month)" rank 'level: UNIT_LEVEL_DEPARTMENT'
query "knowledge search (top 10)" --target "127.0.0.1:$GATEWAY_PORT" --token "$AGENT" \
  --rpc kb_search --lines "$ROOT/tests/knowledge/search_questions.tsv"
