#!/usr/bin/env bash
# create_bench_smoke.sh SOURCE_DIR BUILD_DIR: runs bench/run_create_bench.sh
# with one-second runs and checks its output has every figure.
set -euo pipefail
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

BUILD_DIR=$build BENCH_MODES=everysec BENCH_DURATION=1 BENCH_WARMUP=0 BENCH_CONCURRENCY=8 \
  BENCH_SWEEP=100 bash "$src/bench/run_create_bench.sh" >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the benchmark script exited non-zero"; exit 1; }

fail() { cat "$out"; echo "FAIL: $*"; exit 1; }
num='[0-9]+(\.[0-9]+)?'
! grep -q 'FAILED' "$out" || fail "a load generator run failed"
# closed loop, open loop at half the peak, echo at the same rate and at its own half, sweep
(( $(grep -c '^rpc=' "$out") == 7 )) || fail "expected 7 load generator runs"
grep -Eq "^rpc=create .*rate=0 .*errors=0 .*throughput=$num/s p50=${num}ms" "$out" ||
  fail "no closed-loop create figures"
grep -Eq "^rpc=create .*rate=[1-9][0-9]* .*errors=0 .*p99=${num}ms .*start_late_p99=${num}ms" "$out" ||
  fail "no open-loop create figures with the load generator's own lateness"
grep -Eq "cores busy: gateway=$num intake=$num redis=$num loadgen=$num others=$num stolen=$num" "$out" ||
  fail "no CPU figures for the create path"
grep -Eq "^everysec +$num +$num +$num +8 +[0-9]+ +${num}ms +${num}ms +${num}ms +${num}ms$" "$out" ||
  fail "summary row incomplete"
grep -Eq "^everysec +100 +${num}ms +${num}ms +${num}ms +${num}ms$" "$out" || fail "sweep row missing"
grep -Eq "^orders in redis: [1-9][0-9]*;" "$out" || fail "no orders written"
echo "ok: $(grep -E '^everysec' "$out" | head -1)"
