#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the minivmm test beds (a busybox initramfs booted by QEMU or Bochs).
#
# The kernel command line selects what to do (unknown "key=value" words reach
# init as environment variables):
#   mvbed=BED                 which bed this is, a bed name of bed-tests.txt
#                             (qemu, qemu-slowtsc, bochs, bochs-smp): tests
#                             are filtered by it
#   mvmode=check|run|bench    run bed-tests.txt, the demo, or the benchmarks
#   mvtoken=WORD              printed in the end marker, so that the host can
#                             tell this run's end from an old log's
#
# Everything the host needs is printed on the console (ttyS0), one fact a line:
#   MINIVMM-BED-BEGIN bed=B mode=M kernel=R
#   MINIVMM-START name                      before a test runs
#   [name] <output line>                    everything the test prints
#   MINIVMM-RESULT name rc=N secs=N timeout=0|1 stuck=0|1 modloaded=0|1
#   MINIVMM-CHECK ok|fail name - text       checks of the runner itself
#   MINIVMM-BED-END <token>                 the last line before poweroff
# tests/beds/report.sh turns this into counts.

export PATH=/bin:/sbin
ROOT=/minivmm

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /dev/pts
mount -t tmpfs tmp /tmp

# From here on a WARN in the module panics the bed instead of passing
# silently.  Not on the command line: Bochs' CPU model makes the kernel WARN
# once at early boot, which is Bochs' quirk, not ours.
echo 1 > /proc/sys/kernel/panic_on_warn
# Only EMERG/ALERT reach the console, so kernel messages rarely cut into a
# TAP line; the full log is printed (prefixed) after each test instead.
dmesg -n 2
dmesg -c > /dev/null

bed=${mvbed:-unknown}
mode=${mvmode:-check}
token=${mvtoken:-none}
for word in $(cat /proc/cmdline); do
	case $word in
	mvbed=*) bed=${word#mvbed=} ;;
	mvmode=*) mode=${word#mvmode=} ;;
	mvtoken=*) token=${word#mvtoken=} ;;
	esac
done

export MINIVMM_BED=$bed
export MINIVMM_KO=$ROOT/minivmm.ko
export MINIVMM_ROOT=$ROOT
export HOME=/tmp

KMSG_ALL=/tmp/kmsg.all
: > "$KMSG_ALL"
# The taint flags boot left (a bed's emulated CPU may earn a WARN there).
taint_boot=$(cat /proc/sys/kernel/tainted)

echo "MINIVMM-BED-BEGIN bed=$bed mode=$mode kernel=$(uname -r)" \
	"cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"virt=$(grep -o -w -m1 -E 'svm|vmx' /proc/cpuinfo)"

# check NAME OK|FAIL TEXT: a result of the runner itself.
check()
{
	echo "MINIVMM-CHECK $2 $1 - $3"
}

uptime_secs()
{
	cut -d. -f1 /proc/uptime
}

# Moves new kernel messages into $KMSG_ALL and shows them under [name].
kmsg_collect()
{
	dmesg -c > /tmp/kmsg.new
	if [ -s /tmp/kmsg.new ]; then
		cat /tmp/kmsg.new >> "$KMSG_ALL"
		prefix "$1" "# kmsg: " < /tmp/kmsg.new
	fi
}

# prefix NAME [TAG]: copies stdin to stdout, each line prefixed "[NAME] TAG".
prefix()
{
	while IFS= read -r line || [ -n "$line" ]; do
		printf '[%s] %s%s\n' "$1" "$2" "$line"
	done
}

module_loaded()
{
	grep -q '^minivmm ' /proc/modules
}

# run_one NAME TIMEOUT CMD ARGS...: runs a test in its own process group
# with its output prefixed, kills it (group and all) after TIMEOUT seconds
# and moves on even if it cannot be killed (stuck in the kernel).
run_one()
{
	name=$1
	limit=$2
	shift 2
	echo "MINIVMM-START $name"
	rm -f /tmp/out.fifo
	mkfifo /tmp/out.fifo
	prefix "$name" < /tmp/out.fifo &
	prefix_pid=$!
	# setsid: a background child is not a group leader, so setsid execs in
	# place and the test's pid is also its process group id.
	(cd "$ROOT" && exec setsid "$@" < /dev/null > /tmp/out.fifo 2>&1) &
	pid=$!
	start=$(uptime_secs)
	timed_out=0
	stuck=0
	while kill -0 "$pid" 2> /dev/null; do
		now=$(uptime_secs)
		if [ $((now - start)) -ge "$limit" ]; then
			timed_out=1
			echo "[$name] # runner: timeout after $limit s, killing"
			kill -TERM -"$pid" 2> /dev/null
			kill -TERM "$pid" 2> /dev/null
			n=0
			while kill -0 "$pid" 2> /dev/null && [ $n -lt 10 ]; do
				sleep 1
				n=$((n + 1))
			done
			kill -KILL -"$pid" 2> /dev/null
			kill -KILL "$pid" 2> /dev/null
			n=0
			while kill -0 "$pid" 2> /dev/null && [ $n -lt 10 ]; do
				sleep 1
				n=$((n + 1))
			done
			kill -0 "$pid" 2> /dev/null && stuck=1
			break
		fi
		sleep 1
	done
	rc=255
	if [ $stuck = 0 ]; then
		wait "$pid"
		rc=$?
	else
		echo "[$name] # runner: process cannot be killed (stuck in the kernel?)"
	fi
	# Children of the test may still hold the fifo open; do not wait on them.
	n=0
	while kill -0 "$prefix_pid" 2> /dev/null && [ $n -lt 5 ]; do
		sleep 1
		n=$((n + 1))
	done
	kill "$prefix_pid" 2> /dev/null
	end=$(uptime_secs)
	kmsg_collect "$name"
	loaded=0
	module_loaded && loaded=1
	echo "MINIVMM-RESULT $name rc=$rc secs=$((end - start))" \
		"timeout=$timed_out stuck=$stuck modloaded=$loaded"
	if [ $loaded = 0 ] && [ "$mode" != bench ]; then
		echo "[$name] # runner: the module is no longer loaded; reloading"
		insmod "$MINIVMM_KO" 2>&1 | prefix "$name" "# insmod: "
	fi
}

# run_list FILE: runs every line of FILE meant for this bed.
run_list()
{
	names=" "
	while read -r beds limit cmd args; do
		case $beds in
		'' | '#'*) continue ;;
		esac
		case ",$beds," in
		*",$bed,"* | *,all,*) ;;
		*) continue ;;
		esac
		# The name is the command's basename; repeats get .2, .3, ...
		base=${cmd##*/}
		name=$base
		n=1
		while case "$names" in *" $name "*) true ;; *) false ;; esac; do
			n=$((n + 1))
			name=$base.$n
		done
		names="$names$name "
		case $cmd in
		*/*) path=$cmd ;;
		*) path=$ROOT/tests/$cmd ;;
		esac
		# $args is split into words on purpose: the list has no quoting.
		# shellcheck disable=SC2086
		run_one "$name" "$limit" "$path" $args < /dev/null
	done < "$1"
}

# The module: a failed insmod fails the check below, and report.sh counts
# every test of this bed as failed (not run).
insmod_ok=0
if [ "$mode" != bench ] || [ -e "$MINIVMM_KO" ]; then
	if insmod "$MINIVMM_KO" > /tmp/insmod.out 2>&1; then
		insmod_ok=1
		check insmod ok "insmod $MINIVMM_KO"
	else
		prefix insmod < /tmp/insmod.out
		check insmod fail "insmod $MINIVMM_KO failed"
	fi
	kmsg_collect insmod
fi

case $mode in
check)
	if [ $insmod_ok = 1 ]; then
		run_list "$ROOT/bed-tests.txt"
	fi
	;;
bench)
	run_list "$ROOT/bench-list.txt"
	;;
run)
	# Straight to the console: the guests' output is the point.
	if [ $insmod_ok = 1 ]; then
		(cd "$ROOT" && sh "$ROOT/demo.sh") < /dev/null
		echo "MINIVMM-RESULT demo rc=$?"
	fi
	kmsg_collect demo
	;;
esac

# The kernel log since init, whatever the tests did.
module_loaded && rmmod minivmm > /tmp/rmmod.out 2>&1
if [ $insmod_ok = 1 ] && [ "$mode" = check ]; then
	if module_loaded; then
		prefix rmmod < /tmp/rmmod.out
		check rmmod fail "rmmod minivmm at the end"
	else
		check rmmod ok "rmmod minivmm at the end"
	fi
fi
kmsg_collect rmmod
pattern='BUG:|WARNING: CPU|Oops|general protection|Call Trace|refcount_t'
tainted=$(cat /proc/sys/kernel/tainted)
if grep -E "$pattern" "$KMSG_ALL" > /tmp/kmsg.bad; then
	prefix kernel-log "# " < /tmp/kmsg.bad
	check kernel-log fail "kernel log has BUG/WARNING/Oops lines"
elif [ $(( tainted & ~taint_boot & 0x280 )) != 0 ]; then
	# W (a WARN) or D (an oops) since boot, whose lines the log lost
	check kernel-log fail "kernel tainted by a WARN or an oops (tainted=$tainted, at boot $taint_boot)"
else
	check kernel-log ok "kernel log clean (tainted=$tainted)"
fi

echo "MINIVMM-BED-END $token"
sync
# poweroff -f drops what the serial port has not sent yet: stty sets the
# line with TCSADRAIN, which waits until the output is drained.
stty -F /dev/console -echo 2> /dev/null
sleep 1
poweroff -f
