#!/bin/sh
# Copies programs and the shared libraries they load (per ldd) into ROOT, at the same paths, so the
# initramfs carries exactly what run.sh calls and nothing else.
#
#   collect-userland.sh ROOT PROGRAM...
set -eu
[ $# -ge 2 ] || { echo "usage: collect-userland.sh ROOT PROGRAM..." >&2; exit 64; }
root=$1
shift
copy() { mkdir -p "$root$(dirname "$1")"; cp -L "$1" "$root$1"; }
for program in "$@"; do
  path=$(command -v "$program") || { echo "collect-userland.sh: $program not found" >&2; exit 66; }
  copy "$path"
  ldd "$path" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do copy "$lib"; done
done
