#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bed_vmm.sh - end-to-end checks of the minivmm VMM inside a test bed
# (module loaded).  Prints TAP.  Uses $MINIVMM_ROOT/vmm/minivmm and the
# guest blobs in $MINIVMM_ROOT/guests (built by make -C vmm).
# --quick: only the hello guests in each mode and a triple fault, for the
# slow Bochs bed.
quick=0
[ "${1:-}" = --quick ] && quick=1
root=${MINIVMM_ROOT:-/minivmm}
vmm=${VMM:-$root/vmm/minivmm}
g=${GUESTS:-$root/guests}
tmp=$(mktemp -d)
n=0
fail=0

result() {	# STATUS DESC
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
		for f in "$tmp/out" "$tmp/err"; do
			[ -s "$f" ] && head -c 2000 "$f" | sed 's/^/#   /'
		done
	fi
}

# run WANT_STATUS ARGS... : runs minivmm with stdin from /dev/null
run() {
	want=$1
	shift
	timeout 30 "$vmm" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" = "$want" ] || echo "status $st, want $want" >>"$tmp/err"
	[ "$st" = "$want" ]
}

for mode in long protected; do
	run 0 --flat "$g/hello-$mode.bin@0x10000" --mode $mode &&
		grep -qx "Hello from a minivmm guest ($mode)" "$tmp/out"
	result $? "hello in $mode mode prints and exits 0"
done
run 0 --flat "$g/hello-real.bin@0x10000" --mode real &&
	grep -qx "Hello from a minivmm guest (real)" "$tmp/out"
result $? "hello in real mode prints and exits 0"
run 0 --mem 2M --flat "$g/hello-real.bin@0x7c00" --mode real &&
	grep -qx "Hello from a minivmm guest (real)" "$tmp/out"
result $? "hello in real mode at 0x7c00 with 2M"

# MINIVMM_EXIT_STATS=1: the exit statistics on stderr at the end (the
# hello guest writes its text to the UART's port 0x3f8, a byte an exit).
export MINIVMM_EXIT_STATS=1
run 0 --flat "$g/hello-long.bin@0x10000" &&
	grep -Eq '^minivmm: stats: all +[1-9][0-9]* exits' "$tmp/err" &&
	grep -Eq '^minivmm: stats: port 0x3f8 +[1-9][0-9]* exits' "$tmp/err"
st=$?
unset MINIVMM_EXIT_STATS
result $st "MINIVMM_EXIT_STATS=1 prints exit statistics with the UART port"

run 0 --cpus 4 --flat "$g/hello-long.bin@0x10000" &&
	[ "$(grep -c Hello "$tmp/out")" = 1 ]
result $? "--cpus 4: one hello, every vCPU halts, exit 0"

run 0 --cpus 64 --flat "$g/hello-long.bin@0x10000" &&
	[ "$(grep -c Hello "$tmp/out")" = 1 ]
result $? "--cpus 64: 64 vCPU threads, one hello, exit 0"

run 0 --cpus 2 --mode protected --flat "$g/hello-protected.bin@0x10000" &&
	[ "$(grep -c Hello "$tmp/out")" = 1 ]
result $? "--cpus 2 in protected mode: one hello, exit 0"

run 3 --flat "$g/triple.bin@0x10000" &&
	grep -q "triple fault" "$tmp/err" && grep -q "rip=" "$tmp/err" &&
	grep -q "cr0=" "$tmp/err"
result $? "triple fault: exit 3 with a register dump"

if [ $quick = 1 ]; then
	rm -rf "$tmp"
	echo "1..$n"
	exit $fail
fi

for mode in real protected; do
	run 3 --mode $mode --flat "$g/triple.bin@0x10000" &&
		grep -q "triple fault" "$tmp/err"
	result $? "ud2 without an IDT in $mode mode: triple fault, exit 3"
done

run 3 --flat "$g/badmmio.bin@0x10000" &&
	grep -q "internal error: suberror 1" "$tmp/err" &&
	grep -q "instruction bytes: dd 06" "$tmp/err" && grep -q "rip=" "$tmp/err"
result $? "MMIO by an x87 load: internal error with instruction bytes, exit 3"

run 42 --flat "$g/exitcode.bin@0x10000"
result $? "exit port 0x501: exit status 42"

run 4 --flat "$g/idle.bin@0x10000"
result $? "HLT with IF=1 on the last vCPU: exit 4"

run 0 --debug --flat "$g/probe.bin@0x10000" &&
	grep -q "unhandled inb port 0x80" "$tmp/err" &&
	grep -q "unhandled outb port 0x80" "$tmp/err" &&
	grep -q "unhandled MMIO read gpa 0xe0000000 len 4" "$tmp/err" &&
	grep -q "unhandled MMIO write gpa 0xe0000000 len 4 value 0x12345678" "$tmp/err"
result $? "probe: unknown ports/MMIO read all ones, UART registers, --debug logs"

printf 'abc\nq' | timeout 30 "$vmm" --flat "$g/echo.bin@0x10000" \
	>"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 0 ] && [ "$(cat "$tmp/out")" = abc ]
result $? "UART input reaches the guest (echo), exit 0"

for sig in TERM INT; do
	"$vmm" --flat "$g/star.bin@0x10000" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	# at least 2 s, and until some output came (slow emulated setup)
	sleep 2
	i=0
	while [ $i -lt 40 ] && [ "$(wc -c <"$tmp/out")" -le 100 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	kill -$sig $pid
	wait $pid
	st=$?
	want=143
	[ $sig = INT ] && want=130
	stars=$(tr -cd '*' <"$tmp/out" | wc -c)
	echo "# star: $stars bytes of '*' before SIG$sig -> status $st"
	[ $st = $want ] && [ "$stars" -gt 100 ] &&
		[ "$(tr -d '*' <"$tmp/out" | wc -c)" = 0 ]
	result $? "star prints '*' until SIG$sig, then exits $want"
done

"$vmm" --cpus 8 --flat "$g/star.bin@0x10000" </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
st=$?
[ $st = 143 ]
result $? "8 vCPUs running star all stop on SIGTERM (status $st)"

if [ -t 0 ]; then
	before=$(stty -g)
	timeout 30 "$vmm" --flat "$g/hello-long.bin@0x10000" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ $st = 0 ] && [ "$(stty -g)" = "$before" ]
	result $? "terminal settings restored after a guest halts"
	# an asynchronous command gets /dev/null as stdin unless told
	exec 3<&0
	"$vmm" --flat "$g/star.bin@0x10000" <&3 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	exec 3<&-
	# setup (pinning guest RAM) can take a while under emulation
	i=0
	while [ $i -lt 40 ]; do
		sleep 0.25
		during=$(stty -g)
		[ "$during" != "$before" ] && break
		i=$((i + 1))
	done
	kill -TERM $pid
	wait $pid
	after=$(stty -g)
	[ "$during" != "$before" ] && [ "$after" = "$before" ] ||
		echo "# stty before $before, during $during, after $after"
	[ "$during" != "$before" ] && [ "$after" = "$before" ]
	result $? "terminal raw while running, restored after SIGTERM"
else
	n=$((n + 1))
	echo "ok $n - terminal handling # SKIP stdin is not a terminal"
fi

rm -rf "$tmp"
echo "1..$n"
exit $fail
