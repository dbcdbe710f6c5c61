#!/bin/sh
# PID 1 of the EIF: the production addresses (vsock), then run.sh. Never used by the tests.
set -eu
/bin/busybox --install -s /bin
mount -t proc proc /proc 2>/dev/null || true
mount -t tmpfs -o mode=0700 tmpfs /run 2>/dev/null || true
set -a
. /app/enclave/production.env
set +a
exec /app/enclave/run.sh
