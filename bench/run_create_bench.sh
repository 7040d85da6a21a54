#!/usr/bin/env bash
# Work orders per second through the real path (loadgen -> gateway -> intake ->
# Redis), next to the same number of plain gRPC hops (loadgen -> echo proxy ->
# echo server), for each Redis durability mode. See bench/README.md.
#
#   bash bench/run_create_bench.sh
#
# Settings (environment):
#   BUILD_DIR           build tree to use (default: build); configured as Release if absent
#   BENCH_MODES         Redis appendfsync modes (default: "always everysec")
#   BENCH_DURATION      seconds measured per run (default 10)
#   BENCH_WARMUP        seconds of load before each measurement (default 2)
#   BENCH_CONCURRENCY   calls in flight, closed loop; several values ("64 256 512")
#                       are all run and the best create figure is the peak (default 256)
#   BENCH_CHANNELS      client channels = TCP connections (default 4)
#   BENCH_REDIS_CONNECTIONS  intake --redis_connections (default: intake's own default)
#   BENCH_OPEN_LOOP_CAP most calls in flight in the open-loop run (default 2000)
#   BENCH_REPEAT        runs of each echo/create pair (default 1); peaks are the best run
#   BENCH_SWEEP         open-loop rates (calls/s) at which create and echo are both run
#                       after the peaks (default "100 1000")
#   BENCH_REWRITE_RATE  create rate (calls/s) during a forced AOF rewrite, with
#                       BENCH_REWRITE_ORDERS orders in Redis (defaults 1000, 100000;
#                       rate 0 skips it); appendfsync=always only
#   BENCH_MEMORY_ORDERS orders for the Redis bytes-per-order figure (default 100000;
#                       0 skips it), of which a tenth go through a whole life
#   BENCH_PERF          a folder: each closed-loop create run is profiled there with
#                       `perf record -g` (gateway, intake and Redis, after the warmup),
#                       the top of each process's profile beside it (needs linux-perf)
# Only loopback addresses are used; everything started here is stopped on exit.
set -euo pipefail
# The gateway signs caller identities with each backend's secret
# (libs/server/identity.h): a fresh one per run, the same for every backend
# here (a folder of copies for the gateway). The gateway runs in demo mode
# (static tokens) without a rate limit (the load generator is one user) and
# without its cap of calls in flight (this measures the services, not shedding).
HOTLINE_IDENTITY_SECRET_FILE=$(mktemp /tmp/hotline-bench-identity.XXXXXX)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOTLINE_IDENTITY_SECRET_FILE"
HOTLINE_BACKEND_IDENTITY_SECRETS=$(mktemp -d /tmp/hotline-bench-identity.XXXXXX)
for b in intake dispatch sla knowledge scoring; do
  cp "$HOTLINE_IDENTITY_SECRET_FILE" "$HOTLINE_BACKEND_IDENTITY_SECRETS/$b.secret"
done
export HOTLINE_IDENTITY_SECRET_FILE HOTLINE_BACKEND_IDENTITY_SECRETS HOTLINE_RATE_LIMIT=0 HOTLINE_MAX_IN_FLIGHT=0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
MODES=${BENCH_MODES:-"always everysec"}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONCURRENCY=${BENCH_CONCURRENCY:-256}
CHANNELS=${BENCH_CHANNELS:-4}
REDIS_CONNECTIONS=${BENCH_REDIS_CONNECTIONS:-}
OPEN_LOOP_CAP=${BENCH_OPEN_LOOP_CAP:-2000}
REPEAT=${BENCH_REPEAT:-1}
SWEEP=${BENCH_SWEEP-"100 1000"}
REWRITE_RATE=${BENCH_REWRITE_RATE:-1000}
REWRITE_ORDERS=${BENCH_REWRITE_ORDERS:-100000}
MEMORY_ORDERS=${BENCH_MEMORY_ORDERS:-100000}
PERF_DIR=${BENCH_PERF:-}
# Redis as deployed (docker-compose.yml, deploy/k8s/redis.yaml, tools/run.sh):
# no automatic AOF rewrite until the file is huge; a nightly job rewrites it.
REDIS_POLICY=(--auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 4gb)
DATA_DIR="$ROOT/data"
TOKENS="$ROOT/config/tokens.textproto"
PY=/usr/bin/python3
command -v "$PY" >/dev/null || PY=python3

log() { printf '%s\n' "$*" >&2; }
die() { log "run_create_bench: $*"; exit 1; }

command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
if [[ -n $PERF_DIR ]]; then
  command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
  mkdir -p "$PERF_DIR"
fi

# --- build ------------------------------------------------------------------
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  log "configuring $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
# Only the four binaries this needs; two jobs (other people share the cores).
cmake --build "$BUILD_DIR" -j 2 --target hotline-echo hotline-loadgen hotline-gateway hotline-intake \
  hotline-order-memory >&2 || die "build failed"
ECHO="$BUILD_DIR/bench/hotline-echo"
LOADGEN="$BUILD_DIR/bench/hotline-loadgen"
GATEWAY="$BUILD_DIR/services/gateway/hotline-gateway"
INTAKE="$BUILD_DIR/services/intake/hotline-intake"
for b in "$ECHO" "$LOADGEN" "$GATEWAY" "$INTAKE"; do [[ -x $b ]] || die "missing $b"; done

# The first agent token of the demo token file.
TOKEN=$(awk '/token:/ { gsub(/"/, "", $2); t = $2 } /role: ROLE_AGENT/ { print t; exit }' "$TOKENS")
[[ -n $TOKEN ]] || die "no ROLE_AGENT token in $TOKENS"

# --- processes --------------------------------------------------------------
WORK=$(mktemp -d /tmp/hotline-bench.XXXXXX)
PHONE_KEYS="$WORK/phone_keys"
bash "$(dirname "$0")/../tools/make-phone-keys.sh" "$PHONE_KEYS" bench1
PIDS=()
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_all
  rm -rf "$WORK" "$HOTLINE_BACKEND_IDENTITY_SECRETS" "$HOTLINE_IDENTITY_SECRET_FILE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# N loopback ports that are free right now (all held open together, so distinct).
free_ports() {
  "$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# start NAME CMD...: runs CMD in the background, stderr to $WORK/NAME.log.
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  PIDS+=($!)
  eval "PID_${name//-/_}=$!"
}

# wait_serving NAME: until the service logged its "serving" line. Services start
# with --grpc_port 0 and pick a free port themselves (no race with other
# processes for a port chosen in advance); grpc_port NAME reads it from that line.
wait_serving() {
  local name=$1 pid_var="PID_${1//-/_}"
  for _ in $(seq 200); do
    grep -q '"msg":"serving"' "$WORK/$name.log" 2>/dev/null && return 0
    kill -0 "${!pid_var}" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name exited"; }
    sleep 0.05
  done
  cat "$WORK/$name.log" >&2
  die "$name did not start serving within 10 s"
}

grpc_port() { grep -o '"msg":"serving","grpc_port":"[0-9]*"' "$WORK/$1.log" | grep -o '[0-9]*"$' | tr -d '"'; }

# cpu_ticks PID: user+system CPU time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICKS=$(getconf CLK_TCK)

# busy_ticks: CPU ticks the whole machine spent busy so far (all cores);
# steal_ticks: ticks the hypervisor gave our virtual CPUs to someone else.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
steal_ticks() { awk '/^cpu / { print $9 }' /proc/stat; }

# redis_info FIELD: one field of the benchmark Redis's INFO.
redis_info() {
  redis-cli -h 127.0.0.1 -p "$P_REDIS" info 2>/dev/null | awk -F: -v f="$1" '$1 == f { print $2 + 0 }'
}

# Redis rewrites its append-only file now and then (a forked child that takes a
# core for seconds): let a rewrite finish before the next run starts, so that
# one run does not pay for the one before.
wait_no_rewrite() {
  for _ in $(seq 600); do
    [[ $(redis_info aof_rewrite_in_progress) == 0 && $(redis_info aof_rewrite_scheduled) == 0 ]] &&
      return 0
    sleep 0.1
  done
}

# field NAME LINE: the value of NAME=... in a loadgen line (numbers only).
field() { { grep -o "$1=[0-9.]*" <<<"$2" || true; } | head -1 | cut -d= -f2; }

# profile NAME PIDS_TO_WATCH: perf record of each of those processes for the
# measured window of a run (after its warmup), into $PERF_DIR/NAME-PROCESS.data,
# and the top of its flat profile (self time by library and function) into
# $PERF_DIR/NAME-PROCESS.txt.
profile() {
  local name=$1 p out
  sleep "$WARMUP"
  for p in $2; do
    out="$PERF_DIR/$name-${p#PID_}"
    perf record -q -g -F 499 -p "${!p}" -o "$out.data" -- sleep "$DURATION" >/dev/null 2>&1 &
  done
  wait
  for p in $2; do
    out="$PERF_DIR/$name-${p#PID_}"
    perf report -i "$out.data" --no-children --sort dso,sym --percent-limit 0.5 --stdio -g none \
      2>/dev/null | grep -v '^#' | grep -v '^$' >"$out.txt" || true
  done
}

# run_loadgen NAME PIDS_TO_WATCH -- ARGS...: runs the loadgen, prints its line and
# how busy each watched process (and the loadgen) was; sets LAST_LINE.
run_loadgen() {
  local name=$1 watch=$2; shift 3
  local -A before
  local p
  for p in $watch; do before[$p]=$(cpu_ticks "${!p}"); done
  local rc=0 start_ns end_ns busy_before busy_after steal_before forks_before
  wait_no_rewrite
  forks_before=$(redis_info total_forks)
  steal_before=$(steal_ticks)
  busy_before=$(busy_ticks)
  start_ns=$(date +%s%N)
  local perf_pid=""
  if [[ -n $PERF_DIR && $name =~ ^create-[a-z]+-[0-9]+-[0-9]+$ ]]; then
    profile "$name" "$watch" &
    perf_pid=$!
  fi
  "$LOADGEN" --data_dir "$DATA_DIR" --token "$TOKEN" --duration "$DURATION" --warmup "$WARMUP" \
    --channels "$CHANNELS" "$@" >"$WORK/$name.txt" 2>"$WORK/$name.err" || rc=$?
  end_ns=$(date +%s%N)
  [[ -n $perf_pid ]] && wait "$perf_pid"
  busy_after=$(busy_ticks)
  local steal=$(( $(steal_ticks) - steal_before )) forks=$(( $(redis_info total_forks) - forks_before ))
  LAST_LINE=$(cat "$WORK/$name.txt")
  local wall cpu="" lg ours=0 t
  wall=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN { print (b - a) / 1e9 }')
  for p in $watch; do
    t=$(( $(cpu_ticks "${!p}") - before[$p] ))
    ours=$(( ours + t ))
    cpu+=" ${p#PID_}=$(awk -v t="$t" -v hz="$TICKS" -v w="$wall" 'BEGIN { printf "%.2f", t / hz / w }')"
  done
  lg=$({ grep -o 'cpu_seconds=[0-9.]*' "$WORK/$name.err" || true; } | cut -d= -f2)
  [[ -n $lg ]] && cpu+=" loadgen=$(awk -v c="$lg" -v w="$wall" 'BEGIN { printf "%.2f", c / w }')"
  # Whatever else ran meanwhile (other people's builds and tests, a Redis
  # rewrite child) took CPU from us; so did a hypervisor that ran other guests
  # on our virtual CPUs (stolen).
  cpu+=" others=$(awk -v b=$(( busy_after - busy_before )) -v o="$ours" -v c="${lg:-0}" -v hz="$TICKS" \
    -v w="$wall" 'BEGIN { x = ((b - o) / hz - c) / w; printf "%.2f", (x < 0 ? 0 : x) }')"
  cpu+=" stolen=$(awk -v t="$steal" -v hz="$TICKS" -v w="$wall" 'BEGIN { printf "%.2f", t / hz / w }')"
  printf '%s\n' "${LAST_LINE:-rpc=? (no output)}"
  printf '  cores busy:%s (of %d)%s\n' "$cpu" "$(nproc)" \
    "$( (( forks > 0 )) && echo "; Redis rewrote its append-only file during this run")"
  if (( rc != 0 )); then
    printf '  FAILED (exit %d): %s\n' "$rc" "$(grep -v cpu_seconds "$WORK/$name.err" | tr '\n' ' ')"
  fi
  return 0
}

# Idle share of the CPU over one second (other work on the machine skews every figure).
idle_percent() {
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  awk -v i=$(( b[4] + b[5] - a[4] - a[5] )) \
      -v t=$(( b[1]+b[2]+b[3]+b[4]+b[5]+b[6]+b[7]+b[8] - a[1]-a[2]-a[3]-a[4]-a[5]-a[6]-a[7]-a[8] )) \
      'BEGIN { printf "%d", (t > 0 ? 100 * i / t : 100) }'
}
idle=$(idle_percent)
echo "machine: $(nproc) cores, ${idle}% idle before the run"
if (( idle < 90 )); then
  echo "WARNING: other processes use $(( 100 - idle ))% of the CPU; the figures will be low and noisy"
fi

# Create at REWRITE_RATE/s while Redis rewrites its append-only file (forced
# with BGREWRITEAOF a second into the measurement), with REWRITE_ORDERS orders
# stored (topped up first): the tail a centre meets when its nightly rewrite
# runs, or the backstop fires by day. Sets REWRITE_ROW.
run_during_rewrite() {
  local have top_up_s
  have=$(redis-cli -h 127.0.0.1 -p "$P_REDIS" zcard hotline:idx:all)
  if (( have < REWRITE_ORDERS )); then
    top_up_s=$(( (REWRITE_ORDERS - have) / (${peak%.*} > 0 ? ${peak%.*} * 8 / 10 : 1000) + 1 ))
    echo "-- topping up to $REWRITE_ORDERS orders (${top_up_s}s of closed-loop creates)"
    "$LOADGEN" --data_dir "$DATA_DIR" --token "$TOKEN" --duration "$top_up_s" --warmup 0 \
      --channels "$CHANNELS" --target "127.0.0.1:$P_GATEWAY" --rpc create --concurrency 256 \
      >/dev/null 2>&1 || true
  fi
  wait_no_rewrite
  local before after rc=0
  before=$(redis_info aof_rewrites)
  echo "-- create at $REWRITE_RATE/s during an AOF rewrite ($(redis-cli -h 127.0.0.1 -p "$P_REDIS" \
    zcard hotline:idx:all) orders, $(redis_info aof_current_size) bytes of AOF)"
  "$LOADGEN" --data_dir "$DATA_DIR" --token "$TOKEN" --duration "$DURATION" --warmup "$WARMUP" \
    --channels "$CHANNELS" --target "127.0.0.1:$P_GATEWAY" --rpc create --rate "$REWRITE_RATE" \
    --concurrency "$OPEN_LOOP_CAP" >"$WORK/rewrite.txt" 2>"$WORK/rewrite.err" &
  local lg=$!
  sleep $(( WARMUP + 1 ))
  redis-cli -h 127.0.0.1 -p "$P_REDIS" bgrewriteaof >/dev/null
  wait "$lg" || rc=$?
  after=$(redis_info aof_rewrites)
  wait_no_rewrite
  LAST_LINE=$(cat "$WORK/rewrite.txt")
  printf '%s\n' "${LAST_LINE:-rpc=? (no output)}"
  REWRITE_ROW=$(printf 'always rate=%s/s during_rewrite p50=%sms p99=%sms rewrites_in_run=%s rewrite_seconds=%s%s' \
    "$REWRITE_RATE" "$(field p50 "$LAST_LINE")" "$(field p99 "$LAST_LINE")" $(( after - before )) \
    "$(redis_info aof_last_rewrite_time_sec)" "$( (( rc != 0 )) && echo ' FAILED')")
}

# Redis bytes per order, open and closed with a typical history (a Redis of
# its own, filled by the real store and dispatch core). Sets MEMORY_ROW.
run_memory() {
  local port
  port=$(free_ports 1)
  mkdir -p "$WORK/redis-memory"
  start redis_memory redis-server --bind 127.0.0.1 --port "$port" --dir "$WORK/redis-memory" \
    --appendonly yes --appendfsync everysec --save '' --daemonize no --logfile ''
  for _ in $(seq 100); do
    [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.05
  done
  echo
  echo "== Redis bytes per order ($MEMORY_ORDERS orders, $(( MEMORY_ORDERS / 10 )) closed with 10 history entries)"
  MEMORY_ROW=$("$BUILD_DIR/bench/hotline-order-memory" --redis "127.0.0.1:$port" --data_dir "$DATA_DIR" \
    --orders "$MEMORY_ORDERS" --closed $(( MEMORY_ORDERS / 10 )) 2>"$WORK/memory.err" | tr "\n" " ")
  echo "$MEMORY_ROW"
  stop_all
}

SUMMARY=()
SWEEP_ROWS=()
for mode in $MODES; do
  P_REDIS=$(free_ports 1)
  mkdir -p "$WORK/redis-$mode"
  start redis redis-server --bind 127.0.0.1 --port "$P_REDIS" --dir "$WORK/redis-$mode" \
    --appendonly yes --appendfsync "$mode" "${REDIS_POLICY[@]}" --save '' --daemonize no --logfile ''
  for _ in $(seq 100); do
    [[ $(redis-cli -h 127.0.0.1 -p "$P_REDIS" ping 2>/dev/null) == PONG ]] && break
    sleep 0.05
  done
  [[ $(redis-cli -h 127.0.0.1 -p "$P_REDIS" ping 2>/dev/null) == PONG ]] || die "redis did not start"

  intake_args=(--host 127.0.0.1 --grpc_port 0 --metrics_port 0
               --redis "127.0.0.1:$P_REDIS" --data_dir "$DATA_DIR" --phone_keys "$PHONE_KEYS")
  [[ -n $REDIS_CONNECTIONS ]] && intake_args+=(--redis_connections "$REDIS_CONNECTIONS")
  start intake "$INTAKE" "${intake_args[@]}"
  start echo_server "$ECHO" --mode server --host 127.0.0.1 --grpc_port 0 --metrics_port 0
  wait_serving intake
  wait_serving echo_server
  start gateway "$GATEWAY" --host 127.0.0.1 --grpc_port 0 --metrics_port 0 \
    --intake "127.0.0.1:$(grpc_port intake)" --demo_tokens "$TOKENS"
  start echo_proxy "$ECHO" --mode proxy --upstream "127.0.0.1:$(grpc_port echo_server)" \
    --host 127.0.0.1 --grpc_port 0 --metrics_port 0
  wait_serving gateway
  wait_serving echo_proxy
  P_GATEWAY=$(grpc_port gateway) P_PROXY=$(grpc_port echo_proxy)

  echo
  echo "== redis appendfsync=$mode  (duration ${DURATION}s, warmup ${WARMUP}s, channels $CHANNELS)"
  peak=0 peak_c=0 peak_ratio=0 peak_echo=0
  for c in $CONCURRENCY; do for rep in $(seq "$REPEAT"); do
    run_loadgen "echo-$mode-$c-$rep" "PID_echo_proxy PID_echo_server" -- \
      --target "127.0.0.1:$P_PROXY" --rpc echo --concurrency "$c"
    echo_tp=$(field throughput "$LAST_LINE"); echo_tp=${echo_tp:-0}
    run_loadgen "create-$mode-$c-$rep" "PID_gateway PID_intake PID_redis" -- \
      --target "127.0.0.1:$P_GATEWAY" --rpc create --concurrency "$c"
    create_tp=$(field throughput "$LAST_LINE"); create_tp=${create_tp:-0}
    ratio=$(awk -v a="$create_tp" -v b="$echo_tp" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    echo "create/echo = $ratio  (concurrency $c)"
    if awk -v a="$create_tp" -v b="$peak" 'BEGIN { exit !(a > b) }'; then
      peak=$create_tp peak_c=$c
    fi
    if awk -v a="$echo_tp" -v b="$peak_echo" 'BEGIN { exit !(a > b) }'; then
      peak_echo=$echo_tp
    fi
  done; done
  peak_ratio=$(awk -v a="$peak" -v b="$peak_echo" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  echo "peaks: create $peak/s (concurrency $peak_c), echo $peak_echo/s: create/echo = $peak_ratio"

  # Open loop at half the create peak, and the echo path at the same rate and
  # at half its own peak: what the two gRPC hops alone cost in tail latency here.
  half=$(awk -v p="$peak" 'BEGIN { printf "%d", p / 2 }')
  echo_half=$(awk -v p="$peak_echo" 'BEGIN { printf "%d", p / 2 }')
  half_p50="-" half_p99="-" same_p99="-" echo_half_p99="-"
  if (( half > 0 )); then
    echo "-- open loop at half the create peak ($half/s)"
    run_loadgen "create-$mode-half" "PID_gateway PID_intake PID_redis" -- \
      --target "127.0.0.1:$P_GATEWAY" --rpc create --rate "$half" --concurrency "$OPEN_LOOP_CAP"
    half_p50=$(field p50 "$LAST_LINE")ms half_p99=$(field p99 "$LAST_LINE")ms
    echo "half-peak create: p50=$half_p50 p99=$half_p99"
    echo "-- echo, open loop at the same rate ($half/s)"
    run_loadgen "echo-$mode-same" "PID_echo_proxy PID_echo_server" -- \
      --target "127.0.0.1:$P_PROXY" --rpc echo --rate "$half" --concurrency "$OPEN_LOOP_CAP"
    same_p99=$(field p99 "$LAST_LINE")ms
  fi
  if (( echo_half > 0 )); then
    echo "-- echo, open loop at half the echo peak ($echo_half/s)"
    run_loadgen "echo-$mode-half" "PID_echo_proxy PID_echo_server" -- \
      --target "127.0.0.1:$P_PROXY" --rpc echo --rate "$echo_half" --concurrency "$OPEN_LOOP_CAP"
    echo_half_p99=$(field p99 "$LAST_LINE")ms
  fi
  for rate in $SWEEP; do
    echo "-- sweep: create and echo, open loop at $rate/s"
    run_loadgen "create-$mode-sweep-$rate" "PID_gateway PID_intake PID_redis" -- \
      --target "127.0.0.1:$P_GATEWAY" --rpc create --rate "$rate" --concurrency "$OPEN_LOOP_CAP"
    create_line=$LAST_LINE
    run_loadgen "echo-$mode-sweep-$rate" "PID_echo_proxy PID_echo_server" -- \
      --target "127.0.0.1:$P_PROXY" --rpc echo --rate "$rate" --concurrency "$OPEN_LOOP_CAP"
    SWEEP_ROWS+=("$(printf '%-9s %6s %10s %10s %10s %10s' "$mode" "$rate" \
      "$(field p50 "$create_line")ms" "$(field p99 "$create_line")ms" \
      "$(field p50 "$LAST_LINE")ms" "$(field p99 "$LAST_LINE")ms")")
  done
  if [[ $mode == always ]] && (( REWRITE_RATE > 0 )); then
    run_during_rewrite
  fi
  orders=$(redis-cli -h 127.0.0.1 -p "$P_REDIS" zcard hotline:idx:all 2>/dev/null || echo "?")
  # An automatic AOF rewrite (a forked child writing the whole data set) takes
  # a core for a while: say when one fell into this mode's runs.
  rewrites=$(redis-cli -h 127.0.0.1 -p "$P_REDIS" info persistence 2>/dev/null |
    awk -F: '/^aof_rewrites:/ { print $2 + 0 }')
  echo "orders in redis: $orders; automatic AOF rewrites during the runs: ${rewrites:-?}"
  tail_ratio=$(awk -v a="${half_p99%ms}" -v b="${echo_half_p99%ms}" \
    'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
  SUMMARY+=("$(printf '%-9s %11s %10s %6s %11s %8s %10s %10s %13s %14s %10s' "$mode" "$peak_echo" \
    "$peak" "$peak_ratio" "$peak_c" "$half" "$half_p50" "$half_p99" "$same_p99" "$echo_half_p99" \
    "$tail_ratio")")
  stop_all
done

(( MEMORY_ORDERS > 0 )) && run_memory

echo
echo "== summary (calls/s; peaks = best closed-loop figure over concurrency $CONCURRENCY)"
printf '%-9s %11s %10s %6s %11s %8s %10s %10s %13s %14s %10s\n' appendfsync echo_peak create_peak ratio \
  create_at_c half_rate half_p50 half_p99 echo_same_p99 echo_half_p99 tail_ratio
echo "(tail_ratio: create's p99 at half its own peak / echo's p99 at half the echo peak)"
for row in "${SUMMARY[@]}"; do echo "$row"; done
[[ -n ${REWRITE_ROW:-} ]] && { echo; echo "== create during an AOF rewrite"; echo "$REWRITE_ROW"; }
[[ -n ${MEMORY_ROW:-} ]] && { echo; echo "== Redis bytes per order"; echo "$MEMORY_ROW"; }
if (( ${#SWEEP_ROWS[@]} > 0 )); then
  echo
  echo "== open-loop sweep (latency counted from when each call was due)"
  printf '%-9s %6s %10s %10s %10s %10s\n' appendfsync rate create_p50 create_p99 echo_p50 echo_p99
  for row in "${SWEEP_ROWS[@]}"; do echo "$row"; done
fi
