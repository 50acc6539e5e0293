# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh - sourced by the scripts that build an initramfs: the test
# beds' (tests/beds/mkinitramfs.sh) and the Linux guests' (tests/linux/ and
# tests/virtio/mkrootfs.sh).  It lives in tests/lib/, not in tests/,
# because mkinitramfs.sh copies every tests/*.sh into the bed as a test.
#
# POSIX sh plus `local` (dash and bash both have it); the callers run with
# set -e, which these functions rely on to stop at a failed copy.
# shellcheck shell=sh disable=SC3043

# initramfs_busybox PROG: sets busybox to a statically linked busybox (the
# images have no libc), or exits 1 naming PROG when there is none.
initramfs_busybox()
{
	busybox=/bin/busybox
	[ -x "$busybox" ] || busybox=$(command -v busybox)
	file -L "$busybox" | grep -q 'statically linked' || {
		echo "$1: need a static busybox (busybox-static)" >&2
		exit 1
	}
}

# initramfs_guest STAGE INIT [DIR...]: the base of a Linux guest's root:
# $busybox as STAGE/bin/busybox with a link to it for each of its applets,
# INIT as /init, a passwd with root, the usual empty directories and DIRs.
initramfs_guest()
{
	local stage="$1" init="$2" dir applet

	shift 2
	for dir in bin sbin dev proc sys tmp root etc "$@"; do
		mkdir -p "$stage/$dir"
	done
	cp "$busybox" "$stage/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
	done
	install -m 0755 "$init" "$stage/init"
	echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
}

# initramfs_kmods STAGE KVER MODULE...: each MODULE of kernel KVER and the
# modules it needs (modprobe --show-depends) into STAGE/lib/modules/KVER,
# uncompressed, as busybox insmod and modprobe want plain .ko files; then,
# if any was copied, modules.order and modules.builtin* next to them and a
# modules.dep from depmod.  Sets initramfs_kmods_missing to the MODULEs
# not found for KVER (the caller reports them as it must) and copies the
# others.
initramfs_kmods()
{
	local stage="$1" kver="$2" moddir="/lib/modules/$2" mod deps path rel dst f

	shift 2
	initramfs_kmods_missing=''
	for mod; do
		deps=$(modprobe -S "$kver" --show-depends "$mod" 2> /dev/null |
		       awk '$1 == "insmod" { print $2 }') || deps=''
		if [ -z "$deps" ]; then
			initramfs_kmods_missing="$initramfs_kmods_missing $mod"
			continue
		fi
		for path in $deps; do
			rel=${path#"$moddir"/}
			dst=$stage/lib/modules/$kver/${rel%.xz}
			dst=${dst%.zst}
			[ -e "$dst" ] && continue
			mkdir -p "${dst%/*}"
			case $path in
			*.xz) xz -dc "$path" > "$dst" ;;
			*.zst) zstd -qdc "$path" > "$dst" ;;
			*) cp "$path" "$dst" ;;
			esac
		done
	done
	[ -d "$stage/lib/modules/$kver" ] || return 0
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -e "$moddir/$f" ] || cp "$moddir/$f" "$stage/lib/modules/$kver/"
	done
	depmod -b "$stage" "$kver"
}

# initramfs_pack STAGE OUT: STAGE as an uncompressed newc cpio archive OUT,
# in a fixed order, every file owned by root; written to OUT.tmp first, so
# that OUT is never half-written.
initramfs_pack()
{
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) > "$2.tmp"
	mv "$2.tmp" "$2"
}
