#!/usr/bin/env bash
# tools/lib/supervise.sh, as tools/run.sh uses it: a process that dies is
# started again and the terminal is told; TERM to the supervisor stops both.
set -euo pipefail
ROOT=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

source "$ROOT/tools/lib/supervise.sh"
pids=()
export RESTART_DELAY=0.2
supervise sleeper "$tmp/sleeper.log" \
  bash -c "echo \$\$ >> '$tmp/starts'; exec sleep 60" 2>"$tmp/terminal"
supervisor=${pids[0]}

starts() { [ -f "$tmp/starts" ] && wc -l < "$tmp/starts" || echo 0; }
wait_for_starts() {
  for _ in $(seq 100); do [ "$(starts)" -ge "$1" ] && return 0; sleep 0.05; done
  fail "expected $1 starts, saw $(starts)"
}

wait_for_starts 1
first=$(head -1 "$tmp/starts")
kill -KILL "$first"                       # a crash
wait_for_starts 2
second=$(sed -n 2p "$tmp/starts")
[ "$second" != "$first" ] || fail "not a new process"
grep -q "sleeper exited (status 137); starting it again" "$tmp/terminal" ||
  fail "the terminal was not told: $(cat "$tmp/terminal")"

kill -TERM "$supervisor"
wait "$supervisor" || true
sleep 0.3
! kill -0 "$second" 2>/dev/null || fail "the service outlived its supervisor"
[ "$(starts)" -eq 2 ] || fail "started again after the stop ($(starts) starts)"
echo "1 passed, 0 failed"
