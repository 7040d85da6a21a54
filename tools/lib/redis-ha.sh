# Sourced by tools/run.sh when REDIS_HA=1: Redis as production runs it, on
# loopback. A primary and two replicas (ports REDIS_PORT, +1, +2; data under
# $RUN_DIR/redis-N) and three Sentinels (SENTINEL_PORT, +1, +2; configs under
# $RUN_DIR/sentinel-N, which Sentinel rewrites as it learns). Each is under
# `supervise`, so a dead one is started again; a data server that starts asks
# the Sentinels where the master is and joins it as a replica (a restarted old
# primary must not come back as a second master: redis_ha_node below), as an
# operator's start script does. Sets REDIS_ADDR (sentinel://.../hotline) and
# REDIS_PORTS (every port to shut down at the end); exports
# HOTLINE_REDIS_WAIT_REPLICAS=1 so every write is on a replica before it is
# acknowledged (flags override it).
#
# Needs: redis-server, redis-sentinel, redis-cli; supervise (tools/lib/supervise.sh).
SENTINEL_PORT=${SENTINEL_PORT:-26380}
REDIS_HA_MASTER=hotline

# redis_ha_node N: runs data server N in the foreground.
redis_ha_ask() {
  local s master=""
  for s in 0 1 2; do
    master=$(redis-cli -p $((SENTINEL_PORT + s)) sentinel get-master-addr-by-name "$REDIS_HA_MASTER" 2>/dev/null |
      paste -sd: -) && [ -n "$master" ] && break
  done
  echo "$master"
}
redis_ha_node() {
  local n=$1 port=$((REDIS_PORT + $1)) master
  master=$(redis_ha_ask)
  if [ "$master" = "127.0.0.1:$port" ] && [ -d "$RUN_DIR/redis-$n/appendonlydir" ]; then
    # A master that crashed: coming straight back, it could take writes its
    # replicas confirm while the Sentinels promote one of them (writes then
    # lost). Stay down until they have decided; start as master only if
    # they still name this server then.
    echo "redis-$n: was the master; waiting for the Sentinels to fail over" >&2
    sleep $(((${SENTINEL_DOWN_AFTER_MS:-5000} * 4 + 999) / 1000))
    master=$(redis_ha_ask)
  fi
  local role=()
  if [ -n "$master" ] && [ "$master" != "127.0.0.1:$port" ]; then
    role=(--replicaof "${master%:*}" "${master#*:}")
  elif [ -z "$master" ] && [ "$n" != 0 ]; then
    role=(--replicaof 127.0.0.1 "$REDIS_PORT")  # first start: replicas of server 0
  fi
  mkdir -p "$RUN_DIR/redis-$n"
  exec redis-server --port "$port" --bind 127.0.0.1 --dir "$RUN_DIR/redis-$n" \
    --appendonly yes --appendfsync always --save "" \
    --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 4gb \
    --repl-diskless-sync-delay 0 \
    --logfile "$RUN_DIR/logs/redis-$n.log" --daemonize no "${role[@]}"
}

redis_ha_start() {
  local n conf
  for n in 0 1 2 "${SENTINEL_PORT}" $((SENTINEL_PORT + 1)) $((SENTINEL_PORT + 2)); do
    local p=$n
    [ "$n" -lt 3 ] && p=$((REDIS_PORT + n))
    if redis-cli -p "$p" ping >/dev/null 2>&1; then
      echo "something already answers on port $p; stop it first (redis-cli -p $p shutdown)" >&2
      exit 1
    fi
  done
  for n in 0 1 2; do
    supervise "redis-$n" "$RUN_DIR/logs/redis-$n.log" bash -c "$(declare -f redis_ha_ask redis_ha_node); \
      REDIS_PORT=$REDIS_PORT SENTINEL_PORT=$SENTINEL_PORT REDIS_HA_MASTER=$REDIS_HA_MASTER RUN_DIR='$RUN_DIR' \
      SENTINEL_DOWN_AFTER_MS=${SENTINEL_DOWN_AFTER_MS:-5000} redis_ha_node $n"
    for _ in $(seq 100); do redis-cli -p $((REDIS_PORT + n)) ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  for n in 0 1 2; do
    conf=$RUN_DIR/sentinel-$n/sentinel.conf
    mkdir -p "$RUN_DIR/sentinel-$n"
    # Written once: afterwards Sentinel keeps it (the current master, peers).
    [ -f "$conf" ] || cat >"$conf" <<CONF
port $((SENTINEL_PORT + n))
bind 127.0.0.1
daemonize no
dir $RUN_DIR/sentinel-$n
logfile $RUN_DIR/logs/sentinel-$n.log
sentinel monitor $REDIS_HA_MASTER 127.0.0.1 $REDIS_PORT 2
sentinel down-after-milliseconds $REDIS_HA_MASTER ${SENTINEL_DOWN_AFTER_MS:-5000}
sentinel failover-timeout $REDIS_HA_MASTER ${SENTINEL_FAILOVER_TIMEOUT_MS:-10000}
sentinel parallel-syncs $REDIS_HA_MASTER 1
CONF
    supervise "sentinel-$n" "$RUN_DIR/logs/sentinel-$n.log" redis-sentinel "$conf"
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
