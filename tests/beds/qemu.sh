#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh - the AMD-V bed: boots the Debian 6.1 kernel and an initramfs in
# QEMU TCG with SVM+NPT and captures the serial console.
#
# usage: qemu.sh -i INITRAMFS -l LOG [-m check|run|bench] [-t WALL-SECONDS]
#                [-K KVER] [-f]
#   -f  also show the console on stdout while it runs (make run)
# BED_CMDLINE in the environment is added to the kernel command line.
# The log gets the whole console; LOG.token the end-marker word of this run.
# The exit status is QEMU's (124 on timeout): judge the run by the log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

initrd='' log='' mode=check wall=600 kver='' follow=0
while getopts "i:l:m:t:K:f" opt; do
	case $opt in
	i) initrd=$OPTARG ;;
	l) log=$OPTARG ;;
	m) mode=$OPTARG ;;
	t) wall=$OPTARG ;;
	K) kver=$OPTARG ;;
	f) follow=1 ;;
	*) exit 1 ;;
	esac
done
[ -n "$initrd" ] && [ -n "$log" ] || { echo "usage: see $0" >&2; exit 1; }
[ -n "$kver" ] || kver=$(bed_kver)

token=$(new_token)
echo "$token" > "$log.token"
: > "$log"
# no_timer_check: on a loaded host TCG can miss the kernel's early check
# that the timer interrupt arrives, and the kernel then panics at boot.
append="console=ttyS0,115200 panic=-1 slub_debug=FZPU no_timer_check quiet"
append="$append mvbed=qemu mvmode=$mode mvtoken=$token ${BED_CMDLINE:-}"

qemu=(timeout --foreground -k 10 "$wall" qemu-system-x86_64
      -accel tcg -cpu qemu64,+svm,+npt -m 2048 -smp 2
      -nodefaults -no-user-config -display none -vga none -monitor none
      -no-reboot -kernel "/boot/vmlinuz-$kver" -initrd "$initrd"
      -append "$append")

start=$(date +%s)
rc=0
if [ $follow = 1 ]; then
	"${qemu[@]}" -serial stdio < /dev/null | tee "$log" || rc=$?
else
	"${qemu[@]}" -serial "file:$log" < /dev/null || rc=$?
fi
echo "qemu bed: $(( $(date +%s) - start )) s wall, qemu exit status $rc" >&2
exit $rc
