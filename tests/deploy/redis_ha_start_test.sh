#!/usr/bin/env bash
# The start script of the Redis Sentinel set-up (deploy/images/redis/
# hotline-redis-start.sh), as compose and Kubernetes run it, on loopback: three
# Redis nodes and three Sentinels on free ports. The first node starts as the
# primary and the others as its replicas; the primary is SIGKILLed, the
# Sentinels promote a replica; the old primary is started again by the same
# command and comes back as a replica of the new one, never as a second
# primary. Needs redis-server, redis-cli (redis-tools) and python3.
set -euo pipefail
start=${1:?usage: redis_ha_start_test.sh PATH/hotline-redis-start.sh}
for tool in redis-server redis-cli python3; do
  command -v $tool >/dev/null || { echo "$tool not found: apt-get install redis-server redis-tools python3" >&2; exit 1; }
done
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
printf 'ha-test-password-0123456789\n' >"$dir/password"
r=($(free_port) $(free_port) $(free_port)) s=($(free_port) $(free_port) $(free_port))
export REDIS_SELF=127.0.0.1 REDIS_FIRST=127.0.0.1:${r[0]} REDIS_PASSWORD_FILE=$dir/password
export REDIS_SENTINELS="127.0.0.1:${s[0]} 127.0.0.1:${s[1]} 127.0.0.1:${s[2]}"
# down-after 2 s: short for a test, long enough that a loaded CI machine does
# not make the Sentinels fail over a primary that is only slow.
export REDIS_DOWN_AFTER_MS=2000 REDIS_FAILOVER_TIMEOUT_MS=3000
cli() { redis-cli -p "$1" -a "$(cat "$dir/password")" --no-auth-warning "${@:2}"; }
start_redis() {  # start_redis INDEX
  mkdir -p "$dir/r$1"
  (cd "$dir/r$1" && REDIS_PORT=${r[$1]} REDIS_DATA_DIR=$dir/r$1 exec sh "$start" redis --save "" \
    >>"$dir/r$1.log" 2>&1) &
  pids[$1]=$!
  for _ in $(seq 150); do cli "${r[$1]}" ping >/dev/null 2>&1 && return; sleep 0.1; done
  cat "$dir/r$1.log" >&2; echo "FAIL redis $1 did not start" >&2; exit 1
}
role() { cli "$1" role | head -1; }
fail() { echo "FAIL $*" >&2; for f in "$dir"/*.log; do echo "== $f"; tail -5 "$f"; done >&2; exit 1; }

start_redis 0; start_redis 1; start_redis 2
for i in 0 1 2; do
  mkdir -p "$dir/s$i"
  (REDIS_PORT=${s[$i]} SENTINEL_DIR=$dir/s$i exec sh "$start" sentinel >"$dir/s$i.log" 2>&1) &
  pids[$((3 + i))]=$!
done
[ "$(role "${r[0]}")" = master ] || fail "the first node is not the primary"
for i in 1 2; do [ "$(role "${r[$i]}")" = slave ] || fail "node $i is not a replica"; done
master_port() { redis-cli -p "${s[0]}" --raw sentinel get-master-addr-by-name hotline 2>/dev/null | tail -1; }
for _ in $(seq 100); do
  [ "$(redis-cli -p "${s[0]}" --raw sentinel master hotline 2>/dev/null | grep -A1 '^num-other-sentinels$' | tail -1)" = 2 ] && break
  sleep 0.1
done
echo "primary ${r[0]}, replicas ${r[1]} ${r[2]}, Sentinels ${s[*]}"

kill -9 "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
for _ in $(seq 200); do p=$(master_port); [ -n "$p" ] && [ "$p" != "${r[0]}" ] && break; sleep 0.1; done
new=$(master_port)
[ "$new" != "${r[0]}" ] || fail "no failover within 20 s"
[ "$(role "$new")" = master ] || fail "the promoted node $new is not a primary"
echo "failover: the Sentinels promoted $new"

start_redis 0
[ "$(role "${r[0]}")" = slave ] || fail "the old primary came back as $(role "${r[0]}"), not a replica"
# A write on whichever node the Sentinels name now (a loaded machine may see
# them fail over once more) reaches the old primary, now a replica.
for _ in $(seq 100); do
  [ "$(cli "$(master_port)" set ha-check 1 2>/dev/null)" = OK ] && break
  sleep 0.1
done
for _ in $(seq 300); do [ "$(cli "${r[0]}" get ha-check)" = 1 ] && break; sleep 0.1; done
[ "$(cli "${r[0]}" get ha-check)" = 1 ] || fail "the old primary does not replicate from $(master_port)"
new=$(master_port)
masters=0
for p in "${r[@]}"; do [ "$(role "$p")" = master ] && masters=$((masters + 1)); done
[ "$masters" = 1 ] || fail "$masters primaries"
echo "the old primary rejoined as a replica of $new; one primary: ok"

# The new primary crashes and is restarted at once, before the Sentinels
# notice: it must not take writes as primary meanwhile.
for i in 0 1 2; do [ "${r[$i]}" = "$new" ] && k=$i; done
kill -9 "${pids[$k]}"
wait "${pids[$k]}" 2>/dev/null || true
start_redis "$k"
third=$(master_port)
[ "$third" != "$new" ] || fail "the restarted primary $new is primary again (no failover)"
[ "$(role "$new")" = slave ] || fail "the restarted primary $new came back as $(role "$new")"
grep -q "waiting for the Sentinels to decide" "$dir/r$k.log" || fail "the restarted primary did not wait"
masters=0
for p in "${r[@]}"; do [ "$(role "$p")" = master ] && masters=$((masters + 1)); done
[ "$masters" = 1 ] || fail "$masters primaries"
echo "restarted at once, $new waited for the Sentinels and rejoined as a replica of $third: ok"
