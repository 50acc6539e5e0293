#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what "make run" shows inside the QEMU bed (module loaded, cwd
# /minivmm): a guest that greets from long mode, the '*' printer stopped
# by timeout after 3 seconds, then the main act: the bed's own Debian
# kernel booted by minivmm to a busybox shell on its 16550, a few shell
# commands typed into minivmm's stdin, and "exit", after which the guest
# powers off (status 0).  Exits non-zero if a step failed.
vmm=${VMM:-/minivmm/vmm/minivmm}
kernel=${LINUX_KERNEL:-/minivmm/linux/vmlinuz}
rootfs=${LINUX_ROOTFS:-/minivmm/linux/rootfs.cpio}
cpus=${DEMO_CPUS:-2}
status=0

echo "=== minivmm demo: $(grep -o -w -m1 -E 'svm|vmx' /proc/cpuinfo)" \
     "host CPU, kernel $(uname -r)"
echo "=== $vmm --flat guests/hello-long.bin@0x10000 --mode long"
"$vmm" --flat guests/hello-long.bin@0x10000 --mode long || status=$?
echo "=== (exit status $status)"

echo "=== timeout 3 $vmm --flat guests/star.bin@0x10000"
timeout 3 "$vmm" --flat guests/star.bin@0x10000
rc=$?
echo
# stopped by timeout (SIGTERM) is how this one is meant to end
echo "=== (exit status $rc: stopped by timeout after 3 s)"
case $rc in
124 | 143) ;;
*) status=$rc ;;
esac

# wait_for STRING SECONDS: until the guest printed STRING or minivmm ended.
wait_for()
{
	i=0
	while ! grep -q -F -- "$1" "$tmp/out"; do
		[ -e "$tmp/rc" ] && return 1
		[ $i -lt $(($2 * 5)) ] || return 1
		sleep 0.2
		i=$((i + 1))
	done
}

# type_cmd LINE: what a user would type at the guest's shell prompt.
type_cmd()
{
	sleep 1
	printf '%s\n' "$1" >&3
}

if [ ! -r "$kernel" ] || [ ! -r "$rootfs" ]; then
	echo "=== no Linux guest in this image ($kernel, $rootfs)"
	exit 1
fi
tmp=$(mktemp -d)
cmdline="console=ttyS0 mvchecks=0 mvshell=1 mvend=poweroff"
echo "=== $vmm --kernel $kernel --initrd $rootfs --cpus $cpus --mem 256M --cmdline \"$cmdline\""
echo "=== (the stock Debian kernel, no BIOS: minivmm enters it at its 64-bit entry point)"
mkfifo "$tmp/in"
exec 3<> "$tmp/in"
{
	timeout 540 "$vmm" --kernel "$kernel" --initrd "$rootfs" \
		--cmdline "$cmdline" --cpus "$cpus" --mem 256M < "$tmp/in"
	echo $? > "$tmp/rc"
} | tee "$tmp/out" &
pid=$!
if wait_for "MVG ready" 480; then
	# shellcheck disable=SC2016 # expanded by the guest's shell
	for cmd in 'uname -a' 'nproc' 'grep -E "LOC|IO-APIC" /proc/interrupts' \
		'free -m' 'dmesg | grep -E "Hypervisor|ACPI: (FADT|MADT)|smpboot: Total"' \
		'echo "6 * 7 = $((6 * 7))"' 'exit'; do
		type_cmd "$cmd"
	done
else
	echo "=== the guest shell did not start"
fi
wait $pid
exec 3>&-
rc=$(cat "$tmp/rc" 2> /dev/null || echo none)
echo "=== (minivmm exit status $rc: 0 is the guest's poweroff)"
[ "$rc" = 0 ] || status=1
rm -rf "$tmp"
exit $status
