#!/usr/bin/env bash
# The SLA monitor's fire lag (hotline-sla-bench at 1,000 due/s, the
# service's own due loop and default interval) of a base revision against
# this checkout, in one run: the base is built in its own git worktree under
# /tmp (the one run_ab.sh uses for the same revision; compiler cache shared),
# then the two sides take turns (base, new; new, base; ...) through
# run_sla_bench.sh, so that the machine's load falls on both alike.
#
#   bash bench/run_sla_ab.sh [BASE_REVISION]     # default: main
#
# Settings (environment): BUILD_DIR (default build), AB_ROUNDS (default 3),
# AB_BASE_DIR (default /tmp/hotline-ab-<short sha>), SLA_AB_ARGS (the
# benchmark's arguments; default a small due-pass part: --small 1000
# --big 2000 --rounds 3 --seconds 10).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BASE_REV=${1:-main}
ROUNDS=${AB_ROUNDS:-3}
read -r -a ARGS <<<"${SLA_AB_ARGS:---small 1000 --big 2000 --rounds 3 --seconds 10}"

die() { echo "run_sla_ab: $*" >&2; exit 1; }
BASE_SHA=$(git -C "$ROOT" rev-parse --verify --quiet "$BASE_REV^{commit}") || die "no revision $BASE_REV"
BASE_DIR=${AB_BASE_DIR:-/tmp/hotline-ab-${BASE_SHA:0:10}}
if [[ -e $BASE_DIR ]]; then
  [[ $(git -C "$BASE_DIR" rev-parse HEAD 2>/dev/null) == "$BASE_SHA" ]] || die "$BASE_DIR is not a worktree at $BASE_SHA"
else
  git -C "$ROOT" worktree add --detach "$BASE_DIR" "$BASE_SHA" >&2
fi
(cd "$BASE_DIR" && CCACHE_BASEDIR="$BASE_DIR" BUILD_DIR="$BASE_DIR/build" bash tools/build.sh hotline-sla-bench >&2) ||
  die "base build failed"
(cd "$ROOT" && BUILD_DIR="$BUILD_DIR" bash tools/build.sh hotline-sla-bench >&2) || die "build failed"

echo "SLA fire lag A/B: base $BASE_REV ($BASE_SHA) vs new $(git -C "$ROOT" rev-parse --short HEAD);" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); bench args: ${ARGS[*]}"
for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then order="base new"; else order="new base"; fi
  for side in $order; do
    if [[ $side == base ]]; then build="$BASE_DIR/build"; else build=$BUILD_DIR; fi
    # The base's own script and binary: each side as it was.
    dir=$ROOT; [[ $side == base ]] && dir=$BASE_DIR
    out=$(BUILD_DIR=$build bash "$dir/bench/run_sla_bench.sh" "${ARGS[@]}" 2>&1) || die "$side: $out"
    grep -E '^(fire lag|idle)' <<<"$out" | sed "s/^/round $r $side: /"
  done
done
