#!/usr/bin/env bash
# Auto-dispatch under load: new orders at a fixed rate through the gateway
# (loadgen -> gateway -> intake -> Redis -> stream -> dispatch), then the delay
# from each order's creation to its dispatch, p50/p99/max, from the event
# stream (order.created and order.dispatch carry server-side times). Then, in
# the same run, transitions per second through the gateway (a supervision mark:
# gateway -> dispatch -> read, decide, compare-and-set script that answers with the order) next
# to a plain gRPC echo through the same two hops.
#
#   bash bench/run_dispatch_bench.sh
#
# Settings (environment): BUILD_DIR (default build), BENCH_RATE orders/s
# (default 1000), BENCH_DURATION seconds (default 60), BENCH_APPENDFSYNC
# (default always), BENCH_DISPATCH_REPLICAS (default 1), BENCH_ACT_SECONDS
# (default 10), BENCH_CONCURRENCY for the closed-loop runs (default 256).
# Only loopback addresses; everything started here is stopped on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_workdir dispatch-bench
bench_identity_secret
RATE=${BENCH_RATE:-1000}
DURATION=${BENCH_DURATION:-60}
FSYNC=${BENCH_APPENDFSYNC:-always}
REPLICAS=${BENCH_DISPATCH_REPLICAS:-1}
ACT_SECONDS=${BENCH_ACT_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-256}

bench_build hotline-loadgen hotline-gateway hotline-intake \
  hotline-dispatch hotline-healthcheck hotline-echo
TOKEN=$(grep -m1 -o 'demo-agent-[0-9a-f]*' "$ROOT/config/tokens.textproto")
SUPERVISOR=$(grep -m1 -o 'demo-supervisor-[0-9a-f]*' "$ROOT/config/tokens.textproto")

start_redis --appendonly yes --appendfsync "$FSYNC" --save ""

INTAKE_PORT=$(free_port); GATEWAY_PORT=$(free_port)
bash "$ROOT/tools/make-phone-keys.sh" "$WORK/phone_keys" bench1
"$BIN/services/intake/hotline-intake" --host 127.0.0.1 --grpc_port "$INTAKE_PORT" \
  --metrics_port "$(free_port)" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" \
  --phone_keys "$WORK/phone_keys" 2>"$WORK/intake.log" &
pids+=($!)
DISPATCH_PORTS=()
for i in $(seq "$REPLICAS"); do
  port=$(free_port)
  DISPATCH_PORTS+=("$port")
  "$BIN/services/dispatch/hotline-dispatch" --host 127.0.0.1 --grpc_port "$port" --metrics_port "$(free_port)" \
    --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" --consumer_name "bench-$i" \
    2>"$WORK/dispatch-$i.log" &
  pids+=($!)
done
"$BIN/services/gateway/hotline-gateway" --host 127.0.0.1 --grpc_port "$GATEWAY_PORT" \
  --metrics_port "$(free_port)" --intake "127.0.0.1:$INTAKE_PORT" --dispatch "127.0.0.1:${DISPATCH_PORTS[0]}" \
  --demo_tokens "$ROOT/config/tokens.textproto" 2>"$WORK/gateway.log" &
pids+=($!)
wait_healthy "$INTAKE_PORT" "${DISPATCH_PORTS[@]}" "$GATEWAY_PORT"

echo "== $RATE orders/s for ${DURATION}s, appendfsync $FSYNC, $REPLICAS dispatch replica(s)"
"$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --rpc create --token "$TOKEN" \
  --rate "$RATE" --concurrency 2000 --duration "$DURATION" --warmup 0 --channels 4 \
  --data_dir "$ROOT/data"

# Let auto-dispatch finish what is still queued (bounded wait).
for _ in $(seq 300); do
  [ "$(redis-cli -p "$REDIS_PORT" zcard hotline:idx:state:1)" = "0" ] && break
  sleep 0.1
done
echo "orders still waiting for dispatch: $(redis-cli -p "$REDIS_PORT" zcard hotline:idx:state:1)"

# create -> dispatch delay of every order, computed where the data is.
redis-cli -p "$REDIS_PORT" --raw EVAL '
  local created, delays = {}, {}
  local last = "-"
  while true do
    local entries = redis.call("XRANGE", KEYS[1], last, "+", "COUNT", 10000)
    if #entries == 0 then break end
    for _, e in ipairs(entries) do
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      if f.event == "order.created" then
        created[f.order_id] = tonumber(f.at_ms)
      elseif f.event == "order.dispatch" and created[f.order_id] then
        delays[#delays + 1] = tonumber(f.at_ms) - created[f.order_id]
      end
      last = "(" .. e[1]
    end
  end
  table.sort(delays)
  local function pct(p) if #delays == 0 then return -1 end return delays[math.max(1, math.ceil(#delays * p))] end
  return {"dispatched", #delays, "p50_ms", pct(0.50), "p90_ms", pct(0.90), "p99_ms", pct(0.99), "max_ms", pct(1.0)}
' 1 hotline:events | paste -d= - - | tr '\n' ' '
echo

# Transitions vs. echo through the same two hops, closed loop, one after the other.
redis-cli -p "$REDIS_PORT" zrange hotline:idx:all 0 -1 > "$WORK/order_ids"
start_echo_pair
echo "== transitions (urge) vs echo, 2 hops, concurrency $CONCURRENCY, ${ACT_SECONDS}s each"
echo_line=$("$BIN/bench/hotline-loadgen" --target "127.0.0.1:$PROXY_PORT" --rpc echo \
  --concurrency "$CONCURRENCY" --duration "$ACT_SECONDS" --warmup 2 --channels 4 --data_dir "$ROOT/data" | head -1)
echo "$echo_line"
act_line=$("$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --rpc urge \
  --token "$SUPERVISOR" --order_ids "$WORK/order_ids" --concurrency "$CONCURRENCY" \
  --duration "$ACT_SECONDS" --warmup 2 --channels 4 --data_dir "$ROOT/data" | head -1)
echo "$act_line"
rate_of() { sed -n 's/.*throughput=\([0-9.]*\)\/s.*/\1/p' <<<"$1"; }
awk -v a="$(rate_of "$act_line")" -v e="$(rate_of "$echo_line")" \
  'BEGIN { if (e > 0) printf "transitions/echo = %.2f\n", a / e }'
