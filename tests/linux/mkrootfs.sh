#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mkrootfs.sh - builds the initramfs of the Linux guest that minivmm boots
# in the end-to-end tests: a static busybox and tests/linux/init.sh as
# /init, nothing else (the Debian kernel needs no module to reach /init
# with a console on the 16550).
#
# usage: mkrootfs.sh OUT.cpio [INIT-SCRIPT]
# The archive is not compressed: the guest kernel unpacks it faster than it
# would inflate it, which counts twice inside the emulated beds.
set -eu

out=${1:?usage: mkrootfs.sh OUT.cpio [INIT-SCRIPT]}
here=$(cd "$(dirname "$0")" && pwd)
init=${2:-$here/init.sh}

busybox=/bin/busybox
[ -x "$busybox" ] || busybox=$(command -v busybox)
file -L "$busybox" | grep -q 'statically linked' || {
	echo "mkrootfs: need a static busybox (busybox-static)" >&2
	exit 1
}

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.rootfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/bin" "$stage/sbin" "$stage/dev" "$stage/proc" \
	"$stage/sys" "$stage/tmp" "$stage/root" "$stage/etc"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$init" "$stage/init"
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
# The kernel's built-in initramfs already has /dev/console, which /init
# needs before it mounts devtmpfs.

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
