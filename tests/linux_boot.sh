#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# linux_boot.sh - boots the unmodified Debian kernel under minivmm inside a
# test bed and checks it end to end.  Prints TAP.
#
# Each boot runs "minivmm --kernel vmlinuz --initrd rootfs.cpio --cpus N
# --mem M" with the guest /init of tests/linux/init.sh, which checks
# nproc, LAPIC timer interrupts on every CPU, a CPU-bound loop per CPU and
# a dmesg free of warnings and clock complaints, prints marks around
# "sleep 5" (timestamped here against the bed's clock), then either runs
# a shell on ttyS0 that this script types commands into through minivmm's
# stdin (and ends it with "exit": the guest powers off, status 0), or
# reboots (status 5, VMM_EXIT_RESET).
#
# usage: linux_boot.sh [CPUS:END...]   (END: shell or reboot)
# Boots per bed, unless given as arguments or in LINUX_BOOTS:
#   qemu   1:shell 2:reboot 4:shell 8:shell, --mem 256M, "sleep 10" (the marks
#          are stamped as they arrive through the UART; under TCG their
#          latency jitters by ~0.1 s, which "sleep 5" cannot absorb at 2%).
#          The reboot boot has two vCPUs: Linux stops the AP before it
#          restarts.  Linux reboots this platform through the BIOS reset
#          vector (real mode, f000:fff0; see vmm/power.h), which then
#          writes the ACPI reset register.
#   bochs  2:shell, --mem 128M: one boot, because Bochs runs ~20x slower
#          than QEMU (a nested boot costs many minutes of wall time and
#          "make check" must fit CI's 90 minutes).  Two vCPUs cover what is
#          backend-specific (VT-x entry, INIT/SIPI of an AP, LAPIC timers
#          and IPIs on VMX) plus the checks, the shell and poweroff; the
#          1-vCPU boot is the BSP half of it.  Reboot is not in it: its
#          backend-specific part (the guest's switch back to real mode)
#          would cost another nested boot (a Bochs bed with only
#          "linux_boot.sh 2:reboot" took 7 minutes of wall time; it
#          passed); run it there by hand.  The loop is shorter and the
#          memory smaller (less to pin and clear).
#
# Environment: MINIVMM_ROOT (/minivmm), MINIVMM_BED, VMM, LINUX_KERNEL,
# LINUX_ROOTFS, LINUX_BOOTS, LINUX_MEM, LINUX_LOOP, LINUX_TIMEOUT (seconds
# per boot), LINUX_KEEP=DIR (keep the logs there).
root=${MINIVMM_ROOT:-/minivmm}
vmm=${VMM:-$root/vmm/minivmm}
kernel=${LINUX_KERNEL:-$root/linux/vmlinuz}
rootfs=${LINUX_ROOTFS:-$root/linux/rootfs.cpio}
bed=${MINIVMM_BED:-qemu}
sleep_s=5
if [ "$bed" = bochs ]; then
	boots=${LINUX_BOOTS:-2:shell}
	mem=${LINUX_MEM:-128M}
	loop=${LINUX_LOOP:-20000}
	limit=${LINUX_TIMEOUT:-600}
else
	boots=${LINUX_BOOTS:-1:shell 2:reboot 4:shell 8:shell}
	sleep_s=10
	mem=${LINUX_MEM:-256M}
	loop=${LINUX_LOOP:-100000}
	limit=${LINUX_TIMEOUT:-420}
fi
[ $# -gt 0 ] && boots=$*
# The checks the guest must report, in its order (tests/linux/init.sh).
guest_checks="nproc lapic-timer cpu-loop dmesg-clean dmesg-time"

tmp=$(mktemp -d)
n=0
fail=0
cr=$(printf '\r')

result()	# STATUS DESC [FILE...]: one TAP line; details of a failure
{
	st=$1
	desc=$2
	shift 2
	n=$((n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fail=1
		for f in "$@"; do
			[ -s "$f" ] && tail -n 25 "$f" | sed 's/^/#   /'
		done
	fi
}

now()
{
	read -r up _ < /proc/uptime
	echo "$up"
}

# Copies minivmm's output to stdout line by line, without the tty's \r;
# appends the bed's uptime to every "MVG mark" line as it arrives.
stamp()
{
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%"$cr"}
		case $line in
		*"MVG mark "*)
			read -r up _ < /proc/uptime
			echo "$line host=$up"
			;;
		*)
			echo "$line"
			;;
		esac
	done
}

# wait_for FILE STRING SECONDS: until FILE has STRING or minivmm ended.
wait_for()
{
	deadline=$(($(cut -d. -f1 /proc/uptime) + $3))
	while ! grep -q -F -- "$2" "$1"; do
		[ -e "$tmp/rc" ] && return 1
		[ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ] || return 1
		sleep 0.2
	done
}

# type_cmd LINE: one line into the guest's shell (fd 3 is minivmm's stdin).
type_cmd()
{
	printf '%s\n' "$1" >&3
}

# drive_shell CPUS OUT: the interactive part; one TAP line per answer.
drive_shell()	# CPUS OUT: types commands; shell_* hold the outcomes
{
	cpus=$1
	out=$2
	shell_started=1 shell_answer=1 shell_count=1
	wait_for "$out" "MVG ready" "$limit" || return
	shell_started=0
	# The shell may still be starting: the line waits in the UART/tty.
	# shellcheck disable=SC2016 # expanded by the guest's shell
	type_cmd 'echo "answer=$((6*7))"'
	wait_for "$out" "answer=42" 60
	shell_answer=$?
	# shellcheck disable=SC2016
	type_cmd 'echo "cpus=$(grep -c ^processor /proc/cpuinfo) kernel=$(uname -r)"'
	wait_for "$out" "cpus=$cpus kernel=" 60
	shell_count=$?
	type_cmd 'exit'
}

# shell_results CPUS OUT: the TAP lines of drive_shell's outcomes (after
# the boot has ended, with the other results of that boot).
shell_results()
{
	if [ "$shell_started" != 0 ]; then
		result 1 "cpus=$1: the guest shell started (no 'MVG ready')"
		result 1 "cpus=$1: shell answers echo \$((6*7)) with 42 (not run)"
		result 1 "cpus=$1: shell counts the CPUs (not run)"
		return
	fi
	result 0 "cpus=$1: the guest shell started"
	result "$shell_answer" "cpus=$1: shell answers echo \$((6*7)) with 42" "$2"
	result "$shell_count" "cpus=$1: shell counts $1 CPUs in /proc/cpuinfo" "$2"
}

# mark NAME OUT: "GUEST HOST" seconds of the guest's mark NAME.
mark()
{
	sed -n "s/.*MVG mark $1 \([0-9.]*\) host=\([0-9.]*\).*/\1 \2/p" "$2" |
		head -n 1
}

# check_sleep CPUS OUT: the guest's "sleep 5" against the bed's clock.
# The guest marks the time before "sleep 0", before "sleep 5" and after
# it; this script stamps each mark with the bed's clock as it arrives.
# Passes when the guest's and the bed's clocks agree on the sleep within
# 2% (the clocks run at the same rate), the sleep took at least 98% of its
# length in the bed's time (the guest's timers do not fire early), and at
# most 2% more than its length plus the cost of starting a program
# ("sleep 0", measured just before): on a loaded bed that cost jitters by
# tenths of a second between two starts, so it widens the upper bound
# rather than being subtracted.
check_sleep()
{
	cpus=$1
	out=$2
	z=$(mark sleep0-begin "$out")
	b=$(mark sleep-begin "$out")
	e=$(mark sleep-end "$out")
	if [ -z "$z" ] || [ -z "$b" ] || [ -z "$e" ]; then
		result 1 "cpus=$cpus: sleep $sleep_s: no timestamps from the guest"
		return
	fi
	verdict=$(echo "$z $b $e" | awk -v s="$sleep_s" '{
		o = $4 - $2; g = $5 - $3; h = $6 - $4
		ok = g - h <= h * 0.02 && h - g <= h * 0.02 && \
		     h >= s * 0.98 && h <= s * 1.02 + (o > 0 ? o : 0)
		printf "%d guest %.2f s, host %.2f s, starting sleep %.2f s\n", \
			!ok, g, h, o
	}')
	result "${verdict%% *}" "cpus=$cpus: sleep $sleep_s takes $sleep_s s of host time within 2% (${verdict#* })"
}

# boot CPUS END: one boot and its checks.
boot()
{
	cpus=$1
	end=$2
	out=$tmp/out.$cpus.$end
	err=$tmp/err.$cpus.$end
	shell=0
	want=5
	if [ "$end" = shell ]; then
		shell=1
		want=0
		end=poweroff
	fi
	# Not quiet: when a boot fails, the tail of its log says where.
	cmdline="console=ttyS0 panic=-1 mvexpect=$cpus mvloop=$loop"
	cmdline="$cmdline mvsleep=$sleep_s mvshell=$shell mvend=$end"
	echo "# boot: $vmm --kernel $kernel --initrd $rootfs --cpus $cpus --mem $mem --cmdline \"$cmdline\""
	rm -f "$tmp/rc" "$tmp/in"
	: > "$out"
	mkfifo "$tmp/in"
	# fd 3 keeps the fifo open for writing: minivmm's stdin never sees
	# EOF before the script is done typing.
	exec 3<> "$tmp/in"
	t0=$(now)
	{
		timeout "$limit" "$vmm" --kernel "$kernel" --initrd "$rootfs" \
			--cmdline "$cmdline" --cpus "$cpus" --mem "$mem" \
			< "$tmp/in" 2> "$err"
		echo $? > "$tmp/rc.tmp"
		mv "$tmp/rc.tmp" "$tmp/rc"
	} | stamp > "$out" &
	pid=$!
	[ $shell = 1 ] && drive_shell "$cpus" "$out"
	wait $pid
	exec 3>&-
	t1=$(now)
	rc=$(cat "$tmp/rc" 2> /dev/null || echo none)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "# cpus=$cpus: minivmm status $rc after $secs s"
	grep -E 'boot-time' "$err" | sed 's/^/# /'

	[ $shell = 1 ] && shell_results "$cpus" "$out"
	[ "$rc" = "$want" ]
	result $? "cpus=$cpus: minivmm exits with status $want ($end; got $rc after $secs s)" "$out" "$err"
	grep -q "MVG init" "$out"
	result $? "cpus=$cpus: the kernel reached /init" "$out" "$err"
	for c in $guest_checks; do
		line=$(grep -m 1 "MVG [a-z]* $c - " "$out")
		case $line in
		*"MVG ok $c - "*) st=0 ;;
		*) st=1 ;;
		esac
		[ -n "$line" ] || line="MVG fail $c - no result from the guest"
		result $st "cpus=$cpus: guest $c: ${line#*" $c - "}"
	done
	# the guest's notes: offending log lines, its clock and APIC setup
	grep '^MVG # ' "$out" | sed 's/^MVG/#/'
	check_sleep "$cpus" "$out"
	grep -q -E 'boot-time first-insn=[0-9]+\.[0-9]+ ms init=[0-9]+\.[0-9]+ ms' "$err"
	result $? "cpus=$cpus: boot timer reports first-insn and init" "$err"
	if [ "$want" = 0 ]; then
		grep -q 'reboot: Power down' "$out" && grep -q 'MVG end poweroff' "$out"
		result $? "cpus=$cpus: the guest powered off (reboot: Power down)" "$out"
	else
		grep -q 'reboot: Restarting system' "$out" && grep -q 'MVG end reboot' "$out"
		result $? "cpus=$cpus: the guest rebooted (reboot: Restarting system)" "$out"
	fi
	! grep -q 'Kernel panic' "$out"
	result $? "cpus=$cpus: no kernel panic" "$out"
	[ -n "${LINUX_KEEP:-}" ] && cp "$out" "$err" "$LINUX_KEEP/" 2> /dev/null
}

missing=''
for f in "$vmm" "$kernel" "$rootfs"; do
	[ -r "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - linux boot: missing$missing"
	rm -rf "$tmp"
	exit 1
fi

echo "# bed $bed: boots '$boots', --mem $mem, loop $loop, $limit s each"
for b in $boots; do
	boot "${b%%:*}" "${b#*:}"
done
rm -rf "$tmp"
echo "1..$n"
exit $fail
