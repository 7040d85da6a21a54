#!/usr/bin/env bash
# deploy/compose-check.sh: brings the whole compose stack up on a real Docker
# engine and checks it; run it before any change to deploy/ or
# docker-compose.yml (deploy/README.md, "The compose check").
#
#   base      makes debian:bookworm (+ -slim) with debootstrap when missing
#   build     the project's image (BuildKit, ccache in a cache mount), Redis,
#             PostgreSQL and Prometheus from Debian packages; prints the sizes
#   up        docker-compose up; every container healthy (Grafana is in the
#             profile "grafana", off here: no Debian package, no registry)
#   secrets   each container sees only its own secret files: a backend finds
#             no other backend's identity secret, no token key, and only
#             intake, sla, scoring and the archiver the PostgreSQL service file, none
#             the schema owner's (postgres-migrate's, which ran and exited)
#   traffic   tools/demo_calls.sh with the CLI (TLS) through the gateway's
#             published port, then the orders listed back
#   prometheus  every target up == 1, every rule group loaded and healthy
#   screen    the big screen's page and API on its published port
#   archive   an order taken, closed and archived through the gateway, then
#             `hotline-admin archive run` in the archiver's container against
#             the compose PostgreSQL: moved; read back through the gateway
#             from the archive tier; hotline-fsck's tier check clean; the
#             role hotline refused UPDATE and DELETE on the access log; a
#             backup (Redis and pg_dump) from the image
#   restart   the main process of intake and of one dispatch replica SIGKILLed
#             (docker kill would count as a manual stop): restarted by the
#             policy, healthy again, and the gateway keeps taking orders
#   failover  the Redis primary SIGKILLed: a replica promoted, orders taken
#             again, the old primary back as a replica
#   down      docker-compose down -v: no container, network or volume left
# Prints each phase's duration. Needs root (or the docker group and sudo for
# debootstrap), docker, docker-compose 1.29, curl, python3.
#
# Environment: HOTLINE_CHECK_PROJECT (compose project, default hotlinecheck),
# HOTLINE_CHECK_KEEP=1 (leave the stack up on failure, to look at it),
# BUILD_JOBS (compiler jobs in the image build, default 2), DOCKER (the docker
# CLI; BuildKit must work with it, default /usr/bin/docker when present).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROJECT=${HOTLINE_CHECK_PROJECT:-hotlinecheck}
if [ -z "${DOCKER:-}" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
export DOCKER_BUILDKIT=1
# vfs storage deletes each container's whole filesystem copy on removal: on a
# loaded machine `down` outlasted compose's default 60 s read timeout (seen
# 2026-12-07, load average 13) and the check failed with every container gone.
export COMPOSE_HTTP_TIMEOUT=${COMPOSE_HTTP_TIMEOUT:-600}
TAG=${HOTLINE_TAG:-dev}
export HOTLINE_TAG=$TAG
IMAGE=hotline:$TAG

phases=()
t_phase=0
t_start=$(date +%s.%N)
phase() {
  local now
  now=$(date +%s.%N)
  if [ -n "${cur_phase:-}" ]; then
    phases+=("$(printf '%-11s %7.1f s' "$cur_phase" "$(echo "$now - $t_phase" | bc)")")
  fi
  cur_phase=${1:-}
  t_phase=$now
  [ -n "$cur_phase" ] && echo "== $cur_phase ($(date -u +%H:%M:%S))"
  return 0
}
summary() {
  echo "== phases"
  printf '  %s\n' "${phases[@]}"
  printf '  %-11s %7.1f s\n' total "$(echo "$(date +%s.%N) - $t_start" | bc)"
}
fail() {
  echo "compose-check: FAIL: $*" >&2
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export HOTLINE_GATEWAY_HOST_PORT=${HOTLINE_GATEWAY_HOST_PORT:-$(free_port)}
export HOTLINE_SCREEN_HOST_PORT=${HOTLINE_SCREEN_HOST_PORT:-$(free_port)}
export HOTLINE_METRICS_HOST_PORT=${HOTLINE_METRICS_HOST_PORT:-$(free_port)}
export HOTLINE_PROMETHEUS_HOST_PORT=${HOTLINE_PROMETHEUS_HOST_PORT:-$(free_port)}

secrets=$(mktemp -d /tmp/hotline-compose-check.XXXXXX)
export HOTLINE_SECRETS_DIR=$secrets/secrets
export HOTLINE_PHONE_KEYS_FILE=$HOTLINE_SECRETS_DIR/phone_keys
dc() { docker-compose -p "$PROJECT" -f "$ROOT/docker-compose.yml" "$@"; }

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "compose-check: failed in phase '${cur_phase:-?}'" >&2
    if [ "${HOTLINE_CHECK_KEEP:-0}" = 1 ]; then
      echo "compose-check: stack left up (docker-compose -p $PROJECT ...); secrets in $secrets" >&2
      return
    fi
    dc ps >&2 || true
    dc logs --tail 30 >&2 || true
    dc down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  rm -rf "$secrets"
}
trap cleanup EXIT

command -v docker-compose >/dev/null || fail "docker-compose not found (apt-get install docker-compose)"
"$DOCKER" info >/dev/null 2>&1 || fail "no Docker engine (toolchain.md: dockerd --storage-driver vfs --data-root DIR &)"

########## base ##########
phase base
if ! "$DOCKER" image inspect debian:bookworm >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || fail "debian:bookworm missing and no debootstrap (apt-get install debootstrap)"
  rootfs=$secrets/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  # Downloaded packages and lists are not part of an image (every Dockerfile
  # runs apt-get update): about 80 MB less in every image built on it.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "$DOCKER" import - debian:bookworm >/dev/null
  rm -rf "$rootfs"
  echo "made debian:bookworm (debootstrap minbase)"
fi
# The minbase image stands in for -slim where no registry has it.
"$DOCKER" image inspect debian:bookworm-slim >/dev/null 2>&1 || "$DOCKER" tag debian:bookworm debian:bookworm-slim

########## build ##########
phase build
"$DOCKER" build -q --build-arg BUILD_JOBS="${BUILD_JOBS:-2}" -f deploy/Dockerfile -t "$IMAGE" . >/dev/null
"$DOCKER" build -q -t "hotline-redis:$TAG" deploy/images/redis >/dev/null
"$DOCKER" build -q -t "hotline-postgres:$TAG" deploy/images/postgres >/dev/null
"$DOCKER" build -q -t "hotline-prometheus:$TAG" deploy/images/prometheus >/dev/null
for i in "$IMAGE" "hotline-redis:$TAG" "hotline-postgres:$TAG" "hotline-prometheus:$TAG"; do
  printf '  %-26s %6d MB\n' "$i" "$(( $("$DOCKER" image inspect -f '{{.Size}}' "$i") / 1000000 ))"
done
[ "$("$DOCKER" image inspect -f '{{.Config.User}}' "$IMAGE")" = "10001:10001" ] || fail "$IMAGE does not run as 10001:10001"
"$DOCKER" image inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE" | grep -q hotline-healthcheck ||
  fail "$IMAGE has no hotline-healthcheck HEALTHCHECK"
# No secret in any layer of the final image.
found=$("$DOCKER" run --rm --user 0 --entrypoint /bin/sh "$IMAGE" -c \
  'find / -xdev \( -name "*.secret" -o -name "jwt_keys*" -o -name "redis.password" -o -name "postgres.password" -o -name "postgres.service" -o -name "phone_keys" -o -name "tokens*.textproto" \) -print 2>/dev/null; true')
[ -z "$found" ] || fail "$IMAGE carries secret files: $found"
echo "  runs as 10001:10001, HEALTHCHECK hotline-healthcheck, no secret file in the image"

########## up ##########
phase up
# Secrets as an operator makes them (deploy/README.md): group 10001, 0640.
mkdir -p "$HOTLINE_SECRETS_DIR"
tools/make-phone-keys.sh "$HOTLINE_PHONE_KEYS_FILE"
bash tools/make-secrets.sh --group 10001 "$HOTLINE_SECRETS_DIR"
bash tools/make-certs.sh --group 10001 "$HOTLINE_SECRETS_DIR" | sed 's/^/  /'
dc down -v --remove-orphans >/dev/null 2>&1 || true
dc up -d --no-build 2>&1 | sed 's/^/  /'
deadline=$((SECONDS + 240))
while :; do
  states=$(dc ps -q | xargs "$DOCKER" inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}')
  # The schema's migration is a one-shot: done when it exited 0.
  pending=$(echo "$states" | awk '!($1 ~ /postgres-migrate/ && $2 == "exited" && $4 == 0) &&
    ($2 != "running" || ($3 != "healthy" && $3 != "none"))')
  [ -z "$pending" ] && break
  [ $SECONDS -lt $deadline ] || { echo "$states" >&2; fail "not every container became healthy in 240 s"; }
  sleep 3
done
echo "$states" | sed 's#^/#  #'
n_containers=$(echo "$states" | wc -l)
echo "  $n_containers containers up, every one with a healthcheck healthy; the schema's migration done"
dc logs postgres-migrate 2>&1 | grep 'archive migrate:' | sed 's/^/  /'

########## secrets ##########
phase secrets
# Every secret file a container can see, anywhere in its file system (as
# the container's user): each must see exactly what it needs.
visible() {
  "$DOCKER" exec "$1" sh -c 'find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f \( -name "*.secret" -o -name "jwt_keys*" -o -name "postgres.password" -o -name "postgres.service" -o -name "postgres-owner.*" -o -name "*.key" -o -name "redis.password" -o -name "phone_keys" \) -print 2>/dev/null | sort | tr "\n" " "'
}
backends="intake dispatch sla knowledge scoring"
for svc in $backends; do
  c=$(dc ps -q "$svc" | sed -n 1p)
  seen=$(visible "$c")
  want="/etc/hotline/secrets/identity/$svc.secret"
  "$DOCKER" exec "$c" cat "$want" >/dev/null || fail "$svc cannot read its own identity secret $want"
  for other in $backends; do
    [ "$other" = "$svc" ] && continue
    case " $seen" in *"/$other.secret "*) fail "$svc sees $other's identity secret: $seen" ;; esac
    if "$DOCKER" exec "$c" cat "/etc/hotline/secrets/identity/$other.secret" >/dev/null 2>&1; then
      fail "$svc reads $other's identity secret"
    fi
  done
  case "$seen" in *jwt_keys*) fail "$svc sees the token signing keys: $seen" ;; esac
  case "$seen" in *postgres.password*|*postgres-owner.*) fail "$svc sees a PostgreSQL password not its: $seen" ;; esac
  case "$svc" in
    intake|sla|scoring) case "$seen" in *postgres.service*) ;; *) fail "$svc does not see its PostgreSQL service file: $seen" ;; esac ;;
    *) case "$seen" in *postgres.*) fail "$svc sees the PostgreSQL password: $seen" ;; esac ;;
  esac
  echo "  $svc sees only: $seen"
done
seen=$(visible "$(dc ps -q intake)")
case "$seen" in *postgres.service*) ;; *) fail "intake does not see its PostgreSQL service file: $seen" ;; esac
seen=$(visible "$(dc ps -q gateway)")
for svc in $backends; do
  case "$seen" in *"/identity/$svc.secret "*) ;; *) fail "the gateway lacks $svc's identity secret: $seen" ;; esac
done
case "$seen" in *postgres.*|*backend.key*) fail "the gateway sees what is not its: $seen" ;; esac
echo "  gateway sees: $seen"
seen=$(visible "$(dc ps -q archiver)")
case "$seen" in *postgres.service*) ;; *) fail "the archiver does not see its PostgreSQL service file: $seen" ;; esac
case "$seen" in *postgres-owner.*|*postgres.password*) fail "the archiver sees the owner's or the server's password: $seen" ;; esac
echo "  archiver sees only: $seen"
for svc in postgres redis-1 sentinel-1; do
  echo "  $svc sees only: $(visible "$(dc ps -q "$svc")")"
done

########## traffic ##########
phase traffic
GATEWAY=127.0.0.1:$HOTLINE_GATEWAY_HOST_PORT
TOKEN=$(dc exec -T gateway hotline-admin token issue --user agent001 --role agent --unit GZ12345 --ttl 1h | tr -d '\r\n')
[ -n "$TOKEN" ] || fail "no token from hotline-admin in the gateway container"
# The CLI from the image, on the host's network: through the published port,
# over TLS, trusting the deployment's CA as a desktop does.
cli() {
  "$DOCKER" run --rm --network host -e HOTLINE_GATEWAY="$GATEWAY" -e HOTLINE_TOKEN="$TOKEN" \
    -e HOTLINE_TLS_CA=/ca.crt -v "$HOTLINE_SECRETS_DIR/tls/ca.crt:/ca.crt:ro" \
    -v "$ROOT/tools/demo_calls.sh:/demo_calls.sh:ro" --entrypoint "$1" "$IMAGE" "${@:2}"
}
cli hotline whoami | sed 's/^/  /'
# Plaintext to the gateway, and a backend call with no client certificate, are refused.
if cli env HOTLINE_TLS_CA= hotline whoami >/dev/null 2>&1; then fail "the gateway answered plaintext"; fi
if dc exec -T -e HOTLINE_TLS_CERT= -e HOTLINE_TLS_KEY= intake hotline-healthcheck --addr 127.0.0.1:50052 \
    >/dev/null 2>&1; then
  fail "intake answered a caller without a client certificate"
fi
echo "  TLS: the gateway refuses plaintext, intake a caller without the CA's certificate"
cli bash /demo_calls.sh hotline >"$secrets/demo.out"
echo "  demo_calls.sh: $(wc -l <"$secrets/demo.out") lines of output"
count_orders() {
  cli hotline list --limit 200 --json >"$secrets/list.json"
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("orders", [])))' "$secrets/list.json"
}
listed=$(count_orders)
echo "  hotline list: $listed orders"
[ "$listed" -ge 18 ] || { cat "$secrets/list.json" >&2; fail "expected the 18 demo orders back, listed $listed"; }

########## prometheus ##########
phase prometheus
PROM=http://127.0.0.1:$HOTLINE_PROMETHEUS_HOST_PORT
# Expected targets: one per container of each scraped service, and Prometheus.
expected=0
for s in gateway intake dispatch sla knowledge scoring; do
  expected=$((expected + $(dc ps -q "$s" | wc -l)))
done
expected=$((expected + 1))
deadline=$((SECONDS + 120))
while :; do
  report=$(curl -fsS "$PROM/api/v1/targets?state=active" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
up = [x for x in t if x["health"] == "up"]
print(len(t), len(up), " ".join(sorted("%s=%s" % (x["labels"]["job"], x["health"]) for x in t)))')
  read -r total up rest <<<"$report"
  q=$(curl -fsS "$PROM/api/v1/query" --data-urlencode 'query=count(up == 1)' |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  [ "$total" -eq "$expected" ] && [ "$up" -eq "$expected" ] && [ "$q" -eq "$expected" ] && break
  [ $SECONDS -lt $deadline ] || fail "targets: $total active, $up up, count(up==1)=$q, expected $expected: $rest"
  sleep 5
done
echo "  $up/$total targets up, count(up == 1) = $q: $rest"
rules=$(curl -fsS "$PROM/api/v1/rules" | python3 -c '
import json, sys
g = json.load(sys.stdin)["data"]["groups"]
rules = [r for x in g for r in x["rules"]]
bad = [r["name"] for r in rules if r.get("health") not in ("ok", "unknown")]
print(len(g), len(rules), sum(r["type"] == "alerting" for r in rules), ",".join(bad) or "-")')
read -r groups nrules alerting bad <<<"$rules"
want_alerts=$(grep -c '^ *- alert:' deploy/prometheus/alerts.yml)
echo "  rules: $groups groups, $nrules rules ($alerting alerting; alerts.yml has $want_alerts), unhealthy: $bad"
[ "$alerting" -eq "$want_alerts" ] && [ "$bad" = - ] || fail "rules did not all load healthy"

########## screen ##########
phase screen
SCREEN=http://127.0.0.1:$HOTLINE_SCREEN_HOST_PORT
code=$(curl -s -o "$secrets/screen.html" -w '%{http_code}' "$SCREEN/")
[ "$code" = 200 ] && grep -qi '<html' "$secrets/screen.html" || fail "big screen / answered $code"
code=$(curl -s -o "$secrets/screen.json" -w '%{http_code}' "$SCREEN/api/screen")
[ "$code" = 200 ] || fail "big screen /api/screen answered $code"
echo "  / 200 ($(wc -c <"$secrets/screen.html") bytes), /api/screen 200 ($(wc -c <"$secrets/screen.json") bytes)"

########## archive ##########
phase archive
# An order taken, closed on the spot (a consultation answered from the
# knowledge base) and archived by a dispatcher through the gateway.
DTOKEN=$(dc exec -T gateway hotline-admin token issue --user dispatcher001 --role dispatcher \
  --unit GZ12345 --ttl 1h | tr -d '\r\n')
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("order", d); print(d.get(sys.argv[1], ""))' "$1"; }
archived_id=$(cli hotline create --json --type consultation --district 440106 --category 0601 \
  --phone 13800138097 --content "compose-check: archived and moved" --channel phone \
  --answered-by KB.06.01.001 --answer "compose-check" | json_field id)
[ -n "$archived_id" ] || fail "no order taken for the archive"
TOKEN=$DTOKEN cli hotline act "$archived_id" archive >/dev/null || fail "the dispatcher could not archive $archived_id"
tier=$(cli hotline get "$archived_id" --json | json_field storage_tier)
echo "  $archived_id taken, closed on the spot and archived; read from: $tier"
[ "$tier" = STORAGE_TIER_LIVE ] || fail "$archived_id before the move: storage_tier '$tier'"
listed_before=$(count_orders)
# The mover, as the archiver runs it each night, against the compose
# PostgreSQL, with an age of 1 s instead of the policy's 30 days.
sleep 2
# The run as an operator types it (a one-off container of the archiver's
# service); stats and fsck in the running archiver (the same settings, and
# no new container: vfs copies the whole image for each).
run_out=$(dc run --rm -T --no-deps --entrypoint hotline-admin archiver archive run --min_age 1s 2>&1) || { echo "$run_out" >&2; fail "archive run failed"; }
echo "$run_out" | grep '^archive run' | sed 's/^/  /'
moved=$(echo "$run_out" | sed -n 's/.* looked at, \([0-9]*\) moved to PostgreSQL.*/\1/p')
[ "${moved:-0}" -ge 1 ] || fail "archive run moved nothing: $run_out"
dc exec -T archiver hotline-admin archive stats 2>&1 | sed 's/^/  /'
got=$(cli hotline get "$archived_id" --json)
tier=$(echo "$got" | json_field storage_tier)
state=$(echo "$got" | json_field state)
echo "  $archived_id read back through the gateway and intake: $tier, $state"
[ "$tier" = STORAGE_TIER_ARCHIVE ] && [ "$state" = ORDER_STATE_ARCHIVED ] ||
  fail "$archived_id after the move: $tier $state"
listed_after=$(count_orders)
[ "$listed_after" -eq "$listed_before" ] || fail "the listing changed with the move: $listed_before -> $listed_after"
echo "  hotline list across both tiers: $listed_after orders before and after the move"
fsck_out=$(dc exec -T archiver hotline-fsck --checks=tiers --grace=0s 2>&1) || { echo "$fsck_out" >&2; fail "hotline-fsck --checks=tiers"; }
echo "$fsck_out" | tail -3 | sed 's/^/  /'
# The access log is append-only by the grants: the services' role hotline
# (as intake, sla and the archiver connect) is refused UPDATE and DELETE.
for sql in "DELETE FROM audit_entries" "UPDATE audit_entries SET moved_ms = 0" "DELETE FROM audit_entry_orders"; do
  out=$(dc exec -T postgres psql -h /var/run/postgresql -U postgres -d hotline -v ON_ERROR_STOP=1 \
    -c "SET ROLE hotline" -c "$sql" 2>&1) && fail "the services' role may run: $sql"
  case "$out" in *"permission denied for table"*) ;; *) fail "$sql as hotline: $out" ;; esac
done
echo "  the services' role hotline: UPDATE and DELETE on the access log refused by its grants"
# A backup from the image (pg_dump is in it), as an operator runs it in a
# one-off archiver container with the primary's Redis volume mounted, as
# Redis's uid (the RDB is readable by it alone) and the secrets' group 10001.
redis_uid=$(dc exec -T redis-1 id -u | tr -d '\r')
backup_out=$(dc run --rm -T --no-deps -u "$redis_uid:10001" -v "$(dc ps -q redis-1 | xargs "$DOCKER" inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}'):/redis-data:ro" \
  --entrypoint sh archiver -c 'hotline-admin backup /tmp/b --redis redis-1:6379 --redis_dir /redis-data --pg_url "$HOTLINE_POSTGRES" && ls -l /tmp/b' 2>&1) ||
  { echo "$backup_out" >&2; fail "hotline-admin backup in the image failed"; }
echo "$backup_out" | grep -E '^backup:|postgres.dump' | sed 's/^/  /'

########## restart ##########
phase restart
for svc in intake dispatch; do
  c=$(dc ps -q "$svc" | sed -n 1p)
  name=$("$DOCKER" inspect -f '{{.Name}}' "$c" | tr -d /)
  before=$("$DOCKER" inspect -f '{{.RestartCount}}' "$c")
  pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$c")
  t0=$SECONDS
  kill -KILL "$pid"
  deadline=$((SECONDS + 120))
  while :; do
    read -r count health <<<"$("$DOCKER" inspect -f '{{.RestartCount}} {{.State.Health.Status}}' "$c")"
    [ "$count" -gt "$before" ] && [ "$health" = healthy ] && break
    [ $SECONDS -lt $deadline ] || fail "$name: restart count $count (was $before), health $health after SIGKILL"
    sleep 2
  done
  echo "  $name: main process $pid SIGKILLed; restarted by its policy (restarts $before -> $count), healthy again after $((SECONDS - t0)) s"
done
# The gateway keeps serving: a new order through it, and it is found.
deadline=$((SECONDS + 60))
until out=$(cli hotline create --type consultation --district 440106 --category 0601 \
      --phone 13800138099 --content "compose-check: after the restarts" --channel phone 2>&1); do
  [ $SECONDS -lt $deadline ] || { echo "$out" >&2; fail "the gateway does not take orders after the restarts"; }
  sleep 2
done
listed2=$(count_orders)
[ "$listed2" -gt "$listed" ] || fail "the order taken after the restarts is not listed ($listed2 <= $listed)"
echo "  an order created through the gateway after the restarts; $listed2 orders listed"

########## failover ##########
phase failover
# The Redis primary's process SIGKILLed: the Sentinels promote a replica, the
# services follow it, and an order is taken again; the old primary, restarted
# by its policy, rejoins as a replica.
sentinel_primary() {
  dc exec -T sentinel-1 redis-cli -p 26379 --raw sentinel get-master-addr-by-name hotline | head -1 | tr -d '\r'
}
node_role() {
  dc exec -T "$1" sh -c 'redis-cli -a "$(cat /etc/hotline/secrets/redis.password)" --no-auth-warning role' |
    head -1 | tr -d '\r'
}
old=$(sentinel_primary)
[ "$(node_role "$old")" = master ] || fail "the Sentinels name $old as primary, but it is not"
c=$(dc ps -q "$old")
kill -KILL "$("$DOCKER" inspect -f '{{.State.Pid}}' "$c")"
t0=$SECONDS
deadline=$((SECONDS + 120))
until out=$(cli hotline create --type consultation --district 440106 --category 0601 \
      --phone 13800138098 --content "compose-check: after the Redis failover" --channel phone \
      --idempotency-key compose-check-failover 2>&1); do
  [ $SECONDS -lt $deadline ] || { echo "$out" >&2; fail "no order taken within 120 s of the primary's loss"; }
  sleep 1
done
new=$(sentinel_primary)
echo "  $old SIGKILLed; the Sentinels promoted $new; an order taken $((SECONDS - t0)) s later"
[ "$new" != "$old" ] || fail "the Sentinels still name $old as primary"
deadline=$((SECONDS + 120))
until [ "$(node_role "$old" 2>/dev/null)" = slave ]; do
  [ $SECONDS -lt $deadline ] || fail "$old did not come back as a replica of $new"
  sleep 2
done
listed3=$(count_orders)
[ "$listed3" -gt "$listed2" ] || fail "the order taken after the failover is not listed ($listed3 <= $listed2)"
echo "  $old restarted by its policy and rejoined as a replica; $listed3 orders listed"

########## down ##########
phase down
dc down -v --remove-orphans 2>&1 | sed 's/^/  /'
label=com.docker.compose.project=$PROJECT
left_c=$("$DOCKER" ps -aq --filter "label=$label")
left_n=$("$DOCKER" network ls -q --filter "label=$label")
left_v=$("$DOCKER" volume ls -q --filter "label=$label")
[ -z "$left_c$left_n$left_v" ] || fail "left behind: containers [$left_c] networks [$left_n] volumes [$left_v]"
echo "  no container, network or volume of project $PROJECT left"
phase
summary
echo "compose-check: OK"
