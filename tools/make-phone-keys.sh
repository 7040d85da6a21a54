#!/usr/bin/env bash
# Writes a phone key file with fresh random keys (format:
# libs/crypto/phone_vault.h) for the demo, a benchmark or a test; never for
# production, where the keys come from the operator's secret store.
# Usage: tools/make-phone-keys.sh OUT [KEY_ID]
set -euo pipefail
out=${1:?usage: make-phone-keys.sh OUT [KEY_ID]}
id=${2:-demo1}
hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077
{
  echo "# Hotline phone keys (generated for a demo or a test; never for production)."
  echo "encryption_key $id $(hex)"
  echo "lookup_key $(hex)"
} >"$out"
