#!/usr/bin/env bash
# make-secrets.sh DIR: writes the secrets a Hotline deployment needs into DIR
# (mode 0600), keeping any that exist:
#   identity.secret      the secret every service signs and verifies caller
#                        identities with (--identity_secret_file)
#   jwt_keys.textproto   the gateway's token signing key (--jwt_keys); to
#                        rotate, append a key with a new id (the last signs)
#   redis.password       Redis's requirepass (--redis_password_file)
# Used by tools/run.sh; for compose and Kubernetes see deploy/README.md.
set -euo pipefail
dir=${1:?usage: make-secrets.sh DIR}
mkdir -p "$dir"
umask 077
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
[ -s "$dir/identity.secret" ] || random >"$dir/identity.secret"
[ -s "$dir/jwt_keys.textproto" ] ||
  printf 'keys { id: "%s" secret: "%s" }\n' "$(date -u +%Y%m%d)" "$(random)" >"$dir/jwt_keys.textproto"
[ -s "$dir/redis.password" ] || random >"$dir/redis.password"
