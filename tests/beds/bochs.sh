#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bochs.sh - the VT-x bed: boots the Debian 6.1 kernel and an initramfs from
# an isolinux CD in Bochs (corei7_skylake_x: VMX with EPT, unrestricted
# guest, VPID ...) and captures COM1 into a file.
#
# usage: bochs.sh -i INITRAMFS -l LOG [-m check|run|bench] [-t WALL-SECONDS]
#                 [-K KVER] [-c CPUS] [-p IPS] [-n BED] [-f]
#   -n  the bed's name in tests/bed-tests.txt (default bochs; bochs-smp for
#       the 2-CPU run of the tests that need two CPUs)
#   -f  also show the console on stdout while it runs
# BED_CMDLINE in the environment is added to the kernel command line.
# Work files (ISO, bochsrc, Bochs' own log) go to LOG.d/.  LOG.token holds
# the end-marker word of this run.
#
# Bochs exits with status 1 on a guest poweroff and has no -no-reboot, so
# the serial file is watched instead: the run ends at the end marker, at a
# kernel panic or reboot, or at the wall-clock limit.  Judge it by the log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

initrd='' log='' mode=check wall=3600 kver='' follow=0 name=bochs
# One vCPU is faster than two here: Bochs runs all vCPUs on one host thread.
cpus=${BOCHS_CPUS:-1}
# Bochs' notion of its speed; 20M and 100M gave the same boot (see
# tests/beds/README.md).
ips=${BOCHS_IPS:-100000000}
# The options of this bed alone (bed_opts in lib.sh parses the others).
bed_opt()
{
	case $1 in
	p) ips=$2 ;;
	n) name=$2 ;;
	esac
}
bed_opts "p:n:" "$@"

log=$(realpath -m "$log")
work=$log.d
rm -rf "$work"
mkdir -p "$work/iso/isolinux"
token=$(new_token)
echo "$token" > "$log.token"
: > "$log"

# The CD: isolinux loads the kernel and the initramfs.  acpi=off: Bochs
# spends almost half of the kernel's boot in the ACPI interpreter (18 -> 10
# guest seconds to /init, -20% host CPU); the beds need no ACPI device, and
# without ACPI "poweroff -f" halts, which the watcher below handles.
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
	"$work/iso/isolinux/"
cp "/boot/vmlinuz-$kver" "$work/iso/vmlinuz"
cp "$initrd" "$work/iso/initrd"
cat > "$work/iso/isolinux/isolinux.cfg" <<EOF
DEFAULT bed
PROMPT 0
TIMEOUT 0
LABEL bed
  KERNEL /vmlinuz
  INITRD /initrd
  APPEND console=ttyS0,115200 panic=-1 slub_debug=FZPU no_timer_check acpi=off quiet mvbed=$name mvmode=$mode mvtoken=$token ${BED_CMDLINE:-}
EOF
xorriso -as mkisofs -quiet -o "$work/bed.iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	"$work/iso" 2> "$work/xorriso.log" ||
	{ cat "$work/xorriso.log" >&2; exit 1; }
rm -rf "$work/iso"

sed -e "s|@ISO@|$work/bed.iso|" -e "s|@SERIAL@|$log|" \
    -e "s|@CPUS@|$cpus|" -e "s|@IPS@|$ips|" -e "s|@LOG@|$work/bochs.log|" \
    "$here/bochsrc.in" > "$work/bochsrc"
echo c > "$work/rc"

start=$(date +%s)
bochs-bin -q -f "$work/bochsrc" -rc "$work/rc" < /dev/null \
	> "$work/bochs.out" 2>&1 &
pid=$!
tailpid=
if [ $follow = 1 ]; then
	tail -n +1 -f "$log" &
	tailpid=$!
fi

# Watches the serial file; a few seconds after the end the guest powers off.
how="Bochs exited"
cpu=0
while kill -0 "$pid" 2> /dev/null; do
	# Bochs' CPU time: its wall time on an idle host
	cpu=$(awk '{ print int(($14 + $15) / 100) }' "/proc/$pid/stat" \
	      2> /dev/null || echo "$cpu")
	if grep -q -F "MINIVMM-BED-END $token" "$log"; then
		how="end marker"
		break
	fi
	if grep -q -E 'Kernel panic - not syncing|reboot: Restarting system' "$log"; then
		how="kernel panic or reboot"
		sleep 5
		break
	fi
	if [ $(( $(date +%s) - start )) -ge "$wall" ]; then
		how="timeout after $wall s"
		break
	fi
	sleep 2
done
# A clean poweroff ends Bochs by itself (ACPI); without ACPI the kernel
# halts after "reboot: Power down" and Bochs must be stopped.
n=0
while kill -0 "$pid" 2> /dev/null && [ $n -lt 30 ]; do
	[ "$how" = "end marker" ] || break
	grep -q -E 'reboot: (Power down|System halted)' "$log" && sleep 1 && break
	sleep 1
	n=$((n + 1))
done
kill "$pid" 2> /dev/null && sleep 1
kill -KILL "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
[ -n "$tailpid" ] && kill "$tailpid" 2> /dev/null
grep -q -F "MINIVMM-BED-END $token" "$log" && how="end marker"
echo "bochs bed: $(( $(date +%s) - start )) s wall, $cpu s CPU, ended by: $how" >&2
