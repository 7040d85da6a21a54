#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the local run need.
# Idempotent: does nothing (and needs no network) when all are present.
# `install-deps.sh --build`: only what compiling the tree needs (the image's
# build stage: no browser, no Redis, no Prometheus).
set -euo pipefail

BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libhiredis-dev prometheus-cpp-dev libssl-dev libjemalloc-dev catch2 libxapian-dev libjwt-dev
  libnova-dev libcivetweb-dev
  # the archive tier's client (libs/archive)
  libpq-dev
)

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libhiredis-dev prometheus-cpp-dev libssl-dev libjemalloc-dev catch2 libxapian-dev libjwt-dev
  # the statutory holidays' new moons and solar terms (libs/calendar)
  libnova-dev
  redis-server redis-tools redis-sentinel prometheus curl tzdata
  # tests and benchmarks: deploy checks, the selector check, bench scripts
  python3 python3-yaml docker-compose procps openssl
  # the gateway's big screen (civetweb, also under prometheus-cpp) and its
  # test in a real headless browser with CJK fonts
  libcivetweb-dev chromium fonts-noto-cjk
  # the archive tier (libs/archive): libpq to build, a local PostgreSQL
  # cluster for tools/run.sh and the tests (initdb/pg_ctl from postgresql-15)
  libpq-dev postgresql-15
  # the fuzz targets (tools/fuzz.sh, run by tools/test.sh): clang 14 with
  # libFuzzer and the ASan/UBSan runtimes
  clang-14 libclang-rt-14-dev
  # the agent desktop (tools/desktop, Qt 6 Widgets) and its tests, which
  # drive the real window on a virtual X server (tests/desktop)
  qt6-base-dev qt6-qpa-plugins xvfb
)

[ "${1:-}" = --build ] && PACKAGES=("${BUILD_PACKAGES[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a system redis on 6379 when the package is installed; we run our
# own instances on other ports and leave the system one alone.
