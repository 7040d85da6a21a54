#!/usr/bin/env bash
# make-secrets.sh [--group GID] DIR: writes the secrets a Hotline deployment
# needs into DIR (mode 0600, DIR 0700), keeping any that exist:
#   identity/NAME.secret each backend's own identity secret, NAME = intake,
#                        dispatch, sla, knowledge, scoring: the backend verifies
#                        the caller identities the gateway sends it with it
#                        (--identity_secret_file=DIR/identity/NAME.secret);
#                        the gateway reads the folder (--backend_identity_secrets
#                        =DIR/identity). Rotation: docs/operations.md
#   jwt_keys.textproto   the gateway's token signing key (--jwt_keys); to
#                        rotate, append a key with a new id (the last signs)
#   redis.password       Redis's requirepass (--redis_password_file)
#   postgres.password    the archive tier's role password, for the PostgreSQL
#                        server (deploy/images/postgres: POSTGRES_PASSWORD_FILE)
#   postgres.service     the same password as a libpq service file ([hotline]
#                        password=...), for its clients (intake, hotline-admin
#                        archive, hotline-fsck): PGSERVICEFILE=this file and
#                        `service=hotline` in --postgres. A service file, not a
#                        passfile: libpq ignores a passfile that is group-
#                        readable, and containers read these through a group.
#                        Rewritten from postgres.password on every run.
#   postgres-owner.password, postgres-owner.service  the same pair for the
#                        schema's owner hotline_owner ([hotline_owner]), which
#                        only the schema migration uses (hotline-admin archive
#                        migrate): the services' role hotline may not alter the
#                        tables, nor update or delete the access log.
# Used by tools/run.sh; for compose and Kubernetes see deploy/README.md.
#
# --group GID (Docker Compose): the containers do not run as the user who made
# the files (the Hotline image runs as uid/gid 10001; compose adds gid 10001 to
# the Redis containers), and compose bind-mounts DIR as it is on the host. So
# every file in DIR (the phone key file too) becomes group GID, mode 0640, and
# DIR 0750: readable by that group only, not by other users of the host and
# not world-readable. Changing a file's group to one you are not in needs
# root: run it with sudo (or as root).
set -euo pipefail
group=""
if [ "${1:-}" = --group ]; then
  group=${2:?usage: make-secrets.sh [--group GID] DIR}
  shift 2
fi
dir=${1:?usage: make-secrets.sh [--group GID] DIR}
umask 077
mkdir -p "$dir"
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
mkdir -p "$dir/identity"
for backend in intake dispatch sla knowledge scoring; do
  [ -s "$dir/identity/$backend.secret" ] || random >"$dir/identity/$backend.secret"
done
if [ -e "$dir/identity.secret" ]; then
  echo "make-secrets.sh: $dir/identity.secret (one secret for every service) is no longer read: each backend has its own in $dir/identity/; delete it" >&2
fi
[ -s "$dir/jwt_keys.textproto" ] ||
  printf 'keys { id: "%s" secret: "%s" }\n' "$(date -u +%Y%m%d)" "$(random)" >"$dir/jwt_keys.textproto"
[ -s "$dir/redis.password" ] || random >"$dir/redis.password"
[ -s "$dir/postgres.password" ] || random >"$dir/postgres.password"
printf '# libpq service file (tools/make-secrets.sh), from postgres.password\n[hotline]\npassword=%s\n' \
  "$(tr -d '\n' <"$dir/postgres.password")" >"$dir/postgres.service"
[ -s "$dir/postgres-owner.password" ] || random >"$dir/postgres-owner.password"
printf '# libpq service file (tools/make-secrets.sh), from postgres-owner.password\n[hotline_owner]\npassword=%s\n' \
  "$(tr -d '\n' <"$dir/postgres-owner.password")" >"$dir/postgres-owner.service"
if [ -n "$group" ]; then
  if ! chgrp -R "$group" "$dir" 2>/dev/null; then
    echo "make-secrets.sh: cannot give $dir to group $group (not root and not in it): run it with sudo" >&2
    exit 1
  fi
  chmod 0750 "$dir" "$dir/identity"
  find "$dir" "$dir/identity" -mindepth 1 -maxdepth 1 -type f -exec chmod 0640 {} +
fi
