#!/usr/bin/env bash
# ctest runs each Catch2 case by its name, and CMake cuts a name at a ';':
# such a case would match nothing, run nothing and count as passed. Fails,
# naming them, if any test case name has a ';'.
set -euo pipefail
ROOT=$1
found=$(grep -rnE 'TEST_CASE(_METHOD)?\(([^,"]*, *)?"[^"]*;' "$ROOT/tests" --include='*.cc' || true)
if [[ -n $found ]]; then
  echo "test names with ';' (ctest would never run them):" >&2
  echo "$found" >&2
  exit 1
fi
echo "no test name has a ';'"
