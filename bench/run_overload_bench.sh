#!/usr/bin/env bash
# Overload (issue 20 item 3): the gateway sheds what it cannot serve. Measures
# the create peak (closed loop), then offers creates open loop at half the peak
# and at twice the peak, and prints: admitted and shed calls, p50/p99 of the
# admitted ones, the gateway's RSS and threads before, during and after the
# overload, and how long p99 took to come back once the overload stopped.
# See bench/README.md "Overload".
#
#   bash bench/run_overload_bench.sh
#
# The overload run is two hotline-loadgen processes on one gateway: A at half
# the peak the whole time (OVERLOAD_PRE s, OVERLOAD_OVER s, OVERLOAD_POST s),
# B at 1.5x the peak during the middle OVERLOAD_OVER s, so 2x the peak is
# offered then and half the peak again after. Each writes a per-call latency
# log; bench/overload_report.py reads both.
#
# Settings (environment):
#   BUILD_DIR                build tree (default build)
#   OVERLOAD_MAX_IN_FLIGHT   the gateway's --max_in_flight (default: its own default;
#                            0 turns the cap off, for the comparison run)
#   OVERLOAD_PEAK_CONCURRENCY  closed-loop calls in flight for the peak (default 64,
#                            at most the cap, so the peak run sheds nothing)
#   OVERLOAD_DURATION        seconds of the peak and half-peak runs (default 10)
#   OVERLOAD_PRE, OVERLOAD_OVER, OVERLOAD_POST  the overload run's phases (5, 10, 10 s)
#   OVERLOAD_FSYNC           Redis appendfsync (default always, as deployed)
#   OVERLOAD_LOGS            a folder to keep the latency logs and gateway samples in
#   OVERLOAD_NORMAL_FACTOR   "back to normal": 3 one-second windows in a row whose p99 is within this many times
#                            the p99 at half the peak (default 2)
# Only loopback addresses are used; everything started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MAX_IN_FLIGHT=${OVERLOAD_MAX_IN_FLIGHT:-}
PEAK_C=${OVERLOAD_PEAK_CONCURRENCY:-64}
DURATION=${OVERLOAD_DURATION:-10}
PRE=${OVERLOAD_PRE:-5}
OVER=${OVERLOAD_OVER:-10}
POST=${OVERLOAD_POST:-10}
FSYNC=${OVERLOAD_FSYNC:-always}
FACTOR=${OVERLOAD_NORMAL_FACTOR:-2}
WARMUP=2
PY=/usr/bin/python3
TOKENS="$ROOT/config/tokens.textproto"
DATA_DIR="$ROOT/data"

bench_build hotline-gateway hotline-intake hotline-loadgen hotline-healthcheck
bench_workdir overload
bench_identity_secret
unset HOTLINE_MAX_IN_FLIGHT  # lib.sh turns the cap off for the other benchmarks
LOADGEN="$BIN/bench/hotline-loadgen"
TOKEN=$(awk '/token:/ { gsub(/"/, "", $2); t = $2 } /role: ROLE_AGENT/ { print t; exit }' "$TOKENS")

start_redis --appendonly yes --appendfsync "$FSYNC" --save '' \
  --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 4gb
bash "$ROOT/tools/make-phone-keys.sh" "$WORK/phone_keys" overload1 >/dev/null
INTAKE_PORT=$(free_port)
"$BIN/services/intake/hotline-intake" --host 127.0.0.1 --grpc_port "$INTAKE_PORT" \
  --metrics_port "$(free_port)" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$DATA_DIR" \
  --phone_keys "$WORK/phone_keys" 2>"$WORK/intake.log" &
pids+=($!)
wait_healthy "$INTAKE_PORT"
GATEWAY_PORT=$(free_port) GATEWAY_METRICS=$(free_port)
gateway_args=(--host 127.0.0.1 --grpc_port "$GATEWAY_PORT" --metrics_port "$GATEWAY_METRICS"
              --screen_port -1 --intake "127.0.0.1:$INTAKE_PORT" --demo_tokens "$TOKENS")
[[ -n $MAX_IN_FLIGHT ]] && gateway_args+=(--max_in_flight "$MAX_IN_FLIGHT")
"$BIN/services/gateway/hotline-gateway" "${gateway_args[@]}" 2>"$WORK/gateway.log" &
GATEWAY_PID=$!
pids+=($GATEWAY_PID)
wait_healthy "$GATEWAY_PORT"

metric() { curl -s "http://127.0.0.1:$GATEWAY_METRICS/metrics" | awk -v m="$1" '$1 == m { print $2 + 0 }'; }
rss_threads() {  # "rss=NNMB threads=N" of the gateway now
  awk '/^VmRSS:/ { r = $2 } /^Threads:/ { t = $2 } END { printf "rss=%.1fMB threads=%d", r / 1024, t }' \
    "/proc/$GATEWAY_PID/status"
}
loadgen() {  # loadgen ARGS...: one run against the gateway, its line on stdout
  "$LOADGEN" --target "127.0.0.1:$GATEWAY_PORT" --rpc create --token "$TOKEN" --data_dir "$DATA_DIR" \
    --channels 4 "$@" 2>>"$WORK/loadgen.err" || true
}
field() { { grep -o "$1=[0-9.]*" <<<"$2" || true; } | head -1 | cut -d= -f2; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); Redis appendfsync=$FSYNC; gateway --max_in_flight" \
  "$(metric hotline_gateway_in_flight_limit) (0: no cap), --shed_retry_after default"
echo "gateway at start: $(rss_threads)"
# The peak run must not be shed itself (a closed loop whose refused calls
# come straight back spins): no more calls in flight than the cap.
LIMIT=$(metric hotline_gateway_in_flight_limit)
(( LIMIT > 0 && PEAK_C > LIMIT )) && PEAK_C=$LIMIT

echo "== peak: closed loop, $PEAK_C in flight, ${DURATION}s"
line=$(loadgen --concurrency "$PEAK_C" --duration "$DURATION" --warmup "$WARMUP")
echo "$line"
PEAK=$(field throughput "$line"); PEAK=${PEAK%.*}
(( ${PEAK:-0} > 0 )) || { echo "no peak measured"; exit 1; }
HALF=$(( PEAK / 2 )) EXTRA=$(( PEAK * 3 / 2 ))
echo "gateway after the peak run: $(rss_threads)"

echo "== half the peak: open loop, $HALF/s, ${DURATION}s"
loadgen --rate "$HALF" --concurrency 20000 --duration "$DURATION" --warmup "$WARMUP" \
  --latency_log "$WORK/half.log"
echo

echo "== overload: $HALF/s for $((PRE + OVER + POST))s, plus $EXTRA/s from ${PRE}s to $((PRE + OVER))s" \
  "(2x the peak = $((HALF + EXTRA))/s offered), then $HALF/s again"
shed_before=$(metric 'hotline_gateway_shed_total{reason="in_flight"}')
# The gateway's RSS and threads every 0.25 s, on the loadgens' clock.
"$PY" "$ROOT/bench/overload_report.py" sample "$GATEWAY_PID" >"$WORK/gateway_samples.txt" &
pids+=($!)
loadgen --rate "$HALF" --concurrency 20000 --duration $((PRE + OVER + POST)) --warmup "$WARMUP" \
  --latency_log "$WORK/base.log" >"$WORK/base.txt" &
base=$!
sleep $((WARMUP + PRE))
loadgen --rate "$EXTRA" --concurrency 20000 --duration "$OVER" --warmup 0 \
  --latency_log "$WORK/extra.log" >"$WORK/extra.txt"
wait "$base" || true
echo "A (half the peak throughout): $(cat "$WORK/base.txt")"
echo "B (the extra 1.5x peak):      $(cat "$WORK/extra.txt")"
echo "gateway counted shed: $(( $(metric 'hotline_gateway_shed_total{reason="in_flight"}') - shed_before ));" \
  "in flight now: $(metric hotline_gateway_in_flight)"
echo
"$PY" "$ROOT/bench/overload_report.py" --half "$WORK/half.log" --base "$WORK/base.log" \
  --extra "$WORK/extra.log" --samples "$WORK/gateway_samples.txt" --over "$OVER" \
  --normal_factor "$FACTOR"
# OVERLOAD_LOGS=DIR keeps the latency logs and samples for a second look.
if [[ -n ${OVERLOAD_LOGS:-} ]]; then
  mkdir -p "$OVERLOAD_LOGS" && cp "$WORK"/{half,base,extra}.log "$WORK/gateway_samples.txt" "$OVERLOAD_LOGS/"
fi
