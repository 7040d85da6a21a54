#!/usr/bin/env bash
# The cost of the hot addresses list at city scale (services/scoring/README.md,
# "Addresses at city scale"): a month of a 10 M contacts/year city, ~27,000
# orders a day, most at an address of their own, held (a) as scoring keeps it,
# one sorted set per month read by scripts/top_of_month.lua, and (b) as
# per-day hashes summed by scripts/sum_hashes.lua (how the other lists work),
# both in a fresh redis-server; redis-benchmark times one query of each.
# Usage: bash bench/run_hot_addresses_bench.sh [--days 30] [--per_day 27000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
DAYS=30
PER_DAY=27000
while [ $# -gt 0 ]; do
  case "$1" in
    --days) DAYS=$2; shift 2 ;;
    --per_day) PER_DAY=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
bench_workdir hot-addresses-bench
start_redis --save "" --appendonly no
PORT=$REDIS_PORT
CLI="redis-cli -p $PORT"

# One order in 20 at one of 3,000 shared addresses (a month of 810,000
# orders: ~13 each); the rest alone. Members "<street>|<address>", as scoring writes them.
FILL='
local days, per_day = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = 0
for d = 1, days do
  local day = KEYS[2] .. string.format("%02d", d)
  for i = 1, per_day do
    n = n + 1
    local member
    if n % 20 == 0 then
      local k = (n / 20) % 3000
      member = string.format("4401%02d%03d|shared%d", k % 11, k % 17, k)
    else
      member = string.format("4401%02d%03d|some-road-%d", n % 11, n % 17, n)
    end
    redis.call("ZINCRBY", KEYS[1], 1, member)
    redis.call("HINCRBY", day, "addr:" .. member, 1)
  end
end
return n'
ORDERS=$($CLI EVAL "$FILL" 2 month:addr:202611 day:addr:202611 "$DAYS" "$PER_DAY")
MEMBERS=$($CLI ZCARD month:addr:202611)
BYTES=$($CLI MEMORY USAGE month:addr:202611 SAMPLES 0)
TOP_SHA=$($CLI SCRIPT LOAD "$(cat services/scoring/scripts/top_of_month.lua)")
SUM_SHA=$($CLI SCRIPT LOAD "$(cat services/scoring/scripts/sum_hashes.lua)")
DAY_KEYS=()
for d in $(seq -f "%02g" 1 "$DAYS"); do DAY_KEYS+=("day:addr:202611$d"); done

echo "month: $ORDERS orders, $MEMBERS addresses in the sorted set ($((BYTES / 1024 / 1024)) MiB)"
echo "top 10 addresses of >= 2 orders: $($CLI EVALSHA "$TOP_SHA" 1 month:addr:202611 10 2 | paste -sd' ' | cut -c1-160)"
echo
echo "(a) sorted set, top_of_month.lua (200 queries, 1 client):"
redis-benchmark -p "$PORT" -n 200 -c 1 --precision 2 EVALSHA "$TOP_SHA" 1 month:addr:202611 10 2 2>/dev/null \
  | tr '\r' '\n' | grep -A4 "latency summary" | tail -2
echo "(b) per-day hashes, sum_hashes.lua over $DAYS days (5 queries, 1 client):"
redis-benchmark -p "$PORT" -n 5 -c 1 --precision 2 EVALSHA "$SUM_SHA" "$DAYS" "${DAY_KEYS[@]}" 2>/dev/null \
  | tr '\r' '\n' | grep -A4 "latency summary" | tail -2
