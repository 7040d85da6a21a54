#!/usr/bin/env bash
# Scoring at a city's scale, through the gateway: a year of a city of
# BENCH_CONTACTS contacts a year (default 10 000 000: Guangzhou's order of
# magnitude) is generated and stored by the consumer's own store call
# (hotline-scoring-bench --city_contacts: first the consumer's events/s on a
# sample of the city's mix beside the event rate of its peak hour, then the
# year, its storing rate and Redis's memory). Then hotline-scoring and the
# gateway start on that Redis, their clock on 2026-11-28 15:00 (the last day
# of the generated data is the 28th), and each query runs closed loop, one
# caller, for BENCH_DURATION seconds (default 15) through the gateway with a
# supervisor's token; p50 and p99 are printed per query, then the wall
# screen's JSON (HTTP, the gateway's screen port) the same way.
#
#   bash bench/run_scoring_city_bench.sh
#
# Settings (environment): BUILD_DIR (default build), BENCH_CONTACTS,
# BENCH_WRITERS (default 4) threads storing facts, BENCH_SAMPLE (default
# 20 000) orders for the consumer's rate, BENCH_DURATION. Needs about 8 GB of
# memory for Redis at the default size. Loopback only; everything started
# here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CONTACTS=${BENCH_CONTACTS:-10000000}
WRITERS=${BENCH_WRITERS:-4}
SAMPLE=${BENCH_SAMPLE:-20000}
DURATION=${BENCH_DURATION:-15}
bench_build hotline-scoring-bench hotline-scoring hotline-gateway hotline-loadgen hotline-healthcheck
bench_workdir scoring-city-bench
bench_identity_secret
SUPERVISOR=$(grep -m1 -o 'demo-supervisor-[0-9a-f]*' "$ROOT/config/tokens.textproto")

start_redis --save "" --appendonly no
"$BIN/bench/hotline-scoring-bench" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --city_contacts "$CONTACTS" --orders "$SAMPLE" --writers "$WRITERS"

SCORING_PORT=$(free_port); GATEWAY_PORT=$(free_port); SCREEN_PORT=$(free_port)
"$BIN/services/scoring/hotline-scoring" --host 127.0.0.1 --grpc_port "$SCORING_PORT" \
  --metrics_port "$(free_port)" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --clock_start 2026-11-28T15:00:00+08:00 2>"$WORK/scoring.log" &
pids+=($!)
"$BIN/services/gateway/hotline-gateway" --host 127.0.0.1 --grpc_port "$GATEWAY_PORT" \
  --metrics_port "$(free_port)" --intake 127.0.0.1:1 --dispatch 127.0.0.1:1 \
  --scoring "127.0.0.1:$SCORING_PORT" --screen_port "$SCREEN_PORT" \
  --demo_tokens "$ROOT/config/tokens.textproto" 2>"$WORK/gateway.log" &
pids+=($!)
wait_healthy "$SCORING_PORT" "$GATEWAY_PORT"

echo "== through the gateway, closed loop, 1 caller, ${DURATION}s each (today = 2026-11-28)"
# query NAME RPC REQUEST: one loadgen run, its latency figures on one line.
query() {
  local line
  line=$("$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --token "$SUPERVISOR" \
    --rpc "$2" --request "$3" --concurrency 1 --duration "$DURATION" --warmup 1 --timeout 30s \
    --data_dir "$ROOT/data" 2>"$WORK/loadgen.err") || { cat "$WORK/loadgen.err" >&2; return 1; }
  printf '%-34s %s\n' "$1" "$(grep -o 'ok=[0-9]* .*' <<<"$line" | sed 's/ duration=[^ ]*//')"
}
YEAR='period { kind: PERIOD_KIND_YEAR }'
query "top 10 matters (today)" hot 'kind: HOT_KIND_MATTERS period { kind: PERIOD_KIND_DAY }'
query "top 10 streets (month)" hot 'kind: HOT_KIND_LOCATIONS'
query "top 10 departments (month)" hot 'kind: HOT_KIND_DEPARTMENTS'
query "rising matters (month)" hot 'kind: HOT_KIND_RISING'
query "district 440106 matters (year)" hot "kind: HOT_KIND_DISTRICT_MATTERS district_code: \"440106\" $YEAR"
query "top 10 matters (year)" hot "kind: HOT_KIND_MATTERS $YEAR"
query "district ranking (month)" rank 'level: UNIT_LEVEL_DISTRICT'
query "street ranking (month)" rank 'level: UNIT_LEVEL_STREET'
query "department ranking (month)" rank 'level: UNIT_LEVEL_DEPARTMENT'
query "district ranking (year)" rank "level: UNIT_LEVEL_DISTRICT $YEAR"
query "street ranking (year)" rank "level: UNIT_LEVEL_STREET $YEAR"
query "district 440106 score (month)" score 'unit_code: "440106"'
query "district 440106 score (year)" score "unit_code: \"440106\" $YEAR"
query "district 440106 explanation (month)" explain 'unit_code: "440106"'

# The wall screen's JSON as the page fetches it, one request at a time.
end=$((SECONDS + DURATION))
: >"$WORK/screen_ms"
while ((SECONDS < end)); do
  curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$SCREEN_PORT/api/screen" >>"$WORK/screen_ms"
done
sort -n "$WORK/screen_ms" | awk '{ t[NR] = $1 * 1000 } END {
  printf "%-34s ok=%d p50=%.2fms p99=%.2fms max=%.2fms\n", "wall screen JSON (HTTP)", NR,
         t[int(NR * 0.5 + 0.5)], t[int(NR * 0.99 + 0.5)], t[NR] }'
