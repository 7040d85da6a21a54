#!/usr/bin/env bash
# rebuild_bench_smoke.sh SOURCE_DIR BUILD_DIR: runs bench/run_rebuild_bench.sh
# on 2,000 orders without the sla runs and checks that both scoring paths left
# the same keys and that every figure is printed.
set -euo pipefail
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

BUILD_DIR=$build SKIP_SLA=1 bash "$src/bench/run_rebuild_bench.sh" 2000 >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the benchmark script exited non-zero"; exit 1; }

fail() { cat "$out"; echo "FAIL: $*"; exit 1; }
grep -q '^bulk / one at a time: [0-9.]*x; scoring keys identical$' "$out" || fail "no comparison line"
for path in 'scoring, one order at a time' 'scoring --bulk'; do
  grep -Eq "^$path +[0-9]+ orders/s \(city year ~ *[0-9]+ min\) \| CPU/order: admin +[0-9]+ us, redis +[0-9]+ us -> idle 2 cores ~ *[0-9]+ orders/s" "$out" ||
    fail "no figures for $path"
done
grep -q 'rebuild scoring: 2,000 orders in .* 2,000 written, 0 missing, 0 failed' "$out" || fail "not every order written"
