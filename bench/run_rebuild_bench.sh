#!/usr/bin/env bash
# The rebuild benchmark: `hotline-admin rebuild scoring` one order at a time
# and `rebuild scoring --bulk`, then `rebuild sla`, over ORDERS orders
# (default 100,000) with their whole history, in a fresh redis-server on a
# free port (no persistence: the figures are the rebuild's, not the disk's).
# Prints each rebuild's orders per second, checks that the bulk rebuild left
# exactly the keys the one-at-a-time rebuild left (a digest of every scoring
# key's contents), and what each rate means for a city year of CITY_ORDERS
# orders (default 10,000,000: ten million contacts, each a work order,
# ../shared/domain.md).
#   bash bench/run_rebuild_bench.sh [ORDERS]
# SKIP_SLA=1 leaves out the sla rebuilds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ORDERS=${1:-100000}
CITY_ORDERS=${CITY_ORDERS:-10000000}
bench_build hotline-rebuild-gen hotline-admin
bench_workdir rebuild-bench
start_redis --save "" --appendonly no
cli() { redis-cli -p "$REDIS_PORT" "$@"; }
"$BIN/bench/hotline-rebuild-gen" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data" --orders "$ORDERS"
admin() { "$BIN/tools/admin/hotline-admin" rebuild "$@" --redis "127.0.0.1:$REDIS_PORT" --data_dir "$ROOT/data"; }

# Redis's CPU seconds so far (user + sys, all its threads).
redis_cpu() { cli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.3f", s }'; }
# timed NAME ARGS...: runs `admin ARGS`, its progress on stderr; then NAME_rate
# (orders/s of its closing line, "... (975 orders/s): ..."), NAME_client and
# NAME_redis (CPU microseconds per order of hotline-admin and of redis-server).
timed() {
  local name=$1 r0 r1 out cpu TIMEFORMAT='%U %S'
  shift
  r0=$(redis_cpu)
  { time admin "$@" >"$WORK/out"; } 2>"$WORK/cpu" || { cat "$WORK/out" "$WORK/cpu" >&2; return 1; }
  r1=$(redis_cpu)
  grep -v '^[0-9.]* [0-9.]*$' "$WORK/cpu" >&2 || true  # the progress lines
  cat "$WORK/out"
  cpu=$(tail -1 "$WORK/cpu")
  printf -v "${name}_rate" '%s' "$(sed -n 's/.*(\([0-9]*\) orders\/s).*/\1/p' "$WORK/out" | tail -1)"
  printf -v "${name}_client" '%s' "$(awk -v c="$cpu" -v n="$ORDERS" 'BEGIN { split(c, t, " "); printf "%.0f", (t[1] + t[2]) * 1e6 / n }')"
  printf -v "${name}_redis" '%s' "$(awk -v a="$r0" -v b="$r1" -v n="$ORDERS" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')"
}
# Every scoring key but month_rules, each key's fields sorted, as one SHA-1
# (computed in Redis: KEYS blocks it for the moment, nothing else runs here).
digest() {
  cli --no-raw EVAL "
    local keys = redis.call('KEYS', ARGV[1])
    table.sort(keys)
    local out = {}
    for _, k in ipairs(keys) do
      if k ~= ARGV[2] then
        local t = redis.call('TYPE', k).ok
        local v = t == 'zset' and redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
                  or t == 'hash' and redis.call('HGETALL', k) or {t}
        local items = {}
        for i = 1, #v, 2 do items[#items + 1] = v[i] .. '=' .. tostring(v[i + 1]) end
        table.sort(items)
        out[#out + 1] = k .. ' ' .. redis.sha1hex(table.concat(items, '\n'))
      end
    end
    return #out .. ' keys, sha1 ' .. redis.sha1hex(table.concat(out, '\n'))" 0 'hotline:scoring:*' hotline:scoring:month_rules
}
delete_scoring() {
  cli --scan --pattern 'hotline:scoring:*' | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" UNLINK >/dev/null
}
city_minutes() { awk -v n="$CITY_ORDERS" -v r="$1" 'BEGIN { printf "%.0f", n / r / 60 }'; }
# What the CPU per order allows on this machine's 2 cores with nothing else
# running: Redis on one core at most, the two processes on both together.
cpu_bound() { awk -v c="$1" -v r="$2" 'BEGIN { a = 1e6 / r; b = 2e6 / (c + r); printf "%.0f", a < b ? a : b }'; }

echo "== scoring one order at a time, from an empty scoring keyspace (every order's facts written)"
timed old scoring
old_digest=$(digest)
echo "scoring keys: $old_digest"
echo "== scoring again, over what is stored (nothing is newer: reads only)"
admin scoring
echo "== scoring --bulk, from an empty scoring keyspace (aggregates summed in memory, written once)"
delete_scoring
timed new scoring --bulk
new_digest=$(digest)
echo "scoring keys: $new_digest"
if [ "$new_digest" != "$old_digest" ]; then
  echo "FAIL: the bulk rebuild's keys differ from the one-at-a-time rebuild's" >&2
  exit 1
fi
echo "redis used_memory: $(cli info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"
if [ "${SKIP_SLA:-0}" != 1 ]; then
  echo "== sla, no deadline filed yet (every order settled)"
  admin sla
  echo "== sla again (every order up to date)"
  admin sla
fi
echo "== summary: $ORDERS orders, load average $(cut -d' ' -f1-3 /proc/loadavg); a city year of $CITY_ORDERS orders"
for run in old new; do
  rate=${run}_rate client=${run}_client redis=${run}_redis
  bound=$(cpu_bound "${!client}" "${!redis}")
  printf '%-30s %6d orders/s (city year ~%4s min) | CPU/order: admin %4d us, redis %4d us -> idle 2 cores ~%5d orders/s (city year ~%3s min)\n' \
    "$([ $run = old ] && echo 'scoring, one order at a time' || echo 'scoring --bulk')" "${!rate}" "$(city_minutes "${!rate}")" \
    "${!client}" "${!redis}" "$bound" "$(city_minutes "$bound")"
done
awk -v a="$old_rate" -v b="$new_rate" 'BEGIN { printf "bulk / one at a time: %.1fx; scoring keys identical\n", b / a }'
