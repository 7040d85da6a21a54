#!/usr/bin/env bash
# Scoring's closed month moved to PostgreSQL (services/scoring/month_archive.h):
# the Redis bytes of one busy month of scoring (aggregates, address set, unit
# order lists, and its settled orders' facts) before and after the move, the
# PostgreSQL bytes it takes, and
# the move's time; a real redis-server and PostgreSQL 15 (the test's own).
# Usage: bash bench/run_scoring_month_archive_bench.sh [ORDERS]   (default 40000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/build.sh scoring_month_archive_test >/dev/null
HOTLINE_MONTH_ORDERS=${1:-40000} build/tests/scoring/scoring_month_archive_test "[.bench]" |
  grep -v '^Filters\|^===\|^All tests\|^$' || true
