#!/usr/bin/env bash
# Configures (once) and builds the whole tree with Ninja and ccache.
# BUILD_DIR (default: build) and BUILD_TYPE (default: RelWithDebInfo) may be set.
# SANITIZE=address,undefined builds the whole tree under ASan + UBSan (any
# -fsanitize= list g++ takes) in its own folder, build-asan by default; then
# e.g. `ctest --test-dir build-asan -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=${SANITIZE:-}
if [ -n "$SANITIZE" ]; then
  BUILD_DIR=${BUILD_DIR:-build-asan}
else
  BUILD_DIR=${BUILD_DIR:-build}
fi
# The compiler cache lives outside the checkout so fresh clones reuse it.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hotline-ccache}
mkdir -p "$CCACHE_DIR"
# Paths relative to the checkout, and no working directory in the hash, so two
# checkouts (a fresh CI clone, a second worktree) share cached objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DHOTLINE_SANITIZE="$SANITIZE"
elif [ "$(sed -n 's/^HOTLINE_SANITIZE:STRING=//p' "$BUILD_DIR/CMakeCache.txt")" != "$SANITIZE" ]; then
  echo "build.sh: $BUILD_DIR was configured with other sanitizers than SANITIZE='$SANITIZE'; use another BUILD_DIR" >&2
  exit 1
fi
# Two cores: more jobs only thrash memory on the gRPC-heavy files.
ninja -C "$BUILD_DIR" -j "${JOBS:-2}" "$@"
