#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cli.sh VMM GUESTDIR - command-line and error-path checks that need no
# module: every failure must give its exit status and a clear message.
vmm=${1:-./minivmm}
g=${2:-guests}
n=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check DESC WANT_STATUS WANT_TEXT ARGS...
check() {
	desc=$1 want=$2 text=$3
	shift 3
	n=$((n + 1))
	"$vmm" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" = "$want" ] && grep -q -- "$text" "$tmp/out" "$tmp/err"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (status $st, want $want; wanted \"$text\")"
		sed 's/^/#   /' "$tmp/err"
		fail=1
	fi
}

check "--help prints usage" 0 "Usage: minivmm" --help
check "no guest is a usage error" 2 "nothing to run"
check "unknown option" 2 "unknown option '--bogus'" --bogus
check "missing argument" 2 "needs an argument" --flat x@0 --mem
check "bad --mem syntax" 2 "bad size" --mem 12Q --flat "$g/star.bin@0x10000"
check "--mem too small" 2 "at least 1M" --mem 4K --flat "$g/star.bin@0x10000"
check "--mem not page aligned" 2 "multiple of 4K" --mem 2000001 --flat "$g/star.bin@0x10000"
check "bad --cpus" 2 "must be 1..64" --cpus 0 --flat "$g/star.bin@0x10000"
check "bad --mode" 2 "must be real, protected or long" --mode vm86 --flat "$g/star.bin@0x10000"
check "--flat without @" 2 "expected FILE@ADDR" --flat "$g/star.bin"
check "--flat bad address" 2 "bad address" --flat "$g/star.bin@zz"
check "missing file" 1 "cannot open $tmp/nope.bin: No such file or directory" --flat "$tmp/nope.bin@0x10000"
check "address outside memory" 1 "outside guest memory" --mem 16M --flat "$g/star.bin@0x2000000"
check "image does not fit" 1 "does not fit" --mem 1M --flat "$g/hello-long.bin@0xffff0"
check "image over page tables" 1 "overlaps the GDT" --flat "$g/star.bin@0x3000"
check "real mode above 1 MiB" 1 "below 1 MiB" --mode real --flat "$g/hello-real.bin@0x100000"
check "--kernel with --flat" 2 "exclude each other" --kernel "$g/star.bin" --flat "$g/star.bin@0x10000"
check "--initrd without --kernel" 2 "need --kernel" --initrd x --flat "$g/star.bin@0x10000"
check "--mode with --kernel" 2 "for --flat only" --mode long --kernel "$g/star.bin"
check "missing kernel" 1 "cannot open kernel $tmp/vmlinuz: No such file" --kernel "$tmp/vmlinuz"
check "not a kernel" 1 "not a kernel minivmm can boot" --kernel "$g/star.bin"
check "multiboot kernel loads (then no device)" 1 "MINIVMM_GET_API_VERSION failed" --dev /dev/null --kernel "$g/multiboot.bin"
check "multiboot kernel with a too small --mem" 1 "does not fit" --mem 1M --kernel "$g/multiboot.bin"
bz=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -n "$bz" ]; then
	check "bzImage too big for --mem" 1 "does not fit in --mem 32M" --mem 32M --kernel "$bz"
	check "missing initrd" 1 "cannot open initrd $tmp/initrd" --kernel "$bz" --initrd "$tmp/initrd"
	check "command line too long" 1 "this kernel takes at most 2047" --kernel "$bz" --cmdline "$(printf '%03000d' 0)"
else
	for d in "bzImage too big for --mem" "missing initrd" "command line too long"; do
		n=$((n + 1))
		echo "ok $n - $d # SKIP no /boot/vmlinuz-*"
	done
fi
check "missing device" 1 "cannot open $tmp/dev: No such file or directory (is the minivmm module loaded" --dev "$tmp/dev" --flat "$g/star.bin@0x10000"
check "not a minivmm device" 1 "MINIVMM_GET_API_VERSION failed" --dev /dev/null --flat "$g/star.bin@0x10000"

n=$((n + 1))
if [ "$(od -An -tx1 "$g/star.bin" | tr -d " \n")" = "b02abaf8030000eeebfd" ]; then
	echo "ok $n - star.bin is the seed program"
else
	echo "not ok $n - star.bin is the seed program"
	fail=1
fi
echo "1..$n"
exit $fail
