# Sourced by tools/run.sh when REDIS_HA=1: Redis as production runs it, on
# loopback. A primary and two replicas (ports REDIS_PORT, +1, +2; data under
# $RUN_DIR/redis-N) and three Sentinels (SENTINEL_PORT, +1, +2; configs under
# $RUN_DIR/sentinel-N, which Sentinel rewrites as it learns). Each is under
# `supervise`, so a dead one is started again, by the start script compose and
# Kubernetes use (deploy/images/redis/hotline-redis-start.sh): a data server
# asks the Sentinels where the master is and joins it as a replica, and a
# restarted old primary never comes back as a second master. Sets REDIS_ADDR (sentinel://.../hotline) and
# REDIS_PORTS (every port to shut down at the end); exports
# HOTLINE_REDIS_WAIT_REPLICAS=1 so every write is on a replica before it is
# acknowledged (flags override it).
#
# Needs: redis-server, redis-cli; supervise (tools/lib/supervise.sh); ROOT (the checkout).
SENTINEL_PORT=${SENTINEL_PORT:-26380}
REDIS_HA_MASTER=hotline

redis_ha_start() {
  local n
  for n in 0 1 2 "${SENTINEL_PORT}" $((SENTINEL_PORT + 1)) $((SENTINEL_PORT + 2)); do
    local p=$n
    [ "$n" -lt 3 ] && p=$((REDIS_PORT + n))
    if redis-cli -p "$p" ping >/dev/null 2>&1; then
      echo "something already answers on port $p; stop it first (redis-cli -p $p shutdown)" >&2
      exit 1
    fi
  done
  # Every node and Sentinel starts as in compose and Kubernetes
  # (deploy/images/redis/hotline-redis-start.sh): a node asks the Sentinels
  # who is primary, and a crashed primary waits for them before it comes back.
  local start="$ROOT/deploy/images/redis/hotline-redis-start.sh"
  local env=(REDIS_SELF=127.0.0.1 REDIS_FIRST="127.0.0.1:$REDIS_PORT" REDIS_MASTER_NAME=$REDIS_HA_MASTER
             REDIS_SENTINELS="127.0.0.1:$SENTINEL_PORT 127.0.0.1:$((SENTINEL_PORT + 1)) 127.0.0.1:$((SENTINEL_PORT + 2))"
             REDIS_DOWN_AFTER_MS=${SENTINEL_DOWN_AFTER_MS:-5000}
             REDIS_FAILOVER_TIMEOUT_MS=${SENTINEL_FAILOVER_TIMEOUT_MS:-10000})
  for n in 0 1 2; do
    mkdir -p "$RUN_DIR/redis-$n"
    supervise "redis-$n" "$RUN_DIR/logs/redis-$n.log" env "${env[@]}" REDIS_PORT=$((REDIS_PORT + n)) \
      REDIS_DATA_DIR="$RUN_DIR/redis-$n" sh "$start" redis --bind 127.0.0.1 \
      --appendonly yes --appendfsync always --save "" \
      --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 4gb --repl-diskless-sync-delay 0 \
      --logfile "$RUN_DIR/logs/redis-$n.log"
    for _ in $(seq 100); do redis-cli -p $((REDIS_PORT + n)) ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  for n in 0 1 2; do
    mkdir -p "$RUN_DIR/sentinel-$n"
    supervise "sentinel-$n" "$RUN_DIR/logs/sentinel-$n.log" env "${env[@]}" REDIS_PORT=$((SENTINEL_PORT + n)) \
      SENTINEL_DIR="$RUN_DIR/sentinel-$n" sh "$start" sentinel --bind 127.0.0.1 \
      --logfile "$RUN_DIR/logs/sentinel-$n.log"
  done
  # Replicas in sync (state=online) and the Sentinels agreed before services start.
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$REDIS_PORT" info replication 2>/dev/null | grep -c 'state=online')" = 2 ] && break
    sleep 0.1
  done
  for _ in $(seq 100); do
    redis-cli -p "$SENTINEL_PORT" sentinel ckquorum "$REDIS_HA_MASTER" 2>/dev/null | grep -q '^OK' && break
    sleep 0.1
  done
  REDIS_ADDR="sentinel://127.0.0.1:$SENTINEL_PORT,127.0.0.1:$((SENTINEL_PORT + 1)),127.0.0.1:$((SENTINEL_PORT + 2))/$REDIS_HA_MASTER"
  REDIS_PORTS="$((SENTINEL_PORT + 2)) $((SENTINEL_PORT + 1)) $SENTINEL_PORT $((REDIS_PORT + 2)) $((REDIS_PORT + 1)) $REDIS_PORT"
  export HOTLINE_REDIS_WAIT_REPLICAS=${HOTLINE_REDIS_WAIT_REPLICAS:-1}
  export HOTLINE_REDIS_WAIT_TIMEOUT=${HOTLINE_REDIS_WAIT_TIMEOUT:-1s}
}
