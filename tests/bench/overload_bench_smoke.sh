#!/usr/bin/env bash
# overload_bench_smoke.sh SOURCE_DIR BUILD_DIR: runs bench/run_overload_bench.sh
# with short phases and checks its output has every figure (not their values:
# at this size they mean nothing).
set -euo pipefail
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# 2 s for the peak and half-peak runs: in a 1 s window one stall of the
# shared machine (once in CI: every call of the measured second shed, the
# admitted ones answered after it) left the half-peak run with no latency.
BUILD_DIR=$build OVERLOAD_DURATION=2 OVERLOAD_PRE=1 OVERLOAD_OVER=2 OVERLOAD_POST=3 \
  OVERLOAD_PEAK_CONCURRENCY=8 bash "$src/bench/run_overload_bench.sh" >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the benchmark script exited non-zero"; exit 1; }

fail() { cat "$out"; echo "FAIL: $*"; exit 1; }
num='[0-9]+(\.[0-9]+)?'
grep -q -- "--max_in_flight 64 " "$out" || fail "the gateway's default cap is not what was run"
grep -Eq "^rpc=create .*rate=0 .*throughput=$num/s" "$out" || fail "no peak"
for phase in "half the peak " "before: half the peak \(A\)" "during: 2x the peak \(A\+B\)" "after: half the peak \(A\)"; do
  grep -Eq "^$phase +offered= *$num/s admitted= *[0-9]+ \( *[0-9]+/s\) shed= *[0-9]+ other_errors=[0-9]+.* admitted p50= *${num}ms p99= *${num}ms" "$out" ||
    fail "no figures for: $phase"
done
grep -Eq "^admitted p99 at 2x the peak / p99 at half the peak = $num \(half-peak run\), $num " "$out" ||
  fail "no p99 ratio"
grep -Eq "^p99 (back within ${num}ms .* ${num}s after the overload stopped|did NOT come back)" "$out" ||
  fail "no recovery figure"
grep -Eq "^gateway: before the overload rss=${num}MB threads=[0-9]+; during it, max rss=${num}MB threads=[0-9]+; after it, last rss=${num}MB threads=[0-9]+$" "$out" ||
  fail "no RSS/thread figures"
echo "overload bench smoke: ok"
