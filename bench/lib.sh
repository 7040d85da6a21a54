# Sourced by the bench scripts: where things are, free ports, a work folder
# that is removed with everything started in it, and the waits.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BIN=$BUILD_DIR

# bench_build TARGET...: builds them (configuring the build folder if needed).
bench_build() { BUILD_DIR=$BUILD_DIR bash "$ROOT/tools/build.sh" "$@" >&2; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_workdir NAME: WORK, a fresh folder; `pids+=($!)` after starting a
# process gets it stopped (TERM) on exit, before WORK is removed.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/hotline-$1.XXXXXX")
  pids=()
  trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
}

# The gateway signs caller identities with each backend's secret
# (libs/server/identity.h): a fresh one per run, in WORK, the same for every
# backend here (a benchmark measures the work, not the separation). The
# gateway's rate limit is off (a load generator is one user), and so is its
# cap of calls in flight (--max_in_flight): the benchmarks measure the
# services, not shedding.
bench_identity_secret() {
  HOTLINE_IDENTITY_SECRET_FILE="$WORK/identity_secret"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOTLINE_IDENTITY_SECRET_FILE"
  HOTLINE_BACKEND_IDENTITY_SECRETS="$WORK/identity"
  mkdir -p "$HOTLINE_BACKEND_IDENTITY_SECRETS"
  for b in intake dispatch sla knowledge scoring; do
    cp "$HOTLINE_IDENTITY_SECRET_FILE" "$HOTLINE_BACKEND_IDENTITY_SECRETS/$b.secret"
  done
  export HOTLINE_IDENTITY_SECRET_FILE HOTLINE_BACKEND_IDENTITY_SECRETS HOTLINE_RATE_LIMIT=0 HOTLINE_MAX_IN_FLIGHT=0
}

# start_redis ARGS...: a redis-server on a free port (REDIS_PORT) with its
# files in WORK, the ARGS added (persistence settings); waits for PING.
start_redis() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" --logfile "$WORK/redis.log" "$@" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server did not start (log: $WORK/redis.log)" >&2
  return 1
}

# wait_healthy PORT...: until each answers the gRPC health check (up to 10 s each).
wait_healthy() {
  local port
  for port in "$@"; do
    for _ in $(seq 100); do
      "$BIN/tools/hotline/hotline-healthcheck" --addr "127.0.0.1:$port" >/dev/null 2>&1 && continue 2
      sleep 0.1
    done
    echo "nothing healthy on port $port after 10 s" >&2
    return 1
  done
}

# start_echo_pair: the bare gRPC hops the services are compared with, an
# hotline-echo server and an hotline-echo proxy in front of it; PROXY_PORT is
# where to call.
start_echo_pair() {
  local echo_port
  echo_port=$(free_port); PROXY_PORT=$(free_port)
  "$BIN/bench/hotline-echo" --mode server --host 127.0.0.1 --grpc_port "$echo_port" \
    --metrics_port "$(free_port)" 2>/dev/null &
  pids+=($!)
  "$BIN/bench/hotline-echo" --mode proxy --upstream "127.0.0.1:$echo_port" --host 127.0.0.1 \
    --grpc_port "$PROXY_PORT" --metrics_port "$(free_port)" 2>/dev/null &
  pids+=($!)
  wait_healthy "$echo_port" "$PROXY_PORT"
}
