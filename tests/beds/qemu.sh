#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu.sh - the AMD-V bed: boots the Debian 6.1 kernel and an initramfs in
# QEMU TCG with SVM+NPT and captures the serial console.
#
# usage: qemu.sh -i INITRAMFS -l LOG [-m check|run|bench] [-t WALL-SECONDS]
#                [-K KVER] [-c CPUS] [-n BED] [-f]
#   -c  CPUs of the bed (default 1, see below)
#   -n  the bed's name in tests/bed-tests.txt (default qemu; qemu-slowtsc
#       for the bed with a 500 MHz TSC, BED_CMDLINE=tsc_early_khz=500000)
#   -f  also show the console on stdout while it runs (make run)
#
# One CPU by default: QEMU 7.2's TCG corrupts the bed kernel's memory when
# nested SVM guests run while its other CPU runs too (multi-threaded TCG).
# It is not minivmm's: four exit_bench processes on kvm_amd panic a 2-CPU
# bed within seconds ("corrupted stack end detected inside scheduler"),
# and pass with one CPU; with minivmm the symptoms were guest page faults
# on mapped code, host register state in a guest's VMCB, and the bed
# dying without a message.  README.md in this directory has the details.
# BED_CMDLINE in the environment is added to the kernel command line,
# QEMU_EXTRA to QEMU's options (bench/compare.sh: -icount shift=0).
# The log gets the whole console; LOG.token the end-marker word of this run.
# The exit status is QEMU's (124 on timeout): judge the run by the log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

initrd='' log='' mode=check wall=600 kver='' follow=0 cpus=1 name=qemu
bed_opt()	# LETTER OPTARG: this bed's own option
{
	case $1 in
	n) name=$2 ;;
	esac
}
bed_opts "n:" "$@"

token=$(new_token)
echo "$token" > "$log.token"
: > "$log"
# no_timer_check: on a loaded host TCG can miss the kernel's early check
# that the timer interrupt arrives, and the kernel then panics at boot.
# nohz=off highres=off: a periodic LAPIC timer.  QEMU 7.2 clears a bit of
# the vCPU's interrupt_request on every #VMEXIT without its global lock,
# racing with the main loop raising the timer interrupt (fixed later
# upstream: cpu_reset_interrupt() in do_vmexit()); a lost one-shot tick
# left the idle bed halted for good (QEMU at 0% CPU, its vCPU thread in
# qemu_wait_io_event), twice in a day of nested Linux boots.  A periodic
# timer raises it again at the next tick.
# +pku: the host has protection keys with OSPKE, so that the tests can
# check that a guest's PKRU never reaches the host (QEMU's TCG has PKU;
# Bochs' corei7_skylake_x model does not).
append="console=ttyS0,115200 panic=-1 slub_debug=FZPU no_timer_check quiet"
append="$append nohz=off highres=off"
append="$append mvbed=$name mvmode=$mode mvtoken=$token ${BED_CMDLINE:-}"

qemu=(timeout --foreground -k 10 "$wall" qemu-system-x86_64
      -accel tcg ${QEMU_EXTRA:-} -cpu qemu64,+svm,+npt,+pku -m 2048 -smp "$cpus"
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
