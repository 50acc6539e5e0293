#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install-deps.sh - installs what building and testing minivmm needs on
# Debian 12 (bookworm).  Quick when everything is there: it asks dpkg
# first and runs apt-get only for what is missing.
set -euo pipefail

pkgs=(
	# building
	build-essential g++ make libc6-dev kmod rsync file xz-utils
	# the module: the beds' 6.1 kernel and the newer 6.12 LTS
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# checks: checkpatch (from the kernel source), sparse, clang
	linux-source-6.1 perl sparse clang lld llvm libclang-rt-14-dev
	# the beds
	qemu-system-x86 bochs bochsbios vgabios busybox-static acpica-tools
	isolinux syslinux-common xorriso cpio
)

# One dpkg-query for all: the packages it does not list as installed.
mapfile -t missing < <(
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${pkgs[@]}" \
		2> /dev/null | awk '$2 == "installed" { print $1 }' |
	sort -u | comm -13 - <(printf '%s\n' "${pkgs[@]}" | sort -u))

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The beds boot a 6.1 kernel and the module is built against its headers:
# both must be there, at the same version.
. "$(dirname "$0")/lib.sh"
bed_kver > /dev/null
ls -d /usr/src/linux-headers-6.12*-amd64 > /dev/null 2>&1 ||
	{ echo "install-deps: no 6.12 headers in /usr/src" >&2; exit 1; }
