#!/usr/bin/env bash
# Soak (issue 20 item 5): the whole local stack of tools/run.sh (Redis,
# PostgreSQL, every service, two SLA replicas, the archiver) with the simulator
# at SOAK_CALLS_PER_MINUTE (default 300) plus steady reads through the gateway
# (knowledge search and the top-10 matters, open loop), for SOAK_MINUTES
# (default 30). At the start, every SOAK_EVERY seconds (default 300) and at the
# end it prints, per process: resident memory, open file descriptors and
# threads; and for Redis: memory, orders, the bytes each new order added since
# the last sample (memory net of orders created), the event stream's length and
# each consumer group's lag and pending entries.
#
# Verdict (exit 1 if any fails): against the first sample taken after one
# interval of warm-up, at the end no process but Redis (whose memory is
# judged per new order, below) has more than 2x its resident memory, none more
# than 1.5x + 10 its descriptors or threads; the stream stays within its trim
# bound and no group lags more than SOAK_MAX_LAG entries
# (default 1000); and the bytes a new order adds in the last interval are at
# most 2x those of the first measured interval (Redis grows with orders, not
# with time).
#   bash bench/run_soak.sh                      # 30 minutes
#   SOAK_MINUTES=10 SOAK_EVERY=120 bash bench/run_soak.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MINUTES=${SOAK_MINUTES:-30}
EVERY=${SOAK_EVERY:-300}
CALLS=${SOAK_CALLS_PER_MINUTE:-300}
MAX_LAG=${SOAK_MAX_LAG:-1000}
bench_build hotline-loadgen
bench_workdir soak
RUN="$WORK/run"
chmod o+x "$WORK"  # PostgreSQL runs as its own user and must reach $RUN/postgres

# The stack on free ports, in its own RUN_DIR (tools/run.sh builds what it needs).
export REDIS_PORT=$(free_port) PG_PORT=$(free_port) GATEWAY_PORT=$(free_port) INTAKE_PORT=$(free_port)
export DISPATCH_PORT=$(free_port) SLA_PORT=$(free_port) KNOWLEDGE_PORT=$(free_port) SCORING_PORT=$(free_port)
export GATEWAY_METRICS=$(free_port) INTAKE_METRICS=$(free_port) DISPATCH_METRICS=$(free_port)
export SLA_METRICS=$(free_port) KNOWLEDGE_METRICS=$(free_port) SCORING_METRICS=$(free_port) SCREEN_PORT=$(free_port)
RUN_DIR=$RUN SIM_CALLS_PER_MINUTE=$CALLS BUILD_DIR=$BUILD_DIR bash "$ROOT/tools/run.sh" >"$WORK/run.out" 2>&1 &
pids+=($!)
stack=$!
for _ in $(seq 600); do
  grep -q "Hotline is running" "$WORK/run.out" && break
  kill -0 "$stack" 2>/dev/null || break
  sleep 1
done
grep -q "Hotline is running" "$WORK/run.out" || { tail -20 "$WORK/run.out" >&2; echo "the stack did not start" >&2; exit 1; }

# Steady reads beside the simulator's writes, open loop, for the whole soak.
tokens="$ROOT/config/tokens.textproto"
agent=$(grep -m1 -o 'demo-agent-[0-9a-f]*' "$tokens")
supervisor=$(grep -m1 -o 'demo-supervisor-[0-9a-f]*' "$tokens")
seconds=$((MINUTES * 60))
"$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --token "$agent" --rpc kb_search \
  --lines "$ROOT/tests/knowledge/search_questions.tsv" --rate 3 --concurrency 8 --duration "$seconds" \
  --warmup 0 --timeout 5s >"$WORK/search.out" 2>&1 &
pids+=($!)
"$BIN/bench/hotline-loadgen" --target "127.0.0.1:$GATEWAY_PORT" --token "$supervisor" --rpc hot \
  --request 'kind: HOT_KIND_MATTERS period { kind: PERIOD_KIND_DAY }' --rate 1 --concurrency 4 \
  --duration "$seconds" --warmup 0 --timeout 5s --data_dir "$ROOT/data" >"$WORK/hot.out" 2>&1 &
pids+=($!)

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }
# The stack's processes: each names a path under $RUN on its command line
# (services their secrets, the simulator its tokens, PostgreSQL its data);
# Redis retitles itself "redis-server 127.0.0.1:PORT".
procs() { { pgrep -f -- "$RUN/"; pgrep -f -- "redis-server .*:$REDIS_PORT\$"; } | sort -u; }
# A process's name: its binary without "hotline-", and the SLA replica's consumer name.
proc_name() {
  local exe
  exe=$(basename "$(readlink "/proc/$1/exe")" " (deleted)")  # a binary rebuilt meanwhile
  case "$exe" in
    hotline-sla) tr '\0' '\n' <"/proc/$1/cmdline" | sed -n '/^--consumer_name$/{n;p}' ;;
    redis-server | redis-check-rdb) echo redis ;;  # Debian's redis-server links to redis-check-rdb
    *) echo "${exe#hotline-}" ;;
  esac
}

SAMPLES="$WORK/samples"  # minute name rss_kib fds threads
REDIS_SAMPLES="$WORK/redis"  # minute used_bytes orders xlen max_lag max_pending
sample() {
  local minute=$1 pid
  for pid in $(procs); do
    [ -r "/proc/$pid/status" ] || continue
    printf '%s %s %s %s %s\n' "$minute" "$(proc_name "$pid")" \
      "$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")" "$(ls "/proc/$pid/fd" | wc -l)" \
      "$(awk '/^Threads/ {print $2}' "/proc/$pid/status")" >>"$SAMPLES"
  done
  local groups lag pending
  groups=$(rcli xinfo groups hotline:events)
  lag=$(echo "$groups" | awk 'p {print; p=0} /^lag$/ {p=1}' | sort -n | tail -1)
  pending=$(echo "$groups" | awk 'p {print; p=0} /^pending$/ {p=1}' | sort -n | tail -1)
  printf '%s %s %s %s %s %s\n' "$minute" "$(rcli info memory | tr -d '\r' | sed -n 's/^used_memory://p')" \
    "$(rcli zcard hotline:idx:all)" "$(rcli xlen hotline:events)" "${lag:-0}" "${pending:-0}" >>"$REDIS_SAMPLES"
}

start=$(date +%s)
sample 0
echo "soak: $MINUTES min, simulator $CALLS calls/min, reads 3 searches/s + 1 top-10/s; samples every $EVERY s" >&2
while true; do
  now=$(date +%s)
  [ $((now - start)) -ge "$seconds" ] && break
  sleep $((EVERY < seconds - (now - start) ? EVERY : seconds - (now - start)))
  sample $(( ($(date +%s) - start) / 60 ))
  tail -1 "$REDIS_SAMPLES" | awk '{printf "  minute %s: redis %.1f MiB, %d orders, stream %d, lag %d\n", $1, $2/1048576, $3, $4, $5}' >&2
done
grep -E "exited|did not" "$WORK/run.out" >&2 || true

# loadgen's summary (calls, errors, latency), not its last line (CPU time).
for f in search hot; do echo "reads ($f): $(grep -m1 'ok=' "$WORK/$f.out" || tail -1 "$WORK/$f.out")"; done
# The samples outlive WORK (removed on exit) for a second look.
SAVED=${SOAK_SAMPLES_DIR:-/tmp/hotline-soak-samples}
mkdir -p "$SAVED" && cp "$SAMPLES" "$REDIS_SAMPLES" "$SAVED/"
python3 "$ROOT/bench/soak_report.py" "$SAMPLES" "$REDIS_SAMPLES" "$MAX_LAG"
