#!/usr/bin/env bash
# Create and transition throughput of a base revision against this checkout,
# in one run: the base is built in its own git worktree and build folder
# under /tmp (sharing the compiler cache), then the two sides take turns
# (base, new; new, base; ...) through run_create_bench.sh and
# run_dispatch_bench.sh, so that whatever else the machine does falls on
# both alike. Each turn's echo figure (the same two gRPC hops, no Redis)
# says how loaded the machine was during that turn.
#
#   bash bench/run_ab.sh [BASE_REVISION]
#
# BASE_REVISION: default 7716339^ (main before the first issue-21 change).
# Settings (environment):
#   BUILD_DIR         this checkout's build folder (default build)
#   AB_ROUNDS         turns of each side (default 3)
#   AB_BASE_DIR       the base's worktree (default /tmp/hotline-ab-<short sha>;
#                     its build folder is AB_BASE_DIR/build, kept for the next run)
#   BENCH_DURATION    seconds measured per loadgen run (default 5); the
#                     transition bench creates orders for as long, then runs
#                     echo and urge for as long each
#   BENCH_MODES       the create bench's appendfsync (default everysec)
#   BENCH_APPENDFSYNC the transition bench's appendfsync (default everysec)
#   BENCH_CONCURRENCY closed-loop calls in flight (default 256)
# Logs of every turn stay in the printed folder.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
BASE_REV=${1:-7716339^}
ROUNDS=${AB_ROUNDS:-3}
export BENCH_DURATION=${BENCH_DURATION:-5}
export BENCH_ACT_SECONDS=$BENCH_DURATION
export BENCH_MODES=${BENCH_MODES:-everysec}
export BENCH_APPENDFSYNC=${BENCH_APPENDFSYNC:-everysec}
export BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-256}
# The create bench's extras (sweep, rewrite, bytes per order) are not compared.
export BENCH_SWEEP="" BENCH_REWRITE_RATE=0 BENCH_MEMORY_ORDERS=0 BENCH_REPEAT=1
TARGETS=(hotline-echo hotline-loadgen hotline-gateway hotline-intake hotline-dispatch
         hotline-healthcheck hotline-order-memory)

die() { echo "run_ab: $*" >&2; exit 1; }
BASE_SHA=$(git -C "$ROOT" rev-parse --verify --quiet "$BASE_REV^{commit}") ||
  die "no revision $BASE_REV"
BASE_DIR=${AB_BASE_DIR:-/tmp/hotline-ab-${BASE_SHA:0:10}}
LOGS=$(mktemp -d /tmp/hotline-ab-logs.XXXXXX)

# --- the base: its own worktree and build folder ------------------------------
if [[ -e $BASE_DIR ]]; then
  have=$(git -C "$BASE_DIR" rev-parse HEAD 2>/dev/null) || die "$BASE_DIR exists but is no worktree"
  [[ $have == "$BASE_SHA" ]] || die "$BASE_DIR holds $have, not $BASE_REV ($BASE_SHA)"
else
  git -C "$ROOT" worktree add --detach "$BASE_DIR" "$BASE_SHA" >&2
fi
echo "building base $BASE_REV ($BASE_SHA) in $BASE_DIR/build and new in $BUILD_DIR" >&2
# Paths relative to each worktree, so the base reuses cached objects.
(cd "$BASE_DIR" && CCACHE_BASEDIR="$BASE_DIR" BUILD_DIR="$BASE_DIR/build" bash tools/build.sh "${TARGETS[@]}" >&2) ||
  die "base build failed"
(cd "$ROOT" && CCACHE_BASEDIR="$ROOT" BUILD_DIR="$BUILD_DIR" bash tools/build.sh "${TARGETS[@]}" >&2) ||
  die "build failed"

# field NAME TEXT: the number after NAME in TEXT ("" if absent).
field() { { grep -o "$1[0-9.]*" <<<"$2" || true; } | head -1 | sed "s/^$1//"; }

# turn SIDE BUILD ROUND: one create bench and one transition bench; appends a row.
ROWS=()
turn() {
  local side=$1 build=$2 round=$3 c t create echo_c trans echo_t load
  load=$(cut -d' ' -f1 /proc/loadavg)
  c="$LOGS/create-$side-$round.log" t="$LOGS/dispatch-$side-$round.log"
  BUILD_DIR=$build bash "$ROOT/bench/run_create_bench.sh" >"$c" 2>&1 || die "create bench failed: $c"
  BUILD_DIR=$build bash "$ROOT/bench/run_dispatch_bench.sh" >"$t" 2>&1 || die "dispatch bench failed: $t"
  local peaks
  peaks=$(grep '^peaks:' "$c" || true)
  create=$(field 'create ' "$peaks") echo_c=$(field 'echo ' "$peaks")
  trans=$(field 'throughput=' "$(grep '^rpc=urge' "$t" || true)")
  echo_t=$(field 'throughput=' "$(grep '^rpc=echo' "$t" || true)")
  [[ -n $create && -n $trans ]] || die "no figures in $c or $t"
  ROWS+=("$round $side ${create:-0} ${echo_c:-0} ${trans:-0} ${echo_t:-0} $load")
  printf '%-5s %-4s %10s %10s %13s %10s %8s\n' "$round" "$side" "$create" "$echo_c" "$trans" "$echo_t" "$load"
}

echo "A/B: base $BASE_REV ($BASE_SHA) vs new $(git -C "$ROOT" rev-parse --short HEAD)$(
  git -C "$ROOT" diff --quiet HEAD -- || echo ' (with uncommitted changes)')"
echo "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg); logs: $LOGS"
echo "create: appendfsync=$BENCH_MODES concurrency=$BENCH_CONCURRENCY; transitions (urge):" \
  "appendfsync=$BENCH_APPENDFSYNC; ${BENCH_DURATION}s per run, $ROUNDS rounds"
printf '%-5s %-4s %10s %10s %13s %10s %8s\n' round side create/s echo/s transitions/s echo/s load1
for r in $(seq "$ROUNDS"); do
  # Alternate who goes first, so a drift in load does not favour one side.
  if (( r % 2 )); then order="base new"; else order="new base"; fi
  for side in $order; do
    if [[ $side == base ]]; then turn base "$BASE_DIR/build" "$r"; else turn new "$BUILD_DIR" "$r"; fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${ROWS[@]}" >"$LOGS/rows"

# Per pair new/base, then the medians (of the pairs' ratios, and of each
# side). The last two columns divide each side's figure by the echo of the
# same run first: how much of a swing the machine's load explains.
printf '%s\n' "${ROWS[@]}" | awk '
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function per_echo(r, s, k) { return v[r, s, k + 1] > 0 ? v[r, s, k] / v[r, s, k + 1] : 0 }
  { v[$1, $2, 1] = $3; v[$1, $2, 2] = $4; v[$1, $2, 3] = $5; v[$1, $2, 4] = $6; if ($1 > rounds) rounds = $1 }
  END {
    for (r = 1; r <= rounds; r++) for (s = 1; s <= 2; s++) {
      side = s == 1 ? "base" : "new"
      v[r, side, 5] = per_echo(r, side, 1); v[r, side, 6] = per_echo(r, side, 3)
    }
    print ""
    printf "%-12s %10s %10s %13s %10s %13s %13s\n", "new/base", "create", "echo", "transitions", "echo",
      "create/echo", "trans/echo"
    for (r = 1; r <= rounds; r++) {
      printf "%-12s", "round " r
      for (k = 1; k <= 6; k++) {
        ratio[k, r] = v[r, "base", k] > 0 ? v[r, "new", k] / v[r, "base", k] : 0
        printf (k == 3 || k >= 5 ? " %13.3f" : " %10.3f"), ratio[k, r]
      }
      printf "\n"
    }
    printf "%-12s", "median"
    for (k = 1; k <= 6; k++) {
      for (r = 1; r <= rounds; r++) x[r] = ratio[k, r]
      printf (k == 3 || k >= 5 ? " %13.3f" : " %10.3f"), median(x, rounds)
    }
    printf "\n\n%-12s %10s %10s %13s %10s\n", "median/s", "create", "echo", "transitions", "echo"
    for (s = 1; s <= 2; s++) {
      side = s == 1 ? "base" : "new"
      printf "%-12s", side
      for (k = 1; k <= 4; k++) {
        for (r = 1; r <= rounds; r++) x[r] = v[r, side, k]
        printf (k == 3 ? " %13.1f" : " %10.1f"), median(x, rounds)
      }
      printf "\n"
    }
  }'
