#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts a local Redis (append-
# only file, fsync on every write, data under ./run/redis) and every service,
# loads the demo city, takes in a first batch of demo calls, then keeps the city
# alive with the simulator (calls coming in, units and the centre working every
# order through its life) until Ctrl-C (then stops everything gracefully).
#
# SIMULATE=0 leaves the simulator out; SIM_CALLS_PER_MINUTE (default 30) and
# SIM_MINUTE (how long a simulated minute lasts, default 2s) set its pace.
#
# Ports (defaults; override with the environment): gateway gRPC 50051, intake
# 50052, dispatch 50053, knowledge 50055; metrics 9101, 9102, 9103, 9105 in the
# same order; Redis 6380 (not 6379, so a system Redis is left alone). Knowledge
# starts with the seed of data/knowledge loaded (points Redis lacks are added).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
RUN_DIR=${RUN_DIR:-$ROOT/run}
REDIS_PORT=${REDIS_PORT:-6380}
GATEWAY_PORT=${GATEWAY_PORT:-50051}
INTAKE_PORT=${INTAKE_PORT:-50052}
DISPATCH_PORT=${DISPATCH_PORT:-50053}
GATEWAY_METRICS=${GATEWAY_METRICS:-9101}
INTAKE_METRICS=${INTAKE_METRICS:-9102}
DISPATCH_METRICS=${DISPATCH_METRICS:-9103}
KNOWLEDGE_PORT=${KNOWLEDGE_PORT:-50055}
KNOWLEDGE_METRICS=${KNOWLEDGE_METRICS:-9105}

bash tools/install-deps.sh
bash tools/build.sh hotline-intake hotline-dispatch hotline-gateway hotline hotline-healthcheck \
  hotline-simulator hotline-knowledge
BIN=$BUILD_DIR
mkdir -p "$RUN_DIR/redis" "$RUN_DIR/logs"

pids=()
stop() {
  echo
  echo "stopping..."
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  echo "stopped; data kept in $RUN_DIR/redis"
}
trap stop EXIT
trap 'exit 0' INT TERM

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "a Redis already answers on port $REDIS_PORT; stop it first (redis-cli -p $REDIS_PORT shutdown)" >&2
  exit 1
fi
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
  --appendonly yes --appendfsync always --save "" \
  --logfile "$RUN_DIR/logs/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

"$BIN/services/intake/hotline-intake" --grpc_port "$INTAKE_PORT" --metrics_port "$INTAKE_METRICS" \
  --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" 2>"$RUN_DIR/logs/intake.log" &
pids+=($!)
"$BIN/services/dispatch/hotline-dispatch" --grpc_port "$DISPATCH_PORT" --metrics_port "$DISPATCH_METRICS" \
  --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" 2>"$RUN_DIR/logs/dispatch.log" &
pids+=($!)
"$BIN/services/knowledge/hotline-knowledge" --grpc_port "$KNOWLEDGE_PORT" --metrics_port "$KNOWLEDGE_METRICS" \
  --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" --load_seed 2>"$RUN_DIR/logs/knowledge.log" &
pids+=($!)
# The demo tokens plus a simulated handler for every unit (fresh secrets each run).
TOKENS=$RUN_DIR/tokens.textproto
"$BIN/tools/simulator/hotline-simulator" --write_tokens "$TOKENS" \
  --tokens "$ROOT/config/tokens.textproto" --data_dir "$ROOT/data" 2>>"$RUN_DIR/logs/simulator.log"
"$BIN/services/gateway/hotline-gateway" --grpc_port "$GATEWAY_PORT" --metrics_port "$GATEWAY_METRICS" \
  --intake "127.0.0.1:$INTAKE_PORT" --dispatch "127.0.0.1:$DISPATCH_PORT" \
  --knowledge "127.0.0.1:$KNOWLEDGE_PORT" --tokens "$TOKENS" \
  2>"$RUN_DIR/logs/gateway.log" &
pids+=($!)

for svc in "intake:$INTAKE_PORT" "dispatch:$DISPATCH_PORT" "knowledge:$KNOWLEDGE_PORT" \
  "gateway:$GATEWAY_PORT"; do
  ok=""
  for _ in $(seq 100); do
    if "$BIN/tools/hotline/hotline-healthcheck" --addr "127.0.0.1:${svc#*:}" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "${svc%%:*} did not start; see $RUN_DIR/logs/${svc%%:*}.log" >&2; exit 1; }
done

# Orders answered on the spot cite knowledge points: wait for the seed.
for _ in $(seq 300); do grep -q '"seed loaded"' "$RUN_DIR/logs/knowledge.log" && break; sleep 0.1; done
grep -q '"seed loaded"' "$RUN_DIR/logs/knowledge.log" ||
  { echo "knowledge did not load its seed; see $RUN_DIR/logs/knowledge.log" >&2; exit 1; }

export HOTLINE_GATEWAY=127.0.0.1:$GATEWAY_PORT
export HOTLINE_TOKEN=$(grep -m1 -o 'demo-agent-[0-9a-f]*' config/tokens.textproto)
CLI="$BIN/tools/hotline/hotline"
if [ "$(redis-cli -p "$REDIS_PORT" zcard hotline:idx:all)" = "0" ]; then
  bash tools/demo_calls.sh "$CLI" >/dev/null
fi

simulating="off (SIMULATE=0)"
if [ "${SIMULATE:-1}" != 0 ]; then
  "$BIN/tools/simulator/hotline-simulator" --gateway "$HOTLINE_GATEWAY" --tokens "$TOKENS" \
    --data_dir "$ROOT/data" --calls_per_minute "${SIM_CALLS_PER_MINUTE:-30}" \
    --minute "${SIM_MINUTE:-2s}" 2>>"$RUN_DIR/logs/simulator.log" &
  pids+=($!)
  simulating="${SIM_CALLS_PER_MINUTE:-30} calls a minute; a simulated minute lasts ${SIM_MINUTE:-2s}"
fi

cat <<TXT

Hotline is running.
  gateway (hotline.v1.Hotline)  127.0.0.1:$GATEWAY_PORT    metrics http://127.0.0.1:$GATEWAY_METRICS/metrics
  intake                        127.0.0.1:$INTAKE_PORT    metrics http://127.0.0.1:$INTAKE_METRICS/metrics
  dispatch (auto-dispatch on)   127.0.0.1:$DISPATCH_PORT    metrics http://127.0.0.1:$DISPATCH_METRICS/metrics
  knowledge (seed loaded)       127.0.0.1:$KNOWLEDGE_PORT    metrics http://127.0.0.1:$KNOWLEDGE_METRICS/metrics
  redis                         127.0.0.1:$REDIS_PORT     data $RUN_DIR/redis (AOF, fsync always)
  simulator                     $simulating
  tokens                        $TOKENS (demo tokens + one per unit)
  logs                          $RUN_DIR/logs/

Try, in another terminal:
  export HOTLINE_GATEWAY=$HOTLINE_GATEWAY HOTLINE_TOKEN=$HOTLINE_TOKEN
  $CLI list
  $CLI units --kind district
  $CLI queue --unit 440106 --state to-sign          # 天河区's orders waiting for sign-off
  HOTLINE_TOKEN=$(grep -m1 -o 'demo-tianhe-[0-9a-f]*' config/tokens.textproto) $CLI act ORDER_ID sign
  $CLI create --type complaint --district 440106 --street 440106001 --category 0101 \\
      --phone 13812345678 --name 张先生 --content "夜间施工噪声扰民"
  $CLI kb search "德国驾照怎么换成中国的"            # the knowledge base, in Chinese
  $CLI kb list KB.20
  $CLI kb get KB.20.03.001

Ctrl-C stops everything.
TXT
wait -n "${pids[@]}" || true
echo "a process exited; see $RUN_DIR/logs/" >&2
