#!/usr/bin/env bash
# The test command: installs what is missing, builds everything and runs every
# test (unit, integration against real redis-server instances, end-to-end with
# the real binaries, deploy checks). Each test starts the servers it needs on
# free loopback ports. Extra arguments go to ctest (e.g. -L unit, -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -j 2 "$@"
# The whole suite (no ctest arguments) also fuzzes every parser for a short
# while (clang build in build-fuzz, ~20 s a target; see tools/fuzz.sh).
if [ $# -eq 0 ]; then
  bash tools/fuzz.sh
fi
