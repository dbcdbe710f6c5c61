#!/bin/sh
# Parent instance: the enclave's only way out. One relay per line of the allow-list file
#   <socat listen address>  <host>:<port>
# e.g.  VSOCK-LISTEN:8101,fork,reuseaddr  fullnode.mainnet.sui.io:443
# Nothing else is forwarded; the enclave has no network interface besides loopback. (AWS's
# vsock-proxy with its allowlist YAML does the same job; socat keeps the script one tool for both.)
#
#   EGRESS_ALLOW_FILE   the allow-list
set -eu
: "${EGRESS_ALLOW_FILE:?}"
pids=""
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM
while read -r listen target; do
  case "$listen" in ''|'#'*) continue ;; esac
  case "$target" in *:[0-9]*) ;; *) echo "egress-proxy.sh: bad allow-list line: $listen $target" >&2; exit 64 ;; esac
  socat "$listen" "TCP:$target" &
  pids="$pids $!"
  echo "egress-proxy.sh: $listen -> $target" >&2
done <"$EGRESS_ALLOW_FILE"
[ -n "$pids" ] || { echo "egress-proxy.sh: empty allow-list" >&2; exit 64; }
wait
