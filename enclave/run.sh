#!/bin/sh
# The enclave's init: brings up loopback, makes the webhook's TLS key *inside* (it never leaves), starts
# the egress forwarders (the only way out: allow-listed chain endpoints through the parent), waits for
# its configuration on the bootstrap port (once), relays the ingress port to the webhook, and runs
# `daas-auth serve` in the foreground.
#
# Every address is a variable, so the same script runs with vsock in an EIF (enclave/production.env) and
# with unix sockets in the tests (test/e2e/enclave.test.ts). Nothing has a default: a missing address
# is an error, never a silent fallback to vsock.
#
#   INGRESS_LISTEN    socat address TLS arrives on        prod: VSOCK-LISTEN:8443,fork,reuseaddr
#   BOOTSTRAP_LISTEN  socat address of the one-shot config prod: VSOCK-LISTEN:7000,reuseaddr
#   EGRESS            space-separated PORT=ADDRESS pairs:  prod: 8101=VSOCK-CONNECT:3:8101
#                     127.0.0.1:PORT inside forwards to ADDRESS (the parent's allow-listed proxy)
#   STATE_DIR         tmpfs for the key, certificate and config (made 0700)
#   WEBHOOK_PORT      the port daas-auth serve listens on, on 127.0.0.1 only
#   TLS_SAN           subjectAltName of the self-signed certificate, e.g. IP:10.0.0.5,DNS:authn.example
#   HOSTS_FILE        optional: where to write "127.0.0.1 NAME" lines for EGRESS_HOSTS (prod: /etc/hosts)
#   EGRESS_HOSTS      optional: host names of the chain endpoints, resolved to the forwarders
#   NODE, DAAS_AUTH   the Node binary and bin/daas-auth.js
set -eu
umask 077

need() { eval "v=\${$1:-}"; [ -n "$v" ] || { echo "run.sh: $1 is not set" >&2; exit 64; }; }
for name in INGRESS_LISTEN BOOTSTRAP_LISTEN STATE_DIR WEBHOOK_PORT TLS_SAN NODE DAAS_AUTH; do need "$name"; done

log() { echo "run.sh: $*" >&2; }

# Loopback is the enclave's only interface.
ip link set dev lo up

mkdir -p "$STATE_DIR"
chmod 0700 "$STATE_DIR"

# The TLS key is generated here and only here; /attestation binds its public half.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=daas-auth-enclave -addext "subjectAltName=$TLS_SAN" \
  -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth \
  -keyout "$STATE_DIR/tls.key" -out "$STATE_DIR/tls.crt" 2>/dev/null
chmod 0600 "$STATE_DIR/tls.key"
log "TLS key generated"

pids=""
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM

for pair in ${EGRESS:-}; do
  port=${pair%%=*}
  target=${pair#*=}
  socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "$target" &
  pids="$pids $!"
  log "egress 127.0.0.1:$port forwarded to the parent"
done
if [ -n "${HOSTS_FILE:-}" ]; then
  for host in ${EGRESS_HOSTS:-}; do echo "127.0.0.1 $host" >>"$HOSTS_FILE"; done
fi

# Configuration arrives once: one connection, written to the tmpfs, then the port is closed.
log "waiting for the configuration"
socat -u "$BOOTSTRAP_LISTEN" "CREATE:$STATE_DIR/config.yaml"
[ -s "$STATE_DIR/config.yaml" ] || { log "empty configuration"; exit 65; }
log "configuration received"

socat "$INGRESS_LISTEN" "TCP:127.0.0.1:$WEBHOOK_PORT" &
pids="$pids $!"

# The environment overrides the delivered file (defaults < file < env): the parent can neither move
# the key nor expose the webhook on another address.
DAAS_HOST=127.0.0.1 DAAS_PORT=$WEBHOOK_PORT DAAS_TLS_CERT=$STATE_DIR/tls.crt DAAS_TLS_KEY=$STATE_DIR/tls.key \
  "$NODE" "$DAAS_AUTH" --config "$STATE_DIR/config.yaml" serve &
serve=$!
pids="$pids $serve"
wait "$serve"
