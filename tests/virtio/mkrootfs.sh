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
# shellcheck source=../lib/initramfs.sh
. "$here/../lib/initramfs.sh"

initramfs_busybox mkrootfs

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.vrootfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

initramfs_guest "$stage" "$init" mnt

# shellcheck disable=SC2086 # one module a word
initramfs_kmods "$stage" "$kver" $mods
for mod in $initramfs_kmods_missing; do
	echo "mkrootfs: no module $mod for $kver" >&2
done
[ -z "$initramfs_kmods_missing" ] || exit 1

initramfs_pack "$stage" "$out"
