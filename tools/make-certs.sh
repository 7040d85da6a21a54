#!/usr/bin/env bash
# make-certs.sh [--group GID] [--days N] [--gateway-name NAME]... [--renew] DIR
#
# The TLS certificates of a Hotline deployment, into DIR/tls (ECDSA P-256,
# one private CA for the deployment; keeps what exists unless --renew):
#   ca.crt                 the CA every party trusts (desktops get this file)
#   ca.key                 the CA's key: mode 0600 whatever --group says, never
#                          mounted anywhere; keep it offline after issuing
#   gateway.crt/.key       the gateway's public port (TLS for desktops):
#                          DNS gateway, localhost, IP 127.0.0.1, plus each
#                          --gateway-name (the name desktops dial)
#   gateway-client.crt/.key  the certificate the gateway presents to the
#                          backends (mutual TLS; client use only)
#   backend.crt/.key       the backends' ports (intake, dispatch, sla,
#                          knowledge, scoring; server and client use, so the
#                          container's own healthcheck can present it)
# --renew issues new leaf certificates (new keys) under the same CA:
# rotation without a flag day, since everyone trusts the CA, not the leaf.
# --group GID: as make-secrets.sh (group GID, mode 0640, folder 0750), for
# containers that run as another user; ca.key stays 0600.
# --days N: the leaves' validity (default 397); the CA's is 10 years.
set -euo pipefail
usage="usage: make-certs.sh [--group GID] [--days N] [--gateway-name NAME]... [--renew] DIR"
group="" days=397 renew=0 names=()
while [ $# -gt 1 ]; do
  case "$1" in
    --group) group=${2:?$usage}; shift 2 ;;
    --days) days=${2:?$usage}; shift 2 ;;
    --gateway-name) names+=("${2:?$usage}"); shift 2 ;;
    --renew) renew=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
dir=${1:?$usage}
case "$dir" in -*) echo "$usage" >&2; exit 2 ;; esac
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs.sh: --days wants a positive number" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is missing (apt-get install openssl)" >&2; exit 1; }
umask 077
tls="$dir/tls"
mkdir -p "$tls"
cd "$tls"
log=$(mktemp)
trap 'rm -f "$log" ./*.csr ./*.ext' EXIT
ossl() { openssl "$@" 2>>"$log" || { cat "$log" >&2; exit 1; }; }

if [ ! -s ca.key ] || [ ! -s ca.crt ]; then
  ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=Hotline deployment CA" -keyout ca.key -out ca.crt \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
fi

# issue NAME CN USAGE SAN: NAME.crt/.key signed by the CA.
issue() {
  local name=$1 cn=$2 usage=$3 san=$4
  if [ "$renew" = 0 ] && [ -s "$name.crt" ] && [ -s "$name.key" ]; then return; fi
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$cn" \
    -keyout "$name.key" -out "$name.csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$name.ext"
  ossl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$name.ext" -out "$name.crt"
}

gateway_san="DNS:gateway,DNS:localhost,IP:127.0.0.1"
for n in "${names[@]}"; do
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then gateway_san+=",IP:$n"; else gateway_san+=",DNS:$n"; fi
done
issue gateway hotline-gateway serverAuth "$gateway_san"
issue gateway-client hotline-gateway clientAuth ""
issue backend hotline-backend serverAuth,clientAuth \
  "DNS:intake,DNS:dispatch,DNS:sla,DNS:knowledge,DNS:scoring,DNS:localhost,IP:127.0.0.1"
rm -f ca.srl

if [ -n "$group" ]; then
  if ! chgrp -R "$group" . 2>/dev/null; then
    echo "make-certs.sh: cannot give $tls to group $group (not root and not in it): run it with sudo" >&2
    exit 1
  fi
  chmod 0750 .
  find . -mindepth 1 -maxdepth 1 -type f -exec chmod 0640 {} +
  chmod 0600 ca.key
fi
echo "make-certs.sh: $tls: ca.crt, gateway, gateway-client, backend (valid $days days)"
