#!/usr/bin/env bash
# create_bench_smoke.sh SOURCE_DIR BUILD_DIR: runs bench/run_create_bench.sh
# with one-second runs and checks its output has every figure.
set -euo pipefail
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

BUILD_DIR=$build BENCH_MODES=always BENCH_DURATION=1 BENCH_WARMUP=0 BENCH_CONCURRENCY=8 \
  BENCH_SWEEP=100 BENCH_REWRITE_RATE=100 BENCH_REWRITE_ORDERS=300 BENCH_MEMORY_ORDERS=1000 \
  bash "$src/bench/run_create_bench.sh" >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the benchmark script exited non-zero"; exit 1; }

fail() { cat "$out"; echo "FAIL: $*"; exit 1; }
num='[0-9]+(\.[0-9]+)?'
! grep -q 'FAILED' "$out" || fail "a load generator run failed"
# closed loop, open loop at half the peak, echo at the same rate and at its own half, sweep,
# create during an AOF rewrite
(( $(grep -c '^rpc=' "$out") == 8 )) || fail "expected 8 load generator runs"
grep -Eq "^rpc=create .*rate=0 .*errors=0 .*throughput=$num/s p50=${num}ms" "$out" ||
  fail "no closed-loop create figures"
grep -Eq "^rpc=create .*rate=[1-9][0-9]* .*errors=0 .*p99=${num}ms .*start_late_p99=${num}ms" "$out" ||
  fail "no open-loop create figures with the load generator's own lateness"
grep -Eq "cores busy: gateway=$num intake=$num redis=$num loadgen=$num others=$num stolen=$num" "$out" ||
  fail "no CPU figures for the create path"
grep -Eq "^always +$num +$num +$num +8 +[0-9]+ +${num}ms +${num}ms +${num}ms +${num}ms +$num$" "$out" ||
  fail "summary row incomplete"
grep -Eq "^always +100 +${num}ms +${num}ms +${num}ms +${num}ms$" "$out" || fail "sweep row missing"
grep -Eq "^always rate=100/s during_rewrite p50=${num}ms p99=${num}ms rewrites_in_run=1 " "$out" ||
  fail "no create figures during an AOF rewrite (or no rewrite happened in the run)"
grep -Eq "^orders=1000 closed=100 failed=0 .*redis_bytes_per_open_order=[0-9]+ redis_bytes_per_closed_order=[0-9]+" "$out" ||
  fail "no Redis bytes per order"
grep -Eq "^orders in redis: [1-9][0-9]*;" "$out" || fail "no orders written"
echo "ok: $(grep -E '^always' "$out" | head -1)"
