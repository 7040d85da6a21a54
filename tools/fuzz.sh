#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer under ASan + UBSan (tests/fuzz): a
# separate clang 14 build (build-fuzz, only the fuzz targets and the libraries
# they need), then each target in turn from its seed corpus.
#   tools/fuzz.sh                  each target 20 s (what tools/test.sh runs)
#   tools/fuzz.sh --minutes 5      each target 5 min (on demand)
#   tools/fuzz.sh --seconds 60 --target jwt
# Prints one line per target: executions, executions per second, coverage
# (edges) and features. A crash fails the run; its input is in
# build-fuzz/fuzz-work/<target>/crash-*: fix the bug, add a unit test, and
# commit the input to tests/fuzz/corpus/<target>/ (replayed on every run).
# Without clang 14 and its runtime (Debian clang-14, libclang-rt-14-dev) it
# fails: it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20
target=""
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

CXX_FUZZ=${CXX_FUZZ:-clang++-14}
if ! command -v "$CXX_FUZZ" >/dev/null; then
  echo "fuzz.sh: $CXX_FUZZ not found: install the Debian packages clang-14 libclang-rt-14-dev (bash tools/install-deps.sh)" >&2
  exit 1
fi
runtime=$("$CXX_FUZZ" -print-file-name=libclang_rt.fuzzer-x86_64.a)
if [ ! -f "$runtime" ]; then
  echo "fuzz.sh: libFuzzer's runtime ($runtime) is missing: install the Debian package libclang-rt-14-dev (bash tools/install-deps.sh)" >&2
  exit 1
fi

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/hotline-ccache}
mkdir -p "$CCACHE_DIR"
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
start=$(date +%s)
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DHOTLINE_FUZZ=ON >/dev/null
fi
ninja -C "$BUILD_DIR" -j "${JOBS:-2}" fuzz_targets
built=$(date +%s)
echo "fuzz.sh: built in $(( built - start )) s; each target runs ${seconds} s"
status=0
FUZZ_SECONDS=$seconds ctest --test-dir "$BUILD_DIR" -L fuzz ${target:+-R "fuzz_$target\$"} \
  --output-on-failure --timeout $(( seconds + 300 )) || status=$?
echo "fuzz.sh: summary (build $(( built - start )) s, total $(( $(date +%s) - start )) s)"
grep -h '^FUZZ ' "$BUILD_DIR"/Testing/Temporary/LastTest.log || true
exit $status
