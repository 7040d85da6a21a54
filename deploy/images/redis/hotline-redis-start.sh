#!/bin/sh
# hotline-redis-start redis|sentinel [redis-server options...]
#
# One node of the Redis Sentinel set-up (README, "Redis: losing the primary"):
# a Redis that starts as the primary or as a replica of whichever node the
# Sentinels say is the primary now, or a Sentinel that watches it. Compose
# and Kubernetes run it in every Redis and Sentinel container; the failover
# test runs it on loopback. From the environment:
#   REDIS_SELF            the name (or IP) the others reach this node at
#   REDIS_PORT            this node's port (6379; a Sentinel's: 26379)
#   REDIS_FIRST           "host:port" of the node that is the primary when no
#                         Sentinel knows one yet (the very first start)
#   REDIS_SENTINELS       "host:port host:port host:port"
#   REDIS_MASTER_NAME     the set-up's name at the Sentinels (hotline)
#   REDIS_PASSWORD_FILE   the password of the Redis nodes (requirepass and
#                         masterauth; the Sentinels use it to reach them);
#                         unset: none (tools/run.sh on loopback)
#   REDIS_DATA_DIR        a node's data directory (/data)
#   REDIS_QUORUM, REDIS_DOWN_AFTER_MS, REDIS_FAILOVER_TIMEOUT_MS
#                         Sentinels agreeing a primary is down (2), after how
#                         long (5000 ms), and the failover timeout (60000 ms)
#   SENTINEL_DIR          where a Sentinel keeps its config (it rewrites it)
# Never starts a second primary: a node that restarts after a failover asks
# the Sentinels first and comes back as a replica of the new primary. A
# primary that crashed and is restarted at once (a supervisor, a restart
# policy) stays down until the Sentinels have decided: back within their
# down-after time it would take writes while they promote a replica, and
# those writes would be lost. It starts as primary only if they still name it.
# Extra options go to redis-server (e.g. --bind, --logfile).
set -eu
role=${1:?usage: hotline-redis-start redis|sentinel [options]}
shift
self=${REDIS_SELF:?REDIS_SELF is required}
name=${REDIS_MASTER_NAME:-hotline}
first=${REDIS_FIRST:?REDIS_FIRST is required (host:port)}
password=""
[ -z "${REDIS_PASSWORD_FILE:-}" ] || password=$(cat "$REDIS_PASSWORD_FILE")
down_after=${REDIS_DOWN_AFTER_MS:-5000}

# "host port" of the primary as the first Sentinel that answers knows it, or
# nothing.
current_primary() {
  for s in ${REDIS_SENTINELS:-}; do
    answer=$(timeout 2 redis-cli -h "${s%:*}" -p "${s##*:}" --raw \
      sentinel get-master-addr-by-name "$name" 2>/dev/null | tr '\n' ' ') || continue
    set -- $answer
    if [ $# -eq 2 ]; then
      echo "$1 $2"
      return
    fi
  done
}

case "$role" in
  redis)
    port=${REDIS_PORT:-6379}
    data=${REDIS_DATA_DIR:-/data}
    primary=$(current_primary)
    if [ "$primary" = "$self $port" ]; then
      echo "hotline-redis-start: $self:$port was the primary; waiting for the Sentinels to decide" >&2
      sleep $(((down_after * 4 + 999) / 1000))
      primary=$(current_primary)
    fi
    [ -n "$primary" ] || primary="${first%:*} ${first##*:}"
    set -- --port "$port" --dir "$data" --replica-announce-ip "$self" "$@"
    [ -z "$password" ] || set -- --requirepass "$password" --masterauth "$password" "$@"
    if [ "$primary" = "$self $port" ]; then
      echo "hotline-redis-start: $self:$port starts as the primary" >&2
    else
      echo "hotline-redis-start: $self:$port starts as a replica of ${primary% *}:${primary#* }" >&2
      set -- "$@" --replicaof ${primary}
    fi
    exec redis-server "$@"
    ;;
  sentinel)
    port=${REDIS_PORT:-26379}
    dir=${SENTINEL_DIR:-/data}
    conf="$dir/sentinel.conf"
    if [ ! -s "$conf" ]; then
      # A new Sentinel watches the primary the others know, else the first.
      primary=$(current_primary)
      [ -n "$primary" ] || primary="${first%:*} ${first##*:}"
      umask 077
      cat >"$conf" <<EOF
port $port
dir $dir
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel announce-port $port
sentinel monitor $name $primary ${REDIS_QUORUM:-2}
sentinel down-after-milliseconds $name $down_after
sentinel failover-timeout $name ${REDIS_FAILOVER_TIMEOUT_MS:-60000}
sentinel parallel-syncs $name 1
EOF
      [ -z "$password" ] || echo "sentinel auth-pass $name $password" >>"$conf"
    fi
    exec redis-server "$conf" --sentinel "$@"
    ;;
  *)
    echo "usage: hotline-redis-start redis|sentinel [options]" >&2
    exit 2
    ;;
esac
