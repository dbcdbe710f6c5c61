#!/bin/sh
# Parent instance: the webhook's public port, relayed byte for byte into the enclave. TLS ends inside
# the enclave, so this relay (and anyone on the parent) only ever sees ciphertext.
#
#   LISTEN_HOST, LISTEN_PORT  where kube-apiserver connects           e.g. 0.0.0.0 8443
#   ENCLAVE_TARGET            socat address of the enclave's ingress   prod: VSOCK-CONNECT:$CID:8443
#   RELAY_SOCAT_FLAGS         optional extra socat flags (the tests record the bytes with -x)
set -eu
: "${LISTEN_HOST:?}" "${LISTEN_PORT:?}" "${ENCLAVE_TARGET:?}"
# shellcheck disable=SC2086
exec socat ${RELAY_SOCAT_FLAGS:-} "TCP-LISTEN:$LISTEN_PORT,bind=$LISTEN_HOST,fork,reuseaddr" "$ENCLAVE_TARGET"
