#!/bin/sh
# hotline-postgres-start: the archive tier's PostgreSQL (libs/archive) in
# Compose and Kubernetes. On the first start it makes the cluster on the
# volume; on every start it (re)sets the password of the services' role from
# the secret file, so a rotated password takes effect at the next restart,
# and makes the database if missing. Then it runs postgres in the foreground.
# From the environment:
#   PGDATA                  the cluster (/var/lib/postgresql/data/15, a folder
#                           inside the volume, so initdb owns it whatever the
#                           volume's mount point looks like)
#   POSTGRES_USER, POSTGRES_DB   the services' role and its database (hotline)
#   POSTGRES_PASSWORD_FILE  the role's password (tools/make-secrets.sh:
#                           postgres.password); required
#   POSTGRES_OWNER          the schema's owner (hotline_owner): owns the
#                           database and runs `hotline-admin archive migrate`,
#                           which grants POSTGRES_USER only what the services
#                           need (no UPDATE or DELETE on the access log)
#   POSTGRES_OWNER_PASSWORD_FILE  its password (postgres-owner.password); required
# A database made before the owner existed (owned by POSTGRES_USER, with its
# tables) is handed to POSTGRES_OWNER on the next start.
# The superuser postgres logs in only on the local socket (peer); over the
# network only POSTGRES_USER with its password (scram-sha-256).
set -eu
bin=/usr/lib/postgresql/15/bin
export PGDATA=${PGDATA:-/var/lib/postgresql/data/15}
user=${POSTGRES_USER:-hotline}
db=${POSTGRES_DB:-hotline}
pwfile=${POSTGRES_PASSWORD_FILE:?POSTGRES_PASSWORD_FILE is required}
owner=${POSTGRES_OWNER:-hotline_owner}
ownerpw=${POSTGRES_OWNER_PASSWORD_FILE:?POSTGRES_OWNER_PASSWORD_FILE is required}
for f in "$pwfile" "$ownerpw"; do
  [ -s "$f" ] || { echo "hotline-postgres-start: $f is empty or unreadable" >&2; exit 1; }
done
[ "$owner" != "$user" ] || { echo "hotline-postgres-start: POSTGRES_OWNER must differ from POSTGRES_USER" >&2; exit 2; }
case "$user$db$owner" in *[!a-z0-9_]*) echo "hotline-postgres-start: POSTGRES_USER and POSTGRES_DB: [a-z0-9_] only" >&2; exit 2;; esac

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "hotline-postgres-start: a new cluster in $PGDATA" >&2
  "$bin/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer \
    --auth-host=scram-sha-256 >/dev/null
  cat >"$PGDATA/pg_hba.conf" <<HBA
local all postgres peer
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
HBA
fi

# The role and database, on the socket only (nothing listens on the network
# until they are right).
"$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
# The password is read by the server from the file (pg_read_file, as the
# superuser): it is never on a command line.
"$bin/psql" -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U postgres -d postgres \
  -v user="$user" -v db="$db" -v pwfile="$pwfile" -v owner="$owner" -v ownerpw="$ownerpw" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'user',
              trim(both E' \n\r\t' from pg_read_file(:'pwfile'))) \gexec
SELECT format('CREATE ROLE %I LOGIN', :'owner')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'owner',
              trim(both E' \n\r\t' from pg_read_file(:'ownerpw'))) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
# Whatever the services' role owned in the database (a set-up from before the
# owner role) becomes the owner's: an owner's rights no grant can narrow.
"$bin/psql" -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U postgres -d "$db" \
  -v user="$user" -v owner="$owner" <<'SQL'
SELECT format('REASSIGN OWNED BY %I TO %I', :'user', :'owner') \gexec
SQL
"$bin/pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null
echo "hotline-postgres-start: roles $user and $owner, database $db ready" >&2
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
