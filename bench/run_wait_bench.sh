#!/usr/bin/env bash
# The cost of "a write is on a replica before it is acknowledged" (WAIT,
# libs/redis, --redis_wait_replicas): create throughput and latency through the
# real path (loadgen -> gateway -> intake -> Redis primary with two replicas),
# with WAIT off and with WAIT 1, in one run on the same Redis set. Intake finds
# the primary through three Sentinels, as in production (REDIS_HA=1).
#
#   bash bench/run_wait_bench.sh
#
# Settings (environment): BUILD_DIR (default build), BENCH_DURATION seconds
# per measurement (default 10), BENCH_WARMUP (default 2), BENCH_CONCURRENCY
# (closed loop, default 64), BENCH_RATE (open loop calls/s for the latency
# figure, default 100), BENCH_APPENDFSYNC (default always),
# BENCH_WAIT_TIMEOUT (default 1s), BENCH_REPEAT (default 2). Only loopback; everything started here is
# stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_workdir wait-bench
bench_identity_secret
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
RATE=${BENCH_RATE:-100}
FSYNC=${BENCH_APPENDFSYNC:-always}
WAIT_TIMEOUT=${BENCH_WAIT_TIMEOUT:-1s}
command -v redis-sentinel >/dev/null || { echo "redis-sentinel not found (apt-get install redis-sentinel)" >&2; exit 1; }

bench_build hotline-loadgen hotline-gateway hotline-intake hotline-healthcheck
TOKEN=$(grep -m1 -o 'demo-agent-[0-9a-f]*' "$ROOT/config/tokens.textproto")

# Primary and two replicas.
REDIS_PORTS=()
for i in 0 1 2; do
  port=$(free_port)
  REDIS_PORTS+=("$port")
  mkdir -p "$WORK/redis-$i"
  role=()
  [ "$i" = 0 ] || role=(--replicaof 127.0.0.1 "${REDIS_PORTS[0]}")
  redis-server --port "$port" --bind 127.0.0.1 --dir "$WORK/redis-$i" --logfile "$WORK/redis-$i.log" \
    --appendonly yes --appendfsync "$FSYNC" --save "" "${role[@]}" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
# Three Sentinels.
SENTINELS=()
for i in 0 1 2; do
  port=$(free_port)
  SENTINELS+=("127.0.0.1:$port")
  cat >"$WORK/sentinel-$i.conf" <<CONF
port $port
bind 127.0.0.1
dir $WORK
logfile $WORK/sentinel-$i.log
sentinel monitor hotline 127.0.0.1 ${REDIS_PORTS[0]} 2
sentinel down-after-milliseconds hotline 5000
CONF
  redis-sentinel "$WORK/sentinel-$i.conf" &
  pids+=($!)
done
for _ in $(seq 100); do
  redis-cli -p "${SENTINELS[0]#*:}" sentinel get-master-addr-by-name hotline 2>/dev/null | grep -q . && break
  sleep 0.1
done
for _ in $(seq 100); do
  [ "$(redis-cli -p "${REDIS_PORTS[0]}" info replication | grep -c 'state=online')" = 2 ] && break
  sleep 0.1
done
REDIS_ADDR="sentinel://$(IFS=,; echo "${SENTINELS[*]}")/hotline"
bash "$ROOT/tools/make-phone-keys.sh" "$WORK/phone_keys" bench1

GATEWAY_PORT=$(free_port)
INTAKE_PORT=$(free_port)
INTAKE_METRICS=$(free_port)
intake_pid=""
start_intake() {  # start_intake EXTRA_FLAGS...
  "$BIN/services/intake/hotline-intake" --host 127.0.0.1 --grpc_port "$INTAKE_PORT" \
    --metrics_port "$INTAKE_METRICS" --redis "$REDIS_ADDR" --data_dir "$ROOT/data" \
    --phone_keys "$WORK/phone_keys" "$@" 2>>"$WORK/intake.log" &
  intake_pid=$!
  pids+=("$intake_pid")
  wait_healthy "$INTAKE_PORT"
}
"$BIN/services/gateway/hotline-gateway" --host 127.0.0.1 --grpc_port "$GATEWAY_PORT" \
  --metrics_port "$(free_port)" --intake "127.0.0.1:$INTAKE_PORT" \
  --demo_tokens "$ROOT/config/tokens.textproto" 2>"$WORK/gateway.log" &
pids+=($!)

measure() {  # measure LABEL
  echo "== $1: closed loop, $CONCURRENCY in flight, ${DURATION}s"
  "$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --rpc create --token "$TOKEN" \
    --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --channels 4 --data_dir "$ROOT/data" ||
    echo "(loadgen: too many failed calls; figures above)"
  echo "== $1: open loop, $RATE calls/s, ${DURATION}s"
  "$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --rpc create --token "$TOKEN" \
    --rate "$RATE" --concurrency 2000 --duration "$DURATION" --warmup "$WARMUP" --channels 4 --data_dir "$ROOT/data" ||
    echo "(loadgen: too many failed calls; figures above)"
}

echo "Redis: primary :${REDIS_PORTS[0]}, replicas :${REDIS_PORTS[1]} :${REDIS_PORTS[2]}, appendfsync $FSYNC;" \
  "intake finds it through $REDIS_ADDR"
# Alternated, BENCH_REPEAT times (default 2): the machine is shared, so one
# pair of runs can differ by more than WAIT costs.
for round in $(seq "${BENCH_REPEAT:-2}"); do
  start_intake --redis_wait_replicas 0
  wait_healthy "$GATEWAY_PORT"
  measure "round $round, WAIT off"
  kill -TERM "$intake_pid"; wait "$intake_pid" 2>/dev/null || true
  start_intake --redis_wait_replicas 1 --redis_wait_timeout "$WAIT_TIMEOUT"
  measure "round $round, WAIT 1 replica (timeout $WAIT_TIMEOUT)"
  [ "$round" = "${BENCH_REPEAT:-2}" ] || { kill -TERM "$intake_pid"; wait "$intake_pid" 2>/dev/null || true; }
done
echo "WAITs short of a replica (intake): $(curl -s "http://127.0.0.1:$INTAKE_METRICS/metrics" | grep '^hotline_redis_wait_short_total' || echo n/a)"
