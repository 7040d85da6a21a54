#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts a local Redis (append-
# only file, fsync on every write, data under ./run/redis) and every service,
# loads the demo city, takes in a first batch of demo calls, then keeps the city
# alive with the simulator (calls coming in, units and the centre working every
# order through its life) until Ctrl-C (then stops everything gracefully).
#
# SIMULATE=0 leaves the simulator out; SIM_CALLS_PER_MINUTE (default 30) and
# SIM_MINUTE (a simulated minute, in city time, default 2m) set its pace;
# SIM_SLOW_PERCENT (default 25) of the units work slowly and miss deadlines.
#
# The city clock (libs/clock/city_clock.h): every service reads one clock that
# starts at CITY_CLOCK_START (default 2026-09-14T08:30:00+08:00, before the
# Mid-Autumn and National Day holidays) and runs CITY_CLOCK_RATE (default 60)
# times as fast as the wall clock, so warnings, breaches and escalations of the
# real policies show within minutes. It is kept in $RUN_DIR/clock.env with the
# data, so a restart continues the same city time; CITY_CLOCK_RATE=1 with
# CITY_CLOCK_START= runs on the wall clock. Remove $RUN_DIR to start afresh.
#
# A service (or Redis) that dies is started again, with a line on the terminal.
#
# Ports (defaults; override with the environment): gateway gRPC 50051, intake
# 50052, dispatch 50053, sla 50054, knowledge 50055, scoring 50056; metrics
# 9101..9106 in the same order; the big screen http://127.0.0.1:8080/; Redis 6380 (not 6379, so a system Redis is left alone). Knowledge
# starts with the seed of data/knowledge loaded (points Redis lacks are added).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
RUN_DIR=${RUN_DIR:-$ROOT/run}
REDIS_PORT=${REDIS_PORT:-6380}
PG_PORT=${PG_PORT:-5433}
ARCHIVE_EVERY=${ARCHIVE_EVERY:-600}
GATEWAY_PORT=${GATEWAY_PORT:-50051}
INTAKE_PORT=${INTAKE_PORT:-50052}
DISPATCH_PORT=${DISPATCH_PORT:-50053}
GATEWAY_METRICS=${GATEWAY_METRICS:-9101}
INTAKE_METRICS=${INTAKE_METRICS:-9102}
DISPATCH_METRICS=${DISPATCH_METRICS:-9103}
SLA_PORT=${SLA_PORT:-50054}
SLA_METRICS=${SLA_METRICS:-9104}
KNOWLEDGE_PORT=${KNOWLEDGE_PORT:-50055}
KNOWLEDGE_METRICS=${KNOWLEDGE_METRICS:-9105}
SCORING_PORT=${SCORING_PORT:-50056}
SCORING_METRICS=${SCORING_METRICS:-9106}
SCREEN_PORT=${SCREEN_PORT:-8080}

bash tools/install-deps.sh
# The gRPC ports lie in Linux's ephemeral range (32768-60999): a service's
# outgoing connections (to Redis, PostgreSQL) may be given one as their source
# port (consecutive connections take consecutive ports), and a service started
# later then cannot listen there ("cannot listen for gRPC", seen on a fresh
# machine). Reserve them for listeners, where we may (root, a writable /proc).
reserved=/proc/sys/net/ipv4/ip_local_reserved_ports
if [ -w "$reserved" ]; then
  ours="$GATEWAY_PORT,$INTAKE_PORT,$DISPATCH_PORT,$SLA_PORT,$((SLA_PORT + 100)),$KNOWLEDGE_PORT,$SCORING_PORT"
  current=$(cat "$reserved")
  echo "${current:+$current,}$ours" >"$reserved" 2>/dev/null ||
    echo "could not reserve ports $ours; a start may find one taken by an outgoing connection" >&2
fi
bash tools/build.sh hotline-intake hotline-dispatch hotline-gateway hotline hotline-healthcheck hotline-admin \
  hotline-simulator hotline-sla hotline-knowledge hotline-scoring
BIN=$BUILD_DIR
mkdir -p "$RUN_DIR/redis" "$RUN_DIR/logs"
# Secrets of this run (kept in $RUN_DIR, never in the repository): each
# backend's identity secret (the gateway signs the caller identities it sends a
# backend with that backend's), and the key that signs bearer tokens
# (hotline-admin token issue).
bash tools/make-secrets.sh "$RUN_DIR/secrets"
IDENTITY=$RUN_DIR/secrets/identity

# One city clock for every process, kept with the data (see above).
if [ ! -f "$RUN_DIR/clock.env" ]; then
  cat >"$RUN_DIR/clock.env" <<CLOCK
HOTLINE_CLOCK_START=${CITY_CLOCK_START-2026-09-14T08:30:00+08:00}
HOTLINE_CLOCK_ANCHOR=$(date +%s)
HOTLINE_CLOCK_RATE=${CITY_CLOCK_RATE:-60}
CLOCK
fi
set -a
. "$RUN_DIR/clock.env"
set +a

pids=()
source tools/lib/supervise.sh
stop() {
  echo
  echo "stopping..."
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for port in ${REDIS_PORTS:-$REDIS_PORT}; do redis-cli -p "$port" shutdown >/dev/null 2>&1 || true; done
  pg_stop
  echo "stopped; data kept in $RUN_DIR/redis* and $RUN_DIR/postgres"
}
trap stop EXIT
trap 'exit 0' INT TERM

# REDIS_HA=1: a primary, two replicas and three Sentinels (tools/lib/redis-ha.sh);
# every service finds the master through the Sentinels, and a write is on a
# replica before it is acknowledged. Default: one Redis.
REDIS_ADDR=127.0.0.1:$REDIS_PORT
REDIS_PORTS=$REDIS_PORT
if [ "${REDIS_HA:-0}" = 1 ]; then
  source tools/lib/redis-ha.sh
  redis_ha_start
else
if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "a Redis already answers on port $REDIS_PORT; stop it first (redis-cli -p $REDIS_PORT shutdown)" >&2
  exit 1
fi
supervise redis "$RUN_DIR/logs/redis.log" \
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
  --appendonly yes --appendfsync always --save "" \
  --auto-aof-rewrite-percentage 400 --auto-aof-rewrite-min-size 4gb \
  --logfile "$RUN_DIR/logs/redis.log" --daemonize no
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# PostgreSQL: the archive tier (libs/archive). A private cluster in
# $RUN_DIR/postgres (initdb once, then pg_ctl), on loopback port $PG_PORT
# (not 5432, so a system cluster is left alone), trust authentication on
# loopback only: a demo set-up, like Redis here without a password. As root
# the cluster runs as the postgres user (initdb refuses root).
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA=$RUN_DIR/postgres
PG_AS=()
[ "$(id -u)" -eq 0 ] && PG_AS=(runuser -u postgres --)
pg_stop() {
  [ -f "$PG_DATA/postmaster.pid" ] && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
}
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  mkdir -p "$PG_DATA"
  chmod 700 "$PG_DATA"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DATA" && chmod o+x "$RUN_DIR"
fi
if ! "${PG_AS[@]}" test -w "$PG_DATA"; then
  echo "the postgres user cannot reach $PG_DATA (a parent folder closed to others?); set RUN_DIR elsewhere" >&2
  exit 1
fi
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$RUN_DIR/logs/initdb.log" 2>&1 || { echo "initdb failed: $RUN_DIR/logs/initdb.log" >&2; exit 1; }
fi
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/postgres.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA" start >/dev/null ||
  { echo "PostgreSQL did not start: $PG_DATA/postgres.log" >&2; exit 1; }
# Two roles, as in Compose and Kubernetes: hotline_owner owns the database and
# runs the schema's migration; hotline, the role the services and the mover
# connect as, gets only what the migration grants (the access log: SELECT and
# INSERT, no UPDATE or DELETE). A RUN_DIR from before the split has its tables
# owned by postgres: they are handed to hotline_owner.
"$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres >/dev/null <<'SQL' ||
SELECT 'CREATE ROLE hotline_owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_owner') \gexec
SELECT 'CREATE ROLE hotline LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline') \gexec
SELECT 'CREATE DATABASE hotline OWNER hotline_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'hotline') \gexec
ALTER DATABASE hotline OWNER TO hotline_owner;
\c hotline
DO $$DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'hotline_owner' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO hotline_owner', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO hotline_owner', r.f);
  END LOOP;
END$$;
SQL
  { echo "setting up PostgreSQL's roles failed" >&2; exit 1; }
"$BIN/tools/admin/hotline-admin" archive migrate --grant_to hotline \
  --postgres "host=127.0.0.1 port=$PG_PORT user=hotline_owner dbname=hotline" >"$RUN_DIR/logs/migrate.log" 2>&1 ||
  { echo "the archive's schema migration failed: $RUN_DIR/logs/migrate.log" >&2; exit 1; }
export HOTLINE_POSTGRES="host=127.0.0.1 port=$PG_PORT user=hotline dbname=hotline"

# Demo phone keys (seal callers' numbers, key their lookup hash): kept across
# runs of the same RUN_DIR so earlier orders still open; never for production.
PHONE_KEYS=$RUN_DIR/phone_keys
[ -f "$PHONE_KEYS" ] || bash "$ROOT/tools/make-phone-keys.sh" "$PHONE_KEYS" demo1
supervise intake "$RUN_DIR/logs/intake.log" \
  "$BIN/services/intake/hotline-intake" --grpc_port "$INTAKE_PORT" --metrics_port "$INTAKE_METRICS" \
  --identity_secret_file "$IDENTITY/intake.secret" --redis "$REDIS_ADDR" --data_dir "$ROOT/data" --phone_keys "$PHONE_KEYS" \
  --postgres "$HOTLINE_POSTGRES"
# The archive mover: every $ARCHIVE_EVERY s (wall), orders archived longer
# than data/archive_policy.textproto says (on the city clock) move to
# PostgreSQL; safe to kill at any moment.
supervise archiver "$RUN_DIR/logs/archiver.log" \
  bash -c "while true; do '$BIN/tools/admin/hotline-admin' archive run --redis '$REDIS_ADDR' \
    --policy '$ROOT/data/archive_policy.textproto'; sleep $ARCHIVE_EVERY; done"
supervise dispatch "$RUN_DIR/logs/dispatch.log" \
  "$BIN/services/dispatch/hotline-dispatch" --grpc_port "$DISPATCH_PORT" --metrics_port "$DISPATCH_METRICS" \
  --identity_secret_file "$IDENTITY/dispatch.secret" --redis "$REDIS_ADDR" --data_dir "$ROOT/data"
# Two SLA monitors, as in production: they share the work and either may die.
for replica in 0 1; do
  supervise "sla-$replica" "$RUN_DIR/logs/sla-$replica.log" \
    "$BIN/services/sla/hotline-sla" --grpc_port "$((SLA_PORT + replica * 100))" \
    --metrics_port "$((SLA_METRICS + replica * 100))" --consumer_name "sla-$replica" \
    --identity_secret_file "$IDENTITY/sla.secret" \
    --redis "$REDIS_ADDR" --data_dir "$ROOT/data" --postgres "$HOTLINE_POSTGRES"
done
supervise knowledge "$RUN_DIR/logs/knowledge.log" \
  "$BIN/services/knowledge/hotline-knowledge" --grpc_port "$KNOWLEDGE_PORT" --metrics_port "$KNOWLEDGE_METRICS" \
  --identity_secret_file "$IDENTITY/knowledge.secret" --redis "$REDIS_ADDR" --data_dir "$ROOT/data" --load_seed \
  --index_dir "$RUN_DIR/knowledge-index"
supervise scoring "$RUN_DIR/logs/scoring.log" \
  "$BIN/services/scoring/hotline-scoring" --grpc_port "$SCORING_PORT" --metrics_port "$SCORING_METRICS" \
  --identity_secret_file "$IDENTITY/scoring.secret" --redis "$REDIS_ADDR" --data_dir "$ROOT/data" --gauge_interval 10s \
  --postgres "$HOTLINE_POSTGRES"
# The demo tokens plus a simulated handler for every unit (fresh secrets each run).
TOKENS=$RUN_DIR/tokens.textproto
"$BIN/tools/simulator/hotline-simulator" --write_tokens "$TOKENS" \
  --tokens "$ROOT/config/tokens.textproto" --data_dir "$ROOT/data" 2>>"$RUN_DIR/logs/simulator.log"
supervise gateway "$RUN_DIR/logs/gateway.log" \
  "$BIN/services/gateway/hotline-gateway" --grpc_port "$GATEWAY_PORT" --metrics_port "$GATEWAY_METRICS" \
  --intake "127.0.0.1:$INTAKE_PORT" --dispatch "127.0.0.1:$DISPATCH_PORT" \
  --sla "127.0.0.1:$SLA_PORT" --knowledge "127.0.0.1:$KNOWLEDGE_PORT" \
  --jwt_keys "$RUN_DIR/secrets/jwt_keys.textproto" --redis "$REDIS_ADDR" \
  --backend_identity_secrets "$IDENTITY" \
  --scoring "127.0.0.1:$SCORING_PORT" --screen_port "$SCREEN_PORT" \
  --demo_tokens "$TOKENS"  # demo mode: the static tokens work too

for svc in "intake:$INTAKE_PORT" "dispatch:$DISPATCH_PORT" "sla-0:$SLA_PORT" "sla-1:$((SLA_PORT + 100))" \
  "knowledge:$KNOWLEDGE_PORT" "scoring:$SCORING_PORT" \
  "gateway:$GATEWAY_PORT"; do
  ok=""
  for _ in $(seq 100); do
    if "$BIN/tools/hotline/hotline-healthcheck" --addr "127.0.0.1:${svc#*:}" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "${svc%%:*} did not start; see $RUN_DIR/logs/${svc%%:*}.log" >&2; exit 1; }
done

# Orders answered on the spot cite knowledge points: wait for the seed.
for _ in $(seq 300); do grep -q '"seed loaded"' "$RUN_DIR/logs/knowledge.log" && break; sleep 0.1; done
grep -q '"seed loaded"' "$RUN_DIR/logs/knowledge.log" ||
  { echo "knowledge did not load its seed; see $RUN_DIR/logs/knowledge.log" >&2; exit 1; }

export HOTLINE_GATEWAY=127.0.0.1:$GATEWAY_PORT
export HOTLINE_TOKEN=$(grep -m1 -o 'demo-agent-[0-9a-f]*' config/tokens.textproto)
CLI="$BIN/tools/hotline/hotline"
if [ "$(redis-cli -p "$REDIS_PORT" zcard hotline:idx:all)" = "0" ]; then
  bash tools/demo_calls.sh "$CLI" >/dev/null
fi

simulating="off (SIMULATE=0)"
if [ "${SIMULATE:-1}" != 0 ]; then
  supervise simulator "$RUN_DIR/logs/simulator.log" \
    "$BIN/tools/simulator/hotline-simulator" --gateway "$HOTLINE_GATEWAY" --tokens "$TOKENS" \
    --data_dir "$ROOT/data" --calls_per_minute "${SIM_CALLS_PER_MINUTE:-30}" \
    --minute "${SIM_MINUTE:-2m}" --slow_percent "${SIM_SLOW_PERCENT:-25}"
  simulating="${SIM_CALLS_PER_MINUTE:-30} calls a minute; a simulated minute is ${SIM_MINUTE:-2m} of city time"
fi

cat <<TXT

Hotline is running.
  gateway (hotline.v1.Hotline)  127.0.0.1:$GATEWAY_PORT    metrics http://127.0.0.1:$GATEWAY_METRICS/metrics
  intake                        127.0.0.1:$INTAKE_PORT    metrics http://127.0.0.1:$INTAKE_METRICS/metrics
  dispatch (auto-dispatch on)   127.0.0.1:$DISPATCH_PORT    metrics http://127.0.0.1:$DISPATCH_METRICS/metrics
  sla (2 replicas)              127.0.0.1:$SLA_PORT,$((SLA_PORT + 100))  metrics http://127.0.0.1:$SLA_METRICS/metrics
  city clock                    from $HOTLINE_CLOCK_START, x$HOTLINE_CLOCK_RATE ($RUN_DIR/clock.env)
  knowledge (seed loaded)       127.0.0.1:$KNOWLEDGE_PORT    metrics http://127.0.0.1:$KNOWLEDGE_METRICS/metrics
  scoring                       127.0.0.1:$SCORING_PORT    metrics http://127.0.0.1:$SCORING_METRICS/metrics
  big screen (大屏)             http://127.0.0.1:$SCREEN_PORT/   (JSON: http://127.0.0.1:$SCREEN_PORT/api/screen)
  redis                         $REDIS_ADDR     data $RUN_DIR/redis* (AOF, fsync always)
  postgresql (archive tier)     127.0.0.1:$PG_PORT     data $RUN_DIR/postgres; mover every ${ARCHIVE_EVERY}s ($RUN_DIR/logs/archiver.log)
  simulator                     $simulating
  tokens                        $TOKENS (DEMO MODE: demo tokens + one per unit)
  signed tokens                 keys $RUN_DIR/secrets/jwt_keys.textproto; issue with hotline-admin (below)
  logs                          $RUN_DIR/logs/

The agent desktop (Qt 6; needs a display), as an agent, then as 天河区's handler (its live queue):
  HOTLINE_TOKEN=$HOTLINE_TOKEN $BIN/tools/desktop/hotline-desktop --gateway $HOTLINE_GATEWAY
  HOTLINE_TOKEN=$(grep -m1 -o 'demo-tianhe-[0-9a-f]*' config/tokens.textproto) $BIN/tools/desktop/hotline-desktop --gateway $HOTLINE_GATEWAY

Try, in another terminal:
  export HOTLINE_GATEWAY=$HOTLINE_GATEWAY HOTLINE_TOKEN=$HOTLINE_TOKEN
  $CLI list
  $CLI units --kind district
  $CLI queue --unit 440106 --state to-sign          # 天河区's orders waiting for sign-off
  $CLI deadlines --unit 440106 --overdue              # 天河区's overdue orders
  $CLI sla ORDER_ID                                   # deadlines, warnings, who held it how long
  $CLI calendar --from 2026-09-30 --add-days 3        # working days across National Day
  curl -s http://127.0.0.1:$SLA_METRICS/metrics | grep hotline_sla_open_orders
  HOTLINE_TOKEN=$(grep -m1 -o 'demo-tianhe-[0-9a-f]*' config/tokens.textproto) $CLI act ORDER_ID sign
  $CLI create --type complaint --district 440106 --street 440106001 --category 0101 \\
      --phone 13812345678 --name 张先生 --content "夜间施工噪声扰民"
  $CLI kb search "德国驾照怎么换成中国的"            # the knowledge base, in Chinese
  $CLI kb list KB.20
  $CLI kb get KB.20.03.001
  # a signed token (JWT) of your own, then revoke it:
  $BIN/tools/admin/hotline-admin token issue --jwt_keys $RUN_DIR/secrets/jwt_keys.textproto \\
      --redis $REDIS_ADDR --user me --role agent --unit GZ12345 --ttl 8h
  $BIN/tools/admin/hotline-admin token list --redis $REDIS_ADDR
  $BIN/tools/admin/hotline-admin token revoke JTI --redis $REDIS_ADDR
  # the working-day calendar: which years are official, which provisional (暂定):
  $BIN/tools/admin/hotline-admin calendar list --redis $REDIS_ADDR
  # the archive tier: move what is due now, and what PostgreSQL holds:
  $BIN/tools/admin/hotline-admin archive run --redis $REDIS_ADDR --postgres "$HOTLINE_POSTGRES"
  $BIN/tools/admin/hotline-admin archive stats --postgres "$HOTLINE_POSTGRES"
  $CLI score --unit 440106                            # 天河区's score this month, the three rates
  $CLI explain --unit 440106 --limit 20               # every point and the order behind it
  $CLI rank --level district                          # ranking, red and black lists
  $CLI hot today                                      # top 10 matters today (also: month, locations, departments, rising, addresses)

A process that dies is started again (said here). Ctrl-C stops everything.
TXT
wait
