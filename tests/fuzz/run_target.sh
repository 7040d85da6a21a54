#!/usr/bin/env bash
# Runs one libFuzzer target for a while (ctest -L fuzz, tools/fuzz.sh):
#   run_target.sh BINARY SEED_DIR WORK_DIR SECONDS
# FUZZ_SECONDS in the environment overrides SECONDS. The target first replays
# every seed (the committed corpus, crashes found earlier included), then
# mutates; new inputs go to WORK_DIR/corpus (never into the repository), a
# crash to WORK_DIR/crash-* (and the test fails). The last line printed is the
# run's summary: executions, executions per second, coverage (edges) and
# features, as tools/fuzz.sh tabulates them.
set -euo pipefail
bin=$1 seeds=$2 work=$3
seconds=${FUZZ_SECONDS:-$4}
name=$(basename "$bin")
mkdir -p "$work/corpus" "$work/tmp"
log="$work/fuzz.log"
# Temporary files (the knowledge target's Xapian index) stay in the build tree.
export TMPDIR="$work/tmp"
rc=0
# -timeout: an input taking 10 s is a hang (a finding). -rss_limit_mb: more
# than 2 GB is a finding too. -max_len: the seeds are small; 16 KiB leaves the
# fuzzer room to grow them.
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$log" 2>&1 || rc=$?
# libFuzzer's last status line: "#N DONE cov: C ft: F corp: ... exec/s: E ...".
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}' || true)
ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}' || true)
corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" | awk '{print $2}' || true)
if [ "$rc" -ne 0 ]; then
  tail -n 60 "$log"
  echo "FUZZ $name FAILED (exit $rc) after ${runs:-?} runs; artifacts: $(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | tr '\n' ' ')"
  exit "$rc"
fi
echo "FUZZ $name seconds=$seconds runs=${runs:-?} exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?}"
