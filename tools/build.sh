#!/usr/bin/env bash
# Configures (once) and builds the whole tree with Ninja and ccache.
# BUILD_DIR (default: build) and BUILD_TYPE (default: RelWithDebInfo) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# The compiler cache lives outside the checkout so fresh clones reuse it.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hotline-ccache}
mkdir -p "$CCACHE_DIR"
# Paths relative to the checkout, and no working directory in the hash, so two
# checkouts (a fresh CI clone, a second worktree) share cached objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
fi
# Two cores: more jobs only thrash memory on the gRPC-heavy files.
ninja -C "$BUILD_DIR" -j "${JOBS:-2}" "$@"
