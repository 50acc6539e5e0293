#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkrootfs.sh - the initramfs of the Linux guest of the virtio tests
# (tests/virtio_guest.sh): a static busybox, tests/virtio/init.sh as /init
# and the Debian modules the guest needs to find and use the virtio-mmio
# devices, with their dependencies (modprobe --show-depends) and a
# modules.dep from depmod:
#   virtio_mmio (virtio, virtio_ring), virtio_blk, virtio_net
#   (net_failover, failover), virtio_console, virtio-rng, ext4 (jbd2,
#   mbcache, crc16, crc32c_generic and what else ext4 pulls in).
#
# usage: mkrootfs.sh OUT.cpio KVER [INIT-SCRIPT]
set -eu

out=${1:?usage: mkrootfs.sh OUT.cpio KVER [INIT-SCRIPT]}
kver=${2:?usage: mkrootfs.sh OUT.cpio KVER [INIT-SCRIPT]}
here=$(cd "$(dirname "$0")" && pwd)
init=${3:-$here/init.sh}
mods="virtio_mmio virtio_blk virtio_net virtio_console virtio-rng ext4 crc32c_generic"

busybox=/bin/busybox
[ -x "$busybox" ] || busybox=$(command -v busybox)
file -L "$busybox" | grep -q 'statically linked' || {
	echo "mkrootfs: need a static busybox (busybox-static)" >&2
	exit 1
}

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.vrootfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/bin" "$stage/sbin" "$stage/dev" "$stage/proc" \
	"$stage/sys" "$stage/tmp" "$stage/root" "$stage/etc" "$stage/mnt"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$init" "$stage/init"
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"

moddir=/lib/modules/$kver
for mod in $mods; do
	deps=$(modprobe -S "$kver" --show-depends "$mod" |
	       awk '$1 == "insmod" { print $2 }')
	[ -n "$deps" ] || { echo "mkrootfs: no module $mod for $kver" >&2; exit 1; }
	for path in $deps; do
		rel=${path#"$moddir"/}
		dst=$stage/lib/modules/$kver/${rel%.xz}
		dst=${dst%.zst}
		[ -e "$dst" ] && continue
		mkdir -p "${dst%/*}"
		# busybox modprobe wants plain .ko files
		case $path in
		*.xz) xz -dc "$path" > "$dst" ;;
		*.zst) zstd -qdc "$path" > "$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
	done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$moddir/$f" ] && cp "$moddir/$f" "$stage/lib/modules/$kver/"
done
depmod -b "$stage" "$kver"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
