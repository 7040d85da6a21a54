#!/usr/bin/env bash
# Repeats the README's two commands on a really fresh Debian 12: a minimal
# root made by debootstrap (--variant=minbase bookworm), the repository's
# committed tree copied in, then as root inside it
#   bash tools/test.sh            (must pass, with as many tests as here)
#   bash tools/run.sh             (must come up; stopped after FRESH_RUN_SECONDS)
# Run it before any change that touches dependencies; quote its last lines.
# Needs root (debootstrap, chroot, mounts). Network: the Debian mirror of this
# machine's apt sources only; every server inside stays on loopback.
#
#   FRESH_ROOT         where the root lives (default /var/tmp/hotline-fresh;
#                      reused when it exists: `rm -rf` it for a new one)
#   FRESH_RUN_SECONDS  how long run.sh runs before it is stopped (default 90)
#   FRESH_HOST_COUNT   test count to compare with (default: ctest -N on ./build)
#   FRESH_TEST_ARGS    ctest arguments for tools/test.sh (e.g. "-L desktop"
#                      after a change to one part's packages); the count is
#                      then compared with ctest -N with the same arguments here
#   FRESH_CCACHE=1     lend the root this machine's compiler cache (read and
#                      written): packages still install from scratch, the
#                      build takes minutes instead of most of an hour
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
ROOT=${FRESH_ROOT:-/var/tmp/hotline-fresh}
MIRROR=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
         true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  echo "fresh-check: debootstrap --variant=minbase bookworm $ROOT ($MIRROR)"
  debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >/dev/null
fi

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for fs in proc sys dev dev/pts; do
  mkdir -p "$ROOT/$fs"
  mount --bind "/$fs" "$ROOT/$fs"
  mounted+=("$ROOT/$fs")
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

# The committed tree only: what a fresh clone has.
rm -rf "$ROOT/src/hotline"
mkdir -p "$ROOT/src/hotline"
git -C "$REPO" archive HEAD | tar -x -C "$ROOT/src/hotline"
if [ "${FRESH_CCACHE:-0}" = 1 ]; then
  mkdir -p "$HOME/.cache/hotline-ccache" "$ROOT/root/.cache/hotline-ccache"
  mount --bind "$HOME/.cache/hotline-ccache" "$ROOT/root/.cache/hotline-ccache"
  mounted+=("$ROOT/root/.cache/hotline-ccache")
fi

inside() { chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  bash -c "cd /src/hotline && $1"; }

echo "fresh-check: bash tools/test.sh (inside the fresh root)"
set +e
inside "bash tools/test.sh ${FRESH_TEST_ARGS:-}" 2>&1 | tee "$ROOT/test.log" | tail -n 25
test_rc=${PIPESTATUS[0]}
set -e
fresh_count=$(grep -oE 'tests failed out of [0-9]+' "$ROOT/test.log" | tail -1 | awk '{ print $NF }')
# shellcheck disable=SC2086  # FRESH_TEST_ARGS is a list of ctest arguments
host_count=${FRESH_HOST_COUNT:-$(ctest --test-dir "${BUILD_DIR:-build}" -N ${FRESH_TEST_ARGS:-} 2>/dev/null |
                                 awk '/Total Tests:/ { print $3 }')}

echo "fresh-check: bash tools/run.sh for ${FRESH_RUN_SECONDS:-90} s (inside the fresh root)"
set +e
inside "timeout --signal=INT ${FRESH_RUN_SECONDS:-90} bash tools/run.sh" > "$ROOT/run.log" 2>&1
set -e
# Up: it said so and the city took calls; down: every service logged that it
# stopped (they drain on the signal) and none is left running.
run_ok=0
logs=$ROOT/src/hotline/run/logs
grep -q "Hotline is running" "$ROOT/run.log" && grep -Eq '[" ]create=[1-9]' "$logs/simulator.log" && run_ok=1
for svc in intake dispatch gateway; do grep -q '"msg":"stopped"' "$logs/$svc.log" || run_ok=0; done
pgrep -f "$ROOT|/src/hotline/build" >/dev/null && run_ok=0

echo "fresh-check: test.sh exit $test_rc, ${fresh_count:-?} tests in the fresh root, ${host_count:-?} here;" \
     "run.sh $([ $run_ok = 1 ] && echo 'came up, took calls and stopped cleanly' || echo 'FAILED (see '"$ROOT"'/run.log)')"
[ "$test_rc" -eq 0 ] && [ "$run_ok" = 1 ] && [ "${fresh_count:-x}" = "${host_count:-y}" ]
