#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh - the exit benchmark of several builds of the module in one
# bed boot, in figures that do not depend on the host's load: the QEMU bed
# runs with -icount shift=0 (one nanosecond of guest time per guest
# instruction, so "ns/exit" counts the instructions of one exit, guest and
# host together), and Bochs' clock is instruction-driven anyway.  Use it to
# judge a change of the exit path: build the module before and after and
# compare them here.  (make bench measures against KVM in real time.)
#
# usage: bench/compare.sh [-b qemu|bochs] [-K KVER] NAME=MODULE.ko...
#   e.g. bench/compare.sh before=/tmp/old/minivmm.ko \
#            after=build/kmod-6.1/kmod/minivmm.ko
# Run from the top of the tree after "make vmm tests bench-build".  Prints
# exit_bench's lines, each prefixed with [NAME]; the console log is in
# $BUILD/beds/compare-BED.log.
set -euo pipefail

bed=qemu
kver=6.1.0-57-amd64
while getopts b:K: opt; do
	case $opt in
	b) bed=$OPTARG ;;
	K) kver=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: $0 [-b qemu|bochs] [-K KVER] NAME=MODULE.ko..." >&2
	exit 2
fi

build=${BUILD:-build}
work=$build/beds/compare
rm -rf "$work"
mkdir -p "$work"
names=
for arg in "$@"; do
	name=${arg%%=*}
	ko=${arg#*=}
	if [ "$name" = "$arg" ] || [ ! -r "$ko" ] ||
	   ! [[ $name =~ ^[A-Za-z0-9_-]+$ ]]; then
		echo "compare.sh: want NAME=MODULE.ko with a readable module: $arg" >&2
		exit 2
	fi
	# mkinitramfs.sh copies the bench directory's executable files.
	install -m 0755 "$ko" "$work/$name.ko"
	names="$names $name"
done
install -m 0755 bench/build/exit_bench "$work/exit_bench"

# The in-bed part: each module in turn, exit_bench on /dev/minivmm alone.
cat > "$work/compare-bed.sh" <<EOF
#!/bin/sh
here=\$(dirname "\$0")
for name in $names; do
	rmmod minivmm 2> /dev/null
	if ! insmod "\$here/\$name.ko"; then
		echo "not ok 1 - insmod \$name"
		exit 1
	fi
	"\$here/exit_bench" --dev /dev/minivmm --iters 2000 --rounds 2 \\
		--warmup 300 2>&1 | sed "s/^/# [\$name] /"
done
rmmod minivmm 2> /dev/null
insmod /minivmm/minivmm.ko
echo "1..1"
echo "ok 1 - compare"
EOF
chmod +x "$work/compare-bed.sh"
echo "$bed 20000 /minivmm/bench/compare-bed.sh" > "$work/list.txt"

tests/beds/mkinitramfs.sh -o "$work/initramfs.cpio" -K "$kver" \
	-m "$work/$(echo $names | cut -d' ' -f1).ko" -v vmm/minivmm \
	-g vmm/guests -t tests/build -s tests -l "$work/list.txt" \
	-b "$work" -L "$work/list.txt" -d tests/beds/demo.sh > /dev/null
log=$build/beds/compare-$bed.log
case $bed in
qemu)
	QEMU_EXTRA="-icount shift=0,sleep=off" tests/beds/qemu.sh \
		-i "$work/initramfs.cpio" -l "$log" -m check -t 3600 -K "$kver"
	;;
bochs)
	tests/beds/bochs.sh -i "$work/initramfs.cpio" -l "$log" -m check \
		-t 7200 -K "$kver"
	;;
*)
	echo "compare.sh: bed is qemu or bochs" >&2
	exit 2
	;;
esac
grep -a 'ns/exit' "$log" | sed 's/^\[compare-bed.sh\] # //'
