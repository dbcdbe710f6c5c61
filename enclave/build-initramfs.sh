#!/bin/sh
# Builds the enclave's initramfs reproducibly: the same inputs give the same bytes, whoever builds,
# wherever, whenever (the model is MystenLabs/nautilus's Containerfile).
#
#   build-initramfs.sh OUT.cpio.gz SRC=DEST...    e.g. app/src=app/src enclave/init.sh=init
#
# What would differ between builds is normalised away: file times (all set to the epoch), owners
# (root), permissions (0755 for directories and executables, 0644 otherwise), order (bytewise sort),
# inode and device numbers (cpio --reproducible), and gzip's name and time fields (gzip -n).
# Prints the sha256 of OUT.
set -eu
[ $# -ge 2 ] || { echo "usage: build-initramfs.sh OUT.cpio.gz SRC=DEST..." >&2; exit 64; }
out=$1
shift
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

for spec in "$@"; do
  src=${spec%%=*}
  dest=${spec#*=}
  case "$dest" in /*|*..*|'') echo "build-initramfs.sh: bad destination in $spec" >&2; exit 64 ;; esac
  [ -e "$src" ] || { echo "build-initramfs.sh: no such input: $src" >&2; exit 66; }
  mkdir -p "$stage/$(dirname "$dest")"
  cp -R -P "$src" "$stage/$dest"
done

find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /111 -exec chmod 0644 {} +
find "$stage" -exec touch -h -c -d @0 {} +

(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
  cpio --null --reproducible --create --format=newc --owner=0:0 --quiet) | gzip -9 -n >"$out"
sha256sum "$out" | cut -d' ' -f1
