# Sourced by tools/run.sh. supervise NAME LOG COMMAND...: runs COMMAND in the
# background with its stderr appended to LOG and starts it again whenever it
# exits (as compose's restart policy does), saying so on the terminal, after
# RESTART_DELAY seconds (default 1). SIGTERM or SIGINT to the supervisor stops
# the command (SIGTERM, so it drains) and the loop. Appends the supervisor's
# pid to the array `pids`.
supervise() {
  local name=$1 log=$2
  shift 2
  (
    child=""
    trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM INT
    while true; do
      "$@" 2>>"$log" &
      child=$!
      rc=0
      wait "$child" || rc=$?
      echo "$(date +%H:%M:%S) $name exited (status $rc); starting it again in ${RESTART_DELAY:-1} s (log: $log)" >&2
      sleep "${RESTART_DELAY:-1}"
    done
  ) &
  pids+=($!)
}
