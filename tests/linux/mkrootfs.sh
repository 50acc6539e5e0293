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
# shellcheck source=../lib/initramfs.sh
. "$here/../lib/initramfs.sh"

initramfs_busybox mkrootfs

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.rootfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The kernel's built-in initramfs already has /dev/console, which /init
# needs before it mounts devtmpfs.
initramfs_guest "$stage" "$init"

initramfs_pack "$stage" "$out"
