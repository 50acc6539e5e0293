#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - builds the busybox initramfs the test beds boot.
#
# Layout of the image:
#   /init                      tests/beds/init.sh
#   /bin/busybox + applets     from busybox-static
#   /lib/modules/KVER/...      kvm, kvm_amd, kvm_intel, tun, msr and their
#                              dependencies
#                              (uncompressed, with a modules.dep from depmod)
#   /minivmm/minivmm.ko        the module built against the bed's kernel
#   /minivmm/vmm/minivmm       the VMM (static)
#   /minivmm/vmm/tests/*.sh    its in-bed scripts
#   /minivmm/guests/*.bin      guest blobs
#   /minivmm/tests/*           tests/build/* and tests/*.sh
#   /minivmm/bench/*           benchmark programs
#   /minivmm/linux/vmlinuz     -k: the Debian kernel as a guest of minivmm
#   /minivmm/linux/*           -k: the guest's initramfs (tests/linux/)
#   /minivmm/bed-tests.txt     what mvmode=check runs
#   /minivmm/bench-list.txt    what mvmode=bench runs
#   /minivmm/demo.sh           what mvmode=run runs
#
# A missing input is reported on stderr but does not stop the build: inside
# the bed it shows up as a failed insmod or a failed test, which is counted.
# The exit status is 2 when something was missing, so callers can tell.
set -euo pipefail

usage()
{
	cat >&2 <<EOF
usage: $0 -o OUT.cpio[.gz] -K KVER [-m minivmm.ko] [-v vmm] [-g guests-dir]
          [-t tests-build-dir] [-s tests-sh-dir] [-l bed-tests.txt]
          [-b bench-dir] [-L bench-list.txt] [-d demo.sh] [-M "kvm_amd ..."]
          [-e EXTRA-DIR]   (copied into /minivmm/tests, e.g. ad-hoc tests)
          [-k LINUX-DIR]   (LINUX-DIR/* and /boot/vmlinuz-KVER into
                            /minivmm/linux, for the Linux guest tests)
EOF
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/initramfs.sh
. "$here/../lib/initramfs.sh"
out='' kver='' ko='' vmm='' guests='' tbuild='' tsh='' list='' bench='' blist='' demo=''
linux=''
mods="kvm_amd kvm_intel tun msr"
extra=()
while getopts "o:K:m:v:g:t:s:l:b:L:d:M:e:k:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	K) kver=$OPTARG ;;
	m) ko=$OPTARG ;;
	v) vmm=$OPTARG ;;
	g) guests=$OPTARG ;;
	t) tbuild=$OPTARG ;;
	s) tsh=$OPTARG ;;
	l) list=$OPTARG ;;
	b) bench=$OPTARG ;;
	L) blist=$OPTARG ;;
	d) demo=$OPTARG ;;
	M) mods=$OPTARG ;;
	e) extra+=("$OPTARG") ;;
	k) linux=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$out" ] && [ -n "$kver" ] || usage

missing=0
warn()
{
	echo "mkinitramfs: $*" >&2
	missing=1
}

busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
file -L "$busybox" 2> /dev/null | grep -q 'statically linked' ||
	{ echo "mkinitramfs: need a static busybox (busybox-static)" >&2; exit 1; }

stage=$(mktemp -d "${out%/*}/.initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,etc,root}
mkdir -p "$stage"/minivmm/{vmm,guests,tests,bench}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$here/init.sh" "$stage/init"

# Kernel modules the tests may load (KVM, to compare or to compete with).
# shellcheck disable=SC2086 # one module a word
initramfs_kmods "$stage" "$kver" $mods
for mod in $initramfs_kmods_missing; do
	warn "no module $mod for $kver"
done

copy_file()	# SRC DST-DIR [MODE]
{
	if [ -n "$1" ] && [ -f "$1" ]; then
		install -m "${3:-0644}" "$1" "$2/"
	else
		warn "missing ${1:-(not given)}"
	fi
}

copy_file "$ko" "$stage/minivmm"
[ -n "$ko" ] && [ -f "$ko" ] && [ "${ko##*/}" != minivmm.ko ] &&
	mv "$stage/minivmm/${ko##*/}" "$stage/minivmm/minivmm.ko"
copy_file "$vmm" "$stage/minivmm/vmm" 0755
[ -n "$vmm" ] && [ -f "$vmm" ] && [ "${vmm##*/}" != minivmm ] &&
	mv "$stage/minivmm/vmm/${vmm##*/}" "$stage/minivmm/vmm/minivmm"
# the VMM's own in-bed scripts (vmm/tests/*.sh), for lines like
# "qemu 60 vmm/tests/bed_vmm.sh"
if [ -n "$vmm" ] && [ -d "${vmm%/*}/tests" ]; then
	mkdir -p "$stage/minivmm/vmm/tests"
	for f in "${vmm%/*}"/tests/*.sh; do
		[ -f "$f" ] && install -m 0755 "$f" "$stage/minivmm/vmm/tests/"
	done
fi

if [ -n "$guests" ]; then
	n=0
	for f in "$guests"/*.bin; do
		[ -f "$f" ] || continue
		cp "$f" "$stage/minivmm/guests/"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || warn "no guest blobs in $guests"
fi

if [ -n "$tbuild" ]; then
	if [ -d "$tbuild" ]; then
		# the programs, not the objects and libraries they came from
		find "$tbuild" -maxdepth 1 -type f -perm -u+x \
			-exec cp {} "$stage/minivmm/tests/" \;
	else
		warn "missing $tbuild"
	fi
fi
if [ -n "$tsh" ]; then
	for f in "$tsh"/*.sh; do
		[ -f "$f" ] && install -m 0755 "$f" "$stage/minivmm/tests/"
	done
fi
for d in "${extra[@]}"; do
	cp -a "$d"/. "$stage/minivmm/tests/"
done
if [ -n "$bench" ] && [ -d "$bench" ]; then
	find "$bench" -maxdepth 1 -type f -perm -u+x \
		-exec cp {} "$stage/minivmm/bench/" \;
fi

# The Linux guest: the bed's own kernel (unmodified) and the initramfs of
# tests/linux/ (~8 + 2 MB; the beds have 2 GiB and 1 GiB of RAM).
if [ -n "$linux" ]; then
	mkdir -p "$stage/minivmm/linux"
	copy_file "/boot/vmlinuz-$kver" "$stage/minivmm/linux"
	[ -f "$stage/minivmm/linux/vmlinuz-$kver" ] &&
		mv "$stage/minivmm/linux/vmlinuz-$kver" "$stage/minivmm/linux/vmlinuz"
	if [ -d "$linux" ] && [ -f "$linux/rootfs.cpio" ]; then
		cp -a "$linux"/. "$stage/minivmm/linux/"
	else
		warn "missing $linux/rootfs.cpio (make -C tests)"
	fi
fi

if [ -n "$list" ]; then
	copy_file "$list" "$stage/minivmm"
	[ "${list##*/}" = bed-tests.txt ] ||
		mv "$stage/minivmm/${list##*/}" "$stage/minivmm/bed-tests.txt"
else
	: > "$stage/minivmm/bed-tests.txt"
fi
if [ -n "$blist" ] && [ -f "$blist" ]; then
	cp "$blist" "$stage/minivmm/bench-list.txt"
else
	: > "$stage/minivmm/bench-list.txt"
fi
if [ -n "$demo" ] && [ -f "$demo" ]; then
	install -m 0755 "$demo" "$stage/minivmm/demo.sh"
fi

# Static binaries only: the image has no libc.
find "$stage/minivmm" -type f -perm -u+x -print0 |
while IFS= read -r -d '' f; do
	if file "$f" | grep -q 'dynamically linked'; then
		echo "mkinitramfs: warning: ${f#"$stage"} is dynamically linked;" \
		     "it cannot run in the bed" >&2
	fi
done

# Uncompressed: both kernels unpack it faster than they inflate it, which
# matters under Bochs.  Compress only if asked for (.gz).
tmp=$out.tmp
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$tmp.cpio"
case $out in
*.gz) gzip -1 -n < "$tmp.cpio" > "$tmp"; rm -f "$tmp.cpio" ;;
*) mv "$tmp.cpio" "$tmp" ;;
esac
mv "$tmp" "$out"
exit $((missing * 2))
