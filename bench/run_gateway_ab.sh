#!/usr/bin/env bash
# Create throughput through two gateway binaries in one run: both on the same
# intake and Redis, measured in turns (A, B, A, B, ...) so that whatever else
# the machine does falls on both alike. For a change of the gateway itself
# (issue 21: the table-driven gateway against the hand-written forwarders).
#
#   bash bench/run_gateway_ab.sh GATEWAY_A GATEWAY_B
#
# Settings (environment): BUILD_DIR (default build: intake, loadgen),
# AB_ROUNDS (default 3), AB_DURATION (seconds per turn, default 8),
# AB_CONCURRENCY (default 128), AB_FSYNC (Redis appendfsync, default everysec).
set -euo pipefail
(( $# == 2 )) || { echo "usage: $0 GATEWAY_A GATEWAY_B" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
ROUNDS=${AB_ROUNDS:-3}
DURATION=${AB_DURATION:-8}
CONCURRENCY=${AB_CONCURRENCY:-128}
FSYNC=${AB_FSYNC:-everysec}
INTAKE="$BUILD_DIR/services/intake/hotline-intake"
LOADGEN="$BUILD_DIR/bench/hotline-loadgen"
TOKENS="$ROOT/config/tokens.textproto"
DATA_DIR="$ROOT/data"
WORK=$(mktemp -d /tmp/hotline-ab.XXXXXX)
export HOTLINE_IDENTITY_SECRET_FILE="$WORK/identity.secret" HOTLINE_RATE_LIMIT=0 HOTLINE_MAX_IN_FLIGHT=0
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOTLINE_IDENTITY_SECRET_FILE"
# The gateway's folder of backend secrets: here all the same one.
export HOTLINE_BACKEND_IDENTITY_SECRETS="$WORK/identity"
mkdir -p "$HOTLINE_BACKEND_IDENTITY_SECRETS"
for b in intake dispatch sla knowledge scoring; do
  cp "$HOTLINE_IDENTITY_SECRET_FILE" "$HOTLINE_BACKEND_IDENTITY_SECRETS/$b.secret"
done
bash "$ROOT/tools/make-phone-keys.sh" "$WORK/phone_keys" ab1
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
port() { grep -o '"msg":"serving","grpc_port":"[0-9]*"' "$WORK/$1.log" | grep -o '[0-9]*"$' | tr -d '"'; }
serving() {
  for _ in $(seq 200); do grep -q '"msg":"serving"' "$WORK/$1.log" 2>/dev/null && return 0; sleep 0.05; done
  cat "$WORK/$1.log" >&2; echo "$1 did not start" >&2; exit 1
}
REDIS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" --appendonly yes \
  --appendfsync "$FSYNC" --save '' --daemonize no --logfile '' >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
"$INTAKE" --host 127.0.0.1 --grpc_port 0 --metrics_port 0 --redis "127.0.0.1:$REDIS_PORT" \
  --data_dir "$DATA_DIR" --phone_keys "$WORK/phone_keys" >/dev/null 2>"$WORK/intake.log" &
PIDS+=($!)
serving intake
for side in a b; do
  bin=$1; [[ $side = b ]] && bin=$2
  "$bin" --host 127.0.0.1 --grpc_port 0 --metrics_port 0 --screen_port -1 \
    --intake "127.0.0.1:$(port intake)" --demo_tokens "$TOKENS" >/dev/null 2>"$WORK/gateway-$side.log" &
  PIDS+=($!)
  serving "gateway-$side"
done
TOKEN=$(awk '/token:/ { gsub(/"/, "", $2); t = $2 } /role: ROLE_AGENT/ { print t; exit }' "$TOKENS")
echo "A=$1"
echo "B=$2"
echo "appendfsync=$FSYNC concurrency=$CONCURRENCY duration=${DURATION}s rounds=$ROUNDS"
for r in $(seq "$ROUNDS"); do
  for side in a b; do
    line=$("$LOADGEN" --data_dir "$DATA_DIR" --token "$TOKEN" --duration "$DURATION" --warmup 2 \
      --channels 4 --target "127.0.0.1:$(port gateway-$side)" --rpc create \
      --concurrency "$CONCURRENCY" 2>/dev/null)
    echo "round $r ${side^^}: $line"
  done
done
