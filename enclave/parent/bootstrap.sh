#!/bin/sh
# Parent instance: delivers the webhook's configuration to the enclave, once, on its bootstrap port.
# The enclave takes the first connection only; its TLS key and listen address are not configurable.
#
#   CONFIG_FILE        daas-auth serve configuration (YAML or JSON), no secrets in it
#   BOOTSTRAP_TARGET   socat address of the enclave's bootstrap port   prod: VSOCK-CONNECT:$CID:7000
#   BOOTSTRAP_TRIES    optional, attempts one second apart while the enclave boots (default 60)
set -eu
: "${CONFIG_FILE:?}" "${BOOTSTRAP_TARGET:?}"
tries=${BOOTSTRAP_TRIES:-60}
while ! socat -u "FILE:$CONFIG_FILE" "$BOOTSTRAP_TARGET" 2>/dev/null; do
  tries=$((tries - 1))
  [ "$tries" -gt 0 ] || { echo "bootstrap.sh: the enclave never took its configuration" >&2; exit 69; }
  sleep 1
done
echo "bootstrap.sh: configuration delivered" >&2
