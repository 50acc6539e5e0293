#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guest that minivmm boots in the end-to-end tests
# (tests/linux_boot.sh), in "make run" (tests/beds/demo.sh) and in the
# boot-time benchmark (bench/boot_bench.sh).  The guest is the bed's own
# Debian kernel with this busybox initramfs (tests/linux/mkrootfs.sh).
#
# Words of the kernel command line that steer it:
#   mvexpect=N      the number of CPUs the guest must see (default: none)
#   mvchecks=0|1    run the checks below (default 1)
#   mvloop=N        iterations of the CPU-bound loop (default 300000)
#   mvsleep=S       seconds of the timed sleep (default 5; 0: skip it)
#   mvshell=0|1     then run an interactive shell on ttyS0 (default 0)
#   mvend=poweroff|reboot|halt   how the guest ends (default poweroff)
#
# It prints one fact a line on the console, for the host to parse:
#   MVG init <uptime>                 /init started (after the boot timer)
#   MVG ok|fail NAME - TEXT           the result of one check
#   MVG # TEXT                        a note
#   MVG mark NAME <uptime>            a timestamp (sleep0-begin,
#                                     sleep-begin, sleep-end)
#   MVG ready                         the shell is about to read ttyS0
#   MVG end poweroff|reboot|halt      the last line before the end
export PATH=/bin:/sbin

mount -t devtmpfs dev /dev 2> /dev/null
# The boot timer (vmm/boot_timer.h): a byte to port 0x440 (1088) marks
# "/init reached".  busybox has no outb; /dev/port turns a write at offset
# P into an outb to port P.  123 is Firecracker's boot-complete value.
printf '\173' | dd of=/dev/port bs=1 seek=1088 count=1 2> /dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /tmp
mount -t tmpfs tmp /tmp

read -r up _ < /proc/uptime
echo "MVG init $up"

expect='' checks=1 loop=300000 sleep_s=5 shell=0 end=poweroff
# shellcheck disable=SC2013 # the command line is one line of words
for word in $(cat /proc/cmdline); do
	case $word in
	mvexpect=*) expect=${word#*=} ;;
	mvchecks=*) checks=${word#*=} ;;
	mvloop=*) loop=${word#*=} ;;
	mvsleep=*) sleep_s=${word#*=} ;;
	mvshell=*) shell=${word#*=} ;;
	mvend=*) end=${word#*=} ;;
	esac
done

result()	# NAME STATUS TEXT
{
	if [ "$2" = 0 ]; then
		echo "MVG ok $1 - $3"
	else
		echo "MVG fail $1 - $3"
	fi
}

check_cpus()
{
	n=$(nproc)
	online=$(cat /sys/devices/system/cpu/online)
	if [ -z "$expect" ]; then
		result nproc 0 "nproc is $n (nothing expected)"
		return
	fi
	want_online=0
	[ "$expect" -gt 1 ] && want_online="0-$((expect - 1))"
	[ "$n" = "$expect" ] && [ "$online" = "$want_online" ]
	result nproc $? "nproc is $n, online $online (want $expect, $want_online)"
}

# The LOC line of /proc/interrupts: local APIC timer interrupts per CPU.
check_lapic_timer()
{
	line=$(grep '^ *LOC:' /proc/interrupts)
	n=$(nproc)
	# shellcheck disable=SC2086
	set -- $line
	shift
	bad=0
	counts=''
	i=0
	while [ $i -lt "$n" ]; do
		c=${1:-0}
		counts="$counts $c"
		case $c in
		'' | *[!0-9]*) bad=1 ;;
		*) [ "$c" -gt 0 ] || bad=1 ;;
		esac
		shift 2> /dev/null
		i=$((i + 1))
	done
	result lapic-timer $bad "LAPIC timer interrupts per CPU:$counts"
}

# One CPU-bound awk loop per CPU, in parallel; each must print the sum.
check_loop()
{
	n=$(nproc)
	q=$((loop / 7))
	r=$((loop % 7))
	want=$((q * 21 + r * (r - 1) / 2))
	read -r t0 _ < /proc/uptime
	i=0
	while [ $i -lt "$n" ]; do
		taskset -c $i awk -v n="$loop" \
			'BEGIN { for (i = 0; i < n; i++) s += i % 7; print s }' \
			> /tmp/loop.$i 2>&1 &
		i=$((i + 1))
	done
	wait
	read -r t1 _ < /proc/uptime
	bad=0
	got=''
	i=0
	while [ $i -lt "$n" ]; do
		v=$(cat /tmp/loop.$i)
		got="$got $v"
		[ "$v" = "$want" ] || bad=1
		i=$((i + 1))
	done
	result cpu-loop $bad "$n x $loop iterations in $t0..$t1 s: sums$got (want $want)"
}

# The kernel log: no warning, bug or oops; "RETBleed: WARNING" and the
# like are advice about the CPU, not kernel warnings.
check_dmesg()
{
	dmesg > /tmp/dmesg
	grep -E 'WARNING|BUG[: ]|Call Trace|Oops|general protection|refcount_t' \
		/tmp/dmesg | grep -v -E '(RETBleed|Spectre[^:]*|MDS|MMIO Stale Data|SRBDS|TAA|GDS|RFDS|ITS): WARNING' \
		> /tmp/dmesg.bad
	[ -s /tmp/dmesg.bad ]
	result dmesg-clean $((! $?)) "no WARNING/BUG/Oops/Call Trace in dmesg"
	sed 's/^/MVG # bad: /' /tmp/dmesg.bad
	# Time: what Linux says when a clock or the APIC timer misbehaves.
	# ("Fast TSC calibration failed" is not one: the slower PIT
	# calibration that follows it is fine; "Unable to calibrate" is.)
	grep -i -E 'clocksource.*unstable|Marking TSC unstable|TSC.*unstable|APIC timer disabled|APIC frequency too slow|APIC calibration|Unable to calibrate|timer doesn.t work|lapic timer.*(broken|disabled)|timekeeping watchdog|clock skew|time went backwards|No reference \(HPET/PMTIMER\)' \
		/tmp/dmesg > /tmp/dmesg.time
	[ -s /tmp/dmesg.time ]
	result dmesg-time $((! $?)) "no clocksource/TSC/APIC calibration complaints in dmesg"
	sed 's/^/MVG # time: /' /tmp/dmesg.time
	grep -E 'tsc: |clocksource: Switched|x2apic|smpboot: Total|Calibrating delay|APIC timer|IO-APIC|ACPI: (FADT|MADT|DSDT)' \
		/tmp/dmesg | head -n 12 | sed 's/^/MVG # /'
}

check_sleep()
{
	[ "$sleep_s" -gt 0 ] || return 0
	# Let the host's reader drain the boot log, so that its timestamps
	# of the two marks are both fresh.
	sleep 1
	# "sleep 0" first: what starting a program costs, to tell apart
	# from the sleep itself (it is large in a nested, emulated guest).
	read -r a _ < /proc/uptime
	echo "MVG mark sleep0-begin $a"
	sleep 0
	read -r a _ < /proc/uptime
	echo "MVG mark sleep-begin $a"
	sleep "$sleep_s"
	read -r b _ < /proc/uptime
	echo "MVG mark sleep-end $b"
}

if [ "$checks" = 1 ]; then
	check_cpus
	check_lapic_timer
	check_loop
	check_sleep
	check_dmesg
fi

if [ "$shell" = 1 ]; then
	echo "MVG ready"
	# setsid + opening ttyS0: the shell gets it as its controlling tty.
	setsid sh -c 'exec sh -i < /dev/ttyS0 > /dev/ttyS0 2>&1'
fi

echo "MVG end $end"
# poweroff -f drops what the UART has not sent yet; stty sets the line
# with TCSADRAIN, which waits until the output is drained.
stty -F /dev/console -echo 2> /dev/null
case $end in
reboot) reboot -f ;;
halt) halt -f ;;
*) poweroff -f ;;
esac
# Not reached unless the above failed; init must not exit.
echo "MVG # $end -f failed"
while :; do sleep 1000; done
